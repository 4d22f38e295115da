import { runConformance } from '@nabla/conformance';
import { createCpuBackend } from '../src/index.js';
import { heapMemory } from '../src/heap.js';

// The fast kernels where there is no wasm heap (a browser page without cross-origin isolation,
// or NABLA_HEAP=0): every array is a JS array and each kernel stages it through its own memory.
// Set before anything allocates: the heap is made on first use, once per process.
process.env['NABLA_HEAP'] = '0';

runConformance({
  name: 'cpu-noheap',
  create: () => {
    if (heapMemory() !== null) throw new Error('NABLA_HEAP=0 did not keep the heap off');
    return Promise.resolve(createCpuBackend());
  },
});
