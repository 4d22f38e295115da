import type { SizeSpec, WorkloadDef } from './types.js';

function size(label: string, n: number, quick: boolean, quickSoftware: boolean): SizeSpec<'elementwise'> {
  // Effective bandwidth: what a fused kernel must move, x, w, b read and y written (4 × 4 bytes per element).
  return { label, params: { n }, quick, quickSoftware, metric: 'bandwidth', unit: 'GB/s', better: 'higher', kind: 'throughput', work: 16 * n, scale: 1e9 };
}

/** y = relu(x * w + b) on n float32 elements (x, w, b all of length n). */
export const elementwise: WorkloadDef<'elementwise'> = {
  id: 'elementwise',
  description: 'y = relu(x·w + b), float32; 16 bytes per element (3 reads + 1 write)',
  sizes: [
    size('64K', 1 << 16, false, false),
    size('1M', 1 << 20, true, true),
    size('16M', 1 << 24, false, false),
  ],
};
