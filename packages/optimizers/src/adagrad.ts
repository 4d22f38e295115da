import type { Variable } from '@nabla/autograd';
import { add, div, mul, sqrt, square, sub, type Tensor } from '@nabla/tensor';
import { num } from './options.js';
import { Optimizer, type OptimizerConfig, type OptimizerOptions, type Slots } from './optimizer.js';

export interface AdagradOptions extends OptimizerOptions {
  /** Default 0.001. */
  learningRate?: OptimizerOptions['learningRate'];
  /** Starting value of the accumulators (>= 0). Default 0.1. */
  initialAccumulatorValue?: number;
  /** Added inside the square root. Default 1e-7. */
  epsilon?: number;
}

/**
 * Adagrad, as Keras 3: `acc += g²` (acc starts at `initialAccumulatorValue`), `w -= lr * g / sqrt(acc + epsilon)`.
 * @example new Adagrad({ learningRate: 0.01 })
 */
export class Adagrad extends Optimizer {
  readonly initialAccumulatorValue: number;
  readonly epsilon: number;

  constructor(options: AdagradOptions = {}) {
    super('Adagrad', options, { learningRate: 0.001, name: 'adagrad' }, ['initialAccumulatorValue', 'epsilon']);
    this.initialAccumulatorValue = num('Adagrad', this.options, 'initialAccumulatorValue', 0.1);
    if (this.initialAccumulatorValue < 0) {
      throw new RangeError(`Adagrad: initialAccumulatorValue must be non-negative, got ${this.initialAccumulatorValue}`);
    }
    this.epsilon = num('Adagrad', this.options, 'epsilon', 1e-7);
  }

  protected updateStep(g: Tensor, w: Variable, lr: number, slots: Slots): void {
    const acc = add(slots.get('accumulator', this.initialAccumulatorValue), square(g));
    slots.set('accumulator', acc);
    w.assign(sub(w, div(mul(g, lr), sqrt(add(acc, this.epsilon)))));
  }

  override slotNames(): readonly string[] {
    return ['accumulator'];
  }

  override getConfig(): OptimizerConfig {
    return { ...super.getConfig(), initialAccumulatorValue: this.initialAccumulatorValue, epsilon: this.epsilon };
  }
}
