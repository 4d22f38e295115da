import type { MatmulParams, SizeSpec, WorkloadDef } from './types.js';

function size(label: string, m: number, k: number, n: number, quick: boolean, quickSoftware: boolean): SizeSpec<'matmul'> {
  const params: MatmulParams = { m, k, n };
  return { label, params, quick, quickSoftware, metric: 'throughput', unit: 'GFLOP/s', better: 'higher', kind: 'throughput', work: 2 * m * k * n, scale: 1e9 };
}

/** C = A·B, float32, square and one tall-skinny case (a batch of activations times a narrow weight). */
export const matmul: WorkloadDef<'matmul'> = {
  id: 'matmul',
  description: 'C = A·B float32; 2·M·K·N flops per call',
  sizes: [
    size('128', 128, 128, 128, true, true),
    size('256', 256, 256, 256, true, true),
    size('512', 512, 512, 512, true, false),
    size('1024', 1024, 1024, 1024, true, false),
    size('8192x512x64', 8192, 512, 64, true, false),
  ],
};
