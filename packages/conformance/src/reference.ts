import type { Tolerance } from './harness.js';

// Float64 reference computations the suites compare against. Written independently of
// nabla's ops: plain loops over JS numbers, never calling the code under test.

/** Row-major strides of `shape`. */
export function stridesOf(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i]!;
  }
  return s;
}

export function prodOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Multi-index of flat position `flat` in `shape`. */
export function unravel(flat: number, shape: readonly number[]): number[] {
  const idx = new Array<number>(shape.length);
  for (let d = shape.length - 1; d >= 0; d--) {
    idx[d] = flat % shape[d]!;
    flat = Math.floor(flat / shape[d]!);
  }
  return idx;
}

export function ravel(idx: readonly number[], shape: readonly number[]): number {
  let flat = 0;
  for (let d = 0; d < shape.length; d++) flat = flat * shape[d]! + idx[d]!;
  return flat;
}

/** Values of `x` (row-major, `shape`) permuted by `perm`, as numpy.transpose. */
export function refTranspose(x: ArrayLike<number>, shape: readonly number[], perm: readonly number[]): number[] {
  const outShape = perm.map((p) => shape[p]!);
  const out = new Array<number>(x.length);
  for (let i = 0; i < out.length; i++) {
    const oi = unravel(i, outShape);
    const src = new Array<number>(shape.length);
    perm.forEach((p, d) => (src[p] = oi[d]!));
    out[i] = x[ravel(src, shape)]!;
  }
  return out;
}

/** Values of `x` broadcast (NumPy rules) from `shape` to `to`. */
export function refBroadcast(x: ArrayLike<number>, shape: readonly number[], to: readonly number[]): number[] {
  const lead = to.length - shape.length;
  const n = prodOf(to);
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const oi = unravel(i, to);
    const src = shape.map((d, k) => (d === 1 ? 0 : oi[k + lead]!));
    out[i] = x[ravel(src, shape)]!;
  }
  return out;
}

/**
 * Reduces `axes` of x: `fold` sees each slice's values (in row-major order) and returns
 * one number. Output is row-major over the kept axes.
 */
export function refReduce(
  x: ArrayLike<number>, shape: readonly number[], axes: readonly number[], fold: (values: number[]) => number,
): number[] {
  const norm = axes.map((a) => (a < 0 ? a + shape.length : a));
  const kept = shape.map((_, i) => i).filter((i) => !norm.includes(i));
  const keptShape = kept.map((i) => shape[i]!);
  const redShape = norm.slice().sort((a, b) => a - b).map((i) => shape[i]!);
  const redAxes = norm.slice().sort((a, b) => a - b);
  const out: number[] = [];
  for (let o = 0; o < prodOf(keptShape); o++) {
    const ko = unravel(o, keptShape);
    const vals: number[] = [];
    for (let r = 0; r < prodOf(redShape); r++) {
      const ro = unravel(r, redShape);
      const idx = new Array<number>(shape.length);
      kept.forEach((a, k) => (idx[a] = ko[k]!));
      redAxes.forEach((a, k) => (idx[a] = ro[k]!));
      vals.push(x[ravel(idx, shape)]!);
    }
    out.push(fold(vals));
  }
  return out;
}

export const fsum = (v: number[]): number => v.reduce((a, b) => a + b, 0);

/** Batched matmul with NumPy batch broadcasting, in float64. */
export function refMatmul(
  a: ArrayLike<number>, aShape: readonly number[], b: ArrayLike<number>, bShape: readonly number[],
): { shape: number[]; values: number[] } {
  const [m, k] = aShape.slice(-2) as [number, number];
  const n = bShape[bShape.length - 1]!;
  const ab = aShape.slice(0, -2);
  const bb = bShape.slice(0, -2);
  const rank = Math.max(ab.length, bb.length);
  const batch: number[] = [];
  for (let i = 0; i < rank; i++) {
    const da = ab[ab.length - rank + i] ?? 1;
    const db = bb[bb.length - rank + i] ?? 1;
    batch.push(Math.max(da, db));
  }
  const out: number[] = [];
  for (let bi = 0; bi < prodOf(batch); bi++) {
    const idx = unravel(bi, batch);
    const ia = ravel(ab.map((d, j) => (d === 1 ? 0 : idx[j + rank - ab.length]!)), ab);
    const ib = ravel(bb.map((d, j) => (d === 1 ? 0 : idx[j + rank - bb.length]!)), bb);
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let p = 0; p < k; p++) s += a[ia * m * k + i * k + p]! * b[ib * k * n + p * n + j]!;
        out.push(s);
      }
    }
  }
  return { shape: [...batch, m, n], values: out };
}

/** TensorFlow's 'same' padding [before, after] for one dimension. */
export function samePad(inSize: number, k: number, stride: number, dilation: number): [number, number] {
  const eff = (k - 1) * dilation + 1;
  const out = Math.ceil(inSize / stride);
  const total = Math.max(0, (out - 1) * stride + eff - inSize);
  return [Math.floor(total / 2), total - Math.floor(total / 2)];
}

export interface ConvGeometry {
  strides: [number, number];
  dilations: [number, number];
  padding: 'valid' | 'same';
}

/** Output size and top/left padding of a 2-D window sweep. */
export function windowGeometry(
  h: number, w: number, kh: number, kw: number, g: ConvGeometry,
): { oh: number; ow: number; top: number; left: number } {
  const [sh, sw] = g.strides;
  const [dh, dw] = g.dilations;
  if (g.padding === 'same') {
    return { oh: Math.ceil(h / sh), ow: Math.ceil(w / sw), top: samePad(h, kh, sh, dh)[0], left: samePad(w, kw, sw, dw)[0] };
  }
  return {
    oh: Math.floor((h - ((kh - 1) * dh + 1)) / sh) + 1,
    ow: Math.floor((w - ((kw - 1) * dw + 1)) / sw) + 1,
    top: 0,
    left: 0,
  };
}

/** Naive NHWC x HWIO cross-correlation in float64. */
export function refConv2d(
  x: ArrayLike<number>, xShape: readonly number[], f: ArrayLike<number>, fShape: readonly number[], g: ConvGeometry,
): { shape: number[]; values: number[] } {
  const [n, h, w, c] = xShape as [number, number, number, number];
  const [kh, kw, , o] = fShape as [number, number, number, number];
  const { oh, ow, top, left } = windowGeometry(h, w, kh, kw, g);
  const out: number[] = [];
  for (let b = 0; b < n; b++) {
    for (let i = 0; i < oh; i++) {
      for (let j = 0; j < ow; j++) {
        for (let oc = 0; oc < o; oc++) {
          let s = 0;
          for (let p = 0; p < kh; p++) {
            for (let q = 0; q < kw; q++) {
              const y = i * g.strides[0] + p * g.dilations[0] - top;
              const xx = j * g.strides[1] + q * g.dilations[1] - left;
              if (y < 0 || y >= h || xx < 0 || xx >= w) continue;
              for (let ic = 0; ic < c; ic++) {
                s += x[((b * h + y) * w + xx) * c + ic]! * f[((p * kw + q) * c + ic) * o + oc]!;
              }
            }
          }
          out.push(s);
        }
      }
    }
  }
  return { shape: [n, oh, ow, o], values: out };
}

/** Naive pooling: `fold` sees the in-bounds cells of each window (padding excluded). */
export function refPool2d(
  x: ArrayLike<number>, xShape: readonly number[], k: [number, number], strides: [number, number], padding: 'valid' | 'same',
  fold: (cells: number[]) => number,
): { shape: number[]; values: number[] } {
  const [n, h, w, c] = xShape as [number, number, number, number];
  const { oh, ow, top, left } = windowGeometry(h, w, k[0], k[1], { strides, dilations: [1, 1], padding });
  const out: number[] = [];
  for (let b = 0; b < n; b++) {
    for (let i = 0; i < oh; i++) {
      for (let j = 0; j < ow; j++) {
        for (let ch = 0; ch < c; ch++) {
          const cells: number[] = [];
          for (let p = 0; p < k[0]; p++) {
            for (let q = 0; q < k[1]; q++) {
              const y = i * strides[0] + p - top;
              const xx = j * strides[1] + q - left;
              if (y >= 0 && y < h && xx >= 0 && xx < w) cells.push(x[((b * h + y) * w + xx) * c + ch]!);
            }
          }
          out.push(fold(cells));
        }
      }
    }
  }
  return { shape: [n, oh, ow, c], values: out };
}

/**
 * The error function in float64: Maclaurin series for |x| < 3, a continued fraction for
 * erfc beyond (the suites check it against published values first).
 */
export function erf64(x: number): number {
  if (Number.isNaN(x)) return NaN;
  const a = Math.abs(x);
  let r: number;
  if (a < 3) {
    let term = a;
    let s = a;
    for (let n = 1; n < 200; n++) {
      term *= (-a * a) / n;
      const add = term / (2 * n + 1);
      s += add;
      if (Math.abs(add) < 1e-17 * Math.abs(s)) break;
    }
    r = (2 / Math.sqrt(Math.PI)) * s;
  } else if (a === Infinity) {
    r = 1;
  } else {
    // erfc(a) = exp(-a²)/√π · 1/(a + 1/2/(a + 1/(a + 3/2/(a + ...))))
    let f = a;
    for (let n = 60; n >= 1; n--) f = a + n / 2 / f;
    r = 1 - Math.exp(-a * a) / Math.sqrt(Math.PI) / f;
  }
  return x < 0 ? -r : r;
}

/** Σ a[i]·b[i] in float64. */
export function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

export function meanStd(v: ArrayLike<number>): { mean: number; std: number } {
  let m = 0;
  for (let i = 0; i < v.length; i++) m += v[i]!;
  m /= v.length;
  let s = 0;
  for (let i = 0; i < v.length; i++) s += (v[i]! - m) ** 2;
  return { mean: m, std: Math.sqrt(s / v.length) };
}

/** `tol` widened by `factor`, for results that accumulate many float32 roundings (matmul, conv). */
export function loose(tol: { rtol: number; atol: number }, factor: number): Tolerance {
  return { rtol: tol.rtol * factor, atol: tol.atol * factor };
}

/** Float32-rounded copy, so references start from exactly the values the tensor holds. */
export function f32(values: readonly number[]): number[] {
  return values.map((v) => Math.fround(v));
}
