import type { TensorInfo } from '@nabla/tensor';
import { describe, expect, it, vi } from 'vitest';
import { fusedKernels, lstmCellGradJs, lstmCellJs } from '../src/fused.js';
import { FAST_SOFTMAX_MIN_ROW, fastSoftmax, softmax } from '../src/softmax.js';
import { wasmLstm } from '../src/wasm/lstm.js';
import { WasmMath } from '../src/wasm/math.js';
import { wasmSoftmax } from '../src/wasm/softmax.js';
import { heapArray, heapRelease, heapStats } from '../src/heap.js';
import { checkAndFree, expectSameBits, place, rng } from './helpers.js';

// The vector exp / sigmoid / tanh of wasm/math.ts against Math.exp / Math.tanh, and the kernels
// built on them (the LSTM cell, softmax) against the JS loops they replace, which stay the oracle.

/** A standard normal sample from two uniforms (Box-Muller). */
const gauss = (next: () => number) => Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next());

const MIN_NORMAL = 2 ** -126;
const bits = new Float32Array(1);
const bitsU = new Uint32Array(bits.buffer);
/** float32 x as an integer that orders like x (ulps between two floats = difference). */
function ordinal(x: number): number {
  bits[0] = x;
  const b = bitsU[0]!;
  return b & 0x80000000 ? -(b & 0x7fffffff) : b;
}
const ulps = (a: number, b: number) => Math.abs(ordinal(a) - ordinal(b));

/** n float32 inputs: uniform over [lo, hi], then as many with random bit patterns (every exponent, both signs). */
function inputs(n: number, lo: number, hi: number, seed: number): Float32Array {
  const next = rng(seed);
  const out = new Float32Array(2 * n);
  for (let i = 0; i < n; i++) out[i] = lo + (hi - lo) * next();
  const u = new Uint32Array(out.buffer, 4 * n, n);
  for (let i = 0; i < n; i++) u[i] = Math.floor(next() * 2 ** 32) & 0xff7fffff; // no Inf/NaN exponent
  return out;
}

const SPECIAL = [NaN, Infinity, -Infinity, 0, -0, 1e-45, -1e-45, 1e-38, -1e-38, 1e-30, -1e-30, 1, -1, 88.72283, 88.7229, -87.33, -103.9, -104, 3.4e38, -3.4e38];

describe('wasm exp / sigmoid / tanh (math.ts)', () => {
  const math = WasmMath.create();
  it('is available here, so the comparisons below exercise it', () => {
    expect(math).not.toBeNull();
    expect(wasmLstm()).not.toBeNull();
    expect(wasmSoftmax()).not.toBeNull();
  });

  it('exp is within 2 ulp of the correctly rounded value over normal outputs, 1 subnormal ulp below, and overflows past 88.72', () => {
    const x = Float32Array.from([...inputs(50000, -110, 95, 1), ...SPECIAL]);
    const got = math!.map('exp', x);
    let worst = 0;
    for (let i = 0; i < x.length; i++) {
      const want = Math.fround(Math.exp(x[i]!));
      if (Number.isNaN(want) || want === Infinity || want === 0) {
        expect(Object.is(got[i], want), `exp(${x[i]}) = ${got[i]}, want ${want}`).toBe(true);
      } else if (want < MIN_NORMAL) {
        // gradual underflow: the scale's last multiply rounds once
        expect(Math.abs(got[i]! - Math.exp(x[i]!)), `exp(${x[i]})`).toBeLessThanOrEqual(2 ** -149);
      } else {
        worst = Math.max(worst, ulps(got[i]!, want));
        if (ulps(got[i]!, want) > 2) expect(`exp(${x[i]}) = ${got[i]}`).toBe(`${want}`);
      }
    }
    expect(worst).toBeGreaterThan(0); // not Math.exp itself
    expect(Array.from(math!.map('exp', Float32Array.of(0, -0, 1, 88.7228317, 88.72284, -103.3)))).toEqual([1, 1, Math.fround(Math.E), Math.fround(Math.exp(88.7228317)), Infinity, Math.fround(Math.exp(-103.3))]);
  });

  it('exp of non-positive arguments (the form sigmoid and tanh use) is within 2 ulp, flushing below the normal range', () => {
    const x = Float32Array.from([...inputs(50000, -100, 0, 2).map((v) => -Math.abs(v)), NaN, -Infinity, 0, -0, -87.3, -87.4, -88, -1e-45]);
    const got = math!.map('expNonPositive', x);
    for (let i = 0; i < x.length; i++) {
      const want = Math.fround(Math.exp(x[i]!));
      if (Number.isNaN(want)) expect(got[i]).toBeNaN();
      else if (want < MIN_NORMAL) expect(Math.abs(got[i]! - want), `exp(${x[i]})`).toBeLessThanOrEqual(MIN_NORMAL);
      else if (ulps(got[i]!, want) > 2) expect(`exp(${x[i]}) = ${got[i]}`).toBe(`${want}`);
    }
    expect(Array.from(math!.map('expNonPositive', Float32Array.of(-Infinity, -88, 0)))).toEqual([0, 0, 1]);
  });

  it('sigmoid is within 1e-6 relative of 1/(1 + e^-x) in float64, with exact limits', () => {
    const x = Float32Array.from([...inputs(50000, -30, 30, 3), ...SPECIAL]);
    const got = math!.map('sigmoid', x);
    let worst = 0;
    for (let i = 0; i < x.length; i++) {
      const want = 1 / (1 + Math.exp(-x[i]!));
      if (Number.isNaN(want)) {
        expect(got[i]).toBeNaN();
        continue;
      }
      // below the normal range (x < -87.3) e^-|x| is flushed to 0, an absolute error under 2^-126
      const err = Math.abs(got[i]! - want) / (want < MIN_NORMAL ? MIN_NORMAL : want);
      worst = Math.max(worst, err);
      if (err > 1e-6) expect(`sigmoid(${x[i]}) = ${got[i]}`).toBe(`${want}`);
    }
    expect(worst).toBeLessThan(1e-6);
    expect(Array.from(math!.map('sigmoid', Float32Array.of(Infinity, -Infinity, 0, -0, 200, -200)))).toEqual([1, 0, 0.5, 0.5, 1, 0]);
  });

  it('tanh is within 1e-6 relative of Math.tanh down to |x| = 1e-30, exact at ±0 and ±1 for large |x|', () => {
    const next = rng(4);
    // log-uniform magnitudes 1e-30 .. 1e2 (where the odd polynomial and the exp form meet too), then the bit patterns
    const logUniform = Array.from({ length: 50000 }, () => (next() < 0.5 ? -1 : 1) * 10 ** (-30 + 32 * next()));
    const x = Float32Array.from([...logUniform, ...inputs(25000, -3, 3, 5), ...SPECIAL, 0.625, -0.625, Math.fround(0.625) - 2 ** -24]);
    const got = math!.map('tanh', x);
    let worst = 0;
    for (let i = 0; i < x.length; i++) {
      const want = Math.tanh(x[i]!);
      if (Number.isNaN(want) || want === 0) {
        expect(Object.is(got[i], want), `tanh(${x[i]}) = ${got[i]}`).toBe(true);
        continue;
      }
      const err = Math.abs(got[i]! - want) / Math.abs(want);
      worst = Math.max(worst, err);
      if (err > 1e-6) expect(`tanh(${x[i]}) = ${got[i]}`).toBe(`${want}`);
    }
    expect(worst).toBeLessThan(1e-6);
    const edges = math!.map('tanh', Float32Array.of(0, -0, Infinity, -Infinity, 20, -20, 1e30, -1e30, 1e-40, -1e-40));
    expect(Object.is(edges[0], 0) && Object.is(edges[1], -0)).toBe(true);
    expect(Array.from(edges.subarray(2))).toEqual([1, -1, 1, -1, 1, -1, Math.fround(1e-40), Math.fround(-1e-40)]);
  });
});

const matrix = (shape: number[], values: Float32Array, offset = 0): TensorInfo => {
  const buffer = new Float32Array(offset + values.length);
  buffer.set(values, offset);
  return { buffer, dtype: 'float32', shape, strides: [shape[1]!, 1], offset };
};

/** Gate pre-activations that saturate every gate, overflow float32 exp, or are not numbers. */
const EXTREME = [20, -20, 100, -100, Infinity, -Infinity, 17, -17, 0, -0, 1e-30, NaN];

type Kind = 'normal' | 'wide' | 'extreme';
function lstmData(b: number, u: number, kind: Kind, seed: number): { z: TensorInfo; c: TensorInfo; dy: TensorInfo } {
  const next = rng(seed);
  const z = new Float32Array(b * 4 * u).map(() => {
    if (kind === 'normal') return 2 * gauss(next);
    if (kind === 'wide') return 8 * gauss(next);
    return next() < 0.5 ? EXTREME[Math.floor(next() * EXTREME.length)]! : 4 * gauss(next);
  });
  const c = new Float32Array(b * u).map(() => 2 * gauss(next));
  if (kind === 'extreme') c[0] = NaN; // a NaN cell state propagates too
  const dy = new Float32Array(b * 2 * u).map(() => gauss(next));
  // z at an offset in a larger buffer: the kernels read views, not whole buffers
  return { z: matrix([b, 4 * u], z, 3), c: matrix([b, u], c), dy: matrix([b, 2 * u], dy, 1) };
}

/**
 * float32 SIMD against the float64 JS loop. Tolerance: 1e-6 relative to the result, plus 2e-7 times
 * S, the magnitude of the terms summed into it, since a sum of rounded terms carries their rounding
 * whatever its own size (c' = f·c + i·g cancels): forward S = 1 + |c|; backward, where dc sums dy's
 * terms and is multiplied by c, S = (1 + |c|)²·(1 + |dy_h| + |dy_c|). NaN exactly where the JS has NaN.
 */
function expectLstmClose(got: Float32Array, want: Float32Array, c: TensorInfo, dy: TensorInfo | null, u: number, label: string): void {
  expect(got.length, label).toBe(want.length);
  const C = c.buffer as Float32Array;
  const D = dy?.buffer as Float32Array | undefined;
  const width = dy === null ? 2 * u : 5 * u;
  for (let k = 0; k < got.length; k++) {
    const row = Math.floor(k / width);
    const j = (k % width) % u;
    const cj = Math.abs(C[c.offset + row * u + j]!);
    const S = D === undefined ? 1 + cj : (1 + cj) ** 2 * (1 + Math.abs(D[dy!.offset + row * 2 * u + j]!) + Math.abs(D[dy!.offset + row * 2 * u + u + j]!));
    const [g, w] = [got[k]!, want[k]!];
    const ok = Number.isNaN(w) ? Number.isNaN(g) : Number.isNaN(g) ? false : g === w || Math.abs(g - w) <= 1e-6 * Math.abs(w) + 2e-7 * S;
    if (!ok) expect(`${label} [${row}, ${k % width}]: ${g}`).toBe(`${w} (S = ${S})`);
  }
}

describe('fused LSTM cell in wasm SIMD against the JS loops', () => {
  const shapes: [number, number][] = [];
  for (const u of [4, 8, 64, 3, 5]) for (const b of [1, 7, 64]) shapes.push([b, u]);
  shapes.push([64, 256], [2, 8192]); // several chunks; one row wider than a chunk (the memory grows)
  for (const [b, u] of shapes) {
    for (const kind of ['normal', 'wide', 'extreme'] as const) {
      it(`B=${b} u=${u} ${kind}`, () => {
        const { z, c, dy } = lstmData(b, u, kind, 1000 * b + 10 * u + kind.length);
        const fwd = fusedKernels.lstmCell!(z, c) as Float32Array;
        const bwd = fusedKernels.lstmCellGrad!(z, c, dy) as Float32Array;
        const fwdJs = lstmCellJs(z, c);
        const bwdJs = lstmCellGradJs(z, c, dy);
        if (u % 4 !== 0) {
          // the JS loop itself: the same bits
          expect(Array.from(fwd)).toEqual(Array.from(fwdJs));
          expect(Array.from(bwd)).toEqual(Array.from(bwdJs));
          return;
        }
        expect(fwd.some((v, k) => v !== fwdJs[k] && !Number.isNaN(v))).toBe(true); // the SIMD path, not the loop
        expectLstmClose(fwd, fwdJs, c, null, u, 'forward');
        expectLstmClose(bwd, bwdJs, c, dy, u, 'backward');
        if (kind === 'extreme') expect(fwd.some(Number.isNaN) && bwd.some(Number.isNaN)).toBe(true);
      });
    }
  }

  it('keeps saturated gates exact: σ(±Infinity) = 1, 0; tanh(±Infinity) = ±1; σ·(1 - σ) = 1 - tanh² = 0 there', () => {
    // one row, gates i | f | g | o of 4 lanes each: every gate saturated, so c' and every dz are exact
    const z = Float32Array.of(
      Infinity, -Infinity, Infinity, -Infinity,
      -Infinity, Infinity, Infinity, -Infinity,
      Infinity, -Infinity, -Infinity, Infinity,
      Infinity, -Infinity, Infinity, Infinity,
    );
    const zi = matrix([1, 16], z), ci = matrix([1, 4], Float32Array.of(0.75, 2, -3, 0.5)), di = matrix([1, 8], Float32Array.of(1, -2, 0.5, 1, 1, 3, -1, 2));
    const fwd = fusedKernels.lstmCell!(zi, ci) as Float32Array;
    const bwd = fusedKernels.lstmCellGrad!(zi, ci, di) as Float32Array;
    const fwdJs = lstmCellJs(zi, ci);
    const bwdJs = lstmCellGradJs(zi, ci, di);
    expect(Array.from(fwd.subarray(4))).toEqual([1, 2, -4, 0]); // c' = f·c + i·g
    expect(Array.from(fwd.subarray(4))).toEqual(Array.from(fwdJs.subarray(4)));
    expect(Array.from(bwd.subarray(0, 16), (v) => Math.abs(v))).toEqual(new Array(16).fill(0));
    expectLstmClose(fwd, fwdJs, ci, null, 4, 'forward');
    expectLstmClose(bwd, bwdJs, ci, di, 4, 'backward');
  });
});

/** Rows of r floats: mostly normal values, some rows scaled up, some with NaN / ±Infinity / all -Infinity. */
function softmaxData(rows: number, r: number, seed: number): Float32Array {
  const next = rng(seed);
  const out = new Float32Array(rows * r);
  for (let row = 0; row < rows; row++) {
    const kind = next();
    const scale = kind < 0.15 ? 1e4 : kind < 0.2 ? 1e30 : kind < 0.3 ? 0.01 : 3;
    for (let j = 0; j < r; j++) out[row * r + j] = scale * gauss(next);
    const special = next();
    const at = row * r + Math.floor(next() * r);
    if (special < 0.05) out[at] = NaN;
    else if (special < 0.1) out[at] = Infinity;
    else if (special < 0.15) out[at] = -Infinity;
    else if (special < 0.17) out.fill(-Infinity, row * r, row * r + r);
    else if (special < 0.2) out[at] = 100; // one value that dominates its row
  }
  return out;
}

/**
 * fastSoftmax against softmax: NaN and ±Infinity exactly where the reference has them; else within
 * 1e-6 relative (softmax: exp's 2 ulp and the division; log: relative to max(1, |want|), which
 * bounds the log-sum that was subtracted), plus 2^-126 absolute where exp flushes what the
 * reference keeps as a subnormal.
 */
function expectSoftmaxClose(got: Float32Array, want: Float32Array, log: boolean, label: string): void {
  expect(got.length, label).toBe(want.length);
  for (let k = 0; k < got.length; k++) {
    const [g, w] = [got[k]!, want[k]!];
    const ok = Number.isFinite(w) ? Math.abs(g - w) <= 1e-6 * (log ? Math.max(1, Math.abs(w)) : Math.abs(w)) + MIN_NORMAL : Object.is(g, w) || (Number.isNaN(g) && Number.isNaN(w));
    if (!ok) expect(`${label} [${k}]: ${g}`).toBe(`${w}`);
  }
}

const info = (shape: number[], values: Float32Array): TensorInfo => {
  const strides = shape.map((_, d) => shape.slice(d + 1).reduce((a, b) => a * b, 1));
  return { buffer: values, dtype: 'float32', shape, strides, offset: 0 };
};

describe('fastSoftmax (wasm SIMD) against softmax (the reference loop)', () => {
  const shapes = [[64, 1], [5, 3], [128, 10], [33, 17], [64, 1000], [3000, 17], [2, 40000], [4, 3, 17], [1000], [], [1, 2], [7, 4], [9, 8], [6, 5]];
  for (const shape of shapes) {
    for (const log of [false, true]) {
      it(`${log ? 'logSoftmax' : 'softmax'} [${shape}]`, () => {
        const n = shape.reduce((a, b) => a * b, 1);
        const r = shape.length === 0 ? 1 : shape[shape.length - 1]!;
        const x = info(shape, softmaxData(n / r, r, 17 * n + r));
        const want = softmax(x, log);
        // (log-softmax's results often equal the reference's bit for bit, so count the kernel's calls instead)
        const run = vi.spyOn(wasmSoftmax()!, 'run');
        try {
          expectSoftmaxClose(fastSoftmax(x, log), want, log, 'fastSoftmax');
          expect(run).toHaveBeenCalledTimes(r >= FAST_SOFTMAX_MIN_ROW && n > 0 ? 1 : 0);
        } finally {
          run.mockRestore();
        }
        // the wasm kernel itself too, whatever fastSoftmax's row-length cutoff
        const direct = new Float32Array(n);
        wasmSoftmax()!.run(x.buffer as Float32Array, direct, r, log);
        expectSoftmaxClose(direct, want, log, 'wasm');
      });
    }
  }

  it('follows the reference on rows with NaN, +Infinity, -Infinity and overflowing exps', () => {
    const rows = [
      [1, 2, NaN, 3, 4],
      [Infinity, 1, 2, 3, 4],
      [Infinity, 100, -Infinity, 3, 4], // shift 0: exp(100) overflows to Infinity in float32
      [Infinity, Infinity, 0, 0, 0],
      [-Infinity, -Infinity, -Infinity, -Infinity, -Infinity],
      [-Infinity, 5, -Infinity, -Infinity, -Infinity],
      [1e30, -1e30, 0, 1e30, 3],
      [-1e30, -1e30, -1e30, -1e30, -1e30],
      [3, 3, 3, 3, 3],
    ];
    const x = info([rows.length, 5], Float32Array.from(rows.flat()));
    for (const log of [false, true]) {
      const got = fastSoftmax(x, log);
      const want = softmax(x, log);
      expectSoftmaxClose(got, want, log, log ? 'log' : 'softmax');
      expect(want.slice(0, 5).every(Number.isNaN)).toBe(true); // what "follows" means here
    }
  });

  it('reads strided views (a transposed input)', () => {
    const values = softmaxData(12, 10, 99);
    const t: TensorInfo = { buffer: values, dtype: 'float32', shape: [10, 12], strides: [1, 10], offset: 0 };
    for (const log of [false, true]) expectSoftmaxClose(fastSoftmax(t, log), softmax(t, log), log, 'transposed');
  });
});

describe('softmax kernel on heap and foreign operands', () => {
  const engine = wasmSoftmax()!;
  const shapes: [number, number][] = [[64, 1], [32769, 1], [5, 3], [33, 17], [3000, 17], [2, 40000], [9, 8], [1, 5], [2000, 20]];
  for (const [rows, r] of shapes) {
    for (const log of [false, true]) {
      it(`gives the foreign-only bits for every placement of x and out: ${log ? 'logSoftmax' : 'softmax'} [${rows}, ${r}]`, () => {
        const x = softmaxData(rows, r, 31 * rows + r);
        const want = new Float32Array(rows * r);
        engine.run(x, want, r, log);
        expectSoftmaxClose(want, softmax(info([rows, r], x), log), log, 'foreign');
        for (let mask = 0; mask < 4; mask++) {
          const held: Float32Array[] = [];
          const X = place(x, (mask & 1) !== 0, held);
          const out = place(new Float32Array(rows * r), (mask & 2) !== 0, held);
          engine.run(X, out, r, log);
          const label = `[${rows}, ${r}] mask=${mask}`;
          expectSameBits(out, want, label);
          expectSameBits(X, x, `${label} x untouched`);
          checkAndFree(held, label);
        }
      });
    }
  }

  it('copies nothing when x and out are on the heap and rows are whole vectors, after the heap grew', () => {
    const grow = heapArray('float32', heapStats().memoryBytes / 4) as Float32Array; // past the engine's first view of the memory
    const [rows, r] = [300, 40];
    const x = softmaxData(rows, r, 5);
    for (const log of [false, true]) {
      const want = new Float32Array(rows * r);
      engine.run(x, want, r, log);
      const held: Float32Array[] = [];
      const X = place(x, true, held);
      const out = place(new Float32Array(rows * r), true, held);
      const set = vi.spyOn(Float32Array.prototype, 'set');
      try {
        engine.run(X, out, r, log);
        expect(set).not.toHaveBeenCalled();
      } finally {
        set.mockRestore();
      }
      expectSameBits(out, want, `log=${log}`);
      checkAndFree(held, `log=${log}`);
    }
    heapRelease(grow);
  });
});

describe('LSTM cell kernels on heap and foreign operands', () => {
  const engine = wasmLstm()!;
  /** z, c, dy as plain arrays of their views' values. */
  const raw = (b: number, u: number, seed: number): Float32Array[] => {
    const { z, c, dy } = lstmData(b, u, 'extreme', seed);
    return [z, c, dy].map((t) => (t.buffer as Float32Array).slice(t.offset, t.offset + t.shape[0]! * t.shape[1]!));
  };
  for (const [b, u] of [[1, 4], [7, 8], [64, 64], [200, 64], [2, 8192]] as [number, number][]) {
    it(`gives the foreign-only bits for every placement of the operands: B=${b} u=${u}`, () => {
      const [z, c, dy] = raw(b, u, b + u) as [Float32Array, Float32Array, Float32Array];
      const wantF = new Float32Array(b * 2 * u);
      const wantB = new Float32Array(b * 5 * u);
      engine.forward(z, c, wantF, b, u);
      engine.backward(z, c, dy, wantB, b, u);
      for (let mask = 0; mask < 16; mask++) {
        const on = (bit: number): boolean => (mask & (1 << bit)) !== 0;
        const label = `B=${b} u=${u} mask=${mask}`;
        const held: Float32Array[] = [];
        const [Z, C, D] = [place(z, on(0), held), place(c, on(1), held), place(dy, on(2), held)];
        const outF = place(new Float32Array(b * 2 * u), on(3), held);
        const outB = place(new Float32Array(b * 5 * u), on(3), held);
        engine.forward(Z, C, outF, b, u);
        engine.backward(Z, C, D, outB, b, u);
        expectSameBits(outF, wantF, `${label} forward`);
        expectSameBits(outB, wantB, `${label} backward`);
        for (const [got, want, name] of [[Z, z, 'z'], [C, c, 'c'], [D, dy, 'dy']] as const) expectSameBits(got, want, `${label} ${name} untouched`);
        checkAndFree(held, label);
      }
    });
  }

  it('copies nothing when every operand is on the heap', () => {
    const [b, u] = [200, 64];
    const [z, c, dy] = raw(b, u, 3) as [Float32Array, Float32Array, Float32Array];
    const wantF = new Float32Array(b * 2 * u);
    const wantB = new Float32Array(b * 5 * u);
    engine.forward(z, c, wantF, b, u);
    engine.backward(z, c, dy, wantB, b, u);
    const held: Float32Array[] = [];
    const [Z, C, D] = [z, c, dy].map((a) => place(a, true, held)) as [Float32Array, Float32Array, Float32Array];
    const outF = place(new Float32Array(b * 2 * u), true, held);
    const outB = place(new Float32Array(b * 5 * u), true, held);
    const set = vi.spyOn(Float32Array.prototype, 'set');
    try {
      engine.forward(Z, C, outF, b, u);
      engine.backward(Z, C, D, outB, b, u);
      expect(set).not.toHaveBeenCalled();
    } finally {
      set.mockRestore();
    }
    expectSameBits(outF, wantF, 'forward');
    expectSameBits(outB, wantB, 'backward');
    checkAndFree(held, 'all on the heap');
  });
});
