import type { TypedArray } from '@nabla/tensor';
import { expect } from 'vitest';
import { heapAddress, heapArray, heapRelease } from '../src/heap.js';

/** A deterministic xorshift32 stream in [0, 1): test data without Math.random. */
export function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 2 ** 32;
  };
}

/**
 * Bit-for-bit equality, except that every NaN equals every NaN: neither JS nor wasm specifies
 * NaN payloads or signs (V8's JS tiers already differ: Math.max's NaN is 0xffc00000 in optimised
 * code and 0x7fc00000 elsewhere), and no op can observe them.
 */
export function expectSameBits(got: TypedArray, want: TypedArray, label: string): void {
  expect(got.length, label).toBe(want.length);
  const g = new Uint32Array(got.buffer, got.byteOffset, got.length);
  const w = new Uint32Array(want.buffer, want.byteOffset, want.length);
  for (let i = 0; i < got.length; i++) {
    const same = Number.isNaN(got[i]) ? Number.isNaN(want[i]) : g[i] === w[i];
    if (!same) expect(`${label} [${i}]: 0x${g[i]!.toString(16)} (${got[i]})`).toBe(`${label} [${i}]: 0x${w[i]!.toString(16)} (${want[i]})`);
  }
}

/** What a kernel must never overwrite: the 8 floats after each view `place` makes. */
export const SENTINEL = -7.25;

/**
 * src's floats in a view followed by 8 sentinels, its array on the wasm heap or in JS (collected
 * in `held`): a kernel given the view in place must not write past it.
 */
export function place(src: Float32Array, onHeap: boolean, held: Float32Array[]): Float32Array {
  const n = src.length;
  const room = onHeap ? (heapArray('float32', n + 8) as Float32Array) : new Float32Array(n + 8);
  expect(heapAddress(room) >= 0).toBe(onHeap);
  room.fill(SENTINEL);
  room.set(src);
  held.push(room);
  return room.subarray(0, n);
}

/** Every array in `held` still has its 8 sentinels after the view; then frees the heap ones. */
export function checkAndFree(held: Float32Array[], label: string): void {
  for (const room of held) {
    expect([...room.subarray(room.length - 8)], `${label}: written past a view`).toEqual(new Array(8).fill(SENTINEL));
    heapRelease(room);
  }
}
