import { sizeOf, type Shape, type TensorInfo, type TypedArray } from '@nabla/tensor';
import { alloc, allocFull, toContiguous } from './strided.js';

/** Copies n elements; `set` (a memcpy) only pays off for longer runs. */
function copyRun(src: TypedArray, from: number, out: TypedArray, to: number, n: number): void {
  if (n >= 32) out.set(src.subarray(from, from + n), to);
  else for (let i = 0; i < n; i++) out[to + i] = src[from + i]!;
}

/** Joins inputs along `axis`: each contributes a run of shape[axis:] per outer index. */
export function concat(xs: readonly TensorInfo[], axis: number): TypedArray {
  const first = xs[0]!;
  const outer = sizeOf(first.shape.slice(0, axis));
  const srcs = xs.map(toContiguous);
  const runs = xs.map((x) => sizeOf(x.shape.slice(axis)));
  const total = runs.reduce((s, r) => s + r, 0);
  const out = allocFull(first.dtype, outer * total); // the runs cover it
  let o = 0;
  for (let i = 0; i < outer; i++) {
    for (let t = 0; t < srcs.length; t++) {
      const run = runs[t]!;
      copyRun(srcs[t]!, i * run, out, o, run);
      o += run;
    }
  }
  return out;
}

/** Constant padding: out is filled with `value`, then each input row is copied into place. */
export function pad(x: TensorInfo, paddings: readonly (readonly [number, number])[], value: number): TypedArray {
  const rank = x.shape.length;
  const outShape = x.shape.map((d, i) => d + paddings[i]![0] + paddings[i]![1]);
  const out = alloc(x.dtype, sizeOf(outShape));
  if (!Object.is(value, 0)) out.fill(x.dtype === 'bool' ? (value !== 0 ? 1 : 0) : value);
  const src = toContiguous(x);
  if (src.length === 0) return out;
  if (rank === 0) {
    out[0] = src[0]!;
    return out;
  }
  // out strides, and the out offset of input element [0, ..., 0]
  const outStrides = new Array<number>(rank);
  let s = 1;
  let base = 0;
  for (let d = rank - 1; d >= 0; d--) {
    outStrides[d] = s;
    base += paddings[d]![0] * s;
    s *= outShape[d]!;
  }
  const n = x.shape[rank - 1]!;
  const rows = src.length / n;
  const idx = new Array<number>(rank).fill(0);
  let o = base;
  for (let r = 0; r < rows; r++) {
    copyRun(src, r * n, out, o, n);
    for (let d = rank - 2; d >= 0; d--) {
      o += outStrides[d]!;
      if (++idx[d]! < x.shape[d]!) break;
      o -= outStrides[d]! * x.shape[d]!;
      idx[d] = 0;
    }
  }
  return out;
}

/** Indices as a contiguous int32 array, each checked against [0, n). */
function checkedIndices(op: string, indices: TensorInfo, n: number, axis: number): TypedArray {
  const idx = toContiguous(indices);
  for (let j = 0; j < idx.length; j++) {
    const v = idx[j]!;
    if (v < 0 || v >= n) throw new RangeError(`${op}: index ${v} is out of range [0, ${n}) along axis ${axis}`);
  }
  return idx;
}

/** out[o, j, :] = x[o, indices[j], :] over outer x.shape[:axis] and inner x.shape[axis+1:]. */
export function gather(x: TensorInfo, indices: TensorInfo, axis: number): TypedArray {
  const n = x.shape[axis]!;
  const idx = checkedIndices('gather', indices, n, axis);
  const outer = sizeOf(x.shape.slice(0, axis));
  const inner = sizeOf(x.shape.slice(axis + 1));
  const m = idx.length;
  const out = allocFull(x.dtype, outer * m * inner); // a row for every (checked) index
  if (out.length === 0) return out;
  const src = toContiguous(x);
  let o = 0;
  for (let i = 0; i < outer; i++) {
    const base = i * n * inner;
    for (let j = 0; j < m; j++, o += inner) copyRun(src, base + idx[j]! * inner, out, o, inner);
  }
  return out;
}

/** The adjoint of gather: a zero tensor of `outShape` with updates[o, j, :] added at out[o, indices[j], :]. */
export function scatterAdd(updates: TensorInfo, indices: TensorInfo, axis: number, outShape: Shape): TypedArray {
  const n = outShape[axis]!;
  const idx = checkedIndices('scatterAdd', indices, n, axis);
  const outer = sizeOf(outShape.slice(0, axis));
  const inner = sizeOf(outShape.slice(axis + 1));
  const m = idx.length;
  const out = alloc(updates.dtype, sizeOf(outShape));
  if (outer * m * inner === 0) return out;
  const src = toContiguous(updates);
  // float64 accumulator: repeated indices add up without float32 rounding in between
  const acc = new Float64Array(out.length);
  let u = 0;
  for (let i = 0; i < outer; i++) {
    const base = i * n * inner;
    for (let j = 0; j < m; j++) {
      const at = base + idx[j]! * inner;
      for (let c = 0; c < inner; c++) acc[at + c] += src[u++]!;
    }
  }
  if (updates.dtype === 'bool') for (let i = 0; i < acc.length; i++) out[i] = acc[i] !== 0 ? 1 : 0;
  else out.set(acc);
  return out;
}
