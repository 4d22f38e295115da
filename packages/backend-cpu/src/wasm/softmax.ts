import { heapAddress } from '../heap.js';
import { buildModule, emitModule, I32, Op, Simd, type FuncDef } from './emit.js';
import { Emitter, emitExp, S, ScalarOp, Scratch } from './math.js';

/**
 * Row-wise (log-)softmax over the last axis in WebAssembly SIMD, with the reference's order of
 * float32 roundings (softmax.ts): t = x - shift (shift = the row max, or 0 where that is not
 * finite), e = exp(t) in float32, s = the sum of the e rounded once to float32, then e / s, or
 * t - log(s). The differences from the reference are exp's (≤ 2 ulp against a correctly rounded
 * Math.exp) and the sum's order. The sum is accumulated in float64 (each f32x4 of e promoted to two
 * f64x2): exact enough that s is the reference's float64 sum rounded once, and cheaper than the
 * exps whatever the row length, where four float32 lanes would drift by ~r/4 ulp on long rows.
 *
 * log(s) is taken in JS (Math.log, once a row) between two passes: `logStats` writes each row's
 * shift and s, JS overwrites s with fround(log(s)), `logFinish` writes t - log(s).
 *
 * A row needs no padding: its last vector is loaded whole (reading past the row, into the next
 * row, the slack after the chunk, or a heap neighbour) and masked where it matters (the max
 * ignores the extra lanes, the sum zeroes them); stores of whole vectors past a row's end land on
 * the next row's output, which that row rewrites later, or in the slack after the chunk. So an
 * output on the wasm heap is written in place except, when the row length is not a multiple of
 * 4, the array's last row (the last three for rows of one float), whose stores past the end
 * could clobber whatever follows the view: those go through the scratch.
 */

const NEG_INF = 0xff800000 | 0;

/**
 * Loops over a row of `r` floats (an i32 local or param) a vector at a time: full vectors, then the
 * 1-3 leftover floats as one vector with `mask` (a local) set to all-ones in their lanes. `body`
 * gets null for full vectors, else the mask; `ptrs` advance 16 bytes a vector (set them to the
 * row's start before).
 */
function rowVectors(e: Emitter, r: number, iota: number, ptrs: readonly number[], body: (mask: number | null) => void): void {
  const { c, locals } = e;
  const [rem, mask] = [locals.i32(), locals.v128()];
  c.get(r).set(rem);
  c.op(Op.block, Op.void).op(Op.loop, Op.void);
  c.get(rem).i32(4).op(Op.i32LtS).op(Op.brIf, 1);
  body(null);
  for (const p of ptrs) c.get(p).i32(16).op(Op.i32Add).set(p);
  c.get(rem).i32(4).op(Op.i32Sub).set(rem);
  c.op(Op.br, 0);
  c.op(Op.end).op(Op.end);
  c.get(rem).op(Op.if, Op.void);
  c.get(rem).simd(S.i32x4Splat).get(iota).simd(S.i32x4GtS).set(mask);
  body(mask);
  c.op(Op.end);
}

/** i8x16.shuffle lane patterns (bytes of the two operands, 0-31). */
const SWAP_HALVES = [8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7];
const SWAP_PAIRS = [4, 5, 6, 7, 0, 1, 2, 3, 12, 13, 14, 15, 8, 9, 10, 11];

/** Common prologue: the lane-index vector [0, 1, 2, 3] in a local (for the tail masks). */
function iotaLocal(e: Emitter): number {
  const iota = e.locals.v128();
  e.c.simd(Simd.v128Const, ...[0, 1, 2, 3].flatMap((k) => [k, 0, 0, 0])).set(iota);
  return iota;
}

/**
 * Sets local `max` (all lanes) to the max of the row's non-NaN floats (at local px, r of them; -Infinity if none), and
 * `shift` to it where finite, else 0. The reference shifts a row holding NaN by 0, this by the max
 * of the rest; either way the NaN's exp makes the sum and so every output NaN, so NaNs are left to
 * that: f32x4.pmax (one maxps; pmax(m, x) = m < x ? x : m keeps m for a NaN x) costs an eighth of
 * the NaN-propagating f32x4.max in V8.
 */
function emitShift(e: Emitter, px: number, r: number, iota: number, max: number, shift: number): void {
  const { c } = e;
  e.bits(NEG_INF);
  c.set(max);
  rowVectors(e, r, iota, [px], (mask) => {
    c.get(max).get(px).load();
    if (mask !== null) {
      e.bits(NEG_INF);
      c.get(mask).simd(S.bitselect);
    }
    c.simd(S.pmax).set(max);
  });
  for (const pattern of [SWAP_HALVES, SWAP_PAIRS]) c.get(max).get(max).get(max).simd(S.i8x16Shuffle, ...pattern).simd(S.pmax).set(max);
  // finite: m - m == 0 (±Infinity gives NaN); keep m there, else +0
  c.get(max).get(max).get(max).simd(S.sub);
  e.f32(0);
  c.simd(S.f32x4Eq).simd(S.and).set(shift);
}

/**
 * Sets local `sum` (all lanes, float32) to the row's Σ exp(x - shift), accumulated in float64; if
 * `po` is given, also stores each exp(x - shift) there. px and po are set from `rowX` / `rowOut`.
 * Unless the row max is +Infinity (shift 0 then, and x - shift may be positive), every x - shift is
 * ≤ 0 or NaN, and the row takes exp's cheaper non-positive form: two copies of the loop, one branch a row.
 */
function emitExpSum(e: Emitter, rowX: number, rowOut: number | null, px: number, po: number | null, r: number, iota: number, max: number, shift: number, sum: number): void {
  const { c, locals } = e;
  const [acc0, acc1] = [locals.v128(), locals.v128()];
  c.zero().set(acc0);
  c.zero().set(acc1);
  c.get(max);
  e.bits(0x7f800000);
  c.simd(S.f32x4Eq).simd(S.anyTrue).op(Op.if, Op.void);
  emitExpSumLoop(e, rowX, rowOut, px, po, r, iota, shift, acc0, acc1, false);
  c.op(Op.else);
  emitExpSumLoop(e, rowX, rowOut, px, po, r, iota, shift, acc0, acc1, true);
  c.op(Op.end);
  c.get(acc0).get(acc1).simd(S.f64x2Add).tee(acc0).simd(S.f64x2ExtractLane, 0).get(acc0).simd(S.f64x2ExtractLane, 1).op(ScalarOp.f64Add);
  c.op(ScalarOp.f32DemoteF64).simd(S.f32x4Splat).set(sum);
}

function emitExpSumLoop(
  e: Emitter, rowX: number, rowOut: number | null, px: number, po: number | null, r: number, iota: number, shift: number, acc0: number, acc1: number, nonPositive: boolean,
): void {
  const { c, locals } = e;
  const [x, ex] = [locals.v128(), locals.v128()];
  c.get(rowX).set(px);
  if (po !== null) c.get(rowOut!).set(po);
  rowVectors(e, r, iota, po === null ? [px] : [px, po], (mask) => {
    c.get(px).load().get(shift).simd(S.sub).set(x);
    emitExp(e, x, nonPositive);
    c.set(ex);
    if (po !== null) c.get(po).get(ex).store();
    if (mask !== null) c.get(ex).get(mask).simd(S.and).set(ex);
    c.get(acc0).get(ex).simd(S.f64x2PromoteLowF32x4).simd(S.f64x2Add).set(acc0);
    c.get(acc1).get(ex).get(ex).simd(S.i8x16Shuffle, ...SWAP_HALVES).simd(S.f64x2PromoteLowF32x4).simd(S.f64x2Add).set(acc1);
  });
}

/** The row loop shared by the three functions: `perRow` emits one row's work; `advance` pointers move r·4 bytes a row (`stats` 8). */
function rows(e: Emitter, rowsParam: number, r: number, advance: readonly number[], stats: number | null, perRow: () => void): void {
  const { c, locals } = e;
  const rb = locals.i32();
  c.get(r).i32(2).op(0x74 /* i32.shl */).set(rb);
  c.op(Op.loop, Op.void);
  perRow();
  for (const p of advance) c.get(p).get(rb).op(Op.i32Add).set(p);
  if (stats !== null) c.get(stats).i32(8).op(Op.i32Add).set(stats);
  c.get(rowsParam).i32(1).op(Op.i32Sub).tee(rowsParam).op(Op.brIf, 0);
  c.op(Op.end);
}

/** softmax(x, out, rows, r): out = exp(x - shift) / Σ, row by row. */
function emitSoftmax(): FuncDef {
  const [XP, OP, ROWS, R] = [0, 1, 2, 3];
  const e = new Emitter([I32, I32, I32, I32]);
  const { c, locals } = e;
  const iota = iotaLocal(e);
  const [px, po, max, shift, sum] = [locals.i32(), locals.i32(), locals.v128(), locals.v128(), locals.v128()];
  rows(e, ROWS, R, [XP, OP], null, () => {
    c.get(XP).set(px);
    emitShift(e, px, R, iota, max, shift);
    emitExpSum(e, XP, OP, px, po, R, iota, max, shift, sum);
    c.get(OP).set(po);
    rowVectors(e, R, iota, [po], () => c.get(po).get(po).load().get(sum).simd(S.div).store());
  });
  return e.finish('softmax');
}

/** logStats(x, stats, rows, r): stats[2k] = row k's shift, stats[2k + 1] = its float32 Σ exp(x - shift). */
function emitLogStats(): FuncDef {
  const [XP, SP, ROWS, R] = [0, 1, 2, 3];
  const e = new Emitter([I32, I32, I32, I32]);
  const { c, locals } = e;
  const iota = iotaLocal(e);
  const [px, max, shift, sum] = [locals.i32(), locals.v128(), locals.v128(), locals.v128()];
  rows(e, ROWS, R, [XP], SP, () => {
    c.get(XP).set(px);
    emitShift(e, px, R, iota, max, shift);
    emitExpSum(e, XP, null, px, null, R, iota, max, shift, sum);
    c.get(SP).get(shift).simd(S.f32x4ExtractLane, 0).op(Op.f32Store, 2, 0);
    c.get(SP).get(sum).simd(S.f32x4ExtractLane, 0).op(Op.f32Store, 2, 4);
  });
  return e.finish('logStats');
}

/** logFinish(x, stats, out, rows, r): out = (x - shift) - stats[2k + 1] (by then log Σ). */
function emitLogFinish(): FuncDef {
  const [XP, SP, OP, ROWS, R] = [0, 1, 2, 3, 4];
  const e = new Emitter([I32, I32, I32, I32, I32]);
  const { c, locals } = e;
  const iota = iotaLocal(e);
  const [px, po, shift, ls] = [locals.i32(), locals.i32(), locals.v128(), locals.v128()];
  rows(e, ROWS, R, [XP, OP], SP, () => {
    c.get(SP).splatLoad(0).set(shift);
    c.get(SP).splatLoad(4).set(ls);
    c.get(XP).set(px).get(OP).set(po);
    rowVectors(e, R, iota, [px, po], () => c.get(po).get(px).load().get(shift).simd(S.sub).get(ls).simd(S.sub).store());
  });
  return e.finish('logFinish');
}

type SoftmaxFn = (x: number, out: number, rows: number, r: number) => void;
type LogStatsFn = (x: number, stats: number, rows: number, r: number) => void;
type LogFinishFn = (x: number, stats: number, out: number, rows: number, r: number) => void;

/** Floats of x per chunk (128 KiB; the output as much again): rows stay in L2 between the passes. */
const CHUNK_FLOATS = 32768;
/** Floats after each staged area that whole-vector loads and stores past a row's end may touch. */
const SLACK = 4;
/** The scratch's first size (it grows to the largest staging asked for). */
const SCRATCH_BYTES = 65536;

/**
 * The softmax kernels: a module instance and its scratch (null without WebAssembly SIMD). Inputs
 * and outputs on the wasm heap are used in place; others are staged through the scratch.
 */
export class WasmSoftmax {
  private readonly scratch: Scratch;
  private readonly fns: { softmax: SoftmaxFn; logStats: LogStatsFn; logFinish: LogFinishFn };

  private constructor(module: WebAssembly.Module, scratch: Scratch) {
    this.scratch = scratch;
    this.fns = new WebAssembly.Instance(module, { env: { memory: scratch.memory } }).exports as unknown as typeof this.fns;
  }

  static create(): WasmSoftmax | null {
    if (typeof WebAssembly === 'undefined') return null;
    const scratch = new Scratch(SCRATCH_BYTES);
    const bytes = emitModule({ memory: scratch.spec, funcs: [emitSoftmax(), emitLogStats(), emitLogFinish()] });
    return buildModule(bytes, (module) => new WasmSoftmax(module, scratch));
  }

  /** out = (log-)softmax of each row of r floats of src (src.length a multiple of r, r ≥ 1; out as long, not overlapping src). */
  run(src: Float32Array, out: Float32Array, r: number, log: boolean): void {
    const nRows = src.length / r;
    const X = heapAddress(src);
    const O = heapAddress(out);
    const per = Math.max(1, Math.min(nRows, Math.floor(CHUNK_FLOATS / r)));
    const cap = per * r;
    // a row's last vector store passes its end by (4 - r % 4) % 4 floats, onto the next rows'
    // outputs: the rows that would reach past the view's end (the last, or for r = 1 the last
    // three) go through the scratch
    const tailRows = O >= 0 ? Math.min(nRows, Math.ceil(((4 - (r & 3)) & 3) / r)) : 0;
    // scratch areas (floats, each 4-aligned): x if staged, out (the whole chunk's if staged, else
    // the tail rows'), then the stats (2 a row) of log
    const xArea = X < 0 ? (cap + SLACK + 3) & ~3 : 0;
    const oArea = O < 0 ? (cap + SLACK + 3) & ~3 : tailRows > 0 ? (tailRows * r + SLACK + 3) & ~3 : 0;
    const [xAt, oAt, sAt] = [0, xArea, xArea + oArea];
    this.scratch.ensure((sAt + (log ? 2 * per : 0)) * 4);
    const { f32: f, at: base } = this.scratch;
    const { softmax, logStats, logFinish } = this.fns;
    for (let row = 0; row < nRows; row += per) {
      const k = Math.min(per, nRows - row);
      const len = k * r;
      let xp = X + row * r * 4;
      if (X < 0) {
        f.set(len === src.length ? src : src.subarray(row * r, row * r + len), xAt);
        xp = base + xAt * 4;
      }
      // rows of this chunk written in place (the rest go to the scratch and are copied out)
      const direct = O < 0 ? 0 : Math.max(0, Math.min(k, nRows - tailRows - row));
      const op = O + row * r * 4;
      const rest = k - direct;
      const xRest = xp + direct * r * 4;
      if (log) {
        logStats(xp, base + sAt * 4, k, r);
        for (let i = sAt + 1; i < sAt + 2 * k; i += 2) f[i] = Math.log(f[i]!); // rounded to float32 on store, as the reference's fround
        if (direct > 0) logFinish(xp, base + sAt * 4, op, direct, r);
        if (rest > 0) logFinish(xRest, base + (sAt + 2 * direct) * 4, base + oAt * 4, rest, r);
      } else {
        if (direct > 0) softmax(xp, op, direct, r);
        if (rest > 0) softmax(xRest, base + oAt * 4, rest, r);
      }
      if (rest > 0) out.set(f.subarray(oAt, oAt + rest * r), (row + direct) * r);
    }
  }
}

let shared: WasmSoftmax | null | undefined;

/** The process's softmax kernels, built on first use (null where WebAssembly SIMD is unavailable). */
export function wasmSoftmax(): WasmSoftmax | null {
  if (shared === undefined) shared = WasmSoftmax.create();
  return shared;
}
