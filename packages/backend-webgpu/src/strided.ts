/**
 * Shape/stride bookkeeping on the host, before a dispatch: kernels index strided views
 * generically, so the fewer dimensions they walk the better.
 */

/** Row-major strides of `shape`. */
export function contiguous(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i]!;
  }
  return s;
}

export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/**
 * Drops size-1 dimensions and merges neighbours whose strides chain for every operand
 * at once (stride[d] == stride[d+1] * shape[d+1]), so all operands keep walking the
 * same elements in the same order.
 */
export function collapse(shape: readonly number[], strides: readonly (readonly number[])[]): { shape: number[]; strides: number[][] } {
  const s: number[] = [];
  const st: number[][] = strides.map(() => []);
  for (let d = 0; d < shape.length; d++) {
    const n = shape[d]!;
    if (n === 1) continue;
    const last = s.length - 1;
    if (last >= 0 && strides.every((str, k) => st[k]![last] === str[d]! * n)) {
      s[last] = s[last]! * n;
      strides.forEach((str, k) => (st[k]![last] = str[d]!));
    } else {
      s.push(n);
      strides.forEach((str, k) => st[k]!.push(str[d]!));
    }
  }
  return { shape: s, strides: st };
}

/** True when `strides` walk `shape` in row-major order with no gaps. */
export function isContiguous(shape: readonly number[], strides: readonly number[]): boolean {
  let expected = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    const d = shape[i]!;
    if (d === 1) continue;
    if (strides[i] !== expected) return false;
    expected *= d;
  }
  return true;
}

/** `values` padded with zeros to `n` entries. */
export function padTo(values: readonly number[], n: number): number[] {
  const out = values.slice(0, n);
  while (out.length < n) out.push(0);
  return out;
}
