/**
 * A persistent pool of worker threads for the GEMM. Every worker instantiates the same
 * compiled module on the same shared WebAssembly.Memory, then sleeps in Atomics.wait on a
 * control block at the bottom of that memory; a product wakes them with Atomics.notify,
 * the calling thread does its own share, and waits for a counter to reach zero. No
 * messages per product: a message round trip costs more than a small GEMM.
 *
 * Control block (CONTROL_BYTES at byte `control`: a heap block, or [0, CONTROL_BYTES) of a GEMM's own memory):
 *   SEQ      bumped once per run; workers wait for it to change
 *   PENDING  workers still running the current run; the last one notifies
 *   QUIT     set on dispose; a woken worker returns
 *   READY    workers that have instantiated the module
 *   FAILED   set by a worker whose share threw (the run then throws on the caller)
 *   ARGS + 16 w ...  worker w's eleven `compute` arguments (i0 = i1 = 0: nothing to do), then
 *                    how it packs its own rows of A first: mode (0: the caller packed them; 1:
 *                    `interleave` of rows; 2: `gatherPairs` of a transposed A), source address,
 *                    pairs, stride (wasm/gemm.ts's WasmGemm.compute)
 *
 * Where: Node (worker_threads, reached through process.getBuiltinModule so that browser
 * bundles never see a Node import), and browsers when crossOriginIsolated *and* the
 * caller is itself a worker (a page's main thread may not block in Atomics.wait).
 * Elsewhere `createPool` returns null and the GEMM stays on one thread.
 */
import { CONTROL_BYTES, type GemmThreads } from '../wasm/gemm.js';

const SEQ = 0;
const PENDING = 1;
const QUIT = 2;
const READY = 3;
const FAILED = 4;
const ARGS = 16;
/** `compute`'s arguments (wasm/gemm.ts): i0, i1, p0, p1, k, kcMax, aPtr, bPtr, cPtr, ldc, ldb; then mode, src, pairs, stride. */
const ARG_WORDS = 15;
const WORDS = CONTROL_BYTES / 4;
/** Workers the control block has room for. */
export const MAX_WORKERS = Math.floor((WORDS - ARGS) / 16);

/**
 * The worker's program, as source text so that it runs the same from the TypeScript
 * sources (tsx, vitest) and from dist, with no worker file to resolve. `start(d)` gets
 * { module, memory, control, id } and never returns until QUIT.
 */
const START = `
function start(d) {
  const SEQ = ${SEQ}, PENDING = ${PENDING}, QUIT = ${QUIT}, READY = ${READY}, FAILED = ${FAILED};
  const ex = new WebAssembly.Instance(d.module, { env: { memory: d.memory } }).exports;
  const compute = ex.compute, interleave = ex.interleave, gatherPairs = ex.gatherPairs;
  // the control block never moves: growth appends pages, so this view stays valid
  const ctl = new Int32Array(d.memory.buffer, d.control, ${WORDS});
  const at = ${ARGS} + 16 * d.id;
  Atomics.add(ctl, READY, 1);
  Atomics.notify(ctl, READY);
  let seen = 0;
  for (;;) {
    Atomics.wait(ctl, SEQ, seen);
    const seq = Atomics.load(ctl, SEQ);
    if (seq === seen) continue;
    seen = seq;
    if (Atomics.load(ctl, QUIT) !== 0) return;
    try {
      if (ctl[at] < ctl[at + 1]) {
        // its rows of A, packed here (in parallel with the caller) when the caller asked: at
        // aPtr + i0 * k floats, as the caller's packA would put them
        const mode = ctl[at + 11];
        if (mode !== 0 && ctl[at + 13] > 0) (mode === 1 ? interleave : gatherPairs)(ctl[at + 12], ctl[at + 6] + ctl[at] * ctl[at + 4] * 4, ctl[at + 4], ctl[at + 13], ctl[at + 14]);
        compute(ctl[at], ctl[at + 1], ctl[at + 2], ctl[at + 3], ctl[at + 4], ctl[at + 5], ctl[at + 6], ctl[at + 7], ctl[at + 8], ctl[at + 9], ctl[at + 10]);
      }
    } catch (e) {
      Atomics.store(ctl, FAILED, 1);
    }
    if (Atomics.sub(ctl, PENDING, 1) === 1) Atomics.notify(ctl, PENDING);
  }
}
`;
const NODE_SOURCE = `${START}\nstart(require('node:worker_threads').workerData);\n`;
const BROWSER_SOURCE = `${START}\nself.onmessage = (e) => start(e.data);\n`;

interface Handle {
  terminate(): unknown;
}

interface NodeWorkerThreads {
  Worker: new (code: string, options: { eval: true; workerData: unknown; name?: string }) => Handle & {
    unref(): void;
    on(event: 'error', listener: (error: unknown) => void): void;
  };
}

interface NodeProcess {
  getBuiltinModule?(id: string): unknown;
  env?: Record<string, string | undefined>;
}

const nodeProcess = (): NodeProcess | undefined => (globalThis as { process?: NodeProcess }).process;

/** Whether this thread may block in Atomics.wait (Node: always; browsers: only inside a worker). */
function canBlock(): boolean {
  if (nodeProcess()?.getBuiltinModule) return true;
  const g = globalThis as { crossOriginIsolated?: boolean; WorkerGlobalScope?: unknown };
  return g.crossOriginIsolated === true && g.WorkerGlobalScope !== undefined;
}

/** Cores this runtime reports (1 where it cannot tell). */
export function availableThreads(): number {
  const os = nodeProcess()?.getBuiltinModule?.('node:os') as { availableParallelism?(): number; cpus(): unknown[] } | undefined;
  if (os) return Math.max(1, os.availableParallelism?.() ?? os.cpus().length);
  const nav = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator;
  return Math.max(1, nav?.hardwareConcurrency ?? 1);
}

/** Whether a pool can exist here at all: shared memory, a way to start workers, and a caller that may block. */
export function threadsSupported(): boolean {
  return typeof SharedArrayBuffer !== 'undefined' && typeof Atomics !== 'undefined' && canBlock();
}

function spawn(data: { module: WebAssembly.Module; memory: WebAssembly.Memory; control: number; id: number }, onError: () => void): Handle | null {
  const wt = nodeProcess()?.getBuiltinModule?.('node:worker_threads') as NodeWorkerThreads | undefined;
  if (wt) {
    const worker = new wt.Worker(NODE_SOURCE, { eval: true, workerData: data, name: `nabla-gemm-${data.id}` });
    worker.unref(); // an idle pool never keeps the process alive
    worker.on('error', onError);
    return worker;
  }
  const W = (globalThis as { Worker?: new (url: string) => Handle & { postMessage(d: unknown): void; onerror: unknown } }).Worker;
  if (W === undefined || typeof Blob === 'undefined' || typeof URL === 'undefined') return null;
  const url = URL.createObjectURL(new Blob([BROWSER_SOURCE], { type: 'text/javascript' }));
  const worker = new W(url);
  worker.onerror = onError;
  worker.postMessage(data);
  return worker;
}

export interface WorkerPool extends GemmThreads {
  /** Runs so far that woke the workers. */
  readonly runs: number;
  /** Wakes the workers to return and terminates them; the pool cannot run afterwards. */
  dispose(): void;
}

/**
 * `workers` threads on `module` (compiled for a shared memory) and `memory` (shared), their
 * control block CONTROL_BYTES at byte `control` of it, or
 * null where threads are unsupported. The workers start in the background: until all of
 * them are ready, `ready()` is false and callers run on their own thread.
 */
export function createPool(module: WebAssembly.Module, memory: WebAssembly.Memory, workers: number, control = 0): WorkerPool | null {
  if (!threadsSupported() || !(memory.buffer instanceof SharedArrayBuffer)) return null;
  const count = Math.max(0, Math.min(workers, MAX_WORKERS));
  const ctl = new Int32Array(memory.buffer, control, WORDS);
  ctl.fill(0);
  let broken = false;
  let disposed = false;
  const handles: Handle[] = [];
  for (let id = 0; id < count; id++) {
    const h = spawn({ module, memory, control, id }, () => {
      broken = true; // a worker that died would never finish a share: stop using the pool
    });
    if (h === null) break;
    handles.push(h);
  }
  if (handles.length === 0) return null;
  let runs = 0;
  return {
    workers: handles.length,
    get runs() {
      return runs;
    },
    ready: () => !broken && !disposed && Atomics.load(ctl, READY) === handles.length,
    run(shares, own) {
      if (shares.length > handles.length) throw new Error(`thread pool: ${shares.length} shares for ${handles.length} workers`);
      for (let w = 0; w < handles.length; w++) {
        const s = shares[w];
        const at = ARGS + 16 * w;
        if (s === undefined) ctl[at] = ctl[at + 1] = 0;
        else for (let i = 0; i < ARG_WORDS; i++) ctl[at + i] = s[i] ?? 0;
      }
      runs++;
      Atomics.store(ctl, FAILED, 0);
      Atomics.store(ctl, PENDING, handles.length);
      Atomics.add(ctl, SEQ, 1); // a seq store is the release: workers read their arguments after it
      Atomics.notify(ctl, SEQ);
      own();
      // a worker that died mid-share would leave PENDING up forever (its 'error' event cannot run
      // while this thread blocks): give up after a minute of no progress instead of hanging
      for (let p = Atomics.load(ctl, PENDING); p !== 0; p = Atomics.load(ctl, PENDING)) {
        if (Atomics.wait(ctl, PENDING, p, 60_000) === 'timed-out' && Atomics.load(ctl, PENDING) === p) {
          broken = true;
          throw new Error(`matmul: ${p} GEMM worker thread(s) made no progress for 60 s; the thread pool is disabled`);
        }
      }
      if (Atomics.load(ctl, FAILED) !== 0) throw new Error('matmul: a GEMM worker thread failed');
    },
    dispose() {
      if (disposed) return;
      disposed = true;
      Atomics.store(ctl, QUIT, 1);
      Atomics.add(ctl, SEQ, 1);
      Atomics.notify(ctl, SEQ);
      for (const h of handles) void h.terminate();
    },
  };
}
