import { broadcastTo, matmul, slice, tensor, withBackend, type Tensor } from '@nabla/tensor';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { createCpuBackend, WasmGemm } from '../src/index.js';
import { wasmGemmOf } from '../src/backend.js';
import { threadStats, threadsReady } from '../src/threads/shared.js';
import { SMALL_M } from '../src/wasm/gemm.js';

// Products with m <= SMALL_M skip packing B: the kernel reads it row-major where it is on the
// wasm heap, or staged row-major from a JS array (WasmGemm.fixedB, stageB, computeRows). These
// check that path against the reference kernels.

const fast = createCpuBackend({ threads: 1 });
const reference = createCpuBackend({ kernels: 'reference' });
// every product asks for threads: small-m ones split across the workers by B panels
const threaded = createCpuBackend({ threads: 2, threadMinWork: 1 });
afterAll(() => {
  fast.dispose?.();
  reference.dispose?.();
  threaded.dispose?.();
});
afterEach(() => {
  vi.restoreAllMocks();
});

function random(length: number, seed: number): Float32Array {
  let s = seed >>> 0;
  return Float32Array.from({ length }, () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32) * 2 - 1);
}

type Backend = typeof fast;

/**
 * matmul on `backend` of A (m x k) and B (k x n) given as views: A rows [1, 1 + m) and columns
 * [2, 2 + k) of a (m + 1) x (k + 2) matrix (nonzero offset, row stride k + 2); B rows [2, 2 + k)
 * and columns [c0, c0 + n) of a (k + 2) x width matrix (width = n: row stride n, offset 2n).
 */
function product(backend: Backend, m: number, k: number, n: number, a: Float32Array, b: Float32Array, width: number, c0: number): Float32Array {
  return withBackend(backend, () => {
    const ta = tensor(a, [m + 1, k + 2]);
    const tb = tensor(b, [k + 2, width]);
    const va = slice(ta, [1, 2], [m, k]);
    const vb = slice(tb, [2, c0], [k, n]);
    const c = matmul(va, vb);
    const out = Float32Array.from(c.dataSync() as Float32Array);
    for (const t of [ta, tb, va, vb, c]) t.dispose();
    return out;
  });
}

/** Σ_kk |a(i, kk)·b(kk, j)| for each output (the error scale of a float32 dot product). */
function magnitudes(m: number, k: number, n: number, a: Float32Array, b: Float32Array, width: number, c0: number): Float64Array {
  const out = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let kk = 0; kk < k; kk++) {
      const x = Math.abs(a[(i + 1) * (k + 2) + 2 + kk]!);
      const row = (kk + 2) * width + c0;
      for (let j = 0; j < n; j++) out[i * n + j] += x * Math.abs(b[row + j]!);
    }
  }
  return out;
}

/** got within 1e-5 of want, relative to Σ|a·b| per element; non-finite expected values must match exactly. */
function expectClose(got: Float32Array, want: Float32Array, scale: Float64Array, label: string): void {
  expect(got.length, label).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    const w = want[i]!;
    const g = got[i]!;
    if (!Number.isFinite(w)) {
      if (!Object.is(g, w)) expect(g, `${label} [${i}]`).toBe(w);
      continue;
    }
    const err = Math.abs(g - w);
    if (!(err <= 1e-5 * Math.max(scale[i]!, 1e-30))) expect(err, `${label} [${i}]: got ${g}, want ${w}`).toBeLessThanOrEqual(1e-5 * scale[i]!);
  }
}

function check(backend: Backend, m: number, k: number, n: number, width: number, c0: number, seed: number, poison?: (b: Float32Array) => void): void {
  const a = random((m + 1) * (k + 2), seed);
  const b = random((k + 2) * width, seed + 7919);
  poison?.(b);
  const label = `${m}x${k}x${n} (B row stride ${width}, column ${c0})`;
  expectClose(product(backend, m, k, n, a, b, width, c0), product(reference, m, k, n, a, b, width, c0), magnitudes(m, k, n, a, b, width, c0), label);
}

const MS = [1, 2, 3, 4, 5, 8, 16, 17];
const NS = [1, 10, 15, 16, 17, 33, 256];
const KS = [1, 3, 64, 255, 256, 257, 784];

describe('wasm GEMM with few rows (B read in place)', () => {
  it('SMALL_M covers the sizes below and 17 rows do not', () => {
    expect(SMALL_M).toBeGreaterThanOrEqual(16);
    expect(SMALL_M).toBeLessThan(17);
  });

  for (const m of MS) {
    it(`m = ${m}: every n x k, B with row stride n and as a column slice of a wider matrix`, () => {
      let seed = m * 1000;
      for (const n of NS) {
        for (const k of KS) {
          check(fast, m, k, n, n, 0, ++seed); // rs = n (one memcpy), offset 2n
          check(fast, m, k, n, n + 5, 3, ++seed); // rs > n (a memcpy per row), offset 2(n + 5) + 3
        }
      }
    });
  }

  it('B read where it is on the heap when m <= SMALL_M, staged row-major from JS, packed otherwise', () => {
    const stage = vi.spyOn(WasmGemm.prototype, 'stageB');
    const pack = vi.spyOn(WasmGemm.prototype, 'packB');
    // tensors' storage is on the heap: neither staged nor packed (both B layouts)
    check(fast, 1, 784, 256, 256, 0, 1);
    check(fast, SMALL_M, 33, 17, 22, 3, 2);
    expect(stage).not.toHaveBeenCalled();
    expect(pack).not.toHaveBeenCalled();
    check(fast, SMALL_M + 1, 33, 17, 22, 3, 3);
    check(fast, 64, 64, 64, 64, 0, 4);
    expect(pack).toHaveBeenCalledTimes(2);
    // a JS B (a user's array; every array where there is no heap) is staged row-major first
    const g = wasmGemmOf(fast)!;
    const [m, k, n, rs] = [3, 50, 40, 43];
    const a = random(m * k, 5);
    const b = random(k * rs, 6);
    const out = new Float32Array(m * n);
    g.product(m, n, k, { data: a, offset: 0, rs: k, cs: 1 }, { data: b, offset: 2, rs, cs: 1 }, out, 0);
    expect(stage).toHaveBeenCalledTimes(1);
    expect(stage.mock.calls[0]![2]).toMatchObject({ rs, cs: 1, offset: 2 });
    expect(pack).toHaveBeenCalledTimes(2);
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let want = 0;
        let scale = 0;
        for (let kk = 0; kk < k; kk++) {
          want += a[i * k + kk]! * b[2 + kk * rs + j]!;
          scale += Math.abs(a[i * k + kk]! * b[2 + kk * rs + j]!);
        }
        expect(Math.abs(out[i * n + j]! - want), `C[${i}, ${j}]`).toBeLessThanOrEqual(scale * 2 ** -20);
      }
    }
  });

  it('a transposed B (unit row stride) is still packed at small m', () => {
    const stage = vi.spyOn(WasmGemm.prototype, 'stageB');
    const pack = vi.spyOn(WasmGemm.prototype, 'packB');
    const [m, k, n] = [3, 70, 40];
    const a = random(m * k, 11);
    const bt = random(n * k, 12); // B stored transposed: B(kk, j) = bt[j * k + kk]
    const run = (backend: Backend): Float32Array =>
      withBackend(backend, () => {
        const ta = tensor(a, [m, k]);
        const tb = tensor(bt, [n, k]);
        const c = matmul(ta, tb, false, true);
        const out = Float32Array.from(c.dataSync() as Float32Array);
        for (const t of [ta, tb, c]) t.dispose();
        return out;
      });
    const got = run(fast);
    expect(pack).toHaveBeenCalledTimes(1);
    expect(stage).not.toHaveBeenCalled();
    const scale = new Float64Array(m * n);
    for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) for (let kk = 0; kk < k; kk++) scale[i * n + j] += Math.abs(a[i * k + kk]! * bt[j * k + kk]!);
    expectClose(got, run(reference), scale, 'transposed B');
  });

  it('NaN and Infinity in a column of B stay in their columns', () => {
    for (const [m, k, n] of [[1, 64, 17], [2, 300, 33], [5, 257, 16], [16, 784, 256], [3, 3, 10]] as const) {
      for (const [width, c0] of [[n, 0], [n + 5, 3]] as const) {
        const cols = [0, n - 1];
        const poison = (b: Float32Array): void => {
          for (let kk = 0; kk < k; kk++) {
            const row = (kk + 2) * width + c0;
            b[row + cols[0]!] = kk % 3 === 1 ? NaN : b[row + cols[0]!]!;
            b[row + cols[1]!] = kk === k - 1 ? Infinity : b[row + cols[1]!]!;
          }
          // and outside the view: the columns left and right of it (read past by no kernel lane that reaches C)
          if (width > n) for (let kk = 0; kk < k + 2; kk++) {
            b[kk * width + c0 - 1] = NaN;
            b[kk * width + c0 + n] = -Infinity;
          }
        };
        check(fast, m, k, n, width, c0, m * 100 + n, poison);
        // the non-finite columns really are non-finite, the others finite
        const a = random((m + 1) * (k + 2), 5);
        const b = random((k + 2) * width, 6);
        poison(b);
        const got = product(fast, m, k, n, a, b, width, c0);
        for (let i = 0; i < m; i++) {
          for (let j = 0; j < n; j++) {
            const bad = j === cols[0] || j === cols[1];
            expect(Number.isFinite(got[i * n + j]!), `${m}x${k}x${n} (${i}, ${j})`).toBe(!bad);
          }
        }
      }
    }
  });

  it('batched: A over a batch of 3 against B broadcast and against a B per batch entry', () => {
    for (const [m, k, n] of [[1, 784, 256], [2, 65, 17], [4, 256, 10], [16, 33, 48]] as const) {
      const a = random(3 * m * k, m + k);
      const b = random(3 * k * n, n + k);
      const run = (backend: Backend, perBatch: boolean): Float32Array =>
        withBackend(backend, () => {
          const ta = tensor(a, [3, m, k]);
          const tb = perBatch ? tensor(b, [3, k, n]) : tensor(b.subarray(k * n, 2 * k * n), [k, n]);
          const vb = perBatch ? tb : broadcastTo(tb, [3, k, n]);
          const c = matmul(ta, vb);
          expect(c.shape).toEqual([3, m, n]);
          const out = Float32Array.from(c.dataSync() as Float32Array);
          for (const t of new Set<Tensor>([ta, tb, vb, c])) t.dispose();
          return out;
        });
      for (const perBatch of [false, true]) {
        const scale = new Float64Array(3 * m * n);
        for (let t = 0; t < 3; t++) {
          const bo = (perBatch ? t : 1) * k * n;
          for (let i = 0; i < m; i++) for (let kk = 0; kk < k; kk++) {
            const x = Math.abs(a[(t * m + i) * k + kk]!);
            for (let j = 0; j < n; j++) scale[(t * m + i) * n + j] += x * Math.abs(b[bo + kk * n + j]!);
          }
        }
        expectClose(run(fast, perBatch), run(reference, perBatch), scale, `batch 3 of ${m}x${k}x${n}, ${perBatch ? 'B per entry' : 'B broadcast'}`);
      }
    }
  });

  it('a product that asks for threads reads B in place on the workers too', async () => {
    check(threaded, 40, 100, 64, 64, 0, 9); // a packed one (and the pool's GEMM warmed up before the spy)
    expect(await threadsReady()).toBe(true);
    const stage = vi.spyOn(WasmGemm.prototype, 'stageB');
    const pack = vi.spyOn(WasmGemm.prototype, 'packB');
    const cases = [[1, 784, 256], [8, 300, 33], [16, 257, 17], [3, 64, 16]] as const;
    for (const [m, k, n] of cases) {
      const before = threadStats().runs;
      check(threaded, m, k, n, n + 5, 3, m + k + n);
      check(threaded, m, k, n, n, 0, m + k + n + 1);
      // split by B panels when there are two or more (one panel of few rows stays on the caller)
      expect(threadStats().runs - before, `${m}x${k}x${n}`).toBe(n > 16 ? 2 : 0);
    }
    // B on the heap: read where it is by the caller and the workers alike
    expect(stage).not.toHaveBeenCalled();
    expect(pack).not.toHaveBeenCalled();
  });
});
