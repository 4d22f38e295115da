import type { SizeSpec, WorkloadDef } from './types.js';

/** The course's MLP: 784-256-128-10, ReLU, softmax + categorical cross-entropy, Adam. */
export const MLP_UNITS = [784, 256, 128, 10] as const;
/** Adam as Keras/tfjs defaults (tfjs `tf.train.adam(1e-3)`: epsilon 1e-7). */
export const ADAM = { learningRate: 1e-3, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 } as const;
/** Samples in an MNIST training epoch, for the derived time per epoch. */
export const EPOCH_SAMPLES = 60_000;
export const CLASSES = 10;

function samplesPerSecond<W extends 'mlp-train' | 'cnn-train' | 'lstm-train' | 'predict'>(
  label: string, batch: number, quick: boolean, quickSoftware: boolean, metric = 'training throughput',
): SizeSpec<W> {
  return { label, params: { batch } as SizeSpec<W>['params'], quick, quickSoftware, metric, unit: 'samples/s', better: 'higher', kind: 'throughput', work: batch, scale: 1 };
}

/** One training step (forward, backward, Adam update) per call, loss read back. */
export const mlpTrain: WorkloadDef<'mlp-train'> = {
  id: 'mlp-train',
  description: 'MLP 784-256-128-10 (ReLU, softmax, cross-entropy), Adam 1e-3: one training step per call',
  sizes: [samplesPerSecond('batch 128', 128, true, false)],
};

export const predict: WorkloadDef<'predict'> = {
  id: 'predict',
  description: 'MLP 784-256-128-10 forward pass, output read back (tfjs: model.predict with batchSize = the batch)',
  sizes: [
    { label: 'batch 1', params: { batch: 1 }, quick: true, quickSoftware: true, metric: 'latency', unit: 'ms', better: 'lower', kind: 'latency', work: 1, scale: 1 },
    samplesPerSecond('batch 1024', 1024, true, false, 'inference throughput'),
  ],
};

/** Conv2D 32 (3×3, ReLU) → MaxPool 2 → Conv2D 64 (3×3, ReLU) → MaxPool 2 → Flatten → Dense 10 softmax, Adam. */
export const cnnTrain: WorkloadDef<'cnn-train'> = {
  id: 'cnn-train',
  description: 'CNN Conv2D 32 → MaxPool → Conv2D 64 → MaxPool → Flatten → Dense 10 on 28×28×1, Adam: one training step per call',
  sizes: [samplesPerSecond('batch 64', 64, false, false)],
};

/** LSTM(64) over the 28 rows of a 28×28 image → Dense 10 softmax, Adam. */
export const lstmTrain: WorkloadDef<'lstm-train'> = {
  id: 'lstm-train',
  description: 'LSTM(64) over 28 steps of 28 features → Dense 10, Adam: one training step per call',
  sizes: [samplesPerSecond('batch 64', 64, true, false)],
};
