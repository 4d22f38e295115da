/**
 * The main job: trains exactly the course's network on the 60,000 real MNIST training
 * images with the fastest available backend, evaluates it on the 10,000 test images and saves it.
 *
 * Usage: tsx src/mnist-mlp.ts [--epochs 3] [--batch-size 128] [--backend auto|cpu|webgpu] [--out models/mnist-mlp] [--seed 42]
 */
import { loadMnist } from '@nabla/data/node';
import '@nabla/backend-cpu';
import { memory, setBackend } from '@nabla/tensor';
import { parseArgs } from 'node:util';
import { chooseBackend } from './backend.js';
import { courseMlp, trainAndReport } from './course-mlp.js';

const { values } = parseArgs({
  // `pnpm start -- --epochs 1` hands the script a literal '--' first
  args: process.argv.slice(2).filter((a, i) => !(i === 0 && a === '--')),
  options: {
    epochs: { type: 'string', default: '3' },
    'batch-size': { type: 'string', default: '128' },
    backend: { type: 'string', default: 'auto' },
    out: { type: 'string', default: 'models/mnist-mlp' },
    seed: { type: 'string', default: '42' },
  },
});
const epochs = Number(values.epochs);
const batchSize = Number(values['batch-size']);
const seed = Number(values.seed);
if (!Number.isInteger(epochs) || epochs < 1) throw new Error(`--epochs must be a positive integer, got ${values.epochs}`);
if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`--batch-size must be a positive integer, got ${values['batch-size']}`);

// The data stays on the CPU (188 MB is more than a WebGPU compatibility adapter can bind);
// fit/evaluate upload one batch at a time to whichever backend trains.
await setBackend('cpu');
const t0 = performance.now();
const { train, test } = loadMnist();
console.log(`MNIST: ${train.images.shape[0]} training and ${test.images.shape[0]} test images (${((performance.now() - t0) / 1000).toFixed(1)} s to load)`);

console.log(`backend: ${await chooseBackend(values.backend!)}`);
const model = courseMlp(seed);
model.summary();
const reports = await trainAndReport(model, train, test, { epochs, batchSize, seed, log: console.log });
const { loss, accuracy } = await model.evaluate(test.images, test.labels, { batchSize: 1000 });
console.log(`\ntest loss ${loss!.toFixed(4)}, test accuracy ${(accuracy! * 100).toFixed(2)}% on ${test.images.shape[0]} images`);
console.table(reports.map((r) => ({ epoch: r.epoch, seconds: +r.seconds.toFixed(1), 'samples/s': Math.round(r.samplesPerSec), 'test accuracy %': +(r.testAccuracy * 100).toFixed(2) })));
await model.save(values.out!);
console.log(`saved to ${values.out}/ (model.json + weights.bin); live tensors: ${memory().numTensors}`);
