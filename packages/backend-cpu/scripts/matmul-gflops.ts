// Float32 matmul throughput of the CPU backend's kernel.
// Run from packages/backend-cpu:
//   pnpm exec tsx scripts/matmul-gflops.ts [--reference] [--threads N] [--no-fma] [--min-work W] [n | MxKxN ...]
// --threads N: worker pool size (default 1; the backend's own default is every core).
// --no-fma:    keep relaxed SIMD off (NABLA_RELAXED_SIMD=0), so the GEMM multiplies and adds
//              apart; by default the backend turns it on in Node 20 (wasm/relaxed.ts).
// --min-work W: m·n·k from which products are split across threads (default: the backend's).
// Default shapes: 256, 512, 1024 (square) and the MLP shapes 128x784x256, 128x256x128, 784x128x256.
import type { TensorInfo } from '@nabla/tensor';

const args = process.argv.slice(2);
const option = (name: string): string | undefined => {
  const i = args.indexOf(name);
  return i >= 0 ? args.splice(i, 2)[1] : undefined;
};
const threads = Number(option('--threads') ?? 1);
const minWork = option('--min-work');
if (args.includes('--no-fma')) process.env['NABLA_RELAXED_SIMD'] = '0'; // read when the GEMM first compiles
const { createCpuBackend, gemmUsesFma } = await import('../src/index.js');
const { threadsReady } = await import('../src/threads/shared.js');

const kind = args.includes('--reference') ? 'reference' : 'fast';
const backend = createCpuBackend({ kernels: kind, threads, ...(minWork !== undefined ? { threadMinWork: Number(minWork) } : {}) });
const { kernels } = backend;
const given = args.filter((s) => !s.startsWith('--')).map((s) => (s.includes('x') ? s.split('x').map(Number) : [+s, +s, +s]));
const shapes = given.length ? given : [[256, 256, 256], [512, 512, 512], [1024, 1024, 1024], [128, 784, 256], [128, 256, 128], [784, 128, 256]];

function matrix(rows: number, cols: number, seed: number): TensorInfo {
  let s = seed;
  const data = Float32Array.from({ length: rows * cols }, () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32) - 0.5);
  return { buffer: data, dtype: 'float32', shape: [rows, cols], strides: [cols, 1], offset: 0 };
}

console.log(`kernels: ${kind}, threads: ${threads}, fma: ${kind === 'fast' && gemmUsesFma()}`);
for (const [m, k, n] of shapes as [number, number, number][]) {
  const a = matrix(m, k, 1);
  const b = matrix(k, n, 2);
  const flop = 2 * m * n * k;
  const runs = Math.max(5, Math.min(31, Math.round(2e9 / flop)));
  for (let w = 0; w < 3; w++) kernels.matmul(a, b); // warm-up (JIT; starts the pool)
  await threadsReady();
  const ms: number[] = [];
  for (let r = 0; r < runs; r++) {
    const t = performance.now();
    kernels.matmul(a, b);
    ms.push(performance.now() - t);
  }
  ms.sort((x, y) => x - y);
  const median = ms[runs >> 1]!;
  const gf = (t: number) => (flop / (t * 1e6)).toFixed(1);
  console.log(`${m}x${k}x${n}: median ${median.toFixed(3)} ms = ${gf(median)} GFLOP/s (best ${gf(ms[0]!)}) over ${runs} runs`);
}
backend.dispose?.();
