import { createCpuBackend } from '@nabla/backend-cpu';
import { setBackend, tidy, type Backend, type Tensor, type TypedArray } from '@nabla/tensor';
import { createNodeWebGPUBackend } from '../src/node.js';

/** Ordered-integer view of a float32, so adjacent floats differ by 1 (across zero too). */
function ordered(x: number): number {
  const i = new Int32Array(new Float32Array([x]).buffer)[0]!;
  return i < 0 ? -2147483648 - i : i;
}

/** Distance in units in the last place between two float32 values. */
export function ulps(a: number, b: number): number {
  if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) && Number.isNaN(b) ? 0 : Infinity;
  if (!Number.isFinite(a) || !Number.isFinite(b)) return a === b ? 0 : Infinity;
  return Math.abs(ordered(a) - ordered(b));
}

export interface Deviation {
  /** Largest ULP distance over elements whose CPU value is at least `floor` in magnitude. */
  ulp: number;
  /** Largest |gpu - cpu| over the others (results near zero, where ULPs mean little). */
  abs: number;
  /** Elements where one side is NaN/±Infinity and the other is not the same special. */
  specials: number;
}

/** Compares GPU and CPU results elementwise; `floor` splits ULP-measured from abs-measured elements. */
export function deviation(gpu: ArrayLike<number>, cpu: ArrayLike<number>, floor = 1e-6): Deviation {
  if (gpu.length !== cpu.length) throw new Error(`length ${gpu.length} vs ${cpu.length}`);
  const d: Deviation = { ulp: 0, abs: 0, specials: 0 };
  for (let i = 0; i < cpu.length; i++) {
    const g = gpu[i]!;
    const c = cpu[i]!;
    if (!Number.isFinite(c) || !Number.isFinite(g)) {
      if (!(Object.is(g, c) || (Number.isNaN(g) && Number.isNaN(c)) || g === c)) d.specials++;
      continue;
    }
    if (Math.abs(c) >= floor) d.ulp = Math.max(d.ulp, ulps(g, c));
    else d.abs = Math.max(d.abs, Math.abs(g - c));
  }
  return d;
}

export interface Pair {
  cpu: Backend;
  gpu: Backend;
}

export async function backends(): Promise<Pair> {
  return { cpu: createCpuBackend(), gpu: await createNodeWebGPUBackend() };
}

/** Runs `make` (which builds its own inputs from host data) on both backends; returns both results. */
export async function onBoth(pair: Pair, make: () => Tensor): Promise<{ cpu: TypedArray; gpu: TypedArray }> {
  const run = async (b: Backend): Promise<TypedArray> => {
    await setBackend(b);
    const t = tidy(make);
    try {
      return await t.data();
    } finally {
      t.dispose();
    }
  };
  return { cpu: await run(pair.cpu), gpu: await run(pair.gpu) };
}

/** n deterministic values in [lo, hi) (xorshift), independent of nabla's PRNG. */
export function sweep(n: number, lo: number, hi: number, seed = 7): number[] {
  let s = seed >>> 0 || 1;
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    s ^= s << 13; s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5; s >>>= 0;
    out.push(Math.fround(lo + (s / 4294967296) * (hi - lo)));
  }
  return out;
}

/** n values log-uniform in [lo, hi) (lo > 0). */
export function logSweep(n: number, lo: number, hi: number, seed = 11): number[] {
  return sweep(n, Math.log(lo), Math.log(hi), seed).map((v) => Math.fround(Math.exp(v)));
}

export const SPECIALS = [0, -0, 1, -1, 0.5, -0.5, 1.5, 2.5, -2.5, Infinity, -Infinity, NaN, 1e-30, -1e-30, 3e38, -3e38, 88, -88, 100, -100];
