import { createCpuBackend } from '@nabla/backend-cpu';
import { arange, memory, reshape, setBackend, tensor } from '@nabla/tensor';
import { beforeAll, describe, expect, it } from 'vitest';
import { batches, shuffle, shuffledIndices, toOneHot, trainValidationSplit } from '../src/index.js';
import { loadMnist } from '../src/node.js';

beforeAll(async () => {
  await setBackend(createCpuBackend());
});

describe('loadMnist (tensors)', () => {
  it('gives float32 images in [0, 1] and int32 labels', async () => {
    const { train, test } = loadMnist({ trainLimit: 50, testLimit: 20 });
    expect(train.images.shape).toEqual([50, 28, 28]);
    expect(train.images.dtype).toBe('float32');
    expect(train.labels.dtype).toBe('int32');
    expect(test.labels.shape).toEqual([20]);
    const px = (await train.images.data()) as Float32Array;
    expect(Math.max(...px)).toBe(1);
    expect(Math.min(...px)).toBe(0);
    expect(Array.from(await train.labels.data()).slice(0, 5)).toEqual([5, 0, 4, 1, 9]);
    for (const t of [train.images, train.labels, test.images, test.labels]) t.dispose();
  });
});

describe('dataset helpers', () => {
  it('shuffledIndices is a seeded permutation', () => {
    const a = shuffledIndices(100, 7);
    expect([...a].sort((x, y) => x - y)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(Array.from(shuffledIndices(100, 7))).toEqual(Array.from(a));
    expect(Array.from(shuffledIndices(100, 8))).not.toEqual(Array.from(a));
  });
  it('shuffle keeps pairs together', async () => {
    const x = reshape(arange(0, 20, 1, 'float32'), [10, 2]);
    const y = arange(0, 10, 1, 'int32');
    const [xs, ys] = shuffle([x, y], 3);
    const xd = await xs!.data();
    const yd = await ys!.data();
    for (let i = 0; i < 10; i++) expect(xd[2 * i]).toBe(2 * yd[i]!);
    expect(Array.from(yd)).not.toEqual(Array.from({ length: 10 }, (_, i) => i));
    expect(() => shuffle([x, arange(3)], 1)).toThrow(/same number of samples/);
    for (const t of [x, y, xs!, ys!]) t.dispose();
  });
  it('splits off the last fraction and batches with a short last batch', async () => {
    const x = arange(0, 10, 1, 'int32');
    const [[tr], [va]] = trainValidationSplit([x], 0.2);
    expect(Array.from(await va!.data())).toEqual([8, 9]);
    expect(tr!.shape).toEqual([8]);
    const sizes: number[] = [];
    for (const [b] of batches([x], 4)) {
      sizes.push(b!.shape[0]!);
      b!.dispose();
    }
    expect(sizes).toEqual([4, 4, 2]);
    for (const t of [x, tr!, va!]) t.dispose();
  });
  it('one-hot encodes int labels', async () => {
    const before = memory().numTensors;
    const l = tensor(new Int32Array([2, 0]));
    const o = toOneHot(l, 3);
    expect(Array.from(await o.data())).toEqual([0, 0, 1, 1, 0, 0]);
    const bad = tensor([1.5]);
    expect(() => toOneHot(bad, 3)).toThrow(/int32/);
    for (const t of [l, o, bad]) t.dispose();
    expect(memory().numTensors).toBe(before);
  });
});
