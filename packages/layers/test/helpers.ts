import { createCpuBackend } from '@nabla/backend-cpu';
import { setBackend, tensor, type Tensor } from '@nabla/tensor';
import { beforeAll, expect } from 'vitest';

export function useCpu(): void {
  beforeAll(async () => {
    await setBackend(createCpuBackend());
  });
}

/** A tensor's values as numbers. */
export function vals(t: Tensor): number[] {
  return Array.from(t.dataSync() as ArrayLike<number>);
}

/** Deterministic pseudo-random numbers in [lo, hi) (test data only). */
export function lcg(n: number, seed = 1, lo = -1, hi = 1): number[] {
  let s = seed >>> 0;
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out.push(lo + ((s >>> 8) / 16777216) * (hi - lo));
  }
  return out;
}

export function t2(values: number[], shape: number[]): Tensor {
  return tensor(Float32Array.from(values), shape);
}

/** Element-wise |a - b| <= atol + rtol·|b|, with the first failing index in the message. */
export function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, atol = 1e-5, rtol = 1e-5): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i]!;
    const e = expected[i]!;
    if (!(Math.abs(a - e) <= atol + rtol * Math.abs(e))) {
      throw new Error(`element ${i}: got ${a}, expected ${e} (atol ${atol}, rtol ${rtol})`);
    }
  }
}

/** Row-major matmul in float64. */
export function matmul64(a: number[], b: number[], m: number, k: number, n: number): number[] {
  const out = new Array<number>(m * n).fill(0);
  for (let i = 0; i < m; i++) for (let p = 0; p < k; p++) for (let j = 0; j < n; j++) out[i * n + j]! += a[i * k + p]! * b[p * n + j]!;
  return out;
}

export function mean64(xs: number[]): number {
  return xs.reduce((s, v) => s + v, 0) / xs.length;
}

export function var64(xs: number[]): number {
  const m = mean64(xs);
  return xs.reduce((s, v) => s + (v - m) ** 2, 0) / xs.length;
}

/** erf to ~1e-12 (series / continued fraction), for reference formulas. */
export function erf64(x: number): number {
  const ax = Math.abs(x);
  let r: number;
  if (ax < 3) {
    // Maclaurin series
    let term = ax;
    let sum = ax;
    for (let n = 1; n < 200; n++) {
      term *= (-ax * ax) / n;
      const add = term / (2 * n + 1);
      sum += add;
      if (Math.abs(add) < 1e-17) break;
    }
    r = (2 / Math.sqrt(Math.PI)) * sum;
  } else {
    // continued fraction for erfc
    let f = 0;
    for (let n = 60; n >= 1; n--) f = (n / 2) / (ax + f);
    r = 1 - Math.exp(-ax * ax) / Math.sqrt(Math.PI) / (ax + f);
  }
  return x < 0 ? -r : r;
}
