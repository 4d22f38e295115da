import type { BinaryOp, TensorInfo, TypedArray, UnaryOp } from '@nabla/tensor';
import { describe, expect, it, vi } from 'vitest';
import { heapArray, heapRelease } from '../src/heap.js';
import { createCpuBackend } from '../src/index.js';
import { CHUNK, WASM_BINARY_OPS, WASM_MIN_ELEMENTS, WASM_UNARY_OPS, WasmElementwise, wasmElementwise } from '../src/wasm/elementwise.js';
import { expectSameBits } from './helpers.js';

// The wasm SIMD elementwise kernels of the 'fast' backend against the JS loops of the
// 'reference' backend (their oracle): the results must be the same float32 bits.
const fast = createCpuBackend().kernels;
const ref = createCpuBackend({ kernels: 'reference' }).kernels;

const BINARY = [...WASM_BINARY_OPS] as BinaryOp[];
const UNARY = [...WASM_UNARY_OPS] as UnaryOp[];

/** Values that separate IEEE corner cases: NaN, ±Infinity, ±0, subnormals, overflow, ties. */
const SPECIAL = [NaN, -NaN, Infinity, -Infinity, 0, -0, 1e-45, -1e-45, 1e-40, -3e-39, 1.1754942e-38, 3.4e38, -3.4e38, 1, -1, 0.5, -0.5, 1.5, 2.5, -2.5];

/** Deterministic float32 data: about a third special values, the rest spread over many magnitudes. */
function data(n: number, seed: number): Float32Array {
  let s = seed >>> 0 || 1;
  const next = (): number => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 2 ** 32;
  };
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const u = next();
    out[i] = u < 0.35 ? SPECIAL[Math.floor(next() * SPECIAL.length)]! : (next() - 0.5) * 2 ** Math.floor(next() * 80 - 40);
  }
  return out;
}

const vec = (buffer: TypedArray, n: number, offset = 0): TensorInfo => ({ buffer, dtype: 'float32', shape: [n], strides: [1], offset });
/** A scalar broadcast to [n] (stride 0), the form binary.ts reads once instead of materialising. */
const scalar = (value: number, n: number): TensorInfo => ({ buffer: new Float32Array([value]), dtype: 'float32', shape: [n], strides: [0], offset: 0 });

const SIZES = [1, 3, 4, 5, WASM_MIN_ELEMENTS - 1, WASM_MIN_ELEMENTS, WASM_MIN_ELEMENTS + 1, WASM_MIN_ELEMENTS + 3, 1023, 4097, CHUNK - 1, CHUNK, CHUNK + 5, 2 * CHUNK + 3];

describe('wasm SIMD elementwise (fast) against the JS loops (reference)', () => {
  it('is available here, so the comparisons below exercise it', () => {
    // Node 20 has WebAssembly SIMD; without it the fast kernels would silently be the reference ones
    expect(wasmElementwise()).not.toBeNull();
  });

  for (const op of BINARY) {
    it(`${op}: arrays, b scalar, a scalar, at sizes around the threshold and the chunk`, () => {
      for (const n of SIZES) {
        const a = data(n, n * 7 + 1);
        const b = data(n, n * 13 + 2);
        expectSameBits(fast.binary(vec(a, n), vec(b, n), op, 'float32'), ref.binary(vec(a, n), vec(b, n), op, 'float32'), `${op} n=${n}`);
        for (const s of [2.5, -0, 0, NaN, -Infinity, 1e-40]) {
          expectSameBits(fast.binary(vec(a, n), scalar(s, n), op, 'float32'), ref.binary(vec(a, n), scalar(s, n), op, 'float32'), `${op} n=${n} b=${s}`);
          expectSameBits(fast.binary(scalar(s, n), vec(b, n), op, 'float32'), ref.binary(scalar(s, n), vec(b, n), op, 'float32'), `${op} n=${n} a=${s}`);
        }
      }
    });

    it(`${op}: offset, transposed and row-broadcast views`, () => {
      const [r, c] = [37, 129];
      const n = r * c;
      const buf = data(n + 5, 99);
      const other = data(n, 5);
      const row = data(c, 6);
      const offset: TensorInfo = { buffer: buf, dtype: 'float32', shape: [r, c], strides: [c, 1], offset: 5 };
      const transposed: TensorInfo = { buffer: other, dtype: 'float32', shape: [r, c], strides: [1, r], offset: 0 };
      const broadcast: TensorInfo = { buffer: row, dtype: 'float32', shape: [r, c], strides: [0, 1], offset: 0 };
      for (const [x, y, label] of [[offset, transposed, 'offset·transposed'], [transposed, broadcast, 'transposed·broadcast'], [broadcast, offset, 'broadcast·offset']] as const) {
        expectSameBits(fast.binary(x, y, op, 'float32'), ref.binary(x, y, op, 'float32'), `${op} ${label}`);
      }
    });
  }

  it('row broadcasts (a bias over a batch) read the row in wasm, either side, the row on the heap or in JS', () => {
    const rowsPath = vi.spyOn(WasmElementwise.prototype, 'binaryRows');
    for (const op of BINARY) {
      for (const [rows, c, onHeap] of [[37, 32, false], [9, 256, true], [5, 130, true], [64, 4, false], [3, 4100, true]] as const) {
        const x = heapArray('float32', rows * c)! as Float32Array;
        x.set(data(rows * c, rows + c));
        const rowValues = data(c + 3, c);
        const rowBuf = onHeap ? (heapArray('float32', c + 3)! as Float32Array) : new Float32Array(c + 3);
        rowBuf.set(rowValues);
        const xs: TensorInfo = { buffer: x, dtype: 'float32', shape: [rows, c], strides: [c, 1], offset: 0 };
        // the row at an offset of its buffer, broadcast over the rows (and over a leading dim of 1)
        const row: TensorInfo = { buffer: rowBuf, dtype: 'float32', shape: [1, rows, c], strides: [0, 0, 1], offset: 3 };
        const x3: TensorInfo = { ...xs, shape: [1, rows, c], strides: [rows * c, c, 1] };
        const before = rowsPath.mock.results.filter((r) => r.value === true).length;
        expectSameBits(fast.binary(x3, row, op, 'float32'), ref.binary(x3, row, op, 'float32'), `${op} x·row ${rows}x${c}`);
        expectSameBits(fast.binary(row, x3, op, 'float32'), ref.binary(row, x3, op, 'float32'), `${op} row·x ${rows}x${c}`);
        // taken where the row's length is a multiple of 4 and at most a chunk (else materialized)
        expect(rowsPath.mock.results.filter((r) => r.value === true).length - before, `${op} ${rows}x${c}`).toBe(c % 4 === 0 && c <= CHUNK ? 2 : 0);
        heapRelease(x);
        if (onHeap) heapRelease(rowBuf);
      }
    }
    rowsPath.mockRestore();
  });

  for (const op of UNARY) {
    it(`${op}: contiguous, offset and transposed inputs`, () => {
      for (const n of SIZES) {
        const x = data(n + 3, n * 3 + 4);
        expectSameBits(fast.unary(vec(x, n), op, 'float32'), ref.unary(vec(x, n), op, 'float32'), `${op} n=${n}`);
        expectSameBits(fast.unary(vec(x, n, 3), op, 'float32'), ref.unary(vec(x, n, 3), op, 'float32'), `${op} n=${n} offset 3`);
      }
      const t: TensorInfo = { buffer: data(65 * 67, 8), dtype: 'float32', shape: [65, 67], strides: [1, 65], offset: 0 };
      expectSameBits(fast.unary(t, op, 'float32'), ref.unary(t, op, 'float32'), `${op} transposed`);
    });
  }

  it('relu, maximum and minimum keep the reference signs of zero and NaNs', () => {
    const n = 4 * WASM_MIN_ELEMENTS;
    const x = new Float32Array(n);
    const y = new Float32Array(n);
    const pairs = [[-0, 0], [0, -0], [-0, -0], [NaN, 1], [1, NaN], [NaN, -0], [-Infinity, NaN]];
    for (let i = 0; i < n; i++) [x[i], y[i]] = pairs[i % pairs.length]!;
    const relu = fast.unary(vec(x, n), 'relu', 'float32');
    const max = fast.binary(vec(x, n), vec(y, n), 'maximum', 'float32');
    const min = fast.binary(vec(x, n), vec(y, n), 'minimum', 'float32');
    for (let i = 0; i < n; i++) {
      // relu(-0) = +0 and relu(NaN) = NaN; Math.max/min: NaN if either is NaN, -0 < +0 (unlike wasm's pmax/pmin)
      expect(Object.is(relu[i], x[i]! > 0 ? x[i] : Number.isNaN(x[i]) ? NaN : 0), `relu(${x[i]})`).toBe(true);
      expect(Object.is(max[i], Math.max(x[i]!, y[i]!)), `max(${x[i]}, ${y[i]})`).toBe(true);
      expect(Object.is(min[i], Math.min(x[i]!, y[i]!)), `min(${x[i]}, ${y[i]})`).toBe(true);
    }
  });

  it('computes the tail lanes (n % 4) of short calls straight through the engine', () => {
    // the backend only sends n ≥ WASM_MIN_ELEMENTS, so the engine's short partial vectors are checked here
    const engine = wasmElementwise()!;
    for (const n of [1, 2, 3, 5, 6, 7]) {
      const a = data(n, n + 40);
      const b = data(n, n + 50);
      for (const op of BINARY) {
        const out = new Float32Array(n);
        engine.binary(op as never, a, b, out, n, 0, 0, 0);
        expectSameBits(out, ref.binary(vec(a, n), vec(b, n), op, 'float32'), `engine ${op} n=${n}`);
      }
      for (const op of UNARY) {
        const out = new Float32Array(n);
        engine.unary(op as never, a, out, n);
        expectSameBits(out, ref.unary(vec(a, n), op, 'float32'), `engine ${op} n=${n}`);
      }
    }
  });

  it('leaves int32 and comparison ops to the JS kernels', () => {
    const n = 2 * WASM_MIN_ELEMENTS;
    const ai = Int32Array.from({ length: n }, (_, i) => (i * 2654435761) | 0);
    const bi = Int32Array.from({ length: n }, (_, i) => (i * 40503 - 7) | 0);
    const int = (buffer: Int32Array): TensorInfo => ({ buffer, dtype: 'int32', shape: [n], strides: [1], offset: 0 });
    expect(fast.binary(int(ai), int(bi), 'mul', 'int32')).toEqual(ref.binary(int(ai), int(bi), 'mul', 'int32'));
    expect(fast.unary(int(ai), 'neg', 'int32')).toEqual(ref.unary(int(ai), 'neg', 'int32'));
    const a = data(n, 1);
    const b = data(n, 2);
    expect(fast.binary(vec(a, n), vec(b, n), 'less', 'bool')).toEqual(ref.binary(vec(a, n), vec(b, n), 'less', 'bool'));
  });
});
