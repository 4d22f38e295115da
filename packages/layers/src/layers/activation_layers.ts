import { exp, logSumExp, sub, tidy, type Tensor } from '@nabla/tensor';
import { elu, leakyRelu, relu, sigmoid, softmax, tanh } from '../activations.js';
import { describe, type JsonObject } from '../common.js';
import { Layer, registerLayer, type LayerArgs } from '../layer.js';

function nonNegative(owner: string, what: string, v: unknown): number {
  if (typeof v !== 'number' || !(v >= 0)) throw new RangeError(`${owner}: ${what} must be a number >= 0, got ${describe(v)}`);
  return v;
}

export interface ReLUArgs extends LayerArgs {
  /** Saturation value (>= 0); default none. */
  maxValue?: number | null;
  /** Slope below the threshold (>= 0); default 0. */
  negativeSlope?: number;
  /** Threshold (>= 0); default 0. */
  threshold?: number;
}

/**
 * Rectified linear unit with Keras' options: `maxValue` above maxValue, x in [threshold, maxValue),
 * `negativeSlope · (x - threshold)` below.
 * @example new ReLU(); new ReLU({ maxValue: 6 })
 */
export class ReLU extends Layer {
  static override readonly className: string = 'ReLU';
  readonly maxValue: number | null;
  readonly negativeSlope: number;
  readonly threshold: number;
  constructor(args: ReLUArgs = {}) {
    super(args);
    this.maxValue = args.maxValue === undefined || args.maxValue === null ? null : nonNegative(`ReLU '${this.name}'`, 'maxValue', args.maxValue);
    this.negativeSlope = nonNegative(`ReLU '${this.name}'`, 'negativeSlope', args.negativeSlope ?? 0);
    this.threshold = nonNegative(`ReLU '${this.name}'`, 'threshold', args.threshold ?? 0);
  }
  call(x: Tensor): Tensor {
    return relu(x, { maxValue: this.maxValue, negativeSlope: this.negativeSlope, threshold: this.threshold });
  }
  override getConfig(): JsonObject {
    return { ...super.getConfig(), maxValue: this.maxValue, negativeSlope: this.negativeSlope, threshold: this.threshold };
  }
}

export interface LeakyReLUArgs extends LayerArgs {
  /** Slope for x < 0 (>= 0); default 0.3 (the layer's Keras default, unlike the function's 0.2). */
  negativeSlope?: number;
  /** Deprecated Keras name of negativeSlope. */
  alpha?: number;
}

/** x for x >= 0, `negativeSlope · x` otherwise (default slope 0.3). @example new LeakyReLU({ negativeSlope: 0.1 }) */
export class LeakyReLU extends Layer {
  static override readonly className: string = 'LeakyReLU';
  readonly negativeSlope: number;
  constructor(args: LeakyReLUArgs = {}) {
    super(args);
    this.negativeSlope = nonNegative(`LeakyReLU '${this.name}'`, 'negativeSlope', args.negativeSlope ?? args.alpha ?? 0.3);
  }
  call(x: Tensor): Tensor {
    return leakyRelu(x, this.negativeSlope);
  }
  override getConfig(): JsonObject {
    return { ...super.getConfig(), negativeSlope: this.negativeSlope };
  }
}

export interface SoftmaxArgs extends LayerArgs {
  /** Axis or axes to normalize over; default -1. */
  axis?: number | number[];
}

/** Softmax over `axis` (default -1; several axes normalize jointly). @example new Softmax({ axis: 1 }) */
export class Softmax extends Layer {
  static override readonly className: string = 'Softmax';
  readonly axis: number | number[];
  constructor(args: SoftmaxArgs = {}) {
    super(args);
    const a = args.axis ?? -1;
    if (!(Number.isInteger(a) || (Array.isArray(a) && a.length > 0 && a.every((v) => Number.isInteger(v))))) {
      throw new TypeError(`Softmax '${this.name}': axis must be an integer or a non-empty array of integers, got ${describe(a)}`);
    }
    this.axis = Array.isArray(a) ? [...a] : a;
  }
  call(x: Tensor): Tensor {
    if (Array.isArray(this.axis)) {
      if (this.axis.length === 1) return softmax(x, this.axis[0]);
      const axes = this.axis;
      return tidy(() => exp(sub(x, logSumExp(x, axes, true))));
    }
    return softmax(x, this.axis);
  }
  override getConfig(): JsonObject {
    return { ...super.getConfig(), axis: Array.isArray(this.axis) ? [...this.axis] : this.axis };
  }
}

export interface ELUArgs extends LayerArgs {
  /** Scale of the negative part; default 1. */
  alpha?: number;
}

/** x for x > 0, `alpha · (e^x - 1)` otherwise. */
export class ELU extends Layer {
  static override readonly className: string = 'ELU';
  readonly alpha: number;
  constructor(args: ELUArgs = {}) {
    super(args);
    this.alpha = args.alpha ?? 1;
    if (typeof this.alpha !== 'number') throw new TypeError(`ELU '${this.name}': alpha must be a number, got ${describe(this.alpha)}`);
  }
  call(x: Tensor): Tensor {
    return elu(x, this.alpha);
  }
  override getConfig(): JsonObject {
    return { ...super.getConfig(), alpha: this.alpha };
  }
}

/** 1 / (1 + e^-x) as a layer (same as `new Activation('sigmoid')`). */
export class Sigmoid extends Layer {
  static override readonly className: string = 'Sigmoid';
  constructor(args: LayerArgs = {}) {
    super(args);
  }
  call(x: Tensor): Tensor {
    return sigmoid(x);
  }
}

/** tanh as a layer (same as `new Activation('tanh')`). */
export class Tanh extends Layer {
  static override readonly className: string = 'Tanh';
  constructor(args: LayerArgs = {}) {
    super(args);
  }
  call(x: Tensor): Tensor {
    return tanh(x);
  }
}

registerLayer(ReLU);
registerLayer(LeakyReLU);
registerLayer(Softmax);
registerLayer(ELU);
registerLayer(Sigmoid);
registerLayer(Tanh);
