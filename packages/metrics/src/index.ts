/**
 * @nabla/metrics: Keras 3 streaming metrics. `update(yTrue, yPred)` accumulates on the
 * device (no read per batch); `await result()` reads the value.
 */
export { Mean, MeanMetricWrapper, Metric } from './metric.js';
export {
  Accuracy, BinaryAccuracy, CategoricalAccuracy, SparseCategoricalAccuracy, SparseTopKCategoricalAccuracy, TopKCategoricalAccuracy,
  type BinaryAccuracyOptions, type NameOption, type TopKOptions,
} from './accuracy.js';
export { AUC, Precision, Recall, aucFromCounts, type AUCOptions, type PrecisionRecallOptions } from './confusion.js';
export {
  MeanAbsoluteError, MeanAbsolutePercentageError, MeanSquaredError, MeanSquaredLogarithmicError, RootMeanSquaredError,
} from './regression.js';
export { getMetric, knownMetrics, resolveAccuracy, type MetricContext } from './registry.js';
