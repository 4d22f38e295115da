import { describe, expect, it } from 'vitest';
import {
  CosineDecay, deserializeSchedule, ExponentialDecay, InverseTimeDecay, LearningRateSchedule, PiecewiseConstantDecay, PolynomialDecay,
  serializeSchedule,
} from '../src/index.js';

describe('ExponentialDecay', () => {
  it('continuous and staircase', () => {
    const s = new ExponentialDecay({ initialLearningRate: 0.1, decaySteps: 4, decayRate: 0.5 });
    for (const step of [0, 1, 3, 4, 9]) expect(s.call(step)).toBeCloseTo(0.1 * 0.5 ** (step / 4), 15);
    const st = new ExponentialDecay({ initialLearningRate: 0.1, decaySteps: 4, decayRate: 0.5, staircase: true });
    expect([0, 3, 4, 7, 8].map((x) => st.call(x))).toEqual([0.1, 0.1, 0.05, 0.05, 0.025]);
  });
  it('validates', () => {
    expect(() => new ExponentialDecay({ initialLearningRate: 0.1, decaySteps: 0, decayRate: 0.5 })).toThrow(/'decaySteps' must be > 0/);
    expect(() => new ExponentialDecay({ initialLearningRate: 0.1, decaySteps: 2 } as never)).toThrow(/'decayRate' is required/);
  });
});

describe('PiecewiseConstantDecay', () => {
  it('boundaries are inclusive on the left interval', () => {
    const s = new PiecewiseConstantDecay({ boundaries: [2, 5], values: [1, 0.5, 0.1] });
    expect([0, 1, 2, 3, 5, 6, 100].map((x) => s.call(x))).toEqual([1, 1, 1, 0.5, 0.5, 0.1, 0.1]);
  });
  it('validates lengths and ordering', () => {
    expect(() => new PiecewiseConstantDecay({ boundaries: [1, 2], values: [1, 2] })).toThrow(/1 less than the length of values/);
    expect(() => new PiecewiseConstantDecay({ boundaries: [2, 1], values: [1, 2, 3] })).toThrow(/strictly increasing/);
  });
});

describe('CosineDecay', () => {
  const cos = (lr: number, step: number, n: number, alpha: number) =>
    lr * ((1 - alpha) * 0.5 * (1 + Math.cos((Math.PI * Math.min(step, n)) / n)) + alpha);
  it('decays from initialLearningRate to alpha * it and then holds', () => {
    const s = new CosineDecay({ initialLearningRate: 0.2, decaySteps: 10, alpha: 0.1 });
    for (const step of [0, 1, 5, 9, 10, 50]) expect(s.call(step)).toBeCloseTo(cos(0.2, step, 10, 0.1), 15);
    expect(s.call(10)).toBeCloseTo(0.02, 15);
    expect(new CosineDecay({ initialLearningRate: 1, decaySteps: 4 }).call(2)).toBeCloseTo(0.5, 15);
  });
  it('linear warmup to warmupTarget, then cosine from warmupTarget', () => {
    const s = new CosineDecay({ initialLearningRate: 0.01, decaySteps: 10, alpha: 0.2, warmupTarget: 0.5, warmupSteps: 4 });
    expect(s.call(0)).toBeCloseTo(0.01, 15);
    expect(s.call(1)).toBeCloseTo(0.01 + (0.49 * 1) / 4, 15);
    expect(s.call(3)).toBeCloseTo(0.01 + (0.49 * 3) / 4, 15);
    expect(s.call(4)).toBeCloseTo(0.5, 15);
    expect(s.call(9)).toBeCloseTo(cos(0.5, 5, 10, 0.2), 15);
    expect(s.call(14)).toBeCloseTo(0.1, 15);
    expect(s.call(1000)).toBeCloseTo(0.1, 15);
  });
});

describe('InverseTimeDecay and PolynomialDecay', () => {
  it('InverseTimeDecay', () => {
    const s = new InverseTimeDecay({ initialLearningRate: 0.1, decaySteps: 2, decayRate: 0.5 });
    expect(s.call(3)).toBeCloseTo(0.1 / (1 + 0.5 * 1.5), 15);
    const st = new InverseTimeDecay({ initialLearningRate: 0.1, decaySteps: 2, decayRate: 0.5, staircase: true });
    expect(st.call(3)).toBeCloseTo(0.1 / 1.5, 15);
  });
  it('PolynomialDecay clamps, or cycles', () => {
    const s = new PolynomialDecay({ initialLearningRate: 0.1, decaySteps: 10, endLearningRate: 0.01, power: 2 });
    expect(s.call(5)).toBeCloseTo(0.09 * 0.25 + 0.01, 15);
    expect(s.call(20)).toBeCloseTo(0.01, 15);
    const c = new PolynomialDecay({ initialLearningRate: 0.1, decaySteps: 10, cycle: true });
    expect(c.call(0)).toBeCloseTo(0.1, 15);
    expect(c.call(15)).toBeCloseTo((0.1 - 0.0001) * (1 - 15 / 20) + 0.0001, 15);
  });
});

describe('serialization', () => {
  it('round-trips every built-in schedule; accepts Keras snake_case configs', () => {
    const all: LearningRateSchedule[] = [
      new ExponentialDecay({ initialLearningRate: 0.1, decaySteps: 3, decayRate: 0.7, staircase: true }),
      new PiecewiseConstantDecay({ boundaries: [1, 2], values: [3, 2, 1] }),
      new CosineDecay({ initialLearningRate: 0.1, decaySteps: 5, alpha: 0.1, warmupTarget: 0.3, warmupSteps: 2 }),
      new InverseTimeDecay({ initialLearningRate: 0.1, decaySteps: 3, decayRate: 0.7 }),
      new PolynomialDecay({ initialLearningRate: 0.1, decaySteps: 3, power: 0.5, cycle: true }),
    ];
    for (const s of all) {
      const data = JSON.parse(JSON.stringify(serializeSchedule(s))) as ReturnType<typeof serializeSchedule>;
      const back = deserializeSchedule(data);
      expect(back.constructor).toBe(s.constructor);
      for (const step of [0, 1, 2, 4, 7]) expect(back.call(step)).toBe(s.call(step));
    }
    const keras = deserializeSchedule({
      class_name: 'CosineDecay',
      config: { initial_learning_rate: 0.1, decay_steps: 100, alpha: 0.0, name: 'CosineDecay', warmup_target: null, warmup_steps: 0 },
    });
    expect(keras.call(50)).toBeCloseTo(0.05, 12);
    expect(() => deserializeSchedule({ className: 'Nope', config: {} })).toThrow(/unknown schedule 'Nope'/);
  });
});
