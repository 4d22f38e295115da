/**
 * @nabla/tensor: tensors, dtypes, views, the backend contract and every op.
 * Import a backend package (e.g. `@nabla/backend-cpu`) to run them.
 */
import './methods.js';

export type { DType, TypedArray } from './dtype.js';
export { bytesPerElement } from './dtype.js';
export type { Shape } from './shape.js';
export { broadcastShapes, contiguousStrides, isContiguous, sizeOf } from './shape.js';
export type {
  AdamStep, Backend, BackendFactory, FusedKernels, BinaryOp, Kernels, PoolGeometry, ReduceOp, TensorInfo, UnaryOp, WindowParams,
} from './backend.js';
export { BINARY_OPS, REDUCE_OPS, UNARY_OPS } from './backend.js';
export type { ApplyHook, MemoryInfo } from './engine.js';
export { engine, getBackend, keep, memory, registerBackend, setBackend, tidy, withBackend } from './engine.js';
export { Random } from './random.js';
export { Storage, Tensor, tensorFromBuffer, viewOf, type NestedArray } from './tensor.js';
export { formatTensor } from './format.js';

export {
  arange, eye, fill, linspace, ones, onesLike, randomNormal, randomUniform, scalar, tensor, truncatedNormal, zeros, zerosLike,
  type RandomOptions, type TensorLike,
} from './ops/creation.js';
export { binary, cast, unary, where, type TensorOrScalar } from './ops/elementwise.js';
export {
  abs, add, ceil, clip, cos, div, elu, equal, erf, exp, expm1, floor, gelu, greater, greaterEqual, leakyRelu, less, lessEqual,
  log, log1p, logicalAnd, logicalNot, logicalOr, maximum, minimum, mod, mul, neg, notEqual, pow, reciprocal, relu, relu6, round,
  rsqrt, selu, sigmoid, sign, sin, softplus, sqrt, square, sub, tanh,
} from './ops/math.js';
export { argmax, argmin, logSumExp, max, mean, min, prod, sum, variance, type Axis } from './ops/reduce.js';
export { logSoftmax, softmax } from './ops/softmax.js';
export { matmul } from './ops/matmul.js';
export { adamUpdate, lstmCell, lstmCellGrad, reluGrad, type AdamResult } from './ops/fused.js';
export { broadcastTo, expandDims, flatten, reshape, slice, squeeze, transpose, windows } from './ops/views.js';
export { concat, gather, oneHot, pad, scatterAdd, split, stack, tile, windowsGrad } from './ops/combine.js';
export {
  avgPool2d, conv1d, conv2d, maxPool2d, maxPool2dGrad, type Conv1DOptions, type Conv2DOptions, type Padding, type Pair, type Pool2DOptions,
} from './ops/conv.js';
export {
  conv2dTranspose, conv2dTransposeOutputSize, depthwiseConv2d, separableConv2d, type Conv2DTransposeOptions,
} from './ops/conv-extra.js';
export { apply } from './ops/apply.js';
