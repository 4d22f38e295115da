import { grad } from '@nabla/autograd';
import { adamUpdate, lstmCell, maxPool2d, maxPool2dGrad, mul, relu, reluGrad, sum, tensor, transpose, type Tensor } from '@nabla/tensor';
import { describe, expect, it } from 'vitest';
import { expectTensor, noLeak, randomValues, useBackend, type ConformanceTarget } from './harness.js';
import { f32, loose, samePad, windowGeometry } from './reference.js';
import { call } from './util.js';

const sig = (x: number) => 1 / (1 + Math.exp(-x));

/**
 * Ops that a backend may run as one fused kernel (Backend.fused) or compose from its closed
 * kernel set: either way they must match a float64 reference of the formula.
 */
export function fusedSuite(target: ConformanceTarget): void {
  describe('fused ops (adamUpdate, lstmCell)', () => {
    const { tol } = useBackend(target);
    // ~12 roundings in the composed form
    const tol12 = loose(tol, 4);

    const step = { alpha: 2e-3, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 };
    function refAdam(w: number[], g: number[], m: number[], v: number[], h: number[] | null) {
      const m1 = m.map((x, i) => x + (g[i]! - x) * (1 - step.beta1));
      const v1 = v.map((x, i) => x + (g[i]! ** 2 - x) * (1 - step.beta2));
      const h1 = h ? h.map((x, i) => Math.max(x, v1[i]!)) : null;
      const w1 = w.map((x, i) => x - (m1[i]! * step.alpha) / (Math.sqrt((h1 ?? v1)[i]!) + step.epsilon));
      return { w1, m1, v1, h1 };
    }

    for (const amsgrad of [false, true]) {
      for (const donate of [false, true]) {
        it(`adamUpdate against float64${amsgrad ? ', AMSGrad' : ''}${donate ? ', donated' : ''}, transposed views`, async () => {
          const n = 6 * 5;
          const [w, g, m] = [1, 2, 3].map((s) => f32(Array.from(randomValues(n, s))));
          const [v, h] = [4, 5].map((s) => f32(Array.from(randomValues(n, s, 0, 0.05))));
          const ref = refAdam(w!, g!, m!, v!, amsgrad ? h! : null);
          // inputs as transposed views of [5, 6] buffers: values in the [6, 5] order of the reference
          const T = (a: number[]) => transpose(tensor(Array.from({ length: n }, (_, i) => a[(i % 6) * 5 + Math.floor(i / 6)]!), [5, 6]));
          const ins = [w, g, m, v, h].map((a) => T(a!)) as Tensor[];
          const r = noLeak(() => {
            const o = adamUpdate(ins[0]!, ins[1]!, ins[2]!, ins[3]!, amsgrad ? ins[4]! : null, step, { donate });
            return [o.w, o.m, o.v, ...(o.vHat ? [o.vHat] : [])];
          });
          await expectTensor(r[0]!, [6, 5], ref.w1, tol12);
          await expectTensor(r[1]!, [6, 5], ref.m1, tol12);
          await expectTensor(r[2]!, [6, 5], ref.v1, tol12);
          if (amsgrad) await expectTensor(r[3]!, [6, 5], ref.h1!, tol12);
          // views are never exclusive owners of whole buffers: nothing may be written in place
          await expectTensor(ins[0]!, [6, 5], w!, tol);
        });
      }
    }

    it('adamUpdate names the op and the shapes on bad input', () => {
      const a = tensor([1, 2, 3]);
      const b = tensor([[1, 2, 3]]);
      expect(() => adamUpdate(a, b, a, a, null, step)).toThrow(/adamUpdate: .*\[3\] float32, \[1,3\] float32/);
    });

    it('lstmCell against float64 (Keras gate order i, f, c, o)', async () => {
      const [b, u] = [3, 4];
      const z = f32(Array.from(randomValues(b * 4 * u, 7, -3, 3)));
      const c = f32(Array.from(randomValues(b * u, 8, -2, 2)));
      const h1: number[] = [];
      const c1: number[] = [];
      for (let r = 0; r < b; r++) {
        for (let j = 0; j < u; j++) {
          const zz = (k: number) => z[r * 4 * u + k * u + j]!;
          const cn = sig(zz(1)) * c[r * u + j]! + sig(zz(0)) * Math.tanh(zz(2));
          c1.push(cn);
          h1.push(sig(zz(3)) * Math.tanh(cn));
        }
      }
      const [h, cNew] = call(lstmCell, tensor(z, [b, 4 * u]), tensor(c, [b, u]));
      await expectTensor(h, [b, u], h1, loose(tol, 4));
      await expectTensor(cNew, [b, u], c1, loose(tol, 4));
    });

    it('lstmCell names the op and the shapes on bad input', () => {
      expect(() => lstmCell(tensor([[1, 2, 3, 4, 5, 6, 7, 8]]), tensor([[1, 2, 3]]))).toThrow(/lstmCell: expected z \[B, 4u\], c \[B, u\].*\[1,8\] float32, \[1,3\] float32/);
    });
  });

  describe('fused ops (maxPool2d and its gradient, reluGrad)', () => {
    const { tol } = useBackend(target);

    /**
     * float64 gradient of max pooling: each window's dy split evenly between the cells equal to
     * its max, padding cells counting as -Infinity; a window holding a NaN sends nothing.
     */
    function refMaxPoolGrad(
      x: ArrayLike<number>, shape: readonly number[], k: [number, number], s: [number, number], padding: 'valid' | 'same', dy: ArrayLike<number>,
    ): number[] {
      const [n, h, w, c] = shape as [number, number, number, number];
      const { oh, ow, top, left } = windowGeometry(h, w, k[0], k[1], { strides: s, dilations: [1, 1], padding });
      const out = new Array<number>(n * h * w * c).fill(0);
      for (let b = 0; b < n; b++) {
        for (let i = 0; i < oh; i++) {
          for (let j = 0; j < ow; j++) {
            for (let ch = 0; ch < c; ch++) {
              const cells: number[] = [];
              let padCells = 0;
              for (let p = 0; p < k[0]; p++) {
                for (let q = 0; q < k[1]; q++) {
                  const y = i * s[0] + p - top;
                  const xx = j * s[1] + q - left;
                  if (y >= 0 && y < h && xx >= 0 && xx < w) cells.push(((b * h + y) * w + xx) * c + ch);
                  else padCells++;
                }
              }
              const vals = cells.map((at) => x[at]!);
              if (vals.some((v) => Number.isNaN(v))) continue;
              const m = Math.max(-Infinity, ...vals);
              const winners = cells.filter((at) => x[at] === m);
              const share = dy[((b * oh + i) * ow + j) * c + ch]! / (winners.length + (m === -Infinity ? padCells : 0));
              for (const at of winners) out[at]! += share;
            }
          }
        }
      }
      return out;
    }

    const configs: { k: [number, number]; s: [number, number]; p: 'valid' | 'same' }[] = [
      { k: [2, 2], s: [2, 2], p: 'valid' },
      { k: [2, 2], s: [2, 2], p: 'same' },
      { k: [3, 3], s: [2, 2], p: 'same' },
      { k: [3, 3], s: [1, 1], p: 'same' },
      { k: [2, 3], s: [1, 2], p: 'valid' },
    ];
    for (const { k, s, p } of configs) {
      it(`maxPool2d gradient against float64, ties split evenly: ${k.join('x')}, strides ${s.join('x')}, ${p}, transposed input`, async () => {
        const shape = [2, 5, 7, 3];
        // few distinct values, so most windows hold ties
        const xv = Array.from(randomValues(2 * 5 * 7 * 3, 11, 0, 3), (v) => Math.floor(v));
        // x as the [0, 2, 1, 3] transpose of a [2, 7, 5, 3] buffer (a strided view)
        const raw = Array.from({ length: xv.length }, (_, i) => {
          const [b, ww, hh, ch] = [Math.floor(i / 105), Math.floor(i / 15) % 7, Math.floor(i / 3) % 5, i % 3];
          return xv[((b * 5 + hh) * 7 + ww) * 3 + ch]!;
        });
        const x = transpose(tensor(raw, [2, 7, 5, 3]), [0, 2, 1, 3]);
        const { oh, ow } = windowGeometry(5, 7, k[0], k[1], { strides: s, dilations: [1, 1], padding: p });
        const dyv = f32(Array.from(randomValues(2 * oh * ow * 3, 12, -2, 2)));
        const ref = refMaxPoolGrad(xv, shape, k, s, p, dyv);
        const dy = tensor(dyv, [2, oh, ow, 3]);
        const opts = { poolSize: k, strides: s, padding: p } as const;
        const [gx] = noLeak(() => [grad((u: Tensor) => sum(mul(maxPool2d(u, opts), dy)))(x)]);
        await expectTensor(gx!, shape, ref, tol);
        const pads: [[number, number], [number, number]] = p === 'same' ? [samePad(5, k[0], s[0], 1), samePad(7, k[1], s[1], 1)] : [[0, 0], [0, 0]];
        await expectTensor(call(maxPool2dGrad, x, dy, { kernel: k, strides: s, pads }), shape, ref, tol);
      });
    }

    it('maxPool2d 2x2 and its gradient on channels in fours with odd height and width (every cell written or zero)', async () => {
      for (const shape of [[2, 5, 7, 4], [1, 9, 8, 8], [3, 8, 9, 4]] as const) {
        const [n, h, w, c] = shape;
        const size = n * h * w * c;
        const xv = Array.from(randomValues(size, 13 + h, 0, 5), (v) => Math.floor(v));
        const [oh, ow] = [Math.floor(h / 2), Math.floor(w / 2)];
        const dyv = f32(Array.from(randomValues(n * oh * ow * c, 14 + w, -2, 2)));
        const ref = refMaxPoolGrad(xv, shape, [2, 2], [2, 2], 'valid', dyv);
        const x = tensor(xv, [...shape]);
        const dy = tensor(dyv, [n, oh, ow, c]);
        await expectTensor(call(maxPool2dGrad, x, dy, { kernel: [2, 2], strides: [2, 2], pads: [[0, 0], [0, 0]] }), [...shape], ref, tol);
        const [gx] = noLeak(() => [grad((u: Tensor) => sum(mul(maxPool2d(u, { poolSize: 2 }), dy)))(x)]);
        await expectTensor(gx!, [...shape], ref, tol);
      }
    });

    it('maxPool2d gradient: padding ties an all -Infinity window, a NaN window sends nothing', async () => {
      // 2x2 windows, stride 2, 'same' on 3x3 (padding after): windows {3,3,1,2}, {-Inf,-Inf}+2 pad,
      // {NaN,0}, {-Inf}+3 pad
      const x = tensor([3, 3, -Infinity, 1, 2, -Infinity, NaN, 0, -Infinity], [1, 3, 3, 1]);
      const dy = tensor([4, 8, 12, 16], [1, 2, 2, 1]);
      await expectTensor(call(maxPool2d, x, { poolSize: 2, padding: 'same' }), [1, 2, 2, 1], [3, -Infinity, NaN, -Infinity], tol);
      const [gx] = noLeak(() => [grad((u: Tensor) => sum(mul(maxPool2d(u, { poolSize: 2, padding: 'same' }), dy)))(x)]);
      await expectTensor(gx!, [1, 3, 3, 1], [2, 2, 2, 0, 0, 2, 0, 0, 4], tol);
    });

    it('maxPool2dGrad names the op and the shapes on a bad dy', () => {
      const pool = { kernel: [2, 2], strides: [2, 2], pads: [[0, 0], [0, 0]] } as const;
      expect(() => maxPool2dGrad(tensor(new Float32Array(16), [1, 4, 4, 1]), tensor(new Float32Array(9), [1, 3, 3, 1]), pool))
        .toThrow(/maxPool2dGrad: dy must be \[N, OH, OW, C\] = \[1,2,2,1\] for x \[1,4,4,1\].*got \[1,3,3,1\]/);
    });

    it('reluGrad (and relu through grad): dy where x > 0, else 0; NaN x gives 0; strided views', async () => {
      const xv = [-2, -0, 0, 1e-30, 3, NaN, -Infinity, Infinity, 0.5, -0.5, 2, -1];
      const dv = [1, 2, 3, 4, 5, 6, 7, 8, -9, 10, -11, 12];
      const ref = xv.map((v, i) => (v > 0 ? dv[i]! : 0));
      await expectTensor(call(reluGrad, tensor(xv, [3, 4]), tensor(dv, [3, 4])), [3, 4], ref, tol);
      // the same values as transposed views of [4, 3] buffers
      const T = (a: number[]) => transpose(tensor(Array.from({ length: 12 }, (_, i) => a[(i % 3) * 4 + Math.floor(i / 3)]!), [4, 3]));
      await expectTensor(call(reluGrad, T(xv), T(dv)), [3, 4], ref, tol);
      const dy = tensor(dv, [3, 4]);
      const x = tensor(xv, [3, 4]);
      const [gx] = noLeak(() => [grad((u: Tensor) => sum(mul(relu(u), dy)))(x)]);
      await expectTensor(gx!, [3, 4], ref, tol);
    });

    it('reluGrad names the op and the shapes on bad input', () => {
      expect(() => reluGrad(tensor([1, 2, 3]), tensor([[1, 2, 3]]))).toThrow(/reluGrad: x and dy must be float32 of one shape; got \[3\] float32, \[1,3\] float32/);
    });
  });
}

