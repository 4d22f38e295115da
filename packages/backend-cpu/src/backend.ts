import type { Backend, DType, Kernels, TypedArray } from '@nabla/tensor';
import { binary, fastBinary, where } from './binary.js';
import { cast } from './cast.js';
import { concat, gather, pad, scatterAdd } from './combine.js';
import { createMatmul, matmul, type GemmChoice } from './matmul.js';
import { fastReduce, reduce } from './reduce.js';
import { alloc, inKernel } from './strided.js';
import { ARRAY_OF, heapArray } from './heap.js';
import { drop, HEAP_MIN_ELEMENTS, recycle } from './recycle.js';
import { fastUnary, unary } from './unary.js';
import { fastSoftmax, softmax } from './softmax.js';
import { windowsGrad, windowsGradReference } from './windows.js';
import { fusedKernels } from './fused.js';
import { createWasmGemm, type WasmGemm } from './wasm/gemm.js';
import { availableThreads } from './threads/pool.js';
import { acquireThreadedGemm, type ThreadedGemm } from './threads/shared.js';

// the JS loops: the oracle every fast kernel is tested against
const referenceKernels: Kernels = { unary, binary, where, reduce, softmax, matmul, cast, concat, pad, gather, scatterAdd, windowsGrad: windowsGradReference };

export interface CpuBackendOptions {
  /**
   * 'fast' (default): WebAssembly SIMD for matmul (a GEMM), float32 elementwise ops,
   * reductions, softmax, col2im and the fused kernels (Adam, LSTM cell, max pooling, relu's
   * gradient); 'reference': the JS loops, which the fast kernels are tested against.
   */
  readonly kernels?: 'reference' | 'fast';
  /**
   * Threads for large matrix products (fast kernels only): 1 keeps everything on the
   * calling thread. Default: the NABLA_THREADS environment variable, else every core.
   */
  readonly threads?: number;
  /**
   * m·n·k from which a product is split across threads (default `THREAD_MIN_WORK`);
   * smaller ones stay on the calling thread, where waking workers would cost more.
   */
  readonly threadMinWork?: number;
}

/** Arrays given to `write` up to this size are copied onto the wasm heap (see write). */
const WRITE_TO_HEAP_BYTES = 16 * 2 ** 20;

/** Default m·n·k from which products go to the worker pool (measured crossover, see DESIGN.md). */
export const THREAD_MIN_WORK = 2 ** 21;

function threadCount(option: number | undefined): number {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.['NABLA_THREADS'];
  const wanted = option ?? (env !== undefined && env !== '' ? Number(env) : availableThreads());
  return Number.isFinite(wanted) ? Math.max(1, Math.floor(wanted)) : 1;
}

/**
 * The CPU backend: buffers are TypedArrays (Float32Array, Int32Array, Uint8Array for
 * bool). Those of 64 elements or more are views of the wasm heap (heap.ts), one shared
 * WebAssembly.Memory that the wasm kernels compute on in place, freed when the tensor package
 * releases them; where there is no heap (or an array does not fit) they are JS arrays,
 * reused for outputs of their length when released (recycle.ts) or left to the GC.
 *
 * Kernels: 'fast' (the default) runs matmul on a WebAssembly SIMD GEMM (falling back to
 * the JS kernel where WebAssembly SIMD is unavailable), split across worker threads for
 * large products where the runtime allows (`threads`); 'reference' keeps the JS kernels.
 *
 * @example await setBackend(createCpuBackend());
 */
export function createCpuBackend(options: CpuBackendOptions = {}): Backend {
  let engine: WasmGemm | null = options.kernels === 'reference' ? null : createWasmGemm();
  const backend = makeBackend(options, engine);
  if (engine) engines.set(backend, engine);
  return backend;
}

/** Each fast backend's single-thread GEMM (for tests: its staged-weights statistics). */
const engines = new WeakMap<Backend, WasmGemm>();

/** The single-thread GEMM of a backend made by createCpuBackend (null for 'reference' or without wasm SIMD). */
export function wasmGemmOf(backend: Backend): WasmGemm | null {
  return engines.get(backend) ?? null;
}

/** Every kernel of `table` run in a kernel scope (strided.ts: its temporaries are freed when it returns). */
function scoped<T extends object>(table: T): T {
  const out: Record<string, unknown> = {};
  for (const [name, fn] of Object.entries(table)) out[name] = typeof fn === 'function' ? inKernel(fn as (...args: never[]) => unknown) : fn;
  return out as T;
}

function makeBackend(options: CpuBackendOptions, initial: WasmGemm | null): Backend {
  let engine = initial;
  const threads = engine === null ? 1 : threadCount(options.threads);
  const minWork = options.threadMinWork ?? THREAD_MIN_WORK;
  // the pool starts on the first product large enough to use it, so backends that only
  // ever see small products (most tests) start no workers
  let threaded: ThreadedGemm | null | undefined;
  const pick = (work: number): GemmChoice => {
    if (engine === null) return null;
    if (threads > 1 && work >= minWork) {
      if (threaded === undefined) threaded = acquireThreadedGemm(threads);
      if (threaded !== null) return { gemm: threaded.gemm, parallel: true };
    }
    return { gemm: engine, parallel: false };
  };
  // fast elementwise: float32 arithmetic in WebAssembly SIMD (each falls back to the JS loops itself)
  const kernels: Kernels = scoped(
    engine === null ? referenceKernels : { ...referenceKernels, matmul: createMatmul(pick), unary: fastUnary, binary: fastBinary, reduce: fastReduce, softmax: fastSoftmax, windowsGrad },
  );
  const readSync = (buffer: unknown, _dtype: DType, size: number): TypedArray => (buffer as TypedArray).slice(0, size);
  return {
    name: 'cpu',
    kernels,
    // the reference backend composes fused ops from its kernels, so it stays their oracle
    ...(options.kernels === 'reference' ? {} : { fused: scoped(fusedKernels) }),
    write(values: TypedArray, dtype: DType): TypedArray {
      if (values instanceof ARRAY_OF[dtype]) {
        // ownership passes to the backend; a copy on the wasm heap lets kernels read it where it
        // is (weights, batches). Large data (a whole dataset) stays where it is: it is only sliced
        const onHeap = values.length >= HEAP_MIN_ELEMENTS && values.byteLength <= WRITE_TO_HEAP_BYTES ? heapArray(dtype, values.length) : null;
        onHeap?.set(values);
        return onHeap ?? values;
      }
      const out = alloc(dtype, values.length);
      if (dtype === 'bool') for (let i = 0; i < values.length; i++) out[i] = values[i] !== 0 ? 1 : 0;
      else out.set(values);
      return out;
    },
    readSync,
    read: (buffer, dtype, size) => Promise.resolve(readSync(buffer, dtype, size)),
    release(buffer) {
      recycle(buffer); // kept for the next alloc of its dtype and length, else left to the GC
    },
    dispose() {
      engine?.free(); // its region of the wasm heap (or its own memory, dropped with it)
      engine = null; // matmul falls back to the JS kernel
      drop(); // the arrays kept for reuse
      threaded?.release(); // the last backend on a pool terminates its workers
      threaded = null;
    },
  };
}
