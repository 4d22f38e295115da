import type { Variable } from '@nabla/autograd';
import { add, conv1d, conv2d, type Padding, type Tensor } from '@nabla/tensor';
import { getActivation, type ActivationFn } from '../activations.js';
import { describe, fmtShape, type JsonObject, type LayerShape } from '../common.js';
import { getInitializer, type Initializer, type InitializerIdentifier } from '../initializers.js';
import { Layer, registerLayer, type LayerArgs } from '../layer.js';
import { kernelBiasConfig } from './core.js';
import { getRegularizer, type Regularizer, type RegularizerIdentifier } from '../regularizers.js';

/** Keras' `data_format`; only `'channels_last'` is supported. */
export type DataFormat = 'channels_last';

/** An int or a tuple of `rank` ints, validated as positive. */
export function normalizeTuple(owner: string, what: string, v: unknown, rank: number, allowZero = false): number[] {
  const arr = typeof v === 'number' ? Array.from({ length: rank }, () => v) : Array.isArray(v) ? [...(v as unknown[])] : null;
  if (!arr || arr.length !== rank || arr.some((d) => !Number.isInteger(d) || (d as number) < (allowZero ? 0 : 1))) {
    throw new TypeError(`${owner}: ${what} must be ${allowZero ? 'a non-negative' : 'a positive'} integer or a list of ${rank} such integers, got ${describe(v)}`);
  }
  return arr as number[];
}

/** `'valid'`/`'same'` (case-insensitive as Keras). */
export function normalizePadding(owner: string, v: unknown): Padding {
  const p = typeof v === 'string' ? v.toLowerCase() : v;
  if (p !== 'valid' && p !== 'same') throw new TypeError(`${owner}: padding must be 'valid' or 'same', got ${describe(v)}`);
  return p;
}

export function checkDataFormat(owner: string, v: unknown): DataFormat {
  if (v === undefined || v === null || v === 'channels_last') return 'channels_last';
  throw new TypeError(`${owner}: only dataFormat 'channels_last' is supported, got ${describe(v)}`);
}

/** Keras' `compute_conv_output_shape` for one spatial dimension (null stays null). */
export function convOutputLength(owner: string, inputShape: readonly (number | null)[], axis: number, size: number | null, k: number, stride: number, padding: Padding, dilation: number): number | null {
  if (size === null) return null;
  const out = padding === 'same' ? Math.floor((size - 1) / stride) + 1 : Math.floor((size - dilation * (k - 1) - 1) / stride) + 1;
  if (out <= 0) {
    throw new RangeError(
      `${owner}: computed output size would be ${out} along spatial axis ${axis} for input shape ${fmtShape(inputShape)} (kernel/pool size ${k}, stride ${stride}, dilation ${dilation}, padding '${padding}'); the input is too small`,
    );
  }
  return out;
}

export interface ConvArgs extends LayerArgs {
  /** Positive number of output channels. */
  filters: number;
  /** An int or a tuple of `rank` ints. */
  kernelSize: number | number[];
  /** Default 1. */
  strides?: number | number[];
  /** Default `'valid'`. */
  padding?: Padding | 'VALID' | 'SAME';
  /** Only `'channels_last'`. */
  dataFormat?: DataFormat | null;
  /** Default 1. Dilation and strides > 1 cannot be combined (as Keras). */
  dilationRate?: number | number[];
  /** Only 1. */
  groups?: number;
  /** Name or function; default none (linear). */
  activation?: string | ActivationFn | null;
  /** Default true. */
  useBias?: boolean;
  /** Default `'glorot_uniform'`. */
  kernelInitializer?: InitializerIdentifier;
  /** Default `'zeros'`. */
  biasInitializer?: InitializerIdentifier;
  kernelRegularizer?: RegularizerIdentifier;
  biasRegularizer?: RegularizerIdentifier;
}

/** The shared part of Conv1D / Conv2D (Keras' `BaseConv`). Kernel `[...kernelSize, inChannels, filters]`, bias `[filters]`. */
export abstract class BaseConv extends Layer {
  abstract readonly rank: number;
  readonly filters: number;
  readonly kernelSize: number[];
  readonly strides: number[];
  readonly padding: Padding;
  readonly dataFormat: DataFormat = 'channels_last';
  readonly dilationRate: number[];
  readonly activation: ActivationFn;
  readonly useBias: boolean;
  readonly kernelInitializer: Initializer;
  readonly biasInitializer: Initializer;
  readonly kernelRegularizer: Regularizer | null;
  readonly biasRegularizer: Regularizer | null;
  protected kernelVar: Variable | null = null;
  protected biasVar: Variable | null = null;

  constructor(rank: number, args: ConvArgs) {
    if (args === null || typeof args !== 'object') throw new TypeError(`Conv${rank}D: expected an options object { filters, kernelSize, ... }, got ${describe(args)}`);
    super(args);
    const owner = this.describe();
    if (!Number.isInteger(args.filters) || args.filters <= 0) throw new RangeError(`${owner}: filters must be a positive integer, got ${describe(args.filters)}`);
    this.filters = args.filters;
    this.kernelSize = normalizeTuple(owner, 'kernelSize', args.kernelSize, rank);
    this.strides = normalizeTuple(owner, 'strides', args.strides ?? 1, rank);
    this.padding = normalizePadding(owner, args.padding ?? 'valid');
    checkDataFormat(owner, args.dataFormat);
    this.dilationRate = normalizeTuple(owner, 'dilationRate', args.dilationRate ?? 1, rank);
    if ((args.groups ?? 1) !== 1) throw new RangeError(`${owner}: only groups 1 is supported, got ${describe(args.groups)}`);
    if (this.strides.some((s) => s > 1) && this.dilationRate.some((d) => d > 1)) {
      throw new RangeError(`${owner}: strides > 1 are not compatible with dilationRate > 1, got strides ${fmtShape(this.strides)} and dilationRate ${fmtShape(this.dilationRate)}`);
    }
    this.activation = getActivation(args.activation);
    this.useBias = args.useBias ?? true;
    this.kernelInitializer = getInitializer(args.kernelInitializer ?? 'glorot_uniform');
    this.biasInitializer = getInitializer(args.biasInitializer ?? 'zeros');
    this.kernelRegularizer = getRegularizer(args.kernelRegularizer);
    this.biasRegularizer = getRegularizer(args.biasRegularizer);
    this.inputSpec = { ndim: rank + 2 };
  }

  override build(inputShape: LayerShape): void {
    const c = inputShape[inputShape.length - 1];
    if (c === null || c === undefined) throw new RangeError(`${this.describe()}: the channel dimension (last axis) of the input must be known, got input shape ${fmtShape(inputShape)}`);
    this.computeOutputShape(inputShape); // throws when the input is too small
    this.kernelVar = this.addWeight('kernel', [...this.kernelSize, c, this.filters], this.kernelInitializer, { regularizer: this.kernelRegularizer });
    if (this.useBias) this.biasVar = this.addWeight('bias', [this.filters], this.biasInitializer, { regularizer: this.biasRegularizer });
    this.inputSpec = { ndim: this.rank + 2, axes: { [-1]: c } };
  }

  /** The `[...kernelSize, inChannels, filters]` kernel (after build). */
  get kernel(): Variable {
    if (!this.kernelVar) throw new Error(`${this.describe()}: the kernel exists once the layer is built`);
    return this.kernelVar;
  }

  /** The `[filters]` bias, or null with `useBias: false`. */
  get bias(): Variable | null {
    return this.biasVar;
  }

  protected abstract convolve(x: Tensor, kernel: Tensor): Tensor;

  call(x: Tensor): Tensor {
    let y = this.convolve(x, this.kernel);
    if (this.biasVar) y = add(y, this.biasVar);
    return this.activation(y);
  }

  override computeOutputShape(inputShape: LayerShape): LayerShape {
    if (inputShape.length !== this.rank + 2) throw new RangeError(`${this.describe('computeOutputShape')}: expected an input of rank ${this.rank + 2}, got ${fmtShape(inputShape)}`);
    const spatial = inputShape.slice(1, -1).map((d, i) =>
      convOutputLength(this.describe(), inputShape, i + 1, d, this.kernelSize[i]!, this.strides[i]!, this.padding, this.dilationRate[i]!),
    );
    return [inputShape[0] ?? null, ...spatial, this.filters];
  }

  override getConfig(): JsonObject {
    return {
      ...super.getConfig(),
      filters: this.filters,
      kernelSize: [...this.kernelSize],
      strides: [...this.strides],
      padding: this.padding,
      dataFormat: this.dataFormat,
      dilationRate: [...this.dilationRate],
      groups: 1,
      ...kernelBiasConfig(this),
    };
  }
}

/**
 * 2-D convolution over NHWC input `[batch, h, w, channels]` (Keras `Conv2D`, channels_last):
 * kernel `[kh, kw, inChannels, filters]`, bias `[filters]`, output `[batch, oh, ow, filters]`.
 * @example new Conv2D({ filters: 32, kernelSize: 3, activation: 'relu' }) // 320 params on 1 channel
 */
export class Conv2D extends BaseConv {
  static override readonly className: string = 'Conv2D';
  readonly rank = 2;
  constructor(args: ConvArgs) {
    super(2, args);
  }
  protected convolve(x: Tensor, kernel: Tensor): Tensor {
    return conv2d(x, kernel, { strides: this.strides as [number, number], padding: this.padding, dilations: this.dilationRate as [number, number] });
  }
}

/**
 * 1-D convolution over `[batch, steps, channels]` (Keras `Conv1D`): kernel `[k, inChannels, filters]`.
 * (`'causal'` padding is not supported.)
 * @example new Conv1D({ filters: 8, kernelSize: 3, padding: 'same' })
 */
export class Conv1D extends BaseConv {
  static override readonly className: string = 'Conv1D';
  readonly rank = 1;
  constructor(args: ConvArgs) {
    super(1, args);
  }
  protected convolve(x: Tensor, kernel: Tensor): Tensor {
    return conv1d(x, kernel, { stride: this.strides[0]!, padding: this.padding, dilation: this.dilationRate[0]! });
  }
}

registerLayer(Conv2D);
registerLayer(Conv1D);
