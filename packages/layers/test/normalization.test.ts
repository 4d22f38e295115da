import { variableGrads } from '@nabla/autograd';
import { mul, sum } from '@nabla/tensor';
import { describe, expect, it } from 'vitest';
import { BatchNormalization, LayerNormalization } from '../src/index.js';
import { expectClose, lcg, mean64, t2, useCpu, vals, var64 } from './helpers.js';

useCpu();

/** [n, c] data whose channel j has mean ~ j*3 and scale ~ (j+1). */
function batch(n: number, c: number, seed: number): number[] {
  const r = lcg(n * c, seed);
  return r.map((v, i) => (i % c) * 3 + v * ((i % c) + 1));
}
const column = (x: number[], c: number, j: number) => x.filter((_, i) => i % c === j);

describe('BatchNormalization', () => {
  it('Keras defaults; weights gamma, beta (trainable), moving_mean, moving_variance', () => {
    const bn = new BatchNormalization();
    expect([bn.axis, bn.momentum, bn.epsilon, bn.center, bn.scale]).toEqual([-1, 0.99, 1e-3, true, true]);
    bn.build([null, 4]);
    expect(bn.weights.map((w) => w.name.split('/')[1])).toEqual(['gamma', 'beta', 'moving_mean', 'moving_variance']);
    expect(bn.trainableWeights.map((w) => w.name.split('/')[1])).toEqual(['gamma', 'beta']);
    expect(bn.nonTrainableWeights.map((w) => w.name.split('/')[1])).toEqual(['moving_mean', 'moving_variance']);
    expect(vals(bn.gamma!)).toEqual([1, 1, 1, 1]);
    expect(vals(bn.beta!)).toEqual([0, 0, 0, 0]);
    expect(vals(bn.movingMean!)).toEqual([0, 0, 0, 0]);
    expect(vals(bn.movingVariance!)).toEqual([1, 1, 1, 1]);
    expect(bn.countParams()).toBe(16);
    const nc = new BatchNormalization({ center: false, scale: false });
    nc.build([null, 2]);
    expect(nc.weights.map((w) => w.name.split('/')[1])).toEqual(['moving_mean', 'moving_variance']);
  });

  it('training: batch statistics (biased variance) and moving-stat updates over several steps; inference: moving statistics', () => {
    const [n, c] = [8, 3];
    const eps = 1e-3;
    const momentum = 0.99;
    const bn = new BatchNormalization();
    bn.build([null, c]);
    const gamma = [1.5, -0.5, 2];
    const beta = [0.1, 0.2, -0.3];
    bn.setWeights([t2(gamma, [c]), t2(beta, [c]), t2([0, 0, 0], [c]), t2([1, 1, 1], [c])]);
    let mm = [0, 0, 0];
    let mv = [1, 1, 1];
    for (let step = 0; step < 4; step++) {
      const x = batch(n, c, 100 + step);
      const y = vals(bn.apply(t2(x, [n, c]), { training: true }));
      const expected = x.map((v, i) => {
        const col = column(x, c, i % c);
        return gamma[i % c]! * (v - mean64(col)) / Math.sqrt(var64(col) + eps) + beta[i % c]!;
      });
      expectClose(y, expected, 1e-4, 1e-4);
      mm = mm.map((m, j) => m * momentum + mean64(column(x, c, j)) * (1 - momentum));
      mv = mv.map((m, j) => m * momentum + var64(column(x, c, j)) * (1 - momentum));
      expectClose(vals(bn.movingMean!), mm, 1e-6, 1e-5);
      expectClose(vals(bn.movingVariance!), mv, 1e-6, 1e-5);
    }
    // inference: moving statistics, no update
    const x = batch(n, c, 200);
    for (const y of [bn.apply(t2(x, [n, c])), bn.apply(t2(x, [n, c]), { training: false })]) {
      expectClose(vals(y), x.map((v, i) => gamma[i % c]! * (v - mm[i % c]!) / Math.sqrt(mv[i % c]! + eps) + beta[i % c]!), 1e-4, 1e-4);
    }
    expectClose(vals(bn.movingMean!), mm, 1e-6, 1e-5);
  });

  it('trainable=false runs in inference mode and freezes the moving statistics', () => {
    const bn = new BatchNormalization();
    const x = batch(6, 2, 7);
    bn.apply(t2(x, [6, 2]), { training: true });
    const mm = vals(bn.movingMean!);
    const mv = vals(bn.movingVariance!);
    bn.trainable = false;
    const y = vals(bn.apply(t2(x, [6, 2]), { training: true }));
    expectClose(y, x.map((v, i) => (v - mm[i % 2]!) / Math.sqrt(mv[i % 2]! + 1e-3)), 1e-5, 1e-5);
    expect(vals(bn.movingMean!)).toEqual(mm);
    expect(bn.trainableWeights).toEqual([]);
  });

  it('axis 1 of a rank-4 input normalizes over axes 0, 2, 3; momentum option', () => {
    const [n, c, h, w] = [2, 3, 2, 2];
    const x = lcg(n * c * h * w, 5).map((v, i) => v * 2 + Math.floor(i / (h * w)) % c);
    const bn = new BatchNormalization({ axis: 1, momentum: 0.5 });
    const y = vals(bn.apply(t2(x, [n, c, h, w]), { training: true }));
    const chan = (i: number) => Math.floor(i / (h * w)) % c;
    const stats = [0, 1, 2].map((j) => {
      const vs = x.filter((_, i) => chan(i) === j);
      return { m: mean64(vs), v: var64(vs) };
    });
    expectClose(y, x.map((v, i) => (v - stats[chan(i)]!.m) / Math.sqrt(stats[chan(i)]!.v + 1e-3)), 1e-5, 1e-5);
    expectClose(vals(bn.movingMean!), stats.map((s) => 0.5 * s.m), 1e-6);
    expectClose(vals(bn.movingVariance!), stats.map((s) => 0.5 + 0.5 * s.v), 1e-6);
    expect(() => bn.apply(t2(lcg(2 * 4 * 2 * 2), [2, 4, 2, 2]))).toThrow(/'batch_normalization.*'.*axis 1.*size 3.*\[null,3,2,2\].*\[2,4,2,2\]/);
    expect(() => new BatchNormalization({ axis: 3 }).build([null, 4])).toThrow(/axis 3 is out of range/);
  });

  it('gradients in training mode: dgamma = Σ g·x̂, dbeta = Σ g; the moving statistics are not differentiated', () => {
    const [n, c] = [5, 2];
    const x = batch(n, c, 31);
    const g = lcg(n * c, 32);
    const bn = new BatchNormalization();
    const xt = t2(x, [n, c]);
    const gt = t2(g, [n, c]);
    const { grads } = variableGrads(() => sum(mul(bn.apply(xt, { training: true }), gt)));
    expect([...grads.keys()]).toEqual([bn.gamma, bn.beta]);
    const xhat = x.map((v, i) => {
      const col = column(x, c, i % c);
      return (v - mean64(col)) / Math.sqrt(var64(col) + 1e-3);
    });
    const dgamma = [0, 1].map((j) => xhat.reduce((s, v, i) => s + (i % c === j ? v * g[i]! : 0), 0));
    const dbeta = [0, 1].map((j) => g.reduce((s, v, i) => s + (i % c === j ? v : 0), 0));
    expectClose(vals(grads.get(bn.gamma!)!), dgamma, 1e-5, 1e-4);
    expectClose(vals(grads.get(bn.beta!)!), dbeta, 1e-6);
    // one update happened
    expectClose(vals(bn.movingMean!), [0, 1].map((j) => 0.01 * mean64(column(x, c, j))), 1e-6);
  });
});

describe('LayerNormalization', () => {
  it('defaults axis -1, epsilon 1e-3 (it matters for low-variance rows), gamma/beta', () => {
    const ln = new LayerNormalization();
    expect([ln.axis, ln.epsilon, ln.center, ln.scale, ln.rmsScaling]).toEqual([-1, 1e-3, true, true, false]);
    const [n, d] = [3, 5];
    const x = [...lcg(d, 1), ...lcg(d, 2).map((v) => v * 0.01), ...lcg(d, 3).map((v) => v * 10 + 4)];
    ln.build([null, d]);
    expect(ln.weights.map((w) => w.name.split('/')[1])).toEqual(['gamma', 'beta']);
    const gamma = [1, 2, 0.5, -1, 3];
    const beta = [0, 0.1, 0.2, 0.3, 0.4];
    ln.setWeights([gamma, beta]);
    const y = vals(ln.apply(t2(x, [n, d])));
    const expected = x.map((v, i) => {
      const row = x.slice(Math.floor(i / d) * d, Math.floor(i / d) * d + d);
      return gamma[i % d]! * (v - mean64(row)) / Math.sqrt(var64(row) + 1e-3) + beta[i % d]!;
    });
    expectClose(y, expected, 1e-5, 1e-4);
    // training mode makes no difference
    expectClose(vals(ln.apply(t2(x, [n, d]), { training: true })), expected, 1e-5, 1e-4);
  });

  it('several axes: statistics per sample over [1, 2]; gamma spans both', () => {
    const ln = new LayerNormalization({ axis: [1, 2] });
    const x = lcg(2 * 3 * 4, 9).map((v, i) => v + (i >= 12 ? 5 : 0));
    const y = vals(ln.apply(t2(x, [2, 3, 4])));
    expect(ln.gamma!.shape).toEqual([3, 4]);
    const expected = x.map((v, i) => {
      const s = x.slice(i >= 12 ? 12 : 0, i >= 12 ? 24 : 12);
      return (v - mean64(s)) / Math.sqrt(var64(s) + 1e-3);
    });
    expectClose(y, expected, 1e-5, 1e-4);
    expect(() => new LayerNormalization({ axis: [2, 1] }).build([null, 3, 4])).toThrow(/increasing order/);
  });

  it('rmsScaling: x · gamma / √(mean(x²) + ε), no beta', () => {
    const ln = new LayerNormalization({ rmsScaling: true });
    const x = lcg(2 * 4, 4).map((v) => v + 1);
    ln.build([null, 4]);
    expect(ln.weights.map((w) => w.name.split('/')[1])).toEqual(['gamma']);
    ln.setWeights([[1, 2, 3, 4]]);
    const y = vals(ln.apply(t2(x, [2, 4])));
    const expected = x.map((v, i) => {
      const row = x.slice(Math.floor(i / 4) * 4, Math.floor(i / 4) * 4 + 4);
      return (v * [1, 2, 3, 4][i % 4]!) / Math.sqrt(mean64(row.map((r) => r * r)) + 1e-3);
    });
    expectClose(y, expected, 1e-5, 1e-4);
  });

  it('a different feature size is an error naming the layer', () => {
    const ln = new LayerNormalization({ name: 'ln' });
    ln.apply(t2(lcg(6), [2, 3]));
    expect(() => ln.apply(t2(lcg(8), [2, 4]))).toThrow(/'ln'.*size 3.*\[null,3\].*\[2,4\]/);
  });
});
