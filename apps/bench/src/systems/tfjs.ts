/**
 * TensorFlow.js 4.22 as the peer: tfjs-core + tfjs-layers on tfjs-backend-cpu,
 * tfjs-backend-wasm (SIMD; one thread in Node) and tfjs-backend-webgpu on the same Dawn
 * adapter as nabla's WebGPU backend. Packages are loaded by name through require: their
 * CommonJS builds are the ones that work in Node (see /work/shared/PEERS.md).
 */
import { createRequire } from 'node:module';
import { glorot, oneHotLabels, uniform } from '../data.js';
import { dawn, probeAdapter } from '../gpu.js';
import { ADAM, CLASSES, MLP_UNITS } from '../workloads/index.js';
import type { ParamsOf, WorkloadId } from '../workloads/types.js';
import { unavailableContestant, type BackendName, type Case, type Contestant, type LoadedSystem } from './types.js';

type TF = typeof import('@tensorflow/tfjs');
type Tensor = import('@tensorflow/tfjs').Tensor;
type LayersModel = import('@tensorflow/tfjs').LayersModel;
type Sequential = import('@tensorflow/tfjs').Sequential;

const require = createRequire(import.meta.url);

/** tfjs prints an advert for tfjs-node on first use in Node; keep the table readable. */
function muteTfjsNodeAdvert(): void {
  const noisy = /tfjs-node|looks like you are running TensorFlow\.js in Node|^=+$|^\s*$|Orthogonal initializer is being called on a matrix with more than|doesn't support timestamp-query/;
  for (const k of ['log', 'warn'] as const) {
    const orig = console[k].bind(console);
    console[k] = (...args: unknown[]) => {
      if (args.length === 1 && typeof args[0] === 'string' && args[0].split('\n').every((l) => noisy.test(l.trim()))) return;
      orig(...args);
    };
  }
}

export async function loadTfjs(wanted: ReadonlySet<BackendName>): Promise<LoadedSystem> {
  const notes: string[] = [];
  let tf: TF;
  try {
    muteTfjsNodeAdvert();
    require('@tensorflow/tfjs-core');
    require('@tensorflow/tfjs-layers');
    require('@tensorflow/tfjs-backend-cpu');
    // The umbrella package, once: it registers the gradients (and LSTM's helpers) that
    // core + layers alone lack ("gradient function not found").
    tf = require('@tensorflow/tfjs') as TF;
  } catch (e) {
    const reason = `cannot load @tensorflow/tfjs: ${(e as Error).message.split('\n')[0]}`;
    return { name: 'tfjs', notes: [reason], contestants: [...wanted].map((b) => unavailableContestant('tfjs', b, reason)) };
  }
  notes.push(`tfjs ${tf.version.tfjs} (tfjs-core + tfjs-layers; the @tensorflow/tfjs umbrella loaded once for gradients)`);
  try {
    require.resolve('@tensorflow/tfjs-node');
    notes.push('@tensorflow/tfjs-node is installed but not benchmarked (not a peer of this runner yet)');
  } catch {
    notes.push('tfjs-node: unavailable: @tensorflow/tfjs-node cannot be installed here (its install script downloads libtensorflow; no internet)');
  }

  const contestants: Contestant[] = [];
  const liveBytes = () => tf.memory().numBytes;
  const peakBytes = async (fn: () => Promise<void>) => (await tf.profile(fn)).peakBytes;

  const make = (backend: BackendName, extra: Partial<Contestant> = {}): Contestant => ({
    system: 'tfjs', backend, kind: backend === 'webgpu' ? 'gpu' : 'cpu', ...extra,
    async activate() {
      if (tf.getBackend() !== backend && !(await tf.setBackend(backend))) throw new Error(`tf.setBackend('${backend}') failed`);
    },
    supports: (w) => (backend === 'wasm' && w === 'cnn-train' ? 'tfjs-backend-wasm has no Conv2DBackpropFilter kernel: CNN training fails' : null),
    setup: (w, p) => setupCase(tf, w, p),
    liveBytes,
    peakBytes,
  });

  const start = async (backend: BackendName): Promise<string | null> => {
    try {
      if (!(await tf.setBackend(backend))) return `tf.setBackend('${backend}') returned false`;
      await tf.ready();
      return null;
    } catch (e) {
      return (e as Error).message.split('\n')[0]!;
    }
  };

  if (wanted.has('cpu')) {
    const err = await start('cpu');
    contestants.push(err ? unavailableContestant('tfjs', 'cpu', err) : make('cpu'));
  }
  if (wanted.has('wasm')) {
    let err: string | null;
    try {
      require('@tensorflow/tfjs-backend-wasm');
      err = await start('wasm');
    } catch (e) {
      err = `cannot load @tensorflow/tfjs-backend-wasm: ${(e as Error).message.split('\n')[0]}`;
    }
    if (err) contestants.push(unavailableContestant('tfjs', 'wasm', err));
    else {
      const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
      const mt = await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT');
      const wasm = require('@tensorflow/tfjs-backend-wasm') as { getThreadsCount?: () => number };
      const threads = wasm.getThreadsCount?.() ?? 1;
      notes.push(`tfjs-wasm: SIMD ${simd ? 'on' : 'off'}, threads ${mt ? 'on' : 'off'} (${threads} thread${threads === 1 ? '' : 's'}): tfjs disables wasm threads in Node, and forcing them fails (Node workers refuse its blob: URL)`);
      contestants.push(make('wasm'));
    }
  }
  if (wanted.has('webgpu')) {
    let c: Contestant;
    try {
      const { gpu } = await dawn();
      const adapter = await probeAdapter();
      // tfjs-backend-webgpu registers itself on import only if navigator.gpu exists.
      (globalThis as { navigator?: unknown }).navigator = { gpu, userAgent: 'node' };
      require('@tensorflow/tfjs-backend-webgpu');
      const err = await start('webgpu');
      c = err ? unavailableContestant('tfjs', 'webgpu', err) : make('webgpu', { adapter: adapter.text, software: adapter.software });
    } catch (e) {
      c = unavailableContestant('tfjs', 'webgpu', (e as Error).message.split('\n')[0]!);
    }
    contestants.push(c);
  }
  return { name: 'tfjs', contestants, notes };
}

/** Tensors of the shared synthetic data. */
function inputs(tf: TF, w: WorkloadId, p: ParamsOf[WorkloadId]): Tensor[] {
  switch (w) {
    case 'matmul': {
      const { m, k, n } = p as ParamsOf['matmul'];
      return [tf.tensor2d(uniform(m * k, 1), [m, k]), tf.tensor2d(uniform(k * n, 2), [k, n])];
    }
    case 'elementwise': {
      const { n } = p as ParamsOf['elementwise'];
      return [tf.tensor1d(uniform(n, 1)), tf.tensor1d(uniform(n, 2)), tf.tensor1d(uniform(n, 3))];
    }
    case 'conv2d': {
      const c = p as ParamsOf['conv2d'];
      return [tf.tensor4d(uniform(c.batch * c.h * c.w * c.c, 1), [c.batch, c.h, c.w, c.c]), tf.tensor4d(uniform(c.kh * c.kw * c.c * c.out, 2, -0.1, 0.1), [c.kh, c.kw, c.c, c.out])];
    }
    case 'mlp-train': case 'predict': {
      const { batch } = p as ParamsOf['mlp-train'];
      return [tf.tensor2d(uniform(batch * MLP_UNITS[0], 1, 0, 1), [batch, MLP_UNITS[0]]), tf.tensor2d(oneHotLabels(batch, CLASSES, 2), [batch, CLASSES])];
    }
    case 'cnn-train': {
      const { batch } = p as ParamsOf['cnn-train'];
      return [tf.tensor4d(uniform(batch * 784, 1, 0, 1), [batch, 28, 28, 1]), tf.tensor2d(oneHotLabels(batch, CLASSES, 2), [batch, CLASSES])];
    }
    case 'lstm-train': {
      const { batch } = p as ParamsOf['lstm-train'];
      return [tf.tensor3d(uniform(batch * 784, 1, 0, 1), [batch, 28, 28]), tf.tensor2d(oneHotLabels(batch, CLASSES, 2), [batch, CLASSES])];
    }
  }
}

/** The course's MLP as a tfjs-layers model, with the same initial weights as nabla's. */
function mlpModel(tf: TF): Sequential {
  const [i, h1, h2, o] = MLP_UNITS;
  const model = tf.sequential({
    layers: [
      tf.layers.dense({ units: h1, activation: 'relu', inputShape: [i] }),
      tf.layers.dense({ units: h2, activation: 'relu' }),
      tf.layers.dense({ units: o, activation: 'softmax' }),
    ],
  });
  const ws = tf.tidy(() => [
    tf.tensor2d(glorot(i, h1, 11), [i, h1]), tf.zeros([h1]),
    tf.tensor2d(glorot(h1, h2, 12), [h1, h2]), tf.zeros([h2]),
    tf.tensor2d(glorot(h2, o, 13), [h2, o]), tf.zeros([o]),
  ]);
  model.setWeights(ws);
  tf.dispose(ws);
  return model;
}

function cnnModel(tf: TF): Sequential {
  return tf.sequential({
    layers: [
      tf.layers.conv2d({ filters: 32, kernelSize: 3, activation: 'relu', inputShape: [28, 28, 1] }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.conv2d({ filters: 64, kernelSize: 3, activation: 'relu' }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.flatten(),
      tf.layers.dense({ units: CLASSES, activation: 'softmax' }),
    ],
  });
}

function lstmModel(tf: TF): Sequential {
  return tf.sequential({
    layers: [
      tf.layers.lstm({ units: 64, inputShape: [28, 28] }),
      tf.layers.dense({ units: CLASSES, activation: 'softmax' }),
    ],
  });
}

function compileAdam(tf: TF, model: LayersModel): void {
  model.compile({ optimizer: tf.train.adam(ADAM.learningRate, ADAM.beta1, ADAM.beta2, ADAM.epsilon), loss: 'categoricalCrossentropy' });
}

async function setupCase<W extends WorkloadId>(tf: TF, w: W, p: ParamsOf[W]): Promise<Case> {
  const ts = inputs(tf, w, p);
  const free = (model?: LayersModel) => () => {
    tf.dispose(ts);
    if (model) {
      model.optimizer?.dispose();
      model.dispose();
    }
  };
  const read = async (y: Tensor) => {
    try {
      await y.data();
    } finally {
      y.dispose();
    }
  };
  switch (w) {
    case 'matmul': {
      const [a, b] = ts as [Tensor, Tensor];
      return { run: () => read(tf.matMul(a, b)), teardown: free() };
    }
    case 'elementwise': {
      const [x, wt, b] = ts as [Tensor, Tensor, Tensor];
      return { run: () => read(tf.tidy(() => tf.relu(tf.add(tf.mul(x, wt), b)))), teardown: free() };
    }
    case 'conv2d': {
      const [x, f] = ts as [import('@tensorflow/tfjs').Tensor4D, import('@tensorflow/tfjs').Tensor4D];
      return { run: () => read(tf.conv2d(x, f, 1, 'same')), teardown: free() };
    }
    case 'predict': {
      const [x] = ts as [Tensor];
      const model = mlpModel(tf);
      const batchSize = (p as ParamsOf['predict']).batch; // explicit: tfjs defaults to 32
      return { run: () => read(model.predict(x, { batchSize }) as Tensor), teardown: free(model) };
    }
    case 'mlp-train': case 'cnn-train': case 'lstm-train': {
      const [x, y] = ts as [Tensor, Tensor];
      const model = w === 'mlp-train' ? mlpModel(tf) : w === 'cnn-train' ? cnnModel(tf) : lstmModel(tf);
      compileAdam(tf, model);
      // trainOnBatch awaits the loss values: one forced step.
      return { run: async () => { await model.trainOnBatch(x, y); }, teardown: free(model) };
    }
  }
  throw new Error(`tfjs: unknown workload ${String(w)}`);
}
