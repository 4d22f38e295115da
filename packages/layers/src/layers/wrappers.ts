import type { Variable } from '@nabla/autograd';
import { add, cast, concat, div, gather, mul, reshape, tensor, Tensor, tidy } from '@nabla/tensor';
import { describe, fmtShape, type JsonObject, type JsonValue, type LayerShape } from '../common.js';
import { deserializeLayer, Layer, registerLayer, type CallOptions, type LayerArgs } from '../layer.js';
import { BaseRNN, type RNNCallOptions } from './recurrent.js';

/** A layer instance, or its serialized form (`{ className, config }`, also Keras' `{ class_name, config }`). */
export type LayerOrConfig = Layer | { className?: string; class_name?: string; config?: Record<string, unknown> };

function toLayer(owner: string, what: string, v: unknown): Layer {
  if (v instanceof Layer) return v;
  if (v !== null && typeof v === 'object' && ('className' in v || 'class_name' in v)) {
    const o = v as Record<string, unknown>;
    // a nested config recreates the layer unbuilt (the wrapper builds it)
    return deserializeLayer({ className: (o.className ?? o.class_name) as string, config: (o.config ?? {}) as Record<string, unknown> });
  }
  throw new TypeError(`${owner}: ${what} must be a Layer (or its { className, config }), got ${describe(v)}`);
}

function serializeUnbuilt(layer: Layer): JsonObject {
  return { className: layer.className, config: layer.getConfig() };
}

function errorWithContext(e: unknown, prefix: string): unknown {
  if (!(e instanceof Error)) return e;
  const Ctor = e instanceof RangeError ? RangeError : e instanceof TypeError ? TypeError : Error;
  return new Ctor(`${prefix}: ${e.message}`, { cause: e });
}

/**
 * A layer that owns other layers (Keras' `Wrapper`): its weights are theirs, in order, and
 * freezing, regularization, parameter counts and `dispose` reach them.
 */
export abstract class Wrapper extends Layer {
  /** The wrapped layers, in weight order. */
  protected abstract get sublayers(): Layer[];

  override get trainable(): boolean {
    return super.trainable;
  }
  override set trainable(value: boolean) {
    super.trainable = value;
    for (const l of this.sublayers) l.trainable = value;
  }

  override get weights(): Variable[] {
    return this.sublayers.flatMap((l) => l.weights);
  }

  override get trainableWeights(): Variable[] {
    if (!this.trainable) return [];
    return this.sublayers.flatMap((l) => l.trainableWeights);
  }

  override get nonTrainableWeights(): Variable[] {
    if (!this.trainable) return this.weights;
    return this.sublayers.flatMap((l) => l.nonTrainableWeights);
  }

  override countParams(): number {
    if (!this.built) {
      throw new Error(`${this.describe('countParams')}: the layer is not built yet, so it has no weights; call it on an input or build(inputShape) first`);
    }
    return this.sublayers.reduce((n, l) => n + l.countParams(), 0);
  }

  override regularizationLoss(): Tensor | null {
    if (!this.trainable) return null;
    const parts = this.sublayers.map((l) => l.regularizationLoss()).filter((t): t is Tensor => t !== null);
    if (parts.length <= 1) return parts[0] ?? null;
    const total = tidy(() => parts.reduce((s, t) => add(s, t)));
    for (const t of parts) t.dispose();
    return total;
  }

  override dispose(): void {
    if (this.isDisposed) return;
    super.dispose();
    for (const l of this.sublayers) l.dispose();
  }
}

// ---------------------------------------------------------------- TimeDistributed

export interface TimeDistributedArgs extends LayerArgs {
  /** The layer applied to every timestep (an instance, or `{ className, config }` from a saved config). */
  layer: LayerOrConfig;
}

/**
 * Applies a layer to every timestep of `[batch, time, ...]` inputs with the same weights (Keras'
 * `TimeDistributed`): the input is reshaped to `[batch·time, ...]`, passed through the layer once,
 * and reshaped back to `[batch, time, ...]`. The wrapped instance is used as is (its weights are shared).
 * Layers with batch statistics (BatchNormalization) therefore see batch·time samples at once, where
 * Keras 3 calls them once per timestep.
 * @example new TimeDistributed(new Dense({ units: 8 })).apply(x) // [b, t, 16] -> [b, t, 8]
 */
export class TimeDistributed extends Wrapper {
  static override readonly className: string = 'TimeDistributed';
  readonly layer: Layer;

  constructor(layer: LayerOrConfig | TimeDistributedArgs, args: LayerArgs = {}) {
    const a: TimeDistributedArgs = layer instanceof Layer || (layer && typeof layer === 'object' && ('className' in layer || 'class_name' in layer))
      ? { ...args, layer: layer as LayerOrConfig }
      : (layer as TimeDistributedArgs);
    if (a === null || typeof a !== 'object') throw new TypeError(`TimeDistributed: expected a layer, got ${describe(layer)}`);
    const { layer: inner, ...rest } = a;
    super(rest);
    this.layer = toLayer(this.describe(), 'layer', inner);
    if (!this.trainable) this.layer.trainable = false;
    this.inputSpec = { minNdim: 3 };
    this.autocast = false; // the wrapped layer casts (or not) itself
  }

  protected get sublayers(): Layer[] {
    return [this.layer];
  }

  private childShape(inputShape: readonly (number | null)[]): LayerShape {
    if (inputShape.length < 3) {
      throw new RangeError(`${this.describe()}: the input must have at least 3 dimensions [batch, time, ...], got input shape ${fmtShape(inputShape)}`);
    }
    const [b, t] = inputShape;
    return [b === null || t === null || b === undefined || t === undefined ? null : b * t, ...inputShape.slice(2)];
  }

  override build(inputShape: LayerShape): void {
    const child = this.childShape(inputShape);
    if (!this.layer.built) this.layer.build([null, ...child.slice(1)]);
  }

  call(x: Tensor, opts: CallOptions): Tensor {
    const [b, t] = x.shape as [number, number];
    const y = this.layer.apply(reshape(x, [b * t, ...x.shape.slice(2)]), opts);
    return reshape(y, [b, t, ...y.shape.slice(1)]);
  }

  override computeOutputShape(inputShape: LayerShape): LayerShape {
    const out = this.layer.computeOutputShape(this.childShape(inputShape));
    return [inputShape[0] ?? null, inputShape[1] ?? null, ...out.slice(1)];
  }

  override getConfig(): JsonObject {
    return { ...super.getConfig(), layer: serializeUnbuilt(this.layer) };
  }
}

// ---------------------------------------------------------------- Bidirectional

/** How Bidirectional combines the two directions. */
export type MergeMode = 'concat' | 'sum' | 'mul' | 'ave' | null;

export interface BidirectionalArgs extends LayerArgs {
  /** The recurrent layer to run both ways (an instance, or `{ className, config }`); copied, not reused. */
  layer: LayerOrConfig;
  /** Default `'concat'`; null returns both outputs (through `applyWithState`). */
  mergeMode?: MergeMode;
  /** Optional layer for the backward direction (used as is); it must have the opposite `goBackwards`. */
  backwardLayer?: LayerOrConfig | null;
}

const MERGE_MODES: readonly MergeMode[] = ['concat', 'sum', 'mul', 'ave', null];

function recreate(owner: string, layer: Layer, name: string, goBackwards?: boolean): BaseRNN {
  const config = { ...layer.getConfig(), name } as Record<string, unknown>;
  if (goBackwards !== undefined) config.goBackwards = goBackwards;
  const copy = deserializeLayer({ className: layer.className, config });
  if (!(copy instanceof BaseRNN)) throw new TypeError(`${owner}: expected a recurrent layer (SimpleRNN, LSTM, GRU), got ${layer.className}`);
  return copy;
}

function removePrefix(s: string, p: string): string {
  return s.startsWith(p) ? s.slice(p.length) : s;
}

/**
 * Runs a recurrent layer forwards and a copy of it backwards over the sequence and merges the two
 * outputs (Keras' `Bidirectional`). As in Keras, the forward layer (`'forward_' + name`) and the
 * backward layer (`'backward_' + name`, `goBackwards` toggled) are fresh copies made from the
 * wrapped layer's config; with `returnSequences` the backward outputs are reversed back to input
 * order before merging. Weights: the forward layer's, then the backward layer's.
 * @example new Bidirectional(new LSTM({ units: 32, returnSequences: true })).apply(x) // [b, t, f] -> [b, t, 64]
 */
export class Bidirectional extends Wrapper {
  static override readonly className: string = 'Bidirectional';
  readonly forwardLayer: BaseRNN;
  readonly backwardLayer: BaseRNN;
  readonly mergeMode: MergeMode;

  constructor(layer: LayerOrConfig | BidirectionalArgs, args: Omit<BidirectionalArgs, 'layer'> = {}) {
    const a: BidirectionalArgs = layer instanceof Layer || (layer && typeof layer === 'object' && ('className' in layer || 'class_name' in layer))
      ? { ...args, layer: layer as LayerOrConfig }
      : (layer as BidirectionalArgs);
    if (a === null || typeof a !== 'object') throw new TypeError(`Bidirectional: expected a recurrent layer, got ${describe(layer)}`);
    const { layer: inner, mergeMode, backwardLayer, ...rest } = a;
    super(rest);
    const own = this.describe();
    const mode = mergeMode === undefined ? 'concat' : mergeMode;
    if (!MERGE_MODES.includes(mode)) throw new TypeError(`${own}: mergeMode must be one of 'concat', 'sum', 'mul', 'ave' or null, got ${describe(mode)}`);
    this.mergeMode = mode;
    const base = toLayer(own, 'layer', inner);
    if (!(base instanceof BaseRNN)) throw new TypeError(`${own}: the wrapped layer must be a recurrent layer (SimpleRNN, LSTM, GRU), got ${base.className} '${base.name}'`);
    this.forwardLayer = recreate(own, base, `forward_${removePrefix(base.name, 'forward_')}`);
    if (backwardLayer === undefined || backwardLayer === null) {
      this.backwardLayer = recreate(own, base, `backward_${removePrefix(base.name, 'backward_')}`, !base.goBackwards);
    } else {
      const bl = toLayer(own, 'backwardLayer', backwardLayer);
      if (!(bl instanceof BaseRNN)) throw new TypeError(`${own}: backwardLayer must be a recurrent layer (SimpleRNN, LSTM, GRU), got ${bl.className} '${bl.name}'`);
      this.backwardLayer = bl;
    }
    const f = this.forwardLayer;
    const b = this.backwardLayer;
    if (f.goBackwards === b.goBackwards) throw new Error(`${own}: the forward and backward layers must have different goBackwards values, both are ${f.goBackwards}`);
    for (const k of ['returnSequences', 'returnState'] as const) {
      if (f[k] !== b[k]) throw new Error(`${own}: the forward and backward layers must have the same ${k}, got ${f[k]} (forward) and ${b[k]} (backward)`);
    }
    if (f.stateCount !== b.stateCount) throw new Error(`${own}: the forward and backward layers must have the same kind of states (${f.className} and ${b.className})`);
    if (!this.trainable) {
      f.trainable = false;
      b.trainable = false;
    }
    this.inputSpec = { ndim: 3 };
    this.autocast = true;
  }

  protected get sublayers(): Layer[] {
    return [this.forwardLayer, this.backwardLayer];
  }

  get returnSequences(): boolean {
    return this.forwardLayer.returnSequences;
  }

  get returnState(): boolean {
    return this.forwardLayer.returnState;
  }

  override build(inputShape: LayerShape): void {
    if (!this.forwardLayer.built) this.forwardLayer.build(inputShape);
    if (!this.backwardLayer.built) this.backwardLayer.build(inputShape);
    this.inputSpec = this.forwardLayer.inputSpec;
  }

  /** The backward output put back in input order (sequences only). */
  private align(yb: Tensor): Tensor {
    if (!this.returnSequences) return yb;
    const t = yb.shape[1]!;
    return gather(yb, tensor(Int32Array.from({ length: t }, (_, i) => t - 1 - i), [t], 'int32'), 1);
  }

  private merge(yf: Tensor, yb: Tensor): Tensor {
    switch (this.mergeMode) {
      case 'concat':
        return concat([yf, yb], -1);
      case 'sum':
        return add(yf, yb);
      case 'mul':
        return mul(yf, yb);
      case 'ave':
        return div(add(yf, yb), 2);
      default:
        throw new Error(`${this.describe()}: cannot merge with mergeMode ${String(this.mergeMode)}`);
    }
  }

  call(x: Tensor, opts: CallOptions): Tensor {
    if (this.mergeMode === null) {
      throw new Error(`${this.describe()}: mergeMode null gives two outputs, which apply cannot return; use applyWithState (returns [forward, backward, ...states])`);
    }
    const yf = this.forwardLayer.apply(x, opts);
    const yb = this.align(this.backwardLayer.apply(x, opts));
    return this.merge(yf, yb);
  }

  /**
   * `[merged output, ...forward states, ...backward states]` (with mergeMode null:
   * `[forward output, backward output, ...states]`), as Keras' `return_state=True` list.
   * `initialState`: the forward states then the backward states (`[h_f, h_b]`, or `[h_f, c_f, h_b, c_b]` for LSTM).
   */
  applyWithState(x: Tensor, opts: RNNCallOptions = {}): Tensor[] {
    if (this.isDisposed) throw new Error(`${this.describe('applyWithState')}: the layer was disposed`);
    if (!(x instanceof Tensor)) throw new TypeError(`${this.describe('applyWithState')}: expected a Tensor, got ${describe(x)}`);
    this.checkInputShape(x.shape);
    if (!this.built) this.build([null, ...x.shape.slice(1)]);
    let fState: Tensor[] | null = null;
    let bState: Tensor[] | null = null;
    const init = opts.initialState;
    if (init !== undefined && init !== null) {
      const list = init instanceof Tensor ? [init] : [...init];
      const n = this.forwardLayer.stateCount;
      if (list.length !== 2 * n) throw new RangeError(`${this.describe('applyWithState')}: initialState must hold ${2 * n} tensors (the forward states, then the backward states), got ${list.length}`);
      fState = list.slice(0, n);
      bState = list.slice(n);
    }
    const training = opts.training ?? false;
    try {
      return tidy(() => {
        const xi = x.dtype !== 'float32' ? cast(x, 'float32') : x;
        const [yf, ...sf] = this.forwardLayer.applyWithState(xi, { training, initialState: fState });
        const [ybRaw, ...sb] = this.backwardLayer.applyWithState(xi, { training, initialState: bState });
        const yb = this.align(ybRaw!);
        const out = this.mergeMode === null ? [yf!, yb] : [this.merge(yf!, yb)];
        return [...out, ...sf, ...sb];
      });
    } catch (e) {
      if (e instanceof Error && e.message.includes(`'${this.name}'`)) throw e;
      throw errorWithContext(e, `${this.describe()} (input shape ${fmtShape(x.shape)})`);
    }
  }

  /** The merged output shape (with mergeMode null: the shape of each of the two outputs). */
  override computeOutputShape(inputShape: LayerShape): LayerShape {
    const s = this.forwardLayer.computeOutputShape(inputShape);
    if (this.mergeMode === 'concat') {
      const last = s[s.length - 1];
      s[s.length - 1] = last === null || last === undefined ? null : last * 2;
    }
    return s;
  }

  override getConfig(): JsonObject {
    return {
      ...super.getConfig(),
      mergeMode: this.mergeMode,
      layer: serializeUnbuilt(this.forwardLayer) as unknown as JsonValue,
      backwardLayer: serializeUnbuilt(this.backwardLayer) as unknown as JsonValue,
    };
  }
}

registerLayer(TimeDistributed);
registerLayer(Bidirectional);
