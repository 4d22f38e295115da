import { heapAddress } from '../heap.js';
import { buildModule, Code, emitModule, I32, Op, Simd, uleb, V128, type FuncDef, type ValType } from './emit.js';
import { Scratch } from './math.js';

/**
 * The window kernels of CNN training in WebAssembly SIMD: 2×2/2 max pooling and its gradient,
 * the col2im sum of `windowsGrad`, and relu's gradient. In JS these are scalar loops at 2-8 ns
 * an element (a profile of the MNIST CNN's step put ~28% of it in them); here each instruction
 * takes four channels (NHWC: the channel axis is innermost, so four channels are four adjacent
 * floats of every cell).
 *
 * As in elementwise.ts, operands on the wasm heap are read and written where they lie; others
 * are staged into this module's scratch with `TypedArray.set` (a memcpy) a bounded block at a
 * time (groups of rows, sized to stay in L2) and results copied back out; the scratch only grows
 * to the largest block asked for, never to a tensor's size. Pooling and col2im store whole cells
 * of channels (a multiple of 4 floats), so no vector store passes an output's end; relu's
 * gradient takes its last n % 4 floats through the scratch.
 *
 * Every result equals the JS loops' (windows.ts, fused.ts) bit for bit, NaN payloads aside:
 * - max pooling: a pmax chain (`pmax(m, v)` keeps m unless m < v: the JS fold's `if (v > m)`,
 *   so a zero max keeps the sign of the window's first zero, as the JS's first-zero rule) with
 *   any NaN of the window forced in (ne(v, v) masks ORed in give an all-ones NaN);
 * - its gradient: ties counted from eq(v, max) masks (i32 lanes of -1), share = dy / ties as one
 *   float32 division (the JS divides in float64 and rounds with Math.fround: the same result,
 *   53 ≥ 2·24 + 2 bits), + 0 as the JS's `acc[q] += share` into a zeroed cell does (-0 → +0),
 *   masked to nothing where the window holds a NaN;
 * - col2im: float64 accumulators (f64x2, the float32 dy promoted, exact) taking their additions
 *   in the JS loop's order, rounded once by f32x4.demote_f64x2_zero (round to nearest even, as
 *   a Float32Array store);
 * - relu's gradient: dy AND the mask gt(x, 0) (NaN and ±0 give 0, +Infinity dy): the JS
 *   integer trick's bits exactly.
 */

/** Short names for the SIMD opcodes (emit.ts's Simd) used here. */
const S = {
  load64Splat: Simd.v128Load64Splat, const: Simd.v128Const, shuffle: Simd.i8x16Shuffle,
  f32x4Eq: Simd.f32x4Eq, f32x4Ne: Simd.f32x4Ne, f32x4Gt: Simd.f32x4Gt,
  and: Simd.v128And, or: Simd.v128Or,
  f32x4DemoteF64x2Zero: Simd.f32x4DemoteF64x2Zero, f64x2PromoteLowF32x4: Simd.f64x2PromoteLowF32x4,
  i32x4Neg: Simd.i32x4Neg, i32x4Add: Simd.i32x4Add,
  f32x4Add: Simd.f32x4Add, f32x4Div: Simd.f32x4Div, f32x4Pmax: Simd.f32x4Pmax,
  f64x2Add: Simd.f64x2Add,
  f32x4ConvertI32x4S: Simd.f32x4ConvertI32x4S,
} as const;

/** do { body } while (--counter !== 0): the counter local must be ≥ 1 on entry. */
function repeat(c: Code, counter: number, body: () => void): void {
  c.op(Op.loop, Op.void);
  body();
  c.get(counter).i32(1).op(Op.i32Sub).tee(counter).op(Op.brIf, 0);
  c.op(Op.end);
}

/** local += step (step a local, or a constant when `constant`). */
function bump(c: Code, local: number, step: number, constant = false): void {
  c.get(local);
  if (constant) c.i32(step);
  else c.get(step);
  c.op(Op.i32Add).set(local);
}

/** local = a + b (locals). */
function sum(c: Code, local: number, a: number, b: number): void {
  c.get(a).get(b).op(Op.i32Add).set(local);
}

/**
 * The four cells of each window's 4 channels as locals A, B, E, F (rows 2r and 2r + 1, columns
 * 2x and 2x + 1), from a at P, b at P + CHB, e at P + ROWB, f at P + ROWB + CHB.
 */
function loadWindow(c: Code, p: number, chb: number, rowb: number, t: number, regs: readonly [number, number, number, number]): void {
  const [a, b, e, f] = regs;
  c.get(p);
  c.load().set(a);
  c.get(p).get(chb).op(Op.i32Add);
  c.load().set(b);
  c.get(p).get(rowb).op(Op.i32Add).tee(t);
  c.load().set(e);
  c.get(t).get(chb).op(Op.i32Add);
  c.load().set(f);
}

/** Pushes pmax(pmax(pmax(a, b), e), f): the JS fold `if (v > m) m = v` from m = a. */
function pmaxChain(c: Code, [a, b, e, f]: readonly [number, number, number, number]): void {
  c.get(a).get(b).simd(S.f32x4Pmax).get(e).simd(S.f32x4Pmax).get(f).simd(S.f32x4Pmax);
}

/**
 * pool(x, out, rows, ow, chb, rowb): 2×2 windows at stride 2 of `rows` window rows, each two
 * input rows of rowb bytes (the first at x), ow windows a row, chb bytes (channels · 4) a cell;
 * out gets [rows, ow, C] contiguous.
 */
/**
 * The walk both pooling functions share: `rows` pairs of input rows from X, `ow` windows a row,
 * each window's cells 16 bytes (four channels) at a time with the window loaded into `regs`
 * (P at cell a, T at cell e); `cell` emits the work on one group of four channels and `rowEnd`
 * what follows a row's last window (P then just past it). Locals: XC, CC, P, T.
 */
function walkWindows(
  c: Code, l: { X: number; ROWS: number; OW: number; CHB: number; ROWB: number; XC: number; CC: number; P: number; T: number },
  regs: readonly [number, number, number, number], cell: () => void, rowEnd?: () => void,
): void {
  repeat(c, l.ROWS, () => {
    c.get(l.X).set(l.P);
    c.get(l.OW).set(l.XC);
    repeat(c, l.XC, () => {
      c.get(l.CHB).set(l.CC);
      repeat(c, l.CC, () => {
        loadWindow(c, l.P, l.CHB, l.ROWB, l.T, regs);
        cell();
        bump(c, l.P, 16, true);
        c.get(l.CC).i32(15).op(Op.i32Sub).set(l.CC); // with repeat()'s 1: step 16
      });
      bump(c, l.P, l.CHB); // past b's cell: the next window's a
    });
    rowEnd?.();
    c.get(l.X).get(l.ROWB).op(Op.i32Add).get(l.ROWB).op(Op.i32Add).set(l.X);
  });
}

function emitPool(): Code {
  const [X, OUT, ROWS, OW, CHB, ROWB] = [0, 1, 2, 3, 4, 5];
  const [XC, CC, P, T] = [6, 7, 8, 9];
  const regs = [10, 11, 12, 13] as const;
  const c = new Code();
  walkWindows(c, { X, ROWS, OW, CHB, ROWB, XC, CC, P, T }, regs, () => {
    c.get(OUT);
    pmaxChain(c, regs);
    // a NaN anywhere in the window: all-ones lanes (a NaN) ORed over the chain's value
    const [a, b, e, f] = regs;
    c.get(a).get(a).simd(S.f32x4Ne).get(b).get(b).simd(S.f32x4Ne).simd(S.or);
    c.get(e).get(e).simd(S.f32x4Ne).get(f).get(f).simd(S.f32x4Ne).simd(S.or).simd(S.or);
    c.simd(S.or);
    c.store();
    bump(c, OUT, 16, true);
  });
  return c;
}

/**
 * poolGrad(x, dy, out, rows, ow, chb, rowb, tailb): the adjoint of `pool` over the same block,
 * written at out, laid out as x (out may be x itself: each window is read before its cells are
 * written): each cell gets its window's share where it equals the max, else +0; the tailb bytes
 * after the last window of both rows (an odd width's last column, in no window) are zeroed.
 */
function emitPoolGrad(): Code {
  const [X, DY, OUT, ROWS, OW, CHB, ROWB, TAILB] = [0, 1, 2, 3, 4, 5, 6, 7];
  const [XC, CC, P, T, PB, PF, DELTA] = [8, 9, 10, 11, 12, 13, 14];
  const regs = [15, 16, 17, 18] as const;
  const [a, b, e, f] = regs;
  const [M, MA, MB, ME, MF, SHARE] = [19, 20, 21, 22, 23, 24];
  const c = new Code();
  // stores go to a cell's address in x plus DELTA (wrapping i32 arithmetic: out may lie below x)
  c.get(OUT).get(X).op(Op.i32Sub).set(DELTA);
  walkWindows(c, { X, ROWS, OW, CHB, ROWB, XC, CC, P, T }, regs, () => {
    pmaxChain(c, regs);
    c.set(M);
    for (const [v, mv] of [[a, MA], [b, MB], [e, ME], [f, MF]] as const) c.get(v).get(M).simd(S.f32x4Eq).set(mv);
    // ties: each eq mask is -1 as an i32 lane
    c.get(DY);
    c.load();
    c.get(MA).get(MB).simd(S.i32x4Add).get(ME).get(MF).simd(S.i32x4Add).simd(S.i32x4Add).simd(S.i32x4Neg);
    c.simd(S.f32x4ConvertI32x4S).simd(S.f32x4Div);
    // + 0: the JS adds the share to a zeroed cell, so a -0 share leaves +0
    c.simd(S.const, ...new Array<number>(16).fill(0)).simd(S.f32x4Add);
    // nothing where the window holds a NaN (eq(v, v) false)
    c.get(a).get(a).simd(S.f32x4Eq).get(b).get(b).simd(S.f32x4Eq).simd(S.and);
    c.get(e).get(e).simd(S.f32x4Eq).get(f).get(f).simd(S.f32x4Eq).simd(S.and).simd(S.and);
    c.simd(S.and).set(SHARE);
    c.get(P).get(CHB).op(Op.i32Add).set(PB);
    c.get(T).get(CHB).op(Op.i32Add).set(PF);
    for (const [ptr, mv] of [[P, MA], [PB, MB], [T, ME], [PF, MF]] as const) {
      c.get(ptr).get(DELTA).op(Op.i32Add).get(mv).get(SHARE).simd(S.and);
      c.store();
    }
    bump(c, DY, 16, true);
  }, () => {
    // the odd last column of both rows
    c.get(TAILB).op(Op.if, Op.void);
    c.get(TAILB).set(CC);
    repeat(c, CC, () => {
      c.get(P).get(DELTA).op(Op.i32Add).simd(S.const, ...new Array<number>(16).fill(0));
      c.store();
      c.get(P).get(DELTA).op(Op.i32Add).get(ROWB).op(Op.i32Add).simd(S.const, ...new Array<number>(16).fill(0));
      c.store();
      bump(c, P, 16, true);
      c.get(CC).i32(15).op(Op.i32Sub).set(CC);
    });
    c.op(Op.end);
  });
  return c;
}

/**
 * col2imRow(dy, acc, ow, khv, kw, chb, swb, dwb, dhb, w, sw, dw, skipb): one window row of
 * windowsGrad. dy holds its ow windows [KH, KW, C] (float32); acc is the float64 accumulator of
 * the window row's first input row, ACC + i·dhb of its kernel row i (< khv, the rows inside
 * the input); window x, kernel column j adds onto column x·sw + j·dw (skipped when ≥ w), whose
 * accumulator is swb·x + dwb·j bytes along. skipb: the dy bytes of the kernel rows ≥ khv.
 * The loops run in the JS's order (x, i, j, c), so each accumulator sees the same additions.
 */
function emitCol2imRow(): Code {
  const [DY, ACC, OW, KHV, KW, CHB, SWB, DWB, DHB, W, SW, DW, SKIPB] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12];
  const [XC, IC, JC, CC, PX0, PX, AX, AI, PJ, Q] = [13, 14, 15, 16, 17, 18, 19, 20, 21, 22];
  const c = new Code();
  c.get(ACC).set(AX);
  c.i32(0).set(PX0);
  c.get(OW).set(XC);
  repeat(c, XC, () => {
    c.get(AX).set(AI);
    c.get(KHV).set(IC);
    repeat(c, IC, () => {
      c.get(PX0).set(PX);
      c.get(AI).set(PJ);
      c.get(KW).set(JC);
      repeat(c, JC, () => {
        c.get(PX).get(W).op(Op.i32LtS).op(Op.if, Op.void);
        c.get(PJ).set(Q);
        c.get(CHB).set(CC);
        repeat(c, CC, () => {
          // four channels: two f64x2 accumulators, each += two promoted floats
          for (const half of [0, 1]) {
            c.get(Q).get(Q);
            c.load(16 * half);
            c.get(DY).simd(S.load64Splat, 3, ...uleb(8 * half)).simd(S.f64x2PromoteLowF32x4);
            c.simd(S.f64x2Add);
            c.store(16 * half);
          }
          bump(c, Q, 32, true);
          bump(c, DY, 16, true);
          c.get(CC).i32(15).op(Op.i32Sub).set(CC);
        });
        c.op(Op.else);
        bump(c, DY, CHB);
        c.op(Op.end);
        bump(c, PX, DW);
        bump(c, PJ, DWB);
      });
      bump(c, AI, DHB);
    });
    bump(c, DY, SKIPB);
    bump(c, PX0, SW);
    bump(c, AX, SWB);
  });
  return c;
}

/** demote(src, dst, count): count·4 float64 at src rounded to float32 at dst (dst ≤ src may overlap). */
function emitDemote(): Code {
  const [SRC, DST, COUNT] = [0, 1, 2];
  const c = new Code();
  repeat(c, COUNT, () => {
    c.get(DST);
    c.get(SRC);
    c.load(0).simd(S.f32x4DemoteF64x2Zero);
    c.get(SRC);
    c.load(16).simd(S.f32x4DemoteF64x2Zero);
    // lanes 0-1 of each: bytes 0-7 of the first, 16-23 (0-7 of the second)
    c.simd(S.shuffle, 0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23);
    c.store();
    bump(c, SRC, 32, true);
    bump(c, DST, 16, true);
  });
  return c;
}

/** reluGrad(x, dy, out, count): count vectors of dy AND gt(x, 0). */
function emitReluGrad(): Code {
  const [X, DY, OUT, COUNT] = [0, 1, 2, 3];
  const c = new Code();
  repeat(c, COUNT, () => {
    c.get(OUT).get(DY);
    c.load();
    c.get(X);
    c.load();
    c.simd(S.const, ...new Array<number>(16).fill(0)).simd(S.f32x4Gt).simd(S.and);
    c.store();
    bump(c, X, 16, true);
    bump(c, DY, 16, true);
    bump(c, OUT, 16, true);
  });
  return c;
}

type Fn = (...args: number[]) => void;

const i32s = (n: number): ValType[] => new Array<ValType>(n).fill(I32);

/**
 * Floats of x staged per pooling block (256 KiB): groups of window rows up to this size. Measured
 * on [64, 26, 26, 32], the kernel alone (ns per input element, forward / backward): 4K floats
 * 0.50 / 0.90, 16K to 64K 0.43 / 0.87, 256K 0.58 / 1.06 (the block falls out of L2).
 */
export const POOL_BLOCK = 65536;
/**
 * Floats of dy staged per col2im block (256 KiB), in whole window rows (at least one). dy
 * [64, 11, 11, 3, 3, 32] (an image's 11 rows are 35K floats): 0.58 ns per dy element from 16K
 * floats on, 1.36 at 4K (a block of one row, the accumulator's rows shifted after each).
 */
export const COL2IM_BLOCK = 65536;
/** Floats per operand per reluGrad chunk (64 KiB, as elementwise.ts's CHUNK). */
export const RELU_CHUNK = 16384;

/** The scratch's first size (it grows to the largest block staged so far). */
const SCRATCH_BYTES = 65536;

/** The module's instance and its scratch, which grows to the largest block staged so far. */
export class WasmWindows {
  private readonly scratch: Scratch;
  private readonly pool: Fn;
  private readonly poolGrad: Fn;
  private readonly col2imRow: Fn;
  private readonly demote: Fn;
  private readonly relu: Fn;

  private constructor(module: WebAssembly.Module, scratch: Scratch) {
    this.scratch = scratch;
    const exports = new WebAssembly.Instance(module, { env: { memory: scratch.memory } }).exports as Record<string, Fn>;
    this.pool = exports['pool']!;
    this.poolGrad = exports['poolGrad']!;
    this.col2imRow = exports['col2imRow']!;
    this.demote = exports['demote']!;
    this.relu = exports['reluGrad']!;
  }

  /** null where WebAssembly or its SIMD proposal is unavailable. */
  static create(): WasmWindows | null {
    if (typeof WebAssembly === 'undefined') return null;
    const funcs: FuncDef[] = [
      { name: 'pool', params: i32s(6), results: [], locals: [...i32s(4), ...new Array<ValType>(4).fill(V128)], body: emitPool() },
      { name: 'poolGrad', params: i32s(8), results: [], locals: [...i32s(7), ...new Array<ValType>(10).fill(V128)], body: emitPoolGrad() },
      { name: 'col2imRow', params: i32s(13), results: [], locals: i32s(10), body: emitCol2imRow() },
      { name: 'demote', params: i32s(3), results: [], locals: [], body: emitDemote() },
      { name: 'reluGrad', params: i32s(4), results: [], locals: [], body: emitReluGrad() },
    ];
    const scratch = new Scratch(SCRATCH_BYTES);
    const bytes = emitModule({ memory: scratch.spec, funcs });
    return buildModule(bytes, (module) => new WasmWindows(module, scratch));
  }

  /**
   * 2×2 max pooling at stride 2 of contiguous NHWC src [nb, h, w, ch] into out [nb, oh, ow, ch],
   * every window inside the input (2·oh ≤ h, 2·ow ≤ w), ch % 4 === 0. `block`: floats of x
   * per call (whole window rows, at least one; smaller in tests, to exercise the blocking).
   */
  maxPool2x2(src: Float32Array, out: Float32Array, nb: number, h: number, w: number, ch: number, oh: number, ow: number, block = POOL_BLOCK): void {
    const rowF = w * ch;
    const outRowF = ow * ch;
    const g = Math.max(1, Math.floor(block / (2 * rowF)));
    const X = heapAddress(src);
    const O = heapAddress(out);
    // scratch areas (floats): x's block, then the output's, each only when staged
    const xFloats = X < 0 ? Math.min(g, nb * oh) * 2 * rowF : 0;
    this.scratch.ensure((xFloats + (O < 0 ? Math.min(g, nb * oh) * outRowF : 0)) * 4);
    const { f32: f, at: base } = this.scratch;
    this.forBlocks(nb, h, oh, rowF, g, (xAt, r, rows) => {
      let xp = X + xAt * 4;
      if (X < 0) {
        f.set(src.subarray(xAt, xAt + rows * 2 * rowF), 0);
        xp = base;
      }
      this.pool(xp, O < 0 ? base + xFloats * 4 : O + r * outRowF * 4, rows, ow, ch * 4, rowF * 4);
      if (O < 0) out.set(f.subarray(xFloats, xFloats + rows * outRowF), r * outRowF);
    });
  }

  /**
   * The adjoint of maxPool2x2 (see maxPool2dGrad in windows.ts) into out [nb, h, w, ch], which
   * is zero-filled: rows in no window (an odd height's last) are left as they are.
   */
  maxPool2x2Grad(
    src: Float32Array, dy: Float32Array, out: Float32Array, nb: number, h: number, w: number, ch: number, oh: number, ow: number, block = POOL_BLOCK,
  ): void {
    const rowF = w * ch;
    const dyRowF = ow * ch;
    const g = Math.max(1, Math.floor(block / (2 * rowF)));
    const X = heapAddress(src);
    const D = heapAddress(dy);
    const O = heapAddress(out);
    // scratch areas (floats): a block of x (staged x, or a staged output over x's layout: the
    // kernel writes over a staged x in place), then dy's block, each only when needed
    const blockF = Math.min(g, nb * oh) * 2 * rowF;
    const xFloats = X < 0 || O < 0 ? blockF : 0;
    this.scratch.ensure((xFloats + (D < 0 ? Math.min(g, nb * oh) * dyRowF : 0)) * 4);
    const { f32: f, at: base } = this.scratch;
    const tailb = (w - 2 * ow) * ch * 4;
    this.forBlocks(nb, h, oh, rowF, g, (xAt, r, rows) => {
      let xp = X + xAt * 4;
      if (X < 0) {
        f.set(src.subarray(xAt, xAt + rows * 2 * rowF), 0);
        xp = base;
      }
      let dp = D + r * dyRowF * 4;
      if (D < 0) {
        f.set(dy.subarray(r * dyRowF, (r + rows) * dyRowF), xFloats);
        dp = base + xFloats * 4;
      }
      this.poolGrad(xp, dp, O < 0 ? base : O + xAt * 4, rows, ow, ch * 4, rowF * 4, tailb);
      if (O < 0) out.set(f.subarray(0, rows * 2 * rowF), xAt);
    });
  }

  /**
   * Calls block(xAt, r, rows) for blocks of at most g window rows: r is the first window row's
   * index in [nb·oh] (the row of dy or of the pooled output), xAt its first input float. Window
   * row (b, y) covers input rows b·h + 2y and + 1; with an even h these tile the whole input,
   * so blocks run across images; with an odd h each image's last row is in no window.
   */
  private forBlocks(nb: number, h: number, oh: number, rowF: number, g: number, block: (xAt: number, r: number, rows: number) => void): void {
    const segments = h === 2 * oh ? 1 : nb;
    const segRows = h === 2 * oh ? nb * oh : oh;
    for (let s = 0; s < segments; s++) {
      for (let y = 0; y < segRows; y += g) {
        const rows = Math.min(g, segRows - y);
        block((s * h + 2 * y) * rowF, s * oh + y, rows);
      }
    }
  }

  /**
   * windowsGrad of contiguous float32 dy [nb, oh, ow, kh, kw, ch] into out [nb, h, w, ch]
   * (zero-filled), ch % 4 === 0: see windowsGrad in windows.ts. Per image, blocks of window rows
   * (read in place on the heap, else staged) are added into a float64 accumulator of the input
   * rows they touch, in the scratch; rows no later window row touches are rounded (straight into
   * out on the heap, else in the scratch and copied out), the rest slide to the front for the
   * next block.
   */
  col2im(
    src: Float32Array, out: Float32Array, nb: number, h: number, w: number, ch: number,
    oh: number, ow: number, kh: number, kw: number, sh: number, sw: number, dh: number, dw: number, block = COL2IM_BLOCK,
  ): void {
    const rowF = w * ch;
    const dyRowF = ow * kh * kw * ch;
    const g = Math.min(oh, Math.max(1, Math.floor(block / dyRowF)));
    // input rows one block can touch (the accumulator's capacity)
    const cap = Math.min(h, (g - 1) * sh + (kh - 1) * dh + 1);
    const D = heapAddress(src);
    const O = heapAddress(out);
    const accAt = D < 0 ? Math.ceil((g * dyRowF) / 4) * 4 : 0; // float index in the scratch, 16-byte aligned
    this.scratch.ensure((accAt + 2 * cap * rowF) * 4);
    const { f32, f64, at: base } = this.scratch;
    const acc64 = accAt / 2; // the accumulator's first float64
    const chb = ch * 4;
    for (let b = 0; b < nb; b++) {
      f64.fill(0, acc64, acc64 + cap * rowF);
      let lo = 0; // the input row at the accumulator's start
      for (let y0 = 0; y0 < oh; y0 += g) {
        const rows = Math.min(g, oh - y0);
        const at = (b * oh + y0) * dyRowF;
        let dp = D + at * 4;
        if (D < 0) {
          f32.set(src.subarray(at, at + rows * dyRowF), 0);
          dp = base;
        }
        for (let t = 0; t < rows; t++) {
          const py = (y0 + t) * sh;
          if (py >= h) break;
          const khv = Math.min(kh, Math.ceil((h - py) / dh));
          this.col2imRow(
            dp + t * dyRowF * 4, base + (accAt + 2 * (py - lo) * rowF) * 4, ow, khv, kw, chb,
            sw * ch * 8, dw * ch * 8, dh * rowF * 8, w, sw, dw, (kh - khv) * kw * chb,
          );
        }
        // rows below the next block's first are final
        const fin = y0 + rows < oh ? Math.min((y0 + rows) * sh, h) : h;
        const done = Math.min(fin, lo + cap) - lo;
        if (done > 0) {
          const to = (b * h + lo) * rowF;
          this.demote(base + accAt * 4, O < 0 ? base + accAt * 4 : O + to * 4, (done * rowF) / 4);
          if (O < 0) out.set(f32.subarray(accAt, accAt + done * rowF), to);
        }
        const keep = lo + cap - fin;
        if (keep > 0) f64.copyWithin(acc64, acc64 + (fin - lo) * rowF, acc64 + cap * rowF);
        f64.fill(0, acc64 + Math.max(0, keep) * rowF, acc64 + cap * rowF);
        lo = fin;
      }
    }
  }

  /** out = dy where x > 0, else 0, over n floats: in place on the heap, else in RELU_CHUNK chunks through the scratch. */
  reluGrad(x: Float32Array, dy: Float32Array, out: Float32Array, n: number): void {
    const X = heapAddress(x);
    const D = heapAddress(dy);
    const O = heapAddress(out);
    let i = 0;
    if (X >= 0 && D >= 0 && O >= 0) {
      // whole vectors in place, one call; the last n % 4 through the scratch (a vector store
      // there would write past the view)
      const whole = n & ~3;
      if (whole > 0) this.relu(X, D, O, whole >> 2);
      i = whole;
    }
    if (i === n) return;
    this.scratch.ensure(2 * RELU_CHUNK * 4);
    const { f32: f, at: s0 } = this.scratch;
    const s1 = s0 + RELU_CHUNK * 4;
    for (; i < n; i += RELU_CHUNK) {
      const len = Math.min(RELU_CHUNK, n - i);
      // lanes past len in the last vector compute on stale floats (or a heap neighbour's), never stored past len
      let xp = X + i * 4;
      let dp = D + i * 4;
      if (X < 0) {
        f.set(len === x.length ? x : x.subarray(i, i + len), 0);
        xp = s0;
      }
      if (D < 0) {
        f.set(len === dy.length ? dy : dy.subarray(i, i + len), RELU_CHUNK);
        dp = s1;
      }
      const inPlace = O >= 0 && (len & 3) === 0;
      this.relu(xp, dp, inPlace ? O + i * 4 : s0, (len + 3) >> 2);
      if (!inPlace) out.set(f.subarray(0, len), i);
    }
  }
}

let shared: WasmWindows | null | undefined;

/** The process's instance, created on first use (one thread uses it at a time: JS is single-threaded). */
export function wasmWindows(): WasmWindows | null {
  if (shared === undefined) shared = WasmWindows.create();
  return shared;
}
