import type { BinaryOp, UnaryOp } from '../backend.js';
import { promoteArithmetic, type DType } from '../dtype.js';
import { broadcastShapes, fmtShape, shapesEqual } from '../shape.js';
import { tensorFromBuffer, Tensor } from '../tensor.js';
import { apply, checkAlive } from './apply.js';
import { scalar } from './creation.js';
import { broadcastTo } from './views.js';

/** A tensor or a JS number/boolean (treated as a scalar). */
export type TensorOrScalar = Tensor | number | boolean;

const FLOAT_ONLY = new Set<UnaryOp>([
  'exp', 'expm1', 'log', 'log1p', 'sqrt', 'rsqrt', 'reciprocal', 'sin', 'cos', 'tanh', 'sigmoid', 'elu', 'selu', 'softplus', 'erf',
]);

function describe(x: Tensor): string {
  return `${fmtShape(x.shape)} ${x.dtype}`;
}

/** Casts to `dtype` (float -> int truncates toward zero; anything non-zero -> true). @example cast(x, 'int32') */
export function cast(x: Tensor, dtype: DType): Tensor {
  return apply('cast', 'cast', [x], { dtype }, (b) => tensorFromBuffer(b, b.kernels.cast(x.info(), dtype), x.shape, dtype));
}

/** Applies a unary kernel with the dtype rules of `op`. */
export function unary(op: UnaryOp, x: Tensor): Tensor {
  if (FLOAT_ONLY.has(op) && x.dtype !== 'float32') throw new TypeError(`${op}: expected a float32 tensor, got ${describe(x)}; cast it first`);
  if (op === 'logicalNot' && x.dtype !== 'bool') throw new TypeError(`logicalNot: expected a bool tensor, got ${describe(x)}`);
  if (op !== 'logicalNot' && x.dtype === 'bool') throw new TypeError(`${op}: expected a numeric tensor, got ${describe(x)}; cast it first`);
  return apply(op, 'unary', [x], { op }, (b) => tensorFromBuffer(b, b.kernels.unary(x.info(), op, x.dtype), x.shape, x.dtype));
}

const COMPARISON = new Set<BinaryOp>(['equal', 'notEqual', 'greater', 'greaterEqual', 'less', 'lessEqual']);
const LOGICAL = new Set<BinaryOp>(['logicalAnd', 'logicalOr']);

/** A JS number next to a tensor takes the tensor's dtype when it fits (NumPy's weak scalars). */
function toTensor(v: TensorOrScalar, other: TensorOrScalar): Tensor {
  if (v instanceof Tensor) return v;
  if (typeof v === 'boolean') return scalar(v, 'bool');
  const o = other instanceof Tensor ? other.dtype : 'float32';
  return scalar(v, o === 'int32' && Number.isInteger(v) ? 'int32' : 'float32');
}

/**
 * Applies a binary kernel: converts scalars, promotes dtypes (bool < int32 < float32),
 * and broadcasts both sides (as NumPy) before the kernel sees them.
 */
export function binary(op: BinaryOp, a: TensorOrScalar, b: TensorOrScalar): Tensor {
  checkAlive(op, [a, b].filter((t): t is Tensor => t instanceof Tensor));
  const ta = toTensor(a, b);
  const tb = toTensor(b, a);
  const owned: Tensor[] = [];
  const own = (t: Tensor): Tensor => (owned.push(t), t);
  try {
    const shape = broadcastShapes(ta.shape, tb.shape);
    if (!shape) throw new RangeError(`${op}: cannot broadcast shapes ${fmtShape(ta.shape)} and ${fmtShape(tb.shape)}`);
    let compute: DType;
    let out: DType;
    if (LOGICAL.has(op)) {
      if (ta.dtype !== 'bool' || tb.dtype !== 'bool') throw new TypeError(`${op}: expected bool tensors, got ${describe(ta)} and ${describe(tb)}`);
      compute = out = 'bool';
    } else {
      compute = promoteArithmetic(ta.dtype, tb.dtype);
      if (op === 'div') compute = 'float32';
      if (COMPARISON.has(op) && ta.dtype === 'bool' && tb.dtype === 'bool') compute = 'bool';
      out = COMPARISON.has(op) ? 'bool' : compute;
    }
    const ca = ta.dtype === compute ? ta : own(cast(ta, compute));
    const cb = tb.dtype === compute ? tb : own(cast(tb, compute));
    const ba = shapesEqual(ca.shape, shape) ? ca : own(broadcastTo(ca, shape));
    const bb = shapesEqual(cb.shape, shape) ? cb : own(broadcastTo(cb, shape));
    return apply(op, 'binary', [ba, bb], { op }, (be) => tensorFromBuffer(be, be.kernels.binary(ba.info(), bb.info(), op, out), shape, out));
  } finally {
    // also when apply throws (e.g. a disposed input), so a failing op leaks nothing
    for (const t of owned) t.dispose();
    if (ta !== a) ta.dispose();
    if (tb !== b) tb.dispose();
  }
}

/** Elementwise cond ? a : b with broadcasting; cond must be bool. @example where(greater(x, 0), x, 0) */
export function where(cond: Tensor, a: TensorOrScalar, b: TensorOrScalar): Tensor {
  checkAlive('where', [cond, a, b].filter((t): t is Tensor => t instanceof Tensor));
  if (cond.dtype !== 'bool') throw new TypeError(`where: condition must be bool, got ${describe(cond)}`);
  const ta = toTensor(a, b);
  const tb = toTensor(b, a);
  const owned: Tensor[] = [];
  const own = (t: Tensor): Tensor => {
    owned.push(t);
    return t;
  };
  try {
    const s1 = broadcastShapes(ta.shape, tb.shape);
    const shape = s1 && broadcastShapes(cond.shape, s1);
    if (!shape) throw new RangeError(`where: cannot broadcast shapes ${fmtShape(cond.shape)}, ${fmtShape(ta.shape)} and ${fmtShape(tb.shape)}`);
    const dtype = ta.dtype === tb.dtype ? ta.dtype : promoteArithmetic(ta.dtype, tb.dtype);
    const fit = (t: Tensor): Tensor => {
      const c = t.dtype === dtype ? t : own(cast(t, dtype));
      return shapesEqual(c.shape, shape) ? c : own(broadcastTo(c, shape));
    };
    const bc = shapesEqual(cond.shape, shape) ? cond : own(broadcastTo(cond, shape));
    const ba = fit(ta);
    const bb = fit(tb);
    return apply('where', 'where', [bc, ba, bb], {}, (be) =>
      tensorFromBuffer(be, be.kernels.where(bc.info(), ba.info(), bb.info()), shape, dtype));
  } finally {
    for (const t of owned) t.dispose();
    if (ta !== a) ta.dispose();
    if (tb !== b) tb.dispose();
  }
}
