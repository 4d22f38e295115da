import { variableGrads } from '@nabla/autograd';
import { memory, sum, tensor } from '@nabla/tensor';
import { describe, expect, it } from 'vitest';
import { deserializeLayer, Embedding, serializeLayer } from '../src/index.js';
import { expectClose, lcg, t2, useCpu, vals } from './helpers.js';
import { expectGradsMatch, fdVariable, weightedSum } from './rnn-reference.js';

useCpu();

const ids = (v: number[], shape: number[]) => tensor(Int32Array.from(v), shape, 'int32');

describe('Embedding', () => {
  it('looks up rows: int32 indices [b, t] -> [b, t, outputDim]', () => {
    const e = new Embedding({ inputDim: 5, outputDim: 3 });
    e.build([null, 4]);
    const table = lcg(15, 1);
    e.setWeights([t2(table, [5, 3])]);
    const idx = [0, 4, 2, 2, 1, 3, 0, 4];
    const y = e.apply(ids(idx, [2, 4]));
    expect(y.shape).toEqual([2, 4, 3]);
    expect(y.dtype).toBe('float32');
    expectClose(vals(y), idx.flatMap((i) => table.slice(i * 3, i * 3 + 3)), 0, 0);
    expect(e.computeOutputShape([null, 4])).toEqual([null, 4, 3]);
    // any index shape: [n] -> [n, d], [a, b, c] -> [a, b, c, d]
    expect(e.apply(ids([1, 2], [2])).shape).toEqual([2, 3]);
    expect(e.apply(ids([1, 2, 3, 4, 0, 1, 2, 3], [2, 2, 2])).shape).toEqual([2, 2, 2, 3]);
  });

  it('float indices are cast to int32 (truncated), as Keras', () => {
    const e = new Embedding({ inputDim: 4, outputDim: 2 });
    e.build([null, 3]);
    e.setWeights([[[0, 0], [1, 1], [2, 2], [3, 3]]]);
    expect(vals(e.apply(t2([1, 2.7, 3], [1, 3])))).toEqual([1, 1, 2, 2, 3, 3]);
  });

  it("defaults: 'uniform' initializer in [-0.05, 0.05], maskZero false; Embedding(1000, 64) has 64,000 parameters", () => {
    const e = new Embedding({ inputDim: 1000, outputDim: 64 });
    e.build([null, 10]);
    expect(e.countParams()).toBe(64000);
    expect(e.weights.map((w) => [w.name.split('/')[1], w.shape])).toEqual([['embeddings', [1000, 64]]]);
    const v = vals(e.embeddings);
    expect(Math.max(...v)).toBeLessThanOrEqual(0.05);
    expect(Math.min(...v)).toBeGreaterThanOrEqual(-0.05);
    expect(Math.max(...v)).toBeGreaterThan(0.049);
    const c = e.getConfig();
    expect(c.embeddingsInitializer).toMatchObject({ className: 'RandomUniform', config: { minval: -0.05, maxval: 0.05 } });
    expect(c.maskZero).toBe(false);
    expect(e.computeMask(ids([0, 1], [1, 2]))).toBeNull();
  });

  it('maskZero: computeMask gives x != 0 (recorded only: no layer consumes masks)', () => {
    const e = new Embedding({ inputDim: 4, outputDim: 2, maskZero: true });
    const m = e.computeMask(ids([0, 3, 0, 1], [2, 2]))!;
    expect(m.dtype).toBe('bool');
    expect(vals(m)).toEqual([0, 1, 0, 1]);
  });

  it('gradients scatter into the table (repeated indices accumulate); finite differences agree', () => {
    const e = new Embedding({ inputDim: 6, outputDim: 3 });
    e.build([null, 5]);
    const idxV = [1, 4, 1, 1, 0, 5, 4, 2, 1, 0];
    const x = ids(idxV, [2, 5]);
    const { value, grads } = variableGrads(() => sum(e.apply(x)));
    value.dispose();
    const g = vals(grads.get(e.embeddings)!);
    const counts = [0, 1, 2, 3, 4, 5].map((r) => idxV.filter((i) => i === r).length);
    expect(g).toEqual(counts.flatMap((n) => [n, n, n]));
    const c = t2(lcg(30, 4), [2, 5, 3]);
    expectGradsMatch(fdVariable(() => weightedSum(e.apply(x), c), e.embeddings, [0, 4, 5, 9, 13, 17]), 'd/dembeddings');
  });

  it('out-of-range indices and bad options name the layer; config round trip; no leaks', () => {
    const e = new Embedding({ inputDim: 3, outputDim: 2, name: 'emb' });
    expect(() => e.apply(ids([0, 3], [1, 2]))).toThrow(/Embedding 'emb' \(input shape \[1,2\]\): gather: index 3 is out of range \[0, 3\)/);
    expect(() => new Embedding({ inputDim: 0, outputDim: 2, name: 'e0' })).toThrow(/Embedding 'e0': inputDim must be a positive integer/);
    expect(() => new Embedding({ inputDim: 3, outputDim: -1, name: 'e1' })).toThrow(/Embedding 'e1': outputDim/);
    expect(() => new Embedding({ inputDim: 3, outputDim: 1, maskZero: 1 as never, name: 'e2' })).toThrow(/'e2': maskZero must be a boolean/);
    const f = new Embedding({ inputDim: 7, outputDim: 4, maskZero: true, embeddingsRegularizer: 'l2' });
    f.build([null, 3]);
    const copy = deserializeLayer(JSON.parse(JSON.stringify(serializeLayer(f)))) as Embedding;
    expect(copy.getConfig()).toEqual(f.getConfig());
    expect(copy.countParams()).toBe(28);
    const keras = deserializeLayer({ class_name: 'Embedding', config: { name: 'k', input_dim: 9, output_dim: 2, mask_zero: true, embeddings_initializer: 'uniform' } }) as Embedding;
    expect([keras.inputDim, keras.outputDim, keras.maskZero]).toEqual([9, 2, true]);
    const x = ids([1, 2, 0], [1, 3]);
    f.apply(x).dispose();
    const before = memory().numTensors;
    f.apply(x).dispose();
    f.apply(t2([1, 2, 0], [1, 3])).dispose();
    expect(memory().numTensors).toBe(before + 1); // the float input created on the line above
  });
});
