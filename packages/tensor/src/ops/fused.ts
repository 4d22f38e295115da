import type { AdamStep } from '../backend.js';
import { engine, tidy } from '../engine.js';
import { fmtShape } from '../shape.js';
import { tensorFromBuffer, type Tensor } from '../tensor.js';
import { checkAlive } from './apply.js';
import { add, div, maximum, mul, sqrt, square, sub } from './math.js';

/** The tensors after one Adam step; `vHat` is null unless one was given (AMSGrad). */
export interface AdamResult {
  w: Tensor;
  m: Tensor;
  v: Tensor;
  vHat: Tensor | null;
}

/**
 * One Adam step for weight `w` with gradient `g` and moments `m`, `v` (and `vHat` for AMSGrad),
 * as Keras 3 computes it; returns new tensors (the inputs are untouched). Runs the backend's
 * fused kernel when it has one (one pass instead of ~12), else the composed ops; the two agree to
 * float32 rounding (the fused kernel rounds fewer intermediates). Not differentiable: an optimizer step is not part of a graph.
 * @example const { w: w1, m: m1, v: v1 } = adamUpdate(w, g, m, v, null, { alpha: 1e-3, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 });
 */
export function adamUpdate(w: Tensor, g: Tensor, m: Tensor, v: Tensor, vHat: Tensor | null, step: AdamStep): AdamResult {
  const inputs = vHat ? [w, g, m, v, vHat] : [w, g, m, v];
  checkAlive('adamUpdate', inputs);
  for (const t of inputs) {
    if (t.dtype !== 'float32' || t.shape.length !== w.rank || t.shape.some((d, i) => d !== w.shape[i])) {
      const got = inputs.map((x) => `${fmtShape(x.shape)} ${x.dtype}`).join(', ');
      throw new TypeError(`adamUpdate: w, g, m, v${vHat ? ', vHat' : ''} must be float32 of one shape; got ${got}`);
    }
  }
  const backend = engine.backend;
  const kernel = backend.fused?.adam;
  if (kernel && inputs.every((t) => t.storage.backend === backend)) {
    const out = kernel(w.info(), g.info(), m.info(), v.info(), vHat ? vHat.info() : null, step);
    const wrap = (b: unknown) => tensorFromBuffer(backend, b, w.shape, 'float32');
    return { w: wrap(out[0]), m: wrap(out[1]), v: wrap(out[2]), vHat: vHat ? wrap(out[3]) : null };
  }
  return tidy(() => {
    const m1 = add(m, mul(sub(g, m), 1 - step.beta1));
    const v1 = add(v, mul(sub(square(g), v), 1 - step.beta2));
    const vHat1 = vHat ? maximum(vHat, v1) : null;
    const w1 = sub(w, div(mul(m1, step.alpha), add(sqrt(vHat1 ?? v1), step.epsilon)));
    return { w: w1, m: m1, v: v1, vHat: vHat1 };
  });
}
