import { variableGrads, Variable } from '@nabla/autograd';
import { memory, mul, sum, tensor, tidy } from '@nabla/tensor';
import { describe, expect, it } from 'vitest';
import {
  Activation, BatchNormalization, Dense, deserializeLayer, Dropout, ELU, Flatten, GlorotUniform, Input, InputLayer, Layer, LayerNormalization,
  layerFromConfig, LeakyReLU, ReLU, Reshape, resetLayerNames, serializeLayer, Sigmoid, Softmax, Tanh, type LayerShape,
} from '../src/index.js';
import { expectClose, lcg, matmul64, t2, useCpu, vals } from './helpers.js';

useCpu();

describe('Dense', () => {
  it('computes activation(x · W + b) with kernel [in, units] and bias [units]', () => {
    const [n, k, u] = [4, 3, 2];
    const x = lcg(n * k, 1);
    const w = lcg(k * u, 2);
    const b = [0.25, -0.5];
    const xw = matmul64(x, w, n, k, u);
    const lin = xw.map((v, i) => v + b[i % u]!);
    for (const [act, f] of [
      [undefined, (v: number) => v],
      ['relu', (v: number) => Math.max(v, 0)],
      ['sigmoid', (v: number) => 1 / (1 + Math.exp(-v))],
      ['tanh', Math.tanh],
    ] as [string | undefined, (v: number) => number][]) {
      const d = new Dense({ units: u, activation: act });
      d.build([null, k]);
      expect(d.kernel.shape).toEqual([k, u]);
      expect(d.bias!.shape).toEqual([u]);
      d.setWeights([t2(w, [k, u]), t2(b, [u])]);
      const y = d.apply(t2(x, [n, k]));
      expect(y.shape).toEqual([n, u]);
      expectClose(vals(y), lin.map(f), 1e-6);
    }
  });

  it('defaults: glorot_uniform kernel, zero bias; useBias false has only a kernel', () => {
    const d = new Dense({ units: 50 });
    d.apply(t2(lcg(2 * 30, 3), [2, 30]));
    const limit = Math.sqrt(6 / 80);
    const kv = vals(d.kernel);
    expect(Math.max(...kv.map(Math.abs))).toBeLessThanOrEqual(limit);
    expect(Math.max(...kv.map(Math.abs))).toBeGreaterThan(limit * 0.9);
    expect(vals(d.bias!)).toEqual(new Array(50).fill(0));
    const c = d.getConfig();
    expect(c.kernelInitializer).toEqual({ className: 'GlorotUniform', config: { seed: null } });
    expect(c.biasInitializer).toEqual({ className: 'Zeros', config: {} });
    expect([c.activation, c.useBias, c.kernelRegularizer]).toEqual(['linear', true, null]);
    const nb = new Dense({ units: 3, useBias: false });
    nb.build([null, 2]);
    expect(nb.weights.length).toBe(1);
    expect(nb.bias).toBeNull();
    expect(nb.countParams()).toBe(6);
  });

  it('seeded kernel initializers give identical layers', () => {
    const a = new Dense({ units: 4, kernelInitializer: new GlorotUniform({ seed: 7 }) });
    const b = new Dense({ units: 4, kernelInitializer: { className: 'GlorotUniform', config: { seed: 7 } } });
    a.build([null, 5]);
    b.build([null, 5]);
    expect(vals(a.kernel)).toEqual(vals(b.kernel));
  });

  it('countParams: Dense(784 -> 256) = 200,960; not built is an error', () => {
    const d = new Dense({ units: 256 });
    expect(() => d.countParams()).toThrow(/not built/);
    d.build([null, 784]);
    expect(d.countParams()).toBe(200960);
    expect(new Dense({ units: 10 }).computeOutputShape([null, 784])).toEqual([null, 10]);
  });

  it('multiplies inputs of rank 3 along the last axis', () => {
    const d = new Dense({ units: 2 });
    d.build([null, 5, 3]);
    const w = lcg(6, 4);
    d.setWeights([t2(w, [3, 2]), t2([1, 2], [2])]);
    const x = lcg(2 * 5 * 3, 5);
    const y = d.apply(t2(x, [2, 5, 3]));
    expect(y.shape).toEqual([2, 5, 2]);
    expectClose(vals(y), matmul64(x, w, 10, 3, 2).map((v, i) => v + [1, 2][i % 2]!), 1e-6);
    expect(d.computeOutputShape([null, 5, 3])).toEqual([null, 5, 2]);
  });

  it('gradients through Dense (variableGrads) equal the hand formula', () => {
    const [n, k, u] = [5, 4, 3];
    const x = lcg(n * k, 11);
    const w = lcg(k * u, 12);
    const b = lcg(u, 13);
    const g = lcg(n * u, 14);
    const d = new Dense({ units: u, activation: 'tanh' });
    d.build([null, k]);
    d.setWeights([t2(w, [k, u]), t2(b, [u])]);
    const xt = t2(x, [n, k]);
    const gt = t2(g, [n, u]);
    const { value, grads } = variableGrads(() => sum(mul(d.apply(xt, { training: true }), gt)));
    expect([...grads.keys()]).toEqual([d.kernel, d.bias]);
    // y = tanh(xW + b); L = Σ y·g; dZ = g(1 - y²); dW = xᵀ dZ; db = Σ_rows dZ
    const z = matmul64(x, w, n, k, u).map((v, i) => v + b[i % u]!);
    const y = z.map(Math.tanh);
    const dz = y.map((v, i) => g[i]! * (1 - v * v));
    const xT = Array.from({ length: k * n }, (_, idx) => x[(idx % n) * k + Math.floor(idx / n)]!);
    const dW = matmul64(xT, dz, k, n, u);
    const db = Array.from({ length: u }, (_, j) => dz.filter((_, i) => i % u === j).reduce((s, v) => s + v, 0));
    expectClose(vals(value), [y.reduce((s, v, i) => s + v * g[i]!, 0)], 1e-5);
    expectClose(vals(grads.get(d.kernel)!), dW, 1e-5);
    expectClose(vals(grads.get(d.bias!)!), db, 1e-5);
  });

  it('builds inside variableGrads on first use; the new weights get gradients', () => {
    const d = new Dense({ units: 2, kernelInitializer: 'ones' });
    const x = t2([1, 2, 3], [1, 3]);
    const { grads } = variableGrads(() => sum(d.apply(x, { training: true })));
    expect(d.built).toBe(true);
    expect(vals(grads.get(d.kernel)!)).toEqual([1, 1, 2, 2, 3, 3]);
    expect(vals(grads.get(d.bias!)!)).toEqual([1, 1]);
    expect(d.kernel.isDisposed).toBe(false);
  });

  it('errors name the layer and both shapes', () => {
    resetLayerNames();
    const d = new Dense({ units: 4 });
    d.apply(t2(lcg(6), [2, 3]));
    expect(() => d.apply(t2(lcg(10), [2, 5]))).toThrow(/'dense'.*\[null,3\].*\[2,5\]/);
    const fresh = new Dense({ units: 4, name: 'head' });
    expect(() => fresh.apply(t2([1, 2, 3], [3]))).toThrow(/'head'.*rank >= 2.*\[3\]/);
    expect(() => new Dense({ units: 0 })).toThrow(/units must be a positive integer/);
    expect(() => new Dense({ units: 2.5 })).toThrow(/units/);
    expect(() => new Dense({ units: 3 }).build([null, null])).toThrow(/last dimension of the input must be known/);
  });

  it('casts int32 inputs to float32', () => {
    const d = new Dense({ units: 1, kernelInitializer: 'ones' });
    const y = d.apply(tensor(new Int32Array([1, 2, 3]), [1, 3]));
    expect(y.dtype).toBe('float32');
    expect(vals(y)).toEqual([6]);
  });
});

describe('naming, trainable, weights', () => {
  it('auto names are Keras snake_case, unique per prefix; variables are named layer/weight', () => {
    resetLayerNames();
    expect(new Dense({ units: 1 }).name).toBe('dense');
    expect(new Dense({ units: 1 }).name).toBe('dense_1');
    expect(new Dense({ units: 1, name: 'custom' }).name).toBe('custom');
    expect(new Dense({ units: 1 }).name).toBe('dense_2');
    expect(new ReLU().name).toBe('re_lu');
    expect(new LeakyReLU().name).toBe('leaky_re_lu');
    expect(new BatchNormalization().name).toBe('batch_normalization');
    expect(new LayerNormalization().name).toBe('layer_normalization');
    expect(new Input({ shape: [3] }).name).toBe('input_layer');
    expect(new ELU().name).toBe('elu');
    const d = new Dense({ units: 2 });
    d.build([null, 3]);
    expect(d.weights.map((w) => w.name)).toEqual(['dense_3/kernel', 'dense_3/bias']);
    expect(d.kernel).toBeInstanceOf(Variable);
  });

  it('trainable=false moves every weight to nonTrainableWeights and hides them from variableGrads', () => {
    const d = new Dense({ units: 2 });
    d.build([null, 3]);
    expect(d.trainableWeights).toEqual([d.kernel, d.bias]);
    expect(d.nonTrainableWeights).toEqual([]);
    d.trainable = false;
    expect(d.trainableWeights).toEqual([]);
    expect(d.nonTrainableWeights).toEqual([d.kernel, d.bias]);
    expect(d.countParams()).toBe(8);
    const x = t2(lcg(6), [2, 3]);
    const { grads } = variableGrads(() => sum(d.apply(x)));
    expect(grads.size).toBe(0);
    d.trainable = true;
    expect(variableGrads(() => sum(d.apply(x))).grads.size).toBe(2);
    expect(new Dense({ units: 1, trainable: false }).trainable).toBe(false);
  });

  it('getWeights returns copies; setWeights round-trips and checks count and shapes', () => {
    const a = new Dense({ units: 3 });
    const b = new Dense({ units: 3 });
    a.build([null, 2]);
    b.build([null, 2]);
    const ws = a.getWeights();
    expect(ws.map((w) => w.shape)).toEqual([[2, 3], [3]]);
    expect(ws[0]).not.toBe(a.kernel);
    b.setWeights(ws);
    const x = t2(lcg(4, 9), [2, 2]);
    expect(vals(b.apply(x))).toEqual(vals(a.apply(x)));
    const before = vals(ws[0]!);
    a.setWeights([t2(new Array(6).fill(1), [2, 3]), [1, 2, 3]]);
    expect(vals(ws[0]!)).toEqual(before); // the copy did not change
    expect(vals(a.kernel)).toEqual(new Array(6).fill(1));
    expect(vals(a.bias!)).toEqual([1, 2, 3]);
    ws.forEach((w) => w.dispose());
    expect(vals(b.kernel)).toEqual(before); // b keeps its values after the caller frees its tensors
    expect(() => a.setWeights([t2([1], [1])])).toThrow(/Dense '.*'\.setWeights: expected 2 weights \(kernel \[2,3\], bias \[3\]\), got 1/);
    expect(() => a.setWeights([t2(new Array(6).fill(0), [3, 2]), t2([0, 0, 0], [3])])).toThrow(/weight 0 \(.*kernel\) has shape \[2,3\], got a value of shape \[3,2\]/);
    expect(vals(a.kernel)).toEqual(new Array(6).fill(1)); // nothing changed on error
    expect(() => new Dense({ units: 1 }).setWeights([t2([1], [1, 1])])).toThrow(/not built/);
  });

  it('dispose frees the weights; the layer refuses further use', () => {
    const d = new Dense({ units: 2 });
    d.build([null, 3]);
    const k = d.kernel;
    d.dispose();
    expect(k.isDisposed).toBe(true);
    expect(() => d.apply(t2(lcg(3), [1, 3]))).toThrow(/disposed/);
  });

  it('apply frees its intermediates (memory is flat across calls)', () => {
    const layers: Layer[] = [
      new Dense({ units: 4, activation: 'gelu' }), new BatchNormalization(), new LayerNormalization(), new Dropout({ rate: 0.5, seed: 1 }), new Softmax(),
    ];
    const x = t2(lcg(8 * 6), [8, 6]);
    const run = () => {
      let h = x;
      for (const l of layers) {
        const next = l.apply(h, { training: true });
        if (h !== x) h.dispose();
        h = next;
      }
      h.dispose();
    };
    run();
    const before = memory().numTensors;
    for (let i = 0; i < 3; i++) run();
    expect(memory().numTensors).toBe(before);
    tidy(() => {
      variableGrads(() => sum(layers[0]!.apply(x, { training: true })));
    });
    expect(memory().numTensors).toBe(before);
  });
});

describe('Input, Flatten, Reshape', () => {
  it('Input declares batchShape and checks data against it', () => {
    resetLayerNames();
    const inp = new Input({ shape: [28, 28] });
    expect(inp.batchShape).toEqual([null, 28, 28]);
    expect(inp.shape).toEqual([28, 28]);
    expect(inp.built).toBe(true);
    expect(inp.computeOutputShape()).toEqual([null, 28, 28]);
    expect(new Input({ shape: [4], batchSize: 8 }).batchShape).toEqual([8, 4]);
    expect(new Input({ batchShape: [null, 3, null] }).batchShape).toEqual([null, 3, null]);
    expect(InputLayer).toBe(Input);
    const x = t2(lcg(2 * 28 * 28), [2, 28, 28]);
    const y = inp.apply(x);
    expect(y).not.toBe(x);
    expect(y.shape).toEqual([2, 28, 28]);
    expect(() => inp.apply(t2(lcg(2 * 28 * 27), [2, 28, 27]))).toThrow(/'input_layer'.*size 28.*\[null,28,28\].*\[2,28,27\]/);
    expect(() => inp.apply(t2(lcg(28), [28]))).toThrow(/'input_layer'.*rank 3.*\[28\]/);
    expect(() => new Input({} as never)).toThrow(/shape/);
    expect(() => new Input({ shape: [-1] })).toThrow(/shape/);
  });

  it('Flatten keeps the batch and multiplies the rest', () => {
    const f = new Flatten();
    const x = t2(lcg(2 * 3 * 4), [2, 3, 4]);
    const y = f.apply(x);
    expect(y.shape).toEqual([2, 12]);
    expect(vals(y)).toEqual(vals(x));
    expect(f.computeOutputShape([null, 28, 28])).toEqual([null, 784]);
    expect(f.computeOutputShape([null, null, 28])).toEqual([null, null]);
    expect(new Flatten().apply(t2([1, 2, 3], [3])).shape).toEqual([3, 1]);
    expect(new Flatten().apply(t2([], [0, 5])).shape).toEqual([0, 5]);
    // channels_first moves axis 1 last before flattening: [1, 2, 3] -> element order of [1, 3, 2]
    const cf = new Flatten({ dataFormat: 'channels_first' }).apply(t2([1, 2, 3, 4, 5, 6], [1, 2, 3]));
    expect(vals(cf)).toEqual([1, 4, 2, 5, 3, 6]);
    expect(() => new Flatten({ dataFormat: 'nchw' as never })).toThrow(/dataFormat/);
  });

  it('Reshape maps per-sample shapes, resolves -1, and names itself on mismatch', () => {
    const r = new Reshape({ targetShape: [3, 4] });
    const x = t2(lcg(2 * 12), [2, 12]);
    expect(r.apply(x).shape).toEqual([2, 3, 4]);
    expect(r.computeOutputShape([null, 12])).toEqual([null, 3, 4]);
    expect(new Reshape([2, -1]).apply(x).shape).toEqual([2, 2, 6]);
    expect(new Reshape([2, -1]).computeOutputShape([null, 12])).toEqual([null, 2, 6]);
    expect(new Reshape([-1, 2]).computeOutputShape([null, null])).toEqual([null, null, 2]);
    const bad = new Reshape({ targetShape: [5], name: 'rs' });
    expect(() => bad.apply(x)).toThrow(/'rs'.*\[null,12\].*12 values per sample.*\[5\]/);
    expect(() => new Reshape([5, -1]).apply(x)).toThrow(/cannot reshape/);
    expect(() => new Reshape([-1, -1])).toThrow(/one -1/);
  });
});

describe('serialization', () => {
  const cases: [string, () => Layer, LayerShape | null][] = [
    ['Dense', () => new Dense({ units: 3, activation: 'relu', useBias: false, kernelInitializer: 'he_normal', kernelRegularizer: 'l2' }), [null, 4]],
    ['Activation', () => new Activation('softsign'), null],
    ['ReLU', () => new ReLU({ maxValue: 6, negativeSlope: 0.1, threshold: 0.5 }), null],
    ['LeakyReLU', () => new LeakyReLU({ negativeSlope: 0.1 }), null],
    ['Softmax', () => new Softmax({ axis: [1, 2] }), null],
    ['ELU', () => new ELU({ alpha: 0.7 }), null],
    ['Sigmoid', () => new Sigmoid(), null],
    ['Tanh', () => new Tanh({ trainable: false }), null],
    ['Dropout', () => new Dropout({ rate: 0.25, seed: 3, noiseShape: [null, 1] }), null],
    ['Flatten', () => new Flatten({ dataFormat: 'channels_first' }), null],
    ['Reshape', () => new Reshape({ targetShape: [2, -1] }), null],
    ['InputLayer', () => new Input({ shape: [5, 6], batchSize: 2 }), null],
    ['BatchNormalization', () => new BatchNormalization({ axis: 1, momentum: 0.9, epsilon: 1e-5, center: false, gammaRegularizer: 'l1' }), [null, 3, 4]],
    ['LayerNormalization', () => new LayerNormalization({ axis: [1, 2], epsilon: 1e-6, scale: false }), [null, 3, 4]],
  ];
  for (const [cls, make, shape] of cases) {
    it(`${cls}: serializeLayer -> JSON -> deserializeLayer keeps class and config`, () => {
      const layer = make();
      if (shape) layer.build(shape);
      const s = JSON.parse(JSON.stringify(serializeLayer(layer)));
      expect(s.className).toBe(cls);
      const back = deserializeLayer(s);
      expect(back.constructor).toBe(layer.constructor);
      expect(back.getConfig()).toEqual(layer.getConfig());
      expect(back.built).toBe(layer.built);
      expect(back.weights.map((w) => w.shape)).toEqual(layer.weights.map((w) => w.shape));
      if (shape) expect(s.buildConfig).toEqual({ inputShape: shape });
      expect(layerFromConfig).toBe(deserializeLayer);
      // fromConfig on the class
      const again = (layer.constructor as typeof Dense).fromConfig(layer.getConfig());
      expect(again.getConfig()).toEqual(layer.getConfig());
    });
  }

  it('accepts Keras-style {class_name, config} with snake_case keys', () => {
    const l = deserializeLayer({
      class_name: 'Dense',
      config: { name: 'fc', units: 4, activation: 'relu', use_bias: false, kernel_initializer: { class_name: 'GlorotUniform', config: { seed: 1 } }, trainable: true },
      build_config: { input_shape: [null, 3] },
    }) as Dense;
    expect([l.name, l.units, l.useBias, l.built]).toEqual(['fc', 4, false, true]);
    expect(vals(l.kernel)).toEqual(vals(new GlorotUniform({ seed: 1 })([3, 4])));
    expect(() => deserializeLayer({ className: 'Conv9D', config: {} })).toThrow(/unknown layer class 'Conv9D'/);
  });
});
