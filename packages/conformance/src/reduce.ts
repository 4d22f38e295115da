import {
  argmax, argmin, logSoftmax, logSumExp, max, mean, min, prod, slice, softmax, sum, tensor, transpose, variance, zeros,
  type Axis, type Tensor,
} from '@nabla/tensor';
import { describe, expect, it } from 'vitest';
import { expectTensor, randomValues, useBackend, type ConformanceTarget } from './harness.js';
import { fsum, refReduce, refTranspose } from './reference.js';
import { call } from './util.js';

type Fold = (v: number[]) => number;

const foldMean: Fold = (v) => fsum(v) / v.length;
const foldVar: Fold = (v) => {
  const m = foldMean(v);
  return fsum(v.map((x) => (x - m) ** 2)) / v.length;
};
const foldLse: Fold = (v) => {
  const m = Math.max(...v);
  return m + Math.log(fsum(v.map((x) => Math.exp(x - m))));
};
const foldArgmax: Fold = (v) => v.indexOf(Math.max(...v));
const foldArgmin: Fold = (v) => v.indexOf(Math.min(...v));

interface ReduceCase {
  name: string;
  fn: (x: Tensor, axis?: Axis, keepDims?: boolean) => Tensor;
  fold: Fold;
}

const REDUCTIONS: ReduceCase[] = [
  { name: 'sum', fn: sum, fold: fsum },
  { name: 'prod', fn: prod, fold: (v) => v.reduce((a, b) => a * b, 1) },
  { name: 'max', fn: max, fold: (v) => Math.max(...v) },
  { name: 'min', fn: min, fold: (v) => Math.min(...v) },
  { name: 'mean', fn: mean, fold: foldMean },
  { name: 'variance', fn: variance, fold: foldVar },
  { name: 'logSumExp', fn: logSumExp, fold: foldLse },
];

const SHAPE = [2, 3, 4];

/** Shape after reducing `axes` of SHAPE. */
function reducedShape(axes: readonly number[] | undefined, keepDims: boolean): number[] {
  const norm = (axes ?? SHAPE.map((_, i) => i)).map((a) => (a < 0 ? a + SHAPE.length : a));
  return keepDims ? SHAPE.map((d, i) => (norm.includes(i) ? 1 : d)) : SHAPE.filter((_, i) => !norm.includes(i));
}

export function reduceSuite(target: ConformanceTarget): void {
  describe('reduce', () => {
    const { tol } = useBackend(target);
    // values near 1 keep prod well conditioned
    const values = Array.from(randomValues(24, 31, 0.5, 1.5), (v, i) => (i % 3 ? v : -v));
    const axesCases: { axis: number | number[] | undefined; list: number[] | undefined }[] = [
      { axis: undefined, list: undefined },
      { axis: 0, list: [0] },
      { axis: 1, list: [1] },
      { axis: -1, list: [2] },
      { axis: [0, 2], list: [0, 2] },
      { axis: [-1, 1], list: [1, 2] },
      { axis: [0, 1, 2], list: [0, 1, 2] },
    ];

    for (const c of REDUCTIONS) {
      it(`${c.name}: every axis form, keepDims`, async () => {
        const x = tensor(values, SHAPE);
        for (const { axis, list } of axesCases) {
          const expected = refReduce(values, SHAPE, list ?? [0, 1, 2], c.fold);
          await expectTensor(call(c.fn, x, axis), reducedShape(list, false), expected, tol);
          await expectTensor(call(c.fn, x, axis, true), reducedShape(list, true), expected, tol);
        }
      });

      it(`${c.name}: on a transposed and a sliced input`, async () => {
        const t = transpose(tensor(values, SHAPE), [2, 0, 1]);
        const tv = refTranspose(values, SHAPE, [2, 0, 1]);
        await expectTensor(call(c.fn, t, 0), [2, 3], refReduce(tv, [4, 2, 3], [0], c.fold), tol);
        await expectTensor(call(c.fn, t, [1, 2]), [4], refReduce(tv, [4, 2, 3], [1, 2], c.fold), tol);
        await expectTensor(call(c.fn, t), [], refReduce(tv, [4, 2, 3], [0, 1, 2], c.fold), tol);
        const s = slice(tensor(values, [4, 6]), [1, 2], [3, 3]);
        const sv = [8, 9, 10, 14, 15, 16, 20, 21, 22].map((k) => values[k]!);
        await expectTensor(call(c.fn, s, 1), [3], refReduce(sv, [3, 3], [1], c.fold), tol);
        await expectTensor(call(c.fn, s, 0, true), [1, 3], refReduce(sv, [3, 3], [0], c.fold), tol);
      });

      it(`${c.name}: axis out of range names the op`, () => {
        const x = zeros([2, 3]);
        expect(() => c.fn(x, 2)).toThrow(RangeError);
        expect(() => c.fn(x, 2)).toThrow(new RegExp(`${c.name}.*axis 2`));
        expect(() => c.fn(x, -3)).toThrow(new RegExp(c.name));
        expect(() => c.fn(x, [0, 0])).toThrow(new RegExp(`${c.name}.*repeated`));
      });
    }

    it('sum and max of a scalar, and over one element', async () => {
      await expectTensor(call(sum, tensor(3)), [], [3], tol);
      await expectTensor(call(max, tensor(-2)), [], [-2], tol);
      await expectTensor(call(sum, tensor([[5]]), 1), [1], [5], tol);
    });

    it('argmax and argmin: default last axis, any axis, first of ties, views', async () => {
      const x = tensor(values, SHAPE);
      for (const axis of [0, 1, 2, -2]) {
        const a = axis < 0 ? axis + 3 : axis;
        await expectTensor(call(argmax, x, axis), reducedShape([a], false), refReduce(values, SHAPE, [a], foldArgmax), tol, 'int32');
        await expectTensor(call(argmin, x, axis), reducedShape([a], false), refReduce(values, SHAPE, [a], foldArgmin), tol, 'int32');
      }
      await expectTensor(call(argmax, x), [2, 3], refReduce(values, SHAPE, [2], foldArgmax), tol, 'int32');
      const ties = tensor([[1, 3, 3, 0], [2, 2, -1, -1]]);
      await expectTensor(call(argmax, ties), [2], [1, 0], tol, 'int32');
      await expectTensor(call(argmin, ties), [2], [3, 2], tol, 'int32');
      await expectTensor(call(argmax, transpose(ties)), [4], [1, 0, 0, 0], tol, 'int32');
      await expectTensor(call(argmax, tensor(new Int32Array([3, 9, -4, 9]))), [], [1], tol, 'int32');
      await expectTensor(call(argmin, tensor([-Infinity, 0, -Infinity])), [], [0], tol, 'int32');
      expect(() => argmax(x, 3)).toThrow(/argmax/);
      expect(() => argmin(x, -4)).toThrow(/argmin/);
    });

    it('int32 reductions stay int32 (mean and variance give float32)', async () => {
      const v = [3, -1, 4, 1, -5, 9];
      const x = tensor(new Int32Array(v), [2, 3]);
      await expectTensor(call(sum, x), [], [11], tol, 'int32');
      await expectTensor(call(sum, x, 1), [2], [6, 5], tol, 'int32');
      await expectTensor(call(prod, x, 0), [3], [3, 5, 36], tol, 'int32');
      await expectTensor(call(max, x, 1), [2], [4, 9], tol, 'int32');
      await expectTensor(call(min, x, 0, true), [1, 3], [1, -5, 4], tol, 'int32');
      await expectTensor(call(mean, x, 1), [2], [2, 5 / 3], tol, 'float32');
      await expectTensor(call(variance, x), [], [foldVar(v)], tol, 'float32');
      await expectTensor(call(sum, transpose(x), 1), [3], [4, -6, 13], tol, 'int32');
      // sums of large int32s are exact
      await expectTensor(call(sum, tensor(new Int32Array([16777217, 1, 1]))), [], [16777219], tol, 'int32');
    });

    it('bool reductions: sum counts as int32, max/min are any/all', async () => {
      const b = tensor([[true, false, true], [false, false, false]]);
      await expectTensor(call(sum, b), [], [2], tol, 'int32');
      await expectTensor(call(sum, b, 1), [2], [2, 0], tol, 'int32');
      await expectTensor(call(max, b, 1), [2], [1, 0], tol, 'bool');
      await expectTensor(call(min, b, 0), [3], [0, 0, 0], tol, 'bool');
      await expectTensor(call(mean, b, 1), [2], [2 / 3, 0], tol, 'float32');
      expect(() => prod(b)).toThrow(TypeError);
      expect(() => argmax(b)).toThrow(/argmax/);
    });

    it('empty tensors: sum 0, prod 1, mean NaN, max and argmax throw', async () => {
      const e = zeros([0]);
      await expectTensor(call(sum, e), [], [0], tol);
      await expectTensor(call(prod, e), [], [1], tol);
      await expectTensor(call(mean, e), [], [NaN], tol);
      const e2 = zeros([2, 0]);
      await expectTensor(call(sum, e2, 1), [2], [0, 0], tol);
      await expectTensor(call(sum, e2, 0), [0], [], tol);
      await expectTensor(call(max, e2, 0), [0], [], tol);
      await expectTensor(call(sum, zeros([0], 'int32')), [], [0], tol, 'int32');
      expect(() => max(e)).toThrow(/max.*empty/);
      expect(() => min(e2, 1)).toThrow(/min/);
      expect(() => argmax(e)).toThrow(/argmax/);
    });

    it('NaN and ±Infinity propagate', async () => {
      const x = tensor([[1, NaN, 3], [1, 2, 3], [Infinity, 1, -Infinity]]);
      await expectTensor(call(sum, x, 1), [3], [NaN, 6, NaN], tol);
      await expectTensor(call(max, x, 1), [3], [NaN, 3, Infinity], tol);
      await expectTensor(call(min, x, 1), [3], [NaN, 1, -Infinity], tol);
      await expectTensor(call(prod, x, 1), [3], [NaN, 6, -Infinity], tol);
      await expectTensor(call(mean, x, 1), [3], [NaN, 2, NaN], tol);
      await expectTensor(call(max, tensor([NaN, 5])), [], [NaN], tol);
      await expectTensor(call(max, tensor([5, NaN])), [], [NaN], tol);
      await expectTensor(call(min, tensor([-Infinity, NaN])), [], [NaN], tol);
      await expectTensor(call(logSumExp, tensor([1, NaN])), [], [NaN], tol);
      await expectTensor(call(logSumExp, tensor([1, Infinity])), [], [Infinity], tol);
    });

    it('logSumExp is stable', async () => {
      await expectTensor(call(logSumExp, tensor([1000, 1000])), [], [1000 + Math.LN2], tol);
      await expectTensor(call(logSumExp, tensor([-1000, -1000])), [], [-1000 + Math.LN2], tol);
      await expectTensor(call(logSumExp, tensor([-Infinity, -Infinity])), [], [-Infinity], tol);
      await expectTensor(call(logSumExp, tensor([-Infinity, 0])), [], [0], tol);
      await expectTensor(
        call(logSumExp, tensor([[1000, 999, -Infinity], [-Infinity, -Infinity, -Infinity]]), 1, true), [2, 1],
        [1000 + Math.log1p(Math.exp(-1)), -Infinity], tol,
      );
    });

    describe('softmax and logSoftmax', () => {
      const rows = Array.from(randomValues(12, 41, -3, 3));
      const softmaxRef = (v: number[]): number[] => {
        const m = Math.max(...v);
        const e = v.map((x) => Math.exp(x - m));
        const s = fsum(e);
        return e.map((x) => x / s);
      };
      const byRows = (v: number[], n: number, f: (r: number[]) => number[]): number[] => {
        const out: number[] = [];
        for (let i = 0; i < v.length; i += n) out.push(...f(v.slice(i, i + n)));
        return out;
      };

      it('softmax rows sum to 1 and match float64', async () => {
        const y = call(softmax, tensor(rows, [3, 4]));
        await expectTensor(y, [3, 4], byRows(rows, 4, softmaxRef), tol);
        const d = await y.data();
        for (let r = 0; r < 3; r++) expect(Math.abs(d[4 * r]! + d[4 * r + 1]! + d[4 * r + 2]! + d[4 * r + 3]! - 1)).toBeLessThan(1e-5);
        await expectTensor(call(logSoftmax, tensor(rows, [3, 4])), [3, 4], byRows(rows, 4, (r) => softmaxRef(r).map(Math.log)), tol);
      });

      it('axis argument and transposed input', async () => {
        const x = tensor(rows, [3, 4]);
        const colsRef = refTranspose(byRows(refTranspose(rows, [3, 4], [1, 0]), 3, softmaxRef), [4, 3], [1, 0]);
        await expectTensor(call(softmax, x, 0), [3, 4], colsRef, tol);
        await expectTensor(call(softmax, x, -2), [3, 4], colsRef, tol);
        await expectTensor(call(logSoftmax, x, 0), [3, 4], colsRef.map(Math.log), tol);
        await expectTensor(call(softmax, transpose(x)), [4, 3], refTranspose(colsRef, [3, 4], [1, 0]), tol);
        const x3 = tensor(rows, [2, 3, 2]);
        const t3 = refTranspose(rows, [2, 3, 2], [0, 2, 1]);
        await expectTensor(call(softmax, x3, 1), [2, 3, 2], refTranspose(byRows(t3, 3, softmaxRef), [2, 2, 3], [0, 2, 1]), tol);
      });

      it('stable for large logits', async () => {
        await expectTensor(call(softmax, tensor([1000, 1000, 999])), [3], softmaxRef([1000, 1000, 999]), tol);
        await expectTensor(call(softmax, tensor([-1000, -1000])), [2], [0.5, 0.5], tol);
        await expectTensor(call(logSoftmax, tensor([-1000, 0])), [2], [-1000, 0], tol);
        await expectTensor(call(logSoftmax, tensor([1000, 1000])), [2], [-Math.LN2, -Math.LN2], tol);
        await expectTensor(call(softmax, tensor([0, -Infinity])), [2], [1, 0], tol);
        await expectTensor(call(logSoftmax, tensor([0, -Infinity])), [2], [0, -Infinity], tol);
      });

      it('errors: axis out of range, non-float input', () => {
        const x = zeros([2, 3]);
        expect(() => softmax(x, 2)).toThrow(/softmax.*axis 2/);
        expect(() => logSoftmax(x, -3)).toThrow(/logSoftmax/);
        expect(() => softmax(tensor(new Int32Array([1, 2])))).toThrow(TypeError);
        expect(() => logSumExp(tensor(new Int32Array([1, 2])))).toThrow(/logSumExp/);
      });
    });
  });
}
