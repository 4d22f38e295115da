import { grad, grads } from '@nabla/autograd';
import * as nb from '@nabla/tensor';
import { cast, concat, conv1d, conv2d, mul, reshape, slice, sum, tensor, tidy, type Tensor } from '@nabla/tensor';
import { describe, expect, it } from 'vitest';
import { expectClose, randomValues, useBackend, type ConformanceTarget, type Tolerance } from './harness.js';
import { erf64 } from './reference.js';

/**
 * Every gradient rule is checked against central finite differences of a random linear
 * functional L(x) = Σ f(x)·r: autograd's ∂L/∂x (float32 on the backend) against
 * (L(x + h·eⱼ) − L(x − h·eⱼ)) / 2h, where f is evaluated on the backend in float32 and the
 * sum over outputs is taken in float64 (so outputs the step does not touch cancel exactly).
 * Points stay ≥ 0.1 (≥ 3h) away from kinks (relu/abs at 0, max/min ties, clip bounds,
 * floor/round steps), so every op is smooth within the step.
 *
 * The tolerances (|autograd − fd| ≤ atol + rtol·|fd|, elementwise) by class:
 * - `linear`: f is linear (or piecewise linear, or multilinear: matmul, conv, prod, max) in
 *   the perturbed element, so the central difference is exact and only float32 rounding of
 *   f (≈ 1e-7·|f| per output, divided by 2h = 0.02) remains;
 * - `smooth`: nonlinear f, plus the truncation error h²/6·|f‴| ≈ 2e-5·|f‴|;
 * - `float64`: elementwise ops are also checked against central differences (h = 1e-6) of a
 *   float64 JS reference of the same function, so a wrong constant (selu, erf, gelu) or a
 *   small formula slip cannot hide inside the float32 tolerance.
 */
export const GRADIENT_TOLERANCES = {
  linear: { rtol: 1e-3, atol: 2e-4 },
  smooth: { rtol: 1e-2, atol: 1e-3 },
  float64: { rtol: 1e-4, atol: 1e-5 },
} as const satisfies Record<string, Tolerance>;

/** Central-difference steps h. */
export const FD_STEP = { float32: 1e-2, float64: 1e-6 } as const;

/** How one input's values are drawn. */
interface InputSpec {
  shape: number[];
  /** Uniform in [lo, hi) (default [-2, 2)). */
  lo?: number;
  hi?: number;
  /** Kinks to keep ≥ `gap` (default 0.1) away from. */
  away?: readonly number[];
  gap?: number;
  /** All different, ≥ 0.1 apart (max/min/pool ties), shuffled. */
  distinct?: boolean;
  /** Exact values. */
  values?: readonly number[];
}

/** One gradient check: inputs drawn by spec, f differentiated by autograd and by finite differences. */
export interface GradCase {
  name: string;
  cls: 'linear' | 'smooth';
  inputs: InputSpec[];
  f: (...xs: Tensor[]) => Tensor;
  /** Draws all inputs jointly (overrides the specs' values). */
  draw?: (seed: number) => number[][];
  /** float64 scalar reference of an elementwise f whose inputs share one shape. */
  ref?: (...v: number[]) => number;
}

const hash = (s: string): number => {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619) >>> 0;
  return h || 1;
};

const sizeOf = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

function draw(spec: InputSpec, seed: number, index: number): Float32Array {
  const n = sizeOf(spec.shape);
  if (spec.values) {
    if (spec.values.length !== n) throw new Error(`gradient case: ${spec.values.length} values for shape [${spec.shape.join(',')}]`);
    return Float32Array.from(spec.values);
  }
  if (spec.distinct) {
    // an arithmetic progression (step 0.1, offset per input so two inputs never tie), shuffled
    const v = Array.from({ length: n }, (_, k) => (k - n / 2) * 0.1 + index * 0.037);
    const u = randomValues(n, seed, 0, 1);
    for (let k = n - 1; k > 0; k--) {
      const j = Math.floor(u[k]! * (k + 1));
      [v[k], v[j]] = [v[j]!, v[k]!];
    }
    return Float32Array.from(v);
  }
  const out = randomValues(n, seed, spec.lo ?? -2, spec.hi ?? 2);
  const gap = spec.gap ?? 0.1;
  for (let k = 0; k < n; k++) {
    for (const kink of spec.away ?? []) {
      const d = out[k]! - kink;
      if (Math.abs(d) < gap) out[k] = kink + (d >= 0 ? 1 : -1) * (gap + Math.abs(d));
    }
  }
  return out;
}

/** f on the backend, read back. */
async function evaluate(f: GradCase['f'], vals: readonly Float32Array[], shapes: readonly number[][]): Promise<{ data: Float32Array; shape: readonly number[] }> {
  const y = tidy(() => f(...vals.map((v, i) => tensor(v, shapes[i]))));
  try {
    return { data: (await y.data()) as Float32Array, shape: y.shape };
  } finally {
    y.dispose();
  }
}

/** Checks autograd's gradients of `c.f` against central finite differences (see the tolerances above). */
export async function checkGradients(c: GradCase): Promise<void> {
  const seed = hash(c.name);
  const shapes = c.inputs.map((s) => s.shape);
  const vals = c.draw ? c.draw(seed).map((v) => Float32Array.from(v)) : c.inputs.map((s, i) => draw(s, seed + 101 * i, i));
  vals.forEach((v, i) => expect(v.length, `${c.name}: input ${i} size`).toBe(sizeOf(shapes[i]!)));
  const y0 = await evaluate(c.f, vals, shapes);
  const r = randomValues(y0.data.length, seed + 7, -1, 1);

  // autograd
  const xs = vals.map((v, i) => tensor(v, shapes[i]));
  const rt = tensor(r, y0.shape);
  const gs = grads((...a) => sum(mul(c.f(...a), rt)))(...xs);
  const analytic: Float32Array[] = [];
  try {
    for (let i = 0; i < gs.length; i++) {
      expect(gs[i]!.shape, `${c.name}: shape of ∂L/∂x${i}`).toEqual(shapes[i]);
      expect(gs[i]!.dtype).toBe('float32');
      analytic.push((await gs[i]!.data()) as Float32Array);
    }
  } finally {
    for (const t of [...xs, rt, ...gs]) t.dispose();
  }

  // central differences of the backend's float32 f
  const h = FD_STEP.float32;
  for (let i = 0; i < vals.length; i++) {
    const fd = new Float64Array(vals[i]!.length);
    for (let j = 0; j < fd.length; j++) {
      const plus = vals.map((v) => v.slice());
      const minus = vals.map((v) => v.slice());
      plus[i]![j] = vals[i]![j]! + h;
      minus[i]![j] = vals[i]![j]! - h;
      const step = plus[i]![j]! - minus[i]![j]!; // the float32 step actually taken
      const [yp, ym] = [(await evaluate(c.f, plus, shapes)).data, (await evaluate(c.f, minus, shapes)).data];
      let d = 0;
      for (let k = 0; k < r.length; k++) d += r[k]! * (yp[k]! - ym[k]!);
      fd[j] = d / step;
    }
    expectClose(analytic[i]!, fd, GRADIENT_TOLERANCES[c.cls], `${c.name}: ∂L/∂x${i} vs float32 finite differences`);
  }

  // central differences of a float64 reference
  if (c.ref) {
    const h64 = FD_STEP.float64;
    for (let i = 0; i < vals.length; i++) {
      const expected = new Float64Array(vals[i]!.length);
      for (let j = 0; j < expected.length; j++) {
        const args = vals.map((v) => v[j]!);
        const p = [...args];
        const m = [...args];
        p[i]! += h64;
        m[i]! -= h64;
        expected[j] = (r[j]! * (c.ref(...p) - c.ref(...m))) / (2 * h64);
      }
      expectClose(analytic[i]!, expected, GRADIENT_TOLERANCES.float64, `${c.name}: ∂L/∂x${i} vs float64 finite differences`);
    }
  }
}

// ---- the cases ----

const S = [3, 4];
const SELU_SCALE = 1.0507009873554805;
const SELU_ALPHA = 1.6732632423543772;
const sigmoid64 = (x: number): number => 1 / (1 + Math.exp(-x));
const INTEGERS = [-3, -2, -1, 0, 1, 2, 3];
const HALVES = [-2.5, -1.5, -0.5, 0.5, 1.5, 2.5];

function unary(name: string, f: (x: Tensor) => Tensor, ref: (x: number) => number, spec: Omit<InputSpec, 'shape'> = {}, cls: GradCase['cls'] = 'smooth'): GradCase {
  return { name, cls, inputs: [{ shape: S, ...spec }], f, ref };
}

function binary(name: string, f: (a: Tensor, b: Tensor) => Tensor, ref: (a: number, b: number) => number, a: Omit<InputSpec, 'shape'> = {}, b: Omit<InputSpec, 'shape'> = {}, cls: GradCase['cls'] = 'smooth'): GradCase {
  return { name, cls, inputs: [{ shape: S, ...a }, { shape: S, ...b }], f, ref };
}

const ELEMENTWISE: GradCase[] = [
  unary('neg', nb.neg, (x) => -x, {}, 'linear'),
  unary('abs', nb.abs, Math.abs, { away: [0] }, 'linear'),
  unary('sign', nb.sign, Math.sign, { away: [0] }, 'linear'),
  unary('square', nb.square, (x) => x * x),
  unary('relu', nb.relu, (x) => Math.max(x, 0), { away: [0] }, 'linear'),
  unary('exp', nb.exp, Math.exp),
  unary('expm1', nb.expm1, Math.expm1),
  unary('log', nb.log, Math.log, { lo: 0.2, hi: 3 }),
  unary('log1p', nb.log1p, Math.log1p, { lo: -0.5, hi: 2 }),
  unary('sqrt', nb.sqrt, Math.sqrt, { lo: 0.2, hi: 3 }),
  unary('rsqrt', nb.rsqrt, (x) => 1 / Math.sqrt(x), { lo: 0.2, hi: 3 }),
  unary('reciprocal', nb.reciprocal, (x) => 1 / x, { away: [0], gap: 0.4 }),
  unary('sin', nb.sin, Math.sin, { lo: -3, hi: 3 }),
  unary('cos', nb.cos, Math.cos, { lo: -3, hi: 3 }),
  unary('tanh', nb.tanh, Math.tanh),
  unary('sigmoid', nb.sigmoid, sigmoid64, { lo: -4, hi: 4 }),
  unary('elu', nb.elu, (x) => (x > 0 ? x : Math.expm1(x)), { away: [0] }),
  unary('selu', nb.selu, (x) => SELU_SCALE * (x > 0 ? x : SELU_ALPHA * Math.expm1(x)), { away: [0] }),
  unary('softplus', nb.softplus, (x) => Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x))), { lo: -4, hi: 4 }),
  unary('erf', nb.erf, erf64),
  unary('floor', nb.floor, Math.floor, { lo: -2.5, hi: 2.5, away: INTEGERS }, 'linear'),
  unary('ceil', nb.ceil, Math.ceil, { lo: -2.5, hi: 2.5, away: INTEGERS }, 'linear'),
  unary('round', nb.round, Math.round, { lo: -2.5, hi: 2.5, away: HALVES }, 'linear'),
  unary('relu6', nb.relu6, (x) => Math.min(Math.max(x, 0), 6), { lo: -3, hi: 9, away: [0, 6] }, 'linear'),
  unary('leakyRelu', (x) => nb.leakyRelu(x), (x) => (x >= 0 ? x : 0.2 * x), { away: [0] }, 'linear'),
  unary('leakyRelu(alpha 0.01)', (x) => nb.leakyRelu(x, 0.01), (x) => (x >= 0 ? x : 0.01 * x), { away: [0] }, 'linear'),
  unary('gelu', nb.gelu, (x) => 0.5 * x * (1 + erf64(x / Math.SQRT2)), { lo: -3, hi: 3 }),
  unary('clip', (x) => nb.clip(x, -0.5, 0.5), (x) => Math.min(Math.max(x, -0.5), 0.5), { lo: -1.5, hi: 1.5, away: [-0.5, 0.5] }, 'linear'),
  unary('fan-out: x·sin x + x', (x) => nb.add(nb.mul(x, nb.sin(x)), x), (x) => x * Math.sin(x) + x),
  unary('cast float32 -> float32', (x) => nb.mul(cast(x, 'float32'), x), (x) => x * x),
  unary('cast through int32 carries no gradient', (x) => nb.mul(x, cast(cast(x, 'int32'), 'float32')), (x) => x * Math.trunc(x), { away: INTEGERS }, 'linear'),
  { name: 'strided input: sin(xᵀ)', cls: 'smooth', inputs: [{ shape: S }], f: (x) => nb.sin(nb.transpose(x)) },

  binary('add', nb.add, (a, b) => a + b, {}, {}, 'linear'),
  binary('sub', nb.sub, (a, b) => a - b, {}, {}, 'linear'),
  binary('mul', nb.mul, (a, b) => a * b, {}, {}, 'linear'),
  binary('div', nb.div, (a, b) => a / b, {}, { away: [0], gap: 0.5 }),
  binary('pow', nb.pow, Math.pow, { lo: 0.3, hi: 2 }, { lo: -2, hi: 2 }),
  binary('maximum', nb.maximum, Math.max, { distinct: true }, { distinct: true }, 'linear'),
  binary('minimum', nb.minimum, Math.min, { distinct: true }, { distinct: true }, 'linear'),
  {
    name: 'mod',
    cls: 'linear',
    inputs: [{ shape: S }, { shape: S }],
    f: nb.mod,
    ref: (a, b) => a - b * Math.floor(a / b),
    // a/b stays ≥ 0.15 from an integer, so floor(a/b) is constant within the step
    draw: (seed) => {
      const u = randomValues(36, seed, 0, 1);
      const b = Array.from({ length: 12 }, (_, k) => (u[k]! < 0.3 ? -1 : 1) * (1 + u[12 + k]!));
      const a = b.map((bk, k) => bk * (Math.floor(u[k]! * 4) - 2 + 0.15 + 0.7 * u[24 + k]!));
      return [a, b];
    },
  },
  { name: 'pow(x, 3) with negative x', cls: 'smooth', inputs: [{ shape: S }], f: (x) => nb.pow(x, 3), ref: (x) => x ** 3 },
  { name: 'add broadcast [2,3] + [3]', cls: 'linear', inputs: [{ shape: [2, 3] }, { shape: [3] }], f: nb.add },
  { name: 'sub broadcast [3,1] - [1,4]', cls: 'linear', inputs: [{ shape: [3, 1] }, { shape: [1, 4] }], f: nb.sub },
  { name: 'mul broadcast [2,1,3] * [4,1]', cls: 'linear', inputs: [{ shape: [2, 1, 3] }, { shape: [4, 1] }], f: nb.mul },
  { name: 'div broadcast [2,3] / [3]', cls: 'smooth', inputs: [{ shape: [2, 3] }, { shape: [3], away: [0], gap: 0.5 }], f: nb.div },
  { name: 'pow broadcast [2,3] ^ [3]', cls: 'smooth', inputs: [{ shape: [2, 3], lo: 0.3, hi: 2 }, { shape: [3] }], f: nb.pow },
  { name: 'maximum broadcast [2,3] vs [3]', cls: 'linear', inputs: [{ shape: [2, 3], distinct: true }, { shape: [3], distinct: true }], f: nb.maximum },
  { name: 'minimum broadcast [2,1] vs [1,3]', cls: 'linear', inputs: [{ shape: [2, 1], distinct: true }, { shape: [1, 3], distinct: true }], f: nb.minimum },
  { name: 'scalar operands: 2 - x·3, 1 / x', cls: 'smooth', inputs: [{ shape: S, away: [0], gap: 0.4 }], f: (x) => nb.add(nb.sub(2, nb.mul(x, 3)), nb.div(1, x)) },
  {
    name: 'where(cond, a, b)',
    cls: 'linear',
    inputs: [{ shape: S }, { shape: S }],
    f: (a, b) => nb.where(tensor([true, false, true, true, false, false, true, false, true, true, false, true], S), a, b),
  },
  {
    name: 'where broadcast cond [3,1], a [3,4], b [4]',
    cls: 'linear',
    inputs: [{ shape: [3, 4] }, { shape: [4] }],
    f: (a, b) => nb.where(tensor([[true], [false], [true]]), a, b),
  },
];

const X342 = { shape: [3, 4, 2] };
const REDUCTIONS: GradCase[] = [
  { name: 'sum (all)', cls: 'linear', inputs: [X342], f: (x) => nb.sum(x) },
  { name: 'sum axis 1', cls: 'linear', inputs: [X342], f: (x) => nb.sum(x, 1) },
  { name: 'sum axes [0,2] keepDims', cls: 'linear', inputs: [X342], f: (x) => nb.sum(x, [0, 2], true) },
  { name: 'mean axis -1 keepDims', cls: 'linear', inputs: [X342], f: (x) => nb.mean(x, -1, true) },
  { name: 'mean (all)', cls: 'linear', inputs: [X342], f: (x) => nb.mean(x) },
  { name: 'prod axis 1', cls: 'linear', inputs: [{ shape: [3, 4, 2], lo: 0.5, hi: 1.5 }], f: (x) => nb.prod(x, 1) },
  { name: 'prod (all)', cls: 'linear', inputs: [{ shape: [2, 3], lo: -1.5, hi: 1.5 }], f: (x) => nb.prod(x) },
  {
    name: 'prod axis 1 with zeros (none, one, two per row)',
    cls: 'linear',
    inputs: [{ shape: [3, 4], values: [0.5, -1.5, 2, 1.2, 0.7, 0, -1.3, 2, 0, 1.5, 0, -0.8] }],
    f: (x) => nb.prod(x, 1),
  },
  { name: 'max axis 1', cls: 'linear', inputs: [{ shape: [3, 4, 2], distinct: true }], f: (x) => nb.max(x, 1) },
  { name: 'max axes [0,2] keepDims', cls: 'linear', inputs: [{ shape: [3, 4, 2], distinct: true }], f: (x) => nb.max(x, [0, 2], true) },
  { name: 'max (all)', cls: 'linear', inputs: [{ shape: [3, 4], distinct: true }], f: (x) => nb.max(x) },
  { name: 'min axis 0', cls: 'linear', inputs: [{ shape: [3, 4, 2], distinct: true }], f: (x) => nb.min(x, 0) },
  { name: 'min axis -1 keepDims', cls: 'linear', inputs: [{ shape: [3, 4], distinct: true }], f: (x) => nb.min(x, -1, true) },
  { name: 'variance axis 1', cls: 'smooth', inputs: [X342], f: (x) => nb.variance(x, 1) },
  { name: 'variance (all)', cls: 'smooth', inputs: [{ shape: [3, 4] }], f: (x) => nb.variance(x) },
  { name: 'logSumExp axis -1', cls: 'smooth', inputs: [X342], f: (x) => nb.logSumExp(x, -1) },
  { name: 'logSumExp axes [0,1] keepDims', cls: 'smooth', inputs: [X342], f: (x) => nb.logSumExp(x, [0, 1], true) },
  { name: 'softmax axis -1', cls: 'smooth', inputs: [X342], f: (x) => nb.softmax(x) },
  { name: 'softmax axis 0', cls: 'smooth', inputs: [X342], f: (x) => nb.softmax(x, 0) },
  { name: 'logSoftmax axis -1', cls: 'smooth', inputs: [{ shape: [3, 4] }], f: (x) => nb.logSoftmax(x) },
  { name: 'logSoftmax axis 1', cls: 'smooth', inputs: [X342], f: (x) => nb.logSoftmax(x, 1) },
];

const MATMUL: GradCase[] = [
  { name: 'matmul [3,4]·[4,2]', cls: 'linear', inputs: [{ shape: [3, 4] }, { shape: [4, 2] }], f: (a, b) => nb.matmul(a, b) },
  { name: 'matmul transposeA [4,3]ᵀ·[4,2]', cls: 'linear', inputs: [{ shape: [4, 3] }, { shape: [4, 2] }], f: (a, b) => nb.matmul(a, b, true) },
  { name: 'matmul transposeB [3,4]·[2,4]ᵀ', cls: 'linear', inputs: [{ shape: [3, 4] }, { shape: [2, 4] }], f: (a, b) => nb.matmul(a, b, false, true) },
  { name: 'matmul both transposed', cls: 'linear', inputs: [{ shape: [4, 3] }, { shape: [2, 4] }], f: (a, b) => nb.matmul(a, b, true, true) },
  { name: 'matmul batch [2,3,4]·[2,4,2]', cls: 'linear', inputs: [{ shape: [2, 3, 4] }, { shape: [2, 4, 2] }], f: (a, b) => nb.matmul(a, b) },
  { name: 'matmul batch broadcast [2,1,3,4]·[3,4,2]', cls: 'linear', inputs: [{ shape: [2, 1, 3, 4] }, { shape: [3, 4, 2] }], f: (a, b) => nb.matmul(a, b) },
  { name: 'matmul [2,3,4]·[4,2] (b broadcast)', cls: 'linear', inputs: [{ shape: [2, 3, 4] }, { shape: [4, 2] }], f: (a, b) => nb.matmul(a, b) },
];

const VIEWS: GradCase[] = [
  { name: 'reshape', cls: 'linear', inputs: [{ shape: [3, 4] }], f: (x) => reshape(x, [2, 6]) },
  { name: 'reshape of a transposed view (copy path)', cls: 'linear', inputs: [{ shape: [3, 4] }], f: (x) => reshape(nb.transpose(x), [2, 6]) },
  { name: 'transpose [2,0,1]', cls: 'linear', inputs: [X342], f: (x) => nb.transpose(x, [2, 0, 1]) },
  { name: 'slice', cls: 'linear', inputs: [{ shape: [4, 5] }], f: (x) => slice(x, [1, 2], [2, -1]) },
  { name: 'expandDims / squeeze / flatten', cls: 'linear', inputs: [{ shape: [3, 4] }], f: (x) => nb.flatten(nb.squeeze(nb.expandDims(x, 1), 1)) },
  { name: 'broadcastTo [3,1] -> [2,3,4]', cls: 'linear', inputs: [{ shape: [3, 1] }], f: (x) => nb.broadcastTo(x, [2, 3, 4]) },
  { name: 'concat axis 1', cls: 'linear', inputs: [{ shape: [2, 1] }, { shape: [2, 3] }, { shape: [2, 2] }], f: (a, b, c) => concat([a, b, c], 1) },
  { name: 'concat axis 0 (one input twice)', cls: 'linear', inputs: [{ shape: [2, 3] }, { shape: [1, 3] }], f: (a, b) => concat([a, b, a], 0) },
  { name: 'pad', cls: 'linear', inputs: [{ shape: [2, 3] }], f: (x) => nb.pad(x, [[1, 0], [2, 1]]) },
  { name: 'pad with value 3', cls: 'linear', inputs: [{ shape: [2, 3] }], f: (x) => nb.pad(x, [[0, 2], [1, 1]], 3) },
  { name: 'gather axis 0, repeated indices', cls: 'linear', inputs: [{ shape: [3, 4] }], f: (x) => nb.gather(x, [2, 0, 2, 1]) },
  {
    name: 'gather axis 1, 2-D indices',
    cls: 'linear',
    inputs: [{ shape: [3, 4] }],
    f: (x) => nb.gather(x, tensor(new Int32Array([3, 0, 3, 1]), [2, 2], 'int32'), 1),
  },
  {
    name: 'scatterAdd axis 0',
    cls: 'linear',
    inputs: [{ shape: [4, 3] }],
    f: (u) => nb.scatterAdd(u, tensor(new Int32Array([0, 2, 0, 1]), [4], 'int32'), 0, [3, 3]),
  },
  { name: 'tile', cls: 'linear', inputs: [{ shape: [2, 3] }], f: (x) => nb.tile(x, [2, 2]) },
  { name: 'stack axis 1', cls: 'linear', inputs: [{ shape: [2, 3] }, { shape: [2, 3] }, { shape: [2, 3] }], f: (a, b, c) => nb.stack([a, b, c], 1) },
  {
    name: 'split axis 1',
    cls: 'linear',
    inputs: [{ shape: [2, 5] }],
    f: (x) => {
      const [p, q] = nb.split(x, [2, 3], 1);
      return concat([nb.mul(q!, 2), nb.mul(p!, -1)], 1);
    },
  },
  {
    name: 'windows',
    cls: 'linear',
    inputs: [{ shape: [1, 4, 5, 2] }],
    f: (x) => nb.windows(x, { kernel: [2, 2], strides: [1, 2], dilations: [1, 1] }),
  },
  {
    name: 'windowsGrad',
    cls: 'linear',
    inputs: [{ shape: [1, 3, 2, 2, 2, 2] }],
    f: (d) => nb.windowsGrad(d, [1, 4, 5, 2], { kernel: [2, 2], strides: [1, 2], dilations: [1, 1] }),
  },
  {
    name: 'windowsGrad of a window grid short of the input',
    cls: 'linear',
    inputs: [{ shape: [1, 2, 1, 2, 2, 1] }],
    f: (d) => nb.windowsGrad(d, [1, 4, 5, 1], { kernel: [2, 2], strides: [1, 2], dilations: [1, 1] }),
  },
];

const CONV: GradCase[] = [
  { name: 'conv2d valid', cls: 'linear', inputs: [{ shape: [1, 5, 5, 2] }, { shape: [3, 3, 2, 3] }], f: (x, w) => conv2d(x, w) },
  { name: 'conv2d same, stride 2', cls: 'linear', inputs: [{ shape: [2, 5, 5, 1] }, { shape: [3, 3, 1, 2] }], f: (x, w) => conv2d(x, w, { strides: 2, padding: 'same' }) },
  { name: 'conv2d valid, dilation 2', cls: 'linear', inputs: [{ shape: [1, 6, 6, 1] }, { shape: [2, 2, 1, 2] }], f: (x, w) => conv2d(x, w, { dilations: 2 }) },
  { name: 'conv2d same, dilation 2', cls: 'linear', inputs: [{ shape: [1, 5, 5, 2] }, { shape: [2, 2, 2, 1] }], f: (x, w) => conv2d(x, w, { dilations: 2, padding: 'same' }) },
  { name: 'conv2d valid, strides [2,1], kernel 2x3', cls: 'linear', inputs: [{ shape: [1, 5, 6, 2] }, { shape: [2, 3, 2, 2] }], f: (x, w) => conv2d(x, w, { strides: [2, 1] }) },
  { name: 'conv1d valid', cls: 'linear', inputs: [{ shape: [2, 7, 2] }, { shape: [3, 2, 2] }], f: (x, w) => conv1d(x, w) },
  { name: 'conv1d same, stride 2', cls: 'linear', inputs: [{ shape: [2, 7, 2] }, { shape: [3, 2, 2] }], f: (x, w) => conv1d(x, w, { stride: 2, padding: 'same' }) },
  { name: 'conv1d valid, dilation 2', cls: 'linear', inputs: [{ shape: [1, 8, 1] }, { shape: [3, 1, 2] }], f: (x, w) => conv1d(x, w, { dilation: 2 }) },
  { name: 'maxPool2d 2x2 valid', cls: 'linear', inputs: [{ shape: [1, 4, 4, 2], distinct: true }], f: (x) => nb.maxPool2d(x, { poolSize: 2 }) },
  { name: 'maxPool2d 3x3 same, stride 2', cls: 'linear', inputs: [{ shape: [1, 5, 5, 1], distinct: true }], f: (x) => nb.maxPool2d(x, { poolSize: 3, strides: 2, padding: 'same' }) },
  { name: 'avgPool2d 2x2 valid', cls: 'linear', inputs: [{ shape: [1, 4, 4, 2] }], f: (x) => nb.avgPool2d(x, { poolSize: 2 }) },
  { name: 'avgPool2d 3x3 same, stride 2', cls: 'linear', inputs: [{ shape: [1, 5, 5, 1] }], f: (x) => nb.avgPool2d(x, { poolSize: 3, strides: 2, padding: 'same' }) },
];

// gradients of gradients: the rules differentiated by an outer tape
const SECOND_ORDER: GradCase[] = [
  {
    name: "d/dx tanh (tanh'' by autograd)",
    cls: 'smooth',
    inputs: [{ shape: S }],
    f: (x) => grad((u) => nb.sum(nb.tanh(u)))(x),
    ref: (x) => 1 - Math.tanh(x) ** 2,
  },
  {
    name: "d/dx (x·sin x) (second derivative)",
    cls: 'smooth',
    inputs: [{ shape: S }],
    f: (x) => grad((u) => nb.sum(nb.mul(u, nb.sin(u))))(x),
    ref: (x) => Math.sin(x) + x * Math.cos(x),
  },
  {
    name: 'd/dx of softmax·c (Hessian-vector products)',
    cls: 'smooth',
    inputs: [{ shape: [2, 4] }],
    f: (x) => grad((u) => nb.sum(nb.mul(nb.softmax(u), tensor([[1, -2, 0.5, 3], [0, 1, -1, 2]]))))(x),
  },
  {
    name: 'd/dw ‖a·w‖² w.r.t. a and w (matmul rules twice)',
    cls: 'smooth',
    inputs: [{ shape: [3, 4] }, { shape: [4, 2] }],
    f: (a, w) => grad((v) => nb.sum(nb.square(nb.matmul(a, v))))(w),
  },
  {
    name: 'd/dw ‖conv2d(x, w)‖² w.r.t. x and w (windows rules twice)',
    cls: 'smooth',
    inputs: [{ shape: [1, 4, 4, 1] }, { shape: [2, 2, 1, 2] }],
    f: (x, w) => grad((v) => nb.sum(nb.square(conv2d(x, v, { padding: 'same' }))))(w),
  },
  {
    name: 'd/dx of max-pool·c and logSumExp (second order through max and where)',
    cls: 'smooth',
    inputs: [{ shape: [2, 4], distinct: true }],
    f: (x) => grad((u) => nb.add(nb.sum(nb.mul(nb.max(u, 1), tensor([2, -1]))), nb.sum(nb.logSumExp(nb.square(u), 1))))(x),
  },
];

/** Ops a backend may fuse (lstmCell's own rule, then its composed adjoint in second order). */
const FUSED: GradCase[] = [
  {
    name: 'lstmCell [h | c] w.r.t. z and c',
    cls: 'smooth',
    inputs: [{ shape: [2, 12] }, { shape: [2, 3] }],
    f: (z, c) => concat(nb.lstmCell(z, c), 1),
  },
  {
    name: 'd/dz of Σ h·r through lstmCell (second order)',
    cls: 'smooth',
    inputs: [{ shape: [2, 8] }, { shape: [2, 2] }],
    f: (z, c) => grad((u) => nb.sum(nb.mul(nb.lstmCell(u, c)[0], tensor([[1, -2], [0.5, 3]]))))(z),
  },
  {
    name: 'maxPool2d 3x3 same, stride 1 (overlapping windows)',
    cls: 'linear',
    inputs: [{ shape: [1, 4, 5, 2], distinct: true }],
    f: (x) => nb.maxPool2d(x, { poolSize: 3, strides: 1, padding: 'same' }),
  },
  {
    name: 'maxPool2d of a transposed view',
    cls: 'linear',
    inputs: [{ shape: [1, 5, 4, 3], distinct: true }],
    f: (x) => nb.maxPool2d(nb.transpose(x, [0, 2, 1, 3]), { poolSize: 2 }),
  },
  {
    name: 'd/dx of Σ maxPool2d(x)·r w.r.t. x and r (maxPool2dGrad differentiated)',
    cls: 'linear',
    inputs: [{ shape: [1, 5, 5, 2], distinct: true }, { shape: [1, 3, 3, 2] }],
    f: (x, r) => grad((u) => nb.sum(nb.mul(nb.maxPool2d(u, { poolSize: 3, strides: 2, padding: 'same' }), r)))(x),
  },
  {
    name: 'd/dx of Σ relu(x)·r w.r.t. x and r (reluGrad differentiated)',
    cls: 'linear',
    inputs: [{ shape: [2, 3], away: [0] }, { shape: [2, 3] }],
    f: (x, r) => grad((u) => nb.sum(nb.mul(nb.relu(u), r)))(x),
  },
];

export const GRADIENT_CASES: Record<string, GradCase[]> = {
  'fused ops': FUSED,
  elementwise: ELEMENTWISE,
  'reductions and softmax': REDUCTIONS,
  matmul: MATMUL,
  'views and indexing': VIEWS,
  'convolution and pooling': CONV,
  'second order': SECOND_ORDER,
};

/** Checks every gradient rule (and the composed ops built on them) by finite differences. */
export function gradientsSuite(target: ConformanceTarget): void {
  describe('gradients (autograd vs finite differences)', () => {
    useBackend(target);
    for (const [group, cases] of Object.entries(GRADIENT_CASES)) {
      describe(group, () => {
        for (const c of cases) it(c.name, () => checkGradients(c));
      });
    }
  });
}
