import { tensor } from '@nabla/tensor';
import { describe, expect, it } from 'vitest';
import { AUC, Precision, Recall } from '../src/index.js';
import { expectClose, live, useCpu } from './helpers.js';

useCpu();

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** Counts at each threshold: positive prediction when p > t, positive label when y != 0. */
function countsRef(labels: readonly number[], preds: readonly number[], thresholds: readonly number[]) {
  const tp = thresholds.map((t) => labels.filter((y, i) => y !== 0 && preds[i]! > t).length);
  const fp = thresholds.map((t) => labels.filter((y, i) => y === 0 && preds[i]! > t).length);
  const fn = thresholds.map((t) => labels.filter((y, i) => y !== 0 && !(preds[i]! > t)).length);
  const tn = thresholds.map((t) => labels.filter((y, i) => y === 0 && !(preds[i]! > t)).length);
  return { tp, fp, fn, tn };
}

const ratio = (a: number, b: number): number => (a + b === 0 ? 0 : a / (a + b));

/** Keras' default AUC thresholds for n. */
const aucThresholds = (n: number): number[] => [-1e-7, ...Array.from({ length: n - 2 }, (_, i) => (i + 1) / (n - 1)), 1 + 1e-7];

/** Mid-point (trapezoid) area under the ROC points (fpr, tpr), thresholds ascending. */
function rocAucRef(labels: readonly number[], preds: readonly number[], th: readonly number[]): number {
  const c = countsRef(labels, preds, th);
  const tpr = c.tp.map((v, i) => ratio(v, c.fn[i]!));
  const fpr = c.fp.map((v, i) => ratio(v, c.tn[i]!));
  let area = 0;
  for (let i = 0; i + 1 < th.length; i++) area += (fpr[i]! - fpr[i + 1]!) * (tpr[i]! + tpr[i + 1]!) / 2;
  return area;
}

/**
 * PR-AUC as Davis & Goadrich interpolate it: between thresholds A and B, TP and
 * P = TP + FP vary linearly, so precision = (TP_A + s(P - P_A)) / P with slope s = ΔTP/ΔP;
 * integrate precision d(recall) = (s/Pos)(ΔTP + (TP_B - s·P_B)·ln(P_A / P_B)).
 */
function prAucRef(labels: readonly number[], preds: readonly number[], th: readonly number[]): number {
  const c = countsRef(labels, preds, th);
  const positives = labels.filter((y) => y !== 0).length;
  let area = 0;
  for (let i = 0; i + 1 < th.length; i++) {
    const tpA = c.tp[i]!;
    const tpB = c.tp[i + 1]!;
    const pA = tpA + c.fp[i]!;
    const pB = tpB + c.fp[i + 1]!;
    if (pA === pB) continue; // no change in predicted positives: no area
    const s = (tpA - tpB) / (pA - pB);
    const intercept = tpB - s * pB;
    const logTerm = pA > 0 && pB > 0 ? Math.log(pA / pB) : 0;
    if (positives > 0) area += (s * (tpA - tpB + intercept * logTerm)) / positives;
  }
  return area;
}

describe('Precision / Recall', () => {
  it("match Keras' examples", async () => {
    const p = new Precision();
    p.update(tensor([0, 1, 1, 1]), tensor([1, 0, 1, 1]));
    expectClose(await p.result(), 2 / 3);
    const r = new Recall();
    r.update(tensor([0, 1, 1, 1]), tensor([1, 0, 1, 1]));
    expectClose(await r.result(), 2 / 3);
    expect([p.name, r.name]).toEqual(['precision', 'recall']);
    p.dispose();
    r.dispose();
  });

  it('stream over batches of [batch, 1] or [batch] shapes, match counts at 0.5; reset', async () => {
    const g = rng(11);
    const p = new Precision();
    const r = new Recall();
    const labels: number[] = [];
    const preds: number[] = [];
    for (const n of [6, 9, 4]) {
      const y = Array.from({ length: n }, () => (g() < 0.4 ? 1 : 0));
      const q = Array.from({ length: n }, () => Math.fround(g()));
      labels.push(...y);
      preds.push(...q);
      p.update(tensor(y.map((v) => [v])), tensor(q.map((v) => [v])));
      r.update(tensor(y), tensor(q.map((v) => [v])));
    }
    const c = countsRef(labels, preds, [0.5]);
    expectClose(await p.result(), ratio(c.tp[0]!, c.fp[0]!));
    expectClose(await r.result(), ratio(c.tp[0]!, c.fn[0]!));
    p.reset();
    expect(await p.result()).toBe(0);
    p.update(tensor([1, 0]), tensor([0.9, 0.1]));
    expectClose(await p.result(), 1);
    p.dispose();
    r.dispose();
  });

  it('several thresholds give one value each (evenly spaced ones too); result() then asks for results()', async () => {
    const g = rng(12);
    const labels = Array.from({ length: 30 }, () => (g() < 0.5 ? 1 : 0));
    const preds = Array.from({ length: 30 }, () => Math.fround(g()));
    for (const th of [[0.3, 0.5, 0.9], [0, 0.25, 0.5, 0.75, 1]]) {
      const p = new Precision({ thresholds: th });
      const r = new Recall({ thresholds: th });
      p.update(tensor(labels), tensor(preds));
      r.update(tensor(labels), tensor(preds));
      const c = countsRef(labels, preds, th);
      const pr = await p.results();
      const rr = await r.results();
      th.forEach((_, i) => {
        expectClose(pr[i]!, ratio(c.tp[i]!, c.fp[i]!));
        expectClose(rr[i]!, ratio(c.tp[i]!, c.fn[i]!));
      });
      await expect(p.result()).rejects.toThrow(/results\(\)/);
      p.dispose();
      r.dispose();
    }
    expect(() => new Precision({ thresholds: 1.5 })).toThrow(/\[0, 1\]/);
  });

  it('frees everything but its two accumulators', async () => {
    const y = tensor([1, 0, 1]);
    const q = tensor([0.6, 0.7, 0.2]);
    const before = live();
    const p = new Precision();
    for (let i = 0; i < 3; i++) p.update(y, q);
    expect(live() - before).toBe(2);
    expectClose(await p.result(), 0.5);
    p.dispose();
    expect(live()).toBe(before);
  });
});

describe('AUC', () => {
  it("matches Keras' example (numThresholds 3)", async () => {
    const m = new AUC({ numThresholds: 3 });
    m.update(tensor([0, 0, 1, 1]), tensor([0, 0.5, 0.3, 0.9]));
    expectClose(await m.result(), 0.75);
    expect((await m.counts()).tp).toEqual([2, 1, 0]);
    expect((await m.counts()).fp).toEqual([2, 0, 0]);
    expect(m.name).toBe('auc');
    m.dispose();
  });

  it('ROC with 200 thresholds matches the hand computation, and nearly the exact AUC', async () => {
    const labels = [0, 1, 0, 1, 1, 0, 0, 1, 0, 1];
    const preds = [0.12, 0.81, 0.45, 0.37, 0.93, 0.41, 0.05, 0.66, 0.71, 0.52].map(Math.fround);
    const m = new AUC();
    expect(m.numThresholds).toBe(200);
    m.update(tensor(labels), tensor(preds));
    const ref = rocAucRef(labels, preds, aucThresholds(200));
    expectClose(await m.result(), ref, 1e-6);
    // exact AUC: the fraction of (positive, negative) pairs ranked correctly
    let correct = 0;
    labels.forEach((y, i) => labels.forEach((z, j) => { if (y === 1 && z === 0 && preds[i]! > preds[j]!) correct++; }));
    expectClose(await m.result(), correct / 25, 1e-6);
    m.dispose();
  });

  it('PR interpolation, minoring and majoring match their formulas', async () => {
    const g = rng(13);
    const labels = Array.from({ length: 40 }, () => (g() < 0.4 ? 1 : 0));
    const preds = labels.map((y) => Math.fround(Math.min(1, Math.max(0, 0.35 * y + 0.65 * g()))));
    const th = aucThresholds(11);
    const pr = new AUC({ numThresholds: 11, curve: 'PR' });
    pr.update(tensor(labels), tensor(preds));
    expectClose(await pr.result(), prAucRef(labels, preds, th), 1e-6);
    const c = countsRef(labels, preds, th);
    const tpr = c.tp.map((v, i) => ratio(v, c.fn[i]!));
    const fpr = c.fp.map((v, i) => ratio(v, c.tn[i]!));
    for (const method of ['minoring', 'majoring'] as const) {
      const m = new AUC({ numThresholds: 11, summationMethod: method });
      m.update(tensor(labels), tensor(preds));
      let area = 0;
      for (let i = 0; i + 1 < th.length; i++) {
        area += (fpr[i]! - fpr[i + 1]!) * (method === 'minoring' ? Math.min(tpr[i]!, tpr[i + 1]!) : Math.max(tpr[i]!, tpr[i + 1]!));
      }
      expectClose(await m.result(), area, 1e-6);
      m.dispose();
    }
    expect(await new AUC({ numThresholds: 11, summationMethod: 'minoring' }).result()).toBe(0);
    pr.dispose();
  });

  it('streams over batches (same as one batch), resets, takes logits and explicit thresholds', async () => {
    const g = rng(14);
    const labels = Array.from({ length: 24 }, () => (g() < 0.5 ? 1 : 0));
    const logits = labels.map((y) => Math.fround((y ? 0.8 : -0.8) + (g() - 0.5) * 4));
    const probs = logits.map((x) => Math.fround(1 / (1 + Math.exp(-x))));
    const whole = new AUC();
    whole.update(tensor(labels), tensor(probs));
    const streamed = new AUC();
    streamed.update(tensor(labels.slice(0, 10).map((v) => [v])), tensor(probs.slice(0, 10).map((v) => [v])));
    streamed.update(tensor(labels.slice(10)), tensor(probs.slice(10)));
    expectClose(await streamed.result(), await whole.result(), 1e-7);
    expectClose(await whole.result(), rocAucRef(labels, probs, aucThresholds(200)), 1e-6);
    const fromLogits = new AUC({ fromLogits: true });
    fromLogits.update(tensor(labels), tensor(logits));
    expectClose(await fromLogits.result(), await whole.result(), 1e-6);
    streamed.reset();
    expect(await streamed.result()).toBe(0);
    const uneven = new AUC({ thresholds: [0.7, 0.2, 0.45] });
    expect(uneven.thresholds).toEqual([-1e-7, 0.2, 0.45, 0.7, 1 + 1e-7]);
    uneven.update(tensor(labels), tensor(probs));
    expectClose(await uneven.result(), rocAucRef(labels, probs, uneven.thresholds), 1e-6);
    for (const m of [whole, streamed, fromLogits, uneven]) m.dispose();
    expect(() => new AUC({ numThresholds: 1 })).toThrow(/numThresholds/);
    expect(() => new AUC({ curve: 'XY' as never })).toThrow(/curve/);
  });

  it('names both shapes on a mismatch', () => {
    expect(() => new AUC().update(tensor([1, 0, 1]), tensor([0.5, 0.2]))).toThrow(/auc: yTrue shape \[3\] and yPred shape \[2\]/);
  });
});
