import { createCpuBackend } from '@nabla/backend-cpu';
import { runLayerSuite } from './layer-suite.js';

// the default CPU backend (matmul on the WebAssembly GEMM) and the JS reference kernels
runLayerSuite({ name: 'cpu', create: createCpuBackend });
runLayerSuite({ name: 'cpu-reference', create: () => createCpuBackend({ kernels: 'reference' }) });
