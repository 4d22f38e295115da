import { variableGrads, Variable } from '@nabla/autograd';
import { mul, sum, tidy, type Tensor } from '@nabla/tensor';
import { describe, expect, it } from 'vitest';
import {
  AveragePooling1D, AveragePooling2D, deserializeLayer, GlobalAveragePooling1D, GlobalAveragePooling2D, GlobalMaxPooling1D, GlobalMaxPooling2D,
  MaxPooling1D, MaxPooling2D, serializeLayer, type Layer,
} from '../src/index.js';
import { expectClose, lcg, t2, useCpu, vals } from './helpers.js';

useCpu();

/** Direct float64 NHWC pooling; 'same' pads as TensorFlow and excludes padded cells. */
function pool64(mode: 'max' | 'avg', x: number[], [n, h, w, c]: number[], [ph, pw]: number[], [sh, sw]: number[], padding: 'valid' | 'same') {
  const oh = padding === 'same' ? Math.ceil(h / sh) : Math.floor((h - ph) / sh) + 1;
  const ow = padding === 'same' ? Math.ceil(w / sw) : Math.floor((w - pw) / sw) + 1;
  const pt = padding === 'same' ? Math.floor(Math.max((oh - 1) * sh + ph - h, 0) / 2) : 0;
  const pl = padding === 'same' ? Math.floor(Math.max((ow - 1) * sw + pw - w, 0) / 2) : 0;
  const out: number[] = [];
  for (let b = 0; b < n; b++)
    for (let i = 0; i < oh; i++)
      for (let j = 0; j < ow; j++)
        for (let ch = 0; ch < c; ch++) {
          let m = -Infinity;
          let s = 0;
          let cnt = 0;
          for (let p = 0; p < ph; p++)
            for (let q = 0; q < pw; q++) {
              const y = i * sh + p - pt;
              const xx = j * sw + q - pl;
              if (y < 0 || y >= h || xx < 0 || xx >= w) continue;
              const v = x[((b * h + y) * w + xx) * c + ch]!;
              m = Math.max(m, v);
              s += v;
              cnt++;
            }
          out.push(mode === 'max' ? m : s / cnt);
        }
  return { out, shape: [n, oh, ow, c] };
}

/** Distinct values (spacing 0.1 > 2·eps, so finite differences never cross a max tie). */
function distinct(n: number, seed: number): number[] {
  const r = lcg(n, seed);
  const order = r.map((v, i) => [v, i] as const).sort((a, b) => a[0] - b[0]);
  const out = new Array<number>(n);
  order.forEach(([, i], rank) => (out[i] = (rank - n / 2) * 0.1));
  return out;
}

function numericGrad(f: (v: number[]) => number, x0: number[], eps = 1e-2): number[] {
  return x0.map((_, i) => {
    const a = [...x0];
    const b = [...x0];
    a[i]! += eps;
    b[i]! -= eps;
    return (f(a) - f(b)) / (2 * eps);
  });
}

function scalar(fn: () => Tensor): number {
  return tidy(() => vals(fn())[0]!);
}

describe('MaxPooling2D / AveragePooling2D', () => {
  const cases: { pool: number[]; strides?: number[]; padding: 'valid' | 'same'; x: number[] }[] = [
    { pool: [2, 2], padding: 'valid', x: [2, 6, 5, 3] },
    { pool: [3, 3], strides: [2, 2], padding: 'same', x: [1, 7, 6, 2] },
    { pool: [2, 3], strides: [1, 2], padding: 'same', x: [1, 5, 5, 1] },
    { pool: [3, 2], strides: [2, 1], padding: 'valid', x: [1, 7, 4, 2] },
  ];
  for (const [mode, Cls] of [['max', MaxPooling2D], ['avg', AveragePooling2D]] as const) {
    for (const c of cases) {
      it(`${Cls.className} forward equals a float64 loop (pool ${c.pool}, strides ${c.strides ?? 'null'}, ${c.padding})`, () => {
        const xs = lcg(c.x.reduce((a, b) => a * b), 3);
        const l = new Cls({ poolSize: c.pool, strides: c.strides, padding: c.padding });
        const y = l.apply(t2(xs, c.x));
        const ref = pool64(mode, xs, c.x, c.pool, c.strides ?? c.pool, c.padding);
        expect(y.shape).toEqual(ref.shape);
        expect(l.computeOutputShape([null, ...c.x.slice(1)])).toEqual([null, ...ref.shape.slice(1)]);
        expectClose(vals(y), ref.out, 1e-6, 1e-5);
      });
    }
  }

  it('defaults: poolSize 2, strides = poolSize, valid; computeOutputShape as Keras', () => {
    const l = new MaxPooling2D();
    expect(l.getConfig()).toMatchObject({ poolSize: [2, 2], strides: [2, 2], padding: 'valid', dataFormat: 'channels_last' });
    expect(l.computeOutputShape([null, 26, 26, 32])).toEqual([null, 13, 13, 32]);
    expect(l.computeOutputShape([null, 5, 5, 3])).toEqual([null, 2, 2, 3]);
    expect(l.computeOutputShape([null, null, 6, 3])).toEqual([null, null, 3, 3]);
    expect(new AveragePooling2D({ poolSize: 3, strides: 2, padding: 'same' }).computeOutputShape([8, 7, 8, 1])).toEqual([8, 4, 4, 1]);
    expect(new AveragePooling2D({ poolSize: [3, 1], strides: 1 }).computeOutputShape([null, 7, 8, 1])).toEqual([null, 5, 8, 1]);
  });

  for (const Cls of [MaxPooling2D, AveragePooling2D]) {
    it(`${Cls.className} gradient w.r.t. the input matches central finite differences (atol 1e-3, rtol 1e-2)`, () => {
      const shape = [1, 5, 4, 2];
      const x0 = distinct(40, 7);
      const l = new Cls({ poolSize: [2, 3], strides: [2, 1], padding: 'same' });
      const outShape = l.computeOutputShape([1, 5, 4, 2]) as number[];
      const g = t2(lcg(outShape.reduce((a, b) => a * b), 9), outShape);
      const xv = new Variable(t2(x0, shape));
      const { grads } = variableGrads(() => sum(mul(l.apply(xv), g)));
      const lossAt = (x: number[]) => scalar(() => sum(mul(l.apply(t2(x, shape)), g)));
      expectClose(vals(grads.get(xv)!), numericGrad(lossAt, x0), 1e-3, 1e-2);
    });
  }
});

describe('MaxPooling1D / AveragePooling1D', () => {
  for (const [mode, Cls] of [['max', MaxPooling1D], ['avg', AveragePooling1D]] as const) {
    for (const c of [{ pool: 2, padding: 'valid' as const, w: 7 }, { pool: 3, strides: 2, padding: 'same' as const, w: 8 }]) {
      it(`${Cls.className} forward equals a float64 loop (pool ${c.pool}, ${c.padding})`, () => {
        const xs = lcg(2 * c.w * 3, 5);
        const l = new Cls({ poolSize: c.pool, strides: c.strides, padding: c.padding });
        const y = l.apply(t2(xs, [2, c.w, 3]));
        const ref = pool64(mode, xs, [2, 1, c.w, 3], [1, c.pool], [1, c.strides ?? c.pool], c.padding);
        expect(y.shape).toEqual([2, ref.shape[2], 3]);
        expect(l.computeOutputShape([null, c.w, 3])).toEqual([null, ref.shape[2], 3]);
        expectClose(vals(y), ref.out, 1e-6, 1e-5);
      });
    }
    it(`${Cls.className} gradient matches central finite differences`, () => {
      const x0 = distinct(12, 3);
      const l = new Cls({ poolSize: 3, strides: 2, padding: 'same' });
      const g = t2(lcg(6, 4), [1, 3, 2]);
      const xv = new Variable(t2(x0, [1, 6, 2]));
      const { grads } = variableGrads(() => sum(mul(l.apply(xv), g)));
      const lossAt = (x: number[]) => scalar(() => sum(mul(l.apply(t2(x, [1, 6, 2])), g)));
      expectClose(vals(grads.get(xv)!), numericGrad(lossAt, x0), 1e-3, 1e-2);
    });
  }
  it('defaults and shapes', () => {
    const l = new MaxPooling1D();
    expect(l.getConfig()).toMatchObject({ poolSize: [2], strides: [2], padding: 'valid' });
    expect(l.computeOutputShape([null, 9, 4])).toEqual([null, 4, 4]);
    expect(new AveragePooling1D({ poolSize: 4, strides: 1 }).computeOutputShape([null, null, 4])).toEqual([null, null, 4]);
  });
});

describe('global pooling', () => {
  it('GlobalMax/AveragePooling2D reduce h and w (keepdims optional)', () => {
    const xs = lcg(2 * 3 * 4 * 5, 8);
    const x = t2(xs, [2, 3, 4, 5]);
    const refMax: number[] = [];
    const refAvg: number[] = [];
    for (let b = 0; b < 2; b++)
      for (let c = 0; c < 5; c++) {
        const v: number[] = [];
        for (let i = 0; i < 12; i++) v.push(xs[(b * 12 + i) * 5 + c]!);
        refMax.push(Math.max(...v));
        refAvg.push(v.reduce((a, b) => a + b, 0) / 12);
      }
    const gm = new GlobalMaxPooling2D();
    const ga = new GlobalAveragePooling2D({ keepdims: true });
    expect(gm.apply(x).shape).toEqual([2, 5]);
    expectClose(vals(gm.apply(x)), refMax, 1e-6);
    expect(ga.apply(x).shape).toEqual([2, 1, 1, 5]);
    expectClose(vals(ga.apply(x)), refAvg, 1e-6);
    expect(gm.computeOutputShape([null, 3, 4, 5])).toEqual([null, 5]);
    expect(ga.computeOutputShape([null, null, null, 5])).toEqual([null, 1, 1, 5]);
  });

  it('GlobalMax/AveragePooling1D reduce the steps', () => {
    const xs = lcg(2 * 4 * 3, 9);
    const x = t2(xs, [2, 4, 3]);
    const ref = (f: (v: number[]) => number) => [0, 1].flatMap((b) => [0, 1, 2].map((c) => f([0, 1, 2, 3].map((i) => xs[(b * 4 + i) * 3 + c]!))));
    expectClose(vals(new GlobalMaxPooling1D().apply(x)), ref((v) => Math.max(...v)), 1e-6);
    const ga = new GlobalAveragePooling1D({ keepdims: true });
    expect(ga.apply(x).shape).toEqual([2, 1, 3]);
    expectClose(vals(ga.apply(x)), ref((v) => v.reduce((a, b) => a + b, 0) / 4), 1e-6);
    expect(ga.computeOutputShape([null, 10, 3])).toEqual([null, 1, 3]);
    expect(new GlobalMaxPooling1D().computeOutputShape([null, 10, 3])).toEqual([null, 3]);
  });

  it('GlobalAveragePooling2D gradient is 1/(h·w) per cell; GlobalMaxPooling2D routes to the max', () => {
    const x0 = distinct(2 * 3 * 2, 5);
    const xv = new Variable(t2(x0, [1, 2, 3, 2]));
    const ga = vals(variableGrads(() => sum(new GlobalAveragePooling2D().apply(xv))).grads.get(xv)!);
    expectClose(ga, new Array(12).fill(1 / 6), 1e-7);
    const gm = vals(variableGrads(() => sum(new GlobalMaxPooling2D().apply(xv))).grads.get(xv)!);
    const expected = x0.map((v, i) => (v === Math.max(...x0.filter((_, j) => j % 2 === i % 2)) ? 1 : 0));
    expect(gm).toEqual(expected);
  });
});

describe('pooling config and errors', () => {
  it('every pooling layer round trips through JSON', () => {
    const layers: Layer[] = [
      new MaxPooling2D({ poolSize: [3, 2], strides: 1, padding: 'same' }), new AveragePooling2D({ poolSize: 3 }), new MaxPooling1D({ poolSize: 4, strides: 2 }),
      new AveragePooling1D({ padding: 'same' }), new GlobalMaxPooling1D({ keepdims: true }), new GlobalAveragePooling1D(), new GlobalMaxPooling2D(),
      new GlobalAveragePooling2D({ keepdims: true }),
    ];
    for (const l of layers) {
      const m = deserializeLayer(JSON.parse(JSON.stringify(serializeLayer(l))));
      expect(m.className).toBe(l.className);
      expect(m.constructor).toBe(l.constructor);
      expect(m.getConfig()).toEqual(l.getConfig());
    }
    const k = deserializeLayer({ class_name: 'MaxPooling2D', config: { pool_size: [3, 3], strides: null, padding: 'same' } }) as MaxPooling2D;
    expect(k.strides).toEqual([3, 3]);
  });

  it('errors name the layer and the shapes', () => {
    const p = new MaxPooling2D({ poolSize: 4, name: 'pool_err' });
    expect(() => p.apply(t2(lcg(9), [1, 3, 3, 1]))).toThrow(/MaxPooling2D 'pool_err'.*\[null,3,3,1\]/);
    expect(() => p.apply(t2(lcg(9), [1, 9]))).toThrow(/'pool_err'.*expected rank 4.*\[1,9\]/);
    expect(() => new MaxPooling1D({ name: 'p1' }).apply(t2(lcg(8), [1, 2, 2, 2]))).toThrow(/'p1'.*expected rank 3/);
    expect(() => new AveragePooling2D({ poolSize: 0 })).toThrow(/poolSize must be a positive integer/);
    expect(() => new AveragePooling2D({ padding: 'full' as 'same' })).toThrow(/padding must be 'valid' or 'same'/);
    expect(() => new GlobalAveragePooling2D({ name: 'gap' }).apply(t2(lcg(4), [1, 4]))).toThrow(/'gap'.*expected rank 4.*\[1,4\]/);
  });
});
