import type { Variable } from '@nabla/autograd';
import { add, div, mul, sqrt, square, sub, type Tensor } from '@nabla/tensor';
import { bool, num } from './options.js';
import { Optimizer, type OptimizerConfig, type OptimizerOptions, type Slots } from './optimizer.js';

export interface RMSpropOptions extends OptimizerOptions {
  /** Default 0.001. */
  learningRate?: OptimizerOptions['learningRate'];
  /** Discount of the mean square. Default 0.9. */
  rho?: number;
  /** Plain momentum on the increments when > 0. Default 0. */
  momentum?: number;
  /** Added inside the square root. Default 1e-7. */
  epsilon?: number;
  /** Normalize by the estimated variance (v - mean(g)²) instead of v. Default false. */
  centered?: boolean;
}

/**
 * RMSprop, as Keras 3: `v = rho * v + (1 - rho) * g²`; centered: `a = rho * a + (1 - rho) * g`,
 * `denominator = v - a² + epsilon`, else `v + epsilon`; `inc = lr * g / sqrt(denominator)`;
 * with momentum `mom = momentum * mom + inc; w -= mom`, else `w -= inc`.
 * @example new RMSprop({ learningRate: 0.001, momentum: 0.9, centered: true })
 */
export class RMSprop extends Optimizer {
  readonly rho: number;
  readonly momentum: number;
  readonly epsilon: number;
  readonly centered: boolean;

  constructor(options: RMSpropOptions = {}) {
    super('RMSprop', options, { learningRate: 0.001, name: 'rmsprop' }, ['rho', 'momentum', 'epsilon', 'centered']);
    this.rho = num('RMSprop', this.options, 'rho', 0.9);
    this.momentum = num('RMSprop', this.options, 'momentum', 0);
    this.epsilon = num('RMSprop', this.options, 'epsilon', 1e-7);
    this.centered = bool('RMSprop', this.options, 'centered', false);
  }

  protected updateStep(g: Tensor, w: Variable, lr: number, slots: Slots): void {
    const rho = this.rho;
    const v = add(mul(slots.get('velocity'), rho), mul(square(g), 1 - rho));
    slots.set('velocity', v);
    let denominator: Tensor;
    if (this.centered) {
      const a = add(mul(slots.get('averageGradient'), rho), mul(g, 1 - rho));
      slots.set('averageGradient', a);
      denominator = add(sub(v, square(a)), this.epsilon);
    } else {
      denominator = add(v, this.epsilon);
    }
    const increment = div(mul(g, lr), sqrt(denominator));
    if (this.momentum > 0) {
      const mom = add(mul(slots.get('momentum'), this.momentum), increment);
      slots.set('momentum', mom);
      w.assign(sub(w, mom));
    } else {
      w.assign(sub(w, increment));
    }
  }

  override slotNames(): readonly string[] {
    return ['velocity', ...(this.centered ? ['averageGradient'] : []), ...(this.momentum > 0 ? ['momentum'] : [])];
  }

  override getConfig(): OptimizerConfig {
    return { ...super.getConfig(), rho: this.rho, momentum: this.momentum, epsilon: this.epsilon, centered: this.centered };
  }
}
