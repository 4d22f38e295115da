import { Callback, type Logs } from './callback.js';

/** Records every epoch's logs; `fit` returns it. @example history.history.loss // [0.3, 0.12, ...] */
export class History extends Callback {
  readonly epoch: number[] = [];
  readonly history: Record<string, number[]> = {};
  override onEpochEnd(epoch: number, logs: Logs = {}): void {
    this.epoch.push(epoch);
    for (const [k, v] of Object.entries(logs)) (this.history[k] ??= []).push(v);
  }
}
