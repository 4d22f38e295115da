import type { Variable } from '@nabla/autograd';
import {
  add, cast, concat, less, lstmCell, matmul, mul, ones, Random, randomUniform, reshape, slice, split, stack, sub, Tensor, tidy, transpose, where, zeros,
} from '@nabla/tensor';
import { activationName, getActivation, type ActivationFn } from '../activations.js';
import { checkSeed, describe, fmtShape, freshSeed, type JsonObject, type JsonValue, type LayerShape } from '../common.js';
import { getInitializer, serializeInitializer, type Initializer, type InitializerIdentifier } from '../initializers.js';
import { Layer, registerLayer, type CallOptions, type LayerArgs, type SymbolicInput } from '../layer.js';
import type { Node, SymbolicTensor } from '../symbolic.js';
import { getRegularizer, serializeRegularizer, type Regularizer, type RegularizerIdentifier } from '../regularizers.js';

/** Options every recurrent layer takes (Keras' `SimpleRNN` / `LSTM` / `GRU` keyword arguments). */
export interface RNNArgs extends LayerArgs {
  /** Positive number of units (size of the output and of each state). */
  units: number;
  /** Default `'tanh'`; null means linear. */
  activation?: string | ActivationFn | null;
  /** Default true. */
  useBias?: boolean;
  /** Default `'glorot_uniform'`. */
  kernelInitializer?: InitializerIdentifier;
  /** Default `'orthogonal'`. */
  recurrentInitializer?: InitializerIdentifier;
  /** Default `'zeros'`. */
  biasInitializer?: InitializerIdentifier;
  kernelRegularizer?: RegularizerIdentifier;
  recurrentRegularizer?: RegularizerIdentifier;
  biasRegularizer?: RegularizerIdentifier;
  /** Fraction of the inputs dropped (one mask per sequence, training only), in [0, 1). Default 0. */
  dropout?: number;
  /** Fraction of the recurrent state dropped (one mask per sequence, training only), in [0, 1). Default 0. */
  recurrentDropout?: number;
  /** Seeds the dropout masks. */
  seed?: number | null;
  /** Return the whole output sequence `[batch, timesteps, units]` instead of the last output `[batch, units]`. Default false. */
  returnSequences?: boolean;
  /** Keras returns `[output, ...states]`; here `apply` returns the output and `applyWithState` the list. Default false. */
  returnState?: boolean;
  /** Process the sequence backwards (and return the outputs in processing order, i.e. reversed). Default false. */
  goBackwards?: boolean;
  /** Only false is supported. */
  stateful?: boolean;
  /** Accepted for Keras configs; no effect (the loop always runs step by step). */
  unroll?: boolean;
}

export interface SimpleRNNArgs extends RNNArgs {}

export interface LSTMArgs extends RNNArgs {
  /** Activation of the gates; default `'sigmoid'`. */
  recurrentActivation?: string | ActivationFn | null;
  /** Initialize the forget-gate bias to 1 (the other gates use `biasInitializer`). Default true. */
  unitForgetBias?: boolean;
}

export interface GRUArgs extends RNNArgs {
  /** Activation of the gates; default `'sigmoid'`. */
  recurrentActivation?: string | ActivationFn | null;
  /** Apply the reset gate after the recurrent matmul (Keras' default, cuDNN-compatible): bias `[2, 3·units]`. Default true. */
  resetAfter?: boolean;
}

/** Options of `applyWithState`. */
export interface RNNCallOptions extends CallOptions {
  /** The initial states (`[batch, units]` each: `[h]`, or `[h, c]` for LSTM); default zeros. */
  initialState?: Tensor | readonly Tensor[] | null;
}

/** Options of `applyWithState` on symbolic tensors (functional API): the initial states are symbolic too. */
export interface RNNSymbolicCallOptions extends CallOptions {
  initialState?: SymbolicInput | readonly SymbolicInput[] | null;
}

/** What a recurrence returns: the layer output and the final states. */
export interface RNNResult {
  output: Tensor;
  states: Tensor[];
}

/** The dropout masks of one call (null when not dropping). */
interface Masks {
  /** [batch, features]: one mask for all gates, or one per gate. */
  input: Tensor[] | null;
  /** [batch, units]: one mask for all gates, or one per gate. */
  recurrent: Tensor[] | null;
}

/** Per-call values a step needs. */
interface StepContext {
  batch: number;
  masks: Masks;
  /** Per-call slices of the weights (sliced once so their gradients accumulate before one pad). */
  w: Record<string, Tensor>;
}

function errorWithContext(e: unknown, prefix: string): unknown {
  if (!(e instanceof Error)) return e;
  const Ctor = e instanceof RangeError ? RangeError : e instanceof TypeError ? TypeError : Error;
  return new Ctor(`${prefix}: ${e.message}`, { cause: e });
}

function checkRate(owner: string, what: string, v: unknown): number {
  if (v === undefined || v === null) return 0;
  if (typeof v !== 'number' || !(v >= 0 && v < 1)) throw new RangeError(`${owner}: ${what} must be a number in [0, 1), got ${describe(v)}`);
  return v;
}

function checkBool(owner: string, what: string, v: unknown, dflt: boolean): boolean {
  if (v === undefined || v === null) return dflt;
  if (typeof v !== 'boolean') throw new TypeError(`${owner}: ${what} must be a boolean, got ${describe(v)}`);
  return v;
}

/** Columns [g·units, (g+1)·units) of a 2-D tensor. */
function gateCols(t: Tensor, g: number, units: number, count = 1): Tensor {
  return slice(t, [0, g * units], [t.shape[0]!, count * units]);
}

/**
 * The shared machinery of `SimpleRNN`, `LSTM` and `GRU` (Keras' `RNN` with the matching cell).
 * Inputs are `[batch, timesteps, features]`; weights are Keras' `kernel [features, k·units]`,
 * `recurrent_kernel [units, k·units]` and `bias`. The recurrence runs as tensor ops, step by step
 * in JS on `[batch, ·]` slices, so it never reads data back and autograd differentiates it.
 */
export abstract class BaseRNN extends Layer {
  readonly units: number;
  readonly activation: ActivationFn;
  readonly useBias: boolean;
  readonly kernelInitializer: Initializer;
  readonly recurrentInitializer: Initializer;
  readonly biasInitializer: Initializer;
  readonly kernelRegularizer: Regularizer | null;
  readonly recurrentRegularizer: Regularizer | null;
  readonly biasRegularizer: Regularizer | null;
  readonly dropout: number;
  readonly recurrentDropout: number;
  readonly seed: number | null;
  readonly returnSequences: boolean;
  readonly returnState: boolean;
  readonly goBackwards: boolean;
  readonly unroll: boolean;
  /** Gate blocks in the kernels (1, 4 for LSTM, 3 for GRU). */
  protected abstract readonly gates: number;
  /** Number of state tensors (2 for LSTM: h and c). */
  abstract readonly stateCount: number;
  protected kernelVar: Variable | null = null;
  protected recurrentKernelVar: Variable | null = null;
  protected biasVar: Variable | null = null;
  private readonly rng: Random;

  constructor(args: RNNArgs) {
    super(args);
    const own = this.describe();
    if (!Number.isInteger(args.units) || args.units <= 0) throw new RangeError(`${own}: units must be a positive integer, got ${describe(args.units)}`);
    this.units = args.units;
    this.activation = getActivation(args.activation === undefined ? 'tanh' : args.activation);
    this.useBias = checkBool(own, 'useBias', args.useBias, true);
    this.kernelInitializer = getInitializer(args.kernelInitializer ?? 'glorot_uniform');
    this.recurrentInitializer = getInitializer(args.recurrentInitializer ?? 'orthogonal');
    this.biasInitializer = getInitializer(args.biasInitializer ?? 'zeros');
    this.kernelRegularizer = getRegularizer(args.kernelRegularizer);
    this.recurrentRegularizer = getRegularizer(args.recurrentRegularizer);
    this.biasRegularizer = getRegularizer(args.biasRegularizer);
    this.dropout = checkRate(own, 'dropout', args.dropout);
    this.recurrentDropout = checkRate(own, 'recurrentDropout', args.recurrentDropout);
    this.seed = checkSeed(own, args.seed) ?? null;
    this.rng = new Random(this.seed ?? freshSeed());
    this.returnSequences = checkBool(own, 'returnSequences', args.returnSequences, false);
    this.returnState = checkBool(own, 'returnState', args.returnState, false);
    this.goBackwards = checkBool(own, 'goBackwards', args.goBackwards, false);
    this.unroll = checkBool(own, 'unroll', args.unroll, false);
    if (checkBool(own, 'stateful', args.stateful, false)) throw new Error(`${own}: stateful recurrent layers are not supported (pass the states with applyWithState's initialState instead)`);
    this.inputSpec = { ndim: 3 };
  }

  /** The initializer of the bias (LSTM adds the forget-gate ones). */
  protected biasInit(): Initializer {
    return this.biasInitializer;
  }

  /** The bias shape (GRU with resetAfter: `[2, 3·units]`). */
  protected biasShape(): number[] {
    return [this.gates * this.units];
  }

  override build(inputShape: LayerShape): void {
    const features = inputShape[2];
    if (features === null || features === undefined) {
      throw new RangeError(`${this.describe()}: the last dimension (features) of the input must be known, got input shape ${fmtShape(inputShape)}`);
    }
    const ku = this.gates * this.units;
    this.kernelVar = this.addWeight('kernel', [features, ku], this.kernelInitializer, { regularizer: this.kernelRegularizer });
    this.recurrentKernelVar = this.addWeight('recurrent_kernel', [this.units, ku], this.recurrentInitializer, { regularizer: this.recurrentRegularizer });
    if (this.useBias) this.biasVar = this.addWeight('bias', this.biasShape(), this.biasInit(), { regularizer: this.biasRegularizer });
    this.inputSpec = { ndim: 3, axes: { [-1]: features } };
  }

  /** The `[features, k·units]` input kernel (after build). */
  get kernel(): Variable {
    if (!this.kernelVar) throw new Error(`${this.describe()}: the kernel exists once the layer is built`);
    return this.kernelVar;
  }

  /** The `[units, k·units]` recurrent kernel (after build). */
  get recurrentKernel(): Variable {
    if (!this.recurrentKernelVar) throw new Error(`${this.describe()}: the recurrent kernel exists once the layer is built`);
    return this.recurrentKernelVar;
  }

  /** The bias, or null with `useBias: false`. */
  get bias(): Variable | null {
    return this.biasVar;
  }

  /** The part of the bias added to the input projection (all of it but GRU's recurrent row). */
  protected inputBias(): Tensor | null {
    return this.biasVar;
  }

  /** Whether dropout uses one mask per gate (Keras' `implementation=1`, chosen when recurrentDropout > 0). */
  protected get perGateMasks(): boolean {
    return this.gates > 1 && this.recurrentDropout > 0;
  }

  /** Whether this call uses one recurrent mask per gate (training with recurrentDropout). */
  protected perGateRecurrent(masks: Masks): boolean {
    return this.perGateMasks && masks.recurrent !== null;
  }

  /** Per-call weight slices the step reads. */
  protected prepare(masks: Masks): Record<string, Tensor> {
    void masks;
    return {};
  }

  /** One timestep: `xp` is the input projection `[batch, k·units]` (input bias included); returns the new states (`states[0]` is the output). */
  protected abstract step(xp: Tensor, states: Tensor[], ctx: StepContext): Tensor[];

  /** `h · recurrent_kernel` for gate block g (or all blocks when g is undefined), with recurrent dropout applied. */
  protected recurrentProjection(h: Tensor, ctx: StepContext, g?: number): Tensor {
    const rm = ctx.masks.recurrent;
    const r = this.recurrentKernel;
    if (g === undefined) return matmul(rm ? mul(h, rm[0]!) : h, r);
    const mask = rm ? rm[rm.length === 1 ? 0 : g] : null;
    return matmul(mask ? mul(h, mask) : h, ctx.w[`r${g}`]!);
  }

  private dropoutMask(shape: number[], rate: number): Tensor {
    const keepProb = 1 - rate;
    return where(less(randomUniform(shape, { seed: this.rng.nextU32() }), keepProb), 1 / keepProb, 0);
  }

  private makeMasks(batch: number, features: number, training: boolean): Masks {
    const n = this.perGateMasks ? this.gates : 1;
    // Keras draws the input masks, then the recurrent masks, once per call (the same for every step)
    const input = training && this.dropout > 0 ? Array.from({ length: n }, () => this.dropoutMask([batch, features], this.dropout)) : null;
    const recurrent = training && this.recurrentDropout > 0 ? Array.from({ length: n }, () => this.dropoutMask([batch, this.units], this.recurrentDropout)) : null;
    return { input, recurrent };
  }

  /** `x · kernel` for the masked input `xm` (`[..., features]`), one matmul per gate when each gate has its own input mask. */
  private project(x: Tensor, im: Tensor[] | null): Tensor {
    const k = this.kernel;
    if (im && im.length > 1) return concat(im.map((m, g) => matmul(mul(x, m), gateCols(k, g, this.units))), x.rank - 1);
    return matmul(im ? mul(x, im[0]!) : x, k);
  }

  /** Projection strategy (see `runSequence`); 'auto' = per step when training, all at once otherwise. */
  static projection: 'auto' | 'once' | 'perStep' = 'auto';

  /**
   * Runs the recurrence (no checks, no tidy; inside a layer call). Returns the layer output
   * (`[batch, units]`, or `[batch, timesteps, units]` with returnSequences) and the final states.
   *
   * The input projection `x · kernel + bias` is computed for all timesteps with one matmul when not
   * training. In training it is computed per step from `[batch, features]` slices instead: autograd's
   * gradient of a slice is padded to the full tensor, so slicing a precomputed `[timesteps, batch, k·units]`
   * projection would cost O(timesteps²) in the backward pass; slices of the (usually constant) input cost nothing.
   */
  runSequence(x: Tensor, training: boolean, initialState: readonly Tensor[] | null): RNNResult {
    const [batch, steps, features] = x.shape as [number, number, number];
    if (steps === 0) throw new RangeError(`${this.describe()}: the input has no timesteps (shape ${fmtShape(x.shape)})`);
    let states: Tensor[];
    if (initialState) {
      states = initialState.map((s) => (s.dtype === 'float32' ? s : cast(s, 'float32')));
    } else {
      states = Array.from({ length: this.stateCount }, () => zeros([batch, this.units]));
    }
    const masks = this.makeMasks(batch, features, training);
    const ctx: StepContext = { batch, masks, w: this.prepare(masks) };
    const mode = BaseRNN.projection === 'auto' ? (training ? 'perStep' : 'once') : BaseRNN.projection;
    const ku = this.gates * this.units;
    const bias = this.inputBias();
    const xt = transpose(x, [1, 0, 2]); // time-major view [timesteps, batch, features]
    let proj: Tensor | null = null;
    if (mode === 'once') {
      proj = this.project(xt, masks.input);
      if (bias) proj = add(proj, bias);
    }
    const outputs: Tensor[] = [];
    for (let i = 0; i < steps; i++) {
      const t = this.goBackwards ? steps - 1 - i : i;
      let xp: Tensor;
      if (proj) {
        xp = reshape(slice(proj, [t, 0, 0], [1, batch, ku]), [batch, ku]);
      } else {
        xp = this.project(reshape(slice(xt, [t, 0, 0], [1, batch, features]), [batch, features]), masks.input);
        if (bias) xp = add(xp, bias);
      }
      states = this.step(xp, states, ctx);
      if (this.returnSequences) outputs.push(states[0]!);
    }
    const output = this.returnSequences ? stack(outputs, 1) : states[0]!;
    return { output, states };
  }

  private checkInitialState(x: Tensor, init: RNNCallOptions['initialState']): Tensor[] | null {
    if (init === undefined || init === null) return null;
    const list = init instanceof Tensor ? [init] : init;
    const what = `initialState must be ${this.stateCount} tensor${this.stateCount > 1 ? 's' : ''} of shape [${x.shape[0]},${this.units}]`;
    if (!Array.isArray(list) || list.length !== this.stateCount) throw new RangeError(`${this.describe('applyWithState')}: ${what}, got ${Array.isArray(list) ? `${list.length}` : describe(list)}`);
    list.forEach((s, i) => {
      if (!(s instanceof Tensor)) throw new TypeError(`${this.describe('applyWithState')}: ${what}; state ${i} is ${describe(s)}`);
      if (s.isDisposed) throw new Error(`${this.describe('applyWithState')}: initial state ${i} was disposed`);
      if (s.rank !== 2 || s.shape[0] !== x.shape[0] || s.shape[1] !== this.units) throw new RangeError(`${this.describe('applyWithState')}: ${what}; state ${i} has shape ${fmtShape(s.shape)}`);
    });
    return [...list];
  }

  call(x: Tensor, opts: CallOptions): Tensor {
    return this.runSequence(x, opts.training ?? false, null).output;
  }

  /**
   * `[output, ...finalStates]` (Keras' `return_state=True` list, whatever `returnState` says):
   * `[output, h]` for SimpleRNN/GRU, `[output, h, c]` for LSTM. `initialState` replaces the zero states.
   * Builds on first use and checks the input as `apply` does; the caller owns the tensors.
   * @example const [out, h, c] = lstm.applyWithState(x, { initialState: [h0, c0] });
   */
  applyWithState(x: Tensor, opts?: RNNCallOptions): Tensor[];
  /** On a symbolic tensor (functional API): records the call and returns `[output, ...states]` as symbolic tensors. */
  applyWithState(x: SymbolicInput, opts?: RNNSymbolicCallOptions): SymbolicTensor[];
  applyWithState(x: Tensor | SymbolicInput, opts: RNNCallOptions | RNNSymbolicCallOptions = {}): Tensor[] | SymbolicTensor[] {
    if (this.isDisposed) throw new Error(`${this.describe('applyWithState')}: the layer was disposed`);
    const sym = this.symbolicArgs(x, 'applyWithState');
    if (sym) {
      const init = opts.initialState;
      const states = init === undefined || init === null ? [] : this.symbolicArgs(Array.isArray(init) ? init : [init], 'applyWithState');
      if (!states || (states.length > 0 && states.length !== this.stateCount)) {
        throw new TypeError(`${this.describe('applyWithState')}: initialState must be ${this.stateCount} symbolic tensor(s) of shape [batch,${this.units}] with a symbolic input`);
      }
      for (const s of states) {
        if (s.rank !== 2 || (s.shape[1] !== null && s.shape[1] !== this.units)) throw new RangeError(`${this.describe('applyWithState')}: initial states must have shape [batch,${this.units}], got ${fmtShape(s.shape)}`);
      }
      const call = { count: 1, list: false, kwargs: { withState: true }, states: states.length };
      return this.applySymbolic([...sym, ...states], call, (shape) => [this.computeOutputShape(shape as LayerShape), ...this.computeStateShapes(shape as LayerShape)]);
    }
    return this.applyEagerWithState(x as Tensor, opts as RNNCallOptions);
  }

  /** A recorded `applyWithState` node runs as `applyWithState`; the initial states follow the input. */
  override callNode(node: Node, inputs: readonly Tensor[], opts: CallOptions): Tensor[] {
    if (!node.call.kwargs.withState) return super.callNode(node, inputs, opts);
    const initialState = node.call.states > 0 ? inputs.slice(1, 1 + node.call.states) : null;
    return this.applyWithState(inputs[0]!, { ...opts, initialState });
  }

  private applyEagerWithState(x: Tensor, opts: RNNCallOptions): Tensor[] {
    if (!(x instanceof Tensor)) throw new TypeError(`${this.describe('applyWithState')}: expected a Tensor, got ${describe(x)}`);
    if (x.isDisposed) throw new Error(`${this.describe('applyWithState')}: the input tensor was disposed`);
    this.checkInputShape(x.shape);
    if (!this.built) {
      this.build([null, ...x.shape.slice(1)]);
      this.checkInputShape(x.shape);
    }
    const init = this.checkInitialState(x, opts.initialState);
    try {
      return tidy(() => {
        const xi = x.dtype !== 'float32' ? cast(x, 'float32') : x;
        const r = this.runSequence(xi, opts.training ?? false, init);
        return [r.output, ...r.states].map((t) => (t === x || init?.includes(t) ? reshape(t, t.shape) : t));
      });
    } catch (e) {
      if (e instanceof Error && e.message.includes(`'${this.name}'`)) throw e;
      throw errorWithContext(e, `${this.describe()} (input shape ${fmtShape(x.shape)})`);
    }
  }

  override computeOutputShape(inputShape: LayerShape): LayerShape {
    return this.returnSequences ? [inputShape[0] ?? null, inputShape[1] ?? null, this.units] : [inputShape[0] ?? null, this.units];
  }

  /** The shapes of the final states for an input shape (`[batch, units]` each). */
  computeStateShapes(inputShape: LayerShape): LayerShape[] {
    return Array.from({ length: this.stateCount }, () => [inputShape[0] ?? null, this.units]);
  }

  override getConfig(): JsonObject {
    return {
      ...super.getConfig(),
      returnSequences: this.returnSequences,
      returnState: this.returnState,
      goBackwards: this.goBackwards,
      stateful: false,
      unroll: this.unroll,
      units: this.units,
      activation: activationName(this.activation),
      useBias: this.useBias,
      kernelInitializer: serializeInitializer(this.kernelInitializer) as unknown as JsonValue,
      recurrentInitializer: serializeInitializer(this.recurrentInitializer) as unknown as JsonValue,
      biasInitializer: serializeInitializer(this.biasInitializer) as unknown as JsonValue,
      kernelRegularizer: serializeRegularizer(this.kernelRegularizer) as unknown as JsonValue,
      recurrentRegularizer: serializeRegularizer(this.recurrentRegularizer) as unknown as JsonValue,
      biasRegularizer: serializeRegularizer(this.biasRegularizer) as unknown as JsonValue,
      dropout: this.dropout,
      recurrentDropout: this.recurrentDropout,
      seed: this.seed,
    };
  }
}

// ---------------------------------------------------------------- SimpleRNN

/**
 * Fully-connected RNN: `h_t = activation(x_t · kernel + bias + h_{t-1} · recurrent_kernel)`
 * (Keras' `SimpleRNN`); kernel `[features, units]`, recurrent_kernel `[units, units]`, bias `[units]`.
 * @example new SimpleRNN({ units: 64 }).apply(x) // [batch, timesteps, 28] -> [batch, 64]
 */
export class SimpleRNN extends BaseRNN {
  static override readonly className: string = 'SimpleRNN';
  protected readonly gates = 1;
  readonly stateCount = 1;

  constructor(args: SimpleRNNArgs) {
    if (args === null || typeof args !== 'object') throw new TypeError(`SimpleRNN: expected an options object { units, ... }, got ${describe(args)}`);
    super(args);
  }

  protected step(xp: Tensor, [h]: Tensor[], ctx: StepContext): Tensor[] {
    return [this.activation(add(xp, this.recurrentProjection(h!, ctx)))];
  }
}

// ---------------------------------------------------------------- LSTM

/**
 * Long short-term memory (Keras' `LSTM`), gates in Keras order i, f, c, o:
 * `z = x·W + h·U + b`, `i = σ(z_i)`, `f = σ(z_f)`, `c = f·c + i·tanh(z_c)`, `o = σ(z_o)`, `h = o·tanh(c)`
 * (σ = recurrentActivation, tanh = activation). Weights: kernel `[features, 4·units]`,
 * recurrent_kernel `[units, 4·units]`, bias `[4·units]` (forget block initialised to 1 by `unitForgetBias`).
 * @example new LSTM({ units: 64, returnSequences: true }).apply(x) // [b, t, f] -> [b, t, 64]
 */
export class LSTM extends BaseRNN {
  static override readonly className: string = 'LSTM';
  protected readonly gates = 4;
  readonly stateCount = 2;
  readonly recurrentActivation: ActivationFn;
  readonly unitForgetBias: boolean;
  /** Keras' default activations (tanh, sigmoid): the step can be one fused `lstmCell`. */
  private readonly defaultActivations: boolean;

  constructor(args: LSTMArgs) {
    if (args === null || typeof args !== 'object') throw new TypeError(`LSTM: expected an options object { units, ... }, got ${describe(args)}`);
    super(args);
    this.recurrentActivation = getActivation(args.recurrentActivation === undefined ? 'sigmoid' : args.recurrentActivation);
    this.unitForgetBias = checkBool(this.describe(), 'unitForgetBias', args.unitForgetBias, true);
    this.defaultActivations = activationName(this.activation) === 'tanh' && activationName(this.recurrentActivation) === 'sigmoid';
  }

  protected override biasInit(): Initializer {
    if (!this.unitForgetBias) return this.biasInitializer;
    const u = this.units;
    const bi = this.biasInitializer;
    // [bias_init(units), ones(units), bias_init(2·units)], as Keras
    return (_shape, dtype = 'float32') =>
      tidy(() => {
        const a = bi([u], dtype);
        const b = bi([2 * u], dtype);
        return concat([a, ones([u]), b], 0);
      });
  }

  protected override prepare(masks: Masks): Record<string, Tensor> {
    if (!this.perGateRecurrent(masks)) return {};
    const r = this.recurrentKernel;
    return Object.fromEntries([0, 1, 2, 3].map((g) => [`r${g}`, gateCols(r, g, this.units)]));
  }

  protected step(xp: Tensor, [h, c]: Tensor[], ctx: StepContext): Tensor[] {
    const u = this.units;
    // one fused cell op (forward and backward) where the backend fuses it
    if (this.defaultActivations && !this.perGateRecurrent(ctx.masks)) {
      return lstmCell(add(xp, this.recurrentProjection(h!, ctx)), c!);
    }
    let zi: Tensor, zf: Tensor, zc: Tensor, zo: Tensor;
    if (this.perGateRecurrent(ctx.masks)) {
      [zi, zf, zc, zo] = [0, 1, 2, 3].map((g) => add(gateCols(xp, g, u), this.recurrentProjection(h!, ctx, g))) as [Tensor, Tensor, Tensor, Tensor];
    } else {
      [zi, zf, zc, zo] = split(add(xp, this.recurrentProjection(h!, ctx)), 4, 1) as [Tensor, Tensor, Tensor, Tensor];
    }
    const ra = this.recurrentActivation;
    const i = ra(zi);
    const f = ra(zf);
    const cNew = add(mul(f, c!), mul(i, this.activation(zc)));
    const o = ra(zo);
    return [mul(o, this.activation(cNew)), cNew];
  }

  override getConfig(): JsonObject {
    return { ...super.getConfig(), recurrentActivation: activationName(this.recurrentActivation), unitForgetBias: this.unitForgetBias };
  }
}

// ---------------------------------------------------------------- GRU

/**
 * Gated recurrent unit (Keras' `GRU`), gates in Keras order z, r, h:
 * `z = σ(x·W_z + h·U_z)`, `r = σ(x·W_r + h·U_r)`, candidate `hh = tanh(x·W_h + r ⊙ (h·U_h + b_rh))`
 * with `resetAfter` (default; bias `[2, 3·units]`: input row, recurrent row) or
 * `hh = tanh(x·W_h + (r ⊙ h)·U_h)` without (bias `[3·units]`); `h = z ⊙ h + (1 − z) ⊙ hh`.
 * @example new GRU({ units: 64 }).apply(x)
 */
export class GRU extends BaseRNN {
  static override readonly className: string = 'GRU';
  protected readonly gates = 3;
  readonly stateCount = 1;
  readonly recurrentActivation: ActivationFn;
  readonly resetAfter: boolean;

  constructor(args: GRUArgs) {
    if (args === null || typeof args !== 'object') throw new TypeError(`GRU: expected an options object { units, ... }, got ${describe(args)}`);
    super(args);
    this.recurrentActivation = getActivation(args.recurrentActivation === undefined ? 'sigmoid' : args.recurrentActivation);
    this.resetAfter = checkBool(this.describe(), 'resetAfter', args.resetAfter, true);
  }

  protected override biasShape(): number[] {
    return this.resetAfter ? [2, 3 * this.units] : [3 * this.units];
  }

  protected override inputBias(): Tensor | null {
    const b = this.biasVar;
    if (!b || !this.resetAfter) return b;
    return reshape(slice(b, [0, 0], [1, 3 * this.units]), [3 * this.units]);
  }

  protected override prepare(masks: Masks): Record<string, Tensor> {
    const u = this.units;
    const r = this.recurrentKernel;
    const w: Record<string, Tensor> = {};
    if (this.biasVar && this.resetAfter) w.rb = reshape(slice(this.biasVar, [1, 0], [1, 3 * u]), [3 * u]);
    if (this.perGateRecurrent(masks)) {
      for (const g of [0, 1, 2]) w[`r${g}`] = gateCols(r, g, u);
      if (w.rb) for (const g of [0, 1, 2]) w[`rb${g}`] = slice(w.rb, [g * u], [u]);
    } else if (!this.resetAfter) {
      w.rzr = gateCols(r, 0, u, 2);
      w.r2 = gateCols(r, 2, u);
    }
    return w;
  }

  protected step(xp: Tensor, [h]: Tensor[], ctx: StepContext): Tensor[] {
    const u = this.units;
    const w = ctx.w;
    const [xz, xr, xh] = split(xp, 3, 1) as [Tensor, Tensor, Tensor];
    const rm = ctx.masks.recurrent;
    let rz: Tensor, rr: Tensor;
    let hh: Tensor;
    const ra = this.recurrentActivation;
    if (rm && this.perGateRecurrent(ctx.masks)) {
      // Keras' implementation 1: each gate sees its own recurrent mask
      const proj = (g: number) => {
        const p = this.recurrentProjection(h!, ctx, g);
        return this.resetAfter && w[`rb${g}`] ? add(p, w[`rb${g}`]!) : p;
      };
      rz = proj(0);
      rr = proj(1);
      const z = ra(add(xz, rz));
      const r = ra(add(xr, rr));
      if (this.resetAfter) hh = this.activation(add(xh, mul(r, proj(2))));
      else hh = this.activation(add(xh, matmul(mul(r, mul(h!, rm[2]!)), w.r2!)));
      return [add(mul(z, h!), mul(sub(1, z), hh))];
    }
    let z: Tensor, r: Tensor;
    if (this.resetAfter) {
      let inner = matmul(h!, this.recurrentKernel);
      if (w.rb) inner = add(inner, w.rb);
      const [iz, ir, ih] = split(inner, 3, 1) as [Tensor, Tensor, Tensor];
      z = ra(add(xz, iz));
      r = ra(add(xr, ir));
      hh = this.activation(add(xh, mul(r, ih)));
    } else {
      const [iz, ir] = split(matmul(h!, w.rzr!), 2, 1) as [Tensor, Tensor];
      z = ra(add(xz, iz));
      r = ra(add(xr, ir));
      hh = this.activation(add(xh, matmul(mul(r, h!), w.r2!)));
    }
    return [add(mul(z, h!), mul(sub(1, z), hh))];
  }

  override getConfig(): JsonObject {
    return { ...super.getConfig(), recurrentActivation: activationName(this.recurrentActivation), resetAfter: this.resetAfter };
  }
}

registerLayer(SimpleRNN);
registerLayer(LSTM);
registerLayer(GRU);
