import { describe, expect, it } from 'vitest';
import { formatTensor } from '../src/format.js';

describe('formatTensor (NumPy-like repr)', () => {
  it('prints integral floats with a trailing dot and aligned rows', () => {
    expect(formatTensor(new Float32Array([1, 2, 3, 4]), [2, 2], 'float32')).toBe('tensor([[1., 2.],\n        [3., 4.]])');
  });
  it('shows each value with the fewest decimals and aligns the decimal points', () => {
    expect(formatTensor(new Float32Array([0.5, 1.25, -10]), [3], 'float32')).toBe('tensor([  0.5 ,   1.25, -10.  ])');
    expect(formatTensor(new Float32Array([0.5, -1]), [2], 'float32')).toBe('tensor([ 0.5, -1. ])');
  });
  it('names non-float dtypes and prints bools as NumPy does', () => {
    expect(formatTensor(new Int32Array([1, -20]), [2], 'int32')).toBe('tensor([  1, -20], dtype=int32)');
    expect(formatTensor(new Uint8Array([1, 0]), [2], 'bool')).toBe('tensor([ True, False])');
  });
  it('prints scalars, NaN and infinities', () => {
    expect(formatTensor(new Float32Array([3]), [], 'float32')).toBe('tensor(3.)');
    expect(formatTensor(new Float32Array([NaN, Infinity, -Infinity]), [3], 'float32')).toBe('tensor([ nan,  inf, -inf])');
  });
  it('summarises large tensors with ellipses', () => {
    const s = formatTensor(new Float32Array(2000).map((_, i) => i), [2000], 'float32');
    expect(s).toBe('tensor([   0.,    1.,    2., ..., 1997., 1998., 1999.])');
  });
  it('separates 3-D blocks by a blank line', () => {
    expect(formatTensor(new Int32Array([1, 2, 3, 4]), [2, 1, 2], 'int32')).toBe('tensor([[[1, 2]],\n\n        [[3, 4]]], dtype=int32)');
  });
});
