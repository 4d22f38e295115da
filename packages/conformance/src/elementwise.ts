import * as nb from '@nabla/tensor';
import {
  broadcastTo, cast, slice, tensor, transpose, where, zeros, type DType, type Tensor, type TensorOrScalar,
} from '@nabla/tensor';
import { describe, expect, it } from 'vitest';
import { expectTensor, noLeak, randomValues, useBackend, type ConformanceTarget } from './harness.js';
import { erf64, refBroadcast, refTranspose } from './reference.js';
import { call } from './util.js';

const SELU_SCALE = 1.0507009873554805;
const SELU_ALPHA = 1.6732632423543772;
const ERF_TABLE: [number, number][] = [
  [0, 0], [0.1, 0.1124629160182849], [0.5, 0.5204998778130465], [1, 0.8427007929497149], [1.5, 0.9661051464753108],
  [2, 0.9953222650189527], [3, 0.9999779095030014], [-0.5, -0.5204998778130465], [-1, -0.8427007929497149],
  [-2, -0.9953222650189527], [-3, -0.9999779095030014],
];

const GENERAL = [-3, -1.5, -0.7, -0.1, 0, 0.1, 0.5, 1, 2.5, 4];
const POSITIVE = [0.01, 0.1, 0.5, 1, 2, 7.5, 100];

interface UnaryCase {
  name: string;
  fn: (x: Tensor) => Tensor;
  /** The float64 truth. */
  ref: (x: number) => number;
  inputs: number[];
  /** [input, exact expected] for NaN, ±Infinity, overflow and underflow. */
  special: [number, number][];
}

const softplusRef = (x: number): number => Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));
const seluRef = (x: number): number => SELU_SCALE * (x > 0 ? x : SELU_ALPHA * (Math.exp(x) - 1));
const geluRef = (x: number): number => 0.5 * x * (1 + erf64(x / Math.SQRT2));
const roundHalfEven = (x: number): number => {
  const f = Math.floor(x);
  const d = x - f;
  if (d > 0.5) return f + 1;
  if (d < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
};

const UNARY: UnaryCase[] = [
  { name: 'neg', fn: nb.neg, ref: (x) => -x, inputs: GENERAL, special: [[NaN, NaN], [Infinity, -Infinity], [-Infinity, Infinity]] },
  { name: 'abs', fn: nb.abs, ref: Math.abs, inputs: GENERAL, special: [[NaN, NaN], [-Infinity, Infinity]] },
  { name: 'sign', fn: nb.sign, ref: Math.sign, inputs: GENERAL, special: [[NaN, NaN], [Infinity, 1], [-Infinity, -1], [1e-30, 1]] },
  { name: 'exp', fn: nb.exp, ref: Math.exp, inputs: GENERAL, special: [[-Infinity, 0], [Infinity, Infinity], [NaN, NaN], [100, Infinity], [-200, 0]] },
  { name: 'expm1', fn: nb.expm1, ref: Math.expm1, inputs: [...GENERAL, 1e-6, -1e-7], special: [[-Infinity, -1], [Infinity, Infinity], [NaN, NaN]] },
  { name: 'log', fn: nb.log, ref: Math.log, inputs: POSITIVE, special: [[0, -Infinity], [-1, NaN], [Infinity, Infinity], [NaN, NaN], [-Infinity, NaN]] },
  { name: 'log1p', fn: nb.log1p, ref: Math.log1p, inputs: [-0.9, -0.5, 1e-7, ...POSITIVE], special: [[-1, -Infinity], [-2, NaN], [Infinity, Infinity], [NaN, NaN]] },
  { name: 'sqrt', fn: nb.sqrt, ref: Math.sqrt, inputs: [0, ...POSITIVE], special: [[-1, NaN], [Infinity, Infinity], [NaN, NaN]] },
  { name: 'rsqrt', fn: nb.rsqrt, ref: (x) => 1 / Math.sqrt(x), inputs: POSITIVE, special: [[0, Infinity], [Infinity, 0], [-1, NaN], [NaN, NaN]] },
  { name: 'square', fn: nb.square, ref: (x) => x * x, inputs: GENERAL, special: [[-Infinity, Infinity], [NaN, NaN], [1e20, Infinity]] },
  { name: 'reciprocal', fn: nb.reciprocal, ref: (x) => 1 / x, inputs: [-3, -0.1, 0.1, 0.5, 4, 1000], special: [[0, Infinity], [Infinity, 0], [NaN, NaN]] },
  { name: 'sin', fn: nb.sin, ref: Math.sin, inputs: [...GENERAL, 10], special: [[Infinity, NaN], [-Infinity, NaN], [NaN, NaN]] },
  { name: 'cos', fn: nb.cos, ref: Math.cos, inputs: [...GENERAL, 10], special: [[Infinity, NaN], [NaN, NaN]] },
  { name: 'tanh', fn: nb.tanh, ref: Math.tanh, inputs: [...GENERAL, 1e-4], special: [[Infinity, 1], [-Infinity, -1], [NaN, NaN], [1000, 1], [-1000, -1]] },
  {
    name: 'sigmoid', fn: nb.sigmoid, ref: (x) => 1 / (1 + Math.exp(-x)), inputs: [...GENERAL, -20, 20],
    special: [[Infinity, 1], [-Infinity, 0], [1000, 1], [-1000, 0], [NaN, NaN]],
  },
  { name: 'relu', fn: nb.relu, ref: (x) => Math.max(x, 0), inputs: GENERAL, special: [[NaN, NaN], [Infinity, Infinity], [-Infinity, 0]] },
  { name: 'relu6', fn: nb.relu6, ref: (x) => Math.min(Math.max(x, 0), 6), inputs: [...GENERAL, 6, 7.5, 100], special: [[NaN, NaN], [Infinity, 6], [-Infinity, 0]] },
  {
    name: 'leakyRelu', fn: (x) => nb.leakyRelu(x), ref: (x) => (x >= 0 ? x : 0.2 * x), inputs: GENERAL,
    special: [[NaN, NaN], [Infinity, Infinity], [-Infinity, -Infinity]],
  },
  { name: 'leakyRelu(alpha 0.01)', fn: (x) => nb.leakyRelu(x, 0.01), ref: (x) => (x >= 0 ? x : 0.01 * x), inputs: GENERAL, special: [[NaN, NaN]] },
  { name: 'elu', fn: nb.elu, ref: (x) => (x > 0 ? x : Math.expm1(x)), inputs: GENERAL, special: [[-Infinity, -1], [Infinity, Infinity], [NaN, NaN], [-1000, -1]] },
  { name: 'selu', fn: nb.selu, ref: seluRef, inputs: GENERAL, special: [[-Infinity, Math.fround(-SELU_SCALE * SELU_ALPHA)], [Infinity, Infinity], [NaN, NaN]] },
  { name: 'softplus', fn: nb.softplus, ref: softplusRef, inputs: [...GENERAL, -20, 30], special: [[Infinity, Infinity], [-Infinity, 0], [1000, 1000], [-1000, 0], [NaN, NaN]] },
  { name: 'gelu', fn: nb.gelu, ref: geluRef, inputs: [...GENERAL, -4], special: [[Infinity, Infinity], [NaN, NaN]] },
  { name: 'erf', fn: nb.erf, ref: erf64, inputs: [...GENERAL, 0.01], special: [[Infinity, 1], [-Infinity, -1], [NaN, NaN]] },
  { name: 'floor', fn: nb.floor, ref: Math.floor, inputs: [...GENERAL, -2, 2], special: [[Infinity, Infinity], [-Infinity, -Infinity], [NaN, NaN]] },
  { name: 'ceil', fn: nb.ceil, ref: Math.ceil, inputs: [...GENERAL, -2, 2], special: [[Infinity, Infinity], [-Infinity, -Infinity], [NaN, NaN]] },
  {
    name: 'round', fn: nb.round, ref: roundHalfEven, inputs: [-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 3.5, 2.4, 2.6, -2.6, -0.4, 1e6 + 0.5],
    special: [[Infinity, Infinity], [-Infinity, -Infinity], [NaN, NaN]],
  },
  {
    name: 'clip', fn: (x) => nb.clip(x, -1, 2), ref: (x) => Math.min(Math.max(x, -1), 2), inputs: GENERAL,
    special: [[NaN, NaN], [Infinity, 2], [-Infinity, -1]],
  },
];

/** The expected float32 result: the float64 truth of the float32 input, rounded to float32. */
const truth = (ref: (x: number) => number, xs: readonly number[]): number[] => xs.map((x) => Math.fround(ref(Math.fround(x))));

interface BinaryCase {
  name: string;
  fn: (a: TensorOrScalar, b: TensorOrScalar) => Tensor;
  ref: (a: number, b: number) => number;
  genA: (n: number, seed: number) => number[];
  genB: (n: number, seed: number) => number[];
}

const uniform = (lo: number, hi: number) => (n: number, seed: number): number[] => Array.from(randomValues(n, seed, lo, hi));
/** Magnitudes in [lo, hi] with alternating signs: safe divisors. */
const signed = (lo: number, hi: number) => (n: number, seed: number): number[] =>
  Array.from(randomValues(n, seed, lo, hi), (v, i) => (i % 2 ? -v : v));
/** Multiples of 1/4: mod of these by the divisors below is exact, far from the floor's jumps. */
const quarters = (n: number, seed: number): number[] => Array.from(randomValues(n, seed, -20, 20), (v) => Math.round(v) / 4);
const divisors = (n: number, seed: number): number[] => Array.from({ length: n }, (_, i) => [1.5, -2, 3, -0.75, 2.5, 0.5][(i + seed) % 6]!);
const smallInts = (n: number, seed: number): number[] => Array.from(randomValues(n, seed, -2, 2), (v) => Math.round(v));

const ARITHMETIC: BinaryCase[] = [
  { name: 'add', fn: nb.add, ref: (a, b) => a + b, genA: uniform(-2, 2), genB: uniform(-2, 2) },
  { name: 'sub', fn: nb.sub, ref: (a, b) => a - b, genA: uniform(-2, 2), genB: uniform(-2, 2) },
  { name: 'mul', fn: nb.mul, ref: (a, b) => a * b, genA: uniform(-2, 2), genB: uniform(-2, 2) },
  { name: 'div', fn: nb.div, ref: (a, b) => a / b, genA: uniform(-2, 2), genB: signed(0.5, 2) },
  { name: 'pow', fn: nb.pow, ref: Math.pow, genA: uniform(0.2, 3), genB: uniform(-2, 2) },
  { name: 'maximum', fn: nb.maximum, ref: Math.max, genA: smallInts, genB: uniform(-2, 2) },
  { name: 'minimum', fn: nb.minimum, ref: Math.min, genA: smallInts, genB: uniform(-2, 2) },
  { name: 'mod', fn: nb.mod, ref: (a, b) => a - Math.floor(a / b) * b, genA: quarters, genB: divisors },
];

const COMPARISONS: BinaryCase[] = [
  { name: 'equal', fn: nb.equal, ref: (a, b) => +(a === b), genA: smallInts, genB: smallInts },
  { name: 'notEqual', fn: nb.notEqual, ref: (a, b) => +(a !== b), genA: smallInts, genB: smallInts },
  { name: 'greater', fn: nb.greater, ref: (a, b) => +(a > b), genA: smallInts, genB: smallInts },
  { name: 'greaterEqual', fn: nb.greaterEqual, ref: (a, b) => +(a >= b), genA: smallInts, genB: smallInts },
  { name: 'less', fn: nb.less, ref: (a, b) => +(a < b), genA: smallInts, genB: smallInts },
  { name: 'lessEqual', fn: nb.lessEqual, ref: (a, b) => +(a <= b), genA: smallInts, genB: smallInts },
];

export function elementwiseSuite(target: ConformanceTarget): void {
  describe('elementwise', () => {
    const { tol } = useBackend(target);

    for (const c of UNARY) {
      it(`${c.name}: values against float64`, async () => {
        const xs = c.inputs;
        await expectTensor(call(c.fn, tensor(xs)), [xs.length], truth(c.ref, xs), tol);
      });

      it(`${c.name}: NaN, ±Infinity, overflow and underflow`, async () => {
        const xs = c.special.map(([x]) => x);
        await expectTensor(call(c.fn, tensor(xs)), [xs.length], c.special.map(([, y]) => y), tol);
      });

      it(`${c.name}: on a strided column view and a transposed view`, async () => {
        const xs = c.inputs;
        const n = xs.length;
        // column 0 of an [n, 2] tensor whose column 1 holds a value valid for every op
        const grid = tensor(xs.flatMap((x) => [x, 0.5]), [n, 2]);
        const col = slice(grid, [0, 0], [n, 1]);
        await expectTensor(noLeak(() => c.fn(col)), [n, 1], truth(c.ref, xs), tol);
        const t = transpose(grid);
        await expectTensor(noLeak(() => c.fn(t)), [2, n], truth(c.ref, [...xs, ...xs.map(() => 0.5)]), tol);
      });
    }

    it('gelu and erf match published values; the float64 reference agrees with them', async () => {
      for (const [x, y] of ERF_TABLE) expect(Math.abs(erf64(x) - y)).toBeLessThan(1e-14);
      const xs = ERF_TABLE.map(([x]) => x);
      await expectTensor(call(nb.erf, tensor(xs)), [xs.length], ERF_TABLE.map(([, y]) => y), tol);
      // gelu(1) = ½(1 + erf(1/√2)) = 0.8413447460685429
      await expectTensor(call(nb.gelu, tensor([1, -1, 0])), [3], [0.8413447460685429, -0.15865525393145707, 0], tol);
    });

    it('round is half to even', async () => {
      await expectTensor(nb.round(tensor([-2.5, -1.5, -0.5, 0.5, 1.5, 2.5])), [6], [-2, -2, 0, 0, 2, 2], tol);
    });

    it('dtype rules: float-only ops reject int32, logicalNot needs bool, math rejects bool', () => {
      const i = tensor(new Int32Array([1, 2]));
      const f = tensor([1, 2]);
      const b = tensor([true, false]);
      expect(() => nb.exp(i)).toThrow(TypeError);
      expect(() => nb.exp(i)).toThrow(/exp/);
      for (const op of [nb.log, nb.sqrt, nb.sigmoid, nb.tanh, nb.erf, nb.softplus, nb.sin]) expect(() => op(i)).toThrow(TypeError);
      expect(() => nb.logicalNot(f)).toThrow(/logicalNot/);
      expect(() => nb.logicalNot(i)).toThrow(TypeError);
      expect(() => nb.neg(b)).toThrow(/neg/);
      expect(() => nb.abs(b)).toThrow(TypeError);
    });

    it('int32 neg, abs, square, sign, relu, floor, ceil, round, clip keep int32', async () => {
      const v = [-7, -1, 0, 3, 46340];
      const i = tensor(new Int32Array(v));
      await expectTensor(noLeak(() => nb.neg(i)), [5], v.map((x) => 0 - x), tol, 'int32');
      await expectTensor(noLeak(() => nb.abs(i)), [5], v.map(Math.abs), tol, 'int32');
      await expectTensor(noLeak(() => nb.square(i)), [5], v.map((x) => x * x), tol, 'int32');
      await expectTensor(noLeak(() => nb.sign(i)), [5], v.map(Math.sign), tol, 'int32');
      await expectTensor(noLeak(() => nb.relu(i)), [5], v.map((x) => Math.max(x, 0)), tol, 'int32');
      for (const op of [nb.floor, nb.ceil, nb.round]) await expectTensor(noLeak(() => op(i)), [5], v, tol, 'int32');
      await expectTensor(noLeak(() => nb.clip(i, -2, 5)), [5], [-2, -1, 0, 3, 5], tol, 'int32');
      await expectTensor(nb.neg(transpose(tensor(new Int32Array([1, 2, 3, 4]), [2, 2]))), [2, 2], [-1, -3, -2, -4], tol, 'int32');
    });

    it('logicalNot', async () => {
      await expectTensor(call(nb.logicalNot, tensor([true, false, true])), [3], [0, 1, 0], tol, 'bool');
      const b = broadcastTo(tensor([[true], [false]]), [2, 2]);
      await expectTensor(noLeak(() => nb.logicalNot(b)), [2, 2], [0, 0, 1, 1], tol, 'bool');
    });

    it('clip rejects lo > hi', () => {
      expect(() => nb.clip(tensor([1]), 2, 1)).toThrow(/clip/);
    });

    const binaryCases = (c: BinaryCase, outDtype: DType): void => {
      const expected = (a: number[], as: number[], b: number[], bs: number[], out: number[]): number[] => {
        const ea = refBroadcast(a, as, out);
        const eb = refBroadcast(b, bs, out);
        return ea.map((x, k) => Math.fround(c.ref(Math.fround(x), Math.fround(eb[k]!))));
      };

      it(`${c.name}: [2,3] with [3], and [2,1] with [1,3]`, async () => {
        const a = c.genA(6, 11);
        const b = c.genB(3, 12);
        await expectTensor(call(c.fn, tensor(a, [2, 3]), tensor(b)), [2, 3], expected(a, [2, 3], b, [3], [2, 3]), tol, outDtype);
        await expectTensor(call(c.fn, tensor(b), tensor(a, [2, 3])), [2, 3], expected(b, [3], a, [2, 3], [2, 3]), tol, outDtype);
        const a2 = c.genA(2, 13);
        const b2 = c.genB(3, 14);
        await expectTensor(call(c.fn, tensor(a2, [2, 1]), tensor(b2, [1, 3])), [2, 3], expected(a2, [2, 1], b2, [1, 3], [2, 3]), tol, outDtype);
        const a3 = c.genA(4, 15);
        const b3 = c.genB(4, 16);
        await expectTensor(call(c.fn, tensor(a3, [2, 2]), tensor(b3, [2, 2])), [2, 2], expected(a3, [2, 2], b3, [2, 2], [2, 2]), tol, outDtype);
      });

      it(`${c.name}: scalar numbers on either side`, async () => {
        const a = c.genA(5, 17);
        const s = c.genB(1, 18)[0]!;
        const fs = Math.fround(s);
        await expectTensor(call(c.fn, tensor(a), fs), [5], expected(a, [5], [fs], [], [5]), tol, outDtype);
        const sa = Math.fround(c.genA(1, 19)[0]!);
        const b = c.genB(5, 20);
        await expectTensor(call(c.fn, sa, tensor(b)), [5], expected([sa], [], b, [5], [5]), tol, outDtype);
        await expectTensor(call(c.fn, tensor(sa), tensor(b, [5, 1])), [5, 1], expected([sa], [], b, [5, 1], [5, 1]), tol, outDtype);
      });

      it(`${c.name}: on transposed, sliced and broadcast views`, async () => {
        const a = c.genA(12, 21);
        const b = c.genB(12, 22);
        const ta = transpose(tensor(a, [4, 3]));
        const at = refTranspose(a, [4, 3], [1, 0]);
        const sb = slice(tensor(b, [3, 4]), [0, 1], [3, 3]);
        const bs = [1, 2, 3, 5, 6, 7, 9, 10, 11].map((k) => b[k]!);
        const as = [0, 1, 2, 4, 5, 6, 8, 9, 10].map((k) => at[k]!);
        await expectTensor(call(c.fn, slice(ta, [0, 0], [3, 3]), sb), [3, 3], expected(as, [3, 3], bs, [3, 3], [3, 3]), tol, outDtype);
        const bc = broadcastTo(tensor(a.slice(0, 4), [4, 1]), [4, 3]);
        const tb = transpose(tensor(b, [3, 4]));
        await expectTensor(call(c.fn, bc, tb), [4, 3], expected(a.slice(0, 4), [4, 1], refTranspose(b, [3, 4], [1, 0]), [4, 3], [4, 3]), tol, outDtype);
      });
    };

    for (const c of ARITHMETIC) binaryCases(c, 'float32');
    for (const c of COMPARISONS) binaryCases(c, 'bool');

    it('mod is floor-mod: the result takes the divisor\'s sign', async () => {
      await expectTensor(call(nb.mod, tensor([5, -5, 5, -5, 5.5, -0.5, 6]), tensor([3, 3, -3, -3, 2, 1, 3])), [7], [2, 1, -1, -2, 1.5, 0.5, 0], tol);
      const i = call(nb.mod, tensor(new Int32Array([7, -7, 7, -7, 6])), tensor(new Int32Array([3, 3, -3, -3, 3])));
      await expectTensor(i, [5], [1, 2, -2, -1, 0], tol, 'int32');
      await expectTensor(nb.mod(tensor(new Int32Array([-1, 10])), 4), [2], [3, 2], tol, 'int32');
    });

    it('IEEE special values in binary ops never throw', async () => {
      const a = tensor([Infinity, Infinity, 1, -1, 0, NaN, 0, 2]);
      const b = tensor([-Infinity, 0, 0, 0, 0, 1, -1, Infinity]);
      await expectTensor(nb.add(a, b), [8], [NaN, Infinity, 1, -1, 0, NaN, -1, Infinity], tol);
      await expectTensor(nb.mul(a, b), [8], [-Infinity, NaN, 0, -0, 0, NaN, -0, Infinity], tol);
      await expectTensor(nb.div(a, b), [8], [NaN, Infinity, Infinity, -Infinity, NaN, NaN, -0, 0], tol);
      // IEEE 754 pow (as C and NumPy): pow(1, NaN) = 1, pow(-1, ±inf) = 1, pow(NaN, 0) = 1
      await expectTensor(nb.pow(tensor([0, 0, -2, -2, 4, NaN, 1, -1, 2]), tensor([0, -1, 3, 0.5, 0.5, 0, NaN, Infinity, NaN])), [9], [1, Infinity, -8, NaN, 2, 1, 1, 1, NaN], tol);
      await expectTensor(nb.sub(tensor([Infinity]), tensor([Infinity])), [1], [NaN], tol);
    });

    it('maximum, minimum and comparisons with NaN', async () => {
      const a = tensor([NaN, 1, 2, NaN, -Infinity]);
      const b = tensor([1, NaN, 1, NaN, 3]);
      await expectTensor(noLeak(() => nb.maximum(a, b)), [5], [NaN, NaN, 2, NaN, 3], tol);
      await expectTensor(noLeak(() => nb.minimum(a, b)), [5], [NaN, NaN, 1, NaN, -Infinity], tol);
      await expectTensor(nb.maximum(a, 0), [5], [NaN, 1, 2, NaN, 0], tol);
      await expectTensor(nb.equal(a, b), [5], [0, 0, 0, 0, 0], tol, 'bool');
      await expectTensor(nb.notEqual(a, b), [5], [1, 1, 1, 1, 1], tol, 'bool');
      await expectTensor(nb.greater(a, b), [5], [0, 0, 1, 0, 0], tol, 'bool');
      await expectTensor(nb.greaterEqual(a, b), [5], [0, 0, 1, 0, 0], tol, 'bool');
      await expectTensor(nb.less(a, b), [5], [0, 0, 0, 0, 1], tol, 'bool');
      await expectTensor(nb.lessEqual(a, b), [5], [0, 0, 0, 0, 1], tol, 'bool');
      await expectTensor(nb.equal(tensor([Infinity, -Infinity]), tensor([Infinity, Infinity])), [2], [1, 0], tol, 'bool');
    });

    it('logicalAnd and logicalOr, with broadcasting and booleans', async () => {
      const a = tensor([true, true, false, false]);
      const b = tensor([true, false, true, false]);
      await expectTensor(noLeak(() => nb.logicalAnd(a, b)), [4], [1, 0, 0, 0], tol, 'bool');
      await expectTensor(noLeak(() => nb.logicalOr(a, b)), [4], [1, 1, 1, 0], tol, 'bool');
      const col = tensor([[true], [false]]);
      const row = tensor([true, false, true]);
      await expectTensor(noLeak(() => nb.logicalAnd(col, row)), [2, 3], [1, 0, 1, 0, 0, 0], tol, 'bool');
      await expectTensor(noLeak(() => nb.logicalOr(col, row)), [2, 3], [1, 1, 1, 1, 0, 1], tol, 'bool');
      await expectTensor(noLeak(() => nb.logicalAnd(a, true)), [4], [1, 1, 0, 0], tol, 'bool');
      await expectTensor(noLeak(() => nb.logicalOr(false, b)), [4], [1, 0, 1, 0], tol, 'bool');
      await expectTensor(call(nb.logicalOr, transpose(broadcastTo(row, [2, 3])), col.reshape([2])), [3, 2], [1, 1, 1, 0, 1, 1], tol, 'bool');
      expect(() => nb.logicalAnd(tensor([1, 0]), b.slice([0], [2]))).toThrow(/logicalAnd.*bool/);
      expect(() => nb.logicalOr(a, 1)).toThrow(TypeError);
    });

    it('dtype promotion', async () => {
      const i = tensor(new Int32Array([7, -7, 1]));
      const j = tensor(new Int32Array([2, 2, 3]));
      const f = tensor([0.5, 0.25, -1]);
      await expectTensor(noLeak(() => nb.add(i, f)), [3], [7.5, -6.75, 0], tol, 'float32');
      await expectTensor(noLeak(() => nb.mul(f, i)), [3], [3.5, -1.75, -1], tol, 'float32');
      await expectTensor(noLeak(() => nb.add(i, j)), [3], [9, -5, 4], tol, 'int32');
      await expectTensor(noLeak(() => nb.sub(i, j)), [3], [5, -9, -2], tol, 'int32');
      await expectTensor(noLeak(() => nb.mul(i, j)), [3], [14, -14, 3], tol, 'int32');
      await expectTensor(noLeak(() => nb.div(i, j)), [3], [3.5, -3.5, 1 / 3], tol, 'float32');
      await expectTensor(call(nb.pow, j, tensor(new Int32Array([3, 2, 2]))), [3], [8, 4, 9], tol, 'int32');
      await expectTensor(noLeak(() => nb.maximum(i, j)), [3], [7, 2, 3], tol, 'int32');
      await expectTensor(noLeak(() => nb.greater(i, j)), [3], [1, 0, 0], tol, 'bool');
      await expectTensor(noLeak(() => nb.less(i, f)), [3], [0, 1, 0], tol, 'bool');
      await expectTensor(noLeak(() => nb.add(i, 2)), [3], [9, -5, 3], tol, 'int32');
      await expectTensor(noLeak(() => nb.sub(2, i)), [3], [-5, 9, 1], tol, 'int32');
      await expectTensor(noLeak(() => nb.add(i, 2.5)), [3], [9.5, -4.5, 3.5], tol, 'float32');
      await expectTensor(noLeak(() => nb.mul(2.5, i)), [3], [17.5, -17.5, 2.5], tol, 'float32');
      await expectTensor(noLeak(() => nb.div(i, 2)), [3], [3.5, -3.5, 0.5], tol, 'float32');
      await expectTensor(noLeak(() => nb.equal(i, 1)), [3], [0, 0, 1], tol, 'bool');
      await expectTensor(noLeak(() => nb.add(f, 2)), [3], [2.5, 2.25, 1], tol, 'float32');
      await expectTensor(call(nb.add, tensor([true, true, false]), tensor([true, false, false])), [3], [2, 1, 0], tol, 'int32');
      await expectTensor(call(nb.equal, tensor([true, false]), tensor([true, true])), [2], [1, 0], tol, 'bool');
      await expectTensor(noLeak(() => nb.add(3, 4)), [], [7], tol, 'float32');
    });

    it('broadcast errors name the op and both shapes', () => {
      const a = zeros([2, 3]);
      const b = zeros([4]);
      expect(() => nb.add(a, b)).toThrow(RangeError);
      const msg = (() => {
        try {
          nb.add(a, b);
        } catch (e) {
          return (e as Error).message;
        }
        return '';
      })();
      expect(msg).toContain('add');
      expect(msg).toContain('[2,3]');
      expect(msg).toContain('[4]');
      expect(() => nb.mul(zeros([2, 3]), zeros([3, 2]))).toThrow(/mul.*\[2,3\].*\[3,2\]/);
      expect(() => nb.greater(zeros([2]), zeros([3]))).toThrow(/greater/);
    });

    it('where broadcasts cond, a and b', async () => {
      const cond = tensor([[true], [false]]);
      const a = tensor([[1, 2, 3]]);
      await expectTensor(noLeak(() => where(cond, a, 0)), [2, 3], [1, 2, 3, 0, 0, 0], tol);
      await expectTensor(call(where, tensor([true, false, true]), a, tensor([[9], [8]])), [2, 3], [1, 9, 3, 1, 8, 3], tol);
      await expectTensor(noLeak(() => where(cond, NaN, -Infinity)), [2, 1], [NaN, -Infinity], tol);
      const i = tensor(new Int32Array([1, 2]));
      await expectTensor(call(where, tensor([false, true]), i, 0), [2], [0, 2], tol, 'int32');
      await expectTensor(call(where, tensor([false, true]), i, tensor([0.5, 0.5])), [2], [0.5, 2], tol, 'float32');
      await expectTensor(call(where, tensor([true, false]), tensor([true, true]), tensor([false, false])), [2], [1, 0], tol, 'bool');
      const t = transpose(tensor([[1, 2], [3, 4]]));
      await expectTensor(call(where, transpose(tensor([[true, false], [false, true]])), t, broadcastTo(tensor([10]), [2, 2])), [2, 2], [1, 10, 10, 4], tol);
    });

    it('where errors: non-bool condition, shapes that do not broadcast', () => {
      expect(() => where(tensor([1, 0]), 1, 2)).toThrow(TypeError);
      expect(() => where(tensor([1, 0]), 1, 2)).toThrow(/where/);
      expect(() => where(tensor([true, false]), zeros([3]), 0)).toThrow(/where/);
    });

    it('cast: float to int32 truncates toward zero', async () => {
      const x = tensor([1.7, -1.7, 2.5, -0.5, 0, 100.9, -3]);
      await expectTensor(noLeak(() => cast(x, 'int32')), [7], [1, -1, 2, 0, 0, 100, -3], tol, 'int32');
      await expectTensor(noLeak(() => x.cast('int32')), [7], [1, -1, 2, 0, 0, 100, -3], tol, 'int32');
    });

    it('cast: to and from bool', async () => {
      await expectTensor(call(cast, tensor([0, -0, 2, -0.1, NaN, Infinity]), 'bool'), [6], [0, 0, 1, 1, 1, 1], tol, 'bool');
      await expectTensor(call(cast, tensor(new Int32Array([0, 5, -1])), 'bool'), [3], [0, 1, 1], tol, 'bool');
      await expectTensor(call(cast, tensor([true, false]), 'float32'), [2], [1, 0], tol);
      await expectTensor(call(cast, tensor([true, false]), 'int32'), [2], [1, 0], tol, 'int32');
    });

    it('cast: int32 to float32, same-dtype casts copy', async () => {
      await expectTensor(call(cast, tensor(new Int32Array([-3, 0, 16777216])), 'float32'), [3], [-3, 0, 16777216], tol);
      const f = tensor([1.5, 2]);
      const c = noLeak(() => cast(f, 'float32'));
      expect(c).not.toBe(f);
      f.dispose();
      await expectTensor(c, [2], [1.5, 2], tol);
    });
  });
}
