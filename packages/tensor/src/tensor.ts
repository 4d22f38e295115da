import type { Backend, TensorInfo } from './backend.js';
import { allocArray, bytesPerElement, type DType, type TypedArray } from './dtype.js';
import { engine } from './engine.js';
import { formatTensor } from './format.js';
import { contiguousStrides, fmtShape, isContiguous, sizeOf, type Shape } from './shape.js';

/** Nested arrays as returned by `array()`. */
export type NestedArray = number | boolean | NestedArray[];

/**
 * A backend buffer shared by a tensor and its views, freed when the last one goes.
 * Refcounted because views, the autograd tape and user code may all hold it.
 */
export class Storage {
  private refs = 0;
  readonly bytes: number;
  constructor(
    readonly backend: Backend,
    readonly buffer: unknown,
    readonly dtype: DType,
    readonly size: number,
  ) {
    this.bytes = size * bytesPerElement(dtype);
    engine.bufferCreated(this.bytes);
  }
  retain(): void {
    this.refs++;
  }
  /** Whether exactly one tensor holds this storage (so an op may overwrite it for that tensor's replacement). */
  get isExclusive(): boolean {
    return this.refs === 1;
  }
  release(): void {
    if (--this.refs === 0) {
      this.backend.release(this.buffer);
      engine.bufferFreed(this.bytes);
    }
  }
}

// Backstop for tensors that were garbage-collected without dispose(): free their storage.
const finalizer = new FinalizationRegistry<Storage>((storage) => {
  engine.tensorCollected();
  storage.release();
});

let nextId = 0;

/**
 * An n-dimensional array: a strided view (shape, strides, offset) onto refcounted
 * backend storage. Tensors are immutable; ops return new tensors.
 */
export class Tensor {
  readonly id = nextId++;
  readonly isTensor = true;
  readonly size: number;
  private _storage: Storage | null;

  constructor(
    storage: Storage,
    readonly shape: Shape,
    readonly strides: Shape,
    readonly offset: number,
    readonly dtype: DType,
  ) {
    this.size = sizeOf(shape);
    storage.retain();
    this._storage = storage;
    finalizer.register(this, storage, this);
    engine.tensorCreated(this);
  }

  get rank(): number {
    return this.shape.length;
  }

  get isDisposed(): boolean {
    return this._storage === null;
  }

  /** The storage; throws a clear error once the tensor was disposed. */
  get storage(): Storage {
    if (!this._storage) throw new Error(`Tensor#${this.id} (shape ${fmtShape(this.shape)}, ${this.dtype}) was disposed and cannot be used`);
    return this._storage;
  }

  get isContiguous(): boolean {
    return this.offset === 0 && isContiguous(this.shape, this.strides) && this.size === this.storage.size;
  }

  /** The view as kernels see it. */
  info(): TensorInfo {
    return { buffer: this.storage.buffer, dtype: this.dtype, shape: this.shape, strides: this.strides, offset: this.offset };
  }

  /**
   * Points this tensor at `source`'s storage and layout (same shape and dtype), keeping
   * its identity: how autograd's Variable is assigned a new value.
   */
  protected rebind(source: Tensor): void {
    if (source === this) return;
    const next = source.storage;
    const prev = this.storage;
    next.retain();
    finalizer.unregister(this);
    this._storage = next;
    const self = this as { strides: Shape; offset: number };
    self.strides = source.strides;
    self.offset = source.offset;
    finalizer.register(this, next, this);
    prev.release();
  }

  /** Releases this tensor's hold on its storage. Safe to call twice. */
  dispose(): void {
    const s = this._storage;
    if (!s) return;
    this._storage = null;
    finalizer.unregister(this);
    engine.tensorDisposed(this);
    s.release();
  }

  [Symbol.dispose](): void {
    this.dispose();
  }

  /** The elements in row-major order, as a new TypedArray (bool as 0/1 bytes). */
  async data(): Promise<TypedArray> {
    const storage = this.storage;
    if (this.isContiguous) return storage.backend.read(storage.buffer, this.dtype, this.size);
    const copy = contiguousCopy(this);
    try {
      return await copy.storage.backend.read(copy.storage.buffer, this.dtype, this.size);
    } finally {
      copy.dispose();
    }
  }

  /** Synchronous `data()`, for backends whose memory the host can read directly (CPU). */
  dataSync(): TypedArray {
    const backend = this.storage.backend;
    if (!backend.readSync) throw new Error(`dataSync: the '${backend.name}' backend reads asynchronously; use await t.data()`);
    if (this.isContiguous) return backend.readSync(this.storage.buffer, this.dtype, this.size);
    const copy = contiguousCopy(this);
    try {
      return backend.readSync(copy.storage.buffer, this.dtype, this.size);
    } finally {
      copy.dispose();
    }
  }

  /** The elements as nested arrays (numbers; booleans for bool tensors). */
  async array(): Promise<NestedArray> {
    return nest(await this.data(), this.shape, this.dtype);
  }

  arraySync(): NestedArray {
    return nest(this.dataSync(), this.shape, this.dtype);
  }

  /** NumPy-like text; backends without synchronous reads print only shape and dtype. */
  toString(): string {
    if (this.isDisposed) return `tensor(<disposed>, shape=${fmtShape(this.shape)}, dtype=${this.dtype})`;
    if (!this.storage.backend.readSync) return `tensor(<on ${this.storage.backend.name}>, shape=${fmtShape(this.shape)}, dtype=${this.dtype})`;
    return formatTensor(this.dataSync(), this.shape, this.dtype);
  }

  /** NumPy-like text for any backend. */
  async format(): Promise<string> {
    return formatTensor(await this.data(), this.shape, this.dtype);
  }

  /** Prints `format()` to the console. */
  async print(): Promise<void> {
    console.log(await this.format());
  }
}

function nest(data: TypedArray, shape: Shape, dtype: DType): NestedArray {
  const conv = dtype === 'bool' ? (v: number) => v !== 0 : (v: number) => v;
  if (shape.length === 0) return conv(data[0]!);
  const build = (dim: number, offset: number): NestedArray[] => {
    const n = shape[dim]!;
    const inner = sizeOf(shape.slice(dim + 1));
    const out: NestedArray[] = new Array(n);
    for (let i = 0; i < n; i++) out[i] = dim === shape.length - 1 ? conv(data[offset + i]!) : build(dim + 1, offset + i * inner);
    return out;
  };
  return build(0, 0);
}

/** Wraps a fresh contiguous backend buffer as a tensor. */
export function tensorFromBuffer(backend: Backend, buffer: unknown, shape: Shape, dtype: DType): Tensor {
  const storage = new Storage(backend, buffer, dtype, sizeOf(shape));
  return new Tensor(storage, shape, contiguousStrides(shape), 0, dtype);
}

/** A new tensor viewing `base`'s storage with other geometry (no copy). */
export function viewOf(base: Tensor, shape: Shape, strides: Shape, offset: number): Tensor {
  return new Tensor(base.storage, shape, strides, offset, base.dtype);
}

/** Uploads host values to the active backend. */
export function tensorFromArray(values: TypedArray, shape: Shape, dtype: DType): Tensor {
  const backend = engine.backend;
  return tensorFromBuffer(backend, backend.write(values, dtype), shape, dtype);
}

/** A contiguous copy made by the storage's own backend (used by reads of strided views). */
export function contiguousCopy(t: Tensor): Tensor {
  const backend = t.storage.backend;
  if (t.size === 0) return tensorFromBuffer(backend, backend.write(allocArray(t.dtype, 0), t.dtype), t.shape, t.dtype);
  return tensorFromBuffer(backend, backend.kernels.cast(t.info(), t.dtype), t.shape, t.dtype);
}
