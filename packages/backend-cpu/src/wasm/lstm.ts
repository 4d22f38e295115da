import { buildModule, emitModule, I32, Op, type FuncDef } from './emit.js';
import { Emitter, emitSigmoid, emitSigmoidPair, emitTanh, S } from './math.js';

/**
 * The fused LSTM cell (FusedKernels.lstmCell / lstmCellGrad) in WebAssembly SIMD, four units per
 * instruction, for u % 4 === 0. Its gates cost five exponentials per unit, which as Math.exp /
 * Math.tanh calls were most of an LSTM training step; here they are the vector exp of math.ts.
 *
 * Rows are staged through this module's memory in chunks (z, c, dy copied in with
 * TypedArray.set, results copied out), so memory stays bounded whatever B. All arithmetic is
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
 * batch of 64 rows (12u floats a row backward) in one chunk. Memory grows only for rows wider
 * than this.
 */
const CHUNK_FLOATS = 65536;
const PAGE = 65536;

/** The LSTM cell kernels: a module instance and its memory (null without WebAssembly SIMD). */
export class WasmLstm {
  private readonly memory = new WebAssembly.Memory({ initial: (CHUNK_FLOATS * 4) / PAGE });
  private f32 = new Float32Array(this.memory.buffer);
  private readonly fwd: FwdFn;
  private readonly bwd: BwdFn;

  private constructor(module: WebAssembly.Module) {
    const exports = new WebAssembly.Instance(module, { env: { memory: this.memory } }).exports;
    this.fwd = exports['fwd'] as FwdFn;
    this.bwd = exports['bwd'] as BwdFn;
  }

  static create(): WasmLstm | null {
    if (typeof WebAssembly === 'undefined') return null;
    const bytes = emitModule({ memory: { module: 'env', field: 'memory', initial: (CHUNK_FLOATS * 4) / PAGE }, funcs: [emitForward(), emitBackward()] });
    return buildModule(bytes, (module) => new WasmLstm(module));
  }

  /** Rows per chunk for `perRow` floats a row, growing the memory if even one row does not fit. */
  private rowsPerChunk(perRow: number): number {
    const rows = Math.max(1, Math.floor(CHUNK_FLOATS / perRow));
    const need = rows * perRow * 4;
    if (need > this.memory.buffer.byteLength) {
      this.memory.grow(Math.ceil((need - this.memory.buffer.byteLength) / PAGE));
      this.f32 = new Float32Array(this.memory.buffer);
    }
    return rows;
  }

  /** out [b, 2u] = [h' | c'] from z [b, 4u] and c [b, u] (contiguous); u % 4 === 0, u > 0. */
  forward(z: Float32Array, c: Float32Array, out: Float32Array, b: number, u: number): void {
    const per = this.rowsPerChunk(7 * u);
    const f = this.f32;
    // areas: z, c, out (every offset a multiple of 4 floats: 16-byte aligned vectors)
    const [zAt, cAt, oAt] = [0, per * 4 * u, per * 5 * u];
    for (let r = 0; r < b; r += per) {
      const k = Math.min(per, b - r);
      f.set(z.subarray(r * 4 * u, (r + k) * 4 * u), zAt);
      f.set(c.subarray(r * u, (r + k) * u), cAt);
      this.fwd(zAt * 4, cAt * 4, oAt * 4, k, u);
      out.set(f.subarray(oAt, oAt + k * 2 * u), r * 2 * u);
    }
  }

  /** out [b, 5u] = [dz | dc] from z [b, 4u], c [b, u] and dy [b, 2u] (contiguous); u % 4 === 0, u > 0. */
  backward(z: Float32Array, c: Float32Array, dy: Float32Array, out: Float32Array, b: number, u: number): void {
    const per = this.rowsPerChunk(12 * u);
    const f = this.f32;
    const [zAt, cAt, dAt, oAt] = [0, per * 4 * u, per * 5 * u, per * 7 * u];
    for (let r = 0; r < b; r += per) {
      const k = Math.min(per, b - r);
      f.set(z.subarray(r * 4 * u, (r + k) * 4 * u), zAt);
      f.set(c.subarray(r * u, (r + k) * u), cAt);
      f.set(dy.subarray(r * 2 * u, (r + k) * 2 * u), dAt);
      this.bwd(zAt * 4, cAt * 4, dAt * 4, oAt * 4, k, u);
      out.set(f.subarray(oAt, oAt + k * 5 * u), r * 5 * u);
    }
  }
}

let shared: WasmLstm | null | undefined;

/** The process's LSTM kernels, built on first use (null where WebAssembly SIMD is unavailable). */
export function wasmLstm(): WasmLstm | null {
  if (shared === undefined) shared = WasmLstm.create();
  return shared;
}
