import { grad } from '@nabla/autograd';
import { tensor, type Tensor } from '@nabla/tensor';
import { describe, expect, it } from 'vitest';
import {
  categoricalHinge, cosineSimilarity, hinge, huber, klDivergence, logCosh, meanAbsoluteError, meanAbsolutePercentageError, meanSquaredError,
  meanSquaredLogarithmicError, poisson, squaredHinge,
} from '../src/index.js';
import { EPS, clipRef, expectClose, expectNoLeak, meanRef, scalarOf, sumRef, useCpu, values } from './helpers.js';

useCpu();

const T = [[0.5, -1, 2], [1, 0, 3.25]];
const P = [[0.25, 1.5, 2], [-0.5, 0.125, 1]];

/** Per-row reference: f over the elementwise pairs, reduced by `red` over the row. */
function perRow(t: number[][], p: number[][], f: (a: number, b: number) => number, red: (xs: number[]) => number = meanRef): number[] {
  return t.map((row, i) => red(row.map((a, j) => f(a, p[i]![j]!))));
}

describe('regression losses', () => {
  it('meanSquaredError is mean((t - p)²) over the last axis (no ½), averaged over the batch', () => {
    const ref = perRow(T, P, (a, b) => (a - b) ** 2);
    expectClose(meanSquaredError(tensor(T), tensor(P), { reduction: 'none' }), ref);
    expectClose(scalarOf(meanSquaredError(tensor(T), tensor(P))), meanRef(ref));
    expectClose(scalarOf(meanSquaredError(tensor(T), tensor(P), { reduction: 'sum' })), sumRef(ref));
    // Keras' own example: mean of [1, 0, 0, 0]
    expectClose(scalarOf(meanSquaredError(tensor([[0, 1], [0, 0]]), tensor([[1, 1], [0, 0]]))), 0.25);
  });

  it('meanAbsoluteError, meanAbsolutePercentageError, meanSquaredLogarithmicError', () => {
    expectClose(meanAbsoluteError(tensor(T), tensor(P), { reduction: 'none' }), perRow(T, P, (a, b) => Math.abs(a - b)));
    const mape = perRow(T, P, (a, b) => Math.abs((a - b) / Math.max(Math.abs(a), EPS))).map((v) => 100 * v);
    expectClose(meanAbsolutePercentageError(tensor(T), tensor(P), { reduction: 'none' }), mape, 1e-5);
    const msle = perRow(T, P, (a, b) => (Math.log(Math.max(b, EPS) + 1) - Math.log(Math.max(a, EPS) + 1)) ** 2);
    expectClose(meanSquaredLogarithmicError(tensor(T), tensor(P), { reduction: 'none' }), msle);
  });

  it('lines up [batch] targets with [batch, 1] predictions either way', () => {
    const a = scalarOf(meanSquaredError(tensor([1, 2, 3]), tensor([[1.5], [2], [2]])));
    const b = scalarOf(meanSquaredError(tensor([[1], [2], [3]]), tensor([1.5, 2, 2])));
    expectClose(a, (0.25 + 0 + 1) / 3);
    expectClose(b, (0.25 + 0 + 1) / 3);
    expect(meanSquaredError(tensor([1, 2, 3]), tensor([[1.5], [2], [2]]), { reduction: 'none' }).shape).toEqual([3]);
  });

  it('huber: quadratic within delta, linear beyond (default delta 1, and delta 0.5)', () => {
    const h = (delta: number) => (a: number, b: number) => {
      const e = Math.abs(b - a);
      return e <= delta ? 0.5 * e * e : delta * e - 0.5 * delta * delta;
    };
    expectClose(huber(tensor(T), tensor(P), { reduction: 'none' }), perRow(T, P, h(1)));
    expectClose(huber(tensor(T), tensor(P), { delta: 0.5, reduction: 'none' }), perRow(T, P, h(0.5)));
    // Keras' example: 0.155
    expectClose(scalarOf(huber(tensor([[0, 1], [0, 0]]), tensor([[0.6, 0.4], [0.4, 0.6]]))), 0.155, 1e-5);
  });

  it('logCosh matches log(cosh(x)) and does not overflow for large errors', () => {
    expectClose(logCosh(tensor(T), tensor(P), { reduction: 'none' }), perRow(T, P, (a, b) => Math.log(Math.cosh(b - a))));
    // log cosh(x) = |x| - log 2 + log(1 + e^-2|x|)
    expectClose(logCosh(tensor([[0, 0]]), tensor([[200, -300]]), { reduction: 'none' }), [(200 + 300) / 2 - Math.LN2]);
    expectClose(scalarOf(logCosh(tensor([[0, 1], [0, 0]]), tensor([[1, 1], [0, 0]]))), 0.10844523, 1e-5);
  });

  it('gradients: d MSE/dp = 2(p - t)/n, d huber/dp = clip(p - t, ±delta)/n', () => {
    const g = grad((p: Tensor) => meanSquaredError(tensor(T), p))(tensor(P));
    expectClose(g, P.flatMap((row, i) => row.map((b, j) => (2 * (b - T[i]![j]!)) / 6)));
    const gh = grad((p: Tensor) => huber(tensor(T), p))(tensor(P));
    expectClose(gh, P.flatMap((row, i) => row.map((b, j) => clipRef(b - T[i]![j]!, -1, 1) / 6)));
  });

  it('names the loss and both shapes on a mismatch', () => {
    expect(() => meanSquaredError(tensor([[1, 2, 3]]), tensor([[1, 2]]))).toThrow(/mean_squared_error: yTrue shape \[1,3\] and yPred shape \[1,2\]/);
    expect(() => meanAbsoluteError(tensor([[1], [2]]), tensor([[1, 2], [3, 4]]))).toThrow(/mean_absolute_error.*\[2,1\].*\[2,2\]/);
    expect(() => huber(tensor([[1]]), tensor([[1]]), { delta: Number.NaN })).toThrow(/delta/);
    expect(() => meanSquaredError(tensor(1), tensor(1))).toThrow(/rank >= 1/);
  });
});

describe('hinge losses', () => {
  const hingeRef = (t: number[][], p: number[][], sq = false): number[] => {
    const flat = t.flat();
    const binary = flat.every((v) => v === 0 || v === 1);
    return perRow(t.map((r) => r.map((v) => (binary ? 2 * v - 1 : v))), p, (a, b) => Math.max(1 - a * b, 0) ** (sq ? 2 : 1));
  };

  it('converts 0/1 labels to -1/1', () => {
    const t = [[0, 1, 1], [1, 0, 0]];
    const p = [[0.3, -0.8, 1.5], [0.2, -2, 0.7]];
    expectClose(hinge(tensor(t), tensor(p), { reduction: 'none' }), hingeRef(t, p));
    expectClose(squaredHinge(tensor(t), tensor(p), { reduction: 'none' }), hingeRef(t, p, true));
    // by hand, first row: labels -1, 1, 1 → max(1 + 0.3, 0), max(1 + 0.8, 0), max(1 - 1.5, 0)
    expectClose(values(hinge(tensor(t), tensor(p), { reduction: 'none' }))[0]!, (1.3 + 1.8 + 0) / 3);
  });

  it('leaves -1/1 labels, and labels that are not all binary, unchanged', () => {
    const pm = [[-1, 1], [1, -1]];
    const p = [[0.5, 0.25], [-0.75, 2]];
    expectClose(hinge(tensor(pm), tensor(p), { reduction: 'none' }), perRow(pm, p, (a, b) => Math.max(1 - a * b, 0)));
    const mixed = [[0, 1], [2, 0]];
    expectClose(hinge(tensor(mixed), tensor(p), { reduction: 'none' }), perRow(mixed, p, (a, b) => Math.max(1 - a * b, 0)));
  });

  it('categoricalHinge is max(max((1 - t)p) - Σ tp + 1, 0)', () => {
    const t = [[0, 1, 0], [1, 0, 0]];
    const p = [[0.2, 0.5, 0.9], [0.8, 0.1, 0.3]];
    const ref = t.map((row, i) => {
      const pos = sumRef(row.map((v, j) => v * p[i]![j]!));
      const neg = Math.max(...row.map((v, j) => (1 - v) * p[i]![j]!));
      return Math.max(neg - pos + 1, 0);
    });
    expectClose(categoricalHinge(tensor(t), tensor(p), { reduction: 'none' }), ref);
  });
});

describe('probabilistic and similarity losses', () => {
  it('klDivergence clips both sides to [1e-7, 1] and sums over the last axis', () => {
    const t = [[0, 0.5, 0.5], [1, 0, 0]];
    const p = [[0.2, 0.3, 0.5], [0.9, 0.1, 0]];
    const ref = perRow(t, p.map((r) => r.map(Math.fround)), (a, b) => {
      const ta = clipRef(a, EPS, 1);
      const pb = clipRef(b, EPS, 1);
      return ta * Math.log(ta / pb);
    }, sumRef);
    expectClose(klDivergence(tensor(t), tensor(p), { reduction: 'none' }), ref, 1e-5);
  });

  it('poisson is mean(p - t·log(p + 1e-7))', () => {
    const t = [[1, 0, 3], [2, 2, 0]];
    const p = [[0.5, 1.5, 2], [1, 0, 0.25]];
    expectClose(poisson(tensor(t), tensor(p), { reduction: 'none' }), perRow(t, p, (a, b) => b - a * Math.log(b + EPS)), 1e-5);
  });

  it("cosineSimilarity is minus the cosine (Keras' example), 0 for a zero vector, along any axis", () => {
    const t = [[0, 1], [1, 1], [1, 1], [0, 0]];
    const p = [[1, 0], [1, 1], [-1, -1], [3, 4]];
    expectClose(cosineSimilarity(tensor(t), tensor(p), { reduction: 'none' }), [0, -1, 1, 0], 1e-5);
    const cos = (a: number[], b: number[]) => sumRef(a.map((v, i) => v * b[i]!)) / Math.sqrt(sumRef(a.map((v) => v * v)) * sumRef(b.map((v) => v * v)));
    const a = [[1, 2, 3], [4, -5, 6]];
    const b = [[2, 0.5, -1], [1, 1, 1]];
    expectClose(cosineSimilarity(tensor(a), tensor(b), { reduction: 'none' }), [-cos(a[0]!, b[0]!), -cos(a[1]!, b[1]!)]);
    const cols = [0, 1, 2].map((j) => -cos([a[0]![j]!, a[1]![j]!], [b[0]![j]!, b[1]![j]!]));
    expectClose(cosineSimilarity(tensor(a), tensor(b), { axis: 0, reduction: 'none' }), cols);
    expectClose(scalarOf(cosineSimilarity(tensor(a), tensor(b))), meanRef([-cos(a[0]!, b[0]!), -cos(a[1]!, b[1]!)]));
  });

  it('every loss frees its intermediates', () => {
    const t = tensor(T);
    const p = tensor(P);
    for (const f of [meanSquaredError, meanAbsoluteError, meanAbsolutePercentageError, meanSquaredLogarithmicError, huber, hinge, squaredHinge,
      categoricalHinge, klDivergence, poisson, cosineSimilarity, logCosh]) {
      expectNoLeak(() => f(t, p));
      expectNoLeak(() => f(t, p, { reduction: 'none' }));
    }
  });
});
