import type { DType } from './dtype.js';
import type { Shape } from './shape.js';
import { Tensor } from './tensor.js';
import { cast } from './ops/elementwise.js';
import type { TensorOrScalar } from './ops/elementwise.js';
import * as m from './ops/math.js';
import { matmul } from './ops/matmul.js';
import * as r from './ops/reduce.js';
import { logSoftmax, softmax } from './ops/softmax.js';
import * as v from './ops/views.js';

// Method forms of the common ops (x.add(y) === add(x, y)), for chaining.
declare module './tensor.js' {
  interface Tensor {
    add(b: TensorOrScalar): Tensor;
    sub(b: TensorOrScalar): Tensor;
    mul(b: TensorOrScalar): Tensor;
    div(b: TensorOrScalar): Tensor;
    pow(b: TensorOrScalar): Tensor;
    matmul(b: Tensor, transposeA?: boolean, transposeB?: boolean): Tensor;
    neg(): Tensor;
    abs(): Tensor;
    exp(): Tensor;
    log(): Tensor;
    sqrt(): Tensor;
    square(): Tensor;
    relu(): Tensor;
    sigmoid(): Tensor;
    tanh(): Tensor;
    sum(axis?: r.Axis, keepDims?: boolean): Tensor;
    mean(axis?: r.Axis, keepDims?: boolean): Tensor;
    max(axis?: r.Axis, keepDims?: boolean): Tensor;
    min(axis?: r.Axis, keepDims?: boolean): Tensor;
    argmax(axis?: number): Tensor;
    argmin(axis?: number): Tensor;
    softmax(axis?: number): Tensor;
    logSoftmax(axis?: number): Tensor;
    reshape(shape: Shape): Tensor;
    transpose(perm?: readonly number[]): Tensor;
    expandDims(axis?: number): Tensor;
    squeeze(axis?: number | readonly number[]): Tensor;
    flatten(): Tensor;
    slice(begin: readonly number[], size?: readonly number[]): Tensor;
    cast(dtype: DType): Tensor;
  }
}

const p = Tensor.prototype;
p.add = function (b) { return m.add(this, b); };
p.sub = function (b) { return m.sub(this, b); };
p.mul = function (b) { return m.mul(this, b); };
p.div = function (b) { return m.div(this, b); };
p.pow = function (b) { return m.pow(this, b); };
p.matmul = function (b, ta, tb) { return matmul(this, b, ta, tb); };
p.neg = function () { return m.neg(this); };
p.abs = function () { return m.abs(this); };
p.exp = function () { return m.exp(this); };
p.log = function () { return m.log(this); };
p.sqrt = function () { return m.sqrt(this); };
p.square = function () { return m.square(this); };
p.relu = function () { return m.relu(this); };
p.sigmoid = function () { return m.sigmoid(this); };
p.tanh = function () { return m.tanh(this); };
p.sum = function (axis, keepDims) { return r.sum(this, axis, keepDims); };
p.mean = function (axis, keepDims) { return r.mean(this, axis, keepDims); };
p.max = function (axis, keepDims) { return r.max(this, axis, keepDims); };
p.min = function (axis, keepDims) { return r.min(this, axis, keepDims); };
p.argmax = function (axis) { return r.argmax(this, axis); };
p.argmin = function (axis) { return r.argmin(this, axis); };
p.softmax = function (axis) { return softmax(this, axis); };
p.logSoftmax = function (axis) { return logSoftmax(this, axis); };
p.reshape = function (shape) { return v.reshape(this, shape); };
p.transpose = function (perm) { return v.transpose(this, perm); };
p.expandDims = function (axis) { return v.expandDims(this, axis); };
p.squeeze = function (axis) { return v.squeeze(this, axis); };
p.flatten = function () { return v.flatten(this); };
p.slice = function (begin, size) { return v.slice(this, begin, size); };
p.cast = function (dtype) { return cast(this, dtype); };
