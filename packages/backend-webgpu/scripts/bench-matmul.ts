/**
 * Matmul throughput of the WebGPU backend on whatever adapter Dawn gives (WEBGPU_BACKEND,
 * VK_ICD_FILENAMES as for the tests). Not a unit test: run it by hand,
 *   pnpm exec tsx scripts/bench-matmul.ts [sizes...]
 * Each size: warm-up, then the median of several runs of C = A·B (2·n³ flops), timed
 * from submit to completion (sync), inputs already on the GPU.
 */
import * as nb from '@nabla/tensor';
import { createNodeWebGPUBackend } from '../src/node.js';

const sizes = process.argv.slice(2).map(Number).filter((n) => n > 0);
const backend = await createNodeWebGPUBackend();
await nb.setBackend(backend);
console.log(`adapter: ${backend.adapter?.description} (${backend.adapter?.featureLevel})`);
for (const n of sizes.length ? sizes : [256, 512]) {
  const a = nb.randomUniform([n, n], { seed: 1 });
  const b = nb.randomUniform([n, n], { seed: 2 });
  await backend.sync();
  const reps = n >= 1024 ? 3 : 5;
  const times: number[] = [];
  for (let r = 0; r < reps + 1; r++) {
    const t0 = performance.now();
    const c = nb.matmul(a, b);
    await backend.sync();
    const ms = performance.now() - t0;
    c.dispose();
    if (r > 0) times.push(ms);
  }
  times.sort((x, y) => x - y);
  const ms = times[Math.floor(times.length / 2)]!;
  console.log(`${n}x${n}x${n}: median ${ms.toFixed(1)} ms (min ${times[0]!.toFixed(1)}, max ${times[times.length - 1]!.toFixed(1)}) = ${((2 * n ** 3) / ms / 1e6).toFixed(3)} GFLOP/s`);
  a.dispose();
  b.dispose();
}
backend.dispose();
