import { sizeOf, type DType, type ReduceOp, type TensorInfo, type TypedArray } from '@nabla/tensor';
import { alloc, bufferOf, collapse, toContiguous } from './strided.js';

/** Folds x[start, start + n) (n > 0 except for sum and prod). */
type Fold = (x: TypedArray, start: number, n: number) => number;

function sumFloat(x: TypedArray, start: number, n: number): number {
  let s = 0; // float64 accumulator, rounded once on store
  for (let i = start, end = start + n; i < end; i++) s += x[i]!;
  return s;
}

function maxFold(x: TypedArray, start: number, n: number): number {
  let m = x[start]!;
  for (let i = start + 1, end = start + n; i < end && m === m; i++) {
    const v = x[i]!;
    if (v > m || v !== v) m = v;
  }
  return m;
}

function minFold(x: TypedArray, start: number, n: number): number {
  let m = x[start]!;
  for (let i = start + 1, end = start + n; i < end && m === m; i++) {
    const v = x[i]!;
    if (v < m || v !== v) m = v;
  }
  return m;
}

/** First index of the extreme; a NaN is the extreme (NumPy). */
function argFold(better: (v: number, best: number) => boolean): Fold {
  return (x, start, n) => {
    let best = x[start]!;
    if (best !== best) return 0;
    let at = 0;
    for (let i = 1; i < n; i++) {
      const v = x[start + i]!;
      if (v !== v) return i;
      if (better(v, best)) {
        best = v;
        at = i;
      }
    }
    return at;
  };
}

const FLOAT: Record<ReduceOp, Fold> = {
  sum: sumFloat,
  prod: (x, start, n) => {
    let p = 1;
    for (let i = start, end = start + n; i < end; i++) p *= x[i]!;
    return p;
  },
  max: maxFold,
  min: minFold,
  argmax: argFold((v, best) => v > best),
  argmin: argFold((v, best) => v < best),
};

/** int32 (and bool) sums and products wrap like C int32. */
const INT: Record<ReduceOp, Fold> = {
  ...FLOAT,
  sum: (x, start, n) => {
    let s = 0;
    for (let i = start, end = start + n; i < end; i++) s = (s + x[i]!) | 0;
    return s;
  },
  prod: (x, start, n) => {
    let p = 1;
    for (let i = start, end = start + n; i < end; i++) p = Math.imul(p, x[i]!);
    return p;
  },
};

/** Reduces the trailing `axes` dimensions of x (the op moved them last). */
export function reduce(x: TensorInfo, op: ReduceOp, axes: number, outDtype: DType): TypedArray {
  const rank = x.shape.length;
  const outer = sizeOf(x.shape.slice(0, rank - axes));
  const inner = sizeOf(x.shape.slice(rank - axes));
  const out = alloc(outDtype, outer);
  if (outer === 0) return out;
  if (op === 'sum' && x.dtype === 'float32' && outDtype === 'float32' && sumLeading(x, axes, out)) return out;
  const fold = (x.dtype === 'float32' ? FLOAT : INT)[op];
  const src = toContiguous(x);
  for (let o = 0; o < outer; o++) out[o] = fold(src, o * inner, inner);
  return out;
}

/**
 * A float32 sum over axes that lie outside the kept ones in memory (a bias gradient: [N, H, W, C]
 * summed to [C], viewed [C, N·H·W] with strides [1, C]). Copying that view contiguous first (a
 * tiled transpose) took ~3x the sum itself in a profile; instead the kept run is added row by row
 * into float64 accumulators, reading memory in order. Each output adds the same values in the
 * same order as sumFloat, so the result is identical. Returns false (nothing written) otherwise.
 */
function sumLeading(x: TensorInfo, axes: number, out: TypedArray): boolean {
  const k = x.shape.length - axes;
  const kept = collapse(x.shape.slice(0, k), x.strides.slice(0, k));
  const red = collapse(x.shape.slice(k), x.strides.slice(k));
  if (kept.shape.length !== 1 || kept.strides[0] !== 1 || red.shape.length !== 1) return false;
  const o = kept.shape[0]!;
  const m = red.shape[0]!;
  const step = red.strides[0]!;
  if (step < o) return false; // rows that overlap or interleave: the generic path
  const src = bufferOf(x);
  const acc = new Float64Array(o);
  for (let r = 0, p = x.offset; r < m; r++, p += step) {
    for (let j = 0; j < o; j++) acc[j] += src[p + j]!;
  }
  out.set(acc);
  return true;
}
