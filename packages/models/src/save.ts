import { deserializeLayer, serializeLayer, type SerializedLayer } from '@nabla/layers';
import { getOptimizer, serializeOptimizer, type SerializedOptimizer } from '@nabla/optimizers';
import { tensor } from '@nabla/tensor';
import { Sequential } from './sequential.js';

/** The JSON half of a saved model (`model.json`); the weights follow in `weights.bin`. */
export interface ModelArtifacts {
  format: 'nabla-model';
  version: 1;
  className: 'Sequential';
  config: { name: string; layers: SerializedLayer[] };
  /** Compile settings, so a loaded model can train on (optimizer state is not saved). */
  compile: { optimizer: SerializedOptimizer; loss: string; metrics: string[] } | null;
  /** In `model.weights` order; float32, little-endian, back to back. */
  weights: { name: string; shape: number[] }[];
}

/** The model as JSON plus one buffer of float32 weights (works in browsers too). */
export async function modelToArtifacts(model: Sequential): Promise<{ json: ModelArtifacts; weights: Float32Array }> {
  const vars = model.weights;
  const total = vars.reduce((n, v) => n + v.size, 0);
  const buf = new Float32Array(total);
  let off = 0;
  for (const v of vars) {
    buf.set((await v.data()) as Float32Array, off);
    off += v.size;
  }
  const c = model.compileConfig;
  return {
    json: {
      format: 'nabla-model',
      version: 1,
      className: 'Sequential',
      config: { name: model.name, layers: model.layers.map(serializeLayer) },
      compile: c ? { optimizer: serializeOptimizer(c.optimizer), loss: c.loss, metrics: c.metrics } : null,
      weights: vars.map((v) => ({ name: v.name, shape: [...v.shape] })),
    },
    weights: buf,
  };
}

/** Rebuilds a model from `modelToArtifacts` output. */
export function modelFromArtifacts(json: ModelArtifacts, weights: Float32Array): Sequential {
  if (json?.format !== 'nabla-model' || json.version !== 1) throw new Error(`loadModel: not a nabla model (format ${String(json?.format)}, version ${String(json?.version)})`);
  if (json.className !== 'Sequential') throw new Error(`loadModel: unsupported model class '${json.className}'`);
  const model = new Sequential(json.config.layers.map((l) => deserializeLayer(l)), { name: json.config.name });
  const vars = model.weights;
  if (vars.length !== json.weights.length) throw new Error(`loadModel: the file lists ${json.weights.length} weights but the rebuilt model has ${vars.length}`);
  const needed = json.weights.reduce((n, w) => n + w.shape.reduce((a, b) => a * b, 1), 0);
  if (weights.length !== needed) throw new Error(`loadModel: weights.bin holds ${weights.length} floats, the manifest needs ${needed}`);
  let off = 0;
  const values = json.weights.map((w) => {
    const n = w.shape.reduce((a, b) => a * b, 1);
    const t = tensor(weights.subarray(off, off + n), w.shape);
    off += n;
    return t;
  });
  try {
    model.setWeights(values);
  } finally {
    for (const t of values) t.dispose();
  }
  if (json.compile) model.compile({ optimizer: getOptimizer(json.compile.optimizer), loss: json.compile.loss, metrics: json.compile.metrics });
  return model;
}

/** Writes `model.json` and `weights.bin` into the folder `path` (Node). */
export async function saveModel(model: Sequential, path: string): Promise<void> {
  const fs = await import('node:fs/promises');
  const { join } = await import('node:path');
  const { json, weights } = await modelToArtifacts(model);
  await fs.mkdir(path, { recursive: true });
  await fs.writeFile(join(path, 'model.json'), JSON.stringify(json, null, 1));
  await fs.writeFile(join(path, 'weights.bin'), new Uint8Array(weights.buffer, weights.byteOffset, weights.byteLength));
}

/**
 * Loads a model saved with `model.save(path)` (Node).
 * @example const model = await loadModel('models/mnist'); model.predict(x);
 */
export async function loadModel(path: string): Promise<Sequential> {
  const fs = await import('node:fs/promises');
  const { join } = await import('node:path');
  const json = JSON.parse(await fs.readFile(join(path, 'model.json'), 'utf8')) as ModelArtifacts;
  const bytes = await fs.readFile(join(path, 'weights.bin'));
  const weights = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  return modelFromArtifacts(json, weights);
}
