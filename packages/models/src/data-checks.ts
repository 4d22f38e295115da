import type { LayerShape } from '@nabla/layers';
import { abs, max, min, tidy, type Tensor } from '@nabla/tensor';
import { onOwnBackend } from './host-data.js';

const fmt = (s: readonly (number | null)[]): string => `[${s.map((d) => (d === null ? 'null' : d)).join(',')}]`;

/** Throws unless `x` is a live Tensor with at least one dimension (the samples). */
export function checkTensorArg(op: string, what: string, x: unknown): asserts x is Tensor {
  if (x === null || typeof x !== 'object' || (x as { isTensor?: unknown }).isTensor !== true) {
    throw new TypeError(`${op}: ${what} must be a Tensor, got ${x === null ? 'null' : typeof x}`);
  }
  const t = x as Tensor;
  if (t.isDisposed) throw new Error(`${op}: ${what} was disposed`);
  if (t.rank === 0) throw new RangeError(`${op}: ${what} must have a batch dimension, got a scalar`);
}

/** Data and model agree on the per-sample input shape. */
export function checkInputShape(op: string, x: Tensor, expected: LayerShape | null, source: string): void {
  if (!expected) return;
  const ok = expected.length === x.rank && expected.every((d, i) => i === 0 || d === null || d === x.shape[i]);
  if (!ok) throw new RangeError(`${op}: x has shape ${fmt(x.shape)} but the model expects input shape ${fmt(expected)} (${source})`);
}

/** The labels fit the loss and the model's output shape; sparse labels are in range. */
export async function checkTargets(op: string, y: Tensor, outputShape: LayerShape, loss: string): Promise<void> {
  const classes = outputShape[outputShape.length - 1];
  if (loss === 'sparse_categorical_crossentropy') {
    const rankOk = y.rank === outputShape.length - 1 || (y.rank === outputShape.length && y.shape[y.rank - 1] === 1);
    if (!rankOk) {
      throw new RangeError(
        `${op}: sparse_categorical_crossentropy expects integer class labels of shape [batch] (model output ${fmt(outputShape)}), got y of shape ${fmt(y.shape)}` +
          (y.rank === outputShape.length ? '; for one-hot labels use categorical_crossentropy' : ''),
      );
    }
    if (y.size > 0 && typeof classes === 'number') {
      const [lo, hi] = await Promise.all(onOwnBackend(y, () => tidy(() => [min(y), max(y)])).map(async (t) => {
        const v = (await t.data())[0]!;
        t.dispose();
        return v;
      }));
      if (!(lo! >= 0 && hi! < classes)) {
        throw new RangeError(`${op}: labels must be class indices in [0, ${classes}) for a model with ${classes} outputs, got values from ${lo} to ${hi}`);
      }
      if (y.dtype === 'float32' && !Number.isInteger(lo) ) throw new RangeError(`${op}: sparse labels must be integers, got ${lo}`);
    }
    return;
  }
  if (loss === 'categorical_crossentropy' && y.rank === outputShape.length - 1) {
    throw new RangeError(
      `${op}: categorical_crossentropy expects one-hot labels of shape ${fmt(outputShape)}, got y of shape ${fmt(y.shape)}; for integer class labels use sparse_categorical_crossentropy`,
    );
  }
  const yShape = y.rank === outputShape.length - 1 ? [...y.shape, 1] : y.shape;
  const ok = yShape.length === outputShape.length && outputShape.every((d, i) => i === 0 || d === null || d === yShape[i]);
  if (!ok) throw new RangeError(`${op}: y has shape ${fmt(y.shape)} but the model's output has shape ${fmt(outputShape)} (loss ${loss})`);
}

/** Rejects data containing NaN or ±Infinity (one reduction and one read). */
export async function checkFinite(op: string, what: string, t: Tensor): Promise<void> {
  if (t.dtype !== 'float32' || t.size === 0) return;
  const m = onOwnBackend(t, () => tidy(() => max(abs(t))));
  const v = (await m.data())[0]!;
  m.dispose();
  if (!Number.isFinite(v)) throw new RangeError(`${op}: ${what} contains NaN or infinite values`);
}
