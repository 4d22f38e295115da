// Float32 matmul throughput of the CPU backend's kernel (one thread).
// Run from packages/backend-cpu: pnpm exec tsx scripts/matmul-gflops.ts [--reference] [n | MxKxN ...]
// Default shapes: 256, 512, 1024 (square) and the MLP shapes 128x784x256, 128x256x128, 784x128x256.
import type { TensorInfo } from '@nabla/tensor';
import { createCpuBackend } from '../src/index.js';

const args = process.argv.slice(2);
const kind = args.includes('--reference') ? 'reference' : 'fast';
const { kernels } = createCpuBackend({ kernels: kind });
const given = args.filter((s) => !s.startsWith('--')).map((s) => (s.includes('x') ? s.split('x').map(Number) : [+s, +s, +s]));
const shapes = given.length ? given : [[256, 256, 256], [512, 512, 512], [1024, 1024, 1024], [128, 784, 256], [128, 256, 128], [784, 128, 256]];

function matrix(rows: number, cols: number, seed: number): TensorInfo {
  let s = seed;
  const data = Float32Array.from({ length: rows * cols }, () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32) - 0.5);
  return { buffer: data, dtype: 'float32', shape: [rows, cols], strides: [cols, 1], offset: 0 };
}

console.log(`kernels: ${kind}`);
for (const [m, k, n] of shapes as [number, number, number][]) {
  const a = matrix(m, k, 1);
  const b = matrix(k, n, 2);
  const flop = 2 * m * n * k;
  const runs = Math.max(5, Math.min(31, Math.round(2e9 / flop)));
  for (let w = 0; w < 3; w++) kernels.matmul(a, b); // warm-up (JIT)
  const ms: number[] = [];
  for (let r = 0; r < runs; r++) {
    const t = performance.now();
    kernels.matmul(a, b);
    ms.push(performance.now() - t);
  }
  ms.sort((x, y) => x - y);
  const median = ms[runs >> 1]!;
  const gf = (t: number) => (flop / (t * 1e6)).toFixed(1);
  console.log(`${m}x${k}x${n}: median ${median.toFixed(2)} ms = ${gf(median)} GFLOP/s (best ${gf(ms[0]!)}) over ${runs} runs`);
}
