import { sizeOf, type DType, type ReduceOp, type TensorInfo, type TypedArray } from '@nabla/tensor';
import { alloc, toContiguous } from './strided.js';

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
  const fold = (x.dtype === 'float32' ? FLOAT : INT)[op];
  const src = toContiguous(x);
  for (let o = 0; o < outer; o++) out[o] = fold(src, o * inner, inner);
  return out;
}
