import type { AdamStep, FusedKernels, TensorInfo } from '@nabla/tensor';
import { bufferOf, toContiguous } from './strided.js';

/**
 * One pass of Adam over every element, in float64, each result rounded once when stored: within
 * float32 rounding of the composed ops (which round after every op). Rounding every intermediate
 * with Math.fround to match them bit for bit made this loop 2-3× slower in V8, measured.
 */
function adam(w: TensorInfo, g: TensorInfo, m: TensorInfo, v: TensorInfo, vHat: TensorInfo | null, step: AdamStep, inPlace: boolean): Float32Array[] {
  // donated views are whole buffers (offset 0, contiguous): use the buffers themselves, which
  // the caller recognises as written in place
  const state = (t: TensorInfo) => (inPlace ? bufferOf(t) : toContiguous(t)) as Float32Array;
  const W = state(w);
  const G = toContiguous(g);
  const M = state(m);
  const V = state(v);
  const n = G.length; // (g is never donated: its contiguous copy has exactly the element count)
  // donated buffers are overwritten: each element is read before it is written
  const w1 = inPlace ? W : new Float32Array(n);
  const m1 = inPlace ? M : new Float32Array(n);
  const v1 = inPlace ? V : new Float32Array(n);
  const { alpha, epsilon } = step;
  const c1 = 1 - step.beta1;
  const c2 = 1 - step.beta2;
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
  const h1 = inPlace ? H : new Float32Array(n);
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

export const fusedKernels: FusedKernels = { adam };
