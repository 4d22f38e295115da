import { adamUpdate, lstmCell, tensor, transpose, type Tensor } from '@nabla/tensor';
import { describe, expect, it } from 'vitest';
import { expectTensor, noLeak, randomValues, useBackend, type ConformanceTarget } from './harness.js';
import { f32, loose } from './reference.js';
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
}
