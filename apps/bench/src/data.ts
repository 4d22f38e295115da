/**
 * Synthetic inputs of MNIST shapes, generated once per shape from a fixed seed so that
 * every system gets the same numbers.
 */

/** mulberry32: small, fast, deterministic. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** n values uniform in [lo, hi). */
export function uniform(n: number, seed: number, lo = -1, hi = 1): Float32Array {
  const r = rng(seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = lo + (hi - lo) * r();
  return out;
}

/** One-hot rows [batch, classes] of random labels. */
export function oneHotLabels(batch: number, classes: number, seed: number): Float32Array {
  const r = rng(seed);
  const out = new Float32Array(batch * classes);
  for (let i = 0; i < batch; i++) out[i * classes + Math.floor(r() * classes)] = 1;
  return out;
}

/** Glorot-uniform weights [fanIn, fanOut] (Keras' Dense default). */
export function glorot(fanIn: number, fanOut: number, seed: number): Float32Array {
  const limit = Math.sqrt(6 / (fanIn + fanOut));
  return uniform(fanIn * fanOut, seed, -limit, limit);
}
