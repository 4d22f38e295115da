import { abs, add, div, log, maximum, mean, mul, square, sub, tidy, type Tensor } from '@nabla/tensor';
import type { NameOption } from './accuracy.js';
import { alignedPair, MeanMetricWrapper, MeanState, toFloat } from './metric.js';

// Keras 3's regression metrics (keras/src/metrics/regression_metrics.py): the running
// mean of the per-sample loss (averaged over the last axis). As in Keras, rank-1 inputs
// ([batch] with [batch]) make each batch one sample; give [batch, 1] to count samples.

const EPSILON = 1e-7;

function pair(name: string, yTrue: Tensor, yPred: Tensor): [Tensor, Tensor] {
  const [t, p] = alignedPair(name, yTrue, yPred);
  return [toFloat(t), toFloat(p)];
}

const lastAxisMean = (x: Tensor): Tensor => (x.rank === 0 ? x : mean(x, -1));

/** Running mean of mean((yTrue - yPred)²) over the last axis. */
export class MeanSquaredError extends MeanMetricWrapper {
  constructor(opts: NameOption = {}) {
    super(opts.name ?? 'mean_squared_error');
  }

  protected values(yTrue: Tensor, yPred: Tensor): Tensor {
    const [t, p] = pair(this.name, yTrue, yPred);
    return lastAxisMean(square(sub(t, p)));
  }
}

/** Running mean of mean(|yTrue - yPred|) over the last axis. */
export class MeanAbsoluteError extends MeanMetricWrapper {
  constructor(opts: NameOption = {}) {
    super(opts.name ?? 'mean_absolute_error');
  }

  protected values(yTrue: Tensor, yPred: Tensor): Tensor {
    const [t, p] = pair(this.name, yTrue, yPred);
    return lastAxisMean(abs(sub(t, p)));
  }
}

/** Running mean of 100·mean(|yTrue - yPred| / max(|yTrue|, 1e-7)) over the last axis. */
export class MeanAbsolutePercentageError extends MeanMetricWrapper {
  constructor(opts: NameOption = {}) {
    super(opts.name ?? 'mean_absolute_percentage_error');
  }

  protected values(yTrue: Tensor, yPred: Tensor): Tensor {
    const [t, p] = pair(this.name, yTrue, yPred);
    return mul(lastAxisMean(abs(div(sub(t, p), maximum(abs(t), EPSILON)))), 100);
  }
}

/** Running mean of mean((log(max(yPred, 1e-7) + 1) - log(max(yTrue, 1e-7) + 1))²) over the last axis. */
export class MeanSquaredLogarithmicError extends MeanMetricWrapper {
  constructor(opts: NameOption = {}) {
    super(opts.name ?? 'mean_squared_logarithmic_error');
  }

  protected values(yTrue: Tensor, yPred: Tensor): Tensor {
    const [t, p] = pair(this.name, yTrue, yPred);
    return lastAxisMean(square(sub(log(add(maximum(p, EPSILON), 1)), log(add(maximum(t, EPSILON), 1)))));
  }
}

/**
 * √(running mean of (yPred - yTrue)²). As Keras: the squared errors are averaged per
 * sample (over every axis but the first) and each sample counts once.
 */
export class RootMeanSquaredError extends MeanState {
  constructor(opts: NameOption = {}) {
    super(opts.name ?? 'root_mean_squared_error');
  }

  update(yTrue: Tensor, yPred: Tensor): void {
    tidy(() => {
      const [t, p] = pair(this.name, yTrue, yPred);
      this.addValues(square(sub(p, t)));
    });
  }

  override async result(): Promise<number> {
    return Math.sqrt(await super.result());
  }
}
