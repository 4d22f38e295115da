import { createCpuBackend } from '@nabla/backend-cpu';
import { loadMnist } from '@nabla/data/node';
import { memory, setBackend } from '@nabla/tensor';
import { beforeAll, describe, expect, it } from 'vitest';
import { courseMlp, trainAndReport } from '../src/course-mlp.js';

beforeAll(async () => {
  await setBackend(createCpuBackend());
});

describe("the course's network on real MNIST", () => {
  it('learns from 3,000 training images (≥ 85% on 1,000 test images after 2 epochs) without leaking', async () => {
    const { train, test } = loadMnist({ trainLimit: 3000, testLimit: 1000 });
    const model = courseMlp(7);
    expect(model.countParams()).toBe(235146);
    const live: number[] = [];
    const reports = await trainAndReport(model, train, test, {
      epochs: 2, batchSize: 64, seed: 7, verbose: 0, callbacks: [{ onEpochEnd: () => void live.push(memory().numTensors) }],
    });
    // optimizer slots and metric totals persist; nothing else may accumulate between epochs
    expect(live[1]).toBe(live[0]);
    expect(reports).toHaveLength(2);
    expect(reports[1]!.testAccuracy).toBeGreaterThan(0.85);
    model.dispose();
    for (const t of [train.images, train.labels, test.images, test.labels]) t.dispose();
  });
});
