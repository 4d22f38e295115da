/**
 * A tiny WebAssembly binary emitter: just enough of the format (types, an imported
 * memory, functions, exports, code; LEB128; the scalar and SIMD opcodes the GEMM uses)
 * to build modules at run time with no toolchain.
 */

export const I32 = 0x7f;
export const F32 = 0x7d;
export const V128 = 0x7b;
export type ValType = typeof I32 | typeof F32 | typeof V128;

/** Scalar opcodes. */
export const Op = {
  block: 0x02, loop: 0x03, if: 0x04, else: 0x05, end: 0x0b, br: 0x0c, brIf: 0x0d, return: 0x0f,
  call: 0x10, select: 0x1b,
  localGet: 0x20, localSet: 0x21, localTee: 0x22,
  i32Const: 0x41, i32Eqz: 0x45, i32Ne: 0x47, i32LtS: 0x48, i32LtU: 0x49, i32GtS: 0x4a, i32GtU: 0x4b,
  i32Add: 0x6a, i32Sub: 0x6b, i32Mul: 0x6c, i32DivU: 0x6e, i32And: 0x71, i32ShrU: 0x76,
  f32Load: 0x2a, f32Store: 0x38, i64Load: 0x29, i64Store: 0x37,
  void: 0x40,
  // reductions (wasm/reduce.ts): a float64 row sum is stored from the stack, no f64 locals needed
  f64Store: 0x39, f64Add: 0xa0, f32DemoteF64: 0xb6,
} as const;

/** SIMD opcodes (after the 0xfd prefix), from the WebAssembly SIMD specification: the one table every emitted module uses. */
export const Simd = {
  // memory
  v128Load: 0x00, v128Load32Splat: 0x09, v128Load64Splat: 0x0a, v128Store: 0x0b, v128Const: 0x0c,
  v128Load32Zero: 0x5c, v128Load64Zero: 0x5d,
  // lanes
  i8x16Shuffle: 0x0d, i32x4Splat: 0x11, f32x4Splat: 0x13, f32x4ExtractLane: 0x1f, f64x2ExtractLane: 0x21,
  // comparisons and bitwise
  i32x4GtS: 0x3b, f32x4Eq: 0x41, f32x4Ne: 0x42, f32x4Lt: 0x43, f32x4Gt: 0x44,
  v128And: 0x4e, v128Or: 0x50, v128Bitselect: 0x52, v128AnyTrue: 0x53,
  // conversions
  f32x4DemoteF64x2Zero: 0x5e, f64x2PromoteLowF32x4: 0x5f, f32x4ConvertI32x4S: 0xfa,
  // f32x4 rounding
  f32x4Ceil: 0x67, f32x4Floor: 0x68, f32x4Nearest: 0x6a,
  // i32x4 arithmetic
  i32x4Neg: 0xa1, i32x4Shl: 0xab, i32x4ShrS: 0xac, i32x4Add: 0xae, i32x4Sub: 0xb1,
  // f32x4 and f64x2 arithmetic
  f32x4Abs: 0xe0, f32x4Neg: 0xe1, f32x4Sqrt: 0xe3, f32x4Add: 0xe4, f32x4Sub: 0xe5, f32x4Mul: 0xe6, f32x4Div: 0xe7,
  f32x4Min: 0xe8, f32x4Max: 0xe9, f32x4Pmin: 0xea, f32x4Pmax: 0xeb, f64x2Add: 0xf0,
  /** Relaxed SIMD: a * b + c, fused where the hardware has FMA (validates only where relaxed SIMD is on). */
  f32x4RelaxedMadd: 0x105,
} as const;

export function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n = Math.floor(n / 128);
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
}

export function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const byte = n & 0x7f;
    n >>= 7;
    const done = (n === 0 && (byte & 0x40) === 0) || (n === -1 && (byte & 0x40) !== 0);
    out.push(done ? byte : byte | 0x80);
    if (done) return out;
  }
}

const utf8 = (s: string): number[] => [...new TextEncoder().encode(s)];
const name = (s: string): number[] => [...uleb(utf8(s).length), ...utf8(s)];
const vec = (items: number[][]): number[] => [...uleb(items.length), ...items.flat()];
const section = (id: number, body: number[]): number[] => [id, ...uleb(body.length), ...body];

/** Instruction builder for one function body. */
export class Code {
  readonly bytes: number[] = [];
  op(...bytes: number[]): this {
    this.bytes.push(...bytes);
    return this;
  }
  get(local: number): this {
    return this.op(Op.localGet, ...uleb(local));
  }
  set(local: number): this {
    return this.op(Op.localSet, ...uleb(local));
  }
  tee(local: number): this {
    return this.op(Op.localTee, ...uleb(local));
  }
  i32(value: number): this {
    return this.op(Op.i32Const, ...sleb(value | 0));
  }
  /** A SIMD instruction: 0xfd, the opcode as LEB128, then immediates. */
  simd(opcode: number, ...imm: number[]): this {
    return this.op(0xfd, ...uleb(opcode), ...imm);
  }
  /** v128.load with a byte offset (align hint 16 bytes). */
  load(offset = 0): this {
    return this.simd(Simd.v128Load, 4, ...uleb(offset));
  }
  store(offset = 0): this {
    return this.simd(Simd.v128Store, 4, ...uleb(offset));
  }
  /** v128.load32_splat: one f32 broadcast to the four lanes. */
  splatLoad(offset = 0): this {
    return this.simd(Simd.v128Load32Splat, 2, ...uleb(offset));
  }
  zero(): this {
    return this.simd(Simd.v128Const, ...new Array<number>(16).fill(0));
  }
}

export interface FuncDef {
  readonly name: string;
  readonly params: readonly ValType[];
  readonly results: readonly ValType[];
  /** Extra locals after the params, in order. */
  readonly locals: readonly ValType[];
  readonly body: Code;
}

export interface ModuleDef {
  /** An imported memory `module.field` (shared memories need a maximum). */
  readonly memory: { module: string; field: string; initial: number; maximum?: number; shared?: boolean };
  readonly funcs: readonly FuncDef[];
}

/** The module's binary encoding. */
export function emitModule(def: ModuleDef): Uint8Array<ArrayBuffer> {
  const { memory: mem, funcs } = def;
  const types = funcs.map((f) => [0x60, ...vec(f.params.map((t) => [t])), ...vec(f.results.map((t) => [t]))]);
  const flags = mem.shared ? 0x03 : mem.maximum !== undefined ? 0x01 : 0x00;
  const limits = [flags, ...uleb(mem.initial), ...(mem.maximum !== undefined ? uleb(mem.maximum) : [])];
  const imports = vec([[...name(mem.module), ...name(mem.field), 0x02, ...limits]]);
  const bodies = funcs.map((f) => {
    // locals run-length encoded by type
    const groups: number[][] = [];
    for (let i = 0; i < f.locals.length; ) {
      let j = i;
      while (j < f.locals.length && f.locals[j] === f.locals[i]) j++;
      groups.push([...uleb(j - i), f.locals[i]!]);
      i = j;
    }
    const body = [...vec(groups), ...f.body.bytes, Op.end];
    return [...uleb(body.length), ...body];
  });
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vec(types)),
    ...section(2, imports),
    ...section(3, vec(funcs.map((_, i) => uleb(i)))),
    ...section(7, vec(funcs.map((f, i) => [...name(f.name), 0x00, ...uleb(i)]))),
    ...section(10, vec(bodies)),
  ]);
}

/**
 * `make(module)` for the compiled bytes, or null where they do not validate (no WebAssembly SIMD
 * here) or anything in between throws: every kernel module then falls back to its JS loops.
 */
export function buildModule<T>(bytes: Uint8Array<ArrayBuffer>, make: (module: WebAssembly.Module) => T): T | null {
  try {
    return WebAssembly.validate(bytes) ? make(new WebAssembly.Module(bytes)) : null;
  } catch {
    return null;
  }
}
