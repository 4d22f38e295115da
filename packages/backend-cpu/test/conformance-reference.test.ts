import { runConformance } from '@nabla/conformance';
import { createCpuBackend } from '../src/index.js';

// the JS reference kernels (the default backend runs matmul on the wasm GEMM)
runConformance({ name: 'cpu-reference', create: () => createCpuBackend({ kernels: 'reference' }) });
