import { Callback, type Logs } from './callback.js';

/** Where progress goes: a TTY gets one redrawn line, anything else one line per update. */
export interface ProgressSink {
  isTTY: boolean;
  write(s: string): void;
}

function defaultSink(): ProgressSink {
  const out = (globalThis as { process?: { stdout?: { isTTY?: boolean; write(s: string): boolean } } }).process?.stdout;
  if (out) return { isTTY: Boolean(out.isTTY), write: (s) => void out.write(s) };
  let line = '';
  return { isTTY: false, write: (s) => { line += s; if (line.endsWith('\n')) { console.log(line.slice(0, -1)); line = ''; } } };
}

export function formatDuration(seconds: number): string {
  if (seconds >= 3600) return `${Math.floor(seconds / 3600)}:${String(Math.floor((seconds % 3600) / 60)).padStart(2, '0')}:${String(Math.floor(seconds % 60)).padStart(2, '0')}`;
  if (seconds >= 60) return `${Math.floor(seconds / 60)}m${String(Math.floor(seconds % 60)).padStart(2, '0')}s`;
  if (seconds >= 1) return `${Math.round(seconds)}s`;
  return `${Math.round(seconds * 1000)}ms`;
}

function formatValue(v: number): string {
  if (v !== 0 && Math.abs(v) < 1e-3) return v.toExponential(4);
  return v.toFixed(4);
}

/** `loss: 0.3012 - accuracy: 0.9120`, in the order the logs list them. */
export function formatLogs(logs: Logs): string {
  return Object.entries(logs).map(([k, v]) => `${k}: ${formatValue(v)}`).join(' - ');
}

/**
 * Keras' per-epoch progress bar: `Epoch 1/3`, then
 * `469/469 ━━━━━━━━━━━━━━━━━━━━ 12s 25ms/step - accuracy: 0.9120 - loss: 0.3012`.
 * Redraws one line on a terminal; elsewhere (CI logs) prints a line about every 10% of the epoch.
 */
export class ProgressBar extends Callback {
  private readonly sink: ProgressSink;
  private epochStart = 0;
  private lastDraw = 0;
  private lastPct = -1;
  private epochs = 0;
  constructor(sink?: ProgressSink, private readonly now: () => number = () => performance.now()) {
    super();
    this.sink = sink ?? defaultSink();
  }
  override onTrainBegin(): void {
    this.epochs = this.params?.epochs ?? 0;
  }
  override onEpochBegin(epoch: number): void {
    this.sink.write(`Epoch ${epoch + 1}/${this.epochs}\n`);
    this.epochStart = this.now();
    this.lastDraw = 0;
    this.lastPct = -1;
  }
  override onBatchEnd(batch: number, logs: Logs = {}): void {
    const steps = this.params?.steps ?? 0;
    const done = batch + 1;
    if (done >= steps) return; // the epoch end draws the final line with validation values
    const t = this.now();
    if (this.sink.isTTY) {
      if (t - this.lastDraw < 100) return;
      this.lastDraw = t;
      this.sink.write(`\r${this.line(done, steps, t, logs, true)}\x1b[K`);
    } else {
      const pct = Math.floor((10 * done) / steps);
      if (pct === this.lastPct) return;
      this.lastPct = pct;
      this.sink.write(`${this.line(done, steps, t, logs, true)}\n`);
    }
  }
  override onEpochEnd(_epoch: number, logs: Logs = {}): void {
    const steps = this.params?.steps ?? 0;
    const line = this.line(steps, steps, this.now(), logs, false);
    this.sink.write(this.sink.isTTY ? `\r${line}\x1b[K\n` : `${line}\n`);
  }
  private line(done: number, steps: number, t: number, logs: Logs, running: boolean): string {
    const width = 20;
    const filled = steps > 0 ? Math.round((width * done) / steps) : width;
    const bar = '━'.repeat(filled) + '─'.repeat(width - filled);
    const elapsed = (t - this.epochStart) / 1000;
    const perStep = done > 0 ? elapsed / done : 0;
    const time = running ? `ETA ${formatDuration(perStep * (steps - done))}` : `${formatDuration(elapsed)} ${formatDuration(perStep)}/step`;
    const pad = String(steps).length;
    const values = formatLogs(logs);
    return `${String(done).padStart(pad)}/${steps} ${bar} ${time}${values ? ` - ${values}` : ''}`;
  }
}
