import { adamUpdate, matmul, slice, tensor, withBackend, type Tensor } from '@nabla/tensor';
import { afterAll, describe, expect, it } from 'vitest';
import { createCpuBackend } from '../src/index.js';
import { wasmGemmOf } from '../src/backend.js';
import { rng } from './helpers.js';

// Small-m products keep the row-major copy of B (the weights, when predicting a few samples at a
// time) in wasm memory between calls. The copy must follow B's contents: weights rewritten in
// place by Adam on donated storage, and arrays the backend reuses for new contents.
// Only a B that is not on the wasm heap is staged (one on the heap is read where it is: see
// heap.test.ts), so this file runs without the heap, as a page without cross-origin isolation
// does. Set before anything allocates: the heap is made on first use.
process.env['NABLA_HEAP'] = '0';
const fast = createCpuBackend({ threads: 1 });
const reference = createCpuBackend({ kernels: 'reference' });
afterAll(() => {
  fast.dispose?.();
  reference.dispose?.();
});

const data = (n: number, seed: number): Float32Array => {
  const r = rng(seed);
  return Float32Array.from({ length: n }, () => r() - 0.5);
};

function expectClose(got: Float32Array, want: Float32Array): void {
  expect(got.length).toBe(want.length);
  for (let i = 0; i < got.length; i++) expect(Math.abs(got[i]! - want[i]!), `element ${i}`).toBeLessThan(1e-5 * (1 + Math.abs(want[i]!)));
}

/** x·w on the reference backend, from host values. */
function referenceProduct(x: Float32Array, w: Float32Array, [m, k, n]: number[]): Float32Array {
  return withBackend(reference, () => {
    const a = tensor(x, [m!, k!]);
    const b = tensor(w, [k!, n!]);
    const c = matmul(a, b);
    const out = c.dataSync() as Float32Array;
    for (const t of [a, b, c]) t.dispose();
    return out;
  });
}

describe('staged weights of small-m products', () => {
  const [m, k, n] = [1, 96, 80];
  it('reuses the staged copy for the same weights, call after call', () => {
    const gemm = wasmGemmOf(fast)!;
    withBackend(fast, () => {
      const w = tensor(data(k * n, 1), [k, n]);
      const hits = gemm.cacheHits;
      for (let i = 0; i < 3; i++) {
        const xv = data(m * k, 10 + i);
        const x = tensor(xv, [m, k]);
        const y = matmul(x, w);
        expectClose(y.dataSync() as Float32Array, referenceProduct(xv, w.dataSync() as Float32Array, [m, k, n]));
        x.dispose();
        y.dispose();
      }
      expect(gemm.cacheHits - hits).toBe(2);
      w.dispose();
    });
  });

  it('stages again after Adam rewrites the weights in place (donated storage)', () => {
    withBackend(fast, () => {
      let w = tensor(data(k * n, 2), [k, n]);
      let mom = tensor(new Float32Array(k * n), [k, n]);
      let vel = tensor(new Float32Array(k * n), [k, n]);
      const g = tensor(data(k * n, 3), [k, n]);
      const xv = data(m * k, 4);
      const x = tensor(xv, [m, k]);
      const before = matmul(x, w);
      const old = Float32Array.from(w.dataSync() as Float32Array);
      const next = adamUpdate(w, g, mom, vel, null, { alpha: 0.1, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 }, { donate: true });
      expect(next.w.storage).toBe(w.storage); // written in place: the case the cache must notice
      for (const t of [w, mom, vel]) t.dispose();
      [w, mom, vel] = [next.w, next.m, next.v];
      const after = matmul(x, w);
      const now = w.dataSync() as Float32Array;
      expect(now.some((v, i) => v !== old[i])).toBe(true);
      expectClose(after.dataSync() as Float32Array, referenceProduct(xv, now, [m, k, n]));
      expectClose(before.dataSync() as Float32Array, referenceProduct(xv, old, [m, k, n]));
      for (const t of [w, mom, vel, g, x, before, after]) t.dispose();
    });
  });

  it('stages again when a released array is reused for new weights of the same size', () => {
    withBackend(fast, () => {
      const xv = data(m * k, 5);
      const x = tensor(xv, [m, k]);
      const seed = tensor(data(k * n, 6), [k, n]);
      const w1 = matmul(tensor(new Float32Array(k * k).map((_, i) => (i % (k + 1) === 0 ? 1 : 0)), [k, k]), seed); // a backend-made copy of seed
      const y1 = matmul(x, w1);
      const w1v = Float32Array.from(w1.dataSync() as Float32Array);
      w1.dispose(); // its array goes to the reuse store
      const w2 = matmul(tensor(new Float32Array(k * k).map((_, i) => (i % (k + 1) === 0 ? 2 : 0)), [k, k]), seed); // 2·seed, likely in w1's array
      const y2 = matmul(x, w2);
      expectClose(y1.dataSync() as Float32Array, referenceProduct(xv, w1v, [m, k, n]));
      expectClose(y2.dataSync() as Float32Array, referenceProduct(xv, w2.dataSync() as Float32Array, [m, k, n]));
      for (const t of [x, seed, y1, w2, y2] as Tensor[]) t.dispose();
    });
  });

  it('keeps products of other views of one array apart (offsets, row strides)', () => {
    withBackend(fast, () => {
      const big = tensor(data(2 * k * n, 7), [2 * k, n]);
      const xv = data(m * k, 8);
      const x = tensor(xv, [m, k]);
      const all = big.dataSync() as Float32Array;
      for (const start of [0, k, 0]) {
        const w = slice(big, [start, 0], [k, n]);
        const y = matmul(x, w);
        expectClose(y.dataSync() as Float32Array, referenceProduct(xv, all.slice(start * n, (start + k) * n), [m, k, n]));
        w.dispose();
        y.dispose();
      }
      big.dispose();
      x.dispose();
    });
  });
});

describe('staged-weights region (WasmGemm directly)', () => {
  it('restages a rewritten B where it was even when the region is full, never under the arena', async () => {
    const { createWasmGemm } = await import('../src/wasm/gemm.js');
    const { bumpVersion } = await import('../src/versions.js');
    const g = createWasmGemm()!;
    const [m, k, n] = [1, 64, 80];
    g.stagedBytes = Math.ceil((k * n + 16) * 4 * 2.5); // room for two staged B, not three
    const x = data(m * k, 20);
    const mat = (d: Float32Array, rs: number) => ({ data: d, offset: 0, rs, cs: 1 });
    const product = (w: Float32Array): Float32Array => {
      const out = new Float32Array(m * n);
      g.product(m, n, k, mat(x, k), mat(w, n), out, 0);
      return out;
    };
    const w1 = data(k * n, 21);
    const w2 = data(k * n, 22);
    expectClose(product(w1), referenceProduct(x, w1, [m, k, n]));
    expectClose(product(w2), referenceProduct(x, w2, [m, k, n])); // the region is now nearly full, w2 above w1
    w2.set(data(k * n, 23));
    bumpVersion(w2); // rewritten in place, as Adam does
    expectClose(product(w2), referenceProduct(x, w2, [m, k, n]));
    expectClose(product(w2), referenceProduct(x, w2, [m, k, n]));
  });
});
