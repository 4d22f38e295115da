import type { Variable } from '@nabla/autograd';
import { abs, add, div, maximum, mul, sub, type Tensor } from '@nabla/tensor';
import { num } from './options.js';
import { Optimizer, type OptimizerConfig, type OptimizerOptions, type Slots } from './optimizer.js';

export interface AdamaxOptions extends OptimizerOptions {
  /** Default 0.001. */
  learningRate?: OptimizerOptions['learningRate'];
  /** Default 0.9. */
  beta1?: number;
  /** Decay of the infinity norm. Default 0.999. */
  beta2?: number;
  /** Default 1e-7. */
  epsilon?: number;
}

/**
 * Adamax (Adam with the infinity norm), as Keras 3: with `t = iterations + 1`,
 * `m += (g - m) * (1 - beta1)`, `u = max(beta2 * u, |g|)`, `w -= lr * m / ((1 - beta1^t) * (u + epsilon))`.
 * @example new Adamax({ learningRate: 0.002 })
 */
export class Adamax extends Optimizer {
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;

  constructor(options: AdamaxOptions = {}) {
    super('Adamax', options, { learningRate: 0.001, name: 'adamax' }, ['beta1', 'beta2', 'epsilon']);
    this.beta1 = num('Adamax', this.options, 'beta1', 0.9);
    this.beta2 = num('Adamax', this.options, 'beta2', 0.999);
    this.epsilon = num('Adamax', this.options, 'epsilon', 1e-7);
  }

  protected updateStep(g: Tensor, w: Variable, lr: number, slots: Slots): void {
    const t = this.iterations + 1;
    const m0 = slots.get('momentum');
    const m = add(m0, mul(sub(g, m0), 1 - this.beta1));
    const u = maximum(mul(slots.get('norm'), this.beta2), abs(g));
    slots.set('momentum', m);
    slots.set('norm', u);
    w.assign(sub(w, div(mul(m, lr), mul(add(u, this.epsilon), 1 - this.beta1 ** t))));
  }

  override slotNames(): readonly string[] {
    return ['momentum', 'norm'];
  }

  override getConfig(): OptimizerConfig {
    return { ...super.getConfig(), beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon };
  }
}
