import type { DType, TensorInfo } from '@nabla/tensor';
import { runMap } from './map.js';
import type { GBuf, Runtime } from './runtime.js';
import { contiguous, sizeOf } from './strided.js';
import { CONVERT, wtype } from './wgsl.js';

/**
 * Converts elements into a new contiguous buffer; a same-dtype cast is the strided copy
 * that makes views contiguous (reshape of a transpose, conv2d's im2col of a window view).
 */
export function cast(rt: Runtime, x: TensorInfo, dtype: DType): GBuf {
  const out = rt.alloc(sizeOf(x.shape) * 4);
  const fn = `fn f(v: ${wtype(x.dtype)}) -> ${wtype(dtype)} { return ${CONVERT[x.dtype][dtype]}; }`;
  runMap(rt, `cast.${x.dtype}.${dtype}`, fn, [{ buf: x.buffer as GBuf, type: wtype(x.dtype), strides: x.strides, offset: x.offset }],
    { buf: out, type: wtype(dtype), strides: contiguous(x.shape), offset: 0 }, x.shape);
  return out;
}
