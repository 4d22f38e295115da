import type { DType, ReduceOp, TensorInfo, TypedArray } from '@nabla/tensor';
import { describe, expect, it, vi } from 'vitest';
import { heapAddress, heapArray, heapRelease } from '../src/heap.js';
import { fastReduce, reduce, WASM_REDUCE_MIN_ELEMENTS, WASM_REDUCE_MIN_INNER } from '../src/reduce.js';
import { CHUNK } from '../src/wasm/elementwise.js';
import { wasmReduce } from '../src/wasm/reduce.js';
import { rng, expectSameBits } from './helpers.js';

// fastReduce (wasm SIMD for float32 sum, max, min) against reduce, the JS reference it must match:
// max, min and the leading-axis sum bit for bit; a row sum within the float64 rounding bound below,
// and exactly where float64 sums are exact.

/** Values that separate IEEE corner cases: NaN, ±Infinity, ±0, subnormals, near-overflow magnitudes. */
const SPECIAL = [NaN, Infinity, -Infinity, 0, -0, 1e-45, -1e-45, 1e-40, -3e-39, 1.1754942e-38, 3.4e38, -3.4e38, 1, -1, 0.5, -2.5];
/** The finite ones (sums of these can be checked against a bound). */
const FINITE = SPECIAL.filter(Number.isFinite);

/** float32 data: about `special` of it from `pool`, the rest spread over magnitudes 2^-40 .. 2^40. */
function data(n: number, seed: number, pool: readonly number[] = SPECIAL, special = 0.05): Float32Array {
  const next = rng(seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    out[i] = next() < special ? pool[Math.floor(next() * pool.length)]! : (next() - 0.5) * 2 ** Math.floor(next() * 80 - 40);
  }
  return out;
}

/** Small integers (and ±0): every float64 partial sum is exact, so any order gives the same sum. */
function integers(n: number, seed: number): Float32Array {
  const next = rng(seed);
  return Float32Array.from({ length: n }, () => (next() < 0.05 ? -0 : Math.floor(next() * 2001) - 1000));
}

const view = (buffer: TypedArray, shape: number[], strides: number[], offset = 0, dtype: DType = 'float32'): TensorInfo => ({ buffer, dtype, shape, strides, offset });
const rowMajor = (buffer: TypedArray, shape: number[], offset = 0): TensorInfo =>
  view(buffer, shape, shape.map((_, d) => shape.slice(d + 1).reduce((p, q) => p * q, 1)), offset);

/** The spacing of float32 at |v| (2^-149 among the subnormals); Infinity counts as 2^128. */
function ulp32(v: number): number {
  const a = Math.min(Math.abs(v), 2 ** 128);
  return a < 2 ** -126 ? 2 ** -149 : 2 ** (Math.floor(Math.log2(a)) - 23);
}

/**
 * A row sum against the reference. Both add the row's n floats in float64, in different orders;
 * any order's result is within γ(n-1)·Σ|x| of the exact sum (γ(k) = k·u/(1 - k·u), u = 2^-53), so
 * the two float64 sums differ by at most 2γ(n-1)·Σ|x| ≤ n·2^-52·Σ|x| (n ≤ 2^20). Rounding each to
 * float32 (monotone, half an ulp each way) adds at most one ulp of the larger result; an overflow
 * to ±Infinity is the rounding of a value ≥ 2^128 - 2^103, so Infinity is taken as 2^128 there.
 * A row holding a NaN or an infinity must give the same (NaN, ±Infinity or NaN from ∞ - ∞).
 */
function expectSumClose(got: TypedArray, want: TypedArray, rows: Float32Array, inner: number, label: string): void {
  expect(got.length, label).toBe(want.length);
  for (let r = 0; r < got.length; r++) {
    let abs = 0;
    let finite = true;
    for (let i = r * inner; i < (r + 1) * inner; i++) {
      abs += Math.abs(rows[i]!);
      finite &&= Number.isFinite(rows[i]!);
    }
    const [g, w] = [got[r]!, want[r]!];
    if (!finite) {
      if (!(Number.isNaN(g) ? Number.isNaN(w) : g === w)) expect(`${label} row ${r}: ${g}`).toBe(`${label} row ${r}: ${w}`);
      continue;
    }
    const clamp = (v: number): number => Math.max(-(2 ** 128), Math.min(2 ** 128, v));
    const bound = inner * 2 ** -52 * abs + ulp32(Math.max(Math.abs(clamp(g)), Math.abs(clamp(w))));
    const diff = Math.abs(clamp(g) - clamp(w));
    if (!(diff <= bound)) expect(`${label} row ${r}: |${g} - ${w}| = ${diff}`).toBe(`≤ ${bound}`);
  }
}

/** The row-major elements of a view (what reduce folds), for the sum bound. */
function elements(x: TensorInfo): Float32Array {
  const out = new Float32Array(x.shape.reduce((p, q) => p * q, 1));
  const buf = x.buffer as Float32Array;
  let o = 0;
  const rec = (d: number, at: number): void => {
    if (d === x.shape.length) out[o++] = buf[at]!;
    else for (let i = 0; i < x.shape[d]!; i++) rec(d + 1, at + i * x.strides[d]!);
  };
  rec(0, x.offset);
  return out;
}

/** fastReduce against reduce for sum (within the bound), max and min (bit for bit) over the last `axes` dims of x. */
function checkAll(x: TensorInfo, axes: number, label: string): void {
  const inner = x.shape.slice(x.shape.length - axes).reduce((p, q) => p * q, 1);
  for (const op of ['max', 'min'] as const) expectSameBits(fastReduce(x, op, axes, 'float32'), reduce(x, op, axes, 'float32'), `${op} ${label}`);
  const got = fastReduce(x, 'sum', axes, 'float32');
  expect(got, label).toBeInstanceOf(Float32Array);
  expectSumClose(got, reduce(x, 'sum', axes, 'float32'), elements(x), inner, `sum ${label}`);
}

const INNER = [1, 3, 4, 5, 63, 64, 65, 1000, 16385, 100003];
const OUTER = [1, 2, 7, 128];
/** Row lengths around the chunk: rows that fill it exactly, leave a remainder, or span two and three chunks. */
const AROUND_CHUNK = [CHUNK - 1, CHUNK, CHUNK + 1, 2 * CHUNK + 3, Math.floor(CHUNK / 3) + 1];

describe('fastReduce (wasm SIMD) against reduce (the JS reference)', () => {
  it('has wasm SIMD here, so the comparisons below exercise it', () => {
    expect(wasmReduce()).not.toBeNull();
  });

  it('row reductions over every listed shape, IEEE special values included', () => {
    let seed = 1;
    for (const outer of OUTER) {
      for (const inner of INNER) {
        if (outer * inner > 3_000_000) continue; // [128, 100003]: 51 MB, nothing the smaller shapes miss
        checkAll(rowMajor(data(outer * inner, seed++), [outer, inner]), 1, `[${outer}, ${inner}]`);
        checkAll(rowMajor(data(outer * inner, seed++, FINITE, 0.02), [outer, inner]), 1, `finite [${outer}, ${inner}]`);
        // no huge values for Σ|x| to hide a lost bit behind: the sum bound at its tightest
        checkAll(rowMajor(data(outer * inner, seed++, [], 0), [outer, inner]), 1, `moderate [${outer}, ${inner}]`);
      }
    }
    for (const inner of AROUND_CHUNK) for (const outer of [1, 3]) checkAll(rowMajor(data(outer * inner, seed++), [outer, inner]), 1, `[${outer}, ${inner}]`);
  });

  it('full reductions (outer 1) of large tensors, over one or several axes', () => {
    checkAll(rowMajor(data(100_000, 11, FINITE, 0.01), [100_000]), 1, 'finite [100000]');
    checkAll(rowMajor(data(100_000, 12), [100, 1000]), 2, '[100, 1000] all axes');
    checkAll(rowMajor(data(128 * 784, 13, FINITE, 0.01), [128, 784]), 2, 'finite [128, 784] all axes');
  });

  it('sums exactly where float64 sums are exact (small integers, -0)', () => {
    for (const [outer, inner] of [[1, 100_003], [128, 784], [7, 65], [2, 2 * CHUNK + 3], [64, 3]]) {
      const x = rowMajor(integers(outer * inner, outer + inner), [outer, inner]);
      expectSameBits(fastReduce(x, 'sum', 1, 'float32'), reduce(x, 'sum', 1, 'float32'), `integers [${outer}, ${inner}]`);
    }
    const negZeros = rowMajor(new Float32Array(4 * 100).fill(-0), [4, 100]);
    const sums = fastReduce(negZeros, 'sum', 1, 'float32');
    expectSameBits(sums, reduce(negZeros, 'sum', 1, 'float32'), 'rows of -0');
    expect(Object.is(sums[0], 0), 'a sum of -0 is +0, as 0 + -0').toBe(true);
  });

  it('transposed, offset, broadcast and strided views', () => {
    const buf = data(300 * 400 + 17, 21);
    const cases: [TensorInfo, number, string][] = [
      [view(buf, [400, 300], [1, 400]), 1, 'transposed [400, 300]'],
      [view(buf, [300, 399], [400, 1], 17), 1, 'offset rows [300, 399] of 400'],
      [view(buf, [150, 200], [800, 2], 3), 1, 'every other column'],
      [view(buf, [20, 15, 400], [6000, 400, 1], 5), 2, '3-D, last two axes'],
      [view(buf, [400, 20, 15], [1, 6000, 400]), 2, '3-D, transposed kept axis (reduced axes apart in memory)'],
      [view(buf, [7, 1000], [0, 1], 9), 1, 'a row broadcast over 7 (stride 0)'],
      [view(buf, [5, 64], [1000, 0], 2), 1, 'each row one element repeated'],
      [view(buf, [64, 100], [-400, 1], 400 * 299), 1, 'negative row stride'],
    ];
    for (const [x, axes, label] of cases) checkAll(x, axes, label);
  });

  it('max and min: NaN anywhere in a row gives NaN (chunk, block, vector and tail positions)', () => {
    const inner = 2 * CHUNK + 37; // 16-float blocks, vectors of 4, a scalar tail, three chunks
    const spots = [0, 1, 5, 16, 33, inner - 1, inner - 3, inner - 40, CHUNK - 1, CHUNK, 2 * CHUNK + 1];
    const buf = data(spots.length * inner, 31, FINITE, 0.01);
    spots.forEach((at, r) => (buf[r * inner + at] = NaN));
    const x = rowMajor(buf, [spots.length, inner]);
    for (const op of ['max', 'min'] as const) {
      const got = fastReduce(x, op, 1, 'float32');
      spots.forEach((at, r) => expect(got[r], `${op} with NaN at ${at}`).toBeNaN());
      expectSameBits(got, reduce(x, op, 1, 'float32'), op);
    }
    // short rows: packed several to a chunk, a NaN in one must not leak into the next
    const short = data(50 * 19, 32, FINITE, 0.01);
    for (let r = 0; r < 50; r += 3) short[r * 19 + (r % 19)] = NaN;
    for (const op of ['max', 'min'] as const) expectSameBits(fastReduce(rowMajor(short, [50, 19]), op, 1, 'float32'), reduce(rowMajor(short, [50, 19]), op, 1, 'float32'), `${op} [50, 19]`);
  });

  it('max and min: a ±0 result is the first zero of the row, as the reference fold keeps', () => {
    // rows of negatives (for max) with a few zeros of either sign scattered over lanes, blocks and chunks
    for (const inner of [64, 67, 1000, CHUNK + 9]) {
      const rows = 40;
      const next = rng(inner);
      const neg = new Float32Array(rows * inner);
      for (let i = 0; i < neg.length; i++) neg[i] = -1 - next() * 100;
      for (let r = 0; r < rows; r++) {
        for (let z = 0; z < 1 + (r % 4); z++) neg[r * inner + Math.floor(next() * inner)] = next() < 0.5 ? -0 : 0;
      }
      const pos = neg.map((v) => -v); // the same for min
      for (const [buf, op] of [[neg, 'max'], [pos, 'min']] as const) {
        const x = rowMajor(buf, [rows, inner]);
        const got = fastReduce(x, op, 1, 'float32');
        expectSameBits(got, reduce(x, op, 1, 'float32'), `${op} zeros [${rows}, ${inner}]`);
        for (let r = 0; r < rows; r++) expect(got[r] === 0, `${op} row ${r} is ±0`).toBe(true);
      }
    }
    const signs = rowMajor(Float32Array.from({ length: 64 * 8 }, (_, i) => ((i >> 3) % 2 ? 0 : -0)), [8, 64]);
    for (const op of ['max', 'min'] as const) expectSameBits(fastReduce(signs, op, 1, 'float32'), reduce(signs, op, 1, 'float32'), `${op} only zeros`);
  });

  it('max and min: rows of infinities', () => {
    const inner = 100;
    const buf = new Float32Array(4 * inner);
    buf.fill(-Infinity, 0, inner);
    buf.fill(Infinity, inner, 2 * inner);
    buf.fill(-Infinity, 2 * inner, 3 * inner);
    buf[2 * inner + 50] = 3;
    buf.fill(Infinity, 3 * inner, 4 * inner);
    buf[3 * inner + 99] = -Infinity;
    const x = rowMajor(buf, [4, inner]);
    expect([...fastReduce(x, 'max', 1, 'float32')]).toEqual([-Infinity, Infinity, 3, Infinity]);
    expect([...fastReduce(x, 'min', 1, 'float32')]).toEqual([-Infinity, Infinity, -Infinity, -Infinity]);
  });

  it('leading-axis sums (bias gradients) give the reference bits exactly', () => {
    // [rows, cols] row-major summed over rows: the op hands reduce the view [cols, rows] with strides [1, step]
    const shapes: [number, number, number, number][] = [
      // rows, cols, row stride, offset
      [128, 256, 256, 0], [64 * 26 * 26, 32, 32, 0], [128, 10, 10, 0],
      [100, 3, 3, 1], [100, 5, 5, 0], [100, 6, 6, 0], [100, 7, 7, 2], [100, 9, 9, 0], [33, 15, 15, 0], [33, 17, 17, 0],
      [128, 256, 300, 7], [1000, 10, 13, 1], // rows of a wider matrix
      [128, 64, 200, 0], // a stride over 2x the run: the JS sumLeading
      [2000, CHUNK / 2, CHUNK / 2, 0], [3, CHUNK / 2 + 1, CHUNK / 2 + 1, 0], // the widest run the chunk takes in wasm, and one more
    ];
    let seed = 40;
    for (const [rows, cols, step, offset] of shapes) {
      if (rows * step > 4_000_000) continue;
      const buf = data(offset + rows * step, seed++, SPECIAL, 0.002);
      const x = view(buf, [cols, rows], [1, step], offset);
      expectSameBits(fastReduce(x, 'sum', 1, 'float32'), reduce(x, 'sum', 1, 'float32'), `leading [${rows}, ${cols}] step ${step}`);
      const finite = view(data(offset + rows * step, seed++, FINITE, 0.01), [cols, rows], [1, step], offset);
      expectSameBits(fastReduce(finite, 'sum', 1, 'float32'), reduce(finite, 'sum', 1, 'float32'), `finite leading [${rows}, ${cols}]`);
    }
    // a conv bias gradient as the op sees it: [N, H, W, C] summed over N, H, W, viewed [C, N, H, W]
    const [n, h, w, c] = [16, 13, 13, 24];
    const nhwc = data(n * h * w * c, 49, FINITE, 0.01);
    const x = view(nhwc, [c, n, h, w], [1, h * w * c, w * c, c]);
    expectSameBits(fastReduce(x, 'sum', 3, 'float32'), reduce(x, 'sum', 3, 'float32'), 'conv bias gradient');
  });

  it('leaves other ops, dtypes and small reductions to reduce', () => {
    const x = rowMajor(data(7 * 100, 51, FINITE, 0.02), [7, 100]);
    for (const op of ['prod', 'argmax', 'argmin'] as ReduceOp[]) {
      const out: DType = op === 'prod' ? 'float32' : 'int32';
      expect(fastReduce(x, op, 1, out), op).toEqual(reduce(x, op, 1, out));
    }
    const ints = Int32Array.from({ length: 700 }, (_, i) => (i * 2654435761) | 0);
    for (const op of ['sum', 'max', 'min'] as ReduceOp[]) {
      expect(fastReduce(view(ints, [7, 100], [100, 1], 0, 'int32'), op, 1, 'int32'), op).toEqual(reduce(view(ints, [7, 100], [100, 1], 0, 'int32'), op, 1, 'int32'));
    }
    // below the thresholds fastReduce is reduce itself, bit for bit, whatever the order of the sum
    const small = rowMajor(data(WASM_REDUCE_MIN_ELEMENTS - 1, 52), [WASM_REDUCE_MIN_ELEMENTS - 1]);
    const ones = rowMajor(data(100 * (WASM_REDUCE_MIN_INNER - 1), 53), [100, WASM_REDUCE_MIN_INNER - 1]);
    for (const [v, label] of [[small, 'few elements'], [ones, 'short rows']] as const) {
      for (const op of ['sum', 'max', 'min'] as const) expectSameBits(fastReduce(v, op, 1, 'float32'), reduce(v, op, 1, 'float32'), `${op} ${label}`);
    }
    // empty tensors
    expect(fastReduce(view(new Float32Array(0), [0, 100], [100, 1]), 'sum', 1, 'float32')).toEqual(new Float32Array(0));
    expectSameBits(fastReduce(view(new Float32Array(0), [100, 0], [0, 1]), 'sum', 1, 'float32'), reduce(view(new Float32Array(0), [100, 0], [0, 1]), 'sum', 1, 'float32'), 'empty rows');
  });

  it('reduces through the engine rows that the thresholds keep from fastReduce (1 to 7 floats)', () => {
    const engine = wasmReduce()!;
    for (const inner of [1, 2, 3, 5, 6, 7]) {
      const rows = 33;
      const buf = data(rows * inner, 60 + inner);
      const x = rowMajor(buf, [rows, inner]);
      for (const op of ['max', 'min'] as const) {
        const out = new Float32Array(rows);
        engine.extremeRows(op, buf, rows, inner, out);
        expectSameBits(out, reduce(x, op, 1, 'float32'), `engine ${op} [${rows}, ${inner}]`);
      }
      const out = new Float32Array(rows);
      engine.sumRows(buf, rows, inner, out);
      expectSumClose(out, reduce(x, 'sum', 1, 'float32'), buf, inner, `engine sum [${rows}, ${inner}]`);
    }
  });
});

describe('reduction kernels on heap and foreign inputs', () => {
  const engine = wasmReduce()!;
  const SENTINEL = -7.25;
  /** src's floats at `offset` of an array on the heap or in JS, 8 sentinels after them (the array goes in `held`). */
  const place = (src: Float32Array, onHeap: boolean, held: Float32Array[], offset = 0): Float32Array => {
    const n = offset + src.length + 8;
    const room = onHeap ? (heapArray('float32', n) as Float32Array) : new Float32Array(n);
    expect(heapAddress(room) >= 0).toBe(onHeap);
    room.fill(SENTINEL);
    room.set(src, offset);
    held.push(room);
    return room.subarray(0, offset + src.length);
  };
  const release = (held: Float32Array[], label: string): void => {
    for (const room of held) {
      expect([...room.subarray(room.length - 8)], `${label}: past a view`).toEqual(new Array(8).fill(SENTINEL));
      heapRelease(room);
    }
  };

  const shapes: [number, number][] = [[33, 3], [100, 7], [64, 1000], [20000, 2], [3 * CHUNK, 1], [2, CHUNK + 5], [1, 3 * CHUNK + 1]];
  for (const [outer, inner] of shapes) {
    it(`row sums, max and min give the foreign-only bits for every placement: [${outer}, ${inner}]`, () => {
      const buf = data(outer * inner, outer + inner, SPECIAL, 0.01);
      const ops = ['sum', 'max', 'min'] as const;
      const run = (op: (typeof ops)[number], src: Float32Array, out: Float32Array): void =>
        op === 'sum' ? engine.sumRows(src, outer, inner, out) : engine.extremeRows(op, src, outer, inner, out);
      for (const op of ops) {
        const want = new Float32Array(outer);
        run(op, buf, want);
        if (op !== 'sum') expectSameBits(want, reduce(rowMajor(buf, [outer, inner]), op, 1, 'float32'), `${op} reference`);
        for (let mask = 0; mask < 4; mask++) {
          const held: Float32Array[] = [];
          const src = place(buf, (mask & 1) !== 0, held);
          const out = place(new Float32Array(outer), (mask & 2) !== 0, held);
          run(op, src, out);
          const label = `${op} [${outer}, ${inner}] mask=${mask}`;
          expectSameBits(out, want, label);
          expectSameBits(src, buf, `${label} input untouched`);
          release(held, label);
        }
      }
    });
  }

  it('leading-axis sums read heap inputs in place, any stride, with the reference bits', () => {
    const shapes: [number, number, number, number][] = [
      [128, 256, 256, 0], [100, 7, 7, 2], [1000, 10, 13, 1], [128, 64, 200, 3], [3, CHUNK / 2 + 1, CHUNK / 2 + 1, 0], [50, CHUNK, CHUNK + 4, 1],
    ];
    let seed = 70;
    for (const [rows, cols, step, offset] of shapes) {
      const values = data(rows * step, seed++, SPECIAL, 0.002);
      const want = reduce(view(values, [cols, rows], [1, step]), 'sum', 1, 'float32');
      for (const onHeap of [false, true]) {
        const held: Float32Array[] = [];
        const buf = place(values, onHeap, held, offset);
        const x = view(buf, [cols, rows], [1, step], offset);
        const label = `leading [${rows}, ${cols}] step ${step} heap=${onHeap}`;
        const sumLeading = vi.spyOn(engine, 'sumLeading');
        const set = vi.spyOn(Float32Array.prototype, 'set');
        let copies: number;
        try {
          expectSameBits(fastReduce(x, 'sum', 1, 'float32'), want, label);
          copies = set.mock.calls.length;
          // on the heap the wasm kernel takes every layout here (the input copied nowhere, only the
          // results copied out), off it the chunk's limits send some to the JS loop
          if (onHeap) expect(sumLeading, label).toHaveBeenCalledTimes(1);
        } finally {
          set.mockRestore();
          sumLeading.mockRestore();
        }
        if (onHeap) expect(copies, label).toBe(1);
        const direct = place(new Float32Array(cols), onHeap, held);
        engine.sumLeading(buf, offset, rows, cols, step, direct);
        expectSameBits(direct, want, `${label} engine`);
        release(held, label);
      }
    }
  });
});
