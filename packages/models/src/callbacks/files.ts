import { Callback, type Logs } from './callback.js';
import { resolveMode, type Mode } from './monitor.js';

export interface ModelCheckpointOptions {
  /** Default 'val_loss'. */
  monitor?: string;
  /** Only overwrite when the monitored value improves (default false). */
  saveBestOnly?: boolean;
  mode?: Mode;
  verbose?: number;
}

/**
 * Saves the model at the end of every epoch (Node). `{epoch}` in the path becomes the
 * 1-based epoch number, `{name}` any log value, as Keras formats it.
 * @example new ModelCheckpoint('checkpoints/epoch-{epoch}', { saveBestOnly: true })
 */
export class ModelCheckpoint extends Callback {
  readonly monitor: string;
  private readonly saveBestOnly: boolean;
  private readonly mode: 'min' | 'max';
  private readonly verbose: number;
  private best: number;

  constructor(readonly filepath: string, opts: ModelCheckpointOptions = {}) {
    super();
    this.monitor = opts.monitor ?? 'val_loss';
    this.saveBestOnly = opts.saveBestOnly ?? false;
    this.mode = resolveMode(opts.mode ?? 'auto', this.monitor);
    this.verbose = opts.verbose ?? 0;
    this.best = this.mode === 'min' ? Infinity : -Infinity;
  }

  /** The path for an epoch, with `{epoch}` and `{logName}` / `{logName:.4f}` filled in. */
  pathFor(epoch: number, logs: Logs): string {
    return this.filepath.replace(/\{(\w+)(?::[^}]*)?\}/g, (m, key: string) => {
      if (key === 'epoch') return String(epoch + 1).padStart(m.includes(':02d') ? 2 : 1, '0');
      const v = logs[key];
      if (v === undefined) return m;
      const digits = /\.(\d+)f/.exec(m);
      return digits ? v.toFixed(Number(digits[1])) : String(v);
    });
  }

  override async onEpochEnd(epoch: number, logs: Logs = {}): Promise<void> {
    if (!this.model) return;
    const path = this.pathFor(epoch, logs);
    if (this.saveBestOnly) {
      const current = logs[this.monitor];
      if (current === undefined) {
        console.warn(`ModelCheckpoint: can save best model only with '${this.monitor}' available, skipping.`);
        return;
      }
      const better = this.mode === 'min' ? current < this.best : current > this.best;
      if (!better) return;
      if (this.verbose > 0) console.log(`Epoch ${epoch + 1}: ${this.monitor} improved from ${this.best} to ${current}, saving model to ${path}`);
      this.best = current;
    } else if (this.verbose > 0) {
      console.log(`Epoch ${epoch + 1}: saving model to ${path}`);
    }
    await this.model.save(path);
  }
}

export interface CSVLoggerOptions {
  separator?: string;
  /** Append to an existing file instead of overwriting it (default false). */
  append?: boolean;
}

/** Streams each epoch's logs to a CSV file (Node): `epoch,accuracy,loss,...`. */
export class CSVLogger extends Callback {
  private keys: string[] | null = null;
  private lines: string[] = [];
  private readonly separator: string;
  private readonly append: boolean;

  constructor(readonly filename: string, opts: CSVLoggerOptions = {}) {
    super();
    this.separator = opts.separator ?? ',';
    this.append = opts.append ?? false;
  }

  override async onTrainBegin(): Promise<void> {
    this.keys = null;
    const fs = await import('node:fs/promises');
    if (!this.append) await fs.writeFile(this.filename, '');
    else {
      const existing = await fs.readFile(this.filename, 'utf8').catch(() => '');
      if (existing.length > 0) this.keys = existing.split('\n')[0]!.split(this.separator).slice(1);
    }
  }

  override async onEpochEnd(epoch: number, logs: Logs = {}): Promise<void> {
    const fs = await import('node:fs/promises');
    this.lines = [];
    if (this.keys === null) {
      this.keys = Object.keys(logs).sort();
      this.lines.push(['epoch', ...this.keys].join(this.separator));
    }
    this.lines.push([String(epoch), ...this.keys.map((k) => (logs[k] === undefined ? 'NA' : String(logs[k])))].join(this.separator));
    await fs.appendFile(this.filename, `${this.lines.join('\n')}\n`);
  }
}
