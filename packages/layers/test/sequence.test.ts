import { grad } from '@nabla/autograd';
import { ones, sum } from '@nabla/tensor';
import { describe, expect, it } from 'vitest';
import { deserializeLayer, Permute, RepeatVector, serializeLayer, SpatialDropout1D } from '../src/index.js';
import { lcg, t2, useCpu, vals } from './helpers.js';

useCpu();

describe('RepeatVector', () => {
  it('[b, f] -> [b, n, f]; gradients sum over the copies', () => {
    const r = new RepeatVector(3);
    const x = [1, 2, 3, 4];
    const y = r.apply(t2(x, [2, 2]));
    expect(y.shape).toEqual([2, 3, 2]);
    expect(vals(y)).toEqual([1, 2, 1, 2, 1, 2, 3, 4, 3, 4, 3, 4]);
    expect(r.computeOutputShape([null, 2])).toEqual([null, 3, 2]);
    expect(vals(grad((v) => sum(r.apply(v)))(t2(x, [2, 2])))).toEqual([3, 3, 3, 3]);
  });

  it('checks n and the input rank; config', () => {
    expect(() => new RepeatVector({ n: 1.5, name: 'rv' })).toThrow(/RepeatVector 'rv': n must be a non-negative integer/);
    expect(() => new RepeatVector({ n: 2, name: 'rv2' }).apply(ones([2, 3, 4]))).toThrow(/'rv2' \(RepeatVector\).*expected rank 2/);
    const r = new RepeatVector({ n: 4, name: 'r4' });
    expect(r.getConfig()).toMatchObject({ n: 4, name: 'r4' });
    expect((deserializeLayer(serializeLayer(r)) as RepeatVector).n).toBe(4);
  });
});

describe('Permute', () => {
  it('1-based dims excluding the batch: [b, 2, 3, 4] with [3, 1, 2] -> [b, 4, 2, 3]', () => {
    const p = new Permute([3, 1, 2]);
    const x = lcg(2 * 2 * 3 * 4, 1);
    const y = p.apply(t2(x, [2, 2, 3, 4]));
    expect(y.shape).toEqual([2, 4, 2, 3]);
    const v = vals(y);
    for (let b = 0; b < 2; b++) for (let i = 0; i < 2; i++) for (let j = 0; j < 3; j++) for (let k = 0; k < 4; k++) {
      expect(v[((b * 4 + k) * 2 + i) * 3 + j]).toBe(Math.fround(x[((b * 2 + i) * 3 + j) * 4 + k]!));
    }
    expect(p.computeOutputShape([null, 2, 3, 4])).toEqual([null, 4, 2, 3]);
    expect(new Permute({ dims: [2, 1] }).apply(ones([5, 10, 64])).shape).toEqual([5, 64, 10]);
  });

  it('rejects dims that are not a permutation of 1..n; checks the rank; config', () => {
    expect(() => new Permute({ dims: [0, 1], name: 'p0' })).toThrow(/Permute 'p0': dims must be a permutation of 1..2/);
    expect(() => new Permute([1, 1])).toThrow(/permutation/);
    expect(() => new Permute([1, 3])).toThrow(/permutation/);
    expect(() => new Permute({ dims: [2, 1], name: 'p1' }).apply(ones([2, 3]))).toThrow(/'p1' \(Permute\).*expected rank 3/);
    const p = new Permute([2, 1]);
    expect((deserializeLayer(JSON.parse(JSON.stringify(serializeLayer(p)))) as Permute).dims).toEqual([2, 1]);
  });
});

describe('SpatialDropout1D', () => {
  it('training drops whole channels (the same for every timestep), survivors × 1/(1 − rate)', () => {
    const d = new SpatialDropout1D({ rate: 0.5, seed: 2 });
    const y = vals(d.apply(ones([10, 7, 8]), { training: true }));
    let dropped = 0;
    for (let b = 0; b < 10; b++) {
      for (let c = 0; c < 8; c++) {
        const col = Array.from({ length: 7 }, (_, t) => y[(b * 7 + t) * 8 + c]!);
        expect(new Set(col).size).toBe(1);
        expect([0, 2]).toContain(col[0]);
        if (col[0] === 0) dropped++;
      }
    }
    expect(dropped).toBeGreaterThan(20);
    expect(dropped).toBeLessThan(60);
    expect(vals(d.apply(ones([2, 3, 4])))).toEqual(new Array(24).fill(1));
  });

  it('needs 3-D inputs and a rate in [0, 1); config is { rate, seed } as Keras', () => {
    expect(() => new SpatialDropout1D({ rate: 1, name: 'sd' })).toThrow(/SpatialDropout1D 'sd': rate must be a number in \[0, 1\)/);
    expect(() => new SpatialDropout1D({ rate: 0.2, name: 'sd2' }).apply(ones([2, 3]), { training: true })).toThrow(/'sd2' \(SpatialDropout1D\).*expected rank 3/);
    const d = new SpatialDropout1D({ rate: 0.25, seed: 7, name: 'sd3' });
    expect(d.getConfig()).toEqual({ name: 'sd3', trainable: true, dtype: 'float32', rate: 0.25, seed: 7 });
    const copy = deserializeLayer(serializeLayer(d)) as SpatialDropout1D;
    expect(copy).toBeInstanceOf(SpatialDropout1D);
    expect(vals(copy.apply(ones([3, 4, 5]), { training: true }))).toEqual(vals(new SpatialDropout1D({ rate: 0.25, seed: 7 }).apply(ones([3, 4, 5]), { training: true })));
    expect(new SpatialDropout1D(0.1).name).toMatch(/^spatial_dropout1d/);
  });
});
