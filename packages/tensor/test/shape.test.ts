import { describe, expect, it } from 'vitest';
import {
  broadcastShapes, contiguousStrides, isContiguous, normalizeAxes, normalizeAxis, sizeOf,
} from '../src/shape.js';

describe('shape arithmetic', () => {
  it('sizes and row-major strides', () => {
    expect(sizeOf([])).toBe(1);
    expect(sizeOf([2, 0, 3])).toBe(0);
    expect(contiguousStrides([2, 3, 4])).toEqual([12, 4, 1]);
    expect(contiguousStrides([])).toEqual([]);
  });
  it('contiguity ignores size-1 dimensions and sees transposes', () => {
    expect(isContiguous([2, 3], [3, 1])).toBe(true);
    expect(isContiguous([3, 2], [1, 3])).toBe(false);
    expect(isContiguous([2, 1, 3], [3, 99, 1])).toBe(true);
    expect(isContiguous([4, 3], [0, 1])).toBe(false);
    expect(isContiguous([0, 3], [7, 5])).toBe(true);
  });
  it('broadcasts as NumPy', () => {
    expect(broadcastShapes([2, 3], [3])).toEqual([2, 3]);
    expect(broadcastShapes([2, 1], [1, 3])).toEqual([2, 3]);
    expect(broadcastShapes([], [4, 5])).toEqual([4, 5]);
    expect(broadcastShapes([5, 1, 4], [3, 1])).toEqual([5, 3, 4]);
    expect(broadcastShapes([2, 3], [4])).toBeNull();
  });
  it('normalises axes and names the op when out of range', () => {
    expect(normalizeAxis('sum', -1, 3)).toBe(2);
    expect(() => normalizeAxis('sum', 3, 3)).toThrow('sum: axis 3 is out of range for a tensor of rank 3');
    expect(normalizeAxes('max', [-1, 0], 3)).toEqual([0, 2]);
    expect(normalizeAxes('max', undefined, 2)).toEqual([0, 1]);
    expect(() => normalizeAxes('max', [1, -1], 2)).toThrow(/repeated axis/);
  });
});
