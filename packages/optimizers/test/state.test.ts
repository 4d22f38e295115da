import { Variable } from '@nabla/autograd';
import { createCpuBackend } from '@nabla/backend-cpu';
import { memory, setBackend, tensor, type Tensor } from '@nabla/tensor';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  Adadelta, Adagrad, Adam, Adamax, AdamW, CosineDecay, ExponentialDecay, getOptimizer, Nadam, PiecewiseConstantDecay, PolynomialDecay,
  RMSprop, serializeOptimizer, SGD, type Optimizer, type OptimizerState,
} from '../src/index.js';
import { GRADS, makeVars, SHAPES, W0 } from './helpers.js';

beforeAll(async () => {
  await setBackend(createCpuBackend());
});

const CASES: [string, () => Optimizer, string[]][] = [
  ['SGD', () => new SGD({ learningRate: 0.1 }), []],
  ['SGD momentum', () => new SGD({ learningRate: 0.1, momentum: 0.9 }), ['momentum']],
  ['SGD nesterov', () => new SGD({ learningRate: 0.1, momentum: 0.9, nesterov: true }), ['momentum']],
  ['Adagrad', () => new Adagrad({ learningRate: 0.1 }), ['accumulator']],
  ['RMSprop', () => new RMSprop({ learningRate: 0.05 }), ['velocity']],
  ['RMSprop centered momentum', () => new RMSprop({ learningRate: 0.05, centered: true, momentum: 0.9 }), ['velocity', 'averageGradient', 'momentum']],
  ['Adam', () => new Adam({ learningRate: 0.1 }), ['momentum', 'velocity']],
  ['Adam amsgrad', () => new Adam({ learningRate: 0.1, beta2: 0.9, amsgrad: true }), ['momentum', 'velocity', 'velocityHat']],
  ['AdamW', () => new AdamW({ learningRate: 0.1, weightDecay: 0.05 }), ['momentum', 'velocity']],
  ['AdamW amsgrad clipNorm', () => new AdamW({ learningRate: 0.1, amsgrad: true, clipNorm: 1 }), ['momentum', 'velocity', 'velocityHat']],
  ['Adadelta', () => new Adadelta({ learningRate: 1 }), ['accumulatedGrad', 'accumulatedDeltaVar']],
  ['Adamax', () => new Adamax({ learningRate: 0.1 }), ['momentum', 'norm']],
  ['Nadam', () => new Nadam({ learningRate: 0.1 }), ['momentum', 'velocity']],
  ['Adam + ExponentialDecay', () => new Adam({ learningRate: new ExponentialDecay({ initialLearningRate: 0.2, decaySteps: 2, decayRate: 0.5 }) }), ['momentum', 'velocity']],
  ['SGD + PiecewiseConstantDecay', () => new SGD({ learningRate: new PiecewiseConstantDecay({ boundaries: [1, 3], values: [0.3, 0.1, 0.02] }), momentum: 0.5 }), ['momentum']],
  ['RMSprop + CosineDecay warmup', () => new RMSprop({ learningRate: new CosineDecay({ initialLearningRate: 0, decaySteps: 3, warmupTarget: 0.1, warmupSteps: 2 }) }), ['velocity']],
  ['Nadam + PolynomialDecay globalClipNorm', () => new Nadam({ learningRate: new PolynomialDecay({ initialLearningRate: 0.1, decaySteps: 4 }), globalClipNorm: 1 }), ['momentum', 'velocity']],
];

function step(opt: Optimizer, vars: Variable[], s: number): void {
  const gs: Tensor[] = GRADS[s]!.map((g, k) => tensor(g, SHAPES[k]));
  opt.applyGradients(gs.map((g, k) => [g, vars[k]!] as const));
  for (const g of gs) g.dispose();
}

const values = (vars: Variable[]): number[][] => vars.map((v) => Array.from(v.dataSync()));

/** The state as it would come back from a file: the config through JSON, each slot re-created from its bytes. */
function throughBytes(state: OptimizerState): OptimizerState {
  return {
    className: state.className,
    iterations: JSON.parse(JSON.stringify(state.iterations)) as number,
    scalars: JSON.parse(JSON.stringify(state.scalars)) as Record<string, number>,
    slots: state.slots.map((s) => ({ variable: s.variable, slot: s.slot, tensor: tensor(new Float32Array(s.tensor.dataSync()), [...s.tensor.shape]) })),
  };
}

describe('optimizer state: export after k steps, import into a fresh optimizer, continue', () => {
  it.each(CASES)('%s: k + m steps equal k + m uninterrupted steps bit for bit', (_name, make, slotNames) => {
    const k = 2;
    const m = GRADS.length - k;
    // uninterrupted
    const ref = make();
    const refVars = makeVars();
    for (let s = 0; s < k + m; s++) step(ref, refVars, s);
    const expected = values(refVars);
    const expectedLr = ref.currentLearningRate;

    // interrupted after k steps
    const first = make();
    const vars = makeVars();
    for (let s = 0; s < k; s++) step(first, vars, s);
    const exported = first.getState(vars);
    expect(exported.iterations).toBe(k);
    expect(exported.slots.map((s) => `${s.variable}:${s.slot}`)).toEqual(vars.flatMap((v) => slotNames.map((n) => `${v.name}:${n}`)));
    const state = throughBytes(exported);
    for (const s of exported.slots) s.tensor.dispose();
    const config = JSON.parse(JSON.stringify(serializeOptimizer(first))) as { className: string; config: Record<string, unknown> };
    first.dispose();
    // the variables go through bytes too
    const resumedVars = vars.map((v, i) => new Variable(tensor(new Float32Array(v.dataSync()), SHAPES[i]), { name: v.name }));
    for (const v of vars) v.dispose();

    const fresh = getOptimizer(config);
    fresh.setState(state, resumedVars);
    for (const s of state.slots) s.tensor.dispose(); // setState does not take them over
    expect(fresh.iterations).toBe(k);
    for (let s = k; s < k + m; s++) step(fresh, resumedVars, s);
    const got = values(resumedVars);
    expect(got).toEqual(expected);
    expect(fresh.iterations).toBe(k + m);
    expect(fresh.currentLearningRate).toBe(expectedLr);
    // guard against a vacuous comparison: training moved the weights
    expect(Math.max(...got.flatMap((a, i) => a.map((x, j) => Math.abs(x - W0[i]![j]!))))).toBeGreaterThan(1e-3);
    for (const o of [ref, fresh]) o.dispose();
    for (const v of [...refVars, ...resumedVars]) v.dispose();
  });

  it('Nadam exports its momentum-cache product, without which the resumed run would differ', () => {
    const a = new Nadam({ learningRate: 0.1 });
    const vars = makeVars();
    step(a, vars, 0);
    step(a, vars, 1);
    const state = a.getState(vars);
    expect(state.scalars).toEqual({ uProduct: a.uProduct });
    expect(a.uProduct).not.toBe(1);
    const b = new Nadam({ learningRate: 0.1 });
    b.setState(state, vars);
    expect(b.uProduct).toBe(a.uProduct);
    expect(() => b.setState({ ...state, scalars: {} }, vars)).toThrow(/expected scalar state \[uProduct\], got \[\]/);
    for (const s of state.slots) s.tensor.dispose();
    for (const o of [a, b]) o.dispose();
    for (const v of vars) v.dispose();
  });

  it('getState defaults to the variables with slots; views are owned by the caller; memory returns to baseline', () => {
    const before = memory().numTensors;
    const opt = new Adam({ learningRate: 0.1 });
    const vars = makeVars();
    step(opt, vars, 0);
    const state = opt.getState();
    expect(state.slots.map((s) => s.variable)).toEqual(['var0', 'var0', 'var1', 'var1']);
    for (const s of state.slots) s.tensor.dispose();
    // disposing the exported views leaves the optimizer's own slots intact
    expect(Array.from(opt.getSlots(vars[0]!)['momentum']!.dataSync()).every(Number.isFinite)).toBe(true);
    const fresh = new Adam({ learningRate: 0.1 });
    const st2 = opt.getState(vars);
    fresh.setState(st2, vars);
    for (const s of st2.slots) s.tensor.dispose();
    opt.dispose();
    fresh.dispose();
    for (const v of vars) v.dispose();
    expect(memory().numTensors).toBe(before);
  });
});

describe('optimizer state: mismatches fail clearly and change nothing', () => {
  function trained(): { opt: Adam; vars: Variable[]; state: OptimizerState } {
    const opt = new Adam({ learningRate: 0.1 });
    const vars = makeVars();
    step(opt, vars, 0);
    step(opt, vars, 1);
    return { opt, vars, state: opt.getState(vars) };
  }

  it('rejects wrong class, bad iterations, unknown/missing/duplicate slots, unknown variables, wrong shapes', () => {
    const { opt, vars, state } = trained();
    const target = new Adam({ learningRate: 0.1 });
    const other = makeVars();
    step(target, other, 0); // some state that must survive every failed setState
    const before = target.getState(other);
    const beforeValues = before.slots.map((s) => Array.from(s.tensor.dataSync()));
    const wrongShape = tensor([1, 2, 3, 4, 5, 6], [2, 3]);
    const bad: [OptimizerState, RegExp][] = [
      [{ ...state, className: 'SGD' }, /exported by SGD, not Adam/],
      [{ ...state, iterations: -1 }, /iterations must be a non-negative integer, got -1/],
      [{ ...state, iterations: 1.5 }, /iterations must be a non-negative integer/],
      [{ ...state, slots: state.slots.map((s, i) => (i === 0 ? { ...s, slot: 'accumulator' } : s)) }, /unknown slot 'accumulator' for variable 'var0'/],
      [{ ...state, slots: state.slots.slice(1) }, /variable 'var0' lacks slot\(s\) momentum/],
      [{ ...state, slots: [...state.slots, state.slots[0]!] }, /slot 'momentum' of variable 'var0' is given twice/],
      [{ ...state, slots: state.slots.map((s, i) => (i === 0 ? { ...s, variable: 'dense/kernel' } : s)) }, /belongs to variable 'dense\/kernel', which is not among the variables given/],
      [{ ...state, slots: state.slots.map((s, i) => (i === 1 ? { ...s, tensor: wrongShape } : s)) }, /slot 'velocity' of variable 'var0' must be \[2, 2\] float32, got \[2, 3\] float32/],
      [{ ...state, scalars: { uProduct: 0.5 } }, /expected scalar state \[\], got \[uProduct\]/],
    ];
    for (const [s, re] of bad) expect(() => target.setState(s, other)).toThrow(re);
    expect(() => target.setState(state, [...other, other[0]!])).toThrow(/two variables are named 'var0'/);
    expect(target.iterations).toBe(1);
    const after = target.getState(other);
    expect(after.slots.map((s) => Array.from(s.tensor.dataSync()))).toEqual(beforeValues);
    for (const t of [...before.slots, ...after.slots, ...state.slots].map((s) => s.tensor)) t.dispose();
    wrongShape.dispose();
    for (const o of [opt, target]) o.dispose();
    for (const v of [...vars, ...other]) v.dispose();
  });

  it('getState refuses variables lists that miss a variable with state', () => {
    const { opt, vars, state } = trained();
    expect(() => opt.getState([vars[0]!])).toThrow(/holds state for variable 'var1', which is not among the 1 variables given/);
    for (const s of state.slots) s.tensor.dispose();
    opt.dispose();
    for (const v of vars) v.dispose();
  });

  it('an amsgrad state does not load into plain Adam and vice versa', () => {
    const a = new Adam({ learningRate: 0.1, amsgrad: true });
    const vars = makeVars();
    step(a, vars, 0);
    const st = a.getState(vars);
    expect(() => new Adam().setState(st, vars)).toThrow(/unknown slot 'velocityHat'/);
    const plain = new Adam();
    step(plain, vars, 1);
    const st2 = plain.getState(vars);
    expect(() => new Adam({ amsgrad: true }).setState(st2, vars)).toThrow(/lacks slot\(s\) velocityHat/);
    for (const s of [...st.slots, ...st2.slots]) s.tensor.dispose();
    for (const o of [a, plain]) o.dispose();
    for (const v of vars) v.dispose();
  });
});
