import type { TensorInfo } from '@nabla/tensor';
import { toContiguous } from './strided.js';

/** Row-wise (log-)softmax over the last axis, shifted by the row maximum. */
export function softmax(x: TensorInfo, log: boolean): Float32Array {
  const src = toContiguous(x);
  const n = src.length;
  const out = new Float32Array(n);
  const r = x.shape.length === 0 ? 1 : x.shape[x.shape.length - 1]!;
  if (r === 0) return out;
  for (let base = 0; base < n; base += r) {
    let m = -Infinity;
    for (let j = 0; j < r; j++) {
      const v = src[base + j]!;
      if (v > m || v !== v) m = v;
      if (m !== m) break;
    }
    const shift = Number.isFinite(m) ? m : 0;
    // float32 roundings where the composed formula stores float32 tensors (x − shift, exp, the
    // sum), so the fused kernel gives what softmax gave as five primitives; sums stay float64
    let s = 0;
    for (let j = 0; j < r; j++) s += Math.fround(Math.exp(Math.fround(src[base + j]! - shift)));
    s = Math.fround(s);
    if (log) {
      const ls = Math.fround(Math.log(s));
      for (let j = 0; j < r; j++) out[base + j] = Math.fround(src[base + j]! - shift) - ls;
    } else {
      for (let j = 0; j < r; j++) out[base + j] = Math.fround(Math.exp(Math.fround(src[base + j]! - shift))) / s;
    }
  }
  return out;
}
