import { matmul, slice, tensor, withBackend, type Backend } from '@nabla/tensor';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCpuBackend, createWasmGemm, WasmGemm } from '../src/index.js';
import { threadsReady } from '../src/threads/shared.js';
import { heapArray, heapRelease } from '../src/heap.js';

// A transposed B (rs 1, cs >= k: B = Mᵀ of a row-major M [n, k]) packs in wasm (transposePanels);
// the packing is a copy, so it must match the panel layout bit for bit.

const KS = [1, 2, 3, 4, 5, 17, 64, 255, 256, 257, 784];
const NS = [1, 15, 16, 17, 31, 33, 64, 256, 300];
const NR = 16;

function random(length: number, seed: number): Float32Array {
  let s = seed;
  return Float32Array.from({ length }, () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32) * 2 - 1);
}

/** M [n, k] stored with row stride cs after `offset` floats; the gaps and the ends hold NaN (an over-read shows). */
function transposedB(k: number, n: number, cs: number, offset: number, seed: number): Float32Array {
  const data = new Float32Array(offset + (n - 1) * cs + k + 5).fill(NaN);
  const values = random(n * k, seed);
  for (let j = 0; j < n; j++) data.set(values.subarray(j * k, (j + 1) * k), offset + j * cs);
  return data;
}

describe('packB of a transposed B', () => {
  const g = createWasmGemm()!;
  for (const k of KS) {
    it(`k = ${k}, every n, cs = k, k + 3 and 2k + 5, B in JS and on the heap`, () => {
      for (const [n, onHeap] of NS.flatMap((n) => [[n, false], [n, true]] as const)) {
        for (const cs of [k, k + 3, 2 * k + 5]) {
          const offset = 7;
          const js = transposedB(k, n, cs, offset, k * 1000 + n + cs);
          // a JS B is staged and transposed; a B on the heap is transposed from where it is
          const data = onHeap ? heapArray('float32', js.length)! as Float32Array : js;
          if (onHeap) data.set(js);
          const panels = Math.ceil(n / NR);
          // the definition: panel p, row kk, lane c = B[kk, p·16 + c] = data[offset + kk + j·cs], 0 past n
          const want = new Float32Array(panels * k * NR);
          for (let p = 0; p < panels; p++) {
            for (let kk = 0; kk < k; kk++) {
              for (let c = 0; c < NR; c++) {
                const j = p * NR + c;
                want[(p * k + kk) * NR + c] = j < n ? data[offset + kk + j * cs]! : 0;
              }
            }
          }
          expect(g.reserve(2, n, k)).toBe(true);
          g.reset();
          g.alloc(64); // not at the start of the arena
          const ptr = g.alloc(WasmGemm.bBytes(k, n));
          g.view.fill(NaN, ptr >> 2, (ptr >> 2) + want.length); // every lane must be written
          g.packB(k, n, { data, offset, rs: 1, cs }, ptr);
          const got = new Uint32Array(g.memory.buffer, ptr, want.length);
          const bits = new Uint32Array(want.buffer);
          let bad = -1;
          for (let i = 0; i < bits.length && bad < 0; i++) if (got[i] !== bits[i]) bad = i;
          expect(bad, `k ${k} n ${n} cs ${cs} on heap ${onHeap}: first wrong float`).toBe(-1);
          if (onHeap) heapRelease(data);
        }
      }
    });
  }
});

describe('matmul(a, b, false, true) against the reference kernels', () => {
  const reference = createCpuBackend({ kernels: 'reference' });
  const fast = createCpuBackend();
  const threaded = createCpuBackend({ threads: 2, threadMinWork: 1 });

  beforeAll(async () => {
    const one = { buffer: new Float32Array([1]), dtype: 'float32' as const, shape: [1, 1], strides: [1, 1], offset: 0 };
    threaded.kernels.matmul(one, one); // starts the pool
    expect(await threadsReady()).toBe(true);
  });
  afterAll(() => {
    for (const b of [reference, fast, threaded]) b.dispose?.();
  });

  /** A [m, k] · (the [n, k] block at row 1 of an [n + 1, cs] matrix)ᵀ on one backend: B has rs 1, cs and offset cs. */
  const product = (be: Backend, m: number, k: number, n: number, cs: number, a: Float32Array, raw: Float32Array): Float32Array =>
    withBackend(be, () => {
      const ta = tensor(a, [m, k]);
      const whole = tensor(raw, [n + 1, cs]);
      const b = slice(whole, [1, 0], [n, k]);
      const c = matmul(ta, b, false, true);
      const out = c.dataSync() as Float32Array;
      for (const t of [ta, whole, b, c]) t.dispose();
      return out;
    });

  for (const [name, backend] of [['one thread', fast], ['threads: 2', threaded]] as const) {
    for (const k of KS) {
      it(`${name}, k = ${k}, every n, row stride k and k + 3`, () => {
        for (const n of NS) {
          for (const cs of [k, k + 3]) {
            const m = 1 + ((k + n) % 9);
            const a = random(m * k, k + 7 * n);
            const raw = random((n + 1) * cs, 3 * k + n + cs);
            const want = product(reference, m, k, n, cs, a, raw);
            const got = product(backend, m, k, n, cs, a, raw);
            expect(got.length).toBe(m * n);
            let worst = 0;
            for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i]! - want[i]!) / Math.max(1, Math.abs(want[i]!)));
            expect(worst, `m ${m} k ${k} n ${n} cs ${cs}`).toBeLessThanOrEqual(1e-5);
          }
        }
      });
    }
  }
});
