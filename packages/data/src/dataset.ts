import { gather, oneHot, Random, slice, tensor, tidy, type Tensor } from '@nabla/tensor';

/** Images as float32 [N, H, W] scaled to [0, 1] and labels as int32 [N]. */
export interface ImageSet {
  readonly images: Tensor;
  readonly labels: Tensor;
}

/** Grey-level bytes [count, h, w] → float32 tensor in [0, 1]; labels → int32 tensor. */
export function imagesToTensors(images: Uint8Array, labels: Uint8Array, count: number, height: number, width: number): ImageSet {
  const x = new Float32Array(count * height * width);
  for (let i = 0; i < x.length; i++) x[i] = images[i]! / 255;
  return { images: tensor(x, [count, height, width]), labels: tensor(Int32Array.from(labels.subarray(0, count)), [count], 'int32') };
}

/** A seeded permutation of 0..n-1 (Fisher-Yates). */
export function shuffledIndices(n: number, seed: number): Int32Array {
  return new Random(seed).permutation(n);
}

/**
 * Shuffles tensors that share their first dimension with the same seeded permutation.
 * @example const [xs, ys] = shuffle([x, y], 42);
 */
export function shuffle(tensors: readonly Tensor[], seed: number): Tensor[] {
  const n = tensors[0]?.shape[0] ?? 0;
  for (const t of tensors) {
    if (t.shape[0] !== n) throw new RangeError(`shuffle: all tensors need the same number of samples, got ${tensors.map((u) => u.shape[0]).join(' and ')}`);
  }
  return tidy(() => {
    const idx = tensor(shuffledIndices(n, seed), [n], 'int32');
    return tensors.map((t) => gather(t, idx, 0));
  });
}

/**
 * Splits along the first dimension: the last `fraction` of the samples become the validation part
 * (as Keras' validation_split). Returns views.
 * @example const [[xTrain, yTrain], [xVal, yVal]] = trainValidationSplit([x, y], 0.1);
 */
export function trainValidationSplit(tensors: readonly Tensor[], fraction: number): [Tensor[], Tensor[]] {
  if (!(fraction > 0 && fraction < 1)) throw new RangeError(`trainValidationSplit: fraction must be in (0, 1), got ${fraction}`);
  const n = tensors[0]?.shape[0] ?? 0;
  const cut = Math.floor(n * (1 - fraction));
  return [tensors.map((t) => slice(t, [0], [cut])), tensors.map((t) => slice(t, [cut]))];
}

/**
 * Yields consecutive batches (views) of tensors that share their first dimension.
 * @example for (const [xb, yb] of batches([x, y], 128)) { ...; xb.dispose(); yb.dispose(); }
 */
export function* batches(tensors: readonly Tensor[], batchSize: number): Generator<Tensor[]> {
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`batches: batchSize must be a positive integer, got ${batchSize}`);
  const n = tensors[0]?.shape[0] ?? 0;
  for (let start = 0; start < n; start += batchSize) {
    const size = Math.min(batchSize, n - start);
    yield tensors.map((t) => slice(t, [start], [size]));
  }
}

/** Integer labels [N] → float32 one-hot [N, classes]. @example toOneHot(labels, 10) */
export function toOneHot(labels: Tensor, classes: number): Tensor {
  if (labels.dtype !== 'int32') throw new TypeError(`toOneHot: labels must be int32, got ${labels.dtype}`);
  return oneHot(labels, classes);
}
