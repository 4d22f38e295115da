import { scalar, tensor, tidy } from '@nabla/tensor';
import { describe, expect, it } from 'vitest';
import {
  Accuracy, BinaryAccuracy, CategoricalAccuracy, Mean, SparseCategoricalAccuracy, SparseTopKCategoricalAccuracy, TopKCategoricalAccuracy,
} from '../src/index.js';
import { expectClose, live, meanRef, useCpu } from './helpers.js';

useCpu();

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const argmaxRef = (row: readonly number[]): number => row.reduce((best, v, i) => (v > row[best]! ? i : best), 0);
/** TF's in_top_k: fewer than k scores strictly above the label's. */
const inTopKRef = (row: readonly number[], label: number, k: number): number => (row.filter((v) => v > row[label]!).length < k ? 1 : 0);

describe('Mean', () => {
  it('averages numbers, scalars and the samples of tensors; reset starts over', async () => {
    const m = new Mean();
    expect(m.name).toBe('mean');
    expect(await m.result()).toBe(0);
    m.update(tensor([1, 3, 5, 7]));
    expect(await m.result()).toBe(4);
    m.update(2);
    m.update(scalar(10));
    expectClose(await m.result(), (1 + 3 + 5 + 7 + 2 + 10) / 6);
    m.reset();
    expect(await m.result()).toBe(0);
    // rank 2: each row is averaged first, then counts once
    m.update(tensor([[1, 2, 3], [10, 20, 30]]));
    expectClose(await m.result(), (2 + 20) / 2);
    m.dispose();
  });

  it('keeps its state out of tidy scopes, replaces it on update and frees it on dispose', async () => {
    const m = new Mean();
    const x = tensor([1, 2, 3]);
    const before = live();
    tidy(() => m.update(x));
    expect(live() - before, 'total and count').toBe(2);
    for (let i = 0; i < 5; i++) m.update(x);
    tidy(() => m.update(4));
    expect(live() - before).toBe(2);
    expectClose(await m.result(), (6 * 6 + 4) / 19);
    m.dispose();
    expect(live()).toBe(before);
  });
});

describe('Accuracy', () => {
  it("matches Keras' example and streams over batches", async () => {
    const m = new Accuracy();
    expect(m.name).toBe('accuracy');
    m.update(tensor([[1], [2], [3], [4]]), tensor([[0], [2], [3], [4]]));
    expectClose(await m.result(), 0.75);
    m.update(tensor([[5], [6]]), tensor([[5], [6]]));
    expectClose(await m.result(), 5 / 6);
    m.reset();
    m.update(tensor([[1, 2], [3, 4]]), tensor([[1, 0], [0, 0]]));
    expectClose(await m.result(), (0.5 + 0) / 2);
    m.dispose();
  });

  it("keeps Keras' rank-1 quirk: a [batch] pair counts as one sample", async () => {
    const m = new Accuracy();
    m.update(tensor([1, 2]), tensor([1, 0]));
    m.update(tensor([1, 2, 3, 4]), tensor([1, 2, 3, 4]));
    expectClose(await m.result(), (0.5 + 1) / 2);
    m.dispose();
  });
});

describe('BinaryAccuracy', () => {
  it("matches Keras' example; threshold, int and bool labels", async () => {
    const m = new BinaryAccuracy();
    expect(m.name).toBe('binary_accuracy');
    m.update(tensor([[1], [1], [0], [0]]), tensor([[0.98], [1], [0], [0.6]]));
    expectClose(await m.result(), 0.75);
    const hi = new BinaryAccuracy({ threshold: 0.7 });
    hi.update(tensor([[1], [1], [0], [0]]), tensor([[0.98], [1], [0], [0.6]]));
    expectClose(await hi.result(), 1);
    const ints = new BinaryAccuracy();
    ints.update(tensor(new Int32Array([1, 0, 1]), [3, 1]), tensor([[0.5], [0.2], [0.51]])); // 0.5 is not above 0.5
    expectClose(await ints.result(), 2 / 3);
    const bools = new BinaryAccuracy();
    bools.update(tensor([[true], [false]]), tensor([[0.9], [0.7]]));
    expectClose(await bools.result(), 0.5);
    for (const x of [m, hi, ints, bools]) x.dispose();
    expect(() => new BinaryAccuracy({ threshold: 1 })).toThrow(/threshold/);
  });

  it('matches a per-sample reference over several batches, [batch] labels with [batch, 1] predictions', async () => {
    const r = rng(7);
    const m = new BinaryAccuracy();
    const perSample: number[] = [];
    for (const n of [5, 3, 8]) {
      const labels = Array.from({ length: n }, () => (r() < 0.5 ? 0 : 1));
      const probs = Array.from({ length: n }, () => Math.fround(r()));
      probs.forEach((p, i) => perSample.push((p > 0.5 ? 1 : 0) === labels[i] ? 1 : 0));
      m.update(tensor(labels), tensor(probs.map((p) => [p])));
    }
    expectClose(await m.result(), meanRef(perSample));
    m.dispose();
  });

  it('multi-label rows average over the last axis first', async () => {
    const m = new BinaryAccuracy();
    m.update(tensor([[1, 0, 1], [0, 0, 1]]), tensor([[0.9, 0.6, 0.2], [0.1, 0.3, 0.8]]));
    expectClose(await m.result(), (1 / 3 + 1) / 2);
    m.dispose();
  });
});

describe('CategoricalAccuracy / SparseCategoricalAccuracy', () => {
  it("match Keras' examples", async () => {
    const c = new CategoricalAccuracy();
    c.update(tensor([[0, 0, 1], [0, 1, 0]]), tensor([[0.1, 0.9, 0.8], [0.05, 0.95, 0]]));
    expectClose(await c.result(), 0.5);
    const s = new SparseCategoricalAccuracy();
    s.update(tensor([[2], [1]]), tensor([[0.1, 0.6, 0.3], [0.05, 0.95, 0]]));
    expectClose(await s.result(), 0.5);
    expect([c.name, s.name]).toEqual(['categorical_accuracy', 'sparse_categorical_accuracy']);
    c.dispose();
    s.dispose();
  });

  it('stream over batches, agree with each other and with an argmax reference; reset', async () => {
    const r = rng(8);
    const c = new CategoricalAccuracy();
    const sInt = new SparseCategoricalAccuracy();
    const sFloat = new SparseCategoricalAccuracy();
    const hits: number[] = [];
    for (const n of [4, 7, 2]) {
      const scores = Array.from({ length: n }, () => Array.from({ length: 5 }, () => Math.fround(r())));
      const labels = Array.from({ length: n }, () => Math.floor(r() * 5));
      scores.forEach((row, i) => hits.push(argmaxRef(row) === labels[i] ? 1 : 0));
      const oneHot = labels.map((l) => [0, 1, 2, 3, 4].map((j) => (j === l ? 1 : 0)));
      c.update(tensor(oneHot), tensor(scores));
      sInt.update(tensor(new Int32Array(labels)), tensor(scores));
      sFloat.update(tensor(labels.map((l) => [l])), tensor(scores));
    }
    expect(hits.some((h) => h === 1) && hits.some((h) => h === 0)).toBe(true);
    for (const m of [c, sInt, sFloat]) expectClose(await m.result(), meanRef(hits));
    c.reset();
    c.update(tensor([[1, 0]]), tensor([[0.9, 0.1]]));
    expectClose(await c.result(), 1);
    for (const m of [c, sInt, sFloat]) m.dispose();
  });

  it('ties go to the first index (argmax)', async () => {
    const s = new SparseCategoricalAccuracy();
    s.update(tensor(new Int32Array([0, 1])), tensor([[0.5, 0.5], [0.5, 0.5]]));
    expectClose(await s.result(), 0.5);
    s.dispose();
  });

  it('say which metric fits when given the other kind of labels', () => {
    const probs = tensor([[0.2, 0.8], [0.6, 0.4]]);
    expect(() => new CategoricalAccuracy().update(tensor([1, 0]), probs)).toThrow(/categorical_accuracy: yTrue shape \[2\] and yPred shape \[2,2\].*sparse_categorical_accuracy/);
    expect(() => new SparseCategoricalAccuracy().update(tensor([[0, 1], [1, 0]]), probs)).toThrow(/sparse_categorical_accuracy.*one-hot.*use categorical_accuracy/);
    expect(() => new SparseCategoricalAccuracy().update(tensor([0, 1, 1]), probs)).toThrow(/\[3\].*\[2,2\]/);
  });
});

describe('TopKCategoricalAccuracy / SparseTopKCategoricalAccuracy', () => {
  it("match Keras' examples (k = 1) and count ties at the boundary as in", async () => {
    const t = new TopKCategoricalAccuracy({ k: 1 });
    t.update(tensor([[0, 0, 1], [0, 1, 0]]), tensor([[0.1, 0.9, 0.8], [0.05, 0.95, 0]]));
    expectClose(await t.result(), 0.5);
    const s = new SparseTopKCategoricalAccuracy({ k: 1 });
    s.update(tensor(new Int32Array([2, 1])), tensor([[0.1, 0.9, 0.8], [0.05, 0.95, 0]]));
    expectClose(await s.result(), 0.5);
    const ties = new SparseTopKCategoricalAccuracy({ k: 1 });
    ties.update(tensor([2]), tensor([[0.5, 0.5, 0.5, 0.1]]));
    expectClose(await ties.result(), 1);
    expect([t.name, s.name, t.k, new TopKCategoricalAccuracy().k]).toEqual(['top_k_categorical_accuracy', 'sparse_top_k_categorical_accuracy', 1, 5]);
    for (const m of [t, s, ties]) m.dispose();
  });

  it('match an in_top_k reference for k = 2 and 3 over batches; k ≥ classes is always a hit', async () => {
    const r = rng(9);
    for (const k of [2, 3]) {
      const dense = new TopKCategoricalAccuracy({ k });
      const sparse = new SparseTopKCategoricalAccuracy({ k });
      const hits: number[] = [];
      for (const n of [6, 5]) {
        const scores = Array.from({ length: n }, () => Array.from({ length: 6 }, () => Math.round(r() * 8) / 8));
        const labels = Array.from({ length: n }, () => Math.floor(r() * 6));
        scores.forEach((row, i) => hits.push(inTopKRef(row, labels[i]!, k)));
        dense.update(tensor(labels.map((l) => [0, 1, 2, 3, 4, 5].map((j) => (j === l ? 1 : 0)))), tensor(scores));
        sparse.update(tensor(labels.map((l) => [l])), tensor(scores));
      }
      expect(hits.some((h) => h === 0)).toBe(true);
      expectClose(await dense.result(), meanRef(hits));
      expectClose(await sparse.result(), meanRef(hits));
      dense.dispose();
      sparse.dispose();
    }
    const all = new TopKCategoricalAccuracy();
    all.update(tensor([[0, 0, 1]]), tensor([[0.9, 0.5, 0.1]]));
    expectClose(await all.result(), 1);
    all.dispose();
  });

  it('treat an out-of-range label or a non-finite score as a miss', async () => {
    const s = new SparseTopKCategoricalAccuracy({ k: 2 });
    s.update(tensor(new Int32Array([5, 0, 0])), tensor([[0.2, 0.8], [0.9, Number.NaN], [0.9, 0.1]]));
    expectClose(await s.result(), 1 / 3);
    s.dispose();
    expect(() => new TopKCategoricalAccuracy({ k: 0 })).toThrow(/k must be a positive integer/);
  });
});
