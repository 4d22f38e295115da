import { Callback, type Logs } from './callback.js';
import { resolveMode, type Mode } from './monitor.js';

export interface ReduceLROnPlateauOptions {
  /** Default 'val_loss'. */
  monitor?: string;
  /** New rate = rate · factor (default 0.1). */
  factor?: number;
  /** Epochs without improvement before reducing (default 10). */
  patience?: number;
  verbose?: number;
  mode?: Mode;
  /** Default 1e-4. */
  minDelta?: number;
  /** Epochs to wait after a reduction (default 0). */
  cooldown?: number;
  /** Default 0. */
  minLr?: number;
}

/**
 * Multiplies the learning rate by `factor` when the monitored value plateaus (Keras 3 semantics).
 * @example new ReduceLROnPlateau({ factor: 0.5, patience: 2 })
 */
export class ReduceLROnPlateau extends Callback {
  readonly monitor: string;
  private readonly factor: number;
  private readonly patience: number;
  private readonly verbose: number;
  private readonly mode: 'min' | 'max';
  private readonly minDelta: number;
  private readonly cooldown: number;
  private readonly minLr: number;
  private wait = 0;
  private cooldownCounter = 0;
  private best = Infinity;

  constructor(opts: ReduceLROnPlateauOptions = {}) {
    super();
    this.monitor = opts.monitor ?? 'val_loss';
    this.factor = opts.factor ?? 0.1;
    if (this.factor >= 1) throw new RangeError(`ReduceLROnPlateau: factor must be < 1, got ${this.factor}`);
    this.patience = opts.patience ?? 10;
    this.verbose = opts.verbose ?? 0;
    this.mode = resolveMode(opts.mode ?? 'auto', this.monitor);
    this.minDelta = opts.minDelta ?? 1e-4;
    this.cooldown = opts.cooldown ?? 0;
    this.minLr = opts.minLr ?? 0;
    this.reset();
  }

  private reset(): void {
    this.best = this.mode === 'min' ? Infinity : -Infinity;
    this.cooldownCounter = 0;
    this.wait = 0;
  }

  private better(a: number, b: number): boolean {
    return this.mode === 'min' ? a < b - this.minDelta : a > b + this.minDelta;
  }

  override onTrainBegin(): void {
    this.reset();
  }

  override onEpochEnd(epoch: number, logs: Logs = {}): void {
    const model = this.model;
    if (!model) return;
    logs.learning_rate = model.getLearningRate();
    const current = logs[this.monitor];
    if (current === undefined) {
      console.warn(`ReduceLROnPlateau: monitored value '${this.monitor}' is not in the logs (${Object.keys(logs).join(', ')})`);
      return;
    }
    if (this.cooldownCounter > 0) {
      this.cooldownCounter -= 1;
      this.wait = 0;
    }
    if (this.better(current, this.best)) {
      this.best = current;
      this.wait = 0;
    } else if (this.cooldownCounter <= 0) {
      this.wait += 1;
      if (this.wait >= this.patience) {
        const old = model.getLearningRate();
        if (old > this.minLr) {
          const next = Math.max(old * this.factor, this.minLr);
          model.setLearningRate(next);
          if (this.verbose > 0) console.log(`Epoch ${epoch + 1}: ReduceLROnPlateau reducing learning rate to ${next}.`);
          this.cooldownCounter = this.cooldown;
          this.wait = 0;
        }
      }
    }
  }
}

/**
 * Sets the learning rate at the start of each epoch from `schedule(epoch, currentLr)`.
 * @example new LearningRateScheduler((epoch, lr) => (epoch < 2 ? lr : lr * 0.5))
 */
export class LearningRateScheduler extends Callback {
  constructor(private readonly schedule: (epoch: number, lr: number) => number, private readonly verbose = 0) {
    super();
  }
  override onEpochBegin(epoch: number): void {
    const model = this.model;
    if (!model) return;
    const lr = this.schedule(epoch, model.getLearningRate());
    if (typeof lr !== 'number' || !Number.isFinite(lr)) throw new TypeError(`LearningRateScheduler: the schedule returned ${lr} for epoch ${epoch}`);
    model.setLearningRate(lr);
    if (this.verbose > 0) console.log(`Epoch ${epoch + 1}: LearningRateScheduler setting learning rate to ${lr}.`);
  }
  override onEpochEnd(_epoch: number, logs: Logs = {}): void {
    if (this.model) logs.learning_rate = this.model.getLearningRate();
  }
}

/** Stops training as soon as a batch's loss is NaN or infinite. */
export class TerminateOnNaN extends Callback {
  override onBatchEnd(batch: number, logs: Logs = {}): void {
    const loss = logs.loss;
    if (loss !== undefined && !Number.isFinite(loss)) {
      console.log(`Batch ${batch}: Invalid loss, terminating training`);
      if (this.model) this.model.stopTraining = true;
    }
  }
}
