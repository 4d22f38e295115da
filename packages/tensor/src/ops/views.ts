import type { WindowParams } from '../backend.js';
import {
  broadcastShapes, checkShape, contiguousStrides, fmtShape, isContiguous, normalizeAxis, shapesEqual, sizeOf, type Shape,
} from '../shape.js';
import { contiguousCopy, viewOf, type Tensor } from '../tensor.js';
import { apply } from './apply.js';

/**
 * View primitives: each returns a tensor sharing x's storage with new shape/strides/offset.
 * Only reshape of a non-contiguous view copies (a strided layout cannot always be re-viewed).
 */

function resolveShape(op: string, x: Tensor, shape: Shape): number[] {
  const out = [...shape];
  const unknown = out.indexOf(-1);
  if (unknown !== out.lastIndexOf(-1)) throw new RangeError(`${op}: only one -1 is allowed in ${fmtShape(shape)}`);
  if (unknown >= 0) {
    const known = sizeOf(out.filter((_, i) => i !== unknown));
    if (known === 0 || x.size % known !== 0) throw new RangeError(`${op}: cannot reshape ${fmtShape(x.shape)} (${x.size} elements) into ${fmtShape(shape)}`);
    out[unknown] = x.size / known;
  }
  checkShape(op, out);
  if (sizeOf(out) !== x.size) throw new RangeError(`${op}: cannot reshape ${fmtShape(x.shape)} (${x.size} elements) into ${fmtShape(shape)}`);
  return out;
}

/** Gives x a new shape with the same elements in row-major order; one dimension may be -1. @example reshape(x, [2, -1]) */
export function reshape(x: Tensor, shape: Shape): Tensor {
  const out = resolveShape('reshape', x, shape);
  return apply('reshape', 'reshape', [x], { shape: out }, () => {
    if (isContiguous(x.shape, x.strides)) return viewOf(x, out, contiguousStrides(out), x.offset);
    const copy = contiguousCopy(x);
    const view = viewOf(copy, out, contiguousStrides(out), 0);
    copy.dispose();
    return view;
  });
}

/** Permutes dimensions (default: reversed). @example transpose(x, [0, 2, 1]) */
export function transpose(x: Tensor, perm?: readonly number[]): Tensor {
  const rank = x.rank;
  const p = perm ? perm.map((a) => normalizeAxis('transpose', a, rank)) : Array.from({ length: rank }, (_, i) => rank - 1 - i);
  if (p.length !== rank || new Set(p).size !== rank) {
    throw new RangeError(`transpose: perm [${perm?.join(',')}] is not a permutation of the ${rank} axes of ${fmtShape(x.shape)}`);
  }
  return apply('transpose', 'transpose', [x], { perm: p }, () =>
    viewOf(x, p.map((a) => x.shape[a]!), p.map((a) => x.strides[a]!), x.offset));
}

/** Repeats size-1 (or missing leading) dimensions to `shape` without copying. @example broadcastTo(b, [4, 3]) */
export function broadcastTo(x: Tensor, shape: Shape): Tensor {
  checkShape('broadcastTo', shape);
  const b = broadcastShapes(x.shape, shape);
  if (b === null || !shapesEqual(b, shape)) throw new RangeError(`broadcastTo: cannot broadcast ${fmtShape(x.shape)} to ${fmtShape(shape)}`);
  const lead = shape.length - x.rank;
  const strides = shape.map((d, i) => {
    if (i < lead) return 0;
    return x.shape[i - lead] === 1 && d !== 1 ? 0 : x.strides[i - lead]!;
  });
  return apply('broadcastTo', 'broadcastTo', [x], { shape: [...shape] }, () => viewOf(x, [...shape], strides, x.offset));
}

/**
 * A contiguous block: `begin[d]` (negative counts from the end) and `size[d]` (-1 = to the end).
 * @example slice(x, [0, 1], [2, -1])
 */
export function slice(x: Tensor, begin: readonly number[], size?: readonly number[]): Tensor {
  if (begin.length > x.rank || (size && size.length !== begin.length)) {
    throw new RangeError(`slice: begin [${begin.join(',')}] / size [${size?.join(',') ?? ''}] do not match the rank of ${fmtShape(x.shape)}`);
  }
  const b: number[] = [];
  const s: number[] = [];
  for (let d = 0; d < x.rank; d++) {
    const dim = x.shape[d]!;
    let start = begin[d] ?? 0;
    if (start < 0) start += dim;
    const len = size?.[d] === undefined || size[d] === -1 ? dim - start : size[d]!;
    if (!Number.isInteger(start) || !Number.isInteger(len) || start < 0 || len < 0 || start + len > dim) {
      throw new RangeError(`slice: begin [${begin.join(',')}] size [${size?.join(',') ?? ''}] is out of range for ${fmtShape(x.shape)}`);
    }
    b.push(start);
    s.push(len);
  }
  let offset = x.offset;
  for (let d = 0; d < x.rank; d++) offset += b[d]! * x.strides[d]!;
  return apply('slice', 'slice', [x], { begin: b, size: s }, () => viewOf(x, s, x.strides, offset));
}

/** Inserts a size-1 dimension at `axis`. @example expandDims(x, 0) */
export function expandDims(x: Tensor, axis = 0): Tensor {
  const a = normalizeAxis('expandDims', axis, x.rank + 1);
  const shape = [...x.shape];
  shape.splice(a, 0, 1);
  return reshape(x, shape);
}

/** Removes size-1 dimensions (all, or the given axes). @example squeeze(x, [0]) */
export function squeeze(x: Tensor, axis?: number | readonly number[]): Tensor {
  const axes = axis === undefined ? x.shape.flatMap((d, i) => (d === 1 ? [i] : [])) : (typeof axis === 'number' ? [axis] : axis).map((a) => normalizeAxis('squeeze', a, x.rank));
  for (const a of axes) if (x.shape[a] !== 1) throw new RangeError(`squeeze: axis ${a} of ${fmtShape(x.shape)} has size ${x.shape[a]}, not 1`);
  return reshape(x, x.shape.filter((_, i) => !axes.includes(i)));
}

/** Reshapes to 1-D. */
export function flatten(x: Tensor): Tensor {
  return reshape(x, [x.size]);
}

/** Output length of a window sweep (no padding: pad first). */
export function windowOutSize(inSize: number, k: number, stride: number, dilation: number): number {
  const eff = (k - 1) * dilation + 1;
  return inSize < eff ? 0 : Math.floor((inSize - eff) / stride) + 1;
}

/**
 * Sliding 2-D windows of NHWC x as a view [N, OH, OW, KH, KW, C] (im2col without copying).
 * Used by convolution and pooling; its adjoint is the `windowsGrad` kernel.
 */
export function windows(x: Tensor, params: WindowParams): Tensor {
  if (x.rank !== 4) throw new RangeError(`windows: expected NHWC input of rank 4, got ${fmtShape(x.shape)}`);
  const [n, h, w, c] = x.shape as [number, number, number, number];
  const [kh, kw] = params.kernel;
  const [sh, sw] = params.strides;
  const [dh, dw] = params.dilations;
  const oh = windowOutSize(h, kh, sh, dh);
  const ow = windowOutSize(w, kw, sw, dw);
  const [s0, s1, s2, s3] = x.strides as [number, number, number, number];
  return apply('windows', 'windows', [x], { params }, () =>
    viewOf(x, [n, oh, ow, kh, kw, c], [s0, s1 * sh, s2 * sw, s1 * dh, s2 * dw, s3], x.offset));
}
