import { heapAddress } from '../heap.js';
import { buildModule, emitModule, I32, Op, type FuncDef } from './emit.js';
import { Emitter, emitSigmoid, emitSigmoidPair, emitTanh, S, Scratch } from './math.js';

/**
 * The fused LSTM cell (FusedKernels.lstmCell / lstmCellGrad) in WebAssembly SIMD, four units per
 * instruction, for u % 4 === 0. Its gates cost five exponentials per unit, which as Math.exp /
 * Math.tanh calls were most of an LSTM training step; here they are the vector exp of math.ts.
 *
 * Operands on the wasm heap are read and written in place (every row is whole vectors, so no
 * store passes an output's end); others are staged through the module's scratch in chunks of
 * rows (copied in with TypedArray.set, results copied out), so it stays bounded whatever B. All arithmetic is
 * float32; the JS loops it replaces compute in float64 and round once on store, and the two agree
 * within 1e-6 relative plus the float32 rounding of the terms summed into c' and dc, which cancel
 * (test/wasm-math.test.ts). Measured at B = 64, u = 64: ~11 ns a unit forward and ~15 backward,
 * against ~134 and ~149 for the JS loops. σ and 1 - σ, and 1 - tanh², are computed from
 * e^-|x| so that the gradients stay accurate where a gate saturates (1 - σ(x) by subtraction
 * would round to 0 in float32 once σ(x) rounds to 1, at x ≈ 17).
 */

const [ZP, CP] = [0, 1];

/**
 * Loops over `rows` rows of u/4 vectors. `step` emits one vector's work given the byte offsets
 * u·4, 2u·4, 3u·4 (locals); pointers in `ptrs` advance 16 bytes a vector, then `rowSkip` bytes
 * (as multiples of u·4) at the end of each row.
 */
function rowLoop(e: Emitter, rowsParam: number, uParam: number, ptrs: readonly number[], rowSkip: readonly number[], step: (ub: number, ub2: number, ub3: number) => void): void {
  const { c, locals } = e;
  const [ub, ub2, ub3, end] = [locals.i32(), locals.i32(), locals.i32(), locals.i32()];
  c.get(uParam).i32(2).op(0x74 /* i32.shl */).tee(ub).i32(1).op(0x74).set(ub2);
  c.get(ub2).get(ub).op(Op.i32Add).set(ub3);
  c.op(Op.loop, Op.void); // rows
  c.get(CP).get(ub).op(Op.i32Add).set(end);
  c.op(Op.loop, Op.void); // vectors of the row (c advances u·4 bytes over a row)
  step(ub, ub2, ub3);
  for (const p of ptrs) c.get(p).i32(16).op(Op.i32Add).set(p);
  c.get(CP).get(end).op(Op.i32LtU).op(Op.brIf, 0);
  c.op(Op.end);
  ptrs.forEach((p, k) => {
    const skip = rowSkip[k]!;
    if (skip > 0) c.get(p).get(ub).i32(skip).op(Op.i32Mul).op(Op.i32Add).set(p);
  });
  c.get(rowsParam).i32(1).op(Op.i32Sub).tee(rowsParam).op(Op.brIf, 0);
  c.op(Op.end);
}

/** Pushes the v128 at ptr + off (off an i32 local, or none). */
function loadAt(e: Emitter, ptr: number, off?: number): void {
  e.c.get(ptr);
  if (off !== undefined) e.c.get(off).op(Op.i32Add);
  e.c.load();
}

/** fwd(z, c, out, rows, u): out row = [h' | c'] from z row [i | f | g | o] and c row. */
function emitForward(): FuncDef {
  const [OUT, ROWS, U] = [2, 3, 4];
  const e = new Emitter([I32, I32, I32, I32, I32]);
  const { c, locals } = e;
  const [zi, zf, zg, zo, i, f, cn] = Array.from({ length: 7 }, () => locals.v128());
  rowLoop(e, ROWS, U, [ZP, CP, OUT], [3, 0, 1], (ub, ub2, ub3) => {
    c.get(ZP).load().set(zi);
    loadAt(e, ZP, ub);
    c.set(zf);
    loadAt(e, ZP, ub2);
    c.set(zg);
    loadAt(e, ZP, ub3);
    c.set(zo);
    emitSigmoid(e, zi);
    c.set(i);
    emitSigmoid(e, zf);
    c.set(f);
    // c' = f·c + i·g
    c.get(f).get(CP).load().simd(S.mul).get(i);
    emitTanh(e, zg);
    c.simd(S.mul).simd(S.add).set(cn);
    c.get(OUT).get(ub).op(Op.i32Add).get(cn).store();
    // h' = o·tanh(c')
    c.get(OUT);
    emitSigmoid(e, zo);
    emitTanh(e, cn);
    c.simd(S.mul).store();
  });
  return e.finish('fwd');
}

/** bwd(z, c, dy, out, rows, u): out row = [dz_i | dz_f | dz_g | dz_o | dc] (see lstmCellGrad in fused.ts). */
function emitBackward(): FuncDef {
  const [DP, OUT, ROWS, U] = [2, 3, 4, 5];
  const e = new Emitter([I32, I32, I32, I32, I32, I32]);
  const { c, locals } = e;
  const [x, i, ni, f, nf, g, dg, o, no, cv, tc, dtc, dh, dc] = Array.from({ length: 14 }, () => locals.v128());
  const store = (off: number | undefined, value: () => void) => {
    c.get(OUT);
    if (off !== undefined) c.get(off).op(Op.i32Add);
    value();
    c.store();
  };
  rowLoop(e, ROWS, U, [ZP, CP, DP, OUT], [3, 0, 1, 4], (ub, ub2, ub3) => {
    c.get(ZP).load().set(x);
    emitSigmoidPair(e, x, i, ni);
    loadAt(e, ZP, ub);
    c.set(x);
    emitSigmoidPair(e, x, f, nf);
    loadAt(e, ZP, ub2);
    c.set(x);
    emitTanh(e, x, dg);
    c.set(g);
    loadAt(e, ZP, ub3);
    c.set(x);
    emitSigmoidPair(e, x, o, no);
    // tc = tanh(f·c + i·g), dtc = 1 - tc²
    c.get(f).get(CP).load().tee(cv).simd(S.mul).get(i).get(g).simd(S.mul).simd(S.add).set(x);
    emitTanh(e, x, dtc);
    c.set(tc);
    // dc = dy_c + dh·o·(1 - tc²)
    loadAt(e, DP, ub);
    c.get(DP).load().tee(dh).get(o).simd(S.mul).get(dtc).simd(S.mul).simd(S.add).set(dc);
    store(undefined, () => c.get(dc).get(g).simd(S.mul).get(i).simd(S.mul).get(ni).simd(S.mul));
    store(ub, () => c.get(dc).get(cv).simd(S.mul).get(f).simd(S.mul).get(nf).simd(S.mul));
    store(ub2, () => c.get(dc).get(i).simd(S.mul).get(dg).simd(S.mul));
    store(ub3, () => c.get(dh).get(tc).simd(S.mul).get(o).simd(S.mul).get(no).simd(S.mul));
    // dc_prev = dc·f at 4u·4 bytes: ub3 + ub
    c.get(OUT).get(ub3).op(Op.i32Add).get(ub).op(Op.i32Add).get(dc).get(f).simd(S.mul).store();
  });
  return e.finish('bwd');
}

type FwdFn = (z: number, c: number, out: number, rows: number, u: number) => void;
type BwdFn = (z: number, c: number, dy: number, out: number, rows: number, u: number) => void;

/**
 * Floats staged per chunk, all operands together: 256 KiB, well inside L2, and a whole LSTM(64)
 * batch of 64 rows (12u floats a row backward) in one chunk. The scratch grows only for rows
 * wider than this.
 */
const CHUNK_FLOATS = 65536;

/** Where one operand of a chunk is: in place (its heap address) or staged at a scratch offset. */
interface Operand {
  readonly array: Float32Array;
  /** Floats a row. */
  readonly width: number;
  /** Its heap address, or -1. */
  readonly at: number;
  /** Float offset of its area in the scratch (used when at < 0). */
  readonly area: number;
}

/** The LSTM cell kernels: a module instance and its scratch (null without WebAssembly SIMD). */
export class WasmLstm {
  private readonly scratch: Scratch;
  private readonly fwd: FwdFn;
  private readonly bwd: BwdFn;

  private constructor(module: WebAssembly.Module, scratch: Scratch) {
    this.scratch = scratch;
    const exports = new WebAssembly.Instance(module, { env: { memory: scratch.memory } }).exports;
    this.fwd = exports['fwd'] as FwdFn;
    this.bwd = exports['bwd'] as BwdFn;
  }

  static create(): WasmLstm | null {
    if (typeof WebAssembly === 'undefined') return null;
    const scratch = new Scratch(CHUNK_FLOATS * 4);
    const bytes = emitModule({ memory: scratch.spec, funcs: [emitForward(), emitBackward()] });
    return buildModule(bytes, (module) => new WasmLstm(module, scratch));
  }

  /**
   * Runs `call(pointers, first row, rows)` over b rows: one call for all of them when every
   * operand is on the heap, else in chunks whose off-heap inputs are copied into the scratch
   * first and whose off-heap output (the last operand) is copied out after.
   */
  private run(operands: readonly [Float32Array, number][], b: number, call: (ptrs: number[], rows: number) => void): void {
    const perRow = operands.reduce((a, [, width]) => a + width, 0);
    let area = 0;
    const ops: Operand[] = operands.map(([array, width]) => {
      const at = heapAddress(array);
      const op = { array, width, at, area };
      if (at < 0) area += width; // staged operands' areas, per row for now
      return op;
    });
    const per = area === 0 ? b : Math.min(b, Math.max(1, Math.floor(CHUNK_FLOATS / perRow)));
    this.scratch.ensure(per * area * 4);
    const { f32: f, at: base } = this.scratch;
    const out = ops[ops.length - 1]!;
    for (let r = 0; r < b; r += per) {
      const k = Math.min(per, b - r);
      const ptrs = ops.map((op) => {
        if (op.at >= 0) return op.at + r * op.width * 4;
        if (op !== out) f.set(op.array.subarray(r * op.width, (r + k) * op.width), per * op.area);
        return base + per * op.area * 4;
      });
      call(ptrs, k);
      if (out.at < 0) out.array.set(f.subarray(per * out.area, per * out.area + k * out.width), r * out.width);
    }
  }

  /** out [b, 2u] = [h' | c'] from z [b, 4u] and c [b, u] (contiguous); u % 4 === 0, u > 0. */
  forward(z: Float32Array, c: Float32Array, out: Float32Array, b: number, u: number): void {
    this.run([[z, 4 * u], [c, u], [out, 2 * u]], b, ([zp, cp, op], rows) => this.fwd(zp!, cp!, op!, rows, u));
  }

  /** out [b, 5u] = [dz | dc] from z [b, 4u], c [b, u] and dy [b, 2u] (contiguous); u % 4 === 0, u > 0. */
  backward(z: Float32Array, c: Float32Array, dy: Float32Array, out: Float32Array, b: number, u: number): void {
    this.run([[z, 4 * u], [c, u], [dy, 2 * u], [out, 5 * u]], b, ([zp, cp, dp, op], rows) => this.bwd(zp!, cp!, dp!, op!, rows, u));
  }
}

let shared: WasmLstm | null | undefined;

/** The process's LSTM kernels, built on first use (null where WebAssembly SIMD is unavailable). */
export function wasmLstm(): WasmLstm | null {
  if (shared === undefined) shared = WasmLstm.create();
  return shared;
}
