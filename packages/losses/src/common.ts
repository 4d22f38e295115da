import { cast, div, expandDims, squeeze, sum, type Tensor } from '@nabla/tensor';

/** Keras' `backend.epsilon()`: the fuzz factor used to clip probabilities. */
export const EPSILON = 1e-7;

/** How per-sample losses are combined (Keras' `reduction`). `'mean'` is Keras' synonym of the default. */
export type Reduction = 'sum_over_batch_size' | 'mean' | 'sum' | 'none';

export interface ReductionOptions {
  /**
   * `'sum_over_batch_size'` (default): the sum of the per-sample losses divided by their
   * count (a scalar); `'sum'`: their sum (a scalar); `'none'`: the per-sample losses.
   */
  reduction?: Reduction;
}

/** A loss as the training packages use it: `(yTrue, yPred) → scalar`. */
export type LossFn = (yTrue: Tensor, yPred: Tensor) => Tensor;

const REDUCTIONS: readonly string[] = ['sum_over_batch_size', 'mean', 'sum', 'none'];

export function fmt(shape: readonly number[]): string {
  return `[${shape.join(',')}]`;
}

export function checkReduction(name: string, reduction: unknown): Reduction {
  if (reduction === undefined) return 'sum_over_batch_size';
  if (typeof reduction !== 'string' || !REDUCTIONS.includes(reduction)) {
    throw new Error(`${name}: unknown reduction ${JSON.stringify(reduction)}; expected one of ${REDUCTIONS.map((r) => `'${r}'`).join(', ')}`);
  }
  return reduction as Reduction;
}

export function checkTensor(name: string, what: string, x: unknown): Tensor {
  if (x === null || typeof x !== 'object' || (x as { isTensor?: unknown }).isTensor !== true) {
    throw new TypeError(`${name}: ${what} must be a Tensor, got ${x === null ? 'null' : typeof x}`);
  }
  return x as Tensor;
}

/** float32 view of x (a cast when it is int32/bool). Call inside tidy. */
export function toFloat(x: Tensor): Tensor {
  return x.dtype === 'float32' ? x : cast(x, 'float32');
}

/** Resolves an axis against a rank, throwing an error that names the loss. */
export function resolveAxis(name: string, axis: number, rank: number): number {
  if (!Number.isInteger(axis) || axis < -rank || axis >= rank) {
    throw new RangeError(`${name}: axis ${axis} is out of range for predictions of rank ${rank}`);
  }
  return axis < 0 ? axis + rank : axis;
}

/**
 * Keras' `squeeze_or_expand_to_same_rank`: when the ranks differ by one and the longer
 * shape ends in 1, squeeze that dimension, or (when the shorter is rank 1) expand the
 * shorter one. So labels of shape [batch] and predictions of shape [batch, 1] line up.
 */
export function alignRanks(a: Tensor, b: Tensor): [Tensor, Tensor] {
  const ra = a.rank;
  const rb = b.rank;
  if (ra === rb) return [a, b];
  if (ra === rb + 1 && a.shape[ra - 1] === 1) {
    return rb === 1 ? [a, expandDims(b, -1)] : [squeeze(a, -1), b];
  }
  if (rb === ra + 1 && b.shape[rb - 1] === 1) {
    return ra === 1 ? [expandDims(a, -1), b] : [a, squeeze(b, -1)];
  }
  return [a, b];
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/**
 * The common preamble of the elementwise losses: float32 labels and predictions whose
 * ranks are aligned as Keras aligns them, and whose shapes must then be equal (Keras
 * would broadcast silently; a mismatch is almost always a bug, so it is an error here).
 * Call inside tidy.
 */
export function prepare(name: string, yTrue: Tensor, yPred: Tensor, hint?: (t: readonly number[], p: readonly number[]) => string | undefined): [Tensor, Tensor] {
  checkTensor(name, 'yTrue', yTrue);
  checkTensor(name, 'yPred', yPred);
  if (yPred.rank === 0 || yTrue.rank === 0) {
    throw new RangeError(`${name}: yTrue and yPred must have rank >= 1 (a batch of samples), got yTrue ${fmt(yTrue.shape)} and yPred ${fmt(yPred.shape)}`);
  }
  const [t, p] = alignRanks(yTrue, yPred);
  if (!sameShape(t.shape, p.shape)) {
    const extra = hint?.(yTrue.shape, yPred.shape);
    throw new RangeError(
      `${name}: yTrue shape ${fmt(yTrue.shape)} and yPred shape ${fmt(yPred.shape)} do not match` +
        ` (they must be equal, or differ only by a trailing dimension of 1)${extra ? `; ${extra}` : ''}`,
    );
  }
  return [toFloat(t), toFloat(p)];
}

/** Applies a reduction to per-sample losses (Keras' `reduce_values`). Call inside tidy. */
export function reduce(values: Tensor, reduction: Reduction): Tensor {
  if (reduction === 'none' || values.rank === 0) return values;
  const total = sum(values);
  if (reduction === 'sum') return total;
  // Keras returns an empty batch's losses unreduced; a scalar 0 keeps the contract (a scalar).
  return values.size === 0 ? total : div(total, values.size);
}
