/** Metric values after a batch or an epoch, e.g. `{ loss: 0.31, accuracy: 0.91, val_loss: 0.28 }`. */
export type Logs = Record<string, number>;

/** What a callback sees of the model it is attached to (kept small so callbacks stay testable). */
export interface TrainingModel {
  /** Set to true to end `fit` after the current epoch. */
  stopTraining: boolean;
  /** The optimizer's current learning rate (settable, for schedulers). */
  getLearningRate(): number;
  setLearningRate(lr: number): void;
  /** Writes the model to a path (Node). */
  save(path: string): Promise<unknown>;
  /** Copies of the weights, and putting such copies back (EarlyStopping's restoreBestWeights). */
  getWeights(): import('@nabla/tensor').Tensor[];
  setWeights(weights: readonly import('@nabla/tensor').Tensor[]): void;
}

/** Parameters `fit` passes to callbacks at the start of training. */
export interface TrainParams {
  epochs: number;
  /** Batches per epoch. */
  steps: number;
  samples: number;
  batchSize: number;
  verbose: number;
  /** Names of the values that will appear in logs (loss, metrics, val_*). */
  metrics: string[];
}

/**
 * Hooks into `fit` (and `evaluate`/`predict` batches). Override what you need; every
 * hook may be async. As in Keras, epochs count from 0 in hooks.
 */
export class Callback {
  model: TrainingModel | null = null;
  params: TrainParams | null = null;
  setModel(model: TrainingModel): void {
    this.model = model;
  }
  setParams(params: TrainParams): void {
    this.params = params;
  }
  onTrainBegin(_logs?: Logs): void | Promise<void> {}
  onTrainEnd(_logs?: Logs): void | Promise<void> {}
  onEpochBegin(_epoch: number, _logs?: Logs): void | Promise<void> {}
  onEpochEnd(_epoch: number, _logs?: Logs): void | Promise<void> {}
  onBatchBegin(_batch: number, _logs?: Logs): void | Promise<void> {}
  onBatchEnd(_batch: number, _logs?: Logs): void | Promise<void> {}
}

/** Plain-object callbacks: `{ onEpochEnd: (epoch, logs) => ... }`. */
export type CallbackHooks = Partial<Pick<Callback, 'onTrainBegin' | 'onTrainEnd' | 'onEpochBegin' | 'onEpochEnd' | 'onBatchBegin' | 'onBatchEnd'>>;

class HooksCallback extends Callback {
  constructor(private readonly hooks: CallbackHooks) {
    super();
  }
  override onTrainBegin(logs?: Logs) { return this.hooks.onTrainBegin?.(logs); }
  override onTrainEnd(logs?: Logs) { return this.hooks.onTrainEnd?.(logs); }
  override onEpochBegin(epoch: number, logs?: Logs) { return this.hooks.onEpochBegin?.(epoch, logs); }
  override onEpochEnd(epoch: number, logs?: Logs) { return this.hooks.onEpochEnd?.(epoch, logs); }
  override onBatchBegin(batch: number, logs?: Logs) { return this.hooks.onBatchBegin?.(batch, logs); }
  override onBatchEnd(batch: number, logs?: Logs) { return this.hooks.onBatchEnd?.(batch, logs); }
}

/** Calls a list of callbacks in order, awaiting each. */
export class CallbackList {
  readonly callbacks: Callback[];
  constructor(callbacks: readonly (Callback | CallbackHooks)[]) {
    this.callbacks = callbacks.map((c) => (c instanceof Callback ? c : new HooksCallback(c)));
  }
  setModel(model: TrainingModel): void {
    for (const c of this.callbacks) c.setModel(model);
  }
  setParams(params: TrainParams): void {
    for (const c of this.callbacks) c.setParams(params);
  }
  async trainBegin(logs: Logs = {}): Promise<void> {
    for (const c of this.callbacks) await c.onTrainBegin(logs);
  }
  async trainEnd(logs: Logs = {}): Promise<void> {
    for (const c of this.callbacks) await c.onTrainEnd(logs);
  }
  async epochBegin(epoch: number, logs: Logs = {}): Promise<void> {
    for (const c of this.callbacks) await c.onEpochBegin(epoch, logs);
  }
  async epochEnd(epoch: number, logs: Logs): Promise<void> {
    for (const c of this.callbacks) await c.onEpochEnd(epoch, logs);
  }
  async batchBegin(batch: number, logs: Logs = {}): Promise<void> {
    for (const c of this.callbacks) await c.onBatchBegin(batch, logs);
  }
  async batchEnd(batch: number, logs: Logs): Promise<void> {
    for (const c of this.callbacks) await c.onBatchEnd(batch, logs);
  }
}
