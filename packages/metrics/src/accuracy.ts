import {
  arange, argmax, cast, equal, expandDims, greater, less, logicalAnd, max, mean, min, squeeze, sub, sum, where, type Tensor,
} from '@nabla/tensor';
import { alignedPair, checkTensor, fmt, MeanMetricWrapper, toFloat } from './metric.js';

// Keras 3's accuracy metrics (keras/src/metrics/accuracy_metrics.py): each computes
// per-sample matches and keeps their running mean. Note Keras' own quirk, kept here:
// Accuracy and BinaryAccuracy average over the last axis first, so rank-1 inputs
// ([batch] with [batch]) count each batch as one sample of its mean accuracy; give
// [batch, 1] shapes to count every sample.

export interface NameOption {
  /** The metric's name (Keras' default otherwise). */
  name?: string;
}

/** How often yPred equals yTrue exactly (yTrue converted to yPred's dtype first). */
export class Accuracy extends MeanMetricWrapper {
  constructor(opts: NameOption = {}) {
    super(opts.name ?? 'accuracy');
  }

  protected values(yTrue: Tensor, yPred: Tensor): Tensor {
    const [t, p] = alignedPair(this.name, yTrue, yPred);
    const matches = toFloat(equal(t.dtype === p.dtype ? t : cast(t, p.dtype), p));
    return matches.rank === 0 ? matches : mean(matches, -1);
  }
}

export interface BinaryAccuracyOptions extends NameOption {
  /** Predictions above it count as 1. In (0, 1); default 0.5. */
  threshold?: number;
}

/** How often (yPred > threshold) equals the 0/1 label. */
export class BinaryAccuracy extends MeanMetricWrapper {
  readonly threshold: number;

  constructor(opts: BinaryAccuracyOptions = {}) {
    super(opts.name ?? 'binary_accuracy');
    const { threshold = 0.5 } = opts;
    if (typeof threshold !== 'number' || !(threshold > 0 && threshold < 1)) {
      throw new RangeError(`BinaryAccuracy: threshold must be in the open interval (0, 1), got ${String(threshold)}`);
    }
    this.threshold = threshold;
  }

  protected values(yTrue: Tensor, yPred: Tensor): Tensor {
    const [t, p] = alignedPair(this.name, yTrue, yPred);
    const predicted = cast(greater(toFloat(p), this.threshold), t.dtype);
    const matches = toFloat(equal(t, predicted));
    return matches.rank === 0 ? matches : mean(matches, -1);
  }
}

function checkClassScores(name: string, yPred: Tensor): number {
  if (yPred.rank === 0) throw new RangeError(`${name}: yPred must have rank >= 1 (class scores on the last axis), got ${fmt(yPred.shape)}`);
  return yPred.shape[yPred.rank - 1]!;
}

/** One-hot labels must have yPred's shape; says which metric to use for integer labels. */
function checkOneHot(name: string, sparseName: string, yTrue: Tensor, yPred: Tensor): void {
  checkTensor(name, 'yTrue', yTrue);
  checkTensor(name, 'yPred', yPred);
  checkClassScores(name, yPred);
  if (yTrue.rank !== yPred.rank || yTrue.shape.some((d, i) => d !== yPred.shape[i])) {
    const sparse = yTrue.rank === yPred.rank - 1 || (yTrue.rank === yPred.rank && yTrue.shape[yTrue.rank - 1] === 1);
    throw new RangeError(
      `${name}: yTrue shape ${fmt(yTrue.shape)} and yPred shape ${fmt(yPred.shape)} do not match: expected one-hot labels of yPred's shape` +
        (sparse ? `; yTrue looks like integer class indices: use ${sparseName}` : ''),
    );
  }
}

/** Integer labels: yPred's shape without the class axis, or with a trailing 1. Returns the labels to compare. */
function sparseLabels(name: string, denseName: string, yTrue: Tensor, yPred: Tensor): { squeezeLast: boolean } {
  checkTensor(name, 'yTrue', yTrue);
  checkTensor(name, 'yPred', yPred);
  const classes = checkClassScores(name, yPred);
  const squeezeLast = yTrue.rank === yPred.rank && yTrue.shape[yTrue.rank - 1] === 1;
  const labelShape = squeezeLast ? yTrue.shape.slice(0, -1) : yTrue.shape;
  const batch = yPred.shape.slice(0, -1);
  if (labelShape.length !== batch.length || labelShape.some((d, i) => d !== batch[i])) {
    const oneHot = yTrue.rank === yPred.rank && yTrue.shape[yTrue.rank - 1] === classes && classes > 1;
    throw new RangeError(
      `${name}: yTrue shape ${fmt(yTrue.shape)} does not fit yPred shape ${fmt(yPred.shape)}: expected integer class indices of shape ` +
        `${fmt(batch)} or ${fmt([...batch, 1])}${oneHot ? `; yTrue looks one-hot encoded: use ${denseName}` : ''}`,
    );
  }
  return { squeezeLast };
}

/** How often argmax(yPred) equals argmax(yTrue) for one-hot labels. */
export class CategoricalAccuracy extends MeanMetricWrapper {
  constructor(opts: NameOption = {}) {
    super(opts.name ?? 'categorical_accuracy');
  }

  protected values(yTrue: Tensor, yPred: Tensor): Tensor {
    checkOneHot(this.name, 'sparse_categorical_accuracy', yTrue, yPred);
    return toFloat(equal(argmax(toFloat(yTrue), -1), argmax(toFloat(yPred), -1)));
  }
}

/** How often argmax(yPred) equals the integer label. */
export class SparseCategoricalAccuracy extends MeanMetricWrapper {
  constructor(opts: NameOption = {}) {
    super(opts.name ?? 'sparse_categorical_accuracy');
  }

  protected values(yTrue: Tensor, yPred: Tensor): Tensor {
    const { squeezeLast } = sparseLabels(this.name, 'categorical_accuracy', yTrue, yPred);
    const labels = squeezeLast ? squeeze(yTrue, -1) : yTrue;
    // Keras casts the predicted index to the labels' dtype (float labels compare as floats)
    const predicted = argmax(toFloat(yPred), -1);
    return toFloat(equal(labels, labels.dtype === 'int32' ? predicted : cast(predicted, labels.dtype)));
  }
}

/**
 * TensorFlow's in_top_k: the label is among the k largest scores, ties at the boundary
 * counting as in (fewer than k scores are strictly larger). A row with a non-finite score
 * or an out-of-range label is a miss.
 */
function inTopK(labels: Tensor, scores: Tensor, k: number): Tensor {
  const classes = scores.shape[scores.rank - 1]!;
  const p = toFloat(scores);
  const hit = equal(expandDims(labels, -1), arange(0, classes, 1, 'int32'));
  const target = max(where(hit, p, Number.NEGATIVE_INFINITY), -1, true);
  const larger = sum(greater(p, target), -1);
  const finite = min(equal(sub(p, p), 0), -1);
  const inRange = max(hit, -1);
  return toFloat(logicalAnd(logicalAnd(inRange, finite), less(larger, k)));
}

function checkK(name: string, k: number): number {
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`${name}: k must be a positive integer, got ${String(k)}`);
  return k;
}

export interface TopKOptions extends NameOption {
  /** How many of the largest scores count. Default 5. */
  k?: number;
}

/** How often the one-hot label's class is among the k largest scores. */
export class TopKCategoricalAccuracy extends MeanMetricWrapper {
  readonly k: number;

  constructor(opts: TopKOptions = {}) {
    super(opts.name ?? 'top_k_categorical_accuracy');
    this.k = checkK('TopKCategoricalAccuracy', opts.k ?? 5);
  }

  protected values(yTrue: Tensor, yPred: Tensor): Tensor {
    checkOneHot(this.name, 'sparse_top_k_categorical_accuracy', yTrue, yPred);
    return inTopK(argmax(toFloat(yTrue), -1), yPred, this.k);
  }
}

/** How often the integer label is among the k largest scores. */
export class SparseTopKCategoricalAccuracy extends MeanMetricWrapper {
  readonly k: number;

  constructor(opts: TopKOptions = {}) {
    super(opts.name ?? 'sparse_top_k_categorical_accuracy');
    this.k = checkK('SparseTopKCategoricalAccuracy', opts.k ?? 5);
  }

  protected values(yTrue: Tensor, yPred: Tensor): Tensor {
    const { squeezeLast } = sparseLabels(this.name, 'top_k_categorical_accuracy', yTrue, yPred);
    const labels = squeezeLast ? squeeze(yTrue, -1) : yTrue;
    return inTopK(labels.dtype === 'int32' ? labels : cast(labels, 'int32'), yPred, this.k);
  }
}
