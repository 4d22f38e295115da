import type { Variable } from '@nabla/autograd';
import { adamUpdate, type Tensor } from '@nabla/tensor';
import { bool, num } from './options.js';
import { Optimizer, type OptimizerConfig, type OptimizerOptions, type Slots } from './optimizer.js';

export interface AdamOptions extends OptimizerOptions {
  /** Default 0.001. */
  learningRate?: OptimizerOptions['learningRate'];
  /** Decay of the first moment. Default 0.9. */
  beta1?: number;
  /** Decay of the second moment. Default 0.999. */
  beta2?: number;
  /** Added to sqrt(v) ("epsilon hat", not scaled by the bias correction). Default 1e-7. */
  epsilon?: number;
  /** Use the running maximum of v (AMSGrad). Default false. */
  amsgrad?: boolean;
}

/**
 * Adam, as Keras 3: with `t = iterations + 1`,
 * `m += (g - m) * (1 - beta1)`, `v += (g² - v) * (1 - beta2)`,
 * `alpha = lr * sqrt(1 - beta2^t) / (1 - beta1^t)`, `w -= alpha * m / (sqrt(v) + epsilon)`
 * (`v` replaced by `vHat = max(vHat, v)` with `amsgrad`).
 * @example new Adam({ learningRate: 1e-3, amsgrad: true })
 */
export class Adam extends Optimizer {
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  readonly amsgrad: boolean;

  /** `kind` is for subclasses (AdamW): their class name and defaults. */
  constructor(options: AdamOptions = {}, kind: { className: string; name: string; weightDecay: number | null } = { className: 'Adam', name: 'adam', weightDecay: null }) {
    super(kind.className, options, { learningRate: 0.001, name: kind.name, weightDecay: kind.weightDecay }, ['beta1', 'beta2', 'epsilon', 'amsgrad']);
    const c = kind.className;
    this.beta1 = num(c, this.options, 'beta1', 0.9);
    this.beta2 = num(c, this.options, 'beta2', 0.999);
    this.epsilon = num(c, this.options, 'epsilon', 1e-7);
    this.amsgrad = bool(c, this.options, 'amsgrad', false);
  }

  protected updateStep(g: Tensor, w: Variable, lr: number, slots: Slots): void {
    const t = this.iterations + 1;
    const alpha = (lr * Math.sqrt(1 - this.beta2 ** t)) / (1 - this.beta1 ** t);
    // one fused pass where the backend has it (the formula above, to float32 rounding); the
    // slots and w are replaced right below, so their storage is donated to the update
    const step = { alpha, beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon };
    const vHat = this.amsgrad ? slots.get('velocityHat') : null;
    const next = adamUpdate(w, g, slots.get('momentum'), slots.get('velocity'), vHat, step, { donate: true });
    slots.set('momentum', next.m);
    slots.set('velocity', next.v);
    if (next.vHat) slots.set('velocityHat', next.vHat);
    w.assign(next.w);
  }

  override slotNames(): readonly string[] {
    return this.amsgrad ? ['momentum', 'velocity', 'velocityHat'] : ['momentum', 'velocity'];
  }

  override getConfig(): OptimizerConfig {
    return { ...super.getConfig(), beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon, amsgrad: this.amsgrad };
  }
}

export interface AdamWOptions extends AdamOptions {
  /** Required to be a number; default 0.004. */
  weightDecay?: number;
}

/**
 * Adam with decoupled weight decay (Keras 3's AdamW): Adam whose `weightDecay` defaults to 0.004;
 * each step first does `w -= w * weightDecay * lr`, then the Adam update.
 * @example new AdamW({ learningRate: 1e-3, weightDecay: 0.01 })
 */
export class AdamW extends Adam {
  constructor(options: AdamWOptions = {}) {
    super(options, { className: 'AdamW', name: 'adamw', weightDecay: 0.004 });
    if (this.weightDecay === null) throw new TypeError('AdamW: weightDecay must be a number, got null');
  }
}
