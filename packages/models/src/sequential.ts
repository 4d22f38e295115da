import { Input, isSymbolic, Layer, type LayerShape, type SymbolicInput, type SymbolicTensor } from '@nabla/layers';
import type { Optimizer } from '@nabla/optimizers';
import { tidy, type Tensor } from '@nabla/tensor';
import type { Variable } from '@nabla/autograd';
import { Trainer } from './engine.js';
import type { IOHandler, SaveResult } from './io/types.js';
import type { SaveOptions } from './save.js';
import { formatSummary, type SummaryRow } from './summary.js';

export type { CompileArgs, EvaluateArgs, FitArgs } from './engine.js';

/**
 * A linear stack of layers with Keras' training API.
 *
 * @example
 * const model = new Sequential([
 *   new Input({ shape: [28, 28] }), new Flatten(),
 *   new Dense({ units: 128, activation: 'relu' }), new Dense({ units: 10, activation: 'softmax' }),
 * ]);
 * model.compile({ optimizer: 'adam', loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] });
 * const history = await model.fit(x, y, { batchSize: 128, epochs: 3, validationSplit: 0.1 });
 */
export class Sequential extends Trainer {
  readonly name: string;
  readonly layers: Layer[] = [];
  private shapes: LayerShape[] | null = null;

  constructor(layers: readonly Layer[] = [], opts: { name?: string } = {}) {
    super();
    this.name = opts.name ?? 'sequential';
    for (const l of layers) this.add(l);
  }

  /** Appends a layer (an `Input` may only come first). */
  add(layer: Layer): void {
    if (!(layer instanceof Layer)) throw new TypeError(`Sequential.add: expected a Layer, got ${layer === null ? 'null' : typeof layer}`);
    if (layer instanceof Input && this.layers.length > 0) throw new Error(`Sequential.add: an Input layer ('${layer.name}') must be the first layer`);
    if (this.layers.includes(layer)) throw new Error(`Sequential.add: layer '${layer.name}' is already in the model`);
    this.layers.push(layer);
    this.shapes = null;
    if (this.inputShape) this.build(this.inputShape);
  }

  /** The declared input shape (batch as null), from an Input layer or a first layer's `inputShape`. */
  get inputShape(): LayerShape | null {
    const first = this.layers[0];
    if (!first) return null;
    if (first instanceof Input) return first.batchShape;
    return first.batchInputShape;
  }

  private get computeLayers(): Layer[] {
    return this.layers.filter((l) => !(l instanceof Input));
  }

  /** Builds every layer for `inputShape` (with the batch dimension, null when unknown). */
  build(inputShape: LayerShape): void {
    const shapes: LayerShape[] = [];
    let shape: LayerShape = [...inputShape];
    for (const layer of this.computeLayers) {
      layer.checkInputShape(shape);
      if (!layer.built) layer.build(shape);
      shape = layer.computeOutputShape(shape);
      shapes.push(shape);
    }
    this.shapes = shapes;
  }

  get built(): boolean {
    return this.shapes !== null;
  }

  /** The output shape (batch as null); requires a built model. */
  get outputShape(): LayerShape {
    if (!this.shapes) throw new Error(`${this.name}: the model is not built yet; add an Input layer, call build(), or fit/predict it first`);
    return this.shapes[this.shapes.length - 1] ?? this.inputShape ?? [];
  }

  private ensureBuilt(x: Tensor): void {
    if (!this.shapes) this.build(this.inputShape ?? [null, ...x.shape.slice(1)]);
  }

  /** Runs the layers in order. The result belongs to the caller. */
  call(x: Tensor, opts: { training?: boolean } = {}): Tensor {
    this.ensureBuilt(x);
    const layers = this.computeLayers;
    if (layers.length === 0) throw new Error(`${this.name}: the model has no layers`);
    return tidy(() => layers.reduce((h, layer) => layer.apply(h, opts), x));
  }

  /** Same as `call` (Keras' `model(x)`). */
  apply(x: Tensor, opts?: { training?: boolean }): Tensor;
  /** On a symbolic tensor, nests the stack in a functional graph: each layer is applied in turn (weights shared). */
  apply(x: SymbolicInput): SymbolicTensor;
  apply(x: Tensor | SymbolicInput, opts: { training?: boolean } = {}): Tensor | SymbolicTensor {
    if (x instanceof Layer || isSymbolic(x)) {
      const t = x instanceof Layer ? x.output : x;
      const first = this.layers[0];
      if (first instanceof Input) first.checkInputShape(t.shape);
      if (this.computeLayers.length === 0) throw new Error(`${this.name}: the model has no layers`);
      return this.computeLayers.reduce((h, layer) => layer.apply(h), t);
    }
    return this.call(x, opts);
  }

  get inputNames(): string[] {
    return [this.layers[0]?.name ?? 'input'];
  }

  get outputNames(): string[] {
    return [this.layers[this.layers.length - 1]?.name ?? 'output'];
  }

  protected declaredInputShapes(): (LayerShape | null)[] {
    return [this.inputShape];
  }

  protected inputSource(): string {
    const first = this.layers[0];
    return first instanceof Input ? `Input layer '${first.name}'` : first ? `first layer '${first.name}'` : 'no layers';
  }

  protected outputShapesFor(xs: readonly Tensor[]): LayerShape[] {
    this.ensureBuilt(xs[0]!);
    return [this.outputShape];
  }

  protected forward(xs: readonly Tensor[], training: boolean): Tensor[] {
    return [this.call(xs[0]!, { training })];
  }

  /** The model's outputs for x, computed in batches (default 32) in inference mode. */
  predict(x: Tensor, args: { batchSize?: number } = {}): Tensor {
    return this.predictData(x, args)[0]!;
  }

  /** Inference on one batch. */
  predictOnBatch(x: Tensor): Tensor {
    return this.predictBatch(x)[0]!;
  }

  /** Keras' summary table; printed with `print` (default console.log) and returned. */
  summary(print: ((line: string) => void) | null = console.log): string {
    if (!this.shapes) {
      if (this.inputShape) this.build(this.inputShape);
      else throw new Error(`${this.name}.summary: the model is not built yet; add an Input layer or call build()/fit() first`);
    }
    const rows: SummaryRow[] = this.computeLayers.map((l, i) => ({ name: l.name, className: l.className, outputShape: this.shapes![i]!, params: l.countParams() }));
    const count = (vs: Variable[]): number => vs.reduce((s, v) => s + v.size, 0);
    const text = formatSummary(this.name, rows, count(this.trainableWeights), count(this.nonTrainableWeights));
    print?.(text);
    return text;
  }

  /** Saves architecture, weights, compile settings and optimizer state: a folder (Node), `indexeddb://name`, `downloads://name` or an IOHandler. See `loadModel` and docs/model-format.md. */
  async save(target: string | IOHandler, opts: SaveOptions = {}): Promise<SaveResult> {
    const { saveModel } = await import('./save.js');
    return saveModel(this, target, opts);
  }

  /** The compile settings (for saving). */
  get compileConfig(): { optimizer: Optimizer; loss: string; metrics: string[] } | null {
    const c = this.compiledOutputs;
    const o = c?.outputs[0];
    if (!c || !o) return null;
    return { optimizer: c.optimizer, loss: o.lossName, metrics: o.metricIds.map((m) => (typeof m === 'string' ? m : m.name)) };
  }
}
