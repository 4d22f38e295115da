import { isContiguous, sizeOf, type TensorInfo, type TypedArray } from '@nabla/tensor';
import { heapAddress, heapRelease } from './heap.js';
import { wasmCopy } from './wasm/copy.js';
import { alloc, allocFull, jsArray } from './recycle.js';

export { alloc, allocFull } from './recycle.js';

/** The backend buffer behind a view (every CPU buffer is a TypedArray of the view's dtype). */
export function bufferOf(info: TensorInfo): TypedArray {
  return info.buffer as TypedArray;
}

/**
 * Drops size-1 dimensions and merges neighbours whose strides chain (stride[d] ==
 * stride[d+1] * shape[d+1]), so a copy walks as few, as long, inner runs as possible.
 */
export function collapse(shape: readonly number[], strides: readonly number[]): { shape: number[]; strides: number[] } {
  const s: number[] = [];
  const st: number[] = [];
  for (let d = 0; d < shape.length; d++) {
    const n = shape[d]!;
    if (n === 1) continue;
    const last = s.length - 1;
    if (last >= 0 && st[last] === strides[d]! * n) {
      s[last] = s[last]! * n;
      st[last] = strides[d]!;
    } else {
      s.push(n);
      st.push(strides[d]!);
    }
  }
  return { shape: s, strides: st };
}

/**
 * Copies the elements of a strided view (row-major order) into `out` from `outOffset`.
 * The innermost dimension is a tight loop with its own stride (0 = broadcast).
 */
export function copyStrided(
  src: TypedArray, offset: number, shape: readonly number[], strides: readonly number[], out: TypedArray, outOffset: number,
): void {
  const size = sizeOf(shape);
  if (size === 0) return;
  const c = collapse(shape, strides);
  const rank = c.shape.length;
  if (rank === 0) {
    out[outOffset] = src[offset]!;
    return;
  }
  const dims = c.shape;
  const st = c.strides;
  if (rank >= 2 && st[0] === 0) {
    // a block repeated along the outermost dim (a bias broadcast over N·H·W): copy it once, then
    // double it with copyWithin (memmove speed, instead of an element loop over short runs)
    copyStrided(src, offset, dims.slice(1), st.slice(1), out, outOffset);
    for (let filled = size / dims[0]!; filled < size; ) {
      const n = Math.min(filled, size - filled);
      out.copyWithin(outOffset + filled, outOffset, outOffset + n);
      filled += n;
    }
    return;
  }
  if (st[rank - 1] !== 1 && rank >= 3) {
    // a short, strided last run but a long unit-stride dim further out (pooling windows viewed
    // [N, OH, OW, C, KH, KW]): read along that dim instead and write with its output stride
    const k = st.indexOf(1);
    if (k >= 0 && k < rank - 2 && dims[k]! >= 4 * dims[rank - 1]!) {
      copyReadingUnitStride(src, offset, dims, st, k, out, outOffset);
      return;
    }
  }
  // a transposed inner plane (unit stride on the second-to-last dim) is copied in tiles
  const plane = rank >= 2 && st[rank - 2] === 1 && st[rank - 1] !== 0;
  if (!plane && copyOnHeap(src, offset, dims, st, out, outOffset)) return;
  // short last runs (im2col of a 1-channel image: rows of KW) are copied two dims at a time,
  // so the odometer below steps once per KH·KW block instead of once per KW run
  const rows = !plane && rank >= 2 && dims[rank - 1]! < 16;
  const inner = plane || rows ? 2 : 1;
  const n = inner === 2 ? dims[rank - 1]! * dims[rank - 2]! : dims[rank - 1]!;
  const s = st[rank - 1]!;
  const idx = new Array<number>(rank).fill(0);
  const runs = size / n;
  let p = offset;
  let o = outOffset;
  for (let run = 0; run < runs; run++) {
    if (plane) copyTransposedPlane(src, p, dims[rank - 2]!, dims[rank - 1]!, s, out, o);
    else if (rows) copyShortRows(src, p, dims[rank - 2]!, dims[rank - 1]!, st[rank - 2]!, s, out, o);
    else if (s === 1 && n >= 64) out.set(src.subarray(p, p + n), o);
    else if (s === 0) out.fill(src[p]!, o, o + n);
    else for (let j = 0, q = p; j < n; j++, q += s) out[o + j] = src[q]!;
    o += n;
    for (let d = rank - 1 - inner; d >= 0; d--) {
      p += st[d]!;
      if (++idx[d]! < dims[d]!) break;
      p -= st[d]! * dims[d]!;
      idx[d] = 0;
    }
  }
}

/**
 * Copies a collapsed strided view into row-major `out` with dim `k` (source stride 1) as the
 * innermost loop: contiguous reads, writes `outStride[k]` apart.
 */
function copyReadingUnitStride(
  src: TypedArray, offset: number, dims: readonly number[], st: readonly number[], k: number, out: TypedArray, outOffset: number,
): void {
  const rank = dims.length;
  const ost = new Array<number>(rank);
  for (let d = rank - 1, acc = 1; d >= 0; d--) {
    ost[d] = acc;
    acc *= dims[d]!;
  }
  // the other dims, outermost first, walked by an odometer
  const outer = [...Array(rank).keys()].filter((d) => d !== k);
  const idx = new Array<number>(outer.length).fill(0);
  const n = dims[k]!;
  const os = ost[k]!;
  const runs = dims.reduce((a, b) => a * b, 1) / n;
  let p = offset;
  let o = outOffset;
  for (let run = 0; run < runs; run++) {
    for (let j = 0, q = o; j < n; j++, q += os) out[q] = src[p + j]!;
    for (let e = outer.length - 1; e >= 0; e--) {
      const d = outer[e]!;
      p += st[d]!;
      o += ost[d]!;
      if (++idx[e]! < dims[d]!) break;
      p -= st[d]! * dims[d]!;
      o -= ost[d]! * dims[d]!;
      idx[e] = 0;
    }
  }
}

/**
 * The copy in wasm (wasm/copy.ts) when both arrays are on the heap and have 4-byte elements: the
 * three innermost dims per call, the outer ones walked here. False (nothing copied) otherwise.
 */
function copyOnHeap(src: TypedArray, offset: number, dims: readonly number[], st: readonly number[], out: TypedArray, outOffset: number): boolean {
  if (src.BYTES_PER_ELEMENT !== 4 || out.BYTES_PER_ELEMENT !== 4) return false;
  const from = heapAddress(src);
  const to = heapAddress(out);
  const wasm = from >= 0 && to >= 0 ? wasmCopy() : null;
  if (wasm === null) return false;
  const rank = dims.length;
  const at = (d: number): [number, number] => (d >= 0 ? [dims[d]!, st[d]! * 4] : [1, 0]);
  const [n0, s0] = at(rank - 3);
  const [n1, s1] = at(rank - 2);
  const [n2, s2] = at(rank - 1);
  const fn = s2 === 4 ? wasm.runs : wasm.gather;
  const inner = n0 * n1 * n2;
  const outer = Math.max(0, rank - 3);
  const idx = new Array<number>(outer).fill(0);
  const calls = sizeOf(dims) / inner;
  let p = offset;
  for (let call = 0, q = outOffset; call < calls; call++, q += inner) {
    fn(from + p * 4, to + q * 4, n0, s0, n1, s1, n2, s2);
    for (let d = outer - 1; d >= 0; d--) {
      p += st[d]!;
      if (++idx[d]! < dims[d]!) break;
      p -= st[d]! * dims[d]!;
      idx[d] = 0;
    }
  }
  return true;
}

/** out[o + i * cols + j] = src[p + i * rowStride + j * s]: rows too short to loop over one by one. */
function copyShortRows(src: TypedArray, p: number, rows: number, cols: number, rowStride: number, s: number, out: TypedArray, o: number): void {
  for (let i = 0, r = p; i < rows; i++, r += rowStride) {
    for (let j = 0, q = r; j < cols; j++, q += s) out[o++] = src[q]!;
  }
}

const TILE = 32;

/** out[o + i * cols + j] = src[p + i + j * s]: a transpose, in tiles so both sides stay in cache. */
function copyTransposedPlane(src: TypedArray, p: number, rows: number, cols: number, s: number, out: TypedArray, o: number): void {
  for (let i0 = 0; i0 < rows; i0 += TILE) {
    const i1 = Math.min(rows, i0 + TILE);
    for (let j0 = 0; j0 < cols; j0 += TILE) {
      const j1 = Math.min(cols, j0 + TILE);
      for (let i = i0; i < i1; i++) {
        const row = o + i * cols;
        for (let j = j0, q = p + i + j0 * s; j < j1; j++, q += s) out[row + j] = src[q]!;
      }
    }
  }
}

/**
 * Kernel scopes. A copy `toContiguous` makes inside a kernel is a temporary of that kernel: on
 * the wasm heap, it would never be freed by the GC, so it is freed when the outermost kernel call
 * returns (the backend runs every kernel through `inKernel`), unless the kernel keeps it as its
 * output (`keep`). Outside any kernel (a caller of the exported `toContiguous`) the copy is a JS
 * array the GC frees.
 */
let depth = 0;
const temps: TypedArray[] = [];

const wrapped = new WeakMap<object, object>();

/** The kernel `inKernel` wrapped (for tests: which kernel a backend runs), else `fn` itself. */
export function kernelOf(fn: unknown): unknown {
  return (typeof fn === 'function' && wrapped.get(fn)) || fn;
}

/** `kernel` wrapped so that the temporaries made while it runs are freed when it returns. */
export function inKernel<F extends (...args: never[]) => unknown>(kernel: F): F {
  const run = ((...args: Parameters<F>) => {
    depth++;
    try {
      return kernel(...args);
    } finally {
      if (--depth === 0 && temps.length > 0) {
        for (const t of temps) heapRelease(t);
        temps.length = 0;
      }
    }
  }) as F;
  wrapped.set(run, kernel);
  return run;
}

/** Takes a temporary out of the kernel's scope: the kernel returns it (as its output buffer). */
export function keep<T extends TypedArray>(array: T): T {
  const i = temps.lastIndexOf(array);
  if (i >= 0) temps.splice(i, 1);
  return array;
}

/** Temporaries waiting for their kernel to return (for tests). */
export function pendingTemporaries(): number {
  return temps.length;
}

/**
 * The view's elements in row-major order: a zero-copy `subarray` of the buffer when the
 * view is already contiguous, else a copy (inside a kernel a temporary freed when the kernel
 * returns, see `inKernel`; `keep` it to return it). Callers must not write into the result.
 */
export function toContiguous(info: TensorInfo): TypedArray {
  const src = bufferOf(info);
  const size = sizeOf(info.shape);
  if (size === 0) return alloc(info.dtype, 0);
  if (isContiguous(info.shape, info.strides)) return src.subarray(info.offset, info.offset + size);
  const out = depth > 0 ? allocFull(info.dtype, size) : jsArray(info.dtype, size);
  if (depth > 0) temps.push(out);
  copyStrided(src, info.offset, info.shape, info.strides, out, 0);
  return out;
}

/** The single value of a view whose strides are all 0 (a broadcast scalar), else undefined. */
export function broadcastScalar(info: TensorInfo): number | undefined {
  for (let d = 0; d < info.shape.length; d++) if (info.strides[d] !== 0 && info.shape[d] !== 1) return undefined;
  if (sizeOf(info.shape) === 0) return undefined;
  return bufferOf(info)[info.offset];
}
