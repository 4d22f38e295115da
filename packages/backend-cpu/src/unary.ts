import type { DType, TensorInfo, TypedArray, UnaryOp } from '@nabla/tensor';
import { unaryLoop } from './specialize.js';
import { alloc, allocFull, toContiguous } from './strided.js';
import { WASM_UNARY_OPS, wasmElementwise, WASM_MIN_ELEMENTS, type WasmUnaryOp } from './wasm/elementwise.js';

type Fn = (x: number) => number;

const SELU_SCALE = 1.0507009873554804934193349852946;
const SELU_ALPHA = 1.6732632423543772848170429916717;

/** Rounds half to even (NumPy's `round`): 0.5 -> 0, 1.5 -> 2, 2.5 -> 2, -0.5 -> -0. */
export function roundHalfEven(x: number): number {
  const r = Math.round(x); // halves go toward +Infinity
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

// W. J. Cody, "Rational Chebyshev approximations for the error function" (1969), as in
// netlib's specfun CALERF: relative error below 1e-16 in each of three ranges.
const ERF_A = [3.1611237438705656, 113.864154151050156, 377.485237685302021, 3209.37758913846947, 0.185777706184603153];
const ERF_B = [23.6012909523441209, 244.024637934444173, 1282.61652607737228, 2844.23683343917062];
const ERF_C = [
  0.564188496988670089, 8.88314979438837594, 66.1191906371416295, 298.635138197400131, 881.95222124176909,
  1712.04761263407058, 2051.07837782607147, 1230.33935479799725, 2.15311535474403846e-8,
];
const ERF_D = [
  15.7449261107098347, 117.693950891312499, 537.181101862009858, 1621.38957456669019, 3290.79923573345963,
  4362.61909014324716, 3439.36767414372164, 1230.33935480374942,
];
const ERF_P = [0.305326634961232344, 0.360344899949804439, 0.125781726111229246, 0.0160837851487422766, 6.58749161529837803e-4, 0.0163153871373020978];
const ERF_Q = [2.56852019228982242, 1.87295284992346725, 0.527905102951428412, 0.0605183413124413191, 0.00233520497626869185];
const SQRT_1_PI = 0.56418958354775628695;

/** exp(-y²) computed as exp(-t²)·exp(-(y-t)(y+t)) with t = y rounded to 1/16, which keeps it accurate for large y. */
function expNegSquare(y: number): number {
  const t = Math.trunc(y * 16) / 16;
  return Math.exp(-t * t) * Math.exp(-(y - t) * (y + t));
}

/** The error function, accurate to a few ulps of float64 over the whole line. */
export function erf(x: number): number {
  if (x !== x) return NaN;
  const y = Math.abs(x);
  if (y <= 0.46875) {
    const z = y * y;
    let num = ERF_A[4]! * z;
    let den = z;
    for (let i = 0; i < 3; i++) {
      num = (num + ERF_A[i]!) * z;
      den = (den + ERF_B[i]!) * z;
    }
    return (x * (num + ERF_A[3]!)) / (den + ERF_B[3]!);
  }
  let erfc: number;
  if (y <= 4) {
    let num = ERF_C[8]! * y;
    let den = y;
    for (let i = 0; i < 7; i++) {
      num = (num + ERF_C[i]!) * y;
      den = (den + ERF_D[i]!) * y;
    }
    erfc = expNegSquare(y) * ((num + ERF_C[7]!) / (den + ERF_D[7]!));
  } else if (y >= 26.543) {
    erfc = 0;
  } else {
    const z = 1 / (y * y);
    let num = ERF_P[5]! * z;
    let den = z;
    for (let i = 0; i < 4; i++) {
      num = (num + ERF_P[i]!) * z;
      den = (den + ERF_Q[i]!) * z;
    }
    const r = (z * (num + ERF_P[4]!)) / (den + ERF_Q[4]!);
    erfc = expNegSquare(y) * ((SQRT_1_PI - r) / y);
  }
  const v = 0.5 - erfc + 0.5;
  return x < 0 ? -v : v;
}

/** float32 (and bool for logicalNot) math, computed in doubles and rounded on store. */
const FLOAT: Record<UnaryOp, Fn> = {
  neg: (x) => -x,
  abs: Math.abs,
  sign: Math.sign,
  square: (x) => x * x,
  relu: (x) => (x > 0 ? x : x === x ? 0 : NaN),
  exp: Math.exp,
  expm1: Math.expm1,
  log: Math.log,
  log1p: Math.log1p,
  sqrt: Math.sqrt,
  rsqrt: (x) => 1 / Math.sqrt(x),
  reciprocal: (x) => 1 / x,
  sin: Math.sin,
  cos: Math.cos,
  tanh: Math.tanh,
  sigmoid: (x) => {
    if (x >= 0) return 1 / (1 + Math.exp(-x));
    const e = Math.exp(x);
    return e / (1 + e);
  },
  elu: (x) => (x > 0 ? x : Math.expm1(x)),
  selu: (x) => SELU_SCALE * (x > 0 ? x : SELU_ALPHA * Math.expm1(x)),
  softplus: (x) => Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x))),
  erf,
  floor: Math.floor,
  ceil: Math.ceil,
  round: roundHalfEven,
  logicalNot: (x) => (x === 0 ? 1 : 0),
};

/** int32 versions of the ops ops.ts allows on integers; they wrap like C int32. */
const INT: Record<UnaryOp, Fn> = {
  ...FLOAT,
  neg: (x) => -x | 0,
  abs: (x) => Math.abs(x) | 0,
  square: (x) => Math.imul(x, x),
  relu: (x) => (x > 0 ? x : 0),
  floor: (x) => x,
  ceil: (x) => x,
  round: (x) => x,
};

export function unary(x: TensorInfo, op: UnaryOp, outDtype: DType): TypedArray {
  const src = toContiguous(x);
  const n = src.length;
  const out = allocFull(outDtype, n);
  unaryLoop((x.dtype === 'int32' ? INT : FLOAT)[op], `${x.dtype}>${outDtype}`)(src, out, n);
  return out;
}

/**
 * The 'fast' backend's unary kernel: float32 relu, neg, abs, square, sqrt, reciprocal, floor, ceil
 * and round of at least WASM_MIN_ELEMENTS elements run in WebAssembly SIMD (bit for bit the
 * reference's results, see wasm/elementwise.ts); everything else is `unary`.
 */
export function fastUnary(x: TensorInfo, op: UnaryOp, outDtype: DType): TypedArray {
  if (x.dtype !== 'float32' || outDtype !== 'float32' || !WASM_UNARY_OPS.has(op)) return unary(x, op, outDtype);
  const src = toContiguous(x) as Float32Array;
  const n = src.length;
  const engine = n >= WASM_MIN_ELEMENTS ? wasmElementwise() : null;
  if (engine === null) return unary(x, op, outDtype);
  const out = allocFull('float32', n) as Float32Array;
  engine.unary(op as WasmUnaryOp, src, out, n);
  return out;
}
