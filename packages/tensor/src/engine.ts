import type { Backend, BackendFactory } from './backend.js';
import type { Tensor } from './tensor.js';

/** What `memory()` reports. */
export interface MemoryInfo {
  /** Tensors created and not yet disposed (views count separately). */
  numTensors: number;
  /** Backend buffers alive (views share one). */
  numBuffers: number;
  /** Bytes held by those buffers. */
  numBytes: number;
}

/**
 * What autograd (or a profiler) sees of every primitive: the choke point through
 * which all tensor-producing work passes. `record` is called after the output exists.
 */
export interface ApplyHook {
  record(prim: string, inputs: readonly Tensor[], attrs: Readonly<Record<string, unknown>>, output: Tensor): void;
  /** True for hooks that differentiate what they record (autograd's tapes), not for mere observers. */
  readonly differentiates?: boolean;
}

class Engine {
  private factories = new Map<string, BackendFactory>();
  private instances = new Map<string, Backend>();
  private active: Backend | null = null;
  private scopes: Set<Tensor>[] = [];
  numTensors = 0;
  numBuffers = 0;
  numBytes = 0;
  hooks: ApplyHook[] = [];

  register(factory: BackendFactory): void {
    this.factories.set(factory.name, factory);
  }

  registered(): string[] {
    return [...this.factories.values()].sort((a, b) => b.priority - a.priority).map((f) => f.name);
  }

  async setBackend(nameOrBackend: string | Backend): Promise<Backend> {
    if (typeof nameOrBackend !== 'string') {
      this.instances.set(nameOrBackend.name, nameOrBackend);
      this.active = nameOrBackend;
      return nameOrBackend;
    }
    if (nameOrBackend === 'auto') {
      const errors: string[] = [];
      for (const name of this.registered()) {
        try {
          return await this.setBackend(name);
        } catch (e) {
          errors.push(`${name}: ${(e as Error).message}`);
        }
      }
      throw new Error(`setBackend('auto'): no backend could start${errors.length ? ` (${errors.join('; ')})` : ': none is registered; import @nabla/backend-cpu'}`);
    }
    let backend = this.instances.get(nameOrBackend);
    if (!backend) {
      const factory = this.factories.get(nameOrBackend);
      if (!factory) {
        const known = this.registered();
        throw new Error(`setBackend: no backend named '${nameOrBackend}' is registered (registered: ${known.length ? known.join(', ') : 'none'}); import its package, e.g. @nabla/backend-${nameOrBackend}`);
      }
      backend = await factory.create();
      this.instances.set(nameOrBackend, backend);
    }
    this.active = backend;
    return backend;
  }

  /** The active backend; the first use without setBackend starts the CPU backend if it is registered. */
  get backend(): Backend {
    if (this.active) return this.active;
    const cpu = this.factories.get('cpu');
    if (cpu) {
      const b = cpu.create();
      if (!(b instanceof Promise)) {
        this.instances.set('cpu', b);
        this.active = b;
        return b;
      }
    }
    throw new Error("no backend is active: import '@nabla/backend-cpu' (or another backend) and call setBackend()");
  }

  /** Runs `fn` synchronously with `backend` active, then restores the previous backend. */
  withBackend<T>(backend: Backend, fn: () => T): T {
    const prev = this.active;
    this.active = backend;
    try {
      const r = fn();
      if (r instanceof Promise) throw new Error('withBackend: the function must be synchronous');
      return r;
    } finally {
      this.active = prev;
    }
  }

  /** Disposes a backend instance; the next setBackend(name) creates a fresh one. */
  removeBackend(name: string): void {
    const b = this.instances.get(name);
    if (!b) return;
    b.dispose?.();
    this.instances.delete(name);
    if (this.active === b) this.active = null;
  }

  tensorCreated(t: Tensor): void {
    this.numTensors++;
    this.scopes[this.scopes.length - 1]?.add(t);
  }

  tensorDisposed(t: Tensor): void {
    this.numTensors--;
    this.scopes[this.scopes.length - 1]?.delete(t);
  }

  tensorCollected(): void {
    this.numTensors--;
  }

  bufferCreated(bytes: number): void {
    this.numBuffers++;
    this.numBytes += bytes;
  }

  bufferFreed(bytes: number): void {
    this.numBuffers--;
    this.numBytes -= bytes;
  }

  startScope(): void {
    this.scopes.push(new Set());
  }

  /** Ends the innermost scope: disposes its tensors except `keep`, which move to the parent scope. */
  endScope(keep: ReadonlySet<Tensor>): void {
    const scope = this.scopes.pop();
    if (!scope) throw new Error('endScope without startScope');
    const parent = this.scopes[this.scopes.length - 1];
    for (const t of scope) {
      if (keep.has(t)) parent?.add(t);
      else t.dispose();
    }
  }

  /** Removes a tensor from every scope so no tidy() disposes it. */
  keep(t: Tensor): void {
    for (const s of this.scopes) s.delete(t);
  }
}

export const engine = new Engine();

/** Makes a backend available to `setBackend(name)`; backend packages call this on import. */
export function registerBackend(factory: BackendFactory): void {
  engine.register(factory);
}

/** Activates a backend by name ('cpu', 'webgpu', 'auto') or instance. */
export function setBackend(nameOrBackend: string | Backend): Promise<Backend> {
  return engine.setBackend(nameOrBackend);
}

/** The active backend. */
export function getBackend(): Backend {
  return engine.backend;
}

/**
 * Runs `fn` synchronously on another backend, e.g. to slice data that lives on the CPU while
 * WebGPU is active. @example const batch = withBackend(x.storage.backend, () => slice(x, [0], [128]));
 */
export function withBackend<T>(backend: Backend, fn: () => T): T {
  return engine.withBackend(backend, fn);
}

/** Live tensors, buffers and bytes. */
export function memory(): MemoryInfo {
  return { numTensors: engine.numTensors, numBuffers: engine.numBuffers, numBytes: engine.numBytes };
}

type Tensors = Tensor | readonly Tensors[] | { readonly [k: string]: Tensors } | number | string | boolean | null | undefined | void;

function collect(x: unknown, out: Set<Tensor>, seen = new Set<unknown>()): void {
  if (x === null || typeof x !== 'object' || seen.has(x)) return;
  seen.add(x);
  if ((x as { isTensor?: unknown }).isTensor === true) {
    out.add(x as Tensor);
    return;
  }
  if (Array.isArray(x)) for (const v of x) collect(v, out, seen);
  else if (Object.getPrototypeOf(x) === Object.prototype) for (const v of Object.values(x)) collect(v, out, seen);
}

/**
 * Runs `fn` and disposes every tensor it created except those it returns
 * (a tensor, or arrays/plain objects of tensors).
 *
 * @example const y = tidy(() => add(mul(x, 2), 1)); // the mul's result is freed
 */
export function tidy<T extends Tensors>(fn: () => T): T {
  engine.startScope();
  let result: T;
  const keep = new Set<Tensor>();
  try {
    result = fn();
    if (result instanceof Promise) throw new Error('tidy: the function must be synchronous (it returned a Promise)');
    collect(result, keep);
  } finally {
    engine.endScope(keep);
  }
  return result;
}

/** Exempts a tensor from disposal by every enclosing tidy(). */
export function keep<T extends Tensor>(t: T): T {
  engine.keep(t);
  return t;
}
