import { Dense, Input } from '@nabla/layers';
import { SGD } from '@nabla/optimizers';
import { tensor, type Tensor } from '@nabla/tensor';
import { describe, expect, it } from 'vitest';
import {
  CSVLogger, EarlyStopping, LearningRateScheduler, ModelCheckpoint, ProgressBar, ReduceLROnPlateau, Sequential, TerminateOnNaN,
  type Logs, type TrainingModel,
} from '../src/index.js';
import './setup.js';

/** A stand-in model that records what callbacks do to it. */
function fakeModel(lr = 0.1): TrainingModel & { lr: number; saved: string[]; restored: number } {
  const m = {
    stopTraining: false, lr, saved: [] as string[], restored: 0,
    getLearningRate: () => m.lr,
    setLearningRate: (v: number) => { m.lr = v; },
    save: async (p: string) => { m.saved.push(p); },
    getWeights: (): Tensor[] => [],
    setWeights: () => { m.restored++; },
  };
  return m;
}

async function drive(cb: { onTrainBegin(): unknown; onEpochEnd(e: number, l: Logs): unknown; onTrainEnd(): unknown }, values: number[], key = 'val_loss', model?: { stopTraining: boolean }): Promise<number> {
  await cb.onTrainBegin();
  let epoch = 0;
  for (; epoch < values.length; epoch++) {
    await cb.onEpochEnd(epoch, { [key]: values[epoch]! });
    if (model?.stopTraining) break;
  }
  await cb.onTrainEnd();
  return epoch;
}

describe('callbacks', () => {
  it('EarlyStopping stops after `patience` epochs without improvement (Keras semantics)', async () => {
    const m = fakeModel();
    const es = new EarlyStopping({ patience: 2 });
    es.setModel(m);
    // best at epoch 1; epochs 2 and 3 do not improve -> stop at epoch 3
    const stoppedAt = await drive(es, [1.0, 0.5, 0.6, 0.55, 0.1], 'val_loss', m);
    expect(stoppedAt).toBe(3);
    expect(es.stoppedEpoch).toBe(3);
    expect(es.bestEpoch).toBe(1);
  });

  it('EarlyStopping honours minDelta, mode max and restoreBestWeights', async () => {
    const m = fakeModel();
    const es = new EarlyStopping({ monitor: 'val_accuracy', patience: 1, minDelta: 0.05, restoreBestWeights: true });
    es.setModel(m);
    const stoppedAt = await drive(es, [0.5, 0.52, 0.9], 'val_accuracy', m);
    expect(stoppedAt).toBe(1); // +0.02 is below minDelta
    expect(m.restored).toBe(1);
  });

  it('ReduceLROnPlateau multiplies the rate by factor after patience, respecting cooldown and minLr', async () => {
    const m = fakeModel(0.1);
    const r = new ReduceLROnPlateau({ factor: 0.5, patience: 2, cooldown: 1, minLr: 0.02 });
    r.setModel(m);
    r.onTrainBegin();
    const lrs: number[] = [];
    [1, 1, 1, 1, 1, 1, 1, 1].forEach((v, e) => {
      r.onEpochEnd(e, { val_loss: v });
      lrs.push(m.lr);
    });
    // Keras: wait reaches patience at epoch 2, cooldown resets it for one epoch, then two more epochs each time
    expect(lrs).toEqual([0.1, 0.1, 0.05, 0.05, 0.025, 0.025, 0.02, 0.02]);
  });

  it('LearningRateScheduler sets the optimizer rate each epoch during fit', async () => {
    const model = new Sequential([new Input({ shape: [1] }), new Dense({ units: 1 })]);
    const opt = new SGD({ learningRate: 0.1 });
    model.compile({ optimizer: opt, loss: 'mse' });
    const seen: number[] = [];
    const x = tensor([[1], [2]]);
    const h = await model.fit(x, x, {
      epochs: 3, verbose: 0,
      callbacks: [new LearningRateScheduler((epoch) => 0.1 / (epoch + 1)), { onEpochEnd: () => void seen.push(opt.currentLearningRate) }],
    });
    expect(seen.map((v) => Number(v.toFixed(6)))).toEqual([0.1, 0.05, 0.033333]);
    expect(h.history.learning_rate!.map((v) => Number(v.toFixed(6)))).toEqual([0.1, 0.05, 0.033333]);
    x.dispose();
    model.dispose();
  });

  it('TerminateOnNaN stops on a non-finite loss', () => {
    const m = fakeModel();
    const t = new TerminateOnNaN();
    t.setModel(m);
    t.onBatchEnd(0, { loss: 1 });
    expect(m.stopTraining).toBe(false);
    t.onBatchEnd(1, { loss: NaN });
    expect(m.stopTraining).toBe(true);
  });

  it('ModelCheckpoint formats paths and saves only improvements with saveBestOnly', async () => {
    const m = fakeModel();
    const c = new ModelCheckpoint('ckpt/epoch-{epoch:02d}-{val_loss:.2f}', { saveBestOnly: true });
    c.setModel(m);
    await c.onEpochEnd(0, { val_loss: 0.5 });
    await c.onEpochEnd(1, { val_loss: 0.7 });
    await c.onEpochEnd(2, { val_loss: 0.25 });
    expect(m.saved).toEqual(['ckpt/epoch-01-0.50', 'ckpt/epoch-03-0.25']);
  });

  it('CSVLogger writes a header and one row per epoch', async () => {
    const { mkdtemp, readFile } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const file = join(await mkdtemp(join(tmpdir(), 'nabla-csv-')), 'log.csv');
    const c = new CSVLogger(file);
    await c.onTrainBegin();
    await c.onEpochEnd(0, { loss: 0.5, accuracy: 0.8 });
    await c.onEpochEnd(1, { loss: 0.25, accuracy: 0.9 });
    expect(await readFile(file, 'utf8')).toBe('epoch,accuracy,loss\n0,0.8,0.5\n1,0.9,0.25\n');
  });

  it('the progress bar prints Keras-style lines about every 10% when not on a terminal', () => {
    const out: string[] = [];
    let now = 0;
    const bar = new ProgressBar({ isTTY: false, write: (s) => void out.push(s) }, () => now);
    bar.setParams({ epochs: 2, steps: 10, samples: 100, batchSize: 10, verbose: 1, metrics: ['loss'] });
    bar.onTrainBegin();
    bar.onEpochBegin(0);
    for (let b = 0; b < 10; b++) {
      now += 100;
      bar.onBatchEnd(b, { loss: 1 / (b + 1) });
    }
    bar.onEpochEnd(0, { loss: 0.1, accuracy: 0.95 });
    expect(out[0]).toBe('Epoch 1/2\n');
    expect(out[1]).toBe(' 1/10 ━━────────────────── ETA 900ms - loss: 1.0000\n');
    expect(out.at(-1)).toBe('10/10 ━━━━━━━━━━━━━━━━━━━━ 1s 100ms/step - loss: 0.1000 - accuracy: 0.9500\n');
    expect(out.length).toBe(11);
  });
});
