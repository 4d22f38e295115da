import { heapAddress } from '../heap.js';
import { buildModule, Code, emitModule, I32, Op, Simd, uleb, V128, type FuncDef } from './emit.js';
import { CHUNK } from './elementwise.js';
import { Scratch } from './math.js';

/**
 * float32 sum, max and min reductions in WebAssembly SIMD.
 *
 * As in elementwise.ts, an input on the wasm heap is read where it lies; any other is streamed
 * through this module's scratch in chunks of CHUNK floats (64 KiB, in L2) with `TypedArray.set`,
 * one call per chunk. A chunk holds as many whole rows as fit, and each call reduces all of them,
 * so short rows cost one JS-to-wasm call per chunk, not per row (on the heap, one call per CHUNK
 * rows); a row longer than a chunk is reduced chunk by chunk, in place or staged alike (so both
 * add in the same order), and the partial results combined in JS.
 *
 * sum: pairs of floats are promoted to f64x2 and added into four float64 accumulators, and each
 * row's lanes are added once at the end; partial sums are added in JS float64 and the result
 * rounded to float32 once, as the reference does. Only the order of the float64 additions
 * differs from the reference's sequential loop, so both are within n·2^-53·Σ|x| of the exact sum.
 *
 * max/min: f32x4.pmax/pmin (one maxps/minps each) into four accumulators, with NaN lanes tracked
 * apart (v != v, OR-ed into a mask) since pmax drops a NaN in its second operand; the mask turns a
 * row's result into NaN, as the reference's fold, which stops at a NaN. That measured 2.3x faster
 * than f32x4.max/min (0.23 against 0.55 ns an element over 100K floats), which V8 lowers to a
 * sequence of some eight instructions to get NaN and ±0 right. pmax orders ±0 arbitrarily
 * and the reference keeps the first of equal values, so a zero result is replaced in JS by the
 * row's first element equal to zero (a rescan that stops there). Any other value is one bit pattern.
 *
 * Leading-axis sum (a bias gradient, see sumLeading in reduce.ts): each column's float64
 * accumulator lives in module memory and gets that column's floats added row by row, in the
 * reference's order, so the result equals the reference bit for bit. Columns are taken eight at a
 * time (four f64x2 registers) down all the rows of a chunk before the next eight.
 */

/** i8x16.shuffle lanes that bring lanes 2, 3 down to 0, 1 (the first step of a horizontal max). */
const FOLD_HALF = [8, 9, 10, 11, 12, 13, 14, 15, 8, 9, 10, 11, 12, 13, 14, 15];
/** Lane 1 down to 0 (the second step). */
const FOLD_LANE = [4, 5, 6, 7, 4, 5, 6, 7, 4, 5, 6, 7, 4, 5, 6, 7];

/** `while (p < end) body` over i32 byte addresses (the test first, then a do-while). */
function whileBelow(c: Code, p: number, end: number, body: () => void): void {
  c.op(Op.block, Op.void);
  c.get(p).get(end).op(Op.i32LtU, Op.i32Eqz, Op.brIf, 0);
  c.op(Op.loop, Op.void);
  body();
  c.get(p).get(end).op(Op.i32LtU, Op.brIf, 0);
  c.op(Op.end, Op.end);
}

/** local = base + (n & mask) * 4: the byte address where the part of a row whose length is a multiple of -mask ends. */
function setEnd(c: Code, local: number, base: number, n: number, mask: number): void {
  c.get(base).get(n).i32(mask).op(Op.i32And).i32(4).op(Op.i32Mul, Op.i32Add).set(local);
}

/** local += step */
function bump(c: Code, local: number, step: number): void {
  c.get(local).i32(step).op(Op.i32Add).set(local);
}

/** acc += promote(the float pair in lanes 0, 1 of the v128 that `pair` pushes) as f64x2. */
function addPair(c: Code, acc: number, pair: () => void): void {
  c.get(acc);
  pair();
  c.simd(Simd.f64x2PromoteLowF32x4).simd(Simd.f64x2Add).set(acc);
}

/**
 * lo += floats 0, 1 and hi += floats 2, 3 of the vector at p + offset, in float64. Two 64-bit
 * loads measured faster than one v128 load and an i8x16.shuffle of its high half (0.25 against
 * 0.33 ns an element over 100K floats): the shuffle and the conversion compete for one port.
 */
function addQuad(c: Code, p: number, offset: number, lo: number, hi: number): void {
  addPair(c, lo, () => c.get(p).simd(Simd.v128Load64Zero, 3, ...uleb(offset)));
  addPair(c, hi, () => c.get(p).simd(Simd.v128Load64Zero, 3, ...uleb(offset + 8)));
}

/**
 * sum(src, n, rows, out): for each of `rows` rows of n ≥ 1 floats packed from byte address src,
 * stores the float64 sum at out (8 bytes a row). Sixteen floats a step into four f64x2
 * accumulators, then vectors of four, then single floats (load32_zero: the other lanes add 0).
 */
function emitSumRows(): FuncDef {
  const [SRC, N, ROWS, OUT, P, END, ROWEND, A0, A1, A2, A3] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
  const c = new Code();
  c.op(Op.loop, Op.void);
  for (const a of [A0, A1, A2, A3]) c.zero().set(a);
  c.get(SRC).set(P);
  setEnd(c, ROWEND, SRC, N, -1);
  setEnd(c, END, SRC, N, -16);
  whileBelow(c, P, END, () => {
    for (let k = 0; k < 4; k++) addQuad(c, P, 16 * k, k & 1 ? A2 : A0, k & 1 ? A3 : A1);
    bump(c, P, 64);
  });
  setEnd(c, END, SRC, N, -4);
  whileBelow(c, P, END, () => {
    addQuad(c, P, 0, A0, A1);
    bump(c, P, 16);
  });
  whileBelow(c, P, ROWEND, () => {
    addPair(c, A0, () => c.get(P).simd(Simd.v128Load32Zero, 2, 0));
    bump(c, P, 4);
  });
  // (a0 + a1) + (a2 + a3), then its two lanes, stored as one f64
  c.get(A0).get(A1).simd(Simd.f64x2Add).get(A2).get(A3).simd(Simd.f64x2Add).simd(Simd.f64x2Add).set(A0);
  c.get(OUT).get(A0).simd(Simd.f64x2ExtractLane, 0).get(A0).simd(Simd.f64x2ExtractLane, 1).op(Op.f64Add, Op.f64Store, 3, 0);
  bump(c, OUT, 8);
  c.get(ROWEND).set(SRC);
  c.get(ROWS).i32(1).op(Op.i32Sub).tee(ROWS).op(Op.brIf, 0);
  c.op(Op.end);
  return { name: 'sum', params: [I32, I32, I32, I32], results: [], locals: [I32, I32, I32, V128, V128, V128, V128], body: c };
}

/**
 * max or min (src, n, rows, out): as sum, one float32 a row at out (4 bytes a row). The
 * accumulators start at the row's first element; NaN lanes are OR-ed into NAN (all ones, a NaN),
 * which joins the result before the horizontal f32x4.max/min (those propagate NaN).
 */
function emitExtremeRows(op: 'max' | 'min'): FuncDef {
  const [SRC, N, ROWS, OUT, P, END, ROWEND, A0, A1, A2, A3, V, NAN] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12];
  const pick = op === 'max' ? Simd.f32x4Pmax : Simd.f32x4Pmin;
  const ieee = op === 'max' ? Simd.f32x4Max : Simd.f32x4Min;
  const c = new Code();
  /** acc = pick(acc, the v128 that `load` pushes), its NaN lanes noted in NAN */
  const fold = (acc: number, load: () => void): void => {
    c.get(acc);
    load();
    c.tee(V).simd(pick).set(acc);
    c.get(NAN).get(V).get(V).simd(Simd.f32x4Ne).simd(Simd.v128Or).set(NAN);
  };
  c.op(Op.loop, Op.void);
  for (const a of [A0, A1, A2, A3]) c.get(SRC).splatLoad().set(a);
  c.zero().set(NAN);
  c.get(SRC).set(P);
  setEnd(c, ROWEND, SRC, N, -1);
  setEnd(c, END, SRC, N, -16);
  whileBelow(c, P, END, () => {
    for (let k = 0; k < 4; k++) fold([A0, A1, A2, A3][k]!, () => c.get(P).load(16 * k));
    bump(c, P, 64);
  });
  setEnd(c, END, SRC, N, -4);
  whileBelow(c, P, END, () => {
    fold(A0, () => c.get(P).load());
    bump(c, P, 16);
  });
  whileBelow(c, P, ROWEND, () => {
    fold(A0, () => c.get(P).splatLoad());
    bump(c, P, 4);
  });
  c.get(A0).get(A1).simd(pick).get(A2).get(A3).simd(pick).simd(pick).get(NAN).simd(Simd.v128Or).set(A0);
  for (const lanes of [FOLD_HALF, FOLD_LANE]) c.get(A0).get(A0).get(A0).simd(Simd.i8x16Shuffle, ...lanes).simd(ieee).set(A0);
  c.get(OUT).get(A0).simd(Simd.f32x4ExtractLane, 0).op(Op.f32Store, 2, 0);
  bump(c, OUT, 4);
  c.get(ROWEND).set(SRC);
  c.get(ROWS).i32(1).op(Op.i32Sub).tee(ROWS).op(Op.brIf, 0);
  c.op(Op.end);
  return { name: op, params: [I32, I32, I32, I32], results: [], locals: [I32, I32, I32, V128, V128, V128, V128, V128, V128], body: c };
}

/**
 * cols(src, rows, cols, stride, acc): acc[j] += src row r, column j, for every row in order (row r
 * at src + r·stride bytes, rows ≥ 1), acc float64 at byte address acc. Columns eight at a time,
 * then a block of 4, 2 and 1 as cols' low bits say; the last block's v128 store writes one f64
 * past cols (lane 1 of the single column adds 0), so acc has a slot of padding.
 */
function emitSumCols(): FuncDef {
  const [SRC, ROWS, COLS, STRIDE, ACC, P, END, J, JEND, A0, A1, A2, A3] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12];
  const c = new Code();
  c.get(SRC).get(ROWS).get(STRIDE).op(Op.i32Mul, Op.i32Add).set(END);
  /** The columns from J (a column index) into `accs` (two columns each), down all rows; J += width. */
  const block = (width: 8 | 4 | 2 | 1): void => {
    const accs = [A0, A1, A2, A3].slice(0, Math.max(1, width / 2));
    const accAt = (): Code => c.get(ACC).get(J).i32(8).op(Op.i32Mul, Op.i32Add);
    accs.forEach((a, i) => accAt().load(16 * i).set(a));
    c.get(SRC).get(J).i32(4).op(Op.i32Mul, Op.i32Add).set(P);
    c.op(Op.loop, Op.void);
    if (width >= 4) for (let k = 0; k < width / 4; k++) addQuad(c, P, 16 * k, accs[2 * k]!, accs[2 * k + 1]!);
    else addPair(c, A0, () => c.get(P).simd(width === 2 ? Simd.v128Load64Zero : Simd.v128Load32Zero, width === 2 ? 3 : 2, 0));
    c.get(P).get(STRIDE).op(Op.i32Add).tee(P).get(END).op(Op.i32LtU, Op.brIf, 0);
    c.op(Op.end);
    accs.forEach((a, i) => accAt().get(a).store(16 * i));
    bump(c, J, width);
  };
  c.get(COLS).i32(-8).op(Op.i32And).set(JEND);
  whileBelow(c, J, JEND, () => block(8));
  for (const width of [4, 2, 1] as const) {
    c.get(COLS).i32(width).op(Op.i32And, Op.if, Op.void);
    block(width);
    c.op(Op.end);
  }
  return { name: 'cols', params: [I32, I32, I32, I32, I32], results: [], locals: [I32, I32, I32, I32, V128, V128, V128, V128], body: c };
}

type RowsFn = (src: number, n: number, rows: number, out: number) => void;
type ColsFn = (src: number, rows: number, cols: number, stride: number, acc: number) => void;

/** Byte offset in the scratch of the results (a float64 or float32 per row) and of the leading sum's accumulators. */
const RESULTS = CHUNK * 4;
/** The input chunk, then CHUNK float64 results / accumulators and a padding slot. */
const SCRATCH_BYTES = RESULTS + (CHUNK + 2) * 8;

/** The first element of src[start, start + n) equal to 0, with its sign (the reference's max/min when that is ±0). */
function firstZero(src: Float32Array, start: number, n: number): number {
  for (let i = start, end = start + n; i < end; i++) if (src[i] === 0) return src[i]!;
  return 0; // not reached: a zero result is one of the row's elements
}

/** The module instance: its scratch holds the input chunk at offset 0, results / accumulators at RESULTS. */
export class WasmReduce {
  private readonly scratch: Scratch;
  private readonly rowFns: Record<'sum' | 'max' | 'min', RowsFn>;
  private readonly colsFn: ColsFn;

  private constructor(module: WebAssembly.Module, scratch: Scratch) {
    this.scratch = scratch;
    const exports = new WebAssembly.Instance(module, { env: { memory: scratch.memory } }).exports;
    this.rowFns = { sum: exports['sum'] as RowsFn, max: exports['max'] as RowsFn, min: exports['min'] as RowsFn };
    this.colsFn = exports['cols'] as ColsFn;
  }

  /** null where WebAssembly or its SIMD proposal is unavailable. */
  static create(): WasmReduce | null {
    if (typeof WebAssembly === 'undefined') return null;
    const funcs = [emitSumRows(), emitExtremeRows('max'), emitExtremeRows('min'), emitSumCols()];
    const scratch = new Scratch(SCRATCH_BYTES);
    const bytes = emitModule({ memory: scratch.spec, funcs });
    return buildModule(bytes, (module) => new WasmReduce(module, scratch));
  }

  /** out[r] = the float64 sum of src row r (outer rows of inner ≥ 1 floats, packed), rounded once. */
  sumRows(src: Float32Array, outer: number, inner: number, out: Float32Array): void {
    const fn = this.rowFns.sum;
    const { f64, at: base } = this.scratch;
    const results = base + RESULTS;
    if (inner <= CHUNK) {
      this.eachChunkOfRows(src, outer, inner, (ptr, r0, rows) => {
        fn(ptr, inner, rows, results);
        for (let i = 0, at = RESULTS / 8; i < rows; i++) out[r0 + i] = f64[at + i]!;
      });
      return;
    }
    for (let r = 0; r < outer; r++) {
      let s = 0;
      this.eachChunkOfRow(src, r * inner, inner, (ptr, len) => {
        fn(ptr, len, 1, results);
        s += f64[RESULTS / 8]!;
      });
      out[r] = s;
    }
  }

  /** out[r] = the max (or min) of src row r, as the reference's fold: NaN if any, else the first of equal values. */
  extremeRows(op: 'max' | 'min', src: Float32Array, outer: number, inner: number, out: Float32Array): void {
    const fn = this.rowFns[op];
    const { f32, at: base } = this.scratch;
    const results = base + RESULTS;
    if (inner <= CHUNK) {
      this.eachChunkOfRows(src, outer, inner, (ptr, r0, rows) => {
        fn(ptr, inner, rows, results);
        for (let i = 0, at = RESULTS / 4; i < rows; i++) out[r0 + i] = f32[at + i]!;
      });
    } else {
      for (let r = 0; r < outer; r++) {
        let m = src[r * inner]!;
        this.eachChunkOfRow(src, r * inner, inner, (ptr, len) => {
          fn(ptr, len, 1, results);
          const v = f32[RESULTS / 4]!;
          if (v !== v || (op === 'max' ? v > m : v < m)) m = v; // a NaN m stays: no comparison is true
        });
        out[r] = m;
      }
    }
    for (let r = 0; r < outer; r++) if (out[r] === 0) out[r] = firstZero(src, r * inner, inner);
  }

  /**
   * out[j] = Σ_r src[offset + r·step + j] for j < cols, r < rows, in the reference's order (row by
   * row, float64), so the same float32 bits. Needs cols ≤ step and cols ≤ CHUNK: off the heap each
   * chunk holds the span of whole rows, gaps between them included (so the caller keeps step near
   * cols); on the heap the rows are read where they lie, whatever the gaps.
   */
  sumLeading(src: Float32Array, offset: number, rows: number, cols: number, step: number, out: Float32Array): void {
    const { f32, f64, at: base } = this.scratch;
    const acc = RESULTS / 8;
    f64.fill(0, acc, acc + cols + 2);
    const X = heapAddress(src);
    // rows a chunk's span at a time, in place or staged: the kernel walks a chunk once per eight
    // columns, so the span should stay in L2 (one call over all the rows of a [50176, 32] bias
    // gradient took 1.3x as long as the staged chunks, measured)
    const perChunk = Math.floor((CHUNK - cols) / step) + 1;
    for (let r0 = 0, p = offset; r0 < rows; r0 += perChunk, p += perChunk * step) {
      const k = Math.min(perChunk, rows - r0);
      if (X >= 0) {
        this.colsFn(X + p * 4, k, cols, step * 4, base + RESULTS);
        continue;
      }
      f32.set(src.subarray(p, p + (k - 1) * step + cols), 0);
      this.colsFn(base, k, cols, step * 4, base + RESULTS);
    }
    out.set(f64.subarray(acc, acc + cols));
  }

  /**
   * Calls fn(address, first row, rows) over groups of whole rows (inner ≤ CHUNK): on the heap
   * CHUNK rows at a time where they lie (the results area's capacity), else as many as fit in a
   * chunk, copied into the scratch.
   */
  private eachChunkOfRows(src: Float32Array, outer: number, inner: number, fn: (ptr: number, r0: number, rows: number) => void): void {
    const X = heapAddress(src);
    const perChunk = X >= 0 ? CHUNK : Math.floor(CHUNK / inner);
    for (let r0 = 0; r0 < outer; r0 += perChunk) {
      const rows = Math.min(perChunk, outer - r0);
      if (X >= 0) {
        fn(X + r0 * inner * 4, r0, rows);
        continue;
      }
      this.scratch.f32.set(rows * inner === src.length ? src : src.subarray(r0 * inner, (r0 + rows) * inner), 0);
      fn(this.scratch.at, r0, rows);
    }
  }

  /** Calls fn(address, length) for src[start, start + n) a CHUNK at a time: in place on the heap, else copied into the scratch. */
  private eachChunkOfRow(src: Float32Array, start: number, n: number, fn: (ptr: number, len: number) => void): void {
    const X = heapAddress(src);
    for (let i = 0; i < n; i += CHUNK) {
      const len = Math.min(CHUNK, n - i);
      if (X >= 0) {
        fn(X + (start + i) * 4, len);
        continue;
      }
      this.scratch.f32.set(len === src.length ? src : src.subarray(start + i, start + i + len), 0);
      fn(this.scratch.at, len);
    }
  }
}

let shared: WasmReduce | null | undefined;

/** The process's engine, created on first use (one thread uses it at a time: JS is single-threaded). */
export function wasmReduce(): WasmReduce | null {
  if (shared === undefined) shared = WasmReduce.create();
  return shared;
}
