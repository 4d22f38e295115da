import type { AdamStep, FusedKernels, TensorInfo } from '@nabla/tensor';
import { toContiguous } from './strided.js';

/**
 * One pass of Adam over every element, in float64, each result rounded once when stored: within
 * float32 rounding of the composed ops (which round after every op). Rounding every intermediate
 * with Math.fround to match them bit for bit made this loop 2-3× slower in V8, measured.
 */
function adam(w: TensorInfo, g: TensorInfo, m: TensorInfo, v: TensorInfo, vHat: TensorInfo | null, step: AdamStep): Float32Array[] {
  const W = toContiguous(w);
  const G = toContiguous(g);
  const M = toContiguous(m);
  const V = toContiguous(v);
  const n = W.length;
  const w1 = new Float32Array(n);
  const m1 = new Float32Array(n);
  const v1 = new Float32Array(n);
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
  const H = toContiguous(vHat);
  const h1 = new Float32Array(n);
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
