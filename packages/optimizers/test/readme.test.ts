// The README's examples, run as written (minus printing).
import { Variable, variableGrads } from '@nabla/autograd';
import { createCpuBackend } from '@nabla/backend-cpu';
import { add, memory, mul, setBackend, sign, square, sub, sum, tensor, type Tensor } from '@nabla/tensor';
import { beforeAll, expect, it } from 'vitest';
import { Adam, CosineDecay, getOptimizer, Optimizer, SGD, Slots, type OptimizerOptions } from '../src/index.js';

beforeAll(async () => {
  await setBackend(createCpuBackend());
});

it('the custom training loop example converges and frees its state', () => {
  const w = new Variable(tensor([2, -3, 1.5]), { name: 'w' });
  const target = tensor([0.5, 1, -1]);
  const before = memory().numTensors;
  const opt = new Adam({ learningRate: new CosineDecay({ initialLearningRate: 0.1, decaySteps: 300 }), clipNorm: 1.0 });
  for (let step = 0; step < 300; step++) {
    const { value, grads } = variableGrads(() => sum(square(sub(w, target))), [w]);
    opt.applyGradients([[grads.get(w)!, w]]);
    value.dispose();
    grads.get(w)!.dispose();
  }
  Array.from(w.dataSync()).forEach((x, i) => expect(x).toBeCloseTo([0.5, 1, -1][i]!, 2));
  expect(opt.iterations).toBe(300);
  opt.dispose();
  expect(memory().numTensors).toBe(before);
  const sgd = getOptimizer('sgd', { momentum: 0.9 }) as SGD;
  expect([sgd.learningRate, sgd.momentum]).toEqual([0.01, 0.9]);
  w.dispose();
  target.dispose();
});

it('the SignSGD subclass example works', () => {
  class SignSGD extends Optimizer {
    constructor(options: OptimizerOptions & { momentum?: number } = {}) {
      super('SignSGD', options, { learningRate: 0.01, name: 'signsgd' }, ['momentum']);
    }
    protected updateStep(g: Tensor, w: Variable, lr: number, slots: Slots): void {
      const m = add(mul(slots.get('m'), 0.9), g);
      slots.set('m', m);
      w.assign(sub(w, mul(sign(m), lr)));
    }
  }
  const w = new Variable(tensor([1, -1]), { name: 'w' });
  const g = tensor([0.3, -5]);
  const opt = new SignSGD({ learningRate: 0.5 });
  opt.applyGradients([[g, w]]);
  opt.applyGradients([[g, w]]);
  expect(Array.from(w.dataSync())).toEqual([0, 0]);
  expect(Object.keys(opt.getSlots(w))).toEqual(['m']);
  opt.dispose();
  w.dispose();
  g.dispose();
});
