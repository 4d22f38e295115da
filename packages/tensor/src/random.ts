/**
 * Seeded random numbers generated on the host, so a seed gives the same values on
 * every backend. The stream is splitmix32-like (Mulberry32): fast, 32-bit, good enough
 * for initialisers and dropout masks (not cryptographic).
 */
export class Random {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  /** Next 32-bit unsigned integer. */
  nextU32(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }
  /** Uniform in [0, 1) with 24 bits of resolution (exactly representable in float32). */
  uniform(): number {
    return (this.nextU32() >>> 8) / 16777216;
  }
  /** A uniformly random permutation of 0..n-1 (Fisher-Yates). */
  permutation(n: number): Int32Array {
    const p = new Int32Array(n);
    for (let i = 0; i < n; i++) p[i] = i;
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(this.uniform() * (i + 1));
      const t = p[i]!;
      p[i] = p[j]!;
      p[j] = t;
    }
    return p;
  }
  /** Standard normal by Box-Muller (one value per call; the pair's twin is discarded for simplicity). */
  normal(): number {
    const u = 1 - this.uniform(); // (0, 1]: log(u) is finite
    const v = this.uniform();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }
}

let autoSeed = (Math.random() * 2 ** 32) >>> 0;

/** A seed for calls that pass none: different on each call and each run. */
export function nextSeed(): number {
  autoSeed = (autoSeed + 0x9e3779b9) >>> 0;
  return autoSeed;
}
