import type { Tensor } from '@nabla/tensor';
import { Callback, type Logs } from './callback.js';
import { resolveMode, type Mode } from './monitor.js';

export interface EarlyStoppingOptions {
  /** Default 'val_loss'. */
  monitor?: string;
  /** Smallest change that counts as an improvement (default 0). */
  minDelta?: number;
  /** Epochs without improvement before stopping (default 0). */
  patience?: number;
  verbose?: number;
  mode?: Mode;
  /** Training stops if the monitored value does not beat this baseline. */
  baseline?: number;
  /** Put back the best epoch's weights when stopping (default false). */
  restoreBestWeights?: boolean;
  /** Epochs to wait before monitoring starts (default 0). */
  startFromEpoch?: number;
}

/**
 * Stops `fit` when the monitored value stops improving (Keras 3 semantics).
 * @example new EarlyStopping({ monitor: 'val_loss', patience: 2, restoreBestWeights: true })
 */
export class EarlyStopping extends Callback {
  readonly monitor: string;
  private readonly minDelta: number;
  private readonly patience: number;
  private readonly verbose: number;
  private readonly mode: 'min' | 'max';
  private readonly baseline: number | undefined;
  private readonly restoreBestWeights: boolean;
  private readonly startFromEpoch: number;
  wait = 0;
  stoppedEpoch = 0;
  best: number | null = null;
  bestEpoch = 0;
  private bestWeights: Tensor[] | null = null;

  constructor(opts: EarlyStoppingOptions = {}) {
    super();
    this.monitor = opts.monitor ?? 'val_loss';
    this.minDelta = Math.abs(opts.minDelta ?? 0);
    this.patience = opts.patience ?? 0;
    this.verbose = opts.verbose ?? 0;
    this.mode = resolveMode(opts.mode ?? 'auto', this.monitor);
    this.baseline = opts.baseline;
    this.restoreBestWeights = opts.restoreBestWeights ?? false;
    this.startFromEpoch = opts.startFromEpoch ?? 0;
  }

  private isImprovement(value: number, reference: number | null | undefined): boolean {
    if (reference === null || reference === undefined) return true;
    return this.mode === 'min' ? value + this.minDelta < reference : value - this.minDelta > reference;
  }

  private keepWeights(): void {
    for (const w of this.bestWeights ?? []) w.dispose();
    this.bestWeights = this.model?.getWeights() ?? null;
  }

  override onTrainBegin(): void {
    this.wait = 0;
    this.stoppedEpoch = 0;
    this.best = null;
    this.bestEpoch = 0;
    for (const w of this.bestWeights ?? []) w.dispose();
    this.bestWeights = null;
  }

  override onEpochEnd(epoch: number, logs: Logs = {}): void {
    const current = logs[this.monitor];
    if (current === undefined) {
      console.warn(`EarlyStopping: monitored value '${this.monitor}' is not in the logs (${Object.keys(logs).join(', ')})`);
      return;
    }
    if (epoch < this.startFromEpoch) return;
    if (this.restoreBestWeights && this.bestWeights === null) this.keepWeights();
    this.wait += 1;
    if (this.isImprovement(current, this.best)) {
      this.best = current;
      this.bestEpoch = epoch;
      if (this.restoreBestWeights) this.keepWeights();
      if (this.baseline === undefined || this.isImprovement(current, this.baseline)) this.wait = 0;
      return;
    }
    if (this.wait >= this.patience && epoch > 0) {
      this.stoppedEpoch = epoch;
      if (this.model) this.model.stopTraining = true;
    }
  }

  override onTrainEnd(): void {
    if (this.stoppedEpoch > 0 && this.verbose > 0) console.log(`Epoch ${this.stoppedEpoch + 1}: early stopping`);
    if (this.restoreBestWeights && this.bestWeights && this.stoppedEpoch > 0 && this.model) {
      if (this.verbose > 0) console.log(`Restoring model weights from the end of the best epoch: ${this.bestEpoch + 1}.`);
      this.model.setWeights(this.bestWeights);
    }
    for (const w of this.bestWeights ?? []) w.dispose();
    this.bestWeights = null;
  }
}
