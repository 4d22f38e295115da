import type { DType, TypedArray } from '@nabla/tensor';
import { ARRAY_OF, heapArray, heapRelease } from './heap.js';
import { bumpVersion } from './versions.js';

/**
 * Output arrays. Where the wasm heap exists (heap.ts) every array of HEAP_MIN_ELEMENTS or more is
 * a block of it, freed by `Backend.release`; the rest, and everything where there is no heap, are
 * JS arrays, reused as follows.
 *
 * Reuse of released output arrays. A fresh large TypedArray cost ~2 ns an element here before a
 * kernel had written it once (its zeroed pages fault in one by one, and the GC must later find
 * and free it); zero-filling a released one costs ~0.3. Training allocates the same shapes every
 * step, so arrays given back by `Backend.release` are kept by dtype and length and handed out
 * again, zero-filled, by `alloc`.
 *
 * Only arrays `alloc` made are kept: never a user's array passed to `write` (the user may still
 * hold it), never a view. The tensor package releases a storage once, when its last view goes,
 * so nothing else can read a kept array. At most MAX_BYTES are kept; past that the whole store
 * is dropped to the GC (a change of shapes, such as evaluation after training, should not pin
 * the old ones).
 */
const MIN_ELEMENTS = 4096; // smaller arrays are cheap for the GC's nursery
/**
 * Fewest elements stored on the heap: the wasm kernels' own threshold (a smaller array never
 * reaches a wasm kernel, and the GC's nursery makes small JS arrays cheap).
 */
export const HEAP_MIN_ELEMENTS = 64;
const MAX_BYTES = 128 * 2 ** 20;
const DTYPES: readonly DType[] = ['float32', 'int32', 'bool'];

const made = new WeakSet<TypedArray>();
const kept = new Set<TypedArray>();
const byLength: Map<number, TypedArray[]>[] = DTYPES.map(() => new Map());
let keptBytes = 0;

/** A new zero-filled JS array (never on the heap), left to the GC. */
export function jsArray(dtype: DType, size: number): TypedArray {
  return new ARRAY_OF[dtype](size);
}

/** A kept array of this dtype and length, taken out of the store (its contents about to change), or undefined. */
function take(dtype: DType, size: number): TypedArray | undefined {
  const reused = byLength[DTYPES.indexOf(dtype)]!.get(size)?.pop();
  if (reused === undefined) return undefined;
  kept.delete(reused);
  keptBytes -= reused.byteLength;
  bumpVersion(reused); // caches of the old contents are stale
  return reused;
}

/** A new array the store may take back when released. */
function fresh(dtype: DType, size: number): TypedArray {
  const out = jsArray(dtype, size);
  made.add(out);
  return out;
}

let poison: boolean | undefined;

/**
 * NABLA_HEAP_POISON=1 (tests): `allocFull` hands out heap arrays filled with NaN (0x5a in each
 * element of the integer dtypes), so a kernel that promised to write every element but did not shows it, as
 * a reused block's old values would only sometimes.
 */
function poisoned(): boolean {
  poison ??= (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.['NABLA_HEAP_POISON'] === '1';
  return poison;
}

/** A zero-filled array of `dtype` (bool is one byte per element), reused when one was released. */
export function alloc(dtype: DType, size: number): TypedArray {
  if (size >= HEAP_MIN_ELEMENTS) {
    const onHeap = heapArray(dtype, size);
    if (onHeap !== null) return onHeap.fill(0); // a reused block holds its last tenant's values
  }
  if (size < MIN_ELEMENTS) return jsArray(dtype, size);
  return take(dtype, size)?.fill(0) ?? fresh(dtype, size);
}

/**
 * Like `alloc`, for a caller that writes every element before anything reads the array: a reused
 * array is handed out as it is, without the zero fill.
 */
export function allocFull(dtype: DType, size: number): TypedArray {
  if (size >= HEAP_MIN_ELEMENTS) {
    const onHeap = heapArray(dtype, size);
    if (onHeap !== null) return poisoned() ? onHeap.fill(dtype === 'float32' ? NaN : 0x5a) : onHeap;
  }
  if (size < MIN_ELEMENTS) return jsArray(dtype, size);
  return take(dtype, size) ?? fresh(dtype, size);
}

/**
 * Frees a released array's heap block, or keeps a released JS array for `alloc` if `alloc` made
 * it (anything else is left to the GC).
 */
export function recycle(buffer: unknown): void {
  if (heapRelease(buffer)) return;
  const a = buffer as TypedArray;
  if (!made.has(a) || kept.has(a)) return;
  if (keptBytes + a.byteLength > MAX_BYTES) drop();
  if (a.byteLength > MAX_BYTES) return;
  const dtype = a instanceof Float32Array ? 0 : a instanceof Int32Array ? 1 : 2;
  const map = byLength[dtype]!;
  let stack = map.get(a.length);
  if (stack === undefined) map.set(a.length, (stack = []));
  stack.push(a);
  kept.add(a);
  keptBytes += a.byteLength;
}

/** Drops every kept array (to the GC). */
export function drop(): void {
  for (const m of byLength) m.clear();
  kept.clear();
  keptBytes = 0;
}

/** Arrays and bytes kept for reuse (for tests). */
export function keptStats(): { arrays: number; bytes: number } {
  return { arrays: kept.size, bytes: keptBytes };
}
