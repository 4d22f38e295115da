import { variableGrads } from '@nabla/autograd';
import { describe, expect, it } from 'vitest';
import { Dense, getRegularizer, L1, l1, L1L2, l1l2, L2, l2, serializeRegularizer } from '../src/index.js';
import { expectClose, lcg, t2, useCpu, vals } from './helpers.js';

useCpu();

const data = [0.5, -1.5, 2, -0.25, 3, 0];
const sumAbs = data.reduce((s, v) => s + Math.abs(v), 0);
const sumSq = data.reduce((s, v) => s + v * v, 0);

describe('regularizers', () => {
  it('L1 default 0.01 · Σ|x|; L2 default 0.01 · Σx² (no ½); L1L2 defaults 0', () => {
    const x = t2(data, [2, 3]);
    expect(new L1().l1).toBe(0.01);
    expect(new L2().l2).toBe(0.01);
    expectClose(vals(new L1()(x)), [0.01 * sumAbs], 1e-7);
    expectClose(vals(new L2()(x)), [0.01 * sumSq], 1e-7);
    expectClose(vals(new L1({ l1: 0.3 })(x)), [0.3 * sumAbs], 1e-6);
    expectClose(vals(new L2({ l2: 2 })(x)), [2 * sumSq], 1e-5);
    expectClose(vals(new L1L2({ l1: 0.1, l2: 0.2 })(x)), [0.1 * sumAbs + 0.2 * sumSq], 1e-6);
    expect([new L1L2().l1, new L1L2().l2]).toEqual([0, 0]);
    expect(vals(new L1L2()(x))).toEqual([0]);
    expect(new L1L2()(x).shape).toEqual([]);
    expectClose(vals(l1(0.5)(x)), [0.5 * sumAbs], 1e-6);
    expectClose(vals(l2()(x)), [0.01 * sumSq], 1e-7);
    expectClose(vals(l1l2()(x)), [0.01 * sumAbs + 0.01 * sumSq], 1e-7);
  });

  it('rejects negative or non-finite factors', () => {
    expect(() => new L1({ l1: -1 })).toThrow(/l1 must be a non-negative/);
    expect(() => new L2({ l2: Number.NaN })).toThrow(/l2/);
    expect(() => new L1L2({ l2: Infinity })).toThrow(/l2/);
  });

  it('getRegularizer resolves names and configs; serializeRegularizer round-trips', () => {
    const x = t2(data, [6]);
    expect(getRegularizer(null)).toBeNull();
    expect(getRegularizer(undefined)).toBeNull();
    expect(getRegularizer('l1')).toBeInstanceOf(L1);
    expect(getRegularizer('L2')).toBeInstanceOf(L2);
    const both = getRegularizer('l1_l2') as L1L2;
    expect([both.l1, both.l2]).toEqual([0.01, 0.01]);
    const fromCfg = getRegularizer({ className: 'L2', config: { l2: 0.5 } }) as L2;
    expect(fromCfg.l2).toBe(0.5);
    const keras = getRegularizer({ class_name: 'L1L2', config: { l1: 0.1, l2: 0 } } as never) as L1L2;
    expect([keras.l1, keras.l2]).toEqual([0.1, 0]);
    expect(() => getRegularizer('l3')).toThrow(/unknown regularizer 'l3'/);
    for (const r of [new L1({ l1: 0.2 }), new L2({ l2: 0.3 }), new L1L2({ l1: 0.1, l2: 0.4 })]) {
      const back = getRegularizer(JSON.parse(JSON.stringify(serializeRegularizer(r))))!;
      expect(back.constructor).toBe(r.constructor);
      expect(vals(back(x))).toEqual(vals(r(x)));
    }
    expect(serializeRegularizer(new L2())).toEqual({ className: 'L2', config: { l2: 0.01 } });
  });

  it('Dense.regularizationLoss sums kernel and bias penalties, differentiably; frozen layers have none', () => {
    const d = new Dense({ units: 3, kernelRegularizer: 'l2', biasRegularizer: new L1({ l1: 0.5 }) });
    d.build([null, 4]);
    const w = lcg(12, 3);
    const b = [0.5, -1, 2];
    d.setWeights([t2(w, [4, 3]), t2(b, [3])]);
    const expected = 0.01 * w.reduce((s, v) => s + v * v, 0) + 0.5 * 3.5;
    expectClose(vals(d.regularizationLoss()!), [expected], 1e-6);
    const { value, grads } = variableGrads(() => d.regularizationLoss()!, d.trainableWeights);
    expectClose(vals(value), [expected], 1e-6);
    expectClose(vals(grads.get(d.kernel)!), w.map((v) => 0.02 * v), 1e-7);
    expectClose(vals(grads.get(d.bias!)!), b.map((v) => 0.5 * Math.sign(v)), 1e-7);
    expect(new Dense({ units: 2 }).regularizationLoss()).toBeNull();
    d.trainable = false;
    expect(d.regularizationLoss()).toBeNull();
  });
});
