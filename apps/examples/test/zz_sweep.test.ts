import { createCpuBackend } from '@nabla/backend-cpu';
import { loadMnist } from '@nabla/data/node';
import { Dense, Input, LSTM } from '@nabla/layers';
import { Sequential } from '@nabla/models';
import { Adam, CosineDecay } from '@nabla/optimizers';
import { setBackend, sub, div } from '@nabla/tensor';
import { beforeAll, it } from 'vitest';
import { trainAndReport } from '../src/course-mlp.js';
beforeAll(async () => { await setBackend(createCpuBackend()); });
const configs = JSON.parse(process.env.SWEEP ?? '[]') as { lr: number; bs: number; clip?: number; gclip?: number; seed?: number; cos?: boolean; std?: boolean }[];
it('sweep', async () => {
  const { train, test } = loadMnist({ trainLimit: 3000, testLimit: 1000 });
  for (const c of configs) {
    const s = c.seed ?? 0;
    const seed = (v: number) => ({ className: 'GlorotUniform', config: { seed: v + s } });
    const model = new Sequential([new Input({ shape: [28, 28] }),
      new LSTM({ units: 64, kernelInitializer: seed(1), recurrentInitializer: { className: 'Orthogonal', config: { seed: 2 + s } } }),
      new Dense({ units: 10, activation: 'softmax', kernelInitializer: seed(3) })]);
    model.compile({ optimizer: new Adam({ learningRate: c.cos ? new CosineDecay({ initialLearningRate: c.lr, decaySteps: 2 * Math.ceil(3000 / c.bs) }) : c.lr, clipNorm: c.clip ?? null, globalClipNorm: c.gclip ?? null }), loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] });
    const tr = c.std ? { images: div(sub(train.images, 0.1307), 0.3081), labels: train.labels } : train;
    const te = c.std ? { images: div(sub(test.images, 0.1307), 0.3081), labels: test.labels } : test;
    const r = await trainAndReport(model, tr as typeof train, te as typeof test, { epochs: 2, batchSize: c.bs, seed: 7 + s, verbose: 0 });
    console.log('RESULT', JSON.stringify(c), r.map((x) => `${x.seconds.toFixed(1)}s ${(x.testAccuracy * 100).toFixed(1)}%`).join(' | '));
    model.dispose();
  }
}, 3_600_000);
