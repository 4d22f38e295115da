import { describe, expect, it } from 'vitest';
import { heapArray, heapRelease } from '../src/heap.js';
import { copyStrided } from '../src/strided.js';
import { rng } from './helpers.js';

// copyStrided between heap arrays runs in wasm (wasm/copy.ts); it must move exactly the elements
// the view names, in row-major order, as the JS loops do (their oracle here is the index walk).

/** The view's elements by walking every index: the definition. */
function walk(src: ArrayLike<number>, offset: number, shape: number[], strides: number[]): number[] {
  const out: number[] = [];
  const idx = new Array<number>(shape.length).fill(0);
  const size = shape.reduce((a, b) => a * b, 1);
  for (let e = 0; e < size; e++) {
    let p = offset;
    for (let d = 0; d < shape.length; d++) p += idx[d]! * strides[d]!;
    out.push(src[p]!);
    for (let d = shape.length - 1; d >= 0; d--) {
      if (++idx[d]! < shape[d]!) break;
      idx[d] = 0;
    }
  }
  return out;
}

describe('strided copies between heap arrays (wasm)', () => {
  it('match the index walk for random views: ranks 1-6, unit, strided, broadcast and overlapping strides, both 4-byte dtypes', () => {
    const next = rng(5);
    const int = (lo: number, hi: number): number => lo + Math.floor(next() * (hi - lo + 1));
    for (let trial = 0; trial < 300; trial++) {
      const rank = int(1, 6);
      const shape = Array.from({ length: rank }, () => int(1, 7));
      // row-major strides of a larger array, some dims skipped (strided), some 0 (broadcast), some shuffled
      let acc = int(1, 3);
      const strides = new Array<number>(rank);
      for (let d = rank - 1; d >= 0; d--) {
        const kind = next();
        strides[d] = kind < 0.15 ? 0 : acc;
        acc *= shape[d]! + (kind > 0.7 ? int(1, 3) : 0);
      }
      if (next() < 0.2 && rank >= 2) [strides[0], strides[rank - 1]] = [strides[rank - 1]!, strides[0]!];
      const offset = int(0, 9);
      const span = offset + shape.reduce((a, n, d) => a + (n - 1) * strides[d]!, 0) + 1;
      const int32 = next() < 0.3;
      const src = heapArray(int32 ? 'int32' : 'float32', Math.max(span, 64))!;
      for (let i = 0; i < src.length; i++) src[i] = int32 ? i * 7 - 100 : i + 0.5;
      const want = walk(src, offset, shape, strides);
      const room = heapArray(int32 ? 'int32' : 'float32', want.length + 8 + 64)!;
      room.fill(-3);
      const outOffset = 3;
      copyStrided(src, offset, shape, strides, room, outOffset);
      const label = `shape [${shape}] strides [${strides}] offset ${offset}`;
      expect(Array.from(room.subarray(outOffset, outOffset + want.length)), label).toEqual(want);
      expect(Array.from(room.subarray(0, outOffset)), `${label}: before the output`).toEqual([-3, -3, -3]);
      expect(room[outOffset + want.length], `${label}: after the output`).toBe(-3);
      heapRelease(src);
      heapRelease(room);
    }
  });

  it('materializes an im2col window view like the JS loops, bit for bit', () => {
    const [n, h, w, c, k] = [3, 9, 8, 5, 3];
    const [oh, ow] = [h - k + 1, w - k + 1];
    const x = heapArray('float32', n * h * w * c)! as Float32Array;
    const next = rng(9);
    for (let i = 0; i < x.length; i++) x[i] = next() - 0.5;
    const shape = [n, oh, ow, k, k, c];
    const strides = [h * w * c, w * c, c, w * c, c, 1];
    const size = shape.reduce((a, b) => a * b, 1);
    const onHeap = heapArray('float32', size)!;
    const js = new Float32Array(size);
    copyStrided(x, 0, shape, strides, onHeap, 0);
    copyStrided(x, 0, shape, strides, js, 0); // a JS output: the JS loops
    expect(Array.from(onHeap)).toEqual(Array.from(js));
    heapRelease(x);
    heapRelease(onHeap);
  });
});
