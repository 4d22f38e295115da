import type { WindowParams } from '../backend.js';
import { tidy } from '../engine.js';
import { fmtShape } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { checkAlive } from './apply.js';
import { windowsGrad } from './combine.js';
import { pair, padAndWindow, type Conv2DOptions, type Padding, type Pair } from './conv.js';
import { matmul } from './matmul.js';
import { reshape, slice, transpose, windowOutSize } from './views.js';

/**
 * Depthwise, separable and transposed 2-D convolutions, composed from the same primitives as
 * conv2d (the `windows` view, matmul and `windowsGrad`), so every backend runs them with no
 * kernel of their own and autograd differentiates them with GEMMs and windowsGrad.
 */

function checkConvInputs(op: string, x: Tensor, filter: Tensor, what: string): void {
  checkAlive(op, [x, filter]);
  if (x.rank !== 4) throw new RangeError(`${op}: input must be NHWC (rank 4), got ${fmtShape(x.shape)}`);
  if (filter.rank !== 4) throw new RangeError(`${op}: filter must be ${what} (rank 4), got ${fmtShape(filter.shape)}`);
}

/**
 * Depthwise 2-D convolution of NHWC x [N, H, W, C] with a filter [KH, KW, C, M]: each input
 * channel c is convolved with its own M filters, giving output channel c·M + m
 * -> [N, OH, OW, C·M] (TensorFlow's `depthwise_conv2d`, Keras' `DepthwiseConv2D`). Computed as one
 * batched matmul over channels: [C, N·OH·OW, KH·KW] x [C, KH·KW, M].
 * @example depthwiseConv2d(images, kernel, { strides: 2, padding: 'same' })
 */
export function depthwiseConv2d(x: Tensor, filter: Tensor, opts: Conv2DOptions = {}): Tensor {
  const op = 'depthwiseConv2d';
  checkConvInputs(op, x, filter, '[kh, kw, in, depthMultiplier]');
  const [n, , , c] = x.shape as [number, number, number, number];
  const [kh, kw, fc, m] = filter.shape as [number, number, number, number];
  if (fc !== c) throw new RangeError(`${op}: input has ${c} channels (${fmtShape(x.shape)}) but the filter expects ${fc} (${fmtShape(filter.shape)})`);
  const params: WindowParams = { kernel: [kh, kw], strides: pair(op, 'strides', opts.strides ?? 1), dilations: pair(op, 'dilations', opts.dilations ?? 1) };
  return tidy(() => {
    const win = padAndWindow(op, x, params, opts.padding ?? 'valid', 0); // [N, OH, OW, KH, KW, C]
    const [, oh, ow] = win.shape as [number, number, number];
    const p = n * oh * ow;
    const cols = reshape(transpose(win, [5, 0, 1, 2, 3, 4]), [c, p, kh * kw]);
    const f = reshape(transpose(filter, [2, 0, 1, 3]), [c, kh * kw, m]);
    const y = matmul(cols, f); // [C, P, M]
    return reshape(transpose(y, [1, 0, 2]), [n, oh, ow, c * m]);
  });
}

/**
 * Depthwise-separable 2-D convolution: `depthwiseConv2d(x, depthwiseFilter, opts)` followed by
 * a 1x1 convolution with pointwiseFilter [1, 1, C·M, O] -> [N, OH, OW, O] (Keras' `SeparableConv2D`).
 * @example separableConv2d(images, dw, pw, { padding: 'same' })
 */
export function separableConv2d(x: Tensor, depthwiseFilter: Tensor, pointwiseFilter: Tensor, opts: Conv2DOptions = {}): Tensor {
  const op = 'separableConv2d';
  checkConvInputs(op, x, depthwiseFilter, '[kh, kw, in, depthMultiplier]');
  checkAlive(op, [pointwiseFilter]);
  const [, , c, m] = depthwiseFilter.shape as [number, number, number, number];
  const pw = pointwiseFilter.shape;
  if (pw.length !== 4 || pw[0] !== 1 || pw[1] !== 1 || pw[2] !== c * m) {
    throw new RangeError(`${op}: pointwise filter must be [1,1,${c * m},out] for depthwise filter ${fmtShape(depthwiseFilter.shape)}, got ${fmtShape(pw)}`);
  }
  return tidy(() => {
    const d = depthwiseConv2d(x, depthwiseFilter, opts);
    const [n, oh, ow] = d.shape as [number, number, number];
    const y = matmul(reshape(d, [n * oh * ow, c * m]), reshape(pointwiseFilter, [c * m, pw[3]!]));
    return reshape(y, [n, oh, ow, pw[3]!]);
  });
}

export interface Conv2DTransposeOptions {
  strides?: Pair;
  padding?: Padding;
  dilations?: Pair;
  /**
   * Extra rows/columns at the bottom/right of the output (each < its stride), as Keras'
   * `output_padding`; null/undefined infers the output size (see `conv2dTransposeOutputSize`).
   */
  outputPadding?: Pair | null;
  /** Explicit [OH, OW] (TensorFlow's `output_shape`); overrides outputPadding. */
  outputSize?: readonly [number, number];
}

/**
 * Output length of a transposed convolution along one axis, as Keras
 * (`compute_conv_transpose_output_shape`): with eff = (k − 1)·dilation + 1,
 * 'valid' → (in − 1)·stride + eff + (outputPadding ?? max(stride − eff, 0)),
 * 'same' → in·stride, or (in − 1)·stride + eff mod 2 + outputPadding when it is given.
 */
export function conv2dTransposeOutputSize(inSize: number, k: number, stride: number, padding: Padding, dilation = 1, outputPadding: number | null = null): number {
  const eff = (k - 1) * dilation + 1;
  if (padding === 'valid') return (inSize - 1) * stride + eff + (outputPadding ?? Math.max(stride - eff, 0));
  return outputPadding === null ? inSize * stride : (inSize - 1) * stride + (eff % 2) + outputPadding;
}

/**
 * Transposed 2-D convolution ("deconvolution") of NHWC x [N, H, W, C] with a filter in Keras'
 * layout [KH, KW, O, C] (output channels before input channels) -> [N, OH, OW, O]: the adjoint
 * (gradient w.r.t. the input) of `conv2d(·, filter, opts)` on an [N, OH, OW, O] input. Computed as
 * x·filterᵀ (one matmul to [N, H, W, KH, KW, O]) scattered onto the output by `windowsGrad`,
 * then cropped by the 'same' padding.
 * @example conv2dTranspose(x, kernel, { strides: 2, padding: 'same' }) // [1, 4, 4, C] -> [1, 8, 8, O]
 */
export function conv2dTranspose(x: Tensor, filter: Tensor, opts: Conv2DTransposeOptions = {}): Tensor {
  const op = 'conv2dTranspose';
  checkConvInputs(op, x, filter, '[kh, kw, out, in]');
  const [n, h, w, c] = x.shape as [number, number, number, number];
  const [kh, kw, o, fc] = filter.shape as [number, number, number, number];
  if (fc !== c) throw new RangeError(`${op}: input has ${c} channels (${fmtShape(x.shape)}) but the filter [kh, kw, out, in] expects ${fc} (${fmtShape(filter.shape)})`);
  const strides = pair(op, 'strides', opts.strides ?? 1);
  const dilations = pair(op, 'dilations', opts.dilations ?? 1);
  const padding = opts.padding ?? 'valid';
  if (padding !== 'valid' && padding !== 'same') throw new RangeError(`${op}: padding must be 'valid' or 'same', got '${String(padding)}'`);
  let outPad: [number, number] | null = null;
  if (opts.outputPadding !== undefined && opts.outputPadding !== null) {
    const v = opts.outputPadding;
    outPad = typeof v === 'number' ? [v, v] : [v[0], v[1]];
    if (outPad.some((p, i) => !Number.isInteger(p) || p < 0 || p >= strides[i]!)) {
      throw new RangeError(`${op}: outputPadding must be non-negative integers smaller than the strides [${strides.join(',')}], got ${JSON.stringify(v)}`);
    }
  }
  const kernel: [number, number] = [kh, kw];
  const inSize = [h, w];
  const outSize = opts.outputSize
    ? [opts.outputSize[0], opts.outputSize[1]]
    : [0, 1].map((i) => conv2dTransposeOutputSize(inSize[i]!, kernel[i]!, strides[i]!, padding, dilations[i]!, outPad ? outPad[i]! : null));
  // the forward conv2d on the output size must give the input size back (as TensorFlow checks)
  const before: number[] = [];
  const padded: number[] = [];
  for (let i = 0; i < 2; i++) {
    const out = outSize[i]!;
    const eff = (kernel[i]! - 1) * dilations[i]! + 1;
    const back = padding === 'same' ? Math.ceil(out / strides[i]!) : windowOutSize(out, kernel[i]!, strides[i]!, dilations[i]!);
    if (!Number.isInteger(out) || out < 1 || back !== inSize[i]) {
      throw new RangeError(`${op}: output size [${outSize.join(',')}] does not match input ${fmtShape(x.shape)} with kernel ${kh}x${kw}, strides [${strides.join(',')}], dilations [${dilations.join(',')}] and '${padding}' padding`);
    }
    const total = padding === 'same' ? Math.max((inSize[i]! - 1) * strides[i]! + eff - out, 0) : 0;
    before.push(Math.floor(total / 2));
    padded.push(out + total);
  }
  const params: WindowParams = { kernel, strides, dilations };
  return tidy(() => {
    const cols = matmul(reshape(x, [n * h * w, c]), reshape(filter, [kh * kw * o, c]), false, true); // [N·H·W, KH·KW·O]
    const full = windowsGrad(reshape(cols, [n, h, w, kh, kw, o]), [n, padded[0]!, padded[1]!, o], params);
    if (padded[0] === outSize[0] && padded[1] === outSize[1]) return full;
    return slice(full, [0, before[0]!, before[1]!, 0], [n, outSize[0]!, outSize[1]!, o]);
  });
}
