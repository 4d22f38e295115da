import type { Variable } from '@nabla/autograd';
import { add, conv1d, conv2d, conv2dTranspose, conv2dTransposeOutputSize, depthwiseConv2d, separableConv2d, type Padding, type Tensor } from '@nabla/tensor';
import { activationName, getActivation, type ActivationFn } from '../activations.js';
import { describe, fmtShape, type JsonObject, type JsonValue, type LayerShape } from '../common.js';
import { getInitializer, serializeInitializer, type Initializer, type InitializerIdentifier } from '../initializers.js';
import { Layer, registerLayer, type LayerArgs } from '../layer.js';
import { kernelBiasConfig } from './core.js';
import { getRegularizer, serializeRegularizer, type Regularizer, type RegularizerIdentifier } from '../regularizers.js';

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
    this.kernelVar = this.addWeight('kernel', this.kernelShape(c), this.kernelInitializer, { regularizer: this.kernelRegularizer });
    if (this.useBias) this.biasVar = this.addWeight('bias', [this.filters], this.biasInitializer, { regularizer: this.biasRegularizer });
    this.inputSpec = { ndim: this.rank + 2, axes: { [-1]: c } };
  }

  /** The kernel's shape for `inChannels` input channels: `[...kernelSize, inChannels, filters]`. */
  protected kernelShape(inChannels: number): number[] {
    return [...this.kernelSize, inChannels, this.filters];
  }

  /** The `[...kernelSize, inChannels, filters]` kernel (after build; Conv2DTranspose: `[kh, kw, filters, inChannels]`). */
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


// ---------------------------------------------------------------- Conv2DTranspose

export interface Conv2DTransposeArgs extends ConvArgs {
  /**
   * Extra rows/columns at the bottom/right of the output, an int or [h, w], each < its stride
   * (Keras' `output_padding`). Default null: the output size is inferred (see `computeOutputShape`).
   */
  outputPadding?: number | number[] | null;
}

/**
 * Transposed 2-D convolution ("deconvolution", Keras `Conv2DTranspose`, channels_last): the
 * gradient of a Conv2D w.r.t. its input, used to upsample. Kernel `[kh, kw, filters, inChannels]`
 * (Keras' layout: output channels before input channels), bias `[filters]`. Output size per
 * spatial axis, with eff = (k − 1)·dilation + 1: 'valid' → (in − 1)·stride + eff + (outputPadding ??
 * max(stride − eff, 0)); 'same' → in·stride, or (in − 1)·stride + eff mod 2 + outputPadding.
 * @example new Conv2DTranspose({ filters: 16, kernelSize: 3, strides: 2, padding: 'same' }) // [b, 7, 7, c] -> [b, 14, 14, 16]
 */
export class Conv2DTranspose extends BaseConv {
  static override readonly className: string = 'Conv2DTranspose';
  readonly rank = 2;
  readonly outputPadding: number[] | null;
  constructor(args: Conv2DTransposeArgs) {
    super(2, args);
    const owner = this.describe();
    this.outputPadding = args.outputPadding === undefined || args.outputPadding === null ? null : normalizeTuple(owner, 'outputPadding', args.outputPadding, 2, true);
    if (this.outputPadding && this.outputPadding.some((p, i) => p >= this.strides[i]!)) {
      throw new RangeError(`${owner}: outputPadding must be smaller than strides, got outputPadding ${fmtShape(this.outputPadding)} and strides ${fmtShape(this.strides)}`);
    }
    if (this.padding === 'same' && this.outputPadding) {
      // TensorFlow's rule: a 'same' conv with these strides must map the output back to the input size
      for (let i = 0; i < 2; i++) {
        const eff = (this.kernelSize[i]! - 1) * this.dilationRate[i]! + 1;
        const s = this.strides[i]!;
        if (eff % 2 + this.outputPadding[i]! === 0) {
          throw new RangeError(`${owner}: outputPadding 0 with 'same' padding and an even (dilated) kernel ${eff} gives an output of (in - 1)·${s}, which a 'same' convolution does not map back to the input size; use outputPadding >= 1 or null`);
        }
      }
    }
  }
  protected override kernelShape(inChannels: number): number[] {
    return [...this.kernelSize, this.filters, inChannels];
  }
  protected convolve(x: Tensor, kernel: Tensor): Tensor {
    return conv2dTranspose(x, kernel, {
      strides: this.strides as [number, number], padding: this.padding, dilations: this.dilationRate as [number, number],
      outputPadding: this.outputPadding as [number, number] | null,
    });
  }
  override computeOutputShape(inputShape: LayerShape): LayerShape {
    if (inputShape.length !== 4) throw new RangeError(`${this.describe('computeOutputShape')}: expected an input of rank 4, got ${fmtShape(inputShape)}`);
    const spatial = [1, 2].map((a, i) => {
      const d = inputShape[a];
      if (d === null || d === undefined) return null;
      return conv2dTransposeOutputSize(d, this.kernelSize[i]!, this.strides[i]!, this.padding, this.dilationRate[i]!, this.outputPadding ? this.outputPadding[i]! : null);
    });
    return [inputShape[0] ?? null, ...spatial, this.filters];
  }
  override getConfig(): JsonObject {
    // Keras' Conv2DTranspose has no `groups` argument
    const { groups: _groups, ...config } = super.getConfig();
    return { ...config, outputPadding: this.outputPadding ? [...this.outputPadding] : null };
  }
}

// ---------------------------------------------------------------- DepthwiseConv2D

/** The spatial options DepthwiseConv2D and SeparableConv2D share with Conv2D. */
interface SpatialArgs extends LayerArgs {
  kernelSize: number | number[];
  strides?: number | number[];
  padding?: Padding | 'VALID' | 'SAME';
  dataFormat?: DataFormat | null;
  dilationRate?: number | number[];
  /** Default 1: each input channel gets `depthMultiplier` output channels in the depthwise step. */
  depthMultiplier?: number;
  activation?: string | ActivationFn | null;
  useBias?: boolean;
  /** Default `'glorot_uniform'`. */
  depthwiseInitializer?: InitializerIdentifier;
  /** Default `'zeros'`. */
  biasInitializer?: InitializerIdentifier;
  depthwiseRegularizer?: RegularizerIdentifier;
  biasRegularizer?: RegularizerIdentifier;
}

export type DepthwiseConv2DArgs = SpatialArgs;

/** Validated spatial options (owner names the layer in errors). */
function spatialOptions(owner: string, args: SpatialArgs) {
  const kernelSize = normalizeTuple(owner, 'kernelSize', args.kernelSize, 2);
  const strides = normalizeTuple(owner, 'strides', args.strides ?? 1, 2);
  const dilationRate = normalizeTuple(owner, 'dilationRate', args.dilationRate ?? 1, 2);
  checkDataFormat(owner, args.dataFormat);
  if (strides.some((s) => s > 1) && dilationRate.some((d) => d > 1)) {
    throw new RangeError(`${owner}: strides > 1 are not compatible with dilationRate > 1, got strides ${fmtShape(strides)} and dilationRate ${fmtShape(dilationRate)}`);
  }
  const depthMultiplier = args.depthMultiplier ?? 1;
  if (!Number.isInteger(depthMultiplier) || depthMultiplier < 1) throw new RangeError(`${owner}: depthMultiplier must be a positive integer, got ${describe(args.depthMultiplier)}`);
  return { kernelSize, strides, dilationRate, depthMultiplier, padding: normalizePadding(owner, args.padding ?? 'valid') };
}

/** What DepthwiseConv2D and SeparableConv2D share: the depthwise step's options, weights and output shape. */
abstract class DepthwiseBase extends Layer {
  readonly kernelSize: number[];
  readonly strides: number[];
  readonly padding: Padding;
  readonly dataFormat: DataFormat = 'channels_last';
  readonly dilationRate: number[];
  readonly depthMultiplier: number;
  readonly activation: ActivationFn;
  readonly useBias: boolean;
  readonly depthwiseInitializer: Initializer;
  readonly biasInitializer: Initializer;
  readonly depthwiseRegularizer: Regularizer | null;
  readonly biasRegularizer: Regularizer | null;
  protected depthwiseVar: Variable | null = null;
  protected biasVar: Variable | null = null;

  constructor(cls: string, args: SpatialArgs) {
    if (args === null || typeof args !== 'object') throw new TypeError(`${cls}: expected an options object { kernelSize, ... }, got ${describe(args)}`);
    super(args);
    const o = spatialOptions(this.describe(), args);
    this.kernelSize = o.kernelSize;
    this.strides = o.strides;
    this.padding = o.padding;
    this.dilationRate = o.dilationRate;
    this.depthMultiplier = o.depthMultiplier;
    this.activation = getActivation(args.activation);
    this.useBias = args.useBias ?? true;
    this.depthwiseInitializer = getInitializer(args.depthwiseInitializer ?? 'glorot_uniform');
    this.biasInitializer = getInitializer(args.biasInitializer ?? 'zeros');
    this.depthwiseRegularizer = getRegularizer(args.depthwiseRegularizer);
    this.biasRegularizer = getRegularizer(args.biasRegularizer);
    this.inputSpec = { ndim: 4 };
  }

  /** The input's channel count, checked known; also checks the input is large enough. */
  protected inChannels(inputShape: LayerShape): number {
    const c = inputShape[inputShape.length - 1];
    if (c === null || c === undefined) throw new RangeError(`${this.describe()}: the channel dimension (last axis) of the input must be known, got input shape ${fmtShape(inputShape)}`);
    this.computeOutputShape(inputShape);
    return c;
  }

  /** The `[kh, kw, inChannels, depthMultiplier]` depthwise kernel (after build). */
  protected get depthwise(): Variable {
    if (!this.depthwiseVar) throw new Error(`${this.describe()}: the kernel exists once the layer is built`);
    return this.depthwiseVar;
  }

  /** The bias, or null with `useBias: false`. */
  get bias(): Variable | null {
    return this.biasVar;
  }

  protected spatialOut(inputShape: LayerShape): (number | null)[] {
    if (inputShape.length !== 4) throw new RangeError(`${this.describe('computeOutputShape')}: expected an input of rank 4, got ${fmtShape(inputShape)}`);
    return [1, 2].map((a, i) => convOutputLength(this.describe(), inputShape, a, inputShape[a]!, this.kernelSize[i]!, this.strides[i]!, this.padding, this.dilationRate[i]!));
  }

  protected finish(y: Tensor): Tensor {
    return this.activation(this.biasVar ? add(y, this.biasVar) : y);
  }

  protected convOptions() {
    return { strides: this.strides as [number, number], padding: this.padding, dilations: this.dilationRate as [number, number] };
  }

  protected depthwiseConfig(): JsonObject {
    return {
      kernelSize: [...this.kernelSize],
      strides: [...this.strides],
      padding: this.padding,
      dataFormat: this.dataFormat,
      dilationRate: [...this.dilationRate],
      depthMultiplier: this.depthMultiplier,
      activation: activationName(this.activation),
      useBias: this.useBias,
      depthwiseInitializer: serializeInitializer(this.depthwiseInitializer) as unknown as JsonValue,
      biasInitializer: serializeInitializer(this.biasInitializer) as unknown as JsonValue,
      depthwiseRegularizer: serializeRegularizer(this.depthwiseRegularizer) as unknown as JsonValue,
      biasRegularizer: serializeRegularizer(this.biasRegularizer) as unknown as JsonValue,
    };
  }
}

/**
 * Depthwise 2-D convolution (Keras `DepthwiseConv2D`, channels_last): each input channel is
 * convolved with its own `depthMultiplier` filters, without mixing channels. Kernel (weight
 * `kernel`) `[kh, kw, inChannels, depthMultiplier]`, bias `[inChannels·depthMultiplier]`;
 * output channel c·depthMultiplier + m comes from input channel c.
 * @example new DepthwiseConv2D({ kernelSize: 3, padding: 'same', depthMultiplier: 2 }) // [b, h, w, 8] -> [b, h, w, 16]
 */
export class DepthwiseConv2D extends DepthwiseBase {
  static override readonly className: string = 'DepthwiseConv2D';
  constructor(args: DepthwiseConv2DArgs) {
    super('DepthwiseConv2D', args);
  }

  override build(inputShape: LayerShape): void {
    const c = this.inChannels(inputShape);
    this.depthwiseVar = this.addWeight('kernel', [...this.kernelSize, c, this.depthMultiplier], this.depthwiseInitializer, { regularizer: this.depthwiseRegularizer });
    if (this.useBias) this.biasVar = this.addWeight('bias', [c * this.depthMultiplier], this.biasInitializer, { regularizer: this.biasRegularizer });
    this.inputSpec = { ndim: 4, axes: { [-1]: c } };
  }

  /** The `[kh, kw, inChannels, depthMultiplier]` kernel (after build). */
  get kernel(): Variable {
    return this.depthwise;
  }

  call(x: Tensor): Tensor {
    return this.finish(depthwiseConv2d(x, this.kernel, this.convOptions()));
  }

  override computeOutputShape(inputShape: LayerShape): LayerShape {
    const spatial = this.spatialOut(inputShape);
    const c = inputShape[3];
    return [inputShape[0] ?? null, ...spatial, c === null || c === undefined ? null : c * this.depthMultiplier];
  }

  override getConfig(): JsonObject {
    return { ...super.getConfig(), ...this.depthwiseConfig() };
  }
}

// ---------------------------------------------------------------- SeparableConv2D

export interface SeparableConv2DArgs extends SpatialArgs {
  /** Positive number of output channels (of the pointwise step). */
  filters: number;
  /** Default `'glorot_uniform'`. */
  pointwiseInitializer?: InitializerIdentifier;
  pointwiseRegularizer?: RegularizerIdentifier;
}

/**
 * Depthwise-separable 2-D convolution (Keras `SeparableConv2D`, channels_last): a depthwise
 * convolution (weight `depthwise_kernel` `[kh, kw, inChannels, depthMultiplier]`, with the strides,
 * padding and dilation) followed by a 1x1 convolution (`pointwise_kernel`
 * `[1, 1, inChannels·depthMultiplier, filters]`), then bias `[filters]` and the activation.
 * @example new SeparableConv2D({ filters: 32, kernelSize: 3, activation: 'relu' })
 */
export class SeparableConv2D extends DepthwiseBase {
  static override readonly className: string = 'SeparableConv2D';
  readonly filters: number;
  readonly pointwiseInitializer: Initializer;
  readonly pointwiseRegularizer: Regularizer | null;
  protected pointwiseVar: Variable | null = null;

  constructor(args: SeparableConv2DArgs) {
    super('SeparableConv2D', args);
    if (!Number.isInteger(args.filters) || args.filters <= 0) throw new RangeError(`${this.describe()}: filters must be a positive integer, got ${describe(args.filters)}`);
    this.filters = args.filters;
    this.pointwiseInitializer = getInitializer(args.pointwiseInitializer ?? 'glorot_uniform');
    this.pointwiseRegularizer = getRegularizer(args.pointwiseRegularizer);
  }

  override build(inputShape: LayerShape): void {
    const c = this.inChannels(inputShape);
    this.depthwiseVar = this.addWeight('depthwise_kernel', [...this.kernelSize, c, this.depthMultiplier], this.depthwiseInitializer, { regularizer: this.depthwiseRegularizer });
    this.pointwiseVar = this.addWeight('pointwise_kernel', [1, 1, c * this.depthMultiplier, this.filters], this.pointwiseInitializer, { regularizer: this.pointwiseRegularizer });
    if (this.useBias) this.biasVar = this.addWeight('bias', [this.filters], this.biasInitializer, { regularizer: this.biasRegularizer });
    this.inputSpec = { ndim: 4, axes: { [-1]: c } };
  }

  /** The `[kh, kw, inChannels, depthMultiplier]` depthwise kernel (after build). */
  get depthwiseKernel(): Variable {
    return this.depthwise;
  }

  /** The `[1, 1, inChannels·depthMultiplier, filters]` pointwise kernel (after build). */
  get pointwiseKernel(): Variable {
    if (!this.pointwiseVar) throw new Error(`${this.describe()}: the kernel exists once the layer is built`);
    return this.pointwiseVar;
  }

  call(x: Tensor): Tensor {
    return this.finish(separableConv2d(x, this.depthwiseKernel, this.pointwiseKernel, this.convOptions()));
  }

  override computeOutputShape(inputShape: LayerShape): LayerShape {
    return [inputShape[0] ?? null, ...this.spatialOut(inputShape), this.filters];
  }

  override getConfig(): JsonObject {
    const { activation, useBias, depthwiseInitializer, biasInitializer, depthwiseRegularizer, biasRegularizer, ...spatial } = this.depthwiseConfig();
    return {
      ...super.getConfig(),
      filters: this.filters,
      ...spatial,
      activation: activation!,
      useBias: useBias!,
      depthwiseInitializer: depthwiseInitializer!,
      pointwiseInitializer: serializeInitializer(this.pointwiseInitializer) as unknown as JsonValue,
      biasInitializer: biasInitializer!,
      depthwiseRegularizer: depthwiseRegularizer!,
      pointwiseRegularizer: serializeRegularizer(this.pointwiseRegularizer) as unknown as JsonValue,
      biasRegularizer: biasRegularizer!,
    };
  }
}

registerLayer(Conv2D);
registerLayer(Conv1D);
registerLayer(Conv2DTranspose);
registerLayer(DepthwiseConv2D);
registerLayer(SeparableConv2D);
