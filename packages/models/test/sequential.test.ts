import { Dense, Flatten, Input, ReLU, Softmax, resetLayerNames } from '@nabla/layers';
import { Adam, SGD } from '@nabla/optimizers';
import { memory, tensor } from '@nabla/tensor';
import { heapStats } from '@nabla/backend-cpu';
import { beforeEach, describe, expect, it } from 'vitest';
import { Sequential } from '../src/index.js';
import './setup.js';

function courseModel(): Sequential {
  return new Sequential([
    new Input({ shape: [28, 28] }), new Flatten(),
    new Dense({ units: 256 }), new ReLU(),
    new Dense({ units: 128 }), new ReLU(),
    new Dense({ units: 10 }), new Softmax(),
  ]);
}

/** A 2-feature linear model with known starting weights. */
function linearModel(w: [number, number], b: number): Sequential {
  const m = new Sequential([new Input({ shape: [2] }), new Dense({ units: 1 })]);
  const [kw, kb] = [tensor([[w[0]], [w[1]]]), tensor([b])];
  m.setWeights([kw, kb]);
  kw.dispose();
  kb.dispose();
  return m;
}

const X = [[1, 2], [2, -1], [0, 1], [-1, 3], [3, 0.5], [1.5, -2]];
const Y = X.map(([a, b]) => 2 * a! - 3 * b! + 0.5);

/** Full-batch or mini-batch gradient descent on MSE in float64, in order (no shuffling). */
function referenceSGD(w: number[], b: number, lr: number, batch: number, epochs: number): { w: number[]; b: number } {
  w = [...w];
  for (let e = 0; e < epochs; e++) {
    for (let s = 0; s < X.length; s += batch) {
      const rows = X.slice(s, s + batch);
      const ys = Y.slice(s, s + batch);
      const g = [0, 0];
      let gb = 0;
      rows.forEach((x, i) => {
        const err = x[0]! * w[0]! + x[1]! * w[1]! + b - ys[i]!;
        // d/dpred of mean((pred - y)^2) = 2 (pred - y) / n
        g[0]! += (2 * err * x[0]!) / rows.length;
        g[1]! += (2 * err * x[1]!) / rows.length;
        gb += (2 * err) / rows.length;
      });
      w = [w[0]! - lr * g[0]!, w[1]! - lr * g[1]!];
      b -= lr * gb;
    }
  }
  return { w, b };
}

async function weightsOf(m: Sequential): Promise<number[]> {
  const ws = m.getWeights();
  const out: number[] = [];
  for (const t of ws) {
    out.push(...(await t.data()));
    t.dispose();
  }
  return out;
}

beforeEach(() => resetLayerNames());

describe('Sequential', () => {
  it("summarises the course's network as Keras does (235,146 parameters)", () => {
    const m = courseModel();
    const lines: string[] = [];
    const text = m.summary((l) => lines.push(l));
    expect(m.countParams()).toBe(235146);
    expect(text).toContain('│ dense (Dense)                   │ (None, 256)            │       200,960 │');
    expect(text).toContain('│ dense_1 (Dense)                 │ (None, 128)            │        32,896 │');
    expect(text).toContain('│ dense_2 (Dense)                 │ (None, 10)             │         1,290 │');
    expect(text).toContain(' Total params: 235,146 (918.54 KB)');
    expect(text).toContain(' Non-trainable params: 0 (0.00 B)');
    expect(text.startsWith('Model: "sequential"')).toBe(true);
    expect(lines).toEqual([text]);
    m.dispose();
  });

  it('full-batch fit matches hand-computed gradient descent', async () => {
    const m = linearModel([0.1, -0.2], 0.05);
    m.compile({ optimizer: new SGD({ learningRate: 0.05 }), loss: 'mse' });
    const [x, y] = [tensor(X), tensor(Y.map((v) => [v]))];
    await m.fit(x, y, { batchSize: X.length, epochs: 4, shuffle: false, verbose: 0 });
    const ref = referenceSGD([0.1, -0.2], 0.05, 0.05, X.length, 4);
    const got = await weightsOf(m);
    [...ref.w, ref.b].forEach((v, i) => expect(got[i]).toBeCloseTo(v, 5));
    x.dispose();
    y.dispose();
    m.dispose();
  });

  it('mini-batch fit (batch 4, short last batch) matches hand-computed SGD', async () => {
    const m = linearModel([0.3, 0.1], -0.1);
    m.compile({ optimizer: new SGD({ learningRate: 0.02 }), loss: 'mean_squared_error' });
    const [x, y] = [tensor(X), tensor(Y.map((v) => [v]))];
    const h = await m.fit(x, y, { batchSize: 4, epochs: 3, shuffle: false, verbose: 0 });
    const ref = referenceSGD([0.3, 0.1], -0.1, 0.02, 4, 3);
    const got = await weightsOf(m);
    [...ref.w, ref.b].forEach((v, i) => expect(got[i]).toBeCloseTo(v, 5));
    expect(h.history.loss).toHaveLength(3);
    expect(h.epoch).toEqual([0, 1, 2]);
    x.dispose();
    y.dispose();
    m.dispose();
  });

  it('learns a separable problem, never leaks across epochs, and reports validation metrics', async () => {
    const n = 200;
    const xs: number[][] = [];
    const ys: number[] = [];
    let s = 1;
    const rnd = (): number => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648) * 2 - 1;
    for (let i = 0; i < n; i++) {
      const p = [rnd(), rnd()];
      xs.push(p);
      ys.push(p[0]! + 0.5 * p[1]! > 0 ? 1 : 0);
    }
    const m = new Sequential([new Input({ shape: [2] }), new Dense({ units: 8, activation: 'tanh' }), new Dense({ units: 2, activation: 'softmax' })]);
    m.compile({ optimizer: new Adam({ learningRate: 0.02 }), loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] });
    const x = tensor(xs);
    const y = tensor(Int32Array.from(ys), [n], 'int32');
    const counts: number[] = [];
    const heapBytes: number[] = [];
    const h = await m.fit(x, y, {
      batchSize: 16, epochs: 30, verbose: 0, seed: 1, validationSplit: 0.2,
      callbacks: [{ onEpochEnd: () => void (counts.push(memory().numTensors), heapBytes.push(heapStats().bytesInUse)) }],
    });
    expect(new Set(counts).size).toBe(1);
    // and the CPU backend's wasm heap (tensors of 64+ elements, kernels' scratch) holds steady
    expect(heapBytes[0]).toBeGreaterThan(0);
    expect(new Set(heapBytes).size).toBe(1);
    expect(Object.keys(h.history).sort()).toEqual(['accuracy', 'loss', 'val_accuracy', 'val_loss']);
    expect(h.history.accuracy!.at(-1)).toBeGreaterThan(0.95);
    expect(h.history.loss!.at(-1)).toBeLessThan(h.history.loss![0]!);
    const ev = await m.evaluate(x, y);
    expect(ev.accuracy).toBeGreaterThan(0.95);
    x.dispose();
    y.dispose();
    m.dispose();
  });

  it('evaluate equals the loss and accuracy computed by hand', async () => {
    const m = linearModel([1, 1], 0);
    m.compile({ optimizer: 'sgd', loss: 'mse', metrics: ['mae'] });
    const x = tensor(X);
    const y = tensor(Y.map((v) => [v]));
    const ev = await m.evaluate(x, y, { batchSize: 4 });
    const preds = X.map(([a, b]) => a! + b!);
    const mse = preds.reduce((acc, p, i) => acc + (p - Y[i]!) ** 2, 0) / X.length;
    const mae = preds.reduce((acc, p, i) => acc + Math.abs(p - Y[i]!), 0) / X.length;
    expect(ev.loss).toBeCloseTo(mse, 4);
    expect(ev.mae).toBeCloseTo(mae, 4);
    x.dispose();
    y.dispose();
    m.dispose();
  });

  it('evaluate counts the layers\' regularization penalties in the loss, as Keras 3 does', async () => {
    const m = new Sequential([new Input({ shape: [2] }), new Dense({ units: 1, useBias: false, kernelRegularizer: { className: 'L2', config: { l2: 0.1 } } })]);
    const w = tensor([[0.5], [-2]]);
    m.setWeights([w]);
    m.compile({ optimizer: 'sgd', loss: 'mse' });
    const x = tensor(X);
    const y = tensor(Y.map((v) => [v]));
    const ev = await m.evaluate(x, y, { batchSize: 3 });
    const mse = X.reduce((acc, [a, b], i) => acc + (0.5 * a! - 2 * b! - Y[i]!) ** 2, 0) / X.length;
    expect(ev.loss).toBeCloseTo(mse + 0.1 * (0.25 + 4), 4);
    for (const t of [w, x, y]) t.dispose();
    m.dispose();
  });

  it('predict in batches equals one call, and predictOnBatch/trainOnBatch work', async () => {
    const m = linearModel([0.5, -1], 2);
    m.compile({ optimizer: new SGD({ learningRate: 0.01 }), loss: 'mse' });
    const x = tensor(X);
    const a = m.predict(x, { batchSize: 4 });
    const b = m.predictOnBatch(x);
    expect(Array.from(await a.data())).toEqual(Array.from(await b.data()));
    expect(Array.from(await a.data())).toEqual(X.map(([p, q]) => Math.fround(0.5 * p! - q! + 2)).map((v) => expect.closeTo(v, 5)));
    const y = tensor(Y.map((v) => [v]));
    const logs = await m.trainOnBatch(x, y);
    const mse = X.reduce((acc, [p, q], i) => acc + (0.5 * p! - q! + 2 - Y[i]!) ** 2, 0) / X.length;
    expect(logs.loss).toBeCloseTo(mse, 4);
    for (const t of [x, y, a, b]) t.dispose();
    m.dispose();
  });

  it('rejects bad input before training with errors naming the argument', async () => {
    const m = courseModel();
    const x = tensor(new Float32Array(4 * 784), [4, 784]);
    const y = tensor(new Int32Array([1, 2, 3, 4]), [4], 'int32');
    await expect(m.fit(x, y)).rejects.toThrow(/must be compiled first/);
    m.compile({ optimizer: 'adam', loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] });
    await expect(m.fit(x, y, { verbose: 0 })).rejects.toThrow(/x has shape \[4,784\] but the model expects input shape \[null,28,28\]/);
    const x2 = tensor(new Float32Array(4 * 784), [4, 28, 28]);
    const bad = tensor(new Int32Array([1, 2, 3, 12]), [4], 'int32');
    await expect(m.fit(x2, bad, { verbose: 0 })).rejects.toThrow(/labels must be class indices in \[0, 10\).*12/);
    const y3 = tensor(new Int32Array([1, 2, 3]), [3], 'int32');
    await expect(m.fit(x2, y3, { verbose: 0 })).rejects.toThrow(/x has 4 samples.*y has 3/);
    const nan = tensor(new Float32Array(4 * 784).fill(NaN), [4, 28, 28]);
    await expect(m.fit(nan, y, { verbose: 0 })).rejects.toThrow(/x contains NaN/);
    const m2 = courseModel();
    m2.compile({ optimizer: 'adam', loss: 'categorical_crossentropy' });
    await expect(m2.fit(x2, y, { verbose: 0 })).rejects.toThrow(/use sparse_categorical_crossentropy/);
    for (const t of [x, y, x2, bad, y3, nan]) t.dispose();
    m.dispose();
    m2.dispose();
  });

  it('saves and loads a trained model with identical predictions', async () => {
    const { mkdtemp } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { loadModel } = await import('../src/index.js');
    const m = new Sequential([new Input({ shape: [2] }), new Dense({ units: 4, activation: 'relu' }), new Dense({ units: 3, activation: 'softmax' })]);
    m.compile({ optimizer: 'adam', loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] });
    const x = tensor(X);
    const y = tensor(new Int32Array([0, 1, 2, 0, 1, 2]), [6], 'int32');
    await m.fit(x, y, { epochs: 2, verbose: 0 });
    const dir = join(await mkdtemp(join(tmpdir(), 'nabla-')), 'model');
    await m.save(dir);
    const loaded = await loadModel(dir);
    const [p1, p2] = [m.predict(x), loaded.predict(x)];
    expect(Array.from(await p2.data())).toEqual(Array.from(await p1.data()));
    expect(loaded.countParams()).toBe(m.countParams());
    const ev = await loaded.evaluate(x, y);
    expect(ev).toHaveProperty('accuracy');
    for (const t of [x, y, p1, p2]) t.dispose();
    m.dispose();
    loaded.dispose();
  });
});

describe('data on another backend', () => {
  it('fit/evaluate/predict upload batches from the backend that holds the data (as MNIST on a WebGPU compatibility adapter)', async () => {
    const { createCpuBackend } = await import('@nabla/backend-cpu');
    const { getBackend, setBackend } = await import('@nabla/tensor');
    const main = getBackend();
    const host = createCpuBackend();
    await setBackend(host);
    const x = tensor(X);
    const y = tensor(Y.map((v) => [v]));
    await setBackend(main);
    try {
      const m = linearModel([0.1, -0.2], 0.05);
      m.compile({ optimizer: new SGD({ learningRate: 0.05 }), loss: 'mse' });
      await m.fit(x, y, { batchSize: X.length, epochs: 4, shuffle: false, verbose: 0 });
      const ref = referenceSGD([0.1, -0.2], 0.05, 0.05, X.length, 4);
      const got = await weightsOf(m);
      [...ref.w, ref.b].forEach((v, i) => expect(got[i]).toBeCloseTo(v, 5));
      await m.fit(x, y, { batchSize: 2, epochs: 1, verbose: 0, validationSplit: 0.5 });
      const p = m.predict(x, { batchSize: 4 });
      expect(p.storage.backend).toBe(main);
      expect(p.shape).toEqual([6, 1]);
      const ev = await m.evaluate(x, y);
      expect(Number.isFinite(ev.loss)).toBe(true);
      p.dispose();
      m.dispose();
    } finally {
      x.dispose();
      y.dispose();
    }
  });
});
