import type { Conv2dParams, SizeSpec, WorkloadDef } from './types.js';

function size(label: string, p: Conv2dParams, quick: boolean, quickSoftware: boolean): SizeSpec<'conv2d'> {
  // 'same' padding, stride 1: the output is h × w.
  const work = 2 * p.batch * p.h * p.w * p.kh * p.kw * p.c * p.out;
  return { label, params: p, quick, quickSoftware, metric: 'throughput', unit: 'GFLOP/s', better: 'higher', kind: 'throughput', work, scale: 1e9 };
}

/** NHWC conv2d with an HWIO filter, stride 1, 'same' padding (the first two layers of the MNIST CNN, and a larger one). */
export const conv2d: WorkloadDef<'conv2d'> = {
  id: 'conv2d',
  description: "NHWC conv2d, 3×3, stride 1, 'same'; 2·N·H·W·KH·KW·C·O flops per call",
  sizes: [
    size('64x28x28x1 k3 →32', { batch: 64, h: 28, w: 28, c: 1, kh: 3, kw: 3, out: 32 }, true, false),
    size('64x14x14x32 k3 →64', { batch: 64, h: 14, w: 14, c: 32, kh: 3, kw: 3, out: 64 }, true, false),
    size('16x32x32x64 k3 →64', { batch: 16, h: 32, w: 32, c: 64, kh: 3, kw: 3, out: 64 }, false, false),
  ],
};
