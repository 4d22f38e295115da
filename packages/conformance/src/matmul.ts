import { broadcastTo, matmul, slice, tensor, transpose, zeros } from '@nabla/tensor';
import { describe, expect, it } from 'vitest';
import { expectTensor, randomValues, useBackend, type ConformanceTarget } from './harness.js';
import { loose, refMatmul, refTranspose } from './reference.js';
import { call } from './util.js';

export function matmulSuite(target: ConformanceTarget): void {
  describe('matmul', () => {
    const { tol } = useBackend(target);
    /** Products of K terms accumulate K roundings. */
    const tolK = (k: number) => loose(tol, Math.max(1, Math.sqrt(k)));

    const rand = (shape: number[], seed: number): { v: number[]; shape: number[] } => ({
      v: Array.from(randomValues(shape.reduce((a, b) => a * b, 1), seed)),
      shape,
    });

    it('2-D against hand values', async () => {
      const a = tensor([[1, 2, 3], [4, 5, 6]]);
      const b = tensor([[7, 8], [9, 10], [11, 12]]);
      await expectTensor(call(matmul, a, b), [2, 2], [58, 64, 139, 154], tol);
      await expectTensor(call((x, y) => x.matmul(y), a, b), [2, 2], [58, 64, 139, 154], tol);
    });

    it('2-D against float64, all four transpose combinations', async () => {
      const [m, k, n] = [5, 7, 3];
      const a = rand([m, k], 1);
      const b = rand([k, n], 2);
      const ref = refMatmul(a.v, [m, k], b.v, [k, n]);
      const at = tensor(refTranspose(a.v, [m, k], [1, 0]), [k, m]);
      const bt = tensor(refTranspose(b.v, [k, n], [1, 0]), [n, k]);
      const A = tensor(a.v, [m, k]);
      const B = tensor(b.v, [k, n]);
      await expectTensor(call(matmul, A, B, false, false), [m, n], ref.values, tolK(k));
      await expectTensor(call(matmul, at, B, true, false), [m, n], ref.values, tolK(k));
      await expectTensor(call(matmul, A, bt, false, true), [m, n], ref.values, tolK(k));
      await expectTensor(call(matmul, at, bt, true, true), [m, n], ref.values, tolK(k));
    });

    it('transposed, sliced and broadcast views as inputs', async () => {
      const [m, k, n] = [4, 6, 5];
      const a = rand([m, k], 3);
      const b = rand([k, n], 4);
      const ref = refMatmul(a.v, [m, k], b.v, [k, n]);
      const viewA = transpose(tensor(refTranspose(a.v, [m, k], [1, 0]), [k, m]));
      const viewB = transpose(tensor(refTranspose(b.v, [k, n], [1, 0]), [n, k]));
      await expectTensor(call(matmul, viewA, viewB), [m, n], ref.values, tolK(k));
      // a slice of a wider matrix: rows with a stride larger than the row length
      const wide = tensor(a.v.flatMap((x, i) => (i % k === k - 1 ? [x, 9, 9] : [x])), [m, k + 2]);
      await expectTensor(call(matmul, slice(wide, [0, 0], [m, k]), tensor(b.v, [k, n])), [m, n], ref.values, tolK(k));
      // the same matrix broadcast over a batch of 3
      const batchA = broadcastTo(tensor(a.v, [m, k]), [3, m, k]);
      await expectTensor(call(matmul, batchA, tensor(b.v, [k, n])), [3, m, n], [...ref.values, ...ref.values, ...ref.values], tolK(k));
      // transposeA on an already transposed view is the original
      await expectTensor(call(matmul, transpose(tensor(a.v, [m, k])), tensor(b.v, [k, n]), true), [m, n], ref.values, tolK(k));
    });

    it('batched [B,M,K] x [B,K,N]', async () => {
      const a = rand([3, 4, 5], 5);
      const b = rand([3, 5, 2], 6);
      const ref = refMatmul(a.v, a.shape, b.v, b.shape);
      await expectTensor(call(matmul, tensor(a.v, a.shape), tensor(b.v, b.shape)), [3, 4, 2], ref.values, tolK(5));
      const bt = tensor(refTranspose(b.v, b.shape, [0, 2, 1]), [3, 2, 5]);
      await expectTensor(call(matmul, tensor(a.v, a.shape), bt, false, true), [3, 4, 2], ref.values, tolK(5));
      // batch dimension moved by a transpose view
      const aMoved = transpose(tensor(refTranspose(a.v, a.shape, [1, 0, 2]), [4, 3, 5]), [1, 0, 2]);
      await expectTensor(call(matmul, aMoved, tensor(b.v, b.shape)), [3, 4, 2], ref.values, tolK(5));
    });

    it('broadcast batch dimensions [2,1,M,K] x [3,K,N] and [M,K] x [B,K,N]', async () => {
      const a = rand([2, 1, 3, 4], 7);
      const b = rand([3, 4, 5], 8);
      const ref = refMatmul(a.v, a.shape, b.v, b.shape);
      expect(ref.shape).toEqual([2, 3, 3, 5]);
      await expectTensor(call(matmul, tensor(a.v, a.shape), tensor(b.v, b.shape)), [2, 3, 3, 5], ref.values, tolK(4));
      const c = rand([3, 4], 9);
      const ref2 = refMatmul(c.v, c.shape, b.v, b.shape);
      await expectTensor(call(matmul, tensor(c.v, c.shape), tensor(b.v, b.shape)), [3, 3, 5], ref2.values, tolK(4));
    });

    it('odd sizes 17x33x9 and vector-like 1xK, Kx1', async () => {
      const a = rand([17, 33], 10);
      const b = rand([33, 9], 11);
      await expectTensor(call(matmul, tensor(a.v, a.shape), tensor(b.v, b.shape)), [17, 9], refMatmul(a.v, a.shape, b.v, b.shape).values, tolK(33));
      const r = rand([1, 33], 12);
      const c = rand([33, 1], 13);
      await expectTensor(call(matmul, tensor(r.v, r.shape), tensor(c.v, c.shape)), [1, 1], refMatmul(r.v, r.shape, c.v, c.shape).values, tolK(33));
      await expectTensor(call(matmul, tensor(c.v, c.shape), tensor(r.v, r.shape)), [33, 33], refMatmul(c.v, c.shape, r.v, r.shape).values, tol);
    });

    it('130x70x90 against a float64 triple loop', async () => {
      const a = rand([130, 70], 14);
      const b = rand([70, 90], 15);
      const ref = refMatmul(a.v, a.shape, b.v, b.shape);
      await expectTensor(call(matmul, tensor(a.v, a.shape), tensor(b.v, b.shape)), [130, 90], ref.values, tolK(70));
      const bt = tensor(refTranspose(b.v, b.shape, [1, 0]), [90, 70]);
      await expectTensor(call(matmul, tensor(a.v, a.shape), bt, false, true), [130, 90], ref.values, tolK(70));
    });

    it('empty inner dimension gives zeros; empty outer gives an empty result', async () => {
      await expectTensor(call(matmul, zeros([2, 0]), zeros([0, 3])), [2, 3], [0, 0, 0, 0, 0, 0], tol);
      await expectTensor(call(matmul, zeros([0, 4]), zeros([4, 3])), [0, 3], [], tol);
    });

    it('NaN and Infinity propagate without throwing', async () => {
      const a = tensor([[1, NaN], [1, 1], [Infinity, 0]]);
      const b = tensor([[1], [1]]);
      await expectTensor(call(matmul, a, b), [3, 1], [NaN, 2, Infinity], tol);
    });

    it('errors: inner sizes, rank < 2, int32, batch shapes', () => {
      const msg = (f: () => unknown): string => {
        try {
          f();
        } catch (e) {
          return (e as Error).message;
        }
        return 'no error';
      };
      const m = msg(() => matmul(zeros([2, 3]), zeros([4, 5])));
      expect(m).toContain('matmul');
      expect(m).toContain('[2,3]');
      expect(m).toContain('[4,5]');
      expect(() => matmul(zeros([2, 3]), zeros([4, 5]))).toThrow(RangeError);
      expect(() => matmul(zeros([3, 2]), zeros([2, 3]), false, true)).toThrow(/matmul/);
      expect(() => matmul(zeros([3]), zeros([3, 2]))).toThrow(/matmul.*rank/);
      expect(() => matmul(zeros([2, 3]), zeros([3]))).toThrow(/matmul/);
      expect(() => matmul(zeros([2, 3], 'int32'), zeros([3, 2], 'int32'))).toThrow(TypeError);
      expect(() => matmul(zeros([2, 3], 'int32'), zeros([3, 2]))).toThrow(/matmul/);
      expect(() => matmul(zeros([2, 2, 3]), zeros([3, 3, 2]))).toThrow(/matmul.*batch/);
    });
  });
}
