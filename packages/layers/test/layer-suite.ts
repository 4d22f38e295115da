import { Variable, variableGrads } from '@nabla/autograd';
import {
  expectClose, FD_STEP, GRADIENT_TOLERANCES, randomValues, reference, refConv2dTranspose, refDepthwiseConv2d, useBackend,
  type ConformanceTarget, type Tolerance,
} from '@nabla/conformance';
import { add, mul, sum, tensor, tidy, type Tensor } from '@nabla/tensor';
import { describe, expect, it } from 'vitest';
import {
  AveragePooling1D, AveragePooling2D, BatchNormalization, Bidirectional, Conv1D, Conv2D, Conv2DTranspose, Cropping2D, Dense,
  DepthwiseConv2D, Embedding, Flatten, GlobalAveragePooling1D, GlobalAveragePooling2D, GlobalMaxPooling1D, GlobalMaxPooling2D, GRU,
  LayerNormalization, LSTM, MaxPooling1D, MaxPooling2D, Permute, RepeatVector, Reshape, SeparableConv2D, SimpleRNN, Softmax, TimeDistributed,
  UpSampling2D, ZeroPadding2D, type BaseRNN, type Layer,
} from '../src/index.js';
import { rnnReference, seqToBTU, type RefArgs } from './rnn-reference.js';

/**
 * The layer conformance suite: every layer's forward output against a direct float64 computation
 * written here, and its gradients w.r.t. the input and every trainable weight against central finite
 * differences, on whichever backend the test file activates (layers-cpu / layers-webgpu).
 *
 * Gradients follow packages/conformance/src/gradients.ts: L = Σₖ Σ yₖ·rₖ with fixed random rₖ,
 * autograd's ∂L/∂θ against (L(θ + h·eⱼ) − L(θ − h·eⱼ)) / 2h (h = 1e-2, the layer run in float32 on the
 * backend, the sum over outputs in float64, so outputs the step does not touch cancel exactly), with
 * the tolerance classes `linear` (the layer is linear or piecewise linear in each coordinate: only
 * float32 rounding remains) and `smooth` (adds the truncation error h²/6·|f‴|). Inputs of max
 * pooling are distinct (≥ 0.1 apart) and activations are smooth (tanh) or absent, so no kink lies
 * within a step.
 */

interface Out {
  shape: number[];
  values: number[];
}

export interface LayerCase {
  name: string;
  make: () => Layer;
  /** The input shape, batch included. */
  input: number[];
  /** 'distinct': all different (max pooling); { ids }: int32 indices in [0, ids) (no input gradient). Default uniform [-1, 1). */
  draw?: 'distinct' | { ids: number };
  training?: boolean;
  /** The outputs to check (default `[layer.apply(x, { training })]`). */
  run?: (layer: Layer, x: Tensor, training: boolean) => Tensor[];
  /** The outputs in float64 from the input values and the weights' values (in `layer.weights` order). */
  ref: (x: number[], w: number[][]) => Out[];
  cls: 'linear' | 'smooth';
  /** Forward tolerance (default rtol 1e-4, atol 2e-5). */
  tol?: Partial<Tolerance>;
}

const FORWARD_TOLERANCE: Tolerance = { rtol: 1e-4, atol: 2e-5 };

const hash = (s: string): number => {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619) >>> 0;
  return h || 1;
};
const prod = (s: readonly number[]): number => s.reduce((a, b) => a * b, 1);

/** Weight values: gamma and moving variance positive (around 1), the rest uniform in [-0.6, 0.6). */
function weightRange(name: string): [number, number] {
  return /(gamma|moving_variance)$/.test(name) ? [0.5, 1.5] : [-0.6, 0.6];
}

function drawInput(c: LayerCase, seed: number): number[] {
  const n = prod(c.input);
  if (c.draw === 'distinct') {
    const v = Array.from({ length: n }, (_, k) => (k - n / 2) * 0.1);
    const u = randomValues(n, seed, 0, 1);
    for (let k = n - 1; k > 0; k--) {
      const j = Math.floor(u[k]! * (k + 1));
      [v[k], v[j]] = [v[j]!, v[k]!];
    }
    return v.map((x) => Math.fround(x));
  }
  if (c.draw) return Array.from(randomValues(n, seed, 0, 1), (u) => Math.min(Math.floor(u * (c.draw as { ids: number }).ids), (c.draw as { ids: number }).ids - 1));
  return Array.from(randomValues(n, seed, -1, 1));
}

function inputTensor(c: LayerCase, v: readonly number[]): Tensor {
  return c.draw && c.draw !== 'distinct' ? tensor(Int32Array.from(v), c.input, 'int32') : tensor(Float32Array.from(v), c.input);
}

/** A built layer with deterministic weights, and the values used. */
function setup(c: LayerCase): { layer: Layer; x: number[]; w: number[][] } {
  const seed = hash(c.name);
  const layer = c.make();
  layer.build([null, ...c.input.slice(1)]);
  const w = layer.weights.map((v, i) => {
    const [lo, hi] = weightRange(v.name);
    const values = Array.from(randomValues(v.size, seed + 31 * (i + 1), lo, hi));
    const t = tensor(Float32Array.from(values), v.shape);
    v.assign(t);
    t.dispose();
    return values;
  });
  return { layer, x: drawInput(c, seed), w };
}

function outputs(c: LayerCase, layer: Layer, x: Tensor): Tensor[] {
  const training = c.training ?? false;
  return c.run ? c.run(layer, x, training) : [layer.apply(x, { training })];
}

/** Σₖ Σ yₖ·rₖ in float64 from the backend's float32 outputs. */
async function loss64(c: LayerCase, layer: Layer, xv: readonly number[], r: readonly Float32Array[]): Promise<number> {
  const x = inputTensor(c, xv);
  const ys = tidy(() => outputs(c, layer, x));
  let s = 0;
  try {
    for (let k = 0; k < ys.length; k++) {
      const d = await ys[k]!.data();
      for (let i = 0; i < d.length; i++) s += r[k]![i]! * d[i]!;
    }
  } finally {
    for (const y of ys) y.dispose();
    x.dispose();
  }
  return s;
}

async function checkForward(c: LayerCase): Promise<void> {
  const { layer, x, w } = setup(c);
  const xt = inputTensor(c, x);
  const ys = tidy(() => outputs(c, layer, xt));
  try {
    const ref = c.ref(x, w);
    expect(ys.length, `${c.name}: number of outputs`).toBe(ref.length);
    for (let k = 0; k < ref.length; k++) {
      expect(ys[k]!.shape, `${c.name}: shape of output ${k}`).toEqual(ref[k]!.shape);
      expectClose(await ys[k]!.data(), ref[k]!.values, { ...FORWARD_TOLERANCE, ...c.tol }, `${c.name}: output ${k}`);
    }
  } finally {
    for (const y of ys) y.dispose();
    xt.dispose();
    layer.dispose();
  }
}

async function checkGradients(c: LayerCase): Promise<void> {
  const seed = hash(c.name);
  const { layer, x } = setup(c);
  const floatInput = c.draw === undefined || c.draw === 'distinct';
  const xt = inputTensor(c, x);
  const xVar = floatInput ? new Variable(xt, { name: 'input' }) : null;
  const params: { name: string; v: Variable }[] = [
    ...(xVar ? [{ name: 'input', v: xVar }] : []),
    ...layer.trainableWeights.map((v) => ({ name: v.name, v })),
  ];
  expect(params.length, `${c.name}: something to differentiate`).toBeGreaterThan(0);
  try {
    // the output shapes give the random weights rₖ
    const shapes = tidy(() => outputs(c, layer, xt)).map((y) => {
      const s = [...y.shape];
      y.dispose();
      return s;
    });
    const r = shapes.map((s, k) => randomValues(prod(s), seed + 7 + k, -1, 1));
    const rt = r.map((v, k) => tensor(v, shapes[k]));
    const { value, grads } = variableGrads(() => {
      const ys = outputs(c, layer, xVar ?? xt);
      return ys.reduce<Tensor>((acc, y, k) => (k === 0 ? sum(mul(y, rt[k]!)) : add(acc, sum(mul(y, rt[k]!)))), undefined as unknown as Tensor);
    }, params.map((p) => p.v));
    value.dispose();
    rt.forEach((t) => t.dispose());
    const analytic: Float32Array[] = [];
    for (const p of params) {
      const g = grads.get(p.v);
      expect(g, `${c.name}: a gradient for ${p.name}`).toBeDefined();
      expect(g!.shape, `${c.name}: shape of ∂L/∂${p.name}`).toEqual(p.v.shape);
      analytic.push((await g!.data()) as Float32Array);
    }
    for (const g of grads.values()) g.dispose();

    const h = FD_STEP.float32;
    const tol = GRADIENT_TOLERANCES[c.cls];
    for (const [pi, p] of params.entries()) {
      const base = Float32Array.from(await p.v.data());
      const fd = new Float64Array(base.length);
      const at = async (vals: Float32Array): Promise<number> => {
        if (p.v === xVar) return loss64(c, layer, Array.from(vals), r);
        const t = tensor(vals, p.v.shape);
        p.v.assign(t);
        t.dispose();
        return loss64(c, layer, x, r);
      };
      for (let j = 0; j < base.length; j++) {
        const plus = base.slice();
        const minus = base.slice();
        plus[j] = base[j]! + h;
        minus[j] = base[j]! - h;
        fd[j] = ((await at(plus)) - (await at(minus))) / (plus[j]! - minus[j]!);
      }
      if (p.v !== xVar) await at(base);
      expectClose(analytic[pi]!, fd, tol, `${c.name}: ∂L/∂${p.name} vs finite differences`);
    }
  } finally {
    xVar?.dispose();
    xt.dispose();
    layer.dispose();
  }
}

// ---------------------------------------------------------------- float64 references

const tanh = Math.tanh;
const ident = (v: number): number => v;

/** act(x·W + b) over the last axis. */
function dense64(x: number[], inShape: number[], W: number[], b: number[] | null, units: number, act: (v: number) => number = ident): Out {
  const f = inShape[inShape.length - 1]!;
  const rows = x.length / f;
  const out: number[] = [];
  for (let i = 0; i < rows; i++) {
    for (let u = 0; u < units; u++) {
      let s = b ? b[u]! : 0;
      for (let k = 0; k < f; k++) s += x[i * f + k]! * W[k * units + u]!;
      out.push(act(s));
    }
  }
  return { shape: [...inShape.slice(0, -1), units], values: out };
}

/** Adds a per-channel bias (last axis) and applies act. */
function biasAct(o: { shape: number[]; values: number[] }, b: number[] | undefined, act: (v: number) => number = ident): Out {
  const c = o.shape[o.shape.length - 1]!;
  return { shape: o.shape, values: o.values.map((v, i) => act(v + (b ? b[i % c]! : 0))) };
}

type Geo = { strides: [number, number]; dilations: [number, number]; padding: 'valid' | 'same' };
const geo = (strides: [number, number], padding: 'valid' | 'same', dilations: [number, number] = [1, 1]): Geo => ({ strides, dilations, padding });

/** 1-D as 2-D with height 1: [n, w, c] -> [n, 1, w, c] and back. */
const drop1 = (o: Out): Out => ({ shape: [o.shape[0]!, o.shape[2]!, o.shape[3]!], values: o.values });

function rnn(kind: RefArgs['kind'], x: number[], [B, T, F]: number[], U: number, w: number[][], extra: Partial<RefArgs> = {}) {
  return rnnReference({ kind, x, B: B!, T: T!, F: F!, U, W: w[0]!, R: w[1]!, b: w[2] ?? null, ...extra });
}

function pool64(x: number[], shape: number[], k: [number, number], s: [number, number], padding: 'valid' | 'same', fold: 'max' | 'avg'): Out {
  return reference.refPool2d(x, shape, k, s, padding, fold === 'max' ? (v) => Math.max(...v) : (v) => v.reduce((a, b) => a + b, 0) / v.length);
}

/** Reduces all axes between the first and the last: [b, ..., c] -> [b, c]. */
function global64(x: number[], shape: number[], fold: 'max' | 'avg'): number[] {
  const [b, c] = [shape[0]!, shape[shape.length - 1]!];
  const n = x.length / (b * c);
  const out: number[] = [];
  for (let i = 0; i < b; i++) {
    for (let ch = 0; ch < c; ch++) {
      const cells = Array.from({ length: n }, (_, k) => x[(i * n + k) * c + ch]!);
      out.push(fold === 'max' ? Math.max(...cells) : cells.reduce((a, v) => a + v, 0) / n);
    }
  }
  return out;
}

/** Normalizes over `groups` of `size` elements, with stride `stride` between members and per-element gamma/beta indices. */
function normalize64(x: number[], mean: (i: number) => number, variance: (i: number) => number, eps: number, gamma: (i: number) => number, beta: (i: number) => number): number[] {
  return x.map((v, i) => gamma(i) * (v - mean(i)) / Math.sqrt(variance(i) + eps) + beta(i));
}

function moments(values: number[]): { m: number; v: number } {
  const m = values.reduce((a, b) => a + b, 0) / values.length;
  return { m, v: values.reduce((a, b) => a + (b - m) ** 2, 0) / values.length };
}

// ---------------------------------------------------------------- the cases

const withState = (l: Layer, x: Tensor, training: boolean): Tensor[] => (l as BaseRNN).applyWithState(x, { training });

export const LAYER_CASES: LayerCase[] = [
  // core
  {
    name: 'Dense tanh [3,4] -> 3',
    make: () => new Dense({ units: 3, activation: 'tanh' }),
    input: [3, 4],
    cls: 'smooth',
    ref: (x, [W, b]) => [dense64(x, [3, 4], W!, b!, 3, tanh)],
  },
  {
    name: 'Dense on 3-D input [2,3,4] -> 2, no bias',
    make: () => new Dense({ units: 2, useBias: false }),
    input: [2, 3, 4],
    cls: 'linear',
    ref: (x, [W]) => [dense64(x, [2, 3, 4], W!, null, 2)],
  },
  {
    name: 'Flatten [2,3,2,2]',
    make: () => new Flatten(),
    input: [2, 3, 2, 2],
    cls: 'linear',
    ref: (x) => [{ shape: [2, 12], values: x }],
  },
  {
    name: 'Reshape [-1, 2]',
    make: () => new Reshape({ targetShape: [-1, 2] }),
    input: [2, 3, 4],
    cls: 'linear',
    ref: (x) => [{ shape: [2, 6, 2], values: x }],
  },
  {
    name: 'Softmax axis 1 of [2,3,4]',
    make: () => new Softmax({ axis: 1 }),
    input: [2, 3, 4],
    cls: 'smooth',
    ref: (x) => {
      const out = new Array<number>(24);
      for (let b = 0; b < 2; b++) {
        for (let j = 0; j < 4; j++) {
          const at = [0, 1, 2].map((i) => (b * 3 + i) * 4 + j);
          const z = at.reduce((a, k) => a + Math.exp(x[k]!), 0);
          for (const k of at) out[k] = Math.exp(x[k]!) / z;
        }
      }
      return [{ shape: [2, 3, 4], values: out }];
    },
  },

  // convolutions
  {
    name: 'Conv1D valid, stride 2',
    make: () => new Conv1D({ filters: 2, kernelSize: 3, strides: 2 }),
    input: [2, 9, 3],
    cls: 'linear',
    ref: (x, [k, b]) => [drop1(biasAct(reference.refConv2d(x, [2, 1, 9, 3], k!, [1, 3, 3, 2], geo([1, 2], 'valid')), b))],
  },
  {
    name: 'Conv1D same, dilation 2, tanh',
    make: () => new Conv1D({ filters: 3, kernelSize: 3, padding: 'same', dilationRate: 2, activation: 'tanh' }),
    input: [1, 8, 2],
    cls: 'smooth',
    ref: (x, [k, b]) => [drop1(biasAct(reference.refConv2d(x, [1, 1, 8, 2], k!, [1, 3, 2, 3], geo([1, 1], 'same', [1, 2])), b, tanh))],
  },
  {
    name: 'Conv2D valid, tanh',
    make: () => new Conv2D({ filters: 3, kernelSize: 3, activation: 'tanh' }),
    input: [1, 5, 5, 2],
    cls: 'smooth',
    ref: (x, [k, b]) => [biasAct(reference.refConv2d(x, [1, 5, 5, 2], k!, [3, 3, 2, 3], geo([1, 1], 'valid')), b, tanh)],
  },
  {
    name: 'Conv2D same, strides 2, kernel [3,2]',
    make: () => new Conv2D({ filters: 2, kernelSize: [3, 2], strides: 2, padding: 'same' }),
    input: [1, 5, 6, 2],
    cls: 'linear',
    ref: (x, [k, b]) => [biasAct(reference.refConv2d(x, [1, 5, 6, 2], k!, [3, 2, 2, 2], geo([2, 2], 'same')), b)],
  },
  {
    name: 'Conv2D same, dilation 2',
    make: () => new Conv2D({ filters: 2, kernelSize: 2, dilationRate: 2, padding: 'same' }),
    input: [1, 6, 5, 1],
    cls: 'linear',
    ref: (x, [k, b]) => [biasAct(reference.refConv2d(x, [1, 6, 5, 1], k!, [2, 2, 1, 2], geo([1, 1], 'same', [2, 2])), b)],
  },
  {
    name: 'DepthwiseConv2D same, strides 2, depthMultiplier 2',
    make: () => new DepthwiseConv2D({ kernelSize: 3, strides: 2, padding: 'same', depthMultiplier: 2 }),
    input: [1, 5, 5, 2],
    cls: 'linear',
    ref: (x, [k, b]) => [biasAct(refDepthwiseConv2d(x, [1, 5, 5, 2], k!, [3, 3, 2, 2], geo([2, 2], 'same')), b)],
  },
  {
    name: 'DepthwiseConv2D valid, dilation 2, tanh',
    make: () => new DepthwiseConv2D({ kernelSize: [2, 3], dilationRate: 2, activation: 'tanh' }),
    input: [1, 5, 6, 2],
    cls: 'smooth',
    ref: (x, [k, b]) => [biasAct(refDepthwiseConv2d(x, [1, 5, 6, 2], k!, [2, 3, 2, 1], geo([1, 1], 'valid', [2, 2])), b, tanh)],
  },
  {
    name: 'SeparableConv2D same, depthMultiplier 2',
    make: () => new SeparableConv2D({ filters: 3, kernelSize: 3, padding: 'same', depthMultiplier: 2 }),
    input: [1, 4, 5, 2],
    cls: 'linear',
    ref: (x, [dk, pk, b]) => {
      const mid = refDepthwiseConv2d(x, [1, 4, 5, 2], dk!, [3, 3, 2, 2], geo([1, 1], 'same'));
      return [biasAct(reference.refConv2d(mid.values, mid.shape, pk!, [1, 1, 4, 3], geo([1, 1], 'valid')), b)];
    },
  },
  {
    name: 'SeparableConv2D valid, strides 2, tanh',
    make: () => new SeparableConv2D({ filters: 2, kernelSize: 3, strides: 2, activation: 'tanh' }),
    input: [1, 6, 5, 2],
    cls: 'smooth',
    ref: (x, [dk, pk, b]) => {
      const mid = refDepthwiseConv2d(x, [1, 6, 5, 2], dk!, [3, 3, 2, 1], geo([2, 2], 'valid'));
      return [biasAct(reference.refConv2d(mid.values, mid.shape, pk!, [1, 1, 2, 2], geo([1, 1], 'valid')), b, tanh)];
    },
  },
  {
    name: 'Conv2DTranspose same, strides 2',
    make: () => new Conv2DTranspose({ filters: 2, kernelSize: 3, strides: 2, padding: 'same' }),
    input: [1, 3, 3, 2],
    cls: 'linear',
    ref: (x, [k, b]) => [biasAct(refConv2dTranspose(x, [1, 3, 3, 2], k!, [3, 3, 2, 2], geo([2, 2], 'same'), [6, 6]), b)],
  },
  {
    name: 'Conv2DTranspose valid, strides 2, outputPadding [1,0]',
    make: () => new Conv2DTranspose({ filters: 3, kernelSize: [2, 3], strides: 2, outputPadding: [1, 0] }),
    input: [2, 3, 2, 2],
    cls: 'linear',
    // (3 − 1)·2 + 2 + 1 = 7, (2 − 1)·2 + 3 + 0 = 5
    ref: (x, [k, b]) => [biasAct(refConv2dTranspose(x, [2, 3, 2, 2], k!, [2, 3, 3, 2], geo([2, 2], 'valid'), [7, 5]), b)],
  },
  {
    name: 'Conv2DTranspose same, dilation 2, tanh',
    make: () => new Conv2DTranspose({ filters: 2, kernelSize: 3, dilationRate: 2, padding: 'same', activation: 'tanh' }),
    input: [1, 4, 4, 1],
    cls: 'smooth',
    ref: (x, [k, b]) => [biasAct(refConv2dTranspose(x, [1, 4, 4, 1], k!, [3, 3, 2, 1], geo([1, 1], 'same', [2, 2]), [4, 4]), b, tanh)],
  },

  // pooling
  {
    name: 'MaxPooling1D pool 2 (strides = pool)',
    make: () => new MaxPooling1D({ poolSize: 2 }),
    input: [2, 7, 2],
    draw: 'distinct',
    cls: 'linear',
    ref: (x) => [drop1(pool64(x, [2, 1, 7, 2], [1, 2], [1, 2], 'valid', 'max'))],
  },
  {
    name: 'MaxPooling2D pool 3, strides 2, same',
    make: () => new MaxPooling2D({ poolSize: 3, strides: 2, padding: 'same' }),
    input: [1, 5, 5, 2],
    draw: 'distinct',
    cls: 'linear',
    ref: (x) => [pool64(x, [1, 5, 5, 2], [3, 3], [2, 2], 'same', 'max')],
  },
  {
    name: 'AveragePooling1D pool 3, strides 2, same',
    make: () => new AveragePooling1D({ poolSize: 3, strides: 2, padding: 'same' }),
    input: [2, 7, 2],
    cls: 'linear',
    ref: (x) => [drop1(pool64(x, [2, 1, 7, 2], [1, 3], [1, 2], 'same', 'avg'))],
  },
  {
    name: 'AveragePooling2D pool 2, valid',
    make: () => new AveragePooling2D({ poolSize: 2 }),
    input: [1, 5, 6, 2],
    cls: 'linear',
    ref: (x) => [pool64(x, [1, 5, 6, 2], [2, 2], [2, 2], 'valid', 'avg')],
  },
  {
    name: 'GlobalMaxPooling1D',
    make: () => new GlobalMaxPooling1D(),
    input: [2, 5, 3],
    draw: 'distinct',
    cls: 'linear',
    ref: (x) => [{ shape: [2, 3], values: global64(x, [2, 5, 3], 'max') }],
  },
  {
    name: 'GlobalAveragePooling1D',
    make: () => new GlobalAveragePooling1D(),
    input: [2, 5, 3],
    cls: 'linear',
    ref: (x) => [{ shape: [2, 3], values: global64(x, [2, 5, 3], 'avg') }],
  },
  {
    name: 'GlobalMaxPooling2D',
    make: () => new GlobalMaxPooling2D(),
    input: [2, 3, 4, 2],
    draw: 'distinct',
    cls: 'linear',
    ref: (x) => [{ shape: [2, 2], values: global64(x, [2, 3, 4, 2], 'max') }],
  },
  {
    name: 'GlobalAveragePooling2D keepdims',
    make: () => new GlobalAveragePooling2D({ keepdims: true }),
    input: [2, 3, 4, 2],
    cls: 'linear',
    ref: (x) => [{ shape: [2, 1, 1, 2], values: global64(x, [2, 3, 4, 2], 'avg') }],
  },

  // reshaping
  {
    name: 'ZeroPadding2D [[1,2],[0,1]]',
    make: () => new ZeroPadding2D({ padding: [[1, 2], [0, 1]] }),
    input: [1, 3, 2, 2],
    cls: 'linear',
    ref: (x) => {
      const out = new Array<number>(6 * 3 * 2).fill(0);
      for (let i = 0; i < 3; i++) for (let j = 0; j < 2; j++) for (let c = 0; c < 2; c++) out[((i + 1) * 3 + j) * 2 + c] = x[(i * 2 + j) * 2 + c]!;
      return [{ shape: [1, 6, 3, 2], values: out }];
    },
  },
  {
    name: 'UpSampling2D size [2,3]',
    make: () => new UpSampling2D({ size: [2, 3] }),
    input: [2, 2, 2, 1],
    cls: 'linear',
    ref: (x) => {
      const out: number[] = [];
      for (let b = 0; b < 2; b++) for (let i = 0; i < 4; i++) for (let j = 0; j < 6; j++) out.push(x[(b * 2 + Math.floor(i / 2)) * 2 + Math.floor(j / 3)]!);
      return [{ shape: [2, 4, 6, 1], values: out }];
    },
  },
  {
    name: 'Cropping2D [[1,0],[1,2]]',
    make: () => new Cropping2D({ cropping: [[1, 0], [1, 2]] }),
    input: [1, 4, 5, 2],
    cls: 'linear',
    ref: (x) => {
      const out: number[] = [];
      for (let i = 1; i < 4; i++) for (let j = 1; j < 3; j++) for (let c = 0; c < 2; c++) out.push(x[(i * 5 + j) * 2 + c]!);
      return [{ shape: [1, 3, 2, 2], values: out }];
    },
  },
  {
    name: 'RepeatVector 3',
    make: () => new RepeatVector(3),
    input: [2, 4],
    cls: 'linear',
    ref: (x) => [{ shape: [2, 3, 4], values: [0, 1].flatMap((b) => [0, 1, 2].flatMap(() => x.slice(b * 4, b * 4 + 4))) }],
  },
  {
    name: 'Permute [2,1]',
    make: () => new Permute([2, 1]),
    input: [2, 3, 4],
    cls: 'linear',
    ref: (x) => {
      const out: number[] = [];
      for (let b = 0; b < 2; b++) for (let j = 0; j < 4; j++) for (let i = 0; i < 3; i++) out.push(x[(b * 3 + i) * 4 + j]!);
      return [{ shape: [2, 4, 3], values: out }];
    },
  },

  // recurrent
  {
    name: 'SimpleRNN returnSequences',
    make: () => new SimpleRNN({ units: 3, returnSequences: true }),
    input: [2, 4, 3],
    cls: 'smooth',
    ref: (x, w) => [{ shape: [2, 4, 3], values: seqToBTU(rnn('simple', x, [2, 4, 3], 3, w).seq, 2, 3) }],
  },
  {
    name: 'LSTM returnState (output, h, c)',
    make: () => new LSTM({ units: 2, returnState: true }),
    input: [2, 3, 3],
    run: withState,
    cls: 'smooth',
    ref: (x, w) => {
      const r = rnn('lstm', x, [2, 3, 3], 2, w);
      return [{ shape: [2, 2], values: r.h }, { shape: [2, 2], values: r.h }, { shape: [2, 2], values: r.c! }];
    },
  },
  {
    name: 'LSTM goBackwards, returnSequences',
    make: () => new LSTM({ units: 2, goBackwards: true, returnSequences: true }),
    input: [1, 4, 2],
    cls: 'smooth',
    ref: (x, w) => [{ shape: [1, 4, 2], values: seqToBTU(rnn('lstm', x, [1, 4, 2], 2, w, { goBackwards: true }).seq, 1, 2) }],
  },
  {
    name: 'GRU (resetAfter) goBackwards, returnSequences',
    make: () => new GRU({ units: 2, goBackwards: true, returnSequences: true }),
    input: [2, 3, 2],
    cls: 'smooth',
    ref: (x, w) => [{ shape: [2, 3, 2], values: seqToBTU(rnn('gru', x, [2, 3, 2], 2, w, { goBackwards: true }).seq, 2, 2) }],
  },
  {
    name: 'GRU resetAfter false, returnState',
    make: () => new GRU({ units: 2, resetAfter: false, returnState: true }),
    input: [2, 3, 2],
    run: withState,
    cls: 'smooth',
    ref: (x, w) => {
      const r = rnn('gru', x, [2, 3, 2], 2, w, { resetAfter: false });
      return [{ shape: [2, 2], values: r.h }, { shape: [2, 2], values: r.h }];
    },
  },

  // wrappers
  {
    name: 'Bidirectional(LSTM, returnSequences) concat',
    make: () => new Bidirectional({ layer: new LSTM({ units: 1, returnSequences: true }) }),
    input: [2, 3, 2],
    cls: 'smooth',
    ref: (x, w) => {
      const f = rnn('lstm', x, [2, 3, 2], 1, w.slice(0, 3));
      const b = rnn('lstm', x, [2, 3, 2], 1, w.slice(3), { goBackwards: true });
      const yf = seqToBTU(f.seq, 2, 1);
      const yb = seqToBTU([...b.seq].reverse(), 2, 1); // back in input time order
      return [{ shape: [2, 3, 2], values: yf.flatMap((v, i) => [v, yb[i]!]) }];
    },
  },
  {
    name: "Bidirectional(GRU) mergeMode 'sum'",
    make: () => new Bidirectional({ layer: new GRU({ units: 1 }), mergeMode: 'sum' }),
    input: [2, 3, 2],
    cls: 'smooth',
    ref: (x, w) => {
      const f = rnn('gru', x, [2, 3, 2], 1, w.slice(0, 3));
      const b = rnn('gru', x, [2, 3, 2], 1, w.slice(3), { goBackwards: true });
      return [{ shape: [2, 1], values: f.h.map((v, i) => v + b.h[i]!) }];
    },
  },
  {
    name: 'TimeDistributed(Dense tanh)',
    make: () => new TimeDistributed({ layer: new Dense({ units: 2, activation: 'tanh' }) }),
    input: [2, 3, 4],
    cls: 'smooth',
    ref: (x, [W, b]) => [dense64(x, [2, 3, 4], W!, b!, 2, tanh)],
  },

  // embedding: the gradient flows into the table only
  {
    name: 'Embedding (gradient into the table)',
    make: () => new Embedding({ inputDim: 5, outputDim: 3 }),
    input: [2, 4],
    draw: { ids: 5 },
    cls: 'linear',
    ref: (x, [table]) => [{ shape: [2, 4, 3], values: x.flatMap((id) => table!.slice(id * 3, id * 3 + 3)) }],
  },

  // normalization (epsilon 1e-3, as Keras)
  {
    name: 'BatchNormalization training (batch statistics)',
    make: () => new BatchNormalization(),
    input: [4, 3],
    training: true,
    cls: 'smooth',
    ref: (x, [gamma, beta]) => {
      const st = [0, 1, 2].map((c) => moments([0, 1, 2, 3].map((b) => x[b * 3 + c]!)));
      return [{ shape: [4, 3], values: normalize64(x, (i) => st[i % 3]!.m, (i) => st[i % 3]!.v, 1e-3, (i) => gamma![i % 3]!, (i) => beta![i % 3]!) }];
    },
  },
  {
    name: 'BatchNormalization inference (moving statistics), 3-D input',
    make: () => new BatchNormalization(),
    input: [2, 3, 4],
    cls: 'linear',
    ref: (x, [gamma, beta, mm, mv]) => [{ shape: [2, 3, 4], values: normalize64(x, (i) => mm![i % 4]!, (i) => mv![i % 4]!, 1e-3, (i) => gamma![i % 4]!, (i) => beta![i % 4]!) }],
  },
  {
    name: 'LayerNormalization last axis',
    make: () => new LayerNormalization(),
    input: [3, 4],
    cls: 'smooth',
    ref: (x, [gamma, beta]) => {
      const st = [0, 1, 2].map((r) => moments(x.slice(r * 4, r * 4 + 4)));
      return [{ shape: [3, 4], values: normalize64(x, (i) => st[Math.floor(i / 4)]!.m, (i) => st[Math.floor(i / 4)]!.v, 1e-3, (i) => gamma![i % 4]!, (i) => beta![i % 4]!) }];
    },
  },
];

/** Registers the layer suite for one backend (call at the top level of a test file). */
export function runLayerSuite(target: ConformanceTarget): void {
  describe(`layer suite [${target.name}]`, () => {
    useBackend(target);
    for (const c of LAYER_CASES) {
      describe(c.name, () => {
        it('forward equals a float64 computation', () => checkForward(c));
        it('gradients (input and weights) match central finite differences', () => checkGradients(c));
      });
    }
  });
}
