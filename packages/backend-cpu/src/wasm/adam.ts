import { Code, emitModule, F32, I32, Op, Simd, V128, type ValType } from './emit.js';

/**
 * Adam's step in WebAssembly SIMD, four floats per instruction, in float32 with the composed
 * ops' order of operations (so its results are the composed path's, bit for bit):
 *   m += (g - m)·c1;  v += (g·g - v)·c2;  w -= (m·alpha) / (sqrt(v) + eps).
 * Tensor storage lives in JS arrays, so w, g, m and v are copied into this module's memory
 * (one memcpy each), updated there and copied back: 7 memcpys and one SIMD pass cost far less
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

const PAGE = 65536;

/** One Adam update engine: a module instance and its growable memory (null without WebAssembly SIMD). */
export class WasmAdam {
  private readonly memory = new WebAssembly.Memory({ initial: 1 });
  private readonly fn: AdamFn;
  private f32 = new Float32Array(this.memory.buffer);

  private constructor(module: WebAssembly.Module) {
    this.fn = new WebAssembly.Instance(module, { env: { memory: this.memory } }).exports['adam'] as AdamFn;
  }

  static create(): WasmAdam | null {
    if (typeof WebAssembly === 'undefined') return null;
    const params: ValType[] = [I32, I32, I32, I32, I32, F32, F32, F32, F32];
    const bytes = emitModule({
      memory: { module: 'env', field: 'memory', initial: 1 },
      funcs: [{ name: 'adam', params, results: [], locals: new Array<ValType>(7).fill(V128), body: emitAdam() }],
    });
    try {
      return WebAssembly.validate(bytes) ? new WasmAdam(new WebAssembly.Module(bytes)) : null;
    } catch {
      return null;
    }
  }

  /**
   * Updates w, m, v (n floats each, all contiguous) from g; results go to wOut, mOut, vOut
   * (which may be w, m, v themselves). Scalars are rounded to float32, as the composed ops do.
   */
  step(
    w: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, wOut: Float32Array, mOut: Float32Array, vOut: Float32Array,
    c1: number, c2: number, alpha: number, eps: number,
  ): void {
    const n = w.length;
    const padded = Math.ceil(n / 4) * 4;
    const need = 4 * padded * 4;
    if (need > this.memory.buffer.byteLength) {
      this.memory.grow(Math.ceil((need - this.memory.buffer.byteLength) / PAGE));
      this.f32 = new Float32Array(this.memory.buffer);
    }
    const f = this.f32;
    const at = [0, padded, 2 * padded, 3 * padded] as const;
    [w, g, m, v].forEach((a, i) => {
      f.set(a, at[i]);
      f.fill(0, at[i] + n, at[i] + padded); // zero lanes past the end: g = v = 0 leaves them finite
    });
    this.fn(at[0] * 4, at[1] * 4, at[2] * 4, at[3] * 4, padded / 4, c1, c2, alpha, eps);
    wOut.set(f.subarray(at[0], at[0] + n));
    mOut.set(f.subarray(at[2], at[2] + n));
    vOut.set(f.subarray(at[3], at[3] + n));
  }
}
