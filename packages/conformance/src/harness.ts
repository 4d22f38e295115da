import { engine, memory, setBackend, type Backend, type Tensor, type TypedArray } from '@nabla/tensor';
import { afterEach, beforeAll, beforeEach, expect } from 'vitest';

/** Tolerances for comparing float32 results with float64 truth, per backend kind. */
export interface Tolerance {
  /** Relative tolerance for elementwise math and small reductions. */
  rtol: number;
  /** Absolute tolerance. */
  atol: number;
}

/** How a backend package runs the suite. */
export interface ConformanceTarget {
  /** Shown in test names. */
  name: string;
  /** Creates the backend under test (called once, before all cases). */
  create: () => Backend | Promise<Backend>;
  /** Overrides the default float32 tolerance. */
  tolerance?: Partial<Tolerance>;
}

export const DEFAULT_TOLERANCE: Tolerance = { rtol: 1e-5, atol: 1e-6 };

/**
 * Per-file setup: activates the backend before the cases, runs each case in its own
 * tensor scope, and after each case asserts that every tensor and buffer the case left
 * was accounted for (memory back to its baseline once the case's tensors are freed).
 */
export function useBackend(target: ConformanceTarget): { tol: Tolerance } {
  const tol = { ...DEFAULT_TOLERANCE, ...target.tolerance };
  let baseline = memory();
  beforeAll(async () => {
    await setBackend(await target.create());
  });
  beforeEach(() => {
    baseline = memory();
    engine.startScope();
  });
  afterEach(() => {
    engine.endScope(new Set());
    const now = memory();
    expect({ tensors: now.numTensors, buffers: now.numBuffers, bytes: now.numBytes }, 'memory after the case').toEqual({
      tensors: baseline.numTensors, buffers: baseline.numBuffers, bytes: baseline.numBytes,
    });
  });
  return { tol };
}

/**
 * Runs `fn` and asserts it leaves exactly its returned tensors alive: an op that leaks
 * an intermediate, or frees one of its inputs, fails here.
 */
export function noLeak<T extends Tensor | Tensor[]>(fn: () => T): T {
  const before = memory().numTensors;
  const out = fn();
  const n = Array.isArray(out) ? out.length : 1;
  expect(memory().numTensors - before, 'tensors left by the op').toBe(n);
  return out;
}

/** Asserts float values match `expected` within tolerance; NaN matches NaN and ±Infinity must be exact. */
export function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: Tolerance, what = 'values'): void {
  expect(actual.length, `${what}: length`).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i]!;
    const e = expected[i]!;
    if (Number.isNaN(e)) {
      if (!Number.isNaN(a)) expect.fail(`${what}[${i}]: expected NaN, got ${a}`);
      continue;
    }
    if (!Number.isFinite(e)) {
      if (a !== e) expect.fail(`${what}[${i}]: expected ${e}, got ${a}`);
      continue;
    }
    if (!(Math.abs(a - e) <= tol.atol + tol.rtol * Math.abs(e))) {
      expect.fail(`${what}[${i}]: expected ${e}, got ${a} (|diff| ${Math.abs(a - e)} > ${tol.atol} + ${tol.rtol}·|e|)`);
    }
  }
}

/** Reads a tensor and checks shape, dtype and values (floats within tolerance, others exactly). */
export async function expectTensor(
  t: Tensor, shape: readonly number[], expected: ArrayLike<number>, tol: Tolerance, dtype: string = 'float32',
): Promise<void> {
  expect(t.shape, 'shape').toEqual(shape);
  expect(t.dtype, 'dtype').toBe(dtype);
  const data: TypedArray = await t.data();
  if (dtype === 'float32') expectClose(data, expected, tol);
  else expect(Array.from(data)).toEqual(Array.from(expected));
}

/** Deterministic pseudo-random floats in [lo, hi), independent of nabla's own PRNG. */
export function randomValues(n: number, seed = 1, lo = -1, hi = 1): Float32Array {
  let s = seed >>> 0 || 1;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s ^= s << 13; s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5; s >>>= 0;
    out[i] = lo + (s / 4294967296) * (hi - lo);
  }
  return out;
}
