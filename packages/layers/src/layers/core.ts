import type { Variable } from '@nabla/autograd';
import { add, matmul, reshape, transpose, type Tensor } from '@nabla/tensor';
import { activationName, getActivation, type ActivationFn } from '../activations.js';
import { describe, fmtShape, type JsonObject, type JsonValue, type LayerShape } from '../common.js';
import { getInitializer, serializeInitializer, type Initializer, type InitializerIdentifier } from '../initializers.js';
import { Layer, registerLayer, type CallOptions, type LayerArgs } from '../layer.js';
import { Node } from '../symbolic.js';
import { getRegularizer, serializeRegularizer, type Regularizer, type RegularizerIdentifier } from '../regularizers.js';

/** What Dense and the convolutions share: an activation and a kernel/bias with initializers and regularizers. */
export interface KernelBiasLayer {
  readonly activation: ActivationFn;
  readonly useBias: boolean;
  readonly kernelInitializer: Initializer;
  readonly biasInitializer: Initializer;
  readonly kernelRegularizer: Regularizer | null;
  readonly biasRegularizer: Regularizer | null;
}

/** The config entries of a KernelBiasLayer, in Keras' order and names. */
export function kernelBiasConfig(l: KernelBiasLayer): JsonObject {
  return {
    activation: activationName(l.activation),
    useBias: l.useBias,
    kernelInitializer: serializeInitializer(l.kernelInitializer) as unknown as JsonValue,
    biasInitializer: serializeInitializer(l.biasInitializer) as unknown as JsonValue,
    kernelRegularizer: serializeRegularizer(l.kernelRegularizer) as unknown as JsonValue,
    biasRegularizer: serializeRegularizer(l.biasRegularizer) as unknown as JsonValue,
  };
}

function checkShapeList(owner: string, what: string, shape: unknown, allowNull: boolean, allowMinusOne = false): LayerShape {
  const ok = Array.isArray(shape) && shape.every((d) => (d === null ? allowNull : Number.isInteger(d) && ((d as number) >= 0 || (allowMinusOne && d === -1))));
  if (!ok) throw new TypeError(`${owner}: ${what} must be an array of non-negative integers${allowNull ? ' or null' : ''}${allowMinusOne ? ' (one -1 allowed)' : ''}, got ${Array.isArray(shape) ? fmtShape(shape as number[]) : describe(shape)}`);
  return [...(shape as LayerShape)];
}

// ---------------------------------------------------------------- Input

export interface InputArgs {
  /** Per-sample shape, batch excluded (`[28, 28]`); null for unknown dimensions. */
  shape?: LayerShape;
  /** Fixed batch size (default unknown). */
  batchSize?: number | null;
  /** Full shape including the batch dimension (instead of shape/batchSize). */
  batchShape?: LayerShape;
  name?: string;
  dtype?: LayerArgs['dtype'];
}

/**
 * Declares a model's input shape (Keras' `InputLayer`, class name `'InputLayer'`): the first layer of a
 * Sequential, or the start of a functional graph (`layer.apply(input)` uses `input.output`, a
 * SymbolicTensor). As a layer it passes its input through after checking it against the declared shape.
 * @example new Input({ shape: [28, 28] }) // batchShape [null, 28, 28]
 * @example const inp = new Input({ shape: [4] }); const y = new Dense({ units: 2 }).apply(inp); new Model({ inputs: inp, outputs: y })
 */
export class Input extends Layer {
  static override readonly className: string = 'InputLayer';
  /** The declared shape with the batch dimension (`[null, 28, 28]`). */
  readonly batchShape: LayerShape;

  constructor(args: InputArgs) {
    if (args === null || typeof args !== 'object') throw new TypeError(`Input: expected { shape } or { batchShape }, got ${describe(args)}`);
    super({ name: args.name, dtype: args.dtype });
    let batchShape: LayerShape;
    if (args.batchShape !== undefined && args.batchShape !== null) {
      if (args.shape !== undefined && args.shape !== null) throw new TypeError(`InputLayer '${this.name}': pass shape or batchShape, not both`);
      batchShape = checkShapeList(`InputLayer '${this.name}'`, 'batchShape', args.batchShape, true);
      if (batchShape.length === 0) throw new TypeError(`InputLayer '${this.name}': batchShape must include the batch dimension`);
    } else if (args.shape !== undefined && args.shape !== null) {
      const s = checkShapeList(`InputLayer '${this.name}'`, 'shape', args.shape, true);
      const b = args.batchSize ?? null;
      if (b !== null && !(Number.isInteger(b) && b > 0)) throw new TypeError(`InputLayer '${this.name}': batchSize must be a positive integer, got ${describe(b)}`);
      batchShape = [b, ...s];
    } else {
      throw new TypeError(`InputLayer '${this.name}': pass shape (per-sample, batch excluded) or batchShape`);
    }
    this.batchShape = batchShape;
    const axes: Record<number, number> = {};
    batchShape.forEach((d, i) => {
      if (d !== null) axes[i] = d;
    });
    this.inputSpec = { ndim: batchShape.length, axes };
    this.autocast = false;
    this.built = true;
    this.buildInputShape = [...batchShape];
    // the graph source: `input.output` is the symbolic tensor a functional Model starts from
    this.inboundNodes.push(new Node(this, 0, [], { count: 0, list: false, kwargs: {}, states: 0 }, [batchShape]));
  }

  /** The per-sample shape (batch excluded). */
  get shape(): LayerShape {
    return this.batchShape.slice(1);
  }

  call(x: Tensor): Tensor {
    return x;
  }

  override computeOutputShape(): LayerShape {
    return [...this.batchShape];
  }

  override getConfig(): JsonObject {
    return { name: this.name, batchShape: [...this.batchShape], dtype: this.dtype };
  }
}

/** The same class as `Input` (Keras' name). */
export const InputLayer = Input;

// ---------------------------------------------------------------- Dense

export interface DenseArgs extends LayerArgs {
  /** Positive number of output units. */
  units: number;
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

/**
 * `activation(x · kernel + bias)` with kernel `[inputDim, units]` and bias `[units]` (Keras layout).
 * Inputs of rank > 2 are multiplied along their last axis.
 * @example const d = new Dense({ units: 10, activation: 'softmax' }); d.apply(x) // [batch, 10]
 */
export class Dense extends Layer {
  static override readonly className: string = 'Dense';
  readonly units: number;
  readonly activation: ActivationFn;
  readonly useBias: boolean;
  readonly kernelInitializer: Initializer;
  readonly biasInitializer: Initializer;
  readonly kernelRegularizer: Regularizer | null;
  readonly biasRegularizer: Regularizer | null;
  private kernelVar: Variable | null = null;
  private biasVar: Variable | null = null;

  constructor(args: DenseArgs) {
    if (args === null || typeof args !== 'object') throw new TypeError(`Dense: expected an options object { units, ... }, got ${describe(args)}`);
    super(args);
    if (!Number.isInteger(args.units) || args.units <= 0) throw new RangeError(`Dense '${this.name}': units must be a positive integer, got ${describe(args.units)}`);
    this.units = args.units;
    this.activation = getActivation(args.activation);
    this.useBias = args.useBias ?? true;
    this.kernelInitializer = getInitializer(args.kernelInitializer ?? 'glorot_uniform');
    this.biasInitializer = getInitializer(args.biasInitializer ?? 'zeros');
    this.kernelRegularizer = getRegularizer(args.kernelRegularizer);
    this.biasRegularizer = getRegularizer(args.biasRegularizer);
    this.inputSpec = { minNdim: 2 };
  }

  override build(inputShape: LayerShape): void {
    const inputDim = inputShape[inputShape.length - 1];
    if (inputDim === null || inputDim === undefined) {
      throw new RangeError(`Dense '${this.name}': the last dimension of the input must be known, got input shape ${fmtShape(inputShape)}`);
    }
    this.kernelVar = this.addWeight('kernel', [inputDim, this.units], this.kernelInitializer, { regularizer: this.kernelRegularizer });
    if (this.useBias) this.biasVar = this.addWeight('bias', [this.units], this.biasInitializer, { regularizer: this.biasRegularizer });
    this.inputSpec = { minNdim: 2, axes: { [-1]: inputDim } };
  }

  /** The `[inputDim, units]` kernel (after build). */
  get kernel(): Variable {
    if (!this.kernelVar) throw new Error(`Dense '${this.name}': the kernel exists once the layer is built`);
    return this.kernelVar;
  }

  /** The `[units]` bias, or null with `useBias: false`. */
  get bias(): Variable | null {
    return this.biasVar;
  }

  call(x: Tensor): Tensor {
    let y = matmul(x, this.kernel);
    if (this.biasVar) y = add(y, this.biasVar);
    return this.activation(y);
  }

  override computeOutputShape(inputShape: LayerShape): LayerShape {
    return [...inputShape.slice(0, -1), this.units];
  }

  override getConfig(): JsonObject {
    return {
      ...super.getConfig(),
      units: this.units,
      ...kernelBiasConfig(this),
    };
  }
}

// ---------------------------------------------------------------- Activation

export interface ActivationArgs extends LayerArgs {
  activation: string | ActivationFn;
}

/**
 * Applies an activation by name or function.
 * @example new Activation('relu'); new Activation({ activation: 'gelu', name: 'act' })
 */
export class Activation extends Layer {
  static override readonly className: string = 'Activation';
  readonly activation: ActivationFn;
  constructor(activation: string | ActivationFn | ActivationArgs) {
    const args: ActivationArgs = typeof activation === 'string' || typeof activation === 'function' ? { activation } : activation;
    if (args === null || typeof args !== 'object') throw new TypeError(`Activation: expected a name, a function or { activation }, got ${describe(activation)}`);
    super(args);
    this.activation = getActivation(args.activation);
  }
  call(x: Tensor): Tensor {
    return this.activation(x);
  }
  override getConfig(): JsonObject {
    return { ...super.getConfig(), activation: activationName(this.activation) };
  }
}

// ---------------------------------------------------------------- Flatten

export interface FlattenArgs extends LayerArgs {
  /** `'channels_last'` (default) or `'channels_first'` (moves axis 1 last before flattening, as Keras). */
  dataFormat?: 'channels_last' | 'channels_first';
}

/** Flattens every dimension but the batch: `[b, 28, 28]` -> `[b, 784]` (`[b]` -> `[b, 1]`). */
export class Flatten extends Layer {
  static override readonly className: string = 'Flatten';
  readonly dataFormat: 'channels_last' | 'channels_first';
  constructor(args: FlattenArgs = {}) {
    super(args);
    const f = args.dataFormat ?? 'channels_last';
    if (f !== 'channels_last' && f !== 'channels_first') throw new TypeError(`Flatten '${this.name}': dataFormat must be 'channels_last' or 'channels_first', got ${describe(f)}`);
    this.dataFormat = f;
    this.inputSpec = { minNdim: 1 };
  }
  call(x: Tensor): Tensor {
    let v = x;
    if (this.dataFormat === 'channels_first' && x.rank > 2) v = transpose(x, [0, ...Array.from({ length: x.rank - 2 }, (_, i) => i + 2), 1]);
    let rest = 1;
    for (const d of x.shape.slice(1)) rest *= d;
    return reshape(v, [x.shape[0]!, rest]);
  }
  override computeOutputShape(inputShape: LayerShape): LayerShape {
    const rest = inputShape.slice(1);
    return [inputShape[0] ?? null, rest.some((d) => d === null) ? null : rest.reduce<number>((a, d) => a * (d as number), 1)];
  }
  override getConfig(): JsonObject {
    return { ...super.getConfig(), dataFormat: this.dataFormat };
  }
}

// ---------------------------------------------------------------- Reshape

export interface ReshapeArgs extends LayerArgs {
  /** Per-sample target shape (batch excluded); one dimension may be -1. */
  targetShape: number[];
}

/**
 * Reshapes each sample: `new Reshape({ targetShape: [7, 112] })` maps `[b, 784]` to `[b, 7, 112]`.
 * Also `new Reshape([7, -1])`.
 */
export class Reshape extends Layer {
  static override readonly className: string = 'Reshape';
  readonly targetShape: number[];
  constructor(args: ReshapeArgs | number[]) {
    const a: ReshapeArgs = Array.isArray(args) ? { targetShape: args } : args;
    if (a === null || typeof a !== 'object') throw new TypeError(`Reshape: expected { targetShape }, got ${describe(args)}`);
    super(a);
    const t = checkShapeList(`Reshape '${this.name}'`, 'targetShape', a.targetShape, false, true) as number[];
    if (t.filter((d) => d === -1).length > 1) throw new TypeError(`Reshape '${this.name}': targetShape may contain one -1 at most, got ${fmtShape(t)}`);
    this.targetShape = t;
  }

  /** The per-sample target shape with -1 resolved for `perSample` input values (throws naming the layer when they do not fit). */
  private resolve(perSample: number, inputShape: readonly (number | null)[]): number[] {
    const known = this.targetShape.filter((d) => d !== -1).reduce((p, d) => p * d, 1);
    const unknown = this.targetShape.indexOf(-1);
    const fail = (): never => {
      throw new RangeError(
        `Layer '${this.name}' (Reshape): cannot reshape input of shape ${fmtShape(inputShape)} (${perSample} values per sample) to target shape ${fmtShape(this.targetShape)}${unknown < 0 ? ` (${known} values)` : ''}`,
      );
    };
    if (unknown < 0) {
      if (known !== perSample) fail();
      return [...this.targetShape];
    }
    if (known === 0 || perSample % known !== 0) fail();
    const out = [...this.targetShape];
    out[unknown] = perSample / known;
    return out;
  }

  override build(inputShape: LayerShape): void {
    const rest = inputShape.slice(1);
    if (rest.every((d) => d !== null)) this.resolve(rest.reduce<number>((p, d) => p * (d as number), 1), inputShape);
  }

  call(x: Tensor): Tensor {
    const per = x.shape.slice(1).reduce((p, d) => p * d, 1);
    return reshape(x, [x.shape[0]!, ...this.resolve(per, x.shape)]);
  }

  override computeOutputShape(inputShape: LayerShape): LayerShape {
    const rest = inputShape.slice(1);
    if (rest.some((d) => d === null)) return [inputShape[0] ?? null, ...this.targetShape.map((d) => (d === -1 ? null : d))];
    return [inputShape[0] ?? null, ...this.resolve(rest.reduce<number>((p, d) => p * (d as number), 1), inputShape)];
  }

  override getConfig(): JsonObject {
    return { ...super.getConfig(), targetShape: [...this.targetShape] };
  }
}

registerLayer(Input, 'InputLayer');
registerLayer(Dense);
registerLayer(Activation);
registerLayer(Flatten);
registerLayer(Reshape);
