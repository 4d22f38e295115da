import { reshape, setBackend, tensor, tidy, type Tensor } from '@nabla/tensor';
import { MNIST_FILES, MNIST_SUBSET, PIXELS } from '../lib/mnist-files.ts';

export interface Digits {
  images: Tensor;
  labels: Tensor;
}

/** The packed subset as bytes, fetched once from the site itself (it is part of the build). */
export interface MnistBytes {
  trainImages: Uint8Array;
  trainLabels: Uint8Array;
  testImages: Uint8Array;
  testLabels: Uint8Array;
}

async function bytes(base: string, file: string, expected: number): Promise<Uint8Array> {
  const res = await fetch(new URL(file, base));
  if (!res.ok) throw new Error(`MNIST: ${file} answered ${res.status}`);
  const b = new Uint8Array(await res.arrayBuffer());
  if (b.length !== expected) throw new Error(`MNIST: ${file} has ${b.length} bytes, expected ${expected}`);
  return b;
}

export async function fetchMnist(base: string): Promise<MnistBytes> {
  const [trainImages, trainLabels, testImages, testLabels] = await Promise.all([
    bytes(base, MNIST_FILES.trainImages, MNIST_SUBSET.train * PIXELS),
    bytes(base, MNIST_FILES.trainLabels, MNIST_SUBSET.train),
    bytes(base, MNIST_FILES.testImages, MNIST_SUBSET.test * PIXELS),
    bytes(base, MNIST_FILES.testLabels, MNIST_SUBSET.test),
  ]);
  return { trainImages, trainLabels, testImages, testLabels };
}

/**
 * The first `count` digits as tensors on the CPU backend: images float32 in [0, 1] shaped
 * [count, ...shape], labels int32. fit/evaluate upload one batch at a time to the training backend.
 */
export async function digitsOnCpu(images: Uint8Array, labels: Uint8Array, count: number, shape: readonly number[]): Promise<Digits> {
  await setBackend('cpu');
  const x = new Float32Array(count * PIXELS);
  for (let i = 0; i < x.length; i++) x[i] = images[i]! / 255;
  return tidy(() => ({
    images: reshape(tensor(x, [count, PIXELS]), [count, ...shape]),
    labels: tensor(Int32Array.from(labels.subarray(0, count)), [count], 'int32'),
  }));
}
