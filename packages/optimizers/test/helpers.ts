import { Variable } from '@nabla/autograd';
import { tensor, type Tensor } from '@nabla/tensor';
import { expect } from 'vitest';
import type { Optimizer } from '../src/index.js';
import type { Vec } from './reference.js';

/** Two variables ([2, 2] and [3]) so per-variable state and the global norm are exercised. */
export const W0: Vec[] = [
  [0.5, -1.2, 2.0, 0.3],
  [-0.7, 0.05, 1.5],
];
export const SHAPES = [[2, 2], [3]];

/**
 * Fixed gradients for 5 steps, mixed signs; step 1 is 3x larger so v later decreases
 * (AMSGrad's max differs from v) and step 3 has a zero component.
 */
export const GRADS: Vec[][] = [0, 1, 2, 3, 4].map((step) =>
  W0.map((w, k) =>
    w.map((_, i) => {
      const base = (((i * 7 + step * 3 + k * 5) % 11) - 5) / 4;
      return base * (step === 1 ? 3 : 1) + 0.1 * (k + 1);
    }),
  ),
);

export function makeVars(initial: Vec[] = W0, shapes: number[][] = SHAPES): Variable[] {
  return initial.map((w, k) => {
    const t = tensor(w, shapes[k]);
    const v = new Variable(t, { name: `var${k}` });
    t.dispose();
    return v;
  });
}

/** Applies `steps` optimizer steps with GRADS (created and freed per step) and returns the variable values. */
export function runOptimizer(opt: Optimizer, steps = GRADS.length, grads: Vec[][] = GRADS, initial: Vec[] = W0, shapes: number[][] = SHAPES): Vec[] {
  const vars = makeVars(initial, shapes);
  for (let s = 0; s < steps; s++) {
    const gs: Tensor[] = grads[s]!.map((g, k) => tensor(g, shapes[k]));
    opt.applyGradients(gs.map((g, k) => [g, vars[k]!] as const));
    for (const g of gs) g.dispose();
  }
  const out = vars.map((v) => Array.from(v.dataSync()));
  opt.dispose();
  for (const v of vars) v.dispose();
  return out;
}

/** Float32 result against the float64 reference: |a - b| <= atol + rtol * |b|. */
export function expectClose(actual: Vec[], expected: Vec[], rtol = 2e-5, atol = 2e-6): void {
  expect(actual.length).toBe(expected.length);
  actual.forEach((a, k) => {
    const e = expected[k]!;
    expect(a.length).toBe(e.length);
    a.forEach((x, i) => {
      const tol = atol + rtol * Math.abs(e[i]!);
      if (!(Math.abs(x - e[i]!) <= tol)) {
        throw new Error(`variable ${k}[${i}]: got ${x}, expected ${e[i]} (|diff| ${Math.abs(x - e[i]!)} > ${tol})`);
      }
    });
  });
}

/** Guards a comparison against being vacuous: the variables must have moved from W0. */
export function expectMoved(actual: Vec[], initial: Vec[] = W0, minChange = 1e-4): void {
  const change = Math.max(...actual.flatMap((a, k) => a.map((x, i) => Math.abs(x - initial[k]![i]!))));
  expect(change).toBeGreaterThan(minChange);
}
