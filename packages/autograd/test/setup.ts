import { createCpuBackend } from '@nabla/backend-cpu';
import { memory, setBackend, type Tensor } from '@nabla/tensor';
import { beforeAll, expect } from 'vitest';

/** Activates the CPU backend for the file. */
export function useCpu(): void {
  beforeAll(async () => {
    await setBackend(await createCpuBackend());
  });
}

/** Runs fn (which must dispose what it made) and asserts memory is back to where it was. */
export function expectNoLeak(fn: () => void): void {
  const before = memory();
  fn();
  expect(memory(), 'memory after the call').toEqual(before);
}

/** Float values of a tensor as a plain array. */
export function values(t: Tensor): number[] {
  return Array.from(t.dataSync() as Float32Array);
}

/** Asserts close to expected, elementwise (float32 results). */
export function expectClose(actual: Tensor | readonly number[], expected: readonly number[], rtol = 1e-5, atol = 1e-6): void {
  const a = Array.isArray(actual) ? (actual as number[]) : values(actual as Tensor);
  expect(a.length, 'length').toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const e = expected[i]!;
    if (!(Math.abs(a[i]! - e) <= atol + rtol * Math.abs(e))) {
      expect.fail(`element ${i}: expected ${e}, got ${a[i]} (all: [${a.join(', ')}])`);
    }
  }
}
