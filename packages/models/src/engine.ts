import { noGrad, variableGrads, type Variable } from '@nabla/autograd';
import type { Layer, LayerShape } from '@nabla/layers';
import { getMetric, type Metric } from '@nabla/metrics';
import { getOptimizer, type Optimizer } from '@nabla/optimizers';
import { add, concat, keep, mul, Random, reshape, slice, tidy, type Tensor } from '@nabla/tensor';
import { CallbackList, type Callback, type CallbackHooks, type Logs, type TrainingModel } from './callbacks/callback.js';
import { History } from './callbacks/history.js';
import type { IOHandler, SaveResult } from './io/types.js';
import type { SaveOptions } from './save.js';
import { formatLogs, ProgressBar } from './callbacks/progress.js';
import { checkFinite, checkInputShape, checkTargets, checkTensorArg } from './data-checks.js';
import { batchOf, onOwnBackend } from './host-data.js';
import { entryName, flatten, resolveOutputs, type LossSpec, type MetricsSpec, type OutputSpec, type TargetStruct, type TensorStruct } from './structure.js';

export interface CompileArgs {
  /** An optimizer or its name ('adam', 'sgd', 'rmsprop', ...). */
  optimizer: string | Optimizer;
  /**
   * A loss function or its Keras name ('categorical_crossentropy', 'mse', ...); for several outputs
   * one loss for all, a list in output order, or a record keyed by output layer name.
   */
  loss: LossSpec;
  /** Per-output factors of the total loss (list or record; default 1 each). */
  lossWeights?: readonly number[] | Readonly<Record<string, number>>;
  /** Metrics or their names ('accuracy' resolves from the loss and shapes as Keras does); per output as `loss`. */
  metrics?: MetricsSpec;
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
  validationData?: readonly [TensorStruct, TargetStruct];
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
  outputs: OutputSpec[];
}

type Data = { xs: Tensor[]; ys: (Tensor | null)[] };

/**
 * The training engine Sequential and the functional Model share (Keras' `Trainer`): compile, fit,
 * evaluate, predict, trainOnBatch, the weights API. Data and targets are flat lists in model
 * input/output order; subclasses supply the graph (names, shapes, `forward`).
 */
export abstract class Trainer implements TrainingModel {
  abstract readonly name: string;
  /** Every layer once (a shared layer appears once), in the order weights are listed. */
  abstract readonly layers: Layer[];
  stopTraining = false;
  private compiled: Compiled | null = null;

  /** Input layer names (keys of record-shaped x). */
  abstract get inputNames(): string[];
  /** Output layer names (keys of record-shaped y, loss and metrics; prefixes of per-output logs). */
  abstract get outputNames(): string[];
  /** The declared input shapes (batch as null), null where unknown until data arrives. */
  protected abstract declaredInputShapes(): (LayerShape | null)[];
  /** Where an input's shape comes from, for error messages. */
  protected abstract inputSource(i: number): string;
  /** Builds the model for these inputs if needed; the output shapes (batch as null). */
  protected abstract outputShapesFor(xs: readonly Tensor[]): LayerShape[];
  /** The outputs for a batch, in output order; the caller owns them. */
  protected abstract forward(xs: readonly Tensor[], training: boolean): Tensor[];
  /** Saves the model (architecture, weights, optimizer state): a folder path in Node, a URL such as `indexeddb://name`, or an IOHandler. */
  abstract save(target: string | IOHandler, opts?: SaveOptions): Promise<SaveResult>;

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

  /** Chooses the optimizer, the loss(es) and metrics for training. */
  compile(args: CompileArgs): void {
    if (!args || typeof args !== 'object') throw new TypeError(`${this.name}.compile: expected { optimizer, loss, metrics? }`);
    if (args.loss === undefined) throw new TypeError(`${this.name}.compile: a loss is required`);
    if (args.optimizer === undefined) throw new TypeError(`${this.name}.compile: an optimizer is required`);
    const outputs = resolveOutputs(`${this.name}.compile`, this.outputNames, args.loss, args.lossWeights, args.metrics);
    this.disposeMetrics();
    this.compiled = { optimizer: getOptimizer(args.optimizer), outputs };
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

  /** What compile resolved per output (for saving): loss name, weight, metric names. */
  protected get compiledOutputs(): { optimizer: Optimizer; outputs: readonly OutputSpec[] } | null {
    return this.compiled;
  }

  private requireCompiled(op: string): Compiled {
    if (!this.compiled) throw new Error(`${this.name}.${op}: the model must be compiled first: call model.compile({ optimizer, loss, metrics })`);
    return this.compiled;
  }

  /** Log-name prefix of an output's loss and metrics: none for a one-output model (Keras 3). */
  private prefix(o: OutputSpec): string {
    return this.compiled!.outputs.length > 1 ? `${o.name}_` : '';
  }

  /** Metric objects per output, resolved once shapes are known (Keras resolves 'accuracy' from them). */
  private metricsFor(ys: readonly (Tensor | null)[], outShapes: readonly LayerShape[]): Metric[][] {
    const c = this.requireCompiled('metrics');
    const names = new Set<string>(['loss', ...this.lossLogNames()]);
    return c.outputs.map((o, i) => {
      if (!o.metrics) {
        const y = ys[i];
        if (!y && o.metricIds.length) throw new Error(`${this.name}: output '${o.name}' has metrics but no targets were given`);
        const ctx = { lossName: o.lossName, yTrueShape: y ? [...y.shape] : [], yPredShape: [...outShapes[i]!] };
        o.metrics = o.metricIds.map((m) => getMetric(m, ctx));
        for (const m of o.metrics) {
          const key = `${this.prefix(o)}${m.name}`;
          if (names.has(key)) throw new Error(`${this.name}.compile: two metrics are named '${key}'`);
          names.add(key);
        }
      }
      return o.metrics;
    });
  }

  /** `<output>_loss` names logged for a model with several outputs with a loss (Keras 3). */
  private lossLogNames(): string[] {
    const c = this.compiled!;
    return c.outputs.length > 1 ? c.outputs.filter((o) => o.loss).map((o) => `${o.name}_loss`) : [];
  }

  private disposeMetrics(): void {
    for (const o of this.compiled?.outputs ?? []) {
      for (const m of o.metrics ?? []) m.dispose();
      o.metrics = null;
    }
  }

  /** x and y as flat lists in model order (outputs without a loss may lack targets). */
  protected flattenData(op: string, x: unknown, y: unknown): Data {
    const xs = flatten(op, 'x', x, this.inputNames) as Tensor[];
    const c = this.requireCompiled(op);
    const ys = flatten(op, 'y', y, this.outputNames, (i) => !c.outputs[i]!.loss);
    return { xs, ys };
  }

  private async checkData(op: string, d: Data): Promise<LayerShape[]> {
    const xn = this.inputNames;
    const yn = this.outputNames;
    d.xs.forEach((x, i) => checkTensorArg(op, entryName('x', xn, i), x));
    d.ys.forEach((y, i) => y && checkTensorArg(op, entryName('y', yn, i), y));
    const n = d.xs[0]!.shape[0];
    const all = [...d.xs.map((t, i) => [t, entryName('x', xn, i)] as const), ...d.ys.flatMap((t, i) => (t ? [[t, entryName('y', yn, i)] as const] : []))];
    for (const [t, what] of all) {
      if (t.shape[0] !== n) throw new RangeError(`${op}: ${all[0]![1]} has ${n} samples (shape [${d.xs[0]!.shape.join(',')}]) but ${what} has ${t.shape[0]} (shape [${t.shape.join(',')}])`);
    }
    const declared = this.declaredInputShapes();
    d.xs.forEach((x, i) => checkInputShape(op, x, declared[i] ?? null, this.inputSource(i)));
    const outShapes = this.outputShapesFor(d.xs);
    const c = this.requireCompiled(op);
    for (let i = 0; i < d.ys.length; i++) {
      const y = d.ys[i];
      if (y) await checkTargets(yn.length === 1 ? op : `${op} (output '${yn[i]}')`, y, outShapes[i]!, c.outputs[i]!.lossName);
    }
    for (const [t, what] of all) await checkFinite(op, what, t);
    return outShapes;
  }

  /** The weighted loss of each output with a loss (scalars), and their sum. */
  private losses(ys: readonly (Tensor | null)[], preds: readonly Tensor[]): { total: Tensor; parts: Tensor[] } {
    const c = this.compiled!;
    const parts: Tensor[] = [];
    c.outputs.forEach((o, i) => {
      if (!o.loss) return;
      const l = o.loss(ys[i]!, preds[i]!);
      parts.push(o.weight === 1 ? l : mul(l, o.weight));
    });
    return { total: parts.slice(1).reduce((a, p) => add(a, p), parts[0]!), parts };
  }

  private updateMetrics(metrics: readonly Metric[][], ys: readonly (Tensor | null)[], preds: readonly Tensor[]): void {
    noGrad(() => metrics.forEach((ms, i) => ms.forEach((m) => m.update(ys[i]!, preds[i]!))));
  }

  /** One gradient step on a batch; returns [total loss, ...weighted output losses] (a vector the caller disposes). */
  private trainStep(xs: readonly Tensor[], ys: readonly (Tensor | null)[], metrics: readonly Metric[][]): Tensor {
    const c = this.requireCompiled('fit');
    const vars = this.trainableWeights;
    let parts: Tensor | null = null;
    const lossOf = (): Tensor => {
      const preds = this.forward(xs, true);
      const l = this.losses(ys, preds);
      this.updateMetrics(metrics, ys, preds);
      // the per-output values outlive the gradient computation's scope (read with the total in one transfer)
      if (l.parts.length > 1) parts = keep(noGrad(() => concat(l.parts.map((p) => reshape(p, [1])))));
      const reg = this.regularizationLoss();
      return reg ? add(l.total, reg) : l.total;
    };
    try {
      return tidy(() => {
        let value: Tensor;
        if (vars.length === 0) value = lossOf();
        else {
          const r = variableGrads(lossOf, vars);
          c.optimizer.applyGradients(vars.map((v) => [r.grads.get(v) ?? null, v] as const));
          value = r.value;
        }
        return parts ? concat([reshape(value, [1]), parts], 0) : reshape(value, [1]);
      });
    } finally {
      (parts as Tensor | null)?.dispose();
    }
  }

  private async logsOf(lossValues: readonly number[], metrics: readonly Metric[][], prefix = ''): Promise<Logs> {
    const logs: Logs = { [`${prefix}loss`]: lossValues[0]! };
    this.lossLogNames().forEach((k, i) => (logs[`${prefix}${k}`] = lossValues[i + 1]!));
    const c = this.compiled!;
    for (let i = 0; i < c.outputs.length; i++) {
      for (const m of metrics[i]!) logs[`${prefix}${this.prefix(c.outputs[i]!)}${m.name}`] = await m.result();
    }
    return logs;
  }

  /**
   * Trains for `epochs` passes over (x, y) in mini-batches of `batchSize`, shuffled each epoch;
   * prints a progress bar (verbose 1) and returns the History of per-epoch logs.
   */
  async fit(x: TensorStruct, y: TargetStruct, args: FitArgs = {}): Promise<History> {
    this.requireCompiled('fit');
    const batchSize = args.batchSize ?? 32;
    const epochs = args.epochs ?? 1;
    const verbose = args.verbose ?? 1;
    const split = args.validationSplit ?? 0;
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`fit: batchSize must be a positive integer, got ${batchSize}`);
    if (!Number.isInteger(epochs) || epochs < 0) throw new RangeError(`fit: epochs must be a non-negative integer, got ${epochs}`);
    if (!(split >= 0 && split < 1)) throw new RangeError(`fit: validationSplit must be in [0, 1), got ${split}`);
    if (split > 0 && args.validationData) throw new Error('fit: pass validationSplit or validationData, not both');
    const data = this.flattenData('fit', x, y);
    data.xs.forEach((t, i) => checkTensorArg('fit', entryName('x', this.inputNames, i), t));
    data.ys.forEach((t, i) => t && checkTensorArg('fit', entryName('y', this.outputNames, i), t));
    const owned: Tensor[] = [];
    try {
      let train = data;
      let val: Data | null = args.validationData ? this.flattenData('fit (validation data)', args.validationData[0], args.validationData[1]) : null;
      if (split > 0) {
        const n = data.xs[0]!.shape[0]!;
        const cut = Math.floor(n * (1 - split));
        if (cut === 0 || cut === n) throw new RangeError(`fit: validationSplit ${split} of ${n} samples leaves an empty training or validation set`);
        const part = (t: Tensor | null, from: number, size?: number): Tensor | null => {
          if (!t) return null;
          const s = onOwnBackend(t, () => (size === undefined ? slice(t, [from]) : slice(t, [from], [size])));
          owned.push(s);
          return s;
        };
        train = { xs: data.xs.map((t) => part(t, 0, cut)!), ys: data.ys.map((t) => part(t, 0, cut)) };
        val = { xs: data.xs.map((t) => part(t, cut)!), ys: data.ys.map((t) => part(t, cut)) };
      }
      const outShapes = await this.checkData('fit', train);
      if (val) await this.checkData('fit (validation data)', val);

      const n = train.xs[0]!.shape[0]!;
      const steps = Math.ceil(n / batchSize);
      const metrics = this.metricsFor(train.ys, outShapes);
      const history = new History();
      // as Keras: the user's callbacks first, then History, then the progress bar (so both see what callbacks add to the logs)
      const list = new CallbackList([...(args.callbacks ?? []), history, ...(verbose === 1 ? [new ProgressBar()] : [])]);
      const c = this.compiled!;
      const names = ['loss', ...this.lossLogNames(), ...c.outputs.flatMap((o, i) => metrics[i]!.map((m) => `${this.prefix(o)}${m.name}`))];
      list.setModel(this);
      list.setParams({ epochs, steps, samples: n, batchSize, verbose, metrics: val ? [...names, ...names.map((k) => `val_${k}`)] : names });
      const rng = new Random(args.seed ?? (Math.random() * 2 ** 32) >>> 0);
      this.stopTraining = false;
      await list.trainBegin();
      for (let epoch = args.initialEpoch ?? 0; epoch < epochs && !this.stopTraining; epoch++) {
        await list.epochBegin(epoch);
        for (const m of metrics.flat()) m.reset();
        const order = args.shuffle === false ? null : rng.permutation(n);
        const sums: number[] = [];
        let seen = 0;
        let logs: Logs = {};
        for (let step = 0; step < steps; step++) {
          const start = step * batchSize;
          const size = Math.min(batchSize, n - start);
          await list.batchBegin(step, { batch: step, size });
          const values = await this.stepOn(train, order, start, size, (xs, ys) => this.trainStep(xs, ys, metrics));
          values.forEach((v, i) => (sums[i] = (sums[i] ?? 0) + v * size));
          seen += size;
          logs = await this.logsOf(sums.map((s) => s / seen), metrics);
          await list.batchEnd(step, logs);
          if (this.stopTraining) break;
        }
        const epochLogs: Logs = { ...logs };
        if (val) Object.assign(epochLogs, await this.evaluateLogs(val, batchSize, 'val_', outShapes));
        if (verbose === 2) console.log(`Epoch ${epoch + 1}/${epochs} - ${formatLogs(sorted(epochLogs))}`);
        await list.epochEnd(epoch, epochLogs);
      }
      await list.trainEnd();
      return history;
    } finally {
      for (const t of owned) t.dispose();
    }
  }

  /** Runs `fn` on the batch [start, start+size) (moved to the active backend) and reads its loss vector. */
  private async stepOn(d: Data, order: Int32Array | null, start: number, size: number, fn: (xs: Tensor[], ys: (Tensor | null)[]) => Tensor): Promise<number[]> {
    const xs = d.xs.map((t) => batchOf(t, order, start, size));
    const ys = d.ys.map((t) => (t ? batchOf(t, order, start, size) : null));
    let out: Tensor;
    try {
      out = fn(xs, ys);
    } finally {
      for (const t of [...xs, ...ys]) t?.dispose();
    }
    try {
      return Array.from(await out.data());
    } finally {
      out.dispose();
    }
  }

  private async evaluateLogs(d: Data, batchSize: number, prefix: string, outShapes: readonly LayerShape[]): Promise<Logs> {
    const c = this.requireCompiled('evaluate');
    // fresh metric objects for names, so validation does not disturb the training metrics
    // (Metric instances given to compile are shared: their epoch values were already logged)
    const metrics = c.outputs.map((o, i) => {
      const ctx = { lossName: o.lossName, yTrueShape: d.ys[i] ? [...d.ys[i]!.shape] : [], yPredShape: [...outShapes[i]!] };
      return o.metricIds.map((m) => (typeof m === 'string' ? getMetric(m, ctx) : m));
    });
    try {
      for (const m of metrics.flat()) m.reset();
      const n = d.xs[0]!.shape[0]!;
      const sums: number[] = [];
      for (let start = 0; start < n; start += batchSize) {
        const size = Math.min(batchSize, n - start);
        const values = await this.stepOn(d, null, start, size, (xs, ys) =>
          tidy(() => {
            const preds = this.forward(xs, false);
            this.updateMetrics(metrics, ys, preds);
            const l = this.losses(ys, preds);
            // Keras 3 counts the layers' regularization penalties in the evaluated loss too
            const reg = this.regularizationLoss();
            const total = reg ? add(l.total, reg) : l.total;
            return concat([reshape(total, [1]), ...(l.parts.length > 1 ? l.parts.map((p) => reshape(p, [1])) : [])], 0);
          }),
        );
        values.forEach((v, i) => (sums[i] = (sums[i] ?? 0) + v * size));
      }
      return await this.logsOf(n > 0 ? sums.map((s) => s / n) : [NaN, ...this.lossLogNames().map(() => NaN)], metrics, prefix);
    } finally {
      metrics.forEach((ms, i) => ms.forEach((m, j) => typeof c.outputs[i]!.metricIds[j] === 'string' && m.dispose()));
    }
  }

  /** Loss and metrics over (x, y), in batches: `{ loss, accuracy, ... }` (`<output>_loss`, `<output>_<metric>` with several outputs). */
  async evaluate(x: TensorStruct, y: TargetStruct, args: EvaluateArgs = {}): Promise<Logs> {
    const batchSize = args.batchSize ?? 32;
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`evaluate: batchSize must be a positive integer, got ${batchSize}`);
    const d = this.flattenData('evaluate', x, y);
    const outShapes = await this.checkData('evaluate', d);
    const logs = await this.evaluateLogs(d, batchSize, '', outShapes);
    if (args.verbose === 1) console.log(formatLogs(sorted(logs)));
    return logs;
  }

  /** The outputs for x, computed in batches (default 32) in inference mode, in output order. */
  protected predictData(x: unknown, args: { batchSize?: number }): Tensor[] {
    const batchSize = args.batchSize ?? 32;
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`predict: batchSize must be a positive integer, got ${batchSize}`);
    const xs = flatten('predict', 'x', x, this.inputNames) as Tensor[];
    xs.forEach((t, i) => checkTensorArg('predict', entryName('x', this.inputNames, i), t));
    const declared = this.declaredInputShapes();
    xs.forEach((t, i) => checkInputShape('predict', t, declared[i] ?? null, this.inputSource(i)));
    const n = xs[0]!.shape[0]!;
    const parts: Tensor[][] = [];
    try {
      for (let start = 0; start < n; start += batchSize) {
        const batch = xs.map((t) => batchOf(t, null, start, Math.min(batchSize, n - start)));
        try {
          parts.push(this.forward(batch, false));
        } finally {
          for (const t of batch) t.dispose();
        }
      }
      if (parts.length === 1) return parts.pop()!;
      return parts[0]!.map((_, j) => concat(parts.map((p) => p[j]!), 0));
    } finally {
      for (const t of parts.flat()) t.dispose();
    }
  }

  /** Inference on one batch, in output order. */
  protected predictBatch(x: unknown): Tensor[] {
    const xs = flatten('predictOnBatch', 'x', x, this.inputNames) as Tensor[];
    xs.forEach((t, i) => checkTensorArg('predictOnBatch', entryName('x', this.inputNames, i), t));
    const batch = xs.map((t) => batchOf(t, null, 0, t.shape[0]!));
    try {
      return this.forward(batch, false);
    } finally {
      for (const t of batch) t.dispose();
    }
  }

  /** One gradient step on one batch; returns that batch's logs (metrics reset first, as Keras). */
  async trainOnBatch(x: TensorStruct, y: TargetStruct): Promise<Logs> {
    const d = this.flattenData('trainOnBatch', x, y);
    const outShapes = await this.checkData('trainOnBatch', d);
    const metrics = this.metricsFor(d.ys, outShapes);
    for (const m of metrics.flat()) m.reset();
    const values = await this.stepOn(d, null, 0, d.xs[0]!.shape[0]!, (xs, ys) => this.trainStep(xs, ys, metrics));
    return this.logsOf(values, metrics);
  }

  /** Frees every weight, optimizer slot and metric. */
  dispose(): void {
    this.disposeMetrics();
    this.compiled?.optimizer.dispose();
    for (const l of this.layers) l.dispose();
  }
}

function sorted(logs: Logs): Logs {
  const keys = Object.keys(logs).sort((a, b) => Number(a.startsWith('val_')) - Number(b.startsWith('val_')) || a.localeCompare(b));
  return Object.fromEntries(keys.map((k) => [k, logs[k]!]));
}
