import * as nb from '@nabla/tensor';
import { memory, tensor, zeros, type Tensor } from '@nabla/tensor';
import { describe, expect, it } from 'vitest';
import { useBackend, type ConformanceTarget } from './harness.js';

/** The message of the error `fn` throws (fails the case when it throws none). */
function messageOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(Error);
    return (e as Error).message;
  }
  return expect.fail('expected an error');
}

export function errorsSuite(target: ConformanceTarget): void {
  describe('errors', () => {
    useBackend(target);

    it("add([2,3], [4]) can't broadcast: a RangeError naming add and both shapes", () => {
      const a = zeros([2, 3]);
      const b = zeros([4]);
      expect(() => nb.add(a, b)).toThrow(RangeError);
      const m = messageOf(() => nb.add(a, b));
      expect(m).toMatch(/\badd\b/);
      expect(m).toContain('[2,3]');
      expect(m).toContain('[4]');
    });

    it('matmul inner sizes differ: names matmul and both shapes', () => {
      const m = messageOf(() => nb.matmul(zeros([2, 3]), zeros([4, 5])));
      expect(m).toContain('matmul');
      expect(m).toContain('[2,3]');
      expect(m).toContain('[4,5]');
    });

    it('axis out of range: a RangeError naming the op and the axis', () => {
      const x = zeros([2, 3]);
      const cases: [string, () => unknown][] = [
        ['sum', () => nb.sum(x, 2)],
        ['mean', () => nb.mean(x, -3)],
        ['max', () => nb.max(x, [0, 5])],
        ['argmax', () => nb.argmax(x, 2)],
        ['softmax', () => nb.softmax(x, 2)],
        ['logSumExp', () => nb.logSumExp(x, 7)],
        ['concat', () => nb.concat([x, x], 2)],
        ['gather', () => nb.gather(x, [0], 2)],
        ['expandDims', () => nb.expandDims(x, 3)],
        ['split', () => nb.split(x, 1, -3)],
      ];
      for (const [op, fn] of cases) {
        expect(fn, op).toThrow(RangeError);
        const m = messageOf(fn);
        expect(m.startsWith(`${op}:`), `'${m}' names ${op}`).toBe(true);
        expect(m).toMatch(/axis -?\d/);
      }
    });

    it('reading or using a disposed tensor is a clear error', async () => {
      const x = tensor([1, 2, 3]);
      x.dispose();
      await expect(x.data()).rejects.toThrow(/disposed/);
      expect(messageOf(() => nb.exp(x))).toMatch(/^exp:.*disposed/);
      expect(messageOf(() => nb.mul(x, x))).toMatch(/^mul:.*disposed/);
      expect(messageOf(() => nb.sum(x))).toMatch(/^sum:.*disposed/);
      expect(messageOf(() => nb.cast(x, 'int32'))).toMatch(/^cast:.*disposed/);
    });

    it('int32 into exp: a TypeError mentioning exp', () => {
      const i = tensor(new Int32Array([1, 2]));
      expect(() => nb.exp(i)).toThrow(TypeError);
      expect(messageOf(() => nb.exp(i))).toMatch(/^exp:.*int32/);
    });

    it('failed ops leave memory as it was', () => {
      const a = zeros([2, 3]);
      const b = zeros([4]);
      const i = tensor(new Int32Array([1, 2]));
      const img = zeros([1, 5, 5, 3]);
      const filter = zeros([3, 3, 2, 1]);
      const gone = zeros([2, 3]);
      const gone2 = zeros([2]);
      gone.dispose();
      gone2.dispose();
      const before = memory();
      expect(() => nb.add(a, b)).toThrow();
      expect(() => nb.mul(a, gone)).toThrow();
      expect(() => nb.sub(i, gone2)).toThrow();
      expect(() => nb.exp(i)).toThrow();
      expect(() => nb.matmul(a, a)).toThrow();
      expect(() => nb.softmax(a, 3)).toThrow();
      expect(() => nb.where(a, 1, 0)).toThrow();
      expect(() => nb.where(nb.cast(b, 'bool'), a, 0)).toThrow();
      expect(() => nb.concat([a, i])).toThrow();
      expect(() => nb.stack([a, b])).toThrow();
      expect(() => nb.gather(a, [0], 3)).toThrow();
      expect(() => nb.conv2d(img, filter)).toThrow();
      expect(() => nb.avgPool2d(img, { poolSize: 9 })).toThrow();
      expect(() => nb.reshape(a, [4])).toThrow();
      // the cast made in the where line above is the only survivor
      expect(memory().numTensors - before.numTensors).toBe(1);
      expect(memory().numBuffers - before.numBuffers).toBe(1);
    });

    it('NaN and ±Infinity never throw: every float op accepts them', async () => {
      const v = [NaN, Infinity, -Infinity, 0, -0, 1];
      const x = tensor(v);
      const m = tensor([NaN, Infinity, -Infinity, 1], [2, 2]);
      const unary: ((t: Tensor) => Tensor)[] = [
        nb.neg, nb.abs, nb.sign, nb.exp, nb.expm1, nb.log, nb.log1p, nb.sqrt, nb.rsqrt, nb.square, nb.reciprocal, nb.sin, nb.cos,
        nb.tanh, nb.sigmoid, nb.relu, nb.relu6, (t) => nb.leakyRelu(t), nb.elu, nb.selu, nb.softplus, nb.gelu, nb.erf, nb.floor,
        nb.ceil, nb.round, (t) => nb.clip(t, -1, 1), nb.sum, nb.prod, nb.max, nb.min, nb.mean, nb.variance, nb.logSumExp,
        (t) => nb.argmax(t), (t) => nb.argmin(t), (t) => nb.softmax(t), (t) => nb.logSoftmax(t), (t) => nb.cast(t, 'int32'),
        (t) => nb.cast(t, 'bool'),
      ];
      for (const f of unary) expect((await f(x).data()).length).toBeGreaterThan(0);
      const binary = [nb.add, nb.sub, nb.mul, nb.div, nb.pow, nb.maximum, nb.minimum, nb.mod, nb.equal, nb.less, nb.greaterEqual];
      const y = tensor([...v].reverse());
      for (const f of binary) expect((await f(x, y).data()).length).toBe(6);
      expect((await nb.matmul(m, m).data()).length).toBe(4);
      const img = tensor([NaN, Infinity, -Infinity, 1, 2, 3, 4, 5, 6], [1, 3, 3, 1]);
      expect((await nb.conv2d(img, tensor([1, 1, 1, 1], [2, 2, 1, 1])).data()).length).toBe(4);
      expect((await nb.maxPool2d(img).data()).length).toBe(1);
      expect((await nb.avgPool2d(img, { padding: 'same' }).data()).length).toBe(4);
    });
  });
}
