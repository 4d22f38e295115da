/**
 * WebAssembly SIMD GEMM. A micro-kernel emitted at run time (see emit.ts) multiplies
 * packed panels: A in MR-row panels [panel][k][MR], B in NR-column panels
 * [panel][k][NR] (NR = 4 * NV floats), both K-major and zero-padded to whole panels,
 * into an MR x NR tile of C held in MR * NV f32x4 accumulators. A second function,
 * `compute`, walks the cache blocks of one rectangle of C and calls the kernel, so a
 * worker thread (threads/pool.ts) runs a share of a product with one call.
 *
 * Shape of the tile: V8 gives wasm 16 vector registers on x64, so 8 accumulators
 * (2 x 16) leave room for 4 B vectors and a broadcast; 12+ accumulators spill. The
 * k-loop stays rolled (unrolled, V8 hoisted loads and spilled). Where relaxed SIMD
 * validates (Node 22+, Chrome 114+; Node 20 through relaxed.ts) the
 * multiply-add is one f32x4.relaxed_madd: on the Xeon this was measured on, the kernel
 * went from ~21 to ~37 GFLOP/s in L1, because mul + add are two uops on three ports
 * where an FMA is one on two.
 */
import { Code, emitModule, I32, Op, Simd, uleb, V128, type ValType } from './emit.js';
import { relaxedSimd } from './relaxed.js';
import { classSize, heapAddress, heapAlloc, heapBuffer, heapFree, heapMemory } from '../heap.js';
import { versionOf } from '../versions.js';

export const MR = 2;
const NV = 4;
export const NR = 4 * NV;
/** Depth of a K block: a B micro-panel (KC x NR floats = 16 KiB) stays in L1. */
const KC = 256;
/** Widest row-major B read in place (its row stride in bytes is an i32). */
const MAX_LDB = 2 ** 28;
/** Rows of A per block: an MC x KC block of packed A (128 KiB) stays in L2. */
const MC = 128;
const PAGE = 65536;
/** Bytes at the bottom of the memory kept for the thread pool's control block (threads/pool.ts). */
export const CONTROL_BYTES = 4096;
/** Pages a shared memory may grow to: 2 GiB, the reach of the kernel's i32 byte addresses. */
export const MAX_PAGES = 32768;

/**
 * kernel(kc, a, astep, b, c, ldc, tiles, accumulate), all i32 byte addresses/strides:
 * for t < tiles: C[c + t*MR*ldc .. MR x NR tile] (=, or += when accumulate) A panel slice
 * (a + t*astep, kc x MR) times B panel slice (b, kc x NR). ldc is in bytes. kc, tiles > 0.
 * With `rowsB` (kernelRows) a ninth parameter, ldb, is B's row stride in bytes: B is read in
 * place from a row-major matrix (NR floats at b + kk * ldb) instead of a packed panel.
 */
function emitKernel(mr: number, nv: number, fma: boolean, rowsB = false): Code {
  const [KCP, A, ASTEP, B, C, LDC, TILES, ACC] = [0, 1, 2, 3, 4, 5, 6, 7];
  const LDB = 8; // rowsB only
  const x = rowsB ? 1 : 0; // locals after the parameters
  const [PA, PB, K, CROW] = [8 + x, 9 + x, 10 + x, 11 + x];
  const acc = (r: number, q: number) => 12 + x + r * nv + q;
  const bv = (q: number) => 12 + x + mr * nv + q;
  const av = 12 + x + mr * nv + nv;
  const c = new Code();
  c.op(Op.loop, Op.void); // tiles
  for (let r = 0; r < mr; r++) for (let q = 0; q < nv; q++) c.zero().set(acc(r, q));
  c.get(A).set(PA).get(B).set(PB).get(KCP).set(K);
  c.op(Op.loop, Op.void); // k
  for (let q = 0; q < nv; q++) c.get(PB).load(16 * q).set(bv(q));
  for (let r = 0; r < mr; r++) {
    c.get(PA).splatLoad(4 * r).set(av);
    for (let q = 0; q < nv; q++) {
      if (fma) c.get(av).get(bv(q)).get(acc(r, q)).simd(Simd.f32x4RelaxedMadd).set(acc(r, q));
      else c.get(acc(r, q)).get(av).get(bv(q)).simd(Simd.f32x4Mul).simd(Simd.f32x4Add).set(acc(r, q));
    }
  }
  c.get(PA).i32(4 * mr).op(Op.i32Add).set(PA);
  if (rowsB) c.get(PB).get(LDB).op(Op.i32Add).set(PB);
  else c.get(PB).i32(16 * nv).op(Op.i32Add).set(PB);
  c.get(K).i32(1).op(Op.i32Sub).tee(K).op(Op.brIf, 0);
  c.op(Op.end); // k
  const store = (add: boolean): void => {
    c.get(C).set(CROW);
    for (let r = 0; r < mr; r++) {
      for (let q = 0; q < nv; q++) {
        c.get(CROW);
        if (add) c.get(CROW).load(16 * q);
        c.get(acc(r, q));
        if (add) c.simd(Simd.f32x4Add);
        c.store(16 * q);
      }
      c.get(CROW).get(LDC).op(Op.i32Add).set(CROW);
    }
  };
  c.get(ACC).op(Op.if, Op.void);
  store(true);
  c.op(Op.else);
  store(false);
  c.op(Op.end);
  c.get(CROW).set(C); // CROW = C + mr * ldc
  c.get(A).get(ASTEP).op(Op.i32Add).set(A);
  c.get(TILES).i32(1).op(Op.i32Sub).tee(TILES).op(Op.brIf, 0);
  c.op(Op.end); // tiles
  return c;
}

/**
 * compute(i0, i1, p0, p1, k, kcMax, aPtr, bPtr, cPtr, ldc, ldb): rows [i0, i1) (multiples of
 * MR, i0 < i1) times B panels [p0, p1) (p0 < p1) of padded C = packed A · packed B, in
 * K blocks of kcMax (the first stores, later ones accumulate) and MC-row blocks: each
 * kernel call streams one A block (L2) against one B micro-panel (L1). ldc in bytes.
 * ldb (bytes) is 0 for a packed B; otherwise B is row-major with that row stride, read in
 * place: `compute` hands the call to computeRows (function index `rows`, emitted with `rowsB`),
 * whose kernel (kernelRows, function index `kernel`) finds panel p at k0 at
 * bPtr + k0 * ldb + p * NR * 4. So a worker's share runs either layout through `compute`.
 */
function emitCompute(rowsB = false, kernel = 0, rows = -1): Code {
  const [I0, I1, P0, P1, K, KCMAX, APTR, BPTR, CPTR, LDC] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
  const LDB = 10;
  const [K0, KCL, IB, TILES, A, JP, ASTEP] = [11, 12, 13, 14, 15, 16, 17];
  const c = new Code();
  if (!rowsB) {
    // a row-major B: the same call to computeRows
    c.get(LDB).op(Op.if, Op.void);
    for (const p of [I0, I1, P0, P1, K, KCMAX, APTR, BPTR, CPTR, LDC, LDB]) c.get(p);
    c.op(Op.call, ...uleb(rows)).op(Op.return);
    c.op(Op.end);
  }
  c.get(K).i32(MR * 4).op(Op.i32Mul).set(ASTEP);
  c.i32(0).set(K0);
  c.op(Op.loop, Op.void); // K blocks
  // kc = min(kcMax, k - k0)
  c.get(K).get(K0).op(Op.i32Sub).get(KCMAX).get(K).get(K0).op(Op.i32Sub).get(KCMAX).op(Op.i32LtU).op(Op.select).set(KCL);
  c.get(I0).set(IB);
  c.op(Op.loop, Op.void); // MC-row blocks
  // tiles = min(MC, i1 - ib) / MR
  c.get(I1).get(IB).op(Op.i32Sub).i32(MC).get(I1).get(IB).op(Op.i32Sub).i32(MC).op(Op.i32LtU).op(Op.select)
    .i32(MR).op(Op.i32DivU).set(TILES);
  // a = aPtr + (ib * k + k0 * MR) * 4
  c.get(APTR).get(IB).get(K).op(Op.i32Mul).get(K0).i32(MR).op(Op.i32Mul).op(Op.i32Add).i32(4).op(Op.i32Mul).op(Op.i32Add).set(A);
  c.get(P0).set(JP);
  c.op(Op.loop, Op.void); // B panels
  c.get(KCL).get(A).get(ASTEP);
  if (rowsB) c.get(BPTR).get(K0).get(LDB).op(Op.i32Mul).op(Op.i32Add).get(JP).i32(NR * 4).op(Op.i32Mul).op(Op.i32Add);
  else c.get(BPTR).get(JP).get(K).op(Op.i32Mul).get(K0).op(Op.i32Add).i32(NR * 4).op(Op.i32Mul).op(Op.i32Add);
  c.get(CPTR).get(IB).get(LDC).op(Op.i32Mul).op(Op.i32Add).get(JP).i32(NR * 4).op(Op.i32Mul).op(Op.i32Add);
  c.get(LDC).get(TILES).get(K0);
  if (rowsB) c.get(LDB);
  c.op(Op.call, ...uleb(kernel));
  c.get(JP).i32(1).op(Op.i32Add).tee(JP).get(P1).op(Op.i32LtU).op(Op.brIf, 0);
  c.op(Op.end); // B panels
  c.get(IB).i32(MC).op(Op.i32Add).tee(IB).get(I1).op(Op.i32LtU).op(Op.brIf, 0);
  c.op(Op.end); // MC-row blocks
  c.get(K0).get(KCL).op(Op.i32Add).tee(K0).get(K).op(Op.i32LtU).op(Op.brIf, 0);
  c.op(Op.end); // K blocks
  return c;
}

/**
 * packPanels(src, dst, k, panels, lds): full NR-column panels of a row-major B staged at byte
 * `src` (row stride `lds` bytes) into [panel][k][NR] at `dst`, one v128 per four floats. In JS
 * the same copy costs ~3 ns a float on this kind of machine; a staged memcpy plus this is ~10× less.
 */
function emitPackPanels(): Code {
  const [SRC, DST, K, PANELS, LDS] = [0, 1, 2, 3, 4];
  const [S, KK] = [5, 6];
  const c = new Code();
  c.op(Op.loop, Op.void); // panels
  c.get(SRC).set(S).get(K).set(KK);
  c.op(Op.loop, Op.void); // rows of the panel
  for (let q = 0; q < NV; q++) c.get(DST).get(S).load(16 * q).store(16 * q);
  c.get(S).get(LDS).op(Op.i32Add).set(S);
  c.get(DST).i32(NR * 4).op(Op.i32Add).set(DST);
  c.get(KK).i32(1).op(Op.i32Sub).tee(KK).op(Op.brIf, 0);
  c.op(Op.end); // rows
  c.get(SRC).i32(NR * 4).op(Op.i32Add).set(SRC);
  c.get(PANELS).i32(1).op(Op.i32Sub).tee(PANELS).op(Op.brIf, 0);
  c.op(Op.end); // panels
  return c;
}

/**
 * interleave(src, dst, k, pairs, lda): rows of A at byte `src` (k floats each, `lda` bytes apart)
 * into MR = 2 row panels [pair][k][2] at `dst`: two f32x4 loads and two shuffles per four
 * columns, the k % 4 tail one float at a time.
 */
function emitInterleave(): Code {
  const [SRC, DST, K, PAIRS, LDA] = [0, 1, 2, 3, 4];
  const [R0, R1, KK] = [5, 6, 7];
  const lanes = (a: number, b: number, c: number, d: number): number[] => [a, b, c, d].flatMap((l) => [4 * l, 4 * l + 1, 4 * l + 2, 4 * l + 3]);
  const c = new Code();
  c.op(Op.loop, Op.void); // pairs
  c.get(SRC).set(R0).get(SRC).get(LDA).op(Op.i32Add).set(R1);
  c.get(K).i32(2).op(Op.i32ShrU).tee(KK).op(Op.if, Op.void);
  c.op(Op.loop, Op.void); // four columns
  // lanes 0-3 are row 0's v0, 4-7 row 1's v1: [a0 b0 a1 b1], then [a2 b2 a3 b3]
  c.get(DST).get(R0).load().get(R1).load().simd(Simd.i8x16Shuffle, ...lanes(0, 4, 1, 5)).store();
  c.get(DST).get(R0).load().get(R1).load().simd(Simd.i8x16Shuffle, ...lanes(2, 6, 3, 7)).store(16);
  c.get(R0).i32(16).op(Op.i32Add).set(R0).get(R1).i32(16).op(Op.i32Add).set(R1).get(DST).i32(32).op(Op.i32Add).set(DST);
  c.get(KK).i32(1).op(Op.i32Sub).tee(KK).op(Op.brIf, 0);
  c.op(Op.end); // four columns
  c.op(Op.end); // if
  c.get(K).i32(3).op(Op.i32And).tee(KK).op(Op.if, Op.void);
  c.op(Op.loop, Op.void); // tail columns
  c.get(DST).get(R0).op(Op.f32Load, 2, 0).op(Op.f32Store, 2, 0);
  c.get(DST).get(R1).op(Op.f32Load, 2, 0).op(Op.f32Store, 2, 4);
  c.get(R0).i32(4).op(Op.i32Add).set(R0).get(R1).i32(4).op(Op.i32Add).set(R1).get(DST).i32(8).op(Op.i32Add).set(DST);
  c.get(KK).i32(1).op(Op.i32Sub).tee(KK).op(Op.brIf, 0);
  c.op(Op.end); // tail columns
  c.op(Op.end); // if
  c.get(SRC).get(LDA).i32(2).op(Op.i32Mul).op(Op.i32Add).set(SRC); // the next pair of rows
  c.get(PAIRS).i32(1).op(Op.i32Sub).tee(PAIRS).op(Op.brIf, 0);
  c.op(Op.end); // pairs
  return c;
}

/**
 * gatherPairs(src, dst, k, pairs, stride): MR = 2 row panels of a *transposed* A (unit row
 * stride: its two rows are adjacent floats, k of them `stride` bytes apart) at `src`, into
 * [pair][k][2] at `dst`, one 8-byte move per column. The filter gradient colsᵀ·dy packs this way.
 * The columns go in blocks of GATHER_BLOCK, and within a block eight pairs per pass, so each
 * column's 64 bytes (a cache line) are read once and a block's pages stay in the TLB: a pass
 * per pair over all k columns (10 MB of im2col, 1 KiB apart) cost 7% of a CNN training step.
 */
const GATHER_BLOCK = 256;

function emitGatherPairs(): Code {
  const [SRC, DST, K, PAIRS, STRIDE] = [0, 1, 2, 3, 4];
  const [S, KK, D, PANEL, KB, P, SB, DB] = [5, 6, 7, 8, 9, 10, 11, 12];
  const OFF = 13; // locals 13..19: q * PANEL bytes, the offset of the q-th pair's panel (q = 1..7)
  const c = new Code();
  const columns = (pairsPerPass: number): void => {
    c.get(SB).set(S).get(DB).set(D).get(KB).set(KK);
    c.op(Op.loop, Op.void);
    for (let q = 0; q < pairsPerPass; q++) {
      c.get(D);
      if (q > 0) c.get(OFF + q - 1).op(Op.i32Add);
      c.get(S).op(Op.i64Load, 3, ...uleb(q * 8)).op(Op.i64Store, 3, 0);
    }
    c.get(S).get(STRIDE).op(Op.i32Add).set(S).get(D).i32(8).op(Op.i32Add).set(D);
    c.get(KK).i32(1).op(Op.i32Sub).tee(KK).op(Op.brIf, 0);
    c.op(Op.end);
    c.get(SB).i32(8 * pairsPerPass).op(Op.i32Add).set(SB);
    c.get(DB).get(PANEL).i32(pairsPerPass).op(Op.i32Mul).op(Op.i32Add).set(DB);
    c.get(P).i32(pairsPerPass).op(Op.i32Sub).set(P);
  };
  c.get(K).i32(8).op(Op.i32Mul).set(PANEL);
  for (let q = 1; q < 8; q++) c.get(PANEL).i32(q).op(Op.i32Mul).set(OFF + q - 1);
  c.op(Op.loop, Op.void); // blocks of columns: KB = min(GATHER_BLOCK, columns left)
  c.i32(GATHER_BLOCK).get(K).get(K).i32(GATHER_BLOCK).op(Op.i32GtS).op(Op.select).set(KB);
  c.get(PAIRS).set(P).get(SRC).set(SB).get(DST).set(DB);
  c.op(Op.block, Op.void).op(Op.loop, Op.void); // eight pairs per pass
  c.get(P).i32(8).op(Op.i32LtS).op(Op.brIf, 1);
  columns(8);
  c.op(Op.br, 0).op(Op.end).op(Op.end);
  c.op(Op.block, Op.void).op(Op.loop, Op.void); // the rest one pair per pass
  c.get(P).op(Op.i32Eqz).op(Op.brIf, 1);
  columns(1);
  c.op(Op.br, 0).op(Op.end).op(Op.end);
  c.get(SRC).get(KB).get(STRIDE).op(Op.i32Mul).op(Op.i32Add).set(SRC);
  c.get(DST).get(KB).i32(8).op(Op.i32Mul).op(Op.i32Add).set(DST);
  c.get(K).get(KB).op(Op.i32Sub).tee(K).op(Op.brIf, 0);
  c.op(Op.end); // blocks
  return c;
}

/**
 * transposePanels(src, dst, k, panels, lds): full NR-column panels of a *transposed* B (unit row
 * stride: column j is k adjacent floats at `src + j * lds` bytes) into [panel][k][NR] at `dst`.
 * Per four k and four columns: four f32x4 loads (one per column), a 4x4 transpose in eight
 * shuffles (unpack lo/hi pairs, then 64-bit halves), four stores into the panel's k-rows; the
 * k % 4 tail one float at a time. Dense's dy·Wᵀ and the LSTM's dz·Uᵀ pack this way: packB of
 * Uᵀ (k 64, n 256) went from ~40 µs in JS to ~5.6 µs (staging memcpy included), of Wᵀ (k 256,
 * n 784) from ~610 to ~86 µs, about what a row-major B of the same size takes.
 */
function emitTransposePanels(): Code {
  const [SRC, DST, K, PANELS, LDS] = [0, 1, 2, 3, 4];
  const [S, P, KK, LDS2, LDS3, LDS4] = [5, 6, 7, 8, 9, 10];
  const [V0, T0] = [11, 15]; // v128: four loaded columns, four half-transposed
  const lanes = (...ls: number[]): number[] => ls.flatMap((l) => [4 * l, 4 * l + 1, 4 * l + 2, 4 * l + 3]);
  const column = [P, LDS, LDS2, LDS3];
  const c = new Code();
  c.get(LDS).get(LDS).op(Op.i32Add).set(LDS2).get(LDS2).get(LDS).op(Op.i32Add).set(LDS3).get(LDS2).get(LDS2).op(Op.i32Add).set(LDS4);
  c.op(Op.loop, Op.void); // panels
  c.get(SRC).set(S);
  c.get(K).i32(2).op(Op.i32ShrU).tee(KK).op(Op.if, Op.void);
  c.op(Op.loop, Op.void); // four k at a time
  c.get(S).set(P);
  for (let g = 0; g < NV; g++) {
    // columns 4g .. 4g+3 at k .. k+3: v_q = [k, k+1, k+2, k+3 of column 4g+q]
    for (let q = 0; q < 4; q++) {
      c.get(P);
      if (q > 0) c.get(column[q]!).op(Op.i32Add);
      c.load().set(V0 + q);
    }
    // t0 = [v0_0 v1_0 v0_1 v1_1], t1 = [v0_2 v1_2 v0_3 v1_3]; t2, t3 the same of v2, v3
    c.get(V0).get(V0 + 1).simd(Simd.i8x16Shuffle, ...lanes(0, 4, 1, 5)).set(T0);
    c.get(V0).get(V0 + 1).simd(Simd.i8x16Shuffle, ...lanes(2, 6, 3, 7)).set(T0 + 1);
    c.get(V0 + 2).get(V0 + 3).simd(Simd.i8x16Shuffle, ...lanes(0, 4, 1, 5)).set(T0 + 2);
    c.get(V0 + 2).get(V0 + 3).simd(Simd.i8x16Shuffle, ...lanes(2, 6, 3, 7)).set(T0 + 3);
    // k-row r of the four columns: the low (r even) or high halves of (t0, t2) (r < 2) or (t1, t3)
    for (let r = 0; r < 4; r++) {
      const half = r & 1 ? lanes(2, 3, 6, 7) : lanes(0, 1, 4, 5);
      c.get(DST).get(T0 + (r >> 1)).get(T0 + 2 + (r >> 1)).simd(Simd.i8x16Shuffle, ...half).store(r * NR * 4 + 16 * g);
    }
    if (g < NV - 1) c.get(P).get(LDS4).op(Op.i32Add).set(P);
  }
  c.get(S).i32(16).op(Op.i32Add).set(S);
  c.get(DST).i32(4 * NR * 4).op(Op.i32Add).set(DST);
  c.get(KK).i32(1).op(Op.i32Sub).tee(KK).op(Op.brIf, 0);
  c.op(Op.end); // four k
  c.op(Op.end); // if
  c.get(K).i32(3).op(Op.i32And).tee(KK).op(Op.if, Op.void);
  c.op(Op.loop, Op.void); // tail k
  c.get(S).set(P);
  for (let j = 0; j < NR; j++) {
    c.get(DST).get(P).op(Op.f32Load, 2, 0).op(Op.f32Store, 2, ...uleb(4 * j));
    if (j < NR - 1) c.get(P).get(LDS).op(Op.i32Add).set(P);
  }
  c.get(S).i32(4).op(Op.i32Add).set(S);
  c.get(DST).i32(NR * 4).op(Op.i32Add).set(DST);
  c.get(KK).i32(1).op(Op.i32Sub).tee(KK).op(Op.brIf, 0);
  c.op(Op.end); // tail k
  c.op(Op.end); // if
  c.get(SRC).get(LDS4).i32(NV).op(Op.i32Mul).op(Op.i32Add).set(SRC); // the next NR columns
  c.get(PANELS).i32(1).op(Op.i32Sub).tee(PANELS).op(Op.brIf, 0);
  c.op(Op.end); // panels
  return c;
}

export interface GemmModuleOptions {
  /** A shared memory import (for worker threads); needs `maximumPages`. */
  readonly shared?: boolean;
  readonly maximumPages?: number;
  /** Multiply-add with f32x4.relaxed_madd (the bytes validate only where relaxed SIMD is on). */
  readonly fma?: boolean;
}

/**
 * The GEMM module: imports env.memory, exports `kernel` (an MR x NR tile), `compute` (a rectangle of C), the packing
 * functions, and `kernelRows`/`computeRows`, the same over a row-major B read in place.
 */
export function emitGemmModule(options: GemmModuleOptions = {}): Uint8Array<ArrayBuffer> {
  const locals: ValType[] = [I32, I32, I32, I32, ...new Array<ValType>(MR * NV + NV + 1).fill(V128)];
  return emitModule({
    memory: { module: 'env', field: 'memory', initial: 1, maximum: options.maximumPages, shared: options.shared },
    funcs: [
      { name: 'kernel', params: new Array<ValType>(8).fill(I32), results: [], locals, body: emitKernel(MR, NV, options.fma ?? false) },
      { name: 'compute', params: new Array<ValType>(11).fill(I32), results: [], locals: new Array<ValType>(7).fill(I32), body: emitCompute(false, 0, 7) },
      { name: 'packPanels', params: new Array<ValType>(5).fill(I32), results: [], locals: [I32, I32], body: emitPackPanels() },
      { name: 'interleave', params: new Array<ValType>(5).fill(I32), results: [], locals: [I32, I32, I32], body: emitInterleave() },
      { name: 'gatherPairs', params: new Array<ValType>(5).fill(I32), results: [], locals: new Array<ValType>(15).fill(I32), body: emitGatherPairs() },
      { name: 'transposePanels', params: new Array<ValType>(5).fill(I32), results: [], locals: [...new Array<ValType>(6).fill(I32), ...new Array<ValType>(8).fill(V128)], body: emitTransposePanels() },
      // B row-major in place (small m, see WasmGemm.stageB): functions 6 and 7
      { name: 'kernelRows', params: new Array<ValType>(9).fill(I32), results: [], locals, body: emitKernel(MR, NV, options.fma ?? false, true) },
      { name: 'computeRows', params: new Array<ValType>(11).fill(I32), results: [], locals: new Array<ValType>(7).fill(I32), body: emitCompute(true, 6) },
    ],
  });
}

type PackFn = (src: number, dst: number, k: number, panels: number, lds: number) => void;
type InterleaveFn = (src: number, dst: number, k: number, pairs: number, lda: number) => void;
type GatherFn = (src: number, dst: number, k: number, pairs: number, stride: number) => void;
type ComputeFn = (i0: number, i1: number, p0: number, p1: number, k: number, kcMax: number, aPtr: number, bPtr: number, cPtr: number, ldc: number, ldb: number) => void;

/** A strided float32 matrix: element (i, j) is data[offset + i * rs + j * cs]. */
export interface Mat {
  readonly data: Float32Array;
  readonly offset: number;
  readonly rs: number;
  readonly cs: number;
}

/**
 * Worker threads that run `compute` on the same module and memory (threads/pool.ts).
 * `run(shares, own)` hands shares[w] (compute's 10 arguments) to worker w, runs `own` on
 * the calling thread, and returns when every share is done.
 */
export interface GemmThreads {
  /** Workers (the calling thread not counted). */
  readonly workers: number;
  /** False until every worker has started (products run on the calling thread meanwhile). */
  ready(): boolean;
  run(shares: readonly (readonly number[])[], own: () => void): void;
}

const align = (bytes: number): number => Math.ceil(bytes / 64) * 64;

/**
 * Products with at most this many rows (and B with unit column stride) skip packing B: it is
 * staged row-major and read in place (see stageB). Packing costs a pass over B that only pays
 * back over many rows of A; at m = 1, 784 x 256 it was ~40% of the product.
 */
export const SMALL_M = 16;

/** The staged-weights region's size (see WasmGemm.stagedB). */
const STAGED_BYTES = 32 * 2 ** 20;
/** Smaller B are staged afresh each time (the copy costs less than the bookkeeping). */
const STAGED_MIN_FLOATS = 4096;

/** A B staged row-major in the staged-weights region: which view of which array, at which version. */
interface StagedB {
  readonly offset: number;
  readonly rs: number;
  readonly k: number;
  readonly n: number;
  version: number;
  readonly generation: number;
  readonly ptr: number;
}

/** Bytes of a GEMM's first region on the heap (it grows by half again or to what a product needs). */
const FIRST_REGION = 1 << 20;

/**
 * One instance of the GEMM with its memory.
 *
 * On the wasm heap (heap.ts; the usual case) the GEMM's scratch is one heap block, its
 * *region*: the staged-weights cache at its bottom, then the arena (bump allocator, reset per
 * product) holding packed B, packed A and the padded C. Operands that are themselves on the
 * heap are packed from where they are (no staging copy), and a small-m product reads a heap B
 * in place. The region is replaced by a larger block when a product needs more (`reserve`, only
 * between products, so workers never see it move); the thread pool's control block is a heap
 * block of its own.
 *
 * On a memory of its own (no heap): [0, CONTROL_BYTES) is the thread pool's control block and the
 * region runs from there to the memory's end, grown with memory.grow as the arena needs. Only the
 * calling thread allocates and grows, between parallel runs; a shared memory's growth is seen by
 * every instance on it, and workers address it only through `compute`.
 */
export class WasmGemm {
  readonly memory: WebAssembly.Memory;
  private readonly computeFn: ComputeFn;
  private readonly packFn: PackFn;
  private readonly interleaveFn: InterleaveFn;
  private readonly gatherFn: GatherFn;
  private readonly transposeFn: PackFn;
  /** Where `arena` reserved room to stage A's rows (0: none; packA then copies in JS). */
  private stagePtr = 0;
  private stageRows = 0;
  private stageK = 0;
  private f32: Float32Array;
  /** Whether `memory` is the wasm heap (the region is then a heap block, see the class comment). */
  private readonly onHeap: boolean;
  /** The region: [base, end) (on a memory of its own, end grows with the memory). */
  private base = CONTROL_BYTES;
  private end = 0;
  private top = CONTROL_BYTES;
  private threads: GemmThreads | null = null;
  /** Products with m <= smallM read a B with unit column stride in place (prepareB); SMALL_M unless changed (tests, benchmarks). */
  smallM = SMALL_M;
  /** Bytes the staged-weights region may hold; STAGED_BYTES unless changed (tests). */
  stagedBytes = STAGED_BYTES;
  /** End of the staged-weights region [base, cacheTop), below the arena (see stagedB). */
  private cacheTop = CONTROL_BYTES;
  /** Bumped when the region is emptied: entries of older generations are gone. */
  private cacheGeneration = 0;
  private readonly cache = new WeakMap<object, StagedB[]>();
  /** Products that found their B staged already (for tests and the benchmark script). */
  cacheHits = 0;

  /**
   * `memory` defaults to a fresh unshared one; a shared memory (the heap's, or one of its own for
   * worker threads) must match the module's import.
   */
  constructor(module: WebAssembly.Module, memory?: WebAssembly.Memory) {
    this.memory = memory ?? new WebAssembly.Memory({ initial: 16 });
    this.onHeap = memory !== undefined && memory === heapMemory();
    if (this.onHeap) {
      const at = heapAlloc(FIRST_REGION);
      if (at === 0) throw new Error('matmul: the wasm heap has no room for the GEMM');
      this.moveTo(at, FIRST_REGION);
    } else {
      this.end = this.memory.buffer.byteLength;
    }
    const instance = new WebAssembly.Instance(module, { env: { memory: this.memory } });
    this.computeFn = instance.exports['compute'] as ComputeFn;
    this.packFn = instance.exports['packPanels'] as PackFn;
    this.interleaveFn = instance.exports['interleave'] as InterleaveFn;
    this.gatherFn = instance.exports['gatherPairs'] as GatherFn;
    this.transposeFn = instance.exports['transposePanels'] as PackFn;
    this.f32 = new Float32Array(this.onHeap ? heapBuffer()! : this.memory.buffer);
    this.warmUp();
  }

  /** The region is now [at, at + bytes): the arena and the staged weights start afresh there. */
  private moveTo(at: number, bytes: number): void {
    this.base = this.top = this.cacheTop = at;
    this.end = at + bytes;
    this.cacheGeneration++;
    this.stagePtr = 0;
    this.f32 = new Float32Array(heapBuffer()!); // the new block may lie past an older buffer's end
  }

  /**
   * Makes room for one m x n x k product above the staged weights, plus `extra` bytes of them;
   * false when it cannot (the heap is full, or the addresses would pass 2 GiB): the caller then
   * multiplies in JS. On the heap a region too small is replaced by one half again as large (or
   * as large as needed), which empties the staged weights.
   */
  reserve(m: number, n: number, k: number, extra = 0): boolean {
    const need = this.cacheTop - this.base + extra + this.productBytes(m, n, k);
    if (!this.onHeap) return this.base + need <= 2 ** 31;
    if (this.base + need <= this.end) return true;
    const bytes = classSize(Math.max(need - (this.cacheTop - this.base), Math.floor((this.end - this.base) * 1.5)) + extra);
    const at = heapAlloc(bytes);
    if (at === 0) return false;
    heapFree(this.base);
    this.moveTo(at, bytes);
    return true;
  }

  /** Gives the region back to the heap; the GEMM cannot run afterwards. Idempotent. */
  free(): void {
    if (this.onHeap && this.end !== 0) heapFree(this.base);
    this.end = 0;
  }

  /** Workers that `compute(..., parallel = true)` splits products across (null: one thread). */
  useThreads(threads: GemmThreads | null): void {
    this.threads = threads;
  }

  /** Frees the arena (a later product allocates it again from the start, above the staged weights). */
  reset(): void {
    this.top = this.cacheTop;
    this.stagePtr = 0;
  }

  /** Bytes of scratch; may grow a memory of its own (views taken before are stale: use `view`). */
  alloc(bytes: number): number {
    const at = this.top;
    this.top = align(at + bytes);
    if (this.onHeap) {
      // reserve made room for the whole product: passing the region's end is a bug, not a case
      if (this.top > this.end) throw new Error(`matmul: GEMM arena overflow (${this.top - this.base} of ${this.end - this.base} bytes)`);
      return at;
    }
    const have = this.memory.buffer.byteLength;
    if (this.top > have) {
      this.memory.grow(Math.ceil((this.top - have) / PAGE));
      this.f32 = new Float32Array(this.memory.buffer);
    }
    return at;
  }

  get view(): Float32Array {
    return this.f32;
  }

  /**
   * The byte address of B (k x n, cs 1) staged row-major in the staged-weights region, for a
   * product of m <= smallM rows; -1 where that does not apply. Predicting a few samples at a time
   * multiplies by the same weights call after call, and copying them into wasm memory was ~25% of
   * predict's time at batch 1: the copy is kept, keyed by the source array, its view of it and the
   * array's write version (versions.ts), so weights rewritten in place (Adam on donated storage)
   * or an array reused for new contents are staged again. At most STAGED_BYTES are kept; past
   * that the region is emptied. Call before `arena`, which lays the product out above the region.
   */
  stagedB(m: number, k: number, n: number, b: Mat): number {
    if (!this.readsInPlace(m, n, b) || k * n < STAGED_MIN_FLOATS || heapAddress(b.data) >= 0) return -1;
    const version = versionOf(b.data);
    const entries = this.cache.get(b.data);
    const hit = entries?.find((e) => e.generation === this.cacheGeneration && e.offset === b.offset && e.rs === b.rs && e.k === k && e.n === n);
    if (hit) {
      if (hit.version === version) {
        this.cacheHits++;
        return hit.ptr;
      }
      hit.version = version; // rewritten since: staged again where it was
      this.stageB(k, n, b, hit.ptr);
      return hit.ptr;
    }
    const bytes = align((k * n + NR) * 4);
    if (bytes > this.stagedBytes) return -1;
    if (this.cacheTop + bytes - this.base > this.stagedBytes) {
      this.cacheGeneration++; // empty the region (every entry goes stale at once)
      this.cacheTop = this.base;
    }
    if (!this.reserve(m, n, k, bytes)) return -1; // (a new region starts with an empty cache)
    const ptr = this.cacheTop;
    this.top = ptr;
    this.alloc(bytes); // grows the memory when needed
    this.cacheTop += bytes;
    const live = (entries ?? []).filter((e) => e.generation === this.cacheGeneration);
    live.push({ offset: b.offset, rs: b.rs, k, n, version, generation: this.cacheGeneration, ptr });
    this.cache.set(b.data, live);
    this.stageB(k, n, b, ptr);
    return ptr;
  }

  /**
   * B for an m-row product where it takes no arena space: a B on the heap read where it is (few
   * rows, unit column stride, rows at least n apart), or the staged copy kept for a JS B (stagedB);
   * null when neither applies. ldb is the row stride in floats that `compute` reads it with.
   * Staging (`stage`) must happen before `arena`, which lays the product out above the copies.
   */
  fixedB(m: number, k: number, n: number, b: Mat, stage = true): { ptr: number; ldb: number } | null {
    if (this.readsInPlace(m, n, b)) {
      const at = heapAddress(b.data);
      // (the kernel reads up to NR - 1 floats past B's last row: more of the heap, or its slack)
      if (at >= 0 && b.rs >= n && b.rs <= MAX_LDB) return { ptr: at + b.offset * 4, ldb: b.rs };
    }
    const ptr = stage ? this.stagedB(m, k, n, b) : -1;
    return ptr >= 0 ? { ptr, ldb: n } : null;
  }

  /** Bytes for packed B (k x n). */
  static bBytes(k: number, n: number): number {
    return Math.ceil(n / NR) * NR * k * 4;
  }

  /** Whether an m-row product reads B row-major in place (few rows, unit column stride) rather than packed. */
  private readsInPlace(m: number, n: number, b: Mat): boolean {
    return m <= this.smallM && b.cs === 1 && n <= MAX_LDB;
  }

  /**
   * B (k x n) for an m-row product at byte `ptr` (reserved by `arena(m, n, k)`): staged row-major
   * (stageB) when m <= smallM and B's columns are contiguous, else packed (packB). Returns B's row
   * stride in floats when staged, 0 when packed; `compute` takes it as `ldb`.
   */
  prepareB(m: number, k: number, n: number, b: Mat, ptr: number): number {
    if (this.readsInPlace(m, n, b)) return this.stageB(k, n, b, ptr);
    this.packB(k, n, b, ptr);
    return 0;
  }

  /**
   * B (k x n, cs 1) copied row-major to byte `ptr` (one memcpy when its rows are adjacent, else
   * one per row), followed by NR zero floats: the last partial panel's kernel reads run up to
   * NR - 1 floats past row k - 1's end. Those lanes (and, in other rows, the next row's floats
   * they read) only reach C's padding columns, which copyOut never copies. Returns the row
   * stride (n). Needs k * n + NR floats at `ptr` (arena reserves them for m <= smallM).
   */
  stageB(k: number, n: number, b: Mat, ptr: number): number {
    const f = this.f32;
    const { data, offset, rs } = b;
    const s0 = ptr >> 2;
    if (rs === n) f.set(data.subarray(offset, offset + k * n), s0);
    else for (let kk = 0; kk < k; kk++) f.set(data.subarray(offset + kk * rs, offset + kk * rs + n), s0 + kk * n);
    f.fill(0, s0 + k * n, s0 + k * n + NR);
    return n;
  }

  /**
   * B (k x n) into NR-column panels [panel][k][NR] at byte `ptr`, zero-padded. Rows of B that
   * are contiguous (cs 1) are staged above the arena with one memcpy per matrix (or per row)
   * and the full panels packed in wasm; so are the columns of a transposed B (rs 1, cs >= k,
   * see packTransposedB). Any other strided B and the last partial panel pack in JS.
   */
  packB(k: number, n: number, b: Mat, ptr: number): void {
    const full = Math.floor(n / NR);
    let p0 = 0;
    const at = heapAddress(b.data);
    if (at >= 0 && full > 0 && b.cs === 1 && b.rs <= MAX_LDB) {
      this.packFn(at + b.offset * 4, ptr, k, full, b.rs * 4); // on the heap: packed from where it is
      p0 = full;
    } else if (at >= 0 && full > 0 && b.rs === 1 && b.cs >= k && b.cs <= MAX_LDB) {
      this.transposeFn(at + b.offset * 4, ptr, k, full, b.cs * 4);
      p0 = full;
    } else if (b.cs === 1 && full > 0 && this.top + k * n * 4 <= this.stageLimit()) {
      const mark = this.top;
      const stage = this.alloc(k * n * 4);
      const f = this.f32;
      const { data, offset, rs } = b;
      if (rs === n) f.set(data.subarray(offset, offset + k * n), stage >> 2);
      else for (let kk = 0; kk < k; kk++) f.set(data.subarray(offset + kk * rs, offset + kk * rs + n), (stage >> 2) + kk * n);
      this.packFn(stage, ptr, k, full, n * 4);
      this.top = mark; // the staging area is free again
      p0 = full;
    } else if (b.rs === 1 && b.cs >= k && full > 0) {
      p0 = this.packTransposedB(k, full, b, ptr);
    }
    this.packBPanels(k, n, b, ptr, p0);
  }

  /**
   * The full panels of a transposed B (rs 1, cs >= k: column j is k floats at offset + j * cs)
   * staged above the arena and transposed in wasm; returns the panels packed (0 when the
   * staging would pass MAX_PAGES). One memcpy of the span the columns cover when the gaps
   * between them add at most a quarter, else one per column (gaps squeezed out).
   */
  private packTransposedB(k: number, full: number, b: Mat, ptr: number): number {
    const cols = full * NR;
    const { data, offset, cs } = b;
    const span = (cols - 1) * cs + k;
    const whole = span * 4 <= cols * k * 5;
    const bytes = (whole ? span : cols * k) * 4;
    if (this.top + bytes > this.stageLimit()) return 0;
    const mark = this.top;
    const stage = this.alloc(bytes);
    const f = this.f32;
    if (whole) f.set(data.subarray(offset, offset + span), stage >> 2);
    else for (let j = 0; j < cols; j++) f.set(data.subarray(offset + j * cs, offset + j * cs + k), (stage >> 2) + j * k);
    this.transposeFn(stage, ptr, k, full, (whole ? cs : k) * 4);
    this.top = mark;
    return full;
  }

  /** Where staging above the arena must end: the region's end on the heap, else 2 GiB less a page. */
  private stageLimit(): number {
    return this.onHeap ? this.end : MAX_PAGES * PAGE - PAGE;
  }

  /** Panels [p0, ...) of B packed in JS (see packB). */
  private packBPanels(k: number, n: number, b: Mat, ptr: number, p0: number): void {
    const f = this.f32;
    const { data, rs, cs } = b;
    const panels = Math.ceil(n / NR);
    let q = (ptr >> 2) + p0 * k * NR;
    for (let p = p0; p < panels; p++) {
      const j0 = p * NR;
      const nr = Math.min(NR, n - j0);
      let src = b.offset + j0 * cs;
      if (nr === NR && cs === 1) {
        // unrolled: a row of a full panel is 16 contiguous floats (NR = 16)
        for (let kk = 0; kk < k; kk++, q += NR, src += rs) {
          f[q] = data[src]!; f[q + 1] = data[src + 1]!; f[q + 2] = data[src + 2]!; f[q + 3] = data[src + 3]!;
          f[q + 4] = data[src + 4]!; f[q + 5] = data[src + 5]!; f[q + 6] = data[src + 6]!; f[q + 7] = data[src + 7]!;
          f[q + 8] = data[src + 8]!; f[q + 9] = data[src + 9]!; f[q + 10] = data[src + 10]!; f[q + 11] = data[src + 11]!;
          f[q + 12] = data[src + 12]!; f[q + 13] = data[src + 13]!; f[q + 14] = data[src + 14]!; f[q + 15] = data[src + 15]!;
        }
      } else {
        for (let kk = 0; kk < k; kk++, q += NR, src += rs) {
          let c = 0;
          for (let s = src; c < nr; c++, s += cs) f[q + c] = data[s]!;
          for (; c < NR; c++) f[q + c] = 0;
        }
      }
    }
  }

  /**
   * A (m x k) into MR-row panels [panel][k][MR] at byte `ptr`, zero-padded; only rows
   * [i0, i1) (i0 a multiple of MR), so threads' rows can be packed apart. MR = 2: both
   * rows of a panel in one pass. Rows with unit column stride go through the staging area
   * `arena` reserved and the wasm `interleave` (JS element copies cost ~3 ns a float here).
   */
  packA(m: number, k: number, a: Mat, ptr: number, i0 = 0, i1 = m): void {
    const f = this.f32;
    const { data, rs, cs } = a;
    const pairs = (Math.min(i1, m) - i0) >> 1; // i1 may be m rounded up to MR
    const at = pairs > 0 ? heapAddress(data) : -1;
    if (at >= 0 && cs === 1 && rs <= MAX_LDB) {
      // on the heap with contiguous rows: interleaved from where they are
      this.interleaveFn(at + (a.offset + i0 * rs) * 4, ptr + i0 * k * 4, k, pairs, rs * 4);
      i0 += 2 * pairs;
      if (i0 >= i1) return;
    } else if (at >= 0 && rs === 1 && cs >= 2 && cs <= MAX_LDB) {
      this.gatherFn(at + (a.offset + i0) * 4, ptr + i0 * k * 4, k, pairs, cs * 4);
      i0 += 2 * pairs;
      if (i0 >= i1) return;
    } else if (cs === 1 && pairs > 0 && this.stagePtr !== 0 && k === this.stageK && i0 + 2 * pairs <= this.stageRows) {
      // rows with contiguous columns: staged by memcpy (each row range at its own place, so
      // the caller and the threads' rows never share bytes), interleaved in wasm
      const s0 = (this.stagePtr >> 2) + i0 * k;
      const staged = 2 * pairs;
      if (rs === k) f.set(data.subarray(a.offset + i0 * rs, a.offset + (i0 + staged) * rs), s0);
      else for (let r = 0; r < staged; r++) f.set(data.subarray(a.offset + (i0 + r) * rs, a.offset + (i0 + r) * rs + k), s0 + r * k);
      this.interleaveFn(s0 * 4, ptr + i0 * k * 4, k, pairs, k * 4);
      i0 += staged; // an odd last row (paired with zeros): below
      if (i0 >= i1) return;
    } else if (rs === 1 && cs >= 2 && pairs > 0 && this.stagePtr !== 0 && k === this.stageK) {
      // a transposed A: stage the span its rows read (one memcpy; only the calling thread uses
      // the staging area, workers read packed A) and gather column pairs in wasm
      const span = 2 * pairs + (k - 1) * cs;
      if (span <= this.stageRows * this.stageK) {
        const start = a.offset + i0;
        f.set(data.subarray(start, start + span), this.stagePtr >> 2);
        this.gatherFn(this.stagePtr, ptr + i0 * k * 4, k, pairs, cs * 4);
        i0 += 2 * pairs;
        if (i0 >= i1) return;
      }
    }
    let q = (ptr >> 2) + i0 * k;
    for (let i = i0; i < i1; i += MR) {
      let s0 = a.offset + i * rs;
      if (i + 1 < m) {
        for (let kk = 0, s1 = s0 + rs; kk < k; kk++, q += 2, s0 += cs, s1 += cs) {
          f[q] = data[s0]!;
          f[q + 1] = data[s1]!;
        }
      } else {
        for (let kk = 0; kk < k; kk++, q += 2, s0 += cs) {
          f[q] = data[s0]!;
          f[q + 1] = 0;
        }
      }
    }
  }

  /**
   * Padded C (ceil(m/MR)*MR x ceil(n/NR)*NR, row-major) at byte `cPtr` = A times packed B
   * at `bPtr` (or, when `ldb` > 0, times row-major B staged there with row stride ldb floats,
   * see prepareB); A is packed here (at `aPtr`) unless `a` is null (already packed); k > 0.
   * Returns C's row stride in floats. With `parallel` (the caller judged the product
   * large enough) it is split across the threads by rows of C (by B panels when there
   * are too few rows): each share is a rectangle of C, so no two threads write the same
   * bytes. Split by rows, each worker packs its own rows of a heap A before computing them
   * (else the caller packs the workers' rows first), and the caller packs its own while they
   * compute.
   */
  compute(m: number, n: number, k: number, a: Mat | null, aPtr: number, bPtr: number, cPtr: number, parallel = false, ldb = 0): number {
    const mp = Math.ceil(m / MR) * MR;
    const panels = Math.ceil(n / NR);
    const ldc = panels * NR;
    const kcMax = Math.ceil(k / Math.ceil(k / KC));
    const threads = this.threads;
    const rest = (i0: number, i1: number, p0: number, p1: number): number[] => [i0, i1, p0, p1, k, kcMax, aPtr, bPtr, cPtr, ldc * 4, ldb * 4];
    if (!parallel || threads === null || !threads.ready()) {
      if (a !== null) this.packA(m, k, a, aPtr);
      this.computeFn(0, mp, 0, panels, k, kcMax, aPtr, bPtr, cPtr, ldc * 4, ldb * 4);
      return ldc;
    }
    const parts = threads.workers + 1;
    if (mp / MR >= parts * 8) {
      const step = Math.ceil(mp / MR / parts) * MR;
      const shares: number[][] = [];
      // A on the heap: each worker packs its own rows (packing a large A runs at memory speed,
      // and two threads move more than one); else the caller packs them before waking them
      const own = a !== null ? this.workerPacking(m, k, a) : null;
      for (let i = step; i < mp; i += step) shares.push([...rest(i, Math.min(mp, i + step), 0, panels), ...(own ? own(i, Math.min(mp, i + step)) : [])]);
      if (a !== null && own === null) this.packA(m, k, a, aPtr, step, mp);
      else if (a !== null && m % 2 === 1) this.packA(m, k, a, aPtr, m - 1, mp); // the odd last row (a worker's) is no pair
      threads.run(shares, () => {
        if (a !== null) this.packA(m, k, a, aPtr, 0, step);
        this.computeFn(0, step, 0, panels, k, kcMax, aPtr, bPtr, cPtr, ldc * 4, ldb * 4);
      });
    } else {
      const step = Math.ceil(panels / parts);
      const shares: number[][] = [];
      for (let p = step; p < panels; p += step) shares.push(rest(0, mp, p, Math.min(panels, p + step)));
      if (a !== null) this.packA(m, k, a, aPtr);
      const own = (): void => this.computeFn(0, mp, 0, step, k, kcMax, aPtr, bPtr, cPtr, ldc * 4, ldb * 4);
      if (shares.length === 0) own(); // one B panel of few rows: nothing to hand out
      else threads.run(shares, own);
    }
    return ldc;
  }

  /**
   * Where the kernel may write C straight into out[at..] (m x n row-major): out on the heap, and
   * C needs no padding (m a multiple of MR, n of NR), so the tiles are exactly its rows; -1
   * otherwise (C then goes to the arena and `copyOut` copies its corner).
   */
  directC(m: number, n: number, out: Float32Array, at: number): number {
    if (m % MR !== 0 || n % NR !== 0) return -1;
    const o = heapAddress(out);
    return o >= 0 && at + m * n <= out.length ? o + at * 4 : -1;
  }

  /**
   * For A on the heap, the pack arguments of a worker's rows [i0, i1) (wasm `interleave` of rows
   * with unit column stride, or `gatherPairs` of a transposed A: threads/pool.ts); null where A
   * must be packed by the caller. Only whole pairs: an odd last row is the caller's.
   */
  private workerPacking(m: number, k: number, a: Mat): ((i0: number, i1: number) => number[]) | null {
    const at = heapAddress(a.data);
    if (at < 0) return null;
    const pairs = (i0: number, i1: number): number => (Math.min(i1, m) - i0) >> 1;
    if (a.cs === 1 && a.rs <= MAX_LDB) return (i0, i1) => [1, at + (a.offset + i0 * a.rs) * 4, pairs(i0, i1), a.rs * 4];
    if (a.rs === 1 && a.cs >= 2 && a.cs <= MAX_LDB) return (i0, i1) => [2, at + (a.offset + i0) * 4, pairs(i0, i1), a.cs * 4];
    return null;
  }

  /** Copies the m x n corner of padded C (row stride ldc floats) to out[at..]. */
  copyOut(m: number, n: number, cPtr: number, ldc: number, out: Float32Array, at: number): void {
    const f = this.f32;
    const c0 = cPtr >> 2;
    if (ldc === n) {
      out.set(f.subarray(c0, c0 + m * n), at);
      return;
    }
    for (let i = 0; i < m; i++) out.set(f.subarray(c0 + i * ldc, c0 + i * ldc + n), at + i * n);
  }

  /**
   * Bytes one m x n x k product takes above the staged weights, at most: B (packed, or staged
   * row-major), packed A, padded C, A's staging area, and B's staging while packBpacks it (a
   * transposed B's may be a quarter larger than B).
   */
  productBytes(m: number, n: number, k: number): number {
    const mp = Math.ceil(m / MR) * MR;
    const np = Math.ceil(n / NR) * NR;
    return align(np * k * 4 + NR * 4) + align(mp * k * 4) + align(mp * np * 4) + align(m * k * 4) + align(Math.ceil(np * k * 1.25) * 4);
  }

  /** Resets the arena and allocates B (packed, or staged for m <= smallM), packed A and padded C for one m x n x k product. */
  arena(m: number, n: number, k: number): { bPtr: number; aPtr: number; cPtr: number } {
    this.reset();
    const bPtr = this.alloc(m <= this.smallM ? Math.max(WasmGemm.bBytes(k, n), (k * n + NR) * 4) : WasmGemm.bBytes(k, n));
    const aPtr = this.alloc(Math.ceil(m / MR) * MR * k * 4);
    const cPtr = this.alloc(Math.ceil(m / MR) * MR * Math.ceil(n / NR) * NR * 4);
    // room to stage A's rows for packA (reserved here: nothing may allocate during a parallel run)
    this.stagePtr = this.alloc(m * k * 4);
    this.stageRows = m;
    this.stageK = k;
    return { bPtr, aPtr, cPtr };
  }

  /** C = A·B for strided matrices (m x k, k x n) into out[at..] row-major, using the arena. */
  product(m: number, n: number, k: number, a: Mat, b: Mat, out: Float32Array, at: number, parallel = false): void {
    if (m === 0 || n === 0) return;
    if (k === 0) {
      out.fill(0, at, at + m * n);
      return;
    }
    if (!this.reserve(m, n, k)) throw new Error(`matmul: no room in wasm memory for a ${m}x${k} by ${k}x${n} product`);
    const fixed = this.fixedB(m, k, n, b);
    const { bPtr, aPtr, cPtr } = this.arena(m, n, k);
    const bAt = fixed !== null ? fixed.ptr : bPtr;
    const ldb = fixed !== null ? fixed.ldb : this.prepareB(m, k, n, b, bPtr);
    const direct = this.directC(m, n, out, at);
    const ldc = this.compute(m, n, k, a, aPtr, bAt, direct >= 0 ? direct : cPtr, parallel, ldb);
    if (direct < 0) this.copyOut(m, n, cPtr, ldc, out, at);
  }

  /** Runs the kernel a few times so V8 tiers it up before real work (workers share the compiled code). */
  private warmUp(): void {
    const [m, n, k] = [SMALL_M + 2, 32, 64];
    const a: Mat = { data: new Float32Array(m * k).fill(1), offset: 0, rs: k, cs: 1 };
    const b: Mat = { data: new Float32Array(k * n).fill(1), offset: 0, rs: n, cs: 1 };
    const bt: Mat = { ...b, rs: 1, cs: k }; // transposed: tiers up transposePanels too
    const out = new Float32Array(m * n);
    // then two rows: the row-major B is read in place (tiers up kernelRows and computeRows)
    for (let i = 0; i < 8; i++) this.product(i < 4 ? m : 2, n, k, a, i & 1 ? bt : b, out, 0);
    this.reset();
  }
}

/** The compiled GEMM module for one memory kind, FMA where relaxed SIMD validates; null without WebAssembly SIMD. */
const compiled = new Map<string, WebAssembly.Module | null>();

export function gemmModule(shared: boolean): WebAssembly.Module | null {
  const key = shared ? 'shared' : 'plain';
  if (!compiled.has(key)) {
    let found: WebAssembly.Module | null = null;
    for (const fma of relaxedSimd() ? [true, false] : [false]) {
      const bytes = emitGemmModule(shared ? { shared, maximumPages: MAX_PAGES, fma } : { fma });
      if (WebAssembly.validate(bytes)) {
        found = new WebAssembly.Module(bytes);
        break;
      }
    }
    compiled.set(key, found);
  }
  return compiled.get(key)!;
}

/** Whether the GEMM multiplies with relaxed-SIMD FMA here (reported by the benchmark script). */
export function gemmUsesFma(): boolean {
  return relaxedSimd() && WebAssembly.validate(emitGemmModule({ fma: true }));
}

/**
 * A WasmGemm over the given module bytes (default: the emitted GEMM module, on the wasm heap
 * where there is one), or null when WebAssembly or its SIMD is unavailable (the bytes do not
 * validate). Given bytes get a memory of their own.
 */
export function createWasmGemm(bytes?: Uint8Array<ArrayBuffer>): WasmGemm | null {
  if (typeof WebAssembly === 'undefined') return null;
  try {
    const heap = bytes === undefined ? heapMemory() : null;
    const shared = heap !== null ? gemmModule(true) : null;
    if (heap !== null && shared !== null) {
      try {
        return new WasmGemm(shared, heap);
      } catch {
        // no room on the heap for the region: a memory of its own below
      }
    }
    if (bytes === undefined) {
      const module = gemmModule(false);
      return module && new WasmGemm(module);
    }
    return WebAssembly.validate(bytes) ? new WasmGemm(new WebAssembly.Module(bytes)) : null;
  } catch {
    return null;
  }
}
