import { heapAddress, kernelMemory } from '../heap.js';
import { buildModule, Code, emitModule, F32, I32, Op, Simd, V128, type FuncDef, type ValType } from './emit.js';

/**
 * float32 elementwise ops in WebAssembly SIMD, four lanes per instruction.
 *
 * Tensors on the wasm heap are computed in place; other arrays are streamed through two scratch
 * slots in chunks (CHUNK floats, 64 KiB an operand, so a chunk stays in L2 between the copy in,
 * the v128 pass and the copy out).
 *
 * Every op here is one correctly rounded IEEE operation on float32 lanes, so its results equal the
 * JS reference loops' bit for bit: those compute in float64 and round to float32 on store, and for
 * +, -, ·, / and sqrt of float32 operands float64 has enough precision (53 ≥ 2·24 + 2 bits) that the
 * double rounding equals the single one; neg, abs, floor, ceil and nearest are exact. max/min use
 * f32x4.max/min, which (unlike pmax/pmin) return NaN when either lane is NaN and order -0 < +0, as
 * Math.max/Math.min do; relu is max(x, +0), so relu(-0) = +0 and relu(NaN) = NaN, as the reference.
 * NaN payloads and signs may differ (neither JS nor wasm specifies them; V8's own JS tiers differ).
 */

/** The f32x4 opcodes of the elementwise ops (emit.ts's Simd). */
const F32X4 = {
  ceil: Simd.f32x4Ceil, floor: Simd.f32x4Floor, nearest: Simd.f32x4Nearest,
  abs: Simd.f32x4Abs, neg: Simd.f32x4Neg, sqrt: Simd.f32x4Sqrt,
  add: Simd.f32x4Add, sub: Simd.f32x4Sub, mul: Simd.f32x4Mul, div: Simd.f32x4Div, min: Simd.f32x4Min, max: Simd.f32x4Max,
} as const;

export type WasmBinaryOp = 'add' | 'sub' | 'mul' | 'div' | 'maximum' | 'minimum';
export type WasmUnaryOp = 'relu' | 'neg' | 'abs' | 'square' | 'sqrt' | 'reciprocal' | 'floor' | 'ceil' | 'round';

const BINARY: Record<WasmBinaryOp, number> = {
  add: F32X4.add, sub: F32X4.sub, mul: F32X4.mul, div: F32X4.div, maximum: F32X4.max, minimum: F32X4.min,
};

/** Each unary op as the instructions that turn the v128 on the stack into the result (X holds the input). */
const UNARY: Record<WasmUnaryOp, (c: Code, x: number) => void> = {
  relu: (c) => c.zero().simd(F32X4.max),
  neg: (c) => c.simd(F32X4.neg),
  abs: (c) => c.simd(F32X4.abs),
  square: (c, x) => c.get(x).simd(F32X4.mul),
  sqrt: (c) => c.simd(F32X4.sqrt),
  // 1 / x: the constant 1.0 is splatted and the input swapped under it through the local
  reciprocal: (c, x) => c.set(x).i32(0x3f800000).simd(Simd.i32x4Splat).get(x).simd(F32X4.div),
  floor: (c) => c.simd(F32X4.floor),
  ceil: (c) => c.simd(F32X4.ceil),
  round: (c) => c.simd(F32X4.nearest), // ties to even, -0.5 -> -0: roundHalfEven
};

export const WASM_BINARY_OPS = new Set<string>(Object.keys(BINARY));
export const WASM_UNARY_OPS = new Set<string>(Object.keys(UNARY));

/**
 * One do-while loop over `count` vectors (count ≥ 1), at byte addresses a, b (inputs) and out.
 * mode 0: a[i] op b[i]; 1: a[i] op s; 2: s op b[i] (s a scalar parameter, splatted once).
 */
function emitBinary(opcode: number, mode: 0 | 1 | 2): Code {
  const [A, B, OUT, COUNT, S, SV] = [0, 1, 2, 3, 4, 5];
  const c = new Code();
  c.get(S).simd(Simd.f32x4Splat).set(SV);
  c.op(Op.loop, Op.void);
  c.get(OUT);
  if (mode === 2) c.get(SV);
  else c.get(A).load();
  if (mode === 1) c.get(SV);
  else c.get(B).load();
  c.simd(opcode).store();
  for (const p of [A, B, OUT]) c.get(p).i32(16).op(Op.i32Add).set(p);
  c.get(COUNT).i32(1).op(Op.i32Sub).tee(COUNT).op(Op.brIf, 0);
  c.op(Op.end);
  return c;
}

/**
 * A row broadcast over `rows` rows of n4 vectors: out[r][j] = x[r][j] op row[j] (rowFirst:
 * row[j] op x[r][j]), the row (bias, scale) read from its few vectors instead of materialized.
 */
function emitRows(opcode: number, rowFirst: boolean): Code {
  const [X, ROW, OUT, ROWS, N4, P, C] = [0, 1, 2, 3, 4, 5, 6];
  const c = new Code();
  c.op(Op.loop, Op.void); // rows
  c.get(ROW).set(P).get(N4).set(C);
  c.op(Op.loop, Op.void); // vectors
  c.get(OUT);
  if (rowFirst) c.get(P).load().get(X).load();
  else c.get(X).load().get(P).load();
  c.simd(opcode).store();
  for (const p of [X, P, OUT]) c.get(p).i32(16).op(Op.i32Add).set(p);
  c.get(C).i32(1).op(Op.i32Sub).tee(C).op(Op.brIf, 0);
  c.op(Op.end); // vectors
  c.get(ROWS).i32(1).op(Op.i32Sub).tee(ROWS).op(Op.brIf, 0);
  c.op(Op.end); // rows
  return c;
}

function emitUnary(op: WasmUnaryOp): Code {
  const [SRC, OUT, COUNT, X] = [0, 1, 2, 3];
  const c = new Code();
  c.op(Op.loop, Op.void);
  c.get(OUT).get(SRC).load().tee(X);
  UNARY[op](c, X);
  c.store();
  for (const p of [SRC, OUT]) c.get(p).i32(16).op(Op.i32Add).set(p);
  c.get(COUNT).i32(1).op(Op.i32Sub).tee(COUNT).op(Op.brIf, 0);
  c.op(Op.end);
  return c;
}

type BinaryFn = (a: number, b: number, out: number, count: number, s: number) => void;
type UnaryFn = (src: number, out: number, count: number) => void;
type RowsFn = (x: number, row: number, out: number, rows: number, n4: number) => void;

/**
 * Floats per operand per chunk: 64 KiB, so both inputs stay in L2 between the copy in, the
 * SIMD pass and the copy out. Measured (mul, ns per element at 4K / 64K / 1M floats): chunks of
 * 4K to 64K floats all ~0.6 / 0.6 / 0.9; 256K floats 1.25 at 1M (the chunk falls out of L2).
 */
export const CHUNK = 16384;
/** Two operand slots of CHUNK floats. */
const SLOT_BYTES = 2 * CHUNK * 4;

/**
 * A module instance on the wasm heap (heap.ts) when there is one, else on a memory of its own.
 * Operands on the heap are read and written where they are; any other array ("foreign": a user's
 * data, or everything when there is no heap) is streamed through two scratch slots of CHUNK
 * floats, copied in with `TypedArray.set` (a memcpy) and out the same way.
 */
export class WasmElementwise {
  /** Over the scratch slots (allocated first, so this view never needs refreshing as the heap grows). */
  private readonly f32: Float32Array;
  /** Byte address of slot 0 (slot 1 follows at + CHUNK floats). */
  private readonly slot: number;
  /** op -> the functions of modes 0, 1, 2 (looked up without building a name per call) */
  private readonly binaryFns: Record<string, BinaryFn[]>;
  private readonly unaryFns: Record<string, UnaryFn>;
  /** op -> [x op row, row op x] */
  private readonly rowsFns: Record<string, RowsFn[]>;

  private constructor(module: WebAssembly.Module, memory: WebAssembly.Memory, slot: number) {
    const instance = new WebAssembly.Instance(module, { env: { memory } });
    this.f32 = new Float32Array(memory.buffer);
    this.slot = slot;
    this.binaryFns = {};
    this.unaryFns = {};
    this.rowsFns = {};
    for (const [name, fn] of Object.entries(instance.exports)) {
      if (name.startsWith('u_')) this.unaryFns[name.slice(2)] = fn as UnaryFn;
      else if (name.startsWith('r_')) (this.rowsFns[name.slice(2, -1)] ??= [])[Number(name.slice(-1))] = fn as RowsFn;
      else (this.binaryFns[name.slice(0, -1)] ??= [])[Number(name.slice(-1))] = fn as BinaryFn;
    }
  }

  /** null where WebAssembly or its SIMD proposal is unavailable. */
  static create(): WasmElementwise | null {
    if (typeof WebAssembly === 'undefined') return null;
    const funcs: FuncDef[] = [];
    const binParams: ValType[] = [I32, I32, I32, I32, F32];
    for (const [op, opcode] of Object.entries(BINARY)) {
      for (const mode of [0, 1, 2] as const) {
        funcs.push({ name: `${op}${mode}`, params: binParams, results: [], locals: [V128], body: emitBinary(opcode, mode) });
      }
      for (const rowFirst of [false, true]) {
        funcs.push({ name: `r_${op}${rowFirst ? 1 : 0}`, params: [I32, I32, I32, I32, I32], results: [], locals: [I32, I32], body: emitRows(opcode, rowFirst) });
      }
    }
    for (const op of Object.keys(UNARY) as WasmUnaryOp[]) {
      funcs.push({ name: `u_${op}`, params: [I32, I32, I32], results: [], locals: [V128], body: emitUnary(op) });
    }
    const onHeap = kernelMemory(SLOT_BYTES);
    const bytes = emitModule({ memory: onHeap.spec, funcs });
    return buildModule(bytes, (module) => new WasmElementwise(module, onHeap.memory, onHeap.scratch));
  }

  /**
   * out = a op b over n floats. mode 0: a and b are arrays of n; 1: b is the scalar sb (a an
   * array); 2: a is the scalar sa (b an array). out may be a or b (each chunk is read before it is
   * written) but no other overlap of them.
   */
  binary(op: WasmBinaryOp, a: Float32Array, b: Float32Array, out: Float32Array, n: number, sa: number, sb: number, mode: 0 | 1 | 2): void {
    const fn = this.binaryFns[op]![mode]!;
    const s = mode === 1 ? sb : sa;
    const A = mode === 2 ? 0 : heapAddress(a);
    const B = mode === 1 ? 0 : heapAddress(b);
    const O = heapAddress(out);
    let i = 0;
    if (A >= 0 && B >= 0 && O >= 0) {
      // all on the heap: whole vectors in place, one call; the last n % 4 through a slot (a
      // vector store there would write past the view, perhaps into the same array's next floats)
      const whole = n & ~3;
      if (whole > 0) fn(A, B, O, whole >> 2, s);
      i = whole;
    }
    const f = this.f32;
    const s0 = this.slot;
    const s1 = s0 + CHUNK * 4;
    for (; i < n; i += CHUNK) {
      const len = Math.min(CHUNK, n - i);
      // lanes past len in the last vector read stale floats (or a heap neighbour's): computed
      // (no trap on any value) but never stored past len
      let aPtr = A + i * 4;
      let bPtr = B + i * 4;
      if (mode !== 2 && A < 0) f.set(len === a.length ? a : a.subarray(i, i + len), (aPtr = s0) >> 2);
      if (mode !== 1 && B < 0) f.set(len === b.length ? b : b.subarray(i, i + len), (bPtr = s1) >> 2);
      const inPlace = O >= 0 && (len & 3) === 0;
      fn(aPtr, bPtr, inPlace ? O + i * 4 : s0, (len + 3) >> 2, s);
      if (!inPlace) out.set(f.subarray(s0 >> 2, (s0 >> 2) + len), i);
    }
  }

  /**
   * out = x op row (rowFirst: row op x) for `rows` rows of `row.length` floats, the row repeated
   * (a bias over a batch): x and out on the heap, the row's length a multiple of 4 and at most
   * CHUNK (a JS row is staged once); false, computing nothing, where that does not hold.
   */
  binaryRows(op: WasmBinaryOp, x: Float32Array, row: Float32Array, out: Float32Array, rows: number, rowFirst: boolean): boolean {
    const n = row.length;
    const X = heapAddress(x);
    const O = heapAddress(out);
    if (X < 0 || O < 0 || n % 4 !== 0 || n === 0 || n > CHUNK || rows === 0) return false;
    let R = heapAddress(row);
    if (R < 0) {
      this.f32.set(row, (this.slot >> 2) + CHUNK); // slot 1
      R = this.slot + CHUNK * 4;
    }
    this.rowsFns[op]![rowFirst ? 1 : 0]!(X, R, O, rows, n >> 2);
    return true;
  }

  /** out = op(src) over n floats (out may be src). */
  unary(op: WasmUnaryOp, src: Float32Array, out: Float32Array, n: number): void {
    const fn = this.unaryFns[op]!;
    const S = heapAddress(src);
    const O = heapAddress(out);
    let i = 0;
    if (S >= 0 && O >= 0) {
      const whole = n & ~3;
      if (whole > 0) fn(S, O, whole >> 2);
      i = whole;
    }
    const f = this.f32;
    const s0 = this.slot;
    for (; i < n; i += CHUNK) {
      const len = Math.min(CHUNK, n - i);
      let sPtr = S + i * 4;
      if (S < 0) f.set(len === src.length ? src : src.subarray(i, i + len), (sPtr = s0) >> 2);
      const inPlace = O >= 0 && (len & 3) === 0;
      fn(sPtr, inPlace ? O + i * 4 : s0, (len + 3) >> 2);
      if (!inPlace) out.set(f.subarray(s0 >> 2, (s0 >> 2) + len), i);
    }
  }
}

/**
 * Fewest elements worth the trip through wasm: one call costs ~170 ns here (copies in and out,
 * the JS-to-wasm call) whatever n, the JS loops 2-7 ns an element, so below ~48 floats the JS
 * loop is faster (measured on this 2-core Xeon: add at 32 floats 150 ns JS vs 220 wasm, at 64
 * 290 vs 230; relu crosses near 32).
 */
export const WASM_MIN_ELEMENTS = 64;

let shared: WasmElementwise | null | undefined;

/** The process's engine, created on first use (one thread uses it at a time: JS is single-threaded). */
export function wasmElementwise(): WasmElementwise | null {
  if (shared === undefined) shared = WasmElementwise.create();
  return shared;
}
