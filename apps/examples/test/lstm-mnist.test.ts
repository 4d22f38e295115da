import { createCpuBackend } from '@nabla/backend-cpu';
import { loadMnist } from '@nabla/data/node';
import { Dense, Input, LSTM } from '@nabla/layers';
import { Sequential } from '@nabla/models';
import { Adam, CosineDecay } from '@nabla/optimizers';
import { div, memory, setBackend, sub, tidy, type Tensor } from '@nabla/tensor';
import { beforeAll, describe, expect, it } from 'vitest';
import { trainAndReport } from '../src/course-mlp.js';

beforeAll(async () => {
  await setBackend(createCpuBackend());
});

/** Pixels standardized with the MNIST training mean and standard deviation. */
const standardize = (x: Tensor): Tensor => tidy(() => div(sub(x, 0.1307), 0.3081));

describe('LSTM(64) over the 28 rows of real MNIST digits (@nabla/layers recurrent layers end to end)', () => {
  it('learns from 3,000 training images (> 85% on 1,000 test images after 2 epochs) without leaking', async () => {
    const raw = loadMnist({ trainLimit: 3000, testLimit: 1000 });
    // each image is a sequence of 28 rows (timesteps) of 28 pixels (features)
    const train = { images: standardize(raw.train.images), labels: raw.train.labels };
    const test = { images: standardize(raw.test.images), labels: raw.test.labels };
    const glorot = (s: number) => ({ className: 'GlorotUniform', config: { seed: s } });
    const model = new Sequential([
      new Input({ shape: [28, 28] }),
      new LSTM({ units: 64, kernelInitializer: glorot(1), recurrentInitializer: { className: 'Orthogonal', config: { seed: 2 } } }),
      new Dense({ units: 10, activation: 'softmax', kernelInitializer: glorot(3) }),
    ]);
    const batchSize = 16;
    const steps = 2 * Math.ceil(3000 / batchSize);
    // only 375 updates: a cosine-decayed learning rate from 0.01 and global-norm clipping make them count
    const optimizer = new Adam({ learningRate: new CosineDecay({ initialLearningRate: 0.01, decaySteps: steps }), globalClipNorm: 1 });
    model.compile({ optimizer, loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] });
    expect(model.countParams()).toBe(23808 + 650);
    const live: number[] = [];
    const lines: string[] = [];
    const reports = await trainAndReport(model, train, test, {
      epochs: 2, batchSize, seed: 7, verbose: 0, log: (l) => lines.push(l), callbacks: [{ onEpochEnd: () => void live.push(memory().numTensors) }],
    });
    console.log(`LSTM(64) on row-sequence MNIST, 3,000 images, batch ${batchSize}, cpu backend:\n${lines.join('\n')}`);
    // optimizer slots and metric totals persist; nothing else may accumulate between epochs
    expect(live[1]).toBe(live[0]);
    expect(reports).toHaveLength(2);
    expect(reports[1]!.testAccuracy).toBeGreaterThan(0.85);
    model.dispose();
    for (const t of [raw.train.images, raw.test.images, train.images, train.labels, test.images, test.labels]) t.dispose();
  }, 600_000);
});
