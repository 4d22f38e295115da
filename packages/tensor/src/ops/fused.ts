import type { AdamStep } from '../backend.js';
import { engine, tidy } from '../engine.js';
import { fmtShape, isContiguous } from '../shape.js';
import { tensorFromBuffer, viewOf, type Tensor } from '../tensor.js';
import { checkAlive } from './apply.js';
import { add, div, maximum, mul, sqrt, square, sub } from './math.js';

/** Whether `t` alone holds all of its storage, contiguously from offset 0 (so it may be overwritten). */
function donatable(t: Tensor): boolean {
  return t.storage.isExclusive && t.offset === 0 && t.size === t.storage.size && isContiguous(t.shape, t.strides);
}

/** The tensors after one Adam step; `vHat` is null unless one was given (AMSGrad). */
export interface AdamResult {
  w: Tensor;
  m: Tensor;
  v: Tensor;
  vHat: Tensor | null;
}

/**
 * One Adam step for weight `w` with gradient `g` and moments `m`, `v` (and `vHat` for AMSGrad),
 * as Keras 3 computes it; returns new tensors. Runs the backend's fused kernel when it has one
 * (one pass instead of ~12), else the composed ops; the two agree to float32 rounding (the fused
 * kernel rounds fewer intermediates). Not differentiable: an optimizer step is not in a graph.
 *
 * Unless `donate` is set the inputs are untouched. `donate: true` says the caller replaces w, m,
 * v (and vHat) with the results and never reads the old values again (an optimizer's own slots
 * and variable): where a tensor alone holds its contiguous storage, the fused kernel overwrites
 * it instead of allocating (no copy, no garbage). Storage anything else views is never written.
 * @example const { w: w1, m: m1, v: v1 } = adamUpdate(w, g, m, v, null, { alpha: 1e-3, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 });
 */
export function adamUpdate(
  w: Tensor, g: Tensor, m: Tensor, v: Tensor, vHat: Tensor | null, step: AdamStep, opts: { donate?: boolean } = {},
): AdamResult {
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
    const state = vHat ? [w, m, v, vHat] : [w, m, v];
    const inPlace = opts.donate === true && state.every(donatable);
    const out = kernel(w.info(), g.info(), m.info(), v.info(), vHat ? vHat.info() : null, step, inPlace);
    // a buffer written in place stays in its storage: the result is a new view of it
    const wrap = (i: number) =>
      out[i] === state[i]!.storage.buffer ? viewOf(state[i]!, w.shape, state[i]!.strides, 0) : tensorFromBuffer(backend, out[i], w.shape, 'float32');
    return { w: wrap(0), m: wrap(1), v: wrap(2), vHat: vHat ? wrap(3) : null };
  }
  return tidy(() => {
    const m1 = add(m, mul(sub(g, m), 1 - step.beta1));
    const v1 = add(v, mul(sub(square(g), v), 1 - step.beta2));
    const vHat1 = vHat ? maximum(vHat, v1) : null;
    const w1 = sub(w, div(mul(m1, step.alpha), add(sqrt(vHat1 ?? v1), step.epsilon)));
    return { w: w1, m: m1, v: v1, vHat: vHat1 };
  });
}
