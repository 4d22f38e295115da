import { Add, Concatenate, Dense, Dot, Dropout, Input, LSTM, resetLayerNames, type SymbolicTensor } from '@nabla/layers';
import { SGD } from '@nabla/optimizers';
import { memory, tensor, type Tensor } from '@nabla/tensor';
import { beforeEach, describe, expect, it } from 'vitest';
import { Model, type FunctionalConfig } from '../src/index.js';
import './setup.js';

beforeEach(() => resetLayerNames());

const vals = async (t: Tensor): Promise<number[]> => Array.from(await t.data());

function setW(layer: Dense, kernel: number[][], bias?: number[]): void {
  const ts = [tensor(kernel), ...(bias ? [tensor(bias)] : [])];
  layer.setWeights(ts);
  ts.forEach((t) => t.dispose());
}

// two inputs of 2 features; one Dense shared by both; a sum head and an auxiliary head on the concatenation
const A = [[1, 2], [0.5, -1], [-2, 0.25], [3, 1]];
const B = [[0, 1], [2, 2], [1, -1], [-0.5, 0.5]];
const Y1 = [1.5, -2, 0.5, 3];
const Y2 = [-1, 0.5, 2, 1];
const W = [0.3, -0.2];
const C = 0.1;
const V = [0.2, -0.1, 0.4, 0.05];

function twoHeadModel(): { model: Model<SymbolicTensor[]>; shared: Dense; aux: Dense } {
  const a = new Input({ shape: [2], name: 'a' });
  const b = new Input({ shape: [2], name: 'b' });
  const shared = new Dense({ units: 1, name: 'shared' });
  const sum = new Add({ name: 'sum' }).apply([shared.apply(a), shared.apply(b)]);
  const aux = new Dense({ units: 1, useBias: false, name: 'aux' });
  const auxOut = aux.apply(new Concatenate({ name: 'cat' }).apply([a, b]));
  const model = new Model({ inputs: [a, b], outputs: [sum, auxOut], name: 'two_heads' });
  setW(shared, W.map((w) => [w]), [C]);
  setW(aux, V.map((v) => [v]));
  return { model, shared, aux };
}

/** The two heads and their losses computed by hand in float64. */
function reference(w: number[], c: number, v: number[]) {
  const o1 = A.map((a, i) => a[0]! * w[0]! + a[1]! * w[1]! + c + B[i]![0]! * w[0]! + B[i]![1]! * w[1]! + c);
  const o2 = A.map((a, i) => [...a, ...B[i]!].reduce((s, x, j) => s + x * v[j]!, 0));
  const e1 = o1.map((o, i) => o - Y1[i]!);
  const e2 = o2.map((o, i) => o - Y2[i]!);
  const n = A.length;
  const mse1 = e1.reduce((s, e) => s + e * e, 0) / n;
  const mse2 = e2.reduce((s, e) => s + e * e, 0) / n;
  const mae1 = e1.reduce((s, e) => s + Math.abs(e), 0) / n;
  return { o1, o2, e1, e2, mse1, mse2, mae1 };
}

describe('functional Model', () => {
  it("runs the issue's example: Input -> Dense -> Dense, predict equals the hand-computed layers", async () => {
    const inp = new Input({ shape: [3] });
    const h1 = new Dense({ units: 4, activation: 'relu' });
    const h2 = new Dense({ units: 2 });
    const out = h2.apply(h1.apply(inp));
    const model = new Model({ inputs: inp, outputs: out });
    expect(model.name).toBe('functional');
    expect(model.layers.map((l) => l.name)).toEqual(['input_layer', 'dense', 'dense_1']);
    expect(model.countParams()).toBe(3 * 4 + 4 + 4 * 2 + 2);
    const X = [[1, -2, 0.5], [0.3, 0.7, -1.1]];
    const x = tensor(X);
    const y = model.predict(x);
    const [k1, b1, k2, b2] = await Promise.all(model.getWeights().map(async (t) => { const v = await vals(t); t.dispose(); return v; }));
    const ref = X.flatMap((row) => {
      const h = [0, 1, 2, 3].map((j) => Math.max(0, row.reduce((s, xv, i) => s + xv * k1![i * 4 + j]!, b1![j]!)));
      return [0, 1].map((j) => h.reduce((s, hv, i) => s + hv * k2![i * 2 + j]!, b2![j]!));
    });
    expect(y.shape).toEqual([2, 2]);
    (await vals(y)).forEach((v, i) => expect(v).toBeCloseTo(ref[i]!, 5));
    x.dispose();
    y.dispose();
    model.dispose();
  });

  it('shares the weights of a layer applied twice and computes both heads', async () => {
    const { model } = twoHeadModel();
    expect(model.countParams()).toBe(3 + 4);
    expect(model.inputNames).toEqual(['a', 'b']);
    expect(model.outputNames).toEqual(['sum', 'aux']);
    const [a, b] = [tensor(A), tensor(B)];
    const [p1, p2] = model.predict([a, b], { batchSize: 3 });
    const ref = reference(W, C, V);
    (await vals(p1!)).forEach((v, i) => expect(v).toBeCloseTo(ref.o1[i]!, 5));
    (await vals(p2!)).forEach((v, i) => expect(v).toBeCloseTo(ref.o2[i]!, 5));
    // a record keyed by input name gives the same result
    const [q1] = model.predict({ b, a });
    expect(await vals(q1!)).toEqual(await vals(p1!));
    [a, b, p1, p2, q1!].forEach((t) => t!.dispose());
    model.dispose();
  });

  it('trainOnBatch: per-output losses (weighted, as Keras 3 logs them), metrics per output, and one SGD step equal hand-derived values', async () => {
    const { model } = twoHeadModel();
    const lr = 0.05;
    model.compile({ optimizer: new SGD({ learningRate: lr }), loss: { sum: 'mse', aux: 'mse' }, lossWeights: { sum: 1, aux: 0.5 }, metrics: { sum: ['mae'] } });
    const [a, b, y1, y2] = [tensor(A), tensor(B), tensor(Y1.map((v) => [v])), tensor(Y2.map((v) => [v]))];
    const ref = reference(W, C, V);
    const logs = await model.trainOnBatch([a, b], { sum: y1, aux: y2 });
    expect(Object.keys(logs).sort()).toEqual(['aux_loss', 'loss', 'sum_loss', 'sum_mae']);
    expect(logs.sum_loss).toBeCloseTo(ref.mse1, 4);
    expect(logs.aux_loss).toBeCloseTo(0.5 * ref.mse2, 4);
    expect(logs.loss).toBeCloseTo(ref.mse1 + 0.5 * ref.mse2, 4);
    expect(logs.sum_mae).toBeCloseTo(ref.mae1, 4);
    // d/dw of mean(e1²) with o1 = (a + b)·w + 2c; d/dv of 0.5·mean(e2²) with o2 = [a, b]·v
    const n = A.length;
    const gw = [0, 1].map((j) => A.reduce((s, av, i) => s + (2 * ref.e1[i]! * (av[j]! + B[i]![j]!)) / n, 0));
    const gc = ref.e1.reduce((s, e) => s + (2 * e * 2) / n, 0);
    const gv = [0, 1, 2, 3].map((j) => A.reduce((s, av, i) => s + (0.5 * 2 * ref.e2[i]! * [...av, ...B[i]!][j]!) / n, 0));
    const want = [...W.map((w, j) => w - lr * gw[j]!), C - lr * gc, ...V.map((v, j) => v - lr * gv[j]!)];
    const got = (await Promise.all(model.getWeights().map(async (t) => { const v = await vals(t); t.dispose(); return v; }))).flat();
    got.forEach((g, i) => expect(g).toBeCloseTo(want[i]!, 5));
    [a, b, y1, y2].forEach((t) => t.dispose());
    model.dispose();
  });

  it('fit and evaluate with list/record data, validation logs per output, and flat memory across epochs', async () => {
    const { model } = twoHeadModel();
    model.compile({ optimizer: new SGD({ learningRate: 0.01 }), loss: ['mse', 'mse'], metrics: [['mae'], null] });
    const [a, b, y1, y2] = [tensor(A), tensor(B), tensor(Y1.map((v) => [v])), tensor(Y2.map((v) => [v]))];
    const ev = await model.evaluate({ a, b }, [y1, y2], { batchSize: 3 });
    const ref = reference(W, C, V);
    expect(ev.sum_loss).toBeCloseTo(ref.mse1, 4);
    expect(ev.aux_loss).toBeCloseTo(ref.mse2, 4);
    expect(ev.loss).toBeCloseTo(ref.mse1 + ref.mse2, 4);
    expect(ev.sum_mae).toBeCloseTo(ref.mae1, 4);
    const counts: number[] = [];
    const h = await model.fit([a, b], [y1, y2], {
      epochs: 6, batchSize: 2, verbose: 0, seed: 3, validationSplit: 0.25,
      callbacks: [{ onEpochEnd: () => void counts.push(memory().numTensors) }],
    });
    expect(new Set(counts).size).toBe(1);
    expect(Object.keys(h.history).sort()).toEqual(['aux_loss', 'loss', 'sum_loss', 'sum_mae', 'val_aux_loss', 'val_loss', 'val_sum_loss', 'val_sum_mae']);
    h.history.loss!.forEach((l, i) => expect(l).toBeCloseTo(h.history.sum_loss![i]! + h.history.aux_loss![i]!, 4));
    expect(h.history.loss!.at(-1)).toBeLessThan(h.history.loss![0]!);
    [a, b, y1, y2].forEach((t) => t.dispose());
    model.dispose();
  });

  it('outputs without a loss need no targets; one loss applies to every output', async () => {
    const { model } = twoHeadModel();
    model.compile({ optimizer: 'sgd', loss: { sum: 'mse' } });
    const [a, b, y1, y2] = [tensor(A), tensor(B), tensor(Y1.map((v) => [v])), tensor(Y2.map((v) => [v]))];
    const ev = await model.evaluate([a, b], { sum: y1 });
    expect(Object.keys(ev)).toEqual(['loss', 'sum_loss']);
    expect(ev.loss).toBeCloseTo(reference(W, C, V).mse1, 4);
    model.compile({ optimizer: 'sgd', loss: 'mae' });
    const ev2 = await model.evaluate([a, b], [y1, y2]);
    const r = reference(W, C, V);
    expect(ev2.aux_loss).toBeCloseTo(r.e2.reduce((s, e) => s + Math.abs(e), 0) / A.length, 4);
    [a, b, y1, y2].forEach((t) => t.dispose());
    model.dispose();
  });

  it('reports bad graphs and bad data with errors naming layers and inputs', async () => {
    const a = new Input({ shape: [2], name: 'a' });
    const b = new Input({ shape: [2], name: 'b' });
    const s = new Add().apply([a, b]);
    expect(() => new Model({ inputs: a, outputs: s })).toThrow(/graph disconnected.*Input 'b'.*not among the model inputs \(a\)/);
    const d = new Dense({ units: 2, name: 'd' }).apply(a);
    expect(() => new Model({ inputs: d, outputs: s })).toThrow(/inputs\[0\] comes from layer 'd' \(Dense\); model inputs must be Input layers/);
    const m = new Model({ inputs: [a, b], outputs: s });
    m.compile({ optimizer: 'sgd', loss: 'mse' });
    const x = tensor(A);
    const y = tensor(A);
    await expect(m.fit(x, y, { verbose: 0 })).rejects.toThrow(/the model has 2 tensors \('a', 'b'\); pass x as a list or a record/);
    await expect(m.fit({ a: x }, y, { verbose: 0 })).rejects.toThrow(/x\['b'\] is missing/);
    const x3 = tensor([[1, 2, 3]]);
    await expect(m.evaluate([x, x3], y)).rejects.toThrow(/x\['a'\] has 4 samples.*x\['b'\] has 1/);
    expect(() => m.compile({ optimizer: 'sgd', loss: { nope: 'mse' } })).toThrow(/unknown output name\(s\) nope/);
    expect(() => new Model({ inputs: [a, b], outputs: [s, d] }).compile({ optimizer: 'sgd', loss: 'mse', metrics: ['mae'] })).toThrow(/metrics given as a list must have 2 entries, got 1/);
    [x, y, x3].forEach((t) => t.dispose());
    m.dispose();
  });

  it('summary lists every layer once with its connections, as Keras', () => {
    const { model } = twoHeadModel();
    const text = model.summary(null);
    const lines = text.split('\n');
    expect(lines[0]).toBe('Model: "two_heads"');
    expect(lines[2]).toMatch(/┃ Layer \(type\) +┃ Output Shape +┃ +Param # ┃ Connected to +┃/);
    expect(text).toMatch(/│ a \(InputLayer\) +│ \(None, 2\) +│ +0 │ - +│/);
    expect(text).toMatch(/│ shared \(Dense\) +│ \(None, 1\) +│ +3 │ a\[0\]\[0\], +│\n│ +│ +│ +│ b\[0\]\[0\] +│/);
    expect(text).toMatch(/│ sum \(Add\) +│ \(None, 1\) +│ +0 │ shared\[0\]\[0\], +│\n│ +│ +│ +│ shared\[1\]\[0\] +│/);
    expect(text).toMatch(/│ aux \(Dense\) +│ \(None, 1\) +│ +4 │ cat\[0\]\[0\] +│/);
    expect(text).toContain(' Total params: 7 (28.00 B)');
    model.dispose();
  });

  it('getConfig / fromConfig rebuild the graph (shared layers, merges, LSTM states); with the weights, predictions are identical', async () => {
    const q = new Input({ shape: [4, 3], name: 'q' });
    const r = new Input({ shape: [5, 3], name: 'r' });
    const [, h, c] = new LSTM({ units: 4, name: 'enc' }).applyWithState(q);
    const [dec] = new LSTM({ units: 4, name: 'dec' }).applyWithState(r, { initialState: [h!, c!] });
    const proj = new Dense({ units: 4, name: 'proj' });
    const sim = new Dot({ axes: 1, normalize: true, name: 'sim' }).apply([proj.apply(h!), proj.apply(dec!)]);
    const out = new Dense({ units: 2, activation: 'softmax', name: 'head' }).apply(new Concatenate({ name: 'cat' }).apply([new Dropout({ rate: 0.5 }).apply(dec!), sim]));
    const model = new Model({ inputs: [q, r], outputs: out, name: 'seq2seq' });
    const config = JSON.parse(JSON.stringify(model.getConfig())) as FunctionalConfig;
    expect(config.inputLayers).toEqual([['q', 0, 0], ['r', 0, 0]]);
    expect(config.outputLayers).toEqual(['head', 0, 0]);
    const projCfg = config.layers.find((l) => l.name === 'proj')!;
    expect(projCfg.inboundNodes).toEqual([{ args: ['enc', 0, 1] }, { args: ['dec', 0, 0] }]);
    expect(config.layers.find((l) => l.name === 'dec')!.inboundNodes).toEqual([{ args: ['r', 0, 0], kwargs: { withState: true, initialState: [['enc', 0, 1], ['enc', 0, 2]] } }]);
    expect(config.layers.find((l) => l.name === 'sim')!.inboundNodes).toEqual([{ args: [['proj', 0, 0], ['proj', 1, 0]] }]);
    const copy = Model.fromConfig<SymbolicTensor>(config);
    expect(copy.layers.map((l) => l.name)).toEqual(model.layers.map((l) => l.name));
    expect(copy.getConfig()).toEqual(config);
    const ws = model.getWeights();
    copy.setWeights(ws);
    ws.forEach((t) => t.dispose());
    const x1 = tensor(Array.from({ length: 2 * 4 * 3 }, (_, i) => Math.sin(i)), [2, 4, 3]);
    const x2 = tensor(Array.from({ length: 2 * 5 * 3 }, (_, i) => Math.cos(i)), [2, 5, 3]);
    const [p, p2] = [model.predict([x1, x2]), copy.predict({ q: x1, r: x2 })];
    expect(p.shape).toEqual([2, 2]);
    expect(await vals(p2)).toEqual(await vals(p));
    [x1, x2, p, p2].forEach((t) => t.dispose());
    model.dispose();
    copy.dispose();
  });

  it('runs the docs example (docs/training-api.md, Functional API): two inputs, a shared encoder, two heads', async () => {
    const title = new Input({ shape: [32], name: 'title' });
    const body = new Input({ shape: [32], name: 'body' });
    const encode = new Dense({ units: 16, activation: 'relu', name: 'encode' });
    const features = new Concatenate().apply([encode.apply(title), encode.apply(body)]);
    expect(() => encode.apply(new Input({ shape: [31] }))).toThrow(/'encode' \(Dense\).*size 32.*\[null,31\]/);
    const priority = new Dense({ units: 1, name: 'priority' }).apply(features);
    const department = new Dense({ units: 4, activation: 'softmax', name: 'department' }).apply(features);
    const model = new Model({ inputs: [title, body], outputs: [priority, department] });
    model.compile({
      optimizer: 'adam',
      loss: { priority: 'mse', department: 'sparse_categorical_crossentropy' },
      lossWeights: { priority: 1, department: 0.2 },
      metrics: { department: ['accuracy'] },
    });
    const n = 8;
    const xTitle = tensor(Array.from({ length: n * 32 }, (_, i) => Math.sin(i)), [n, 32]);
    const xBody = tensor(Array.from({ length: n * 32 }, (_, i) => Math.cos(i)), [n, 32]);
    const yPriority = tensor(Array.from({ length: n }, (_, i) => [i / n]));
    const yDept = tensor(Int32Array.from({ length: n }, (_, i) => i % 4), [n], 'int32');
    const h = await model.fit({ title: xTitle, body: xBody }, { priority: yPriority, department: yDept }, { epochs: 2, verbose: 0, validationSplit: 0.25 });
    expect(Object.keys(h.history).sort()).toEqual([
      'department_accuracy', 'department_loss', 'loss', 'priority_loss', 'val_department_accuracy', 'val_department_loss', 'val_loss', 'val_priority_loss',
    ]);
    const [p, d] = model.predict([xTitle, xBody]);
    expect([p!.shape, d!.shape]).toEqual([[n, 1], [n, 4]]);
    // the encoder is shared: 32·16+16 weights, then two heads on 32 features
    expect(model.countParams()).toBe(32 * 16 + 16 + (32 + 1) + (32 * 4 + 4));
    [xTitle, xBody, yPriority, yDept, p!, d!].forEach((t) => t.dispose());
    model.dispose();
  });

  it('nests a Model and a Sequential as blocks of a bigger graph, sharing their weights', async () => {
    const { Sequential } = await import('../src/index.js');
    const inner = new Input({ shape: [3], name: 'inner_in' });
    const block = new Model({ inputs: inner, outputs: new Dense({ units: 2, name: 'inner_dense' }).apply(inner), name: 'block' });
    const stack = new Sequential([new Input({ shape: [2] }), new Dense({ units: 1, name: 'stack_dense' })]);
    const x = new Input({ shape: [3], name: 'x' });
    const out = stack.apply(new Add().apply([block.apply(x), block.apply(x)]));
    const outer = new Model({ inputs: x, outputs: out });
    expect(outer.layers.map((l) => l.name)).toEqual(['x', 'inner_dense', 'add', 'stack_dense']);
    expect(outer.countParams()).toBe(3 * 2 + 2 + 2 + 1);
    const xs = tensor([[1, -1, 2], [0.5, 0, -3]]);
    const b = block.predict(xs);
    const want = stack.predict(b);
    const got = outer.predict(xs);
    // the outer graph adds the block's output to itself before the stack: stack(2·block(x))
    const twice = tensor((await vals(b)).map((v) => 2 * v), [2, 2]);
    const ref = stack.predict(twice);
    (await vals(got)).forEach((v, i) => expect(v).toBeCloseTo((Array.from(ref.dataSync()))[i]!, 5));
    expect(await vals(want)).not.toEqual(await vals(got));
    expect(() => block.apply(new Input({ shape: [4] }))).toThrow(/inner_in/);
    [xs, b, want, got, twice, ref].forEach((t) => t.dispose());
    outer.dispose();
  });
});
