import { broadcastTo, matmul, setBackend, tensor, transpose } from '@nabla/tensor';
import { describe, expect, it } from 'vitest';
import { heapArray, heapRelease } from '../src/heap.js';
import { createCpuBackend, createWasmGemm, emitGemmModule } from '../src/index.js';
import { createMatmul } from '../src/matmul.js';
import { emitModule, I32, Code, V128 } from '../src/wasm/emit.js';

function random(length: number, seed: number): Float32Array {
  let s = seed;
  return Float32Array.from({ length }, () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32) * 2 - 1);
}

/** C = A·B in float64 on row-major arrays. */
function ref(m: number, n: number, k: number, a: ArrayLike<number>, b: ArrayLike<number>): Float64Array {
  const c = new Float64Array(m * n);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) {
    let s = 0;
    for (let kk = 0; kk < k; kk++) s += a[i * k + kk]! * b[kk * n + j]!;
    c[i * n + j] = s;
  }
  return c;
}

function expectClose(got: ArrayLike<number>, want: ArrayLike<number>, k: number): void {
  expect(got.length).toBe(want.length);
  const tol = 1e-6 * Math.max(1, k) * 4;
  let worst = 0;
  for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i]! - want[i]!));
  expect(worst).toBeLessThanOrEqual(tol);
}

const SHAPES: [number, number, number][] = [[1, 1, 1], [3, 17, 5], [65, 129, 33], [130, 70, 90], [2, 16, 300], [9, 600, 40], [5, 3, 0]];

describe('wasm GEMM', () => {
  it('the emitted module validates', () => {
    expect(WebAssembly.validate(emitGemmModule())).toBe(true);
    expect(WebAssembly.validate(emitGemmModule({ shared: true, maximumPages: 1024 }))).toBe(true);
  });

  it('the emitter encodes LEB128 immediates and local groups', () => {
    // (func (param i32) (result i32) (local v128 v128 i32) local.get 0 i32.const -300 i32.add)
    const body = new Code().get(0).i32(-300).op(0x6a);
    const bytes = emitModule({ memory: { module: 'env', field: 'memory', initial: 1 }, funcs: [{ name: 'f', params: [I32], results: [I32], locals: [V128, V128, I32], body }] });
    expect(WebAssembly.validate(bytes)).toBe(true);
    const inst = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory: new WebAssembly.Memory({ initial: 1 }) } });
    expect((inst.exports['f'] as (x: number) => number)(1000)).toBe(700);
  });

  for (const [m, k, n] of SHAPES) {
    it(`${m}x${k}x${n} (MxKxN) against a float64 triple loop`, () => {
      const g = createWasmGemm();
      expect(g).not.toBeNull();
      const a = random(m * k, m * 31 + k);
      const b = random(k * n, n * 17 + k);
      const out = new Float32Array(m * n).fill(NaN);
      g!.product(m, n, k, { data: a, offset: 0, rs: k, cs: 1 }, { data: b, offset: 0, rs: n, cs: 1 }, out, 0);
      expectClose(out, ref(m, n, k, a, b), k);
    });
  }

  it('strided inputs (transposed A, offset and transposed B) and reuse of a grown arena, in JS and on the heap', () => {
    const g = createWasmGemm()!;
    // warm a big product first so the arena (and the views over it) grow, then a small one reuses
    // it; on the heap A's pairs are gathered from where they are, eight at a time plus the rest
    for (const [m, k, n, onHeap] of [[300, 200, 260, false], [7, 9, 21, false], [300, 200, 260, true], [35, 9, 21, true], [16, 40, 17, true], [37, 600, 33, true]] as const) {
      const a = random(m * k, 1);
      const b = random(k * n, 2);
      const at = onHeap ? (heapArray('float32', k * m) as Float32Array) : new Float32Array(k * m); // A stored transposed: A(i, kk) = at[kk * m + i]
      for (let i = 0; i < m; i++) for (let kk = 0; kk < k; kk++) at[kk * m + i] = a[i * k + kk]!;
      const bt = new Float32Array(3 + n * k); // B stored transposed after 3 floats of padding
      for (let kk = 0; kk < k; kk++) for (let j = 0; j < n; j++) bt[3 + j * k + kk] = b[kk * n + j]!;
      const out = new Float32Array(m * n + 4);
      g.product(m, n, k, { data: at, offset: 0, rs: 1, cs: m }, { data: bt, offset: 3, rs: 1, cs: k }, out, 4);
      expectClose(out.subarray(4), ref(m, n, k, a, b), k);
      if (onHeap) heapRelease(at);
    }
  });

  it('transposed and broadcast-batch inputs through matmul from @nabla/tensor', async () => {
    await setBackend(createCpuBackend());
    const [m, k, n] = [33, 47, 19];
    const a = random(m * k, 5);
    const b = random(k * n, 6);
    const want = ref(m, n, k, a, b);
    const at = new Float32Array(k * m);
    for (let i = 0; i < m; i++) for (let kk = 0; kk < k; kk++) at[kk * m + i] = a[i * k + kk]!;
    const bt = new Float32Array(n * k);
    for (let kk = 0; kk < k; kk++) for (let j = 0; j < n; j++) bt[j * k + kk] = b[kk * n + j]!;
    const viaT = matmul(transpose(tensor(at, [k, m])), transpose(tensor(bt, [n, k])));
    expect(viaT.shape).toEqual([m, n]);
    expectClose(await viaT.data(), want, k);
    const flags = matmul(tensor(at, [k, m]), tensor(bt, [n, k]), true, true);
    expectClose(await flags.data(), want, k);
    // A broadcast over a batch of 3 against a batch of 3 different Bs, and B broadcast (stride 0)
    const bs = random(3 * k * n, 7);
    const batched = matmul(broadcastTo(tensor(a, [m, k]), [3, m, k]), tensor(bs, [3, k, n]));
    expect(batched.shape).toEqual([3, m, n]);
    const got = await batched.data();
    for (let t = 0; t < 3; t++) {
      expectClose(got.subarray(t * m * n, (t + 1) * m * n), ref(m, n, k, a, bs.subarray(t * k * n, (t + 1) * k * n)), k);
    }
    const as = random(2 * m * k, 8);
    const sharedB = await matmul(tensor(as, [2, m, k]), broadcastTo(tensor(b, [k, n]), [2, k, n])).data();
    for (let t = 0; t < 2; t++) expectClose(sharedB.subarray(t * m * n, (t + 1) * m * n), ref(m, n, k, as.subarray(t * m * k, (t + 1) * m * k), b), k);
  });

  it('falls back to the JS kernel when the module does not validate', async () => {
    expect(createWasmGemm(new Uint8Array([0, 0x61, 0x73, 0x6d, 2, 0, 0, 0]))).toBeNull();
    const [m, k, n] = [6, 10, 7];
    const a = random(m * k, 9);
    const b = random(k * n, 10);
    const kernel = createMatmul(() => null);
    const out = kernel(
      { buffer: a, dtype: 'float32', shape: [m, k], strides: [k, 1], offset: 0 },
      { buffer: b, dtype: 'float32', shape: [k, n], strides: [n, 1], offset: 0 },
    );
    expectClose(out, ref(m, n, k, a, b), k);
    // a disposed backend keeps working on the JS kernel
    const backend = createCpuBackend();
    backend.dispose!();
    const after = backend.kernels.matmul(
      { buffer: a, dtype: 'float32', shape: [m, k], strides: [k, 1], offset: 0 },
      { buffer: b, dtype: 'float32', shape: [k, n], strides: [n, 1], offset: 0 },
    );
    expectClose(after, ref(m, n, k, a, b), k);
  });
});
