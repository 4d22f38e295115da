import { grad } from '@nabla/autograd';
import { memory, tensor, type Tensor } from '@nabla/tensor';
import { describe, expect, it } from 'vitest';
import { binaryCrossentropy, categoricalCrossentropy, sparseCategoricalCrossentropy } from '../src/index.js';
import {
  bceLogitsRef, bceProbsRef, cceLogitsRef, cceProbsRef, EPS, expectClose, expectNoLeak, meanRef, ONE_MINUS_EPS, scalarOf, scceLogitsRef,
  scceProbsRef, sigmoidRef, softmaxRef, sumRef, useCpu, values,
} from './helpers.js';

useCpu();

/** A small deterministic generator (so the data is fixed, but not hand-picked). */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function matrix(rows: number, cols: number, f: () => number): number[][] {
  return Array.from({ length: rows }, () => Array.from({ length: cols }, f));
}

/** Values as float32 would store them, so references see the same inputs. */
const f32 = (m: number[][]): number[][] => m.map((r) => r.map(Math.fround));

describe('binaryCrossentropy', () => {
  it("matches Keras' documented example and the formula", () => {
    const t = [[0, 1], [0, 0]];
    const p = [[0.6, 0.4], [0.4, 0.6]];
    const perSample = binaryCrossentropy(tensor(t), tensor(p), { reduction: 'none' });
    expectClose(perSample, [0.9162907, 0.7135582], 1e-5);
    expectClose(perSample, bceProbsRef(t, f32(p)));
    expectClose(scalarOf(binaryCrossentropy(tensor(t), tensor(p))), meanRef(bceProbsRef(t, f32(p))));
    expectClose(scalarOf(binaryCrossentropy(tensor(t), tensor(p), { reduction: 'sum' })), sumRef(bceProbsRef(t, f32(p))));
  });

  it('clips probabilities 0 and 1 to [1e-7, 1 - 1e-7] (finite losses)', () => {
    const t = [[1, 0, 0, 1]];
    const p = [[0, 1, 0, 1]];
    const per = values(binaryCrossentropy(tensor(t), tensor(p), { reduction: 'none' }));
    expect(Number.isFinite(per[0]!)).toBe(true);
    expectClose(per, bceProbsRef(t, p), 1e-5);
    // the two wrong certainties dominate: -log(1e-7) and -log(1 - (1 - 1e-7) in float32)
    expectClose(per[0]!, (-Math.log(EPS) - Math.log(1 - ONE_MINUS_EPS)) / 4, 1e-5);
  });

  it('from logits agrees with probabilities and stays finite for large logits', () => {
    const r = rng(1);
    const x = f32(matrix(5, 3, () => (r() - 0.5) * 8));
    const t = matrix(5, 3, () => (r() < 0.5 ? 0 : 1));
    const probs = x.map((row) => row.map(sigmoidRef));
    const fromLogits = binaryCrossentropy(tensor(t), tensor(x), { fromLogits: true, reduction: 'none' });
    expectClose(fromLogits, bceLogitsRef(t, x));
    expectClose(fromLogits, values(binaryCrossentropy(tensor(t), tensor(probs), { reduction: 'none' })), 1e-4, 1e-5);
    const big = [[100, -100, 100, -100, 0]];
    const bt = [[1, 0, 0, 1, 1]];
    const lossBig = binaryCrossentropy(tensor(bt), tensor(big), { fromLogits: true, reduction: 'none' });
    expectClose(lossBig, bceLogitsRef(bt, big)); // (0 + 0 + 100 + 100 + log 2) / 5
    expectClose(lossBig, [(200 + Math.LN2) / 5]);
  });

  it('smooths labels towards 0.5 (probabilities and logits)', () => {
    const r = rng(2);
    const x = f32(matrix(4, 2, () => (r() - 0.5) * 6));
    const t = matrix(4, 2, () => (r() < 0.5 ? 0 : 1));
    const p = f32(x.map((row) => row.map(sigmoidRef)));
    expectClose(binaryCrossentropy(tensor(t), tensor(p), { labelSmoothing: 0.2, reduction: 'none' }), bceProbsRef(t, p, 0.2));
    expectClose(binaryCrossentropy(tensor(t), tensor(x), { labelSmoothing: 0.2, fromLogits: true, reduction: 'none' }), bceLogitsRef(t, x, 0.2));
    // smoothing changes the value
    expect(Math.abs(scalarOf(binaryCrossentropy(tensor(t), tensor(p), { labelSmoothing: 0.2 })) - meanRef(bceProbsRef(t, p)))).toBeGreaterThan(1e-3);
  });

  it('lines up [batch] labels with [batch, 1] predictions, and honours axis', () => {
    const a = scalarOf(binaryCrossentropy(tensor([1, 0, 1]), tensor([[0.9], [0.2], [0.3]])));
    expectClose(a, meanRef(bceProbsRef([[1], [0], [1]], f32([[0.9], [0.2], [0.3]]))));
    const t = [[1, 0, 1], [0, 0, 1]];
    const p = f32([[0.9, 0.2, 0.3], [0.4, 0.1, 0.8]]);
    const cols = values(binaryCrossentropy(tensor(t), tensor(p), { axis: 0, reduction: 'none' }));
    const transposedT = [0, 1, 2].map((j) => t.map((row) => row[j]!));
    const transposedP = [0, 1, 2].map((j) => p.map((row) => row[j]!));
    expectClose(cols, bceProbsRef(transposedT, transposedP));
  });

  it('accepts int32 and bool labels', () => {
    const p = [[0.7, 0.2]];
    const ref = meanRef(bceProbsRef([[1, 0]], f32(p)));
    expectClose(scalarOf(binaryCrossentropy(tensor(new Int32Array([1, 0]), [1, 2]), tensor(p))), ref);
    expectClose(scalarOf(binaryCrossentropy(tensor([[true, false]]), tensor(p))), ref);
  });

  it('gradient w.r.t. logits is (sigmoid(x) - z) / size, x = 0 included', () => {
    const x = [[0, 1.5, -2], [3, 0, -0.5]];
    const t = [[1, 0, 1], [0, 0, 1]];
    const g = grad((logits: Tensor) => binaryCrossentropy(tensor(t), logits, { fromLogits: true }))(tensor(x));
    expectClose(g, x.flatMap((row, i) => row.map((v, j) => (sigmoidRef(Math.fround(v)) - t[i]![j]!) / 6)));
  });

  it('gradient w.r.t. probabilities is -(z/p - (1-z)/(1-p)) / size', () => {
    const p = [[0.3, 0.8], [0.6, 0.1]];
    const t = [[1, 0], [0, 1]];
    const g = grad((q: Tensor) => binaryCrossentropy(tensor(t), q))(tensor(p));
    expectClose(g, f32(p).flatMap((row, i) => row.map((v, j) => -(t[i]![j]! / v - (1 - t[i]![j]!) / (1 - v)) / 4)), 1e-4);
  });

  it('names itself and both shapes on a mismatch, pointing multi-class data to the sparse loss', () => {
    expect(() => binaryCrossentropy(tensor([[1, 0]]), tensor([[0.5, 0.2, 0.3]]))).toThrow(/binary_crossentropy.*\[1,2\].*\[1,3\]/);
    expect(() => binaryCrossentropy(tensor([1, 0]), tensor([[0.5, 0.2, 0.3], [0.1, 0.1, 0.8]]))).toThrow(/sparse_categorical_crossentropy/);
    expect(() => binaryCrossentropy(tensor([[1]]), tensor([[0.5]]), { labelSmoothing: 2 })).toThrow(/labelSmoothing/);
    expect(() => binaryCrossentropy(tensor([[1]]), tensor([[0.5]]), { reduction: 'avg' as never })).toThrow(/reduction.*sum_over_batch_size/);
  });
});

describe('categoricalCrossentropy', () => {
  it("matches Keras' documented example and the formula", () => {
    const t = [[0, 1, 0], [0, 0, 1]];
    const p = [[0.05, 0.95, 0], [0.1, 0.8, 0.1]];
    const per = categoricalCrossentropy(tensor(t), tensor(p), { reduction: 'none' });
    expectClose(per, [0.0512933, 2.3025851], 1e-5);
    expectClose(per, cceProbsRef(t, f32(p)));
    expectClose(scalarOf(categoricalCrossentropy(tensor(t), tensor(p))), meanRef(cceProbsRef(t, f32(p))));
  });

  it('renormalises predictions that do not sum to 1, and clips zeros at 1e-7', () => {
    const t = [[0, 1, 0], [1, 0, 0]];
    const p = [[1, 2, 1], [0, 3, 1]];
    const per = values(categoricalCrossentropy(tensor(t), tensor(p), { reduction: 'none' }));
    expectClose(per, cceProbsRef(t, p));
    expectClose(per[0]!, -Math.log(0.5));
    expectClose(per[1]!, -Math.log(EPS), 1e-5);
  });

  it('from logits agrees with softmax probabilities', () => {
    const r = rng(3);
    const x = f32(matrix(6, 4, () => (r() - 0.5) * 10));
    const t = x.map((_, i) => [0, 1, 2, 3].map((j) => (j === i % 4 ? 1 : 0)));
    const fromLogits = categoricalCrossentropy(tensor(t), tensor(x), { fromLogits: true, reduction: 'none' });
    expectClose(fromLogits, cceLogitsRef(t, x));
    const probs = x.map(softmaxRef);
    expectClose(fromLogits, values(categoricalCrossentropy(tensor(t), tensor(probs), { reduction: 'none' })), 1e-4, 1e-5);
  });

  it('smooths labels as y(1 - ls) + ls / numClasses', () => {
    const r = rng(4);
    const x = f32(matrix(3, 5, () => (r() - 0.5) * 4));
    const t = [[0, 0, 1, 0, 0], [1, 0, 0, 0, 0], [0, 0, 0, 0, 1]];
    const p = f32(x.map(softmaxRef));
    expectClose(categoricalCrossentropy(tensor(t), tensor(x), { fromLogits: true, labelSmoothing: 0.1, reduction: 'none' }), cceLogitsRef(t, x, 0.1));
    expectClose(categoricalCrossentropy(tensor(t), tensor(p), { labelSmoothing: 0.1, reduction: 'none' }), cceProbsRef(t, p, 0.1));
  });

  it('reduces over another class axis', () => {
    const x = f32([[1, -1], [0.5, 2], [-0.3, 0.1]]); // classes on axis 0
    const t = [[1, 0], [0, 0], [0, 1]];
    const per = categoricalCrossentropy(tensor(t), tensor(x), { fromLogits: true, axis: 0, reduction: 'none' });
    const colsX = [0, 1].map((j) => x.map((row) => row[j]!));
    const colsT = [0, 1].map((j) => t.map((row) => row[j]!));
    expectClose(per, cceLogitsRef(colsT, colsX));
  });

  it('gradient w.r.t. logits is (softmax - y) / batch', () => {
    const x = [[2, 1, 0.1], [0.5, 2.5, -1], [0, 0, 0], [-3, 4, 1]];
    const t = [[1, 0, 0], [0, 0, 1], [0, 1, 0], [0.2, 0.3, 0.5]];
    const g = grad((logits: Tensor) => categoricalCrossentropy(tensor(t), logits, { fromLogits: true }))(tensor(x));
    expectClose(g, f32(x).flatMap((row, i) => softmaxRef(row).map((s, j) => (s - t[i]![j]!) / 4)));
  });

  it('gradient w.r.t. probabilities follows the renormalisation: (Σy/S - y_j/p_j) / batch', () => {
    const p = [[0.2, 0.5, 0.3], [0.1, 0.1, 0.6]];
    const t = [[0, 1, 0], [0, 0, 1]];
    const g = grad((q: Tensor) => categoricalCrossentropy(tensor(t), q))(tensor(p));
    expectClose(g, f32(p).flatMap((row, i) => {
      const s = sumRef(row);
      const sy = sumRef(t[i]!);
      return row.map((v, j) => (sy / s - t[i]![j]! / v) / 2);
    }), 1e-4);
  });

  it('rejects sparse labels with a pointer to sparse_categorical_crossentropy', () => {
    const probs = tensor([[0.2, 0.8], [0.6, 0.4]]);
    expect(() => categoricalCrossentropy(tensor([1, 0]), probs)).toThrow(/categorical_crossentropy: yTrue shape \[2\] and yPred shape \[2,2\].*sparse_categorical_crossentropy/);
    expect(() => categoricalCrossentropy(tensor([[1], [0]]), probs)).toThrow(/sparse_categorical_crossentropy/);
    expect(() => categoricalCrossentropy(tensor([[1, 0, 0]]), tensor([[0.2, 0.8]]))).toThrow(/\[1,3\].*\[1,2\]/);
    expect(() => categoricalCrossentropy(tensor([[1, 0]]), tensor([[0.2, 0.8]]), { axis: 2 })).toThrow(/categorical_crossentropy: axis 2/);
  });
});

describe('sparseCategoricalCrossentropy', () => {
  it("matches Keras' documented example and equals the one-hot categorical loss", () => {
    const p = [[0.05, 0.95, 0], [0.1, 0.8, 0.1]];
    const per = sparseCategoricalCrossentropy(tensor(new Int32Array([1, 2])), tensor(p), { reduction: 'none' });
    expectClose(per, [0.0512933, 2.3025851], 1e-5);
    expectClose(per, scceProbsRef([1, 2], f32(p)));
  });

  it('takes int32 or float labels, of shape [batch] or [batch, 1]', () => {
    const r = rng(5);
    const x = f32(matrix(5, 4, () => (r() - 0.5) * 6));
    const labels = [3, 0, 2, 1, 3];
    const ref = meanRef(scceLogitsRef(labels, x));
    const opts = { fromLogits: true } as const;
    expectClose(scalarOf(sparseCategoricalCrossentropy(tensor(new Int32Array(labels)), tensor(x), opts)), ref);
    expectClose(scalarOf(sparseCategoricalCrossentropy(tensor(labels), tensor(x), opts)), ref);
    expectClose(scalarOf(sparseCategoricalCrossentropy(tensor(labels.map((l) => [l])), tensor(x), opts)), ref);
    expectClose(scalarOf(sparseCategoricalCrossentropy(tensor(new Int32Array(labels), [5, 1]), tensor(x), opts)), ref);
    const oneHot = labels.map((l) => [0, 1, 2, 3].map((j) => (j === l ? 1 : 0)));
    expectClose(scalarOf(categoricalCrossentropy(tensor(oneHot), tensor(x), opts)), ref);
  });

  it('from logits agrees with probabilities; clipped zero probabilities stay finite', () => {
    const r = rng(6);
    const x = f32(matrix(4, 3, () => (r() - 0.5) * 6));
    const labels = [0, 2, 1, 1];
    const probs = x.map(softmaxRef);
    const a = values(sparseCategoricalCrossentropy(tensor(labels), tensor(x), { fromLogits: true, reduction: 'none' }));
    const b = values(sparseCategoricalCrossentropy(tensor(labels), tensor(probs), { reduction: 'none' }));
    expectClose(a, scceLogitsRef(labels, x));
    expectClose(a, b, 1e-4, 1e-5);
    const hard = [[0, 1, 0], [1, 0, 0]];
    const per = values(sparseCategoricalCrossentropy(tensor([0, 0]), tensor(hard), { reduction: 'none' }));
    expectClose(per, scceProbsRef([0, 0], hard), 1e-5);
    expect(per[0]!).toBeGreaterThan(15);
    expect(per[1]!).toBeLessThan(1e-5);
  });

  it('handles a sequence of labels ([batch, time] with [batch, time, classes])', () => {
    const x = [[[1, 2, 0], [0, 0, 3]], [[2, -1, 0], [1, 1, 1]]];
    const labels = [[1, 2], [0, 1]];
    const per = sparseCategoricalCrossentropy(tensor(labels), tensor(x), { fromLogits: true, reduction: 'none' });
    expect(per.shape).toEqual([2, 2]);
    expectClose(per, [0, 1].flatMap((b) => scceLogitsRef(labels[b]!, x[b]!)));
  });

  it('gives NaN for a label out of range', () => {
    const per = values(sparseCategoricalCrossentropy(tensor(new Int32Array([0, 3, -1])), tensor([[0.5, 0.5], [0.5, 0.5], [0.5, 0.5]]), { reduction: 'none' }));
    expect(Number.isNaN(per[0]!)).toBe(false);
    expect(Number.isNaN(per[1]!)).toBe(true);
    expect(Number.isNaN(per[2]!)).toBe(true);
  });

  it('gradient w.r.t. logits is (softmax - onehot) / batch', () => {
    const x = [[2, 1, 0.1], [0.5, 2.5, -1], [0, 0, 0]];
    const labels = [0, 2, 1];
    const g = grad((logits: Tensor) => sparseCategoricalCrossentropy(tensor(new Int32Array(labels)), logits, { fromLogits: true }))(tensor(x));
    expectClose(g, f32(x).flatMap((row, i) => softmaxRef(row).map((s, j) => (s - (j === labels[i] ? 1 : 0)) / 3)));
  });

  it('rejects one-hot labels (pointing to categorical_crossentropy), bad shapes and other axes', () => {
    const probs = tensor([[0.2, 0.8], [0.6, 0.4]]);
    expect(() => sparseCategoricalCrossentropy(tensor([[0, 1], [1, 0]]), probs)).toThrow(
      /sparse_categorical_crossentropy: yTrue shape \[2,2\].*yPred shape \[2,2\].*categorical_crossentropy/,
    );
    expect(() => sparseCategoricalCrossentropy(tensor([0, 1, 1]), probs)).toThrow(/\[3\].*\[2,2\]/);
    expect(() => sparseCategoricalCrossentropy(tensor([0, 1]), probs, { axis: 0 })).toThrow(/axis/);
  });
});

describe('crossentropy memory', () => {
  it('frees every intermediate', () => {
    const t = tensor([[0, 1, 0], [1, 0, 0]]);
    const p = tensor([[0.2, 0.5, 0.3], [0.6, 0.3, 0.1]]);
    const labels = tensor(new Int32Array([1, 0]));
    const before = memory().numBuffers;
    expectNoLeak(() => binaryCrossentropy(t, p, { labelSmoothing: 0.1 }));
    expectNoLeak(() => binaryCrossentropy(t, p, { fromLogits: true, reduction: 'none' }));
    expectNoLeak(() => categoricalCrossentropy(t, p, { labelSmoothing: 0.1 }));
    expectNoLeak(() => categoricalCrossentropy(t, p, { fromLogits: true, reduction: 'sum' }));
    expectNoLeak(() => sparseCategoricalCrossentropy(labels, p));
    expectNoLeak(() => sparseCategoricalCrossentropy(labels, p, { fromLogits: true }));
    expectNoLeak(() => grad((x: Tensor) => categoricalCrossentropy(t, x, { fromLogits: true }))(p));
    expect(memory().numBuffers).toBe(before);
    expect(() => categoricalCrossentropy(tensor([1, 0]), p)).toThrow();
  });
});
