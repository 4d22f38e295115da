import { createCpuBackend } from '@nabla/backend-cpu';
import { loadMnist } from '@nabla/data/node';
import { Dense, Input, LSTM } from '@nabla/layers';
import { Sequential } from '@nabla/models';
import { Adam } from '@nabla/optimizers';
import { memory, setBackend } from '@nabla/tensor';
import { beforeAll, describe, expect, it } from 'vitest';
import { trainAndReport } from '../src/course-mlp.js';

beforeAll(async () => {
  await setBackend(createCpuBackend());
});

describe('LSTM(64) over the 28 rows of real MNIST digits', () => {
  it('learns from 3,000 training images (> 85% on 1,000 test images after 2 epochs) without leaking', async () => {
    const { train, test } = loadMnist({ trainLimit: 3000, testLimit: 1000 });
    const seed = (s: number) => ({ className: 'GlorotUniform', config: { seed: s } });
    const model = new Sequential([
      new Input({ shape: [28, 28] }), // each image is a sequence of 28 rows of 28 pixels
      new LSTM({ units: 64, kernelInitializer: seed(1), recurrentInitializer: { className: 'Orthogonal', config: { seed: 2 } } }),
      new Dense({ units: 10, activation: 'softmax', kernelInitializer: seed(3) }),
    ]);
    model.compile({ optimizer: new Adam({ learningRate: 0.01 }), loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] });
    expect(model.countParams()).toBe(23808 + 650);
    const live: number[] = [];
    const lines: string[] = [];
    const reports = await trainAndReport(model, train, test, {
      epochs: 2, batchSize: 32, seed: 7, verbose: 0, log: (l) => lines.push(l), callbacks: [{ onEpochEnd: () => void live.push(memory().numTensors) }],
    });
    console.log(`LSTM(64) row-MNIST, 3,000 images, batch 32, cpu backend:\n${lines.join('\n')}`);
    expect(live[1]).toBe(live[0]);
    expect(reports).toHaveLength(2);
    expect(reports[1]!.testAccuracy).toBeGreaterThan(0.85);
    model.dispose();
    for (const t of [train.images, train.labels, test.images, test.labels]) t.dispose();
  }, 600_000);
});
