import { grad, variableGrads, type Variable } from '@nabla/autograd';
import { mul, sum, tensor, type Tensor } from '@nabla/tensor';
import { vals } from './helpers.js';

/** Float64 reference recurrences, written from the Keras cell equations (gate orders: LSTM i, f, c, o; GRU z, r, h). */
export interface RefArgs {
  kind: 'simple' | 'lstm' | 'gru';
  /** [B, T, F] row-major. */
  x: number[];
  B: number;
  T: number;
  F: number;
  U: number;
  /** kernel [F, k·U]. */
  W: number[];
  /** recurrent kernel [U, k·U]. */
  R: number[];
  /** bias: [k·U]; GRU resetAfter: [2, 3·U] (input row, recurrent row); null without bias. */
  b: number[] | null;
  resetAfter?: boolean;
  goBackwards?: boolean;
  /** [B, U] initial states. */
  h0?: number[];
  c0?: number[];
  act?: (v: number) => number;
  ract?: (v: number) => number;
}

export interface RefResult {
  /** Outputs in processing order: seq[i] is [B, U]. */
  seq: number[][];
  h: number[];
  c: number[] | null;
}

export const sigmoid64 = (v: number): number => 1 / (1 + Math.exp(-v));

export function rnnReference(a: RefArgs): RefResult {
  const { B, T, F, U, W, R } = a;
  const k = a.kind === 'lstm' ? 4 : a.kind === 'gru' ? 3 : 1;
  const KU = k * U;
  const act = a.act ?? Math.tanh;
  const ract = a.ract ?? sigmoid64;
  const resetAfter = a.resetAfter ?? true;
  const inBias = (j: number): number => (a.b ? a.b[j]! : 0); // GRU resetAfter: row 0
  const recBias = (j: number): number => (a.b && a.kind === 'gru' && resetAfter ? a.b[KU + j]! : 0);
  const seq: number[][] = Array.from({ length: T }, () => new Array<number>(B * U).fill(0));
  const hOut = new Array<number>(B * U).fill(0);
  const cOut = new Array<number>(B * U).fill(0);
  for (let bi = 0; bi < B; bi++) {
    let h = Array.from({ length: U }, (_, u) => a.h0?.[bi * U + u] ?? 0);
    let c = Array.from({ length: U }, (_, u) => a.c0?.[bi * U + u] ?? 0);
    for (let i = 0; i < T; i++) {
      const t = a.goBackwards ? T - 1 - i : i;
      const xw = new Array<number>(KU).fill(0);
      for (let j = 0; j < KU; j++) {
        let s = inBias(j);
        for (let f = 0; f < F; f++) s += a.x[(bi * T + t) * F + f]! * W[f * KU + j]!;
        xw[j] = s;
      }
      const hr = new Array<number>(KU).fill(0);
      for (let j = 0; j < KU; j++) {
        let s = recBias(j);
        for (let u = 0; u < U; u++) s += h[u]! * R[u * KU + j]!;
        hr[j] = s;
      }
      const nh = new Array<number>(U);
      const nc = new Array<number>(U);
      for (let u = 0; u < U; u++) {
        if (a.kind === 'simple') {
          nh[u] = act(xw[u]! + hr[u]!);
        } else if (a.kind === 'lstm') {
          const ig = ract(xw[u]! + hr[u]!);
          const fg = ract(xw[U + u]! + hr[U + u]!);
          const g = act(xw[2 * U + u]! + hr[2 * U + u]!);
          const og = ract(xw[3 * U + u]! + hr[3 * U + u]!);
          nc[u] = fg * c[u]! + ig * g;
          nh[u] = og * act(nc[u]!);
        } else {
          const z = ract(xw[u]! + hr[u]!);
          const r = ract(xw[U + u]! + hr[U + u]!);
          let cand: number;
          if (resetAfter) {
            cand = act(xw[2 * U + u]! + r * hr[2 * U + u]!);
          } else {
            let s = 0;
            for (let v = 0; v < U; v++) {
              const rv = ract(xw[U + v]! + hr[U + v]!);
              s += rv * h[v]! * R[v * KU + 2 * U + u]!;
            }
            cand = act(xw[2 * U + u]! + s);
          }
          nh[u] = z * h[u]! + (1 - z) * cand;
        }
      }
      h = nh;
      if (a.kind === 'lstm') c = nc;
      for (let u = 0; u < U; u++) seq[i]![bi * U + u] = h[u]!;
    }
    for (let u = 0; u < U; u++) {
      hOut[bi * U + u] = h[u]!;
      cOut[bi * U + u] = c[u]!;
    }
  }
  return { seq, h: hOut, c: a.kind === 'lstm' ? cOut : null };
}

/** [T][B·U] in processing order -> [B, T, U] row-major. */
export function seqToBTU(seq: number[][], B: number, U: number): number[] {
  const T = seq.length;
  const out = new Array<number>(B * T * U);
  for (let t = 0; t < T; t++) for (let b = 0; b < B; b++) for (let u = 0; u < U; u++) out[(b * T + t) * U + u] = seq[t]![b * U + u]!;
  return out;
}

/**
 * Central finite differences of a scalar loss in float32 (the layer itself), at a few entries of a
 * Variable; returns [numeric, analytic] pairs. The analytic gradient comes from autograd.
 */
export function fdVariable(loss: () => Tensor, v: Variable, entries: number[], eps = 1e-2): [number, number][] {
  const { value, grads } = variableGrads(loss, [v]);
  value.dispose();
  const g = vals(grads.get(v)!);
  grads.get(v)!.dispose();
  const base = vals(v);
  const at = (vs: number[]): number => {
    const t = tensor(Float32Array.from(vs), v.shape);
    v.assign(t);
    t.dispose();
    const l = loss();
    const r = vals(l)[0]!;
    l.dispose();
    return r;
  };
  const out: [number, number][] = [];
  for (const e of entries) {
    const p = [...base];
    p[e]! += eps;
    const lp = at(p);
    p[e]! -= 2 * eps;
    const lm = at(p);
    out.push([(lp - lm) / (2 * eps), g[e]!]);
  }
  at(base);
  return out;
}

/** The same for an input tensor: loss(x) is evaluated at perturbed copies of x. */
export function fdInput(loss: (x: Tensor) => Tensor, x: number[], shape: number[], entries: number[], eps = 1e-2): [number, number][] {
  const xt = tensor(Float32Array.from(x), shape);
  const g = vals(grad(loss)(xt));
  xt.dispose();
  const at = (vs: number[]): number => {
    const t = tensor(Float32Array.from(vs), shape);
    const l = loss(t);
    const r = vals(l)[0]!;
    l.dispose();
    t.dispose();
    return r;
  };
  return entries.map((e) => {
    const p = [...x];
    p[e]! += eps;
    const lp = at(p);
    p[e]! -= 2 * eps;
    const lm = at(p);
    return [(lp - lm) / (2 * eps), g[e]!];
  });
}

/**
 * The documented tolerance of the finite-difference checks: float32 central differences with
 * eps = 1e-2 have a truncation error ~eps²·f'''/6 and a rounding error ~6e-8·|L|/eps (observed: at most
 * ~4e-5 here), so the analytic gradient must match within 1e-4 + 1e-3·|numeric|.
 */
export function expectGradsMatch(pairs: [number, number][], what: string, atol = 1e-4, rtol = 1e-3): void {
  for (const [n, a] of pairs) {
    if (!(Math.abs(n - a) <= atol + rtol * Math.abs(n))) throw new Error(`${what}: finite difference ${n}, autograd ${a}`);
  }
}

/** A scalar loss sum(y ⊙ c) with fixed pseudo-random weights c (so every output element matters). */
export function weightedSum(y: Tensor, c: Tensor): Tensor {
  return sum(mul(y, c));
}

/** `count` distinct entries spread over [0, n). */
export function someEntries(n: number, count: number, seed = 1): number[] {
  const out = new Set<number>();
  let s = seed;
  while (out.size < Math.min(count, n)) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    out.add((s >>> 4) % n);
  }
  return [...out];
}
