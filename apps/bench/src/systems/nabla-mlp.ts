/**
 * The course's MLP (784-256-128-10) on nabla, written with what exists today:
 * @nabla/tensor ops, @nabla/autograd's Variable + variableGrads, and a hand-written Adam
 * (the same update as tfjs's AdamOptimizer: bias-corrected moments, epsilon outside the
 * square root).
 *
 * Swap point: once @nabla/models (Sequential + compile/trainOnBatch/predict) and
 * @nabla/optimizers are ready, replace `createMlp` with a builder over them that keeps the
 * `Mlp` interface; nabla.ts and the runner do not change.
 */
import { glorot } from '../data.js';
import { ADAM, MLP_UNITS } from '../workloads/index.js';

type T = typeof import('@nabla/tensor');
type A = typeof import('@nabla/autograd');
type Tensor = import('@nabla/tensor').Tensor;
type Variable = import('@nabla/autograd').Variable;

export interface Mlp {
  /** One training step (forward, backward, Adam update) on a batch; returns the loss (caller disposes). */
  trainStep(x: Tensor, yOneHot: Tensor): Tensor;
  /** Softmax probabilities [batch, 10] (caller disposes). */
  predict(x: Tensor): Tensor;
  /** Human-readable description of how the model is built (printed in the notes). */
  readonly how: string;
  dispose(): void;
}

/** Builds the MLP on the active backend. `ad` is null when @nabla/autograd is missing (predict only). */
export function createMlp(t: T, ad: A | null): Mlp {
  const layers: { w: Tensor; b: Tensor }[] = [];
  for (let i = 0; i + 1 < MLP_UNITS.length; i++) {
    const fanIn = MLP_UNITS[i]!;
    const fanOut = MLP_UNITS[i + 1]!;
    const init = [t.tensor(glorot(fanIn, fanOut, 11 + i), [fanIn, fanOut]), t.zeros([fanOut])] as const;
    if (ad) {
      layers.push({ w: new ad.Variable(init[0], { name: `dense${i}/kernel` }), b: new ad.Variable(init[1], { name: `dense${i}/bias` }) });
      init[0].dispose();
      init[1].dispose();
    } else {
      layers.push({ w: init[0], b: init[1] });
    }
  }
  const params = layers.flatMap((l) => [l.w, l.b]);

  const logits = (x: Tensor): Tensor => {
    let h = x;
    layers.forEach((l, i) => {
      const z = t.add(t.matmul(h, l.w), l.b);
      h = i + 1 < layers.length ? t.relu(z) : z;
    });
    return h;
  };
  // Categorical cross-entropy of softmax(logits), averaged over the batch.
  const loss = (x: Tensor, y: Tensor): Tensor => t.neg(t.mean(t.sum(t.mul(y, t.logSoftmax(logits(x))), -1)));

  let step = 0;
  // Adam's moments, made on the first step (predict-only models don't hold them).
  let moments: { m: Variable; v: Variable }[] = [];
  const zerosVar = (p: Tensor): Variable => {
    const z = t.zerosLike(p);
    const v = new ad!.Variable(z, { trainable: false });
    z.dispose();
    return v;
  };

  return {
    how: 'nabla MLP: @nabla/tensor + @nabla/autograd (variableGrads) + Adam written in the bench (@nabla/models not used yet)',
    trainStep(x, y) {
      if (!ad) throw new Error('@nabla/autograd is not available');
      if (step === 0) moments = params.map((p) => ({ m: zerosVar(p), v: zerosVar(p) }));
      step++;
      const { beta1: b1, beta2: b2, epsilon, learningRate: lr } = ADAM;
      const c1 = 1 - b1 ** step;
      const c2 = 1 - b2 ** step;
      return t.tidy(() => {
        const { value, grads } = ad.variableGrads(() => loss(x, y), params as Variable[]);
        params.forEach((p, i) => {
          const g = grads.get(p as Variable)!;
          const { m, v } = moments[i]!;
          m.assign(t.add(t.mul(m, b1), t.mul(g, 1 - b1)));
          v.assign(t.add(t.mul(v, b2), t.mul(t.square(g), 1 - b2)));
          const update = t.div(t.div(m, c1), t.add(t.sqrt(t.div(v, c2)), epsilon));
          (p as Variable).assign(t.sub(p, t.mul(update, lr)));
        });
        return value;
      });
    },
    predict(x) {
      return t.tidy(() => t.softmax(logits(x)));
    },
    dispose() {
      for (const p of params) p.dispose();
      for (const { m, v } of moments) {
        m.dispose();
        v.dispose();
      }
    },
  };
}
