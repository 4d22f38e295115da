import { createCpuBackend } from '@nabla/backend-cpu';
import { memory, setBackend, type Tensor } from '@nabla/tensor';
import { beforeAll, expect } from 'vitest';

export function useCpu(): void {
  beforeAll(async () => {
    await setBackend(await createCpuBackend());
  });
}

export function values(t: Tensor): number[] {
  return Array.from(t.dataSync() as Float32Array);
}

export function scalarOf(t: Tensor): number {
  expect(t.shape, 'a scalar').toEqual([]);
  return (t.dataSync() as Float32Array)[0]!;
}

/** Elementwise closeness of float32 results to float64 references. */
export function expectClose(actual: Tensor | number | readonly number[], expected: number | readonly number[], rtol = 1e-5, atol = 1e-6): void {
  const a = typeof actual === 'number' ? [actual] : Array.isArray(actual) ? (actual as number[]) : values(actual as Tensor);
  const e = typeof expected === 'number' ? [expected] : expected;
  expect(a.length, 'length').toBe(e.length);
  for (let i = 0; i < e.length; i++) {
    const ei = e[i]!;
    if (!(Math.abs(a[i]! - ei) <= atol + rtol * Math.abs(ei))) {
      expect.fail(`element ${i}: expected ${ei}, got ${a[i]} (all: [${a.join(', ')}] vs [${e.join(', ')}])`);
    }
  }
}

/** Runs fn, disposes what it returns, and checks nothing else was left alive. */
export function expectNoLeak(fn: () => Tensor | Tensor[]): void {
  const before = memory().numTensors;
  const out = fn();
  for (const t of Array.isArray(out) ? out : [out]) t.dispose();
  expect(memory().numTensors, 'live tensors after the call').toBe(before);
}

// ---- float64 references, written from the Keras 3 formulas ----

export const EPS = Math.fround(1e-7);
export const ONE_MINUS_EPS = Math.fround(1 - 1e-7);
export const clipRef = (x: number, lo: number, hi: number): number => Math.min(Math.max(x, lo), hi);
export const meanRef = (xs: readonly number[]): number => xs.reduce((s, x) => s + x, 0) / xs.length;
export const sumRef = (xs: readonly number[]): number => xs.reduce((s, x) => s + x, 0);
export const sigmoidRef = (x: number): number => 1 / (1 + Math.exp(-x));

export function softmaxRef(row: readonly number[]): number[] {
  const m = Math.max(...row);
  const e = row.map((x) => Math.exp(x - m));
  const s = sumRef(e);
  return e.map((x) => x / s);
}

export function logSoftmaxRef(row: readonly number[]): number[] {
  const m = Math.max(...row);
  const lse = m + Math.log(sumRef(row.map((x) => Math.exp(x - m))));
  return row.map((x) => x - lse);
}

/** Per-sample BCE on probabilities (rows of the last axis). */
export function bceProbsRef(t: number[][], p: number[][], ls = 0): number[] {
  return t.map((row, i) =>
    meanRef(row.map((z0, j) => {
      const z = z0 * (1 - ls) + 0.5 * ls;
      const q = clipRef(p[i]![j]!, EPS, ONE_MINUS_EPS);
      return -(z * Math.log(q) + (1 - z) * Math.log(1 - q));
    })));
}

/** Per-sample BCE on logits: log(1 + e^x) - x·z, computed stably. */
export function bceLogitsRef(t: number[][], x: number[][], ls = 0): number[] {
  return t.map((row, i) =>
    meanRef(row.map((z0, j) => {
      const z = z0 * (1 - ls) + 0.5 * ls;
      const v = x[i]![j]!;
      return Math.max(v, 0) - v * z + Math.log1p(Math.exp(-Math.abs(v)));
    })));
}

/** Per-sample CCE on probabilities: renormalise, clip, -Σ y log p. */
export function cceProbsRef(t: number[][], p: number[][], ls = 0): number[] {
  return t.map((row, i) => {
    const s = sumRef(p[i]!);
    const k = row.length;
    return -sumRef(row.map((y0, j) => (y0 * (1 - ls) + ls / k) * Math.log(clipRef(p[i]![j]! / s, EPS, ONE_MINUS_EPS))));
  });
}

export function cceLogitsRef(t: number[][], x: number[][], ls = 0): number[] {
  return t.map((row, i) => {
    const lp = logSoftmaxRef(x[i]!);
    const k = row.length;
    return -sumRef(row.map((y0, j) => (y0 * (1 - ls) + ls / k) * lp[j]!));
  });
}

/** Keras' TF backend: logits = log(clip(p)), loss = -log_softmax(logits)[label]. */
export function scceProbsRef(labels: number[], p: number[][]): number[] {
  return labels.map((c, i) => -logSoftmaxRef(p[i]!.map((v) => Math.log(clipRef(v, EPS, ONE_MINUS_EPS))))[c]!);
}

export function scceLogitsRef(labels: number[], x: number[][]): number[] {
  return labels.map((c, i) => -logSoftmaxRef(x[i]!)[c]!);
}
