/**
 * The main job and its siblings: trains one of the course's networks on the 60,000 real MNIST
 * training images with the chosen backend, evaluates it on the 10,000 test images after every
 * epoch, and saves it.
 *
 * Usage: tsx src/mnist.ts [--model mlp|cnn|lstm] [--epochs N] [--batch-size N] [--backend auto|cpu|webgpu]
 *                         [--out DIR] [--seed 42] [--train-limit N] [--test-limit N]
 * Defaults per model: mlp 3 epochs, batch 128 (the main job); cnn 2 epochs, batch 32 (Keras' default); lstm 2 epochs, batch 64.
 */
import { loadMnist } from '@nabla/data/node';
import '@nabla/backend-cpu';
import { Dense, Input, LSTM } from '@nabla/layers';
import { Sequential } from '@nabla/models';
import { div, memory, reshape, setBackend, sub, tidy, type Tensor } from '@nabla/tensor';
import { parseArgs } from 'node:util';
import { chooseBackend } from './backend.js';
import { courseCnn } from './course-cnn.js';
import { courseMlp, EVAL_BATCH, trainAndReport } from './course-mlp.js';

interface Recipe {
  epochs: number;
  batchSize: number;
  build(seed: number): Sequential;
  /** Images [N, 28, 28] in [0, 1] to the model's input. */
  input(images: Tensor): Tensor;
}

/** LSTM(64) reading each image as 28 timesteps of 28 pixels, then Dense(10, softmax). */
function rowLstm(seed: number): Sequential {
  const glorot = (s: number) => ({ className: 'GlorotUniform', config: { seed: s } });
  const model = new Sequential([
    new Input({ shape: [28, 28] }),
    new LSTM({ units: 64, kernelInitializer: glorot(seed), recurrentInitializer: { className: 'Orthogonal', config: { seed: seed + 1 } } }),
    new Dense({ units: 10, activation: 'softmax', kernelInitializer: glorot(seed + 2) }),
  ]);
  model.compile({ optimizer: 'adam', loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] });
  return model;
}

const RECIPES: Record<string, Recipe> = {
  mlp: { epochs: 3, batchSize: 128, build: courseMlp, input: (x) => x },
  cnn: { epochs: 2, batchSize: 32, build: courseCnn, input: (x) => reshape(x, [x.shape[0]!, 28, 28, 1]) },
  // standardized pixels (the training set's mean and deviation) keep the gates out of saturation
  lstm: { epochs: 2, batchSize: 64, build: rowLstm, input: (x) => tidy(() => div(sub(x, 0.1307), 0.3081)) },
};

/** Parses the command line and runs the job; `defaults.model` picks the network when --model is absent. */
export async function runMnist(argv: readonly string[], defaults: { model: string; out?: string }): Promise<void> {
  const { values } = parseArgs({
    // `pnpm start -- --epochs 1` hands the script a literal '--' first
    args: argv.filter((a, i) => !(i === 0 && a === '--')),
    options: {
      model: { type: 'string', default: defaults.model },
      epochs: { type: 'string' },
      'batch-size': { type: 'string' },
      backend: { type: 'string', default: 'auto' },
      out: { type: 'string' },
      seed: { type: 'string', default: '42' },
      'train-limit': { type: 'string' },
      'test-limit': { type: 'string' },
    },
  });
  const recipe = RECIPES[values.model!];
  if (!recipe) throw new Error(`--model must be one of ${Object.keys(RECIPES).join(', ')}, got '${values.model}'`);
  const int = (name: string, v: string | undefined, d: number): number => {
    const n = v === undefined ? d : Number(v);
    if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer, got ${v}`);
    return n;
  };
  const epochs = int('epochs', values.epochs, recipe.epochs);
  const batchSize = int('batch-size', values['batch-size'], recipe.batchSize);
  const seed = Number(values.seed);
  const trainLimit = values['train-limit'] === undefined ? undefined : int('train-limit', values['train-limit'], 0);
  const testLimit = values['test-limit'] === undefined ? undefined : int('test-limit', values['test-limit'], 0);
  const out = values.out ?? defaults.out ?? `models/mnist-${values.model}`;

  // The data stays on the CPU (188 MB is more than a WebGPU compatibility adapter can bind);
  // fit/evaluate upload one batch at a time to whichever backend trains.
  await setBackend('cpu');
  const t0 = performance.now();
  const raw = loadMnist({ ...(trainLimit === undefined ? {} : { trainLimit }), ...(testLimit === undefined ? {} : { testLimit }) });
  const train = { images: recipe.input(raw.train.images), labels: raw.train.labels };
  const test = { images: recipe.input(raw.test.images), labels: raw.test.labels };
  console.log(`MNIST: ${train.images.shape[0]} training and ${test.images.shape[0]} test images (${((performance.now() - t0) / 1000).toFixed(1)} s to load)`);

  console.log(`backend: ${await chooseBackend(values.backend!)}`);
  const model = recipe.build(seed);
  model.summary();
  const reports = await trainAndReport(model, train, test, { epochs, batchSize, seed, log: console.log });
  const { loss, accuracy } = await model.evaluate(test.images, test.labels, { batchSize: EVAL_BATCH });
  console.log(`\n${values.model}: test loss ${loss!.toFixed(4)}, test accuracy ${(accuracy! * 100).toFixed(2)}% on ${test.images.shape[0]} images`);
  console.table(reports.map((r) => ({ epoch: r.epoch, seconds: +r.seconds.toFixed(1), 'samples/s': Math.round(r.samplesPerSec), 'test accuracy %': +(r.testAccuracy * 100).toFixed(2) })));
  await model.save(out);
  console.log(`saved to ${out}/ (model.json + weights.bin); live tensors: ${memory().numTensors}`);
}
