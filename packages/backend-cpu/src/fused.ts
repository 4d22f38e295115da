import type { AdamStep, FusedKernels, TensorInfo } from '@nabla/tensor';
import { allocFull, bufferOf, toContiguous } from './strided.js';
import { bumpVersion } from './versions.js';
import { maxPool2d, maxPool2dGrad } from './windows.js';
import { fastReluGrad } from './relu-grad.js';
import { WasmAdam } from './wasm/adam.js';
import { wasmLstm, type WasmLstm } from './wasm/lstm.js';

let wasmAdam: WasmAdam | null | undefined;

/**
 * One pass of Adam over every element: in WebAssembly SIMD (float32, the composed ops' results)
 * where available, else a JS loop in float64 with each result rounded once when stored (within
 * float32 rounding of the composed ops; rounding every intermediate with Math.fround to match
 * them bit for bit made that loop 2-3× slower in V8, measured). AMSGrad takes the JS loop.
 */
function adam(w: TensorInfo, g: TensorInfo, m: TensorInfo, v: TensorInfo, vHat: TensorInfo | null, step: AdamStep, inPlace: boolean): Float32Array[] {
  // donated views are whole buffers (offset 0, contiguous): use the buffers themselves, which
  // the caller recognises as written in place
  const state = (t: TensorInfo) => (inPlace ? bufferOf(t) : toContiguous(t)) as Float32Array;
  const W = state(w);
  const G = toContiguous(g) as Float32Array;
  const M = state(m);
  const V = state(v);
  const n = G.length; // (g is never donated: its contiguous copy has exactly the element count)
  // donated buffers are overwritten: each element is read before it is written, and caches of
  // their old contents (the GEMM's staged weights) go stale
  if (inPlace) for (const t of vHat ? [w, m, v, vHat] : [w, m, v]) bumpVersion(bufferOf(t));
  const w1 = inPlace ? W : (allocFull('float32', n) as Float32Array);
  const m1 = inPlace ? M : (allocFull('float32', n) as Float32Array);
  const v1 = inPlace ? V : (allocFull('float32', n) as Float32Array);
  const { alpha, epsilon } = step;
  const c1 = 1 - step.beta1;
  const c2 = 1 - step.beta2;
  if (vHat === null && n > 0) {
    // wasm SIMD where available: float32, the composed ops' order, ~10× the JS loop's speed
    if (wasmAdam === undefined) wasmAdam = WasmAdam.create();
    if (wasmAdam !== null) {
      wasmAdam.step(W.subarray(0, n), G, M.subarray(0, n), V.subarray(0, n), w1.subarray(0, n), m1.subarray(0, n), v1.subarray(0, n), c1, c2, alpha, epsilon);
      return [w1, m1, v1];
    }
  }
  if (vHat === null) {
    for (let i = 0; i < n; i++) {
      const gi = G[i]!;
      const mi = M[i]! + (gi - M[i]!) * c1;
      const vi = V[i]! + (gi * gi - V[i]!) * c2;
      m1[i] = mi;
      v1[i] = vi;
      w1[i] = W[i]! - (mi * alpha) / (Math.sqrt(v1[i]!) + epsilon);
    }
    return [w1, m1, v1];
  }
  const H = state(vHat);
  const h1 = inPlace ? H : (allocFull('float32', n) as Float32Array);
  for (let i = 0; i < n; i++) {
    const gi = G[i]!;
    const mi = M[i]! + (gi - M[i]!) * c1;
    m1[i] = mi;
    v1[i] = V[i]! + (gi * gi - V[i]!) * c2;
    h1[i] = Math.max(H[i]!, v1[i]!); // max of the stored float32 values, as `maximum` takes them
    w1[i] = W[i]! - (mi * alpha) / (Math.sqrt(h1[i]!) + epsilon);
  }
  return [w1, m1, v1, h1];
}

/** σ(x) in float64. */
function sigmoid(x: number): number {
  // branch-free (small enough to inline): in float64, exp(-x) overflowing to Infinity gives 0,
  // underflowing gives 1, so no large |x| needs the unary kernel's two-sided form
  return 1 / (1 + Math.exp(-x));
}

/** The cell's batch and units from z [B, 4u], and the wasm kernels where they apply (units a multiple of 4). */
function cellShape(z: TensorInfo): { b: number; u: number; wasm: WasmLstm | null } {
  const [b, u4] = z.shape as [number, number];
  const u = u4 / 4;
  return { b, u, wasm: u % 4 === 0 && u > 0 && b > 0 ? wasmLstm() : null };
}

/**
 * [h' | c'] for z [B, 4u] and c [B, u] (see FusedKernels.lstmCell). In WebAssembly SIMD (float32,
 * vector exp: wasm/lstm.ts) when u % 4 === 0 and SIMD is available, ~10× the JS loop (measured);
 * else the JS loop (lstmCellJs), which the SIMD path is tested against.
 */
function lstmCell(z: TensorInfo, c: TensorInfo): Float32Array {
  const { b, u, wasm } = cellShape(z);
  if (wasm === null) return lstmCellJs(z, c);
  const out = allocFull('float32', b * 2 * u) as Float32Array;
  wasm.forward(toContiguous(z) as Float32Array, toContiguous(c) as Float32Array, out, b, u);
  return out;
}

/** lstmCell as a JS loop, all in float64, rounded on store. */
export function lstmCellJs(z: TensorInfo, c: TensorInfo): Float32Array {
  const Z = toContiguous(z);
  const C = toContiguous(c);
  const [b, u4] = z.shape as [number, number];
  const u = u4 / 4;
  const out = new Float32Array(b * 2 * u);
  for (let r = 0; r < b; r++) {
    const zr = r * u4;
    const o = r * 2 * u;
    for (let j = 0; j < u; j++) {
      const i = sigmoid(Z[zr + j]!);
      const f = sigmoid(Z[zr + u + j]!);
      const g = Math.tanh(Z[zr + 2 * u + j]!);
      const og = sigmoid(Z[zr + 3 * u + j]!);
      const cNew = f * C[r * u + j]! + i * g;
      out[o + u + j] = cNew;
      out[o + j] = og * Math.tanh(cNew);
    }
  }
  return out;
}

/**
 * [dz | dc] from z, c and dy = d[h' | c'] (see FusedKernels.lstmCellGrad): in WebAssembly SIMD
 * when u % 4 === 0 (as lstmCell), else the JS loop (lstmCellGradJs).
 */
function lstmCellGrad(z: TensorInfo, c: TensorInfo, dy: TensorInfo): Float32Array {
  const { b, u, wasm } = cellShape(z);
  if (wasm === null) return lstmCellGradJs(z, c, dy);
  const out = allocFull('float32', b * 5 * u) as Float32Array;
  wasm.backward(toContiguous(z) as Float32Array, toContiguous(c) as Float32Array, toContiguous(dy) as Float32Array, out, b, u);
  return out;
}

/** lstmCellGrad as a JS loop, all in float64, rounded on store. */
export function lstmCellGradJs(z: TensorInfo, c: TensorInfo, dy: TensorInfo): Float32Array {
  const Z = toContiguous(z);
  const C = toContiguous(c);
  const D = toContiguous(dy);
  const [b, u4] = z.shape as [number, number];
  const u = u4 / 4;
  const out = new Float32Array(b * 5 * u);
  for (let r = 0; r < b; r++) {
    const zr = r * u4;
    const dr = r * 2 * u;
    const o = r * 5 * u;
    for (let j = 0; j < u; j++) {
      const i = sigmoid(Z[zr + j]!);
      const f = sigmoid(Z[zr + u + j]!);
      const g = Math.tanh(Z[zr + 2 * u + j]!);
      const og = sigmoid(Z[zr + 3 * u + j]!);
      const cj = C[r * u + j]!;
      const tc = Math.tanh(f * cj + i * g);
      const dh = D[dr + j]!;
      // the cell state's gradient: direct, plus through h' = o·tanh(c')
      const dc = D[dr + u + j]! + dh * og * (1 - tc * tc);
      out[o + j] = dc * g * i * (1 - i);
      out[o + u + j] = dc * cj * f * (1 - f);
      out[o + 2 * u + j] = dc * i * (1 - g * g);
      out[o + 3 * u + j] = dh * tc * og * (1 - og);
      out[o + 4 * u + j] = dc * f;
    }
  }
  return out;
}

export const fusedKernels: FusedKernels = { adam, lstmCell, lstmCellGrad, maxPool2d, maxPool2dGrad, reluGrad: fastReluGrad };
