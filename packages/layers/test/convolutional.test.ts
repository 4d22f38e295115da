import { variableGrads, Variable } from '@nabla/autograd';
import { mul, sum, tidy, type Tensor } from '@nabla/tensor';
import { describe, expect, it } from 'vitest';
import { Conv1D, Conv2D, Conv2DTranspose, DepthwiseConv2D, deserializeLayer, SeparableConv2D, serializeLayer, type Layer } from '../src/index.js';
import { expectClose, lcg, t2, useCpu, vals } from './helpers.js';

useCpu();

/** TensorFlow 'same' padding before an axis. */
function padBefore(size: number, k: number, s: number, d: number, padding: string): number {
  if (padding === 'valid') return 0;
  const out = Math.ceil(size / s);
  return Math.floor(Math.max((out - 1) * s + (k - 1) * d + 1 - size, 0) / 2);
}

/** Direct float64 NHWC x HWIO convolution. */
function conv2d64(x: number[], [n, h, w, c]: number[], k: number[], [kh, kw, , o]: number[], s: [number, number], padding: string, d: [number, number], bias?: number[]) {
  const oh = padding === 'same' ? Math.ceil(h / s[0]) : Math.floor((h - (kh - 1) * d[0] - 1) / s[0]) + 1;
  const ow = padding === 'same' ? Math.ceil(w / s[1]) : Math.floor((w - (kw - 1) * d[1] - 1) / s[1]) + 1;
  const pt = padBefore(h, kh, s[0], d[0], padding);
  const pl = padBefore(w, kw, s[1], d[1], padding);
  const out: number[] = [];
  for (let b = 0; b < n; b++)
    for (let i = 0; i < oh; i++)
      for (let j = 0; j < ow; j++)
        for (let f = 0; f < o; f++) {
          let acc = bias ? bias[f]! : 0;
          for (let p = 0; p < kh; p++)
            for (let q = 0; q < kw; q++) {
              const y = i * s[0] + p * d[0] - pt;
              const xx = j * s[1] + q * d[1] - pl;
              if (y < 0 || y >= h || xx < 0 || xx >= w) continue;
              for (let ch = 0; ch < c; ch++) acc += x[((b * h + y) * w + xx) * c + ch]! * k[((p * kw + q) * c + ch) * o + f]!;
            }
          out.push(acc);
        }
  return { out, shape: [n, oh, ow, o] };
}

/** Central finite differences (float32 forward passes) of a scalar function of one flat input. */
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

describe('Conv2D', () => {
  const cases: { name: string; x: number[]; k: number[]; s: [number, number]; padding: 'valid' | 'same'; d: [number, number] }[] = [
    { name: 'valid, stride 1', x: [2, 6, 5, 3], k: [3, 2, 3, 4], s: [1, 1], padding: 'valid', d: [1, 1] },
    { name: 'same, stride 2', x: [1, 7, 6, 2], k: [3, 3, 2, 3], s: [2, 2], padding: 'same', d: [1, 1] },
    { name: 'same, strides [1, 3]', x: [1, 5, 8, 2], k: [2, 4, 2, 2], s: [1, 3], padding: 'same', d: [1, 1] },
    { name: 'valid, dilation 2', x: [1, 7, 7, 2], k: [3, 3, 2, 2], s: [1, 1], padding: 'valid', d: [2, 2] },
    { name: 'same, dilation [2, 1]', x: [1, 6, 5, 1], k: [3, 2, 1, 2], s: [1, 1], padding: 'same', d: [2, 1] },
  ];
  for (const c of cases) {
    it(`forward equals a float64 loop (${c.name}, bias, relu)`, () => {
      const xs = lcg(c.x.reduce((a, b) => a * b), 3);
      const ks = lcg(c.k.reduce((a, b) => a * b), 5);
      const bias = lcg(c.k[3]!, 7);
      const layer = new Conv2D({ filters: c.k[3]!, kernelSize: [c.k[0]!, c.k[1]!], strides: c.s, padding: c.padding, dilationRate: c.d, activation: 'relu' });
      layer.build([null, ...c.x.slice(1)]);
      layer.setWeights([t2(ks, c.k), t2(bias, [c.k[3]!])]);
      const y = layer.apply(t2(xs, c.x));
      const ref = conv2d64(xs, c.x, ks, c.k, c.s, c.padding, c.d, bias);
      expect(y.shape).toEqual(ref.shape);
      expect(layer.computeOutputShape([null, ...c.x.slice(1)])).toEqual([null, ...ref.shape.slice(1)]);
      expectClose(vals(y), ref.out.map((v) => Math.max(v, 0)), 1e-5, 1e-5);
      y.dispose();
      layer.dispose();
    });
  }

  it('builds a [kh, kw, in, filters] kernel and [filters] bias; Keras parameter counts', () => {
    const a = new Conv2D({ filters: 32, kernelSize: 3, activation: 'relu' });
    a.build([null, 28, 28, 1]);
    expect(a.kernel.shape).toEqual([3, 3, 1, 32]);
    expect(a.bias!.shape).toEqual([32]);
    expect(a.weights.map((w) => w.name)).toEqual([`${a.name}/kernel`, `${a.name}/bias`]);
    expect(a.countParams()).toBe(320);
    expect(a.computeOutputShape([null, 28, 28, 1])).toEqual([null, 26, 26, 32]);
    const b = new Conv2D({ filters: 64, kernelSize: [3, 3] });
    b.build([null, 13, 13, 32]);
    expect(b.countParams()).toBe(18496);
    const c = new Conv2D({ filters: 8, kernelSize: 3, useBias: false });
    c.build([null, 5, 5, 2]);
    expect(c.countParams()).toBe(144);
    expect(c.bias).toBeNull();
    for (const l of [a, b, c]) l.dispose();
  });

  it('defaults follow Keras (glorot_uniform kernel, zeros bias, valid, strides 1)', () => {
    const l = new Conv2D({ filters: 4, kernelSize: 3 });
    const cfg = l.getConfig();
    expect(cfg).toMatchObject({ filters: 4, kernelSize: [3, 3], strides: [1, 1], padding: 'valid', dilationRate: [1, 1], dataFormat: 'channels_last', useBias: true, activation: 'linear' });
    expect(JSON.stringify(cfg.kernelInitializer)).toContain('GlorotUniform');
    expect(JSON.stringify(cfg.biasInitializer)).toContain('Zeros');
    l.build([null, 8, 8, 3]);
    // glorot_uniform limit sqrt(6 / (fanIn + fanOut)) with receptive field 9: fanIn 27, fanOut 36
    const limit = Math.sqrt(6 / (27 + 36));
    const k = vals(l.kernel);
    expect(Math.max(...k.map(Math.abs))).toBeLessThanOrEqual(limit);
    expect(Math.max(...k.map(Math.abs))).toBeGreaterThan(limit * 0.8);
    expect(vals(l.bias!)).toEqual([0, 0, 0, 0]);
    l.dispose();
  });

  it('computeOutputShape matches Keras (null batch and spatial dims)', () => {
    const cases: [ConstructorParameters<typeof Conv2D>[0], (number | null)[], (number | null)[]][] = [
      [{ filters: 32, kernelSize: 3 }, [null, 28, 28, 1], [null, 26, 26, 32]],
      [{ filters: 8, kernelSize: 3, strides: 2, padding: 'same' }, [null, 7, 7, 3], [null, 4, 4, 8]],
      [{ filters: 8, kernelSize: 3, strides: 2 }, [4, 7, 8, 3], [4, 3, 3, 8]],
      [{ filters: 2, kernelSize: 3, dilationRate: 2 }, [null, 10, 9, 1], [null, 6, 5, 2]],
      [{ filters: 2, kernelSize: [1, 5] }, [null, null, 9, 1], [null, null, 5, 2]],
      [{ filters: 2, kernelSize: 3, padding: 'same' }, [null, null, null, 3], [null, null, null, 2]],
    ];
    for (const [args, input, out] of cases) {
      const l = new Conv2D(args);
      expect(l.computeOutputShape(input)).toEqual(out);
    }
  });

  it('gradients w.r.t. input and kernel match central finite differences', () => {
    // float32 forward passes with eps 1e-2: the loss is linear in each coordinate, so the
    // only error is float32 rounding (~1e-5 here); tolerance atol 2e-3 + rtol 1e-2.
    const xShape = [1, 5, 4, 2];
    const kShape = [3, 2, 2, 3];
    const x0 = lcg(40, 11);
    const k0 = lcg(36, 13);
    const g = t2(lcg(3 * 2 * 3, 17), [1, 3, 2, 3]); // output [1, 3, 2, 3] with stride 2 'same'
    const layer = new Conv2D({ filters: 3, kernelSize: [3, 2], strides: 2, padding: 'same', biasInitializer: 'ones' });
    layer.build([null, 5, 4, 2]);
    layer.setWeights([t2(k0, kShape), t2([0.1, -0.2, 0.3], [3])]);
    const xv = new Variable(t2(x0, xShape));
    const { value, grads } = variableGrads(() => sum(mul(layer.apply(xv), g)));
    const lossAt = (x: number[]) => scalar(() => sum(mul(layer.apply(t2(x, xShape)), g)));
    expect(vals(value)[0]).toBeCloseTo(lossAt(x0), 4);
    expectClose(vals(grads.get(xv)!), numericGrad(lossAt, x0), 2e-3, 1e-2);
    const lossAtK = (k: number[]) => {
      layer.setWeights([t2(k, kShape), t2([0.1, -0.2, 0.3], [3])]);
      return scalar(() => sum(mul(layer.apply(t2(x0, xShape)), g)));
    };
    const gk = vals(grads.get(layer.kernel)!);
    expectClose(gk, numericGrad(lossAtK, k0), 2e-3, 1e-2);
    expectClose(vals(grads.get(layer.bias!)!), [0, 1, 2].map((f) => vals(g).filter((_, i) => i % 3 === f).reduce((a, b) => a + b, 0)), 1e-5);
    layer.dispose();
  });

  it('config round trips through JSON (serializeLayer/deserializeLayer) and reproduces outputs with the same weights', () => {
    const l = new Conv2D({ filters: 3, kernelSize: [2, 3], strides: [1, 2], padding: 'same', activation: 'tanh', kernelRegularizer: 'l2', useBias: true, name: 'c2' });
    l.build([null, 4, 5, 2]);
    const json = JSON.parse(JSON.stringify(serializeLayer(l)));
    expect(json.className).toBe('Conv2D');
    const m = deserializeLayer(json) as Conv2D;
    expect(m).toBeInstanceOf(Conv2D);
    expect(m.getConfig()).toEqual(l.getConfig());
    expect(m.built).toBe(true);
    m.setWeights(l.getWeights());
    const x = t2(lcg(40, 2), [1, 4, 5, 2]);
    expectClose(vals(m.apply(x)), vals(l.apply(x)), 1e-6);
    expect(m.regularizationLoss()).not.toBeNull();
    // Keras snake_case config
    const k = deserializeLayer({ class_name: 'Conv2D', config: { filters: 2, kernel_size: [3, 3], padding: 'same', use_bias: false } }) as Conv2D;
    expect(k.kernelSize).toEqual([3, 3]);
    expect(k.padding).toBe('same');
    expect(k.useBias).toBe(false);
  });

  it('errors name the layer and the shapes', () => {
    const l = new Conv2D({ filters: 2, kernelSize: 3, name: 'conv_err' });
    l.build([null, 8, 8, 3]);
    expect(() => l.apply(t2(lcg(8 * 8 * 2), [1, 8, 8, 2]))).toThrow(/'conv_err'.*axis -1 of the input to have size 3.*\[null,8,8,3\].*\[1,8,8,2\]/);
    expect(() => l.apply(t2(lcg(64), [1, 8, 8]))).toThrow(/'conv_err'.*expected rank 4.*\[1,8,8\]/);
    const small = new Conv2D({ filters: 2, kernelSize: 5, name: 'conv_small' });
    expect(() => small.apply(t2(lcg(9), [1, 3, 3, 1]))).toThrow(/Conv2D 'conv_small'.*\[null,3,3,1\]/);
    expect(small.built).toBe(false);
    expect(() => new Conv2D({ filters: 0, kernelSize: 3 })).toThrow(/filters must be a positive integer/);
    expect(() => new Conv2D({ filters: 2, kernelSize: [3, 3, 3] })).toThrow(/kernelSize must be/);
    expect(() => new Conv2D({ filters: 2, kernelSize: 3, padding: 'causal' as 'same' })).toThrow(/padding must be 'valid' or 'same'/);
    expect(() => new Conv2D({ filters: 2, kernelSize: 3, strides: 2, dilationRate: 2 })).toThrow(/strides > 1 are not compatible with dilationRate > 1/);
    expect(() => new Conv2D({ filters: 2, kernelSize: 3, dataFormat: 'channels_first' as 'channels_last' })).toThrow(/channels_last/);
    expect(() => new Conv2D({ filters: 2, kernelSize: 3 }).build([null, 8, 8, null])).toThrow(/channel dimension.*\[null,8,8,null\]/);
  });
});

describe('Conv1D', () => {
  const cases: { name: string; n: number; w: number; c: number; k: number; o: number; s: number; padding: 'valid' | 'same'; d: number }[] = [
    { name: 'valid', n: 2, w: 9, c: 3, k: 3, o: 4, s: 1, padding: 'valid', d: 1 },
    { name: 'same, stride 2', n: 1, w: 8, c: 2, k: 4, o: 3, s: 2, padding: 'same', d: 1 },
    { name: 'valid, dilation 3', n: 1, w: 10, c: 2, k: 3, o: 2, s: 1, padding: 'valid', d: 3 },
  ];
  for (const c of cases) {
    it(`forward equals a float64 loop (${c.name})`, () => {
      const xs = lcg(c.n * c.w * c.c, 19);
      const ks = lcg(c.k * c.c * c.o, 23);
      const bias = lcg(c.o, 29);
      const l = new Conv1D({ filters: c.o, kernelSize: c.k, strides: c.s, padding: c.padding, dilationRate: c.d });
      l.build([null, c.w, c.c]);
      expect(l.kernel.shape).toEqual([c.k, c.c, c.o]);
      l.setWeights([t2(ks, [c.k, c.c, c.o]), t2(bias, [c.o])]);
      const y = l.apply(t2(xs, [c.n, c.w, c.c]));
      const ref = conv2d64(xs, [c.n, 1, c.w, c.c], ks, [1, c.k, c.c, c.o], [1, c.s], c.padding, [1, c.d], bias);
      expect(y.shape).toEqual([c.n, ref.shape[2], c.o]);
      expect(l.computeOutputShape([null, c.w, c.c])).toEqual([null, ref.shape[2], c.o]);
      expectClose(vals(y), ref.out, 1e-5, 1e-5);
      l.dispose();
    });
  }

  it('computeOutputShape, parameter count and config round trip', () => {
    const l = new Conv1D({ filters: 16, kernelSize: 5, strides: 2, name: 'c1' });
    expect(l.computeOutputShape([null, 20, 4])).toEqual([null, 8, 16]);
    expect(l.computeOutputShape([null, null, 4])).toEqual([null, null, 16]);
    l.build([null, 20, 4]);
    expect(l.countParams()).toBe(5 * 4 * 16 + 16);
    expect(l.getConfig()).toMatchObject({ kernelSize: [5], strides: [2], dilationRate: [1] });
    const m = deserializeLayer(JSON.parse(JSON.stringify(serializeLayer(l)))) as Conv1D;
    expect(m).toBeInstanceOf(Conv1D);
    expect(m.getConfig()).toEqual(l.getConfig());
    expect(() => new Conv1D({ filters: 2, kernelSize: 3 }).apply(t2(lcg(16), [1, 4, 2, 2]))).toThrow(/Conv1D.*expected rank 3.*\[1,4,2,2\]/);
  });

  it('gradients w.r.t. input and kernel match central finite differences (atol 2e-3, rtol 1e-2)', () => {
    const x0 = lcg(7 * 2, 31);
    const k0 = lcg(3 * 2 * 2, 37);
    const l = new Conv1D({ filters: 2, kernelSize: 3, padding: 'same', dilationRate: 2 });
    l.build([null, 7, 2]);
    l.setWeights([t2(k0, [3, 2, 2]), t2([0.5, -0.5], [2])]);
    const g = t2(lcg(14, 41), [1, 7, 2]);
    const xv = new Variable(t2(x0, [1, 7, 2]));
    const { grads } = variableGrads(() => sum(mul(l.apply(xv), g)));
    const lossAt = (x: number[]) => scalar(() => sum(mul(l.apply(t2(x, [1, 7, 2])), g)));
    expectClose(vals(grads.get(xv)!), numericGrad(lossAt, x0), 2e-3, 1e-2);
    const gk = vals(grads.get(l.kernel)!);
    const lossAtK = (k: number[]) => {
      l.setWeights([t2(k, [3, 2, 2]), t2([0.5, -0.5], [2])]);
      return scalar(() => sum(mul(l.apply(t2(x0, [1, 7, 2])), g)));
    };
    expectClose(gk, numericGrad(lossAtK, k0), 2e-3, 1e-2);
  });
});

/** Serializes through JSON, deserializes, copies the weights and checks the same outputs. */
function roundTrip<L extends Layer>(l: L, cls: new (...a: never[]) => L, inputShape: number[]): L {
  const json = JSON.parse(JSON.stringify(serializeLayer(l)));
  expect(json.className).toBe(l.className);
  const m = deserializeLayer(json) as L;
  expect(m).toBeInstanceOf(cls);
  expect(m.getConfig()).toEqual(l.getConfig());
  m.setWeights(l.getWeights());
  const x = t2(lcg(inputShape.reduce((a, b) => a * b), 9), inputShape);
  expectClose(vals(m.apply(x)), vals(l.apply(x)), 1e-6);
  return m;
}

// forward values and gradients of these layers are checked in the layer suite (layers-cpu/-webgpu)
describe('DepthwiseConv2D', () => {
  it('weights [kh, kw, in, depthMultiplier] (named kernel) and bias [in·depthMultiplier]; Keras parameter counts and shapes', () => {
    const l = new DepthwiseConv2D({ kernelSize: 3, depthMultiplier: 2, padding: 'same' });
    l.build([null, 8, 8, 8]);
    expect(l.kernel.shape).toEqual([3, 3, 8, 2]);
    expect(l.bias!.shape).toEqual([16]);
    expect(l.weights.map((w) => w.name)).toEqual([`${l.name}/kernel`, `${l.name}/bias`]);
    expect(l.countParams()).toBe(3 * 3 * 8 * 2 + 16);
    expect(l.computeOutputShape([null, 8, 8, 8])).toEqual([null, 8, 8, 16]);
    const v = new DepthwiseConv2D({ kernelSize: [3, 2], strides: 2, useBias: false });
    expect(v.computeOutputShape([4, 9, 7, 3])).toEqual([4, 4, 3, 3]);
    expect(v.computeOutputShape([null, null, 7, null])).toEqual([null, null, 3, null]);
    v.build([null, 9, 7, 3]);
    expect(v.countParams()).toBe(18);
    expect(v.bias).toBeNull();
    expect(v.apply(t2(lcg(9 * 7 * 3), [1, 9, 7, 3])).shape).toEqual([1, 4, 3, 3]);
    l.dispose();
    v.dispose();
  });

  it('defaults and config follow Keras; round trip through JSON', () => {
    const l = new DepthwiseConv2D({ kernelSize: 3, name: 'dw' });
    expect(l.getConfig()).toMatchObject({ kernelSize: [3, 3], strides: [1, 1], padding: 'valid', depthMultiplier: 1, dilationRate: [1, 1], dataFormat: 'channels_last', useBias: true, activation: 'linear' });
    expect(JSON.stringify(l.getConfig().depthwiseInitializer)).toContain('GlorotUniform');
    expect(JSON.stringify(l.getConfig().biasInitializer)).toContain('Zeros');
    const r = new DepthwiseConv2D({ kernelSize: [2, 3], strides: [1, 2], padding: 'same', depthMultiplier: 3, activation: 'tanh', depthwiseRegularizer: 'l2', biasInitializer: 'ones' });
    r.build([null, 5, 6, 2]);
    const m = roundTrip(r, DepthwiseConv2D, [1, 5, 6, 2]);
    expect(m.regularizationLoss()).not.toBeNull();
    const k = deserializeLayer({ class_name: 'DepthwiseConv2D', config: { kernel_size: [3, 3], depth_multiplier: 2, use_bias: false } }) as DepthwiseConv2D;
    expect(k.depthMultiplier).toBe(2);
    expect(k.useBias).toBe(false);
  });

  it('errors name the layer and the shapes', () => {
    expect(() => new DepthwiseConv2D({ kernelSize: 3, depthMultiplier: 0 })).toThrow(/DepthwiseConv2D.*depthMultiplier must be a positive integer/);
    expect(() => new DepthwiseConv2D({ kernelSize: 3, strides: 2, dilationRate: 2 })).toThrow(/strides > 1 are not compatible with dilationRate > 1/);
    expect(() => new DepthwiseConv2D({ kernelSize: [3, 3, 3] })).toThrow(/kernelSize must be/);
    const l = new DepthwiseConv2D({ kernelSize: 3, name: 'dw_err' });
    expect(() => l.apply(t2(lcg(4), [1, 2, 2, 1]))).toThrow(/DepthwiseConv2D 'dw_err'.*\[null,2,2,1\]/);
    expect(l.built).toBe(false);
    l.build([null, 5, 5, 2]);
    expect(() => l.apply(t2(lcg(75), [1, 5, 5, 3]))).toThrow(/'dw_err'.*axis -1 of the input to have size 2/);
    expect(() => new DepthwiseConv2D({ kernelSize: 3 }).build([null, 5, 5, null])).toThrow(/channel dimension.*\[null,5,5,null\]/);
  });
});

describe('SeparableConv2D', () => {
  it('weights depthwise_kernel [kh, kw, in, dm], pointwise_kernel [1, 1, in·dm, filters], bias [filters]; Keras parameter counts', () => {
    const l = new SeparableConv2D({ filters: 32, kernelSize: 3, activation: 'relu' });
    l.build([null, 16, 16, 16]);
    expect(l.depthwiseKernel.shape).toEqual([3, 3, 16, 1]);
    expect(l.pointwiseKernel.shape).toEqual([1, 1, 16, 32]);
    expect(l.bias!.shape).toEqual([32]);
    expect(l.weights.map((w) => w.name)).toEqual([`${l.name}/depthwise_kernel`, `${l.name}/pointwise_kernel`, `${l.name}/bias`]);
    expect(l.countParams()).toBe(144 + 512 + 32);
    expect(l.computeOutputShape([null, 16, 16, 16])).toEqual([null, 14, 14, 32]);
    const m = new SeparableConv2D({ filters: 4, kernelSize: 3, depthMultiplier: 2, strides: 2, padding: 'same' });
    m.build([null, 7, 7, 3]);
    expect(m.pointwiseKernel.shape).toEqual([1, 1, 6, 4]);
    expect(m.computeOutputShape([null, 7, 7, 3])).toEqual([null, 4, 4, 4]);
    l.dispose();
    m.dispose();
  });

  it('defaults and config follow Keras; round trip through JSON', () => {
    const l = new SeparableConv2D({ filters: 2, kernelSize: 3 });
    expect(l.getConfig()).toMatchObject({ filters: 2, kernelSize: [3, 3], strides: [1, 1], padding: 'valid', depthMultiplier: 1, dilationRate: [1, 1], useBias: true, activation: 'linear' });
    expect(JSON.stringify(l.getConfig().pointwiseInitializer)).toContain('GlorotUniform');
    const r = new SeparableConv2D({ filters: 3, kernelSize: 2, depthMultiplier: 2, padding: 'same', pointwiseRegularizer: 'l1', activation: 'sigmoid' });
    r.build([null, 4, 5, 2]);
    expect(roundTrip(r, SeparableConv2D, [2, 4, 5, 2]).regularizationLoss()).not.toBeNull();
  });

  it('errors', () => {
    expect(() => new SeparableConv2D({ filters: 0, kernelSize: 3 })).toThrow(/SeparableConv2D.*filters must be a positive integer/);
    expect(() => new SeparableConv2D({ filters: 2, kernelSize: 3, padding: 'full' as 'same' })).toThrow(/padding must be 'valid' or 'same'/);
    expect(() => new SeparableConv2D({ filters: 2, kernelSize: 3, dataFormat: 'channels_first' as 'channels_last' })).toThrow(/channels_last/);
  });
});

describe('Conv2DTranspose', () => {
  it('kernel [kh, kw, filters, in] (Keras layout), bias [filters]; output sizes as Keras', () => {
    const l = new Conv2DTranspose({ filters: 16, kernelSize: 3, strides: 2, padding: 'same' });
    l.build([null, 7, 7, 8]);
    expect(l.kernel.shape).toEqual([3, 3, 16, 8]);
    expect(l.bias!.shape).toEqual([16]);
    expect(l.countParams()).toBe(3 * 3 * 16 * 8 + 16);
    expect(l.computeOutputShape([null, 7, 7, 8])).toEqual([null, 14, 14, 16]);
    expect(l.apply(t2(lcg(2 * 7 * 7 * 8), [2, 7, 7, 8])).shape).toEqual([2, 14, 14, 16]);
    const cases: [ConstructorParameters<typeof Conv2DTranspose>[0], (number | null)[], (number | null)[]][] = [
      [{ filters: 2, kernelSize: 3, strides: 2 }, [null, 7, 7, 1], [null, 15, 15, 2]], // (7 − 1)·2 + 3
      [{ filters: 2, kernelSize: 2, strides: 2 }, [null, 8, 8, 4], [null, 16, 16, 2]],
      [{ filters: 2, kernelSize: 2, strides: 3 }, [null, 4, 5, 1], [null, 12, 15, 2]], // kernel < stride: in·stride
      [{ filters: 2, kernelSize: 3, strides: 2, outputPadding: 1, padding: 'same' }, [null, 7, 7, 1], [null, 14, 14, 2]],
      [{ filters: 2, kernelSize: 3, strides: 2, outputPadding: 0, padding: 'same' }, [null, 7, 7, 1], [null, 13, 13, 2]],
      [{ filters: 2, kernelSize: [3, 4], strides: [2, 3], outputPadding: [1, 2] }, [null, 4, 4, 1], [null, 10, 15, 2]],
      [{ filters: 2, kernelSize: 3, dilationRate: 2 }, [null, 5, null, 1], [null, 9, null, 2]],
    ];
    for (const [args, input, out] of cases) {
      const c = new Conv2DTranspose(args);
      expect(c.computeOutputShape(input), JSON.stringify(args)).toEqual(out);
      const concrete = input.map((d) => d ?? 3);
      concrete[0] = 1;
      const y = c.apply(t2(lcg(concrete.reduce((a, b) => a * b)), concrete));
      expect(y.shape, JSON.stringify(args)).toEqual(c.computeOutputShape(concrete));
      c.dispose();
    }
    l.dispose();
  });

  it('defaults and config follow Keras (outputPadding null); round trip through JSON', () => {
    const l = new Conv2DTranspose({ filters: 4, kernelSize: 3 });
    expect(l.getConfig()).toMatchObject({ filters: 4, kernelSize: [3, 3], strides: [1, 1], padding: 'valid', outputPadding: null, dilationRate: [1, 1], useBias: true, activation: 'linear' });
    expect(l.getConfig()).not.toHaveProperty('groups'); // not a Keras Conv2DTranspose argument
    const r = new Conv2DTranspose({ filters: 3, kernelSize: [2, 3], strides: 2, outputPadding: [1, 0], activation: 'tanh', kernelRegularizer: 'l2' });
    r.build([null, 3, 4, 2]);
    expect(roundTrip(r, Conv2DTranspose, [1, 3, 4, 2]).outputPadding).toEqual([1, 0]);
    const k = deserializeLayer({ class_name: 'Conv2DTranspose', config: { filters: 2, kernel_size: 3, strides: 2, padding: 'same', output_padding: [1, 1] } }) as Conv2DTranspose;
    expect(k.outputPadding).toEqual([1, 1]);
    expect(k.computeOutputShape([null, 5, 5, 1])).toEqual([null, 10, 10, 2]);
  });

  it('errors name the layer and the values', () => {
    expect(() => new Conv2DTranspose({ filters: 2, kernelSize: 3, strides: 2, outputPadding: 2 })).toThrow(/Conv2DTranspose.*outputPadding must be smaller than strides/);
    expect(() => new Conv2DTranspose({ filters: 2, kernelSize: 3, strides: 2, dilationRate: 2 })).toThrow(/strides > 1 are not compatible with dilationRate > 1/);
    expect(() => new Conv2DTranspose({ filters: 2, kernelSize: 4, strides: 2, padding: 'same', outputPadding: 0 })).toThrow(/Conv2DTranspose.*outputPadding 0 with 'same' padding and an even \(dilated\) kernel 4/);
    expect(() => new Conv2DTranspose({ filters: 2, kernelSize: 3, outputPadding: -1 })).toThrow(/outputPadding must be a non-negative integer/);
    const l = new Conv2DTranspose({ filters: 2, kernelSize: 3, name: 'ct' });
    l.build([null, 4, 4, 3]);
    expect(() => l.apply(t2(lcg(32), [1, 4, 4, 2]))).toThrow(/'ct'.*axis -1 of the input to have size 3/);
  });
});
