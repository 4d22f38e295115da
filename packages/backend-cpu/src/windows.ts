import { sizeOf, type Shape, type TensorInfo, type TypedArray, type WindowParams } from '@nabla/tensor';
import { alloc, toContiguous } from './strided.js';

/**
 * The adjoint of the window view: dy [N, OH, OW, KH, KW, C] summed back onto the input
 * [N, H, W, C], where window (oh, ow) element (i, j) views pixel (oh*sh + i*dh, ow*sw + j*dw).
 */
export function windowsGrad(dy: TensorInfo, inputShape: Shape, params: WindowParams): TypedArray {
  const [nb, oh, ow, kh, kw, ch] = dy.shape as [number, number, number, number, number, number];
  const [, h, w] = inputShape as [number, number, number, number];
  const [sh, sw] = params.strides;
  const [dh, dw] = params.dilations;
  const out = alloc(dy.dtype, sizeOf(inputShape));
  if (sizeOf(dy.shape) === 0) return out;
  const src = toContiguous(dy);
  // float64 accumulator: overlapping windows add up without float32 rounding in between
  const acc = new Float64Array(out.length);
  let q = 0;
  for (let b = 0; b < nb; b++) {
    for (let y = 0; y < oh; y++) {
      for (let x = 0; x < ow; x++) {
        for (let i = 0; i < kh; i++) {
          const py = y * sh + i * dh;
          for (let j = 0; j < kw; j++, q += ch) {
            const px = x * sw + j * dw;
            if (py >= h || px >= w) continue;
            const at = ((b * h + py) * w + px) * ch;
            for (let c = 0; c < ch; c++) acc[at + c] += src[q + c]!;
          }
        }
      }
    }
  }
  out.set(acc);
  return out;
}
