import {
  add, arange, exp, eye, fill, getBackend, keep, linspace, matmul, memory, mul, ones, onesLike, randomNormal, randomUniform,
  reshape, scalar, sum, tensor, tidy, truncatedNormal, zeros, zerosLike, type Tensor,
} from '@nabla/tensor';
import { describe, expect, it } from 'vitest';
import { expectTensor, noLeak, useBackend, type ConformanceTarget } from './harness.js';
import { erf64, meanStd } from './reference.js';

export function creationSuite(target: ConformanceTarget): void {
  describe('creation', () => {
    const { tol } = useBackend(target);

    it('tensor() infers shape and float32 from nested numbers', async () => {
      await expectTensor(noLeak(() => tensor([[1, 2, 3], [4, 5, 6]])), [2, 3], [1, 2, 3, 4, 5, 6], tol);
      await expectTensor(noLeak(() => tensor([[[1], [2]], [[3], [4]]])), [2, 2, 1], [1, 2, 3, 4], tol);
      await expectTensor(noLeak(() => tensor([1.5, -2.25])), [2], [1.5, -2.25], tol);
      await expectTensor(noLeak(() => tensor(7)), [], [7], tol);
    });

    it('tensor() from TypedArrays keeps their dtype', async () => {
      await expectTensor(tensor(new Float32Array([1, 2, 3, 4]), [2, 2]), [2, 2], [1, 2, 3, 4], tol);
      await expectTensor(tensor(new Int32Array([1, -2, 3])), [3], [1, -2, 3], tol, 'int32');
      await expectTensor(tensor(new Uint8Array([1, 0, 1])), [3], [1, 0, 1], tol, 'bool');
      expect((await tensor(new Int32Array([5])).data()) instanceof Int32Array).toBe(true);
      expect((await tensor(new Float32Array([5])).data()) instanceof Float32Array).toBe(true);
      expect((await tensor([true]).data()) instanceof Uint8Array).toBe(true);
    });

    it('tensor() copies its input array', async () => {
      const src = new Float32Array([1, 2, 3]);
      const t = tensor(src);
      src[0] = 100;
      await expectTensor(t, [3], [1, 2, 3], tol);
    });

    it('tensor() from booleans is bool', async () => {
      const t = noLeak(() => tensor([[true, false], [false, true]]));
      await expectTensor(t, [2, 2], [1, 0, 0, 1], tol, 'bool');
      expect(await t.array()).toEqual([[true, false], [false, true]]);
    });

    it('tensor() with explicit shape and dtype', async () => {
      await expectTensor(tensor([1, 2, 3, 4, 5, 6], [3, 2]), [3, 2], [1, 2, 3, 4, 5, 6], tol);
      await expectTensor(tensor([1.7, -1.7, 2], undefined, 'int32'), [3], [1, -1, 2], tol, 'int32');
      await expectTensor(tensor([0, 2, -1, NaN, -0], [5], 'bool'), [5], [0, 1, 1, 1, 0], tol, 'bool');
      await expectTensor(tensor(new Float32Array([NaN, 0.5, 0]), [3], 'bool'), [3], [1, 1, 0], tol, 'bool');
      await expectTensor(fill([2], NaN, 'bool'), [2], [1, 1], tol, 'bool');
      await expectTensor(tensor(new Int32Array([1, 2]), [2], 'float32'), [2], [1, 2], tol);
      await expectTensor(tensor([true, false], [2], 'float32'), [2], [1, 0], tol);
      await expectTensor(tensor(5, [1, 1]), [1, 1], [5], tol);
    });

    it('tensor() of empty arrays', async () => {
      await expectTensor(tensor([]), [0], [], tol);
      await expectTensor(tensor([[], []]), [2, 0], [], tol);
      await expectTensor(tensor([], [3, 0], 'int32'), [3, 0], [], tol, 'int32');
    });

    it('tensor() rejects ragged arrays and size mismatches', () => {
      expect(() => tensor([[1, 2], [3]])).toThrow(/ragged/);
      expect(() => tensor([[1, 2], 3] as never)).toThrow(/ragged/);
      expect(() => tensor([1, [2]] as never)).toThrow(/ragged/);
      expect(() => tensor([1, 2, 3], [2, 2])).toThrow(/3 values.*\[2,2\]/);
      expect(() => tensor(new Float32Array(3), [2, 2])).toThrow(/\[2,2\]/);
      expect(() => tensor([1, 2], [-1, 2])).toThrow(RangeError);
      expect(() => tensor([1], [1], 'float64' as never)).toThrow(/dtype/);
    });

    it('scalar()', async () => {
      await expectTensor(noLeak(() => scalar(3.5)), [], [3.5], tol);
      await expectTensor(scalar(7, 'int32'), [], [7], tol, 'int32');
      await expectTensor(scalar(true), [], [1], tol, 'bool');
      expect(await scalar(-2).array()).toBe(-2);
      expect(await scalar(false).array()).toBe(false);
    });

    it('zeros, ones, fill', async () => {
      await expectTensor(noLeak(() => zeros([2, 3])), [2, 3], [0, 0, 0, 0, 0, 0], tol);
      await expectTensor(noLeak(() => ones([3], 'int32')), [3], [1, 1, 1], tol, 'int32');
      await expectTensor(ones([2], 'bool'), [2], [1, 1], tol, 'bool');
      await expectTensor(zeros([]), [], [0], tol);
      await expectTensor(zeros([2, 0]), [2, 0], [], tol);
      await expectTensor(noLeak(() => fill([2, 2], 7, 'int32')), [2, 2], [7, 7, 7, 7], tol, 'int32');
      await expectTensor(fill([3], -0.5), [3], [-0.5, -0.5, -0.5], tol);
      await expectTensor(fill([2], true), [2], [1, 1], tol, 'bool');
      await expectTensor(fill([2], NaN), [2], [NaN, NaN], tol);
      await expectTensor(fill([1], -Infinity), [1], [-Infinity], tol);
      expect(() => zeros([2, 1.5])).toThrow(RangeError);
    });

    it('zerosLike and onesLike keep shape and dtype', async () => {
      const i = tensor(new Int32Array([4, 5, 6, 7, 8, 9]), [3, 2]);
      await expectTensor(noLeak(() => zerosLike(i)), [3, 2], [0, 0, 0, 0, 0, 0], tol, 'int32');
      await expectTensor(noLeak(() => onesLike(i)), [3, 2], [1, 1, 1, 1, 1, 1], tol, 'int32');
      await expectTensor(onesLike(tensor([[1.5], [2.5]])), [2, 1], [1, 1], tol);
      await expectTensor(zerosLike(tensor([true, true])), [2], [0, 0], tol, 'bool');
    });

    it('arange with 1, 2 and 3 arguments (int32)', async () => {
      await expectTensor(noLeak(() => arange(5)), [5], [0, 1, 2, 3, 4], tol, 'int32');
      await expectTensor(arange(2, 7), [5], [2, 3, 4, 5, 6], tol, 'int32');
      await expectTensor(arange(1, 10, 3), [3], [1, 4, 7], tol, 'int32');
      await expectTensor(arange(-3, 3, 2), [3], [-3, -1, 1], tol, 'int32');
    });

    it('arange with float arguments, negative steps and empty ranges', async () => {
      await expectTensor(arange(0, 1, 0.25), [4], [0, 0.25, 0.5, 0.75], tol);
      await expectTensor(arange(0.5, 3), [3], [0.5, 1.5, 2.5], tol);
      await expectTensor(arange(1, 0, -0.3), [4], [1, 0.7, 0.4, 0.1], tol);
      await expectTensor(arange(5, 0, -2), [3], [5, 3, 1], tol, 'int32');
      await expectTensor(arange(3, 3), [0], [], tol, 'int32');
      await expectTensor(arange(5, 0), [0], [], tol, 'int32');
      await expectTensor(arange(0, 3, 1, 'float32'), [3], [0, 1, 2], tol);
      expect(() => arange(0, 3, 0)).toThrow(/arange/);
    });

    it('linspace', async () => {
      await expectTensor(noLeak(() => linspace(0, 1, 5)), [5], [0, 0.25, 0.5, 0.75, 1], tol);
      await expectTensor(linspace(2, -1, 4), [4], [2, 1, 0, -1], tol);
      await expectTensor(linspace(3, 9, 1), [1], [3], tol);
      await expectTensor(linspace(0, 1, 0), [0], [], tol);
      // the last point is exactly `stop`
      expect((await linspace(0, 0.7, 7).data())[6]).toBe(Math.fround(0.7));
    });

    it('eye, square and rectangular', async () => {
      await expectTensor(noLeak(() => eye(3)), [3, 3], [1, 0, 0, 0, 1, 0, 0, 0, 1], tol);
      await expectTensor(eye(2, 3), [2, 3], [1, 0, 0, 0, 1, 0], tol);
      await expectTensor(eye(3, 2, 'int32'), [3, 2], [1, 0, 0, 1, 0, 0], tol, 'int32');
    });

    it('random ops: the same seed gives the same values, different seeds differ', async () => {
      for (const make of [
        (seed: number) => randomUniform([64], { seed }),
        (seed: number) => randomNormal([64], { seed }),
        (seed: number) => truncatedNormal([64], { seed }),
        (seed: number) => randomUniform([64], { seed, minval: 0, maxval: 1000, dtype: 'int32' }),
      ]) {
        const a = Array.from(await noLeak(() => make(42)).data());
        const b = Array.from(await make(42).data());
        const c = Array.from(await make(43).data());
        expect(a).toEqual(b);
        expect(c).not.toEqual(a);
        expect(new Set(a).size).toBeGreaterThan(32);
      }
      // no seed: a fresh stream each call
      expect(Array.from(await randomUniform([16]).data())).not.toEqual(Array.from(await randomUniform([16]).data()));
    });

    it('randomUniform statistics and range', async () => {
      const n = 10000;
      const v = await randomUniform([100, 100], { seed: 1, minval: -2, maxval: 3 }).data();
      expect(v.length).toBe(n);
      for (const x of v) expect(x >= -2 && x < 3).toBe(true);
      const s = meanStd(v);
      const sd = 5 / Math.sqrt(12);
      expect(Math.abs(s.mean - 0.5)).toBeLessThan((5 * sd) / Math.sqrt(n));
      // the sample std of a uniform has standard error about sd·0.447/√n
      expect(Math.abs(s.std - sd)).toBeLessThan((5 * sd * 0.45) / Math.sqrt(n));
      const u = meanStd(await randomUniform([n], { seed: 2 }).data());
      expect(Math.abs(u.mean - 0.5)).toBeLessThan(5 / Math.sqrt(12 * n));
    });

    it('randomUniform int32 draws every integer of [minval, maxval)', async () => {
      const t = noLeak(() => randomUniform([10000], { seed: 3, minval: -3, maxval: 4, dtype: 'int32' }));
      expect(t.dtype).toBe('int32');
      const counts = new Map<number, number>();
      for (const x of await t.data()) counts.set(x, (counts.get(x) ?? 0) + 1);
      expect([...counts.keys()].sort((a, b) => a - b)).toEqual([-3, -2, -1, 0, 1, 2, 3]);
      // each about 10000/7 = 1429 (binomial sd ≈ 35)
      for (const c of counts.values()) expect(Math.abs(c - 10000 / 7)).toBeLessThan(200);
    });

    it('randomNormal statistics', async () => {
      const n = 10000;
      const t = noLeak(() => randomNormal([n], { seed: 5, mean: 2, stddev: 3 }));
      const s = meanStd(await t.data());
      expect(Math.abs(s.mean - 2)).toBeLessThan((5 * 3) / Math.sqrt(n));
      expect(Math.abs(s.std - 3)).toBeLessThan((5 * 3) / Math.sqrt(2 * n));
      const z = meanStd(await randomNormal([n], { seed: 6 }).data());
      expect(Math.abs(z.mean)).toBeLessThan(5 / Math.sqrt(n));
      expect(Math.abs(z.std - 1)).toBeLessThan(5 / Math.sqrt(2 * n));
    });

    it('truncatedNormal stays within 2σ with the truncated distribution statistics', async () => {
      const n = 10000;
      const v = await noLeak(() => truncatedNormal([n], { seed: 9, mean: 1, stddev: 2 })).data();
      for (const x of v) expect(Math.abs(x - 1)).toBeLessThanOrEqual(4 + 1e-5);
      // variance of a standard normal truncated to [-2, 2]: 1 - 2·2·φ(2)/(Φ(2) - Φ(-2))
      const phi2 = Math.exp(-2) / Math.sqrt(2 * Math.PI);
      const sdTrunc = Math.sqrt(1 - (4 * phi2) / erf64(Math.SQRT2));
      const s = meanStd(v);
      expect(Math.abs(s.mean - 1)).toBeLessThan((5 * 2 * sdTrunc) / Math.sqrt(n));
      expect(Math.abs(s.std - 2 * sdTrunc)).toBeLessThan((5 * 2 * sdTrunc) / Math.sqrt(2 * n));
      // a normal would put 4.6% outside 2σ: some values must come close to the bound
      expect(Math.max(...Array.from(v, (x) => Math.abs(x - 1)))).toBeGreaterThan(3.8);
    });

    it('data() and array() read values, nested by shape', async () => {
      const t = tensor([[1, 2, 3], [4, 5, 6]]);
      expect(await t.array()).toEqual([[1, 2, 3], [4, 5, 6]]);
      expect(Array.from(await t.data())).toEqual([1, 2, 3, 4, 5, 6]);
      expect(await tensor(new Int32Array([1, 2, 3, 4, 5, 6, 7, 8]), [2, 2, 2]).array()).toEqual([[[1, 2], [3, 4]], [[5, 6], [7, 8]]]);
      expect(await tensor([[true], [false]]).array()).toEqual([[true], [false]]);
      expect(await scalar(2.5).array()).toBe(2.5);
      expect(await zeros([2, 0]).array()).toEqual([[], []]);
      // data() returns a copy: writing to it does not change the tensor
      const d = await t.data();
      d[0] = 99;
      expect((await t.data())[0]).toBe(1);
    });

    it('dataSync and arraySync (or a clear error on asynchronous backends)', async () => {
      const t = tensor([[1, 2], [3, 4]]);
      if (getBackend().readSync) {
        expect(Array.from(t.dataSync())).toEqual([1, 2, 3, 4]);
        expect(t.arraySync()).toEqual([[1, 2], [3, 4]]);
        expect(Array.from(reshape(t, [4]).dataSync())).toEqual([1, 2, 3, 4]);
      } else {
        expect(() => t.dataSync()).toThrow(/dataSync.*data\(\)/);
      }
    });

    it('format() and toString() render like NumPy', async () => {
      const cases: [Tensor, string][] = [
        [tensor([[1, 2], [3, 4]]), 'tensor([[1., 2.],\n        [3., 4.]])'],
        [tensor(new Int32Array([1, -20, 300])), 'tensor([  1, -20, 300], dtype=int32)'],
        [
          tensor(new Int32Array([1, 2, 3, 4, 5, 6, 7, 8]), [2, 2, 2]),
          'tensor([[[1, 2],\n         [3, 4]],\n\n        [[5, 6],\n         [7, 8]]], dtype=int32)',
        ],
        [tensor([[true, false], [true, true]]), 'tensor([[ True, False],\n        [ True,  True]])'],
        [tensor([1, NaN, -Infinity]), 'tensor([  1.,  nan, -inf])'],
        [scalar(3), 'tensor(3.)'],
        [scalar(3, 'int32'), 'tensor(3, dtype=int32)'],
        [arange(2000), 'tensor([   0,    1,    2, ..., 1997, 1998, 1999], dtype=int32)'],
      ];
      for (const [t, text] of cases) {
        expect(await t.format()).toBe(text);
        if (getBackend().readSync) expect(t.toString()).toBe(text);
        else expect(t.toString()).toContain(`shape=[${t.shape.join(',')}]`);
      }
      const d = tensor([1, 2]);
      d.dispose();
      expect(d.toString()).toBe('tensor(<disposed>, shape=[2], dtype=float32)');
    });

    it('dispose frees the buffer; using a disposed tensor is an error naming the op', async () => {
      const x = tensor([1, 2, 3]);
      const before = memory();
      x.dispose();
      expect(x.isDisposed).toBe(true);
      expect(memory().numTensors).toBe(before.numTensors - 1);
      expect(memory().numBuffers).toBe(before.numBuffers - 1);
      expect(memory().numBytes).toBe(before.numBytes - 12);
      x.dispose(); // a second dispose is a no-op
      expect(memory().numTensors).toBe(before.numTensors - 1);
      expect(() => exp(x)).toThrow(/exp.*disposed/);
      expect(() => add(x, 1)).toThrow(/add.*disposed/);
      expect(() => add(tensor([1, 2, 3]), x)).toThrow(/add: input 1.*disposed/);
      expect(() => sum(x)).toThrow(/sum.*disposed/);
      expect(() => matmul(reshape(tensor([1, 2, 3]), [1, 3]), reshape(x, [3, 1]))).toThrow(/reshape.*disposed/);
      await expect(x.data()).rejects.toThrow(/disposed/);
      await expect(x.array()).rejects.toThrow(/disposed/);
    });

    it('a failing op leaks nothing', () => {
      const x = tensor([1, 2, 3]);
      const y = tensor([[1, 2, 3]]);
      const i = scalar(1, 'int32');
      y.dispose();
      const before = memory();
      expect(() => add(x, y)).toThrow(/disposed/);
      expect(() => add(i, y)).toThrow(/disposed/);
      expect(() => mul(y, 2)).toThrow(/disposed/);
      expect(memory()).toEqual(before);
    });

    it('using and Symbol.dispose free tensors at the end of a block', () => {
      const before = memory();
      let seen: Tensor | undefined;
      {
        using t = tensor([1, 2]);
        seen = t;
        expect(memory().numTensors).toBe(before.numTensors + 1);
      }
      expect(seen.isDisposed).toBe(true);
      expect(memory()).toEqual(before);
      const u = tensor([3]);
      u[Symbol.dispose]();
      expect(u.isDisposed).toBe(true);
      expect(memory()).toEqual(before);
    });

    it('tidy keeps what it returns and frees the intermediates', async () => {
      const x = tensor([1, 2]);
      const before = memory();
      let mid: Tensor | undefined;
      const y = tidy(() => {
        mid = mul(x, 2);
        return add(mid, 1);
      });
      expect(mid!.isDisposed).toBe(true);
      expect(x.isDisposed).toBe(false);
      expect(memory().numTensors).toBe(before.numTensors + 1);
      expect(memory().numBuffers).toBe(before.numBuffers + 1);
      await expectTensor(y, [2], [3, 5], tol);
    });

    it('tidy keeps a returned view alive with its storage', async () => {
      const before = memory();
      const y = tidy(() => reshape(mul(tensor([1, 2, 3, 4]), 3), [2, 2]));
      expect(memory().numTensors).toBe(before.numTensors + 1);
      expect(memory().numBuffers).toBe(before.numBuffers + 1);
      await expectTensor(y, [2, 2], [3, 6, 9, 12], tol);
    });

    it('nested tidy passes results outward and frees the rest', async () => {
      const before = memory();
      let inner: Tensor | undefined;
      let dropped: Tensor | undefined;
      const out = tidy(() => {
        inner = tidy(() => {
          dropped = tensor([5]);
          return tensor([1, 2]);
        });
        expect(dropped!.isDisposed).toBe(true);
        expect(inner.isDisposed).toBe(false);
        return mul(inner, 10);
      });
      expect(inner!.isDisposed).toBe(true);
      expect(memory().numTensors).toBe(before.numTensors + 1);
      await expectTensor(out, [2], [10, 20], tol);
    });

    it('tidy returns arrays and objects of tensors, and plain values', async () => {
      const before = memory();
      const r = tidy(() => {
        const a = tensor([1]);
        const b = tensor([2]);
        tensor([3]);
        return { list: [a, { b }], n: 4 };
      });
      expect(r.n).toBe(4);
      expect(memory().numTensors).toBe(before.numTensors + 2);
      await expectTensor(r.list[0] as Tensor, [1], [1], tol);
      await expectTensor((r.list[1] as { b: Tensor }).b, [1], [2], tol);
      expect(tidy(() => (tensor([1]), 7))).toBe(7);
      expect(memory().numTensors).toBe(before.numTensors + 2);
    });

    it('tidy frees its tensors when the function throws', () => {
      const before = memory();
      expect(() => tidy(() => {
        tensor([1, 2]);
        throw new Error('boom');
      })).toThrow('boom');
      expect(memory()).toEqual(before);
    });

    it('keep() exempts a tensor from every enclosing tidy', async () => {
      const before = memory();
      let kept: Tensor | undefined;
      tidy(() => {
        tidy(() => {
          kept = keep(tensor([4, 5]));
          tensor([6]);
        });
      });
      expect(kept!.isDisposed).toBe(false);
      expect(memory().numTensors).toBe(before.numTensors + 1);
      await expectTensor(kept!, [2], [4, 5], tol);
      // kept tensors are outside every scope, the case's too: free it by hand
      kept!.dispose();
      expect(memory()).toEqual(before);
    });
  });
}
