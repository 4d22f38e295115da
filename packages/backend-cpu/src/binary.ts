import { sizeOf, type BinaryOp, type DType, type TensorInfo, type TypedArray } from '@nabla/tensor';
import { binaryLoop } from './specialize.js';
import { alloc, allocFull, broadcastScalar, bufferOf, collapse, toContiguous } from './strided.js';
import { WASM_BINARY_OPS, wasmElementwise, WASM_MIN_ELEMENTS, type WasmBinaryOp } from './wasm/elementwise.js';

type Fn = (a: number, b: number) => number;

/** Floor modulo with the sign of the divisor, as NumPy's `%` (x % 0 is NaN). */
function modFloat(a: number, b: number): number {
  const r = a % b;
  if (r === 0) return b < 0 ? -0 : 0;
  return r < 0 !== b < 0 ? r + b : r;
}

/** IEEE 754 / C pow: like Math.pow except pow(1, y) = 1 for every y and pow(-1, ±Infinity) = 1 (as NumPy). */
function powIEEE(a: number, b: number): number {
  if (a === 1) return 1;
  if (a === -1 && (b === Infinity || b === -Infinity)) return 1;
  return Math.pow(a, b);
}

/** Integer power that wraps as int32; a negative exponent truncates 1/a^n (0 unless |a| is 1). */
function powInt(a: number, b: number): number {
  if (b < 0) return a === 1 ? 1 : a === -1 ? (b & 1 ? -1 : 1) : 0;
  let result = 1;
  let base = a;
  for (let e = b; e > 0; e >>>= 1) {
    if (e & 1) result = Math.imul(result, base);
    base = Math.imul(base, base);
  }
  return result;
}

/** int32 floor modulo; x % 0 is 0 (NumPy's integer convention). */
function modInt(a: number, b: number): number {
  if (b === 0) return 0;
  const r = a % b;
  return (r !== 0 && r < 0 !== b < 0 ? r + b : r) | 0;
}

/** float32 (and bool) math in doubles; comparisons return 0/1 and are false for NaN except notEqual. */
const FLOAT: Record<BinaryOp, Fn> = {
  add: (a, b) => a + b,
  sub: (a, b) => a - b,
  mul: (a, b) => a * b,
  div: (a, b) => a / b,
  pow: powIEEE,
  maximum: Math.max,
  minimum: Math.min,
  mod: modFloat,
  equal: (a, b) => (a === b ? 1 : 0),
  notEqual: (a, b) => (a !== b ? 1 : 0),
  greater: (a, b) => (a > b ? 1 : 0),
  greaterEqual: (a, b) => (a >= b ? 1 : 0),
  less: (a, b) => (a < b ? 1 : 0),
  lessEqual: (a, b) => (a <= b ? 1 : 0),
  logicalAnd: (a, b) => (a !== 0 && b !== 0 ? 1 : 0),
  logicalOr: (a, b) => (a !== 0 || b !== 0 ? 1 : 0),
};

/** int32 arithmetic wraps like C int32. */
const INT: Record<BinaryOp, Fn> = {
  ...FLOAT,
  add: (a, b) => (a + b) | 0,
  sub: (a, b) => (a - b) | 0,
  mul: Math.imul,
  pow: powInt,
  mod: modInt,
};

export function binary(a: TensorInfo, b: TensorInfo, op: BinaryOp, outDtype: DType): TypedArray {
  const f = (a.dtype === 'int32' ? INT : FLOAT)[op];
  const n = sizeOf(a.shape);
  const out = alloc(outDtype, n);
  // a broadcast scalar side is read once instead of being materialised
  const sa = broadcastScalar(a);
  const sb = broadcastScalar(b);
  const kinds = `${a.dtype}>${outDtype}`;
  if (sa !== undefined && sb !== undefined) {
    out.fill(f(sa, sb));
  } else if (sb !== undefined) {
    binaryLoop(f, kinds)(toContiguous(a), out, out, n, 0, sb, 1);
  } else if (sa !== undefined) {
    binaryLoop(f, kinds)(out, toContiguous(b), out, n, sa, 0, 2);
  } else {
    binaryLoop(f, kinds)(toContiguous(a), toContiguous(b), out, n, 0, 0, 0);
  }
  return out;
}

/**
 * The 'fast' backend's binary kernel: float32 add, sub, mul, div, maximum and minimum of at least
 * WASM_MIN_ELEMENTS elements run in WebAssembly SIMD (bit for bit the reference's results, see
 * wasm/elementwise.ts); everything else, and every op where WebAssembly SIMD is missing, is `binary`.
 */
export function fastBinary(a: TensorInfo, b: TensorInfo, op: BinaryOp, outDtype: DType): TypedArray {
  const n = sizeOf(a.shape);
  if (n < WASM_MIN_ELEMENTS || a.dtype !== 'float32' || outDtype !== 'float32' || !WASM_BINARY_OPS.has(op)) return binary(a, b, op, outDtype);
  const engine = wasmElementwise();
  if (engine === null) return binary(a, b, op, outDtype);
  const sa = broadcastScalar(a);
  const sb = broadcastScalar(b);
  if (sa !== undefined && sb !== undefined) return binary(a, b, op, outDtype); // a fill
  const out = allocFull('float32', n) as Float32Array;
  const wop = op as WasmBinaryOp;
  // one side a row repeated over the other's rows (a bias): read from the row, not materialized
  const rowB = sa === undefined && sb === undefined ? repeatedRow(b) : undefined;
  const rowA = rowB === undefined && sa === undefined && sb === undefined ? repeatedRow(a) : undefined;
  if (rowB !== undefined && engine.binaryRows(wop, toContiguous(a) as Float32Array, rowB, out, n / rowB.length, false)) return out;
  if (rowA !== undefined && engine.binaryRows(wop, toContiguous(b) as Float32Array, rowA, out, n / rowA.length, true)) return out;
  if (sb !== undefined) engine.binary(wop, toContiguous(a) as Float32Array, out, out, n, 0, sb, 1);
  else if (sa !== undefined) engine.binary(wop, out, toContiguous(b) as Float32Array, out, n, sa, 0, 2);
  else engine.binary(wop, toContiguous(a) as Float32Array, toContiguous(b) as Float32Array, out, n, 0, 0, 0);
  return out;
}

/**
 * The row a view repeats, when it is one contiguous row broadcast over every outer dim (strides 0
 * there, 1 along the row: a bias [C] seen as [N, H, W, C]), as a subarray of its buffer; else
 * undefined.
 */
function repeatedRow(info: TensorInfo): Float32Array | undefined {
  const { shape, strides } = collapse(info.shape, info.strides);
  if (shape.length !== 2 || strides[0] !== 0 || strides[1] !== 1) return undefined;
  return (bufferOf(info) as Float32Array).subarray(info.offset, info.offset + shape[1]!);
}

/** out[i] = cond[i] ? a[i] : b[i]. */
export function where(cond: TensorInfo, a: TensorInfo, b: TensorInfo): TypedArray {
  const c = toContiguous(cond);
  const x = toContiguous(a);
  const y = toContiguous(b);
  const out = allocFull(a.dtype, c.length);
  for (let i = 0; i < c.length; i++) out[i] = c[i] ? x[i]! : y[i]!;
  return out;
}
