import type { Backend, DType, Kernels, TypedArray } from '@nabla/tensor';
import { binary, where } from './binary.js';
import { cast } from './cast.js';
import { concat, gather, pad, scatterAdd } from './combine.js';
import { createMatmul, matmul } from './matmul.js';
import { reduce } from './reduce.js';
import { alloc } from './strided.js';
import { unary } from './unary.js';
import { softmax } from './softmax.js';
import { windowsGrad } from './windows.js';
import { fusedKernels } from './fused.js';
import { createWasmGemm, type WasmGemm } from './wasm/gemm.js';

const referenceKernels: Kernels = { unary, binary, where, reduce, softmax, matmul, cast, concat, pad, gather, scatterAdd, windowsGrad };

const ARRAY_OF: Record<DType, typeof Float32Array | typeof Int32Array | typeof Uint8Array> = {
  float32: Float32Array,
  int32: Int32Array,
  bool: Uint8Array,
};

export interface CpuBackendOptions {
  /** 'fast' (default): matmul on a WebAssembly SIMD GEMM; 'reference': the JS kernels. */
  readonly kernels?: 'reference' | 'fast';
}

/**
 * The CPU backend: buffers are plain TypedArrays (Float32Array, Int32Array, Uint8Array
 * for bool) that the garbage collector frees.
 *
 * Kernels: 'fast' (the default) runs matmul on a WebAssembly SIMD GEMM (falling back to
 * the JS kernel where WebAssembly SIMD is unavailable); 'reference' keeps the JS kernels.
 *
 * @example await setBackend(createCpuBackend());
 */
export function createCpuBackend(options: CpuBackendOptions = {}): Backend {
  let engine: WasmGemm | null = options.kernels === 'reference' ? null : createWasmGemm();
  const kernels: Kernels = engine === null ? referenceKernels : { ...referenceKernels, matmul: createMatmul(() => engine) };
  const readSync = (buffer: unknown, _dtype: DType, size: number): TypedArray => (buffer as TypedArray).slice(0, size);
  return {
    name: 'cpu',
    kernels,
    // the reference backend composes fused ops from its kernels, so it stays their oracle
    ...(options.kernels === 'reference' ? {} : { fused: fusedKernels }),
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
    dispose() {
      engine = null; // drops the wasm memory; matmul falls back to the JS kernel
    },
  };
}
