// Float32 matmul throughput of the CPU backend's kernel (square n x n x n, one thread).
// Run from packages/backend-cpu: pnpm exec tsx scripts/matmul-gflops.ts [sizes...]
import type { TensorInfo } from '@nabla/tensor';
import { createCpuBackend } from '../src/index.js';

const { kernels } = createCpuBackend();
const sizes = process.argv.slice(2).map(Number).filter((n) => n > 0);

function square(n: number, seed: number): TensorInfo {
  let s = seed;
  const data = Float32Array.from({ length: n * n }, () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32) - 0.5);
  return { buffer: data, dtype: 'float32', shape: [n, n], strides: [n, 1], offset: 0 };
}

for (const n of sizes.length ? sizes : [256, 512, 1024]) {
  const a = square(n, 1);
  const b = square(n, 2);
  const runs = n <= 256 ? 15 : n <= 512 ? 7 : 5;
  for (let w = 0; w < 2; w++) kernels.matmul(a, b); // warm-up (JIT)
  const ms: number[] = [];
  for (let r = 0; r < runs; r++) {
    const t = performance.now();
    kernels.matmul(a, b);
    ms.push(performance.now() - t);
  }
  ms.sort((x, y) => x - y);
  const median = ms[runs >> 1]!;
  const gflops = (2 * n ** 3) / (median * 1e6);
  console.log(`${n}x${n}x${n}: median ${median.toFixed(1)} ms (min ${ms[0]!.toFixed(1)}, max ${ms[runs - 1]!.toFixed(1)}) over ${runs} runs = ${gflops.toFixed(2)} GFLOP/s`);
}
