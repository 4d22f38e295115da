import {
  eye, fill, Random, randomNormal, randomUniform, tensor, truncatedNormal, zeros, type DType, type Tensor,
} from '@nabla/tensor';
import { checkSeed, describe, freshSeed, lookupKey, normalizeSerialized, type JsonObject, type Serialized } from './common.js';

/** What creates a weight's initial value: `(shape, dtype) => Tensor` (a new tensor the caller owns). */
export type Initializer = (shape: readonly number[], dtype?: DType) => Tensor;

function checkWeightShape(owner: string, shape: readonly number[]): void {
  if (!Array.isArray(shape) || shape.some((d) => !Number.isInteger(d) || d < 0)) {
    throw new RangeError(`${owner}: invalid weight shape ${Array.isArray(shape) ? `[${shape.join(',')}]` : describe(shape)}`);
  }
}

function checkFloat(owner: string, dtype: DType): void {
  if (dtype !== 'float32') throw new TypeError(`${owner}: random initializers produce float32 values, got dtype '${dtype}'`);
}

// Instances are callable (an Initializer) and carry their Keras class name and config.
export interface InitializerBase extends Initializer {}
/**
 * Base class of the built-in initializers. Instances are functions `(shape, dtype?) => Tensor`
 * and serialize with `getConfig()` / `serializeInitializer`.
 */
export abstract class InitializerBase {
  /** The Keras class name (`'GlorotUniform'`), used by serialization. */
  abstract readonly className: string;

  constructor() {
    const self = ((shape: readonly number[], dtype: DType = 'float32') => {
      checkWeightShape(self.className, shape);
      return self.generate(shape, dtype);
    }) as unknown as InitializerBase;
    Object.setPrototypeOf(self, new.target.prototype);
    return self;
  }

  /** Creates the values. */
  protected abstract generate(shape: readonly number[], dtype: DType): Tensor;

  /** The constructor options, as plain JSON. */
  getConfig(): JsonObject {
    return {};
  }
}

/** All zeros. @example new Zeros()([2, 3]) */
export class Zeros extends InitializerBase {
  readonly className: string = 'Zeros';
  protected generate(shape: readonly number[], dtype: DType): Tensor {
    return zeros(shape, dtype);
  }
}

/** All ones. */
export class Ones extends InitializerBase {
  readonly className: string = 'Ones';
  protected generate(shape: readonly number[], dtype: DType): Tensor {
    return fill(shape, 1, dtype);
  }
}

/** Every value `value` (default 0). @example new Constant({ value: 0.1 }) */
export class Constant extends InitializerBase {
  readonly className: string = 'Constant';
  readonly value: number;
  constructor(opts: { value?: number } = {}) {
    super();
    this.value = opts.value ?? 0;
    if (typeof this.value !== 'number') throw new TypeError(`Constant: value must be a number, got ${describe(this.value)}`);
  }
  protected generate(shape: readonly number[], dtype: DType): Tensor {
    return fill(shape, this.value, dtype);
  }
  override getConfig(): JsonObject {
    return { value: this.value };
  }
}

/** `gain` times the identity matrix (2-D shapes only). */
export class Identity extends InitializerBase {
  readonly className: string = 'Identity';
  readonly gain: number;
  constructor(opts: { gain?: number } = {}) {
    super();
    this.gain = opts.gain ?? 1;
  }
  protected generate(shape: readonly number[], dtype: DType): Tensor {
    if (shape.length !== 2) throw new RangeError(`Identity: only 2-D shapes can be initialized, got [${shape.join(',')}]`);
    const [n, m] = shape as [number, number];
    if (this.gain === 1) return eye(n, m, dtype);
    const data = new Float32Array(n * m);
    for (let i = 0; i < Math.min(n, m); i++) data[i * m + i] = this.gain;
    return tensor(data, [n, m], dtype);
  }
  override getConfig(): JsonObject {
    return { gain: this.gain };
  }
}

/**
 * Base of the seeded initializers. As in Keras, an instance draws the same values on every
 * call: from `seed` when given, else from a seed picked when the instance is created.
 */
export abstract class RandomInitializer extends InitializerBase {
  /** The seed passed in (null when none was: `getConfig` then reports null, as Keras). */
  readonly seed: number | null;
  /** The seed actually used. */
  protected readonly effectiveSeed: number;
  constructor(seed?: number | null) {
    super();
    const s = checkSeed(new.target.name, seed);
    this.seed = s ?? null;
    this.effectiveSeed = s ?? freshSeed();
  }
  override getConfig(): JsonObject {
    return { seed: this.seed };
  }
}

/** Normal values, mean 0 and stddev 0.05 by default. */
export class RandomNormal extends RandomInitializer {
  readonly className: string = 'RandomNormal';
  readonly mean: number;
  readonly stddev: number;
  constructor(opts: { mean?: number; stddev?: number; seed?: number | null } = {}) {
    super(opts.seed);
    this.mean = opts.mean ?? 0;
    this.stddev = opts.stddev ?? 0.05;
  }
  protected generate(shape: readonly number[], dtype: DType): Tensor {
    checkFloat(this.className, dtype);
    return randomNormal(shape, { mean: this.mean, stddev: this.stddev, seed: this.effectiveSeed });
  }
  override getConfig(): JsonObject {
    return { ...super.getConfig(), mean: this.mean, stddev: this.stddev };
  }
}

/** Uniform values in [minval, maxval), -0.05..0.05 by default. */
export class RandomUniform extends RandomInitializer {
  readonly className: string = 'RandomUniform';
  readonly minval: number;
  readonly maxval: number;
  constructor(opts: { minval?: number; maxval?: number; seed?: number | null } = {}) {
    super(opts.seed);
    this.minval = opts.minval ?? -0.05;
    this.maxval = opts.maxval ?? 0.05;
  }
  protected generate(shape: readonly number[], dtype: DType): Tensor {
    checkFloat(this.className, dtype);
    return randomUniform(shape, { minval: this.minval, maxval: this.maxval, seed: this.effectiveSeed });
  }
  override getConfig(): JsonObject {
    return { ...super.getConfig(), minval: this.minval, maxval: this.maxval };
  }
}

/** Normal values redrawn beyond two standard deviations; mean 0, stddev 0.05 by default. */
export class TruncatedNormal extends RandomInitializer {
  readonly className: string = 'TruncatedNormal';
  readonly mean: number;
  readonly stddev: number;
  constructor(opts: { mean?: number; stddev?: number; seed?: number | null } = {}) {
    super(opts.seed);
    this.mean = opts.mean ?? 0;
    this.stddev = opts.stddev ?? 0.05;
  }
  protected generate(shape: readonly number[], dtype: DType): Tensor {
    checkFloat(this.className, dtype);
    return truncatedNormal(shape, { mean: this.mean, stddev: this.stddev, seed: this.effectiveSeed });
  }
  override getConfig(): JsonObject {
    return { ...super.getConfig(), mean: this.mean, stddev: this.stddev };
  }
}

/**
 * Keras' `compute_fans`: [n] -> (n, n); [in, out] -> (in, out); convolution kernels
 * [...spatial, in, out] -> (in · receptive field, out · receptive field); scalars -> (1, 1).
 */
export function computeFans(shape: readonly number[]): { fanIn: number; fanOut: number } {
  if (shape.length < 1) return { fanIn: 1, fanOut: 1 };
  if (shape.length === 1) return { fanIn: shape[0]!, fanOut: shape[0]! };
  if (shape.length === 2) return { fanIn: shape[0]!, fanOut: shape[1]! };
  let receptive = 1;
  for (const d of shape.slice(0, -2)) receptive *= d;
  return { fanIn: shape[shape.length - 2]! * receptive, fanOut: shape[shape.length - 1]! * receptive };
}

export type FanMode = 'fan_in' | 'fan_out' | 'fan_avg';
export type VarianceDistribution = 'truncated_normal' | 'untruncated_normal' | 'uniform';

/** The stddev of a standard normal truncated to [-2, 2]: Keras divides by it so the truncated values have the wanted stddev. */
export const TRUNCATED_NORMAL_STDDEV = 0.87962566103423978;

export interface VarianceScalingOptions {
  /** Positive scale (default 1). */
  scale?: number;
  /** `'fan_in'` (default), `'fan_out'` or `'fan_avg'` (camelCase accepted). */
  mode?: FanMode | 'fanIn' | 'fanOut' | 'fanAvg';
  /** `'truncated_normal'` (default; `'normal'` means it), `'untruncated_normal'` or `'uniform'`. */
  distribution?: VarianceDistribution | 'normal' | 'truncatedNormal' | 'untruncatedNormal';
  seed?: number | null;
}

/**
 * Scale-adapting initializer: n = fan_in, fan_out or their mean (at least 1); truncated normal
 * with stddev √(scale/n) / 0.8796..., untruncated normal with stddev √(scale/n), or uniform
 * in ±√(3·scale/n).
 */
export class VarianceScaling extends RandomInitializer {
  readonly className: string = 'VarianceScaling';
  readonly scale: number;
  readonly mode: FanMode;
  readonly distribution: VarianceDistribution;
  constructor(opts: VarianceScalingOptions = {}) {
    super(opts.seed);
    const scale = opts.scale ?? 1;
    if (!(typeof scale === 'number' && scale > 0)) throw new RangeError(`VarianceScaling: scale must be a positive number, got ${describe(scale)}`);
    const mode = ({ fan_in: 'fan_in', fanin: 'fan_in', fan_out: 'fan_out', fanout: 'fan_out', fan_avg: 'fan_avg', fanavg: 'fan_avg' } as Record<string, FanMode>)[
      String(opts.mode ?? 'fan_in').toLowerCase()
    ];
    if (!mode) throw new RangeError(`VarianceScaling: mode must be one of 'fan_in', 'fan_out', 'fan_avg', got ${describe(opts.mode)}`);
    const dist = lookupKey(String(opts.distribution ?? 'truncated_normal'));
    const distribution = ({ normal: 'truncated_normal', truncatednormal: 'truncated_normal', untruncatednormal: 'untruncated_normal', uniform: 'uniform' } as Record<string, VarianceDistribution>)[dist];
    if (!distribution) {
      throw new RangeError(`VarianceScaling: distribution must be one of 'truncated_normal', 'untruncated_normal', 'uniform', got ${describe(opts.distribution)}`);
    }
    this.scale = scale;
    this.mode = mode;
    this.distribution = distribution;
  }

  /** The stddev (normal distributions) or limit (uniform) for a weight shape. */
  spread(shape: readonly number[]): { stddev: number; limit: number } {
    const { fanIn, fanOut } = computeFans(shape);
    const n = this.mode === 'fan_in' ? fanIn : this.mode === 'fan_out' ? fanOut : (fanIn + fanOut) / 2;
    const s = this.scale / Math.max(1, n);
    const stddev = this.distribution === 'truncated_normal' ? Math.sqrt(s) / TRUNCATED_NORMAL_STDDEV : Math.sqrt(s);
    return { stddev, limit: Math.sqrt(3 * s) };
  }

  protected generate(shape: readonly number[], dtype: DType): Tensor {
    checkFloat(this.className, dtype);
    const { stddev, limit } = this.spread(shape);
    const seed = this.effectiveSeed;
    if (this.distribution === 'truncated_normal') return truncatedNormal(shape, { mean: 0, stddev, seed });
    if (this.distribution === 'untruncated_normal') return randomNormal(shape, { mean: 0, stddev, seed });
    return randomUniform(shape, { minval: -limit, maxval: limit, seed });
  }

  override getConfig(): JsonObject {
    return { ...super.getConfig(), scale: this.scale, mode: this.mode, distribution: this.distribution };
  }
}

abstract class FixedVarianceScaling extends VarianceScaling {
  override getConfig(): JsonObject {
    return { seed: this.seed };
  }
}

/** Glorot/Xavier uniform: uniform in ±√(6 / (fan_in + fan_out)). Dense's default kernel initializer. */
export class GlorotUniform extends FixedVarianceScaling {
  override readonly className: string = 'GlorotUniform';
  constructor(opts: { seed?: number | null } = {}) {
    super({ scale: 1, mode: 'fan_avg', distribution: 'uniform', seed: opts.seed });
  }
}

/** Glorot/Xavier normal: truncated normal with stddev √(2 / (fan_in + fan_out)). */
export class GlorotNormal extends FixedVarianceScaling {
  override readonly className: string = 'GlorotNormal';
  constructor(opts: { seed?: number | null } = {}) {
    super({ scale: 1, mode: 'fan_avg', distribution: 'truncated_normal', seed: opts.seed });
  }
}

/** He normal: truncated normal with stddev √(2 / fan_in). */
export class HeNormal extends FixedVarianceScaling {
  override readonly className: string = 'HeNormal';
  constructor(opts: { seed?: number | null } = {}) {
    super({ scale: 2, mode: 'fan_in', distribution: 'truncated_normal', seed: opts.seed });
  }
}

/** He uniform: uniform in ±√(6 / fan_in). */
export class HeUniform extends FixedVarianceScaling {
  override readonly className: string = 'HeUniform';
  constructor(opts: { seed?: number | null } = {}) {
    super({ scale: 2, mode: 'fan_in', distribution: 'uniform', seed: opts.seed });
  }
}

/** LeCun normal: truncated normal with stddev √(1 / fan_in). */
export class LecunNormal extends FixedVarianceScaling {
  override readonly className: string = 'LecunNormal';
  constructor(opts: { seed?: number | null } = {}) {
    super({ scale: 1, mode: 'fan_in', distribution: 'truncated_normal', seed: opts.seed });
  }
}

/** LeCun uniform: uniform in ±√(3 / fan_in). */
export class LecunUniform extends FixedVarianceScaling {
  override readonly className: string = 'LecunUniform';
  constructor(opts: { seed?: number | null } = {}) {
    super({ scale: 1, mode: 'fan_in', distribution: 'uniform', seed: opts.seed });
  }
}

/**
 * Householder QR of a row-major m×n float64 matrix (m >= n): the reduced Q (m×n, row-major)
 * and the diagonal of R.
 */
export function householderQR(a: Float64Array, m: number, n: number): { q: Float64Array; rDiag: Float64Array } {
  if (m < n) throw new RangeError(`householderQR: expected rows >= columns, got ${m}x${n}`);
  const r = Float64Array.from(a);
  const vs: Float64Array[] = [];
  for (let k = 0; k < n; k++) {
    const len = m - k;
    const v = new Float64Array(len);
    let norm = 0;
    for (let i = 0; i < len; i++) {
      v[i] = r[(k + i) * n + k]!;
      norm += v[i]! * v[i]!;
    }
    norm = Math.sqrt(norm);
    if (norm === 0) {
      vs.push(v.fill(0));
      continue;
    }
    const alpha = v[0]! >= 0 ? -norm : norm;
    v[0] = v[0]! - alpha;
    let vn = 0;
    for (let i = 0; i < len; i++) vn += v[i]! * v[i]!;
    vn = Math.sqrt(vn);
    for (let i = 0; i < len; i++) v[i] = v[i]! / vn;
    // R[k:, k:] -= 2 v (vᵀ R[k:, k:])
    for (let j = k; j < n; j++) {
      let dot = 0;
      for (let i = 0; i < len; i++) dot += v[i]! * r[(k + i) * n + j]!;
      for (let i = 0; i < len; i++) r[(k + i) * n + j] = r[(k + i) * n + j]! - 2 * v[i]! * dot;
    }
    vs.push(v);
  }
  // Q = H_0 H_1 ... H_{n-1} applied to the first n columns of the identity
  const q = new Float64Array(m * n);
  for (let i = 0; i < n; i++) q[i * n + i] = 1;
  for (let k = n - 1; k >= 0; k--) {
    const v = vs[k]!;
    const len = m - k;
    for (let j = 0; j < n; j++) {
      let dot = 0;
      for (let i = 0; i < len; i++) dot += v[i]! * q[(k + i) * n + j]!;
      if (dot === 0) continue;
      for (let i = 0; i < len; i++) q[(k + i) * n + j] = q[(k + i) * n + j]! - 2 * v[i]! * dot;
    }
  }
  const rDiag = new Float64Array(n);
  for (let k = 0; k < n; k++) rDiag[k] = r[k * n + k]!;
  return { q, rDiag };
}

/**
 * An orthogonal matrix (times `gain`, default 1), as Keras: the QR decomposition of a normal
 * (max(rows, cols) × min(rows, cols)) matrix, Q's columns multiplied by sign(diag(R)), transposed
 * when rows < cols, reshaped to the weight shape (rows = product of all but the last dimension).
 * Computed on the host in float64 from the same seeded stream `randomNormal` uses.
 */
export class Orthogonal extends RandomInitializer {
  readonly className: string = 'Orthogonal';
  readonly gain: number;
  constructor(opts: { gain?: number; seed?: number | null } = {}) {
    super(opts.seed);
    this.gain = opts.gain ?? 1;
  }
  protected generate(shape: readonly number[], dtype: DType): Tensor {
    checkFloat(this.className, dtype);
    if (shape.length < 2) throw new RangeError(`Orthogonal: the shape to initialize must be at least 2-D, got [${shape.join(',')}]`);
    let rows = 1;
    for (const d of shape.slice(0, -1)) rows *= d;
    const cols = shape[shape.length - 1]!;
    const m = Math.max(rows, cols);
    const n = Math.min(rows, cols);
    const rng = new Random(this.effectiveSeed);
    const a = new Float64Array(m * n);
    for (let i = 0; i < a.length; i++) a[i] = rng.normal();
    const { q, rDiag } = householderQR(a, m, n);
    const out = new Float32Array(rows * cols);
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        const d = rDiag[j]!;
        const v = this.gain * q[i * n + j]! * (d > 0 ? 1 : d < 0 ? -1 : 0);
        // rows < cols: the result is Qᵀ (cols... rows x cols)
        if (rows >= cols) out[i * cols + j] = v;
        else out[j * cols + i] = v;
      }
    }
    return tensor(out, shape);
  }
  override getConfig(): JsonObject {
    return { ...super.getConfig(), gain: this.gain };
  }
}

// ---- lookup ----

type InitializerCtor = new (opts: Record<string, unknown>) => InitializerBase;

const CLASSES = new Map<string, { className: string; ctor: InitializerCtor }>();
export function registerInitializer(className: string, ctor: new (opts: never) => InitializerBase, ...aliases: string[]): void {
  for (const n of [className, ...aliases]) CLASSES.set(lookupKey(n), { className, ctor: ctor as unknown as InitializerCtor });
}
registerInitializer('Zeros', Zeros, 'zeros', 'zero');
registerInitializer('Ones', Ones, 'ones', 'one');
registerInitializer('Constant', Constant, 'constant');
registerInitializer('Identity', Identity, 'identity');
registerInitializer('RandomNormal', RandomNormal, 'random_normal');
registerInitializer('RandomUniform', RandomUniform, 'random_uniform', 'uniform');
registerInitializer('TruncatedNormal', TruncatedNormal, 'truncated_normal');
registerInitializer('VarianceScaling', VarianceScaling, 'variance_scaling');
registerInitializer('GlorotUniform', GlorotUniform, 'glorot_uniform', 'xavier_uniform');
registerInitializer('GlorotNormal', GlorotNormal, 'glorot_normal', 'xavier_normal');
registerInitializer('HeNormal', HeNormal, 'he_normal');
registerInitializer('HeUniform', HeUniform, 'he_uniform');
registerInitializer('LecunNormal', LecunNormal, 'lecun_normal');
registerInitializer('LecunUniform', LecunUniform, 'lecun_uniform');
registerInitializer('Orthogonal', Orthogonal, 'orthogonal');

/** What resolves to an initializer: a name, a serialized `{className, config}`, or an initializer. */
export type InitializerIdentifier = string | Serialized<Record<string, unknown>> | Initializer;

/**
 * Resolves an initializer: a name (`'glorot_uniform'`, `'glorotUniform'`, `'GlorotUniform'`, `'he_normal'`, ...),
 * `{ className, config }` (Keras' `{class_name, config}` too), or an initializer (returned as is).
 * @example getInitializer({ className: 'RandomNormal', config: { stddev: 0.1, seed: 1 } })
 */
export function getInitializer(id: InitializerIdentifier): Initializer {
  if (typeof id === 'function') return id;
  if (typeof id === 'string') {
    const hit = CLASSES.get(lookupKey(id));
    if (!hit) throw new Error(`getInitializer: unknown initializer '${id}'; known: ${knownInitializers().join(', ')}`);
    return new hit.ctor({});
  }
  const { className, config } = normalizeSerialized(id, 'getInitializer');
  const hit = CLASSES.get(lookupKey(className));
  if (!hit) throw new Error(`getInitializer: unknown initializer class '${className}'; known: ${knownInitializers().join(', ')}`);
  return new hit.ctor(config);
}

function knownInitializers(): string[] {
  return [...new Set([...CLASSES.values()].map((v) => v.className))].sort();
}

/** `{ className, config }` of an initializer (a plain function serializes under its own name, with no config). */
export function serializeInitializer(init: Initializer): Serialized {
  if (init instanceof InitializerBase) return { className: init.className, config: init.getConfig() };
  return { className: init.name || 'anonymous', config: {} };
}
