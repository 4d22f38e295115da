import { describe, expect, it } from 'vitest';
import { WasmAdam } from '../src/wasm/adam.js';

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
