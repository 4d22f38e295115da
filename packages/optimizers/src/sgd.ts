import type { Variable } from '@nabla/autograd';
import { add, mul, sub, type Tensor } from '@nabla/tensor';
import { bool, num } from './options.js';
import { Optimizer, type OptimizerConfig, type OptimizerOptions, type Slots } from './optimizer.js';

export interface SGDOptions extends OptimizerOptions {
  /** Default 0.01. */
  learningRate?: OptimizerOptions['learningRate'];
  /** In [0, 1]; 0 is plain gradient descent. Default 0. */
  momentum?: number;
  /** Nesterov momentum. Default false. */
  nesterov?: boolean;
}

/**
 * Gradient descent, with optional (Nesterov) momentum, as Keras 3's SGD:
 * `w -= lr * g` without momentum; else `m = momentum * m - lr * g`, then `w += m`,
 * or with `nesterov` `w += momentum * m - lr * g` (using the new m).
 * @example new SGD({ learningRate: 0.1, momentum: 0.9, nesterov: true })
 */
export class SGD extends Optimizer {
  readonly momentum: number;
  readonly nesterov: boolean;

  constructor(options: SGDOptions = {}) {
    super('SGD', options, { learningRate: 0.01, name: 'SGD' }, ['momentum', 'nesterov']);
    this.momentum = num('SGD', this.options, 'momentum', 0);
    if (this.momentum < 0 || this.momentum > 1) throw new RangeError(`SGD: momentum must be a number in [0, 1], got ${this.momentum}`);
    this.nesterov = bool('SGD', this.options, 'nesterov', false);
  }

  protected updateStep(g: Tensor, w: Variable, lr: number, slots: Slots): void {
    const mu = this.momentum;
    if (mu === 0) {
      w.assign(sub(w, mul(g, lr)));
      return;
    }
    const m = sub(mul(slots.get('momentum'), mu), mul(g, lr));
    slots.set('momentum', m);
    w.assign(add(w, this.nesterov ? sub(mul(m, mu), mul(g, lr)) : m));
  }

  override slotNames(): readonly string[] {
    return this.momentum === 0 ? [] : ['momentum'];
  }

  override getConfig(): OptimizerConfig {
    return { ...super.getConfig(), momentum: this.momentum, nesterov: this.nesterov };
  }
}
