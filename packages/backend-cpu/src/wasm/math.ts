import { heapAlloc, heapBuffer, heapFree, heapMemory, kernelMemory } from '../heap.js';
import { buildModule, Code, emitModule, I32, Op, Simd, V128, type FuncDef, type ValType } from './emit.js';

/**
 * Vectorized float32 exp, sigmoid and tanh for WebAssembly SIMD (four lanes per instruction),
 * as emitters that append their instructions to a function body. Math.exp / Math.tanh cost
 * 20-40 ns a call in V8; these cost a few ns per lane, which is what makes the fused LSTM cell
 * (wasm/lstm.ts) and softmax (wasm/softmax.ts) worth doing in wasm.
 *
 * Accuracy (asserted in test/wasm-math.test.ts; measured 1 ulp / 2 ulp at worst): exp within 2 ulp
 * of the correctly rounded value over its normal outputs (gradual underflow below, +Infinity above
 * ~88.72, NaN → NaN); sigmoid and tanh within 1e-6 relative, with exact limits at ±Infinity and
 * exact ±0. Plain SIMD only (no relaxed FMA), so results are the same on every engine.
 */

/** Short names for the SIMD opcodes (emit.ts's Simd) used here and in lstm.ts / softmax.ts. */
export const S = {
  i8x16Shuffle: Simd.i8x16Shuffle, i32x4Splat: Simd.i32x4Splat, f32x4Splat: Simd.f32x4Splat,
  f32x4ExtractLane: Simd.f32x4ExtractLane, f64x2ExtractLane: Simd.f64x2ExtractLane,
  i32x4GtS: Simd.i32x4GtS, f32x4Eq: Simd.f32x4Eq, f32x4Lt: Simd.f32x4Lt,
  and: Simd.v128And, or: Simd.v128Or, bitselect: Simd.v128Bitselect, anyTrue: Simd.v128AnyTrue,
  f64x2PromoteLowF32x4: Simd.f64x2PromoteLowF32x4,
  i32x4Shl: Simd.i32x4Shl, i32x4ShrS: Simd.i32x4ShrS, i32x4Add: Simd.i32x4Add, i32x4Sub: Simd.i32x4Sub,
  add: Simd.f32x4Add, sub: Simd.f32x4Sub, mul: Simd.f32x4Mul, div: Simd.f32x4Div,
  pmin: Simd.f32x4Pmin, pmax: Simd.f32x4Pmax,
  f64x2Add: Simd.f64x2Add,
} as const;

/** Short names for the scalar opcodes (emit.ts's Op) used by softmax.ts. */
export const ScalarOp = { f64Add: Op.f64Add, f32DemoteF64: Op.f32DemoteF64 } as const;

/** A function's locals after its parameters, handed out one at a time (V8 keeps them in registers or spills as it sees fit). */
export class Locals {
  readonly types: ValType[] = [];
  constructor(private readonly paramCount: number) {}
  private add(type: ValType): number {
    this.types.push(type);
    return this.paramCount + this.types.length - 1;
  }
  v128(): number {
    return this.add(V128);
  }
  i32(): number {
    return this.add(I32);
  }
}

const f32Bits = (value: number): number => new Int32Array(Float32Array.of(value).buffer)[0]!;

/**
 * An emitter's context: the body being built, its locals, and a pool of splatted constants.
 * Constants live in locals set once at function entry (see `finish`): V8 does not hoist a
 * v128.const out of a loop, and materialising one costs several instructions each use.
 */
export class Emitter {
  readonly c = new Code();
  readonly locals: Locals;
  private readonly consts = new Map<number, number>(); // int32 bit pattern -> local

  constructor(readonly params: readonly ValType[]) {
    this.locals = new Locals(params.length);
  }

  /** Pushes a v128 whose four lanes hold the int32 bit pattern `bits`. */
  bits(bits: number): this {
    bits |= 0;
    let local = this.consts.get(bits);
    if (local === undefined) {
      local = this.locals.v128();
      this.consts.set(bits, local);
    }
    this.c.get(local);
    return this;
  }

  /** Pushes float32(value) splatted to four lanes. */
  f32(value: number): this {
    return this.bits(f32Bits(value));
  }

  /** The function: the constants' initialisation, then the body. */
  finish(name: string, results: readonly ValType[] = []): FuncDef {
    const body = new Code();
    for (const [bits, local] of this.consts) body.i32(bits).simd(S.i32x4Splat).set(local);
    body.op(...this.c.bytes);
    return { name, params: this.params, results, locals: this.locals.types, body };
  }
}

const SIGN = 0x80000000 | 0;
const ABS = 0x7fffffff;

/**
 * Clamp bounds. Below LO every result rounds to 0 (e^-104 < 2^-150, half the least subnormal);
 * above HI every result is +Infinity (e^89 > FLT_MAX). The clamp keeps n = round(x / ln 2) in
 * [-150, 129], so the two scale factors below stay normal. pmax/pmin (one maxps/minps each) keep a
 * NaN x: pmax(x, LO) = x < LO ? LO : x, and NaN < LO is false.
 */
const LO = -104;
const HI = 89;
/** 1.5·2^23: adding it rounds x/ln2 to an integer (ties to even) held in the low mantissa bits. */
const SHIFTER = 12582912;
/** Cody-Waite: ln 2 = C1 + C2, C1 with 9 significant bits so n·C1 is exact for |n| ≤ 2^15. */
const C1 = 0.693359375;
const C2 = -2.12194440e-4;
/** Cephes expf: e^r ≈ 1 + r + r²·P(r) on |r| ≤ ln2/2, P of degree 5. */
const EXP_P = [1.9875691500e-4, 1.3981999507e-3, 8.3334519073e-3, 4.1665795894e-2, 1.6666665459e-1, 5.0000001201e-1];

/**
 * Lower clamp of the exp of non-positive arguments: round(-88 / ln2) = -127, whose biased
 * exponent is 0, so the scale factor's bits are +0 and every x ≤ ~-87.68 gives exactly 0
 * (results below 2^-126, the normal range, are flushed to 0 there or rounded once as
 * subnormals by the last multiply just above).
 */
const LO_NONPOSITIVE = -88;

/**
 * Pushes exp(x) for the v128 in local x. x = n·ln2 + r, e^x = 2^n·e^r; 2^n is applied as
 * 2^(n>>1)·2^(n-(n>>1)), two factors built by shifting biased exponents into place, so that
 * n = 128 (x up to 88.72, FLT_MAX) and n down to -150 (subnormal results, rounded once by the
 * last multiply) need no special cases. A NaN x gives a NaN r and so a NaN result.
 *
 * With `nonPositive` (the caller guarantees x ≤ 0 or NaN, as sigmoid and tanh's e^-|x|), 2^n is
 * one factor, its biased exponent added by the rounding constant itself: 8 fewer instructions
 * of ~32, and results below the normal range flushed to 0 (see LO_NONPOSITIVE).
 */
export function emitExp(e: Emitter, x: number, nonPositive = false): void {
  const { c, locals } = e;
  const [xc, t, n, n1] = [locals.v128(), locals.v128(), locals.v128(), locals.v128()];
  // xc = min(max(x, LO), HI)
  c.get(x);
  e.f32(nonPositive ? LO_NONPOSITIVE : LO);
  c.simd(S.pmax);
  if (!nonPositive) {
    e.f32(HI);
    c.simd(S.pmin);
  }
  c.tee(xc);
  // t = xc·log2(e) + shifter: n (+ 127 if nonPositive) in t's low bits; fn = t - shifter = n as a float
  const shifter = nonPositive ? SHIFTER + 127 : SHIFTER;
  e.f32(Math.LOG2E);
  c.simd(S.mul);
  e.f32(shifter);
  c.simd(S.add).tee(t);
  e.f32(shifter);
  c.simd(S.sub).set(n); // n (float) for now
  // r = (xc - fn·C1) - fn·C2, held in xc
  c.get(xc).get(n);
  e.f32(C1);
  c.simd(S.mul).simd(S.sub).get(n);
  e.f32(C2);
  c.simd(S.mul).simd(S.sub).set(xc);
  // p = ((P0 r + P1) r² + (P2 r + P3)) r² + (P4 r + P5) (Estrin's scheme: a dependency chain of 6
  // operations, not Horner's 10; one exp's chain is long enough that these loops wait on latency,
  // and a loop of exps ran ~25% faster so), then p·r² + r + 1 (the 1 added last: one rounding of the result)
  const r2 = n1; // free until the scale below
  const pair = (k: number) => {
    c.get(xc);
    e.f32(EXP_P[k]!);
    c.simd(S.mul);
    e.f32(EXP_P[k + 1]!);
    c.simd(S.add);
  };
  c.get(xc).get(xc).simd(S.mul).set(r2);
  pair(0);
  c.get(r2).simd(S.mul);
  pair(2);
  c.simd(S.add).get(r2).simd(S.mul);
  pair(4);
  c.simd(S.add);
  c.get(r2).simd(S.mul).get(xc).simd(S.add);
  e.f32(1);
  c.simd(S.add);
  if (nonPositive) {
    // bits(t) = bits(shifter) + n, and bits(shifter) << 23 keeps only 127 << 23: the scale's bits are (n + 127) << 23
    c.get(t).i32(23).simd(S.i32x4Shl).simd(S.mul);
    return;
  }
  // n as int32 = bits(t) - bits(SHIFTER); n1 = n >> 1
  c.get(t);
  e.f32(SHIFTER);
  c.simd(S.i32x4Sub).tee(n).i32(1).simd(S.i32x4ShrS).tee(n1);
  // p · 2^n1 · 2^(n - n1): each factor's bits are (k + 127) << 23
  e.bits(127);
  c.simd(S.i32x4Add).i32(23).simd(S.i32x4Shl).simd(S.mul);
  c.get(n).get(n1).simd(S.i32x4Sub);
  e.bits(127);
  c.simd(S.i32x4Add).i32(23).simd(S.i32x4Shl).simd(S.mul);
}

/**
 * Sets local `out` to exp(-|x|) ∈ [0, 1] and local `neg` to all-ones in the lanes where x's sign bit
 * is set: the common part of sigmoid and its complement. Working from exp(-|x|) never overflows,
 * and gives both σ(x) and 1 - σ(x) to full relative precision (one of them is e^-|x|/(1 + e^-|x|)),
 * where 1 - σ(x) computed by subtraction loses everything once σ(x) rounds to 1.
 */
function expNegAbs(e: Emitter, x: number, out: number, neg: number): void {
  const { c } = e;
  c.get(x);
  e.bits(SIGN);
  c.simd(S.or).set(out);
  emitExp(e, out, true);
  c.set(out);
  c.get(x).i32(31).simd(S.i32x4ShrS).set(neg);
}

/** Pushes σ(x) = 1 / (1 + e^-x), as 1 / (1 + e^-|x|) for x ≥ 0 and e^-|x| / (1 + e^-|x|) for x < 0 (one division). */
export function emitSigmoid(e: Emitter, x: number): void {
  const { c, locals } = e;
  const [ex, neg] = [locals.v128(), locals.v128()];
  expNegAbs(e, x, ex, neg);
  // numerator: e^-|x| where x < 0, else 1
  c.get(ex);
  e.f32(1);
  c.get(neg).simd(S.bitselect);
  c.get(ex);
  e.f32(1);
  c.simd(S.add).simd(S.div);
}

/**
 * Sets local s to σ(x) and local sc to 1 - σ(x) = σ(-x), each to full relative precision (so their
 * product, σ'(x), is accurate even where σ(x) rounds to 1). NaN gives NaN in both; ±Infinity gives
 * exactly 0 and 1.
 */
export function emitSigmoidPair(e: Emitter, x: number, s: number, sc: number): void {
  const { c, locals } = e;
  const [ex, neg, big] = [locals.v128(), locals.v128(), locals.v128()];
  expNegAbs(e, x, ex, neg);
  // big = 1 / (1 + e^-|x|) (the one ≥ 1/2), small = e^-|x| · big
  e.f32(1);
  c.get(ex);
  e.f32(1);
  c.simd(S.add).simd(S.div).tee(big);
  c.get(ex).simd(S.mul).set(sc); // small, for now
  c.get(sc).get(big).get(neg).simd(S.bitselect); // σ(x): small where x < 0
  c.get(big).get(sc).get(neg).simd(S.bitselect).set(sc);
  c.set(s);
}

/** tanh's odd polynomial below this |x| (Cephes tanhf); exp-based above, where 1 - e^-2|x| no longer cancels much. */
const TANH_SMALL = 0.625;
/** Cephes tanhf: tanh(a) ≈ a + a·z·Q(z), z = a², on |a| < 0.625. */
const TANH_Q = [-5.70498872745e-3, 2.06390887954e-2, -5.37397155531e-2, 1.33314422036e-1, -3.33332819422e-1];

/**
 * Pushes tanh(x). On |x| < 0.625 an odd polynomial (relative accuracy down to the smallest
 * subnormals, where it returns x itself; exact ±0); above, (1 - E)·q with E = e^-2|x| ∈ [0, 1) and
 * q = 1/(1 + E), the same as 1 - 2/(e^2|x| + 1) but with no overflow (tanh(±large) = ±1 exactly). Both are computed for all lanes and picked per lane with
 * bitselect on |x|, then x's sign bit is put back (tanh is odd). NaN gives NaN (fails the < test, and
 * both forms are NaN anyway). If `deriv` is given, also sets that local to 1 - tanh(x)², accurate near
 * |tanh| = 1 too: 4E / (1 + E)² from E rather than 1 - t² of a rounded t.
 */
export function emitTanh(e: Emitter, x: number, deriv?: number): void {
  const { c, locals } = e;
  const [a, z, ex, q, small, isSmall] = [locals.v128(), locals.v128(), locals.v128(), locals.v128(), locals.v128(), locals.v128()];
  c.get(x);
  e.bits(ABS);
  c.simd(S.and).set(a);
  // small = a + a·z·Q(z)
  c.get(a).get(a).simd(S.mul).tee(z);
  e.f32(TANH_Q[0]!);
  c.simd(S.mul);
  for (let k = 1; k < TANH_Q.length; k++) {
    e.f32(TANH_Q[k]!);
    c.simd(S.add);
    if (k < TANH_Q.length - 1) c.get(z).simd(S.mul);
  }
  c.get(z).simd(S.mul).get(a).simd(S.mul).get(a).simd(S.add).set(small);
  // E = e^-2a; q = 1/(1 + E); large = (1 - E)·q
  c.get(a);
  e.f32(-2);
  c.simd(S.mul).set(ex);
  emitExp(e, ex, true);
  c.set(ex);
  e.f32(1);
  e.f32(1);
  c.get(ex).simd(S.add).simd(S.div).set(q);
  c.get(a);
  e.f32(TANH_SMALL);
  c.simd(S.f32x4Lt).set(isSmall);
  if (deriv !== undefined) {
    // 1 - t²: from the polynomial's t where small, else 4E·q²
    e.f32(1);
    c.get(small).get(small).simd(S.mul).simd(S.sub);
    c.get(ex).get(q).simd(S.mul).get(q);
    e.f32(4);
    c.simd(S.mul).simd(S.mul);
    c.get(isSmall).simd(S.bitselect).set(deriv);
  }
  c.get(small);
  e.f32(1);
  c.get(ex).simd(S.sub).get(q).simd(S.mul);
  c.get(isSmall).simd(S.bitselect);
  // sign restored: the result is ≥ +0 (or NaN) before this
  c.get(x);
  e.bits(SIGN);
  c.simd(S.and).simd(S.or);
}

/** 'expNonPositive' is exp's x ≤ 0 form (other inputs give garbage): sigmoid and tanh use it. */
export type MathFn = 'exp' | 'expNonPositive' | 'sigmoid' | 'tanh';
const MATH_FNS: readonly MathFn[] = ['exp', 'expNonPositive', 'sigmoid', 'tanh'];

/**
 * A loop `fn(src, out, count)` over count ≥ 1 vectors applying one of the functions above; the
 * standalone form tests (and any elementwise use) can call.
 */
function emitMap(name: MathFn): FuncDef {
  const [SRC, OUT, COUNT] = [0, 1, 2];
  const e = new Emitter([I32, I32, I32]);
  const { c } = e;
  const x = e.locals.v128();
  c.op(Op.loop, Op.void);
  c.get(SRC).load().set(x);
  c.get(OUT);
  if (name === 'exp' || name === 'expNonPositive') emitExp(e, x, name === 'expNonPositive');
  else if (name === 'sigmoid') emitSigmoid(e, x);
  else emitTanh(e, x);
  c.store();
  for (const p of [SRC, OUT]) c.get(p).i32(16).op(Op.i32Add).set(p);
  c.get(COUNT).i32(1).op(Op.i32Sub).tee(COUNT).op(Op.brIf, 0);
  c.op(Op.end);
  return e.finish(name);
}

/** Floats per call of WasmMath.map (64 KiB). */
const MAP_CHUNK = 16384;

/** exp, sigmoid and tanh over float32 arrays (null without WebAssembly SIMD). */
export class WasmMath {
  private readonly f32: Float32Array;
  private readonly fns: Record<MathFn, (src: number, out: number, count: number) => void>;

  private constructor(module: WebAssembly.Module) {
    const memory = new WebAssembly.Memory({ initial: 1 });
    const exports = new WebAssembly.Instance(module, { env: { memory } }).exports;
    this.f32 = new Float32Array(memory.buffer);
    this.fns = exports as unknown as typeof this.fns;
  }

  static create(): WasmMath | null {
    if (typeof WebAssembly === 'undefined') return null;
    const bytes = emitModule({ memory: { module: 'env', field: 'memory', initial: 1 }, funcs: MATH_FNS.map(emitMap) });
    return buildModule(bytes, (module) => new WasmMath(module));
  }

  /** fn applied to every element of src, into a new array. */
  map(fn: MathFn, src: Float32Array): Float32Array {
    const out = new Float32Array(src.length);
    for (let i = 0; i < src.length; i += MAP_CHUNK) {
      const len = Math.min(MAP_CHUNK, src.length - i);
      this.f32.set(src.subarray(i, i + len), 0);
      this.fns[fn](0, 0, (len + 3) >> 2);
      out.set(this.f32.subarray(0, len), i);
    }
    return out;
  }
}

/**
 * A kernel module's memory and its scratch block, which grows on demand (kernelMemory in heap.ts
 * gives the initial one): the staging area for operands that are not on the wasm heap, and any
 * area of the module's own (accumulators, per-row statistics).
 *
 * On the heap, a larger block replaces the old one (heapFree, then heapAlloc: the heap itself
 * grows only through its allocator); with no heap, the module's private memory grows, as the
 * modules did before the heap. `f32` / `f64` view just the block (never the whole memory, which
 * a later heap growth would leave partly outside an old view), and are renewed when it moves.
 */
export class Scratch {
  readonly memory: WebAssembly.Memory;
  /** The memory import for emit.ts's ModuleDef. */
  readonly spec: ReturnType<typeof kernelMemory>['spec'];
  /** Byte address of the block. */
  at: number;
  /** Its usable bytes. */
  bytes: number;
  f32!: Float32Array;
  f64!: Float64Array;
  private readonly onHeap: boolean;

  constructor(bytes: number) {
    const km = kernelMemory(bytes);
    this.memory = km.memory;
    this.spec = km.spec;
    this.at = km.scratch;
    this.bytes = bytes;
    this.onHeap = km.memory === heapMemory();
    this.view();
  }

  /** Makes the block at least `bytes` long (its contents are not kept), renewing the views if it moved. */
  ensure(bytes: number): void {
    if (bytes <= this.bytes) return;
    bytes = (Math.max(bytes, this.bytes + (this.bytes >> 1)) + 15) & ~15; // a few steps for a growing workload
    if (this.onHeap) {
      heapFree(this.at);
      const at = heapAlloc(bytes);
      if (at === 0) {
        this.at = heapAlloc(this.bytes); // the block just freed: it fits again
        this.view();
        throw new RangeError(`wasm heap: no room for ${bytes} bytes of kernel scratch`);
      }
      this.at = at;
    } else {
      const have = this.memory.buffer.byteLength;
      if (bytes > have) this.memory.grow(Math.ceil((bytes - have) / 65536));
    }
    this.bytes = bytes;
    this.view();
  }

  private view(): void {
    const buffer = (this.onHeap ? heapBuffer()! : this.memory.buffer) as ArrayBuffer;
    this.f32 = new Float32Array(buffer, this.at, this.bytes >> 2);
    this.f64 = new Float64Array(buffer, this.at, this.bytes >> 3);
  }
}
