import type { Tensor } from '../tensor.js';
import { tidy } from '../engine.js';
import { binary, unary, where, type TensorOrScalar } from './elementwise.js';

// Named elementwise ops. Each is a one-line call into the unary/binary primitives,
// or a short composition of them (so autograd needs no rule of its own).

/** a + b, broadcasting. @example add(x, 1) */
export const add = (a: TensorOrScalar, b: TensorOrScalar): Tensor => binary('add', a, b);
/** a - b, broadcasting. */
export const sub = (a: TensorOrScalar, b: TensorOrScalar): Tensor => binary('sub', a, b);
/** a * b, broadcasting. */
export const mul = (a: TensorOrScalar, b: TensorOrScalar): Tensor => binary('mul', a, b);
/** a / b, broadcasting; always float32 (true division). */
export const div = (a: TensorOrScalar, b: TensorOrScalar): Tensor => binary('div', a, b);
/** a ** b, broadcasting. */
export const pow = (a: TensorOrScalar, b: TensorOrScalar): Tensor => binary('pow', a, b);
/** Elementwise maximum (NaN wins). */
export const maximum = (a: TensorOrScalar, b: TensorOrScalar): Tensor => binary('maximum', a, b);
/** Elementwise minimum (NaN wins). */
export const minimum = (a: TensorOrScalar, b: TensorOrScalar): Tensor => binary('minimum', a, b);
/** Floor modulo: the result has the sign of b, as NumPy's `%`. */
export const mod = (a: TensorOrScalar, b: TensorOrScalar): Tensor => binary('mod', a, b);
/** a == b → bool. */
export const equal = (a: TensorOrScalar, b: TensorOrScalar): Tensor => binary('equal', a, b);
/** a != b → bool. */
export const notEqual = (a: TensorOrScalar, b: TensorOrScalar): Tensor => binary('notEqual', a, b);
/** a > b → bool. */
export const greater = (a: TensorOrScalar, b: TensorOrScalar): Tensor => binary('greater', a, b);
/** a >= b → bool. */
export const greaterEqual = (a: TensorOrScalar, b: TensorOrScalar): Tensor => binary('greaterEqual', a, b);
/** a < b → bool. */
export const less = (a: TensorOrScalar, b: TensorOrScalar): Tensor => binary('less', a, b);
/** a <= b → bool. */
export const lessEqual = (a: TensorOrScalar, b: TensorOrScalar): Tensor => binary('lessEqual', a, b);
/** Elementwise AND of bool tensors. */
export const logicalAnd = (a: TensorOrScalar, b: TensorOrScalar): Tensor => binary('logicalAnd', a, b);
/** Elementwise OR of bool tensors. */
export const logicalOr = (a: TensorOrScalar, b: TensorOrScalar): Tensor => binary('logicalOr', a, b);
/** Elementwise NOT of a bool tensor. */
export const logicalNot = (x: Tensor): Tensor => unary('logicalNot', x);

/** -x */
export const neg = (x: Tensor): Tensor => unary('neg', x);
/** |x| */
export const abs = (x: Tensor): Tensor => unary('abs', x);
/** -1, 0 or 1 (NaN stays NaN). */
export const sign = (x: Tensor): Tensor => unary('sign', x);
/** e^x */
export const exp = (x: Tensor): Tensor => unary('exp', x);
/** e^x - 1, accurate near 0. */
export const expm1 = (x: Tensor): Tensor => unary('expm1', x);
/** Natural log. */
export const log = (x: Tensor): Tensor => unary('log', x);
/** log(1 + x), accurate near 0. */
export const log1p = (x: Tensor): Tensor => unary('log1p', x);
/** √x */
export const sqrt = (x: Tensor): Tensor => unary('sqrt', x);
/** 1/√x */
export const rsqrt = (x: Tensor): Tensor => unary('rsqrt', x);
/** x² */
export const square = (x: Tensor): Tensor => unary('square', x);
/** 1/x */
export const reciprocal = (x: Tensor): Tensor => unary('reciprocal', x);
/** sin x */
export const sin = (x: Tensor): Tensor => unary('sin', x);
/** cos x */
export const cos = (x: Tensor): Tensor => unary('cos', x);
/** tanh x */
export const tanh = (x: Tensor): Tensor => unary('tanh', x);
/** 1 / (1 + e^-x) */
export const sigmoid = (x: Tensor): Tensor => unary('sigmoid', x);
/** max(x, 0) */
export const relu = (x: Tensor): Tensor => unary('relu', x);
/** x if x > 0 else e^x - 1 (alpha = 1, as Keras' default). */
export const elu = (x: Tensor): Tensor => unary('elu', x);
/** Scaled ELU with the self-normalising constants (Klambauer et al.). */
export const selu = (x: Tensor): Tensor => unary('selu', x);
/** log(1 + e^x), computed without overflow. */
export const softplus = (x: Tensor): Tensor => unary('softplus', x);
/** The Gauss error function. */
export const erf = (x: Tensor): Tensor => unary('erf', x);
/** Rounds down. */
export const floor = (x: Tensor): Tensor => unary('floor', x);
/** Rounds up. */
export const ceil = (x: Tensor): Tensor => unary('ceil', x);
/** Rounds half to even, as NumPy. */
export const round = (x: Tensor): Tensor => unary('round', x);

/** min(max(x, 0), 6) */
export function relu6(x: Tensor): Tensor {
  return tidy(() => minimum(relu(x), 6));
}

/** x if x >= 0 else alpha·x. @example leakyRelu(x, 0.2) */
export function leakyRelu(x: Tensor, alpha = 0.2): Tensor {
  return tidy(() => where(greaterEqual(x, 0), x, mul(x, alpha)));
}

/** Exact GELU, x·Φ(x) = ½x(1 + erf(x/√2)) (Keras' default `approximate=False`). */
export function gelu(x: Tensor): Tensor {
  return tidy(() => mul(mul(x, 0.5), add(erf(mul(x, Math.SQRT1_2)), 1)));
}

/** Limits values to [lo, hi]. @example clip(x, 0, 1) */
export function clip(x: Tensor, lo: number, hi: number): Tensor {
  if (!(lo <= hi)) throw new RangeError(`clip: lo (${lo}) must not exceed hi (${hi})`);
  return tidy(() => minimum(maximum(x, lo), hi));
}
