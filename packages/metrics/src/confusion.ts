import {
  arange, ceil, clip, expandDims, greater, greaterEqual, logicalAnd, logicalNot, mul, notEqual, relu, reshape, sigmoid, sub, sum, tensor, tidy,
  type Tensor,
} from '@nabla/tensor';
import type { NameOption } from './accuracy.js';
import { alignRanks, checkTensor, fmt, Metric, toFloat } from './metric.js';

// Keras 3's confusion-matrix metrics (keras/src/metrics/confusion_metrics.py and
// metrics_utils.py): true/false positive/negative counts per threshold, a prediction
// counting as positive when it is strictly above the threshold, a label when non-zero.

/** Keras' `backend.epsilon()`. */
const EPSILON = 1e-7;

interface ThresholdPlan {
  thresholds: number[];
  /**
   * Evenly spaced thresholds over [0, 1]: Keras then buckets predictions as
   * ceil(p·(T - 1)) - 1 (p clipped to [0, 1]) instead of comparing with each threshold.
   */
  evenly: boolean;
  /** The first/last thresholds lie just outside [0, 1] (AUC): every prediction then passes the first. */
  withEpsilon: boolean;
}

/** Keras' `is_evenly_distributed_thresholds`: at least 3, allclose to i/(T - 1) (float32). */
function isEvenlyDistributed(th: readonly number[]): boolean {
  const n = th.length;
  if (n < 3) return false;
  return th.every((t, i) => {
    const e = Math.fround(Math.fround(i) / (n - 1));
    return Math.abs(t - e) <= EPSILON + 1e-5 * Math.abs(e);
  });
}

function plan(thresholds: readonly number[]): ThresholdPlan {
  return { thresholds: [...thresholds], evenly: isEvenlyDistributed(thresholds), withEpsilon: thresholds[0]! < 0 || thresholds[thresholds.length - 1]! > 1 };
}

function parseThresholds(name: string, thresholds: number | readonly number[] | undefined): number[] {
  const list = thresholds === undefined ? [0.5] : typeof thresholds === 'number' ? [thresholds] : [...thresholds];
  if (list.length === 0) throw new RangeError(`${name}: thresholds must not be empty`);
  const bad = list.filter((t) => typeof t !== 'number' || !(t >= 0 && t <= 1));
  if (bad.length) throw new RangeError(`${name}: threshold values must be in [0, 1], got ${bad.join(', ')}`);
  return list;
}

interface Counts {
  tp: Tensor;
  fp: Tensor;
  tn: Tensor;
  fn: Tensor;
}

/** One batch's counts per threshold (call inside tidy). */
function confusionCounts(name: string, yTrue: Tensor, yPred: Tensor, p: ThresholdPlan): Counts {
  checkTensor(name, 'yTrue', yTrue);
  checkTensor(name, 'yPred', yPred);
  const [pred, truth] = alignRanks(yPred, yTrue);
  if (pred.rank !== truth.rank || pred.shape.some((d, i) => d !== truth.shape[i])) {
    throw new RangeError(`${name}: yTrue shape ${fmt(yTrue.shape)} and yPred shape ${fmt(yPred.shape)} do not match`);
  }
  const scores = reshape(toFloat(pred), [-1]);
  const positive = notEqual(reshape(truth, [-1]), 0);
  const n = p.thresholds.length;
  let predicted: Tensor; // [N, T] bool
  if (p.evenly) {
    let bucket = sub(ceil(mul(clip(scores, 0, 1), n - 1)), 1);
    if (p.withEpsilon) bucket = relu(bucket);
    predicted = greaterEqual(expandDims(bucket, -1), arange(0, n, 1, 'float32'));
  } else {
    predicted = greater(expandDims(scores, -1), tensor(p.thresholds));
  }
  const pos = expandDims(positive, -1);
  const tp = toFloat(sum(logicalAnd(pos, predicted), 0));
  const fp = toFloat(sum(logicalAnd(logicalNot(pos), predicted), 0));
  const totalPos = toFloat(sum(positive));
  const fn = sub(totalPos, tp);
  const tn = sub(sub(positive.size, totalPos), fp);
  return { tp, fp, tn, fn };
}

const divNoNan = (a: number, b: number): number => (b === 0 ? 0 : a / b);

export interface PrecisionRecallOptions extends NameOption {
  /** One threshold or several, each in [0, 1]; predictions above it count as positive. Default 0.5. */
  thresholds?: number | readonly number[];
}

abstract class ThresholdMetric extends Metric {
  /** The thresholds, in the order given. */
  readonly thresholds: readonly number[];
  private readonly plan: ThresholdPlan;

  protected constructor(name: string, thresholds: number[]) {
    super(name);
    this.thresholds = thresholds;
    this.plan = plan(thresholds);
  }

  protected stateShapes(): readonly (readonly number[])[] {
    return [[this.thresholds.length], [this.thresholds.length]];
  }

  protected abstract pick(c: Counts): [Tensor, Tensor];

  update(yTrue: Tensor, yPred: Tensor): void {
    tidy(() => this.accumulate(this.pick(confusionCounts(this.name, yTrue, yPred, this.plan))));
  }

  /** One value per threshold: a / (a + b), 0 when a + b is 0. */
  async results(): Promise<number[]> {
    const [a, b] = await this.readState();
    return Array.from(a!, (v, i) => divNoNan(v, v + b![i]!));
  }

  /** The value at the threshold (use `results()` when there are several). */
  async result(): Promise<number> {
    if (this.thresholds.length !== 1) {
      throw new Error(`${this.name}: result() needs a single threshold (${this.thresholds.length} were given); use results() for one value per threshold`);
    }
    return (await this.results())[0]!;
  }
}

/** tp / (tp + fp) at each threshold. */
export class Precision extends ThresholdMetric {
  constructor(opts: PrecisionRecallOptions = {}) {
    super(opts.name ?? 'precision', parseThresholds('Precision', opts.thresholds));
  }

  protected pick(c: Counts): [Tensor, Tensor] {
    return [c.tp, c.fp];
  }
}

/** tp / (tp + fn) at each threshold. */
export class Recall extends ThresholdMetric {
  constructor(opts: PrecisionRecallOptions = {}) {
    super(opts.name ?? 'recall', parseThresholds('Recall', opts.thresholds));
  }

  protected pick(c: Counts): [Tensor, Tensor] {
    return [c.tp, c.fn];
  }
}

export interface AUCOptions extends NameOption {
  /** Thresholds used to discretise the curve (> 1). Default 200. */
  numThresholds?: number;
  /** 'ROC' (default) or 'PR'. */
  curve?: 'ROC' | 'PR' | 'roc' | 'pr';
  /** Riemann summation: 'interpolation' (default), 'minoring' or 'majoring'. */
  summationMethod?: 'interpolation' | 'minoring' | 'majoring';
  /** Explicit thresholds in [0, 1] (numThresholds is then ignored); -1e-7 and 1 + 1e-7 are added. */
  thresholds?: readonly number[];
  /** Apply a sigmoid to the predictions first. Default false. */
  fromLogits?: boolean;
}

/**
 * Area under the ROC or precision-recall curve, approximated over `numThresholds`
 * thresholds as Keras does (thresholds -1e-7, 1/(n-1), ..., (n-2)/(n-1), 1 + 1e-7;
 * mid-point summation for ROC, Davis & Goadrich interpolation for PR). Labels are
 * flattened: every (label, prediction) pair is one point.
 */
export class AUC extends Metric {
  readonly numThresholds: number;
  readonly curve: 'ROC' | 'PR';
  readonly summationMethod: 'interpolation' | 'minoring' | 'majoring';
  readonly fromLogits: boolean;
  /** Every threshold, endpoints included. */
  readonly thresholds: readonly number[];
  private readonly plan: ThresholdPlan;

  constructor(opts: AUCOptions = {}) {
    super(opts.name ?? 'auc');
    const { numThresholds = 200, curve = 'ROC', summationMethod = 'interpolation', fromLogits = false } = opts;
    const upper = typeof curve === 'string' ? curve.toUpperCase() : curve;
    if (upper !== 'ROC' && upper !== 'PR') throw new RangeError(`AUC: curve must be 'ROC' or 'PR', got ${JSON.stringify(curve)}`);
    const method = typeof summationMethod === 'string' ? summationMethod.toLowerCase() : summationMethod;
    if (method !== 'interpolation' && method !== 'minoring' && method !== 'majoring') {
      throw new RangeError(`AUC: summationMethod must be 'interpolation', 'minoring' or 'majoring', got ${JSON.stringify(summationMethod)}`);
    }
    this.curve = upper;
    this.summationMethod = method;
    this.fromLogits = fromLogits;
    let inner: number[];
    let evenly: boolean;
    if (opts.thresholds !== undefined) {
      inner = [...opts.thresholds].sort((a, b) => a - b);
      const bad = inner.filter((t) => typeof t !== 'number' || !(t >= 0 && t <= 1));
      if (bad.length) throw new RangeError(`AUC: threshold values must be in [0, 1], got ${bad.join(', ')}`);
      evenly = isEvenlyDistributed([0, ...inner, 1]);
    } else {
      if (!Number.isInteger(numThresholds) || numThresholds <= 1) throw new RangeError(`AUC: numThresholds must be an integer > 1, got ${String(numThresholds)}`);
      inner = Array.from({ length: numThresholds - 2 }, (_, i) => (i + 1) / (numThresholds - 1));
      evenly = true;
    }
    this.thresholds = [0 - EPSILON, ...inner, 1 + EPSILON];
    this.numThresholds = this.thresholds.length;
    this.plan = { thresholds: [...this.thresholds], evenly, withEpsilon: true };
  }

  protected stateShapes(): readonly (readonly number[])[] {
    const s = [this.numThresholds];
    return [s, s, s, s];
  }

  update(yTrue: Tensor, yPred: Tensor): void {
    tidy(() => {
      checkTensor(this.name, 'yPred', yPred);
      const scores = this.fromLogits ? sigmoid(toFloat(yPred)) : yPred;
      const c = confusionCounts(this.name, yTrue, scores, this.plan);
      this.accumulate([c.tp, c.fp, c.tn, c.fn]);
    });
  }

  /** The true/false positive/negative counts per threshold, accumulated so far. */
  async counts(): Promise<{ tp: number[]; fp: number[]; tn: number[]; fn: number[] }> {
    const [tp, fp, tn, fn] = (await this.readState()).map((a) => Array.from(a));
    return { tp: tp!, fp: fp!, tn: tn!, fn: fn! };
  }

  async result(): Promise<number> {
    const { tp, fp, tn, fn } = await this.counts();
    return aucFromCounts(tp, fp, tn, fn, this.curve, this.summationMethod);
  }
}

/** Keras' `AUC.result()` (and `interpolate_pr_auc`), in float64. */
export function aucFromCounts(
  tp: readonly number[], fp: readonly number[], tn: readonly number[], fn: readonly number[],
  curve: 'ROC' | 'PR', method: 'interpolation' | 'minoring' | 'majoring',
): number {
  const n = tp.length;
  let area = 0;
  if (curve === 'PR' && method === 'interpolation') {
    for (let i = 0; i < n - 1; i++) {
      const dtp = tp[i]! - tp[i + 1]!;
      const pA = tp[i]! + fp[i]!;
      const pB = tp[i + 1]! + fp[i + 1]!;
      const slope = divNoNan(dtp, Math.max(pA - pB, 0));
      const intercept = tp[i + 1]! - slope * pB;
      const ratio = pA > 0 && pB > 0 ? divNoNan(pA, Math.max(pB, 0)) : 1;
      area += divNoNan(slope * (dtp + intercept * Math.log(ratio)), Math.max(tp[i + 1]! + fn[i + 1]!, 0));
    }
    return area;
  }
  const recall = tp.map((v, i) => divNoNan(v, v + fn[i]!));
  let x: number[];
  let y: number[];
  if (curve === 'ROC') {
    x = fp.map((v, i) => divNoNan(v, v + tn[i]!));
    y = recall;
  } else {
    x = recall;
    y = tp.map((v, i) => divNoNan(v, v + fp[i]!));
  }
  for (let i = 0; i < n - 1; i++) {
    const h = method === 'interpolation' ? (y[i]! + y[i + 1]!) / 2 : method === 'minoring' ? Math.min(y[i]!, y[i + 1]!) : Math.max(y[i]!, y[i + 1]!);
    area += (x[i]! - x[i + 1]!) * h;
  }
  return area;
}
