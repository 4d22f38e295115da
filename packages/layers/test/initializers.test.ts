import { Random, type Tensor } from '@nabla/tensor';
import { describe, expect, it } from 'vitest';
import {
  computeFans, Constant, getInitializer, GlorotNormal, GlorotUniform, HeNormal, HeUniform, householderQR, Identity, LecunNormal, LecunUniform,
  Ones, Orthogonal, RandomNormal, RandomUniform, serializeInitializer, TruncatedNormal, TRUNCATED_NORMAL_STDDEV, VarianceScaling, Zeros,
  type Initializer,
} from '../src/index.js';
import { expectClose, matmul64, mean64, useCpu, vals, var64 } from './helpers.js';

useCpu();

function stats(t: Tensor): { mean: number; std: number; min: number; max: number; v: number[] } {
  const v = vals(t);
  return { mean: mean64(v), std: Math.sqrt(var64(v)), min: Math.min(...v), max: Math.max(...v), v };
}

describe('constant initializers', () => {
  it('zeros, ones, constant, identity', () => {
    expect(vals(new Zeros()([2, 3]))).toEqual([0, 0, 0, 0, 0, 0]);
    expect(vals(new Ones()([4]))).toEqual([1, 1, 1, 1]);
    expect(vals(new Constant({ value: 2.5 })([3]))).toEqual([2.5, 2.5, 2.5]);
    expect(vals(new Constant()([2]))).toEqual([0, 0]);
    expect(vals(getInitializer('zeros')([2]))).toEqual([0, 0]);
    expect(vals(getInitializer('ones')([2]))).toEqual([1, 1]);
    expect(vals(new Identity({ gain: 2 })([2, 3]))).toEqual([2, 0, 0, 0, 2, 0]);
    expect(() => new Identity()([2, 2, 2])).toThrow(/2-D/);
  });
});

describe('fans', () => {
  it('compute_fans for vectors, Dense [in, out] and conv kernels [kh, kw, in, out]', () => {
    expect(computeFans([])).toEqual({ fanIn: 1, fanOut: 1 });
    expect(computeFans([7])).toEqual({ fanIn: 7, fanOut: 7 });
    expect(computeFans([784, 256])).toEqual({ fanIn: 784, fanOut: 256 });
    expect(computeFans([3, 3, 16, 32])).toEqual({ fanIn: 144, fanOut: 288 });
    expect(computeFans([5, 4, 8])).toEqual({ fanIn: 20, fanOut: 40 });
  });
});

describe('random initializers: Keras defaults and statistics', () => {
  it('RandomNormal: mean 0, stddev 0.05', () => {
    const s = stats(new RandomNormal({ seed: 1 })([200, 100]));
    expect(Math.abs(s.mean)).toBeLessThan(0.002);
    expect(s.std).toBeGreaterThan(0.05 * 0.97);
    expect(s.std).toBeLessThan(0.05 * 1.03);
    const c = stats(new RandomNormal({ mean: 3, stddev: 2, seed: 2 })([20000]));
    expect(Math.abs(c.mean - 3)).toBeLessThan(0.05);
    expect(Math.abs(c.std - 2)).toBeLessThan(0.05);
  });

  it('RandomUniform: -0.05..0.05', () => {
    const s = stats(new RandomUniform({ seed: 3 })([200, 100]));
    expect(s.min).toBeGreaterThanOrEqual(-0.05);
    expect(s.max).toBeLessThan(0.05);
    expect(s.min).toBeLessThan(-0.049);
    expect(s.max).toBeGreaterThan(0.049);
    expect(Math.abs(s.std ** 2 - 0.1 ** 2 / 12) / (0.1 ** 2 / 12)).toBeLessThan(0.03);
  });

  it('TruncatedNormal: stddev 0.05 before truncation at two stddevs', () => {
    const s = stats(new TruncatedNormal({ seed: 4 })([200, 100]));
    expect(s.min).toBeGreaterThanOrEqual(-0.1 - 1e-7);
    expect(s.max).toBeLessThanOrEqual(0.1 + 1e-7);
    expect(Math.abs(s.std - 0.05 * TRUNCATED_NORMAL_STDDEV)).toBeLessThan(0.05 * 0.02);
  });

  it('GlorotUniform: within ±sqrt(6/(in+out)), variance ≈ limit²/3', () => {
    const [fin, fout] = [300, 200];
    const limit = Math.sqrt(6 / (fin + fout));
    const s = stats(new GlorotUniform({ seed: 5 })([fin, fout]));
    expect(s.min).toBeGreaterThanOrEqual(-limit);
    expect(s.max).toBeLessThanOrEqual(limit);
    expect(s.max).toBeGreaterThan(limit * 0.999);
    expect(Math.abs(s.std ** 2 / (limit ** 2 / 3) - 1)).toBeLessThan(0.03);
    expect(Math.abs(s.mean)).toBeLessThan(limit * 0.01);
  });

  it('GlorotNormal: truncated normal, stddev sqrt(2/(in+out)) after truncation', () => {
    const [fin, fout] = [300, 200];
    const target = Math.sqrt(2 / (fin + fout));
    const s = stats(new GlorotNormal({ seed: 6 })([fin, fout]));
    expect(Math.abs(s.std / target - 1)).toBeLessThan(0.03);
    const bound = (2 * target) / TRUNCATED_NORMAL_STDDEV;
    expect(Math.max(-s.min, s.max)).toBeLessThanOrEqual(bound * (1 + 1e-6));
    expect(Math.max(-s.min, s.max)).toBeGreaterThan(bound * 0.95);
  });

  it('HeNormal / HeUniform / LecunNormal / LecunUniform use fan_in', () => {
    const shape = [400, 100];
    const he = stats(new HeNormal({ seed: 7 })(shape));
    expect(Math.abs(he.std / Math.sqrt(2 / 400) - 1)).toBeLessThan(0.03);
    const heu = stats(new HeUniform({ seed: 8 })(shape));
    const lim = Math.sqrt(6 / 400);
    expect(heu.min).toBeGreaterThanOrEqual(-lim);
    expect(heu.max).toBeLessThanOrEqual(lim);
    expect(Math.abs(heu.std ** 2 / (lim ** 2 / 3) - 1)).toBeLessThan(0.03);
    const le = stats(new LecunNormal({ seed: 9 })(shape));
    expect(Math.abs(le.std / Math.sqrt(1 / 400) - 1)).toBeLessThan(0.03);
    const leu = stats(new LecunUniform({ seed: 10 })(shape));
    expect(leu.max).toBeLessThanOrEqual(Math.sqrt(3 / 400));
    expect(leu.max).toBeGreaterThan(Math.sqrt(3 / 400) * 0.99);
  });

  it('conv kernels use receptive field × channels', () => {
    const shape = [3, 3, 16, 32];
    const lim = Math.sqrt(6 / 144);
    const s = stats(new HeUniform({ seed: 11 })(shape));
    expect(s.max).toBeLessThanOrEqual(lim);
    expect(s.max).toBeGreaterThan(lim * 0.99);
    const g = stats(new GlorotUniform({ seed: 12 })(shape));
    const gl = Math.sqrt(6 / (144 + 288));
    expect(g.max).toBeLessThanOrEqual(gl);
    expect(g.max).toBeGreaterThan(gl * 0.99);
  });

  it('VarianceScaling: modes, distributions, scale; Keras argument checks', () => {
    const vs = new VarianceScaling({ scale: 3, mode: 'fan_out', distribution: 'untruncated_normal', seed: 13 });
    const s = stats(vs([100, 400]));
    expect(Math.abs(s.std / Math.sqrt(3 / 400) - 1)).toBeLessThan(0.03);
    expect(new VarianceScaling({ mode: 'fan_avg', distribution: 'uniform' }).spread([100, 300]).limit).toBeCloseTo(Math.sqrt(3 / 200), 12);
    expect(new VarianceScaling().spread([50, 7]).stddev).toBeCloseTo(Math.sqrt(1 / 50) / 0.87962566103423978, 12);
    expect(new VarianceScaling({ distribution: 'normal' }).distribution).toBe('truncated_normal');
    expect(new VarianceScaling({ mode: 'fanAvg' }).mode).toBe('fan_avg');
    // fans below 1 count as 1
    expect(new VarianceScaling({ distribution: 'uniform' }).spread([0, 0]).limit).toBeCloseTo(Math.sqrt(3), 12);
    expect(() => new VarianceScaling({ scale: 0 })).toThrow(/scale/);
    expect(() => new VarianceScaling({ mode: 'fan' as never })).toThrow(/mode/);
    expect(() => new VarianceScaling({ distribution: 'cauchy' as never })).toThrow(/distribution/);
  });
});

describe('seeding', () => {
  const all: [string, (seed?: number) => Initializer][] = [
    ['RandomNormal', (seed) => new RandomNormal({ seed })],
    ['RandomUniform', (seed) => new RandomUniform({ seed })],
    ['TruncatedNormal', (seed) => new TruncatedNormal({ seed })],
    ['GlorotUniform', (seed) => new GlorotUniform({ seed })],
    ['GlorotNormal', (seed) => new GlorotNormal({ seed })],
    ['HeNormal', (seed) => new HeNormal({ seed })],
    ['HeUniform', (seed) => new HeUniform({ seed })],
    ['LecunNormal', (seed) => new LecunNormal({ seed })],
    ['Orthogonal', (seed) => new Orthogonal({ seed })],
  ];
  for (const [name, make] of all) {
    it(`${name}: same seed, same values; other seed, other values; an instance repeats itself`, () => {
      const a = vals(make(42)([6, 5]));
      expect(vals(make(42)([6, 5]))).toEqual(a);
      expect(vals(make(43)([6, 5]))).not.toEqual(a);
      const unseeded = make();
      const u = vals(unseeded([6, 5]));
      expect(vals(unseeded([6, 5]))).toEqual(u); // Keras: an unseeded initializer repeats its values
      expect(vals(make()([6, 5]))).not.toEqual(u); // another instance gets another seed
    });
  }
});

describe('orthogonal', () => {
  function gram(v: number[], rows: number, cols: number, transpose: boolean): number[] {
    // transpose=false: QᵀQ (cols x cols); true: QQᵀ (rows x rows)
    const t = (i: number, j: number) => v[i * cols + j]!;
    const n = transpose ? rows : cols;
    const out: number[] = [];
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        let s = 0;
        if (transpose) for (let k = 0; k < cols; k++) s += t(i, k) * t(j, k);
        else for (let k = 0; k < rows; k++) s += t(k, i) * t(k, j);
        out.push(s);
      }
    }
    return out;
  }
  const eye = (n: number, g = 1) => Array.from({ length: n * n }, (_, i) => (Math.floor(i / n) === i % n ? g : 0));

  it('tall: QᵀQ = I; wide: QQᵀ = I; gain scales', () => {
    expectClose(gram(vals(new Orthogonal({ seed: 1 })([64, 32])), 64, 32, false), eye(32), 1e-5);
    expectClose(gram(vals(new Orthogonal({ seed: 2 })([16, 40])), 16, 40, true), eye(16), 1e-5);
    expectClose(gram(vals(new Orthogonal({ gain: 2, seed: 3 })([10, 10])), 10, 10, false), eye(10, 4), 1e-5);
    // conv kernel: rows = 3*3*4 = 36, cols 8
    const k = new Orthogonal({ seed: 4 })([3, 3, 4, 8]);
    expect(k.shape).toEqual([3, 3, 4, 8]);
    expectClose(gram(vals(k), 36, 8, false), eye(8), 1e-5);
    expect(() => new Orthogonal()([5])).toThrow(/at least 2-D/);
  });

  it('equals the sign-corrected QR (Gram-Schmidt) of the seeded normal matrix, as Keras', () => {
    const [m, n] = [7, 4];
    const rng = new Random(99);
    const a = Array.from({ length: m * n }, () => rng.normal());
    // modified Gram-Schmidt: the Q whose R has a positive diagonal
    const q = [...a];
    for (let j = 0; j < n; j++) {
      for (let p = 0; p < j; p++) {
        let d = 0;
        for (let i = 0; i < m; i++) d += q[i * n + p]! * q[i * n + j]!;
        for (let i = 0; i < m; i++) q[i * n + j]! -= d * q[i * n + p]!;
      }
      let norm = 0;
      for (let i = 0; i < m; i++) norm += q[i * n + j]! ** 2;
      norm = Math.sqrt(norm);
      for (let i = 0; i < m; i++) q[i * n + j]! /= norm;
    }
    expectClose(vals(new Orthogonal({ seed: 99 })([m, n])), q, 1e-6);
    // wide shapes are the transpose of the tall case
    const wide = vals(new Orthogonal({ seed: 99 })([n, m]));
    const qt = Array.from({ length: n * m }, (_, idx) => q[(idx % m) * n + Math.floor(idx / m)]!);
    expectClose(wide, qt, 1e-6);
  });

  it('householderQR: Q orthonormal, QᵀA upper triangular with diag(R) on its diagonal', () => {
    const [m, n] = [6, 4];
    const rng = new Random(5);
    const a = Float64Array.from({ length: m * n }, () => rng.normal());
    const { q, rDiag } = householderQR(a, m, n);
    const qArr = Array.from(q);
    const qt = Array.from({ length: n * m }, (_, idx) => qArr[(idx % m) * n + Math.floor(idx / m)]!);
    const r = matmul64(qt, Array.from(a), n, m, n);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        if (i > j) expect(Math.abs(r[i * n + j]!)).toBeLessThan(1e-12);
        if (i === j) expect(r[i * n + j]!).toBeCloseTo(rDiag[i]!, 12);
      }
    }
    expectClose(matmul64(qt, qArr, n, m, n), Array.from({ length: n * n }, (_, i) => (Math.floor(i / n) === i % n ? 1 : 0)), 1e-12);
  });
});

describe('getInitializer and serialization', () => {
  it('resolves snake, camel and class names, and {className, config} (Keras class_name too)', () => {
    for (const id of ['glorot_uniform', 'glorotUniform', 'GlorotUniform']) expect(getInitializer(id)).toBeInstanceOf(GlorotUniform);
    expect(getInitializer('he_normal')).toBeInstanceOf(HeNormal);
    expect(getInitializer('lecunNormal')).toBeInstanceOf(LecunNormal);
    expect(getInitializer('truncated_normal')).toBeInstanceOf(TruncatedNormal);
    expect(getInitializer('orthogonal')).toBeInstanceOf(Orthogonal);
    const rn = getInitializer({ className: 'RandomNormal', config: { stddev: 0.1, seed: 1 } }) as RandomNormal;
    expect([rn.stddev, rn.mean, rn.seed]).toEqual([0.1, 0, 1]);
    const vs = getInitializer({ class_name: 'VarianceScaling', config: { scale: 2, mode: 'fan_out', distribution: 'uniform', seed: 3 } } as never) as VarianceScaling;
    expect([vs.scale, vs.mode, vs.distribution, vs.seed]).toEqual([2, 'fan_out', 'uniform', 3]);
    const f: Initializer = (shape) => new Ones()(shape);
    expect(getInitializer(f)).toBe(f);
    expect(() => getInitializer('glorot')).toThrow(/unknown initializer 'glorot'.*GlorotUniform/);
  });

  it('round-trips through serializeInitializer with the same values', () => {
    const inits: Initializer[] = [
      new GlorotUniform({ seed: 1 }), new RandomUniform({ minval: -1, maxval: 2, seed: 2 }), new VarianceScaling({ scale: 0.5, mode: 'fan_avg', distribution: 'untruncated_normal', seed: 3 }),
      new Orthogonal({ gain: 1.5, seed: 4 }), new Constant({ value: 7 }), new TruncatedNormal({ mean: 1, stddev: 0.2, seed: 5 }),
    ];
    for (const init of inits) {
      const s = JSON.parse(JSON.stringify(serializeInitializer(init)));
      const back = getInitializer(s);
      expect(back.constructor).toBe(init.constructor);
      expect(vals(back([5, 4]))).toEqual(vals(init([5, 4])));
    }
    expect(serializeInitializer(new GlorotUniform())).toEqual({ className: 'GlorotUniform', config: { seed: null } });
    expect(serializeInitializer(new HeNormal({ seed: 3 }))).toEqual({ className: 'HeNormal', config: { seed: 3 } });
    expect(serializeInitializer(new RandomNormal())).toEqual({ className: 'RandomNormal', config: { seed: null, mean: 0, stddev: 0.05 } });
  });
});
