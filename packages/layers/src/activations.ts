import {
  abs, add, clip, div, elu as eluOp, exp, expm1, gelu as geluExact, greater, leakyRelu as leakyReluOp, logSoftmax as logSoftmaxOp,
  mul, neg, relu as reluOp, relu6 as relu6Op, selu as seluOp, sigmoid as sigmoidOp, softmax as softmaxOp, softplus as softplusOp,
  sub, tanh as tanhOp, tidy, where, cast, type Tensor,
} from '@nabla/tensor';
import { describe, lookupKey } from './common.js';

/** An activation: elementwise (or along an axis) function of a tensor, differentiable through @nabla/autograd. */
export type ActivationFn = (x: Tensor) => Tensor;

/** Options of `relu` (Keras' `negative_slope`, `max_value`, `threshold`). */
export interface ReluOptions {
  /** Slope below the threshold (default 0). */
  negativeSlope?: number;
  /** Saturation value; `null`/undefined = unbounded. */
  maxValue?: number | null;
  /** Values below it are damped (default 0). */
  threshold?: number;
}

/** Identity: returns x itself. */
export function linear(x: Tensor): Tensor {
  return x;
}

/** 1 / (1 + e^-x) */
export function sigmoid(x: Tensor): Tensor {
  return sigmoidOp(x);
}

/** tanh x */
export function tanh(x: Tensor): Tensor {
  return tanhOp(x);
}

/**
 * Keras' relu: `max(x, 0)` by default; with options, `maxValue` above `maxValue`,
 * x in [threshold, maxValue), `negativeSlope * (x - threshold)` below the threshold.
 * @example relu(x, { negativeSlope: 0.5, maxValue: 5 })
 */
export function relu(x: Tensor, opts: ReluOptions = {}): Tensor {
  const negativeSlope = opts.negativeSlope ?? 0;
  const maxValue = opts.maxValue ?? null;
  const threshold = opts.threshold ?? 0;
  if (negativeSlope === 0 && maxValue === null && threshold === 0) return reluOp(x);
  return tidy(() => {
    if (negativeSlope !== 0 && maxValue === null && threshold === 0) return leakyReluOp(x, negativeSlope);
    const negativePart = negativeSlope !== 0 ? reluOp(threshold !== 0 ? add(neg(x), threshold) : neg(x)) : null;
    let clipMax = maxValue !== null;
    let y: Tensor;
    if (threshold !== 0) {
      y = mul(x, cast(greater(x, threshold), 'float32'));
    } else if (maxValue === 6) {
      y = relu6Op(x);
      clipMax = false;
    } else {
      y = reluOp(x);
    }
    if (clipMax) y = clip(y, 0, maxValue!);
    if (negativePart) y = sub(y, mul(negativePart, negativeSlope));
    return y;
  });
}

/** min(max(x, 0), 6) */
export function relu6(x: Tensor): Tensor {
  return relu6Op(x);
}

/** x for x >= 0, `negativeSlope * x` otherwise (Keras' function default 0.2; the LeakyReLU layer's is 0.3). */
export function leakyRelu(x: Tensor, negativeSlope = 0.2): Tensor {
  return leakyReluOp(x, negativeSlope);
}

/** x for x > 0, `alpha * (e^x - 1)` otherwise (alpha default 1). */
export function elu(x: Tensor, alpha = 1): Tensor {
  if (alpha === 1) return eluOp(x);
  return tidy(() => where(greater(x, 0), x, mul(expm1(x), alpha)));
}

/** Scaled ELU (alpha 1.67326324, scale 1.05070098). */
export function selu(x: Tensor): Tensor {
  return seluOp(x);
}

/**
 * GELU: exact `x·Φ(x)` by default (Keras' `approximate=False`); with `approximate`,
 * `0.5x(1 + tanh(√(2/π)(x + 0.044715x³)))`.
 */
export function gelu(x: Tensor, approximate = false): Tensor {
  if (!approximate) return geluExact(x);
  return tidy(() => {
    const inner = mul(add(x, mul(mul(mul(x, x), x), 0.044715)), Math.sqrt(2 / Math.PI));
    return mul(mul(x, 0.5), add(tanhOp(inner), 1));
  });
}

/** x · sigmoid(x) (a.k.a. swish). */
export function silu(x: Tensor): Tensor {
  return tidy(() => mul(x, sigmoidOp(x)));
}

/** Same function as `silu`. */
export const swish: ActivationFn = silu;

/** log(1 + e^x) */
export function softplus(x: Tensor): Tensor {
  return softplusOp(x);
}

/** x / (1 + |x|) */
export function softsign(x: Tensor): Tensor {
  return tidy(() => div(x, add(abs(x), 1)));
}

/** exp(x) / Σ exp(x) along `axis` (default -1). */
export function softmax(x: Tensor, axis = -1): Tensor {
  return softmaxOp(x, axis);
}

/** log(softmax(x)) along `axis` (default -1), computed stably. */
export function logSoftmax(x: Tensor, axis = -1): Tensor {
  return logSoftmaxOp(x, axis);
}

/** e^x */
export function exponential(x: Tensor): Tensor {
  return exp(x);
}

/** relu6(x + 3) / 6: 0 below -3, 1 above 3, x/6 + 0.5 between. */
export function hardSigmoid(x: Tensor): Tensor {
  return tidy(() => div(relu6Op(add(x, 3)), 6));
}

/** x · hardSigmoid(x) (a.k.a. hard swish). */
export function hardSilu(x: Tensor): Tensor {
  return tidy(() => mul(x, hardSigmoid(x)));
}

/** Same function as `hardSilu`. */
export const hardSwish: ActivationFn = hardSilu;

/** x · tanh(softplus(x)) */
export function mish(x: Tensor): Tensor {
  return tidy(() => mul(x, tanhOp(softplusOp(x))));
}

// canonical snake_case name -> function (one-argument forms with Keras' defaults)
const BUILTIN: [string, ActivationFn][] = [
  ['linear', linear],
  ['sigmoid', sigmoid],
  ['tanh', tanh],
  ['relu', (x) => relu(x)],
  ['relu6', relu6],
  ['leaky_relu', (x) => leakyRelu(x)],
  ['elu', (x) => elu(x)],
  ['selu', selu],
  ['gelu', (x) => gelu(x)],
  ['silu', silu],
  ['softplus', softplus],
  ['softsign', softsign],
  ['softmax', (x) => softmax(x)],
  ['log_softmax', (x) => logSoftmax(x)],
  ['exponential', exponential],
  ['hard_sigmoid', hardSigmoid],
  ['hard_silu', hardSilu],
  ['mish', mish],
];
const ALIASES: Record<string, string> = { swish: 'silu', hard_swish: 'hard_silu' };

const byKey = new Map<string, { name: string; fn: ActivationFn }>();
const nameOf = new Map<ActivationFn, string>();

function addActivation(name: string, fn: ActivationFn): void {
  byKey.set(lookupKey(name), { name, fn });
  if (!nameOf.has(fn)) nameOf.set(fn, name);
}
for (const [name, fn] of BUILTIN) addActivation(name, fn);
for (const [alias, target] of Object.entries(ALIASES)) byKey.set(lookupKey(alias), byKey.get(lookupKey(target))!);
// the exported functions themselves serialize under their names too
for (const [name, fn] of [
  ['relu', relu], ['leaky_relu', leakyRelu], ['elu', elu], ['gelu', gelu], ['softmax', softmax], ['log_softmax', logSoftmax],
] as [string, ActivationFn][]) nameOf.set(fn, name);

/** Makes a custom activation available to `getActivation(name)` and layer deserialization. */
export function registerActivation(name: string, fn: ActivationFn): void {
  if (typeof fn !== 'function') throw new TypeError(`registerActivation('${name}'): expected a function, got ${describe(fn)}`);
  addActivation(name, fn);
  nameOf.set(fn, name);
}

/** The known activation names (snake_case; camelCase and Keras class-style spellings also resolve). */
export function activationNames(): string[] {
  return [...new Set([...byKey.values()].map((v) => v.name)), ...Object.keys(ALIASES)].sort();
}

/**
 * Resolves an activation: a name (`'relu'`, `'leaky_relu'`/`'leakyRelu'`, `'log_softmax'`, `'swish'`...),
 * a function (returned as is), or null/undefined (linear).
 * @example const act = getActivation('gelu'); act(x)
 */
export function getActivation(id: string | ActivationFn | null | undefined): ActivationFn {
  if (id === undefined || id === null) return linear;
  if (typeof id === 'function') return id;
  if (typeof id !== 'string') throw new TypeError(`getActivation: expected a name or a function, got ${describe(id)}`);
  const hit = byKey.get(lookupKey(id));
  if (!hit) throw new Error(`getActivation: unknown activation '${id}'; known: ${activationNames().join(', ')}`);
  return hit.fn;
}

/** The name an activation serializes under (`'relu'`), or the function's own name for custom ones. */
export function activationName(fn: ActivationFn): string {
  return nameOf.get(fn) ?? (fn.name || 'anonymous');
}
