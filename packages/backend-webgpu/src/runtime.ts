import type { DType, TypedArray } from '@nabla/tensor';
import { PARAM_WORDS } from './wgsl.js';

// WebGPU's flag constants, spelled out so this file needs no globals (dawn.node only
// installs GPUBufferUsage & co. on globalThis when asked to).
const USAGE_MAP_READ = 0x1;
const USAGE_COPY_SRC = 0x4;
const USAGE_COPY_DST = 0x8;
const USAGE_UNIFORM = 0x40;
const USAGE_STORAGE = 0x80;
const MAP_READ = 0x1;
const STAGE_COMPUTE = 0x4;

/** A GPU buffer as the pool knows it; it outlives the tensors that borrow it. */
interface PoolEntry {
  readonly id: number;
  readonly buffer: GPUBuffer;
  /** Allocated bytes (a size class). */
  readonly cap: number;
  /** Bytes bound in bind groups (cap, capped by maxStorageBufferBindingSize). */
  readonly bindSize: number;
}

/**
 * A backend buffer: what kernels return and TensorInfo.buffer holds. Every element is a
 * 32-bit word (float32 as f32, int32 as i32, bool as u32 0/1); `bytes` is 4 per element
 * (at least 4, so no binding is ever empty).
 */
export interface GBuf {
  readonly entry: PoolEntry;
  readonly bytes: number;
  released: boolean;
}

/** A compute program: WGSL generated on first use and cached by `key`. */
export interface Program {
  /** Identifies the generated source: op, dtypes, layout flags. */
  readonly key: string;
  readonly nIn: number;
  readonly nOut: number;
  source(): string;
}

/** An error a WebGPU command raised, named after the nabla op that issued it. */
export class WebGPUError extends Error {
  override name = 'WebGPUError';
}

export interface RuntimeOptions {
  /** Destroy the device in dispose() (true when the backend created it). */
  ownsDevice: boolean;
  /** Dispatches recorded before the command encoder is submitted (default 128). */
  batchLimit?: number;
  /** Bytes of free buffers the pool may keep (default 256 MiB, or less on small adapters). */
  poolBytes?: number;
}

/** The device limits kernels plan their dispatches by. */
export interface Limits {
  readonly maxBinding: number;
  readonly maxBuffer: number;
  readonly maxWorkgroups: number;
  readonly maxInvocations: number;
  readonly workgroupStorage: number;
}

let nextEntry = 0;

/** Size classes: powers of two up to 4 KiB, then four classes per octave (at most 25% slack). */
function sizeClass(bytes: number): number {
  if (bytes <= 16) return 16;
  if (bytes <= 4096) return 2 ** Math.ceil(Math.log2(bytes));
  const p = 2 ** Math.floor(Math.log2(bytes));
  const q = p / 4;
  return Math.ceil(bytes / q) * q;
}

function take(pool: Map<number, PoolEntry[]>, cap: number): PoolEntry | undefined {
  const list = pool.get(cap);
  return list && list.length > 0 ? list.pop() : undefined;
}

/**
 * Owns the device side: buffers and their pool, pipelines, bind groups, the pending
 * command encoder and the error bookkeeping. Work is queued: each dispatch is recorded
 * into one command encoder that is submitted on read, on sync or at the batch limit.
 */
export class Runtime {
  readonly limits: Limits;
  private readonly pipelines = new Map<string, GPUComputePipeline>();
  private readonly layouts = new Map<string, { bgl: GPUBindGroupLayout; pl: GPUPipelineLayout }>();
  private bindGroups = new Map<string, GPUBindGroup>();
  /** Free buffers no pending command uses: safe for anything, including queue.writeBuffer. */
  private readonly clean = new Map<number, PoolEntry[]>();
  /**
   * Buffers freed since the last submit. Pending commands may still read them, so only a
   * later command of the same encoder may reuse them; queue.writeBuffer would run before.
   */
  private readonly dirty = new Map<number, PoolEntry[]>();
  private readonly all = new Set<PoolEntry>();
  private pooledBytes = 0;
  private readonly poolLimit: number;
  private encoder: GPUCommandEncoder | null = null;
  private readonly paramBuffer: GPUBuffer;
  private readonly arena: Uint32Array;
  private readonly slotBytes: number;
  private readonly maxSlots: number;
  private slots = 0;
  private batchOps: string[] = [];
  private outstanding: Promise<unknown>[] = [];
  private error: Error | null = null;
  private lostInfo: { reason: string; message: string } | null = null;
  private disposed = false;
  /** The op being recorded (for error messages). */
  op = '';
  /** Counters for tests and benchmarks. */
  readonly stats = { dispatches: 0, submits: 0, buffersCreated: 0, buffersDestroyed: 0, pipelines: 0, bindGroupHits: 0 };

  constructor(readonly device: GPUDevice, private readonly opts: RuntimeOptions) {
    const l = device.limits;
    this.limits = {
      maxBinding: l.maxStorageBufferBindingSize,
      maxBuffer: l.maxBufferSize,
      maxWorkgroups: l.maxComputeWorkgroupsPerDimension,
      maxInvocations: l.maxComputeInvocationsPerWorkgroup,
      workgroupStorage: l.maxComputeWorkgroupStorageSize,
    };
    this.poolLimit = opts.poolBytes ?? Math.min(256 * 2 ** 20, l.maxBufferSize * 2);
    this.slotBytes = Math.max(256, l.minUniformBufferOffsetAlignment);
    this.maxSlots = opts.batchLimit ?? 128;
    this.arena = new Uint32Array((this.slotBytes / 4) * this.maxSlots);
    this.paramBuffer = device.createBuffer({ size: this.slotBytes * this.maxSlots, usage: USAGE_UNIFORM | USAGE_COPY_DST, label: 'nabla params' });
    device.lost.then((info) => {
      if (!this.disposed) this.lostInfo = { reason: info.reason, message: info.message };
    }, () => {});
    device.addEventListener('uncapturederror', (ev) => {
      const e = (ev as GPUUncapturedErrorEvent).error;
      this.error ??= new WebGPUError(`WebGPU error outside any nabla op: ${e.message}`);
    });
  }

  /** Throws if the backend can no longer run `op`: disposed, device lost, or an earlier error not yet reported. */
  check(op: string): void {
    if (this.disposed) throw new WebGPUError(`${op}: the WebGPU backend was disposed; create a new one with setBackend('webgpu')`);
    if (this.lostInfo) throw new WebGPUError(`${op}: the WebGPU device was lost (${this.lostInfo.reason}): ${this.lostInfo.message}`);
    if (this.error) {
      const e = this.error;
      this.error = null;
      throw e;
    }
  }

  /**
   * Runs `fn` (which records commands for `op`) inside validation and out-of-memory error
   * scopes. WebGPU reports those errors asynchronously; they are thrown, naming `op`, by
   * the next kernel call, read or sync.
   */
  guard<T>(op: string, fn: () => T): T {
    this.check(op);
    const prev = this.op;
    this.op = op;
    const d = this.device;
    d.pushErrorScope('out-of-memory');
    d.pushErrorScope('validation');
    try {
      return fn();
    } finally {
      this.track(op, 'validation', d.popErrorScope());
      this.track(op, 'out-of-memory', d.popErrorScope());
      this.op = prev;
    }
  }

  private track(op: string, kind: string, p: Promise<GPUError | null>): void {
    this.outstanding.push(p.then((e) => {
      if (e && !this.error) {
        const hint = kind === 'out-of-memory' ? ' (free tensors with dispose()/tidy(), or use smaller batches)' : '';
        this.error = new WebGPUError(`${op}: WebGPU ${kind} error: ${e.message}${hint}`);
      }
    }, () => {}));
    if (this.outstanding.length > 256) this.outstanding = [Promise.all(this.outstanding)];
  }

  /** Waits for every error report issued so far, then throws the first error, if any. */
  async settle(op: string): Promise<void> {
    while (this.outstanding.length > 0) {
      const ps = this.outstanding;
      this.outstanding = [];
      await Promise.all(ps);
    }
    this.check(op);
  }

  /** A buffer of at least `bytes` bytes. `forWrite`: the host will fill it with queue.writeBuffer. */
  alloc(bytes: number, forWrite = false): GBuf {
    const need = Math.max(4, Math.ceil(bytes / 4) * 4);
    if (need > this.limits.maxBinding) {
      throw new WebGPUError(
        `${this.op}: needs a ${need}-byte buffer, more than this adapter's maxStorageBufferBindingSize (${this.limits.maxBinding} bytes); `
        + 'split the work into smaller tensors (e.g. smaller batches)',
      );
    }
    let cap = sizeClass(need);
    if (cap > this.limits.maxBuffer) cap = need;
    const pooled = (forWrite ? undefined : take(this.dirty, cap)) ?? take(this.clean, cap);
    if (pooled) this.pooledBytes -= pooled.cap;
    return { entry: pooled ?? this.create(cap), bytes: need, released: false };
  }

  private create(cap: number): PoolEntry {
    const buffer = this.device.createBuffer({ size: cap, usage: USAGE_STORAGE | USAGE_COPY_SRC | USAGE_COPY_DST });
    const entry: PoolEntry = { id: nextEntry++, buffer, cap, bindSize: Math.min(cap, Math.floor(this.limits.maxBinding / 4) * 4) };
    this.all.add(entry);
    this.stats.buffersCreated++;
    return entry;
  }

  /** Returns a buffer to the pool (or destroys it when the pool is full). */
  free(g: GBuf): void {
    if (g.released || this.disposed) return;
    g.released = true;
    const e = g.entry;
    let list = this.dirty.get(e.cap);
    if (!list) this.dirty.set(e.cap, (list = []));
    list.push(e);
    this.pooledBytes += e.cap;
    if (this.pooledBytes > this.poolLimit) this.trim();
  }

  /** Destroys clean pooled buffers until the pool is under its limit. */
  private trim(): void {
    for (const [cap, list] of this.clean) {
      while (list.length > 0 && this.pooledBytes > this.poolLimit / 2) {
        const e = list.pop()!;
        this.pooledBytes -= cap;
        this.all.delete(e);
        e.buffer.destroy();
        this.stats.buffersDestroyed++;
      }
    }
    this.bindGroups.clear();
  }

  private pipeline(p: Program): GPUComputePipeline {
    let pipe = this.pipelines.get(p.key);
    if (pipe) return pipe;
    const layout = this.layout(p.nIn, p.nOut);
    const module = this.device.createShaderModule({ code: p.source(), label: p.key });
    pipe = this.device.createComputePipeline({ layout: layout.pl, compute: { module, entryPoint: 'main' }, label: p.key });
    this.pipelines.set(p.key, pipe);
    this.stats.pipelines++;
    return pipe;
  }

  private layout(nIn: number, nOut: number): { bgl: GPUBindGroupLayout; pl: GPUPipelineLayout } {
    const key = `${nIn}/${nOut}`;
    let l = this.layouts.get(key);
    if (l) return l;
    const entries: GPUBindGroupLayoutEntry[] = [
      { binding: 0, visibility: STAGE_COMPUTE, buffer: { type: 'uniform', hasDynamicOffset: true, minBindingSize: PARAM_WORDS * 4 } },
    ];
    for (let i = 0; i < nIn; i++) entries.push({ binding: i + 1, visibility: STAGE_COMPUTE, buffer: { type: 'read-only-storage' } });
    for (let i = 0; i < nOut; i++) entries.push({ binding: nIn + i + 1, visibility: STAGE_COMPUTE, buffer: { type: 'storage' } });
    const bgl = this.device.createBindGroupLayout({ entries });
    l = { bgl, pl: this.device.createPipelineLayout({ bindGroupLayouts: [bgl] }) };
    this.layouts.set(key, l);
    return l;
  }

  /** Bind groups are cached by buffer identity; the parameter slot is a dynamic offset. */
  private bindGroup(nIn: number, nOut: number, buffers: readonly GBuf[]): GPUBindGroup {
    const key = `${nIn}/${nOut}:${buffers.map((b) => b.entry.id).join(',')}`;
    let bg = this.bindGroups.get(key);
    if (bg) {
      this.stats.bindGroupHits++;
      return bg;
    }
    const entries: GPUBindGroupEntry[] = [{ binding: 0, resource: { buffer: this.paramBuffer, offset: 0, size: PARAM_WORDS * 4 } }];
    buffers.forEach((b, i) => entries.push({ binding: i + 1, resource: { buffer: b.entry.buffer, offset: 0, size: b.entry.bindSize } }));
    bg = this.device.createBindGroup({ layout: this.layout(nIn, nOut).bgl, entries });
    if (this.bindGroups.size >= 4096) this.bindGroups = new Map();
    this.bindGroups.set(key, bg);
    return bg;
  }

  /** Splits `n` workgroups over x and y when n exceeds maxComputeWorkgroupsPerDimension. */
  grid(n: number): [number, number, number] {
    const max = this.limits.maxWorkgroups;
    if (n <= max) return [n, 1, 1];
    const y = Math.ceil(n / max);
    if (y > max) throw new WebGPUError(`${this.op}: ${n} workgroups exceed this adapter's limit of ${max}x${max}`);
    return [max, y, 1];
  }

  /** Records one dispatch of `p`. `params` are u32 words (at most 64). */
  run(p: Program, inputs: readonly GBuf[], outputs: readonly GBuf[], params: readonly number[], groups: readonly [number, number, number]): void {
    if (groups[0] === 0 || groups[1] === 0 || groups[2] === 0) return;
    for (const g of groups) {
      if (g > this.limits.maxWorkgroups) throw new WebGPUError(`${this.op}: internal: ${g} workgroups in one dimension (limit ${this.limits.maxWorkgroups})`);
    }
    if (params.length > PARAM_WORDS) throw new Error(`${this.op}: internal: ${params.length} parameter words (at most ${PARAM_WORDS})`);
    for (const b of [...inputs, ...outputs]) if (b.released) throw new WebGPUError(`${this.op}: internal: a released buffer was passed to a kernel`);
    const pipe = this.pipeline(p);
    const slot = this.slots;
    const base = (slot * this.slotBytes) / 4;
    this.arena.fill(0, base, base + PARAM_WORDS);
    for (let i = 0; i < params.length; i++) {
      const v = params[i]!;
      if (!(v >= 0 && v < 2 ** 32 && Number.isInteger(v))) throw new Error(`${this.op}: internal: parameter ${i} = ${v} is not a u32`);
      this.arena[base + i] = v;
    }
    const bg = this.bindGroup(p.nIn, p.nOut, [...inputs, ...outputs]);
    const enc = (this.encoder ??= this.device.createCommandEncoder());
    const pass = enc.beginComputePass();
    pass.setPipeline(pipe);
    pass.setBindGroup(0, bg, [slot * this.slotBytes]);
    pass.dispatchWorkgroups(groups[0], groups[1], groups[2]);
    pass.end();
    this.slots++;
    this.stats.dispatches++;
    this.batchOps.push(this.op);
    if (this.slots >= this.maxSlots) this.flush();
  }

  /** Submits the recorded commands (after uploading their parameters). */
  flush(): void {
    const enc = this.encoder;
    if (!enc) return;
    this.encoder = null;
    const d = this.device;
    if (this.slots > 0) d.queue.writeBuffer(this.paramBuffer, 0, this.arena.buffer, 0, this.slots * this.slotBytes);
    const ops = [...new Set(this.batchOps)];
    const label = `submit of ${ops.slice(0, 8).join(', ')}${ops.length > 8 ? ', ...' : ''}`;
    d.pushErrorScope('out-of-memory');
    d.pushErrorScope('validation');
    d.queue.submit([enc.finish()]);
    this.track(label, 'validation', d.popErrorScope());
    this.track(label, 'out-of-memory', d.popErrorScope());
    this.stats.submits++;
    this.slots = 0;
    this.batchOps = [];
    for (const [cap, list] of this.dirty) {
      if (list.length === 0) continue;
      let c = this.clean.get(cap);
      if (!c) this.clean.set(cap, (c = []));
      c.push(...list);
      list.length = 0;
    }
  }

  /** Uploads host values into a new buffer (bool as one u32 per element). */
  write(values: TypedArray, dtype: DType): GBuf {
    const n = values.length;
    const g = this.alloc(n * 4, true);
    if (n > 0) {
      let src: Float32Array | Int32Array | Uint32Array;
      if (dtype === 'bool') src = Uint32Array.from(values as Uint8Array, (v) => (v !== 0 ? 1 : 0));
      else if (dtype === 'int32') src = values instanceof Int32Array ? values : Int32Array.from(values);
      else src = values instanceof Float32Array ? values : Float32Array.from(values);
      this.device.queue.writeBuffer(g.entry.buffer, 0, src.buffer as ArrayBuffer, src.byteOffset, n * 4);
    }
    return g;
  }

  /** Copies `size` elements of `g` to the host (submits pending work, waits for it). */
  async read(g: GBuf, dtype: DType, size: number): Promise<TypedArray> {
    this.check('read');
    if (g.released) throw new WebGPUError('read: the buffer was released');
    if (size === 0) {
      await this.settle('read');
      return dtype === 'float32' ? new Float32Array(0) : dtype === 'int32' ? new Int32Array(0) : new Uint8Array(0);
    }
    const bytes = size * 4;
    const staging = this.device.createBuffer({ size: bytes, usage: USAGE_MAP_READ | USAGE_COPY_DST });
    try {
      (this.encoder ??= this.device.createCommandEncoder()).copyBufferToBuffer(g.entry.buffer, 0, staging, 0, bytes);
      this.batchOps.push('read');
      this.flush();
      try {
        await staging.mapAsync(MAP_READ);
      } catch (e) {
        await this.settle('read');
        throw new WebGPUError(`read: mapping the result failed: ${(e as Error).message}`);
      }
      const data = staging.getMappedRange().slice(0);
      staging.unmap();
      await this.settle('read');
      if (dtype === 'float32') return new Float32Array(data);
      if (dtype === 'int32') return new Int32Array(data);
      return Uint8Array.from(new Uint32Array(data));
    } finally {
      staging.destroy();
    }
  }

  /** Resolves when every queued command has run; throws any error they raised. */
  async sync(): Promise<void> {
    this.check('sync');
    this.flush();
    await this.device.queue.onSubmittedWorkDone();
    await this.settle('sync');
  }

  /** Frees every buffer and cache; destroys the device if this runtime created it. */
  dispose(): void {
    if (this.disposed) return;
    try {
      this.flush();
    } catch {
      // a lost device cannot submit; disposal goes on
    }
    this.disposed = true;
    for (const e of this.all) e.buffer.destroy();
    this.all.clear();
    this.clean.clear();
    this.dirty.clear();
    this.pipelines.clear();
    this.bindGroups.clear();
    this.paramBuffer.destroy();
    if (this.opts.ownsDevice) this.device.destroy();
  }

  get isDisposed(): boolean {
    return this.disposed;
  }
}
