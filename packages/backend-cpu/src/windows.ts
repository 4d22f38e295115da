import { sizeOf, type PoolGeometry, type Shape, type TensorInfo, type TypedArray, type WindowParams } from '@nabla/tensor';
import { alloc, allocFull, toContiguous } from './strided.js';
import { wasmWindows } from './wasm/windows.js';

/**
 * Fewest dy elements for which windowsGrad takes the wasm SIMD path (./wasm/windows.ts). Its
 * fixed cost (~1 µs: staging, calls) is below the JS loop's even on tiny inputs (measured on the
 * 2-core Xeon, dy [1, oh, oh, 3, 3, c]: 36 elements JS 1.5 µs, wasm 1.2; 324: 4.3, 1.3), so this
 * only keeps the module out of the most trivial cases.
 */
export const COL2IM_WASM_MIN = 64;
/**
 * Fewest input elements for which max pooling and its gradient take the wasm SIMD path
 * (measured crossover ~128: at 64 elements forward JS 0.35 µs, wasm 0.48; at 256 1.3 vs 0.9,
 * backward 2.9 vs 1.6).
 */
export const POOL_WASM_MIN = 256;

/**
 * The adjoint of the window view: dy [N, OH, OW, KH, KW, C] summed back onto the input
 * [N, H, W, C], where window (oh, ow) element (i, j) views pixel (oh*sh + i*dh, ow*sw + j*dw).
 * float32 with channels a multiple of 4 runs in wasm SIMD (f64x2 accumulators, the same
 * additions in the same order: bit for bit `windowsGradReference`), the rest in JS.
 */
export function windowsGrad(dy: TensorInfo, inputShape: Shape, params: WindowParams): TypedArray {
  const [nb, oh, ow, kh, kw, ch] = dy.shape as [number, number, number, number, number, number];
  const size = sizeOf(dy.shape);
  if (dy.dtype === 'float32' && ch % 4 === 0 && size >= COL2IM_WASM_MIN) {
    const engine = wasmWindows();
    if (engine !== null) {
      const [, h, w] = inputShape as [number, number, number, number];
      const out = alloc('float32', sizeOf(inputShape)) as Float32Array;
      const src = toContiguous(dy) as Float32Array;
      engine.col2im(src, out, nb, h, w, ch, oh, ow, kh, kw, params.strides[0], params.strides[1], params.dilations[0], params.dilations[1]);
      return out;
    }
  }
  return windowsGradReference(dy, inputShape, params);
}

/**
 * windowsGrad in JS: the fallback where WebAssembly SIMD is missing or the shape doesn't suit
 * it (channels not a multiple of 4, few elements, int32), and the oracle the wasm is tested against.
 * Each input element's float64 sum takes its additions in window order (oh, ow, kh, kw).
 */
export function windowsGradReference(dy: TensorInfo, inputShape: Shape, params: WindowParams): TypedArray {
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

/** OH or OW of a pooling: windows of k cells, `stride` apart, over `n` (padded) cells. */
function pooledSize(n: number, k: number, stride: number): number {
  return n < k ? 0 : Math.floor((n - k) / stride) + 1;
}

/**
 * Max pooling of NHWC x (see FusedKernels.maxPool2d): 2×2 windows at stride 2 inside the input
 * with channels a multiple of 4 (the CNN's pooling) in wasm SIMD, bit for bit (NaN payloads
 * aside) `maxPool2dReference`; every other geometry there.
 */
export function maxPool2d(x: TensorInfo, pool: PoolGeometry): Float32Array {
  const [nb, h, w, ch] = x.shape as [number, number, number, number];
  const oh = pooledSize(h + pool.pads[0][0] + pool.pads[0][1], pool.kernel[0], pool.strides[0]);
  const ow = pooledSize(w + pool.pads[1][0] + pool.pads[1][1], pool.kernel[1], pool.strides[1]);
  if (isPool2x2(x.shape, oh, ow, pool)) {
    const engine = wasmWindows();
    if (engine !== null) {
      const out = allocFull('float32', nb * oh * ow * ch) as Float32Array; // every window writes its output
      engine.maxPool2x2(toContiguous(x) as Float32Array, out, nb, h, w, ch, oh, ow);
      return out;
    }
  }
  return maxPool2dReference(x, pool);
}

/**
 * Whether a pooling takes the wasm SIMD path: 2×2 windows at stride 2 (no overlap), all inside
 * the input (no padding cell in any window: top and left pads 0, bottom and right ones unused),
 * channels a multiple of 4 (whole f32x4 vectors per cell), and enough elements to pay for it.
 */
function isPool2x2(shape: Shape, oh: number, ow: number, pool: PoolGeometry): boolean {
  const [nb, h, w, ch] = shape as [number, number, number, number];
  return pool.kernel[0] === 2 && pool.kernel[1] === 2 && pool.strides[0] === 2 && pool.strides[1] === 2
    && pool.pads[0][0] === 0 && pool.pads[1][0] === 0 && 2 * oh <= h && 2 * ow <= w && oh > 0 && ow > 0
    && ch % 4 === 0 && nb * h * w * ch >= POOL_WASM_MIN;
}

/**
 * maxPool2d in JS: the fallback for the other geometries, and the wasm path's oracle. Per window
 * and channel the max is kept in a local rather than folded in the output array (a load and
 * store per cell less). Cells outside the input are skipped, which is the -Infinity padding of
 * the composed path. NaN sticks, as `max` folds.
 */
export function maxPool2dReference(x: TensorInfo, pool: PoolGeometry): Float32Array {
  const [nb, h, w, ch] = x.shape as [number, number, number, number];
  const [kh, kw] = pool.kernel;
  const [sh, sw] = pool.strides;
  const [[pt, pb], [pl, pr]] = pool.pads;
  const oh = pooledSize(h + pt + pb, kh, sh);
  const ow = pooledSize(w + pl + pr, kw, sw);
  const out = new Float32Array(nb * oh * ow * ch);
  if (out.length === 0) return out;
  const src = toContiguous(x) as Float32Array;
  const rowStep = w * ch;
  let o = 0;
  for (let b = 0; b < nb; b++) {
    for (let y = 0; y < oh; y++) {
      const y0 = y * sh - pt;
      const i0 = Math.max(0, -y0);
      const i1 = Math.min(kh, h - y0);
      for (let xo = 0; xo < ow; xo++, o += ch) {
        const x0 = xo * sw - pl;
        const j0 = Math.max(0, -x0);
        const j1 = Math.min(kw, w - x0);
        // the window's first cell, channel 0
        const base = ((b * h + y0 + i0) * w + x0 + j0) * ch;
        const rows = i1 - i0;
        const cols = j1 - j0;
        if (rows === 2 && cols === 2) {
          // the common 2x2 window, unrolled (with the generic loops both kernels took ~1.5-2x as long, measured)
          for (let c = 0, q = base; c < ch; c++, q++) {
            const a = src[q]!;
            const bb = src[q + ch]!;
            const e = src[q + rowStep]!;
            const f = src[q + rowStep + ch]!;
            // Math.max has no data-dependent branch (which cell wins is unpredictable; ~12%
            // faster, measured) and propagates NaN like the fold; only a 0 max needs the
            // fold's sign of zero: its first zero
            const m = Math.max(a, bb, e, f);
            out[o + c] = m === 0 ? (a === 0 ? a : bb === 0 ? bb : e === 0 ? e : f) : m;
          }
          continue;
        }
        for (let c = 0; c < ch; c++) {
          let m = -Infinity;
          for (let i = 0, r = base + c; i < rows; i++, r += rowStep) {
            for (let j = 0, q = r; j < cols; j++, q += ch) {
              const v = src[q]!;
              if (v > m || v !== v) m = v;
            }
          }
          out[o + c] = m;
        }
      }
    }
  }
  return out;
}

/**
 * The adjoint of `maxPool2d` (see FusedKernels.maxPool2dGrad): the wasm SIMD path for the
 * geometries maxPool2d takes there, bit for bit (NaN payloads aside) `maxPool2dGradReference`.
 */
export function maxPool2dGrad(x: TensorInfo, dy: TensorInfo, pool: PoolGeometry): Float32Array {
  const [nb, h, w, ch] = x.shape as [number, number, number, number];
  const [, oh, ow] = dy.shape as [number, number, number, number];
  if (isPool2x2(x.shape, oh, ow, pool)) {
    const engine = wasmWindows();
    if (engine !== null) {
      // every cell of the 2·oh window rows is written (odd widths' last column too): only an odd
      // height's last row, in no window, relies on the zero fill
      const out = (h === 2 * oh ? allocFull : alloc)('float32', nb * h * w * ch) as Float32Array;
      engine.maxPool2x2Grad(toContiguous(x) as Float32Array, toContiguous(dy) as Float32Array, out, nb, h, w, ch, oh, ow);
      return out;
    }
  }
  return maxPool2dGradReference(x, dy, pool);
}

/**
 * maxPool2dGrad in JS (the fallback and the wasm path's oracle), bit for bit the composed path:
 * the share dy/ties is rounded to float32 as the `div` kernel stores it, and overlapping windows
 * add up in float64 like `windowsGrad`, rounded once. Without overlap each cell gets at most
 * one share, written straight into the float32 result (no float64 scratch of the input's size).
 */
export function maxPool2dGradReference(x: TensorInfo, dy: TensorInfo, pool: PoolGeometry): Float32Array {
  const [nb, h, w, ch] = x.shape as [number, number, number, number];
  const out = new Float32Array(nb * h * w * ch);
  if (out.length === 0 || sizeOf(dy.shape) === 0) return out;
  const src = toContiguous(x) as Float32Array;
  const d = toContiguous(dy) as Float32Array;
  const overlap = pool.strides[0] < pool.kernel[0] || pool.strides[1] < pool.kernel[1];
  if (!overlap) {
    poolGradInto(out, src, d, x.shape, dy.shape, pool);
    return out;
  }
  const acc = new Float64Array(out.length);
  poolGradInto(acc, src, d, x.shape, dy.shape, pool);
  out.set(acc);
  return out;
}

/** Adds each window's share of dy onto the cells holding its max (see maxPool2dGrad). */
function poolGradInto(
  acc: Float32Array | Float64Array, src: Float32Array, d: Float32Array, xShape: Shape, dyShape: Shape, pool: PoolGeometry,
): void {
  const [nb, h, w, ch] = xShape as [number, number, number, number];
  const [, oh, ow] = dyShape as [number, number, number, number];
  const [kh, kw] = pool.kernel;
  const [sh, sw] = pool.strides;
  const [[pt], [pl]] = pool.pads;
  const rowStep = w * ch;
  let o = 0;
  for (let b = 0; b < nb; b++) {
    for (let y = 0; y < oh; y++) {
      const y0 = y * sh - pt;
      const i0 = Math.max(0, -y0);
      const i1 = Math.min(kh, h - y0);
      for (let xo = 0; xo < ow; xo++, o += ch) {
        const x0 = xo * sw - pl;
        const j0 = Math.max(0, -x0);
        const j1 = Math.min(kw, w - x0);
        const base = ((b * h + y0 + i0) * w + x0 + j0) * ch;
        const rows = i1 - i0;
        const cols = j1 - j0;
        // padding cells are -Infinity in the composed view: ties of an all -Infinity window
        const padCells = kh * kw - rows * cols;
        if (rows === 2 && cols === 2) {
          // the common 2x2 window, unrolled (with the generic loops both kernels took ~1.5-2x as long, measured)
          for (let c = 0, q = base; c < ch; c++, q++) {
            const a = src[q]!;
            const bb = src[q + ch]!;
            const e = src[q + rowStep]!;
            const f = src[q + rowStep + ch]!;
            if (a !== a || bb !== bb || e !== e || f !== f) continue; // a NaN max sends nothing
            let m = a;
            if (bb > m) m = bb;
            if (e > m) m = e;
            if (f > m) m = f;
            const ties = (a === m ? 1 : 0) + (bb === m ? 1 : 0) + (e === m ? 1 : 0) + (f === m ? 1 : 0) + (m === -Infinity ? padCells : 0);
            const share = Math.fround(d[o + c]! / ties);
            if (a === m) acc[q] += share;
            if (bb === m) acc[q + ch] += share;
            if (e === m) acc[q + rowStep] += share;
            if (f === m) acc[q + rowStep + ch] += share;
          }
          continue;
        }
        for (let c = 0; c < ch; c++) {
          // the max and its ties in one pass; a NaN makes the max NaN, which no cell equals
          let m = -Infinity;
          let ties = 0;
          let nan = false;
          for (let i = 0, r = base + c; i < rows; i++, r += rowStep) {
            for (let j = 0, q = r; j < cols; j++, q += ch) {
              const v = src[q]!;
              if (v > m) {
                m = v;
                ties = 1;
              } else if (v === m) ties++;
              else if (v !== v) nan = true;
            }
          }
          if (nan) continue; // nothing is sent
          if (m === -Infinity) ties += padCells;
          const share = Math.fround(d[o + c]! / ties);
          for (let i = 0, r = base + c; i < rows; i++, r += rowStep) {
            for (let j = 0, q = r; j < cols; j++, q += ch) if (src[q] === m) acc[q] += share;
          }
        }
      }
    }
  }
}
