/**
 * One threaded GEMM per process and thread count, shared by every backend that asks for
 * it and refcounted: tests and apps that create many backends still start at most
 * `threads - 1` workers, and the last backend disposed terminates them. Sharing one
 * arena is safe because a product runs start to finish synchronously on the caller.
 */
import { heapAlloc, heapMemory } from '../heap.js';
import { CONTROL_BYTES, gemmModule, MAX_PAGES, WasmGemm } from '../wasm/gemm.js';
import { createPool, threadsSupported, type WorkerPool } from './pool.js';

interface Entry {
  readonly gemm: WasmGemm;
  readonly pool: WorkerPool;
  refs: number;
}

const entries = new Map<number, Entry>();

export interface ThreadedGemm {
  readonly gemm: WasmGemm;
  /** Drops this reference; the last one terminates the workers. Idempotent. */
  release(): void;
}

/** A GEMM on a shared memory with `threads - 1` workers, or null where threads are unavailable. */
export function acquireThreadedGemm(threads: number): ThreadedGemm | null {
  let entry = entries.get(threads);
  if (entry === undefined) {
    if (threads < 2 || !threadsSupported()) return null;
    const module = gemmModule(true);
    if (module === null) return null;
    // on the wasm heap where there is one (operands are read where they are), the control block
    // a heap block of its own; it is never freed (a worker may still read it while it quits)
    let memory = heapMemory();
    let control = memory !== null ? heapAlloc(CONTROL_BYTES) : 0;
    if (memory === null || control === 0) {
      control = 0;
      try {
        memory = new WebAssembly.Memory({ initial: 16, maximum: MAX_PAGES, shared: true });
      } catch {
        return null; // no address space for the reservation: stay on one thread
      }
    }
    let gemm: WasmGemm;
    try {
      gemm = new WasmGemm(module, memory);
    } catch {
      return null; // no room on the heap for its region: stay on one thread
    }
    const pool = createPool(module, memory, threads - 1, control);
    if (pool === null) {
      gemm.free();
      return null;
    }
    gemm.useThreads(pool);
    entry = { gemm, pool, refs: 0 };
    entries.set(threads, entry);
  }
  const held = entry;
  held.refs++;
  let released = false;
  return {
    gemm: held.gemm,
    release() {
      if (released) return;
      released = true;
      if (--held.refs === 0) {
        held.pool.dispose();
        held.gemm.free();
        entries.delete(threads);
      }
    },
  };
}

/** Pools alive in this process, their workers, and how many runs they have made (for tests and the benchmark script). */
export function threadStats(): { pools: number; workers: number; runs: number } {
  let workers = 0;
  let runs = 0;
  for (const e of entries.values()) {
    workers += e.pool.workers;
    runs += e.pool.runs;
  }
  return { pools: entries.size, workers, runs };
}

/** Resolves once every live pool's workers have started (false after `timeoutMs`). */
export async function threadsReady(timeoutMs = 10_000): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (![...entries.values()].every((e) => e.pool.ready())) {
    if (Date.now() > end) return false;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  return true;
}
