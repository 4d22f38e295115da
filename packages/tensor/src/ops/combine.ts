import type { WindowParams } from '../backend.js';
import type { DType } from '../dtype.js';
import { tidy } from '../engine.js';
import { fmtShape, normalizeAxis, type Shape } from '../shape.js';
import { tensorFromBuffer, Tensor } from '../tensor.js';
import { apply, checkAlive } from './apply.js';
import { arange, tensor } from './creation.js';
import { cast, where } from './elementwise.js';
import { equal } from './math.js';
import { broadcastTo, expandDims, reshape, slice } from './views.js';

/** Joins tensors along `axis` (dtypes are promoted to the widest). @example concat([a, b], 0) */
export function concat(tensors: readonly Tensor[], axis = 0): Tensor {
  if (tensors.length === 0) throw new RangeError('concat: needs at least one tensor');
  checkAlive('concat', tensors);
  const first = tensors[0]!;
  const ax = normalizeAxis('concat', axis, first.rank);
  for (const t of tensors) {
    if (t.rank !== first.rank || t.shape.some((d, i) => i !== ax && d !== first.shape[i])) {
      throw new RangeError(`concat: shapes ${tensors.map((x) => fmtShape(x.shape)).join(', ')} differ outside axis ${ax}`);
    }
  }
  const dtypes = new Set(tensors.map((t) => t.dtype));
  const dtype: DType = dtypes.has('float32') ? 'float32' : dtypes.has('int32') ? 'int32' : 'bool';
  const inputs = tensors.map((t) => (t.dtype === dtype ? t : cast(t, dtype)));
  const shape = [...first.shape];
  shape[ax] = inputs.reduce((s, t) => s + t.shape[ax]!, 0);
  const out = apply('concat', 'concat', inputs, { axis: ax }, (b) =>
    tensorFromBuffer(b, b.kernels.concat(inputs.map((t) => t.info()), ax), shape, dtype));
  inputs.forEach((t, i) => t !== tensors[i] && t.dispose());
  return out;
}

/** Stacks equal-shaped tensors along a new axis. @example stack([a, b]) // [2, ...] */
export function stack(tensors: readonly Tensor[], axis = 0): Tensor {
  if (tensors.length === 0) throw new RangeError('stack: needs at least one tensor');
  const s = tensors[0]!.shape;
  for (const t of tensors) {
    if (t.rank !== s.length || t.shape.some((d, i) => d !== s[i])) throw new RangeError(`stack: shapes ${tensors.map((x) => fmtShape(x.shape)).join(', ')} differ`);
  }
  const ax = normalizeAxis('stack', axis, s.length + 1);
  return tidy(() => concat(tensors.map((t) => expandDims(t, ax)), ax));
}

/** Splits along `axis` into n equal parts or parts of the given sizes (views). @example split(x, [2, 3], 1) */
export function split(x: Tensor, numOrSizes: number | readonly number[], axis = 0): Tensor[] {
  const ax = normalizeAxis('split', axis, x.rank);
  const dim = x.shape[ax]!;
  let sizes: number[];
  if (typeof numOrSizes === 'number') {
    if (!Number.isInteger(numOrSizes) || numOrSizes <= 0 || dim % numOrSizes !== 0) {
      throw new RangeError(`split: cannot split axis ${ax} of ${fmtShape(x.shape)} into ${numOrSizes} equal parts`);
    }
    sizes = new Array<number>(numOrSizes).fill(dim / numOrSizes);
  } else {
    sizes = [...numOrSizes];
    const unknown = sizes.indexOf(-1);
    if (unknown >= 0) sizes[unknown] = dim - sizes.reduce((s, v, i) => (i === unknown ? s : s + v), 0);
    if (sizes.some((v) => v < 0 || !Number.isInteger(v)) || sizes.reduce((s, v) => s + v, 0) !== dim) {
      throw new RangeError(`split: sizes [${numOrSizes.join(',')}] do not add up to ${dim} (axis ${ax} of ${fmtShape(x.shape)})`);
    }
  }
  let start = 0;
  return sizes.map((len) => {
    const begin = x.shape.map((_, i) => (i === ax ? start : 0));
    const size = x.shape.map((d, i) => (i === ax ? len : d));
    start += len;
    return slice(x, begin, size);
  });
}

/** Pads each dimension with `value`: paddings[d] = [before, after]. @example pad(x, [[1, 1], [2, 2]]) */
export function pad(x: Tensor, paddings: readonly (readonly [number, number])[], value = 0): Tensor {
  if (paddings.length !== x.rank || paddings.some((p) => p.length !== 2 || p.some((v) => !Number.isInteger(v) || v < 0))) {
    throw new RangeError(`pad: paddings ${JSON.stringify(paddings)} must be ${x.rank} pairs of non-negative integers for ${fmtShape(x.shape)}`);
  }
  const shape = x.shape.map((d, i) => d + paddings[i]![0] + paddings[i]![1]);
  const p = paddings.map(([a, b]) => [a, b] as const);
  return apply('pad', 'pad', [x], { paddings: p, value }, (b) => tensorFromBuffer(b, b.kernels.pad(x.info(), p, value), shape, x.dtype));
}

/** Repeats x `reps[d]` times along each dimension (a broadcast view made contiguous). @example tile(x, [2, 3]) */
export function tile(x: Tensor, reps: readonly number[]): Tensor {
  if (reps.length !== x.rank || reps.some((r) => !Number.isInteger(r) || r < 0)) {
    throw new RangeError(`tile: reps [${reps.join(',')}] must be ${x.rank} non-negative integers for ${fmtShape(x.shape)}`);
  }
  return tidy(() => {
    const interleaved = x.shape.flatMap((d) => [1, d]);
    const wide = x.shape.flatMap((d, i) => [reps[i]!, d]);
    return reshape(broadcastTo(reshape(x, interleaved), wide), x.shape.map((d, i) => d * reps[i]!));
  });
}

function toIndices(op: string, indices: Tensor | readonly number[]): Tensor {
  if (indices instanceof Tensor) {
    if (indices.dtype !== 'int32') throw new TypeError(`${op}: indices must be int32, got ${indices.dtype}`);
    return indices;
  }
  return tensor(Int32Array.from(indices), [indices.length], 'int32');
}

/**
 * Picks slices along `axis` at int32 `indices`: out shape is
 * x.shape[:axis] + indices.shape + x.shape[axis+1:]. @example gather(table, ids)
 */
export function gather(x: Tensor, indices: Tensor | readonly number[], axis = 0): Tensor {
  const ax = normalizeAxis('gather', axis, x.rank);
  const idx = toIndices('gather', indices);
  const shape = [...x.shape.slice(0, ax), ...idx.shape, ...x.shape.slice(ax + 1)];
  try {
    return apply('gather', 'gather', [x, idx], { axis: ax }, (b) => tensorFromBuffer(b, b.kernels.gather(x.info(), idx.info(), ax), shape, x.dtype));
  } finally {
    if (idx !== indices) idx.dispose();
  }
}

/**
 * The adjoint of gather: a zero tensor of `shape` with each slice of `updates` added at
 * its index along `axis` (repeated indices accumulate).
 */
export function scatterAdd(updates: Tensor, indices: Tensor, axis: number, shape: Shape): Tensor {
  const ax = normalizeAxis('scatterAdd', axis, shape.length);
  if (indices.dtype !== 'int32') throw new TypeError(`scatterAdd: indices must be int32, got ${indices.dtype}`);
  const expected = [...shape.slice(0, ax), ...indices.shape, ...shape.slice(ax + 1)];
  if (expected.length !== updates.rank || expected.some((d, i) => d !== updates.shape[i])) {
    throw new RangeError(`scatterAdd: updates ${fmtShape(updates.shape)} should be ${fmtShape(expected)}`);
  }
  return apply('scatterAdd', 'scatterAdd', [updates, indices], { axis: ax, shape: [...shape] }, (b) =>
    tensorFromBuffer(b, b.kernels.scatterAdd(updates.info(), indices.info(), ax, shape), [...shape], updates.dtype));
}

/** The adjoint of `windows`: sums dy [N, OH, OW, KH, KW, C] back onto an NHWC input of `inputShape`. */
export function windowsGrad(dy: Tensor, inputShape: Shape, params: WindowParams): Tensor {
  if (dy.rank !== 6 || inputShape.length !== 4) throw new RangeError(`windowsGrad: bad shapes ${fmtShape(dy.shape)} -> ${fmtShape(inputShape)}`);
  return apply('windowsGrad', 'windowsGrad', [dy], { inputShape: [...inputShape], params }, (b) =>
    tensorFromBuffer(b, b.kernels.windowsGrad(dy.info(), inputShape, params), [...inputShape], dy.dtype));
}

/**
 * One-hot float32 encoding along a new last axis; out-of-range indices give all-off rows.
 * @example oneHot(labels, 10)
 */
export function oneHot(indices: Tensor | readonly number[], depth: number, onValue = 1, offValue = 0): Tensor {
  if (!Number.isInteger(depth) || depth < 0) throw new RangeError(`oneHot: depth must be a non-negative integer, got ${depth}`);
  const idx = toIndices('oneHot', indices);
  try {
    return tidy(() => where(equal(expandDims(idx, -1), arange(0, depth, 1, 'int32')), onValue, offValue));
  } finally {
    if (idx !== indices) idx.dispose();
  }
}
