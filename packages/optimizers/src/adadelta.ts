import type { Variable } from '@nabla/autograd';
import { add, div, mul, neg, sqrt, square, type Tensor } from '@nabla/tensor';
import { num } from './options.js';
import { Optimizer, type OptimizerConfig, type OptimizerOptions, type Slots } from './optimizer.js';

export interface AdadeltaOptions extends OptimizerOptions {
  /** Default 0.001 (use 1.0 for the paper's form). */
  learningRate?: OptimizerOptions['learningRate'];
  /** Decay rate. Default 0.95. */
  rho?: number;
  /** Default 1e-7. */
  epsilon?: number;
}

/**
 * Adadelta, as Keras 3: `Eg = rho * Eg + (1 - rho) * g²`,
 * `delta = -sqrt(Edx + epsilon) * g / sqrt(Eg + epsilon)`, `Edx = rho * Edx + (1 - rho) * delta²`,
 * `w += lr * delta`.
 * @example new Adadelta({ learningRate: 1.0 })
 */
export class Adadelta extends Optimizer {
  readonly rho: number;
  readonly epsilon: number;

  constructor(options: AdadeltaOptions = {}) {
    super('Adadelta', options, { learningRate: 0.001, name: 'adadelta' }, ['rho', 'epsilon']);
    this.rho = num('Adadelta', this.options, 'rho', 0.95);
    this.epsilon = num('Adadelta', this.options, 'epsilon', 1e-7);
  }

  protected updateStep(g: Tensor, w: Variable, lr: number, slots: Slots): void {
    const rho = this.rho;
    const eps = this.epsilon;
    const accGrad = add(mul(slots.get('accumulatedGrad'), rho), mul(square(g), 1 - rho));
    slots.set('accumulatedGrad', accGrad);
    const accDelta0 = slots.get('accumulatedDeltaVar');
    const delta = neg(div(mul(sqrt(add(accDelta0, eps)), g), sqrt(add(accGrad, eps))));
    slots.set('accumulatedDeltaVar', add(mul(accDelta0, rho), mul(square(delta), 1 - rho)));
    w.assign(add(w, mul(delta, lr)));
  }

  override slotNames(): readonly string[] {
    return ['accumulatedGrad', 'accumulatedDeltaVar'];
  }

  override getConfig(): OptimizerConfig {
    return { ...super.getConfig(), rho: this.rho, epsilon: this.epsilon };
  }
}
