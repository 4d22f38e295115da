import type { DType, TensorInfo, TypedArray } from '@nabla/tensor';
import { allocFull, bufferOf, keep, toContiguous } from './strided.js';

/**
 * Converts x to `dtype`, always into a new array. Numeric conversions are TypedArray
 * stores (float -> int32 truncates toward zero, NaN -> 0, out of range wraps); -> bool
 * is `v !== 0` (so NaN -> true); bool -> number is 0/1.
 */
export function cast(x: TensorInfo, dtype: DType): TypedArray {
  const src = toContiguous(x);
  if (dtype === x.dtype) {
    if (!aliases(src, bufferOf(x))) return keep(src); // toContiguous's copy is the output
    const copy = allocFull(dtype, src.length); // (not src.slice(): that would be a JS array, off the heap)
    copy.set(src);
    return copy;
  }
  const out = allocFull(dtype, src.length);
  if (dtype === 'bool') {
    for (let i = 0; i < src.length; i++) out[i] = src[i] !== 0 ? 1 : 0;
  } else {
    out.set(src);
  }
  return out;
}

/** Whether `view` lies inside `storage`'s bytes (every heap array shares one buffer, so the buffer alone does not tell). */
function aliases(view: TypedArray, storage: TypedArray): boolean {
  return view.buffer === storage.buffer && view.byteOffset >= storage.byteOffset && view.byteOffset < storage.byteOffset + storage.byteLength;
}
