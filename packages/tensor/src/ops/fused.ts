import type { AdamStep } from '../backend.js';
import { engine, tidy } from '../engine.js';
import { fmtShape, isContiguous } from '../shape.js';
import { tensorFromBuffer, viewOf, type Tensor } from '../tensor.js';
import { apply, checkAlive } from './apply.js';
import { concat, split } from './combine.js';
import { where } from './elementwise.js';
import { add, div, greater, maximum, mul, sigmoid, sqrt, square, sub, tanh } from './math.js';
import { slice } from './views.js';

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

function checkLstm(op: string, z: Tensor, c: Tensor, dy?: Tensor): number {
  const inputs = dy ? [z, c, dy] : [z, c];
  checkAlive(op, inputs);
  const [b, u4] = z.shape as [number, number];
  const u = c.shape[1]!;
  const ok = z.rank === 2 && c.rank === 2 && c.shape[0] === b && u4 === 4 * u && (!dy || (dy.rank === 2 && dy.shape[0] === b && dy.shape[1] === 2 * u));
  if (!ok || inputs.some((t) => t.dtype !== 'float32')) {
    const want = `z [B, 4u], c [B, u]${dy ? ', dy [B, 2u]' : ''}, all float32`;
    throw new RangeError(`${op}: expected ${want}; got ${inputs.map((t) => `${fmtShape(t.shape)} ${t.dtype}`).join(', ')}`);
  }
  return u;
}

/**
 * The LSTM cell after its projections (Keras 3 defaults: gate order i, f, c, o; recurrent
 * activation sigmoid, activation tanh): from z = x·W + h·U + b [B, 4u] and the cell state c
 * [B, u], returns [h', c'] with c' = σ(z_f)·c + σ(z_i)·tanh(z_c) and h' = σ(z_o)·tanh(c').
 * One fused kernel forward and one backward where the backend has them (instead of ~12 and
 * ~25 elementwise ops a step); composed from ops otherwise. Differentiable.
 * @example const [h1, c1] = lstmCell(add(matmul(x, W), add(matmul(h, U), b)), c);
 */
export function lstmCell(z: Tensor, c: Tensor): [Tensor, Tensor] {
  const u = checkLstm('lstmCell', z, c);
  const backend = engine.backend;
  const kernel = backend.fused?.lstmCell;
  return tidy(() => {
    if (!kernel) {
      const [zi, zf, zc, zo] = split(z, 4, 1) as [Tensor, Tensor, Tensor, Tensor];
      const cNew = add(mul(sigmoid(zf), c), mul(sigmoid(zi), tanh(zc)));
      return [mul(sigmoid(zo), tanh(cNew)), cNew];
    }
    const b = z.shape[0]!;
    const packed = apply('lstmCell', 'lstmCell', [z, c], {}, (be) => tensorFromBuffer(be, kernel(z.info(), c.info()), [b, 2 * u], 'float32'));
    return [slice(packed, [0, 0], [b, u]), slice(packed, [0, u], [b, u])];
  }) as [Tensor, Tensor];
}

/**
 * The gradient of `lstmCell`: from z, c and dy = the gradient of [h' | c'] ([B, 2u]) returns
 * [dz, dc]. Autograd's rule for the fused cell; the fused kernel is used only when no tape is
 * recording (a backward pass's own observers don't count), so grad-of-grad goes through the
 * composed, differentiable ops.
 */
export function lstmCellGrad(z: Tensor, c: Tensor, dy: Tensor): [Tensor, Tensor] {
  const u = checkLstm('lstmCellGrad', z, c, dy);
  const b = z.shape[0]!;
  const kernel = engine.backend.fused?.lstmCellGrad;
  return tidy(() => {
    if (kernel && !engine.hooks.some((h) => h.differentiates === true)) {
      const packed = apply('lstmCellGrad', 'lstmCellGrad', [z, c, dy], {}, (be) =>
        tensorFromBuffer(be, kernel(z.info(), c.info(), dy.info()), [b, 5 * u], 'float32'));
      return [slice(packed, [0, 0], [b, 4 * u]), slice(packed, [0, 4 * u], [b, u])];
    }
    const [zi, zf, zc, zo] = split(z, 4, 1) as [Tensor, Tensor, Tensor, Tensor];
    const [dh, dcOut] = split(dy, 2, 1) as [Tensor, Tensor];
    const [i, f, g, o] = [sigmoid(zi), sigmoid(zf), tanh(zc), sigmoid(zo)];
    const tc = tanh(add(mul(f, c), mul(i, g)));
    // dc' collects the direct gradient and the one through h' = o·tanh(c')
    const dcTot = add(dcOut, mul(mul(dh, o), sub(1, square(tc))));
    const dsig = (s: Tensor, d: Tensor) => mul(d, mul(s, sub(1, s)));
    const dz = concat([dsig(i, mul(dcTot, g)), dsig(f, mul(dcTot, c)), mul(mul(dcTot, i), sub(1, square(g))), dsig(o, mul(dh, tc))], 1);
    return [dz, mul(dcTot, f)];
  }) as [Tensor, Tensor];
}

/**
 * relu's gradient: dy where x > 0, else 0 (also where x is NaN). One pass where the backend
 * fuses it, else where(greater(x, 0), dy, 0). Autograd's rule for relu; differentiable (linear
 * in dy, piecewise constant in x).
 * @example reluGrad(x, dy)
 */
export function reluGrad(x: Tensor, dy: Tensor): Tensor {
  checkAlive('reluGrad', [x, dy]);
  if (x.dtype !== 'float32' || dy.dtype !== 'float32' || x.rank !== dy.rank || x.shape.some((d, i) => d !== dy.shape[i])) {
    throw new TypeError(`reluGrad: x and dy must be float32 of one shape; got ${fmtShape(x.shape)} ${x.dtype}, ${fmtShape(dy.shape)} ${dy.dtype}`);
  }
  const kernel = engine.backend.fused?.reluGrad;
  if (!kernel) return tidy(() => where(greater(x, 0), dy, 0));
  return apply('reluGrad', 'reluGrad', [x, dy], {}, (be) => tensorFromBuffer(be, kernel(x.info(), dy.info()), x.shape, 'float32'));
}
