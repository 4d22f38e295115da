import type { Backend, TensorInfo } from '@nabla/tensor';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCpuBackend } from '../src/index.js';
import { threadStats, threadsReady } from '../src/threads/shared.js';

function random(length: number, seed: number): Float32Array {
  let s = seed;
  return Float32Array.from({ length }, () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32) * 2 - 1);
}

/** A row-major [..batch, rows, cols] tensor, or its transpose stored [..batch, cols, rows] and viewed back. */
function info(batch: number[], rows: number, cols: number, seed: number, transposed = false): TensorInfo {
  const size = batch.reduce((x, y) => x * y, 1) * rows * cols;
  const lead: number[] = [];
  let step = rows * cols;
  for (let d = batch.length - 1; d >= 0; d--) {
    lead.unshift(step);
    step *= batch[d]!;
  }
  const strides = transposed ? [...lead, 1, rows] : [...lead, cols, 1];
  return { buffer: random(size, seed), dtype: 'float32', shape: [...batch, rows, cols], strides, offset: 0 };
}

function expectClose(got: Float32Array, want: Float32Array, k: number): void {
  expect(got.length).toBe(want.length);
  let worst = 0;
  for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i]! - want[i]!));
  expect(worst).toBeLessThanOrEqual(1e-5 * Math.max(1, k) * 4);
}

describe('GEMM on the worker pool', () => {
  let threaded: Backend;
  const reference = createCpuBackend({ kernels: 'reference' });
  beforeAll(async () => {
    threaded = createCpuBackend({ threads: 2, threadMinWork: 1 });
    threaded.kernels.matmul(info([], 1, 1, 1), info([], 1, 1, 2)); // starts the pool
    expect(await threadsReady()).toBe(true);
  });
  afterAll(() => threaded.dispose!());

  // [M, K, N]: split by rows (tall C), by B panels (short C), tile remainders, degenerate sides
  const shapes: [number, number, number][] = [
    [67, 33, 45], [200, 300, 130], [3, 50, 70], [1, 40, 90], [90, 40, 1], [37, 1, 29], [1, 1, 1], [17, 600, 18], [5, 30, 16], [0, 5, 7], [6, 0, 4],
  ];
  for (const [m, k, n] of shapes) {
    it(`${m}x${k}x${n} (MxKxN) matches the reference kernel and runs on the workers`, () => {
      const a = info([], m, k, m + 3 * k);
      const b = info([], k, n, n + 5 * k);
      const before = threadStats().runs;
      const got = threaded.kernels.matmul(a, b);
      expectClose(got, reference.kernels.matmul(a, b), k);
      // a product that can be split (16+ rows per thread, or 2+ B panels of 16 columns) wakes
      // the pool once; empty ones and a single panel of a few rows stay on the caller
      const splits = m * n * k > 0 && (Math.ceil(m / 2) >= 16 || Math.ceil(n / 16) >= 2);
      expect(threadStats().runs - before).toBe(splits ? 1 : 0);
    });
  }

  it('transposed A and B, a broadcast batch (stride 0) and batched B', () => {
    const [m, k, n] = [45, 70, 38];
    const at = info([3], m, k, 11, true);
    const bt = info([3], k, n, 12, true);
    expectClose(threaded.kernels.matmul(at, bt), reference.kernels.matmul(at, bt), k);
    const a1 = info([], m, k, 13);
    const broadcastA: TensorInfo = { ...a1, shape: [4, m, k], strides: [0, k, 1] };
    const b4 = info([4], k, n, 14);
    expectClose(threaded.kernels.matmul(broadcastA, b4), reference.kernels.matmul(broadcastA, b4), k);
    const b1 = info([], k, n, 15, true);
    const broadcastB: TensorInfo = { ...b1, shape: [4, k, n], strides: [0, ...b1.strides] };
    const a4 = info([4], m, k, 16);
    expectClose(threaded.kernels.matmul(a4, broadcastB), reference.kernels.matmul(a4, broadcastB), k);
  });

  it('a product that grows the shared memory is seen by the workers', () => {
    const [m, k, n] = [520, 700, 300]; // ~3.6 MB of packed panels: past the arena the earlier cases grew
    const pagesBefore = threadStats().runs;
    const a = info([], m, k, 21);
    const b = info([], k, n, 22);
    expectClose(threaded.kernels.matmul(a, b), reference.kernels.matmul(a, b), k);
    expect(threadStats().runs).toBe(pagesBefore + 1);
  });
});

describe('thread pool lifetime', () => {
  it('backends share one pool per thread count and the last dispose terminates it', async () => {
    const start = threadStats().pools;
    const x = createCpuBackend({ threads: 3, threadMinWork: 1 });
    const y = createCpuBackend({ threads: 3, threadMinWork: 1 });
    const a = info([], 8, 8, 1);
    expect(threadStats().pools).toBe(start); // no workers until a product asks for them
    x.kernels.matmul(a, a);
    y.kernels.matmul(a, a);
    expect(threadStats().pools).toBe(start + 1);
    expect(await threadsReady()).toBe(true);
    x.dispose!();
    expect(threadStats().pools).toBe(start + 1);
    y.dispose!();
    x.dispose!(); // a second dispose releases nothing more
    expect(threadStats().pools).toBe(start);
  });

  it('threads: 1, NABLA_THREADS=1 and small products start no pool', () => {
    const start = threadStats().pools;
    const a = info([], 64, 64, 3);
    createCpuBackend({ threads: 1, threadMinWork: 1 }).kernels.matmul(a, a);
    const saved = process.env['NABLA_THREADS'];
    process.env['NABLA_THREADS'] = '1';
    try {
      createCpuBackend({ threadMinWork: 1 }).kernels.matmul(a, a);
    } finally {
      if (saved === undefined) delete process.env['NABLA_THREADS'];
      else process.env['NABLA_THREADS'] = saved;
    }
    createCpuBackend({ threads: 2 }).kernels.matmul(a, a); // 64³ is under the default threshold
    expect(threadStats().pools).toBe(start);
  });
});
