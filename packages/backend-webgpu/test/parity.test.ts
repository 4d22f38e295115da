import { Variable, variableGrads } from '@nabla/autograd';
import * as nb from '@nabla/tensor';
import { setBackend, tensor, tidy, type BinaryOp, type Tensor, type UnaryOp } from '@nabla/tensor';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends, deviation, logSweep, onBoth, SPECIALS, sweep, ulps, type Pair } from './parity.js';

/**
 * CPU <-> WebGPU parity: the same inputs through both backends, every difference within
 * the published budget (README.md, "Parity budget"). ULPs are float32 units in the last
 * place of the CPU result; results smaller than 1e-6 in magnitude are compared absolutely
 * (GPUs may flush subnormals). Specials (NaN, ±Infinity) must match exactly.
 */

const EPS = 2 ** -24;

/** Elementwise ops: [max ULPs, max |diff| where |cpu| < 1e-6]. Exact ops are 0 ULP (subnormals may flush). */
export const ELEMENTWISE_BUDGET: Record<Exclude<UnaryOp, 'logicalNot'> | Exclude<BinaryOp, 'logicalAnd' | 'logicalOr' | 'pow'>, [number, number]> = {
  neg: [0, 1.2e-38], abs: [0, 1.2e-38], sign: [0, 0], square: [0, 1.2e-38], relu: [0, 1.2e-38],
  floor: [0, 0], ceil: [0, 0], round: [0, 0],
  exp: [2, 1e-12], expm1: [2, 1e-12], log: [2, 1e-12], log1p: [3, 1e-12],
  // WGSL lets a GPU's division and square root be off by 2.5 ULP (SwiftShader and llvmpipe are exact)
  sqrt: [3, 1.2e-38], rsqrt: [3, 1.2e-38], reciprocal: [3, 1.2e-38],
  sin: [3, 1e-12], cos: [3, 1e-12], tanh: [2, 1e-12], sigmoid: [3, 1e-12], elu: [2, 1e-12], selu: [3, 1e-12],
  softplus: [4, 1e-12], erf: [3, 1e-12],
  add: [0, 1.2e-38], sub: [0, 1.2e-38], mul: [0, 1.2e-38], div: [3, 1.2e-38], maximum: [0, 0], minimum: [0, 0], mod: [0, 1.2e-38],
  equal: [0, 0], notEqual: [0, 0], greater: [0, 0], greaterEqual: [0, 0], less: [0, 0], lessEqual: [0, 0],
};

/** pow: ULPs grow with |b ln a| (the error of b·log(a) is scaled by exp). */
export const powBudget = (a: number, b: number): number => {
  const scale = Math.abs(b * Math.log(Math.abs(a)));
  return 4 + (Number.isFinite(scale) ? scale : 0);
};

const GENERAL = [...sweep(3000, -10, 10), ...sweep(500, -1e-3, 1e-3, 3), ...SPECIALS];
const POSITIVE = [...logSweep(3000, 1e-6, 1e6), ...SPECIALS];
const INPUTS: Partial<Record<UnaryOp, number[]>> = {
  log: POSITIVE, sqrt: POSITIVE, rsqrt: POSITIVE,
  log1p: [...POSITIVE, ...sweep(1000, -1, 1, 9)],
  sin: [...sweep(3000, -100, 100), ...logSweep(1000, 1e-3, 3e38, 6), ...logSweep(1000, 1e-3, 3e38, 8).map((v) => -v), ...SPECIALS],
  exp: [...GENERAL, ...sweep(1000, -100, 89, 13)],
};
INPUTS.cos = INPUTS.sin;

let pair: Pair;
const observed: string[] = [];

beforeAll(async () => {
  pair = await backends();
});

afterAll(() => {
  console.log(`observed CPU<->WebGPU deviations:\n${observed.join('\n')}`);
  pair.gpu.dispose?.();
});

describe('parity with the CPU backend', () => {
  it('unary ops', async () => {
    for (const op of nb.UNARY_OPS) {
      if (op === 'logicalNot') continue;
      const xs = INPUTS[op] ?? GENERAL;
      const r = await onBoth(pair, () => nb.unary(op, tensor(xs)));
      const d = deviation(r.gpu, r.cpu);
      observed.push(`${op}: ${d.ulp} ulp, |diff| ${d.abs.toExponential(1)} near 0`);
      const [ulp, abs] = ELEMENTWISE_BUDGET[op];
      expect(d, op).toEqual({ ulp: expect.toSatisfy((v: number) => v <= ulp), abs: expect.toSatisfy((v: number) => v <= abs), specials: 0 });
    }
  });

  it('binary ops', async () => {
    const n = SPECIALS.length;
    const a = [...sweep(3000, -10, 10, 21), ...SPECIALS.flatMap((x) => SPECIALS.map(() => x)), ...sweep(500, -1e6, 1e6, 25)];
    const b = [...sweep(3000, -10, 10, 22), ...SPECIALS.flatMap(() => SPECIALS), ...sweep(500, -1e-2, 1e-2, 26)];
    expect(a.length).toBe(3500 + n * n);
    for (const op of nb.BINARY_OPS) {
      if (op === 'logicalAnd' || op === 'logicalOr' || op === 'pow') continue;
      const r = await onBoth(pair, () => nb.binary(op, tensor(a), tensor(b)));
      const d = deviation(r.gpu, r.cpu);
      observed.push(`${op}: ${d.ulp} ulp`);
      const [ulp, abs] = ELEMENTWISE_BUDGET[op];
      expect(d, op).toEqual({ ulp: expect.toSatisfy((v: number) => v <= ulp), abs: expect.toSatisfy((v: number) => v <= abs), specials: 0 });
    }
  });

  it('casts are exact (float -> int32 truncates and wraps like an Int32Array store)', async () => {
    const f = [...sweep(2000, -1e10, 1e10, 71), ...sweep(1000, -100, 100, 72), ...SPECIALS, 2147483647, -2147483648, 4294967296, 3e9, -3e9];
    const i = Int32Array.from([...sweep(2000, -2147483648, 2147483647, 73), 16777217, -16777217, 2147483647, -2147483648, 0]);
    const cases: [string, () => Tensor][] = [
      ['float32 -> int32', () => nb.cast(tensor(f), 'int32')],
      ['float32 -> bool', () => nb.cast(tensor(f), 'bool')],
      ['int32 -> float32', () => nb.cast(tensor(i), 'float32')],
      ['int32 -> bool', () => nb.cast(tensor(i), 'bool')],
      ['bool -> float32', () => nb.cast(nb.greater(tensor(f), 0), 'float32')],
    ];
    for (const [name, make] of cases) {
      const r = await onBoth(pair, make);
      expect(Array.from(r.gpu), name).toEqual(Array.from(r.cpu));
    }
    observed.push('casts: exact');
  });

  it('pow', async () => {
    const a = [...logSweep(3000, 1e-3, 1e3, 23), ...SPECIALS.flatMap((x) => SPECIALS.map(() => x)), ...sweep(200, -4, 4, 27).map(Math.round)];
    const b = [...sweep(3000, -8, 8, 24), ...SPECIALS.flatMap(() => SPECIALS), ...sweep(200, -9, 9, 28).map(Math.round)];
    const r = await onBoth(pair, () => nb.pow(tensor(a), tensor(b)));
    let worst = 0;
    for (let i = 0; i < a.length; i++) {
      const c = r.cpu[i]!;
      const g = r.gpu[i]!;
      if (!Number.isFinite(c) || Math.abs(c) < 1e-6) {
        expect(Object.is(g, c) || g === c || Math.abs(g - c) <= 1e-12 || (Number.isNaN(g) && Number.isNaN(c)), `pow(${a[i]}, ${b[i]}): ${g} vs ${c}`).toBe(true);
        continue;
      }
      const u = ulps(g, c);
      worst = Math.max(worst, u / powBudget(a[i]!, b[i]!));
      expect(u, `pow(${a[i]}, ${b[i]})`).toBeLessThanOrEqual(powBudget(a[i]!, b[i]!));
    }
    observed.push(`pow: at most ${(worst * 100).toFixed(0)}% of its budget`);
  });

  it('reductions: sum within 8 eps·Σ|x|, prod within 2 + n/8 ULP, max/min/argmax exact', async () => {
    const rows = 48;
    for (const n of [7, 1000, 20_000]) {
      const v = sweep(rows * n, -1, 1, n);
      const x = (): Tensor => tensor(v, [rows, n]);
      const s = await onBoth(pair, () => nb.sum(x(), 1));
      const absSum = await onBoth(pair, () => nb.sum(nb.abs(x()), 1));
      let worst = 0;
      for (let i = 0; i < rows; i++) worst = Math.max(worst, Math.abs(s.gpu[i]! - s.cpu[i]!) / (EPS * absSum.cpu[i]!));
      observed.push(`sum over ${n}: ${worst.toFixed(2)} eps·Σ|x|`);
      expect(worst, `sum over ${n}`).toBeLessThanOrEqual(8);
      const p = await onBoth(pair, () => nb.prod(nb.add(nb.mul(x(), 0.01), 1), 1));
      const dp = deviation(p.gpu, p.cpu);
      observed.push(`prod over ${n}: ${dp.ulp} ulp`);
      expect(dp.ulp, `prod over ${n}`).toBeLessThanOrEqual(2 + n / 8);
      for (const op of ['max', 'min', 'argmax', 'argmin'] as const) {
        const r = await onBoth(pair, () => nb[op](x(), 1));
        expect(Array.from(r.gpu), `${op} over ${n}`).toEqual(Array.from(r.cpu));
      }
    }
  });

  it('matmul and conv2d: |diff| within K·eps·(|A|·|B|), the classical bound', async () => {
    const cases: [number, number, number][] = [[64, 64, 64], [33, 300, 17], [100, 784, 32]];
    for (const [m, k, n] of cases) {
      const av = sweep(m * k, -1, 1, m + k);
      const bv = sweep(k * n, -1, 1, k + n);
      const r = await onBoth(pair, () => nb.matmul(tensor(av, [m, k]), tensor(bv, [k, n])));
      const bound = await onBoth(pair, () => nb.matmul(nb.abs(tensor(av, [m, k])), nb.abs(tensor(bv, [k, n]))));
      let worst = 0;
      for (let i = 0; i < m * n; i++) worst = Math.max(worst, Math.abs(r.gpu[i]! - r.cpu[i]!) / (EPS * bound.cpu[i]!));
      observed.push(`matmul ${m}x${k}x${n}: ${worst.toFixed(2)} eps·(|A||B|) (bound ${k})`);
      expect(worst).toBeLessThanOrEqual(k);
    }
    const xv = sweep(2 * 12 * 12 * 3, -1, 1, 61);
    const fv = sweep(3 * 3 * 3 * 8, -1, 1, 62);
    const conv = (abs: boolean) => () => {
      const x = tensor(xv, [2, 12, 12, 3]);
      const f = tensor(fv, [3, 3, 3, 8]);
      return nb.conv2d(abs ? nb.abs(x) : x, abs ? nb.abs(f) : f, { padding: 'same', strides: 2 });
    };
    const c = await onBoth(pair, conv(false));
    const cb = await onBoth(pair, conv(true));
    let worst = 0;
    for (let i = 0; i < c.cpu.length; i++) worst = Math.max(worst, Math.abs(c.gpu[i]! - c.cpu[i]!) / (EPS * cb.cpu[i]! + 1e-30));
    observed.push(`conv2d 3x3x3: ${worst.toFixed(2)} eps·(|x|*|w|) (bound 27)`);
    expect(worst).toBeLessThanOrEqual(27);
  });

  it('softmax and logSoftmax (fused kernel) within 8 ULP', async () => {
    const v = sweep(64 * 100, -20, 20, 51);
    for (const f of [nb.softmax, nb.logSoftmax]) {
      const r = await onBoth(pair, () => f(tensor(v, [64, 100])));
      const d = deviation(r.gpu, r.cpu);
      observed.push(`${f.name}: ${d.ulp} ulp`);
      expect(d.ulp).toBeLessThanOrEqual(8);
      expect(d.specials).toBe(0);
    }
  });

  it('one SGD step of an MLP from the same seed: same loss and weights within 1e-6 (absolute)', async () => {
    const step = async (): Promise<{ loss: number; weights: Float32Array[] }> => {
      const x = nb.randomNormal([32, 20], { seed: 1 });
      const labels = nb.randomUniform([32], { seed: 2, minval: 0, maxval: 5, dtype: 'int32' });
      const params = [
        new Variable(tidy(() => nb.mul(nb.truncatedNormal([20, 64], { seed: 3 }), Math.sqrt(2 / 20))), { name: 'w1' }),
        new Variable(nb.zeros([64]), { name: 'b1' }),
        new Variable(tidy(() => nb.mul(nb.truncatedNormal([64, 5], { seed: 4 }), Math.sqrt(1 / 64))), { name: 'w2' }),
        new Variable(nb.zeros([5]), { name: 'b2' }),
      ];
      const [w1, b1, w2, b2] = params as [Variable, Variable, Variable, Variable];
      const { value, grads } = variableGrads(() => {
        const h = nb.relu(nb.add(nb.matmul(x, w1), b1));
        const logits = nb.add(nb.matmul(h, w2), b2);
        const ce = nb.neg(nb.sum(nb.mul(nb.oneHot(labels, 5), nb.logSoftmax(logits)), 1));
        return nb.mean(ce);
      });
      for (const p of params) {
        const g = grads.get(p)!;
        p.assign(tidy(() => nb.sub(p, nb.mul(g, 0.1))));
        g.dispose();
      }
      const loss = (await value.data())[0]!;
      const weights = await Promise.all(params.map((p) => p.data() as Promise<Float32Array>));
      [x, labels, value, ...params].forEach((t) => t.dispose());
      return { loss, weights };
    };
    await setBackend(pair.cpu);
    const cpu = await step();
    await setBackend(pair.gpu);
    const gpu = await step();
    expect(Math.abs(gpu.loss - cpu.loss)).toBeLessThanOrEqual(1e-6);
    let worst = 0;
    cpu.weights.forEach((w, k) => w.forEach((v, i) => (worst = Math.max(worst, Math.abs(v - gpu.weights[k]![i]!)))));
    observed.push(`MLP step: loss ${cpu.loss} vs ${gpu.loss}; max |Δw| ${worst.toExponential(2)}`);
    expect(worst).toBeLessThanOrEqual(1e-6);
  });
});
