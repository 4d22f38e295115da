import {
  add, arange, broadcastTo, cast, concat, exp, expandDims, flatten, gather, matmul, memory, mul, reshape, slice, squeeze, sum,
  tensor, transpose, where, greater, type Tensor,
} from '@nabla/tensor';
import { describe, expect, it } from 'vitest';
import { expectTensor, noLeak, randomValues, useBackend, type ConformanceTarget } from './harness.js';
import { refBroadcast, refMatmul, refReduce, refTranspose, fsum } from './reference.js';
import { call } from './util.js';

/** Runs `fn` and asserts it created exactly one tensor and no buffer (a view). */
function isView(fn: () => Tensor): Tensor {
  const before = memory();
  const out = noLeak(fn);
  expect(memory().numBuffers, 'buffers after a view op').toBe(before.numBuffers);
  return out;
}

export function viewsSuite(target: ConformanceTarget): void {
  describe('views', () => {
    const { tol } = useBackend(target);
    const x23 = (): Tensor => tensor([[1, 2, 3], [4, 5, 6]]);

    it('reshape, with -1, shares storage', async () => {
      const x = x23();
      await expectTensor(isView(() => reshape(x, [3, 2])), [3, 2], [1, 2, 3, 4, 5, 6], tol);
      await expectTensor(isView(() => reshape(x, [-1])), [6], [1, 2, 3, 4, 5, 6], tol);
      await expectTensor(isView(() => reshape(x, [1, -1, 2])), [1, 3, 2], [1, 2, 3, 4, 5, 6], tol);
      await expectTensor(isView(() => x.reshape([6, 1])), [6, 1], [1, 2, 3, 4, 5, 6], tol);
      const one = tensor([7]);
      await expectTensor(isView(() => reshape(one, [])), [], [7], tol);
      await expectTensor(reshape(tensor([], [0, 3]), [3, 0]), [3, 0], [], tol);
    });

    it('reshape errors on a bad size', () => {
      const x = x23();
      expect(() => reshape(x, [4])).toThrow(/reshape.*\[2,3\].*\[4\]/);
      expect(() => reshape(x, [4, -1])).toThrow(/reshape/);
      expect(() => reshape(x, [-1, -1])).toThrow(/reshape/);
      expect(() => reshape(x, [3, 2.5])).toThrow(/reshape/);
    });

    it('reshape of a transposed view copies in the right order', async () => {
      const t = transpose(x23());
      await expectTensor(noLeak(() => reshape(t, [6])), [6], [1, 4, 2, 5, 3, 6], tol);
      await expectTensor(noLeak(() => reshape(t, [2, 3])), [2, 3], [1, 4, 2, 5, 3, 6], tol);
      const v = randomValues(24, 3);
      const t3 = transpose(tensor(v, [2, 3, 4]), [2, 0, 1]);
      await expectTensor(flatten(t3), [24], refTranspose(v, [2, 3, 4], [2, 0, 1]), tol);
      // a column slice is not contiguous either
      await expectTensor(reshape(slice(x23(), [0, 1], [2, 2]), [4]), [4], [2, 3, 5, 6], tol);
    });

    it('transpose: default reverses, perm, negative axes', async () => {
      const v = randomValues(24, 4);
      const x = tensor(v, [2, 3, 4]);
      await expectTensor(isView(() => transpose(x)), [4, 3, 2], refTranspose(v, [2, 3, 4], [2, 1, 0]), tol);
      await expectTensor(isView(() => transpose(x, [0, 2, 1])), [2, 4, 3], refTranspose(v, [2, 3, 4], [0, 2, 1]), tol);
      await expectTensor(isView(() => transpose(x, [-1, 0, -2])), [4, 2, 3], refTranspose(v, [2, 3, 4], [2, 0, 1]), tol);
      await expectTensor(isView(() => x.transpose([1, 2, 0])), [3, 4, 2], refTranspose(v, [2, 3, 4], [1, 2, 0]), tol);
      await expectTensor(transpose(transpose(x, [1, 2, 0]), [1, 2, 0]), [4, 2, 3], refTranspose(v, [2, 3, 4], [2, 0, 1]), tol);
      await expectTensor(transpose(tensor(new Int32Array([1, 2, 3, 4]), [2, 2])), [2, 2], [1, 3, 2, 4], tol, 'int32');
    });

    it('transpose errors on a bad permutation', () => {
      const x = tensor(randomValues(24), [2, 3, 4]);
      expect(() => transpose(x, [0, 0, 1])).toThrow(/transpose/);
      expect(() => transpose(x, [0, 1])).toThrow(/transpose/);
      expect(() => transpose(x, [0, 1, 3])).toThrow(/transpose.*axis 3/);
    });

    it('broadcastTo', async () => {
      const row = tensor([1, 2, 3]);
      const col = tensor([[1], [2]]);
      const five = tensor(5);
      await expectTensor(isView(() => broadcastTo(row, [2, 3])), [2, 3], [1, 2, 3, 1, 2, 3], tol);
      await expectTensor(isView(() => broadcastTo(col, [2, 4])), [2, 4], [1, 1, 1, 1, 2, 2, 2, 2], tol);
      await expectTensor(isView(() => broadcastTo(five, [2, 2])), [2, 2], [5, 5, 5, 5], tol);
      await expectTensor(broadcastTo(tensor([[1], [2]]), [3, 2, 2]), [3, 2, 2], [1, 1, 2, 2, 1, 1, 2, 2, 1, 1, 2, 2], tol);
      await expectTensor(broadcastTo(tensor([true, false]), [2, 2]), [2, 2], [1, 0, 1, 0], tol, 'bool');
      expect(() => broadcastTo(tensor([1, 2, 3]), [2, 4])).toThrow(/broadcastTo.*\[3\].*\[2,4\]/);
      expect(() => broadcastTo(tensor([[1, 2]]), [2])).toThrow(/broadcastTo/);
    });

    it('slice: negative begin, -1 size, omitted size', async () => {
      const v = Array.from({ length: 12 }, (_, i) => i);
      const x = tensor(v, [3, 4]);
      await expectTensor(isView(() => slice(x, [1, 0], [1, -1])), [1, 4], [4, 5, 6, 7], tol);
      await expectTensor(isView(() => slice(x, [-1])), [1, 4], [8, 9, 10, 11], tol);
      await expectTensor(isView(() => slice(x, [0, -2], [2, 2])), [2, 2], [2, 3, 6, 7], tol);
      await expectTensor(isView(() => slice(x, [1, 1], [2, 2])), [2, 2], [5, 6, 9, 10], tol);
      await expectTensor(isView(() => x.slice([0, 3])), [3, 1], [3, 7, 11], tol);
      await expectTensor(slice(x, [1, 2], [0, 2]), [0, 2], [], tol);
      // slice of a slice of a transpose
      const s = slice(slice(transpose(x), [1, 0], [3, 3]), [1, 1], [2, 2]);
      await expectTensor(s, [2, 2], [6, 10, 7, 11], tol);
    });

    it('slice errors', () => {
      const x = tensor(randomValues(12), [3, 4]);
      expect(() => slice(x, [2, 0], [2, 4])).toThrow(/slice.*\[3,4\]/);
      expect(() => slice(x, [0, 0, 0])).toThrow(/slice/);
      expect(() => slice(x, [-4, 0])).toThrow(/slice/);
      expect(() => slice(x, [0, 0], [1])).toThrow(/slice/);
    });

    it('expandDims, squeeze, flatten', async () => {
      const x = x23();
      await expectTensor(isView(() => expandDims(x)), [1, 2, 3], [1, 2, 3, 4, 5, 6], tol);
      await expectTensor(isView(() => expandDims(x, 1)), [2, 1, 3], [1, 2, 3, 4, 5, 6], tol);
      await expectTensor(isView(() => expandDims(x, -1)), [2, 3, 1], [1, 2, 3, 4, 5, 6], tol);
      expect(() => expandDims(x, 4)).toThrow(/expandDims/);
      const y = tensor([1, 2, 3], [1, 3, 1]);
      await expectTensor(isView(() => squeeze(y)), [3], [1, 2, 3], tol);
      await expectTensor(isView(() => squeeze(y, 0)), [3, 1], [1, 2, 3], tol);
      await expectTensor(isView(() => squeeze(y, [-1, 0])), [3], [1, 2, 3], tol);
      await expectTensor(squeeze(tensor([4], [1, 1])), [], [4], tol);
      expect(() => squeeze(y, 1)).toThrow(/squeeze.*axis 1.*\[1,3,1\]/);
      expect(() => squeeze(y, 3)).toThrow(/squeeze/);
      const r = tensor(randomValues(6), [1, 2, 3]);
      await expectTensor(isView(() => flatten(r)), [6], randomValues(6), tol);
      await expectTensor(flatten(tensor(3)), [1], [3], tol);
      await expectTensor(flatten(transpose(x)), [6], [1, 4, 2, 5, 3, 6], tol);
    });

    it('a view keeps its storage alive after the base is disposed', async () => {
      const base = x23();
      const before = memory();
      const v = transpose(base);
      base.dispose();
      expect(memory().numBuffers).toBe(before.numBuffers);
      await expectTensor(v, [3, 2], [1, 4, 2, 5, 3, 6], tol);
      v.dispose();
      expect(memory().numBuffers).toBe(before.numBuffers - 1);
    });

    it('elementwise ops on transposed, sliced and broadcast inputs', async () => {
      const a = randomValues(12, 5);
      const b = randomValues(12, 6);
      const ta = transpose(tensor(a, [3, 4]));
      const tb = tensor(b, [4, 3]);
      const at = refTranspose(a, [3, 4], [1, 0]);
      await expectTensor(noLeak(() => add(ta, tb)), [4, 3], at.map((v, i) => v + b[i]!), tol);
      await expectTensor(noLeak(() => mul(tb, ta)), [4, 3], at.map((v, i) => b[i]! * v), tol);
      await expectTensor(noLeak(() => exp(ta)), [4, 3], at.map(Math.exp), tol);
      const s = slice(tensor(a, [3, 4]), [1, 1], [2, 3]);
      const sv = [a[5]!, a[6]!, a[7]!, a[9]!, a[10]!, a[11]!];
      await expectTensor(noLeak(() => exp(s)), [2, 3], sv.map(Math.exp), tol);
      await expectTensor(call(add, s, slice(tensor(b, [4, 3]), [2, 0])), [2, 3], sv.map((v, i) => v + b[6 + i]!), tol);
      const bc = broadcastTo(tensor([1, 2, 3]), [2, 3]);
      await expectTensor(noLeak(() => exp(bc)), [2, 3], [1, 2, 3, 1, 2, 3].map(Math.exp), tol);
      const tcol = transpose(broadcastTo(tensor([10, 20]), [3, 2]));
      await expectTensor(noLeak(() => mul(bc, tcol)), [2, 3], [10, 20, 30, 20, 40, 60], tol);
    });

    it('reductions, matmul, cast, where, concat and gather on views', async () => {
      const v = randomValues(24, 7);
      const x = tensor(v, [2, 3, 4]);
      const t = transpose(x, [2, 0, 1]);
      const tv = refTranspose(v, [2, 3, 4], [2, 0, 1]);
      await expectTensor(noLeak(() => sum(t, 1)), [4, 3], refReduce(tv, [4, 2, 3], [1], fsum), tol);
      await expectTensor(noLeak(() => sum(t, [0, 2])), [2], refReduce(tv, [4, 2, 3], [0, 2], fsum), tol);
      const a = slice(tensor(v, [4, 6]), [0, 1], [4, 3]);
      const av = [1, 2, 3, 7, 8, 9, 13, 14, 15, 19, 20, 21].map((i) => v[i]!);
      const w = transpose(tensor(randomValues(6, 8), [2, 3]));
      const ref = refMatmul(av, [4, 3], refTranspose(randomValues(6, 8), [2, 3], [1, 0]), [3, 2]);
      await expectTensor(noLeak(() => matmul(a, w)), [4, 2], ref.values, tol);
      await expectTensor(call(cast, transpose(tensor([[1.5, -2.5], [3.5, 4]])), 'int32'), [2, 2], [1, 3, -2, 4], tol, 'int32');
      const cond = broadcastTo(tensor([true, false, true]), [2, 3]);
      const tt = transpose(tensor([[1, 2], [3, 4], [5, 6]]));
      await expectTensor(noLeak(() => where(cond, tt, -1)), [2, 3], [1, -1, 5, 2, -1, 6], tol);
      await expectTensor(call(concat, [tt, slice(tt, [0, 1])], 1), [2, 5], [1, 3, 5, 3, 5, 2, 4, 6, 4, 6], tol);
      await expectTensor(noLeak(() => gather(tt, [2, 0], 1)), [2, 2], [5, 1, 6, 2], tol);
      const big = broadcastTo(tensor([[1], [2]]), [2, 3]);
      await expectTensor(noLeak(() => sum(big, 1)), [2], [3, 6], tol);
      await expectTensor(call(greater, big, transpose(broadcastTo(tensor([[1.5], [0], [3]]), [3, 2]))), [2, 3], [0, 1, 0, 1, 1, 0], tol, 'bool');
    });

    it('views of views of int32 and bool read correctly', async () => {
      const n = 2 * 3 * 4;
      const x = reshape(arange(n), [2, 3, 4]);
      const t = slice(transpose(x, [1, 2, 0]), [1, 1, 0], [2, 2, 2]);
      // t[i,j,k] = x[k, 1+i, 1+j]
      const exp3: number[] = [];
      for (let i = 0; i < 2; i++) for (let j = 0; j < 2; j++) for (let k = 0; k < 2; k++) exp3.push(k * 12 + (1 + i) * 4 + 1 + j);
      await expectTensor(t, [2, 2, 2], exp3, tol, 'int32');
      const b = broadcastTo(tensor([[true], [false]]), [2, 2, 2]);
      await expectTensor(transpose(b), [2, 2, 2], refTranspose([1, 1, 0, 0, 1, 1, 0, 0], [2, 2, 2], [2, 1, 0]), tol, 'bool');
      await expectTensor(broadcastTo(slice(x, [0, 1, 2], [1, 1, 2]), [2, 3, 2]), [2, 3, 2], refBroadcast([6, 7], [1, 1, 2], [2, 3, 2]), tol, 'int32');
    });
  });
}
