import {
  concat, gather, memory, oneHot, pad, scatterAdd, split, stack, tensor, tile, transpose, windows, windowsGrad, zeros,
  type Tensor, type WindowParams,
} from '@nabla/tensor';
import { describe, expect, it } from 'vitest';
import { expectClose, expectTensor, noLeak, randomValues, useBackend, type ConformanceTarget } from './harness.js';
import { dot, prodOf, refTranspose } from './reference.js';
import { call } from './util.js';

export function combineSuite(target: ConformanceTarget): void {
  describe('combine', () => {
    const { tol } = useBackend(target);
    const a23 = (): Tensor => tensor([[1, 2, 3], [4, 5, 6]]);

    it('concat along axis 0, 1 and negative axes', async () => {
      const a = a23();
      const b = tensor([[7, 8, 9]]);
      await expectTensor(call(concat, [a, b]), [3, 3], [1, 2, 3, 4, 5, 6, 7, 8, 9], tol);
      await expectTensor(call(concat, [a, b], -2), [3, 3], [1, 2, 3, 4, 5, 6, 7, 8, 9], tol);
      const c = tensor([[10], [11]]);
      await expectTensor(call(concat, [a, c, a], 1), [2, 7], [1, 2, 3, 10, 1, 2, 3, 4, 5, 6, 11, 4, 5, 6], tol);
      await expectTensor(call(concat, [c, a], -1), [2, 4], [10, 1, 2, 3, 11, 4, 5, 6], tol);
      await expectTensor(call(concat, [a]), [2, 3], [1, 2, 3, 4, 5, 6], tol);
      await expectTensor(call(concat, [tensor([], [0, 3]), b]), [1, 3], [7, 8, 9], tol);
    });

    it('concat of views, int32 and bool, with dtype promotion', async () => {
      const t = transpose(a23());
      await expectTensor(call(concat, [t, t], 1), [3, 4], [1, 4, 1, 4, 2, 5, 2, 5, 3, 6, 3, 6], tol);
      const i = tensor(new Int32Array([1, 2]));
      const f = tensor([0.5]);
      const b = tensor([true, false]);
      await expectTensor(call(concat, [i, i]), [4], [1, 2, 1, 2], tol, 'int32');
      await expectTensor(call(concat, [i, f]), [3], [1, 2, 0.5], tol, 'float32');
      await expectTensor(call(concat, [b, i]), [4], [1, 0, 1, 2], tol, 'int32');
      await expectTensor(call(concat, [b, b]), [4], [1, 0, 1, 0], tol, 'bool');
      await expectTensor(call(concat, [b, f, i]), [5], [1, 0, 0.5, 1, 2], tol, 'float32');
    });

    it('concat errors', () => {
      expect(() => concat([a23(), zeros([2, 2])], 0)).toThrow(/concat.*\[2,3\].*\[2,2\]/);
      expect(() => concat([a23(), zeros([2])])).toThrow(/concat/);
      expect(() => concat([a23()], 2)).toThrow(/concat.*axis 2/);
      expect(() => concat([])).toThrow(/concat/);
    });

    it('stack along a new axis', async () => {
      const a = tensor([1, 2, 3]);
      const b = tensor([4, 5, 6]);
      await expectTensor(call(stack, [a, b]), [2, 3], [1, 2, 3, 4, 5, 6], tol);
      await expectTensor(call(stack, [a, b], 1), [3, 2], [1, 4, 2, 5, 3, 6], tol);
      await expectTensor(call(stack, [a, b, a], -1), [3, 3], [1, 4, 1, 2, 5, 2, 3, 6, 3], tol);
      await expectTensor(call(stack, [tensor(1), tensor(2)]), [2], [1, 2], tol);
      expect(() => stack([a, zeros([2])])).toThrow(/stack/);
      expect(() => stack([a, b], 2)).toThrow(/stack/);
    });

    it('split into equal parts and by sizes (views)', async () => {
      const x = tensor(Array.from({ length: 12 }, (_, i) => i), [2, 6]);
      const before = memory().numBuffers;
      const parts = noLeak(() => split(x, 3, 1));
      expect(memory().numBuffers).toBe(before);
      expect(parts.length).toBe(3);
      await expectTensor(parts[0]!, [2, 2], [0, 1, 6, 7], tol);
      await expectTensor(parts[2]!, [2, 2], [4, 5, 10, 11], tol);
      const s = noLeak(() => split(x, [1, -1, 2], -1));
      expect(s.map((t) => t.shape)).toEqual([[2, 1], [2, 3], [2, 2]]);
      await expectTensor(s[1]!, [2, 3], [1, 2, 3, 7, 8, 9], tol);
      const rows = noLeak(() => split(x, 2));
      await expectTensor(rows[1]!, [1, 6], [6, 7, 8, 9, 10, 11], tol);
      const zero = noLeak(() => split(x, [6, 0], 1));
      expect(zero[1]!.shape).toEqual([2, 0]);
    });

    it('split errors', () => {
      const x = zeros([2, 6]);
      expect(() => split(x, 4, 1)).toThrow(/split/);
      expect(() => split(x, [2, 2], 1)).toThrow(/split/);
      expect(() => split(x, [-1, -1], 1)).toThrow(/split/);
      expect(() => split(x, 2, 2)).toThrow(/split/);
    });

    it('pad with zeros, constants and -Infinity', async () => {
      const x = tensor([[1, 2], [3, 4]]);
      await expectTensor(call(pad, x, [[1, 0], [0, 2]]), [3, 4], [0, 0, 0, 0, 1, 2, 0, 0, 3, 4, 0, 0], tol);
      await expectTensor(call(pad, x, [[0, 1], [1, 1]], 7.5), [3, 4], [7.5, 1, 2, 7.5, 7.5, 3, 4, 7.5, 7.5, 7.5, 7.5, 7.5], tol);
      await expectTensor(call(pad, x, [[0, 0], [1, 0]], -Infinity), [2, 3], [-Infinity, 1, 2, -Infinity, 3, 4], tol);
      await expectTensor(call(pad, transpose(x), [[1, 0], [0, 0]]), [3, 2], [0, 0, 1, 3, 2, 4], tol);
      await expectTensor(call(pad, tensor(new Int32Array([5, 6])), [[2, 1]], 9), [5], [9, 9, 5, 6, 9], tol, 'int32');
      await expectTensor(call(pad, x, [[0, 0], [0, 0]]), [2, 2], [1, 2, 3, 4], tol);
      expect(() => pad(x, [[1, 1]])).toThrow(/pad/);
      expect(() => pad(x, [[1, 1], [-1, 0]])).toThrow(/pad/);
    });

    it('tile', async () => {
      const x = a23();
      await expectTensor(call(tile, x, [2, 1]), [4, 3], [1, 2, 3, 4, 5, 6, 1, 2, 3, 4, 5, 6], tol);
      await expectTensor(call(tile, x, [1, 2]), [2, 6], [1, 2, 3, 1, 2, 3, 4, 5, 6, 4, 5, 6], tol);
      await expectTensor(call(tile, tensor([1, 2]), [3]), [6], [1, 2, 1, 2, 1, 2], tol);
      await expectTensor(call(tile, transpose(x), [1, 2]), [3, 4], [1, 4, 1, 4, 2, 5, 2, 5, 3, 6, 3, 6], tol);
      await expectTensor(call(tile, tensor([true, false]), [2]), [4], [1, 0, 1, 0], tol, 'bool');
      await expectTensor(call(tile, x, [0, 1]), [0, 3], [], tol);
      expect(() => tile(x, [2])).toThrow(/tile/);
    });

    it('gather along axis 0 and 1, with 2-D and number[] indices', async () => {
      const table = tensor(Array.from({ length: 12 }, (_, i) => i), [4, 3]);
      const idx = tensor(new Int32Array([2, 0, 2]));
      await expectTensor(call(gather, table, idx), [3, 3], [6, 7, 8, 0, 1, 2, 6, 7, 8], tol);
      await expectTensor(call(gather, table, [3, 1]), [2, 3], [9, 10, 11, 3, 4, 5], tol);
      await expectTensor(call(gather, table, [2, 0], 1), [4, 2], [2, 0, 5, 3, 8, 6, 11, 9], tol);
      await expectTensor(call(gather, table, [1], -1), [4, 1], [1, 4, 7, 10], tol);
      const idx2 = tensor(new Int32Array([0, 1, 3, 2]), [2, 2]);
      await expectTensor(call(gather, table, idx2), [2, 2, 3], [0, 1, 2, 3, 4, 5, 9, 10, 11, 6, 7, 8], tol);
      const idx3 = tensor(new Int32Array([0, 1, 2, 0]), [2, 2]);
      await expectTensor(call(gather, table, idx3, 1), [4, 2, 2], [0, 1, 2, 0, 3, 4, 5, 3, 6, 7, 8, 6, 9, 10, 11, 9], tol);
      await expectTensor(call(gather, transpose(table), [2]), [1, 4], [2, 5, 8, 11], tol);
      await expectTensor(call(gather, table, transpose(idx2)), [2, 2, 3], [0, 1, 2, 9, 10, 11, 3, 4, 5, 6, 7, 8], tol);
      await expectTensor(call(gather, tensor(new Int32Array([5, 6, 7])), [2, 2, 0]), [3], [7, 7, 5], tol, 'int32');
      await expectTensor(call(gather, table, []), [0, 3], [], tol);
      expect(() => gather(table, tensor([0, 1]))).toThrow(/gather.*int32/);
      expect(() => gather(table, [0], 2)).toThrow(/gather.*axis 2/);
    });

    it('scatterAdd accumulates repeated indices', async () => {
      const updates = tensor([[1, 2], [3, 4], [5, 6], [7, 8]]);
      const idx = tensor(new Int32Array([0, 2, 0, 0]));
      await expectTensor(call(scatterAdd, updates, idx, 0, [3, 2]), [3, 2], [13, 16, 0, 0, 3, 4], tol);
      const idx1 = tensor(new Int32Array([1, 1]));
      await expectTensor(call(scatterAdd, tensor([[1, 2], [3, 4]]), idx1, 1, [2, 3]), [2, 3], [0, 3, 0, 0, 7, 0], tol);
      await expectTensor(call(scatterAdd, transpose(tensor([[1, 3], [2, 4]])), idx1, 1, [2, 3]), [2, 3], [0, 3, 0, 0, 7, 0], tol);
      expect(() => scatterAdd(updates, idx, 0, [3, 3])).toThrow(/scatterAdd/);
      expect(() => scatterAdd(updates, tensor([0, 1, 0, 0]), 0, [3, 2])).toThrow(/scatterAdd.*int32/);
    });

    it('scatterAdd is the adjoint of gather: <gather(x,i), y> = <x, scatterAdd(y,i)>', async () => {
      const cases: { shape: number[]; idx: number[]; idxShape: number[]; axis: number }[] = [
        { shape: [5, 3], idx: [4, 0, 4, 2, 4, 1], idxShape: [6], axis: 0 },
        { shape: [3, 6, 2], idx: [5, 5, 0, 3], idxShape: [2, 2], axis: 1 },
        { shape: [2, 4], idx: [3, 3, 3], idxShape: [3], axis: -1 },
      ];
      let seed = 50;
      for (const c of cases) {
        const ax = c.axis < 0 ? c.axis + c.shape.length : c.axis;
        const outShape = [...c.shape.slice(0, ax), ...c.idxShape, ...c.shape.slice(ax + 1)];
        const xv = randomValues(prodOf(c.shape), seed++);
        const yv = randomValues(prodOf(outShape), seed++);
        const x = tensor(xv, c.shape);
        const y = tensor(yv, outShape);
        const i = tensor(new Int32Array(c.idx), c.idxShape);
        const g = call(gather, x, i, c.axis);
        expect(g.shape).toEqual(outShape);
        const s = call(scatterAdd, y, i, c.axis, c.shape);
        expect(s.shape).toEqual(c.shape);
        const lhs = dot(await g.data(), yv);
        const rhs = dot(xv, await s.data());
        expectClose([lhs], [rhs], { rtol: tol.rtol * 10, atol: tol.atol * 10 }, 'adjoint');
      }
    });

    it('oneHot, including out-of-range indices', async () => {
      await expectTensor(call(oneHot, tensor(new Int32Array([0, 2, 1])), 3), [3, 3], [1, 0, 0, 0, 0, 1, 0, 1, 0], tol);
      await expectTensor(call(oneHot, [1, 3, -1], 3), [3, 3], [0, 1, 0, 0, 0, 0, 0, 0, 0], tol);
      await expectTensor(call(oneHot, [0, 1], 2, 5, -1), [2, 2], [5, -1, -1, 5], tol);
      await expectTensor(call(oneHot, tensor(new Int32Array([1, 0, 0, 1]), [2, 2]), 2), [2, 2, 2], [0, 1, 1, 0, 1, 0, 0, 1], tol);
      await expectTensor(call(oneHot, transpose(tensor(new Int32Array([1, 0, 1, 1]), [2, 2])), 2), [2, 2, 2], [0, 1, 0, 1, 1, 0, 0, 1], tol);
      await expectTensor(call(oneHot, [2], 0), [1, 0], [], tol);
      expect(() => oneHot([1], -1)).toThrow(/oneHot/);
      expect(() => oneHot(tensor([1]), 3)).toThrow(/oneHot.*int32/);
    });

    it('windowsGrad by hand: each input cell counts the windows that see it', async () => {
      const params: WindowParams = { kernel: [2, 2], strides: [1, 1], dilations: [1, 1] };
      const dy = tensor(new Float32Array(16).fill(1), [1, 2, 2, 2, 2, 1]);
      await expectTensor(call(windowsGrad, dy, [1, 3, 3, 1], params), [1, 3, 3, 1], [1, 2, 1, 2, 4, 2, 1, 2, 1], tol);
      // stride 2 over 3x3 with a 2x2 kernel: the last row and column are never seen
      const p2: WindowParams = { kernel: [2, 2], strides: [2, 2], dilations: [1, 1] };
      await expectTensor(call(windowsGrad, tensor([1, 2, 3, 4], [1, 1, 1, 2, 2, 1]), [1, 3, 3, 1], p2), [1, 3, 3, 1], [1, 2, 0, 3, 4, 0, 0, 0, 0], tol);
    });

    it('windowsGrad is the adjoint of windows: <windows(x), y> = <x, windowsGrad(y)>', async () => {
      const cases: { shape: [number, number, number, number]; params: WindowParams }[] = [
        { shape: [2, 5, 6, 3], params: { kernel: [2, 3], strides: [2, 1], dilations: [1, 2] } },
        { shape: [1, 7, 7, 2], params: { kernel: [3, 3], strides: [2, 2], dilations: [1, 1] } },
        { shape: [1, 4, 5, 1], params: { kernel: [1, 1], strides: [1, 2], dilations: [1, 1] } },
        { shape: [2, 6, 4, 1], params: { kernel: [2, 2], strides: [1, 3], dilations: [2, 1] } },
      ];
      let seed = 70;
      for (const c of cases) {
        const xv = randomValues(prodOf(c.shape), seed++);
        const x = tensor(xv, c.shape);
        const w = noLeak(() => windows(x, c.params));
        const yv = randomValues(prodOf(w.shape), seed++);
        const y = tensor(yv, w.shape);
        const gx = call(windowsGrad, y, c.shape, c.params);
        expect(gx.shape).toEqual(c.shape);
        const lhs = dot(await w.data(), yv);
        const rhs = dot(xv, await gx.data());
        expectClose([lhs], [rhs], { rtol: tol.rtol * 10, atol: tol.atol * 10 }, 'adjoint');
      }
    });

    it('windowsGrad of a transposed dy view', async () => {
      // dy'[0,i,j,p,q,0] = dy[0,j,i,q,p,0]; input cell (i+p, j+q) receives dy'[0,i,j,p,q,0]
      const dyv = Array.from({ length: 16 }, (_, k) => k + 1);
      const t = transpose(tensor(dyv, [1, 2, 2, 2, 2, 1]), [0, 2, 1, 4, 3, 5]);
      const tv = refTranspose(dyv, [1, 2, 2, 2, 2, 1], [0, 2, 1, 4, 3, 5]);
      const expected = new Array<number>(9).fill(0);
      for (let i = 0; i < 2; i++) for (let j = 0; j < 2; j++) for (let p = 0; p < 2; p++) for (let q = 0; q < 2; q++) {
        expected[(i + p) * 3 + j + q]! += tv[((i * 2 + j) * 2 + p) * 2 + q]!;
      }
      await expectTensor(call(windowsGrad, t, [1, 3, 3, 1], { kernel: [2, 2], strides: [1, 1], dilations: [1, 1] }), [1, 3, 3, 1], expected, tol);
    });
  });
}
