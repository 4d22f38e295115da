import type { DType, TensorInfo, TypedArray } from '@nabla/tensor';
import { allocFull, bufferOf, toContiguous } from './strided.js';

/**
 * Converts x to `dtype`, always into a new array. Numeric conversions are TypedArray
 * stores (float -> int32 truncates toward zero, NaN -> 0, out of range wraps); -> bool
 * is `v !== 0` (so NaN -> true); bool -> number is 0/1.
 */
export function cast(x: TensorInfo, dtype: DType): TypedArray {
  const src = toContiguous(x);
  if (dtype === x.dtype) return src.buffer === bufferOf(x).buffer ? src.slice() : src;
  const out = allocFull(dtype, src.length);
  if (dtype === 'bool') {
    for (let i = 0; i < src.length; i++) out[i] = src[i] !== 0 ? 1 : 0;
  } else {
    out.set(src);
  }
  return out;
}
