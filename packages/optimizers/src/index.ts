/**
 * @nabla/optimizers: Keras 3 optimizers (update rules, defaults, clipping, weight decay)
 * and learning-rate schedules for nabla Variables.
 */
export {
  Optimizer, Slots, type LearningRate, type LearningRateFn, type OptimizerConfig, type OptimizerOptions, type OptimizerSlotState, type OptimizerState,
} from './optimizer.js';
export { SGD, type SGDOptions } from './sgd.js';
export { Adam, AdamW, type AdamOptions, type AdamWOptions } from './adam.js';
export { RMSprop, type RMSpropOptions } from './rmsprop.js';
export { Adagrad, type AdagradOptions } from './adagrad.js';
export { Adadelta, type AdadeltaOptions } from './adadelta.js';
export { Adamax, type AdamaxOptions } from './adamax.js';
export { Nadam, type NadamOptions } from './nadam.js';
export {
  CosineDecay, ExponentialDecay, InverseTimeDecay, LearningRateSchedule, PiecewiseConstantDecay, PolynomialDecay,
  deserializeSchedule, serializeSchedule,
  type CosineDecayOptions, type ExponentialDecayOptions, type InverseTimeDecayOptions, type PiecewiseConstantDecayOptions,
  type PolynomialDecayOptions, type SerializedSchedule,
} from './schedules.js';
export { getOptimizer, optimizerNames, serializeOptimizer, type SerializedOptimizer } from './registry.js';
