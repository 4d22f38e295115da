import { variableGrads } from '@nabla/autograd';
import { matmul, memory, ones, sum, tensor, transpose, zeros, type Tensor } from '@nabla/tensor';
import { afterEach, describe, expect, it } from 'vitest';
import {
  BaseRNN, deserializeLayer, GRU, Input, LSTM, resetLayerNames, serializeLayer, SimpleRNN, type RNNArgs,
} from '../src/index.js';
import { expectClose, lcg, t2, useCpu, vals } from './helpers.js';
import {
  expectGradsMatch, fdInput, fdVariable, rnnReference, seqToBTU, someEntries, weightedSum, type RefArgs,
} from './rnn-reference.js';

useCpu();

afterEach(() => {
  BaseRNN.projection = 'auto';
});

type Kind = 'simple' | 'lstm' | 'gru';
const K = { simple: 1, lstm: 4, gru: 3 } as const;

function make(kind: Kind, args: Partial<RNNArgs> & { resetAfter?: boolean; units: number }) {
  if (kind === 'lstm') return new LSTM(args);
  if (kind === 'gru') return new GRU(args);
  return new SimpleRNN(args);
}

/** A built layer with small pseudo-random weights, plus the same weights as numbers. */
function setup(kind: Kind, opts: Partial<RNNArgs> & { resetAfter?: boolean } = {}, dims = { B: 2, T: 4, F: 3, U: 5 }, seed = 1) {
  const { B, T, F, U } = dims;
  const k = K[kind];
  const layer = make(kind, { units: U, ...opts });
  layer.build([null, T, F]);
  const W = lcg(F * k * U, seed, -0.6, 0.6);
  const R = lcg(U * k * U, seed + 1, -0.6, 0.6);
  const gruAfter = kind === 'gru' && (opts.resetAfter ?? true);
  const b = opts.useBias === false ? null : lcg(gruAfter ? 2 * k * U : k * U, seed + 2, -0.4, 0.4);
  const ws: Tensor[] = [t2(W, [F, k * U]), t2(R, [U, k * U])];
  if (b) ws.push(t2(b, gruAfter ? [2, k * U] : [k * U]));
  layer.setWeights(ws);
  ws.forEach((w) => w.dispose());
  const x = lcg(B * T * F, seed + 3, -1, 1);
  const ref = (extra: Partial<RefArgs> = {}) =>
    rnnReference({ kind, x, B, T, F, U, W, R, b, resetAfter: opts.resetAfter, goBackwards: opts.goBackwards, ...extra });
  return { layer, x, xt: t2(x, [B, T, F]), ref, W, R, b, ...dims };
}

const cases: [string, Kind, { resetAfter?: boolean }][] = [
  ['SimpleRNN', 'simple', {}],
  ['LSTM', 'lstm', {}],
  ['GRU (resetAfter true)', 'gru', { resetAfter: true }],
  ['GRU (resetAfter false)', 'gru', { resetAfter: false }],
];

describe.each(cases)('%s forward against a float64 loop of the Keras cell equations', (_name, kind, extra) => {
  it('last output (default), returnSequences, goBackwards', () => {
    for (const goBackwards of [false, true]) {
      for (const returnSequences of [false, true]) {
        const { layer, xt, ref, B, T, U } = setup(kind, { ...extra, goBackwards, returnSequences });
        const r = ref();
        const y = layer.apply(xt);
        if (returnSequences) {
          expect(y.shape).toEqual([B, T, U]);
          // outputs in processing order (reversed input order when goBackwards), as Keras
          expectClose(vals(y), seqToBTU(r.seq, B, U), 2e-6, 1e-5);
        } else {
          expect(y.shape).toEqual([B, U]);
          expectClose(vals(y), r.h, 2e-6, 1e-5);
        }
        expect(layer.computeOutputShape([null, T, 3])).toEqual(returnSequences ? [null, T, U] : [null, U]);
      }
    }
  });

  it('applyWithState returns [output, ...final states] and takes initialState', () => {
    const { layer, xt, ref, B, U } = setup(kind, { ...extra, returnState: true });
    const nStates = kind === 'lstm' ? 2 : 1;
    const h0 = lcg(B * U, 9, -0.5, 0.5);
    const c0 = lcg(B * U, 10, -0.5, 0.5);
    const init = [t2(h0, [B, U]), ...(kind === 'lstm' ? [t2(c0, [B, U])] : [])];
    const r0 = ref();
    const plain = layer.applyWithState(xt);
    expect(plain.length).toBe(1 + nStates);
    expectClose(vals(plain[0]!), r0.h, 2e-6, 1e-5);
    expectClose(vals(plain[1]!), r0.h, 2e-6, 1e-5);
    if (kind === 'lstm') expectClose(vals(plain[2]!), r0.c!, 2e-6, 1e-5);
    const r = ref({ h0, c0 });
    const out = layer.applyWithState(xt, { initialState: init });
    expectClose(vals(out[0]!), r.h, 2e-6, 1e-5);
    expectClose(vals(out[1]!), r.h, 2e-6, 1e-5);
    if (kind === 'lstm') expectClose(vals(out[2]!), r.c!, 2e-6, 1e-5);
    // the initial state changes the result; apply (one tensor) equals the first element
    expect(Math.abs(vals(out[0]!)[0]! - r0.h[0]!)).toBeGreaterThan(1e-4);
    expectClose(vals(layer.apply(xt)), vals(plain[0]!), 0, 0);
    // wrong initial states name the layer
    expect(() => layer.applyWithState(xt, { initialState: [zeros([B, U + 1]), zeros([B, U])].slice(0, nStates) })).toThrow(new RegExp(`'${layer.name}'.*initialState must be ${nStates} tensor`));
    expect(() => layer.applyWithState(xt, { initialState: [] })).toThrow(/initialState/);
  });

  it('both projection strategies (all timesteps at once / per step) agree, values and gradients', () => {
    const { layer, xt, B, T, U } = setup(kind, { ...extra, returnSequences: true });
    const c = t2(lcg(B * T * U, 4), [B, T, U]);
    const run = () => {
      const { value, grads } = variableGrads(() => weightedSum(layer.apply(xt), c), layer.weights);
      const out = [vals(value), ...layer.weights.map((w) => vals(grads.get(w)!))];
      value.dispose();
      for (const g of grads.values()) g.dispose();
      return out;
    };
    BaseRNN.projection = 'once';
    const a = run();
    BaseRNN.projection = 'perStep';
    const b = run();
    a.forEach((v, i) => expectClose(b[i]!, v, 1e-5, 1e-5));
  });
});

describe('Keras weight layouts, defaults and parameter counts', () => {
  it('parameter counts: LSTM(64)/GRU(64)/SimpleRNN(64) on 28 features', () => {
    const counts: [BaseRNN, number][] = [
      [new LSTM({ units: 64 }), 23808],
      [new GRU({ units: 64 }), 18048],
      [new GRU({ units: 64, resetAfter: false }), 17856],
      [new SimpleRNN({ units: 64 }), 5952],
      [new LSTM({ units: 64, useBias: false }), 23552],
    ];
    for (const [l, n] of counts) {
      l.build([null, 28, 28]);
      expect(l.countParams()).toBe(n);
    }
    const gru = counts[1]![0];
    expect(gru.weights.map((w) => [w.name.split('/')[1], w.shape])).toEqual([['kernel', [28, 192]], ['recurrent_kernel', [64, 192]], ['bias', [2, 192]]]);
    const lstm = counts[0]![0];
    expect(lstm.weights.map((w) => [w.name.split('/')[1], w.shape])).toEqual([['kernel', [28, 256]], ['recurrent_kernel', [64, 256]], ['bias', [256]]]);
    expect(() => new LSTM({ units: 3 }).countParams()).toThrow(/not built/);
  });

  it('defaults: tanh/sigmoid, glorot_uniform kernel, orthogonal recurrent kernel, zero bias with the LSTM forget block at 1', () => {
    const l = new LSTM({ units: 4 });
    expect([l.returnSequences, l.returnState, l.goBackwards, l.dropout, l.recurrentDropout, l.unitForgetBias, l.useBias]).toEqual([false, false, false, 0, 0, true, true]);
    l.build([null, 3, 6]);
    const c = l.getConfig();
    expect([c.activation, c.recurrentActivation]).toEqual(['tanh', 'sigmoid']);
    expect(c.kernelInitializer).toEqual({ className: 'GlorotUniform', config: { seed: null } });
    expect(c.recurrentInitializer).toEqual({ className: 'Orthogonal', config: { seed: null, gain: 1 } });
    expect(c.biasInitializer).toEqual({ className: 'Zeros', config: {} });
    expect(vals(l.bias!)).toEqual([0, 0, 0, 0, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0]);
    const limit = Math.sqrt(6 / (6 + 16));
    const kv = vals(l.kernel);
    expect(Math.max(...kv.map(Math.abs))).toBeLessThanOrEqual(limit);
    expect(Math.max(...kv.map(Math.abs))).toBeGreaterThan(limit * 0.7);
    // [units, 4·units] orthogonal: orthonormal rows, R·Rᵀ = I
    const rrt = matmul(l.recurrentKernel, transpose(l.recurrentKernel));
    expectClose(vals(rrt), [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1], 1e-5);
    // unitForgetBias false uses biasInitializer everywhere; a custom biasInitializer fills the i, c, o blocks
    const nf = new LSTM({ units: 2, unitForgetBias: false, biasInitializer: 'ones' });
    nf.build([null, 1, 1]);
    expect(vals(nf.bias!)).toEqual(new Array(8).fill(1));
    const cb = new LSTM({ units: 2, biasInitializer: { className: 'Constant', config: { value: 0.5 } } });
    cb.build([null, 1, 1]);
    expect(vals(cb.bias!)).toEqual([0.5, 0.5, 1, 1, 0.5, 0.5, 0.5, 0.5]);
    const g = new GRU({ units: 3 });
    expect([g.resetAfter, g.getConfig().recurrentActivation]).toEqual([true, 'sigmoid']);
  });

  it('activation null is linear; custom activations are used in the cell', () => {
    const { layer, xt, ref } = setup('simple', { activation: null });
    expectClose(vals(layer.apply(xt)), ref({ act: (v) => v }).h, 2e-6, 1e-5);
    const relu = (v: number) => Math.max(0, v);
    const s2 = setup('lstm', { activation: 'relu', recurrentActivation: 'hard_sigmoid' } as Partial<RNNArgs>);
    const hs = (v: number) => Math.min(1, Math.max(0, v / 6 + 0.5)); // Keras 3 hard_sigmoid
    expectClose(vals(s2.layer.apply(s2.xt)), s2.ref({ act: relu, ract: hs }).h, 2e-6, 1e-5);
  });

  it('useBias false: no bias weight', () => {
    for (const kind of ['simple', 'lstm', 'gru'] as const) {
      const { layer, xt, ref } = setup(kind, { useBias: false });
      expect(layer.bias).toBeNull();
      expect(layer.weights.length).toBe(2);
      expectClose(vals(layer.apply(xt)), ref().h, 2e-6, 1e-5);
    }
  });

  it('int32 inputs are cast; inputs must be [batch, timesteps, features] with the built feature size', () => {
    const l = new SimpleRNN({ units: 2, name: 'rnn_x' });
    expect(l.apply(tensor(Int32Array.from([1, 2, 3, 4]), [1, 2, 2], 'int32')).shape).toEqual([1, 2]);
    expect(() => l.apply(ones([1, 2, 3]))).toThrow(/Input of layer 'rnn_x' \(SimpleRNN\) is incompatible with the layer: expected axis -1 of the input to have size 2/);
    expect(() => l.apply(ones([2, 2]))).toThrow(/'rnn_x' \(SimpleRNN\).*expected rank 3/);
    expect(() => new LSTM({ units: 2, name: 'l0' }).apply(zeros([2, 0, 3]))).toThrow(/LSTM 'l0'.*no timesteps/);
    expect(() => new GRU({ units: 2, name: 'g_none' }).build([null, 5, null])).toThrow(/GRU 'g_none'.*features/);
  });
});

describe('gradients by central finite differences (float32, eps 1e-2, |autograd - numeric| <= 1e-4 + 1e-3·|numeric|)', () => {
  const gradCases: [string, Kind, Partial<RNNArgs> & { resetAfter?: boolean }][] = [
    ['SimpleRNN', 'simple', {}],
    ['LSTM', 'lstm', { returnSequences: true }],
    ['LSTM goBackwards', 'lstm', { goBackwards: true }],
    ['GRU resetAfter', 'gru', { returnSequences: true }],
    ['GRU resetAfter false', 'gru', { resetAfter: false, goBackwards: true }],
  ];
  it.each(gradCases)('%s: inputs, kernel, recurrent_kernel, bias (training and inference paths)', (_n, kind, opts) => {
    const { layer, x, B, T, F, U } = setup(kind, opts, { B: 2, T: 3, F: 3, U: 4 }, 5);
    const outShape = opts.returnSequences ? [B, T, U] : [B, U];
    const c = t2(lcg(outShape.reduce((a, b) => a * b, 1), 77), outShape);
    for (const training of [false, true]) {
      const lossX = (xx: Tensor) => weightedSum(layer.apply(xx, { training }), c);
      expectGradsMatch(fdInput(lossX, x, [B, T, F], someEntries(B * T * F, 8)), `${kind} d/dx`);
      const xt = t2(x, [B, T, F]);
      for (const w of layer.weights) {
        const loss = () => weightedSum(layer.apply(xt, { training }), c);
        expectGradsMatch(fdVariable(loss, w, someEntries(w.size, 8, 3)), `${kind} d/d${w.name}`);
      }
      xt.dispose();
    }
  });

  it('gradients reach the initial states', () => {
    const { layer, xt, B, U } = setup('lstm', {});
    const h0 = t2(lcg(B * U, 1, -0.5, 0.5), [B, U]);
    const c0v = lcg(B * U, 2, -0.5, 0.5);
    const cw = t2(lcg(B * U, 3), [B, U]);
    const pairs = fdInput((c0) => weightedSum(layer.applyWithState(xt, { initialState: [h0, c0] })[0]!, cw), c0v, [B, U], [0, 3, 7]);
    expectGradsMatch(pairs, 'd/dc0');
    expect(pairs.some(([n]) => Math.abs(n) > 1e-3)).toBe(true);
  });
});

describe('dropout and recurrentDropout (Keras masks: fixed for the sequence, training only)', () => {
  /** SimpleRNN that passes x through: identity kernel, zero recurrence, linear. */
  function passThrough(opts: Partial<RNNArgs>) {
    const U = 6;
    const l = new SimpleRNN({ units: U, activation: null, returnSequences: true, ...opts });
    l.build([null, 5, U]);
    const eye = Array.from({ length: U * U }, (_, i) => (i % (U + 1) === 0 ? 1 : 0));
    l.setWeights([t2(eye, [U, U]), zeros([U, U]), zeros([U])]);
    return l;
  }

  it('input dropout: one [batch, features] mask for every timestep, survivors × 1/(1 − rate)', () => {
    const l = passThrough({ dropout: 0.5, seed: 3 });
    const x = ones([8, 5, 6]);
    const y = vals(l.apply(x, { training: true }));
    let zerosSeen = 0;
    for (let b = 0; b < 8; b++) {
      for (let f = 0; f < 6; f++) {
        const col = [0, 1, 2, 3, 4].map((t) => y[(b * 5 + t) * 6 + f]!);
        expect(new Set(col).size).toBe(1); // the same for all timesteps
        expect([0, 2]).toContain(col[0]);
        if (col[0] === 0) zerosSeen++;
      }
    }
    expect(zerosSeen).toBeGreaterThan(8);
    expect(zerosSeen).toBeLessThan(40);
    // inference: no dropout
    expect(vals(l.apply(x))).toEqual(new Array(8 * 5 * 6).fill(1));
  });

  it('recurrent dropout: one [batch, units] mask on the state for every step', () => {
    const U = 6;
    const l = new SimpleRNN({ units: U, activation: null, returnSequences: true, recurrentDropout: 0.5, seed: 4 });
    l.build([null, 4, 1]);
    const eye = Array.from({ length: U * U }, (_, i) => (i % (U + 1) === 0 ? 1 : 0));
    l.setWeights([zeros([1, U]), t2(eye, [U, U]), zeros([U])]);
    // h_t = (h_{t-1} ⊙ m) · I = m^t ⊙ h0 with h0 = 1: entries 0 or 2^t, the pattern fixed over time
    const [y] = l.applyWithState(zeros([5, 4, 1]), { training: true, initialState: [ones([5, U])] });
    const v = vals(y!);
    for (let b = 0; b < 5; b++) {
      for (let u = 0; u < U; u++) {
        const col = [0, 1, 2, 3].map((t) => v[(b * 4 + t) * U + u]!);
        expect(col[0] === 0 ? [0, 0, 0, 0] : [2, 4, 8, 16]).toEqual(col);
      }
    }
  });

  it('LSTM: one input mask shared by the gates without recurrentDropout, one mask per gate with it (Keras implementation 1)', () => {
    const U = 40;
    const eyeBlocks = (n: number) => Array.from({ length: n * 4 * n }, (_, i) => (Math.floor(i / (4 * n)) === (i % (4 * n)) % n ? 1 : 0));
    // input dropout only: z_g = (x ⊙ m) for every gate g with x = 1 -> m shared: h is 0 or the all-kept value
    const a = new LSTM({ units: U, dropout: 0.5, seed: 11 });
    a.build([null, 1, U]);
    a.setWeights([t2(eyeBlocks(U), [U, 4 * U]), zeros([U, 4 * U]), zeros([4 * U])]);
    const s = (v: number) => 1 / (1 + Math.exp(-v));
    const kept = s(2) * Math.tanh(s(2) * Math.tanh(2));
    const ya = vals(a.apply(ones([1, 1, U]), { training: true }));
    for (const v of ya) expect(Math.abs(v) < 1e-7 || Math.abs(v - kept) < 1e-6).toBe(true);
    expect(ya.some((v) => v === 0) && ya.some((v) => v !== 0)).toBe(true);
    // recurrent dropout: each gate has its own mask on h0 = 1 (x = 0): combinations with i kept and o dropped appear
    const b = new LSTM({ units: U, recurrentDropout: 0.5, seed: 12 });
    b.build([null, 1, 1]);
    b.setWeights([zeros([1, 4 * U]), t2(eyeBlocks(U), [U, 4 * U]), zeros([4 * U])]);
    const [yb] = b.applyWithState(zeros([1, 1, 1]), { training: true, initialState: [ones([1, U]), zeros([1, U])] });
    const combos = new Set(vals(yb!).map((v) => v.toFixed(5)));
    // (m_i, m_o) in {0, 2}²  with m_c = 2, plus 0 for m_c = 0: up to 5 distinct values; a shared mask gives 2
    expect(combos.size).toBeGreaterThanOrEqual(4);
    const viaInference = vals(b.applyWithState(zeros([1, 1, 1]), { initialState: [ones([1, U]), zeros([1, U])] })[0]!);
    expect(new Set(viaInference.map((v) => v.toFixed(5))).size).toBe(1);
  });

  it('seeded masks reproduce; each training call draws new masks; GRU per-gate masks run', () => {
    for (const kind of ['lstm', 'gru'] as const) {
      for (const resetAfter of kind === 'gru' ? [true, false] : [true]) {
        const mk = () => setup(kind, { dropout: 0.3, recurrentDropout: 0.3, seed: 5, resetAfter, returnSequences: true }, { B: 4, T: 5, F: 3, U: 6 });
        const a = mk();
        const b = mk();
        const a1 = vals(a.layer.apply(a.xt, { training: true }));
        const a2 = vals(a.layer.apply(a.xt, { training: true }));
        expect(vals(b.layer.apply(b.xt, { training: true }))).toEqual(a1);
        expect(a2).not.toEqual(a1);
        expect(a1.every(Number.isFinite)).toBe(true);
        expectClose(vals(a.layer.apply(a.xt)), seqToBTU(a.ref().seq, 4, 6), 2e-6, 1e-5);
      }
    }
  });

  it('rates must be in [0, 1)', () => {
    expect(() => new LSTM({ units: 2, dropout: 1, name: 'lx' })).toThrow(/LSTM 'lx': dropout must be a number in \[0, 1\)/);
    expect(() => new GRU({ units: 2, recurrentDropout: -0.1 })).toThrow(/recurrentDropout/);
  });
});

describe('configuration, serialization and errors', () => {
  it('config round trips (JSON and Keras snake_case)', () => {
    resetLayerNames();
    const layers = [
      new LSTM({ units: 7, returnSequences: true, goBackwards: true, dropout: 0.1, recurrentDropout: 0.2, seed: 3, unitForgetBias: false, kernelRegularizer: 'l2' }),
      new GRU({ units: 5, resetAfter: false, activation: 'relu', recurrentActivation: 'hard_sigmoid', returnState: true, useBias: false }),
      new SimpleRNN({ units: 3, activation: 'relu', recurrentRegularizer: 'l1', biasRegularizer: 'l2', seed: 1 }),
    ];
    for (const l of layers) {
      l.build([null, 4, 2]);
      const json = JSON.parse(JSON.stringify(serializeLayer(l)));
      const copy = deserializeLayer(json) as BaseRNN;
      expect(copy.className).toBe(l.className);
      expect(copy.getConfig()).toEqual(l.getConfig());
      expect(copy.built).toBe(true);
      expect(copy.weights.map((w) => w.shape)).toEqual(l.weights.map((w) => w.shape));
    }
    expect(layers[0]!.getConfig()).toMatchObject({ name: 'lstm', units: 7, returnSequences: true, goBackwards: true, dropout: 0.1, recurrentDropout: 0.2, seed: 3, unitForgetBias: false, stateful: false });
    const keras = deserializeLayer({
      class_name: 'GRU',
      config: { name: 'g', units: 4, return_sequences: true, reset_after: false, recurrent_activation: 'sigmoid', go_backwards: false, stateful: false, unroll: false, kernel_constraint: null },
    }) as GRU;
    expect([keras.units, keras.returnSequences, keras.resetAfter, keras.name]).toEqual([4, true, false, 'g']);
  });

  it('bad options name the layer', () => {
    expect(() => new LSTM({ units: 0, name: 'bad' })).toThrow(/LSTM 'bad': units must be a positive integer/);
    expect(() => new SimpleRNN({ units: 2.5 })).toThrow(/SimpleRNN 'simple_rnn(_\d+)?': units/);
    expect(() => new GRU({ units: 2, stateful: true, name: 'st' })).toThrow(/GRU 'st': stateful recurrent layers are not supported/);
    expect(() => new GRU({ units: 2, resetAfter: 'yes' as never, name: 'ra' })).toThrow(/GRU 'ra': resetAfter must be a boolean/);
    expect(() => new LSTM(null as never)).toThrow(/LSTM: expected an options object/);
    expect(() => new LSTM({ units: 2, activation: 'nope' })).toThrow(/unknown activation 'nope'/);
  });

  it('regularizers add to regularizationLoss; freezing removes trainable weights', () => {
    const l = new SimpleRNN({ units: 2, kernelRegularizer: 'l2', recurrentRegularizer: 'l1' });
    l.build([null, 2, 2]);
    l.setWeights([[[1, 2], [3, 4]], [[1, -1], [0, 2]], [0, 0]]);
    expectClose(vals(l.regularizationLoss()!), [0.01 * 30 + 0.01 * 4], 1e-6);
    l.trainable = false;
    expect(l.trainableWeights.length).toBe(0);
    expect(l.nonTrainableWeights.length).toBe(3);
  });

  it('works in a Keras-style stack and does not leak tensors', () => {
    const input = new Input({ shape: [6, 4] });
    void input;
    const a = new LSTM({ units: 5, returnSequences: true });
    const b = new GRU({ units: 3 });
    const x = t2(lcg(2 * 6 * 4, 8), [2, 6, 4]);
    const once = () => {
      const h = a.apply(x, { training: true });
      const y = b.apply(h, { training: true });
      expect(y.shape).toEqual([2, 3]);
      h.dispose();
      y.dispose();
    };
    once();
    const before = memory().numTensors;
    for (let i = 0; i < 3; i++) {
      once();
      const { value, grads } = variableGrads(() => sum(b.apply(a.apply(x, { training: true }), { training: true })));
      value.dispose();
      for (const g of grads.values()) g.dispose();
      const outs = a.applyWithState(x, { training: true });
      outs.forEach((t) => t.dispose());
    }
    expect(memory().numTensors).toBe(before);
  });
});
