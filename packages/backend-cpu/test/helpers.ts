import type { TypedArray } from '@nabla/tensor';
import { expect } from 'vitest';

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
