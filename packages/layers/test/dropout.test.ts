import { variableGrads, Variable } from '@nabla/autograd';
import { ones, sum } from '@nabla/tensor';
import { describe, expect, it } from 'vitest';
import { Dropout } from '../src/index.js';
import { lcg, t2, useCpu, vals } from './helpers.js';

useCpu();

describe('Dropout', () => {
  it('training: ~rate zeros, survivors scaled by 1/(1-rate), mean preserved', () => {
    const rate = 0.3;
    const d = new Dropout({ rate, seed: 1 });
    const y = vals(d.apply(ones([200, 100]), { training: true }));
    const zeros = y.filter((v) => v === 0).length / y.length;
    expect(Math.abs(zeros - rate)).toBeLessThan(0.015);
    for (const v of y) if (v !== 0) expect(v).toBeCloseTo(1 / (1 - rate), 6);
    const mean = y.reduce((s, v) => s + v, 0) / y.length;
    expect(Math.abs(mean - 1)).toBeLessThan(0.02);
  });

  it('inactive in inference (default) and with rate 0', () => {
    const x = t2(lcg(50), [5, 10]);
    const d = new Dropout({ rate: 0.5 });
    expect(vals(d.apply(x))).toEqual(vals(x));
    expect(vals(d.apply(x, { training: false }))).toEqual(vals(x));
    expect(vals(new Dropout({ rate: 0 }).apply(x, { training: true }))).toEqual(vals(x));
  });

  it('a seed reproduces the sequence of masks; successive calls differ', () => {
    const x = ones([20, 20]);
    const a = new Dropout({ rate: 0.5, seed: 123 });
    const b = new Dropout({ rate: 0.5, seed: 123 });
    const a1 = vals(a.apply(x, { training: true }));
    const a2 = vals(a.apply(x, { training: true }));
    expect(a2).not.toEqual(a1);
    expect(vals(b.apply(x, { training: true }))).toEqual(a1);
    expect(vals(b.apply(x, { training: true }))).toEqual(a2);
    expect(vals(new Dropout({ rate: 0.5, seed: 124 }).apply(x, { training: true }))).not.toEqual(a1);
    // inference calls do not advance the stream
    const c = new Dropout({ rate: 0.5, seed: 123 });
    c.apply(x);
    expect(vals(c.apply(x, { training: true }))).toEqual(a1);
  });

  it('noiseShape shares the mask along broadcast dimensions', () => {
    const d = new Dropout({ rate: 0.5, seed: 9, noiseShape: [1, null] });
    const y = vals(d.apply(ones([6, 40]), { training: true }));
    for (let r = 1; r < 6; r++) expect(y.slice(r * 40, r * 40 + 40)).toEqual(y.slice(0, 40));
    expect(y.some((v) => v === 0) && y.some((v) => v !== 0)).toBe(true);
    // errors from inside call are prefixed with the layer and the input shape
    expect(() => new Dropout({ rate: 0.5, noiseShape: [1, 7], name: 'dr2' }).apply(ones([2, 3]), { training: true })).toThrow(/Dropout 'dr2' \(input shape \[2,3\]\): where: cannot broadcast/);
    expect(() => new Dropout({ rate: 0.5, noiseShape: [1], name: 'dr' }).apply(ones([2, 3]), { training: true })).toThrow(/'dr'.*noiseShape/);
  });

  it('rate must be in [0, 1)', () => {
    expect(() => new Dropout({ rate: 1 })).toThrow(/rate must be a number in \[0, 1\)/);
    expect(() => new Dropout({ rate: -0.1 })).toThrow(/rate/);
    expect(() => new Dropout({ rate: 'x' as never })).toThrow(/rate/);
    expect(new Dropout(0.2).rate).toBe(0.2);
  });

  it('the gradient is the mask scaled by 1/(1-rate)', () => {
    const rate = 0.25;
    const w = new Variable(t2(lcg(60, 3), [6, 10]));
    const d = new Dropout({ rate, seed: 5 });
    const { value, grads } = variableGrads(() => sum(d.apply(w, { training: true })));
    const twin = new Dropout({ rate, seed: 5 });
    const y = vals(twin.apply(w, { training: true }));
    const g = vals(grads.get(w)!);
    const wv = vals(w);
    g.forEach((gi, i) => expect(gi).toBeCloseTo(y[i] === 0 && wv[i] !== 0 ? 0 : 1 / (1 - rate), 6));
    expect(vals(value)[0]).toBeCloseTo(y.reduce((s, v) => s + v, 0), 4);
  });
});
