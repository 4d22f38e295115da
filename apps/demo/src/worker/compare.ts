import { Dense, Input } from '@nabla/layers';
import { Sequential, type Logs } from '@nabla/models';
import { SGD } from '@nabla/optimizers';
import { Random, setBackend, tensor, type Tensor } from '@nabla/tensor';
import type { ComparePoint, CompareRequest, FromWorker } from '../lib/protocol.ts';
import { yieldToEvents } from './train.ts';

const N = 256;

/** 256 samples of y = sin(x) + noise on [−3, 3] (seeded, so every run sees the same data). */
function sineData(): { x: Tensor; y: Tensor } {
  const rng = new Random(3);
  const xs = new Float32Array(N);
  const ys = new Float32Array(N);
  for (let i = 0; i < N; i++) {
    xs[i] = -3 + 6 * rng.uniform();
    ys[i] = Math.sin(xs[i]!) + 0.1 * rng.normal();
  }
  return { x: tensor(xs, [N, 1]), y: tensor(ys, [N, 1]) };
}

function model(lr: number): Sequential {
  const m = new Sequential([
    new Input({ shape: [1] }),
    new Dense({ units: 16, activation: 'tanh', kernelInitializer: { className: 'GlorotUniform', config: { seed: 1 } } }),
    new Dense({ units: 1, kernelInitializer: { className: 'GlorotUniform', config: { seed: 2 } } }),
  ]);
  m.compile({ optimizer: new SGD({ learningRate: lr }), loss: 'mse' });
  return m;
}

/**
 * The same network (same initial weights) trained with full-batch, mini-batch and batch-size-1 SGD on
 * nabla's CPU backend; every step's batch loss and the wall time are streamed to the page.
 */
export async function compare(req: CompareRequest, post: (m: FromWorker) => void): Promise<void> {
  await setBackend('cpu');
  const { x, y } = sineData();
  const runs = [
    { label: 'full batch', batchSize: N },
    { label: 'mini-batch', batchSize: req.miniBatch },
    { label: 'batch size 1', batchSize: 1 },
  ];
  try {
    for (const [run, { label, batchSize }] of runs.entries()) {
      const m = model(req.learningRate);
      let step = 0;
      let pending: ComparePoint[] = [];
      let lastPost = 0;
      let seen = 0, prev = 0, size = 0;
      const t0 = performance.now();
      await m.fit(x, y, {
        batchSize, epochs: req.epochs, verbose: 0, seed: 5,
        callbacks: [{
          onEpochBegin: () => { seen = 0; prev = 0; },
          onBatchBegin: (_b: number, logs?: Logs) => { size = logs?.size ?? batchSize; },
          onBatchEnd: async (_b: number, logs?: Logs) => {
            const mean = logs?.loss ?? NaN;
            const loss = (mean * (seen + size) - prev * seen) / size;
            seen += size; prev = mean;
            pending.push({ step: ++step, ms: performance.now() - t0, loss });
            const now = performance.now();
            if (now - lastPost > 60) {
              post({ type: 'compare-progress', run, points: pending });
              pending = [];
              lastPost = now;
              await yieldToEvents();
            }
          },
        }],
      });
      const ms = performance.now() - t0;
      post({ type: 'compare-progress', run, points: pending });
      const { loss } = await m.evaluate(x, y, { batchSize: N });
      post({ type: 'compare-done', run, label, batchSize, steps: step, ms, finalLoss: loss! });
      m.dispose();
    }
  } finally {
    x.dispose();
    y.dispose();
  }
}
