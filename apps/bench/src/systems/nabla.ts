/**
 * nabla's backends as contestants. Packages are imported dynamically so that a backend
 * that is not built (or not written yet) becomes an "unavailable" row with the reason,
 * not a crash.
 */
import { uniform, oneHotLabels } from '../data.js';
import { describeAdapter, probeAdapter, type AdapterDescription } from '../gpu.js';
import { CLASSES, MLP_UNITS } from '../workloads/index.js';
import type { ParamsOf, WorkloadId } from '../workloads/types.js';
import { cnn, loadTraining, lstm, missingLayer, mlp, type NablaTraining } from './nabla-models.js';
import { unavailableContestant, type BackendName, type Case, type Contestant, type LoadedSystem } from './types.js';

type T = typeof import('@nabla/tensor');
type A = typeof import('@nabla/autograd');
type Backend = import('@nabla/tensor').Backend;
type Tensor = import('@nabla/tensor').Tensor;

/** A backend package, imported for its side effect (registration); typed loosely as it may not be built yet. */
async function importByName(specifier: string): Promise<unknown> {
  return import(specifier);
}

const firstLine = (e: unknown) => (e instanceof Error ? e.message : String(e)).split('\n')[0]!;

export async function loadNabla(wanted: ReadonlySet<BackendName>): Promise<LoadedSystem> {
  const notes: string[] = [];
  let t: T;
  try {
    t = await import('@nabla/tensor');
  } catch (e) {
    const reason = `cannot load @nabla/tensor (built? pnpm build): ${firstLine(e)}`;
    return { name: 'nabla', notes: [reason], contestants: [...wanted].map((b) => unavailableContestant('nabla', b, reason)) };
  }
  let ad: A | null = null;
  try {
    ad = await import('@nabla/autograd');
  } catch (e) {
    notes.push(`nabla: @nabla/autograd unavailable (${firstLine(e)}): no training workloads`);
  }

  const training = await loadTraining();
  if (typeof training === 'string') notes.push(`nabla: ${training}: no training workloads`);
  else notes.push('nabla models: @nabla/layers + @nabla/models Sequential, Adam, categorical crossentropy, trainOnBatch (as the tfjs-layers contestant)');
  const liveBytes = () => t.memory().numBytes;
  const peakBytes = async (fn: () => Promise<void>) => {
    let peak = liveBytes();
    const hook = { record: () => { peak = Math.max(peak, t.engine.numBytes); } };
    t.engine.hooks.push(hook);
    try {
      await fn();
    } finally {
      t.engine.hooks.splice(t.engine.hooks.indexOf(hook), 1);
    }
    return peak;
  };

  const make = (name: BackendName, backend: Backend, adapter?: AdapterDescription): Contestant => ({
    system: 'nabla', backend: name, kind: name === 'webgpu' ? 'gpu' : 'cpu',
    adapter: adapter?.text, software: adapter?.software,
    async activate() {
      await t.setBackend(backend);
    },
    supports(w) {
      if (w === 'mlp-train' || w === 'cnn-train' || w === 'lstm-train' || w === 'predict') {
        if (typeof training === 'string') return `n/a (${training})`;
        return missingLayer(training, w);
      }
      return null;
    },
    async setup(w, p) {
      await t.setBackend(backend);
      return setupCase(t, typeof training === 'string' ? null : training, w, p);
    },
    liveBytes,
    peakBytes,
  });

  const contestants: Contestant[] = [];
  if (wanted.has('cpu')) {
    try {
      const cpu = (await importByName('@nabla/backend-cpu')) as { gemmUsesFma?(): boolean }; // registers 'cpu'
      contestants.push(make('cpu', await t.setBackend('cpu')));
      const threads = process.env['NABLA_THREADS'] || `${(await import('node:os')).availableParallelism()} (every core)`;
      notes.push(`nabla-cpu: WebAssembly SIMD, ${cpu.gemmUsesFma?.() ? 'FMA through relaxed SIMD' : 'no FMA (mul + add)'}, GEMM threads: ${threads}`);
    } catch (e) {
      contestants.push(unavailableContestant('nabla', 'cpu', `@nabla/backend-cpu: ${firstLine(e)}`));
    }
  }
  if (wanted.has('webgpu')) {
    try {
      await importByName('@nabla/backend-webgpu'); // its node entry registers 'webgpu' (Dawn)
      const backend = await t.setBackend('webgpu');
      contestants.push(make('webgpu', backend, await adapterOf(backend)));
    } catch (e) {
      contestants.push(unavailableContestant('nabla', 'webgpu', `@nabla/backend-webgpu: ${firstLine(e)}`));
    }
  }
  if (wanted.has('wasm')) contestants.push(unavailableContestant('nabla', 'wasm', 'nabla has no wasm backend'));
  return { name: 'nabla', contestants, notes };
}

/** The adapter nabla's WebGPU backend reports, or, failing that, the one Dawn picks with the same settings. */
async function adapterOf(backend: Backend): Promise<AdapterDescription> {
  // @nabla/backend-webgpu keeps an AdapterSummary { vendor, architecture, device, description, featureLevel }
  const b = backend as unknown as { adapter?: Record<string, string | undefined> };
  if (b.adapter && (b.adapter.description || b.adapter.vendor || b.adapter.device)) {
    const a = b.adapter;
    return describeAdapter({ vendor: a.vendor, architecture: a.architecture, device: a.device, description: a.description });
  }
  const probed = await probeAdapter();
  return { ...probed, text: `${probed.text} [probed]` };
}

function setupCase<W extends WorkloadId>(t: T, n: NablaTraining | null, w: W, p: ParamsOf[W]): Case {
  const ts: Tensor[] = [];
  const input = (data: Float32Array, shape: number[]) => {
    const x = t.tensor(data, shape);
    ts.push(x);
    return x;
  };
  const read = async (y: Tensor) => {
    try {
      await y.data();
    } finally {
      y.dispose();
    }
  };
  const free = (extra?: { dispose(): void }) => () => {
    for (const x of ts) x.dispose();
    extra?.dispose();
  };
  switch (w) {
    case 'matmul': {
      const { m, k, n } = p as ParamsOf['matmul'];
      const a = input(uniform(m * k, 1), [m, k]);
      const b = input(uniform(k * n, 2), [k, n]);
      return { run: () => read(t.matmul(a, b)), teardown: free() };
    }
    case 'elementwise': {
      const { n } = p as ParamsOf['elementwise'];
      const x = input(uniform(n, 1), [n]);
      const wt = input(uniform(n, 2), [n]);
      const b = input(uniform(n, 3), [n]);
      return { run: () => read(t.tidy(() => t.relu(t.add(t.mul(x, wt), b)))), teardown: free() };
    }
    case 'conv2d': {
      const c = p as ParamsOf['conv2d'];
      const x = input(uniform(c.batch * c.h * c.w * c.c, 1), [c.batch, c.h, c.w, c.c]);
      const f = input(uniform(c.kh * c.kw * c.c * c.out, 2, -0.1, 0.1), [c.kh, c.kw, c.c, c.out]);
      return { run: () => read(t.conv2d(x, f, { strides: 1, padding: 'same' })), teardown: free() };
    }
    case 'predict': case 'mlp-train': case 'cnn-train': case 'lstm-train': {
      if (!n) throw new Error('@nabla/models unavailable');
      const { batch } = p as ParamsOf['predict'];
      const shape = w === 'cnn-train' ? [batch, 28, 28, 1] : w === 'lstm-train' ? [batch, 28, 28] : [batch, MLP_UNITS[0]];
      const x = input(uniform(batch * MLP_UNITS[0], 1, 0, 1), shape);
      const y = input(oneHotLabels(batch, CLASSES, 2), [batch, CLASSES]);
      const model = w === 'cnn-train' ? cnn(n) : w === 'lstm-train' ? lstm(n) : mlp(t, n);
      const run = w === 'predict'
        ? () => read(model.predict(x, { batchSize: batch }))
        : async () => { await model.trainOnBatch(x, y); };
      return { run, teardown: free(model) };
    }
  }
  throw new Error(`nabla: unknown workload ${String(w)}`);
}
