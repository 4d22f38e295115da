import { describe, expect, it } from 'vitest';
import { parseIdx } from '../src/index.js';
import { loadMnist, readMnist } from '../src/node.js';

describe('parseIdx', () => {
  it('reads a hand-made 2x3 file', () => {
    const bytes = new Uint8Array([0, 0, 8, 2, 0, 0, 0, 2, 0, 0, 0, 3, 1, 2, 3, 4, 5, 250]);
    const { shape, data } = parseIdx(bytes);
    expect(shape).toEqual([2, 3]);
    expect(Array.from(data)).toEqual([1, 2, 3, 4, 5, 250]);
  });
  it('rejects bad magic, other types and truncated files', () => {
    expect(() => parseIdx(new Uint8Array([1, 0, 8, 1]))).toThrow(/magic/);
    expect(() => parseIdx(new Uint8Array([0, 0, 0x0d, 1, 0, 0, 0, 1, 0, 0, 0, 0]))).toThrow(/type 0xd/);
    expect(() => parseIdx(new Uint8Array([0, 0, 8, 1, 0, 0, 0, 5, 1, 2]))).toThrow(/expected 13 bytes/);
  });
});

describe('readMnist', () => {
  it('loads the real 60k/10k digits', () => {
    const { train, test } = readMnist();
    expect([train.count, train.height, train.width]).toEqual([60000, 28, 28]);
    expect(test.count).toBe(10000);
    expect(train.images.length).toBe(60000 * 784);
    // the well-known first labels of the training and test sets
    expect(Array.from(train.labels.subarray(0, 8))).toEqual([5, 0, 4, 1, 9, 2, 1, 3]);
    expect(Array.from(test.labels.subarray(0, 8))).toEqual([7, 2, 1, 0, 4, 1, 4, 9]);
    // every class appears; the training set is roughly balanced (5421 to 6742 per class)
    const counts = new Array(10).fill(0);
    for (const l of train.labels) counts[l]++;
    expect(Math.min(...counts)).toBe(5421);
    expect(Math.max(...counts)).toBe(6742);
    // pixels are grey levels with ink: the mean intensity of MNIST is about 33.3
    let s = 0;
    for (const p of train.images) s += p;
    expect(s / train.images.length).toBeCloseTo(33.32, 1);
  });
  it('honours limits', () => {
    const { train, test } = readMnist({ trainLimit: 100, testLimit: 10 });
    expect(train.count).toBe(100);
    expect(train.images.length).toBe(100 * 784);
    expect(test.labels.length).toBe(10);
  });
});
