import { sizeOf, type PoolGeometry, type Shape, type TensorInfo, type TypedArray, type WindowParams } from '@nabla/tensor';
import { describe, expect, it, vi } from 'vitest';
import { fusedKernels } from '../src/fused.js';
import { fastReluGrad, RELU_GRAD_WASM_MIN, reluGradReference } from '../src/relu-grad.js';
import {
  COL2IM_WASM_MIN, maxPool2d, maxPool2dGrad, maxPool2dGradReference, maxPool2dReference, POOL_WASM_MIN, windowsGrad, windowsGradReference,
} from '../src/windows.js';
import { RELU_CHUNK, wasmWindows } from '../src/wasm/windows.js';
import { checkAndFree, expectSameBits, place, rng } from './helpers.js';
import { heapArray, heapRelease } from '../src/heap.js';

// The wasm SIMD window kernels (src/wasm/windows.ts) against the JS loops they replace, their
// oracle: the results must be the same float32 bits, every NaN equal to every NaN.

const engine = wasmWindows();

const SPECIAL = [NaN, Infinity, -Infinity, 0, -0, 1e-45, -1e-45, 3.4e38, -3.4e38, 1, -1, 0.5];
/** Few distinct values: windows full of ties, zeros of both signs, infinities, a rare NaN. */
const TIES = [-0, 0, -0, 0, 1, 1, -1, 2, 2, -Infinity, Infinity, -2];

type Profile = 'ties' | 'wide' | 'special';

/**
 * ties: values from TIES (2% NaN); wide: magnitudes 2^-40 .. 2^40 of both signs (sums whose
 * rounding depends on the order of additions); special: a third IEEE corner cases.
 */
function data(n: number, seed: number, profile: Profile): Float32Array {
  const next = rng(seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const u = next();
    if (profile === 'ties') out[i] = u < 0.02 ? NaN : TIES[Math.floor(next() * TIES.length)]!;
    else if (profile === 'special' && u < 0.35) out[i] = SPECIAL[Math.floor(next() * SPECIAL.length)]!;
    else out[i] = (next() - 0.5) * 2 ** Math.floor(next() * 80 - 40);
  }
  return out;
}

const stridesOf = (shape: Shape): number[] => shape.map((_, i) => shape.slice(i + 1).reduce((a, b) => a * b, 1));
const view = (buffer: TypedArray, shape: Shape, offset = 0): TensorInfo => ({ buffer, dtype: 'float32', shape, strides: stridesOf(shape), offset });

const pooled = (n: number, k: number, s: number): number => (n < k ? 0 : Math.floor((n - k) / s) + 1);

const pool = (k: [number, number], s: [number, number], pads: [[number, number], [number, number]] = [[0, 0], [0, 0]]): PoolGeometry => ({ kernel: k, strides: s, pads });
const POOL2 = pool([2, 2], [2, 2]);
/** Geometries beside the fast one: some take the wasm path on some shapes, most never. */
const OTHER_POOLS: PoolGeometry[] = [
  pool([2, 2], [2, 2], [[0, 1], [0, 1]]), // fast where H and W are even (the pads are unused), else a padding cell
  pool([2, 2], [2, 2], [[1, 0], [1, 0]]),
  pool([3, 3], [2, 2]),
  pool([2, 2], [1, 1]), // overlapping windows: float64 accumulation in the JS
  pool([3, 3], [3, 3], [[1, 1], [1, 1]]),
  pool([2, 1], [2, 1]),
];

/** Whether the geometry is one the wasm path takes (as windows.ts decides it). */
function fastPool(shape: Shape, p: PoolGeometry): boolean {
  const [, h, w, c] = shape as [number, number, number, number];
  const oh = pooled(h + p.pads[0][0] + p.pads[0][1], p.kernel[0], p.strides[0]);
  const ow = pooled(w + p.pads[1][0] + p.pads[1][1], p.kernel[1], p.strides[1]);
  return p.kernel.every((k) => k === 2) && p.strides.every((s) => s === 2) && p.pads[0][0] === 0 && p.pads[1][0] === 0
    && 2 * oh <= h && 2 * ow <= w && oh > 0 && ow > 0 && c % 4 === 0;
}

const HS = [2, 3, 5, 11, 13, 26, 28];
const CS = [1, 3, 4, 8, 32, 64];

/**
 * [N, H, W, C] cases: every H × W × C with N cycling through 1, 3, 64 (smaller where that would
 * be large, to keep the run short), then the CNN's sizes (`big`: the fast geometry and one other).
 */
function poolShapes(): { shape: Shape; big: boolean }[] {
  const shapes: { shape: Shape; big: boolean }[] = [];
  let k = 0;
  for (const h of HS) {
    for (const w of HS) {
      for (const c of CS) {
        let n = [1, 3, 64][k++ % 3]!;
        if (n === 64 && h * w * c > 2048) n = 3;
        if (n === 3 && h * w * c > 16384) n = 1;
        shapes.push({ shape: [n, h, w, c], big: false });
      }
    }
  }
  for (const shape of [[64, 26, 26, 32], [64, 11, 11, 64], [64, 28, 28, 4], [3, 28, 28, 64]]) shapes.push({ shape, big: true });
  return shapes;
}

describe('wasm SIMD window kernels against the JS loops', () => {
  it('are available here, so the comparisons below exercise them', () => {
    // Node 20 has WebAssembly SIMD; without it every fast path would silently be the JS one
    expect(engine).not.toBeNull();
  });

  it('maxPool2d: every shape, the fast geometry and others, ties, NaN, infinities, zeros of both signs', () => {
    let fastCases = 0;
    for (const [s, { shape, big }] of poolShapes().entries()) {
      const x = view(data(sizeOf(shape), 100 + s, s % 4 === 3 ? 'special' : 'ties'), shape);
      for (const p of big ? [POOL2, OTHER_POOLS[3]!] : [POOL2, ...OTHER_POOLS]) {
        const label = `maxPool2d [${shape}] k${p.kernel} s${p.strides} p${p.pads}`;
        const want = maxPool2dReference(x, p);
        expectSameBits(maxPool2d(x, p), want, label);
        if (fastPool(shape, p) && engine !== null) {
          // the engine itself, also below the size threshold and in blocks of one window row
          const [n, h, w, c] = shape as [number, number, number, number];
          for (const block of big ? [undefined] : [1, 1000, undefined]) {
            const out = new Float32Array(want.length);
            engine.maxPool2x2(x.buffer as Float32Array, out, n, h, w, c, Math.floor(h / 2), Math.floor(w / 2), block);
            expectSameBits(out, want, `${label} engine block ${block}`);
          }
          if (sizeOf(shape) >= POOL_WASM_MIN) fastCases++;
        }
      }
    }
    expect(fastCases).toBeGreaterThan(40);
  });

  it('maxPool2d keeps the first zero\'s sign and propagates NaN wherever it sits in the window', () => {
    // 4 channels (one vector), 16 windows of one image, each a permutation of interesting cells
    const windows = [
      [-0, 0, -1, -2], [0, -0, -1, -2], [-1, -0, 0, -3], [-1, 0, -0, -3], [-2, -1, -3, -0], [-0, -0, -0, 0],
      [NaN, 1, 2, 3], [1, NaN, 2, 3], [1, 2, NaN, 3], [1, 2, 3, NaN], [-Infinity, -Infinity, -Infinity, -Infinity],
      [Infinity, NaN, 1, 1], [3, 3, 3, 3], [-1, -1, -2, -1], [1e-45, -0, 0, -1e-45], [-Infinity, -0, -Infinity, -Infinity],
    ];
    // [1, 8, 8, 4]: window (y, x) = windows[4y + x] in every channel, lanes rotated per channel
    const x = new Float32Array(8 * 8 * 4);
    windows.forEach((win, k) => {
      const [y, xo] = [Math.floor(k / 4), k % 4];
      for (let c = 0; c < 4; c++) {
        for (let cell = 0; cell < 4; cell++) {
          const [i, j] = [cell >> 1, cell & 1];
          x[((2 * y + i) * 8 + 2 * xo + j) * 4 + c] = win[(cell + c) % 4]!;
        }
      }
    });
    const xi = view(x, [1, 8, 8, 4]);
    const out = new Float32Array(64);
    engine!.maxPool2x2(x, out, 1, 8, 8, 4, 4, 4);
    const want = maxPool2dReference(xi, POOL2);
    expectSameBits(out, want, 'special windows');
    // and the oracle itself folds as documented: window 0 in channel 0 is [-0, 0, -1, -2] -> -0
    expect(Object.is(want[0], -0)).toBe(true);
    expect(Object.is(want[1], 0)).toBe(true); // channel 1 sees [0, -1, -2, -0]
    const dy = data(64, 7, 'special');
    const g = new Float32Array(x.length);
    engine!.maxPool2x2Grad(x, dy, g, 1, 8, 8, 4, 4, 4);
    expectSameBits(g, maxPool2dGradReference(xi, view(dy, [1, 4, 4, 4]), POOL2), 'special windows grad');
  });

  it('maxPool2dGrad: every shape and geometry, ties sharing dy, NaN windows sending nothing, odd edges zero', () => {
    for (const [s, { shape, big }] of poolShapes().entries()) {
      const [n, h, w, c] = shape as [number, number, number, number];
      const x = view(data(sizeOf(shape), 200 + s, s % 4 === 3 ? 'special' : 'ties'), shape);
      for (const p of big ? [POOL2, OTHER_POOLS[3]!] : [POOL2, ...OTHER_POOLS]) {
        const oh = pooled(h + p.pads[0][0] + p.pads[0][1], p.kernel[0], p.strides[0]);
        const ow = pooled(w + p.pads[1][0] + p.pads[1][1], p.kernel[1], p.strides[1]);
        const dyShape = [n, oh, ow, c];
        const dy = view(data(sizeOf(dyShape), 300 + s, s % 2 === 0 ? 'special' : 'wide'), dyShape);
        const label = `maxPool2dGrad [${shape}] k${p.kernel} s${p.strides} p${p.pads}`;
        const want = maxPool2dGradReference(x, dy, p);
        expectSameBits(maxPool2dGrad(x, dy, p), want, label);
        if (fastPool(shape, p) && engine !== null) {
          for (const block of big ? [undefined] : [1, 1000]) {
            const out = new Float32Array(want.length);
            engine.maxPool2x2Grad(x.buffer as Float32Array, dy.buffer as Float32Array, out, n, h, w, c, oh, ow, block);
            expectSameBits(out, want, `${label} engine block ${block}`);
          }
        }
      }
    }
  });

  it('maxPool2d and its gradient give the reference bits in a reused heap block full of garbage (even and odd sizes)', () => {
    for (const [h, w] of [[8, 8], [9, 8], [8, 9], [9, 11]] as const) {
      const [n, c] = [2, 8];
      const [oh, ow] = [Math.floor(h / 2), Math.floor(w / 2)];
      const x = view(data(n * h * w * c, h * 31 + w, 'ties'), [n, h, w, c]);
      const dy = view(data(n * oh * ow * c, h * 37 + w, 'wide'), [n, oh, ow, c]);
      for (const size of [n * oh * ow * c, n * h * w * c]) {
        // the outputs' blocks were just freed holding NaN: whatever the kernel leaves unwritten shows
        const dirty = heapArray('float32', size)!;
        dirty.fill(NaN);
        heapRelease(dirty);
      }
      const pooled2 = maxPool2d(x, POOL2);
      expectSameBits(pooled2, maxPool2dReference(x, POOL2), `pool [${h}, ${w}]`);
      const dirty = heapArray('float32', n * h * w * c)!;
      dirty.fill(NaN);
      heapRelease(dirty);
      const grad = maxPool2dGrad(x, dy, POOL2);
      expectSameBits(grad, maxPool2dGradReference(x, dy, POOL2), `pool grad [${h}, ${w}]`);
      heapRelease(pooled2);
      heapRelease(grad);
    }
  });

  it('maxPool2d and its gradient read strided and offset views', () => {
    // x stored [N, C, H, W] and viewed NHWC; dy at an offset in a larger buffer
    const [n, h, w, c] = [3, 10, 12, 8];
    const nchw = data(n * c * h * w, 41, 'ties');
    const x: TensorInfo = { buffer: nchw, dtype: 'float32', shape: [n, h, w, c], strides: [c * h * w, w, 1, h * w], offset: 0 };
    const dyBuf = data(5 + n * 5 * 6 * c, 42, 'special');
    const dy: TensorInfo = { buffer: dyBuf, dtype: 'float32', shape: [n, 5, 6, c], strides: stridesOf([n, 5, 6, c]), offset: 5 };
    expectSameBits(maxPool2d(x, POOL2), maxPool2dReference(x, POOL2), 'strided x');
    expectSameBits(maxPool2dGrad(x, dy, POOL2), maxPool2dGradReference(x, dy, POOL2), 'strided x, offset dy');
  });
});

describe('wasm SIMD windowsGrad (col2im) against the JS loop', () => {
  interface Case { n: number; h: number; w: number; c: number; p: WindowParams }
  const params = (k: [number, number], s: [number, number], d: [number, number] = [1, 1]): WindowParams => ({ kernel: k, strides: s, dilations: d });
  const GEOMETRIES = [
    params([3, 3], [1, 1]), // conv 3×3: overlapping windows
    params([2, 2], [2, 2]),
    params([3, 3], [2, 2]),
    params([1, 1], [1, 1]),
    params([2, 3], [1, 2], [2, 1]),
    params([1, 2], [3, 3]), // gaps: rows and columns in no window
    params([5, 5], [1, 1]),
  ];

  /** The window counts of a valid window view, or one more (windows past the input: the JS skips those cells). */
  function dyShape({ n, h, w, c, p }: Case, extra: number): Shape | null {
    const oh = pooled(h, (p.kernel[0] - 1) * p.dilations[0] + 1, p.strides[0]) + extra;
    const ow = pooled(w, (p.kernel[1] - 1) * p.dilations[1] + 1, p.strides[1]) + extra;
    return oh > 0 && ow > 0 ? [n, oh, ow, p.kernel[0], p.kernel[1], c] : null;
  }

  function cases(): Case[] {
    const out: Case[] = [];
    let k = 0;
    for (const h of HS) {
      for (const w of HS) {
        for (const c of CS) {
          const p = GEOMETRIES[k % GEOMETRIES.length]!;
          let n = [1, 3, 64][k++ % 3]!;
          if (n === 64 && h * w * c > 2048) n = 3;
          if (n === 3 && h * w * c > 16384) n = 1;
          out.push({ n, h, w, c, p });
        }
      }
    }
    out.push({ n: 64, h: 13, w: 13, c: 32, p: GEOMETRIES[0]! }, { n: 3, h: 28, w: 28, c: 64, p: GEOMETRIES[0]! });
    return out;
  }

  it('contiguous dy: every shape and geometry, with blocks down to one window row', () => {
    let fastCases = 0;
    for (const [s, cs] of cases().entries()) {
      for (const extra of [0, 1]) {
        const shape = dyShape(cs, extra);
        if (shape === null) continue;
        const dy = view(data(sizeOf(shape), 500 + s, s % 3 === 0 ? 'special' : 'wide'), shape);
        const inputShape = [cs.n, cs.h, cs.w, cs.c];
        const label = `windowsGrad dy [${shape}] onto [${inputShape}] k${cs.p.kernel} s${cs.p.strides} d${cs.p.dilations}`;
        const want = windowsGradReference(dy, inputShape, cs.p);
        expectSameBits(windowsGrad(dy, inputShape, cs.p), want, label);
        if (cs.c % 4 === 0 && engine !== null) {
          const [, oh, ow] = shape as number[];
          for (const block of [1, 3000]) {
            const out = new Float32Array(want.length);
            engine.col2im(dy.buffer as Float32Array, out, cs.n, cs.h, cs.w, cs.c, oh!, ow!, cs.p.kernel[0], cs.p.kernel[1],
              cs.p.strides[0], cs.p.strides[1], cs.p.dilations[0], cs.p.dilations[1], block);
            expectSameBits(out, want, `${label} engine block ${block}`);
          }
          if (sizeOf(shape) >= COL2IM_WASM_MIN) fastCases++;
        }
      }
    }
    expect(fastCases).toBeGreaterThan(40);
  });

  it('strided dy: the pooling layout [N, OH, OW, C, KH, KW] viewed as [N, OH, OW, KH, KW, C], and an offset', () => {
    for (const [s, cs] of [
      { n: 3, h: 13, w: 11, c: 32, p: GEOMETRIES[0]! },
      { n: 64, h: 11, w: 11, c: 8, p: GEOMETRIES[2]! },
      { n: 1, h: 28, w: 26, c: 4, p: GEOMETRIES[4]! },
      { n: 3, h: 26, w: 28, c: 64, p: GEOMETRIES[1]! },
    ].entries()) {
      const shape = dyShape(cs, 0)!;
      const [n, oh, ow, kh, kw, c] = shape as [number, number, number, number, number, number];
      const buf = data(7 + sizeOf(shape), 700 + s, 'wide');
      const transposed: TensorInfo = {
        buffer: buf, dtype: 'float32', shape,
        strides: [oh * ow * c * kh * kw, ow * c * kh * kw, c * kh * kw, kw, 1, kh * kw], offset: 7,
      };
      const inputShape = [n, cs.h, cs.w, c];
      expectSameBits(windowsGrad(transposed, inputShape, cs.p), windowsGradReference(transposed, inputShape, cs.p), `transposed dy [${shape}]`);
      const offset = view(buf, shape, 7);
      expectSameBits(windowsGrad(offset, inputShape, cs.p), windowsGradReference(offset, inputShape, cs.p), `offset dy [${shape}]`);
    }
  });

  it('sums in the JS order: cancellation that another order would round differently', () => {
    // one input cell under nine windows (3×3 conv, stride 1): 2^30, 1, -2^30 ... in float64 the
    // order decides which small terms survive; the float32 rounding of the total shows it
    const [h, w, c] = [5, 5, 4];
    const shape = [1, 3, 3, 3, 3, c];
    const dy = new Float32Array(sizeOf(shape));
    const terms = [2 ** 60, 1, -(2 ** 60), 2 ** -30, 3, 2 ** 60, -3, -(2 ** 60), 2 ** -40];
    // window (y, x), element (2 - y, 2 - x): all nine view cell (2, 2)
    for (let y = 0; y < 3; y++) for (let x = 0; x < 3; x++) for (let ch = 0; ch < c; ch++) dy[((((y * 3 + x) * 3 + 2 - y) * 3 + 2 - x) * c) + ch] = terms[(y * 3 + x + ch) % 9]! * (ch + 1);
    const p = params([3, 3], [1, 1]);
    const want = windowsGradReference(view(dy, shape), [1, h, w, c], p);
    const out = new Float32Array(want.length);
    engine!.col2im(dy, out, 1, h, w, c, 3, 3, 3, 3, 1, 1, 1, 1);
    expectSameBits(out, want, 'cancellation');
    // the rotated channels really do differ (so a wrong order would show)
    const cell = (2 * w + 2) * c;
    expect(new Set(Array.from(want.subarray(cell, cell + c))).size).toBeGreaterThan(1);
  });
});

describe('wasm SIMD reluGrad against the JS loop', () => {
  const SIZES = [0, 1, 3, 4, 5, RELU_GRAD_WASM_MIN - 1, RELU_GRAD_WASM_MIN, RELU_GRAD_WASM_MIN + 3, 1023, RELU_CHUNK - 1, RELU_CHUNK, RELU_CHUNK + 5, 2 * RELU_CHUNK + 3];
  const oracle = fusedKernels.reluGrad!;

  it('every size around the threshold and the chunk, IEEE corner cases in x and dy', () => {
    for (const n of SIZES) {
      const x = view(data(n, n * 3 + 1, 'special'), [n]);
      const dy = view(data(n, n * 5 + 2, 'special'), [n]);
      const want = oracle(x, dy) as Float32Array;
      // the copied loop is the fused.ts one, and the wasm equals both; NaN dy keeps its bits in both
      expectSameBits(reluGradReference(x, dy), want, `reference n=${n}`);
      const got = fastReluGrad(x, dy);
      expectSameBits(got, want, `fast n=${n}`);
      // the wasm path keeps even NaN payloads (below the threshold a plain float loop may not)
      if (n < RELU_GRAD_WASM_MIN) continue;
      const gb = new Uint32Array(got.buffer);
      const wb = new Uint32Array(want.buffer);
      for (let i = 0; i < n; i++) if (gb[i] !== wb[i]) expect(`n=${n} [${i}] 0x${gb[i]!.toString(16)}`).toBe(`0x${wb[i]!.toString(16)}`);
    }
  });

  it('x at exactly 0, -0, NaN, +Infinity, the least subnormal', () => {
    const xs = [0, -0, NaN, -NaN, Infinity, -Infinity, 1e-45, -1e-45, 1, -1];
    const n = 16 * xs.length;
    const x = Float32Array.from({ length: n }, (_, i) => xs[i % xs.length]!);
    const dy = Float32Array.from({ length: n }, (_, i) => (i % 7) - 3.5);
    const got = fastReluGrad(view(x, [n]), view(dy, [n]));
    for (let i = 0; i < n; i++) expect(Object.is(got[i], x[i]! > 0 ? dy[i] : 0), `x=${x[i]}`).toBe(true);
  });

  it('reads transposed and offset views', () => {
    const [r, c] = [37, 129];
    const xb = data(r * c + 3, 11, 'special');
    const db = data(r * c + 3, 12, 'wide');
    const t = (b: Float32Array): TensorInfo => ({ buffer: b, dtype: 'float32', shape: [c, r], strides: [1, c], offset: 3 });
    expectSameBits(fastReluGrad(t(xb), t(db)), oracle(t(xb), t(db)) as Float32Array, 'transposed');
    const o = (b: Float32Array): TensorInfo => ({ buffer: b, dtype: 'float32', shape: [r, c], strides: [c, 1], offset: 3 });
    expectSameBits(fastReluGrad(o(xb), o(db)), oracle(o(xb), o(db)) as Float32Array, 'offset');
  });
});

describe('window kernels on heap and foreign operands', () => {
  const wasm = engine!;
  /** Runs `body` with TypedArray.prototype.set counted; returns the count. */
  const countSets = (body: () => void): number => {
    const set = vi.spyOn(Float32Array.prototype, 'set');
    try {
      body();
      return set.mock.calls.length;
    } finally {
      set.mockRestore();
    }
  };

  const POOL_SHAPES: [number, number, number, number][] = [[1, 2, 2, 4], [3, 5, 7, 8], [2, 13, 11, 32], [64, 26, 26, 32]];

  it('max pooling and its gradient give the foreign-only bits for every placement, blocked or not', () => {
    for (const [k, [nb, h, w, ch]] of POOL_SHAPES.entries()) {
      const [oh, ow] = [Math.floor(h / 2), Math.floor(w / 2)];
      const x = data(nb * h * w * ch, 900 + k, 'ties');
      const dy = data(nb * oh * ow * ch, 910 + k, 'special');
      const wantF = maxPool2dReference(view(x, [nb, h, w, ch]), POOL2);
      const wantB = maxPool2dGradReference(view(x, [nb, h, w, ch]), view(dy, [nb, oh, ow, ch]), POOL2);
      for (const block of nb > 60 ? [undefined] : [1, undefined]) {
        for (let mask = 0; mask < 8; mask++) {
          const on = (bit: number): boolean => (mask & (1 << bit)) !== 0;
          const label = `[${nb}, ${h}, ${w}, ${ch}] block ${block} mask=${mask}`;
          const held: Float32Array[] = [];
          const X = place(x, on(0), held);
          const D = place(dy, on(1), held);
          const outF = place(new Float32Array(wantF.length), on(2), held);
          const outB = place(new Float32Array(wantB.length), on(2), held); // zero-filled, as the contract asks
          wasm.maxPool2x2(X, outF, nb, h, w, ch, oh, ow, block);
          wasm.maxPool2x2Grad(X, D, outB, nb, h, w, ch, oh, ow, block);
          expectSameBits(outF, wantF, `${label} forward`);
          expectSameBits(outB, wantB, `${label} backward`);
          expectSameBits(X, x, `${label} x untouched`);
          expectSameBits(D, dy, `${label} dy untouched`);
          checkAndFree(held, label);
        }
      }
    }
  });

  it('col2im gives the foreign-only bits for every placement, blocked or not', () => {
    const cases: { n: number; h: number; w: number; c: number; k: [number, number]; s: [number, number]; d: [number, number] }[] = [
      { n: 3, h: 13, w: 11, c: 8, k: [3, 3], s: [1, 1], d: [1, 1] },
      { n: 2, h: 11, w: 13, c: 4, k: [2, 3], s: [1, 2], d: [2, 1] },
      { n: 1, h: 28, w: 28, c: 32, k: [5, 5], s: [1, 1], d: [1, 1] },
      { n: 2, h: 7, w: 7, c: 4, k: [1, 2], s: [3, 3], d: [1, 1] },
    ];
    for (const [i, cs] of cases.entries()) {
      const oh = pooled(cs.h, (cs.k[0] - 1) * cs.d[0] + 1, cs.s[0]);
      const ow = pooled(cs.w, (cs.k[1] - 1) * cs.d[1] + 1, cs.s[1]);
      const shape = [cs.n, oh, ow, cs.k[0], cs.k[1], cs.c];
      const dy = data(sizeOf(shape), 950 + i, 'wide');
      const want = windowsGradReference(view(dy, shape), [cs.n, cs.h, cs.w, cs.c], { kernel: cs.k, strides: cs.s, dilations: cs.d }) as Float32Array;
      for (const block of [1, 3000, undefined]) {
        for (let mask = 0; mask < 4; mask++) {
          const label = `col2im case ${i} block ${block} mask=${mask}`;
          const held: Float32Array[] = [];
          const D = place(dy, (mask & 1) !== 0, held);
          const out = place(new Float32Array(want.length), (mask & 2) !== 0, held);
          wasm.col2im(D, out, cs.n, cs.h, cs.w, cs.c, oh, ow, cs.k[0], cs.k[1], cs.s[0], cs.s[1], cs.d[0], cs.d[1], block);
          expectSameBits(out, want, label);
          expectSameBits(D, dy, `${label} dy untouched`);
          checkAndFree(held, label);
        }
      }
    }
  });

  it('relu\'s gradient gives the foreign-only bits for every placement', () => {
    for (const n of [4, 5, 67, 1023, RELU_CHUNK + 3, 2 * RELU_CHUNK + 4]) {
      const x = data(n, 970 + n, 'special');
      const dy = data(n, 980 + n, 'special');
      const want = reluGradReference(view(x, [n]), view(dy, [n]));
      for (let mask = 0; mask < 8; mask++) {
        const on = (bit: number): boolean => (mask & (1 << bit)) !== 0;
        const label = `reluGrad n=${n} mask=${mask}`;
        const held: Float32Array[] = [];
        const X = place(x, on(0), held);
        const D = place(dy, on(1), held);
        const out = place(new Float32Array(n), on(2), held);
        wasm.reluGrad(X, D, out, n);
        expectSameBits(out, want, label);
        // in place over dy too (out may be dy)
        if (mask === 7) {
          wasm.reluGrad(X, D, D, n);
          expectSameBits(D, want, `${label} over dy`);
        } else expectSameBits(D, dy, `${label} dy untouched`);
        checkAndFree(held, label);
      }
    }
  });

  it('copies nothing when every operand is on the heap', () => {
    const [nb, h, w, ch] = [4, 13, 12, 8];
    const [oh, ow] = [6, 6];
    const held: Float32Array[] = [];
    const x = place(data(nb * h * w * ch, 990, 'ties'), true, held);
    const dy = place(data(nb * oh * ow * ch, 991, 'wide'), true, held);
    const pooledOut = place(new Float32Array(nb * oh * ow * ch), true, held);
    const grad = place(new Float32Array(nb * h * w * ch), true, held);
    const dyWin = place(data(nb * 11 * 10 * 9 * ch, 992, 'wide'), true, held); // 3x3 windows, stride 1
    const col = place(new Float32Array(nb * h * w * ch), true, held);
    const relu = place(new Float32Array(nb * h * w * ch), true, held);
    const sets = countSets(() => {
      wasm.maxPool2x2(x, pooledOut, nb, h, w, ch, oh, ow);
      wasm.maxPool2x2Grad(x, dy, grad, nb, h, w, ch, oh, ow);
      wasm.col2im(dyWin, col, nb, h, w, ch, 11, 10, 3, 3, 1, 1, 1, 1);
      wasm.reluGrad(x, grad, relu, x.length);
    });
    expect(sets).toBe(0);
    expectSameBits(pooledOut, maxPool2dReference(view(x, [nb, h, w, ch]), POOL2), 'pool');
    expectSameBits(grad, maxPool2dGradReference(view(x, [nb, h, w, ch]), view(dy, [nb, oh, ow, ch]), POOL2), 'pool grad');
    expectSameBits(col, windowsGradReference(view(dyWin, [nb, 11, 10, 3, 3, ch]), [nb, h, w, ch], { kernel: [3, 3], strides: [1, 1], dilations: [1, 1] }) as Float32Array, 'col2im');
    expectSameBits(relu, reluGradReference(view(x, [x.length]), view(grad, [x.length])), 'reluGrad');
    checkAndFree(held, 'all on the heap');
  });
});
