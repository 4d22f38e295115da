/** Element types a tensor can hold. `bool` is stored as one byte per element (0 or 1). */
export type DType = 'float32' | 'int32' | 'bool';

export type TypedArray = Float32Array | Int32Array | Uint8Array;

/** The TypedArray class that stores each dtype. */
export type ArrayFor<D extends DType> = D extends 'float32' ? Float32Array : D extends 'int32' ? Int32Array : Uint8Array;

export const DTYPES: readonly DType[] = ['float32', 'int32', 'bool'];

export function bytesPerElement(dtype: DType): number {
  return dtype === 'bool' ? 1 : 4;
}

export function allocArray(dtype: DType, size: number): TypedArray {
  if (dtype === 'float32') return new Float32Array(size);
  if (dtype === 'int32') return new Int32Array(size);
  return new Uint8Array(size);
}

export function isDType(x: unknown): x is DType {
  return x === 'float32' || x === 'int32' || x === 'bool';
}

/** The dtype a TypedArray stores naturally (Uint8Array counts as bool). */
export function dtypeOfArray(a: TypedArray): DType {
  if (a instanceof Float32Array) return 'float32';
  if (a instanceof Int32Array) return 'int32';
  return 'bool';
}

/**
 * Result dtype of arithmetic between two dtypes: bool < int32 < float32, and
 * arithmetic on bools counts in int32 (as NumPy's `True + True == 2`).
 */
export function promoteArithmetic(a: DType, b: DType): DType {
  if (a === 'float32' || b === 'float32') return 'float32';
  return 'int32';
}
