import { adamUpdate, memory, randomNormal, randomUniform, tensor, transpose, withBackend, type Tensor } from '@nabla/tensor';
import { afterAll, describe, expect, it } from 'vitest';
import type { TensorInfo } from '@nabla/tensor';
import { fusedKernels } from '../src/fused.js';
import { heapAddress, heapArray, heapRelease } from '../src/heap.js';
import { createCpuBackend } from '../src/index.js';
import { expectSameBits, rng } from './helpers.js';

const fast = createCpuBackend();
const reference = createCpuBackend({ kernels: 'reference' });
afterAll(() => {
  fast.dispose?.();
  reference.dispose?.();
});

const step = { alpha: 3e-3, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 };

/** Same values on `backend` (copied through the host). */
function on(values: Float32Array, shape: number[]): Tensor {
  return tensor(Float32Array.from(values), shape);
}

/** Runs adamUpdate on a backend from host arrays; `t` transposes every input view first. */
function run(backend: typeof fast, host: Float32Array[], shape: number[], amsgrad: boolean, t: boolean): Float32Array[] {
  return withBackend(backend, () => {
    const [w, g, m, v, h] = host.map((a) => (t ? transpose(on(a, [shape[1]!, shape[0]!])) : on(a, shape)));
    const r = adamUpdate(w!, g!, m!, v!, amsgrad ? h! : null, step);
    const out = [r.w, r.m, r.v, ...(r.vHat ? [r.vHat] : [])].map((x) => x.dataSync() as Float32Array);
    for (const x of [w, g, m, v, h, r.w, r.m, r.v, r.vHat]) x?.dispose();
    return out;
  });
}

describe('fused Adam (cpu) against the composed ops (reference kernels)', () => {
  for (const amsgrad of [false, true]) {
    for (const transposed of [false, true]) {
      it(`agrees to float32 rounding${amsgrad ? ' with AMSGrad' : ''}${transposed ? ' on transposed views' : ''}`, () => {
        const shape = [37, 19]; // not a multiple of anything
        const host = withBackend(reference, () =>
          [randomNormal(shape, 0, 1, 1), randomNormal(shape, 0, 1, 2), randomNormal(shape, 0, 0.1, 3), randomUniform(shape, 0, 0.01, 4), randomUniform(shape, 0, 0.02, 5)]
            .map((x) => { const a = Float32Array.from(x.dataSync() as Float32Array); x.dispose(); return a; }));
        const a = run(fast, host, shape, amsgrad, transposed);
        const b = run(reference, host, shape, amsgrad, transposed);
        expect(a.length).toBe(amsgrad ? 4 : 3);
        // the fused kernel rounds once per output; the composed ops after each of ~12 ops
        for (let k = 0; k < a.length; k++) {
          // relative to the output's scale: near-zero moments come from cancellation, where
          // both sides carry the rounding of their larger intermediates
          const scale = Math.max(...Array.from(b[k]!, Math.abs));
          const worst = Math.max(...Array.from(a[k]!, (x, i) => Math.abs(x - b[k]![i]!)));
          expect(worst / scale, `output ${k}`).toBeLessThan(1e-6);
        }
        // and the update moved w against g (the first moment m' has g's sign when m started small)
        expect(a[0]!.some((x, i) => x !== host[0]![i])).toBe(true);
      });
    }
  }

  it('matches a hand-computed step', () => {
    const [w, m, v] = run(fast, [0.5, 2, 0.1, 0.04].map((x) => Float32Array.of(x)), [1, 1], false, false);
    const m1 = 0.1 + (2 - 0.1) * 0.1;
    const v1 = 0.04 + (4 - 0.04) * 0.001;
    expect(m[0]).toBeCloseTo(m1, 6);
    expect(v[0]).toBeCloseTo(v1, 6);
    expect(w[0]).toBeCloseTo(0.5 - (m1 * 3e-3) / (Math.sqrt(v1) + 1e-7), 6);
  });

  it('overwrites donated storage only when nothing else views it', () => {
    withBackend(fast, () => {
      const before = memory();
      const make = () => [tensor([0.5, -1, 2]), tensor([0.1, 0.2, -0.3]), tensor([0.01, 0.02, 0.03]), tensor([1e-4, 2e-4, 3e-4])];
      const [w0, g0, m0, v0] = make();
      const plain = adamUpdate(w0!, g0!, m0!, v0!, null, step);
      const expected = [plain.w, plain.m, plain.v].map((t) => Array.from(t.dataSync()));
      // exclusive: results live in the same storage, the old tensors are replaced by the caller
      const [w, g, m, v] = make();
      const donated = adamUpdate(w!, g!, m!, v!, null, step, { donate: true });
      expect(donated.w.storage).toBe(w!.storage);
      expect(donated.m.storage).toBe(m!.storage);
      expect([donated.w, donated.m, donated.v].map((t) => Array.from(t.dataSync()))).toEqual(expected);
      // shared: a second view of m keeps its old values, so nothing is written in place
      const [w2, g2, m2, v2] = make();
      const alias = m2!.reshape([3, 1]);
      const kept = adamUpdate(w2!, g2!, m2!, v2!, null, step, { donate: true });
      expect(kept.m.storage).not.toBe(m2!.storage);
      expect(Array.from(alias.dataSync())).toEqual(Array.from(Float32Array.of(0.01, 0.02, 0.03)));
      expect([kept.w, kept.m, kept.v].map((t) => Array.from(t.dataSync()))).toEqual(expected);
      for (const t of [w0, g0, m0, v0, plain.w, plain.m, plain.v, w, g, m, v, donated.w, donated.m, donated.v, w2, g2, m2, v2, alias, kept.w, kept.m, kept.v]) t!.dispose();
      expect(memory().numBuffers).toBe(before.numBuffers);
      expect(memory().numBytes).toBe(before.numBytes);
    });
  });

  it('names the op and the shapes on mismatched inputs, and leaks nothing', () => {
    withBackend(fast, () => {
      const before = memory().numTensors;
      const a = tensor([1, 2, 3]);
      const b = tensor([1, 2]);
      expect(() => adamUpdate(a, a, a, b, null, step)).toThrow(/adamUpdate: .*\[3\] float32, .*\[2\] float32/);
      a.dispose();
      b.dispose();
      expect(memory().numTensors).toBe(before);
    });
  });
});

describe('fused LSTM cell (cpu)', () => {
  it('runs the fused backward kernel in first-order training and the composed adjoint under grad-of-grad', async () => {
    const { grad, grads } = await import('@nabla/autograd');
    const { lstmCell, mul, sum } = await import('@nabla/tensor');
    let calls = 0;
    const base = fast.fused!;
    const counting = { ...fast, fused: { ...base, lstmCellGrad: (...a: Parameters<NonNullable<typeof base.lstmCellGrad>>) => (calls++, base.lstmCellGrad!(...a)) } };
    const zv = Array.from({ length: 2 * 12 }, (_, i) => Math.sin(i * 1.7) * 2);
    const cv = Array.from({ length: 2 * 3 }, (_, i) => Math.cos(i * 0.9));
    const rv = Array.from({ length: 6 }, (_, i) => (i % 3) - 1);
    const loss = (z: Tensor, c: Tensor) => { const [h, c1] = lstmCell(z, c); return sum(mul(mul(h, c1), 1)); };
    const firstOrder = (be: typeof fast) => withBackend(be, () => {
      const [gz, gc] = grads(loss)(tensor(zv, [2, 12]), tensor(cv, [2, 3]));
      return [Array.from(gz!.dataSync()), Array.from(gc!.dataSync())];
    });
    const fused = firstOrder(counting);
    expect(calls).toBe(1);
    const composed = firstOrder(reference);
    fused.forEach((g, k) => g.forEach((x, i) => expect(x).toBeCloseTo(composed[k]![i]!, 5)));
    // d/dz of Σ h·r: the outer tape records the inner backward, which must be differentiable
    const second = (be: typeof fast) => withBackend(be, () =>
      Array.from(grad((z: Tensor) => sum(grad((u: Tensor) => sum(mul(lstmCell(u, tensor(cv, [2, 3]))[0], tensor(rv, [2, 3]))))(z)))(tensor(zv, [2, 12])).dataSync()));
    calls = 0;
    const s1 = second(counting);
    expect(calls).toBe(0);
    second(reference).forEach((x, i) => expect(s1[i]).toBeCloseTo(x, 4));
  });
});

describe('fused kernels on wasm-heap storage', () => {
  /** values as a [rows, cols] view at offset 2 of a buffer on the heap or in JS. */
  const view = (values: Float32Array, shape: [number, number], onHeap: boolean, held: Float32Array[]): TensorInfo => {
    const buffer = onHeap ? (heapArray('float32', values.length + 2) as Float32Array) : new Float32Array(values.length + 2);
    expect(heapAddress(buffer) >= 0).toBe(onHeap);
    buffer.fill(-7);
    buffer.set(values, 2);
    held.push(buffer);
    return { buffer, dtype: 'float32', shape, strides: [shape[1], 1], offset: 2 };
  };
  const data = (n: number, seed: number, scale: number, positive = false): Float32Array => {
    const next = rng(seed);
    return Float32Array.from({ length: n }, () => (positive ? next() : next() - 0.5) * scale);
  };

  it('Adam gives the bits of JS storage, donated or not, for every placement', () => {
    const shape: [number, number] = [301, 7]; // 2107 floats: ends mid-vector
    const n = shape[0] * shape[1];
    const src = [data(n, 1, 2), data(n, 2, 1), data(n, 3, 0.2), data(n, 4, 0.01, true)];
    const held: Float32Array[] = [];
    const want = fusedKernels.adam!(...(src.map((a) => view(a, shape, false, held)) as [TensorInfo, TensorInfo, TensorInfo, TensorInfo]), null, step, false);
    for (let mask = 0; mask < 16; mask++) {
      for (const inPlace of [false, true]) {
        // donated state is whole buffers: offset 0
        const infos = src.map((a, k) => {
          const t = view(a, shape, (mask & (1 << k)) !== 0, held);
          return inPlace && k !== 1 ? { ...t, buffer: (t.buffer as Float32Array).subarray(2), offset: 0 } : t;
        }) as [TensorInfo, TensorInfo, TensorInfo, TensorInfo];
        const got = fusedKernels.adam!(...infos, null, step, inPlace);
        for (let k = 0; k < 3; k++) expectSameBits(got[k]!.subarray(0, n), want[k]!, `mask=${mask} inPlace=${inPlace} output ${k}`);
        if (inPlace) for (const [k, i] of [[0, 0], [1, 2], [2, 3]]) expect(got[k]).toBe(infos[i!]!.buffer);
        else for (const out of got) heapRelease(out);
      }
    }
    for (const a of [...held, ...want]) heapRelease(a);
  });

  it('the LSTM cell gives the bits of JS storage for every placement', () => {
    const [b, u] = [33, 16];
    const [z, c, dy] = [data(b * 4 * u, 5, 8), data(b * u, 6, 4), data(b * 2 * u, 7, 2)];
    const held: Float32Array[] = [];
    const zJs = view(z!, [b, 4 * u], false, held);
    const cJs = view(c!, [b, u], false, held);
    const wantF = fusedKernels.lstmCell!(zJs, cJs) as Float32Array;
    const wantB = fusedKernels.lstmCellGrad!(zJs, cJs, view(dy!, [b, 2 * u], false, held)) as Float32Array;
    for (let mask = 0; mask < 8; mask++) {
      const Z = view(z!, [b, 4 * u], (mask & 1) !== 0, held);
      const C = view(c!, [b, u], (mask & 2) !== 0, held);
      const D = view(dy!, [b, 2 * u], (mask & 4) !== 0, held);
      const fwd = fusedKernels.lstmCell!(Z, C) as Float32Array;
      const bwd = fusedKernels.lstmCellGrad!(Z, C, D) as Float32Array;
      expectSameBits(fwd, wantF, `forward mask=${mask}`);
      expectSameBits(bwd, wantB, `backward mask=${mask}`);
      heapRelease(fwd);
      heapRelease(bwd);
    }
    for (const a of [...held, wantF, wantB]) heapRelease(a);
  });
});
