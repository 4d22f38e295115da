import { createCpuBackend } from '@nabla/backend-cpu';
import { setBackend } from '@nabla/tensor';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  Adadelta, Adagrad, Adam, Adamax, AdamW, CosineDecay, ExponentialDecay, Nadam, PiecewiseConstantDecay, RMSprop, SGD,
  type Optimizer,
} from '../src/index.js';
import { expectClose, expectMoved, GRADS, runOptimizer, W0 } from './helpers.js';
import {
  adadeltaRef, adagradRef, adamaxRef, adamRef, nadamRef, rmspropRef, runReference, sgdRef, type RefOptions, type RefUpdate,
} from './reference.js';

beforeAll(async () => {
  await setBackend(createCpuBackend());
});

interface Case {
  name: string;
  make: () => Optimizer;
  ref: RefOptions;
  update: RefUpdate;
  before?: (shared: Record<string, number>, it: number) => void;
  /** Start from zeros (for Keras' tiny default learning rates, so float32 keeps the small updates exact). */
  fromZero?: boolean;
}

const nadamDefault = nadamRef();
const nadamCustom = nadamRef(0.8, 0.99, 1e-3);
const expSchedule = () => new ExponentialDecay({ initialLearningRate: 0.2, decaySteps: 2, decayRate: 0.5 });
const expRef = (s: number) => 0.2 * 0.5 ** (s / 2);
const pwSchedule = () => new PiecewiseConstantDecay({ boundaries: [0, 2], values: [0.3, 0.1, 0.02] });
const pwRef = (s: number) => (s <= 0 ? 0.3 : s <= 2 ? 0.1 : 0.02);
const cosSchedule = () => new CosineDecay({ initialLearningRate: 0.0, decaySteps: 3, alpha: 0.1, warmupTarget: 0.3, warmupSteps: 2 });
const cosRef = (step: number) => {
  const s = Math.min(step, 5);
  if (s < 2) return 0.3 * (s / 2);
  return 0.3 * (0.9 * 0.5 * (1 + Math.cos((Math.PI * (s - 2)) / 3)) + 0.1);
};

const CASES: Case[] = [
  // SGD (Keras default lr 0.01), momentum, Nesterov
  { name: 'SGD defaults', make: () => new SGD(), ref: { lr: 0.01 }, update: sgdRef(), fromZero: true },
  { name: 'SGD lr 0.1', make: () => new SGD({ learningRate: 0.1 }), ref: { lr: 0.1 }, update: sgdRef() },
  { name: 'SGD momentum', make: () => new SGD({ learningRate: 0.1, momentum: 0.9 }), ref: { lr: 0.1 }, update: sgdRef(0.9) },
  { name: 'SGD nesterov', make: () => new SGD({ learningRate: 0.1, momentum: 0.9, nesterov: true }), ref: { lr: 0.1 }, update: sgdRef(0.9, true) },
  // Adam
  { name: 'Adam defaults', make: () => new Adam(), ref: { lr: 0.001 }, update: adamRef(), fromZero: true },
  { name: 'Adam lr 0.1', make: () => new Adam({ learningRate: 0.1 }), ref: { lr: 0.1 }, update: adamRef() },
  {
    name: 'Adam large epsilon (epsilon outside the bias correction)',
    make: () => new Adam({ learningRate: 0.1, beta1: 0.8, beta2: 0.95, epsilon: 0.5 }),
    ref: { lr: 0.1 },
    update: adamRef(0.8, 0.95, 0.5),
  },
  { name: 'Adam amsgrad', make: () => new Adam({ learningRate: 0.1, beta2: 0.9, amsgrad: true }), ref: { lr: 0.1 }, update: adamRef(0.9, 0.9, 1e-7, true) },
  // AdamW: weight decay 0.004 by default, before the Adam step
  { name: 'AdamW defaults', make: () => new AdamW({ learningRate: 0.1 }), ref: { lr: 0.1, weightDecay: 0.004 }, update: adamRef() },
  { name: 'AdamW weightDecay 0.5', make: () => new AdamW({ learningRate: 0.1, weightDecay: 0.5 }), ref: { lr: 0.1, weightDecay: 0.5 }, update: adamRef() },
  {
    name: 'AdamW amsgrad',
    make: () => new AdamW({ learningRate: 0.1, weightDecay: 0.2, beta2: 0.9, amsgrad: true }),
    ref: { lr: 0.1, weightDecay: 0.2 },
    update: adamRef(0.9, 0.9, 1e-7, true),
  },
  // RMSprop: plain, momentum, centered, both
  { name: 'RMSprop defaults', make: () => new RMSprop(), ref: { lr: 0.001 }, update: rmspropRef(), fromZero: true },
  {
    name: 'RMSprop large epsilon (inside the sqrt)',
    make: () => new RMSprop({ learningRate: 0.05, rho: 0.8, epsilon: 0.3 }),
    ref: { lr: 0.05 },
    update: rmspropRef(0.8, 0, 0.3),
  },
  { name: 'RMSprop momentum', make: () => new RMSprop({ learningRate: 0.05, momentum: 0.7 }), ref: { lr: 0.05 }, update: rmspropRef(0.9, 0.7) },
  {
    name: 'RMSprop centered',
    make: () => new RMSprop({ learningRate: 0.05, centered: true, epsilon: 1e-3 }),
    ref: { lr: 0.05 },
    update: rmspropRef(0.9, 0, 1e-3, true),
  },
  {
    name: 'RMSprop centered + momentum',
    make: () => new RMSprop({ learningRate: 0.05, rho: 0.85, momentum: 0.5, centered: true, epsilon: 1e-3 }),
    ref: { lr: 0.05 },
    update: rmspropRef(0.85, 0.5, 1e-3, true),
  },
  // Adagrad
  { name: 'Adagrad defaults', make: () => new Adagrad(), ref: { lr: 0.001 }, update: adagradRef(), fromZero: true },
  {
    name: 'Adagrad custom',
    make: () => new Adagrad({ learningRate: 0.3, initialAccumulatorValue: 0.5, epsilon: 0.05 }),
    ref: { lr: 0.3 },
    update: adagradRef(0.5, 0.05),
  },
  // Adadelta
  { name: 'Adadelta defaults', make: () => new Adadelta(), ref: { lr: 0.001 }, update: adadeltaRef(), fromZero: true },
  { name: 'Adadelta lr 1 rho 0.7 eps 1e-3', make: () => new Adadelta({ learningRate: 1, rho: 0.7, epsilon: 1e-3 }), ref: { lr: 1 }, update: adadeltaRef(0.7, 1e-3) },
  // Adamax
  { name: 'Adamax defaults', make: () => new Adamax(), ref: { lr: 0.001 }, update: adamaxRef(), fromZero: true },
  { name: 'Adamax custom', make: () => new Adamax({ learningRate: 0.1, beta1: 0.8, beta2: 0.9, epsilon: 0.1 }), ref: { lr: 0.1 }, update: adamaxRef(0.8, 0.9, 0.1) },
  // Nadam
  { name: 'Nadam defaults', make: () => new Nadam(), ref: { lr: 0.001 }, update: nadamDefault.update, before: nadamDefault.before, fromZero: true },
  {
    name: 'Nadam custom',
    make: () => new Nadam({ learningRate: 0.1, beta1: 0.8, beta2: 0.99, epsilon: 1e-3 }),
    ref: { lr: 0.1 },
    update: nadamCustom.update,
    before: nadamCustom.before,
  },
  // Clipping (per-tensor norm, global norm, value) and where it happens
  { name: 'SGD clipNorm', make: () => new SGD({ learningRate: 0.1, clipNorm: 1.0 }), ref: { lr: 0.1, clipNorm: 1.0 }, update: sgdRef() },
  { name: 'Adam clipNorm', make: () => new Adam({ learningRate: 0.1, epsilon: 0.1, clipNorm: 0.8 }), ref: { lr: 0.1, clipNorm: 0.8 }, update: adamRef(0.9, 0.999, 0.1) },
  { name: 'SGD globalClipNorm', make: () => new SGD({ learningRate: 0.1, globalClipNorm: 1.5 }), ref: { lr: 0.1, globalClipNorm: 1.5 }, update: sgdRef() },
  {
    name: 'RMSprop momentum globalClipNorm',
    make: () => new RMSprop({ learningRate: 0.05, momentum: 0.5, epsilon: 0.1, globalClipNorm: 2 }),
    ref: { lr: 0.05, globalClipNorm: 2 },
    update: rmspropRef(0.9, 0.5, 0.1),
  },
  { name: 'SGD clipValue', make: () => new SGD({ learningRate: 0.1, momentum: 0.5, clipValue: 0.5 }), ref: { lr: 0.1, clipValue: 0.5 }, update: sgdRef(0.5) },
  { name: 'Adagrad clipValue', make: () => new Adagrad({ learningRate: 0.3, clipValue: 0.6 }), ref: { lr: 0.3, clipValue: 0.6 }, update: adagradRef() },
  // Weight decay on other optimizers, combined with clipping and schedules
  { name: 'SGD weightDecay', make: () => new SGD({ learningRate: 0.1, momentum: 0.9, weightDecay: 0.3 }), ref: { lr: 0.1, weightDecay: 0.3 }, update: sgdRef(0.9) },
  {
    name: 'Adamax weightDecay + clipNorm',
    make: () => new Adamax({ learningRate: 0.1, weightDecay: 0.2, clipNorm: 0.5, epsilon: 0.1 }),
    ref: { lr: 0.1, weightDecay: 0.2, clipNorm: 0.5 },
    update: adamaxRef(0.9, 0.999, 0.1),
  },
  {
    name: 'Nadam weightDecay + globalClipNorm',
    make: () => new Nadam({ learningRate: 0.1, weightDecay: 0.1, globalClipNorm: 1, epsilon: 1e-3 }),
    ref: { lr: 0.1, weightDecay: 0.1, globalClipNorm: 1 },
    update: nadamRef(0.9, 0.999, 1e-3).update,
    before: nadamRef(0.9, 0.999, 1e-3).before,
  },
  {
    name: 'Adadelta weightDecay + clipValue',
    make: () => new Adadelta({ learningRate: 1, weightDecay: 0.05, clipValue: 0.7, epsilon: 1e-3 }),
    ref: { lr: 1, weightDecay: 0.05, clipValue: 0.7 },
    update: adadeltaRef(0.95, 1e-3),
  },
  { name: 'SGD lossScaleFactor', make: () => new SGD({ learningRate: 0.1, lossScaleFactor: 4 }), ref: { lr: 0.1, lossScaleFactor: 4 }, update: sgdRef() },
  // Learning-rate schedules, evaluated at iterations (0 for the first update); weight decay uses the scheduled lr
  { name: 'SGD ExponentialDecay', make: () => new SGD({ learningRate: expSchedule() }), ref: { lr: expRef }, update: sgdRef() },
  {
    name: 'SGD momentum + weightDecay + ExponentialDecay',
    make: () => new SGD({ learningRate: expSchedule(), momentum: 0.9, weightDecay: 0.5 }),
    ref: { lr: expRef, weightDecay: 0.5 },
    update: sgdRef(0.9),
  },
  { name: 'Adam PiecewiseConstantDecay', make: () => new Adam({ learningRate: pwSchedule() }), ref: { lr: pwRef }, update: adamRef() },
  { name: 'RMSprop CosineDecay warmup', make: () => new RMSprop({ learningRate: cosSchedule() }), ref: { lr: cosRef }, update: rmspropRef() },
  { name: 'Adam (step) => lr function', make: () => new Adam({ learningRate: (s: number) => 0.1 / (s + 1) }), ref: { lr: (s) => 0.1 / (s + 1) }, update: adamRef() },
];

describe('update rules match Keras 3 (float64 reference, 5 steps, 2 variables)', () => {
  it.each(CASES.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const initial = c.fromZero ? W0.map((w) => w.map(() => 0)) : W0;
    const actual = runOptimizer(c.make(), GRADS.length, GRADS, initial);
    const expected = runReference(initial, GRADS, c.ref, c.update, c.before);
    if (c.fromZero) {
      expectMoved(actual, initial, 1e-6);
      expectClose(actual, expected, 2e-5, 1e-10);
    } else {
      expectMoved(actual, initial, 1e-3);
      expectClose(actual, expected);
    }
  });
});

describe('the reference check discriminates', () => {
  // Guards against a reference that would accept anything: nearby rules must disagree.
  const differs = (a: number[][], b: number[][]) => a.some((x, k) => x.some((v, i) => Math.abs(v - b[k]![i]!) > 1e-4));
  it('nesterov vs plain momentum, amsgrad vs adam, centered vs not, epsilon placement', () => {
    const run = (u: RefUpdate, o: RefOptions = { lr: 0.1 }) => runReference(W0, GRADS, o, u);
    expect(differs(run(sgdRef(0.9, true)), run(sgdRef(0.9)))).toBe(true);
    expect(differs(run(adamRef(0.9, 0.9, 1e-7, true)), run(adamRef(0.9, 0.9)))).toBe(true);
    expect(differs(run(rmspropRef(0.9, 0, 1e-3, true)), run(rmspropRef(0.9, 0, 1e-3)))).toBe(true);
    expect(differs(run(sgdRef(), { lr: 0.1, clipNorm: 1 }), run(sgdRef(), { lr: 0.1, globalClipNorm: 1 }))).toBe(true);
    // The textbook Adam (eps added to sqrt(v_hat)) differs from Keras' when epsilon is large.
    const textbook: RefUpdate = (w, g, lr, it, s) => {
      const t = it + 1;
      const m = (s['m'] ??= w.map(() => 0));
      const v = (s['v'] ??= w.map(() => 0));
      return w.map((x, i) => {
        m[i] = 0.8 * m[i]! + 0.2 * g[i]!;
        v[i] = 0.95 * v[i]! + 0.05 * g[i]! ** 2;
        return x - (lr * (m[i]! / (1 - 0.8 ** t))) / (Math.sqrt(v[i]! / (1 - 0.95 ** t)) + 0.5);
      });
    };
    expect(differs(run(adamRef(0.8, 0.95, 0.5)), run(textbook))).toBe(true);
    const actual = runOptimizer(new Adam({ learningRate: 0.1, beta1: 0.8, beta2: 0.95, epsilon: 0.5 }));
    expect(differs(actual, run(textbook))).toBe(true);
  });
});
