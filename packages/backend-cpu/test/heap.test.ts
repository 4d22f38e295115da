import { add, cast, matmul, mul, relu, slice, sum, tensor, tidy, transpose, withBackend } from '@nabla/tensor';
import { inKernel, pendingTemporaries, toContiguous } from '../src/strided.js';
import { afterAll, describe, expect, it } from 'vitest';
import { heapAddress, heapArray, heapGeneration, heapRelease, heapStats, classSize, HEAP_MAX_PAGES, PAGE } from '../src/heap.js';
import { createCpuBackend } from '../src/index.js';
import { alloc, allocFull, HEAP_MIN_ELEMENTS } from '../src/recycle.js';
import { wasmElementwise, CHUNK } from '../src/wasm/elementwise.js';
import { expectSameBits, rng } from './helpers.js';

const cpu = createCpuBackend();
afterAll(() => cpu.dispose?.());

const f32 = (n: number): Float32Array => {
  const a = heapArray('float32', n);
  if (a === null) throw new Error('no heap');
  return a as Float32Array;
};

describe('the wasm heap allocator', () => {
  it('rounds requests to classes of at most 25% waste, all multiples of 16 bytes', () => {
    for (let bytes = 1; bytes < 300_000; bytes += 1 + (bytes >> 4)) {
      const size = classSize(bytes);
      expect(size).toBeGreaterThanOrEqual(bytes);
      expect(size % 16).toBe(0);
      if (bytes > 64) expect(size).toBeLessThanOrEqual(bytes * 1.25 + 16);
    }
  });

  it('hands out disjoint, aligned views of the heap and reuses a freed block', () => {
    const a = f32(1000);
    const b = f32(1000);
    expect(heapAddress(a) % 16).toBe(0);
    expect(heapAddress(a)).toBeGreaterThan(0);
    const [lo, hi] = heapAddress(a) < heapAddress(b) ? [a, b] : [b, a];
    expect(heapAddress(lo) + lo.byteLength).toBeLessThanOrEqual(heapAddress(hi));
    a.fill(1);
    b.fill(2);
    expect(a.every((x) => x === 1)).toBe(true);
    const at = heapAddress(a);
    expect(heapRelease(a)).toBe(true);
    const c = f32(990); // the same class
    expect(heapAddress(c)).toBe(at);
    heapRelease(b);
    heapRelease(c);
  });

  it('frees only the very view it made, once; never a subarray, a JS array or a stranger', () => {
    const a = f32(4096);
    const before = heapStats().blocks;
    expect(heapRelease(a.subarray(0, 4096))).toBe(false);
    expect(heapRelease(new Float32Array(4096))).toBe(false);
    expect(heapRelease({})).toBe(false);
    expect(heapStats().blocks).toBe(before);
    expect(heapRelease(a)).toBe(true);
    expect(heapRelease(a)).toBe(false);
    expect(heapStats().blocks).toBe(before - 1);
  });

  it('keeps earlier views valid and addressable when the memory grows', () => {
    const early = f32(1024);
    early.fill(3.5);
    const generation = heapGeneration();
    const bytes = heapStats().memoryBytes;
    const big = Array.from({ length: 3 }, () => f32(bytes / 8)); // together 1.5x the memory: it must grow
    expect(heapStats().memoryBytes).toBeGreaterThan(bytes);
    expect(heapGeneration()).toBeGreaterThan(generation);
    expect(early.every((x) => x === 3.5)).toBe(true);
    early[7] = -1;
    expect(new Float32Array(big[2]!.buffer, heapAddress(early), 1024)[7]).toBe(-1); // the same bytes through a newer buffer
    expect(heapAddress(early)).toBeGreaterThan(0);
    for (const a of [early, ...big]) expect(heapRelease(a)).toBe(true);
  });

  it('returns null, not a wrong array, when a request cannot fit', () => {
    expect(heapArray('float32', (HEAP_MAX_PAGES * PAGE) / 4)).toBeNull();
    const fallback = alloc('float32', (HEAP_MAX_PAGES * PAGE) / 4 / 64); // fits: on the heap
    expect(heapAddress(fallback)).toBeGreaterThan(0);
    heapRelease(fallback);
  });
});

describe('backend arrays on the heap', () => {
  it('a backend\'s GEMM region goes back to the heap when the backend is disposed, grown or not', () => {
    const before = heapStats().bytesInUse;
    const backend = createCpuBackend({ threads: 1 });
    expect(heapStats().bytesInUse).toBeGreaterThan(before); // its GEMM's region
    withBackend(backend, () => {
      // a product larger than the first region: the region is replaced by a larger block
      const a = tensor(new Float32Array(300 * 700).fill(0.5), [300, 700]);
      const b = tensor(new Float32Array(700 * 500).fill(2), [700, 500]);
      const c = matmul(a, b);
      expect((c.dataSync() as Float32Array)[1234]).toBe(700);
      for (const t of [a, b, c]) t.dispose();
    });
    backend.dispose?.();
    expect(heapStats().bytesInUse).toBe(before);
  });

  it('alloc zero-fills a reused block; allocFull leaves it; small arrays stay in JS', () => {
    const a = allocFull('float32', 5000);
    a.fill(9);
    const at = heapAddress(a);
    heapRelease(a);
    const b = alloc('float32', 5000);
    expect(heapAddress(b)).toBe(at);
    expect(b.every((x) => x === 0)).toBe(true);
    heapRelease(b);
    const i = alloc('int32', 100);
    expect(i).toBeInstanceOf(Int32Array);
    expect(heapAddress(i)).toBeGreaterThan(0);
    heapRelease(i);
    expect(heapAddress(alloc('float32', HEAP_MIN_ELEMENTS - 1))).toBe(-1);
  });

  it('frees a disposed tensor\'s block, and a training-like loop holds the heap steady', () => {
    withBackend(cpu, () => {
      const x = tensor(new Float32Array(3000).fill(1), [3000]);
      const step = (): void =>
        tidy(() => {
          let y = add(x, 1);
          for (let i = 0; i < 5; i++) y = relu(mul(y, 0.5));
          return undefined;
        });
      step();
      const inUse = heapStats().bytesInUse;
      const blocks = heapStats().blocks;
      for (let i = 0; i < 20; i++) step();
      expect(heapStats().bytesInUse).toBe(inUse);
      expect(heapStats().blocks).toBe(blocks);
      const y = add(x, 2);
      expect(heapAddress(cpu.readSync(y.storage.buffer, 'float32', 3000) as Float32Array)).toBe(-1); // reads are copies
      expect(heapStats().blocks).toBe(blocks + 1);
      y.dispose();
      expect(heapStats().blocks).toBe(blocks);
      x.dispose();
    });
  });
});

describe('temporaries of kernels', () => {
  it('a kernel\'s contiguous copy of a strided input is freed when it returns; a same-dtype cast keeps its copy', () => {
    withBackend(cpu, () => {
      const x = tensor(Float32Array.from({ length: 60 * 70 }, (_, i) => i), [60, 70]);
      const xt = transpose(x); // strided: kernels copy it first
      const run = (): void => {
        const y = relu(xt);
        const s = sum(xt, 0);
        y.dispose();
        s.dispose();
      };
      run();
      const blocks = heapStats().blocks;
      for (let i = 0; i < 5; i++) run();
      expect(heapStats().blocks).toBe(blocks);
      expect(pendingTemporaries()).toBe(0);
      const c = cast(xt, 'float32'); // toContiguous's copy is the output: kept, still right
      const values = c.dataSync() as Float32Array;
      expect(heapStats().blocks).toBe(blocks + 1);
      expect(values[1]).toBe(70);
      expect(values[60]).toBe(1);
      c.dispose();
      x.dispose();
    });
  });

  it('a kernel that runs another keeps its temporaries until the outer one returns', () => {
    const inner = inKernel((): number => heapStats().blocks);
    const outer = inKernel((): number[] => {
      const copy = toContiguous({ buffer: f32(256).fill(2), dtype: 'float32', shape: [16, 16], strides: [1, 16], offset: 0 }) as Float32Array;
      const during = inner();
      return [during, copy[17]!, pendingTemporaries()];
    });
    const [, value, pending] = outer();
    expect(value).toBe(2);
    expect(pending).toBe(1);
    expect(pendingTemporaries()).toBe(0);
    // outside any kernel the copy is a JS array the GC frees
    const free = toContiguous({ buffer: f32(256), dtype: 'float32', shape: [16, 16], strides: [1, 16], offset: 0 });
    expect(heapAddress(free)).toBe(-1);
  });
});

describe('elementwise kernels on heap and foreign operands', () => {
  const engine = wasmElementwise()!;

  /** The JS result of a + b, then the wasm one for each placement of a, b and out. */
  it('gives the same bits for every mix of heap and JS arrays, and never writes past the view', () => {
    const next = rng(7);
    for (const n of [4, 5, 67, 1023, CHUNK + 3]) {
      const a = Float32Array.from({ length: n }, () => next() * 4 - 2);
      const b = Float32Array.from({ length: n }, () => next() * 4 - 2);
      const want = a.map((v, i) => Math.fround(v * b[i]!));
      for (const mask of [0, 1, 2, 3, 4, 5, 6, 7]) {
        const place = (src: Float32Array, onHeap: boolean): Float32Array => {
          const out = onHeap ? f32(n) : new Float32Array(n);
          out.set(src);
          return out;
        };
        const A = place(a, (mask & 1) !== 0);
        const B = place(b, (mask & 2) !== 0);
        // out a view into a longer array, with sentinels after it that a vector store past n would hit
        const room = (mask & 4) !== 0 ? f32(n + 8) : new Float32Array(n + 8);
        room.fill(-7);
        const out = room.subarray(0, n);
        engine.binary('mul', A, B, out, n, 0, 0, 0);
        expectSameBits(out, want, `mul n=${n} mask=${mask}`);
        expect([...room.subarray(n)]).toEqual(new Array(8).fill(-7));
        // unary in place on the same array
        engine.unary('neg', out, out, n);
        expectSameBits(out, want.map((v) => -v), `neg n=${n} mask=${mask}`);
        expect([...room.subarray(n)]).toEqual(new Array(8).fill(-7));
        for (const arr of [A, B, room]) heapRelease(arr);
      }
    }
  });
});

describe('matmul on heap operands', () => {
  it('reads heap weights where they are at batch 1, so a rewrite in place is seen at once', () => {
    withBackend(cpu, () => {
      const next = rng(3);
      const [k, n] = [300, 70];
      const w = tensor(Float32Array.from({ length: k * n }, () => next() - 0.5), [k, n]);
      const x = tensor(Float32Array.from({ length: k }, () => next() - 0.5), [1, k]);
      const storage = w.storage.buffer as Float32Array;
      expect(heapAddress(storage)).toBeGreaterThan(0);
      const expected = (): Float32Array => {
        const xs = x.dataSync() as Float32Array;
        const out = new Float32Array(n);
        for (let j = 0; j < n; j++) {
          let s = 0;
          for (let kk = 0; kk < k; kk++) s += xs[kk]! * storage[kk * n + j]!;
          out[j] = s;
        }
        return out;
      };
      for (let round = 0; round < 3; round++) {
        const y = matmul(x, w);
        const got = y.dataSync() as Float32Array;
        const want = expected();
        for (let j = 0; j < n; j++) expect(Math.abs(got[j]! - want[j]!), `round ${round}, column ${j}`).toBeLessThan(1e-4);
        y.dispose();
        // as the fused Adam step does on donated storage: new values in the same heap block
        for (let i = 0; i < storage.length; i++) storage[i] = storage[i]! * -2 + 0.25;
      }
      w.dispose();
      x.dispose();
    });
  });
});

describe('matmul writing C straight into a heap output', () => {
  const reference = createCpuBackend({ kernels: 'reference' });
  const threaded = createCpuBackend({ threads: 2, threadMinWork: 1 });
  afterAll(() => {
    reference.dispose?.();
    threaded.dispose?.();
  });

  it('packs A rows that are a column slice of a wider heap matrix (row stride > k) from where they are', () => {
    const next = rng(13);
    for (const backend of [cpu, threaded]) {
      for (const [m, k, n, wide] of [[8, 28, 64, 784], [65, 40, 33, 47], [2, 5, 16, 9]] as const) {
        const a = Float32Array.from({ length: m * wide }, () => next() - 0.5);
        const b = Float32Array.from({ length: k * n }, () => next() - 0.5);
        const run = (on: typeof cpu): Float32Array =>
          withBackend(on, () => {
            const ta = tensor(a, [m, wide]);
            const va = slice(ta, [0, 3], [m, k]); // rows k floats long, `wide` apart
            const tb = tensor(b, [k, n]);
            const c = matmul(va, tb);
            const out = Float32Array.from(c.dataSync() as Float32Array);
            for (const t of [ta, va, tb, c]) t.dispose();
            return out;
          });
        const got = run(backend);
        const want = run(reference);
        for (let i = 0; i < got.length; i++) expect(Math.abs(got[i]! - want[i]!), `${m}x${k}x${n} from ${wide} [${i}]`).toBeLessThan(1e-5 * k);
      }
    }
  });

  it('equals the reference where no padding is needed (m even, n a multiple of 16), k blocked or not, batched, threaded', () => {
    const next = rng(11);
    // [batch, m, k, n]: direct (m % 2 = 0, n % 16 = 0) next to padded ones
    const cases = [[1, 6, 37, 32], [1, 128, 300, 64], [3, 4, 20, 16], [1, 5, 37, 32], [1, 6, 37, 33], [2, 64, 513, 48]] as const;
    for (const backend of [cpu, threaded]) {
      for (const [batch, m, k, n] of cases) {
        const a = Float32Array.from({ length: batch * m * k }, () => next() - 0.5);
        const b = Float32Array.from({ length: batch * k * n }, () => next() - 0.5);
        const run = (on: typeof cpu): Float32Array =>
          withBackend(on, () => {
            const ta = tensor(a, [batch, m, k]);
            const tb = tensor(b, [batch, k, n]);
            const c = matmul(ta, tb);
            const out = Float32Array.from(c.dataSync() as Float32Array);
            for (const t of [ta, tb, c]) t.dispose();
            return out;
          });
        const got = run(backend);
        const want = run(reference);
        for (let i = 0; i < got.length; i++) {
          expect(Math.abs(got[i]! - want[i]!), `${batch}x${m}x${k}x${n} [${i}]`).toBeLessThan(1e-4 * Math.sqrt(k));
        }
      }
    }
  });
});

describe('heap growth', () => {
  it('serves a request from a free block up to twice its size before it grows the memory', () => {
    const MiB = 2 ** 20;
    const blocks = Array.from({ length: 9 }, () => f32(MiB / 4));
    for (let i = 0; i < 8; i += 2) heapRelease(blocks[i]!); // four 1 MiB blocks on the free list
    const freeBefore = heapStats().bytesFree;
    const filler: Float32Array[] = [];
    for (let i = 0; i < 10_000; i++) {
      // 0.8 MiB requests (a smaller class): from the bump while it has room, then from the freed
      // 1 MiB blocks, and only then by growing the memory
      const before = heapStats();
      filler.push(f32((0.8 * MiB) / 4));
      if (heapStats().memoryBytes > before.memoryBytes) {
        expect(before.bytesFree).toBeLessThanOrEqual(freeBefore - 4 * MiB);
        break;
      }
    }
    expect(heapStats().bytesFree).toBeLessThanOrEqual(freeBefore - 4 * MiB);
    for (const a of [...blocks.filter((_, i) => i % 2 === 1 || i === 8), ...filler]) heapRelease(a);
  });
});
