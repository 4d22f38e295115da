import { grads } from '@nabla/autograd';
import { memory, mul, sum, tensor, type Tensor } from '@nabla/tensor';
import { describe, expect, it } from 'vitest';
import {
  Add, Average, Concatenate, deserializeLayer, Dot, Input, Maximum, Minimum, Multiply, serializeLayer, Subtract, SymbolicTensor, LSTM, Dense,
} from '../src/index.js';
import { expectClose, lcg, t2, useCpu, vals } from './helpers.js';

useCpu();

const A = lcg(6, 1);
const B = lcg(6, 2);
const C = lcg(6, 3);

/** Gradients of sum(w ⊙ layer(xs)) with respect to each input. */
function gradsOf(layer: { apply(xs: Tensor[]): Tensor }, xs: Tensor[], w: Tensor): number[][] {
  const gs = grads((...ins: Tensor[]) => sum(mul(layer.apply(ins), w)))(...xs);
  const out = gs.map(vals);
  gs.forEach((g) => g.dispose());
  return out;
}

/** Central finite differences (float32 forward, so the step is coarse) of sum(w ⊙ layer(xs)). */
function numericGrads(layer: { apply(xs: Tensor[]): Tensor }, data: number[][], shapes: number[][], w: Tensor, eps = 1e-2): number[][] {
  const f = (ds: number[][]): number => {
    const ts = ds.map((d, i) => t2(d, shapes[i]!));
    const y = layer.apply(ts);
    const s = sum(mul(y, w));
    const v = vals(s)[0]!;
    [...ts, y, s].forEach((t) => t.dispose());
    return v;
  };
  return data.map((d, i) =>
    d.map((_, k) => {
      const plus = data.map((e) => [...e]);
      const minus = data.map((e) => [...e]);
      plus[i]![k]! += eps;
      minus[i]![k]! -= eps;
      return (f(plus) - f(minus)) / (2 * eps);
    }),
  );
}

describe('element-wise merges', () => {
  it('Add, Subtract, Multiply, Average, Maximum, Minimum equal the element-wise formulas', () => {
    const [a, b, c] = [t2(A, [2, 3]), t2(B, [2, 3]), t2(C, [2, 3])];
    const cases: [{ apply(xs: Tensor[]): Tensor }, Tensor[], (i: number) => number][] = [
      [new Add(), [a, b, c], (i) => A[i]! + B[i]! + C[i]!],
      [new Subtract(), [a, b], (i) => A[i]! - B[i]!],
      [new Multiply(), [a, b, c], (i) => A[i]! * B[i]! * C[i]!],
      [new Average(), [a, b, c], (i) => (A[i]! + B[i]! + C[i]!) / 3],
      [new Maximum(), [a, b, c], (i) => Math.max(A[i]!, B[i]!, C[i]!)],
      [new Minimum(), [a, b], (i) => Math.min(A[i]!, B[i]!)],
    ];
    for (const [layer, xs, f] of cases) {
      const y = layer.apply(xs);
      expect(y.shape).toEqual([2, 3]);
      expectClose(vals(y), A.map((_, i) => f(i)));
      y.dispose();
    }
    [a, b, c].forEach((t) => t.dispose());
  });

  it('broadcasts per-sample shapes as Keras (size 1, and a lower rank gets axes after the batch)', () => {
    const a = t2(A, [2, 3]);
    const col = t2([10, 20], [2, 1]);
    const y = new Add().apply([a, col]);
    expect(y.shape).toEqual([2, 3]);
    expectClose(vals(y), A.map((v, i) => v + (i < 3 ? 10 : 20)));
    // [2,3] with [2,2,3]: the [2,3] input becomes [2,1,3] (per sample: the same row for both rows of the other)
    const big = t2(lcg(12, 4), [2, 2, 3]);
    const z = new Multiply().apply([a, big]);
    expect(z.shape).toEqual([2, 2, 3]);
    const bigV = vals(big);
    expectClose(vals(z), bigV.map((v, i) => v * A[Math.floor(i / 6) * 3 + (i % 3)]!));
    expect(new Add().computeOutputShape([[null, 3], [null, 2, 3]])).toEqual([null, 2, 3]);
    expect(new Add().computeOutputShape([[null, 1, 5], [4, null, 5]])).toEqual([4, null, 5]);
    [a, col, y, big, z].forEach((t) => t.dispose());
  });

  it('throws naming the layer and the shapes when inputs do not merge', () => {
    const [a, b] = [t2(A, [2, 3]), t2(lcg(8, 5), [2, 4])];
    const c = t2(lcg(9, 6), [3, 3]);
    expect(() => new Add({ name: 'sum' }).apply([a, b])).toThrow(/Add 'sum'.*incompatible shapes \[null,3\], \[null,4\]/);
    expect(() => new Add({ name: 'sum2' }).apply([a, c])).toThrow(/Add 'sum2'.*different batch sizes.*\[2,3\], \[3,3\]/);
    expect(() => new Subtract({ name: 'diff' }).apply([a, a, a])).toThrow(/Subtract 'diff'.*exactly 2 inputs, got 3/);
    expect(() => new Add({ name: 'one' }).apply(a)).toThrow(/Add 'one'.apply: expected a list of input tensors/);
    expect(() => new Dense({ units: 2, name: 'fc' }).apply([a, a])).toThrow(/Dense 'fc'.apply: expected a Tensor \(the layer takes one input\)/);
    [a, b, c].forEach((t) => t.dispose());
  });

  it('gradients: hand-derived for Add/Multiply/Average/Maximum, finite differences for Subtract with broadcasting', () => {
    const [a, b] = [t2(A, [2, 3]), t2(B, [2, 3])];
    const W = lcg(6, 7);
    const w = t2(W, [2, 3]);
    let [ga, gb] = gradsOf(new Add(), [a, b], w);
    expectClose(ga!, W);
    expectClose(gb!, W);
    [ga, gb] = gradsOf(new Multiply(), [a, b], w);
    expectClose(ga!, W.map((v, i) => v * B[i]!));
    expectClose(gb!, W.map((v, i) => v * A[i]!));
    [ga, gb] = gradsOf(new Average(), [a, b], w);
    expectClose(ga!, W.map((v) => v / 2));
    [ga, gb] = gradsOf(new Maximum(), [a, b], w);
    expectClose(ga!, W.map((v, i) => (A[i]! > B[i]! ? v : 0)));
    expectClose(gb!, W.map((v, i) => (A[i]! > B[i]! ? 0 : v)));
    // the broadcast input [2,1] receives the row sums of -w
    const col = t2([0.5, -1], [2, 1]);
    const sub = new Subtract();
    const [gA, gCol] = gradsOf(sub, [a, col], w);
    const [nA, nCol] = numericGrads(sub, [A, [0.5, -1]], [[2, 3], [2, 1]], w);
    expectClose(gA!, nA!, 2e-3, 2e-3);
    expectClose(gCol!, [-(W[0]! + W[1]! + W[2]!), -(W[3]! + W[4]! + W[5]!)]);
    expectClose(gCol!, nCol!, 2e-3, 2e-3);
    [a, b, w, col].forEach((t) => t.dispose());
  });
});

describe('Concatenate', () => {
  it('joins along the last axis by default and along any axis, checking the other dimensions', () => {
    const [a, b] = [t2(A, [2, 3]), t2(lcg(4, 8), [2, 2])];
    const y = new Concatenate().apply([a, b]);
    expect(y.shape).toEqual([2, 5]);
    const Bv = vals(b);
    expectClose(vals(y), [...A.slice(0, 3), ...Bv.slice(0, 2), ...A.slice(3), ...Bv.slice(2)]);
    const [p, q] = [t2(lcg(12, 9), [2, 2, 3]), t2(lcg(6, 10), [2, 1, 3])];
    const z = new Concatenate({ axis: 1 }).apply([p, q]);
    expect(z.shape).toEqual([2, 3, 3]);
    const [P, Q] = [vals(p), vals(q)];
    expectClose(vals(z), [...P.slice(0, 6), ...Q.slice(0, 3), ...P.slice(6), ...Q.slice(3)]);
    const r = t2(lcg(4, 14), [2, 1, 2]);
    expect(() => new Concatenate({ axis: 1, name: 'cat' }).apply([p, r])).toThrow(/Concatenate 'cat'.*matching shapes except for the concatenation axis 1.*\[null,2,3\], \[null,1,2\]/);
    expect(() => new Concatenate({ name: 'cat2' }).apply([a, p])).toThrow(/Concatenate 'cat2'.*matching shapes/);
    r.dispose();
    expect(new Concatenate().computeOutputShape([[null, 4, 3], [null, 4, null]])).toEqual([null, 4, null]);
    // gradient: each input gets its own slice of the upstream gradient
    const W = lcg(10, 11);
    const [ga, gb] = gradsOf(new Concatenate(), [a, b], t2(W, [2, 5]));
    expectClose(ga!, [...W.slice(0, 3), ...W.slice(5, 8)]);
    expectClose(gb!, [...W.slice(3, 5), ...W.slice(8, 10)]);
    [a, b, y, p, q, z].forEach((t) => t.dispose());
  });
});

describe('Dot', () => {
  it('[b,n]·[b,n] gives [b,1] per-sample dot products, and its gradient is the other input times w', () => {
    const [a, b] = [t2(A, [2, 3]), t2(B, [2, 3])];
    const y = new Dot({ axes: 1 }).apply([a, b]);
    expect(y.shape).toEqual([2, 1]);
    const dot = (r: number): number => [0, 1, 2].reduce((s, j) => s + A[r * 3 + j]! * B[r * 3 + j]!, 0);
    expectClose(vals(y), [dot(0), dot(1)]);
    const w = t2([2, -3], [2, 1]);
    const [ga] = gradsOf(new Dot({ axes: -1 }), [a, b], w);
    expectClose(ga!, B.map((v, i) => v * (i < 3 ? 2 : -3)));
    [a, b, y, w].forEach((t) => t.dispose());
  });

  it('contracts axes [2,1] of [b,n,m]·[b,m,k] as a batched matmul', () => {
    const X = lcg(2 * 2 * 3, 12);
    const Y = lcg(2 * 3 * 4, 13);
    const y = new Dot({ axes: [2, 1] }).apply([t2(X, [2, 2, 3]), t2(Y, [2, 3, 4])]);
    expect(y.shape).toEqual([2, 2, 4]);
    const ref: number[] = [];
    for (let s = 0; s < 2; s++) for (let i = 0; i < 2; i++) for (let k = 0; k < 4; k++) {
      let acc = 0;
      for (let j = 0; j < 3; j++) acc += X[s * 6 + i * 3 + j]! * Y[s * 12 + j * 4 + k]!;
      ref.push(acc);
    }
    expectClose(vals(y), ref);
    // axes [1,1]: contract the n axes of [b,n,m] and [b,n,k] -> [b,m,k]
    expect(new Dot({ axes: [1, 1] }).computeOutputShape([[null, 5, 3], [null, 5, 4]])).toEqual([null, 3, 4]);
    y.dispose();
  });

  it('normalize gives cosine similarity; its gradient matches finite differences', () => {
    const [a, b] = [t2(A, [2, 3]), t2(B, [2, 3])];
    const layer = new Dot({ axes: 1, normalize: true });
    const y = layer.apply([a, b]);
    const norm = (v: number[], r: number): number => Math.hypot(v[r * 3]!, v[r * 3 + 1]!, v[r * 3 + 2]!);
    const cos = (r: number): number => [0, 1, 2].reduce((s, j) => s + A[r * 3 + j]! * B[r * 3 + j]!, 0) / (norm(A, r) * norm(B, r));
    expectClose(vals(y), [cos(0), cos(1)]);
    const w = t2([1.5, -0.5], [2, 1]);
    const analytic = gradsOf(layer, [a, b], w);
    const numeric = numericGrads(layer, [A, B], [[2, 3], [2, 3]], w);
    expectClose(analytic[0]!, numeric[0]!, 3e-3, 3e-3);
    expectClose(analytic[1]!, numeric[1]!, 3e-3, 3e-3);
    [a, b, y, w].forEach((t) => t.dispose());
  });

  it('rejects mismatched contracted axes, the batch axis, and other than 2 inputs', () => {
    expect(() => new Dot({ axes: 1, name: 'dp' }).computeOutputShape([[null, 3], [null, 4]])).toThrow(/Dot 'dp'.*axis values 3 \(at axis 1\) != 4 \(at axis 1\)/);
    expect(() => new Dot({ axes: 0, name: 'dp0' }).computeOutputShape([[null, 3], [null, 3]])).toThrow(/Dot 'dp0'.*non-batch axes/);
    expect(() => new Dot({ axes: 1, name: 'dp3' }).computeOutputShape([[null, 3], [null, 3], [null, 3]])).toThrow(/Dot 'dp3'.*list of 2 inputs, got 3/);
    expect(() => new Dot({ axes: [1, 2, 3] as never })).toThrow(/axes must be an integer or a list of 2 integers/);
  });
});

describe('merge layers serialize and work symbolically', () => {
  it('round-trips config through serializeLayer / deserializeLayer', () => {
    for (const layer of [new Concatenate({ axis: 1, name: 'c' }), new Dot({ axes: [2, 1], normalize: true, name: 'd' }), new Average({ name: 'avg' })]) {
      const json = JSON.parse(JSON.stringify(serializeLayer(layer)));
      const back = deserializeLayer(json);
      expect(back.className).toBe(layer.className);
      expect(back.getConfig()).toEqual(layer.getConfig());
    }
  });

  it('apply on symbolic tensors computes shapes only, records nodes, and checks shapes at graph construction', () => {
    const before = memory().numTensors;
    const a = new Input({ shape: [4], name: 'a' });
    const b = new Input({ shape: [4], name: 'b' });
    const ha = new Dense({ units: 3 }).apply(a);
    const hb = new Dense({ units: 3 }).apply(b.output);
    expect(ha).toBeInstanceOf(SymbolicTensor);
    expect(ha.shape).toEqual([null, 3]);
    const add = new Add({ name: 'merge' });
    const s = add.apply([ha, hb]);
    expect(s.shape).toEqual([null, 3]);
    expect(s.node.inputs).toEqual([ha, hb]);
    expect(add.inboundNodes).toHaveLength(1);
    const cat = new Concatenate().apply([a, s]);
    expect(cat.shape).toEqual([null, 7]);
    expect(() => new Add({ name: 'bad' }).apply([a, s])).toThrow(/Add 'bad'.*incompatible shapes \[null,4\], \[null,3\]/);
    const real = t2([1, 2, 3, 4], [1, 4]);
    expect(() => new Add().apply([a, real] as never)).toThrow(/cannot mix symbolic tensors/);
    real.dispose();
    // only the Dense kernels and biases were created: symbolic calls allocate no tensors
    expect(memory().numTensors - before).toBe(4);
  });

  it('LSTM.applyWithState on symbolic tensors returns [output, h, c] and takes symbolic initial states', () => {
    const x = new Input({ shape: [5, 2] });
    const enc = new LSTM({ units: 3 });
    const [out, h, c] = enc.applyWithState(x);
    expect([out!.shape, h!.shape, c!.shape]).toEqual([[null, 3], [null, 3], [null, 3]]);
    const dec = new LSTM({ units: 3, returnSequences: true });
    const [seq] = dec.applyWithState(new Input({ shape: [7, 2] }), { initialState: [h!, c!] });
    expect(seq!.shape).toEqual([null, 7, 3]);
    expect(seq!.node.inputs.slice(1)).toEqual([h, c]);
    expect(() => new LSTM({ units: 4, name: 'l4' }).applyWithState(x, { initialState: [h!, c!] })).toThrow(/initial states must have shape \[batch,4\]/);
  });
});
