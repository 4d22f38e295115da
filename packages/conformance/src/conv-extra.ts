import {
  conv2d, conv2dTranspose, conv2dTransposeOutputSize, depthwiseConv2d, mul, separableConv2d, sum, tensor, transpose, zeros,
  type Padding,
} from '@nabla/tensor';
import { describe, expect, it } from 'vitest';
import { checkGradients, type GradCase } from './gradients.js';
import { expectTensor, randomValues, useBackend, type ConformanceTarget } from './harness.js';
import { loose, prodOf, refConv2d, samePad, windowGeometry } from './reference.js';
import { call } from './util.js';

type P2 = [number, number];

/** Direct float64 depthwise convolution: out[b, i, j, c·M + m] = Σ_pq x[b, i·s + p·d − top, j·s + q·d − left, c]·f[p, q, c, m]. */
export function refDepthwiseConv2d(
  x: ArrayLike<number>, [n, h, w, c]: readonly number[], f: ArrayLike<number>, [kh, kw, , m]: readonly number[],
  g: { strides: P2; dilations: P2; padding: Padding },
): { shape: number[]; values: number[] } {
  const { oh, ow, top, left } = windowGeometry(h!, w!, kh!, kw!, g);
  const out: number[] = [];
  for (let b = 0; b < n!; b++) {
    for (let i = 0; i < oh; i++) {
      for (let j = 0; j < ow; j++) {
        for (let ch = 0; ch < c!; ch++) {
          for (let k = 0; k < m!; k++) {
            let s = 0;
            for (let p = 0; p < kh!; p++) {
              for (let q = 0; q < kw!; q++) {
                const y = i * g.strides[0] + p * g.dilations[0] - top;
                const xx = j * g.strides[1] + q * g.dilations[1] - left;
                if (y < 0 || y >= h! || xx < 0 || xx >= w!) continue;
                s += x[((b * h! + y) * w! + xx) * c! + ch]! * f[((p * kw! + q) * c! + ch) * m! + k]!;
              }
            }
            out.push(s);
          }
        }
      }
    }
  }
  return { shape: [n!, oh, ow, c! * m!], values: out };
}

/**
 * Direct float64 transposed convolution as a scatter: each input pixel (i, j) adds x·f[p, q, :, ic]
 * at output (i·s + p·d − top, j·s + q·d − left), where top/left is the 'same' padding TensorFlow's
 * conv2d would use on the [oh, ow] output (0 for 'valid').
 */
export function refConv2dTranspose(
  x: ArrayLike<number>, [n, h, w, c]: readonly number[], f: ArrayLike<number>, [kh, kw, o]: readonly number[],
  g: { strides: P2; dilations: P2; padding: Padding }, [oh, ow]: P2,
): { shape: number[]; values: number[] } {
  const top = g.padding === 'same' ? samePad(oh, kh!, g.strides[0], g.dilations[0])[0] : 0;
  const left = g.padding === 'same' ? samePad(ow, kw!, g.strides[1], g.dilations[1])[0] : 0;
  const out = new Array<number>(n! * oh * ow * o!).fill(0);
  for (let b = 0; b < n!; b++) {
    for (let i = 0; i < h!; i++) {
      for (let j = 0; j < w!; j++) {
        for (let p = 0; p < kh!; p++) {
          for (let q = 0; q < kw!; q++) {
            const y = i * g.strides[0] + p * g.dilations[0] - top;
            const xx = j * g.strides[1] + q * g.dilations[1] - left;
            if (y < 0 || y >= oh || xx < 0 || xx >= ow) continue;
            for (let oc = 0; oc < o!; oc++) {
              let s = 0;
              for (let ic = 0; ic < c!; ic++) s += x[((b * h! + i) * w! + j) * c! + ic]! * f[((p * kw! + q) * o! + oc) * c! + ic]!;
              out[((b * oh + y) * ow + xx) * o! + oc]! += s;
            }
          }
        }
      }
    }
  }
  return { shape: [n!, oh, ow, o!], values: out };
}

interface DepthwiseCase {
  name: string;
  x: [number, number, number, number];
  f: [number, number, number, number];
  strides: P2;
  dilations: P2;
  padding: Padding;
}

const DEPTHWISE_CASES: DepthwiseCase[] = [
  { name: '3x3 valid, multiplier 1', x: [1, 5, 6, 3], f: [3, 3, 3, 1], strides: [1, 1], dilations: [1, 1], padding: 'valid' },
  { name: '3x3 same, multiplier 2', x: [2, 5, 5, 2], f: [3, 3, 2, 2], strides: [1, 1], dilations: [1, 1], padding: 'same' },
  { name: 'strides 2 same, odd input, multiplier 3', x: [1, 7, 6, 2], f: [3, 2, 2, 3], strides: [2, 2], dilations: [1, 1], padding: 'same' },
  { name: 'dilations 2 valid', x: [1, 7, 7, 3], f: [2, 3, 3, 1], strides: [1, 1], dilations: [2, 2], padding: 'valid' },
  { name: 'strides [1,2] valid, 1x1 kernel', x: [2, 3, 5, 4], f: [1, 1, 4, 2], strides: [1, 2], dilations: [1, 1], padding: 'valid' },
];

interface TransposeCase {
  name: string;
  x: [number, number, number, number];
  /** [kh, kw, out, in] */
  f: [number, number, number, number];
  strides: P2;
  dilations: P2;
  padding: Padding;
  outputPadding?: P2;
  /** The output's spatial size as Keras computes it (written out by hand). */
  out: P2;
}

const TRANSPOSE_CASES: TransposeCase[] = [
  { name: '3x3 valid, stride 1', x: [1, 4, 3, 2], f: [3, 3, 3, 2], strides: [1, 1], dilations: [1, 1], padding: 'valid', out: [6, 5] },
  { name: '3x3 same, stride 1', x: [2, 4, 3, 2], f: [3, 3, 2, 2], strides: [1, 1], dilations: [1, 1], padding: 'same', out: [4, 3] },
  { name: '3x3 valid, stride 2', x: [1, 3, 4, 2], f: [3, 3, 2, 2], strides: [2, 2], dilations: [1, 1], padding: 'valid', out: [7, 9] },
  { name: '3x3 same, stride 2', x: [1, 3, 4, 1], f: [3, 3, 2, 1], strides: [2, 2], dilations: [1, 1], padding: 'same', out: [6, 8] },
  { name: '4x2 same, strides [2,3]', x: [1, 3, 3, 2], f: [4, 2, 2, 2], strides: [2, 3], dilations: [1, 1], padding: 'same', out: [6, 9] },
  { name: 'kernel 2 < stride 3, valid (zero rows at the end)', x: [1, 3, 2, 1], f: [2, 2, 2, 1], strides: [3, 3], dilations: [1, 1], padding: 'valid', out: [9, 6] },
  { name: 'outputPadding 1, same, stride 2', x: [1, 3, 3, 2], f: [3, 3, 2, 2], strides: [2, 2], dilations: [1, 1], padding: 'same', outputPadding: [1, 1], out: [6, 6] },
  { name: 'outputPadding [0,1], valid, stride 2', x: [1, 3, 3, 1], f: [3, 2, 2, 1], strides: [2, 2], dilations: [1, 1], padding: 'valid', outputPadding: [0, 1], out: [7, 7] },
  { name: 'outputPadding 1, same, stride 2, even kernel', x: [1, 3, 2, 1], f: [4, 4, 1, 1], strides: [2, 2], dilations: [1, 1], padding: 'same', outputPadding: [1, 1], out: [5, 3] },
  { name: 'dilations 2 same', x: [1, 4, 4, 2], f: [3, 3, 2, 2], strides: [1, 1], dilations: [2, 2], padding: 'same', out: [4, 4] },
  { name: 'dilations 2 valid', x: [1, 3, 3, 1], f: [2, 3, 2, 1], strides: [1, 1], dilations: [2, 2], padding: 'valid', out: [5, 7] },
];

export function convExtraSuite(target: ConformanceTarget): void {
  describe('depthwise, separable and transposed conv', () => {
    const { tol } = useBackend(target);

    for (const c of DEPTHWISE_CASES) {
      it(`depthwiseConv2d ${c.name} against a float64 loop`, async () => {
        const xv = randomValues(prodOf(c.x), 700 + c.x[1]);
        const fv = randomValues(prodOf(c.f), 710 + c.f[0]);
        const g = { strides: c.strides, dilations: c.dilations, padding: c.padding };
        const ref = refDepthwiseConv2d(xv, c.x, fv, c.f, g);
        await expectTensor(call(depthwiseConv2d, tensor(xv, c.x), tensor(fv, c.f), g), ref.shape, ref.values, loose(tol, 3));
      });
    }

    it('depthwiseConv2d with multiplier 1 equals conv2d per channel; strided (transposed) input', async () => {
      // a depthwise conv is a conv2d whose [kh, kw, C, C] filter is zero off the channel diagonal
      const xv = randomValues(2 * 3 * 5 * 4, 720);
      const fv = randomValues(3 * 3 * 3, 721);
      const full = new Float32Array(3 * 3 * 3 * 3);
      for (let pq = 0; pq < 9; pq++) for (let ch = 0; ch < 3; ch++) full[(pq * 3 + ch) * 3 + ch] = fv[pq * 3 + ch]!;
      const nhwc = transpose(tensor(xv, [2, 3, 5, 4]), [0, 2, 3, 1]); // [2, 5, 4, 3], strided
      const ref = refConv2d(await nhwc.data(), [2, 5, 4, 3], full, [3, 3, 3, 3], { strides: [2, 1], dilations: [1, 1], padding: 'same' });
      await expectTensor(call(depthwiseConv2d, nhwc, tensor(fv, [3, 3, 3, 1]), { strides: [2, 1], padding: 'same' }), ref.shape, ref.values, loose(tol, 3));
    });

    it('separableConv2d is the depthwise conv followed by a 1x1 conv', async () => {
      const x = [2, 6, 5, 2];
      const dw = [3, 3, 2, 2];
      const xv = randomValues(prodOf(x), 730);
      const dv = randomValues(prodOf(dw), 731);
      const pv = randomValues(4 * 3, 732);
      const g = { strides: [2, 2] as P2, dilations: [1, 1] as P2, padding: 'same' as const };
      const mid = refDepthwiseConv2d(xv, x, dv, dw, g);
      const ref = refConv2d(mid.values, mid.shape, pv, [1, 1, 4, 3], { strides: [1, 1], dilations: [1, 1], padding: 'valid' });
      await expectTensor(call(separableConv2d, tensor(xv, x), tensor(dv, dw), tensor(pv, [1, 1, 4, 3]), g), ref.shape, ref.values, loose(tol, 5));
    });

    for (const c of TRANSPOSE_CASES) {
      it(`conv2dTranspose ${c.name} against a float64 scatter loop`, async () => {
        const xv = randomValues(prodOf(c.x), 800 + c.x[1] + c.f[0]);
        const fv = randomValues(prodOf(c.f), 810 + c.f[1]);
        const opts = { strides: c.strides, dilations: c.dilations, padding: c.padding, outputPadding: c.outputPadding ?? null };
        const computed = [0, 1].map((i) => conv2dTransposeOutputSize(c.x[i + 1]!, c.f[i]!, c.strides[i]!, c.padding, c.dilations[i]!, c.outputPadding?.[i] ?? null));
        expect(computed, 'conv2dTransposeOutputSize').toEqual(c.out);
        const ref = refConv2dTranspose(xv, c.x, fv, c.f, opts, c.out);
        await expectTensor(call(conv2dTranspose, tensor(xv, c.x), tensor(fv, c.f), opts), ref.shape, ref.values, loose(tol, 5));
      });
    }

    it('conv2dTranspose by hand: a 2x2 box filter, stride 2 and stride 1', async () => {
      const x = tensor([1, 2, 3, 4], [1, 2, 2, 1]);
      const f = tensor([1, 1, 1, 1], [2, 2, 1, 1]);
      await expectTensor(call(conv2dTranspose, x, f, { strides: 2 }), [1, 4, 4, 1], [1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4], tol);
      await expectTensor(call(conv2dTranspose, x, f), [1, 3, 3, 1], [1, 3, 2, 4, 10, 6, 3, 7, 4], tol);
      // 'same', stride 1: the 3x3 valid result cropped to its first 2x2 (TensorFlow pads after)
      await expectTensor(call(conv2dTranspose, x, f, { padding: 'same' }), [1, 2, 2, 1], [1, 3, 4, 10], tol);
    });

    it('conv2dTranspose is the adjoint of conv2d: <conv2d(u, F), x> = <u, conv2dTranspose(x, F)>', async () => {
      for (const [i, g] of [
        { strides: [2, 2], padding: 'same', u: [1, 7, 6, 2] },
        { strides: [1, 2], padding: 'valid', u: [2, 6, 7, 2] },
        { strides: [3, 2], padding: 'same', u: [1, 8, 5, 2] },
      ].entries()) {
        const uv = randomValues(prodOf(g.u), 900 + i);
        const fv = randomValues(3 * 3 * 2 * 3, 910 + i);
        const opts = { strides: g.strides as P2, padding: g.padding as Padding };
        const y = conv2d(tensor(uv, g.u), tensor(fv, [3, 3, 2, 3]), opts);
        const xv = randomValues(prodOf(y.shape), 920 + i);
        const lhs = sum(mul(y, tensor(xv, y.shape)));
        const t = conv2dTranspose(tensor(xv, y.shape), tensor(fv, [3, 3, 2, 3]), { ...opts, outputSize: [g.u[1]!, g.u[2]!] });
        expect(t.shape).toEqual(g.u);
        const rhs = sum(mul(t, tensor(uv, g.u)));
        const [a, b] = [(await lhs.data())[0]!, (await rhs.data())[0]!];
        expect(Math.abs(a - b), `adjoint identity ${a} vs ${b}`).toBeLessThan(1e-4 * (1 + Math.abs(a)));
      }
    });

    it('errors name the op and the shapes', () => {
      expect(() => depthwiseConv2d(zeros([1, 5, 5, 3]), zeros([3, 3, 2, 1]))).toThrow(/depthwiseConv2d.*\[1,5,5,3\].*\[3,3,2,1\]/);
      expect(() => depthwiseConv2d(zeros([5, 5, 3]), zeros([3, 3, 3, 1]))).toThrow(/depthwiseConv2d.*rank 4/);
      expect(() => depthwiseConv2d(zeros([1, 2, 2, 1]), zeros([3, 3, 1, 1]))).toThrow(/depthwiseConv2d/);
      expect(() => separableConv2d(zeros([1, 5, 5, 2]), zeros([3, 3, 2, 2]), zeros([1, 1, 2, 3]))).toThrow(/separableConv2d.*\[1,1,4,out\]/);
      expect(() => conv2dTranspose(zeros([1, 4, 4, 3]), zeros([3, 3, 3, 2]))).toThrow(/conv2dTranspose.*\[1,4,4,3\].*\[3,3,3,2\]/);
      expect(() => conv2dTranspose(zeros([1, 4, 4, 1]), zeros([3, 3, 1, 1]), { strides: 2, outputPadding: 2 })).toThrow(/conv2dTranspose.*outputPadding/);
      expect(() => conv2dTranspose(zeros([1, 4, 4, 1]), zeros([3, 3, 1, 1]), { strides: 2, padding: 'same', outputSize: [5, 8] })).toThrow(/conv2dTranspose.*output size \[5,8\]/);
      // 'same' with an even kernel and outputPadding 0 gives 2·in − 2, which a stride-2 conv maps to in − 1 (TensorFlow refuses it too)
      expect(() => conv2dTranspose(zeros([1, 3, 3, 1]), zeros([4, 4, 1, 1]), { strides: 2, padding: 'same', outputPadding: 0 })).toThrow(/conv2dTranspose.*output size \[4,4\]/);
    });
  });

  describe('gradients of depthwise, separable and transposed conv (autograd vs finite differences)', () => {
    useBackend(target);
    for (const c of CONV_EXTRA_GRADIENTS) it(c.name, () => checkGradients(c));
  });
}

export const CONV_EXTRA_GRADIENTS: GradCase[] = [
  { name: 'depthwiseConv2d valid, multiplier 2', cls: 'linear', inputs: [{ shape: [1, 4, 4, 2] }, { shape: [2, 2, 2, 2] }], f: (x, w) => depthwiseConv2d(x, w) },
  { name: 'depthwiseConv2d same, stride 2', cls: 'linear', inputs: [{ shape: [2, 5, 4, 2] }, { shape: [3, 3, 2, 1] }], f: (x, w) => depthwiseConv2d(x, w, { strides: 2, padding: 'same' }) },
  { name: 'depthwiseConv2d valid, dilation 2', cls: 'linear', inputs: [{ shape: [1, 5, 5, 1] }, { shape: [2, 2, 1, 2] }], f: (x, w) => depthwiseConv2d(x, w, { dilations: 2 }) },
  {
    name: 'separableConv2d same',
    cls: 'linear',
    inputs: [{ shape: [1, 4, 3, 2] }, { shape: [2, 2, 2, 1] }, { shape: [1, 1, 2, 3] }],
    f: (x, d, p) => separableConv2d(x, d, p, { padding: 'same' }),
  },
  { name: 'conv2dTranspose valid, stride 1', cls: 'linear', inputs: [{ shape: [1, 3, 3, 2] }, { shape: [2, 2, 3, 2] }], f: (x, w) => conv2dTranspose(x, w) },
  { name: 'conv2dTranspose same, stride 2', cls: 'linear', inputs: [{ shape: [2, 2, 3, 1] }, { shape: [3, 3, 2, 1] }], f: (x, w) => conv2dTranspose(x, w, { strides: 2, padding: 'same' }) },
  {
    name: 'conv2dTranspose valid, strides [2,1], outputPadding [1,0]',
    cls: 'linear',
    inputs: [{ shape: [1, 3, 2, 2] }, { shape: [2, 3, 1, 2] }],
    f: (x, w) => conv2dTranspose(x, w, { strides: [2, 1], outputPadding: [1, 0] }),
  },
  { name: 'conv2dTranspose same, dilation 2', cls: 'linear', inputs: [{ shape: [1, 4, 3, 1] }, { shape: [2, 2, 2, 1] }], f: (x, w) => conv2dTranspose(x, w, { dilations: 2, padding: 'same' }) },
];
