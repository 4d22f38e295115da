import type { ImageSet } from '@nabla/data';
import { Dense, Flatten, Input, ReLU, Softmax } from '@nabla/layers';
import { Sequential, type Callback, type CallbackHooks } from '@nabla/models';

/**
 * The course's network: Input([28, 28]) → Flatten → Dense(256) → ReLU → Dense(128) → ReLU →
 * Dense(10) → Softmax, compiled with Adam and sparse categorical crossentropy.
 */
export function courseMlp(seed = 42): Sequential {
  const init = (s: number) => ({ className: 'GlorotUniform', config: { seed: s } });
  const model = new Sequential([
    new Input({ shape: [28, 28] }),
    new Flatten(),
    new Dense({ units: 256, kernelInitializer: init(seed) }),
    new ReLU(),
    new Dense({ units: 128, kernelInitializer: init(seed + 1) }),
    new ReLU(),
    new Dense({ units: 10, kernelInitializer: init(seed + 2) }),
    new Softmax(),
  ]);
  model.compile({ optimizer: 'adam', loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] });
  return model;
}

/**
 * Evaluation batch size: large batches are fastest, but the CNN's im2col of 1,000 images
 * (1000·11·11·288 floats, 139 MB) passes a WebGPU compatibility adapter's 128 MiB binding limit.
 */
export const EVAL_BATCH = 250;

export interface EpochReport {
  epoch: number;
  seconds: number;
  samplesPerSec: number;
  testAccuracy: number;
}

/** Trains `model` on `train`, evaluating on `test` after every epoch. */
export async function trainAndReport(
  model: Sequential, train: ImageSet, test: ImageSet,
  opts: { epochs: number; batchSize: number; seed: number; verbose?: 0 | 1; log?: (line: string) => void; callbacks?: (Callback | CallbackHooks)[] },
): Promise<EpochReport[]> {
  const reports: EpochReport[] = [];
  const n = train.images.shape[0]!;
  let start = 0;
  await model.fit(train.images, train.labels, {
    batchSize: opts.batchSize,
    epochs: opts.epochs,
    seed: opts.seed,
    verbose: opts.verbose ?? 1,
    callbacks: [
      ...(opts.callbacks ?? []),
      {
        onEpochBegin: () => {
          start = performance.now();
        },
        onEpochEnd: async (epoch) => {
          const seconds = (performance.now() - start) / 1000;
          const { accuracy } = await model.evaluate(test.images, test.labels, { batchSize: EVAL_BATCH });
          const r = { epoch: epoch + 1, seconds, samplesPerSec: n / seconds, testAccuracy: accuracy! };
          reports.push(r);
          opts.log?.(`  epoch ${r.epoch}: ${seconds.toFixed(1)} s, ${Math.round(r.samplesPerSec)} samples/s, test accuracy ${(r.testAccuracy * 100).toFixed(2)}%`);
        },
      },
    ],
  });
  return reports;
}
