import { variableGrads, Variable } from '@nabla/autograd';
import { mul, sum } from '@nabla/tensor';
import { describe, expect, it } from 'vitest';
import { Cropping2D, deserializeLayer, serializeLayer, UpSampling2D, ZeroPadding2D, type Layer } from '../src/index.js';
import { expectClose, lcg, t2, useCpu, vals } from './helpers.js';

useCpu();

const at = (x: number[], [, h, w, c]: number[], b: number, i: number, j: number, ch: number) => x[((b * h! + i) * w! + j) * c! + ch]!;

describe('ZeroPadding2D', () => {
  it('pads [[top, bottom], [left, right]] with zeros (float64 loop reference)', () => {
    const s = [2, 3, 2, 2];
    const xs = lcg(24, 1);
    const l = new ZeroPadding2D({ padding: [[1, 2], [0, 3]] });
    const y = l.apply(t2(xs, s));
    expect(y.shape).toEqual([2, 6, 5, 2]);
    const ref: number[] = [];
    for (let b = 0; b < 2; b++) for (let i = 0; i < 6; i++) for (let j = 0; j < 5; j++) for (let c = 0; c < 2; c++) {
      const si = i - 1;
      ref.push(si >= 0 && si < 3 && j < 2 ? at(xs, s, b, si, j, c) : 0);
    }
    expectClose(vals(y), ref, 0);
  });
  it('normalizes the padding forms; computeOutputShape', () => {
    expect(new ZeroPadding2D().padding).toEqual([[1, 1], [1, 1]]);
    expect(new ZeroPadding2D({ padding: [2, 3] }).padding).toEqual([[2, 2], [3, 3]]);
    expect(new ZeroPadding2D({ padding: 2 }).computeOutputShape([null, 4, null, 3])).toEqual([null, 8, null, 3]);
    expect(new ZeroPadding2D({ padding: [[0, 1], [2, 0]] }).computeOutputShape([5, 4, 4, 3])).toEqual([5, 5, 6, 3]);
    expect(() => new ZeroPadding2D({ padding: -1 })).toThrow(/ZeroPadding2D.*padding must be/);
  });
});

describe('Cropping2D', () => {
  it('crops the edges (float64 loop reference); computeOutputShape', () => {
    const s = [1, 6, 5, 2];
    const xs = lcg(60, 2);
    const l = new Cropping2D({ cropping: [[1, 2], [2, 0]] });
    const y = l.apply(t2(xs, s));
    expect(y.shape).toEqual([1, 3, 3, 2]);
    const ref: number[] = [];
    for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) for (let c = 0; c < 2; c++) ref.push(at(xs, s, 0, i + 1, j + 2, c));
    expectClose(vals(y), ref, 0);
    expect(l.computeOutputShape([null, 6, null, 2])).toEqual([null, 3, null, 2]);
    expect(new Cropping2D({ cropping: 1 }).computeOutputShape([null, 5, 5, 1])).toEqual([null, 3, 3, 1]);
    expect(new Cropping2D().cropping).toEqual([[0, 0], [0, 0]]);
  });
  it('errors name the layer and the shape when the cropping removes everything', () => {
    const l = new Cropping2D({ cropping: [[2, 2], [0, 0]], name: 'crop' });
    expect(() => l.apply(t2(lcg(8), [1, 4, 2, 1]))).toThrow(/Cropping2D 'crop'.*\[null,4,2,1\]/);
    expect(() => l.apply(t2(lcg(8), [4, 2]))).toThrow(/'crop'.*expected rank 4/);
  });
});

describe('UpSampling2D', () => {
  it('repeats rows and columns (nearest) against a float64 loop', () => {
    const s = [2, 2, 3, 2];
    const xs = lcg(24, 3);
    const l = new UpSampling2D({ size: [2, 3] });
    const y = l.apply(t2(xs, s));
    expect(y.shape).toEqual([2, 4, 9, 2]);
    const ref: number[] = [];
    for (let b = 0; b < 2; b++) for (let i = 0; i < 4; i++) for (let j = 0; j < 9; j++) for (let c = 0; c < 2; c++) ref.push(at(xs, s, b, Math.floor(i / 2), Math.floor(j / 3), c));
    expectClose(vals(y), ref, 0);
    expect(new UpSampling2D().computeOutputShape([null, 7, null, 3])).toEqual([null, 14, null, 3]);
    expect(() => new UpSampling2D({ interpolation: 'bilinear' as 'nearest' })).toThrow(/UpSampling2D.*'nearest'/);
  });
  it('gradient sums over each repeated block', () => {
    const xv = new Variable(t2(lcg(4, 4), [1, 2, 2, 1]));
    const g = lcg(16, 5);
    const { grads } = variableGrads(() => sum(mul(new UpSampling2D().apply(xv), t2(g, [1, 4, 4, 1]))));
    const ref = [0, 1].flatMap((i) => [0, 1].map((j) => g[(2 * i) * 4 + 2 * j]! + g[(2 * i) * 4 + 2 * j + 1]! + g[(2 * i + 1) * 4 + 2 * j]! + g[(2 * i + 1) * 4 + 2 * j + 1]!));
    expectClose(vals(grads.get(xv)!), ref, 1e-6);
  });
});

describe('reshaping config', () => {
  it('round trips through JSON', () => {
    const layers: Layer[] = [new ZeroPadding2D({ padding: [[1, 2], [3, 4]] }), new Cropping2D({ cropping: [1, 2] }), new UpSampling2D({ size: 3 })];
    for (const l of layers) {
      const m = deserializeLayer(JSON.parse(JSON.stringify(serializeLayer(l))));
      expect(m.constructor).toBe(l.constructor);
      expect(m.getConfig()).toEqual(l.getConfig());
    }
  });
});
