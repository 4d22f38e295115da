import type { Sequential } from '@nabla/models';
import type { Logs } from '@nabla/models';
import type { FromWorker } from '../lib/protocol.ts';
import type { Digits } from './mnist.ts';

/** Pause/resume/stop, checked between batches. */
export class RunControl {
  paused = false;
  stopped = false;
  private wake: (() => void) | null = null;
  pause(): void { this.paused = true; }
  resume(): void { this.paused = false; this.wake?.(); this.wake = null; }
  stop(): void { this.stopped = true; this.resume(); }
  /** Lets queued messages (pause, stop, predict) run, then waits while paused. */
  async checkpoint(): Promise<void> {
    await yieldToEvents();
    while (this.paused) await new Promise<void>((r) => { this.wake = r; });
  }
}

/** A macrotask turn (faster than setTimeout's clamp): the CPU backend's awaits alone never let messages in. */
export function yieldToEvents(): Promise<void> {
  return new Promise((resolve) => {
    const ch = new MessageChannel();
    ch.port1.onmessage = () => { ch.port1.close(); resolve(); };
    ch.port2.postMessage(0);
  });
}

/**
 * Trains with Sequential.fit, reporting every batch's own loss and accuracy (recovered from fit's
 * running epoch means) and the speed: samples per second of batch time, without the first batch
 * (shader compilation and warm-up) when there is more than one.
 */
export async function train(
  model: Sequential, data: Digits, test: Digits,
  opts: { epochs: number; batchSize: number; control: RunControl; post: (m: FromWorker) => void },
): Promise<void> {
  const { epochs, batchSize, control, post } = opts;
  const n = data.images.shape[0]!;
  const steps = Math.ceil(n / batchSize);
  let epochNow = 1, seen = 0, prevLoss = 0, prevAcc = 0, size = 0, t0 = 0;
  let warmMs = 0, warmSamples = 0, allMs = 0, allSamples = 0, batches = 0;
  const speed = () => (batches > 1 ? warmSamples / (warmMs / 1000) : allSamples / (allMs / 1000));
  await model.fit(data.images, data.labels, {
    batchSize, epochs, verbose: 0, seed: 7,
    callbacks: [{
      onEpochBegin: (e: number) => { epochNow = e + 1; seen = 0; prevLoss = 0; prevAcc = 0; },
      onBatchBegin: (_b: number, logs?: Logs) => { size = logs?.size ?? batchSize; t0 = performance.now(); },
      onBatchEnd: async (b: number, logs?: Logs) => {
        const ms = performance.now() - t0;
        allMs += ms; allSamples += size;
        if (batches++ > 0) { warmMs += ms; warmSamples += size; }
        const loss = logs?.loss ?? NaN;
        const acc = logs?.accuracy ?? logs?.sparse_categorical_accuracy ?? NaN;
        const total = seen + size;
        const batchLoss = (loss * total - prevLoss * seen) / size;
        const batchAcc = (acc * total - prevAcc * seen) / size;
        seen = total; prevLoss = loss; prevAcc = acc;
        post({ type: 'batch', step: b + 1, steps, epoch: epochNow, epochs, loss: batchLoss, accuracy: batchAcc, samplesPerSec: speed() });
        await control.checkpoint();
        if (control.stopped) model.stopTraining = true;
      },
      onEpochEnd: async (epoch: number) => {
        const r = await model.evaluate(test.images, test.labels, { batchSize: 500 });
        post({ type: 'epoch', epoch: epoch + 1, testLoss: r.loss!, testAccuracy: r.accuracy ?? r.sparse_categorical_accuracy ?? NaN });
      },
    }],
  });
  post({ type: 'done', samplesPerSec: speed(), seconds: allMs / 1000, samples: allSamples, stopped: control.stopped });
}
