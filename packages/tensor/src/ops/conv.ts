import type { PoolGeometry, WindowParams } from '../backend.js';
import { engine, tidy } from '../engine.js';
import { fmtShape } from '../shape.js';
import { tensorFromBuffer, type Tensor } from '../tensor.js';
import { apply, checkAlive } from './apply.js';
import { pad, windowsGrad } from './combine.js';
import { ones } from './creation.js';
import { cast, where } from './elementwise.js';
import { div, equal } from './math.js';
import { matmul } from './matmul.js';
import { max, sum } from './reduce.js';
import { reshape, slice, windows, windowOutSize } from './views.js';

/** 'valid' uses no padding; 'same' pads so that out = ceil(in / stride), as TensorFlow and Keras. */
export type Padding = 'valid' | 'same';

/** An int for both spatial dimensions, or [h, w]. */
export type Pair = number | readonly [number, number];

/** Validates a Pair of positive integers (internal to the conv ops). */
export function pair(op: string, name: string, v: Pair): [number, number] {
  const p: [number, number] = typeof v === 'number' ? [v, v] : [v[0], v[1]];
  if (p.some((x) => !Number.isInteger(x) || x < 1)) throw new RangeError(`${op}: ${name} must be positive integers, got ${JSON.stringify(v)}`);
  return p;
}

/** [before, after] padding of one spatial dimension, TensorFlow's rule (extra pixel after). */
function samePadding(inSize: number, k: number, stride: number, dilation: number): [number, number] {
  const eff = (k - 1) * dilation + 1;
  const out = Math.ceil(inSize / stride);
  const total = Math.max((out - 1) * stride + eff - inSize, 0);
  return [Math.floor(total / 2), total - Math.floor(total / 2)];
}

/** Pads NHWC x as `padding` requires and returns its window view (internal to the conv ops). */
export function padAndWindow(op: string, x: Tensor, params: WindowParams, padding: Padding, padValue: number): Tensor {
  if (padding !== 'valid' && padding !== 'same') throw new RangeError(`${op}: padding must be 'valid' or 'same', got '${String(padding)}'`);
  const [, h, w] = x.shape as [number, number, number, number];
  if (padding === 'valid') {
    if (windowOutSize(h, params.kernel[0], params.strides[0], params.dilations[0]) === 0 || windowOutSize(w, params.kernel[1], params.strides[1], params.dilations[1]) === 0) {
      throw new RangeError(`${op}: window ${params.kernel.join('x')} (dilation ${params.dilations.join('x')}) is larger than the input ${fmtShape(x.shape)} with 'valid' padding`);
    }
    return windows(x, params);
  }
  const ph = samePadding(h, params.kernel[0], params.strides[0], params.dilations[0]);
  const pw = samePadding(w, params.kernel[1], params.strides[1], params.dilations[1]);
  if (ph[0] + ph[1] + pw[0] + pw[1] === 0) return windows(x, params);
  return windows(pad(x, [[0, 0], ph, pw, [0, 0]], padValue), params);
}

export interface Conv2DOptions {
  strides?: Pair;
  padding?: Padding;
  dilations?: Pair;
}

/**
 * 2-D convolution (cross-correlation, as every DL framework) of NHWC input x with an
 * HWIO filter [KH, KW, C, O] -> [N, OH, OW, O]. Computed as im2col (a window view made
 * contiguous) times the filter matrix, so it runs at matmul speed and autograd gets it free.
 * @example conv2d(images, kernel, { strides: 1, padding: 'same' })
 */
export function conv2d(x: Tensor, filter: Tensor, opts: Conv2DOptions = {}): Tensor {
  checkAlive('conv2d', [x, filter]);
  if (x.rank !== 4) throw new RangeError(`conv2d: input must be NHWC (rank 4), got ${fmtShape(x.shape)}`);
  if (filter.rank !== 4) throw new RangeError(`conv2d: filter must be [kh, kw, in, out] (rank 4), got ${fmtShape(filter.shape)}`);
  const [n, , , c] = x.shape as [number, number, number, number];
  const [kh, kw, fc, o] = filter.shape as [number, number, number, number];
  if (fc !== c) throw new RangeError(`conv2d: input has ${c} channels (${fmtShape(x.shape)}) but the filter expects ${fc} (${fmtShape(filter.shape)})`);
  const params: WindowParams = { kernel: [kh, kw], strides: pair('conv2d', 'strides', opts.strides ?? 1), dilations: pair('conv2d', 'dilations', opts.dilations ?? 1) };
  return tidy(() => {
    const win = padAndWindow('conv2d', x, params, opts.padding ?? 'valid', 0);
    const [, oh, ow] = win.shape as [number, number, number];
    const cols = reshape(win, [n * oh * ow, kh * kw * c]);
    const y = matmul(cols, reshape(filter, [kh * kw * c, o]));
    return reshape(y, [n, oh, ow, o]);
  });
}

export interface Conv1DOptions {
  stride?: number;
  padding?: Padding;
  dilation?: number;
}

/** 1-D convolution of [N, W, C] input with a [K, C, O] filter -> [N, OW, O]. @example conv1d(seq, k, { padding: 'same' }) */
export function conv1d(x: Tensor, filter: Tensor, opts: Conv1DOptions = {}): Tensor {
  if (x.rank !== 3) throw new RangeError(`conv1d: input must be [batch, width, channels], got ${fmtShape(x.shape)}`);
  if (filter.rank !== 3) throw new RangeError(`conv1d: filter must be [k, in, out], got ${fmtShape(filter.shape)}`);
  return tidy(() => {
    const y = conv2d(reshape(x, [x.shape[0]!, 1, x.shape[1]!, x.shape[2]!]), reshape(filter, [1, ...filter.shape]), {
      strides: [1, opts.stride ?? 1], dilations: [1, opts.dilation ?? 1], padding: opts.padding ?? 'valid',
    });
    return reshape(y, [y.shape[0]!, y.shape[2]!, y.shape[3]!]);
  });
}

export interface Pool2DOptions {
  /** Window size. */
  poolSize?: Pair;
  /** Defaults to poolSize, as Keras. */
  strides?: Pair;
  padding?: Padding;
}

function poolParams(op: string, x: Tensor, opts: Pool2DOptions): WindowParams {
  checkAlive(op, [x]);
  if (x.rank !== 4) throw new RangeError(`${op}: input must be NHWC (rank 4), got ${fmtShape(x.shape)}`);
  const kernel = pair(op, 'poolSize', opts.poolSize ?? 2);
  return { kernel, strides: pair(op, 'strides', opts.strides ?? kernel), dilations: [1, 1] };
}

/** The pooling windows of x [N, H, W, C] as the fused kernels take them; throws as padAndWindow does. */
function poolGeometry(op: string, x: Tensor, params: WindowParams, padding: Padding): PoolGeometry {
  if (padding !== 'valid' && padding !== 'same') throw new RangeError(`${op}: padding must be 'valid' or 'same', got '${String(padding)}'`);
  const [, h, w] = x.shape as [number, number, number, number];
  const [kh, kw] = params.kernel;
  const [sh, sw] = params.strides;
  if (padding === 'valid') {
    if (windowOutSize(h, kh, sh, 1) === 0 || windowOutSize(w, kw, sw, 1) === 0) {
      throw new RangeError(`${op}: window ${kh}x${kw} (dilation 1x1) is larger than the input ${fmtShape(x.shape)} with 'valid' padding`);
    }
    return { kernel: params.kernel, strides: params.strides, pads: [[0, 0], [0, 0]] };
  }
  return { kernel: params.kernel, strides: params.strides, pads: [samePadding(h, kh, sh, 1), samePadding(w, kw, sw, 1)] };
}

/** [OH, OW] of pooling an [N, H, W, C] input over `pool`'s windows. */
function pooledSize(h: number, w: number, pool: PoolGeometry): [number, number] {
  const [[t, b], [l, r]] = pool.pads;
  return [windowOutSize(h + t + b, pool.kernel[0], pool.strides[0], 1), windowOutSize(w + l + r, pool.kernel[1], pool.strides[1], 1)];
}

/**
 * Max over each window of NHWC x ('same' padding never wins a max). One fused kernel forward
 * and backward where the backend has them (float32), else a reduction over the window view;
 * either way the gradient of a window goes to the cells equal to its max, split evenly between ties.
 * @example maxPool2d(x, { poolSize: 2 })
 */
export function maxPool2d(x: Tensor, opts: Pool2DOptions = {}): Tensor {
  const params = poolParams('maxPool2d', x, opts);
  const padding = opts.padding ?? 'valid';
  const kernel = engine.backend.fused?.maxPool2d;
  if (kernel && x.dtype === 'float32') {
    const pool = poolGeometry('maxPool2d', x, params, padding);
    const [n, h, w, c] = x.shape as [number, number, number, number];
    const [oh, ow] = pooledSize(h, w, pool);
    return apply('maxPool2d', 'maxPool2d', [x], { pool }, (be) => tensorFromBuffer(be, kernel(x.info(), pool), [n, oh, ow, c], 'float32'));
  }
  return tidy(() => max(padAndWindow('maxPool2d', x, params, padding, -Infinity), [3, 4]));
}

/**
 * The gradient of `maxPool2d` at x for dy [N, OH, OW, C] (autograd's rule for the fused op):
 * each window's dy split evenly between the cells equal to its max (as the gradient of `max`).
 * Fused where the backend has the kernel; autograd differentiates it by its own rule (linear in
 * dy, piecewise constant in x), so grad-of-grad works either way.
 */
export function maxPool2dGrad(x: Tensor, dy: Tensor, pool: PoolGeometry): Tensor {
  checkAlive('maxPool2dGrad', [x, dy]);
  const [n, h, w, c] = x.shape as [number, number, number, number];
  const [oh, ow] = x.rank === 4 ? pooledSize(h, w, pool) : [0, 0];
  if (x.rank !== 4 || dy.rank !== 4 || dy.shape[0] !== n || dy.shape[1] !== oh || dy.shape[2] !== ow || dy.shape[3] !== c) {
    throw new RangeError(`maxPool2dGrad: dy must be [N, OH, OW, C] = [${n},${oh},${ow},${c}] for x ${fmtShape(x.shape)} and pool ${pool.kernel.join('x')}, got ${fmtShape(dy.shape)}`);
  }
  const kernel = engine.backend.fused?.maxPool2dGrad;
  if (kernel && x.dtype === 'float32' && dy.dtype === 'float32') {
    return apply('maxPool2dGrad', 'maxPool2dGrad', [x, dy], { pool }, (be) =>
      tensorFromBuffer(be, kernel(x.info(), dy.info(), pool), [n, h, w, c], 'float32'));
  }
  return tidy(() => {
    const params: WindowParams = { kernel: pool.kernel, strides: pool.strides, dilations: [1, 1] };
    const [[t, b], [l, r]] = pool.pads;
    const padded = t + b + l + r > 0;
    const xp = padded ? pad(x, [[0, 0], [t, b], [l, r], [0, 0]], -Infinity) : x;
    const win = windows(xp, params);
    const mask = equal(win, reshape(max(win, [3, 4]), [n, oh, ow, 1, 1, c]));
    const count = sum(cast(mask, 'float32'), [3, 4], true);
    const g = where(mask, div(reshape(dy, [n, oh, ow, 1, 1, c]), count), 0);
    const gx = windowsGrad(g, xp.shape, params);
    return padded ? slice(gx, [0, t, l, 0], [n, h, w, c]) : gx;
  });
}

/** Mean over each window of NHWC x; with 'same' padding, padded cells are not counted (as TensorFlow). */
export function avgPool2d(x: Tensor, opts: Pool2DOptions = {}): Tensor {
  const params = poolParams('avgPool2d', x, opts);
  const padding = opts.padding ?? 'valid';
  return tidy(() => {
    const total = sum(padAndWindow('avgPool2d', x, params, padding, 0), [3, 4]);
    if (padding === 'valid') return div(total, params.kernel[0] * params.kernel[1]);
    const [, h, w] = x.shape as [number, number, number];
    const count = sum(padAndWindow('avgPool2d', ones([1, h, w, 1]), params, padding, 0), [3, 4]);
    return div(total, count);
  });
}
