import 'fake-indexeddb/auto';
import './setup.js';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32 as zlibCrc32 } from 'node:zlib';
import {
  BatchNormalization, Conv2D, Dense, Embedding, Flatten, GlobalAveragePooling1D, Input, LSTM, MaxPooling2D, type Layer,
} from '@nabla/layers';
import { Adam, ExponentialDecay, Nadam, RMSprop, SGD, type Optimizer } from '@nabla/optimizers';
import { memory, Random, tensor, type Tensor } from '@nabla/tensor';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  browserDownloads, browserFiles, crc32, deleteIndexedDBModel, listIndexedDBModels, loadModel, modelFromArtifacts, modelToArtifacts,
  registeredModelClasses, saveModel, Sequential, type IOHandler, type ModelArtifacts, type ModelJSON,
} from '../src/index.js';

let root = '';
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'nabla-save-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});
let dirCount = 0;
const freshDir = (): string => join(root, `m${dirCount++}`);

/** Deterministic inputs from the seeded PRNG. */
function uniform(shape: number[], seed: number, lo = -1, hi = 1): Tensor {
  const rng = new Random(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  const v = new Float32Array(n);
  for (let i = 0; i < n; i++) v[i] = lo + (hi - lo) * rng.uniform();
  return tensor(v, shape);
}

const values = async (t: Tensor): Promise<number[]> => Array.from(await t.data());

interface Arch {
  name: string;
  layers: () => Layer[];
  x: () => Tensor;
}

const ARCHS: Arch[] = [
  { name: 'Dense MLP', layers: () => [new Input({ shape: [3] }), new Dense({ units: 5, activation: 'relu' }), new Dense({ units: 2 })], x: () => uniform([4, 3], 1) },
  {
    name: 'Conv2D + MaxPooling2D + Dense',
    layers: () => [new Input({ shape: [6, 6, 2] }), new Conv2D({ filters: 3, kernelSize: 3, activation: 'relu' }), new MaxPooling2D({ poolSize: 2 }), new Flatten(), new Dense({ units: 2 })],
    x: () => uniform([2, 6, 6, 2], 2),
  },
  { name: 'LSTM', layers: () => [new Input({ shape: [4, 3] }), new LSTM({ units: 5 }), new Dense({ units: 2 })], x: () => uniform([3, 4, 3], 3) },
  {
    name: 'BatchNormalization',
    layers: () => [new Input({ shape: [3] }), new Dense({ units: 4 }), new BatchNormalization(), new Dense({ units: 2 })],
    x: () => uniform([4, 3], 4),
  },
  {
    name: 'Embedding',
    layers: () => [new Input({ shape: [5] }), new Embedding({ inputDim: 7, outputDim: 4 }), new GlobalAveragePooling1D(), new Dense({ units: 2 })],
    x: () => tensor(new Float32Array([0, 1, 2, 3, 4, 6, 5, 4, 3, 2]), [2, 5]),
  },
];

describe('round trip: identical predictions', () => {
  it.each(ARCHS)('$name: save to a folder, load, predict the same, weights identical', async ({ layers, x: makeX }) => {
    const m = new Sequential(layers());
    m.compile({ optimizer: new Adam({ learningRate: 0.01 }), loss: 'mse' });
    const x = makeX();
    const y = uniform([x.shape[0]!, 2], 9);
    await m.fit(x, y, { epochs: 2, batchSize: 2, verbose: 0, shuffle: false }); // moves weights and BatchNorm statistics
    const dir = freshDir();
    await m.save(dir);
    const loaded = await loadModel(dir);
    const [p1, p2] = [m.predict(x), loaded.predict(x)];
    expect(await values(p2)).toEqual(await values(p1));
    expect(loaded.weights.map((v) => v.name)).toEqual(m.weights.map((v) => v.name));
    for (let i = 0; i < m.weights.length; i++) expect(await values(loaded.weights[i]!)).toEqual(await values(m.weights[i]!));
    expect(loaded.optimizer.iterations).toBe(m.optimizer.iterations);
    for (const t of [x, y, p1, p2]) t.dispose();
    m.dispose();
    loaded.dispose();
  });
});

function twoIdentical(make: () => Layer[]): [Sequential, Sequential] {
  const a = new Sequential(make());
  const b = new Sequential(make());
  b.setWeights(a.getWeights());
  return [a, b];
}

const RESUME_OPTIMIZERS: [string, () => Optimizer][] = [
  ['Adam + ExponentialDecay', () => new Adam({ learningRate: new ExponentialDecay({ initialLearningRate: 0.05, decaySteps: 2, decayRate: 0.7 }) })],
  ['Nadam', () => new Nadam({ learningRate: 0.02 })],
  ['RMSprop centered momentum', () => new RMSprop({ learningRate: 0.01, centered: true, momentum: 0.5 })],
  ['SGD nesterov', () => new SGD({ learningRate: 0.05, momentum: 0.9, nesterov: true })],
];

describe('resuming training', () => {
  const arch = (): Layer[] => [new Input({ shape: [3] }), new Dense({ units: 6, activation: 'tanh' }), new BatchNormalization(), new Dense({ units: 3, activation: 'softmax' })];

  it.each(RESUME_OPTIMIZERS)('%s: fit 2 epochs, save, load, fit 1 epoch == fit 3 epochs', async (_n, makeOpt) => {
    const x = uniform([10, 3], 11);
    const y = tensor(new Int32Array([0, 1, 2, 0, 1, 2, 2, 1, 0, 1]), [10], 'int32');
    const [ref, run] = twoIdentical(arch);
    const fitArgs = { batchSize: 4, verbose: 0 as const, shuffle: false };
    ref.compile({ optimizer: makeOpt(), loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] });
    run.compile({ optimizer: makeOpt(), loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] });
    await ref.fit(x, y, { ...fitArgs, epochs: 3 });
    await run.fit(x, y, { ...fitArgs, epochs: 2 });
    const dir = freshDir();
    await run.save(dir);
    run.dispose();
    const resumed = await loadModel(dir);
    expect(resumed.optimizer.iterations).toBe(6);
    await resumed.fit(x, y, { ...fitArgs, epochs: 1 });
    expect(resumed.optimizer.iterations).toBe(ref.optimizer.iterations);
    expect(resumed.optimizer.currentLearningRate).toBe(ref.optimizer.currentLearningRate);
    let maxDiff = 0;
    for (let i = 0; i < ref.weights.length; i++) {
      const [a, b] = [await values(ref.weights[i]!), await values(resumed.weights[i]!)];
      a.forEach((v, j) => (maxDiff = Math.max(maxDiff, Math.abs(v - b[j]!))));
    }
    expect(maxDiff).toBeLessThanOrEqual(1e-6);
    for (const t of [x, y]) t.dispose();
    ref.dispose();
    resumed.dispose();
  });

  it('without the optimizer state (includeOptimizer: false) the continued run differs, so the state is what makes it match', async () => {
    const x = uniform([10, 3], 11);
    const y = tensor(new Int32Array([0, 1, 2, 0, 1, 2, 2, 1, 0, 1]), [10], 'int32');
    const [ref, run] = twoIdentical(arch);
    ref.compile({ optimizer: new Adam({ learningRate: 0.05 }), loss: 'sparse_categorical_crossentropy' });
    run.compile({ optimizer: new Adam({ learningRate: 0.05 }), loss: 'sparse_categorical_crossentropy' });
    const fitArgs = { batchSize: 4, verbose: 0 as const, shuffle: false };
    await ref.fit(x, y, { ...fitArgs, epochs: 3 });
    await run.fit(x, y, { ...fitArgs, epochs: 2 });
    const a = await modelToArtifacts(run, { includeOptimizer: false });
    expect(a.modelJson.trainingConfig!.optimizerState).toBeNull();
    expect(a.modelJson.weightsManifest[0]!.weights.some((w) => w.name.startsWith('optimizer/'))).toBe(false);
    const resumed = modelFromArtifacts(a);
    expect(resumed.optimizer.iterations).toBe(0);
    await resumed.fit(x, y, { ...fitArgs, epochs: 1 });
    const [r0, s0] = [await values(ref.weights[0]!), await values(resumed.weights[0]!)];
    expect(Math.max(...r0.map((v, j) => Math.abs(v - s0[j]!)))).toBeGreaterThan(1e-4);
    for (const t of [x, y]) t.dispose();
    for (const m of [ref, run, resumed]) m.dispose();
  });
});

describe('format 2 contents', () => {
  it('model.json lists weights then optimizer slots back to back, with byte length and a CRC-32 of weights.bin', async () => {
    const m = new Sequential([new Input({ shape: [2] }), new Dense({ units: 3, name: 'hidden' }), new Dense({ units: 1, name: 'out' })]);
    m.compile({ optimizer: new Adam({ learningRate: 0.1, amsgrad: true }), loss: 'mse', metrics: ['mae'] });
    const x = uniform([4, 2], 5);
    const y = uniform([4, 1], 6);
    await m.fit(x, y, { epochs: 1, batchSize: 4, verbose: 0 });
    const dir = freshDir();
    const result = await saveModel(m, `file://${dir}`);
    const json = JSON.parse(await readFile(join(dir, 'model.json'), 'utf8')) as ModelJSON;
    const bin = await readFile(join(dir, 'weights.bin'));
    expect(result).toEqual({ location: dir, modelJsonBytes: expect.any(Number), weightDataBytes: bin.byteLength });
    expect(json.format).toBe('nabla-model');
    expect(json.formatVersion).toBe(2);
    expect(json.modelTopology.className).toBe('Sequential');
    expect(json.trainingConfig).toEqual({
      optimizer: { className: 'Adam', config: expect.objectContaining({ learningRate: 0.1, amsgrad: true }) },
      loss: 'mean_squared_error',
      metrics: ['mae'],
      optimizerState: { iterations: 1, scalars: {} },
    });
    const ws = json.weightsManifest[0]!.weights;
    expect(json.weightsManifest[0]!.paths).toEqual(['weights.bin']);
    const model = ['hidden/kernel', 'hidden/bias', 'out/kernel', 'out/bias'];
    const slots = model.flatMap((w) => ['momentum', 'velocity', 'velocityHat'].map((s) => `optimizer/${s}/${w}`));
    expect(ws.map((w) => w.name)).toEqual([...model, ...slots]);
    const sizes = ws.map((w) => w.shape.reduce((a, b) => a * b, 1) * 4);
    expect(ws.map((w) => w.byteOffset)).toEqual(sizes.map((_, i) => sizes.slice(0, i).reduce((a, b) => a + b, 0)));
    expect(json.weightsByteLength).toBe(bin.byteLength);
    expect(bin.byteLength).toBe(sizes.reduce((a, b) => a + b, 0));
    expect(json.weightsChecksum).toEqual({ algorithm: 'crc32', value: zlibCrc32(bin).toString(16).padStart(8, '0') });
    // the bytes are the float32 little-endian values
    const kernel = new Float32Array(bin.buffer.slice(bin.byteOffset, bin.byteOffset + 24));
    expect(Array.from(kernel)).toEqual(await values(m.weights[0]!));
    const mom = m.optimizer.getSlots(m.weights[0]!)['momentum']!;
    const momOff = ws.find((w) => w.name === 'optimizer/momentum/hidden/kernel')!.byteOffset!;
    expect(Array.from(new Float32Array(bin.buffer.slice(bin.byteOffset + momOff, bin.byteOffset + momOff + 24)))).toEqual(await values(mom));
    for (const t of [x, y]) t.dispose();
    m.dispose();
  });

  it('crc32 matches the standard check value and zlib', () => {
    expect(crc32(new TextEncoder().encode('123456789'))).toBe('cbf43926');
    const bytes = new Uint8Array(1000).map((_, i) => (i * 37 + 11) & 255);
    expect(crc32(bytes)).toBe(zlibCrc32(bytes).toString(16).padStart(8, '0'));
    expect(crc32(new Uint8Array(0))).toBe('00000000');
  });

  it('a model that was never compiled saves trainingConfig null and loads uncompiled', async () => {
    const m = new Sequential([new Input({ shape: [2] }), new Dense({ units: 2 })]);
    const a = await modelToArtifacts(m);
    expect(a.modelJson.trainingConfig).toBeNull();
    const l = modelFromArtifacts(a);
    expect(l.compileConfig).toBeNull();
    for (const s of [m, l]) s.dispose();
  });

  it('refuses to save what it cannot load: a function learning rate', async () => {
    const m = new Sequential([new Input({ shape: [2] }), new Dense({ units: 2 })]);
    m.compile({ optimizer: new SGD({ learningRate: (s: number) => 0.1 / (1 + s) }), loss: 'mse' });
    await expect(modelToArtifacts(m)).rejects.toThrow(/learningRate is a function, which cannot be saved; use a LearningRateSchedule/);
    m.dispose();
  });
});

/** A small trained model saved to `dir`, with its files' contents. */
async function savedModel(): Promise<{ dir: string; json: ModelJSON; bin: Uint8Array; x: Tensor }> {
  const m = new Sequential([new Input({ shape: [3] }), new Dense({ units: 4, activation: 'relu', name: 'd1' }), new Dense({ units: 2, name: 'd2' })]);
  m.compile({ optimizer: new Adam({ learningRate: 0.05 }), loss: 'mse' });
  const x = uniform([4, 3], 21);
  const y = uniform([4, 2], 22);
  await m.fit(x, y, { epochs: 1, batchSize: 2, verbose: 0 });
  const dir = freshDir();
  await m.save(dir);
  y.dispose();
  m.dispose();
  const json = JSON.parse(await readFile(join(dir, 'model.json'), 'utf8')) as ModelJSON;
  return { dir, json, bin: new Uint8Array(await readFile(join(dir, 'weights.bin'))), x };
}

/** Writes a self-consistent file (offsets, byte length, checksum recomputed) from a json whose manifest was edited. */
async function writeConsistent(dir: string, json: ModelJSON, bin: Uint8Array, edit: (ws: ModelJSON['weightsManifest'][0]['weights']) => ModelJSON['weightsManifest'][0]['weights']): Promise<void> {
  const old = json.weightsManifest[0]!.weights;
  const next = edit(old.map((w) => ({ ...w })));
  const parts: Uint8Array[] = [];
  let off = 0;
  for (const w of next) {
    const src = old.find((o) => o.name === w.name) ?? old.find((o) => o.byteOffset === w.byteOffset)!;
    const len = w.shape.reduce((a, b) => a * b, 1) * 4;
    parts.push(bin.slice(src.byteOffset!, src.byteOffset! + len));
    w.byteOffset = off;
    off += len;
  }
  const out = new Uint8Array(off);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.byteLength;
  }
  const j = { ...json, weightsManifest: [{ paths: ['weights.bin'], weights: next }], weightsByteLength: off, weightsChecksum: { algorithm: 'crc32' as const, value: crc32(out) } };
  await writeFile(join(dir, 'model.json'), JSON.stringify(j));
  await writeFile(join(dir, 'weights.bin'), out);
}

describe('bad files fail clearly and never give half a model', () => {
  const cases: [string, (s: { dir: string; json: ModelJSON; bin: Uint8Array }) => Promise<void>, RegExp][] = [
    ['corrupted JSON', async ({ dir }) => {
      const text = await readFile(join(dir, 'model.json'), 'utf8');
      await writeFile(join(dir, 'model.json'), text.slice(0, text.length - 20));
    }, /model\.json is not valid JSON/],
    ['truncated weights.bin', async ({ dir, bin }) => writeFile(join(dir, 'weights.bin'), bin.slice(0, bin.byteLength - 8)), /weights\.bin holds \d+ bytes but .*model\.json describes \d+ \(it is truncated/],
    ['extra bytes in weights.bin', async ({ dir, bin }) => writeFile(join(dir, 'weights.bin'), new Uint8Array([...bin, 0, 0, 0, 0])), /it has extra bytes/],
    ['one flipped byte', async ({ dir, bin }) => {
      const b = bin.slice();
      b[17] ^= 0x40;
      await writeFile(join(dir, 'weights.bin'), b);
    }, /weights\.bin is corrupted: its CRC-32 is [0-9a-f]{8} but .*model\.json records [0-9a-f]{8}/],
    ['missing weights.bin', async ({ dir }) => rm(join(dir, 'weights.bin')), /cannot read .*weights\.bin \(no such file\)/],
    ['wrong shape', ({ dir, json, bin }) => writeConsistent(dir, json, bin, (ws) => ws.map((w) => (w.name === 'd1/kernel' ? { ...w, shape: [4, 3] } : w))),
      /weight 'd1\/kernel' is \[4, 3\] float32 in the file but \[3, 4\] float32 in the rebuilt Sequential/],
    ['missing weight', ({ dir, json, bin }) => writeConsistent(dir, json, bin, (ws) => ws.filter((w) => w.name !== 'd2/bias')),
      /weight 'd2\/bias' \[2\] of the rebuilt Sequential is missing from the file/],
    ['extra weight', ({ dir, json, bin }) => writeConsistent(dir, json, bin, (ws) => [...ws, { name: 'd3/kernel', shape: [1], dtype: 'float32', byteOffset: 0 }]),
      /the file has weight\(s\) 'd3\/kernel', which the rebuilt Sequential does not have/],
    ['optimizer slot with the wrong shape', ({ dir, json, bin }) => writeConsistent(dir, json, bin, (ws) => ws.map((w) => (w.name === 'optimizer/velocity/d2/bias' ? { ...w, shape: [1, 2] } : w))),
      /the optimizer state does not fit the model: Adam\.setState: slot 'velocity' of variable 'd2\/bias' must be \[2\] float32, got \[1, 2\] float32/],
    ['missing optimizer slot', ({ dir, json, bin }) => writeConsistent(dir, json, bin, (ws) => ws.filter((w) => w.name !== 'optimizer/momentum/d1/bias')),
      /variable 'd1\/bias' lacks slot\(s\) momentum/],
    ['byteOffset out of order', async ({ dir, json }) => {
      const ws = json.weightsManifest[0]!.weights;
      ws[1]!.byteOffset = 0;
      await writeFile(join(dir, 'model.json'), JSON.stringify(json));
    }, /weight 'd1\/bias' has byteOffset 0, but the weights before it end at byte 48/],
    ['unknown layer class', async ({ dir, json }) => {
      (json.modelTopology.config['layers'] as { className: string }[])[1]!.className = 'Dense9';
      await writeFile(join(dir, 'model.json'), JSON.stringify(json));
    }, /cannot rebuild the Sequential from its config: deserializeLayer: unknown layer class 'Dense9'/],
    ['unknown model class', async ({ dir, json }) => {
      json.modelTopology.className = 'Graph';
      await writeFile(join(dir, 'model.json'), JSON.stringify(json));
    }, /unknown model class 'Graph'; known: Sequential/],
    ['wrong format version', async ({ dir, json }) => {
      (json as unknown as { formatVersion: number }).formatVersion = 3;
      await writeFile(join(dir, 'model.json'), JSON.stringify(json));
    }, /unsupported nabla model format version 3; this @nabla\/models reads versions 1 and 2/],
    ['not a model', async ({ dir }) => writeFile(join(dir, 'model.json'), JSON.stringify({ hello: 'world' })), /not a nabla model: "format" is undefined/],
    ['unknown optimizer', async ({ dir, json }) => {
      json.trainingConfig!.optimizer.className = 'Lion';
      await writeFile(join(dir, 'model.json'), JSON.stringify(json));
    }, /cannot rebuild the optimizer: getOptimizer: unknown optimizer 'Lion'/],
    ['unknown loss', async ({ dir, json }) => {
      json.trainingConfig!.loss = 'my_custom_loss';
      await writeFile(join(dir, 'model.json'), JSON.stringify(json));
    }, /cannot restore the training config \(loss "my_custom_loss", metrics \[\]\): .*unknown loss.*load with \{ compile: false \}/],
    ['bad iterations', async ({ dir, json }) => {
      json.trainingConfig!.optimizerState!.iterations = -2;
      await writeFile(join(dir, 'model.json'), JSON.stringify(json));
    }, /optimizerState\.iterations" must be a non-negative integer, got -2/],
  ];

  it.each(cases)('%s', async (_name, corrupt, message) => {
    const s = await savedModel();
    await corrupt(s);
    const before = memory().numTensors;
    const err = await loadModel(s.dir).then(
      () => null,
      (e: Error) => e,
    );
    expect(err).toBeInstanceOf(Error);
    expect(err!.message).toMatch(message);
    expect(err!.message).toMatch(/^loadModel: /);
    // nothing was left behind: the partly rebuilt model (weights, optimizer slots) was disposed
    expect(memory().numTensors).toBe(before);
    s.x.dispose();
  });

  it('an unknown loss can be skipped with { compile: false }', async () => {
    const s = await savedModel();
    s.json.trainingConfig!.loss = 'my_custom_loss';
    await writeFile(join(s.dir, 'model.json'), JSON.stringify(s.json));
    const m = await loadModel(s.dir, { compile: false });
    expect(m.compileConfig).toBeNull();
    const p = m.predict(s.x);
    expect(p.shape).toEqual([4, 2]);
    for (const t of [p, s.x]) t.dispose();
    m.dispose();
  });
});

describe('format 1 (files saved by the first save code)', () => {
  it('loads with identical predictions and its compile settings', async () => {
    const m = new Sequential([new Input({ shape: [2] }), new Dense({ units: 3, activation: 'relu', name: 'a' }), new Dense({ units: 2, activation: 'softmax', name: 'b' })]);
    m.compile({ optimizer: new Adam({ learningRate: 0.02 }), loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] });
    // exactly what format 1 wrote: no manifest, float32 back to back in model.weights order
    const { serializeLayer } = await import('@nabla/layers');
    const v1 = {
      format: 'nabla-model',
      version: 1,
      className: 'Sequential',
      config: { name: m.name, layers: m.layers.map(serializeLayer) },
      compile: { optimizer: { className: 'Adam', config: m.optimizer.getConfig() }, loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] },
      weights: m.weights.map((v) => ({ name: v.name, shape: [...v.shape] })),
    };
    const floats = new Float32Array(m.weights.reduce((n, v) => n + v.size, 0));
    let off = 0;
    for (const v of m.weights) {
      floats.set(await v.data(), off);
      off += v.size;
    }
    const dir = freshDir();
    const { mkdir } = await import('node:fs/promises');
    await mkdir(dir);
    await writeFile(join(dir, 'model.json'), JSON.stringify(v1, null, 1));
    await writeFile(join(dir, 'weights.bin'), new Uint8Array(floats.buffer));
    const loaded = await loadModel(dir);
    const x = uniform([3, 2], 8);
    const [p1, p2] = [m.predict(x), loaded.predict(x)];
    expect(await values(p2)).toEqual(await values(p1));
    expect(loaded.compileConfig).toEqual({ optimizer: expect.anything(), loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] });
    expect(loaded.optimizer.className).toBe('Adam');
    expect(loaded.optimizer.iterations).toBe(0);
    // the deprecated (json, Float32Array) call still works
    const again = modelFromArtifacts(v1, floats);
    const p3 = again.predict(x);
    expect(await values(p3)).toEqual(await values(p1));
    // a truncated format 1 file is refused too
    await writeFile(join(dir, 'weights.bin'), new Uint8Array(floats.buffer).slice(0, 12));
    await expect(loadModel(dir)).rejects.toThrow(/holds 12 bytes but .* describes \d+ \(it is truncated/);
    for (const t of [x, p1, p2, p3]) t.dispose();
    for (const s of [m, loaded, again]) s.dispose();
  });
});

describe('IO handlers', () => {
  async function trained(): Promise<{ m: Sequential; x: Tensor }> {
    const m = new Sequential([new Input({ shape: [3] }), new Dense({ units: 4, activation: 'relu' }), new Dense({ units: 2 })]);
    m.compile({ optimizer: new Adam({ learningRate: 0.05 }), loss: 'mse' });
    const x = uniform([4, 3], 31);
    const y = uniform([4, 2], 32);
    await m.fit(x, y, { epochs: 2, batchSize: 2, verbose: 0 });
    y.dispose();
    return { m, x };
  }

  async function expectSame(a: Sequential, b: Sequential, x: Tensor): Promise<void> {
    const [p1, p2] = [a.predict(x), b.predict(x)];
    expect(await values(p2)).toEqual(await values(p1));
    expect(b.optimizer.iterations).toBe(a.optimizer.iterations);
    for (let i = 0; i < a.weights.length; i++) {
      const s1 = a.optimizer.getSlots(a.weights[i]!);
      const s2 = b.optimizer.getSlots(b.weights[i]!);
      for (const k of Object.keys(s1)) expect(await values(s2[k]!)).toEqual(await values(s1[k]!));
    }
    p1.dispose();
    p2.dispose();
  }

  it('indexeddb:// saves and loads (fake-indexeddb), lists and deletes', async () => {
    const { m, x } = await trained();
    const r = await saveModel(m, 'indexeddb://my-model');
    expect(r.location).toBe('indexeddb://my-model');
    await m.save('indexeddb://second');
    const list = await listIndexedDBModels();
    expect(list.map((l) => l.name).sort()).toEqual(['my-model', 'second']);
    expect(list[0]!.weightDataBytes).toBe(r.weightDataBytes);
    const loaded = await loadModel('indexeddb://my-model');
    await expectSame(m, loaded, x);
    await deleteIndexedDBModel('indexeddb://my-model');
    await expect(loadModel('indexeddb://my-model')).rejects.toThrow(/no model named 'my-model' in IndexedDB/);
    await deleteIndexedDBModel('second');
    expect(await listIndexedDBModels()).toEqual([]);
    x.dispose();
    m.dispose();
    loaded.dispose();
  });

  it('downloads:// triggers two downloads that browserFiles loads back', async () => {
    const { m, x } = await trained();
    const clicked: { name: string; blob: Blob }[] = [];
    const blobs = new Map<string, Blob>();
    const g = globalThis as unknown as { document?: unknown };
    const prevDoc = g.document;
    const prevCreate = URL.createObjectURL;
    const prevRevoke = URL.revokeObjectURL;
    let n = 0;
    URL.createObjectURL = (b: Blob) => {
      const url = `blob:test/${n++}`;
      blobs.set(url, b);
      return url;
    };
    URL.revokeObjectURL = () => {};
    g.document = {
      body: { appendChild: () => {} },
      createElement: () => {
        const a = { href: '', download: '', style: {} as Record<string, string>, click: () => clicked.push({ name: a.download, blob: blobs.get(a.href)! }), remove: () => {} };
        return a;
      },
    };
    try {
      await m.save('downloads://mnist');
      const res = await saveModel(m, browserDownloads('mnist'));
      expect(res.location).toBe('downloads://mnist');
    } finally {
      g.document = prevDoc;
      URL.createObjectURL = prevCreate;
      URL.revokeObjectURL = prevRevoke;
    }
    expect(clicked.map((c) => c.name)).toEqual(['mnist.json', 'mnist.weights.bin', 'mnist.json', 'mnist.weights.bin']);
    const json = JSON.parse(await clicked[0]!.blob.text()) as ModelJSON;
    expect(json.weightsManifest[0]!.paths).toEqual(['mnist.weights.bin']);
    const files = [new File([await clicked[1]!.blob.arrayBuffer()], 'mnist.weights.bin'), new File([await clicked[0]!.blob.text()], 'mnist.json')];
    const loaded = await loadModel(browserFiles(files));
    await expectSame(m, loaded, x);
    loaded.dispose();
    await expect(loadModel('downloads://mnist')).rejects.toThrow(/can only be saved to; load downloaded files with loadModel\(browserFiles/);
    x.dispose();
    m.dispose();
  });

  it('browserFiles loads File objects, checks names, and reports corrupted uploads', async () => {
    const { m, x } = await trained();
    const a = await modelToArtifacts(m);
    const jsonFile = new File([JSON.stringify(a.modelJson)], 'model.json');
    const weights = new File([a.weightData as Uint8Array<ArrayBuffer>], 'weights.bin');
    const loaded = await loadModel(browserFiles([jsonFile, weights]));
    await expectSame(m, loaded, x);
    loaded.dispose();
    // a single weights file under another name is accepted
    const renamed = await loadModel(browserFiles([jsonFile, new File([a.weightData as Uint8Array<ArrayBuffer>], 'renamed.bin')]));
    renamed.dispose();
    await expect(loadModel(browserFiles([jsonFile]))).rejects.toThrow(/expected a model \.json file and its weights file/);
    await expect(loadModel(browserFiles([jsonFile, weights, new File(['{}'], 'other.json')]))).rejects.toThrow(/expected exactly one \.json file/);
    await expect(loadModel(browserFiles([jsonFile, new File(['x'], 'x.bin'), new File(['y'], 'y.bin')]))).rejects.toThrow(/model\.json lists the weights file 'weights\.bin', which is not among \[x\.bin, y\.bin\]/);
    const cut = new File([(a.weightData as Uint8Array<ArrayBuffer>).slice(0, 10)], 'weights.bin');
    await expect(loadModel(browserFiles([jsonFile, cut]))).rejects.toThrow(/loadModel: weights\.bin holds 10 bytes but model\.json describes/);
    await expect(loadModel(browserFiles([new File(['{oops'], 'model.json'), weights]))).rejects.toThrow(/loadModel: model\.json is not valid JSON/);
    x.dispose();
    m.dispose();
  });

  it('custom IOHandler objects, file:// URLs and a path to model.json work; unknown schemes are refused', async () => {
    const { m, x } = await trained();
    let stored: ModelArtifacts | null = null;
    const memoryHandler: IOHandler = {
      async save(art) {
        stored = art;
        return { location: 'memory', modelJsonBytes: 0, weightDataBytes: art.weightData.byteLength };
      },
      async load() {
        return stored!;
      },
    };
    await saveModel(m, memoryHandler);
    const l1 = await loadModel(memoryHandler);
    await expectSame(m, l1, x);
    const dir = freshDir();
    await m.save(`file://${dir}`);
    const l2 = await loadModel(join(dir, 'model.json'));
    await expectSame(m, l2, x);
    await expect(loadModel('https://example.com/model.json')).rejects.toThrow(/unsupported URL scheme/);
    await expect(loadModel({ save: memoryHandler.save })).rejects.toThrow(/this IOHandler has no load\(\) method/);
    await expect(loadModel(join(root, 'nope'))).rejects.toThrow(/cannot read .*nope.model\.json \(no such file\)/);
    expect(registeredModelClasses()).toContain('Sequential');
    x.dispose();
    for (const s of [m, l1, l2]) s.dispose();
  });
});

describe('reading TensorFlow.js layers models (fixtures written by tfjs 4.22, see test/fixtures/make-tfjs-fixtures.cjs)', () => {
  const fixtures = join(new URL('.', import.meta.url).pathname, 'fixtures');

  it.each(['tfjs-conv', 'tfjs-lstm'])('%s: predictions match what TensorFlow.js computed', async (name) => {
    const dir = join(fixtures, name);
    const expected = JSON.parse(await readFile(join(dir, 'expected.json'), 'utf8')) as { xShape: number[]; x: number[]; yShape: number[]; y: number[] };
    const model = await loadModel(dir);
    expect(model.compileConfig).toBeNull();
    const x = tensor(new Float32Array(expected.x), expected.xShape);
    const p = model.predict(x);
    expect(p.shape).toEqual(expected.yShape);
    const got = await values(p);
    got.forEach((v, i) => expect(Math.abs(v - expected.y[i]!)).toBeLessThanOrEqual(1e-5));
    // the same files through browserFiles
    const files = await Promise.all(['model.json', 'group1-shard1of1.bin'].map(async (f) => new File([await readFile(join(dir, f))], f)));
    const again = await loadModel(browserFiles(files));
    const p2 = again.predict(x);
    expect(await values(p2)).toEqual(got);
    // re-saved in nabla's format (tfjs' hard_sigmoid under its own registered name) it loads the same
    const resaved = modelFromArtifacts(await modelToArtifacts(model));
    const p3 = resaved.predict(x);
    expect(await values(p3)).toEqual(got);
    for (const t of [x, p, p2, p3]) t.dispose();
    for (const m of [model, again, resaved]) m.dispose();
  });

  it('a truncated tfjs weights file is refused', async () => {
    const dir = join(fixtures, 'tfjs-conv');
    const json = new File([await readFile(join(dir, 'model.json'))], 'model.json');
    const bin = new File([(await readFile(join(dir, 'group1-shard1of1.bin'))).subarray(0, 100)], 'group1-shard1of1.bin');
    await expect(loadModel(browserFiles([json, bin]))).rejects.toThrow(/group1-shard1of1\.bin holds 100 bytes but model\.json describes 484/);
  });
});

describe('model class registry', () => {
  /** A minimal non-Sequential model class: what the functional Model provides, in a few lines. */
  class Pair {
    readonly className = 'TestPair';
    compiled: Record<string, unknown> | null = null;
    constructor(readonly inner: Sequential, readonly name = 'pair') {}
    getConfig(): Record<string, unknown> {
      return { name: this.name, inner: { layers: this.inner.layers.map((l) => ({ className: l.className, config: l.getConfig(), buildConfig: { inputShape: [null, 2] } })) } };
    }
    static fromConfig(c: Record<string, unknown>): Pair {
      const { deserializeLayer } = layersModule;
      const inner = new Sequential(((c['inner'] as { layers: Record<string, unknown>[] }).layers).map((l) => deserializeLayer(l)));
      return new Pair(inner, c['name'] as string);
    }
    get weights() {
      return this.inner.weights;
    }
    get compileConfig() {
      const c = this.compiled;
      return c ? ({ ...c } as { optimizer: Optimizer; loss: Record<string, string | null>; lossWeights: Record<string, number>; metrics: Record<string, string[]> }) : null;
    }
    compile(args: Record<string, unknown>): void {
      this.compiled = args;
    }
    dispose(): void {
      this.inner.dispose();
      (this.compiled?.['optimizer'] as Optimizer | undefined)?.dispose();
    }
  }
  let layersModule: typeof import('@nabla/layers');

  it('a registered class round-trips with its per-output compile settings (loss record, lossWeights, metrics record) and optimizer state', async () => {
    layersModule = await import('@nabla/layers');
    const { registerModelClass } = await import('../src/index.js');
    registerModelClass('TestPair', (c) => Pair.fromConfig(c));
    const m = new Pair(new Sequential([new Dense({ units: 3, inputShape: [2] } as never)]));
    const opt = new Adam({ learningRate: 0.1 });
    const w = m.weights;
    const g = w.map((v) => tensor(new Float32Array(v.size).fill(0.5), [...v.shape]));
    opt.applyGradients(g.map((t, i) => [t, w[i]!] as const));
    m.compile({ optimizer: opt, loss: { a: 'mse', b: null }, lossWeights: { a: 1, b: 0.5 }, metrics: { a: ['mae'] } });
    const art = await modelToArtifacts(m);
    expect(art.modelJson.modelTopology.className).toBe('TestPair');
    expect(art.modelJson.trainingConfig).toEqual({
      optimizer: expect.objectContaining({ className: 'Adam' }),
      loss: { a: 'mse', b: null },
      lossWeights: { a: 1, b: 0.5 },
      metrics: { a: ['mae'] },
      optimizerState: { iterations: 1, scalars: {} },
    });
    const loaded = modelFromArtifacts<Pair>({ modelJson: JSON.parse(JSON.stringify(art.modelJson)) as unknown, weightData: art.weightData });
    expect(loaded).toBeInstanceOf(Pair);
    expect(loaded.compiled).toEqual({ optimizer: expect.anything(), loss: { a: 'mse', b: null }, lossWeights: { a: 1, b: 0.5 }, metrics: { a: ['mae'] } });
    const lopt = loaded.compiled!['optimizer'] as Optimizer;
    expect(lopt.iterations).toBe(1);
    expect(await values(lopt.getSlots(loaded.weights[0]!)['momentum']!)).toEqual(await values(opt.getSlots(w[0]!)['momentum']!));
    for (let i = 0; i < w.length; i++) expect(await values(loaded.weights[i]!)).toEqual(await values(w[i]!));
    for (const t of g) t.dispose();
    m.dispose();
    loaded.dispose();
  });
});

describe('functional models', () => {
  /** Two inputs, one Dense shared by both, a merge, two heads: the graph save/load must rebuild. */
  async function twoHeads(): Promise<import('../src/index.js').Model> {
    const { Add, Concatenate } = await import('@nabla/layers');
    const { Model } = await import('../src/index.js');
    const a = new Input({ shape: [3], name: 'a' });
    const b = new Input({ shape: [3], name: 'b' });
    const shared = new Dense({ units: 4, activation: 'tanh', name: 'shared', kernelInitializer: { className: 'GlorotUniform', config: { seed: 1 } } });
    const sum = new Add({ name: 'sum' }).apply([shared.apply(a), shared.apply(b)]);
    const cls = new Dense({ units: 3, activation: 'softmax', name: 'cls', kernelInitializer: { className: 'GlorotUniform', config: { seed: 2 } } }).apply(sum);
    const reg = new Dense({ units: 1, name: 'reg', kernelInitializer: { className: 'GlorotUniform', config: { seed: 3 } } }).apply(new Concatenate({ name: 'cat' }).apply([a, sum]));
    return new Model({ inputs: [a, b], outputs: [cls, reg], name: 'two_heads' });
  }

  it('a two-input, two-output model with a shared layer: identical predictions and identical continued training', async () => {
    const xa = uniform([8, 3], 21);
    const xb = uniform([8, 3], 22);
    const yc = tensor(new Int32Array([0, 1, 2, 0, 1, 2, 2, 1]), [8], 'int32');
    const yr = uniform([8, 1], 23);
    const compile = { loss: { cls: 'sparse_categorical_crossentropy', reg: 'mse' }, lossWeights: { cls: 1, reg: 0.5 }, metrics: { cls: ['accuracy'] } };
    const ref = await twoHeads();
    const run = await twoHeads();
    ref.compile({ optimizer: new Adam({ learningRate: 0.05 }), ...compile } as never);
    run.compile({ optimizer: new Adam({ learningRate: 0.05 }), ...compile } as never);
    const fitArgs = { batchSize: 4, verbose: 0 as const, shuffle: false };
    await ref.fit([xa, xb], [yc, yr], { ...fitArgs, epochs: 3 });
    await run.fit([xa, xb], [yc, yr], { ...fitArgs, epochs: 2 });
    const dir = freshDir();
    await run.save(dir);
    const json = JSON.parse(await readFile(join(dir, 'model.json'), 'utf8')) as ModelJSON;
    expect(json.modelTopology.className).toBe('Functional');
    const loaded = await loadModel<import('../src/index.js').Model>(dir);
    expect(loaded.constructor.name).toBe('Model');
    expect(loaded.layers.map((l) => l.name)).toEqual(run.layers.map((l) => l.name));
    const [p0, p1] = run.predict([xa, xb]) as Tensor[];
    const [q0, q1] = loaded.predict([xa, xb]) as Tensor[];
    expect(await values(q0!)).toEqual(await values(p0!));
    expect(await values(q1!)).toEqual(await values(p1!));
    run.dispose();
    await loaded.fit([xa, xb], [yc, yr], { ...fitArgs, epochs: 1 });
    let maxDiff = 0;
    for (let i = 0; i < ref.weights.length; i++) {
      const [r, l] = [await values(ref.weights[i]!), await values(loaded.weights[i]!)];
      r.forEach((v, j) => (maxDiff = Math.max(maxDiff, Math.abs(v - l[j]!))));
    }
    expect(maxDiff).toBeLessThanOrEqual(1e-6);
    for (const t of [xa, xb, yc, yr, p0, p1, q0, q1]) t!.dispose();
    ref.dispose();
    loaded.dispose();
  });
});
