import { tidy } from '../engine.js';
import { fmtShape, normalizeAxis } from '../shape.js';
import { tensorFromBuffer, type Tensor } from '../tensor.js';
import { apply, checkAlive } from './apply.js';
import { transpose } from './views.js';

function fused(op: 'softmax' | 'logSoftmax', x: Tensor, axis: number): Tensor {
  checkAlive(op, [x]);
  if (x.dtype !== 'float32') throw new TypeError(`${op}: expected a float32 tensor, got ${fmtShape(x.shape)} ${x.dtype}`);
  const a = normalizeAxis(op, axis, x.rank);
  const log = op === 'logSoftmax';
  const run = (t: Tensor): Tensor =>
    apply(op, 'softmax', [t], { log }, (b) => tensorFromBuffer(b, b.kernels.softmax(t.info(), log), t.shape, 'float32'));
  if (a === x.rank - 1) return run(x);
  // the kernel works on the last axis: swap `axis` there and back (both free views)
  const perm = x.shape.map((_, i) => (i === a ? x.rank - 1 : i === x.rank - 1 ? a : i));
  return tidy(() => transpose(run(transpose(x, perm)), perm));
}

/**
 * exp(x) / Σ exp(x) along `axis`, shifted by the maximum so large logits do not overflow;
 * one fused kernel per backend. @example softmax(logits)
 */
export function softmax(x: Tensor, axis = -1): Tensor {
  return fused('softmax', x, axis);
}

/** log(softmax(x)) computed as x - m - log Σ exp(x - m): stable for very negative values. */
export function logSoftmax(x: Tensor, axis = -1): Tensor {
  return fused('logSoftmax', x, axis);
}
