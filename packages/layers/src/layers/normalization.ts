import { noGrad, type Variable } from '@nabla/autograd';
import { add, mean, mul, neg, reshape, rsqrt, square, variance, type Tensor } from '@nabla/tensor';
import { describe, fmtShape, type JsonObject, type JsonValue, type LayerShape } from '../common.js';
import { getInitializer, serializeInitializer, type Initializer, type InitializerIdentifier } from '../initializers.js';
import { Layer, registerLayer, type CallOptions, type LayerArgs } from '../layer.js';
import { getRegularizer, serializeRegularizer, type Regularizer, type RegularizerIdentifier } from '../regularizers.js';

/** (x − m)/√(v + ε)·γ + β, folded as x·inv + (β − m·inv) so only two full-size ops touch x. */
function normalize(x: Tensor, m: Tensor, v: Tensor, epsilon: number, gamma: Tensor | null | undefined, beta: Tensor | null | undefined): Tensor {
  let inv = rsqrt(add(v, epsilon));
  if (gamma) inv = mul(inv, gamma);
  let res = mul(neg(m), inv);
  if (beta) res = add(res, beta);
  return add(mul(x, inv), res);
}

const ser = (x: unknown): JsonValue => x as JsonValue;

function normAxis(layer: string, axis: number, rank: number): number {
  if (!Number.isInteger(axis) || axis < -rank || axis >= rank) {
    throw new RangeError(`${layer}: axis ${axis} is out of range for an input of rank ${rank}`);
  }
  return axis < 0 ? axis + rank : axis;
}

/** `v` reshaped to broadcast along `axes` of a rank-`rank` input whose sizes are `shape` (unchanged when axes are just the last). */
function broadcastParam(v: Tensor, axes: readonly number[], shape: readonly number[]): Tensor {
  const rank = shape.length;
  if (axes.length === 1 && axes[0] === rank - 1) return v;
  return reshape(v, shape.map((d, i) => (axes.includes(i) ? d : 1)));
}

// ---------------------------------------------------------------- BatchNormalization

export interface BatchNormalizationArgs extends LayerArgs {
  /** Feature axis (default -1). */
  axis?: number;
  /** Moving-average momentum (default 0.99). */
  momentum?: number;
  /** Added to the variance (default 1e-3). */
  epsilon?: number;
  /** Learn an offset beta (default true). */
  center?: boolean;
  /** Learn a scale gamma (default true). */
  scale?: boolean;
  betaInitializer?: InitializerIdentifier;
  gammaInitializer?: InitializerIdentifier;
  movingMeanInitializer?: InitializerIdentifier;
  movingVarianceInitializer?: InitializerIdentifier;
  betaRegularizer?: RegularizerIdentifier;
  gammaRegularizer?: RegularizerIdentifier;
}

/**
 * Keras 3 BatchNormalization. Training (and trainable): normalizes with the batch mean and biased
 * variance over every axis but `axis`, and updates `moving = moving · momentum + batch · (1 - momentum)`
 * (outside gradient recording). Otherwise (or when `trainable` is false): uses the moving statistics.
 * Output: `gamma · (x - mean) / √(var + epsilon) + beta`. Weights: gamma, beta (trainable), moving_mean, moving_variance.
 * @example const bn = new BatchNormalization(); bn.apply(x, { training: true })
 */
export class BatchNormalization extends Layer {
  static override readonly className: string = 'BatchNormalization';
  readonly axis: number;
  readonly momentum: number;
  readonly epsilon: number;
  readonly center: boolean;
  readonly scale: boolean;
  readonly betaInitializer: Initializer;
  readonly gammaInitializer: Initializer;
  readonly movingMeanInitializer: Initializer;
  readonly movingVarianceInitializer: Initializer;
  readonly betaRegularizer: Regularizer | null;
  readonly gammaRegularizer: Regularizer | null;
  gamma: Variable | null = null;
  beta: Variable | null = null;
  movingMean: Variable | null = null;
  movingVariance: Variable | null = null;
  private axisIndex = -1;

  constructor(args: BatchNormalizationArgs = {}) {
    super(args);
    this.axis = args.axis ?? -1;
    if (!Number.isInteger(this.axis)) throw new TypeError(`BatchNormalization '${this.name}': axis must be an integer, got ${describe(this.axis)}`);
    this.momentum = args.momentum ?? 0.99;
    this.epsilon = args.epsilon ?? 1e-3;
    if (typeof this.momentum !== 'number' || typeof this.epsilon !== 'number') throw new TypeError(`BatchNormalization '${this.name}': momentum and epsilon must be numbers`);
    this.center = args.center ?? true;
    this.scale = args.scale ?? true;
    this.betaInitializer = getInitializer(args.betaInitializer ?? 'zeros');
    this.gammaInitializer = getInitializer(args.gammaInitializer ?? 'ones');
    this.movingMeanInitializer = getInitializer(args.movingMeanInitializer ?? 'zeros');
    this.movingVarianceInitializer = getInitializer(args.movingVarianceInitializer ?? 'ones');
    this.betaRegularizer = getRegularizer(args.betaRegularizer);
    this.gammaRegularizer = getRegularizer(args.gammaRegularizer);
  }

  override build(inputShape: LayerShape): void {
    const ax = normAxis(`BatchNormalization '${this.name}'`, this.axis, inputShape.length);
    const c = inputShape[ax];
    if (c === null || c === undefined) throw new RangeError(`BatchNormalization '${this.name}': axis ${this.axis} of the input must be known, got input shape ${fmtShape(inputShape)}`);
    const shape = [c];
    if (this.scale) this.gamma = this.addWeight('gamma', shape, this.gammaInitializer, { regularizer: this.gammaRegularizer });
    if (this.center) this.beta = this.addWeight('beta', shape, this.betaInitializer, { regularizer: this.betaRegularizer });
    this.movingMean = this.addWeight('moving_mean', shape, this.movingMeanInitializer, { trainable: false });
    this.movingVariance = this.addWeight('moving_variance', shape, this.movingVarianceInitializer, { trainable: false });
    this.axisIndex = ax;
    this.inputSpec = { ndim: inputShape.length, axes: { [this.axis]: c } };
  }

  call(x: Tensor, opts: CallOptions): Tensor {
    const axes = [this.axisIndex];
    const reduceAxes = x.shape.map((_, i) => i).filter((i) => i !== this.axisIndex);
    const param = (v: Tensor): Tensor => broadcastParam(v, axes, x.shape);
    let m: Tensor;
    let v: Tensor;
    if (opts.training && this.trainable) {
      m = mean(x, reduceAxes, true);
      v = variance(x, reduceAxes, true);
      const mm = this.movingMean!;
      const mv = this.movingVariance!;
      const c = mm.shape;
      noGrad(() => {
        mm.assign(add(mul(mm, this.momentum), mul(reshape(m, c), 1 - this.momentum)));
        mv.assign(add(mul(mv, this.momentum), mul(reshape(v, c), 1 - this.momentum)));
      });
    } else {
      m = param(this.movingMean!);
      v = param(this.movingVariance!);
    }
    return normalize(x, m, v, this.epsilon, this.gamma && param(this.gamma), this.beta && param(this.beta));
  }

  override getConfig(): JsonObject {
    return {
      ...super.getConfig(),
      axis: this.axis,
      momentum: this.momentum,
      epsilon: this.epsilon,
      center: this.center,
      scale: this.scale,
      betaInitializer: ser(serializeInitializer(this.betaInitializer)),
      gammaInitializer: ser(serializeInitializer(this.gammaInitializer)),
      movingMeanInitializer: ser(serializeInitializer(this.movingMeanInitializer)),
      movingVarianceInitializer: ser(serializeInitializer(this.movingVarianceInitializer)),
      betaRegularizer: ser(serializeRegularizer(this.betaRegularizer)),
      gammaRegularizer: ser(serializeRegularizer(this.gammaRegularizer)),
    };
  }
}

// ---------------------------------------------------------------- LayerNormalization

export interface LayerNormalizationArgs extends LayerArgs {
  /** Axis or axes normalized (per sample); default -1. */
  axis?: number | number[];
  /** Default 1e-3. */
  epsilon?: number;
  center?: boolean;
  scale?: boolean;
  /** Scale by gamma / √(mean(x²) + epsilon) only (RMS normalization); ignores center. */
  rmsScaling?: boolean;
  betaInitializer?: InitializerIdentifier;
  gammaInitializer?: InitializerIdentifier;
  betaRegularizer?: RegularizerIdentifier;
  gammaRegularizer?: RegularizerIdentifier;
}

/**
 * Keras 3 LayerNormalization: for each sample, `gamma · (x - mean) / √(var + epsilon) + beta` with mean and
 * biased variance over `axis`; gamma/beta span those axes. Weights: gamma, beta.
 * @example new LayerNormalization({ epsilon: 1e-5 })
 */
export class LayerNormalization extends Layer {
  static override readonly className: string = 'LayerNormalization';
  readonly axis: number | number[];
  readonly epsilon: number;
  readonly center: boolean;
  readonly scale: boolean;
  readonly rmsScaling: boolean;
  readonly betaInitializer: Initializer;
  readonly gammaInitializer: Initializer;
  readonly betaRegularizer: Regularizer | null;
  readonly gammaRegularizer: Regularizer | null;
  gamma: Variable | null = null;
  beta: Variable | null = null;
  private axes: number[] = [];

  constructor(args: LayerNormalizationArgs = {}) {
    super(args);
    const a = args.axis ?? -1;
    if (!(Number.isInteger(a) || (Array.isArray(a) && a.length > 0 && a.every((v) => Number.isInteger(v))))) {
      throw new TypeError(`LayerNormalization '${this.name}': axis must be an integer or a non-empty array of integers, got ${describe(a)}`);
    }
    this.axis = Array.isArray(a) ? [...a] : a;
    this.epsilon = args.epsilon ?? 1e-3;
    this.center = args.center ?? true;
    this.scale = args.scale ?? true;
    this.rmsScaling = args.rmsScaling ?? false;
    this.betaInitializer = getInitializer(args.betaInitializer ?? 'zeros');
    this.gammaInitializer = getInitializer(args.gammaInitializer ?? 'ones');
    this.betaRegularizer = getRegularizer(args.betaRegularizer);
    this.gammaRegularizer = getRegularizer(args.gammaRegularizer);
  }

  override build(inputShape: LayerShape): void {
    const list = Array.isArray(this.axis) ? this.axis : [this.axis];
    const owner = `LayerNormalization '${this.name}'`;
    const axes = list.map((a) => normAxis(owner, a, inputShape.length));
    if (axes.some((a, i) => i > 0 && a <= axes[i - 1]!)) {
      throw new RangeError(`${owner}: axes ${fmtShape(list)} must be distinct and in increasing order for an input of rank ${inputShape.length}`);
    }
    const shape = axes.map((a) => {
      const d = inputShape[a];
      if (d === null || d === undefined) throw new RangeError(`${owner}: axis ${a} of the input must be known, got input shape ${fmtShape(inputShape)}`);
      return d;
    });
    if (this.scale || this.rmsScaling) this.gamma = this.addWeight('gamma', shape, this.gammaInitializer, { regularizer: this.gammaRegularizer });
    if (this.center && !this.rmsScaling) this.beta = this.addWeight('beta', shape, this.betaInitializer, { regularizer: this.betaRegularizer });
    this.axes = axes;
    const spec: Record<number, number> = {};
    list.forEach((a, i) => (spec[a] = shape[i]!));
    this.inputSpec = { ndim: inputShape.length, axes: spec };
  }

  call(x: Tensor): Tensor {
    const sorted = this.axes;
    const param = (v: Tensor): Tensor => broadcastParam(v, sorted, x.shape);
    if (this.rmsScaling) {
      const inv = rsqrt(add(mean(square(x), sorted, true), this.epsilon));
      return mul(mul(x, inv), param(this.gamma!));
    }
    const m = mean(x, sorted, true);
    const v = variance(x, sorted, true);
    return normalize(x, m, v, this.epsilon, this.gamma && param(this.gamma), this.beta && param(this.beta));
  }

  override getConfig(): JsonObject {
    return {
      ...super.getConfig(),
      axis: Array.isArray(this.axis) ? [...this.axis] : this.axis,
      epsilon: this.epsilon,
      center: this.center,
      scale: this.scale,
      rmsScaling: this.rmsScaling,
      betaInitializer: ser(serializeInitializer(this.betaInitializer)),
      gammaInitializer: ser(serializeInitializer(this.gammaInitializer)),
      betaRegularizer: ser(serializeRegularizer(this.betaRegularizer)),
      gammaRegularizer: ser(serializeRegularizer(this.gammaRegularizer)),
    };
  }
}

registerLayer(BatchNormalization);
registerLayer(LayerNormalization);

