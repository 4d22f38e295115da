import { noGrad, Variable } from '@nabla/autograd';
import { add, cast, reshape, tensor, Tensor, tidy, type TensorLike } from '@nabla/tensor';
import { describe, fmtShape, normalizeSerialized, toSnakeCase, type JsonObject, type LayerShape, type Serialized } from './common.js';
import { getInitializer, type InitializerIdentifier } from './initializers.js';
import type { Regularizer } from './regularizers.js';
import type { Input } from './layers/core.js';
import { isSymbolic, Node, type NodeCall, type SymbolicTensor } from './symbolic.js';

/** What `apply` accepts to build a graph: a symbolic tensor, or an `Input` layer (its output). */
export type SymbolicInput = SymbolicTensor | Input;

/** A layer's input shape: one shape, or one per input for multi-input layers (merges). */
export type ShapeArg = LayerShape | LayerShape[];

/** Whether a shape argument is a list of shapes (a multi-input layer's). */
export function isShapeList(shape: ShapeArg): shape is LayerShape[] {
  return shape.length > 0 && Array.isArray(shape[0]);
}

/** Options of `call` / `apply`. */
export interface CallOptions {
  /** Training mode: Dropout drops, BatchNormalization uses (and updates) batch statistics. Default false. */
  training?: boolean;
}

/** What a layer accepts (Keras' InputSpec); checked by `apply` before every call. */
export interface InputSpec {
  ndim?: number;
  minNdim?: number;
  maxNdim?: number;
  /** axis (negative counts from the end) -> required size. */
  axes?: Record<number, number>;
}

/** Options every layer takes (Keras' base layer keyword arguments). */
export interface LayerArgs {
  /** Unique name; default the snake_case class name made unique (`'dense'`, `'dense_1'`, ...). */
  name?: string;
  /** Default true. */
  trainable?: boolean;
  /** Only `'float32'` is supported. */
  dtype?: 'float32' | { className?: string; config?: { name?: string } } | null;
  /** Per-sample input shape (batch excluded), for a first layer (Keras' `input_shape`). */
  inputShape?: LayerShape;
  /** With `inputShape`. */
  batchSize?: number | null;
  /** Full input shape including the batch dimension. */
  batchInputShape?: LayerShape;
}

/** Options of `addWeight`. */
export interface AddWeightOptions {
  /** Default true. */
  trainable?: boolean;
  regularizer?: Regularizer | null;
}

interface WeightRecord {
  variable: Variable;
  trainable: boolean;
  regularizer: Regularizer | null;
}

const nameCounters = new Map<string, number>();

/** Keras' auto naming: `prefix`, then `prefix_1`, `prefix_2`, ... */
export function uniqueLayerName(prefix: string): string {
  const n = nameCounters.get(prefix) ?? 0;
  nameCounters.set(prefix, n + 1);
  return n === 0 ? prefix : `${prefix}_${n}`;
}

/** Restarts auto naming (as Keras' `clear_session()`): the next Dense is `'dense'` again. */
export function resetLayerNames(): void {
  nameCounters.clear();
}

function checkShapeArg(owner: string, what: string, shape: unknown, allowNull: boolean): LayerShape {
  if (!Array.isArray(shape) || shape.some((d) => !(d === null ? allowNull : Number.isInteger(d) && (d as number) >= 0))) {
    throw new TypeError(`${owner}: ${what} must be an array of non-negative integers${allowNull ? ' (or null)' : ''}, got ${Array.isArray(shape) ? fmtShape(shape as number[]) : describe(shape)}`);
  }
  return [...(shape as LayerShape)];
}

function errorWithContext(e: unknown, prefix: string): unknown {
  if (!(e instanceof Error)) return e;
  const Ctor = e instanceof RangeError ? RangeError : e instanceof TypeError ? TypeError : Error;
  return new Ctor(`${prefix}: ${e.message}`, { cause: e });
}

/** A layer class as the registry keeps it. */
export interface LayerClass {
  new (config: never): Layer;
  readonly className?: string;
  fromConfig?(config: Record<string, unknown>): Layer;
}

/**
 * The base of every layer (Keras 3 `Layer`). A layer is built lazily: the first `apply(x)` calls
 * `build([null, ...x.shape.slice(1)])`, which creates the weights with `addWeight`; later inputs are
 * checked against `inputSpec`. `call(x, { training })` computes the output from tensor ops only, so
 * it is differentiable through @nabla/autograd; `apply` frees its intermediates.
 *
 * @example
 * class Scale extends Layer {
 *   static readonly className = 'Scale';
 *   private w!: Variable;
 *   override build(inputShape: LayerShape) { this.w = this.addWeight('w', [inputShape.at(-1)!], 'ones'); }
 *   call(x: Tensor) { return mul(x, this.w); }
 * }
 */
export abstract class Layer {
  /** The Keras class name used by serialization; subclasses set it. */
  static readonly className: string = 'Layer';

  readonly name: string;
  /** Whether `build` has run (weights exist). */
  built = false;
  /** What `apply` checks inputs against (set by layers, usually in `build`). */
  inputSpec: InputSpec | null = null;
  /** The full input shape declared with `inputShape`/`batchInputShape`, if any. */
  readonly batchInputShape: LayerShape | null = null;
  /** The shape `build` was called with (one per input for multi-input layers). */
  buildInputShape: ShapeArg | null = null;
  /** The layer's calls on symbolic tensors, in order (Keras' `_inbound_nodes`). */
  readonly inboundNodes: Node[] = [];
  readonly dtype = 'float32' as const;
  /** Cast int32/bool inputs to float32 before `call` (Keras' autocast). */
  protected autocast = true;
  /** Whether `apply`/`call` take a list of tensors (merge layers) instead of one. */
  protected multiInput = false;

  private trainableFlag: boolean;
  private readonly records: WeightRecord[] = [];
  private disposed = false;

  constructor(args: LayerArgs = {}) {
    if (args === null || typeof args !== 'object' || Array.isArray(args)) throw new TypeError(`${new.target.name}: expected an options object, got ${describe(args)}`);
    const cls = new.target as unknown as { className?: string; name: string };
    const className = Object.prototype.hasOwnProperty.call(cls, 'className') && cls.className ? cls.className : cls.name;
    if (args.name !== undefined && (typeof args.name !== 'string' || args.name === '')) throw new TypeError(`${className}: name must be a non-empty string, got ${describe(args.name)}`);
    this.name = args.name ?? uniqueLayerName(toSnakeCase(className));
    this.trainableFlag = args.trainable ?? true;
    if (typeof this.trainableFlag !== 'boolean') throw new TypeError(`${className} '${this.name}': trainable must be a boolean`);
    const dt = args.dtype;
    const dtName = dt === undefined || dt === null ? 'float32' : typeof dt === 'string' ? dt : dt.config?.name ?? 'float32';
    if (dtName !== 'float32') throw new TypeError(`${className} '${this.name}': only dtype 'float32' is supported, got '${dtName}'`);
    if (args.batchInputShape !== undefined && args.batchInputShape !== null) {
      this.batchInputShape = checkShapeArg(`${className} '${this.name}'`, 'batchInputShape', args.batchInputShape, true);
    } else if (args.inputShape !== undefined && args.inputShape !== null) {
      const s = checkShapeArg(`${className} '${this.name}'`, 'inputShape', args.inputShape, true);
      this.batchInputShape = [args.batchSize ?? null, ...s];
    }
    // build runs once, records the shape, and undoes its weights if it throws
    const impl = this.build;
    Object.defineProperty(this, 'build', {
      configurable: true,
      writable: true,
      value: (inputShape: ShapeArg): void => {
        this.assertAlive('build');
        if (this.built) return;
        const list = Array.isArray(inputShape) && isShapeList(inputShape);
        const shape = list
          ? inputShape.map((s, i) => checkShapeArg(this.describe('build'), `inputShape[${i}]`, s, true))
          : checkShapeArg(this.describe('build'), 'inputShape', inputShape, true);
        if (!list) this.checkInputShape(shape as LayerShape);
        const before = this.records.length;
        try {
          noGrad(() => impl.call(this, shape));
        } catch (e) {
          for (const r of this.records.splice(before)) r.variable.dispose();
          throw e;
        }
        this.built = true;
        this.buildInputShape = shape;
      },
    });
  }

  /** The Keras class name (`'Dense'`). */
  get className(): string {
    const cls = this.constructor as unknown as { className?: string; name: string };
    return Object.prototype.hasOwnProperty.call(cls, 'className') && cls.className ? cls.className : cls.name;
  }

  /** `Dense 'dense'.op` for error messages. */
  protected describe(op?: string): string {
    return `${this.className} '${this.name}'${op ? `.${op}` : ''}`;
  }

  /** Whether `trainableWeights` are trained; false freezes every weight (and puts BatchNormalization in inference mode). */
  get trainable(): boolean {
    return this.trainableFlag;
  }
  set trainable(value: boolean) {
    this.trainableFlag = value;
    for (const r of this.records) r.variable.trainable = value && r.trainable;
  }

  /**
   * Creates the weights for an input shape (`null` for the unknown batch dimension). `apply` calls it
   * on first use; calling it on a built layer does nothing. Override it in layers with weights.
   */
  build(inputShape: ShapeArg): void {
    void inputShape;
  }

  /**
   * The layer's computation, from tensor ops only (so autograd differentiates it); a list of
   * tensors for multi-input layers. Use `apply` to call a layer.
   */
  abstract call(x: Tensor | Tensor[], opts: CallOptions): Tensor;

  /**
   * Builds on first use (from x's shape, batch as null), checks x against the layer's input spec,
   * and runs `call` inside `tidy`. Returns a new tensor the caller owns (never x itself).
   * @example const y = dense.apply(x, { training: true });
   */
  apply(x: Tensor, opts?: CallOptions): Tensor;
  /** Multi-input layers (merges) take a list: `new Add().apply([a, b])`. */
  apply(x: readonly Tensor[], opts?: CallOptions): Tensor;
  /** On symbolic tensors (or an `Input`), records the call for a functional `Model` and returns its symbolic output. */
  apply(x: SymbolicInput, opts?: CallOptions): SymbolicTensor;
  apply(x: readonly SymbolicInput[], opts?: CallOptions): SymbolicTensor;
  apply(x: Tensor | readonly Tensor[] | SymbolicInput | readonly SymbolicInput[], opts: CallOptions = {}): Tensor | SymbolicTensor {
    this.assertAlive('apply');
    const sym = this.symbolicArgs(x, 'apply');
    if (sym) {
      const call: NodeCall = { count: sym.length, list: Array.isArray(x), kwargs: {}, states: 0 };
      return this.applySymbolic(sym, call, (shape) => [this.computeOutputShape(shape)])[0]!;
    }
    if (Array.isArray(x)) return this.applyList(x as readonly Tensor[], opts);
    if (this.multiInput) throw new TypeError(`${this.describe('apply')}: expected a list of input tensors, got ${describe(x)}`);
    if (!(x instanceof Tensor)) throw new TypeError(`${this.describe('apply')}: expected a Tensor, got ${describe(x)}`);
    if (x.isDisposed) throw new Error(`${this.describe('apply')}: the input tensor was disposed`);
    this.checkInputShape(x.shape);
    if (!this.built) {
      this.build(x.rank === 0 ? [] : [null, ...x.shape.slice(1)]);
      this.checkInputShape(x.shape);
    }
    const training = opts.training ?? false;
    try {
      return tidy(() => {
        const xi = this.autocast && x.dtype !== 'float32' ? cast(x, 'float32') : x;
        const y = this.call(xi, { training });
        return y === x ? reshape(x, x.shape) : y;
      });
    } catch (e) {
      if (e instanceof Error && e.message.includes(`'${this.name}'`)) throw e;
      throw errorWithContext(e, `${this.describe()} (input shape ${fmtShape(x.shape)})`);
    }
  }

  /** `apply` on a list of tensors (multi-input layers). */
  private applyList(xs: readonly Tensor[], opts: CallOptions): Tensor {
    if (!this.multiInput) throw new TypeError(`${this.describe('apply')}: expected a Tensor (the layer takes one input), got an array of ${xs.length}`);
    xs.forEach((x, i) => {
      if (!(x instanceof Tensor)) throw new TypeError(`${this.describe('apply')}: input ${i} is not a Tensor, got ${describe(x)}`);
      if (x.isDisposed) throw new Error(`${this.describe('apply')}: input tensor ${i} was disposed`);
    });
    if (!this.built) this.build(xs.map((x) => (x.rank === 0 ? [] : [null, ...x.shape.slice(1)])));
    try {
      return tidy(() => {
        const xi = xs.map((x) => (this.autocast && x.dtype !== 'float32' ? cast(x, 'float32') : x));
        const y = this.call(xi, { training: opts.training ?? false });
        return xs.includes(y) ? reshape(y, y.shape) : y;
      });
    } catch (e) {
      if (e instanceof Error && e.message.includes(`'${this.name}'`)) throw e;
      throw errorWithContext(e, `${this.describe()} (input shapes ${xs.map((x) => fmtShape(x.shape)).join(', ')})`);
    }
  }

  /** The symbolic tensors in `x` (an Input counts as its output), null when `x` holds real tensors. Throws on a mix. */
  protected symbolicArgs(x: unknown, op: string): SymbolicTensor[] | null {
    const items = Array.isArray(x) ? (x as unknown[]) : [x];
    const sym = items.map((v) => (v instanceof Layer ? v.output : isSymbolic(v) ? v : null));
    const n = sym.filter((v) => v !== null).length;
    if (n === 0) return null;
    if (n < items.length) throw new TypeError(`${this.describe(op)}: cannot mix symbolic tensors (functional API) and real tensors in one call`);
    return sym as SymbolicTensor[];
  }

  /**
   * Records a call on symbolic tensors: builds the layer from their shapes, checks them, and returns
   * the node's outputs (`outputShapes` gives their shapes from the main inputs' shape(s)). Computes nothing.
   */
  protected applySymbolic(inputs: readonly SymbolicTensor[], call: NodeCall, outputShapes: (shape: ShapeArg) => LayerShape[]): SymbolicTensor[] {
    if (this.inboundNodes[0]?.isInput) throw new TypeError(`${this.describe('apply')}: an Input layer is a graph source and cannot be called on symbolic tensors`);
    const main = inputs.slice(0, call.count);
    if (!call.list && this.multiInput) throw new TypeError(`${this.describe('apply')}: expected a list of input tensors, got one ${String(main[0])}`);
    if (call.list && !this.multiInput) throw new TypeError(`${this.describe('apply')}: expected one input (the layer takes one input), got an array of ${main.length}`);
    const shape: ShapeArg = call.list ? main.map((s) => [...s.shape]) : [...main[0]!.shape];
    try {
      if (!call.list) this.checkInputShape(shape as LayerShape);
      if (!this.built) this.build(shape);
      if (!call.list) this.checkInputShape(shape as LayerShape);
      const node = new Node(this, this.inboundNodes.length, inputs, call, outputShapes(shape));
      this.inboundNodes.push(node);
      return node.outputs;
    } catch (e) {
      if (e instanceof Error && e.message.includes(`'${this.name}'`)) throw e;
      throw errorWithContext(e, `${this.describe()} (symbolic input shapes ${main.map((s) => fmtShape(s.shape)).join(', ')})`);
    }
  }

  /**
   * Runs one recorded node on real tensors (the functional Model's executor): `inputs` follow
   * `node.inputs`. Layers with other call forms (RNN `applyWithState`) override it.
   */
  callNode(node: Node, inputs: readonly Tensor[], opts: CallOptions): Tensor[] {
    const main = inputs.slice(0, node.call.count);
    return [node.call.list ? this.apply(main, opts) : this.apply(main[0]!, opts)];
  }

  /** The symbolic output of the layer's only call (Keras' `layer.output`); an Input's declared tensor. */
  get output(): SymbolicTensor {
    const node = this.inboundNodes[0];
    if (this.inboundNodes.length !== 1 || node!.outputs.length !== 1) {
      throw new Error(`${this.describe('output')}: the layer has ${this.inboundNodes.length} symbolic calls${node ? ` (the first with ${node.outputs.length} outputs)` : ''}; output is defined for exactly one call with one output`);
    }
    return node!.outputs[0]!;
  }

  /** The output shape for an input shape (default: unchanged); multi-input layers get one shape per input. */
  computeOutputShape(inputShape: ShapeArg): LayerShape {
    return isShapeList(inputShape) ? [...inputShape[0]!] : [...inputShape];
  }

  /** Throws an error naming the layer and both shapes when `shape` does not satisfy `inputSpec`. */
  checkInputShape(shape: readonly (number | null)[]): void {
    const spec = this.inputSpec;
    if (!spec) return;
    const rank = shape.length;
    // the message is built only on failure: this runs on every call of the layer
    const fail = (expected: string): RangeError => {
      const b = this.buildInputShape;
      const built = b && !isShapeList(b) ? ` (the layer was built for input shape ${fmtShape(b)})` : '';
      return new RangeError(`Input of layer '${this.name}' (${this.className}) is incompatible with the layer: ${expected}${built}, got input shape ${fmtShape(shape)}`);
    };
    if (spec.ndim !== undefined && rank !== spec.ndim) throw fail(`expected rank ${spec.ndim}`);
    if (spec.minNdim !== undefined && rank < spec.minNdim) throw fail(`expected rank >= ${spec.minNdim}`);
    if (spec.maxNdim !== undefined && rank > spec.maxNdim) throw fail(`expected rank <= ${spec.maxNdim}`);
    for (const [k, size] of Object.entries(spec.axes ?? {})) {
      const a = Number(k);
      const ax = a < 0 ? rank + a : a;
      if (ax < 0 || ax >= rank) throw fail(`expected an axis ${a}`);
      const d = shape[ax];
      if (d !== null && d !== size) throw fail(`expected axis ${a} of the input to have size ${size}`);
    }
  }

  /**
   * Creates a weight Variable named `${layer.name}/${name}` from an initializer (default `'glorot_uniform'`).
   * @example this.kernel = this.addWeight('kernel', [inputDim, units], 'glorot_uniform', { regularizer });
   */
  addWeight(name: string, shape: readonly number[], initializer: InitializerIdentifier = 'glorot_uniform', opts: AddWeightOptions = {}): Variable {
    this.assertAlive('addWeight');
    const full = `${this.name}/${name}`;
    if (this.records.some((r) => r.variable.name === full)) {
      throw new Error(`${this.describe('addWeight')}: the layer already has a weight named '${name}'`);
    }
    const s = checkShapeArg(this.describe('addWeight'), `the shape of weight '${name}'`, shape, false) as number[];
    const trainable = opts.trainable ?? true;
    const init = getInitializer(initializer);
    const value = noGrad(() => init(s, 'float32'));
    if (!(value instanceof Tensor) || value.rank !== s.length || value.shape.some((d, i) => d !== s[i]) || value.dtype !== 'float32') {
      const got = value instanceof Tensor ? `${fmtShape(value.shape)} ${value.dtype}` : describe(value);
      throw new TypeError(`${this.describe('addWeight')}: the initializer of '${name}' returned ${got}, expected ${fmtShape(s)} float32`);
    }
    const variable = new Variable(value, { name: full, trainable: this.trainableFlag && trainable });
    value.dispose();
    this.records.push({ variable, trainable, regularizer: opts.regularizer ?? null });
    return variable;
  }

  /** Every weight: the trainable ones, then the non-trainable ones, each in creation order (Keras' order). */
  get weights(): Variable[] {
    return [...this.records.filter((r) => r.trainable), ...this.records.filter((r) => !r.trainable)].map((r) => r.variable);
  }

  /** The weights training updates (none when the layer is not trainable). */
  get trainableWeights(): Variable[] {
    if (!this.trainableFlag) return [];
    return this.records.filter((r) => r.trainable).map((r) => r.variable);
  }

  /** The weights training does not update (all of them when the layer is not trainable). */
  get nonTrainableWeights(): Variable[] {
    if (!this.trainableFlag) return this.weights;
    return this.records.filter((r) => !r.trainable).map((r) => r.variable);
  }

  /** Copies of the weights' values, in `weights` order (Keras layout, e.g. Dense `[kernel [in, units], bias [units]]`). The caller owns them. */
  getWeights(): Tensor[] {
    this.assertAlive('getWeights');
    return noGrad(() => this.weights.map((v) => cast(v, 'float32')));
  }

  /**
   * Sets every weight, in `weights` order; checks the count and each shape before changing any.
   * The caller keeps ownership of the tensors (nested number arrays are accepted too).
   */
  setWeights(values: readonly (Tensor | TensorLike)[]): void {
    this.assertAlive('setWeights');
    const ws = this.weights;
    const what = ws.map((w) => `${w.name.slice(this.name.length + 1)} ${fmtShape(w.shape)}`).join(', ');
    if (!Array.isArray(values)) throw new TypeError(`${this.describe('setWeights')}: expected an array of ${ws.length} tensors (${what || 'none'}), got ${describe(values)}`);
    if (values.length !== ws.length) {
      const hint = !this.built ? ' (the layer is not built yet: call it on an input or build(inputShape) first)' : '';
      throw new RangeError(`${this.describe('setWeights')}: expected ${ws.length} weights (${what || 'none'})${hint}, got ${values.length}`);
    }
    const owned: Tensor[] = [];
    try {
      const ts = values.map((v, i) => {
        let t: Tensor;
        if (v instanceof Tensor) t = v;
        else {
          try {
            t = tensor(v as TensorLike);
          } catch (e) {
            throw new TypeError(`${this.describe('setWeights')}: weight ${i} (${ws[i]!.name}) is not a tensor: ${(e as Error).message}`);
          }
          owned.push(t);
        }
        const w = ws[i]!;
        if (t.rank !== w.rank || t.shape.some((d, j) => d !== w.shape[j])) {
          throw new RangeError(`${this.describe('setWeights')}: weight ${i} (${w.name}) has shape ${fmtShape(w.shape)}, got a value of shape ${fmtShape(t.shape)}`);
        }
        if (t.dtype !== 'float32') {
          t = cast(t, 'float32');
          owned.push(t);
        }
        return t;
      });
      ts.forEach((t, i) => ws[i]!.assign(t));
    } finally {
      for (const t of owned) t.dispose();
    }
  }

  /** The number of scalars in all weights (trainable or not). Throws if the layer is not built. */
  countParams(): number {
    if (!this.built) {
      throw new Error(`${this.describe('countParams')}: the layer is not built yet, so it has no weights; call it on an input or build(inputShape) first`);
    }
    return this.records.reduce((n, r) => n + r.variable.size, 0);
  }

  /** The sum of the regularization penalties of the trainable weights (a scalar the caller owns), or null when there are none. */
  regularizationLoss(): Tensor | null {
    this.assertAlive('regularizationLoss');
    if (!this.trainableFlag) return null;
    const rs = this.records.filter((r) => r.trainable && r.regularizer);
    if (rs.length === 0) return null;
    return tidy(() => {
      let total: Tensor | null = null;
      for (const r of rs) {
        const p = r.regularizer!(r.variable);
        total = total ? add(total, p) : p;
      }
      return total!;
    });
  }

  /** The constructor options as plain JSON (`new Cls(layer.getConfig())` recreates it, without weights). */
  getConfig(): JsonObject {
    const c: JsonObject = { name: this.name, trainable: this.trainableFlag, dtype: this.dtype };
    if (this.batchInputShape) c.batchInputShape = [...this.batchInputShape];
    return c;
  }

  /** Creates a layer of this class from `getConfig()` output. */
  static fromConfig<T extends Layer>(this: new (config: never) => T, config: Record<string, unknown>): T {
    return new this(config as never);
  }

  /** Frees the weights; the layer cannot be used afterwards. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const r of this.records) r.variable.dispose();
  }

  /** Whether `dispose` was called. */
  get isDisposed(): boolean {
    return this.disposed;
  }

  private assertAlive(op: string): void {
    if (this.disposed) throw new Error(`${this.describe(op)}: the layer was disposed`);
  }
}

// ---- registry and serialization ----

const REGISTRY = new Map<string, LayerClass>();

/** Makes a layer class available to `deserializeLayer` under its `className` (or the given name). */
export function registerLayer(cls: LayerClass, className?: string): void {
  const name = className ?? (Object.prototype.hasOwnProperty.call(cls, 'className') ? cls.className : undefined) ?? cls.name;
  REGISTRY.set(name, cls);
}

/** The registered layer class names. */
export function registeredLayers(): string[] {
  return [...REGISTRY.keys()].sort();
}

/** A serialized layer; `buildConfig` is present when the layer was built. */
export interface SerializedLayer extends Serialized {
  buildConfig?: { inputShape: ShapeArg };
}

/** `{ className, config }` (and `buildConfig: { inputShape }` when built) of a layer. @example JSON.stringify(serializeLayer(dense)) */
export function serializeLayer(layer: Layer): SerializedLayer {
  if (!(layer instanceof Layer)) throw new TypeError(`serializeLayer: expected a Layer, got ${describe(layer)}`);
  const out: SerializedLayer = { className: layer.className, config: layer.getConfig() };
  const b = layer.buildInputShape;
  if (layer.built && b) out.buildConfig = { inputShape: isShapeList(b) ? b.map((s) => [...s]) : [...b] };
  return out;
}

/**
 * Recreates a layer from `{ className, config }` (Keras' `{class_name, config}` with snake_case keys works too);
 * built (with fresh weights) when the object carries `buildConfig`.
 */
export function deserializeLayer(obj: Serialized<Record<string, unknown>> | SerializedLayer | Record<string, unknown>): Layer {
  const { className, config } = normalizeSerialized(obj, 'deserializeLayer');
  const cls = REGISTRY.get(className);
  if (!cls) throw new Error(`deserializeLayer: unknown layer class '${className}'; registered: ${registeredLayers().join(', ')} (use registerLayer for custom layers)`);
  const layer = cls.fromConfig ? cls.fromConfig(config) : new cls(config as never);
  const o = obj as { buildConfig?: { inputShape?: ShapeArg }; build_config?: { input_shape?: ShapeArg } };
  const shape = o.buildConfig?.inputShape ?? o.build_config?.input_shape;
  if (shape) layer.build(shape);
  return layer;
}

/** Same as `deserializeLayer` (the name docs/training-api.md uses). */
export const layerFromConfig = deserializeLayer;
