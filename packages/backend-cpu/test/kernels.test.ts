import {
  argmax, cast, engine, erf, gather, getBackend, matmul, max, mod, pow, prod, round, setBackend, sum, tensor, transpose, type DType,
  type TensorInfo, type TypedArray,
} from '@nabla/tensor';
import { beforeAll, describe, expect, it } from 'vitest';
import { createCpuBackend, erf as erf64, gemm, toContiguous } from '../src/index.js';

const backend = createCpuBackend();
const k = backend.kernels;

beforeAll(async () => {
  await setBackend(backend);
});

function info(buffer: TypedArray, shape: number[], strides: number[], offset = 0, dtype: DType = 'float32'): TensorInfo {
  return { buffer, dtype, shape, strides, offset };
}

/** The view's elements by walking every index (the definition toContiguous must match). */
function walk(v: TensorInfo): number[] {
  const out: number[] = [];
  const buf = v.buffer as TypedArray;
  const rec = (d: number, at: number): void => {
    if (d === v.shape.length) {
      out.push(buf[at]!);
      return;
    }
    for (let i = 0; i < v.shape[d]!; i++) rec(d + 1, at + i * v.strides[d]!);
  };
  rec(0, v.offset);
  return out;
}

function iota(n: number): Float32Array {
  return Float32Array.from({ length: n }, (_, i) => i);
}

/** Deterministic values in [-1, 1), independent of nabla's PRNG. */
function values(n: number, seed: number): Float32Array {
  let s = seed;
  return Float32Array.from({ length: n }, () => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return (s / 2 ** 32) * 2 - 1;
  });
}

describe('toContiguous', () => {
  it('returns a zero-copy subarray for a contiguous view (with offset)', () => {
    const buf = iota(10);
    const out = toContiguous(info(buf, [2, 3], [3, 1], 2));
    expect(out.buffer).toBe(buf.buffer);
    expect(Array.from(out)).toEqual([2, 3, 4, 5, 6, 7]);
  });

  it('copies a transposed view in row-major order', () => {
    const buf = iota(12); // [3, 4]
    const v = info(buf, [4, 3], [1, 4]);
    const out = toContiguous(v);
    expect(out.buffer).not.toBe(buf.buffer);
    expect(Array.from(out)).toEqual([0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11]);
  });

  it('copies a sliced view (offset, gaps between rows)', () => {
    const buf = iota(20); // [4, 5], rows 1..2, cols 1..3
    expect(Array.from(toContiguous(info(buf, [2, 3], [5, 1], 6)))).toEqual([6, 7, 8, 11, 12, 13]);
  });

  it('repeats stride-0 (broadcast) dimensions, inner and outer', () => {
    const buf = Float32Array.from([1, 2, 3]);
    expect(Array.from(toContiguous(info(buf, [2, 3], [0, 1])))).toEqual([1, 2, 3, 1, 2, 3]);
    expect(Array.from(toContiguous(info(buf, [3, 2], [1, 0])))).toEqual([1, 1, 2, 2, 3, 3]);
    const long = toContiguous(info(buf, [2, 100], [1, 0])); // the fill path
    expect(long.length).toBe(200);
    expect(long[99]).toBe(1);
    expect(long[100]).toBe(2);
  });

  it('handles rank 0, empty views and int32/bool buffers', () => {
    expect(Array.from(toContiguous(info(Float32Array.from([5, 6, 7]), [], [], 2)))).toEqual([7]);
    expect(toContiguous(info(iota(4), [0, 3], [3, 1])).length).toBe(0);
    expect(toContiguous(info(iota(4), [2, 0], [0, 1])).length).toBe(0);
    const ints = toContiguous(info(Int32Array.from([1, 2, 3, 4]), [2, 2], [1, 2], 0, 'int32'));
    expect(ints).toBeInstanceOf(Int32Array);
    expect(Array.from(ints)).toEqual([1, 3, 2, 4]);
    const bools = toContiguous(info(Uint8Array.from([1, 0]), [2, 2], [1, 0], 0, 'bool'));
    expect(bools).toBeInstanceOf(Uint8Array);
    expect(Array.from(bools)).toEqual([1, 1, 0, 0]);
  });

  it('matches an index walk on permuted, sliced, broadcast rank-5 views with long inner runs', () => {
    const shape = [3, 2, 4, 5, 70];
    const strides = [2 * 4 * 5 * 70, 4 * 5 * 70, 5 * 70, 70, 1];
    const buf = iota(3 * 2 * 4 * 5 * 70 + 7);
    const views: TensorInfo[] = [
      info(buf, [5, 3, 70, 4, 2], [strides[3]!, strides[0]!, strides[4]!, strides[2]!, strides[1]!], 7),
      info(buf, [3, 2, 4, 5, 70], strides, 0),
      info(buf, [2, 2, 3, 5, 64], [strides[0]!, strides[1]!, strides[2]!, strides[3]!, 1], 5), // inner run of 64 in a slice
      info(buf, [3, 4, 2, 70], [strides[0]!, 0, strides[1]!, 1], 3),
      info(buf, [2, 3, 1, 5], [0, strides[0]!, 999, 2], 1),
      info(iota(3 * 3150 + 4), [3, 45, 70], [3150, 1, 45], 4), // batched transpose, tiled copy with ragged tiles
      info(buf, [33, 2, 40], [1, 0, 33], 2), // transposed plane under a broadcast dim
    ];
    for (const v of views) expect(Array.from(toContiguous(v))).toEqual(walk(v));
  });

  it('matches an index walk on im2col window views with short rows and on blocks broadcast along the outermost dim', () => {
    const buf = iota(2 * 9 * 8 * 3 + 5);
    const views: TensorInfo[] = [
      // [N, OH, OW, KH, KW] windows 3x3 of a 1-channel 9x8 image (rows of 3): copied two dims at a time
      info(buf, [2, 7, 6, 3, 3], [72, 8, 1, 8, 1], 1),
      // the same with stride 2 and dilation 2, 3 channels: rows of KW·C = 9 that do not chain
      info(buf, [2, 3, 2, 3, 3, 3], [216, 48, 6, 48, 6, 1], 0),
      // short rows with a 0 stride (a broadcast inner dim)
      info(buf, [4, 5, 2], [7, 0, 3], 2),
      // a [3] bias broadcast to [2, 5, 4, 3] (one block, doubled), and a [4, 3] block repeated 7 times
      info(buf, [2, 5, 4, 3], [0, 0, 0, 1], 4),
      info(buf, [7, 4, 3], [0, 3, 1], 0),
      info(buf, [5, 2, 3], [0, 1, 2], 3), // a repeated transposed block
    ];
    for (const v of views) expect(Array.from(toContiguous(v))).toEqual(walk(v));
  });
});

/** float64 reference: C = A·B for strided views, with Σ|a||b| per output for a tolerance. */
function refMatmul(a: TensorInfo, b: TensorInfo): { c: Float64Array; mag: Float64Array } {
  const r = a.shape.length;
  const [m, kk, n] = [a.shape[r - 2]!, a.shape[r - 1]!, b.shape[r - 1]!];
  const batchShape = a.shape.slice(0, r - 2);
  const batch = batchShape.reduce((p, d) => p * d, 1);
  const c = new Float64Array(batch * m * n);
  const mag = new Float64Array(batch * m * n);
  const ab = a.buffer as Float32Array;
  const bb = b.buffer as Float32Array;
  for (let t = 0; t < batch; t++) {
    let ao = a.offset;
    let bo = b.offset;
    let rest = t;
    for (let d = batchShape.length - 1; d >= 0; d--) {
      const i = rest % batchShape[d]!;
      rest = Math.floor(rest / batchShape[d]!);
      ao += i * a.strides[d]!;
      bo += i * b.strides[d]!;
    }
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let s = 0;
        let g = 0;
        for (let q = 0; q < kk; q++) {
          const p = ab[ao + i * a.strides[r - 2]! + q * a.strides[r - 1]!]! * bb[bo + q * b.strides[r - 2]! + j * b.strides[r - 1]!]!;
          s += p;
          g += Math.abs(p);
        }
        c[(t * m + i) * n + j] = s;
        mag[(t * m + i) * n + j] = g;
      }
    }
  }
  return { c, mag };
}

function expectMatmul(a: TensorInfo, b: TensorInfo): void {
  const out = k.matmul(a, b) as Float32Array;
  const { c, mag } = refMatmul(a, b);
  expect(out).toBeInstanceOf(Float32Array);
  expect(out.length).toBe(c.length);
  for (let i = 0; i < c.length; i++) {
    const err = Math.abs(out[i]! - c[i]!);
    if (!(err <= 1e-6 * mag[i]! + 1e-30)) expect.fail(`[${i}]: ${out[i]} vs ${c[i]} (err ${err}, scale ${mag[i]})`);
  }
}

function rowMajor(buf: Float32Array, shape: number[], offset = 0): TensorInfo {
  const strides = shape.map((_, d) => shape.slice(d + 1).reduce((p, x) => p * x, 1));
  return info(buf, shape, strides, offset);
}

describe('matmul kernel against a float64 triple loop', () => {
  const sizes: [number, number, number][] = [
    [1, 1, 1], [7, 13, 5], [65, 129, 33], [2, 37, 50], [3, 5, 9], [50, 37, 3], [9, 1, 6], [70, 300, 9], [4, 4, 4], [130, 20, 67],
  ];
  for (const [m, kk, n] of sizes) {
    it(`${m}x${kk}x${n}`, () => {
      expectMatmul(rowMajor(values(m * kk, m), [m, kk]), rowMajor(values(kk * n, n + 1), [kk, n]));
    });
  }

  it('transposed inputs (column-major strides), with offsets', () => {
    const [m, kk, n] = [33, 21, 17];
    const a = info(values(m * kk + 3, 3), [m, kk], [1, m], 3); // Aᵀ stored [kk, m]
    const b = info(values(kk * n, 4), [kk, n], [1, kk]); // Bᵀ stored [n, kk]
    expectMatmul(a, b);
    expectMatmul(a, rowMajor(values(kk * n, 5), [kk, n]));
    expectMatmul(rowMajor(values(m * kk, 6), [m, kk]), b);
    // the small plans (M < 4: rows of B; N < 4: dot products) on transposed inputs
    expectMatmul(info(values(2 * kk, 23), [2, kk], [1, 2]), b);
    expectMatmul(info(values(m * kk, 24), [m, kk], [1, m]), info(values(kk * 2, 25), [kk, 2], [1, kk]));
    // row stride wider than the row (a slice of a wider matrix)
    expectMatmul(info(values(m * 40, 7), [m, kk], [40, 1], 5), info(values(kk * 30, 8), [kk, n], [30, 1], 2));
  });

  it('batched, with stride-0 (broadcast) batch dimensions on either side', () => {
    const [m, kk, n] = [6, 11, 9];
    const a = rowMajor(values(4 * m * kk, 9), [4, m, kk]);
    const b = rowMajor(values(4 * kk * n, 10), [4, kk, n]);
    expectMatmul(a, b);
    const shared = values(kk * n, 11);
    expectMatmul(a, info(shared, [4, kk, n], [0, n, 1])); // one B for every batch
    expectMatmul(info(values(m * kk, 12), [4, m, kk], [0, kk, 1]), b); // one A for every batch
    // [2, 3] batch, A broadcast over the inner batch dim, B over the outer one
    expectMatmul(info(values(2 * m * kk, 13), [2, 3, m, kk], [m * kk, 0, kk, 1]), info(values(3 * kk * n, 14), [2, 3, kk, n], [0, kk * n, n, 1]));
    // small plans (M < 4 and N < 4) in a batch that alternates B
    expectMatmul(rowMajor(values(4 * 2 * kk, 15), [4, 2, kk]), info(values(2 * kk * n, 16), [4, kk, n], [0, n, 1]));
    expectMatmul(rowMajor(values(4 * m * kk, 17), [2, 2, m, kk]), info(values(2 * kk * 2, 18), [2, 2, kk, 2], [0, kk * 2, 2, 1]));
  });

  it('empty dimensions: K = 0 gives zeros, M or N or batch = 0 gives an empty result', () => {
    expect(Array.from(k.matmul(rowMajor(new Float32Array(0), [3, 0]), rowMajor(new Float32Array(0), [0, 4])) as Float32Array)).toEqual(new Array(12).fill(0));
    expect((k.matmul(rowMajor(new Float32Array(0), [0, 5]), rowMajor(iota(10), [5, 2])) as Float32Array).length).toBe(0);
    expect((k.matmul(rowMajor(new Float32Array(0), [0, 2, 5]), rowMajor(new Float32Array(0), [0, 5, 2])) as Float32Array).length).toBe(0);
  });

  it('propagates NaN and Infinity (no zero skipping)', () => {
    const a = rowMajor(Float32Array.from({ length: 5 * 6 }, (_, i) => (i === 7 ? NaN : i === 20 ? Infinity : 1)), [5, 6]);
    const b = rowMajor(new Float32Array(6 * 5), [6, 5]); // zeros: Inf * 0 = NaN
    const out = k.matmul(a, b) as Float32Array;
    for (let i = 0; i < 5; i++) for (let j = 0; j < 5; j++) expect(Number.isNaN(out[i * 5 + j]!)).toBe(i === 1 || i === 3);
  });

  it('gemm writes C = A·B row-major with leading dimensions, leaving the padding untouched', () => {
    const [m, kk, n] = [9, 7, 8];
    const a = values(m * 10, 19);
    const b = values(kk * 12, 20);
    const c = new Float32Array(m * 11).fill(-5);
    gemm(m, n, kk, a, 10, b, 12, c, 11);
    const { c: ref } = refMatmul(info(a, [m, kk], [10, 1]), info(b, [kk, n], [12, 1]));
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < 11; j++) {
        if (j < n) expect(c[i * 11 + j]).toBeCloseTo(ref[i * n + j]!, 5);
        else expect(c[i * 11 + j]).toBe(-5);
      }
    }
  });

  it('through the public op: transposes and a broadcast batch', async () => {
    const a = tensor(values(2 * 5 * 3, 21), [2, 5, 3]);
    const b = tensor(values(4 * 3, 22), [4, 3]);
    const y = matmul(a, b, false, true); // [2,5,3]·[4,3]ᵀ -> [2,5,4]
    const want = refMatmul(info(a.dataSync() as Float32Array, [2, 5, 3], [15, 3, 1]), info(b.dataSync() as Float32Array, [2, 3, 4], [0, 1, 3]));
    expect(y.shape).toEqual([2, 5, 4]);
    const got = await y.data();
    for (let i = 0; i < got.length; i++) expect(got[i]).toBeCloseTo(want.c[i]!, 5);
  });
});

describe('elementwise semantics', () => {
  it('erf matches known values to float64 precision, and to float32 through the op', async () => {
    const known: [number, number][] = [
      [0.5, 0.5204998778130465], [1, 0.8427007929497149], [2, 0.9953222650189527], [-3, -0.9999779095030014],
      [1e-5, 1.1283791670579e-5], [0.46875, 0.49261347321793797], [0.47, 0.4937450508860821], [3.9, 0.9999999652077514],
      [4.5, 0.9999999998033839], [-0.25, -0.2763263901682369], [-2.5, -0.999593047982555],
    ];
    for (const [x, v] of known) expect(Math.abs(erf64(x) - v)).toBeLessThan(2e-16 + 2e-16 * Math.abs(v));
    expect(erf64(Infinity)).toBe(1);
    expect(erf64(-40)).toBe(-1);
    expect(erf64(NaN)).toBeNaN();
    const xs = known.map(([x]) => x);
    const got = await erf(tensor(xs)).data();
    // float32 inputs: compare with erf of the float32-rounded argument
    known.forEach(([x], i) => expect(Math.abs(got[i]! - erf64(Math.fround(x)))).toBeLessThan(1e-7));
  });

  it('round is half-to-even (NumPy), keeping the sign of zero', async () => {
    const got = await round(tensor([0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 2.4, -2.6, 4194304.5, 0.49999997])).data();
    expect(Array.from(got)).toEqual([0, 2, 2, -0, -2, -2, 2, -3, 4194304, 0]);
    expect(Object.is(got[3], -0)).toBe(true);
    expect(Object.is(got[0], 0)).toBe(true);
  });

  it('mod takes the sign of the divisor; float % 0 is NaN, int32 % 0 is 0', async () => {
    const f = await mod(tensor([-3, 3, -3, 3, 5.5, -5.5, -0, 7]), tensor([2, 2, -2, -2, 2, 2, 3, 0])).data();
    expect(Array.from(f.subarray(0, 7))).toEqual([1, 1, -1, -1, 1.5, 0.5, 0]);
    expect(Object.is(f[6], 0)).toBe(true);
    expect(f[7]).toBeNaN();
    const i = mod(tensor(Int32Array.from([-3, 3, -3, 3, -7, 7, 5, -2147483648])), tensor(Int32Array.from([2, 2, -2, -2, 3, -3, 0, -1])));
    expect(i.dtype).toBe('int32');
    expect(Array.from(i.dataSync())).toEqual([1, 1, -1, -1, 2, -2, 0, 0]);
  });

  it('int32 arithmetic wraps', async () => {
    const big = tensor(Int32Array.from([2147483647, -2147483648, 3, -2]), [4], 'int32');
    const one = tensor(Int32Array.from([1, -1, 21, 31]), [4], 'int32');
    const add = backendRun('binary', big, one, 'add');
    expect(Array.from(add)).toEqual([-2147483648, 2147483647, 24, 29]);
    expect(Array.from(backendRun('binary', big, one, 'mul'))).toEqual([2147483647, -2147483648, 63, -62]);
    expect(Array.from(await pow(big, one).data())).toEqual([2147483647, 0, 1870418611, -2147483648]);
    expect(Array.from(pow(tensor(Int32Array.from([1, -1, -1, 2, 0])), tensor(Int32Array.from([-3, -3, -2, -1, 2]))).dataSync())).toEqual([1, -1, 1, 0, 0]);
    expect(Array.from(backendRun('unary', big, undefined, 'neg'))).toEqual([-2147483647, -2147483648, -3, 2]);
    expect(Array.from(backendRun('unary', big, undefined, 'abs'))).toEqual([2147483647, -2147483648, 3, 2]);
    expect(Array.from(backendRun('unary', big, undefined, 'square'))).toEqual([1, 0, 9, 4]);
  });

  it('relu and sign keep NaN; sign(0) is 0', () => {
    const x = tensor([NaN, -2, 0, 3, -Infinity]);
    const r = backendRun('unary', x, undefined, 'relu');
    expect(r[0]).toBeNaN();
    expect(Array.from(r.subarray(1))).toEqual([0, 0, 3, 0]);
    const s = backendRun('unary', x, undefined, 'sign');
    expect(s[0]).toBeNaN();
    expect(Array.from(s.subarray(1))).toEqual([-1, 0, 1, -1]);
  });

  it('sigmoid and softplus stay finite and accurate for large |x|', () => {
    const x = tensor([-1000, -50, 0, 50, 1000]);
    const sg = backendRun('unary', x, undefined, 'sigmoid');
    expect(sg[0]).toBe(0);
    expect(Math.abs(sg[1]! / (1 / (1 + Math.exp(50))) - 1)).toBeLessThan(1e-7);
    expect(Array.from(sg.subarray(2))).toEqual([0.5, 1, 1]);
    const sp = backendRun('unary', x, undefined, 'softplus');
    expect(Array.from(sp)).toEqual([0, Math.fround(Math.exp(-50)), Math.fround(Math.LN2), 50, 1000]);
  });
});

/** Runs one unary/binary kernel directly on tensors' views. */
function backendRun(kind: 'unary' | 'binary', a: ReturnType<typeof tensor>, b: ReturnType<typeof tensor> | undefined, op: string): TypedArray {
  if (kind === 'unary') return k.unary(a.info(), op as never, a.dtype) as TypedArray;
  return k.binary(a.info(), b!.info(), op as never, a.dtype) as TypedArray;
}

describe('reductions, casts, gather', () => {
  it('argmax picks the first extreme, NaN counting as the extreme; max propagates NaN', () => {
    expect(Array.from(argmax(tensor([[1, 5, 5], [2, NaN, 9], [NaN, NaN, 1]]), 1).dataSync())).toEqual([1, 1, 0]);
    const m = max(tensor([[1, NaN, 3], [-Infinity, -5, -Infinity]]), 1).dataSync();
    expect(m[0]).toBeNaN();
    expect(m[1]).toBe(-5);
  });

  it('sum over leading axes (a bias gradient) reads rows in order and equals the fold over a contiguous copy', () => {
    // [N·H·W, C] summed over rows: the reduce kernel sees the transposed view [C, N·H·W]
    const [rows, c] = [50, 7];
    const buf = values(rows * c + 3, 9);
    const view = info(buf, [c, rows], [1, c], 3);
    const got = k.reduce(view, 'sum', 1, 'float32') as Float32Array;
    const copy = toContiguous(view);
    const want = Array.from({ length: c }, (_, j) => {
      let acc = 0;
      for (let r = 0; r < rows; r++) acc += copy[j * rows + r]!;
      return Math.fround(acc);
    });
    expect(Array.from(got)).toEqual(want);
    // kept dims split in two and reduced dims split in two: the same sums
    const split = k.reduce(info(buf, [c, 5, 10], [1, 10 * c, c], 3), 'sum', 2, 'float32') as Float32Array;
    expect(Array.from(split)).toEqual(want);
  });

  it('sum and prod over empty axes, int32 sums wrap, float sums accumulate in float64', () => {
    expect(Array.from(sum(tensor(new Float32Array(0), [3, 0]), 1).dataSync())).toEqual([0, 0, 0]);
    expect(Array.from(prod(tensor(new Float32Array(0), [2, 0]), 1).dataSync())).toEqual([1, 1]);
    expect(Array.from(sum(tensor(Int32Array.from([2147483647, 1, 5]))).dataSync())).toEqual([-2147483643]);
    // 1 + 2^-24 added 2^20 times: float32 accumulation would stay at 1
    const x = new Float32Array(1 << 20).fill(2 ** -24);
    x[0] = 1;
    expect(sum(tensor(x)).dataSync()[0]).toBe(Math.fround(1 + (2 ** 20 - 1) * 2 ** -24));
    // a transposed view reduces over the right axis
    expect(Array.from(sum(transpose(tensor([[1, 2, 3], [4, 5, 6]])), 1).dataSync())).toEqual([5, 7, 9]);
    expect(Array.from(sum(transpose(tensor([[1, 2, 3], [4, 5, 6]])), 0).dataSync())).toEqual([6, 15]);
  });

  it('cast: float -> int32 truncates (NaN -> 0, out of range wraps), -> bool is v !== 0', () => {
    const x = tensor([NaN, -2.7, 2.7, 3e9, -3e9, -0.5]);
    expect(Array.from(cast(x, 'int32').dataSync())).toEqual([0, -2, 2, 3e9 - 2 ** 32, 2 ** 32 - 3e9, 0]);
    expect(Array.from(cast(x, 'bool').dataSync())).toEqual([1, 1, 1, 1, 1, 1]);
    expect(Array.from(cast(tensor([0, -0]), 'bool').dataSync())).toEqual([0, 0]);
    const same = tensor([1, 2, 3]);
    const copy = backend.kernels.cast(same.info(), 'float32') as Float32Array;
    expect(copy.buffer).not.toBe((same.info().buffer as Float32Array).buffer);
  });

  it('gather rejects out-of-range indices, negative included', () => {
    const x = tensor([1, 2, 3, 4, 5]);
    expect(() => gather(x, [0, 7])).toThrow(new RangeError('gather: index 7 is out of range [0, 5) along axis 0'));
    expect(() => gather(x, [-1])).toThrow(new RangeError('gather: index -1 is out of range [0, 5) along axis 0'));
    expect(Array.from(gather(x, [4, 0, 4]).dataSync())).toEqual([5, 1, 5]);
  });
});

describe('fused max pooling', () => {
  const pool = { kernel: [2, 2], strides: [2, 2], pads: [[0, 0], [0, 0]] } as const;
  it('keeps the sign of zero the `max` fold gives (its first zero) and propagates NaN', () => {
    const windows = [[-0, 0, -1, -2], [-1, 0, -0, -3], [-2, -0, -1, -3], [1, NaN, 3, 4], [-Infinity, -Infinity, -Infinity, -Infinity]];
    for (const w of windows) {
      // one 2x2 window, cells in row-major order
      const got = backend.fused!.maxPool2d!(info(Float32Array.from(w), [1, 2, 2, 1], [4, 2, 1, 1]), pool) as Float32Array;
      const fold = k.reduce(info(Float32Array.from(w), [1, 4], [4, 1]), 'max', 1, 'float32') as Float32Array;
      expect(Object.is(got[0], fold[0]), `window ${w.join(', ')}: ${got[0]} vs ${fold[0]}`).toBe(true);
    }
  });
});

describe('backend object', () => {
  it('write takes ownership; reads return copies of the first size elements', async () => {
    const values = Float32Array.from([1, 2, 3]);
    const buf = backend.write(values, 'float32');
    expect(buf).toBe(values);
    const r = backend.readSync!(buf, 'float32', 2);
    expect(Array.from(r)).toEqual([1, 2]);
    r[0] = 9;
    expect(values[0]).toBe(1);
    const r2 = await backend.read(buf, 'float32', 3);
    expect(r2).not.toBe(values);
    expect(Array.from(r2)).toEqual([1, 2, 3]);
  });

  it("registers itself as 'cpu' on import", async () => {
    expect(engine.registered()).toContain('cpu');
    engine.removeBackend('cpu'); // forget the instance beforeAll installed, so the factory runs
    const b = await setBackend('cpu');
    expect(b).not.toBe(backend);
    expect(b.name).toBe('cpu');
    expect(getBackend()).toBe(b);
    await setBackend(backend);
  });
});
