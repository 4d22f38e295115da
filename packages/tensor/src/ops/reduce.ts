import type { ReduceOp } from '../backend.js';
import type { DType } from '../dtype.js';
import { tidy } from '../engine.js';
import { fmtShape, normalizeAxes, normalizeAxis } from '../shape.js';
import { tensorFromBuffer, type Tensor } from '../tensor.js';
import { apply, checkAlive } from './apply.js';
import { cast, where } from './elementwise.js';
import { add, div, equal, exp, log, square, sub } from './math.js';
import { reshape, transpose } from './views.js';

export type Axis = number | readonly number[];

function keptShape(x: Tensor, axes: readonly number[]): number[] {
  return x.shape.map((d, i) => (axes.includes(i) ? 1 : d));
}

/**
 * The reduction primitive: moves the reduced axes last (a free transpose view) and
 * lets the kernel fold the trailing dimensions.
 */
function reduce(op: ReduceOp, x: Tensor, axis: Axis | undefined, keepDims: boolean): Tensor {
  checkAlive(op, [x]);
  if (x.dtype === 'bool' && op !== 'max' && op !== 'min' && op !== 'sum') {
    throw new TypeError(`${op}: expected a numeric tensor, got ${fmtShape(x.shape)} bool`);
  }
  const axes = normalizeAxes(op, axis, x.rank);
  if ((op === 'max' || op === 'min' || op === 'argmax' || op === 'argmin') && axes.some((a) => x.shape[a] === 0)) {
    throw new RangeError(`${op}: cannot reduce over an empty axis of ${fmtShape(x.shape)}`);
  }
  const outDtype: DType = op === 'argmax' || op === 'argmin' ? 'int32' : (op === 'sum' || op === 'prod') && x.dtype === 'bool' ? 'int32' : x.dtype;
  const kept = x.shape.map((_, i) => i).filter((i) => !axes.includes(i));
  const outShape = kept.map((i) => x.shape[i]!);
  const perm = [...kept, ...axes];
  const moved = perm.every((p, i) => p === i) ? x : transpose(x, perm);
  const out = apply(op, 'reduce', [moved], { op, axes: axes.length }, (b) =>
    tensorFromBuffer(b, b.kernels.reduce(moved.info(), op, axes.length, outDtype), outShape, outDtype));
  if (moved !== x) moved.dispose();
  if (!keepDims) return out;
  const kd = reshape(out, keptShape(x, axes));
  out.dispose();
  return kd;
}

/** Sum over `axis` (default all; negative axes count from the end). @example sum(x, 1, true) */
export function sum(x: Tensor, axis?: Axis, keepDims = false): Tensor {
  return reduce('sum', x, axis, keepDims);
}

/** Product over `axis`. */
export function prod(x: Tensor, axis?: Axis, keepDims = false): Tensor {
  return reduce('prod', x, axis, keepDims);
}

/** Maximum over `axis` (NaN wins). */
export function max(x: Tensor, axis?: Axis, keepDims = false): Tensor {
  return reduce('max', x, axis, keepDims);
}

/** Minimum over `axis` (NaN wins). */
export function min(x: Tensor, axis?: Axis, keepDims = false): Tensor {
  return reduce('min', x, axis, keepDims);
}

/** Index (int32) of the largest value along one axis (the first of ties). @example argmax(logits, -1) */
export function argmax(x: Tensor, axis = -1): Tensor {
  return reduce('argmax', x, normalizeAxis('argmax', axis, x.rank), false);
}

/** Index (int32) of the smallest value along one axis (the first of ties). */
export function argmin(x: Tensor, axis = -1): Tensor {
  return reduce('argmin', x, normalizeAxis('argmin', axis, x.rank), false);
}

/** Arithmetic mean over `axis`, in float32 (NaN over an empty axis). */
export function mean(x: Tensor, axis?: Axis, keepDims = false): Tensor {
  checkAlive('mean', [x]);
  const axes = normalizeAxes('mean', axis, x.rank);
  let n = 1;
  for (const a of axes) n *= x.shape[a]!;
  return tidy(() => div(sum(x.dtype === 'float32' ? x : cast(x, 'float32'), axes, keepDims), n));
}

/** Population variance (divides by N, as NumPy's default) over `axis`. */
export function variance(x: Tensor, axis?: Axis, keepDims = false): Tensor {
  checkAlive('variance', [x]);
  normalizeAxes('variance', axis, x.rank); // so a bad axis is reported as variance's, not mean's
  return tidy(() => {
    const xf = x.dtype === 'float32' ? x : cast(x, 'float32');
    return mean(square(sub(xf, mean(xf, axis, true))), axis, keepDims);
  });
}

/** log(Σ exp(x)) over `axis`, shifted by the maximum so it never overflows. */
export function logSumExp(x: Tensor, axis?: Axis, keepDims = false): Tensor {
  checkAlive('logSumExp', [x]);
  if (x.dtype !== 'float32') throw new TypeError(`logSumExp: expected a float32 tensor, got ${fmtShape(x.shape)} ${x.dtype}`);
  const axes = normalizeAxes('logSumExp', axis, x.rank);
  return tidy(() => {
    const m = max(x, axes, true);
    // an all -Infinity slice would give -inf - -inf = NaN; shift by 0 there instead
    const shift = finiteOrZero(m);
    const s = log(sum(exp(sub(x, shift)), axes, true));
    const r = add(s, shift);
    return keepDims ? r : reshape(r, x.shape.filter((_, i) => !axes.includes(i)));
  });
}

/** m where finite, else 0: the shift logSumExp and softmax subtract. */
export function finiteOrZero(m: Tensor): Tensor {
  // m - m is 0 for finite values and NaN for ±Infinity/NaN
  return tidy(() => where(equal(sub(m, m), 0), m, 0));
}
