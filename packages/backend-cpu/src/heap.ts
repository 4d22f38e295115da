import type { DType, TypedArray } from '@nabla/tensor';

/**
 * Tensor storage in the wasm heap: one process-wide *shared* WebAssembly.Memory that every kernel
 * module and the GEMM's worker threads import, so a kernel reads and writes a tensor where it
 * lives instead of copying it into a module's own memory and back.
 *
 * Why shared: a shared memory's growth never detaches the buffers handed out before it (each
 * `memory.buffer` is a SharedArrayBuffer of the length at that moment, all over the same bytes),
 * so a tensor's Float32Array stays valid as the heap grows, and every JS kernel works on it
 * unchanged. Where shared memory is unavailable (a browser page that is not cross-origin
 * isolated; NABLA_HEAP=0) there is no heap: storage is plain TypedArrays and every kernel keeps
 * its path for arrays that are not on the heap ("foreign" arrays: a user's data, too large ones).
 *
 * Allocator: blocks in size classes (four per power of two, so at most 25% is wasted), 16-byte
 * aligned, a free list per class, a bump pointer above them that grows the memory when it runs
 * out (before growing, a free block of up to twice the size is taken instead). Training
 * allocates the same shapes every step, so free lists serve nearly every request after the first
 * step. Freed blocks are not merged; a block at the top of the bump is handed back to it. Only the calling thread allocates and frees (workers only compute inside blocks
 * the caller handed them). When the heap cannot hold a request (2 GiB, the reach of the kernels'
 * i32 addresses) the caller gets null and keeps the array in JS.
 *
 * Freeing: `Backend.release` (the tensor package calls it once, when a storage's last view goes,
 * and its FinalizationRegistry does for tensors never disposed) frees the block of the exact
 * view `heapArray` returned; any other view of the heap (a subarray) is never freed.
 */

/** 64 KiB wasm pages. */
export const PAGE = 65536;
/** Pages the heap may grow to: 2 GiB, the reach of the kernels' i32 byte addresses. */
export const HEAP_MAX_PAGES = 32768;
/** Pages the heap starts with (16 MiB; they are committed only as they are touched). */
const INITIAL_PAGES = 256;
/**
 * Bytes at the bottom that no block uses: address 0 stays "no block", and kernels that read a few
 * lanes past an operand (the GEMM's last partial panel) never leave the memory at the top,
 * because the bump keeps this much slack below the memory's end as well.
 */
const SLACK = 256;
const MIN_BLOCK = 64;

interface State {
  readonly memory: WebAssembly.Memory;
  /** Every SharedArrayBuffer this memory has handed out: a view over any of them is on the heap. */
  readonly buffers: WeakSet<ArrayBufferLike>;
  buffer: SharedArrayBuffer;
  bump: number;
  /** Grows of the memory so far (kernels refresh their whole-memory views when it changes). */
  generation: number;
  /** class size -> free block addresses */
  readonly free: Map<number, number[]>;
  /** address -> [class size, the view handed out for it (null for raw blocks)] */
  readonly live: Map<number, { size: number; view: TypedArray | null }>;
  inUse: number;
}

let state: State | null | undefined;

function env(name: string): string | undefined {
  return (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.[name];
}

function create(): State | null {
  if (env('NABLA_HEAP') === '0' || typeof SharedArrayBuffer === 'undefined' || typeof WebAssembly === 'undefined') return null;
  let memory: WebAssembly.Memory;
  try {
    memory = new WebAssembly.Memory({ initial: INITIAL_PAGES, maximum: HEAP_MAX_PAGES, shared: true });
  } catch {
    return null; // shared memory refused (no cross-origin isolation) or no address space for it
  }
  const buffer = memory.buffer;
  if (!(buffer instanceof SharedArrayBuffer)) return null;
  const buffers = new WeakSet<ArrayBufferLike>([buffer]);
  return { memory, buffers, buffer, bump: SLACK, generation: 0, free: new Map(), live: new Map(), inUse: 0 };
}

function heap(): State | null {
  if (state === undefined) state = create();
  return state;
}

/** The heap's memory, created on first use; null where there is no heap (see above). */
export function heapMemory(): WebAssembly.Memory | null {
  return heap()?.memory ?? null;
}

/** Bytes a request of `bytes` takes: the smallest of 2^e, 1.25, 1.5, 1.75 x 2^e that holds it. */
export function classSize(bytes: number): number {
  if (bytes <= MIN_BLOCK) return MIN_BLOCK;
  if (bytes > 2 ** 31) return 2 ** Math.ceil(Math.log2(bytes)); // past the heap's reach anyway
  const e = 31 - Math.clz32(bytes - 1); // 2^e < bytes <= 2^(e+1)
  const quarter = 2 ** (e - 2);
  return 2 ** e + Math.ceil((bytes - 2 ** e) / quarter) * quarter;
}

/** The whole memory as one buffer (the current one: grown memories hand out a longer one). */
export function heapBuffer(): SharedArrayBuffer | null {
  const s = heap();
  if (s === null) return null;
  refresh(s);
  return s.buffer;
}

function refresh(s: State): void {
  if (s.buffer.byteLength !== s.memory.buffer.byteLength) {
    s.buffer = s.memory.buffer as unknown as SharedArrayBuffer;
    s.buffers.add(s.buffer);
    s.generation++;
  }
}

/** Grows of the heap so far: a kernel's view of the whole memory is stale when this changed. */
export function heapGeneration(): number {
  return state?.generation ?? 0;
}

/**
 * A block of at least `bytes` (16-byte aligned; contents undefined), or 0 where the heap is
 * absent or full. For kernels' own scratch (the GEMM's arena, staging areas); `heapFree` it.
 */
export function heapAlloc(bytes: number): number {
  const s = heap();
  return s === null ? 0 : take(s, bytes, null);
}

/**
 * Classes above `size` whose free blocks serve a request that would otherwise grow the memory:
 * up to twice the size (four classes), so a workload whose shapes shift a little (evaluation after
 * training, a last smaller batch) reuses what training freed instead of growing the heap.
 */
const LARGER_CLASSES = 4;

function take(s: State, bytes: number, view: TypedArray | null): number {
  let size = classSize(bytes);
  let at = s.free.get(size)?.pop();
  if (at === undefined && s.bump + size + SLACK > s.buffer.byteLength) {
    for (let c = 0, larger = size; c < LARGER_CLASSES && at === undefined; c++) {
      larger = classSize(larger + 1);
      at = s.free.get(larger)?.pop();
      if (at !== undefined) size = larger; // the block keeps its class: freed, it goes back there
    }
  }
  if (at === undefined) {
    if (s.bump + size + SLACK > HEAP_MAX_PAGES * PAGE) return 0;
    at = s.bump;
    const have = s.buffer.byteLength; // only this function grows the heap, and refreshes s.buffer when it does
    if (at + size + SLACK > have) {
      // at least half again what the heap has, so a growing workload grows it a few times only
      const want = Math.max(at + size + SLACK - have, Math.floor(have / 2));
      const pages = Math.min(Math.ceil(want / PAGE), HEAP_MAX_PAGES - have / PAGE);
      try {
        s.memory.grow(pages);
      } catch {
        return 0; // the system would not commit more: the caller keeps its array in JS
      }
      refresh(s);
    }
    s.bump = at + size;
  }
  s.live.set(at, { size, view });
  s.inUse += size;
  return at;
}

/** Gives back a block from heapAlloc (or a view's, through heapRelease). Unknown addresses are ignored. */
export function heapFree(at: number): void {
  const s = state;
  if (!s) return;
  const block = s.live.get(at);
  if (block === undefined) return;
  s.live.delete(at);
  s.inUse -= block.size;
  if (at + block.size === s.bump) {
    s.bump = at; // the top block: back to the bump
    return;
  }
  let list = s.free.get(block.size);
  if (list === undefined) s.free.set(block.size, (list = []));
  list.push(at);
}

/** The TypedArray of each dtype (bool is one byte an element). */
export const ARRAY_OF: Record<DType, typeof Float32Array | typeof Int32Array | typeof Uint8Array> = {
  float32: Float32Array,
  int32: Int32Array,
  bool: Uint8Array,
};

/** A `size`-element array of `dtype` on the heap (contents undefined), or null where it does not fit or there is no heap. */
export function heapArray(dtype: DType, size: number): TypedArray | null {
  const s = heap();
  if (s === null) return null;
  const at = take(s, Math.max(size * ARRAY_OF[dtype].BYTES_PER_ELEMENT, 1), null);
  if (at === 0) return null;
  const view = new ARRAY_OF[dtype](s.buffer as unknown as ArrayBuffer, at, size);
  s.live.get(at)!.view = view;
  return view;
}

/** Frees `array`'s block if `array` is the very view heapArray made for it; true when it did. */
export function heapRelease(array: unknown): boolean {
  const s = state;
  if (!s || !ArrayBuffer.isView(array) || !s.buffers.has(array.buffer)) return false;
  const block = s.live.get(array.byteOffset);
  if (block === undefined || block.view !== array) return false;
  heapFree(array.byteOffset);
  return true;
}

/** `array`'s byte address in the heap's memory, or -1 when it is not on the heap (a JS array). */
export function heapAddress(array: ArrayBufferView): number {
  const s = state;
  return s && s.buffers.has(array.buffer) ? array.byteOffset : -1;
}

/**
 * The wasm heap's blocks and bytes in use, bytes on its free lists, and its memory's size (all 0
 * where there is no heap): what tensor storage and kernel scratch hold on the CPU backend.
 *
 * @example
 * import { heapStats } from '@nabla/backend-cpu';
 * console.log(`${(heapStats().bytesInUse / 2 ** 20).toFixed(1)} MiB of tensors and scratch`);
 */
export function heapStats(): { blocks: number; bytesInUse: number; bytesFree: number; memoryBytes: number } {
  const s = state;
  if (!s) return { blocks: 0, bytesInUse: 0, bytesFree: 0, memoryBytes: 0 };
  let bytesFree = 0;
  for (const [size, list] of s.free) bytesFree += size * list.length;
  return { blocks: s.live.size, bytesInUse: s.inUse, bytesFree, memoryBytes: s.memory.buffer.byteLength };
}

/** Where a kernel module's instance lives: the memory it imports, the import's declaration, and its scratch. */
export interface KernelMemory {
  readonly memory: WebAssembly.Memory;
  /** The memory import for emit.ts's ModuleDef. */
  readonly spec: { module: string; field: string; initial: number; maximum?: number; shared?: boolean };
  /** Byte address of `scratchBytes` the module may use as it likes (kept for the process's life). */
  readonly scratch: number;
}

/**
 * The heap, with `scratchBytes` of it for the module's own use, where there is a heap; else a
 * memory of the module's own holding just the scratch (at address 0), so the module works the
 * same on foreign arrays.
 */
export function kernelMemory(scratchBytes: number): KernelMemory {
  const s = heap();
  const scratch = s === null ? 0 : heapAlloc(scratchBytes);
  if (s !== null && scratch !== 0) {
    return { memory: s.memory, spec: { module: 'env', field: 'memory', initial: 1, maximum: HEAP_MAX_PAGES, shared: true }, scratch };
  }
  const initial = Math.max(1, Math.ceil(scratchBytes / PAGE));
  return { memory: new WebAssembly.Memory({ initial }), spec: { module: 'env', field: 'memory', initial }, scratch: 0 };
}
