import { variableGrads } from '@nabla/autograd';
import { memory, ones, sum, tensor, zeros, type Tensor } from '@nabla/tensor';
import { describe, expect, it } from 'vitest';
import {
  BatchNormalization, Bidirectional, Dense, deserializeLayer, Embedding, GRU, LSTM, resetLayerNames, serializeLayer, SimpleRNN, TimeDistributed,
  type MergeMode,
} from '../src/index.js';
import { expectClose, lcg, matmul64, t2, useCpu, vals } from './helpers.js';
import { expectGradsMatch, fdVariable, rnnReference, seqToBTU, weightedSum } from './rnn-reference.js';

useCpu();

describe('TimeDistributed', () => {
  it('applies the same Dense to every timestep: [b, t, f] -> [b, t, units]', () => {
    const dense = new Dense({ units: 2 });
    const td = new TimeDistributed(dense);
    const [B, T, F] = [3, 4, 5];
    const x = lcg(B * T * F, 1);
    td.build([null, T, F]);
    expect(dense.built).toBe(true);
    expect(dense.buildInputShape).toEqual([null, F]);
    const w = lcg(F * 2, 2);
    td.setWeights([t2(w, [F, 2]), t2([0.5, -1], [2])]);
    const y = td.apply(t2(x, [B, T, F]));
    expect(y.shape).toEqual([B, T, 2]);
    expectClose(vals(y), matmul64(x, w, B * T, F, 2).map((v, i) => v + [0.5, -1][i % 2]!), 1e-6);
    // the wrapped instance is shared: its weights are the wrapper's
    expect(td.weights).toEqual(dense.weights);
    expect(td.countParams()).toBe(12);
    expect(td.computeOutputShape([null, T, F])).toEqual([null, T, 2]);
  });

  it('works with rank > 3 and integer inputs (Embedding inside), and with a recurrent layer inside', () => {
    const td = new TimeDistributed(new Embedding({ inputDim: 5, outputDim: 3 }));
    const y = td.apply(tensor(Int32Array.from([0, 1, 2, 3, 4, 0]), [1, 2, 3], 'int32'));
    expect(y.shape).toEqual([1, 2, 3, 3]);
    const tr = new TimeDistributed(new SimpleRNN({ units: 4 }));
    expect(tr.apply(ones([2, 3, 5, 6])).shape).toEqual([2, 3, 4]);
    expect(tr.computeOutputShape([null, 3, 5, 6])).toEqual([null, 3, 4]);
  });

  it('gradients reach the wrapped weights; freezing, config round trip, errors', () => {
    const td = new TimeDistributed(new Dense({ units: 2 }), { name: 'td' });
    const x = t2(lcg(2 * 3 * 4, 3), [2, 3, 4]);
    const c = t2(lcg(12, 4), [2, 3, 2]);
    expect(td.weights).toEqual([]);
    td.build([null, 3, 4]);
    const k = td.weights[0]!;
    expectGradsMatch(fdVariable(() => weightedSum(td.apply(x), c), k, [0, 3, 7]), 'd/dkernel');
    td.trainable = false;
    expect(td.trainableWeights).toEqual([]);
    expect(td.layer.trainable).toBe(false);
    expect(td.nonTrainableWeights.length).toBe(2);
    td.trainable = true;
    const json = JSON.parse(JSON.stringify(serializeLayer(td)));
    expect(json.config.layer.className).toBe('Dense');
    const copy = deserializeLayer(json) as TimeDistributed;
    expect(copy.layer).toBeInstanceOf(Dense);
    expect(copy.countParams()).toBe(10);
    expect(copy.getConfig()).toEqual(td.getConfig());
    expect(() => new TimeDistributed(new Dense({ units: 2 }), { name: 'td2' }).apply(ones([2, 3]))).toThrow(/'td2' \(TimeDistributed\).*expected rank >= 3/);
    expect(() => new TimeDistributed(new Dense({ units: 2 }), { name: 'td3' }).computeOutputShape([null, 3])).toThrow(/TimeDistributed 'td3'.*at least 3 dimensions/);
    expect(() => new TimeDistributed(42 as never)).toThrow(/TimeDistributed: expected a layer|must be a Layer/);
    expect(() => td.apply(ones([2, 3, 5]))).toThrow(/'dense(_\d+)?' \(Dense\)/);
  });

  it('BatchNormalization inside sees batch·time samples; dispose frees the wrapped weights', () => {
    const bn = new BatchNormalization();
    const td = new TimeDistributed(bn);
    const y = td.apply(t2(lcg(2 * 3 * 2, 5), [2, 3, 2]), { training: true });
    expect(y.shape).toEqual([2, 3, 2]);
    expect(td.weights.length).toBe(4);
    expect(td.trainableWeights.length).toBe(2);
    td.dispose();
    expect(bn.isDisposed).toBe(true);
  });
});

describe('Bidirectional', () => {
  function weightsOf(l: { getWeights(): Tensor[] }): number[][] {
    return l.getWeights().map((t) => vals(t));
  }

  const modes: [MergeMode, (a: number, b: number) => number][] = [
    ['concat', () => NaN],
    ['sum', (a, b) => a + b],
    ['mul', (a, b) => a * b],
    ['ave', (a, b) => (a + b) / 2],
  ];

  it.each(modes)('mergeMode %s matches a forward and a backward float64 run (backward outputs reversed to input order)', (mode, f) => {
    for (const returnSequences of [false, true]) {
      const [B, T, F, U] = [2, 4, 3, 3];
      const bi = new Bidirectional(new LSTM({ units: U, returnSequences }), { mergeMode: mode });
      bi.build([null, T, F]);
      const x = lcg(B * T * F, 7);
      const [Wf, Rf, bf] = weightsOf(bi.forwardLayer);
      const [Wb, Rb, bb] = weightsOf(bi.backwardLayer);
      const rf = rnnReference({ kind: 'lstm', x, B, T, F, U, W: Wf!, R: Rf!, b: bf! });
      const rb = rnnReference({ kind: 'lstm', x, B, T, F, U, W: Wb!, R: Rb!, b: bb!, goBackwards: true });
      const y = bi.apply(t2(x, [B, T, F]));
      let yf: number[];
      let yb: number[];
      if (returnSequences) {
        yf = seqToBTU(rf.seq, B, U);
        yb = seqToBTU([...rb.seq].reverse(), B, U);
      } else {
        yf = rf.h;
        yb = rb.h;
      }
      const rows = yf.length / U;
      const expected = mode === 'concat'
        ? Array.from({ length: rows }, (_, r) => [...yf.slice(r * U, r * U + U), ...yb.slice(r * U, r * U + U)]).flat()
        : yf.map((v, i) => f(v, yb[i]!));
      expect(y.shape).toEqual(returnSequences ? [B, T, mode === 'concat' ? 2 * U : U] : [B, mode === 'concat' ? 2 * U : U]);
      expectClose(vals(y), expected, 2e-6, 1e-5);
      expect(bi.computeOutputShape([null, T, F])).toEqual(y.shape.map((d, i) => (i === 0 ? null : d)));
    }
  });

  it('fresh forward_/backward_ copies (goBackwards toggled), weights forward then backward, parameter count', () => {
    resetLayerNames();
    const inner = new LSTM({ units: 64 });
    const bi = new Bidirectional(inner);
    expect(bi.name).toBe('bidirectional');
    expect([bi.forwardLayer.name, bi.backwardLayer.name]).toEqual(['forward_lstm', 'backward_lstm']);
    expect([bi.forwardLayer.goBackwards, bi.backwardLayer.goBackwards]).toEqual([false, true]);
    expect(bi.forwardLayer).not.toBe(inner);
    expect(bi.mergeMode).toBe('concat');
    bi.build([null, 28, 28]);
    expect(inner.built).toBe(false);
    expect(bi.countParams()).toBe(2 * 23808);
    expect(bi.weights.map((w) => w.name)).toEqual([
      'forward_lstm/kernel', 'forward_lstm/recurrent_kernel', 'forward_lstm/bias',
      'backward_lstm/kernel', 'backward_lstm/recurrent_kernel', 'backward_lstm/bias',
    ]);
    // the two directions start from different random weights
    expect(vals(bi.forwardLayer.kernel)).not.toEqual(vals(bi.backwardLayer.kernel));
    const back = new Bidirectional(new GRU({ units: 2, goBackwards: true }));
    expect([back.forwardLayer.goBackwards, back.backwardLayer.goBackwards]).toEqual([true, false]);
  });

  it('applyWithState: [output, ...forward states, ...backward states]; initialState split in halves; mergeMode null', () => {
    const [B, T, F, U] = [2, 3, 2, 3];
    const bi = new Bidirectional(new GRU({ units: U, returnState: true, returnSequences: true }), { mergeMode: 'sum' });
    bi.build([null, T, F]);
    const x = lcg(B * T * F, 2);
    const [Wf, Rf, bf] = weightsOf(bi.forwardLayer);
    const [Wb, Rb, bb] = weightsOf(bi.backwardLayer);
    const h0f = lcg(B * U, 3, -0.5, 0.5);
    const h0b = lcg(B * U, 4, -0.5, 0.5);
    const rf = rnnReference({ kind: 'gru', x, B, T, F, U, W: Wf!, R: Rf!, b: bf!, h0: h0f });
    const rb = rnnReference({ kind: 'gru', x, B, T, F, U, W: Wb!, R: Rb!, b: bb!, h0: h0b, goBackwards: true });
    const out = bi.applyWithState(t2(x, [B, T, F]), { initialState: [t2(h0f, [B, U]), t2(h0b, [B, U])] });
    expect(out.length).toBe(3);
    const yf = seqToBTU(rf.seq, B, U);
    const yb = seqToBTU([...rb.seq].reverse(), B, U);
    expectClose(vals(out[0]!), yf.map((v, i) => v + yb[i]!), 2e-6, 1e-5);
    expectClose(vals(out[1]!), rf.h, 2e-6, 1e-5);
    expectClose(vals(out[2]!), rb.h, 2e-6, 1e-5);
    expect(() => bi.applyWithState(t2(x, [B, T, F]), { initialState: [zeros([B, U])] })).toThrow(/initialState must hold 2 tensors/);
    // mergeMode null: both outputs through applyWithState; apply cannot return two tensors
    const none = new Bidirectional(new SimpleRNN({ units: 2 }), { mergeMode: null, name: 'bn' });
    const [a, b] = none.applyWithState(ones([1, 3, 2]));
    expect([a!.shape, b!.shape]).toEqual([[1, 2], [1, 2]]);
    expect(() => none.apply(ones([1, 3, 2]))).toThrow(/Bidirectional 'bn': mergeMode null gives two outputs.*applyWithState/);
  });

  it('gradients reach both directions (finite differences); dropout runs in training', () => {
    const bi = new Bidirectional(new SimpleRNN({ units: 3, returnSequences: true }));
    const x = t2(lcg(2 * 3 * 2, 9), [2, 3, 2]);
    const c = t2(lcg(2 * 3 * 6, 10), [2, 3, 6]);
    bi.build([null, 3, 2]);
    for (const w of [bi.forwardLayer.recurrentKernel, bi.backwardLayer.kernel]) {
      expectGradsMatch(fdVariable(() => weightedSum(bi.apply(x), c), w, [0, 2, 5]), `d/d${w.name}`);
    }
    const { value, grads } = variableGrads(() => sum(bi.apply(x, { training: true })));
    value.dispose();
    expect(grads.size).toBe(6);
    for (const g of grads.values()) g.dispose();
    const dr = new Bidirectional(new LSTM({ units: 3, dropout: 0.5, recurrentDropout: 0.5, seed: 1 }));
    expect(vals(dr.apply(x, { training: true })).every(Number.isFinite)).toBe(true);
  });

  it('config round trip (Keras layout: layer = forward config, backward_layer), freezing, errors, no leaks', () => {
    const bi = new Bidirectional(new LSTM({ units: 4, returnSequences: true, seed: 3 }), { mergeMode: 'ave', name: 'bidi' });
    bi.build([null, 5, 2]);
    const json = JSON.parse(JSON.stringify(serializeLayer(bi)));
    expect(json.config.mergeMode).toBe('ave');
    expect(json.config.layer.config.name).toBe(bi.forwardLayer.name);
    expect(bi.forwardLayer.name).toMatch(/^forward_lstm/);
    expect(json.config.backwardLayer.config.goBackwards).toBe(true);
    const copy = deserializeLayer(json) as Bidirectional;
    expect(copy.getConfig()).toEqual(bi.getConfig());
    expect(copy.countParams()).toBe(bi.countParams());
    copy.setWeights(bi.getWeights());
    const x = t2(lcg(2 * 5 * 2, 1), [2, 5, 2]);
    expectClose(vals(copy.apply(x)), vals(bi.apply(x)), 0, 0);
    bi.trainable = false;
    expect(bi.trainableWeights).toEqual([]);
    expect(bi.forwardLayer.trainable || bi.backwardLayer.trainable).toBe(false);
    expect(() => new Bidirectional(new Dense({ units: 2 }), { name: 'bd' })).toThrow(/Bidirectional 'bd': the wrapped layer must be a recurrent layer.*Dense/);
    expect(() => new Bidirectional(new LSTM({ units: 2 }), { mergeMode: 'max' as never, name: 'bm' })).toThrow(/'bm': mergeMode must be one of/);
    expect(() => new Bidirectional(new LSTM({ units: 2 }), { backwardLayer: new LSTM({ units: 2 }), name: 'bb' })).toThrow(/'bb': the forward and backward layers must have different goBackwards/);
    expect(() => new Bidirectional(new LSTM({ units: 2 }), { backwardLayer: new LSTM({ units: 2, goBackwards: true, returnSequences: true }) })).toThrow(/same returnSequences/);
    expect(() => new Bidirectional(new LSTM({ units: 2 }), { name: 'b3' }).apply(ones([2, 3]))).toThrow(/'b3' \(Bidirectional\).*expected rank 3/);
    const custom = new Bidirectional(new LSTM({ units: 2 }), { backwardLayer: new LSTM({ units: 2, goBackwards: true, name: 'my_back' }) });
    expect(custom.backwardLayer.name).toBe('my_back');
    copy.apply(x).dispose();
    const before = memory().numTensors;
    copy.apply(x, { training: true }).dispose();
    copy.applyWithState(x).forEach((t) => t.dispose());
    expect(memory().numTensors).toBe(before);
    copy.dispose();
    expect(copy.forwardLayer.isDisposed && copy.backwardLayer.isDisposed).toBe(true);
  });
});
