import { allocArray, dtypeOfArray, isDType, type DType, type TypedArray } from '../dtype.js';
import { Random, nextSeed } from '../random.js';
import { checkShape, fmtShape, sizeOf, type Shape } from '../shape.js';
import { tensorFromArray, type Tensor } from '../tensor.js';

/** What `tensor()` accepts: a number/boolean, nested arrays of them, or a TypedArray. */
export type TensorLike = number | boolean | TypedArray | readonly TensorLike[];

function inferShape(values: TensorLike): number[] {
  const shape: number[] = [];
  let v: TensorLike = values;
  while (Array.isArray(v)) {
    shape.push(v.length);
    if (v.length === 0) break;
    v = v[0] as TensorLike;
  }
  if (ArrayBuffer.isView(v)) shape.push((v as TypedArray).length);
  return shape;
}

function flatten(values: TensorLike, shape: Shape, out: number[], dim: number, sawBool: { bool: boolean; num: boolean }): void {
  if (dim === shape.length) {
    if (typeof values === 'boolean') sawBool.bool = true;
    else if (typeof values === 'number') sawBool.num = true;
    else throw new TypeError(`tensor: expected a number or boolean at depth ${dim}, got ${Array.isArray(values) ? 'an array' : typeof values} (ragged nested array?)`);
    out.push(Number(values));
    return;
  }
  if (ArrayBuffer.isView(values) && dim === shape.length - 1) {
    if ((values as TypedArray).length !== shape[dim]) throw new TypeError(`tensor: ragged nested array; expected ${shape[dim]} elements at depth ${dim}`);
    sawBool.num = true;
    for (const x of values as TypedArray) out.push(x);
    return;
  }
  if (!Array.isArray(values) || values.length !== shape[dim]) {
    throw new TypeError(`tensor: ragged nested array; expected ${shape[dim]} elements at depth ${dim}, inferred shape ${fmtShape(shape)}`);
  }
  for (const x of values) flatten(x as TensorLike, shape, out, dim + 1, sawBool);
}

/** Converts JS numbers to a dtype's storage, rounding toward zero for int32 as a cast does. */
function toTyped(values: ArrayLike<number>, dtype: DType): TypedArray {
  const out = allocArray(dtype, values.length);
  if (dtype === 'bool') for (let i = 0; i < values.length; i++) out[i] = values[i] !== 0 ? 1 : 0; // NaN is non-zero: true, as cast
  else out.set(values);
  return out;
}

/**
 * Creates a tensor from numbers, booleans, nested arrays or a TypedArray.
 * Numbers default to float32, booleans to bool, a TypedArray to its own dtype.
 *
 * @example tensor([[1, 2], [3, 4]]) // float32 [2,2]
 * @example tensor(new Int32Array([1, 2, 3, 4]), [2, 2])
 */
export function tensor(values: TensorLike, shape?: Shape, dtype?: DType): Tensor {
  if (dtype !== undefined && !isDType(dtype)) throw new TypeError(`tensor: unknown dtype '${String(dtype)}'`);
  if (ArrayBuffer.isView(values)) {
    const arr = values as TypedArray;
    const s = shape ?? [arr.length];
    checkShape('tensor', s);
    if (sizeOf(s) !== arr.length) throw new RangeError(`tensor: ${arr.length} values do not fill shape ${fmtShape(s)}`);
    const dt = dtype ?? dtypeOfArray(arr);
    const data = dt === dtypeOfArray(arr) ? arr.slice() : toTyped(arr, dt);
    return tensorFromArray(data, s, dt);
  }
  const inferred = inferShape(values);
  const flat: number[] = [];
  const saw = { bool: false, num: false };
  flatten(values, inferred, flat, 0, saw);
  const s = shape ?? inferred;
  checkShape('tensor', s);
  if (sizeOf(s) !== flat.length) throw new RangeError(`tensor: ${flat.length} values do not fill shape ${fmtShape(s)}`);
  const dt = dtype ?? (saw.bool && !saw.num ? 'bool' : 'float32');
  return tensorFromArray(toTyped(flat, dt), s, dt);
}

/** A rank-0 tensor. @example scalar(3.5) */
export function scalar(value: number | boolean, dtype?: DType): Tensor {
  return tensor(value, [], dtype);
}

/** A tensor of `shape` filled with `value`. @example fill([2, 3], 7, 'int32') */
export function fill(shape: Shape, value: number | boolean, dtype: DType = typeof value === 'boolean' ? 'bool' : 'float32'): Tensor {
  checkShape('fill', shape);
  const data = allocArray(dtype, sizeOf(shape));
  data.fill(dtype === 'bool' ? (Number(value) !== 0 ? 1 : 0) : Number(value));
  return tensorFromArray(data, shape, dtype);
}

/** @example zeros([2, 2]) */
export function zeros(shape: Shape, dtype: DType = 'float32'): Tensor {
  return fill(shape, 0, dtype);
}

/** @example ones([3]) */
export function ones(shape: Shape, dtype: DType = 'float32'): Tensor {
  return fill(shape, 1, dtype);
}

/** Zeros with x's shape and dtype. */
export function zerosLike(x: Tensor): Tensor {
  return fill(x.shape, 0, x.dtype);
}

/** Ones with x's shape and dtype. */
export function onesLike(x: Tensor): Tensor {
  return fill(x.shape, 1, x.dtype);
}

/**
 * Evenly spaced values in [start, stop): `arange(5)` or `arange(1, 10, 2)`.
 * int32 when start, stop and step are all integers, else float32 (override with dtype).
 */
export function arange(start: number, stop?: number, step = 1, dtype?: DType): Tensor {
  if (stop === undefined) [start, stop] = [0, start];
  if (step === 0 || !Number.isFinite(step)) throw new RangeError(`arange: step must be a finite non-zero number, got ${step}`);
  const n = Math.max(0, Math.ceil((stop - start) / step));
  const dt = dtype ?? (Number.isInteger(start) && Number.isInteger(stop) && Number.isInteger(step) ? 'int32' : 'float32');
  const data = allocArray(dt, n);
  for (let i = 0; i < n; i++) data[i] = start + i * step;
  return tensorFromArray(data, [n], dt);
}

/** `num` evenly spaced float32 values from start to stop inclusive. @example linspace(0, 1, 5) */
export function linspace(start: number, stop: number, num: number): Tensor {
  if (!Number.isInteger(num) || num < 0) throw new RangeError(`linspace: num must be a non-negative integer, got ${num}`);
  const data = new Float32Array(num);
  const step = num > 1 ? (stop - start) / (num - 1) : 0;
  for (let i = 0; i < num; i++) data[i] = start + i * step;
  if (num > 1) data[num - 1] = stop;
  return tensorFromArray(data, [num], 'float32');
}

/** The identity matrix (n x m, default square). @example eye(3) */
export function eye(n: number, m = n, dtype: DType = 'float32'): Tensor {
  checkShape('eye', [n, m]);
  const data = allocArray(dtype, n * m);
  for (let i = 0; i < Math.min(n, m); i++) data[i * m + i] = 1;
  return tensorFromArray(data, [n, m], dtype);
}

export interface RandomOptions {
  /** Same seed, same numbers, on every backend. Omitted: a fresh seed each call. */
  seed?: number;
  dtype?: 'float32' | 'int32';
}

function randomTensor(op: string, shape: Shape, dtype: DType, gen: (r: Random) => number, seed?: number): Tensor {
  checkShape(op, shape);
  const r = new Random(seed ?? nextSeed());
  const data = allocArray(dtype, sizeOf(shape));
  for (let i = 0; i < data.length; i++) data[i] = gen(r);
  return tensorFromArray(data, shape, dtype);
}

/** Uniform values in [minval, maxval). int32 dtype draws integers in [minval, maxval). */
export function randomUniform(shape: Shape, opts: RandomOptions & { minval?: number; maxval?: number } = {}): Tensor {
  const { minval = 0, maxval = 1, dtype = 'float32' } = opts;
  if (!(maxval > minval)) throw new RangeError(`randomUniform: maxval (${maxval}) must exceed minval (${minval})`);
  const gen = dtype === 'int32'
    ? (r: Random) => minval + Math.floor(r.uniform() * (maxval - minval))
    : (r: Random) => minval + r.uniform() * (maxval - minval);
  return randomTensor('randomUniform', shape, dtype, gen, opts.seed);
}

/** Normal values with `mean` and `stddev`. */
export function randomNormal(shape: Shape, opts: { mean?: number; stddev?: number; seed?: number } = {}): Tensor {
  const { mean = 0, stddev = 1 } = opts;
  return randomTensor('randomNormal', shape, 'float32', (r) => mean + stddev * r.normal(), opts.seed);
}

/** Normal values redrawn until within two standard deviations of the mean (as TF and Keras do). */
export function truncatedNormal(shape: Shape, opts: { mean?: number; stddev?: number; seed?: number } = {}): Tensor {
  const { mean = 0, stddev = 1 } = opts;
  const gen = (r: Random): number => {
    for (;;) {
      const z = r.normal();
      if (Math.abs(z) <= 2) return mean + stddev * z;
    }
  };
  return randomTensor('truncatedNormal', shape, 'float32', gen, opts.seed);
}
