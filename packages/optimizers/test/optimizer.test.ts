import { variableGrads, Variable } from '@nabla/autograd';
import { createCpuBackend } from '@nabla/backend-cpu';
import { memory, mul, setBackend, square, sub, sum, tensor, type Tensor } from '@nabla/tensor';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  Adadelta, Adagrad, Adam, Adamax, AdamW, ExponentialDecay, Nadam, Optimizer, RMSprop, SGD, Slots,
} from '../src/index.js';
import { makeVars } from './helpers.js';

beforeAll(async () => {
  await setBackend(createCpuBackend());
});

afterEach(() => {
  vi.restoreAllMocks();
});

const ALL: [string, () => Optimizer][] = [
  ['SGD momentum nesterov', () => new SGD({ learningRate: 0.1, momentum: 0.9, nesterov: true })],
  ['Adam amsgrad clipNorm', () => new Adam({ amsgrad: true, clipNorm: 1 })],
  ['AdamW globalClipNorm', () => new AdamW({ globalClipNorm: 1 })],
  ['RMSprop centered momentum clipValue', () => new RMSprop({ centered: true, momentum: 0.9, clipValue: 0.5 })],
  ['Adagrad weightDecay', () => new Adagrad({ weightDecay: 0.1 })],
  ['Adadelta', () => new Adadelta()],
  ['Adamax', () => new Adamax()],
  ['Nadam schedule', () => new Nadam({ learningRate: new ExponentialDecay({ initialLearningRate: 0.01, decaySteps: 3, decayRate: 0.9 }) })],
];

describe('memory', () => {
  it.each(ALL)('%s: numTensors is flat across steps, slots are freed by dispose()', (_n, make) => {
    const opt = make();
    const vars = makeVars();
    const grads = [tensor([[0.1, -0.2], [0.3, 0.4]]), tensor([0.5, -0.6, 0.7])];
    const before = memory().numTensors;
    const counts: number[] = [];
    for (let s = 1; s <= 10; s++) {
      opt.applyGradients([[grads[0]!, vars[0]!], [grads[1]!, vars[1]!]]);
      counts[s] = memory().numTensors;
    }
    expect(counts[2]).toBe(counts[10]);
    // Only slot tensors remain: the same number for both variables.
    const slotCount = Object.keys(opt.getSlots(vars[0]!)).length;
    expect(Object.keys(opt.getSlots(vars[1]!)).length).toBe(slotCount);
    expect(counts[10]! - before).toBe(2 * slotCount);
    // Gradients still belong to the caller and are intact.
    expect(grads[0]!.isDisposed).toBe(false);
    expect(Array.from(grads[1]!.dataSync())).toEqual([0.5, -0.6, 0.7].map(Math.fround));
    opt.dispose();
    expect(memory().numTensors).toBe(before);
    expect(opt.getSlots(vars[0]!)).toEqual({});
    for (const t of [...grads, ...vars]) t.dispose();
  });

  it('a training loop with variableGrads keeps memory flat', () => {
    const w = new Variable(tensor([1, -2, 3]), { name: 'w' });
    const target = tensor([0.5, 0.5, 0.5]);
    const opt = new Adam({ learningRate: 0.1 });
    const counts: number[] = [];
    for (let s = 1; s <= 10; s++) {
      const { value, grads } = variableGrads(() => sum(square(sub(w, target))), [w]);
      opt.applyGradients([[grads.get(w)!, w]]);
      value.dispose();
      for (const g of grads.values()) g.dispose();
      counts[s] = memory().numTensors;
    }
    expect(counts[2]).toBe(counts[10]);
    opt.dispose();
    w.dispose();
    target.dispose();
  });
});

describe('minimises a quadratic', () => {
  const setups: [string, () => Optimizer, number][] = [
    ['SGD', () => new SGD({ learningRate: 0.1 }), 100],
    ['SGD momentum', () => new SGD({ learningRate: 0.05, momentum: 0.9 }), 150],
    ['SGD nesterov', () => new SGD({ learningRate: 0.05, momentum: 0.9, nesterov: true }), 150],
    ['Adam', () => new Adam({ learningRate: 0.1 }), 300],
    ['Adam amsgrad', () => new Adam({ learningRate: 0.1, amsgrad: true }), 300],
    ['AdamW', () => new AdamW({ learningRate: 0.1 }), 300],
    ['RMSprop', () => new RMSprop({ learningRate: 0.02 }), 300],
    ['RMSprop centered momentum', () => new RMSprop({ learningRate: 0.01, centered: true, momentum: 0.5 }), 300],
    ['Adagrad', () => new Adagrad({ learningRate: 0.5 }), 300],
    ['Adadelta', () => new Adadelta({ learningRate: 1, epsilon: 1e-3 }), 400],
    ['Adamax', () => new Adamax({ learningRate: 0.1 }), 300],
    ['Nadam', () => new Nadam({ learningRate: 0.1 }), 300],
  ];
  it.each(setups)('%s', (_n, make, steps) => {
    // f(w) = sum(c * (w - t)^2) with different curvatures per coordinate.
    const w = new Variable(tensor([2, -3, 1.5, 0]), { name: 'w' });
    const t = tensor([0.5, 1, -1, 2]);
    const c = tensor([1, 2, 0.5, 1.5]);
    const loss = (): Tensor => sum(mul(c, square(sub(w, t))));
    const opt = make();
    const l0 = loss();
    const initial = l0.dataSync()[0]!;
    l0.dispose();
    for (let s = 0; s < steps; s++) {
      const { value, grads } = variableGrads(loss, [w]);
      opt.applyGradients([[grads.get(w)!, w]]);
      value.dispose();
      grads.get(w)!.dispose();
    }
    const l1 = loss();
    const final = l1.dataSync()[0]!;
    l1.dispose();
    expect(initial).toBeGreaterThan(10);
    expect(final).toBeLessThan(0.01 * initial);
    expect(opt.iterations).toBe(steps);
    for (const x of [w, t, c]) x.dispose();
    opt.dispose();
  });
});

describe('applyGradients', () => {
  it('counts iterations once per call; an empty list is a no-op', () => {
    const opt = new SGD();
    const [a, b] = makeVars();
    const ga = tensor([[1, 1], [1, 1]]);
    const gb = tensor([1, 1, 1]);
    expect(opt.iterations).toBe(0);
    opt.applyGradients([]);
    expect(opt.iterations).toBe(0);
    opt.applyGradients([[ga, a!], [gb, b!]]);
    expect(opt.iterations).toBe(1);
    opt.applyGradients([[ga, a!]]);
    expect(opt.iterations).toBe(2);
    for (const t of [ga, gb, a!, b!]) t.dispose();
  });

  it('skips null gradients with a warning naming the variable; all null throws', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const opt = new SGD({ learningRate: 1 });
    const [a, b] = makeVars();
    const before = Array.from(b!.dataSync());
    const ga = tensor([[1, 1], [1, 1]]);
    opt.applyGradients([[ga, a!], [null, b!]]);
    expect(Array.from(b!.dataSync())).toEqual(before);
    expect(Array.from(a!.dataSync())).toEqual([-0.5, -2.2, 1, -0.7].map(Math.fround));
    expect(warn).toHaveBeenCalledOnce();
    expect(String(warn.mock.calls[0]![0])).toContain('var1');
    expect(() => opt.applyGradients([[null, a!], [undefined, b!]])).toThrow(/no gradients provided/);
    expect(opt.iterations).toBe(1);
    expect(opt.getSlots(b!)).toEqual({});
    for (const t of [ga, a!, b!]) t.dispose();
  });

  it('rejects a gradient of the wrong shape, naming the variable and both shapes', () => {
    const opt = new Adam();
    const w = new Variable(tensor([[1, 2, 3]]), { name: 'dense/kernel' });
    const g = tensor([1, 2, 3]);
    expect(() => opt.applyGradients([[g, w]])).toThrow(/'dense\/kernel'.*\[3\].*\[1, 3\]/);
    expect(opt.iterations).toBe(0);
    g.dispose();
    w.dispose();
  });

  it('rejects non-Variables, duplicates and non-float variables', () => {
    const opt = new SGD();
    const t = tensor([1, 2]);
    const w = new Variable(tensor([1, 2]), { name: 'w' });
    const wi = new Variable(tensor([1, 2], [2], 'int32'), { name: 'wi' });
    expect(() => opt.applyGradients([[t, t as unknown as Variable]])).toThrow(/expected a Variable/);
    expect(() => opt.applyGradients([[t, w], [t, w]])).toThrow(/'w' appears more than once/);
    expect(() => opt.applyGradients([[t, wi]])).toThrow(/'wi' is int32/);
    for (const x of [t, w, wi]) x.dispose();
  });

  it('keeps the Variable identity and updates in place', () => {
    const opt = new SGD({ learningRate: 0.5 });
    const w = new Variable(tensor([1, 2]), { name: 'w' });
    const g = tensor([2, -2]);
    const id = w.id;
    opt.applyGradients([[g, w]]);
    expect(w.id).toBe(id);
    expect(Array.from(w.dataSync())).toEqual([0, 3]);
    g.dispose();
    w.dispose();
  });

  it('creates slots lazily per variable, only those the options need', () => {
    const [a, b] = makeVars();
    const ga = tensor([[1, 1], [1, 1]]);
    const check = (opt: Optimizer, names: string[]) => {
      expect(opt.getSlots(a!)).toEqual({});
      opt.applyGradients([[ga, a!]]);
      expect(Object.keys(opt.getSlots(a!)).sort()).toEqual([...names].sort());
      expect(opt.getSlots(b!)).toEqual({});
      expect(opt.variables).toEqual([a]);
      opt.dispose();
    };
    check(new SGD(), []);
    check(new SGD({ momentum: 0.5 }), ['momentum']);
    check(new Adam(), ['momentum', 'velocity']);
    check(new Adam({ amsgrad: true }), ['momentum', 'velocity', 'velocityHat']);
    check(new RMSprop(), ['velocity']);
    check(new RMSprop({ momentum: 0.5, centered: true }), ['velocity', 'momentum', 'averageGradient']);
    check(new Adagrad(), ['accumulator']);
    check(new Adadelta(), ['accumulatedGrad', 'accumulatedDeltaVar']);
    check(new Adamax(), ['momentum', 'norm']);
    check(new Nadam(), ['momentum', 'velocity']);
    for (const t of [ga, a!, b!]) t.dispose();
  });

  it('Adagrad accumulators start at initialAccumulatorValue', () => {
    const opt = new Adagrad({ initialAccumulatorValue: 0.25 });
    const w = new Variable(tensor([1, 2]), { name: 'w' });
    const g = tensor([1, 2]);
    opt.applyGradients([[g, w]]);
    expect(Array.from(opt.getSlots(w)['accumulator']!.dataSync())).toEqual([1.25, 4.25]);
    for (const x of [g, w]) x.dispose();
    opt.dispose();
  });

  it('Nadam advances its momentum-cache product once per applyGradients, not per variable', () => {
    const opt = new Nadam();
    const [a, b] = makeVars();
    const ga = tensor([[1, 1], [1, 1]]);
    const gb = tensor([1, 1, 1]);
    opt.applyGradients([[ga, a!], [gb, b!]]);
    opt.applyGradients([[ga, a!], [gb, b!]]);
    const u = (t: number) => 0.9 * (1 - 0.5 * 0.96 ** t);
    expect(opt.uProduct).toBeCloseTo(u(1) * u(2), 15);
    for (const t of [ga, gb, a!, b!]) t.dispose();
    opt.dispose();
  });

  it('weight decay skips excluded variables (by object or name pattern)', () => {
    const opt = new SGD({ learningRate: 0.1, weightDecay: 0.5 });
    const k = new Variable(tensor([1, 1]), { name: 'dense/kernel' });
    const bias = new Variable(tensor([1, 1]), { name: 'dense/bias' });
    const other = new Variable(tensor([1, 1]), { name: 'other' });
    const g = tensor([0, 0]);
    opt.excludeFromWeightDecay({ variables: [other], varNames: ['bias'] });
    opt.applyGradients([[g, k], [g, bias], [g, other]]);
    expect(Array.from(k.dataSync())).toEqual([0.95, 0.95].map(Math.fround));
    expect(Array.from(bias.dataSync())).toEqual([1, 1]);
    expect(Array.from(other.dataSync())).toEqual([1, 1]);
    for (const x of [k, bias, other, g]) x.dispose();
  });

  it('globalClipNorm leaves gradients below the norm unchanged and scales larger ones to it', () => {
    const opt = new SGD({ learningRate: 1, globalClipNorm: 5 });
    const a = new Variable(tensor([0, 0]), { name: 'a' });
    const b = new Variable(tensor([0]), { name: 'b' });
    const ga = tensor([3, 0]);
    const gb = tensor([4]);
    opt.applyGradients([[ga, a], [gb, b]]); // norm 5: unchanged
    expect(Array.from(a.dataSync())).toEqual([-3, 0]);
    expect(Array.from(b.dataSync())).toEqual([-4]);
    const ga2 = tensor([6, 0]);
    const gb2 = tensor([8]);
    opt.applyGradients([[ga2, a], [gb2, b]]); // norm 10: halved
    expect(Array.from(a.dataSync())[0]).toBeCloseTo(-6, 5);
    expect(Array.from(b.dataSync())[0]).toBeCloseTo(-8, 5);
    for (const x of [a, b, ga, gb, ga2, gb2]) x.dispose();
  });

  it('clipNorm leaves a zero gradient at zero (no NaN)', () => {
    const opt = new SGD({ learningRate: 1, clipNorm: 1 });
    const w = new Variable(tensor([1, 2]), { name: 'w' });
    const g = tensor([0, 0]);
    opt.applyGradients([[g, w]]);
    expect(Array.from(w.dataSync())).toEqual([1, 2]);
    for (const x of [w, g]) x.dispose();
  });
});

describe('learning rate', () => {
  it('currentLearningRate evaluates the schedule at iterations (0 before the first update)', () => {
    const sched = new ExponentialDecay({ initialLearningRate: 1, decaySteps: 1, decayRate: 0.5 });
    const opt = new SGD({ learningRate: sched });
    expect(opt.learningRate).toBe(sched);
    expect(opt.currentLearningRate).toBe(1);
    const w = new Variable(tensor([0]), { name: 'w' });
    const g = tensor([1]);
    opt.applyGradients([[g, w]]);
    expect(opt.currentLearningRate).toBe(0.5);
    expect(Array.from(w.dataSync())).toEqual([-1]);
    opt.applyGradients([[g, w]]);
    expect(Array.from(w.dataSync())).toEqual([-1.5]);
    for (const x of [w, g]) x.dispose();
  });

  it('setLearningRate / the learningRate setter change a numeric rate (ReduceLROnPlateau)', () => {
    const opt = new Adam();
    expect(opt.learningRate).toBe(0.001);
    opt.setLearningRate(0.0005);
    expect(opt.currentLearningRate).toBe(0.0005);
    opt.learningRate = 0.25;
    expect(opt.learningRate).toBe(0.25);
    expect(opt.getConfig().learningRate).toBe(0.25);
    const w = new Variable(tensor([0]), { name: 'w' });
    const g = tensor([1]);
    const sgd = new SGD({ learningRate: 0.1 });
    sgd.setLearningRate(0.5);
    sgd.applyGradients([[g, w]]);
    expect(Array.from(w.dataSync())).toEqual([-0.5]);
    // a schedule may replace a number
    sgd.setLearningRate(new ExponentialDecay({ initialLearningRate: 2, decaySteps: 1, decayRate: 0.5 }));
    expect(sgd.currentLearningRate).toBe(1); // iterations = 1
    for (const x of [w, g]) x.dispose();
  });

  it('an optimizer created with a schedule refuses a numeric learning rate, as Keras', () => {
    const opt = new SGD({ learningRate: new ExponentialDecay({ initialLearningRate: 1, decaySteps: 10, decayRate: 0.5 }) });
    expect(() => opt.setLearningRate(0.1)).toThrow(/LearningRateSchedule/);
    expect(() => {
      opt.learningRate = 0.1;
    }).toThrow(TypeError);
  });

  it('rejects invalid learning rates', () => {
    expect(() => new SGD({ learningRate: Number.NaN })).toThrow(/learningRate/);
    expect(() => new SGD({ learningRate: '0.1' as unknown as number })).toThrow(/learningRate/);
    const opt = new SGD({ learningRate: () => Number.NaN });
    expect(() => opt.currentLearningRate).toThrow(/returned NaN/);
  });
});

describe('options and validation', () => {
  it('Keras 3 defaults', () => {
    const base = { weightDecay: null, clipNorm: null, globalClipNorm: null, clipValue: null, lossScaleFactor: null };
    expect(new SGD().getConfig()).toEqual({ ...base, name: 'SGD', learningRate: 0.01, momentum: 0, nesterov: false });
    expect(new Adam().getConfig()).toEqual({ ...base, name: 'adam', learningRate: 0.001, beta1: 0.9, beta2: 0.999, epsilon: 1e-7, amsgrad: false });
    expect(new AdamW().getConfig()).toEqual({
      ...base, name: 'adamw', learningRate: 0.001, weightDecay: 0.004, beta1: 0.9, beta2: 0.999, epsilon: 1e-7, amsgrad: false,
    });
    expect(new RMSprop().getConfig()).toEqual({ ...base, name: 'rmsprop', learningRate: 0.001, rho: 0.9, momentum: 0, epsilon: 1e-7, centered: false });
    expect(new Adagrad().getConfig()).toEqual({ ...base, name: 'adagrad', learningRate: 0.001, initialAccumulatorValue: 0.1, epsilon: 1e-7 });
    expect(new Adadelta().getConfig()).toEqual({ ...base, name: 'adadelta', learningRate: 0.001, rho: 0.95, epsilon: 1e-7 });
    expect(new Adamax().getConfig()).toEqual({ ...base, name: 'adamax', learningRate: 0.001, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 });
    expect(new Nadam().getConfig()).toEqual({ ...base, name: 'nadam', learningRate: 0.001, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 });
  });

  it('accepts Keras snake_case option names', () => {
    const opt = new Adam({ learning_rate: 0.01, beta_1: 0.8, beta_2: 0.95, clipnorm: 2, weight_decay: 0.1 } as never);
    expect(opt.getConfig()).toMatchObject({ learningRate: 0.01, beta1: 0.8, beta2: 0.95, clipNorm: 2, weightDecay: 0.1 });
    expect(new Adagrad({ initial_accumulator_value: 0.3 } as never).initialAccumulatorValue).toBe(0.3);
    expect(new SGD({ global_clipnorm: 1 } as never).globalClipNorm).toBe(1);
  });

  it('rejects unknown options, naming them and the known ones', () => {
    expect(() => new Adam({ beta3: 1 } as never)).toThrow(/Adam: unknown option\(s\) 'beta3'; known options: .*beta1/);
    expect(() => new SGD({ momentum: 0.5, learningRate: 0.1, nestrov: true } as never)).toThrow(/'nestrov'/);
    expect(() => new Adam({ useEma: true } as never)).toThrow(/useEma is not supported/);
  });

  it('only one clipping option at a time', () => {
    expect(() => new SGD({ clipNorm: 1, clipValue: 1 })).toThrow(/only one of clipNorm, clipValue and globalClipNorm/);
    expect(() => new Adam({ globalClipNorm: 1, clipNorm: 1 })).toThrow(/only one/);
  });

  it('validates SGD momentum, AdamW weightDecay, Adagrad accumulator', () => {
    expect(() => new SGD({ momentum: 1.5 })).toThrow(/momentum must be a number in \[0, 1\]/);
    expect(() => new SGD({ momentum: -0.1 })).toThrow(/momentum/);
    expect(() => new AdamW({ weightDecay: null as unknown as number })).toThrow(/AdamW: weightDecay must be a number/);
    expect(() => new Adagrad({ initialAccumulatorValue: -1 })).toThrow(/non-negative/);
    expect(() => new Adam({ beta1: 'x' as unknown as number })).toThrow(/'beta1' must be a finite number/);
  });

  it('getConfig round-trips through the constructor', () => {
    const sched = new ExponentialDecay({ initialLearningRate: 0.1, decaySteps: 5, decayRate: 0.9, staircase: true });
    const opt = new RMSprop({ learningRate: sched, rho: 0.8, momentum: 0.3, centered: true, clipValue: 2, weightDecay: 0.01, name: 'r' });
    const again = new RMSprop(opt.getConfig() as never);
    expect(again.getConfig()).toEqual(opt.getConfig());
    expect(again.learningRate).toBeInstanceOf(ExponentialDecay);
    expect(again.currentLearningRate).toBe(0.1);
  });

  it('Slots.set rejects a wrong shape', () => {
    const w = new Variable(tensor([1, 2]), { name: 'w' });
    const s = new Slots(w);
    const bad = tensor([1, 2, 3]);
    expect(() => s.set('m', bad)).toThrow(/'w' must have shape \[2\]/);
    bad.dispose();
    s.dispose();
    w.dispose();
  });
});
