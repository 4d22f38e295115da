import { tidy } from '../engine.js';
import { fmtShape, normalizeAxis } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { checkAlive } from './apply.js';
import { div, exp, log, sub } from './math.js';
import { finiteOrZero, max, sum } from './reduce.js';

function checkFloat(op: string, x: Tensor): void {
  checkAlive(op, [x]);
  if (x.dtype !== 'float32') throw new TypeError(`${op}: expected a float32 tensor, got ${fmtShape(x.shape)} ${x.dtype}`);
}

/** exp(x) / Σ exp(x) along `axis`, shifted by the maximum so large logits do not overflow. @example softmax(logits) */
export function softmax(x: Tensor, axis = -1): Tensor {
  checkFloat('softmax', x);
  const a = normalizeAxis('softmax', axis, x.rank);
  return tidy(() => {
    const e = exp(sub(x, finiteOrZero(max(x, a, true))));
    return div(e, sum(e, a, true));
  });
}

/** log(softmax(x)) computed as x - m - log Σ exp(x - m): stable for very negative values. */
export function logSoftmax(x: Tensor, axis = -1): Tensor {
  checkFloat('logSoftmax', x);
  const a = normalizeAxis('logSoftmax', axis, x.rank);
  return tidy(() => {
    const shifted = sub(x, finiteOrZero(max(x, a, true)));
    return sub(shifted, log(sum(exp(shifted), a, true)));
  });
}
