import { beforeEach, describe, expect, it } from 'vitest';
import {
  activationName, activations, Activation, ELU, getActivation, LeakyReLU, ReLU, Sigmoid, Softmax, Tanh, relu,
} from '../src/index.js';
import { erf64, expectClose, t2, useCpu, vals } from './helpers.js';

useCpu();

const xs = [-8, -5, -3.5, -3, -2, -1, -0.5, -0.1, 0, 0.1, 0.5, 1, 2, 3, 3.5, 5, 8];
const sig = (x: number): number => 1 / (1 + Math.exp(-x));
const SELU_ALPHA = 1.6732632423543772;
const SELU_SCALE = 1.0507009873554805;

const formulas: Record<string, (x: number) => number> = {
  linear: (x) => x,
  sigmoid: sig,
  tanh: Math.tanh,
  relu: (x) => Math.max(x, 0),
  relu6: (x) => Math.min(Math.max(x, 0), 6),
  leaky_relu: (x) => (x >= 0 ? x : 0.2 * x),
  elu: (x) => (x > 0 ? x : Math.expm1(x)),
  selu: (x) => (x > 0 ? SELU_SCALE * x : SELU_SCALE * SELU_ALPHA * Math.expm1(x)),
  gelu: (x) => 0.5 * x * (1 + erf64(x / Math.SQRT2)),
  swish: (x) => x * sig(x),
  silu: (x) => x * sig(x),
  softplus: (x) => Math.log1p(Math.exp(x)),
  softsign: (x) => x / (1 + Math.abs(x)),
  exponential: Math.exp,
  hard_sigmoid: (x) => (x <= -3 ? 0 : x >= 3 ? 1 : x / 6 + 0.5),
  hard_silu: (x) => x * (x <= -3 ? 0 : x >= 3 ? 1 : x / 6 + 0.5),
  mish: (x) => x * Math.tanh(Math.log1p(Math.exp(x))),
};

const camel = (s: string): string => s.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());

describe('activations by name', () => {
  for (const [name, f] of Object.entries(formulas)) {
    it(`${name} (and ${camel(name)}) matches the float64 formula`, () => {
      const x = t2(xs, [xs.length]);
      for (const id of [name, camel(name)]) {
        const y = getActivation(id)(x);
        expectClose(vals(y), xs.map(f), 1e-6, 2e-6);
      }
    });
  }

  it('softmax and log_softmax normalize the last axis', () => {
    const data = [1, 2, 3, -1, 0, 1000, 5, 5, 5];
    const x = t2(data, [3, 3]);
    const exp: number[] = [];
    const logExp: number[] = [];
    for (let r = 0; r < 3; r++) {
      const row = data.slice(r * 3, r * 3 + 3);
      const m = Math.max(...row);
      const s = row.reduce((a, v) => a + Math.exp(v - m), 0);
      for (const v of row) {
        exp.push(Math.exp(v - m) / s);
        logExp.push(v - m - Math.log(s));
      }
    }
    expectClose(vals(getActivation('softmax')(x)), exp, 1e-7);
    expectClose(vals(getActivation('log_softmax')(x)), logExp, 1e-5);
    expectClose(vals(getActivation('logSoftmax')(x)), logExp, 1e-5);
  });

  it('null/undefined resolve to linear, functions pass through, unknown names list the known ones', () => {
    expect(getActivation(undefined)).toBe(activations.linear);
    expect(getActivation(null)).toBe(activations.linear);
    const f = (x: Parameters<typeof relu>[0]) => x;
    expect(getActivation(f)).toBe(f);
    expect(() => getActivation('reluu')).toThrow(/unknown activation 'reluu'.*leaky_relu/);
    expect(activationName(getActivation('leakyRelu'))).toBe('leaky_relu');
    expect(activationName(getActivation('swish'))).toBe('silu');
    expect(activationName(getActivation(undefined))).toBe('linear');
  });

  it('function defaults: leaky_relu slope 0.2, elu alpha, gelu approximate', () => {
    const x = t2(xs, [xs.length]);
    expectClose(vals(activations.leakyRelu(x)), xs.map((v) => (v >= 0 ? v : 0.2 * v)));
    expectClose(vals(activations.leakyRelu(x, 0.5)), xs.map((v) => (v >= 0 ? v : 0.5 * v)));
    expectClose(vals(activations.elu(x, 2)), xs.map((v) => (v > 0 ? v : 2 * Math.expm1(v))), 1e-6);
    const tanhApprox = (v: number) => 0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v ** 3)));
    expectClose(vals(activations.gelu(x, true)), xs.map(tanhApprox), 1e-6, 1e-5);
    // exact and approximate differ measurably somewhere
    const d = vals(activations.gelu(x, true)).map((v, i) => Math.abs(v - formulas.gelu!(xs[i]!)));
    expect(Math.max(...d)).toBeGreaterThan(1e-4);
  });

  it('relu options follow Keras: negativeSlope, maxValue, threshold', () => {
    const x = t2([-10, -5, 0, 5, 10], [5]);
    expect(vals(relu(x))).toEqual([0, 0, 0, 5, 10]);
    expect(vals(relu(x, { negativeSlope: 0.5 }))).toEqual([-5, -2.5, 0, 5, 10]);
    expect(vals(relu(x, { maxValue: 5 }))).toEqual([0, 0, 0, 5, 5]);
    expect(vals(relu(x, { threshold: 5 }))).toEqual([-0, -0, 0, 0, 10]);
    expect(vals(relu(x, { maxValue: 6 }))).toEqual([0, 0, 0, 5, 6]);
    // below the threshold: negativeSlope * (x - threshold)
    const y = t2([-2, 0, 1, 3, 4, 8], [6]);
    expectClose(vals(relu(y, { negativeSlope: 0.1, threshold: 2, maxValue: 4 })), [-0.4, -0.2, -0.1, 3, 4, 4]);
  });
});

describe('activation layers', () => {
  let x: ReturnType<typeof t2>;
  beforeEach(() => {
    x = t2(xs, [1, xs.length]);
  });

  it('ReLU layer defaults and options', () => {
    expect(vals(new ReLU().apply(x))).toEqual(xs.map((v) => Math.fround(Math.max(v, 0))));
    expectClose(vals(new ReLU({ maxValue: 10, negativeSlope: 0.5 }).apply(t2([-10, -5, 0, 5, 10], [1, 5]))), [-5, -2.5, 0, 5, 10]);
    expect(() => new ReLU({ maxValue: -1 })).toThrow(/maxValue/);
    expect(() => new ReLU({ negativeSlope: -1 })).toThrow(/negativeSlope/);
    expect(() => new ReLU({ threshold: -1 })).toThrow(/threshold/);
    const c = new ReLU().getConfig();
    expect([c.maxValue, c.negativeSlope, c.threshold]).toEqual([null, 0, 0]);
  });

  it('LeakyReLU layer default slope is 0.3 (not the function default 0.2)', () => {
    const l = new LeakyReLU();
    expect(l.negativeSlope).toBe(0.3);
    expectClose(vals(l.apply(x)), xs.map((v) => (v >= 0 ? v : 0.3 * v)));
    expectClose(vals(new LeakyReLU({ negativeSlope: 0.1 }).apply(x)), xs.map((v) => (v >= 0 ? v : 0.1 * v)));
    expect(() => new LeakyReLU({ negativeSlope: -0.1 })).toThrow(/negativeSlope/);
  });

  it('Softmax layer: axis -1 by default, other axes and several axes', () => {
    const data = [1, 2, 3, 4, 5, 6];
    const sm = (v: number[]) => {
      const s = v.reduce((a, b) => a + Math.exp(b), 0);
      return v.map((b) => Math.exp(b) / s);
    };
    const xx = t2(data, [2, 3]);
    expect(new Softmax().axis).toBe(-1);
    expectClose(vals(new Softmax().apply(xx)), [...sm([1, 2, 3]), ...sm([4, 5, 6])], 1e-7);
    const col = [sm([1, 4]), sm([2, 5]), sm([3, 6])];
    expectClose(vals(new Softmax({ axis: 0 }).apply(xx)), [col[0]![0]!, col[1]![0]!, col[2]![0]!, col[0]![1]!, col[1]![1]!, col[2]![1]!], 1e-7);
    const x3 = t2([1, 2, 3, 4, 5, 6, 7, 8], [2, 2, 2]);
    expectClose(vals(new Softmax({ axis: [1, 2] }).apply(x3)), [...sm([1, 2, 3, 4]), ...sm([5, 6, 7, 8])], 1e-7);
  });

  it('Activation, Sigmoid, Tanh and ELU layers', () => {
    expectClose(vals(new Activation('gelu').apply(x)), xs.map(formulas.gelu!), 1e-6, 2e-6);
    expectClose(vals(new Activation({ activation: 'softsign' }).apply(x)), xs.map(formulas.softsign!));
    expectClose(vals(new Sigmoid().apply(x)), xs.map(sig), 1e-7);
    expectClose(vals(new Tanh().apply(x)), xs.map(Math.tanh), 1e-6);
    expectClose(vals(new ELU({ alpha: 0.5 }).apply(x)), xs.map((v) => (v > 0 ? v : 0.5 * Math.expm1(v))), 1e-6);
    expect(new Activation('swish').getConfig().activation).toBe('silu');
    expect(() => new Activation('nope')).toThrow(/unknown activation 'nope'/);
  });

  it('apply returns a new tensor even for a pass-through (linear) activation', () => {
    const a = new Activation('linear');
    const y = a.apply(x);
    expect(y).not.toBe(x);
    y.dispose();
    expect(x.isDisposed).toBe(false);
    expect(vals(x)).toEqual(xs.map(Math.fround));
  });
});
