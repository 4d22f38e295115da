import type { Variable } from '@nabla/autograd';
import { add, div, mul, sqrt, square, sub, type Tensor } from '@nabla/tensor';
import { num } from './options.js';
import { Optimizer, type OptimizerConfig, type OptimizerOptions, type Slots } from './optimizer.js';

export interface NadamOptions extends OptimizerOptions {
  /** Default 0.001. */
  learningRate?: OptimizerOptions['learningRate'];
  /** Default 0.9. */
  beta1?: number;
  /** Default 0.999. */
  beta2?: number;
  /** Default 1e-7. */
  epsilon?: number;
}

/**
 * Nadam (Adam with Nesterov momentum), as Keras 3, with Dozat's momentum schedule
 * `u_t = beta1 * (1 - 0.5 * 0.96^t)` and the running product `U_t = u_1 ⋯ u_t` (one per
 * optimizer, advanced once per applyGradients): with `t = iterations + 1`,
 * `m += (g - m) * (1 - beta1)`, `v += (g² - v) * (1 - beta2)`,
 * `mHat = u_{t+1} * m / (1 - U_t * u_{t+1}) + (1 - u_t) * g / (1 - U_t)`,
 * `vHat = v / (1 - beta2^t)`, `w -= lr * mHat / (sqrt(vHat) + epsilon)`.
 * @example new Nadam({ learningRate: 0.002 })
 */
export class Nadam extends Optimizer {
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  private uProductValue = 1;

  constructor(options: NadamOptions = {}) {
    super('Nadam', options, { learningRate: 0.001, name: 'nadam' }, ['beta1', 'beta2', 'epsilon']);
    this.beta1 = num('Nadam', this.options, 'beta1', 0.9);
    this.beta2 = num('Nadam', this.options, 'beta2', 0.999);
    this.epsilon = num('Nadam', this.options, 'epsilon', 1e-7);
  }

  /** The momentum-cache product U_t after the latest update (1 before any). */
  get uProduct(): number {
    return this.uProductValue;
  }

  private u(step: number): number {
    return this.beta1 * (1 - 0.5 * 0.96 ** step);
  }

  protected override beforeUpdates(): void {
    this.uProductValue = this.uProductValue * this.beta1 * (1 - 0.5 * 0.96 ** (this.iterations + 1));
  }

  protected updateStep(g: Tensor, w: Variable, lr: number, slots: Slots): void {
    const t = this.iterations + 1;
    const uT = this.u(t);
    const uT1 = this.u(t + 1);
    const uProductT = this.uProductValue;
    const uProductT1 = uProductT * uT1;
    const m0 = slots.get('momentum');
    const v0 = slots.get('velocity');
    const m = add(m0, mul(sub(g, m0), 1 - this.beta1));
    const v = add(v0, mul(sub(square(g), v0), 1 - this.beta2));
    slots.set('momentum', m);
    slots.set('velocity', v);
    const mHat = add(div(mul(m, uT1), 1 - uProductT1), div(mul(g, 1 - uT), 1 - uProductT));
    const vHat = div(v, 1 - this.beta2 ** t);
    w.assign(sub(w, div(mul(mHat, lr), add(sqrt(vHat), this.epsilon))));
  }

  override slotNames(): readonly string[] {
    return ['momentum', 'velocity'];
  }

  protected override getScalarState(): Record<string, number> {
    return { uProduct: this.uProductValue };
  }

  protected override setScalarState(state: Record<string, number>): void {
    this.uProductValue = state['uProduct']!;
  }

  override getConfig(): OptimizerConfig {
    return { ...super.getConfig(), beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon };
  }
}
