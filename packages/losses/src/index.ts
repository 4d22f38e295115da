/**
 * @nabla/losses: Keras 3 loss functions. Each is `(yTrue, yPred, opts?) → Tensor`, a
 * scalar by default (the per-sample losses averaged over the batch), differentiable
 * through @nabla/autograd, and frees everything it creates but its result.
 */
export { EPSILON, type LossFn, type Reduction, type ReductionOptions } from './common.js';
export {
  binaryCrossentropy, categoricalCrossentropy, categoricalHinge, cosineSimilarity, hinge, huber, klDivergence, logCosh,
  meanAbsoluteError, meanAbsolutePercentageError, meanSquaredError, meanSquaredLogarithmicError, poisson,
  sparseCategoricalCrossentropy, squaredHinge,
  type AxisOptions, type CrossentropyOptions, type HuberOptions, type SparseCrossentropyOptions,
} from './losses.js';
export { getLoss, knownLosses, lossName } from './registry.js';
