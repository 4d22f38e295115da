import { bool, normalizeOptions, num, optNum, str } from './options.js';

/**
 * A learning rate that depends on the optimizer step: `call(step)` gives the rate to use
 * for the update made when `optimizer.iterations === step` (the first update uses step 0),
 * as Keras' `LearningRateSchedule.__call__(step)`.
 *
 * Subclass it for your own schedule (implement `call` and, to serialize it, `getConfig`),
 * or pass a plain `(step) => number` function as an optimizer's `learningRate`.
 */
export abstract class LearningRateSchedule {
  /** The learning rate at `step` (the number of updates already applied). */
  abstract call(step: number): number;

  /** The constructor options (camelCase) that rebuild this schedule. */
  getConfig(): Record<string, unknown> {
    throw new Error(`Learning rate schedule '${this.constructor.name}' must override getConfig() to be serializable`);
  }

  /** The class name used by `serializeSchedule` / `deserializeSchedule`. */
  get className(): string {
    return this.constructor.name;
  }
}

/** `{ className, config }` as produced by `serializeSchedule`. */
export interface SerializedSchedule {
  className: string;
  config: Record<string, unknown>;
}

function checkStep(owner: string, step: number): void {
  if (typeof step !== 'number' || Number.isNaN(step)) throw new TypeError(`${owner}: step must be a number, got ${String(step)}`);
}

function positive(owner: string, key: string, v: number): number {
  if (!(v > 0)) throw new RangeError(`${owner}: '${key}' must be > 0, got ${v}`);
  return v;
}

export interface ExponentialDecayOptions {
  initialLearningRate: number;
  /** Must be > 0. */
  decaySteps: number;
  decayRate: number;
  /** Decay at discrete intervals (`floor(step / decaySteps)`). Default false. */
  staircase?: boolean;
  name?: string;
}

/**
 * `initialLearningRate * decayRate ** (step / decaySteps)` (the exponent floored when `staircase`).
 * @example new SGD({ learningRate: new ExponentialDecay({ initialLearningRate: 0.1, decaySteps: 1000, decayRate: 0.96 }) })
 */
export class ExponentialDecay extends LearningRateSchedule {
  readonly initialLearningRate: number;
  readonly decaySteps: number;
  readonly decayRate: number;
  readonly staircase: boolean;
  readonly name: string;

  constructor(options: ExponentialDecayOptions) {
    super();
    const o = normalizeOptions('ExponentialDecay', options, ['initialLearningRate', 'decaySteps', 'decayRate', 'staircase', 'name']);
    for (const k of ['initialLearningRate', 'decaySteps', 'decayRate']) {
      if (o[k] === undefined) throw new TypeError(`ExponentialDecay: '${k}' is required`);
    }
    this.initialLearningRate = num('ExponentialDecay', o, 'initialLearningRate', 0);
    this.decaySteps = positive('ExponentialDecay', 'decaySteps', num('ExponentialDecay', o, 'decaySteps', 0));
    this.decayRate = num('ExponentialDecay', o, 'decayRate', 0);
    this.staircase = bool('ExponentialDecay', o, 'staircase', false);
    this.name = str('ExponentialDecay', o, 'name', 'ExponentialDecay');
  }

  call(step: number): number {
    checkStep('ExponentialDecay', step);
    let p = step / this.decaySteps;
    if (this.staircase) p = Math.floor(p);
    return this.initialLearningRate * this.decayRate ** p;
  }

  override getConfig(): Record<string, unknown> {
    return {
      initialLearningRate: this.initialLearningRate, decaySteps: this.decaySteps, decayRate: this.decayRate,
      staircase: this.staircase, name: this.name,
    };
  }
}

export interface PiecewiseConstantDecayOptions {
  /** Strictly increasing step boundaries. */
  boundaries: readonly number[];
  /** One more value than boundaries. */
  values: readonly number[];
  name?: string;
}

/**
 * `values[0]` while `step <= boundaries[0]`, `values[i]` while `boundaries[i-1] < step <= boundaries[i]`,
 * `values[last]` once `step > boundaries[last]`.
 * @example new PiecewiseConstantDecay({ boundaries: [100, 200], values: [1.0, 0.5, 0.1] })
 */
export class PiecewiseConstantDecay extends LearningRateSchedule {
  readonly boundaries: readonly number[];
  readonly values: readonly number[];
  readonly name: string;

  constructor(options: PiecewiseConstantDecayOptions) {
    super();
    const o = normalizeOptions('PiecewiseConstantDecay', options, ['boundaries', 'values', 'name']);
    const b = o['boundaries'];
    const v = o['values'];
    const isNums = (x: unknown): x is number[] => Array.isArray(x) && x.every((e) => typeof e === 'number' && !Number.isNaN(e));
    if (!isNums(b) || !isNums(v)) throw new TypeError('PiecewiseConstantDecay: boundaries and values must be arrays of numbers');
    if (b.length !== v.length - 1) {
      throw new RangeError(
        `PiecewiseConstantDecay: the length of boundaries should be 1 less than the length of values; got boundaries=[${b.join(', ')}] (${b.length}) and values=[${v.join(', ')}] (${v.length})`,
      );
    }
    for (let i = 1; i < b.length; i++) {
      if (!(b[i]! > b[i - 1]!)) throw new RangeError(`PiecewiseConstantDecay: boundaries must be strictly increasing, got [${b.join(', ')}]`);
    }
    this.boundaries = [...b];
    this.values = [...v];
    this.name = str('PiecewiseConstantDecay', o, 'name', 'PiecewiseConstant');
  }

  call(step: number): number {
    checkStep('PiecewiseConstantDecay', step);
    const b = this.boundaries;
    for (let i = 0; i < b.length; i++) if (step <= b[i]!) return this.values[i]!;
    return this.values[b.length]!;
  }

  override getConfig(): Record<string, unknown> {
    return { boundaries: [...this.boundaries], values: [...this.values], name: this.name };
  }
}

export interface CosineDecayOptions {
  initialLearningRate: number;
  /** Steps to decay over (after the warmup). Must be > 0. */
  decaySteps: number;
  /** The final rate as a fraction of the rate the decay starts from. Default 0. */
  alpha?: number;
  /** When set, warm up linearly from `initialLearningRate` to this over `warmupSteps`, then decay from it. Default null. */
  warmupTarget?: number | null;
  /** Default 0. */
  warmupSteps?: number;
  name?: string;
}

/**
 * Cosine decay with optional linear warmup (Keras' `CosineDecay`): without warmup,
 * `lr0 * ((1 - alpha) * 0.5 * (1 + cos(pi * min(step, decaySteps) / decaySteps)) + alpha)`.
 * With `warmupTarget`, steps below `warmupSteps` give `lr0 + (warmupTarget - lr0) * step / warmupSteps`,
 * later ones the cosine decay from `warmupTarget` at `step - warmupSteps`.
 * @example new CosineDecay({ initialLearningRate: 0, decaySteps: 1000, warmupTarget: 0.1, warmupSteps: 100 })
 */
export class CosineDecay extends LearningRateSchedule {
  readonly initialLearningRate: number;
  readonly decaySteps: number;
  readonly alpha: number;
  readonly warmupTarget: number | null;
  readonly warmupSteps: number;
  readonly name: string;

  constructor(options: CosineDecayOptions) {
    super();
    const O = 'CosineDecay';
    const o = normalizeOptions(O, options, ['initialLearningRate', 'decaySteps', 'alpha', 'warmupTarget', 'warmupSteps', 'name']);
    for (const k of ['initialLearningRate', 'decaySteps']) if (o[k] === undefined) throw new TypeError(`${O}: '${k}' is required`);
    this.initialLearningRate = num(O, o, 'initialLearningRate', 0);
    this.decaySteps = positive(O, 'decaySteps', num(O, o, 'decaySteps', 0));
    this.alpha = num(O, o, 'alpha', 0);
    this.warmupTarget = optNum(O, o, 'warmupTarget', null);
    this.warmupSteps = num(O, o, 'warmupSteps', 0);
    if (this.warmupSteps < 0) throw new RangeError(`${O}: 'warmupSteps' must be >= 0, got ${this.warmupSteps}`);
    this.name = str(O, o, 'name', 'CosineDecay');
  }

  private decay(step: number, from: number): number {
    const cosine = 0.5 * (1 + Math.cos(Math.PI * (step / this.decaySteps)));
    return from * ((1 - this.alpha) * cosine + this.alpha);
  }

  call(step: number): number {
    checkStep('CosineDecay', step);
    if (this.warmupTarget === null) return this.decay(Math.min(step, this.decaySteps), this.initialLearningRate);
    const s = Math.min(step, this.decaySteps + this.warmupSteps);
    if (s < this.warmupSteps) {
      return (this.warmupTarget - this.initialLearningRate) * (s / this.warmupSteps) + this.initialLearningRate;
    }
    return this.decay(s - this.warmupSteps, this.warmupTarget);
  }

  override getConfig(): Record<string, unknown> {
    return {
      initialLearningRate: this.initialLearningRate, decaySteps: this.decaySteps, alpha: this.alpha,
      warmupTarget: this.warmupTarget, warmupSteps: this.warmupSteps, name: this.name,
    };
  }
}

export interface InverseTimeDecayOptions {
  initialLearningRate: number;
  /** Must be > 0. */
  decaySteps: number;
  decayRate: number;
  /** Default false. */
  staircase?: boolean;
  name?: string;
}

/**
 * `initialLearningRate / (1 + decayRate * step / decaySteps)` (`floor(step / decaySteps)` when `staircase`).
 * @example new InverseTimeDecay({ initialLearningRate: 0.1, decaySteps: 1, decayRate: 0.5 })
 */
export class InverseTimeDecay extends LearningRateSchedule {
  readonly initialLearningRate: number;
  readonly decaySteps: number;
  readonly decayRate: number;
  readonly staircase: boolean;
  readonly name: string;

  constructor(options: InverseTimeDecayOptions) {
    super();
    const O = 'InverseTimeDecay';
    const o = normalizeOptions(O, options, ['initialLearningRate', 'decaySteps', 'decayRate', 'staircase', 'name']);
    for (const k of ['initialLearningRate', 'decaySteps', 'decayRate']) if (o[k] === undefined) throw new TypeError(`${O}: '${k}' is required`);
    this.initialLearningRate = num(O, o, 'initialLearningRate', 0);
    this.decaySteps = positive(O, 'decaySteps', num(O, o, 'decaySteps', 0));
    this.decayRate = num(O, o, 'decayRate', 0);
    this.staircase = bool(O, o, 'staircase', false);
    this.name = str(O, o, 'name', 'InverseTimeDecay');
  }

  call(step: number): number {
    checkStep('InverseTimeDecay', step);
    let p = step / this.decaySteps;
    if (this.staircase) p = Math.floor(p);
    return this.initialLearningRate / (1 + this.decayRate * p);
  }

  override getConfig(): Record<string, unknown> {
    return {
      initialLearningRate: this.initialLearningRate, decaySteps: this.decaySteps, decayRate: this.decayRate,
      staircase: this.staircase, name: this.name,
    };
  }
}

export interface PolynomialDecayOptions {
  initialLearningRate: number;
  /** Must be > 0. */
  decaySteps: number;
  /** Default 0.0001. */
  endLearningRate?: number;
  /** Default 1. */
  power?: number;
  /** Restart after each multiple of decaySteps instead of holding at the end rate. Default false. */
  cycle?: boolean;
  name?: string;
}

/**
 * `(lr0 - end) * (1 - min(step, decaySteps) / decaySteps) ** power + end`; with `cycle`, decaySteps
 * is multiplied by `ceil(step / decaySteps)` (1 at step 0) instead of clamping the step.
 * @example new PolynomialDecay({ initialLearningRate: 0.1, decaySteps: 10000, endLearningRate: 0.01, power: 0.5 })
 */
export class PolynomialDecay extends LearningRateSchedule {
  readonly initialLearningRate: number;
  readonly decaySteps: number;
  readonly endLearningRate: number;
  readonly power: number;
  readonly cycle: boolean;
  readonly name: string;

  constructor(options: PolynomialDecayOptions) {
    super();
    const O = 'PolynomialDecay';
    const o = normalizeOptions(O, options, ['initialLearningRate', 'decaySteps', 'endLearningRate', 'power', 'cycle', 'name']);
    for (const k of ['initialLearningRate', 'decaySteps']) if (o[k] === undefined) throw new TypeError(`${O}: '${k}' is required`);
    this.initialLearningRate = num(O, o, 'initialLearningRate', 0);
    this.decaySteps = positive(O, 'decaySteps', num(O, o, 'decaySteps', 0));
    this.endLearningRate = num(O, o, 'endLearningRate', 0.0001);
    this.power = num(O, o, 'power', 1);
    this.cycle = bool(O, o, 'cycle', false);
    this.name = str(O, o, 'name', 'PolynomialDecay');
  }

  call(step: number): number {
    checkStep('PolynomialDecay', step);
    let decaySteps = this.decaySteps;
    let s = step;
    if (this.cycle) decaySteps *= s === 0 ? 1 : Math.ceil(s / this.decaySteps);
    else s = Math.min(s, decaySteps);
    const p = s / decaySteps;
    return (this.initialLearningRate - this.endLearningRate) * (1 - p) ** this.power + this.endLearningRate;
  }

  override getConfig(): Record<string, unknown> {
    return {
      initialLearningRate: this.initialLearningRate, decaySteps: this.decaySteps, endLearningRate: this.endLearningRate,
      power: this.power, cycle: this.cycle, name: this.name,
    };
  }
}

type ScheduleClass = new (options: never) => LearningRateSchedule;
const SCHEDULES: Readonly<Record<string, ScheduleClass>> = {
  ExponentialDecay, PiecewiseConstantDecay, CosineDecay, InverseTimeDecay, PolynomialDecay,
};

/** `{ className, config }` for a built-in (or getConfig-implementing) schedule. */
export function serializeSchedule(schedule: LearningRateSchedule): SerializedSchedule {
  return { className: schedule.className, config: schedule.getConfig() };
}

/**
 * Rebuilds a schedule from `serializeSchedule`'s output (Keras' snake_case config keys work too;
 * `class_name` is accepted for `className`).
 */
export function deserializeSchedule(data: SerializedSchedule | { class_name: string; config: Record<string, unknown> }): LearningRateSchedule {
  const className = 'className' in data ? data.className : data.class_name;
  const cls = SCHEDULES[className];
  if (!cls) throw new Error(`deserializeSchedule: unknown schedule '${className}' (known: ${Object.keys(SCHEDULES).join(', ')})`);
  return new cls(data.config as never);
}

export function isSerializedSchedule(x: unknown): x is SerializedSchedule {
  if (x === null || typeof x !== 'object') return false;
  const o = x as Record<string, unknown>;
  return (typeof o['className'] === 'string' || typeof o['class_name'] === 'string') && typeof o['config'] === 'object';
}
