import type { Backend, DType, Kernels, TypedArray } from '@nabla/tensor';
import { binary, where } from './binary.js';
import { cast } from './cast.js';
import { concat, gather, pad, scatterAdd } from './combine.js';
import { matmul } from './matmul.js';
import { reduce } from './reduce.js';
import { alloc } from './strided.js';
import { unary } from './unary.js';
import { windowsGrad } from './windows.js';

const kernels: Kernels = { unary, binary, where, reduce, matmul, cast, concat, pad, gather, scatterAdd, windowsGrad };

const ARRAY_OF: Record<DType, typeof Float32Array | typeof Int32Array | typeof Uint8Array> = {
  float32: Float32Array,
  int32: Int32Array,
  bool: Uint8Array,
};

/**
 * The CPU backend: buffers are plain TypedArrays (Float32Array, Int32Array, Uint8Array
 * for bool) that the garbage collector frees.
 *
 * @example await setBackend(createCpuBackend());
 */
export function createCpuBackend(): Backend {
  const readSync = (buffer: unknown, _dtype: DType, size: number): TypedArray => (buffer as TypedArray).slice(0, size);
  return {
    name: 'cpu',
    kernels,
    write(values: TypedArray, dtype: DType): TypedArray {
      if (values instanceof ARRAY_OF[dtype]) return values; // ownership passes to the backend: no copy
      const out = alloc(dtype, values.length);
      if (dtype === 'bool') for (let i = 0; i < values.length; i++) out[i] = values[i] !== 0 ? 1 : 0;
      else out.set(values);
      return out;
    },
    readSync,
    read: (buffer, dtype, size) => Promise.resolve(readSync(buffer, dtype, size)),
    release() {
      // the garbage collector frees TypedArrays
    },
  };
}
