import { describe, expect, it, vi } from 'vitest';
import { heapArray, heapRelease, heapStats } from '../src/heap.js';
import { WasmAdam } from '../src/wasm/adam.js';
import { expectSameBits, place, SENTINEL } from './helpers.js';

// The wasm Adam step against float32 arithmetic done by hand in the composed ops' order (each op
// rounded to float32), over lengths that end mid-vector and cross the staging chunks.
const f = Math.fround;

function data(n: number, seed: number, scale: number, positive = false): Float32Array {
  let s = seed;
  return Float32Array.from({ length: n }, () => {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    const u = s / 2 ** 31 - 0.5;
    return (positive ? Math.abs(u) : u) * scale;
  });
}

function expected(w: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, c1: number, c2: number, alpha: number, eps: number): Float32Array[] {
  const [a, b, e] = [f(c1), f(c2), f(alpha)];
  const mo = m.map((mi, i) => f(mi + f(f(g[i]! - mi) * a)));
  const vo = v.map((vi, i) => f(vi + f(f(f(g[i]! * g[i]!) - vi) * b)));
  const wo = w.map((wi, i) => f(wi - f(f(mo[i]! * e) / f(f(Math.sqrt(vo[i]!)) + f(eps)))));
  return [wo, mo, vo];
}

describe('WasmAdam.step', () => {
  const adam = WasmAdam.create();
  it('is available where WebAssembly SIMD is (Node 20)', () => {
    expect(adam).not.toBeNull();
  });
  for (const n of [1, 3, 4, 5, 8191, 8192, 8193, 2 * 8192 + 6]) {
    for (const inPlace of [false, true]) {
      it(`equals the float32 formula bit for bit: ${n} floats${inPlace ? ', in place' : ''}`, () => {
        const [w, g, m, v] = [data(n, 1, 2), data(n, 2, 1), data(n, 3, 0.2), data(n, 4, 0.01, true)];
        const want = expected(w, g, m, v, 0.1, 0.001, 3e-3, 1e-7);
        const outs = inPlace ? [w, m, v] : [new Float32Array(n), new Float32Array(n), new Float32Array(n)];
        adam!.step(w, g, m, v, outs[0]!, outs[1]!, outs[2]!, 0.1, 0.001, 3e-3, 1e-7);
        for (let k = 0; k < 3; k++) expect(Array.from(outs[k]!), ['w', 'm', 'v'][k]).toEqual(Array.from(want[k]!));
      });
    }
  }
});

describe('WasmAdam.step on heap and foreign operands', () => {
  const adam = WasmAdam.create()!;
  // outputs: the inputs themselves, new arrays all on the heap, all in JS, or some of each
  const OUTS = ['in place', 'heap', 'js', 'mixed'] as const;
  for (const n of [3, 4, 5, 1023, 8192 + 6, 3 * 8192 + 1]) {
    it(`gives the foreign-only bits for every placement of w, g, m, v and the outputs: ${n} floats`, () => {
      const src = [data(n, 1, 2), data(n, 2, 1), data(n, 3, 0.2), data(n, 4, 0.01, true)];
      const want = expected(src[0]!, src[1]!, src[2]!, src[3]!, 0.1, 0.001, 3e-3, 1e-7);
      for (let mask = 0; mask < 16; mask++) {
        for (const outs of OUTS) {
          const label = `n=${n} mask=${mask} out=${outs}`;
          const held: Float32Array[] = [];
          const [w, g, m, v] = src.map((a, k) => place(a, (mask & (1 << k)) !== 0, held)) as [Float32Array, Float32Array, Float32Array, Float32Array];
          const o =
            outs === 'in place'
              ? [w, m, v]
              : [0, 1, 2].map((k) => place(new Float32Array(n), outs === 'heap' || (outs === 'mixed' && k !== 1), held));
          adam.step(w, g, m, v, o[0]!, o[1]!, o[2]!, 0.1, 0.001, 3e-3, 1e-7);
          for (let k = 0; k < 3; k++) expectSameBits(o[k]!, want[k]!, `${label} ${['w', 'm', 'v'][k]}`);
          if (outs !== 'in place') for (let k = 0; k < 4; k++) expectSameBits([w, g, m, v][k]!, src[k]!, `${label} input ${k} untouched`);
          else expectSameBits(g, src[1]!, `${label} g untouched`);
          for (const room of held) expect([...room.subarray(n)], `${label}: past a view`).toEqual(new Array(8).fill(SENTINEL));
          for (const room of held) heapRelease(room);
        }
      }
    });
  }

  it('copies nothing when every operand is on the heap and n is whole vectors', () => {
    const n = 3 * 8192 + 4;
    const src = [data(n, 1, 2), data(n, 2, 1), data(n, 3, 0.2), data(n, 4, 0.01, true)];
    const want = expected(src[0]!, src[1]!, src[2]!, src[3]!, 0.1, 0.001, 3e-3, 1e-7);
    const held: Float32Array[] = [];
    const [w, g, m, v] = src.map((a) => place(a, true, held)) as [Float32Array, Float32Array, Float32Array, Float32Array];
    const set = vi.spyOn(Float32Array.prototype, 'set');
    try {
      adam.step(w, g, m, v, w, m, v, 0.1, 0.001, 3e-3, 1e-7);
      expect(set).not.toHaveBeenCalled();
    } finally {
      set.mockRestore();
    }
    for (let k = 0; k < 3; k++) expectSameBits([w, m, v][k]!, want[k]!, ['w', 'm', 'v'][k]!);
    for (const room of held) heapRelease(room);
  });

  it('works on operands allocated after the heap grew past the engine\'s view', () => {
    const engine = WasmAdam.create()!; // its scratch lies below the growth
    const grow = heapArray('float32', heapStats().memoryBytes / 4) as Float32Array; // forces a grow
    const n = 8192 + 5;
    const src = [data(n, 5, 2), data(n, 6, 1), data(n, 7, 0.2), data(n, 8, 0.01, true)];
    const want = expected(src[0]!, src[1]!, src[2]!, src[3]!, 0.9, 0.1, 1e-2, 1e-8);
    const held: Float32Array[] = [];
    for (const mask of [15, 5]) {
      const [w, g, m, v] = src.map((a, k) => place(a, (mask & (1 << k)) !== 0, held)) as [Float32Array, Float32Array, Float32Array, Float32Array];
      engine.step(w, g, m, v, w, m, v, 0.9, 0.1, 1e-2, 1e-8);
      for (let k = 0; k < 3; k++) expectSameBits([w, m, v][k]!, want[k]!, `mask=${mask} ${['w', 'm', 'v'][k]}`);
    }
    for (const room of held) heapRelease(room);
    heapRelease(grow);
  });
});

describe('relaxed SIMD', () => {
  it('is on in Node (a V8 flag on Node 20, the default from Node 22), so the GEMM multiplies with FMA', async () => {
    const { relaxedSimd } = await import('../src/wasm/relaxed.js');
    const { gemmUsesFma } = await import('../src/wasm/gemm.js');
    const version = Number(process.versions.node.split('.')[0]);
    expect(version).toBeGreaterThanOrEqual(20);
    expect(relaxedSimd()).toBe(process.env['NABLA_RELAXED_SIMD'] !== '0' || version >= 22);
    expect(gemmUsesFma()).toBe(relaxedSimd());
  });
});
