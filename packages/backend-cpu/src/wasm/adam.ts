import { heapAddress, kernelMemory } from '../heap.js';
import { buildModule, Code, emitModule, F32, I32, Op, Simd, V128, type ValType } from './emit.js';

/**
 * Adam's step in WebAssembly SIMD, four floats per instruction, in float32 with the composed
 * ops' order of operations (so its results are the composed path's, bit for bit):
 *   m += (g - m)·c1;  v += (g·g - v)·c2;  w -= (m·alpha) / (sqrt(v) + eps).
 * Operands on the wasm heap (heap.ts) are read and written where they are; others (a user's JS
 * arrays, or everything where there is no heap) are copied into scratch slots in chunks that stay
 * in L2, updated there and copied back: even those 7 memcpys and one SIMD pass cost far less than
 * the scalar JS loop (~20 ns an element on this machine, measured).
 */
function emitAdam(): Code {
  const [W, G, M, V, WO, MO, VO, COUNT, C1, C2, ALPHA, EPS] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
  const [C1V, C2V, AV, EV, GI, MI, VI] = [12, 13, 14, 15, 16, 17, 18];
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
  c.get(MO).get(MI).store();
  // v = v + (g·g - v)·c2
  c.get(V).load().tee(VI).get(GI).get(GI).simd(Simd.f32x4Mul).get(VI).simd(Simd.f32x4Sub).get(C2V).simd(Simd.f32x4Mul).simd(Simd.f32x4Add).set(VI);
  c.get(VO).get(VI).store();
  // w = w - (m·alpha) / (sqrt(v) + eps)
  c.get(WO);
  c.get(W).load().get(MI).get(AV).simd(Simd.f32x4Mul).get(VI).simd(Simd.f32x4Sqrt).get(EV).simd(Simd.f32x4Add).simd(Simd.f32x4Div).simd(Simd.f32x4Sub);
  c.store();
  for (const p of [W, G, M, V, WO, MO, VO]) c.get(p).i32(16).op(Op.i32Add).set(p);
  c.get(COUNT).i32(1).op(Op.i32Sub).tee(COUNT).op(Op.brIf, 0);
  c.op(Op.end);
  return c;
}

type AdamFn = (
  w: number, g: number, m: number, v: number, wOut: number, mOut: number, vOut: number, count: number,
  c1: number, c2: number, alpha: number, eps: number,
) => void;

/**
 * Floats per operand per chunk for staged (foreign) operands: four operands of 32 KiB stay in L2
 * between the copy in, the SIMD pass and the copy out (the whole arrays at once, 4 x 0.9 MiB for
 * the course's MLP, spilled out of L2 and cost ~2x, measured).
 */
const CHUNK = 8192;
/** Four slots of CHUNK floats: w, g, m, v (the outputs reuse the w, m, v slots). */
const SCRATCH_BYTES = 4 * CHUNK * 4;

/**
 * One Adam update engine: a module instance on the wasm heap (or a memory of its own where there
 * is none) and four CHUNK-float scratch slots (null without WebAssembly SIMD).
 */
export class WasmAdam {
  private readonly fn: AdamFn;
  /** Over the memory as it was when the scratch was allocated, so it always covers the slots. */
  private readonly f32: Float32Array;
  /** Byte address of slot 0 (slots 1-3 follow, CHUNK floats apart). */
  private readonly slot: number;

  private constructor(module: WebAssembly.Module, memory: WebAssembly.Memory, slot: number) {
    this.fn = new WebAssembly.Instance(module, { env: { memory } }).exports['adam'] as AdamFn;
    this.f32 = new Float32Array(memory.buffer);
    this.slot = slot;
  }

  static create(): WasmAdam | null {
    if (typeof WebAssembly === 'undefined') return null;
    const params: ValType[] = [I32, I32, I32, I32, I32, I32, I32, I32, F32, F32, F32, F32];
    const onHeap = kernelMemory(SCRATCH_BYTES);
    const bytes = emitModule({
      memory: onHeap.spec,
      funcs: [{ name: 'adam', params, results: [], locals: new Array<ValType>(7).fill(V128), body: emitAdam() }],
    });
    return buildModule(bytes, (module) => new WasmAdam(module, onHeap.memory, onHeap.scratch));
  }

  /**
   * Updates w, m, v (n floats each, all contiguous) from g; results go to wOut, mOut, vOut
   * (which may be w, m, v themselves: each vector is read before it is written; no other
   * overlap). Scalars are rounded to float32, as the composed ops do. Operands on the heap are
   * used in place; a vector store never reaches past an output's n floats.
   */
  step(
    w: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, wOut: Float32Array, mOut: Float32Array, vOut: Float32Array,
    c1: number, c2: number, alpha: number, eps: number,
  ): void {
    const n = w.length;
    const W = heapAddress(w);
    const G = heapAddress(g);
    const M = heapAddress(m);
    const V = heapAddress(v);
    const WO = heapAddress(wOut);
    const MO = heapAddress(mOut);
    const VO = heapAddress(vOut);
    let i = 0;
    if (W >= 0 && G >= 0 && M >= 0 && V >= 0 && WO >= 0 && MO >= 0 && VO >= 0) {
      // all on the heap (training's case): whole vectors in place in one call, the last n % 4
      // floats through the slots (a vector store there would write past the views)
      const whole = n & ~3;
      if (whole > 0) this.fn(W, G, M, V, WO, MO, VO, whole >> 2, c1, c2, alpha, eps);
      i = whole;
    }
    const f = this.f32;
    const s0 = this.slot;
    const [s1, s2, s3] = [s0 + CHUNK * 4, s0 + 2 * CHUNK * 4, s0 + 3 * CHUNK * 4];
    for (; i < n; i += CHUNK) {
      const len = Math.min(CHUNK, n - i);
      const whole = len === n;
      // lanes past len in the last vector compute on stale floats (or a heap neighbour's): no
      // trap on any value, and never stored past len
      const stage = (src: Float32Array, at: number, slot: number): number => {
        if (at >= 0) return at + i * 4;
        f.set(whole ? src : src.subarray(i, i + len), slot >> 2);
        return slot;
      };
      const wp = stage(w, W, s0);
      const gp = stage(g, G, s1);
      const mp = stage(m, M, s2);
      const vp = stage(v, V, s3);
      // an output goes in place when on the heap and the chunk ends on a whole vector, else into
      // its operand's slot (read there, or not used for it) and is copied out
      const fit = (len & 3) === 0;
      const wo = WO >= 0 && fit ? WO + i * 4 : s0;
      const mo = MO >= 0 && fit ? MO + i * 4 : s2;
      const vo = VO >= 0 && fit ? VO + i * 4 : s3;
      this.fn(wp, gp, mp, vp, wo, mo, vo, (len + 3) >> 2, c1, c2, alpha, eps);
      if (wo === s0) wOut.set(f.subarray(s0 >> 2, (s0 >> 2) + len), i);
      if (mo === s2) mOut.set(f.subarray(s2 >> 2, (s2 >> 2) + len), i);
      if (vo === s3) vOut.set(f.subarray(s3 >> 2, (s3 >> 2) + len), i);
    }
  }
}
