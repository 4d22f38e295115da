import { buildModule, Code, emitModule, F32, I32, Op, Simd, V128, type ValType } from './emit.js';

/**
 * Adam's step in WebAssembly SIMD, four floats per instruction, in float32 with the composed
 * ops' order of operations (so its results are the composed path's, bit for bit):
 *   m += (g - m)·c1;  v += (g·g - v)·c2;  w -= (m·alpha) / (sqrt(v) + eps).
 * Tensor storage lives in JS arrays, so w, g, m and v are copied into this module's memory
 * in chunks that stay in L2, updated there and copied back: 7 memcpys and one SIMD pass cost far less
 * than the scalar JS loop (~20 ns an element on this machine, measured).
 */
function emitAdam(): Code {
  const [W, G, M, V, COUNT, C1, C2, ALPHA, EPS] = [0, 1, 2, 3, 4, 5, 6, 7, 8];
  const [C1V, C2V, AV, EV, GI, MI, VI] = [9, 10, 11, 12, 13, 14, 15];
  const c = new Code();
  const splat = (from: number, to: number) => c.get(from).simd(Simd.f32x4Splat).set(to);
  splat(C1, C1V);
  splat(C2, C2V);
  splat(ALPHA, AV);
  splat(EPS, EV);
  c.op(Op.loop, Op.void);
  c.get(G).load().set(GI);
  // m = m + (g - m)·c1
  c.get(M).load().tee(MI).get(GI).get(MI).simd(Simd.f32x4Sub).get(C1V).simd(Simd.f32x4Mul).simd(Simd.f32x4Add).set(MI);
  c.get(M).get(MI).store();
  // v = v + (g·g - v)·c2
  c.get(V).load().tee(VI).get(GI).get(GI).simd(Simd.f32x4Mul).get(VI).simd(Simd.f32x4Sub).get(C2V).simd(Simd.f32x4Mul).simd(Simd.f32x4Add).set(VI);
  c.get(V).get(VI).store();
  // w = w - (m·alpha) / (sqrt(v) + eps)
  c.get(W);
  c.get(W).load().get(MI).get(AV).simd(Simd.f32x4Mul).get(VI).simd(Simd.f32x4Sqrt).get(EV).simd(Simd.f32x4Add).simd(Simd.f32x4Div).simd(Simd.f32x4Sub);
  c.store();
  for (const p of [W, G, M, V]) c.get(p).i32(16).op(Op.i32Add).set(p);
  c.get(COUNT).i32(1).op(Op.i32Sub).tee(COUNT).op(Op.brIf, 0);
  c.op(Op.end);
  return c;
}

type AdamFn = (w: number, g: number, m: number, v: number, count: number, c1: number, c2: number, alpha: number, eps: number) => void;

/**
 * Floats per operand per chunk: four operands of 32 KiB stay in L2 between the copy in, the
 * SIMD pass and the copy out (the whole arrays at once, 4 x 0.9 MiB for the course's MLP,
 * spilled out of L2 and cost ~2x, measured), and the memory never grows.
 */
const CHUNK = 8192;
const PAGES = Math.ceil((4 * CHUNK * 4) / 65536);

/** One Adam update engine: a module instance and its fixed memory of four CHUNK-float slots (null without WebAssembly SIMD). */
export class WasmAdam {
  private readonly memory = new WebAssembly.Memory({ initial: PAGES });
  private readonly fn: AdamFn;
  private readonly f32 = new Float32Array(this.memory.buffer);

  private constructor(module: WebAssembly.Module) {
    this.fn = new WebAssembly.Instance(module, { env: { memory: this.memory } }).exports['adam'] as AdamFn;
  }

  static create(): WasmAdam | null {
    if (typeof WebAssembly === 'undefined') return null;
    const params: ValType[] = [I32, I32, I32, I32, I32, F32, F32, F32, F32];
    const bytes = emitModule({
      memory: { module: 'env', field: 'memory', initial: PAGES },
      funcs: [{ name: 'adam', params, results: [], locals: new Array<ValType>(7).fill(V128), body: emitAdam() }],
    });
    return buildModule(bytes, (module) => new WasmAdam(module));
  }

  /**
   * Updates w, m, v (n floats each, all contiguous) from g; results go to wOut, mOut, vOut
   * (which may be w, m, v themselves: each chunk is read before it is written). Scalars are
   * rounded to float32, as the composed ops do.
   */
  step(
    w: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, wOut: Float32Array, mOut: Float32Array, vOut: Float32Array,
    c1: number, c2: number, alpha: number, eps: number,
  ): void {
    const n = w.length;
    const f = this.f32;
    for (let i = 0; i < n; i += CHUNK) {
      const len = Math.min(CHUNK, n - i);
      const whole = len === n;
      f.set(whole ? w : w.subarray(i, i + len), 0);
      f.set(whole ? g : g.subarray(i, i + len), CHUNK);
      f.set(whole ? m : m.subarray(i, i + len), 2 * CHUNK);
      f.set(whole ? v : v.subarray(i, i + len), 3 * CHUNK);
      const vectors = (len + 3) >> 2;
      if (len & 3) {
        // zero the lanes past the end: g = v = 0 keeps them finite (they are never copied out)
        for (let s = 0; s < 4; s++) f.fill(0, s * CHUNK + len, s * CHUNK + vectors * 4);
      }
      this.fn(0, CHUNK * 4, 2 * CHUNK * 4, 3 * CHUNK * 4, vectors, c1, c2, alpha, eps);
      wOut.set(f.subarray(0, len), i);
      mOut.set(f.subarray(2 * CHUNK, 2 * CHUNK + len), i);
      vOut.set(f.subarray(3 * CHUNK, 3 * CHUNK + len), i);
    }
  }
}
