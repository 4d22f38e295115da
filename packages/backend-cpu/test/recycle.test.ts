import { add, memory, tensor, tidy, withBackend } from '@nabla/tensor';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { createCpuBackend } from '../src/index.js';
import { alloc, drop, keptStats, recycle } from '../src/recycle.js';

// the JS arrays' reuse, as where there is no wasm heap (heap.test.ts covers the heap; this runs
// before anything allocates: the heap is made on first use)
process.env['NABLA_HEAP'] = '0';
const cpu = createCpuBackend();
afterAll(() => cpu.dispose?.());
beforeEach(() => drop());

describe('recycling released arrays', () => {
  it('hands a released array out again, zero-filled, for the same dtype and length only', () => {
    const a = alloc('float32', 5000) as Float32Array;
    a.fill(7);
    recycle(a);
    expect(keptStats()).toEqual({ arrays: 1, bytes: 20000 });
    expect(alloc('int32', 5000)).not.toBe(a);
    expect(alloc('float32', 5001)).not.toBe(a);
    const b = alloc('float32', 5000);
    expect(b).toBe(a);
    expect(b.every((x) => x === 0)).toBe(true);
    expect(keptStats().arrays).toBe(0);
  });

  it('never keeps arrays it did not make, views, small arrays, or one array twice', () => {
    const user = new Float32Array(5000);
    recycle(user);
    const made = alloc('float32', 8192);
    recycle(made.subarray(0, 4096));
    recycle(alloc('float32', 16));
    expect(keptStats().arrays).toBe(0);
    recycle(made);
    recycle(made);
    expect(keptStats().arrays).toBe(1);
    expect(alloc('float32', 8192)).toBe(made);
    expect(alloc('float32', 8192)).not.toBe(made);
  });

  it('drops everything kept rather than pass its byte cap', () => {
    const big = Array.from({ length: 3 }, () => alloc('float32', 12 * 2 ** 20)); // 48 MiB each
    for (const a of big) recycle(a);
    // the third would pass 128 MiB: the first two go to the GC, the third is kept
    expect(keptStats()).toEqual({ arrays: 1, bytes: 48 * 2 ** 20 });
  });

  it('reuses a disposed tensor\'s storage for the next output, never a live one\'s', () => {
    withBackend(cpu, () => {
      const base = memory().numTensors;
      const n = 10_000;
      const x = tensor(new Float32Array(n).fill(1), [n]);
      const y = add(x, 1); // made by the backend
      const keep = add(x, 2);
      y.dispose();
      expect(keptStats().arrays).toBe(1);
      const z = add(x, 3); // takes y's array
      expect(keptStats().arrays).toBe(0);
      expect(Array.from(z.dataSync().slice(0, 3))).toEqual([4, 4, 4]);
      expect(Array.from(keep.dataSync().slice(0, 3))).toEqual([3, 3, 3]);
      // a user's array passed to tensor() is the storage itself and is never kept
      x.dispose();
      expect(keptStats().arrays).toBe(0);
      tidy(() => {
        add(z, keep); // an intermediate, released by tidy: kept
      });
      expect(keptStats().arrays).toBe(1);
      z.dispose();
      keep.dispose();
      expect(memory().numTensors).toBe(base);
    });
  });
});

describe('allocFull', () => {
  it('hands a released array out as it is (its caller writes every element), else a fresh zeroed one', async () => {
    const { allocFull } = await import('../src/recycle.js');
    drop();
    const a = alloc('float32', 6000) as Float32Array;
    a.fill(5);
    recycle(a);
    const b = allocFull('float32', 6000);
    expect(b).toBe(a);
    expect(b[0]).toBe(5);
    const c = allocFull('float32', 6000);
    expect(c).not.toBe(a);
    expect(c.every((x) => x === 0)).toBe(true);
  });

  it('a product with k = 0 is zeros even where a dirty array of its size was released', async () => {
    const { matmul, zeros } = await import('@nabla/tensor');
    withBackend(cpu, () => {
      drop();
      const dirty = add(tensor(new Float32Array(64 * 64), [64, 64]), 7);
      dirty.dispose();
      expect(keptStats().arrays).toBe(1);
      const a = zeros([64, 0]);
      const b = zeros([0, 64]);
      const c = matmul(a, b);
      expect(c.shape).toEqual([64, 64]);
      expect(Array.from(c.dataSync()).every((x) => x === 0)).toBe(true);
      for (const t of [a, b, c]) t.dispose();
    });
  });
});
