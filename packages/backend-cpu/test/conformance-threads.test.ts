import { runConformance } from '@nabla/conformance';
import { createCpuBackend } from '../src/index.js';
import { threadsReady } from '../src/threads/shared.js';

// the worker pool on every product (threadMinWork 1), so small conformance shapes are split too
runConformance({
  name: 'cpu-threads',
  create: async () => {
    const backend = createCpuBackend({ threads: 2, threadMinWork: 1 });
    const one = { buffer: new Float32Array([1]), dtype: 'float32' as const, shape: [1, 1], strides: [1, 1], offset: 0 };
    backend.kernels.matmul(one, one); // starts the pool
    if (!(await threadsReady())) throw new Error('the GEMM worker pool did not start');
    return backend;
  },
});
