/**
 * WebAssembly SIMD GEMM. A micro-kernel emitted at run time (see emit.ts) multiplies
 * packed panels: A in MR-row panels [panel][k][MR], B in NR-column panels
 * [panel][k][NR] (NR = 4 * NV floats), both K-major and zero-padded to whole panels,
 * into an MR x NR tile of C held in MR * NV f32x4 accumulators.
 *
 * Shape of the tile (measured on Zen 5 / V8 11.3): V8 gives wasm 16 vector registers
 * on x64, so 8 accumulators (2 x 16) leave room for 4 B vectors and a broadcast; 12+
 * accumulators spill and halve the speed. The k-loop stays rolled (unrolled, V8
 * hoisted loads and spilled). 2 x 16 needs half the broadcast loads per flop of 4 x 8.
 */
import { Code, emitModule, I32, Op, Simd, V128, type ValType } from './emit.js';

export const MR = 2;
const NV = 4;
export const NR = 4 * NV;
/** Depth of a K block: a B micro-panel (KC x NR floats = 16 KiB) stays in L1. */
const KC = 256;
/** Rows of A per block: an MC x KC block of packed A (128 KiB) stays in L2. */
const MC = 128;
const PAGE = 65536;

/**
 * kernel(kc, a, astep, b, c, ldc, tiles, accumulate), all i32 byte addresses/strides:
 * for t < tiles: C[c + t*MR*ldc .. MR x NR tile] (=, or += when accumulate) A panel slice
 * (a + t*astep, kc x MR) times B panel slice (b, kc x NR). ldc is in bytes. kc, tiles > 0.
 */
function emitKernel(mr: number, nv: number): Code {
  const [KCP, A, ASTEP, B, C, LDC, TILES, ACC] = [0, 1, 2, 3, 4, 5, 6, 7];
  const [PA, PB, K, CROW] = [8, 9, 10, 11];
  const acc = (r: number, q: number) => 12 + r * nv + q;
  const bv = (q: number) => 12 + mr * nv + q;
  const av = 12 + mr * nv + nv;
  const c = new Code();
  c.op(Op.loop, Op.void); // tiles
  for (let r = 0; r < mr; r++) for (let q = 0; q < nv; q++) c.zero().set(acc(r, q));
  c.get(A).set(PA).get(B).set(PB).get(KCP).set(K);
  c.op(Op.loop, Op.void); // k
  for (let q = 0; q < nv; q++) c.get(PB).load(16 * q).set(bv(q));
  for (let r = 0; r < mr; r++) {
    c.get(PA).splatLoad(4 * r).set(av);
    for (let q = 0; q < nv; q++) {
      c.get(acc(r, q)).get(av).get(bv(q)).simd(Simd.f32x4Mul).simd(Simd.f32x4Add).set(acc(r, q));
    }
  }
  c.get(PA).i32(4 * mr).op(Op.i32Add).set(PA);
  c.get(PB).i32(16 * nv).op(Op.i32Add).set(PB);
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

/** The GEMM module: imports env.memory, exports `kernel` (an MR x NR tile). */
export function emitGemmModule(options: { shared?: boolean; maximumPages?: number } = {}): Uint8Array<ArrayBuffer> {
  const locals: ValType[] = [I32, I32, I32, I32, ...new Array<ValType>(MR * NV + NV + 1).fill(V128)];
  return emitModule({
    memory: { module: 'env', field: 'memory', initial: 1, maximum: options.maximumPages, shared: options.shared },
    funcs: [{ name: 'kernel', params: new Array<ValType>(8).fill(I32), results: [], locals, body: emitKernel(MR, NV) }],
  });
}

type KernelFn = (kc: number, a: number, astep: number, b: number, c: number, ldc: number, tiles: number, acc: number) => void;

/** A strided float32 matrix: element (i, j) is data[offset + i * rs + j * cs]. */
export interface Mat {
  readonly data: Float32Array;
  readonly offset: number;
  readonly rs: number;
  readonly cs: number;
}

const align = (bytes: number): number => Math.ceil(bytes / 64) * 64;

/**
 * One instance of the kernel with its memory: a scratch arena (bump allocator, reset per
 * product, grown with memory.grow) that holds packed A, packed B and the padded C.
 */
export class WasmGemm {
  readonly memory: WebAssembly.Memory;
  private readonly kernel: KernelFn;
  private f32: Float32Array;
  private top = 0;

  constructor(module: WebAssembly.Module) {
    this.memory = new WebAssembly.Memory({ initial: 16 });
    const instance = new WebAssembly.Instance(module, { env: { memory: this.memory } });
    this.kernel = instance.exports['kernel'] as KernelFn;
    this.f32 = new Float32Array(this.memory.buffer);
    this.warmUp();
  }

  /** Frees the arena (a later product allocates it again from the start). */
  reset(): void {
    this.top = 0;
  }

  /** Bytes of scratch; may grow the memory (views taken before are stale: use `view`). */
  alloc(bytes: number): number {
    const at = this.top;
    this.top = align(at + bytes);
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

  /** Bytes for packed B (k x n). */
  static bBytes(k: number, n: number): number {
    return Math.ceil(n / NR) * NR * k * 4;
  }

  /** B (k x n) into NR-column panels [panel][k][NR] at byte `ptr`, zero-padded. */
  packB(k: number, n: number, b: Mat, ptr: number): void {
    const f = this.f32;
    const { data, rs, cs } = b;
    const panels = Math.ceil(n / NR);
    let q = ptr >> 2;
    for (let p = 0; p < panels; p++) {
      const j0 = p * NR;
      const nr = Math.min(NR, n - j0);
      let src = b.offset + j0 * cs;
      if (nr === NR && cs === 1) {
        for (let kk = 0; kk < k; kk++, q += NR, src += rs) {
          for (let c = 0; c < NR; c++) f[q + c] = data[src + c]!;
        }
      } else {
        for (let kk = 0; kk < k; kk++, q += NR, src += rs) {
          let c = 0;
          for (; c < nr; c++) f[q + c] = data[src + c * cs]!;
          for (; c < NR; c++) f[q + c] = 0;
        }
      }
    }
  }

  /** A (m x k) into MR-row panels [panel][k][MR] at byte `ptr`, zero-padded. */
  packA(m: number, k: number, a: Mat, ptr: number): void {
    const f = this.f32;
    const { data, rs, cs } = a;
    const panels = Math.ceil(m / MR);
    for (let p = 0; p < panels; p++) {
      const base = (ptr >> 2) + p * k * MR;
      for (let r = 0; r < MR; r++) {
        const row = p * MR + r;
        let q = base + r;
        if (row < m) {
          for (let kk = 0, src = a.offset + row * rs; kk < k; kk++, q += MR, src += cs) f[q] = data[src]!;
        } else {
          for (let kk = 0; kk < k; kk++, q += MR) f[q] = 0;
        }
      }
    }
  }

  /**
   * Padded C (ceil(m/MR)*MR x ceil(n/NR)*NR, row-major) at byte `cPtr` = packed A at
   * `aPtr` times packed B at `bPtr`; k > 0. Returns C's row stride in floats.
   */
  compute(m: number, n: number, k: number, aPtr: number, bPtr: number, cPtr: number): number {
    const mp = Math.ceil(m / MR) * MR;
    const panels = Math.ceil(n / NR);
    const ldc = panels * NR;
    const blocks = Math.ceil(k / KC);
    const kcMax = Math.ceil(k / blocks);
    const kernel = this.kernel;
    for (let k0 = 0; k0 < k; k0 += kcMax) {
      const kc = Math.min(kcMax, k - k0);
      const acc = k0 > 0 ? 1 : 0;
      for (let i0 = 0; i0 < mp; i0 += MC) {
        const tiles = Math.min(MC, mp - i0) / MR;
        const a = aPtr + (i0 * k + k0 * MR) * 4;
        for (let jp = 0; jp < panels; jp++) {
          kernel(kc, a, k * MR * 4, bPtr + (jp * k + k0) * NR * 4, cPtr + (i0 * ldc + jp * NR) * 4, ldc * 4, tiles, acc);
        }
      }
    }
    return ldc;
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

  /** Arena bytes `arena` takes for one m x n x k product. */
  arenaBytes(m: number, n: number, k: number): number {
    const mp = Math.ceil(m / MR) * MR;
    const np = Math.ceil(n / NR) * NR;
    return align(np * k * 4) + align(mp * k * 4) + align(mp * np * 4);
  }

  /** Resets the arena and allocates packed B, packed A and padded C for one m x n x k product. */
  arena(m: number, n: number, k: number): { bPtr: number; aPtr: number; cPtr: number } {
    this.reset();
    const bPtr = this.alloc(WasmGemm.bBytes(k, n));
    const aPtr = this.alloc(Math.ceil(m / MR) * MR * k * 4);
    const cPtr = this.alloc(Math.ceil(m / MR) * MR * Math.ceil(n / NR) * NR * 4);
    return { bPtr, aPtr, cPtr };
  }

  /** C = A·B for strided matrices (m x k, k x n) into out[at..] row-major, using the arena. */
  product(m: number, n: number, k: number, a: Mat, b: Mat, out: Float32Array, at: number): void {
    if (m === 0 || n === 0) return;
    if (k === 0) {
      out.fill(0, at, at + m * n);
      return;
    }
    const { bPtr, aPtr, cPtr } = this.arena(m, n, k);
    this.packB(k, n, b, bPtr);
    this.packA(m, k, a, aPtr);
    const ldc = this.compute(m, n, k, aPtr, bPtr, cPtr);
    this.copyOut(m, n, cPtr, ldc, out, at);
  }

  /** Runs the kernel a few times so V8 tiers it up before real work. */
  private warmUp(): void {
    const [m, n, k] = [16, 32, 64];
    const a: Mat = { data: new Float32Array(m * k).fill(1), offset: 0, rs: k, cs: 1 };
    const b: Mat = { data: new Float32Array(k * n).fill(1), offset: 0, rs: n, cs: 1 };
    const out = new Float32Array(m * n);
    for (let i = 0; i < 4; i++) this.product(m, n, k, a, b, out, 0);
    this.reset();
  }
}

let compiled: WebAssembly.Module | null | undefined;

/**
 * A WasmGemm over the given module bytes (default: the emitted GEMM module), or null when
 * WebAssembly or its SIMD is unavailable (the bytes do not validate).
 */
export function createWasmGemm(bytes?: Uint8Array<ArrayBuffer>): WasmGemm | null {
  if (typeof WebAssembly === 'undefined') return null;
  try {
    if (bytes === undefined) {
      if (compiled === undefined) {
        const emitted = emitGemmModule();
        compiled = WebAssembly.validate(emitted) ? new WebAssembly.Module(emitted) : null;
      }
      return compiled && new WasmGemm(compiled);
    }
    return WebAssembly.validate(bytes) ? new WasmGemm(new WebAssembly.Module(bytes)) : null;
  } catch {
    return null;
  }
}
