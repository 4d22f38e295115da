import type { DType, TensorInfo, UnaryOp } from '@nabla/tensor';
import { runMap } from './map.js';
import type { GBuf, Runtime } from './runtime.js';
import { contiguous, sizeOf } from './strided.js';
import { CONVERT, wtype } from './wgsl.js';

/** float32 expressions of `x`; the math functions live in wgsl.ts. */
const FLOAT: Record<UnaryOp, string> = {
  neg: 'neg_(x)',
  abs: 'abs_(x)',
  sign: 'sign_(x)',
  square: 'x * x',
  relu: 'relu_(x)',
  exp: 'exp_(x)',
  expm1: 'expm1_(x)',
  log: 'log_(x)',
  log1p: 'log1p_(x)',
  sqrt: 'sqrt_(x)',
  rsqrt: 'rsqrt_(x)',
  reciprocal: 'div_(1.0, x)',
  sin: 'sin_(x)',
  cos: 'cos_(x)',
  tanh: 'tanh_(x)',
  sigmoid: 'sigmoid_(x)',
  elu: 'elu_(x)',
  selu: 'selu_(x)',
  softplus: 'softplus_(x)',
  erf: 'erf_(x)',
  floor: 'floor_(x)',
  ceil: 'ceil_(x)',
  round: 'round_(x)',
  logicalNot: 'select(0.0, 1.0, x == 0.0)',
};

/** int32 expressions (wrapping, as C int32); null where @nabla/tensor never sends int32. */
const INT: Record<UnaryOp, string | null> = {
  neg: '0 - x',
  abs: 'select(x, 0 - x, x < 0)',
  sign: 'select(select(0, -1, x < 0), 1, x > 0)',
  square: 'x * x',
  relu: 'max(x, 0)',
  exp: null, expm1: null, log: null, log1p: null, sqrt: null, rsqrt: null, reciprocal: null,
  sin: null, cos: null, tanh: null, sigmoid: null, elu: null, selu: null, softplus: null, erf: null,
  floor: 'x',
  ceil: 'x',
  round: 'x',
  logicalNot: 'select(0, 1, x == 0)',
};

/** bool (u32 0/1) expressions. */
const BOOL: Record<UnaryOp, string | null> = {
  neg: null, abs: 'x', sign: 'x', square: 'x', relu: 'x',
  exp: null, expm1: null, log: null, log1p: null, sqrt: null, rsqrt: null, reciprocal: null,
  sin: null, cos: null, tanh: null, sigmoid: null, elu: null, selu: null, softplus: null, erf: null,
  floor: 'x', ceil: 'x', round: 'x',
  logicalNot: 'b2u(x == 0u)',
};

const TABLES: Record<DType, Record<UnaryOp, string | null>> = { float32: FLOAT, int32: INT, bool: BOOL };

/** out[i] = op(x[i]) computed in x's dtype, converted to outDtype. */
export function unary(rt: Runtime, x: TensorInfo, op: UnaryOp, outDtype: DType): GBuf {
  const expr = TABLES[x.dtype][op];
  if (expr === null) throw new TypeError(`${op}: not defined for ${x.dtype} tensors`);
  const n = sizeOf(x.shape);
  const out = rt.alloc(n * 4);
  const t = wtype(x.dtype);
  const convert = CONVERT[x.dtype][outDtype];
  const fn = `fn f(x: ${t}) -> ${wtype(outDtype)} { let v = ${expr}; return ${convert}; }`;
  runMap(rt, `unary.${op}.${outDtype}`, fn, [{ buf: x.buffer as GBuf, type: t, strides: x.strides, offset: x.offset }],
    { buf: out, type: wtype(outDtype), strides: contiguous(x.shape), offset: 0 }, x.shape);
  return out;
}
