import {
  add, broadcastTo, cast, cos, div, equal, exp, floor, gather, greater, greaterEqual, lessEqual, log, logicalAnd, lstmCellGrad, matmul, max, maximum, maxPool2dGrad, mul, neg,
  pad, pow, prod, reluGrad, reshape, scatterAdd, sigmoid, sign, sin, slice, square, sub, sum, transpose, where, windows, windowsGrad,
  type BinaryOp, type PoolGeometry, type ReduceOp, type Shape, type Tensor, type UnaryOp, type WindowParams,
} from '@nabla/tensor';

/**
 * One gradient rule per primitive. Rules are written with tensor ops, so they run on any
 * backend, and while an outer tape records they are themselves differentiated
 * (higher-order gradients).
 *
 * `inputs` holds the primitive's inputs: those listed in `saveInputs` (and the output, if
 * `saveOutput`) are kept alive by the tape until backward; the others may already be
 * disposed and are read only for their shape and dtype. `needs[i]` says whether input i
 * wants a gradient (a rule may return null for the others). A null gradient means zero.
 */
export interface GradRule {
  readonly saveInputs: readonly number[];
  readonly saveOutput: boolean;
  grad(dy: Tensor, inputs: readonly Tensor[], output: Tensor, attrs: Attrs, needs: readonly boolean[]): readonly (Tensor | null)[];
}

// Attribute bags as `apply` records them (see packages/tensor/src/ops).
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Attrs = any;

type UnaryGrad = (dy: Tensor, x: Tensor, y: Tensor) => Tensor;
type BinaryGrad = (dy: Tensor, a: Tensor, b: Tensor, y: Tensor, needs: readonly boolean[]) => [Tensor | null, Tensor | null];

/** A unary rule that reads x ('x'), the output ('y'), both, or neither (''). */
function un(uses: '' | 'x' | 'y' | 'xy', fn: UnaryGrad): GradRule {
  return {
    saveInputs: uses.includes('x') ? [0] : [],
    saveOutput: uses.includes('y'),
    grad: (dy, [x], y) => [fn(dy, x!, y)],
  };
}

function bin(uses: '' | 'ab' | 'aby', fn: BinaryGrad): GradRule {
  return {
    saveInputs: uses ? [0, 1] : [],
    saveOutput: uses.includes('y'),
    grad: (dy, [a, b], y, _attrs, needs) => fn(dy, a!, b!, y, needs),
  };
}

/** The gradient carries no information (piecewise-constant or non-float ops). */
const NONE = null;

const range = (from: number, to: number): number[] => Array.from({ length: to - from }, (_, i) => from + i);

/** Sums a gradient of a broadcast result back to the shape its input had before broadcasting. */
export function sumToShape(g: Tensor, shape: Shape): Tensor {
  const lead = g.rank - shape.length;
  const axes = g.shape.flatMap((d, i) => (i < lead || (shape[i - lead] === 1 && d !== 1) ? [i] : []));
  if (axes.length === 0) return g.rank === shape.length ? g : reshape(g, shape);
  return reshape(sum(g, axes), shape);
}

/** dy of a reduction over the last k axes, given trailing size-1 axes so it broadcasts against the input. */
function expandTrailing(t: Tensor, k: number): Tensor {
  return reshape(t, [...t.shape, ...new Array<number>(k).fill(1)]);
}

const SELU_ALPHA = 1.6732632423543772;
const SELU_SCALE = 1.0507009873554805;
const TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);

const UNARY: Record<UnaryOp, GradRule | null> = {
  neg: un('', (dy) => neg(dy)),
  abs: un('x', (dy, x) => mul(dy, sign(x))),
  sign: NONE,
  floor: NONE,
  ceil: NONE,
  round: NONE,
  logicalNot: NONE,
  square: un('x', (dy, x) => mul(dy, mul(x, 2))),
  relu: un('x', (dy, x) => reluGrad(x, dy)),
  exp: un('y', (dy, _x, y) => mul(dy, y)),
  expm1: un('y', (dy, _x, y) => mul(dy, add(y, 1))),
  log: un('x', (dy, x) => div(dy, x)),
  log1p: un('x', (dy, x) => div(dy, add(x, 1))),
  sqrt: un('y', (dy, _x, y) => div(dy, mul(y, 2))),
  // d/dx x^-1/2 = -1/2 x^-3/2 = -1/2 y³
  rsqrt: un('y', (dy, _x, y) => mul(dy, mul(pow(y, 3), -0.5))),
  reciprocal: un('y', (dy, _x, y) => neg(mul(dy, square(y)))),
  sin: un('x', (dy, x) => mul(dy, cos(x))),
  cos: un('x', (dy, x) => neg(mul(dy, sin(x)))),
  tanh: un('y', (dy, _x, y) => mul(dy, sub(1, square(y)))),
  sigmoid: un('y', (dy, _x, y) => mul(dy, mul(y, sub(1, y)))),
  // x <= 0: y = e^x - 1, so dy/dx = e^x = y + 1
  elu: un('xy', (dy, x, y) => where(greater(x, 0), dy, mul(dy, add(y, 1)))),
  // x <= 0: y = scale·alpha·(e^x - 1), so dy/dx = scale·alpha·e^x = y + scale·alpha
  selu: un('xy', (dy, x, y) => where(greater(x, 0), mul(dy, SELU_SCALE), mul(dy, add(y, SELU_SCALE * SELU_ALPHA)))),
  softplus: un('x', (dy, x) => mul(dy, sigmoid(x))),
  erf: un('x', (dy, x) => mul(dy, mul(exp(neg(square(x))), TWO_OVER_SQRT_PI))),
};

const BINARY: Record<BinaryOp, GradRule | null> = {
  add: bin('', (dy) => [dy, dy]),
  sub: bin('', (dy, _a, _b, _y, n) => [dy, n[1] ? neg(dy) : null]),
  mul: bin('ab', (dy, a, b, _y, n) => [n[0] ? mul(dy, b) : null, n[1] ? mul(dy, a) : null]),
  div: bin('ab', (dy, a, b, _y, n) => [n[0] ? div(dy, b) : null, n[1] ? neg(div(mul(dy, a), square(b))) : null]),
  // d/db a^b = a^b·log(a), taken only where a > 0 (0 elsewhere, where log is undefined)
  pow: bin('aby', (dy, a, b, y, n) => {
    const da = n[0] ? mul(dy, mul(b, pow(a, sub(b, 1)))) : null;
    if (!n[1]) return [da, null];
    const pos = greater(a, 0);
    return [da, where(pos, mul(dy, mul(y, log(where(pos, a, 1)))), 0)];
  }),
  // the winner takes the gradient; ties go to a (as TensorFlow)
  maximum: bin('ab', (dy, a, b) => {
    const ge = greaterEqual(a, b);
    return [where(ge, dy, 0), where(ge, 0, dy)];
  }),
  minimum: bin('ab', (dy, a, b) => {
    const le = lessEqual(a, b);
    return [where(le, dy, 0), where(le, 0, dy)];
  }),
  // floor mod: a - b·floor(a/b)
  mod: bin('ab', (dy, a, b, _y, n) => [dy, n[1] ? mul(neg(dy), floor(div(a, b))) : null]),
  equal: NONE,
  notEqual: NONE,
  greater: NONE,
  greaterEqual: NONE,
  less: NONE,
  lessEqual: NONE,
  logicalAnd: NONE,
  logicalOr: NONE,
};

/** Reductions fold the last `axes` dims of their (transposed) input. */
const REDUCE: Record<ReduceOp, GradRule | null> = {
  sum: {
    saveInputs: [],
    saveOutput: false,
    grad: (dy, [x], _y, { axes }) => [broadcastTo(expandTrailing(dy, axes), x!.shape)],
  },
  // Exact with zeros: ∂/∂xᵢ = Π_{j≠i} xⱼ = (product of the non-zero xⱼ) / xᵢ when the slice
  // has no zero; the product of the others at the only zero; 0 when there are two zeros or more.
  prod: {
    saveInputs: [0],
    saveOutput: false,
    grad: (dy, [x], _y, { axes }) => {
      const t = range(x!.rank - axes, x!.rank);
      const isZero = equal(x!, 0);
      const nonZero = where(isZero, 1, x!);
      const prodNonZero = prod(nonZero, t, true);
      const zeros = sum(cast(isZero, 'float32'), t, true);
      const g = where(equal(zeros, 0), div(prodNonZero, nonZero), where(logicalAnd(isZero, equal(zeros, 1)), prodNonZero, 0));
      return [mul(expandTrailing(dy, axes), g)];
    },
  },
  max: extremumRule(),
  min: extremumRule(),
  argmax: NONE,
  argmin: NONE,
};

/** max/min: dy goes to the elements equal to the result, split evenly between ties. */
function extremumRule(): GradRule {
  return {
    saveInputs: [0],
    saveOutput: true,
    grad: (dy, [x], y, { axes }) => {
      const mask = equal(x!, expandTrailing(y, axes));
      const count = sum(cast(mask, 'float32'), range(x!.rank - axes, x!.rank), true);
      return [where(mask, div(expandTrailing(dy, axes), count), 0)];
    },
  };
}

/**
 * The adjoint of maxPool2dGrad in dy: per window, the mean of g over the cells that hold the
 * window's max (padding cells, -Infinity in x and 0 in g, tie an all -Infinity window; a NaN
 * window sent nothing forward and gets 0 back).
 */
function maxPoolTieMean(x: Tensor, g: Tensor, pool: PoolGeometry): Tensor {
  const params: WindowParams = { kernel: pool.kernel, strides: pool.strides, dilations: [1, 1] };
  const [[t, b], [l, r]] = pool.pads;
  const p: [number, number][] = [[0, 0], [t, b], [l, r], [0, 0]];
  const padded = t + b + l + r > 0;
  const wx = windows(padded ? pad(x, p, -Infinity) : x, params);
  const wg = windows(padded ? pad(g, p, 0) : g, params);
  const [n, oh, ow, , , c] = wx.shape as [number, number, number, number, number, number];
  const mask = equal(wx, reshape(max(wx, [3, 4]), [n, oh, ow, 1, 1, c]));
  const count = sum(cast(mask, 'float32'), [3, 4]);
  return div(sum(where(mask, wg, 0), [3, 4]), maximum(count, 1));
}

function invertPerm(perm: readonly number[]): number[] {
  const inv = new Array<number>(perm.length);
  perm.forEach((p, i) => (inv[p] = i));
  return inv;
}

/** Every primitive `apply` records that is neither elementwise nor a reduction. */
type StructuralPrim =
  | 'where' | 'softmax' | 'matmul' | 'cast' | 'concat' | 'pad' | 'slice' | 'gather' | 'scatterAdd'
  | 'windows' | 'windowsGrad' | 'reshape' | 'transpose' | 'broadcastTo' | 'lstmCell' | 'maxPool2d' | 'maxPool2dGrad' | 'reluGrad';

/** The primitives recorded by `apply`, i.e. the keys of RULES. */
export type Prim = 'unary' | 'binary' | 'reduce' | StructuralPrim;

/**
 * The one table: every primitive `apply` records, by name (unary/binary/reduce by their
 * op, so a missing op is a compile error).
 */
export const RULES: {
  unary: Record<UnaryOp, GradRule | null>;
  binary: Record<BinaryOp, GradRule | null>;
  reduce: Record<ReduceOp, GradRule | null>;
} & Record<StructuralPrim, GradRule> = {
  unary: UNARY,
  binary: BINARY,
  reduce: REDUCE,
  where: {
    saveInputs: [0],
    saveOutput: false,
    grad: (dy, [cond], _y, _a, n) => [null, n[1] ? where(cond!, dy, 0) : null, n[2] ? where(cond!, 0, dy) : null],
  },
  // over the last axis: softmax dx = y·(dy − Σ dy·y); log-softmax dx = dy − exp(y)·Σ dy
  softmax: {
    saveInputs: [],
    saveOutput: true,
    grad: (dy, _x, y, { log }) => [
      log ? sub(dy, mul(exp(y!), sum(dy, -1, true))) : mul(y!, sub(dy, sum(mul(dy, y!), -1, true))),
    ],
  },
  // inputs already share their batch shape (broadcastTo's rule sums broadcast batches)
  matmul: {
    saveInputs: [0, 1],
    saveOutput: false,
    grad: (dy, [a, b], _y, _a, n) => [n[0] ? matmul(dy, b!, false, true) : null, n[1] ? matmul(a!, dy, true, false) : null],
  },
  // float -> float is the identity; int/bool inputs get no gradient
  cast: {
    saveInputs: [],
    saveOutput: false,
    grad: (dy, [x]) => [x!.dtype === 'float32' ? dy : null],
  },
  concat: {
    saveInputs: [],
    saveOutput: false,
    grad: (dy, xs, _y, { axis }, n) => {
      let start = 0;
      return xs.map((x, i) => {
        const begin = dy.shape.map((_, d) => (d === axis ? start : 0));
        start += x.shape[axis]!;
        return n[i] ? slice(dy, begin, x.shape) : null;
      });
    },
  },
  pad: {
    saveInputs: [],
    saveOutput: false,
    grad: (dy, [x], _y, { paddings }) => [slice(dy, (paddings as [number, number][]).map((p) => p[0]), x!.shape)],
  },
  slice: {
    saveInputs: [],
    saveOutput: false,
    grad: (dy, [x], _y, { begin, size }) =>
      [pad(dy, x!.shape.map((d, i) => [begin[i] as number, d - begin[i] - size[i]] as [number, number]), 0)],
  },
  gather: {
    saveInputs: [1],
    saveOutput: false,
    grad: (dy, [x, idx], _y, { axis }) => [scatterAdd(dy, idx!, axis, x!.shape), null],
  },
  scatterAdd: {
    saveInputs: [1],
    saveOutput: false,
    grad: (dy, [_u, idx], _y, { axis }) => [gather(dy, idx!, axis), null],
  },
  windows: {
    saveInputs: [],
    saveOutput: false,
    grad: (dy, [x], _y, { params }) => [windowsGrad(dy, x!.shape, params as WindowParams)],
  },
  windowsGrad: {
    saveInputs: [],
    saveOutput: false,
    grad: (dy, [d6], _y, { params }) => {
      const w = windows(dy, params as WindowParams);
      if (w.shape.every((s, i) => s === d6!.shape[i])) return [w];
      // dy's window grid may stop short of the last full window: keep the part it covered
      return [slice(w, d6!.shape.map(() => 0), d6!.shape)];
    },
  },
  reshape: {
    saveInputs: [],
    saveOutput: false,
    grad: (dy, [x]) => [reshape(dy, x!.shape)],
  },
  transpose: {
    saveInputs: [],
    saveOutput: false,
    grad: (dy, _xs, _y, { perm }) => [transpose(dy, invertPerm(perm as number[]))],
  },
  // the fused LSTM cell (recorded only where the backend fuses it): its own fused adjoint
  lstmCell: {
    saveInputs: [0, 1],
    saveOutput: false,
    grad: (dy, [z, c]) => lstmCellGrad(z!, c!, dy),
  },
  // the fused max pool (recorded only where the backend fuses it): dy to each window's max,
  // split between ties, as `max`'s own rule on the composed path
  maxPool2d: {
    saveInputs: [0],
    saveOutput: false,
    grad: (dy, [x], _y, { pool }) => [maxPool2dGrad(x!, dy, pool as PoolGeometry)],
  },
  // maxPool2dGrad(x, dy) is linear in dy and piecewise constant in x (x only picks the cells)
  maxPool2dGrad: {
    saveInputs: [0],
    saveOutput: false,
    grad: (g, [x], _y, { pool }, n) => [null, n[1] ? maxPoolTieMean(x!, g, pool as PoolGeometry) : null],
  },
  // the fused relu gradient (recorded only where the backend fuses it): linear in dy, and
  // piecewise constant in x
  reluGrad: {
    saveInputs: [0],
    saveOutput: false,
    grad: (g, [x], _y, _a, n) => [null, n[1] ? reluGrad(x!, g) : null],
  },
  // sums over the added leading axes and the stretched size-1 axes
  broadcastTo: {
    saveInputs: [],
    saveOutput: false,
    grad: (dy, [x]) => [sumToShape(dy, x!.shape)],
  },
};

/**
 * The rule for a recorded primitive: a GradRule, null when the primitive has no
 * gradient (its output carries none), undefined when no rule is known.
 */
export function ruleFor(prim: string, attrs: Attrs): GradRule | null | undefined {
  if (prim === 'unary' || prim === 'binary' || prim === 'reduce') {
    const table = RULES[prim] as Record<string, GradRule | null>;
    return Object.prototype.hasOwnProperty.call(table, attrs.op) ? table[attrs.op] : undefined;
  }
  return Object.prototype.hasOwnProperty.call(RULES, prim) ? (RULES as Record<string, GradRule>)[prim] : undefined;
}

/** How many differentiable rules the table holds (unary, binary and reduce ops counted one by one). */
export function ruleCount(): { total: number; byPrim: Record<string, number> } {
  const byPrim: Record<string, number> = {};
  for (const [prim, entry] of Object.entries(RULES)) {
    byPrim[prim] = 'grad' in entry ? 1 : Object.values(entry).filter((r) => r !== null).length;
  }
  return { total: Object.values(byPrim).reduce((s, v) => s + v, 0), byPrim };
}
