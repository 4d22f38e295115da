import { createCpuBackend } from '@nabla/backend-cpu';
import { loadMnist } from '@nabla/data/node';
import { reshape, setBackend } from '@nabla/tensor';
import { beforeAll, describe, expect, it } from 'vitest';
import { courseCnn } from '../src/course-cnn.js';

beforeAll(async () => {
  await setBackend(createCpuBackend());
});

describe('the CNN on real MNIST', () => {
  it('has Keras’ parameter count and learns from 2,000 images (> 80% on 500 test images after 1 epoch)', async () => {
    const { train, test } = loadMnist({ trainLimit: 2000, testLimit: 500 });
    const model = courseCnn(1);
    expect(model.countParams()).toBe(34826);
    const x = reshape(train.images, [2000, 28, 28, 1]);
    const xt = reshape(test.images, [500, 28, 28, 1]);
    await model.fit(x, train.labels, { batchSize: 32, epochs: 1, seed: 42, verbose: 0 });
    const { accuracy } = await model.evaluate(xt, test.labels, { batchSize: 250 });
    expect(accuracy).toBeGreaterThan(0.8);
    model.dispose();
    for (const t of [x, xt, train.images, train.labels, test.images, test.labels]) t.dispose();
  }, 240_000);
});
