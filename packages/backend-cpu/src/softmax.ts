import { sizeOf, type TensorInfo } from '@nabla/tensor';
import { allocFull, toContiguous } from './strided.js';
import { wasmSoftmax } from './wasm/softmax.js';

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

/**
 * Rows shorter than this take the reference loop. A row of one float needs no exp there (its
 * shifted value is 0) and the wasm path's per-row work (a pass per step, a Math.log) does not pay:
 * measured at 512 rows, r = 1: reference 9.3 µs softmax / 10.7 log, wasm 8.8 / 12.8; from r = 2
 * wasm wins everywhere (r = 2: 34 vs 9 µs; one row of 2: 1.05 vs 0.93 µs).
 */
export const FAST_SOFTMAX_MIN_ROW = 2;

/**
 * `softmax` with the exponentials in WebAssembly SIMD (wasm/softmax.ts): the same contract and
 * float32 rounding steps, results within a few float32 ulp of it (exp's error and the sum's
 * order). Falls back to `softmax` for rows shorter than FAST_SOFTMAX_MIN_ROW, non-float32 input, or
 * where WebAssembly SIMD is unavailable.
 */
export function fastSoftmax(x: TensorInfo, log: boolean): Float32Array {
  const r = x.shape.length === 0 ? 1 : x.shape[x.shape.length - 1]!;
  const n = sizeOf(x.shape);
  const wasm = r >= FAST_SOFTMAX_MIN_ROW && n > 0 && x.dtype === 'float32' ? wasmSoftmax() : null;
  if (wasm === null) return softmax(x, log);
  const out = allocFull('float32', n) as Float32Array;
  wasm.run(toContiguous(x) as Float32Array, out, r, log);
  return out;
}
