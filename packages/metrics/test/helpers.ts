import { createCpuBackend } from '@nabla/backend-cpu';
import { memory, setBackend } from '@nabla/tensor';
import { beforeAll, expect } from 'vitest';

export function useCpu(): void {
  beforeAll(async () => {
    await setBackend(await createCpuBackend());
  });
}

export function expectClose(actual: number, expected: number, tol = 1e-6): void {
  if (!(Math.abs(actual - expected) <= tol * Math.max(1, Math.abs(expected)))) expect.fail(`expected ${expected}, got ${actual}`);
}

/** Live tensors now. */
export const live = (): number => memory().numTensors;

export const meanRef = (xs: readonly number[]): number => xs.reduce((s, x) => s + x, 0) / xs.length;
