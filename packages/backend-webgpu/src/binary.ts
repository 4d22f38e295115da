import type { BinaryOp, DType, TensorInfo } from '@nabla/tensor';
import { runMap } from './map.js';
import type { GBuf, Runtime } from './runtime.js';
import { contiguous, sizeOf } from './strided.js';
import { CONVERT, wtype } from './wgsl.js';

interface Template {
  /** WGSL expression of `a` and `b`. */
  expr: string;
  /** The dtype it yields. */
  dtype: DType;
}

const f = (expr: string): Template => ({ expr, dtype: 'float32' });
const i = (expr: string): Template => ({ expr, dtype: 'int32' });
const b = (expr: string): Template => ({ expr, dtype: 'bool' });

/** float32: IEEE specials spelled out (NaN compares false, maximum/minimum let NaN win). */
const FLOAT: Record<BinaryOp, Template | null> = {
  add: f('a + b'),
  sub: f('a - b'),
  mul: f('a * b'),
  div: f('div_(a, b)'),
  pow: f('pow_(a, b)'),
  maximum: f('max_(a, b)'),
  minimum: f('min_(a, b)'),
  mod: f('mod_(a, b)'),
  equal: b('b2u(eq_(a, b))'),
  notEqual: b('b2u(!eq_(a, b))'),
  greater: b('b2u(lt_(b, a))'),
  greaterEqual: b('b2u(le_(b, a))'),
  less: b('b2u(lt_(a, b))'),
  lessEqual: b('b2u(le_(a, b))'),
  logicalAnd: b('b2u(a != 0.0 && b != 0.0)'),
  logicalOr: b('b2u(a != 0.0 || b != 0.0)'),
};

/** int32: +, -, * wrap modulo 2^32 (WGSL's integer semantics, as the CPU's Math.imul). */
const INT: Record<BinaryOp, Template | null> = {
  add: i('a + b'),
  sub: i('a - b'),
  mul: i('a * b'),
  div: null,
  pow: i('ipow_(a, b)'),
  maximum: i('max(a, b)'),
  minimum: i('min(a, b)'),
  mod: i('imod_(a, b)'),
  equal: b('b2u(a == b)'),
  notEqual: b('b2u(a != b)'),
  greater: b('b2u(a > b)'),
  greaterEqual: b('b2u(a >= b)'),
  less: b('b2u(a < b)'),
  lessEqual: b('b2u(a <= b)'),
  logicalAnd: b('b2u(a != 0 && b != 0)'),
  logicalOr: b('b2u(a != 0 || b != 0)'),
};

const BOOL: Record<BinaryOp, Template | null> = {
  add: null, sub: null, mul: null, div: null, pow: null,
  maximum: b('max(a, b)'),
  minimum: b('min(a, b)'),
  mod: null,
  equal: b('b2u(a == b)'),
  notEqual: b('b2u(a != b)'),
  greater: b('b2u(a > b)'),
  greaterEqual: b('b2u(a >= b)'),
  less: b('b2u(a < b)'),
  lessEqual: b('b2u(a <= b)'),
  logicalAnd: b('a & b'),
  logicalOr: b('a | b'),
};

const TABLES: Record<DType, Record<BinaryOp, Template | null>> = { float32: FLOAT, int32: INT, bool: BOOL };

const operand = (x: TensorInfo) => ({ buf: x.buffer as GBuf, type: wtype(x.dtype), strides: x.strides, offset: x.offset });

/** out[i] = op(a[i], b[i]); a and b share shape and dtype. */
export function binary(rt: Runtime, a: TensorInfo, bx: TensorInfo, op: BinaryOp, outDtype: DType): GBuf {
  const tpl = TABLES[a.dtype][op];
  if (tpl === null) throw new TypeError(`${op}: not defined for ${a.dtype} tensors`);
  const t = wtype(a.dtype);
  const fn = `fn f(a: ${t}, b: ${t}) -> ${wtype(outDtype)} { let v = ${tpl.expr}; return ${CONVERT[tpl.dtype][outDtype]}; }`;
  const out = rt.alloc(sizeOf(a.shape) * 4);
  runMap(rt, `binary.${op}.${a.dtype}.${outDtype}`, fn, [operand(a), operand(bx)],
    { buf: out, type: wtype(outDtype), strides: contiguous(a.shape), offset: 0 }, a.shape);
  return out;
}

/** out[i] = cond[i] ? a[i] : b[i]. */
export function where(rt: Runtime, cond: TensorInfo, a: TensorInfo, bx: TensorInfo): GBuf {
  const t = wtype(a.dtype);
  const fn = `fn f(c: u32, a: ${t}, b: ${t}) -> ${t} { return select(b, a, c != 0u); }`;
  const out = rt.alloc(sizeOf(a.shape) * 4);
  runMap(rt, `where.${a.dtype}`, fn, [operand(cond), operand(a), operand(bx)],
    { buf: out, type: t, strides: contiguous(a.shape), offset: 0 }, a.shape);
  return out;
}
