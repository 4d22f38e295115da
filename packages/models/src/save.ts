/**
 * Saving and loading models (docs/model-format.md): `model.json` (topology, training config,
 * optimizer scalars, weights manifest, byte length, CRC-32) plus the weight bytes (model weights
 * and optimizer slots), moved by IO handlers (Node folders, IndexedDB, downloads/uploads).
 * Loading checks everything before it assigns anything, so a bad file never gives half a model.
 */
import type { Variable } from '@nabla/autograd';
import { deserializeLayer, Layer, serializeLayer } from '@nabla/layers';
import { getOptimizer, serializeOptimizer, type Optimizer, type OptimizerState, type SerializedOptimizer } from '@nabla/optimizers';
import { tensor, type Tensor } from '@nabla/tensor';
import { crc32 } from './io/crc32.js';
import { resolveHandler } from './io/handlers.js';
import { getModelClass, registeredModelClasses, registerModelClass } from './io/registry.js';
import { tfjsToNabla } from './io/tfjs.js';
import type { IOHandler, ModelArtifacts, SaveResult } from './io/types.js';
import { Model } from './functional.js';
import { Sequential } from './sequential.js';

export { getModelClass, registeredModelClasses, registerModelClass, type ModelClassEntry } from './io/registry.js';
export type { IOHandler, ModelArtifacts, SaveResult } from './io/types.js';

/** The format version this code writes. */
export const MODEL_FORMAT_VERSION = 2;
/** Manifest names of optimizer slots start with this: `optimizer/<slot>/<weightName>`. */
export const OPTIMIZER_PREFIX = 'optimizer/';

type WeightDType = 'float32' | 'int32';
const DTYPES: readonly string[] = ['float32', 'int32'];

/** One tensor in the weights manifest. */
export interface WeightSpec {
  name: string;
  shape: number[];
  dtype: WeightDType;
  /** Offset in the concatenated weight bytes (written by format 2; optional when reading). */
  byteOffset?: number;
}

/** `model.json`, format 2. */
export interface ModelJSON {
  format: 'nabla-model';
  formatVersion: 2;
  generatedBy: string;
  modelTopology: { className: string; config: Record<string, unknown> };
  /** null when the model was not compiled. */
  trainingConfig: {
    optimizer: SerializedOptimizer;
    /** A loss name; per output (functional models): a list or a record of names (null: no loss). */
    loss: LossConfig;
    /** Metric names: a list; per output: a list of lists or a record of lists. */
    metrics: unknown;
    /** null when saved with `includeOptimizer: false` (the slots are then absent from the manifest too). */
    optimizerState: { iterations: number; scalars: Record<string, number> } | null;
    /** Other compile settings of the model's `compileConfig` (e.g. `lossWeights`), as JSON. */
    [key: string]: unknown;
  } | null;
  weightsManifest: { paths: string[]; weights: WeightSpec[] }[];
  /** Exact size of the weight bytes. */
  weightsByteLength: number;
  /** CRC-32 (IEEE) of the weight bytes, 8 hex digits. */
  weightsChecksum: { algorithm: 'crc32'; value: string };
}

/** A saved loss: one name, or one per output. */
export type LossConfig = string | (string | null)[] | Record<string, string | null>;

/** What save/load need from a model class (Sequential, the functional Model...). */
export interface SaveableModel {
  /** The name `registerModelClass` knows the class by. */
  readonly className?: string;
  readonly name: string;
  /** JSON-able config that the registered `fromConfig` turns back into an equivalent model. */
  getConfig?(): Record<string, unknown>;
  /** Every weight (trainable or not) as Variables with unique names. */
  readonly weights: Variable[];
  /** The compile settings: the optimizer plus JSON-able `loss`, `metrics` and any other options, or null. */
  readonly compileConfig: ({ optimizer: Optimizer; loss: LossConfig; metrics?: unknown } & object) | null;
  /** Called with `{ optimizer, ...the rest of compileConfig }` from the file. */
  compile(args: never): void;
  dispose(): void;
}

export interface SaveOptions {
  /** Also store the optimizer's state (iterations, slots) so training resumes exactly. Default true. */
  includeOptimizer?: boolean;
}

export interface LoadOptions {
  /** Compile the model with the saved optimizer/loss/metrics (and restore the optimizer state). Default true. */
  compile?: boolean;
}

// ---------------------------------------------------------------- Sequential registration

function sequentialConfig(model: Sequential): Record<string, unknown> {
  return { name: model.name, layers: model.layers.map(serializeLayer) };
}

function sequentialFromConfig(config: Record<string, unknown>): Sequential {
  const layers = config?.['layers'];
  if (!Array.isArray(layers)) throw new Error(`a Sequential config needs a "layers" array, got ${describe(layers)}`);
  const name = config['name'];
  if (name !== undefined && typeof name !== 'string') throw new Error(`a Sequential config's "name" must be a string, got ${describe(name)}`);
  const built: Layer[] = [];
  try {
    for (const l of layers) built.push(deserializeLayer(l as Record<string, unknown>));
    return new Sequential(built, name === undefined ? {} : { name });
  } catch (e) {
    for (const l of built) l.dispose();
    throw e;
  }
}

registerModelClass('Sequential', {
  fromConfig: (config) => {
    const S = Sequential as unknown as { fromConfig?: (c: Record<string, unknown>) => Sequential };
    return typeof S.fromConfig === 'function' ? S.fromConfig(config) : sequentialFromConfig(config);
  },
});

registerModelClass('Functional', { fromConfig: (config) => Model.fromConfig(config as never) });

function topologyOf(model: SaveableModel): { className: string; config: Record<string, unknown> } {
  const className = model.className ?? (model instanceof Sequential ? 'Sequential' : model.constructor.name);
  let config: Record<string, unknown>;
  if (typeof model.getConfig === 'function') config = model.getConfig();
  else if (model instanceof Sequential) config = sequentialConfig(model);
  else throw new Error(`model.save: the ${className} '${model.name}' has no getConfig(), so its architecture cannot be saved`);
  const fn = findFunction(config, 'config');
  if (fn) throw new Error(`model.save: the ${className} '${model.name}' cannot be saved: ${fn} is a function (use a registered name, e.g. activation: 'relu')`);
  return { className, config };
}

function findFunction(x: unknown, path: string): string | null {
  if (typeof x === 'function') return path;
  if (Array.isArray(x)) {
    for (let i = 0; i < x.length; i++) {
      const f = findFunction(x[i], `${path}[${i}]`);
      if (f) return f;
    }
  } else if (x !== null && typeof x === 'object') {
    for (const [k, v] of Object.entries(x)) {
      const f = findFunction(v, `${path}.${k}`);
      if (f) return f;
    }
  }
  return null;
}

function describe(x: unknown): string {
  if (x === null) return 'null';
  if (Array.isArray(x)) return 'an array';
  if (typeof x === 'string') return `'${x}'`;
  if (typeof x === 'number' || typeof x === 'boolean') return String(x);
  return typeof x;
}

const fmt = (shape: readonly number[]): string => `[${shape.join(', ')}]`;

// ---------------------------------------------------------------- saving

/**
 * The model as artifacts (model.json object + weight bytes), in memory: works everywhere.
 * Includes the optimizer state unless `includeOptimizer: false`.
 */
export async function modelToArtifacts(model: SaveableModel, opts: SaveOptions = {}): Promise<ModelArtifacts & { modelJson: ModelJSON }> {
  const topology = topologyOf(model);
  const vars = model.weights;
  const names = new Set<string>();
  for (const v of vars) {
    if (names.has(v.name)) throw new Error(`model.save: two weights are named '${v.name}' (give the layers unique names); weights are matched by name on load`);
    if (v.name.startsWith(OPTIMIZER_PREFIX)) throw new Error(`model.save: weight '${v.name}' starts with '${OPTIMIZER_PREFIX}', which is reserved for optimizer slots; rename its layer`);
    names.add(v.name);
  }
  const c = model.compileConfig;
  let trainingConfig: ModelJSON['trainingConfig'] = null;
  let state: OptimizerState | null = null;
  try {
    if (c) {
      const { optimizer: opt, ...rest } = c as { optimizer: Optimizer; loss: LossConfig; metrics?: unknown } & Record<string, unknown>;
      const optimizer = serializeOptimizer(opt);
      const fn = findFunction(optimizer.config, 'optimizer.config');
      if (fn) {
        throw new Error(`model.save: the optimizer's ${fn.replace('optimizer.config.', '')} is a function, which cannot be saved; use a LearningRateSchedule (ExponentialDecay, ...) or a number`);
      }
      const fn2 = findFunction(rest, 'compileConfig');
      if (fn2) throw new Error(`model.save: ${fn2} is a function (a custom loss or metric?), which cannot be saved; use registered names, or compile again after loading`);
      if (opts.includeOptimizer !== false) state = opt.getState(vars);
      trainingConfig = {
        optimizer,
        ...(JSON.parse(JSON.stringify(rest)) as { loss: LossConfig; metrics: unknown }),
        optimizerState: state ? { iterations: state.iterations, scalars: state.scalars } : null,
      };
    }
    const tensors: [string, Tensor][] = [
      ...vars.map((v) => [v.name, v] as [string, Tensor]),
      ...(state?.slots ?? []).map((s) => [`${OPTIMIZER_PREFIX}${s.slot}/${s.variable}`, s.tensor] as [string, Tensor]),
    ];
    const specs: WeightSpec[] = [];
    const chunks: Uint8Array[] = [];
    let offset = 0;
    for (const [name, t] of tensors) {
      if (!DTYPES.includes(t.dtype)) throw new Error(`model.save: weight '${name}' is ${t.dtype}; only ${DTYPES.join(' and ')} weights can be saved`);
      const data = await t.data();
      if (data.length !== t.size) throw new Error(`model.save: reading weight '${name}' gave ${data.length} values, expected ${t.size}`);
      const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
      specs.push({ name, shape: [...t.shape], dtype: t.dtype as WeightDType, byteOffset: offset });
      chunks.push(bytes);
      offset += bytes.byteLength;
    }
    const weightData = new Uint8Array(offset);
    let o = 0;
    for (const b of chunks) {
      weightData.set(b, o);
      o += b.byteLength;
    }
    const modelJson: ModelJSON = {
      format: 'nabla-model',
      formatVersion: MODEL_FORMAT_VERSION,
      generatedBy: '@nabla/models',
      modelTopology: topology,
      trainingConfig,
      weightsManifest: [{ paths: ['weights.bin'], weights: specs }],
      weightsByteLength: offset,
      weightsChecksum: { algorithm: 'crc32', value: crc32(weightData) },
    };
    return { modelJson, weightData };
  } finally {
    for (const s of state?.slots ?? []) s.tensor.dispose();
  }
}

/**
 * Saves the model: `'path/to/folder'` or `'file://...'` (Node: model.json + weights.bin),
 * `'indexeddb://name'`, `'downloads://name'` (browsers), or any IOHandler.
 * @example await saveModel(model, 'indexeddb://mnist')
 */
export async function saveModel(model: SaveableModel, target: string | IOHandler, opts: SaveOptions = {}): Promise<SaveResult> {
  const handler = await resolveHandler(target, 'save');
  const artifacts = await modelToArtifacts(model, opts);
  return handler.save!(artifacts);
}

// ---------------------------------------------------------------- reading and checking

interface Entry {
  name: string;
  shape: number[];
  dtype: WeightDType;
  byteOffset: number;
  byteLength: number;
}

/** model.json of any supported version, checked and normalized. */
interface Parsed {
  what: string;
  topology: { className: string; config: Record<string, unknown> };
  training: { optimizer: SerializedOptimizer; compile: Record<string, unknown>; state: { iterations: number; scalars: Record<string, number> } | null } | null;
  entries: Entry[];
  byteLength: number;
  checksum: string | null;
}

class FormatError extends Error {}

function isObject(x: unknown): x is Record<string, unknown> {
  return x !== null && typeof x === 'object' && !Array.isArray(x);
}

function parseShape(x: unknown, where: string): number[] {
  if (!Array.isArray(x) || !x.every((d) => Number.isInteger(d) && (d as number) >= 0)) {
    throw new FormatError(`${where}: shape must be an array of non-negative integers, got ${JSON.stringify(x)}`);
  }
  return x as number[];
}

function parseManifest(manifest: unknown, allowNoOffset: boolean): Entry[] {
  if (!Array.isArray(manifest)) throw new FormatError(`"weightsManifest" must be an array, got ${describe(manifest)}`);
  const entries: Entry[] = [];
  const seen = new Set<string>();
  let offset = 0;
  for (const [g, group] of manifest.entries()) {
    if (!isObject(group) || !Array.isArray(group['weights'])) throw new FormatError(`weightsManifest[${g}] needs a "weights" array`);
    for (const [i, w] of (group['weights'] as unknown[]).entries()) {
      const where = `weightsManifest[${g}].weights[${i}]`;
      if (!isObject(w) || typeof w['name'] !== 'string') throw new FormatError(`${where}: needs a "name" string`);
      const name = w['name'];
      if (seen.has(name)) throw new FormatError(`${where}: weight '${name}' is listed twice`);
      seen.add(name);
      if (w['quantization'] !== undefined) throw new FormatError(`${where}: weight '${name}' is quantized, which is not supported`);
      const dtype = w['dtype'] ?? 'float32';
      if (typeof dtype !== 'string' || !DTYPES.includes(dtype)) throw new FormatError(`${where}: weight '${name}' has dtype ${describe(dtype)}; supported: ${DTYPES.join(', ')}`);
      const shape = parseShape(w['shape'], `${where} ('${name}')`);
      const byteLength = shape.reduce((a, b) => a * b, 1) * 4;
      const bo = w['byteOffset'];
      if (bo === undefined) {
        if (!allowNoOffset) throw new FormatError(`${where}: weight '${name}' has no byteOffset`);
      } else if (bo !== offset) {
        throw new FormatError(`${where}: weight '${name}' has byteOffset ${describe(bo)}, but the weights before it end at byte ${offset} (weights are stored back to back in manifest order)`);
      }
      entries.push({ name, shape, dtype: dtype as WeightDType, byteOffset: offset, byteLength });
      offset += byteLength;
    }
  }
  return entries;
}

function parseTraining(t: unknown, stateKey: 'optimizerState' | null): Parsed['training'] {
  if (t === null || t === undefined) return null;
  if (!isObject(t)) throw new FormatError(`the training config must be an object or null, got ${describe(t)}`);
  const opt = t['optimizer'];
  if (!isObject(opt) || typeof opt['className'] !== 'string') throw new FormatError(`the training config needs "optimizer": { className, config }, got ${JSON.stringify(opt)}`);
  const loss = t['loss'];
  const isName = (x: unknown): boolean => typeof x === 'string' || x === null;
  const lossOk = typeof loss === 'string' || (Array.isArray(loss) && loss.every(isName)) || (isObject(loss) && Object.values(loss).every(isName));
  if (!lossOk) throw new FormatError(`the training config's "loss" must be a loss name (or one per output), got ${JSON.stringify(loss)}`);
  const metrics = t['metrics'] ?? [];
  if (!Array.isArray(metrics) && !isObject(metrics)) throw new FormatError(`the training config's "metrics" must be a list (or a record per output), got ${JSON.stringify(metrics)}`);
  let state: { iterations: number; scalars: Record<string, number> } | null = null;
  if (stateKey && t[stateKey] !== null && t[stateKey] !== undefined) {
    const s = t[stateKey];
    if (!isObject(s) || !Number.isInteger(s['iterations']) || (s['iterations'] as number) < 0) {
      throw new FormatError(`"trainingConfig.optimizerState.iterations" must be a non-negative integer, got ${JSON.stringify(isObject(s) ? s['iterations'] : s)}`);
    }
    const scalars = s['scalars'] ?? {};
    if (!isObject(scalars) || !Object.values(scalars).every((v) => typeof v === 'number' && Number.isFinite(v))) {
      throw new FormatError(`"trainingConfig.optimizerState.scalars" must map names to finite numbers`);
    }
    state = { iterations: s['iterations'] as number, scalars: scalars as Record<string, number> };
  }
  const compile: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(t)) if (k !== 'optimizer' && k !== 'optimizerState') compile[k] = v;
  compile['metrics'] = metrics;
  return { optimizer: opt as unknown as SerializedOptimizer, compile, state };
}

function parseTopology(t: unknown): Parsed['topology'] {
  if (!isObject(t) || typeof t['className'] !== 'string' || !isObject(t['config'])) {
    throw new FormatError(`"modelTopology" must be { className, config }, got ${JSON.stringify(t)?.slice(0, 80)}`);
  }
  return { className: t['className'], config: t['config'] };
}

function parseModelJson(json: unknown): Parsed {
  if (!isObject(json)) throw new FormatError(`expected a JSON object, got ${describe(json)}`);
  const format = json['format'];
  if (format === 'nabla-model') {
    const version = json['formatVersion'] ?? json['version'];
    if (version === 2 && json['formatVersion'] === 2) {
      const entries = parseManifest(json['weightsManifest'], false);
      const byteLength = json['weightsByteLength'];
      if (!Number.isInteger(byteLength)) throw new FormatError(`"weightsByteLength" must be an integer, got ${describe(byteLength)}`);
      const sum = entries.reduce((n, e) => n + e.byteLength, 0);
      if (byteLength !== sum) throw new FormatError(`"weightsByteLength" is ${String(byteLength)} but the manifest's weights add up to ${sum} bytes`);
      const ck = json['weightsChecksum'];
      if (!isObject(ck) || ck['algorithm'] !== 'crc32' || typeof ck['value'] !== 'string' || !/^[0-9a-f]{8}$/.test(ck['value'])) {
        throw new FormatError(`"weightsChecksum" must be { algorithm: 'crc32', value: <8 hex digits> }, got ${JSON.stringify(ck)}`);
      }
      return {
        what: 'nabla model (format 2)',
        topology: parseTopology(json['modelTopology']),
        training: parseTraining(json['trainingConfig'], 'optimizerState'),
        entries,
        byteLength: sum,
        checksum: ck['value'],
      };
    }
    if (version === 1 && json['formatVersion'] === undefined) {
      // format 1 (the first save code): className/config/compile/weights, float32 back to back, no checksum
      const config = json['config'];
      if (typeof json['className'] !== 'string' || !isObject(config)) throw new FormatError('a format 1 model needs "className" and "config"');
      const ws = json['weights'];
      if (!Array.isArray(ws)) throw new FormatError('a format 1 model needs a "weights" array');
      const entries = parseManifest([{ paths: ['weights.bin'], weights: ws.map((w) => (isObject(w) ? { ...w, dtype: 'float32' } : w)) }], true);
      return {
        what: 'nabla model (format 1)',
        topology: { className: json['className'], config },
        training: parseTraining(json['compile'], null),
        entries,
        byteLength: entries.reduce((n, e) => n + e.byteLength, 0),
        checksum: null,
      };
    }
    throw new FormatError(
      `unsupported nabla model format version ${describe(version)}; this @nabla/models reads versions 1 and ${MODEL_FORMAT_VERSION} (a newer nabla may have saved it)`,
    );
  }
  if (format === 'layers-model' || (format === undefined && isObject(json['modelTopology']) && Array.isArray(json['weightsManifest']))) {
    const t = tfjsToNabla(json);
    const entries = parseManifest(json['weightsManifest'], true);
    return {
      what: 'TensorFlow.js layers model',
      topology: t.topology,
      training: null,
      entries: entries.map((e) => ({ ...e, name: t.weightName(e.name) })),
      byteLength: entries.reduce((n, e) => n + e.byteLength, 0),
      checksum: null,
    };
  }
  throw new FormatError(`not a nabla model: "format" is ${describe(format)} (expected 'nabla-model', or a TensorFlow.js 'layers-model')`);
}

function decode(bytes: Uint8Array, e: Entry): Tensor {
  // slice copies into a fresh, aligned buffer (the source may sit at any byte offset)
  const buf = bytes.slice(e.byteOffset, e.byteOffset + e.byteLength).buffer;
  const data = e.dtype === 'int32' ? new Int32Array(buf) : new Float32Array(buf);
  return tensor(data, e.shape, e.dtype);
}

/**
 * Rebuilds a model from artifacts (any supported version), checking everything before any
 * weight is assigned: the JSON's structure and version, the weight bytes' exact length and
 * checksum, the class, every weight's name, shape and dtype against the rebuilt model, the
 * optimizer and its state. On any error the partly built model is disposed and nothing is returned.
 */
export function modelFromArtifacts<M extends SaveableModel = Sequential>(artifacts: ModelArtifacts, opts?: LoadOptions): M;
/** @deprecated format-1 style call: (model.json object, float32 weights). */
export function modelFromArtifacts<M extends SaveableModel = Sequential>(json: unknown, weights: Float32Array): M;
export function modelFromArtifacts<M extends SaveableModel = Sequential>(a: ModelArtifacts | unknown, b?: LoadOptions | Float32Array): M {
  let artifacts: ModelArtifacts;
  let opts: LoadOptions = {};
  if (b instanceof Float32Array) artifacts = { modelJson: a, weightData: new Uint8Array(b.buffer, b.byteOffset, b.byteLength) };
  else {
    artifacts = a as ModelArtifacts;
    opts = b ?? {};
  }
  if (!isObject(artifacts) || !('modelJson' in artifacts)) throw new TypeError('modelFromArtifacts: expected { modelJson, weightData }');
  const src = artifacts.jsonSource ?? 'model.json';
  const wsrc = artifacts.weightsSource ?? 'the weights';
  const fail = (msg: string): never => {
    throw new Error(`loadModel: ${src}: ${msg}`);
  };
  let p: Parsed;
  try {
    p = parseModelJson(artifacts.modelJson);
  } catch (e) {
    if (e instanceof FormatError) fail(e.message);
    throw e;
  }
  let bytes = artifacts.weightData as unknown;
  if (bytes instanceof ArrayBuffer) bytes = new Uint8Array(bytes);
  if (!(bytes instanceof Uint8Array)) fail(`the weight data must be a Uint8Array or ArrayBuffer, got ${describe(bytes)}`);
  const w = bytes as Uint8Array;
  if (w.byteLength !== p.byteLength) {
    const why = w.byteLength < p.byteLength ? 'it is truncated, or belongs to another model' : 'it has extra bytes, or belongs to another model';
    throw new Error(`loadModel: ${wsrc} holds ${w.byteLength} bytes but ${src} describes ${p.byteLength} (${why}); nothing was loaded`);
  }
  if (p.checksum !== null) {
    const got = crc32(w);
    if (got !== p.checksum) throw new Error(`loadModel: ${wsrc} is corrupted: its CRC-32 is ${got} but ${src} records ${p.checksum}; nothing was loaded`);
  }
  const { className, config } = p.topology;
  const entry = getModelClass(className);
  if (!entry) fail(`unknown model class '${className}'; known: ${registeredModelClasses().join(', ')} (a custom class must call registerModelClass)`);
  let model: M;
  try {
    model = entry!.fromConfig(config) as M;
  } catch (e) {
    return fail(`cannot rebuild the ${className} from its config: ${(e as Error).message}`);
  }
  const owned: Tensor[] = [];
  try {
    const vars = model.weights;
    const byName = new Map(p.entries.filter((e) => !e.name.startsWith(OPTIMIZER_PREFIX)).map((e) => [e.name, e]));
    const seen = new Set<string>();
    for (const v of vars) {
      if (seen.has(v.name)) fail(`the rebuilt ${className} has two weights named '${v.name}'`);
      seen.add(v.name);
      const e = byName.get(v.name);
      if (!e) fail(`weight '${v.name}' ${fmt(v.shape)} of the rebuilt ${className} is missing from the file`);
      const same = e!.shape.length === v.shape.length && e!.shape.every((d, i) => d === v.shape[i]);
      if (!same || e!.dtype !== v.dtype) fail(`weight '${v.name}' is ${fmt(e!.shape)} ${e!.dtype} in the file but ${fmt(v.shape)} ${v.dtype} in the rebuilt ${className}`);
    }
    const extra = [...byName.keys()].filter((n) => !seen.has(n));
    if (extra.length > 0) fail(`the file has weight(s) ${extra.map((n) => `'${n}'`).join(', ')}, which the rebuilt ${className} does not have`);
    const slotEntries = p.entries.filter((e) => e.name.startsWith(OPTIMIZER_PREFIX));
    if (p.training && opts.compile !== false) {
      const t = p.training;
      let optimizer: Optimizer;
      try {
        optimizer = getOptimizer(t.optimizer);
      } catch (e) {
        return fail(`cannot rebuild the optimizer: ${(e as Error).message}`);
      }
      try {
        model.compile({ ...t.compile, optimizer } as never);
      } catch (e) {
        optimizer.dispose();
        return fail(
          `cannot restore the training config (loss ${JSON.stringify(t.compile['loss'])}, metrics ${JSON.stringify(t.compile['metrics'])}): ${(e as Error).message}; load with { compile: false } and compile it yourself`,
        );
      }
      if (t.state) {
        const slots = slotEntries.map((e) => {
          const rest = e.name.slice(OPTIMIZER_PREFIX.length);
          const cut = rest.indexOf('/');
          if (cut <= 0) fail(`optimizer weight '${e.name}' is not named optimizer/<slot>/<weight>`);
          const tns = decode(w, e);
          owned.push(tns);
          return { slot: rest.slice(0, cut), variable: rest.slice(cut + 1), tensor: tns };
        });
        try {
          optimizer.setState({ className: optimizer.className, iterations: t.state.iterations, scalars: t.state.scalars, slots }, vars);
        } catch (e) {
          return fail(`the optimizer state does not fit the model: ${(e as Error).message}`);
        }
      } else if (slotEntries.length > 0) {
        fail(`the manifest has optimizer slots but "trainingConfig.optimizerState" is null`);
      }
    }
    // everything checked: assign
    for (const v of vars) {
      const t = decode(w, byName.get(v.name)!);
      v.assign(t);
      t.dispose();
    }
    return model;
  } catch (e) {
    model.dispose();
    throw e;
  } finally {
    for (const t of owned) t.dispose();
  }
}

/**
 * Loads a model saved with `model.save(...)`: a folder path or `file://` URL (Node; a path to a
 * `.json` file loads that model.json, e.g. a TensorFlow.js model), `'indexeddb://name'`, or an
 * IOHandler such as `browserFiles([jsonFile, weightsFile])`. Compiled models come back compiled,
 * with their optimizer state, so `fit` continues where it stopped.
 * @example const model = await loadModel('models/mnist'); model.predict(x);
 */
export async function loadModel<M extends SaveableModel = Sequential>(source: string | IOHandler, opts: LoadOptions = {}): Promise<M> {
  const handler = await resolveHandler(source, 'load');
  const artifacts = await handler.load!();
  if (!artifacts.jsonSource && typeof source === 'string') artifacts.jsonSource = source;
  return modelFromArtifacts<M>(artifacts, opts);
}
