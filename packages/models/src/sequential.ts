import { noGrad, variableGrads, type Variable } from '@nabla/autograd';
import { Input, Layer, type LayerShape } from '@nabla/layers';
import { getLoss, lossName, type LossFn } from '@nabla/losses';
import { getMetric, type Metric } from '@nabla/metrics';
import { getOptimizer, type Optimizer } from '@nabla/optimizers';
import { add, concat, Random, slice, tidy, type Tensor } from '@nabla/tensor';
import { CallbackList, type Callback, type CallbackHooks, type Logs, type TrainingModel } from './callbacks/callback.js';
import { History } from './callbacks/history.js';
import { formatLogs, ProgressBar } from './callbacks/progress.js';
import { checkFinite, checkInputShape, checkTargets, checkTensorArg } from './data-checks.js';
import { batchOf, onOwnBackend } from './host-data.js';
import { formatSummary, type SummaryRow } from './summary.js';

export interface CompileArgs {
  /** An optimizer or its name ('adam', 'sgd', 'rmsprop', ...). */
  optimizer: string | Optimizer;
  /** A loss function or its Keras name ('categorical_crossentropy', 'mse', ...). */
  loss: string | LossFn;
  /** Metrics or their names; 'accuracy' is resolved from the loss and shapes as Keras does. */
  metrics?: readonly (string | Metric)[];
}

export interface FitArgs {
  /** Samples per gradient step (default 32). The dataset size gives full-batch gradient descent. */
  batchSize?: number;
  /** Default 1. */
  epochs?: number;
  /** 0 = silent, 1 = progress bar (default), 2 = one line per epoch. */
  verbose?: 0 | 1 | 2;
  /** Shuffle the training samples before each epoch (default true). */
  shuffle?: boolean;
  /** Seed of the shuffling (default: random). */
  seed?: number;
  /** Fraction of the samples, taken from the end before shuffling, held out for validation. */
  validationSplit?: number;
  /** Data to evaluate at the end of each epoch. */
  validationData?: readonly [Tensor, Tensor];
  callbacks?: readonly (Callback | CallbackHooks)[];
  /** Epoch to start counting from (resuming a run). */
  initialEpoch?: number;
}

export interface EvaluateArgs {
  /** Default 32. */
  batchSize?: number;
  /** 0 = silent (default), 1 = print one summary line. */
  verbose?: 0 | 1;
}

interface Compiled {
  optimizer: Optimizer;
  loss: LossFn;
  lossName: string;
  metricIds: readonly (string | Metric)[];
  metrics: Metric[] | null;
}

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
export class Sequential implements TrainingModel {
  readonly name: string;
  readonly layers: Layer[] = [];
  stopTraining = false;
  private compiled: Compiled | null = null;
  private shapes: LayerShape[] | null = null;

  constructor(layers: readonly Layer[] = [], opts: { name?: string } = {}) {
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
  apply(x: Tensor, opts: { training?: boolean } = {}): Tensor {
    return this.call(x, opts);
  }

  get weights(): Variable[] {
    return this.layers.flatMap((l) => l.weights);
  }

  get trainableWeights(): Variable[] {
    return this.layers.flatMap((l) => l.trainableWeights);
  }

  get nonTrainableWeights(): Variable[] {
    return this.layers.flatMap((l) => l.nonTrainableWeights);
  }

  /** Copies of every weight, layer by layer in Keras order. */
  getWeights(): Tensor[] {
    return this.layers.flatMap((l) => l.getWeights());
  }

  /** Sets every weight from `getWeights()`-ordered values. */
  setWeights(weights: readonly Tensor[]): void {
    const expected = this.layers.reduce((n, l) => n + l.weights.length, 0);
    if (weights.length !== expected) throw new RangeError(`${this.name}.setWeights: expected ${expected} arrays, got ${weights.length}`);
    let i = 0;
    for (const l of this.layers) {
      const n = l.weights.length;
      if (n > 0) l.setWeights(weights.slice(i, i + n));
      i += n;
    }
  }

  countParams(): number {
    return this.layers.reduce((n, l) => n + l.countParams(), 0);
  }

  /** Sum of the layers' regularization penalties, or null when there are none. */
  regularizationLoss(): Tensor | null {
    return tidy(() => {
      let total: Tensor | null = null;
      for (const l of this.layers) {
        const r = l.regularizationLoss();
        if (r) total = total ? add(total, r) : r;
      }
      return total;
    });
  }

  /** Chooses the optimizer, loss and metrics for training. */
  compile(args: CompileArgs): void {
    if (!args || typeof args !== 'object') throw new TypeError(`${this.name}.compile: expected { optimizer, loss, metrics? }`);
    if (args.loss === undefined) throw new TypeError(`${this.name}.compile: a loss is required`);
    if (args.optimizer === undefined) throw new TypeError(`${this.name}.compile: an optimizer is required`);
    this.disposeMetrics();
    this.compiled = {
      optimizer: getOptimizer(args.optimizer),
      loss: getLoss(args.loss),
      lossName: safeLossName(args.loss),
      metricIds: [...(args.metrics ?? [])],
      metrics: null,
    };
  }

  get optimizer(): Optimizer {
    return this.requireCompiled('optimizer').optimizer;
  }

  getLearningRate(): number {
    return this.optimizer.currentLearningRate;
  }

  setLearningRate(lr: number): void {
    this.optimizer.setLearningRate(lr);
  }

  private requireCompiled(op: string): Compiled {
    if (!this.compiled) throw new Error(`${this.name}.${op}: the model must be compiled first: call model.compile({ optimizer, loss, metrics })`);
    return this.compiled;
  }

  /** Metric objects, resolved once shapes are known (Keras resolves 'accuracy' from them). */
  private metricsFor(y: Tensor): Metric[] {
    const c = this.requireCompiled('metrics');
    if (!c.metrics) {
      const ctx = { lossName: c.lossName, yTrueShape: [...y.shape], yPredShape: [...this.outputShape] };
      c.metrics = c.metricIds.map((m) => getMetric(m, ctx));
      const names = new Set<string>(['loss']);
      for (const m of c.metrics) {
        if (names.has(m.name)) throw new Error(`${this.name}.compile: two metrics are named '${m.name}'`);
        names.add(m.name);
      }
    }
    return c.metrics;
  }

  private disposeMetrics(): void {
    for (const m of this.compiled?.metrics ?? []) m.dispose();
    if (this.compiled) this.compiled.metrics = null;
  }

  private async checkData(op: string, x: Tensor, y: Tensor): Promise<void> {
    checkTensorArg(op, 'x', x);
    checkTensorArg(op, 'y', y);
    if (x.shape[0] !== y.shape[0]) throw new RangeError(`${op}: x has ${x.shape[0]} samples (shape [${x.shape.join(',')}]) but y has ${y.shape[0]} (shape [${y.shape.join(',')}])`);
    const first = this.layers[0];
    const source = first instanceof Input ? `Input layer '${first.name}'` : first ? `first layer '${first.name}'` : 'no layers';
    checkInputShape(op, x, this.inputShape, source);
    this.ensureBuilt(x);
    const c = this.requireCompiled(op);
    await checkTargets(op, y, this.outputShape, c.lossName);
    await checkFinite(op, 'x', x);
    await checkFinite(op, 'y', y);
  }

  /** One gradient step on a batch; returns the loss (a scalar the caller disposes). */
  private trainStep(x: Tensor, y: Tensor, metrics: readonly Metric[]): Tensor {
    const c = this.requireCompiled('fit');
    const vars = this.trainableWeights;
    const lossOf = (): Tensor => {
      const pred = this.call(x, { training: true });
      const loss = c.loss(y, pred);
      noGrad(() => {
        for (const m of metrics) m.update(y, pred);
      });
      const reg = this.regularizationLoss();
      return reg ? add(loss, reg) : loss;
    };
    return tidy(() => {
      if (vars.length === 0) return lossOf();
      const { value, grads } = variableGrads(lossOf, vars);
      c.optimizer.applyGradients(vars.map((v) => [grads.get(v) ?? null, v] as const));
      return value;
    });
  }

  private async logsOf(loss: number, metrics: readonly Metric[], prefix = ''): Promise<Logs> {
    const logs: Logs = { [`${prefix}loss`]: loss };
    for (const m of metrics) logs[`${prefix}${m.name}`] = await m.result();
    return logs;
  }

  /**
   * Trains for `epochs` passes over (x, y) in mini-batches of `batchSize`, shuffled each epoch;
   * prints a progress bar (verbose 1) and returns the History of per-epoch logs.
   */
  async fit(x: Tensor, y: Tensor, args: FitArgs = {}): Promise<History> {
    this.requireCompiled('fit');
    const batchSize = args.batchSize ?? 32;
    const epochs = args.epochs ?? 1;
    const verbose = args.verbose ?? 1;
    const split = args.validationSplit ?? 0;
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`fit: batchSize must be a positive integer, got ${batchSize}`);
    if (!Number.isInteger(epochs) || epochs < 0) throw new RangeError(`fit: epochs must be a non-negative integer, got ${epochs}`);
    if (!(split >= 0 && split < 1)) throw new RangeError(`fit: validationSplit must be in [0, 1), got ${split}`);
    if (split > 0 && args.validationData) throw new Error('fit: pass validationSplit or validationData, not both');
    checkTensorArg('fit', 'x', x);
    checkTensorArg('fit', 'y', y);
    const owned: Tensor[] = [];
    try {
      let xt = x;
      let yt = y;
      let val: readonly [Tensor, Tensor] | null = args.validationData ?? null;
      if (split > 0) {
        const n = x.shape[0]!;
        const cut = Math.floor(n * (1 - split));
        if (cut === 0 || cut === n) throw new RangeError(`fit: validationSplit ${split} of ${n} samples leaves an empty training or validation set`);
        xt = onOwnBackend(x, () => slice(x, [0], [cut]));
        yt = onOwnBackend(y, () => slice(y, [0], [cut]));
        val = [onOwnBackend(x, () => slice(x, [cut])), onOwnBackend(y, () => slice(y, [cut]))];
        owned.push(xt, yt, val[0], val[1]);
      }
      await this.checkData('fit', xt, yt);
      if (val) await this.checkData('fit (validation data)', val[0], val[1]);

      const n = xt.shape[0]!;
      const steps = Math.ceil(n / batchSize);
      const metrics = this.metricsFor(yt);
      const history = new History();
      // as Keras: the user's callbacks first, then History, then the progress bar (so both see what callbacks add to the logs)
      const list = new CallbackList([...(args.callbacks ?? []), history, ...(verbose === 1 ? [new ProgressBar()] : [])]);
      const names = ['loss', ...metrics.map((m) => m.name)];
      list.setModel(this);
      list.setParams({ epochs, steps, samples: n, batchSize, verbose, metrics: val ? [...names, ...names.map((k) => `val_${k}`)] : names });
      const rng = new Random(args.seed ?? (Math.random() * 2 ** 32) >>> 0);
      this.stopTraining = false;
      await list.trainBegin();
      for (let epoch = args.initialEpoch ?? 0; epoch < epochs && !this.stopTraining; epoch++) {
        await list.epochBegin(epoch);
        for (const m of metrics) m.reset();
        const order = args.shuffle === false ? null : rng.permutation(n);
        let lossSum = 0;
        let seen = 0;
        let logs: Logs = {};
        for (let step = 0; step < steps; step++) {
          const start = step * batchSize;
          const size = Math.min(batchSize, n - start);
          await list.batchBegin(step, { batch: step, size });
          const xb = batchOf(xt, order, start, size);
          const yb = batchOf(yt, order, start, size);
          const lossT = this.trainStep(xb, yb, metrics);
          xb.dispose();
          yb.dispose();
          const loss = (await lossT.data())[0]!;
          lossT.dispose();
          lossSum += loss * size;
          seen += size;
          logs = await this.logsOf(lossSum / seen, metrics);
          await list.batchEnd(step, logs);
          if (this.stopTraining) break;
        }
        const epochLogs: Logs = { ...logs };
        if (val) Object.assign(epochLogs, await this.evaluateLogs(val[0], val[1], batchSize, 'val_'));
        if (verbose === 2) console.log(`Epoch ${epoch + 1}/${epochs} - ${formatLogs(sorted(epochLogs))}`);
        await list.epochEnd(epoch, epochLogs);
      }
      await list.trainEnd();
      return history;
    } finally {
      for (const t of owned) t.dispose();
    }
  }

  private async evaluateLogs(x: Tensor, y: Tensor, batchSize: number, prefix: string): Promise<Logs> {
    const c = this.requireCompiled('evaluate');
    // fresh metric objects for names, so validation does not disturb the training metrics
    // (Metric instances given to compile are shared: their epoch values were already logged)
    const ctx = { lossName: c.lossName, yTrueShape: [...y.shape], yPredShape: [...this.outputShape] };
    const metrics = c.metricIds.map((m) => (typeof m === 'string' ? getMetric(m, ctx) : m));
    try {
      for (const m of metrics) m.reset();
      const n = x.shape[0]!;
      let lossSum = 0;
      for (let start = 0; start < n; start += batchSize) {
        const size = Math.min(batchSize, n - start);
        const xb = batchOf(x, null, start, size);
        const yb = batchOf(y, null, start, size);
        const lossT = tidy(() => {
          const pred = this.call(xb, { training: false });
          for (const m of metrics) m.update(yb, pred);
          return c.loss(yb, pred);
        });
        xb.dispose();
        yb.dispose();
        lossSum += (await lossT.data())[0]! * size;
        lossT.dispose();
      }
      return await this.logsOf(n > 0 ? lossSum / n : NaN, metrics, prefix);
    } finally {
      metrics.forEach((m, i) => typeof c.metricIds[i] === 'string' && m.dispose());
    }
  }

  /**
   * Loss and metrics over (x, y), in batches: `{ loss, accuracy, ... }`.
   * @example const { loss, accuracy } = await model.evaluate(xTest, yTest);
   */
  async evaluate(x: Tensor, y: Tensor, args: EvaluateArgs = {}): Promise<Logs> {
    const batchSize = args.batchSize ?? 32;
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`evaluate: batchSize must be a positive integer, got ${batchSize}`);
    await this.checkData('evaluate', x, y);
    const logs = await this.evaluateLogs(x, y, batchSize, '');
    if (args.verbose === 1) console.log(formatLogs(sorted(logs)));
    return logs;
  }

  /** The model's outputs for x, computed in batches (default 32) in inference mode. */
  predict(x: Tensor, args: { batchSize?: number } = {}): Tensor {
    const batchSize = args.batchSize ?? 32;
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`predict: batchSize must be a positive integer, got ${batchSize}`);
    checkTensorArg('predict', 'x', x);
    const first = this.layers[0];
    checkInputShape('predict', x, this.inputShape, first ? `layer '${first.name}'` : 'no layers');
    const n = x.shape[0]!;
    const parts: Tensor[] = [];
    try {
      for (let start = 0; start < n; start += batchSize) {
        const xb = batchOf(x, null, start, Math.min(batchSize, n - start));
        parts.push(this.call(xb, { training: false }));
        xb.dispose();
      }
      return parts.length === 1 ? parts.pop()! : concat(parts, 0);
    } finally {
      for (const p of parts) p.dispose();
    }
  }

  /** Inference on one batch. */
  predictOnBatch(x: Tensor): Tensor {
    checkTensorArg('predictOnBatch', 'x', x);
    const xb = batchOf(x, null, 0, x.shape[0]!);
    try {
      return this.call(xb, { training: false });
    } finally {
      xb.dispose();
    }
  }

  /** One gradient step on one batch; returns that batch's `{ loss, metrics... }` (metrics reset first, as Keras). */
  async trainOnBatch(x: Tensor, y: Tensor): Promise<Logs> {
    await this.checkData('trainOnBatch', x, y);
    const metrics = this.metricsFor(y);
    for (const m of metrics) m.reset();
    const [xb, yb] = [batchOf(x, null, 0, x.shape[0]!), batchOf(y, null, 0, y.shape[0]!)];
    const lossT = this.trainStep(xb, yb, metrics);
    xb.dispose();
    yb.dispose();
    const loss = (await lossT.data())[0]!;
    lossT.dispose();
    return this.logsOf(loss, metrics);
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

  /** Saves architecture, weights and compile settings to a folder (Node). See `loadModel`. */
  async save(path: string): Promise<void> {
    const { saveModel } = await import('./save.js');
    await saveModel(this, path);
  }

  /** The compile settings (for saving). */
  get compileConfig(): { optimizer: Optimizer; loss: string; metrics: string[] } | null {
    const c = this.compiled;
    if (!c) return null;
    return { optimizer: c.optimizer, loss: c.lossName, metrics: c.metricIds.map((m) => (typeof m === 'string' ? m : m.name)) };
  }

  /** Frees every weight, optimizer slot and metric. */
  dispose(): void {
    this.disposeMetrics();
    this.compiled?.optimizer.dispose();
    for (const l of this.layers) l.dispose();
  }
}

function safeLossName(loss: string | LossFn): string {
  try {
    return lossName(loss);
  } catch {
    return typeof loss === 'function' && loss.name ? loss.name : 'custom_loss';
  }
}

function sorted(logs: Logs): Logs {
  const keys = Object.keys(logs).sort((a, b) => Number(a.startsWith('val_')) - Number(b.startsWith('val_')) || a.localeCompare(b));
  return Object.fromEntries(keys.map((k) => [k, logs[k]!]));
}
