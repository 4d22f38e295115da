import { avgPool2d, conv1d, conv2d, maxPool2d, tensor, transpose, zeros, type Padding } from '@nabla/tensor';
import { describe, expect, it } from 'vitest';
import { expectTensor, randomValues, useBackend, type ConformanceTarget } from './harness.js';
import { fsum, loose, prodOf, refConv2d, refPool2d, refTranspose } from './reference.js';
import { call } from './util.js';

interface ConvCase {
  name: string;
  x: [number, number, number, number];
  f: [number, number, number, number];
  strides: [number, number];
  dilations: [number, number];
  padding: Padding;
}

const CONV_CASES: ConvCase[] = [
  { name: '3x3 valid', x: [1, 5, 5, 1], f: [3, 3, 1, 1], strides: [1, 1], dilations: [1, 1], padding: 'valid' },
  { name: '3x3 same', x: [1, 5, 5, 1], f: [3, 3, 1, 1], strides: [1, 1], dilations: [1, 1], padding: 'same' },
  { name: 'multi-channel valid', x: [1, 6, 7, 3], f: [3, 2, 3, 4], strides: [1, 1], dilations: [1, 1], padding: 'valid' },
  { name: 'multi-channel same', x: [1, 6, 7, 3], f: [3, 2, 3, 4], strides: [1, 1], dilations: [1, 1], padding: 'same' },
  { name: 'strides 2 valid', x: [1, 8, 9, 2], f: [3, 3, 2, 3], strides: [2, 2], dilations: [1, 1], padding: 'valid' },
  { name: 'strides 2 same (odd input)', x: [1, 9, 7, 2], f: [3, 3, 2, 3], strides: [2, 2], dilations: [1, 1], padding: 'same' },
  { name: 'strides 2 same, even kernel', x: [1, 8, 8, 1], f: [4, 2, 1, 2], strides: [2, 2], dilations: [1, 1], padding: 'same' },
  { name: 'dilations 2 valid', x: [1, 9, 9, 2], f: [3, 3, 2, 2], strides: [1, 1], dilations: [2, 2], padding: 'valid' },
  { name: 'dilations 2 same', x: [1, 7, 8, 2], f: [3, 3, 2, 2], strides: [1, 1], dilations: [2, 2], padding: 'same' },
  { name: 'batch 2, odd sizes', x: [2, 11, 13, 3], f: [5, 3, 3, 5], strides: [1, 2], dilations: [1, 1], padding: 'same' },
  { name: '1x1 kernel', x: [2, 4, 5, 6], f: [1, 1, 6, 3], strides: [1, 1], dilations: [1, 1], padding: 'valid' },
  { name: '1x1 kernel, strides 2', x: [1, 5, 5, 2], f: [1, 1, 2, 2], strides: [2, 2], dilations: [1, 1], padding: 'same' },
  { name: 'mixed strides and dilations', x: [1, 10, 9, 2], f: [2, 3, 2, 2], strides: [3, 1], dilations: [2, 3], padding: 'same' },
  { name: 'kernel covers the input', x: [1, 3, 3, 2], f: [3, 3, 2, 1], strides: [1, 1], dilations: [1, 1], padding: 'valid' },
];

export function convSuite(target: ConformanceTarget): void {
  describe('conv', () => {
    const { tol } = useBackend(target);

    for (const c of CONV_CASES) {
      it(`conv2d ${c.name} against a float64 loop`, async () => {
        const xv = randomValues(prodOf(c.x), 100 + c.x[1]);
        const fv = randomValues(prodOf(c.f), 200 + c.f[0]);
        const ref = refConv2d(xv, c.x, fv, c.f, { strides: c.strides, dilations: c.dilations, padding: c.padding });
        const y = call(conv2d, tensor(xv, c.x), tensor(fv, c.f), { strides: c.strides, dilations: c.dilations, padding: c.padding });
        await expectTensor(y, ref.shape, ref.values, loose(tol, Math.sqrt(c.f[0] * c.f[1] * c.f[2])));
      });
    }

    it('conv2d on NCHW data transposed to NHWC (a strided view) and scalar strides', async () => {
      const nchw = [2, 3, 6, 5];
      const xv = randomValues(prodOf(nchw), 300);
      const nhwc = refTranspose(xv, nchw, [0, 2, 3, 1]);
      const fv = randomValues(3 * 3 * 3 * 4, 301);
      const ref = refConv2d(nhwc, [2, 6, 5, 3], fv, [3, 3, 3, 4], { strides: [2, 2], dilations: [1, 1], padding: 'same' });
      const x = transpose(tensor(xv, nchw), [0, 2, 3, 1]);
      await expectTensor(call(conv2d, x, tensor(fv, [3, 3, 3, 4]), { strides: 2, padding: 'same' }), ref.shape, ref.values, loose(tol, 6));
    });

    it('conv2d by hand: a 2x2 box filter', async () => {
      const x = tensor([1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 3, 3, 1]);
      const f = tensor([1, 1, 1, 1], [2, 2, 1, 1]);
      await expectTensor(call(conv2d, x, f), [1, 2, 2, 1], [12, 16, 24, 28], tol);
      // 'same' pads one row/column after (TensorFlow puts the odd pixel at the end)
      await expectTensor(call(conv2d, x, f, { padding: 'same' }), [1, 3, 3, 1], [12, 16, 9, 24, 28, 15, 15, 17, 9], tol);
    });

    it('conv1d against a float64 loop', async () => {
      const cases: { x: [number, number, number]; f: [number, number, number]; stride: number; dilation: number; padding: Padding }[] = [
        { x: [2, 11, 3], f: [3, 3, 4], stride: 1, dilation: 1, padding: 'valid' },
        { x: [1, 10, 2], f: [4, 2, 3], stride: 2, dilation: 1, padding: 'same' },
        { x: [2, 9, 1], f: [3, 1, 2], stride: 1, dilation: 2, padding: 'same' },
      ];
      let seed = 400;
      for (const c of cases) {
        const xv = randomValues(prodOf(c.x), seed++);
        const fv = randomValues(prodOf(c.f), seed++);
        const ref = refConv2d(xv, [c.x[0], 1, c.x[1], c.x[2]], fv, [1, ...c.f], {
          strides: [1, c.stride], dilations: [1, c.dilation], padding: c.padding,
        });
        const y = call(conv1d, tensor(xv, c.x), tensor(fv, c.f), { stride: c.stride, dilation: c.dilation, padding: c.padding });
        await expectTensor(y, [ref.shape[0]!, ref.shape[2]!, ref.shape[3]!], ref.values, loose(tol, 4));
      }
      await expectTensor(call(conv1d, tensor([1, 2, 3, 4], [1, 4, 1]), tensor([1, -1], [2, 1, 1])), [1, 3, 1], [-1, -1, -1], tol);
    });

    it('maxPool2d valid and same against a loop', async () => {
      const shape = [2, 7, 6, 3];
      const xv = randomValues(prodOf(shape), 500);
      const fold = (v: number[]): number => Math.max(...v);
      for (const [k, s, p] of [[[2, 2], [2, 2], 'valid'], [[3, 3], [2, 2], 'same'], [[3, 2], [1, 2], 'valid'], [[2, 2], [2, 2], 'same']] as const) {
        const ref = refPool2d(xv, shape, [k[0], k[1]], [s[0], s[1]], p, fold);
        await expectTensor(call(maxPool2d, tensor(xv, shape), { poolSize: [k[0], k[1]], strides: [s[0], s[1]], padding: p }), ref.shape, ref.values, tol);
      }
    });

    it('maxPool2d: padding never wins, default strides equal the pool size', async () => {
      const x = tensor([-1, -2, -3, -4, -5, -6, -7, -8, -9], [1, 3, 3, 1]);
      await expectTensor(call(maxPool2d, x, { poolSize: 2, padding: 'same' }), [1, 2, 2, 1], [-1, -3, -7, -9], tol);
      await expectTensor(call(maxPool2d, x, { poolSize: 2 }), [1, 1, 1, 1], [-1], tol);
      await expectTensor(call(maxPool2d, x), [1, 1, 1, 1], [-1], tol);
      await expectTensor(call(maxPool2d, tensor([1, NaN, 3, 4], [1, 2, 2, 1])), [1, 1, 1, 1], [NaN], tol);
    });

    it('avgPool2d valid and same against a loop (same excludes padding)', async () => {
      const shape = [2, 7, 6, 3];
      const xv = randomValues(prodOf(shape), 600);
      const fold = (v: number[]): number => fsum(v) / v.length;
      for (const [k, s, p] of [[[2, 2], [2, 2], 'valid'], [[3, 3], [2, 2], 'same'], [[3, 2], [1, 2], 'valid'], [[2, 3], [1, 1], 'same']] as const) {
        const ref = refPool2d(xv, shape, [k[0], k[1]], [s[0], s[1]], p, fold);
        await expectTensor(call(avgPool2d, tensor(xv, shape), { poolSize: [k[0], k[1]], strides: [s[0], s[1]], padding: p }), ref.shape, ref.values, tol);
      }
    });

    it('avgPool2d same on 3x3, pool 2, stride 2: corner windows average 4, 2, 2 and 1 cells', async () => {
      const x = tensor([1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 3, 3, 1]);
      await expectTensor(call(avgPool2d, x, { poolSize: 2, strides: 2, padding: 'same' }), [1, 2, 2, 1], [3, 4.5, 7.5, 9], tol);
      await expectTensor(call(avgPool2d, x, { poolSize: 2, strides: 1 }), [1, 2, 2, 1], [3, 4, 6, 7], tol);
      // on a transposed (strided) input
      const t = transpose(tensor([1, 4, 7, 2, 5, 8, 3, 6, 9], [1, 3, 3, 1]), [0, 2, 1, 3]);
      await expectTensor(call(avgPool2d, t, { poolSize: 2, strides: 2, padding: 'same' }), [1, 2, 2, 1], [3, 4.5, 7.5, 9], tol);
      await expectTensor(call(maxPool2d, t, { poolSize: 2, strides: 2, padding: 'same' }), [1, 2, 2, 1], [5, 6, 8, 9], tol);
    });

    it('errors: channel mismatch names conv2d and both shapes, ranks, window too large, bad options', () => {
      let msg = '';
      try {
        conv2d(zeros([1, 5, 5, 3]), zeros([3, 3, 2, 4]));
      } catch (e) {
        msg = (e as Error).message;
      }
      expect(msg).toContain('conv2d');
      expect(msg).toContain('[1,5,5,3]');
      expect(msg).toContain('[3,3,2,4]');
      expect(() => conv2d(zeros([5, 5, 3]), zeros([3, 3, 3, 1]))).toThrow(/conv2d.*rank 4/);
      expect(() => conv2d(zeros([1, 5, 5, 3]), zeros([3, 3, 3]))).toThrow(/conv2d/);
      expect(() => conv2d(zeros([1, 2, 2, 1]), zeros([3, 3, 1, 1]))).toThrow(/conv2d/);
      expect(() => conv2d(zeros([1, 5, 5, 1]), zeros([3, 3, 1, 1]), { strides: 0 })).toThrow(/conv2d.*strides/);
      expect(() => conv2d(zeros([1, 5, 5, 1]), zeros([3, 3, 1, 1]), { padding: 'full' as Padding })).toThrow(/conv2d.*padding/);
      expect(() => conv1d(zeros([1, 5]), zeros([3, 1, 1]))).toThrow(/conv1d/);
      expect(() => maxPool2d(zeros([5, 5, 1]))).toThrow(/maxPool2d/);
      expect(() => avgPool2d(zeros([1, 1, 1, 1]), { poolSize: 2 })).toThrow(/avgPool2d/);
    });
  });
}
