import {
  abs, add, arange, cast, clip, div, equal, exp, expandDims, greaterEqual, lessEqual, log, log1p, logicalOr, logSoftmax, max, maximum, mean, min, minimum,
  mul, neg, rsqrt, softplus, square, squeeze, sub, sum, tidy, where, type Tensor,
} from '@nabla/tensor';
import {
  checkReduction, checkTensor, EPSILON, fmt, prepare, reduce, resolveAxis, toFloat, type ReductionOptions,
} from './common.js';

// Every loss follows Keras 3 (keras/src/losses/losses.py and the TensorFlow backend's
// nn.py): a per-sample loss (reduced over the last axis where Keras reduces) that
// `reduction` then combines. Each runs in tidy(), so only the result survives.

export interface CrossentropyOptions extends ReductionOptions {
  /** Whether yPred holds logits (unnormalised scores) rather than probabilities. Default false. */
  fromLogits?: boolean;
  /** Label smoothing in [0, 1]. Default 0. */
  labelSmoothing?: number;
  /** The axis the loss reduces over (the class axis for categorical crossentropy). Default -1. */
  axis?: number;
}

export interface SparseCrossentropyOptions extends ReductionOptions {
  /** Whether yPred holds logits rather than probabilities. Default false. */
  fromLogits?: boolean;
  /** The class axis; only the last axis (-1, Keras' only choice) is supported. */
  axis?: number;
}

export interface HuberOptions extends ReductionOptions {
  /** Where the loss changes from quadratic to linear. Default 1. */
  delta?: number;
}

export interface AxisOptions extends ReductionOptions {
  /** The axis along which the similarity is computed. Default -1. */
  axis?: number;
}

function checkSmoothing(name: string, ls: number): number {
  if (typeof ls !== 'number' || !(ls >= 0 && ls <= 1)) throw new RangeError(`${name}: labelSmoothing must be a number in [0, 1], got ${String(ls)}`);
  return ls;
}

const BCE = 'binary_crossentropy';
const CCE = 'categorical_crossentropy';
const SCCE = 'sparse_categorical_crossentropy';

/**
 * Binary crossentropy, averaged over `axis` (default the last) per sample.
 * Probabilities are clipped to [1e-7, 1 - 1e-7]; logits use the stable
 * max(x, 0) - x·z + log(1 + e^-|x|). Labels are smoothed as y·(1 - ls) + 0.5·ls.
 */
export function binaryCrossentropy(yTrue: Tensor, yPred: Tensor, opts: CrossentropyOptions = {}): Tensor {
  const { fromLogits = false, labelSmoothing = 0, axis = -1 } = opts;
  const reduction = checkReduction(BCE, opts.reduction);
  checkSmoothing(BCE, labelSmoothing);
  return tidy(() => {
    const [t, p] = prepare(BCE, yTrue, yPred, (ts, ps) =>
      ps[ps.length - 1]! > 1 && (ts.length === ps.length - 1 || ts[ts.length - 1] === 1)
        ? `yTrue looks like integer class indices and yPred like ${ps[ps.length - 1]} class scores: use sparse_categorical_crossentropy`
        : undefined);
    const ax = resolveAxis(BCE, axis, p.rank);
    const z = labelSmoothing ? add(mul(t, 1 - labelSmoothing), 0.5 * labelSmoothing) : t;
    let elementwise: Tensor;
    if (fromLogits) {
      // TensorFlow's sigmoid_cross_entropy_with_logits, written so that its gradient is
      // sigmoid(x) - z everywhere (x = 0 included)
      const nonNeg = greaterEqual(p, 0);
      const relu = where(nonNeg, p, 0);
      const negAbs = where(nonNeg, neg(p), p);
      elementwise = add(sub(relu, mul(p, z)), log1p(exp(negAbs)));
    } else {
      const q = clip(p, EPSILON, 1 - EPSILON);
      elementwise = neg(add(mul(z, log(q)), mul(sub(1, z), log(sub(1, q)))));
    }
    return reduce(mean(elementwise, ax), reduction);
  });
}

/**
 * Categorical crossentropy with one-hot (or soft) labels, summed over the class `axis`.
 * Probabilities are renormalised to sum to 1 along `axis`, then clipped to
 * [1e-7, 1 - 1e-7]; logits go through logSoftmax. Labels are smoothed as
 * y·(1 - ls) + ls / numClasses, numClasses being yTrue's last dimension (as Keras).
 */
export function categoricalCrossentropy(yTrue: Tensor, yPred: Tensor, opts: CrossentropyOptions = {}): Tensor {
  const { fromLogits = false, labelSmoothing = 0, axis = -1 } = opts;
  const reduction = checkReduction(CCE, opts.reduction);
  checkSmoothing(CCE, labelSmoothing);
  return tidy(() => {
    const [t, p] = prepare(CCE, yTrue, yPred, (ts, ps) =>
      ts.length === ps.length - 1 || (ts.length === ps.length && ts[ts.length - 1] === 1)
        ? 'yTrue looks like integer class indices (sparse labels): use sparse_categorical_crossentropy, or one-hot encode the labels'
        : undefined);
    const ax = resolveAxis(CCE, axis, p.rank);
    const numClasses = t.shape[t.rank - 1]!;
    const y = labelSmoothing ? add(mul(t, 1 - labelSmoothing), labelSmoothing / numClasses) : t;
    let logProbs: Tensor;
    if (fromLogits) {
      logProbs = logSoftmax(p, ax);
    } else {
      const normalised = div(p, sum(p, ax, true));
      logProbs = log(clip(normalised, EPSILON, 1 - EPSILON));
    }
    return reduce(neg(sum(mul(y, logProbs), ax)), reduction);
  });
}

/**
 * Categorical crossentropy with integer class labels: yTrue holds class indices
 * (int32, or floats truncated toward zero) of shape yPred.shape without its last axis,
 * or with a trailing 1 ([batch] or [batch, 1] for [batch, classes] predictions).
 * Probabilities are clipped to [1e-7, 1 - 1e-7] and their logs renormalised (as Keras'
 * TensorFlow backend); logits go through logSoftmax.
 * A label outside [0, numClasses) gives a NaN loss for its sample (checking on the host
 * would need a device read per call).
 */
export function sparseCategoricalCrossentropy(yTrue: Tensor, yPred: Tensor, opts: SparseCrossentropyOptions = {}): Tensor {
  const { fromLogits = false, axis = -1 } = opts;
  const reduction = checkReduction(SCCE, opts.reduction);
  checkTensor(SCCE, 'yTrue', yTrue);
  checkTensor(SCCE, 'yPred', yPred);
  if (yPred.rank === 0) throw new RangeError(`${SCCE}: yPred must have rank >= 1 (class scores on the last axis), got ${fmt(yPred.shape)}`);
  if (resolveAxis(SCCE, axis, yPred.rank) !== yPred.rank - 1) {
    throw new RangeError(`${SCCE}: only the last axis can be the class axis (axis=-1), got axis=${axis} for yPred ${fmt(yPred.shape)}`);
  }
  const classes = yPred.shape[yPred.rank - 1]!;
  const batchShape = yPred.shape.slice(0, -1);
  // a trailing 1 on the labels is squeezed ([batch, 1] -> [batch]), as Keras does
  const squeezeLast = yTrue.rank === yPred.rank && yTrue.shape[yTrue.rank - 1] === 1;
  const labelShape = squeezeLast ? yTrue.shape.slice(0, -1) : yTrue.shape;
  if (labelShape.length !== batchShape.length || labelShape.some((d, i) => d !== batchShape[i])) {
    const looksOneHot = yTrue.rank === yPred.rank && yTrue.shape[yTrue.rank - 1] === classes && classes > 1;
    throw new RangeError(
      `${SCCE}: yTrue shape ${fmt(yTrue.shape)} does not fit yPred shape ${fmt(yPred.shape)}: expected integer class indices of shape ` +
        `${fmt(batchShape)} or ${fmt([...batchShape, 1])}` +
        (looksOneHot ? '; yTrue looks one-hot encoded: use categorical_crossentropy' : ''),
    );
  }
  return tidy(() => {
    let labels = squeezeLast ? squeeze(yTrue, -1) : yTrue;
    if (labels.dtype !== 'int32') labels = cast(labels, 'int32');
    const p = toFloat(yPred);
    const logProbs = fromLogits ? logSoftmax(p, -1) : logSoftmax(log(clip(p, EPSILON, 1 - EPSILON)), -1);
    const hit = equal(expandDims(labels, -1), arange(0, classes, 1, 'int32'));
    const picked = sum(where(hit, logProbs, 0), -1);
    const inRange = max(hit, -1);
    return reduce(where(inRange, neg(picked), Number.NaN), reduction);
  });
}

/** mean((yTrue - yPred)²) over the last axis (no ½ factor). */
export function meanSquaredError(yTrue: Tensor, yPred: Tensor, opts: ReductionOptions = {}): Tensor {
  const name = 'mean_squared_error';
  const reduction = checkReduction(name, opts.reduction);
  return tidy(() => {
    const [t, p] = prepare(name, yTrue, yPred);
    return reduce(mean(square(sub(t, p)), -1), reduction);
  });
}

/** mean(|yTrue - yPred|) over the last axis. */
export function meanAbsoluteError(yTrue: Tensor, yPred: Tensor, opts: ReductionOptions = {}): Tensor {
  const name = 'mean_absolute_error';
  const reduction = checkReduction(name, opts.reduction);
  return tidy(() => {
    const [t, p] = prepare(name, yTrue, yPred);
    return reduce(mean(abs(sub(t, p)), -1), reduction);
  });
}

/** 100·mean(|yTrue - yPred| / max(|yTrue|, 1e-7)) over the last axis. */
export function meanAbsolutePercentageError(yTrue: Tensor, yPred: Tensor, opts: ReductionOptions = {}): Tensor {
  const name = 'mean_absolute_percentage_error';
  const reduction = checkReduction(name, opts.reduction);
  return tidy(() => {
    const [t, p] = prepare(name, yTrue, yPred);
    const diff = abs(div(sub(t, p), maximum(abs(t), EPSILON)));
    return reduce(mul(mean(diff, -1), 100), reduction);
  });
}

/** mean((log(max(yPred, 1e-7) + 1) - log(max(yTrue, 1e-7) + 1))²) over the last axis. */
export function meanSquaredLogarithmicError(yTrue: Tensor, yPred: Tensor, opts: ReductionOptions = {}): Tensor {
  const name = 'mean_squared_logarithmic_error';
  const reduction = checkReduction(name, opts.reduction);
  return tidy(() => {
    const [t, p] = prepare(name, yTrue, yPred);
    const a = log(add(maximum(p, EPSILON), 1));
    const b = log(add(maximum(t, EPSILON), 1));
    return reduce(mean(square(sub(a, b)), -1), reduction);
  });
}

/**
 * Huber loss, averaged over the last axis: ½e² where |e| ≤ delta, else
 * delta·|e| - ½delta², with e = yPred - yTrue.
 */
export function huber(yTrue: Tensor, yPred: Tensor, opts: HuberOptions = {}): Tensor {
  const name = 'huber';
  const { delta = 1 } = opts;
  const reduction = checkReduction(name, opts.reduction);
  if (typeof delta !== 'number' || !Number.isFinite(delta)) throw new RangeError(`${name}: delta must be a finite number, got ${String(delta)}`);
  return tidy(() => {
    const [t, p] = prepare(name, yTrue, yPred);
    const err = sub(p, t);
    const absErr = abs(err);
    const quadratic = mul(square(err), 0.5);
    const linear = sub(mul(absErr, delta), 0.5 * delta * delta);
    return reduce(mean(where(lessEqual(absErr, delta), quadratic, linear), -1), reduction);
  });
}

/** Labels that are all 0 or 1 become -1/1 (Keras' `convert_binary_labels_to_hinge`); others stay. */
function hingeLabels(t: Tensor): Tensor {
  const binary = min(logicalOr(equal(t, 0), equal(t, 1)));
  return where(binary, sub(mul(t, 2), 1), t);
}

/** mean(max(1 - yTrue·yPred, 0)) over the last axis; 0/1 labels are converted to -1/1. */
export function hinge(yTrue: Tensor, yPred: Tensor, opts: ReductionOptions = {}): Tensor {
  const name = 'hinge';
  const reduction = checkReduction(name, opts.reduction);
  return tidy(() => {
    const [t, p] = prepare(name, yTrue, yPred);
    return reduce(mean(maximum(sub(1, mul(hingeLabels(t), p)), 0), -1), reduction);
  });
}

/** mean(max(1 - yTrue·yPred, 0)²) over the last axis; 0/1 labels are converted to -1/1. */
export function squaredHinge(yTrue: Tensor, yPred: Tensor, opts: ReductionOptions = {}): Tensor {
  const name = 'squared_hinge';
  const reduction = checkReduction(name, opts.reduction);
  return tidy(() => {
    const [t, p] = prepare(name, yTrue, yPred);
    return reduce(mean(square(maximum(sub(1, mul(hingeLabels(t), p)), 0)), -1), reduction);
  });
}

/** max(neg - pos + 1, 0) with pos = Σ yTrue·yPred and neg = max((1 - yTrue)·yPred), over the last axis. */
export function categoricalHinge(yTrue: Tensor, yPred: Tensor, opts: ReductionOptions = {}): Tensor {
  const name = 'categorical_hinge';
  const reduction = checkReduction(name, opts.reduction);
  return tidy(() => {
    const [t, p] = prepare(name, yTrue, yPred);
    const pos = sum(mul(t, p), -1);
    const negative = max(mul(sub(1, t), p), -1);
    return reduce(maximum(add(sub(negative, pos), 1), 0), reduction);
  });
}

/** Σ yTrue·log(yTrue / yPred) over the last axis, both clipped to [1e-7, 1]. */
export function klDivergence(yTrue: Tensor, yPred: Tensor, opts: ReductionOptions = {}): Tensor {
  const name = 'kl_divergence';
  const reduction = checkReduction(name, opts.reduction);
  return tidy(() => {
    const [t0, p0] = prepare(name, yTrue, yPred);
    const t = clip(t0, EPSILON, 1);
    const p = clip(p0, EPSILON, 1);
    return reduce(sum(mul(t, log(div(t, p))), -1), reduction);
  });
}

/** mean(yPred - yTrue·log(yPred + 1e-7)) over the last axis. */
export function poisson(yTrue: Tensor, yPred: Tensor, opts: ReductionOptions = {}): Tensor {
  const name = 'poisson';
  const reduction = checkReduction(name, opts.reduction);
  return tidy(() => {
    const [t, p] = prepare(name, yTrue, yPred);
    return reduce(mean(sub(p, mul(t, log(add(p, EPSILON)))), -1), reduction);
  });
}

/** Keras' L2 normalisation: x · min(1/√Σx², 1/1e-7) along `axis` (a zero vector stays zero). */
function l2Normalize(x: Tensor, axis: number): Tensor {
  return mul(x, minimum(rsqrt(sum(square(x), axis, true)), 1 / EPSILON));
}

/**
 * The negative cosine similarity, -Σ l2normalize(yTrue)·l2normalize(yPred) along `axis`:
 * -1 for identical directions, 0 for orthogonal ones (or a zero vector), 1 for opposite.
 */
export function cosineSimilarity(yTrue: Tensor, yPred: Tensor, opts: AxisOptions = {}): Tensor {
  const name = 'cosine_similarity';
  const { axis = -1 } = opts;
  const reduction = checkReduction(name, opts.reduction);
  return tidy(() => {
    const [t, p] = prepare(name, yTrue, yPred);
    const ax = resolveAxis(name, axis, p.rank);
    return reduce(neg(sum(mul(l2Normalize(t, ax), l2Normalize(p, ax)), ax)), reduction);
  });
}

/** mean(log(cosh(yPred - yTrue))) over the last axis, computed as x + softplus(-2x) - log 2. */
export function logCosh(yTrue: Tensor, yPred: Tensor, opts: ReductionOptions = {}): Tensor {
  const name = 'log_cosh';
  const reduction = checkReduction(name, opts.reduction);
  return tidy(() => {
    const [t, p] = prepare(name, yTrue, yPred);
    const x = sub(p, t);
    return reduce(mean(sub(add(x, softplus(mul(x, -2))), Math.LN2), -1), reduction);
  });
}
