/**
 * @nabla/backend-cpu: the CPU backend. Importing it registers 'cpu' (and makes it the
 * default when no other backend is chosen).
 *
 * @example import '@nabla/backend-cpu'; await setBackend('cpu');
 */
import { registerBackend } from '@nabla/tensor';
import { createCpuBackend, THREAD_MIN_WORK } from './backend.js';

export { createCpuBackend, THREAD_MIN_WORK };
export type { CpuBackendOptions } from './backend.js';
export { createWasmGemm, emitGemmModule, gemmUsesFma, WasmGemm } from './wasm/gemm.js';
export { gemm } from './matmul.js';
export { erf, roundHalfEven } from './unary.js';
export { toContiguous } from './strided.js';
export { heapStats } from './heap.js';

registerBackend({ name: 'cpu', priority: 1, create: createCpuBackend });
