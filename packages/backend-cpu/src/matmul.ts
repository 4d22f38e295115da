import type { TensorInfo } from '@nabla/tensor';
import type { WasmGemm } from './wasm/gemm.js';
import { alloc, allocFull } from './strided.js';

/** The GEMM a product of m·n·k = `work` runs on, and whether it may split it across threads. */
export type GemmChoice = { readonly gemm: WasmGemm; readonly parallel: boolean } | null;

/**
 * Float32 matrix product. The seam is `gemm` on row-major buffers (where a later
 * WebAssembly SIMD kernel plugs in); the batched kernel reaches the same code with
 * arbitrary strides, which packing absorbs.
 *
 * Layout (GotoBLAS style): B is packed once per matrix into NR-column panels
 * [panel][k][NR], A into MR-row panels [panel][k][MR], one MC-row block at a time, and
 * a 4x4 register-tile micro-kernel walks KC-long slices of both, accumulating in
 * float64 locals. Measured against i-k-j loops (with and without float64 rows, k
 * unrolling and j blocking) and against 2x4 ... 8x4 tiles and float32 panels, this was
 * the fastest in V8 (about 4x the best i-k-j loop).
 */
const MR = 4;
const NR = 4;
const KC = 256;
const MC = 64;

/** A strided float32 matrix: element (i, j) is data[offset + i * rs + j * cs]. */
interface Mat {
  readonly data: Float32Array;
  readonly offset: number;
  readonly rs: number;
  readonly cs: number;
}

type Plan = 'packed' | 'rows' | 'dots';

/** B prepared for one plan, so a batch that repeats B (stride 0) prepares it once. */
type PreparedB = Float64Array | Mat;

function choosePlan(m: number, n: number): Plan {
  if (n < NR) return 'dots'; // matrix-vector: a dot product per output
  if (m < MR) return 'rows'; // vector-matrix: axpy over contiguous rows of B
  return 'packed';
}

/** B (k x n) as NR-column panels [panel][k][NR], zero-padded on the right. */
function packB(k: number, n: number, b: Mat): Float64Array {
  const panels = Math.ceil(n / NR);
  const out = new Float64Array(panels * k * NR);
  const { data, rs, cs } = b;
  for (let p = 0; p < panels; p++) {
    const j0 = p * NR;
    const nr = Math.min(NR, n - j0);
    let q = p * k * NR;
    let src = b.offset + j0 * cs;
    for (let kk = 0; kk < k; kk++, q += NR, src += rs) {
      for (let c = 0; c < nr; c++) out[q + c] = data[src + c * cs]!;
    }
  }
  return out;
}

/** Rows [i0, i0 + mc) of A (all k columns) as MR-row panels [panel][k][MR]; rows past mc are left as they are (their results are never stored). */
function packA(mc: number, k: number, a: Mat, i0: number, out: Float64Array): void {
  const { data, rs, cs } = a;
  for (let p = 0; p * MR < mc; p++) {
    const rows = Math.min(MR, mc - p * MR);
    const base = p * k * MR;
    for (let r = 0; r < rows; r++) {
      let src = a.offset + (i0 + p * MR + r) * rs;
      for (let kk = 0, q = base + r; kk < k; kk++, q += MR, src += cs) out[q] = data[src]!;
    }
  }
}

/**
 * C[o.., 4x4] (=, or += when `add`) the product of an A panel slice and a B panel slice of
 * length kc; only the top-left mr x nr corner is stored at the edges.
 */
function kernel4x4(
  kc: number, ap: Float64Array, pa: number, bp: Float64Array, pb: number,
  c: Float32Array, o: number, ldc: number, mr: number, nr: number, add: boolean,
): void {
  let c00 = 0, c01 = 0, c02 = 0, c03 = 0;
  let c10 = 0, c11 = 0, c12 = 0, c13 = 0;
  let c20 = 0, c21 = 0, c22 = 0, c23 = 0;
  let c30 = 0, c31 = 0, c32 = 0, c33 = 0;
  for (let kk = 0; kk < kc; kk++, pa += MR, pb += NR) {
    const a0 = ap[pa]!, a1 = ap[pa + 1]!, a2 = ap[pa + 2]!, a3 = ap[pa + 3]!;
    const b0 = bp[pb]!, b1 = bp[pb + 1]!, b2 = bp[pb + 2]!, b3 = bp[pb + 3]!;
    c00 += a0 * b0; c01 += a0 * b1; c02 += a0 * b2; c03 += a0 * b3;
    c10 += a1 * b0; c11 += a1 * b1; c12 += a1 * b2; c13 += a1 * b3;
    c20 += a2 * b0; c21 += a2 * b1; c22 += a2 * b2; c23 += a2 * b3;
    c30 += a3 * b0; c31 += a3 * b1; c32 += a3 * b2; c33 += a3 * b3;
  }
  if (mr === MR && nr === NR) {
    if (add) {
      c[o] += c00; c[o + 1] += c01; c[o + 2] += c02; c[o + 3] += c03; o += ldc;
      c[o] += c10; c[o + 1] += c11; c[o + 2] += c12; c[o + 3] += c13; o += ldc;
      c[o] += c20; c[o + 1] += c21; c[o + 2] += c22; c[o + 3] += c23; o += ldc;
      c[o] += c30; c[o + 1] += c31; c[o + 2] += c32; c[o + 3] += c33;
    } else {
      c[o] = c00; c[o + 1] = c01; c[o + 2] = c02; c[o + 3] = c03; o += ldc;
      c[o] = c10; c[o + 1] = c11; c[o + 2] = c12; c[o + 3] = c13; o += ldc;
      c[o] = c20; c[o + 1] = c21; c[o + 2] = c22; c[o + 3] = c23; o += ldc;
      c[o] = c30; c[o + 1] = c31; c[o + 2] = c32; c[o + 3] = c33;
    }
    return;
  }
  const tile = [c00, c01, c02, c03, c10, c11, c12, c13, c20, c21, c22, c23, c30, c31, c32, c33];
  for (let r = 0; r < mr; r++) {
    for (let j = 0; j < nr; j++) {
      const at = o + r * ldc + j;
      c[at] = (add ? c[at]! : 0) + tile[r * NR + j]!;
    }
  }
}

function prepareB(plan: Plan, k: number, n: number, b: Mat): PreparedB {
  if (plan === 'packed') return packB(k, n, b);
  if (plan === 'dots') {
    // columns of B made contiguous: bt[j * k + kk]
    const bt = new Float64Array(n * k);
    for (let j = 0; j < n; j++) for (let kk = 0; kk < k; kk++) bt[j * k + kk] = b.data[b.offset + kk * b.rs + j * b.cs]!;
    return bt;
  }
  if (b.cs === 1) return b;
  const rows = new Float32Array(k * n);
  for (let kk = 0; kk < k; kk++) for (let j = 0; j < n; j++) rows[kk * n + j] = b.data[b.offset + kk * b.rs + j * b.cs]!;
  return { data: rows, offset: 0, rs: n, cs: 1 };
}

/** C (m x n at c[co + i * ldc + j]) = A (m x k) times prepared B (k x n); k > 0. */
function multiply(
  plan: Plan, m: number, n: number, k: number, a: Mat, b: PreparedB, c: Float32Array, co: number, ldc: number, scratch: Float64Array,
): void {
  if (plan === 'packed') {
    const bp = b as Float64Array;
    for (let m0 = 0; m0 < m; m0 += MC) {
      const mc = Math.min(MC, m - m0);
      packA(mc, k, a, m0, scratch);
      for (let k0 = 0; k0 < k; k0 += KC) {
        const kc = Math.min(KC, k - k0);
        for (let j0 = 0; j0 < n; j0 += NR) {
          const pb = j0 * k + k0 * NR; // panel j0 / NR, row k0
          const nr = Math.min(NR, n - j0);
          for (let i = 0; i < mc; i += MR) {
            kernel4x4(kc, scratch, i * k + k0 * MR, bp, pb, c, co + (m0 + i) * ldc + j0, ldc, Math.min(MR, mc - i), nr, k0 > 0);
          }
        }
      }
    }
  } else if (plan === 'dots') {
    const bt = b as Float64Array;
    const row = a.cs === 1 ? null : new Float64Array(k);
    for (let i = 0; i < m; i++) {
      let ar = a.offset + i * a.rs;
      let src: ArrayLike<number> = a.data;
      if (row) {
        for (let kk = 0; kk < k; kk++) row[kk] = a.data[ar + kk * a.cs]!;
        src = row;
        ar = 0;
      }
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let kk = 0, q = j * k; kk < k; kk++, q++) s += src[ar + kk]! * bt[q]!;
        c[co + i * ldc + j] = s;
      }
    }
  } else {
    const bm = b as Mat;
    const acc = new Float64Array(n);
    for (let i = 0; i < m; i++) {
      acc.fill(0);
      for (let kk = 0; kk < k; kk++) {
        const x = a.data[a.offset + i * a.rs + kk * a.cs]!;
        const rb = bm.offset + kk * bm.rs;
        for (let j = 0; j < n; j++) acc[j] += x * bm.data[rb + j]!;
      }
      const rc = co + i * ldc;
      for (let j = 0; j < n; j++) c[rc + j] = acc[j]!;
    }
  }
}

function scratchFor(plan: Plan, m: number, k: number): Float64Array {
  return new Float64Array(plan === 'packed' ? Math.ceil(Math.min(m, MC) / MR) * MR * k : 0);
}

/**
 * C = A·B on row-major float32 buffers: A is m x k (row i at a[i * lda]), B is k x n
 * (row at b[kk * ldb]), C is m x n (row at c[i * ldc]). Subarrays pass offsets.
 *
 * @example gemm(2, 2, 2, new Float32Array([1, 2, 3, 4]), 2, new Float32Array([5, 6, 7, 8]), 2, c, 2)
 */
export function gemm(
  m: number, n: number, k: number, a: Float32Array, lda: number, b: Float32Array, ldb: number, c: Float32Array, ldc: number,
): void {
  if (m === 0 || n === 0) return;
  if (k === 0) {
    for (let i = 0; i < m; i++) c.fill(0, i * ldc, i * ldc + n);
    return;
  }
  const plan = choosePlan(m, n);
  const prepared = prepareB(plan, k, n, { data: b, offset: 0, rs: ldb, cs: 1 });
  multiply(plan, m, n, k, { data: a, offset: 0, rs: lda, cs: 1 }, prepared, c, 0, ldc, scratchFor(plan, m, k));
}

/** The shape of a batched product and a walk over its batch (offsets of each A and B). */
function batched(a: TensorInfo, b: TensorInfo) {
  const rank = a.shape.length;
  const m = a.shape[rank - 2]!;
  const k = a.shape[rank - 1]!;
  const n = b.shape[rank - 1]!;
  const batchShape = a.shape.slice(0, rank - 2);
  let batch = 1;
  for (const d of batchShape) batch *= d;
  const mats = (aOff: number, bOff: number): [Mat, Mat] => [
    { data: a.buffer as Float32Array, offset: aOff, rs: a.strides[rank - 2]!, cs: a.strides[rank - 1]! },
    { data: b.buffer as Float32Array, offset: bOff, rs: b.strides[rank - 2]!, cs: b.strides[rank - 1]! },
  ];
  /** Calls fn(t, A_t, B_t) for each batch entry t. */
  const each = (fn: (t: number, am: Mat, bm: Mat) => void): void => {
    const idx = new Array<number>(batchShape.length).fill(0);
    let aOff = a.offset;
    let bOff = b.offset;
    for (let t = 0; t < batch; t++) {
      const [am, bm] = mats(aOff, bOff);
      fn(t, am, bm);
      for (let d = batchShape.length - 1; d >= 0; d--) {
        aOff += a.strides[d]!;
        bOff += b.strides[d]!;
        if (++idx[d]! < batchShape[d]!) break;
        aOff -= a.strides[d]! * batchShape[d]!;
        bOff -= b.strides[d]! * batchShape[d]!;
        idx[d] = 0;
      }
    }
  };
  return { m, k, n, batch, each };
}

/** Batched matmul kernel: a [...batch, M, K] x b [...batch, K, N] -> contiguous [...batch, M, N]. */
export function matmul(a: TensorInfo, b: TensorInfo): Float32Array {
  const { m, k, n, batch, each } = batched(a, b);
  const out = alloc('float32', batch * m * n) as Float32Array;
  if (out.length === 0 || k === 0) return out;
  const plan = choosePlan(m, n);
  const scratch = scratchFor(plan, m, k);
  let preparedAt = -1;
  let prepared: PreparedB | null = null;
  each((t, am, bm) => {
    if (prepared === null || bm.offset !== preparedAt) {
      prepared = prepareB(plan, k, n, bm);
      preparedAt = bm.offset;
    }
    multiply(plan, m, n, k, am, prepared, out, t * m * n, n, scratch);
  });
  return out;
}

/**
 * The matmul kernel on a WebAssembly GEMM (`pick` null: the JS kernel above). A and
 * B are packed from their strided views straight into the wasm memory; a B repeated
 * over the batch (stride 0) is packed once. `pick(m·n·k)` chooses the GEMM per product,
 * so small products stay on one thread and large ones go to the worker pool.
 */
export function createMatmul(pick: (work: number) => GemmChoice): (a: TensorInfo, b: TensorInfo) => Float32Array {
  return (a, b) => {
    const { m, k, n, batch, each } = batched(a, b);
    const choice = pick(m * n * k);
    if (choice === null) return matmul(a, b);
    const { gemm: g, parallel } = choice;
    if (batch * m * n === 0 || k === 0) return alloc('float32', batch * m * n) as Float32Array; // zeros
    // byte addresses are i32 in the kernel: products whose arena passes 2 GiB (or that the wasm
    // heap has no room for) stay in JS
    if (!g.reserve(m, n, k)) return matmul(a, b);
    const out = allocFull('float32', batch * m * n) as Float32Array; // copyOut writes every element
    let arena: { bPtr: number; aPtr: number; cPtr: number } | null = null;
    let packedAt = -1;
    let bAt = 0;
    let ldb = 0; // B staged row-major (small m) or packed: see WasmGemm.prepareB
    each((t, am, bm) => {
      if (t === 0 || bm.offset !== packedAt) {
        // one B for the whole call: read in place from the heap, or its staged copy kept (weights,
        // see fixedB), which must happen before the arena is laid out above it
        const fixed = g.fixedB(m, k, n, bm, arena === null && batch === 1);
        arena ??= g.arena(m, n, k);
        bAt = fixed !== null ? fixed.ptr : arena.bPtr;
        ldb = fixed !== null ? fixed.ldb : g.prepareB(m, k, n, bm, arena.bPtr);
        packedAt = bm.offset;
      }
      const direct = g.directC(m, n, out, t * m * n); // C written in place: no copy out
      const ldc = g.compute(m, n, k, am, arena!.aPtr, bAt, direct >= 0 ? direct : arena!.cPtr, parallel, ldb);
      if (direct < 0) g.copyOut(m, n, arena!.cPtr, ldc, out, t * m * n);
    });
    return out;
  };
}
