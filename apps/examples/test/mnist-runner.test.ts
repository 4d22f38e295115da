import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { runMnist } from '../src/mnist.js';

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

describe('the main job runner (mnist-mlp / mnist-cnn / mnist-lstm share it)', () => {
  it('trains, reports per-epoch figures and test accuracy, and saves the model', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'nabla-runner-'));
    dirs.push(dir);
    const lines: string[] = [];
    const log = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void lines.push(a.join(' ')));
    const table = vi.spyOn(console, 'table').mockImplementation(() => {});
    const write = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      await runMnist(['--model', 'lstm', '--epochs', '1', '--batch-size', '32', '--train-limit', '256', '--test-limit', '100', '--backend', 'cpu', '--out', dir], { model: 'mlp' });
    } finally {
      log.mockRestore();
      table.mockRestore();
      write.mockRestore();
    }
    expect(lines.some((l) => /MNIST: 256 training and 100 test images/.test(l))).toBe(true);
    expect(lines.some((l) => /epoch 1: [\d.]+ s, \d+ samples\/s, test accuracy [\d.]+%/.test(l))).toBe(true);
    const final = lines.find((l) => /^\s*lstm: test loss/.test(l));
    expect(final).toMatch(/test accuracy ([\d.]+)% on 100 images/);
    expect(existsSync(join(dir, 'model.json')) && existsSync(join(dir, 'weights.bin'))).toBe(true);
  }, 120_000);

  it('names the bad option', async () => {
    await expect(runMnist(['--model', 'rnn'], { model: 'mlp' })).rejects.toThrow(/--model must be one of mlp, cnn, lstm, got 'rnn'/);
    await expect(runMnist(['--epochs', '0'], { model: 'mlp' })).rejects.toThrow(/--epochs must be a positive integer, got 0/);
  });
});
