import type { DType, TypedArray } from './dtype.js';
import type { Shape } from './shape.js';

/**
 * The backend contract: a small, closed set of kernels. Every backend supplies all of
 * them (a missing kernel is a compile error). Kernels read strided views and write
 * new contiguous outputs; broadcasting, transposes, slices and windows arrive as
 * strides (a stride of 0 repeats an element), so backends never implement them.
 */

/** Elementwise functions of one input. */
export type UnaryOp =
  | 'neg' | 'abs' | 'sign' | 'square' | 'relu'
  | 'exp' | 'expm1' | 'log' | 'log1p' | 'sqrt' | 'rsqrt' | 'reciprocal'
  | 'sin' | 'cos' | 'tanh' | 'sigmoid' | 'elu' | 'selu' | 'softplus' | 'erf'
  | 'floor' | 'ceil' | 'round'
  | 'logicalNot';

export const UNARY_OPS: readonly UnaryOp[] = [
  'neg', 'abs', 'sign', 'square', 'relu',
  'exp', 'expm1', 'log', 'log1p', 'sqrt', 'rsqrt', 'reciprocal',
  'sin', 'cos', 'tanh', 'sigmoid', 'elu', 'selu', 'softplus', 'erf',
  'floor', 'ceil', 'round',
  'logicalNot',
];

/** Elementwise functions of two inputs of the same (already broadcast) shape. */
export type BinaryOp =
  | 'add' | 'sub' | 'mul' | 'div' | 'pow' | 'maximum' | 'minimum' | 'mod'
  | 'equal' | 'notEqual' | 'greater' | 'greaterEqual' | 'less' | 'lessEqual'
  | 'logicalAnd' | 'logicalOr';

export const BINARY_OPS: readonly BinaryOp[] = [
  'add', 'sub', 'mul', 'div', 'pow', 'maximum', 'minimum', 'mod',
  'equal', 'notEqual', 'greater', 'greaterEqual', 'less', 'lessEqual',
  'logicalAnd', 'logicalOr',
];

/** Reductions over the trailing axes of a view. argmax/argmin return int32 indexes. */
export type ReduceOp = 'sum' | 'prod' | 'max' | 'min' | 'argmax' | 'argmin';

export const REDUCE_OPS: readonly ReduceOp[] = ['sum', 'prod', 'max', 'min', 'argmax', 'argmin'];

/** A strided view onto a backend buffer, as kernels see their inputs. */
export interface TensorInfo {
  /** The backend's own buffer object (what `write` or a kernel returned). */
  readonly buffer: unknown;
  readonly dtype: DType;
  readonly shape: Shape;
  /** Strides in elements; 0 repeats an element (broadcast). */
  readonly strides: Shape;
  /** Offset of element [0, 0, ...] in the buffer, in elements. */
  readonly offset: number;
}

/** Geometry of a 2-D sliding window over NHWC input. */
export interface WindowParams {
  readonly kernel: readonly [number, number];
  readonly strides: readonly [number, number];
  readonly dilations: readonly [number, number];
}

/**
 * Every kernel returns a new backend buffer holding a contiguous row-major output of
 * the documented shape and dtype; inputs are never modified.
 */
export interface Kernels {
  /** out[i] = op(x[i]); out has x's shape. */
  unary(x: TensorInfo, op: UnaryOp, outDtype: DType): unknown;
  /** out[i] = op(a[i], b[i]); a and b have the same shape and dtype (the dtype computed in). */
  binary(a: TensorInfo, b: TensorInfo, op: BinaryOp, outDtype: DType): unknown;
  /** out[i] = cond[i] ? a[i] : b[i]; all three have the same shape. */
  where(cond: TensorInfo, a: TensorInfo, b: TensorInfo): unknown;
  /** Reduces the last `axes` dimensions of x: out shape is x.shape minus those. */
  reduce(x: TensorInfo, op: ReduceOp, axes: number, outDtype: DType): unknown;
  /**
   * Softmax (or, with `log`, log-softmax) over the LAST axis of float32 x, each row shifted by
   * its maximum (by 0 when that maximum is not finite, so -Infinity rows give NaN as the
   * composed formula does); out has x's shape. One fused pass instead of five primitives.
   */
  softmax(x: TensorInfo, log: boolean): unknown;
  /** Batched matmul: a [...batch, M, K] times b [...batch, K, N] (same batch shape) -> [...batch, M, N]. */
  matmul(a: TensorInfo, b: TensorInfo): unknown;
  /** Converts elements (a same-dtype cast is a contiguous copy). float->int truncates toward zero. */
  cast(x: TensorInfo, dtype: DType): unknown;
  /** Joins inputs of equal dtype along `axis`; shapes agree elsewhere. */
  concat(xs: readonly TensorInfo[], axis: number): unknown;
  /** Pads with a constant: paddings[d] = [before, after] (non-negative). */
  pad(x: TensorInfo, paddings: readonly (readonly [number, number])[], value: number): unknown;
  /** out = x.shape[:axis] + indices.shape + x.shape[axis+1:]; indices are int32 and in range. */
  gather(x: TensorInfo, indices: TensorInfo, axis: number): unknown;
  /**
   * The adjoint of gather: out has `outShape` (x's shape in the gather), zero-filled,
   * and each slice of `updates` is added at its index along `axis`.
   */
  scatterAdd(updates: TensorInfo, indices: TensorInfo, axis: number, outShape: Shape): unknown;
  /**
   * The adjoint of the window view: dy is [N, OH, OW, KH, KW, C] and out is
   * `inputShape` [N, H, W, C], each input element receiving the sum of every window
   * element that views it.
   */
  windowsGrad(dy: TensorInfo, inputShape: Shape, params: WindowParams): unknown;
}

/** Hyper-parameters of one fused Adam step (see `adamUpdate`). */
export interface AdamStep {
  /** lr·sqrt(1 - beta2^t) / (1 - beta1^t): the bias-corrected step size. */
  readonly alpha: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
}

/**
 * Optional fused kernels, outside the closed set: a backend may supply any of them, and the op
 * that uses one composes the closed kernels instead when it is missing, with the same result.
 * They exist where fusion removes most of the cost: an optimizer step is ~12 full-size
 * elementwise passes per weight when composed, one pass when fused.
 */
export interface FusedKernels {
  /**
   * One Adam step over float32 views of one shape: returns new buffers [w, m, v] (and vHat as a
   * fourth when `vHat` is given, for AMSGrad), within float32 rounding of the composed ops:
   * m' = m + (g - m)(1 - beta1); v' = v + (g² - v)(1 - beta2); vHat' = max(vHat, v');
   * w' = w - (m'·alpha) / (sqrt(vHat' or v') + epsilon).
   * With `inPlace` the caller donates w, m, v and vHat (contiguous, offset 0, seen by nobody
   * else): the kernel may write the results into their buffers and return those.
   */
  adam?(w: TensorInfo, g: TensorInfo, m: TensorInfo, v: TensorInfo, vHat: TensorInfo | null, step: AdamStep, inPlace: boolean): unknown[];
  /**
   * The LSTM cell after its projections, Keras gate order i, f, c, o: z is float32 [B, 4u]
   * (x·W + h·U + b), c is [B, u]. With i = σ(z_i), f = σ(z_f), g = tanh(z_c), o = σ(z_o):
   * c' = f·c + i·g and h' = o·tanh(c'). Returns one buffer [B, 2u] holding [h' | c'].
   */
  lstmCell?(z: TensorInfo, c: TensorInfo): unknown;
  /**
   * The adjoint of `lstmCell`: dy is [B, 2u], the gradient of [h' | c']; returns one buffer
   * [B, 5u] holding [dz | dc] (gates recomputed from z and c, nothing else saved).
   */
  lstmCellGrad?(z: TensorInfo, c: TensorInfo, dy: TensorInfo): unknown;
  /**
   * Max pooling of float32 NHWC x [N, H, W, C] over `pool`'s windows: returns a buffer
   * [N, OH, OW, C] equal to max over the window axes of the -Infinity-padded window view
   * (a NaN in a window gives NaN).
   */
  maxPool2d?(x: TensorInfo, pool: PoolGeometry): unknown;
  /**
   * relu's gradient: float32 x and dy of one shape -> a buffer of dy where x > 0, else 0 (NaN
   * x gives 0), as where(greater(x, 0), dy, 0) without the mask and the broadcast zero.
   */
  reluGrad?(x: TensorInfo, dy: TensorInfo): unknown;
  /**
   * The adjoint of `maxPool2d` at x, with the composed path's semantics: each window's dy
   * is split evenly between the cells equal to the window's max (ties share it; padding
   * cells count as ties of a -Infinity max, and a NaN max sends nothing), summed onto x.
   * Returns a float32 buffer of x's shape [N, H, W, C].
   */
  maxPool2dGrad?(x: TensorInfo, dy: TensorInfo, pool: PoolGeometry): unknown;
}

/**
 * The windows of a 2-D pooling (dilation 1): window (oh, ow) covers input rows
 * oh·strides[0] - pads[0][0] + [0, kernel[0]) and the columns likewise; cells outside the
 * input are padding. OH = floor((H + pads[0][0] + pads[0][1] - kernel[0]) / strides[0]) + 1.
 */
export interface PoolGeometry {
  readonly kernel: readonly [number, number];
  readonly strides: readonly [number, number];
  /** [[top, bottom], [left, right]]. */
  readonly pads: readonly [readonly [number, number], readonly [number, number]];
}

export interface Backend {
  readonly name: string;
  readonly kernels: Kernels;
  /** Optional fused kernels (see FusedKernels); absent ones are composed from `kernels`. */
  readonly fused?: FusedKernels;
  /** Puts host values into a new backend buffer. Takes ownership: callers pass a fresh array and never touch it again. */
  write(values: TypedArray, dtype: DType): unknown;
  /** Reads a whole buffer (`size` elements of `dtype`) into a new TypedArray. */
  read(buffer: unknown, dtype: DType, size: number): Promise<TypedArray>;
  /** Synchronous read, for backends whose memory the host can see (CPU). */
  readSync?(buffer: unknown, dtype: DType, size: number): TypedArray;
  /** Frees a buffer. Called exactly once per buffer, when its last tensor is disposed. */
  release(buffer: unknown): void;
  /** Resolves when all queued work has finished. */
  sync?(): Promise<void>;
  /** Frees everything the backend holds; it is not used again. */
  dispose?(): void;
}

/** How a backend package makes itself available to `setBackend(name)`. */
export interface BackendFactory {
  readonly name: string;
  /** Higher is preferred by `setBackend('auto')`. */
  readonly priority: number;
  create(): Backend | Promise<Backend>;
}
