import type { TensorInfo } from '@nabla/tensor';
import { allocFull, toContiguous } from './strided.js';
import { wasmWindows } from './wasm/windows.js';

/**
 * Fewest elements for which relu's gradient goes through wasm (~0.3 µs a call: staging and the
 * JS-to-wasm call); below, a plain float loop, ~70 ns at 4 elements. Measured on the 2-core Xeon
 * (ns at 16 / 64 / 256 elements): plain loop 140 / 820 / 2030, wasm 360 / 780 / 1150, the
 * bit-trick loop 1170 / 1360 / 3050 (its three Int32Array views cost ~1 µs whatever the size).
 */
export const RELU_GRAD_WASM_MIN = 64;

/**
 * relu's gradient (see FusedKernels.reluGrad): dy where x > 0, else 0 (NaN x gives 0), the bits
 * of dy or of +0. In WebAssembly SIMD (dy AND f32x4.gt(x, 0), streamed in 64 KiB chunks) from
 * RELU_GRAD_WASM_MIN elements where available, else the JS bit-trick loop `reluGradReference`;
 * the two agree bit for bit, NaN dy included (both copy dy's bits). Tensors under
 * RELU_GRAD_WASM_MIN take a plain `x > 0 ? dy : 0` loop: the same values, NaN payloads aside.
 */
export function fastReluGrad(x: TensorInfo, dy: TensorInfo): Float32Array {
  const X = toContiguous(x) as Float32Array;
  const D = toContiguous(dy) as Float32Array;
  const n = X.length;
  if (n < RELU_GRAD_WASM_MIN) {
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = X[i]! > 0 ? D[i]! : 0;
    return out;
  }
  const engine = wasmWindows();
  if (engine !== null) {
    const out = allocFull('float32', n) as Float32Array;
    engine.reluGrad(X, D, out, n);
    return out;
  }
  return reluGradLoop(X, D);
}

/** The JS loop on host arrays (the fallback where wasm SIMD is missing, and the oracle). */
export function reluGradReference(x: TensorInfo, dy: TensorInfo): Float32Array {
  return reluGradLoop(toContiguous(x) as Float32Array, toContiguous(dy) as Float32Array);
}

/**
 * Branch-free on the float32 bits, since the sign of x is unpredictable in training (a branchy
 * loop took ~1.8x as long, measured): x > 0 exactly when its bits, as an int32, are in
 * [1, 0x7f800000] (+Infinity included, NaN and both zeros not); the result's bits are dy's or 0.
 */
function reluGradLoop(X: Float32Array, D: Float32Array): Float32Array {
  const n = X.length;
  const out = new Float32Array(n);
  const xb = new Int32Array(X.buffer, X.byteOffset, n);
  const db = new Int32Array(D.buffer, D.byteOffset, n);
  const ob = new Int32Array(out.buffer, 0, n);
  for (let i = 0; i < n; i++) {
    const u = (xb[i]! - 1) | 0;
    // all ones when 0 <= u < 0x7f800000, else 0 (u < 0 masks the wrapped difference away)
    const mask = ~(u >> 31) & ((u - 0x7f800000) >> 31);
    ob[i] = db[i]! & mask;
  }
  return out;
}
