import { noGrad, Variable } from '@nabla/autograd';
import {
  cast, clip, div, fill, keep, maximum, minimum, mul, reshape, sqrt, square, stack, sub, sum, add, tidy, Tensor,
} from '@nabla/tensor';
import { normalizeOptions, optNum, str } from './options.js';
import {
  deserializeSchedule, isSerializedSchedule, LearningRateSchedule, serializeSchedule, type SerializedSchedule,
} from './schedules.js';

/** A learning rate as a function of the step (the number of updates already applied). */
export type LearningRateFn = (step: number) => number;

/** A fixed rate, a schedule object, or a `(step) => rate` function. */
export type LearningRate = number | LearningRateSchedule | LearningRateFn;

/** Options every optimizer accepts (Keras' base optimizer keyword arguments, camelCase). */
export interface OptimizerOptions {
  /** A number, a `LearningRateSchedule`, a `(step) => number` function, or a serialized schedule. */
  learningRate?: LearningRate | SerializedSchedule;
  /** Decoupled weight decay: before each update, `w -= w * weightDecay * lr`. Default null (off; AdamW: 0.004). */
  weightDecay?: number | null;
  /** Clip each gradient so its own L2 norm is at most this. At most one of the three clip options may be set. */
  clipNorm?: number | null;
  /** Clip each gradient element to `[-clipValue, clipValue]`. */
  clipValue?: number | null;
  /** Scale all gradients together so their global L2 norm is at most this. */
  globalClipNorm?: number | null;
  /** Gradients are divided by this before anything else (for a loss that was multiplied by it). Default null. */
  lossScaleFactor?: number | null;
  /** Shown in errors; Keras' default names ('adam', 'SGD', ...). */
  name?: string;
}

/** The base options in `getConfig()` output. */
export interface OptimizerConfig {
  name: string;
  learningRate: number | SerializedSchedule | LearningRateFn;
  weightDecay: number | null;
  clipNorm: number | null;
  globalClipNorm: number | null;
  clipValue: number | null;
  lossScaleFactor: number | null;
  [key: string]: unknown;
}

/** One slot tensor (a moment, an accumulator...) of one variable, as `getState` exports it. */
export interface OptimizerSlotState {
  /** The variable's name (`Variable.name`, e.g. 'dense/kernel'). */
  variable: string;
  /** The slot's name ('momentum', 'velocity', ...; see `slotNames`). */
  slot: string;
  tensor: Tensor;
}

/**
 * Everything an optimizer learned while training, so that a fresh optimizer with the same
 * config continues exactly where this one stopped (its learning-rate schedule too, since
 * schedules are evaluated at `iterations`).
 */
export interface OptimizerState {
  /** The class that exported it ('Adam', ...); `setState` refuses another class's state. */
  className: string;
  /** Number of updates applied. */
  iterations: number;
  /** Scalar state beyond `iterations` (Nadam's momentum-cache product `uProduct`); plain JS numbers, exact. */
  scalars: Record<string, number>;
  /** Ordered by the variables given to `getState`, then by `slotNames` order. */
  slots: OptimizerSlotState[];
}

const BASE_KEYS = ['learningRate', 'weightDecay', 'clipNorm', 'clipValue', 'globalClipNorm', 'lossScaleFactor', 'name'] as const;
/** Keras options with no equivalent here: accepted (e.g. from a Keras config) only at their no-op values. */
const INERT_KEYS = ['useEma', 'emaMomentum', 'emaOverwriteFrequency', 'gradientAccumulationSteps'] as const;

function describe(x: unknown): string {
  if (x instanceof Tensor) return `a Tensor [${x.shape.join(', ')}] ${x.dtype}`;
  if (x === null) return 'null';
  if (Array.isArray(x)) return 'an array';
  return typeof x;
}

function fmt(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

function uniqueNames(where: string, vars: readonly Variable[]): Map<unknown, Variable> {
  if (!Array.isArray(vars)) throw new TypeError(`${where}: expected an array of Variables, got ${describe(vars)}`);
  const byName = new Map<unknown, Variable>();
  for (const v of vars) {
    if (!(v instanceof Variable)) throw new TypeError(`${where}: expected Variables, got ${describe(v)}`);
    if (byName.has(v.name)) throw new Error(`${where}: two variables are named '${v.name}'; state is matched by name, so names must be unique`);
    byName.set(v.name, v);
  }
  return byName;
}

/**
 * The per-variable state tensors (moments, accumulators...) an optimizer owns. `get` creates
 * a slot lazily (filled with `init`, the variable's shape and dtype); `set` takes ownership of
 * a new value and frees the previous one.
 */
export class Slots {
  private readonly map = new Map<string, Tensor>();

  constructor(readonly variable: Variable) {}

  /** The slot's current value, created filled with `init` on first use. Do not dispose it. */
  get(name: string, init = 0): Tensor {
    let t = this.map.get(name);
    if (!t) {
      t = keep(fill(this.variable.shape, init, this.variable.dtype));
      this.map.set(name, t);
    }
    return t;
  }

  has(name: string): boolean {
    return this.map.has(name);
  }

  /** Replaces the slot with `value`, which the optimizer then owns (it survives tidy()); the old value is disposed. */
  set(name: string, value: Tensor): void {
    if (!(value instanceof Tensor)) throw new TypeError(`Slots.set('${name}'): expected a Tensor, got ${describe(value)}`);
    const v = this.variable;
    const same = value.shape.length === v.shape.length && value.shape.every((d, i) => d === v.shape[i]);
    if (!same) throw new RangeError(`Slots.set('${name}'): slot of variable '${v.name}' must have shape ${fmt(v.shape)}, got ${fmt(value.shape)}`);
    const old = this.map.get(name);
    if (old === value) return;
    keep(value);
    this.map.set(name, value);
    old?.dispose();
  }

  /** The slot tensors by name (still owned by the optimizer). */
  entries(): Readonly<Record<string, Tensor>> {
    return Object.fromEntries(this.map);
  }

  dispose(): void {
    for (const t of this.map.values()) t.dispose();
    this.map.clear();
  }
}

/**
 * Base class of every optimizer, with Keras 3's semantics: `applyGradients(pairs)` drops null
 * gradients, divides by `lossScaleFactor`, clips (clipNorm / globalClipNorm / clipValue), applies
 * decoupled weight decay to the variables, runs `updateStep` per variable with the learning rate
 * at the current `iterations`, then increments `iterations`.
 *
 * Subclasses implement `updateStep(grad, variable, lr, slots)`: read slots with `slots.get`,
 * store new ones with `slots.set`, and update the variable with `variable.assign`. It runs inside
 * a `tidy()` (and `noGrad`), so temporaries are freed.
 */
export abstract class Optimizer {
  /** The class name used by getOptimizer/serializeOptimizer ('Adam', 'SGD', ...). */
  readonly className: string;
  readonly name: string;
  /** Number of `applyGradients` calls that updated something; schedules are evaluated at it. */
  iterations = 0;
  readonly weightDecay: number | null;
  readonly clipNorm: number | null;
  readonly clipValue: number | null;
  readonly globalClipNorm: number | null;
  readonly lossScaleFactor: number | null;

  private lr: LearningRate;
  private readonly slots = new Map<Variable, Slots>();
  private excludedVariables = new Set<Variable>();
  private excludedPattern: RegExp | null = null;
  /** The constructor options, camelCased and checked against the known keys. */
  protected readonly options: Record<string, unknown>;

  protected constructor(
    className: string,
    options: object | undefined,
    defaults: { learningRate: number; name: string; weightDecay?: number | null },
    ownKeys: readonly string[],
  ) {
    this.className = className;
    const o = normalizeOptions(className, options, [...BASE_KEYS, ...INERT_KEYS, ...ownKeys]);
    this.options = o;
    this.name = str(className, o, 'name', defaults.name);
    this.weightDecay = optNum(className, o, 'weightDecay', defaults.weightDecay ?? null);
    this.clipNorm = optNum(className, o, 'clipNorm');
    this.clipValue = optNum(className, o, 'clipValue');
    this.globalClipNorm = optNum(className, o, 'globalClipNorm');
    this.lossScaleFactor = optNum(className, o, 'lossScaleFactor');
    const clips = [this.clipNorm, this.clipValue, this.globalClipNorm].filter((c) => c !== null).length;
    if (clips > 1) {
      throw new Error(
        `${className}: only one of clipNorm, clipValue and globalClipNorm can be set; got clipNorm=${this.clipNorm}, clipValue=${this.clipValue}, globalClipNorm=${this.globalClipNorm}`,
      );
    }
    if (o['useEma'] !== undefined && o['useEma'] !== false) throw new Error(`${className}: useEma is not supported`);
    for (const k of ['emaOverwriteFrequency', 'gradientAccumulationSteps']) {
      if (o[k] !== undefined && o[k] !== null) throw new Error(`${className}: ${k} is not supported`);
    }
    this.lr = this.resolveLearningRate(o['learningRate'] === undefined ? defaults.learningRate : o['learningRate']);
  }

  private resolveLearningRate(lr: unknown): LearningRate {
    if (typeof lr === 'number') {
      if (!Number.isFinite(lr)) throw new TypeError(`${this.className}: learningRate must be a finite number, got ${lr}`);
      return lr;
    }
    if (lr instanceof LearningRateSchedule || typeof lr === 'function') return lr as LearningRate;
    if (isSerializedSchedule(lr)) return deserializeSchedule(lr);
    throw new TypeError(
      `${this.className}: learningRate must be a number, a LearningRateSchedule, a (step) => number function or a serialized schedule; got ${describe(lr)}`,
    );
  }

  /** The configured learning rate: a number, a schedule or a function (see `currentLearningRate` for its value now). */
  get learningRate(): LearningRate {
    return this.lr;
  }

  set learningRate(lr: LearningRate | SerializedSchedule) {
    this.setLearningRate(lr);
  }

  /**
   * Replaces the learning rate (e.g. from a ReduceLROnPlateau callback). As in Keras, an
   * optimizer created with a `LearningRateSchedule` cannot be given a plain number.
   */
  setLearningRate(lr: LearningRate | SerializedSchedule): void {
    const next = this.resolveLearningRate(lr);
    if (typeof next === 'number' && this.lr instanceof LearningRateSchedule) {
      throw new TypeError(
        `${this.className}: this optimizer was created with a LearningRateSchedule (${this.lr.className}) as its learningRate, so its learning rate cannot be set to a number; create it with a number learningRate to make it settable`,
      );
    }
    this.lr = next;
  }

  /** The learning rate the next update will use: the schedule/function evaluated at `iterations`. */
  get currentLearningRate(): number {
    const lr = this.lr;
    const v = typeof lr === 'number' ? lr : lr instanceof LearningRateSchedule ? lr.call(this.iterations) : lr(this.iterations);
    if (typeof v !== 'number' || Number.isNaN(v)) {
      throw new TypeError(`${this.className}: the learning rate schedule returned ${String(v)} at step ${this.iterations}; expected a number`);
    }
    return v;
  }

  /**
   * Exempts variables from weight decay: those listed, and those whose name matches any of
   * `varNames` (as regular expressions, like Keras' `exclude_from_weight_decay`).
   * @example opt.excludeFromWeightDecay({ varNames: ['bias'] })
   */
  excludeFromWeightDecay(opts: { variables?: readonly Variable[]; varNames?: readonly string[] }): void {
    this.excludedVariables = new Set(opts.variables ?? []);
    this.excludedPattern = opts.varNames && opts.varNames.length > 0 ? new RegExp([...new Set(opts.varNames)].join('|')) : null;
  }

  private useWeightDecay(v: Variable): boolean {
    if (this.excludedVariables.has(v)) return false;
    return !(this.excludedPattern && this.excludedPattern.test(v.name));
  }

  /**
   * Updates each Variable from its gradient, in place. Pairs whose gradient is null/undefined are
   * skipped (with a warning naming them); all gradients null throws; an empty list does nothing.
   * Gradients are not disposed (the caller owns them).
   * @example opt.applyGradients([[gW, w], [gB, b]]);
   */
  applyGradients(pairs: readonly (readonly [Tensor | null | undefined, Variable])[]): void {
    const where = `${this.className}.applyGradients`;
    if (!Array.isArray(pairs)) throw new TypeError(`${where}: expected an array of [gradient, variable] pairs, got ${describe(pairs)}`);
    if (pairs.length === 0) return;
    const grads: Tensor[] = [];
    const vars: Variable[] = [];
    const missing: string[] = [];
    const seen = new Set<Variable>();
    pairs.forEach((pair, i) => {
      if (!Array.isArray(pair) || pair.length !== 2) throw new TypeError(`${where}: pair ${i} must be [gradient, variable], got ${describe(pair)}`);
      const [g, v] = pair as unknown as readonly [unknown, unknown];
      if (!(v instanceof Variable)) throw new TypeError(`${where}: pair ${i}: expected a Variable as the second element, got ${describe(v)}`);
      if (v.isDisposed) throw new Error(`${where}: variable '${v.name}' was disposed`);
      if (seen.has(v)) throw new Error(`${where}: variable '${v.name}' appears more than once`);
      seen.add(v);
      if (v.dtype !== 'float32') throw new TypeError(`${where}: variable '${v.name}' is ${v.dtype}; only float32 variables can be optimized`);
      if (g === null || g === undefined) {
        missing.push(v.name);
        return;
      }
      if (!(g instanceof Tensor)) throw new TypeError(`${where}: the gradient for variable '${v.name}' must be a Tensor, got ${describe(g)}`);
      if (g.isDisposed) throw new Error(`${where}: the gradient for variable '${v.name}' was disposed`);
      const same = g.shape.length === v.shape.length && g.shape.every((d, k) => d === v.shape[k]);
      if (!same) {
        throw new RangeError(`${where}: the gradient for variable '${v.name}' has shape ${fmt(g.shape)} but the variable has shape ${fmt(v.shape)}`);
      }
      grads.push(g);
      vars.push(v);
    });
    if (grads.length === 0) throw new Error(`${where}: no gradients provided for any variable (all ${missing.length} were null)`);
    if (missing.length > 0) {
      console.warn(`${where}: gradients do not exist for variables [${missing.join(', ')}]; they are left unchanged`);
    }
    const lr = this.currentLearningRate;
    noGrad(() =>
      tidy(() => {
        let gs = grads.map((g, i) => (g.dtype === vars[i]!.dtype ? g : cast(g, vars[i]!.dtype)));
        if (this.lossScaleFactor !== null) {
          const s = this.lossScaleFactor;
          gs = gs.map((g) => div(g, s));
        }
        gs = this.clipGradients(gs);
        this.applyWeightDecay(vars, lr);
        this.beforeUpdates(lr);
        for (let i = 0; i < vars.length; i++) this.updateStep(gs[i]!, vars[i]!, lr, this.slotsFor(vars[i]!));
      }),
    );
    this.iterations++;
  }

  /** Keras' order: clipNorm (per gradient), else globalClipNorm, else clipValue; values <= 0 mean off. */
  private clipGradients(grads: Tensor[]): Tensor[] {
    const c = this.clipNorm;
    if (c !== null && c > 0) {
      return grads.map((g) => div(mul(g, c), maximum(sqrt(sum(square(g))), c)));
    }
    const gc = this.globalClipNorm;
    if (gc !== null && gc > 0) {
      const norm = sqrt(sum(stack(grads.map((g) => sum(square(g))))));
      // gc * min(1/norm, 1/gc): 1 when norm <= gc; a non-finite norm gives NaN (norm - norm).
      const scale = add(mul(minimum(div(1, norm), 1 / gc), gc), sub(norm, norm));
      return grads.map((g) => mul(g, scale));
    }
    const cv = this.clipValue;
    if (cv !== null && cv > 0) return grads.map((g) => clip(g, -cv, cv));
    return grads;
  }

  private applyWeightDecay(vars: readonly Variable[], lr: number): void {
    const wd = this.weightDecay;
    if (wd === null) return;
    for (const v of vars) {
      if (this.useWeightDecay(v)) v.assign(sub(v, mul(mul(v, wd), lr)));
    }
  }

  /** Runs once per applyGradients, after clipping and weight decay, before the per-variable updates. */
  protected beforeUpdates(_lr: number): void {}

  /**
   * Updates `variable` (with `assign`) and its slots from one (clipped) gradient; `this.iterations`
   * is the number of previous updates (the Keras step being `iterations + 1`).
   */
  protected abstract updateStep(grad: Tensor, variable: Variable, lr: number, slots: Slots): void;

  private slotsFor(v: Variable): Slots {
    let s = this.slots.get(v);
    if (!s) {
      s = new Slots(v);
      this.slots.set(v, s);
    }
    return s;
  }

  /** The slot tensors (moments...) kept for `variable`, by name; empty before its first update. Owned by the optimizer. */
  getSlots(variable: Variable): Readonly<Record<string, Tensor>> {
    return this.slots.get(variable)?.entries() ?? {};
  }

  /** The variables that have slots. */
  get variables(): Variable[] {
    return [...this.slots.keys()];
  }

  /** Own options, camelCase (subclasses add theirs); `new Cls(opt.getConfig())` rebuilds an equivalent fresh optimizer. */
  getConfig(): OptimizerConfig {
    const lr = this.lr;
    return {
      name: this.name,
      learningRate: lr instanceof LearningRateSchedule ? serializeSchedule(lr) : lr,
      weightDecay: this.weightDecay,
      clipNorm: this.clipNorm,
      globalClipNorm: this.globalClipNorm,
      clipValue: this.clipValue,
      lossScaleFactor: this.lossScaleFactor,
    };
  }

  /**
   * The slot names `updateStep` keeps for every variable with this configuration, in a fixed
   * order (e.g. Adam: momentum, velocity[, velocityHat]); `null` when unknown (a custom
   * optimizer that does not override it: any slot names are accepted, in creation order).
   */
  slotNames(): readonly string[] | null {
    return null;
  }

  /** Scalar state beyond `iterations` (override with `setScalarState` when an optimizer keeps some). */
  protected getScalarState(): Record<string, number> {
    return {};
  }

  /** Restores what `getScalarState` returned; `state` holds exactly its keys (checked by `setState`). */
  protected setScalarState(_state: Record<string, number>): void {}

  /**
   * Exports the iteration count, scalar state and every slot tensor, ordered by `variables`
   * (default: the variables that have slots, in first-update order). The tensors are views the
   * caller owns (dispose them). Throws when the optimizer holds slots for a variable that is not
   * in `variables`, or when two of them share a name.
   * @example const state = opt.getState(model.trainableWeights); // ... later: fresh.setState(state, model.trainableWeights)
   */
  getState(variables?: readonly Variable[]): OptimizerState {
    const where = `${this.className}.getState`;
    const vars = variables ? [...variables] : this.variables;
    uniqueNames(where, vars);
    for (const v of this.slots.keys()) {
      if (!vars.includes(v) && Object.keys(this.slots.get(v)!.entries()).length > 0) {
        throw new Error(`${where}: the optimizer holds state for variable '${v.name}', which is not among the ${vars.length} variables given`);
      }
    }
    const order = this.slotNames();
    const slots: OptimizerSlotState[] = [];
    for (const v of vars) {
      const entries = this.slots.get(v)?.entries() ?? {};
      const names = order ? order.filter((n) => n in entries) : Object.keys(entries);
      if (order) {
        const extra = Object.keys(entries).filter((n) => !order.includes(n));
        if (extra.length > 0) throw new Error(`${where}: variable '${v.name}' has unexpected slot(s) ${extra.join(', ')}; expected ${order.join(', ')}`);
      }
      for (const n of names) slots.push({ variable: v.name, slot: n, tensor: reshape(entries[n]!, entries[n]!.shape) });
    }
    return { className: this.className, iterations: this.iterations, scalars: { ...this.getScalarState() }, slots };
  }

  /**
   * Replaces this optimizer's state with `state` (from `getState`), matching slots to
   * `variables` by name. Everything is checked first (class, iterations, scalar keys, slot names,
   * each tensor's shape and dtype against its variable, complete slot sets, duplicates), so on an
   * error nothing changes. The tensors are not taken over (the caller still owns and may dispose them).
   */
  setState(state: OptimizerState, variables: readonly Variable[]): void {
    const where = `${this.className}.setState`;
    if (state === null || typeof state !== 'object') throw new TypeError(`${where}: expected { className, iterations, scalars, slots }, got ${describe(state)}`);
    if (state.className !== undefined && state.className !== this.className) {
      throw new Error(`${where}: the state was exported by ${String(state.className)}, not ${this.className}`);
    }
    const it = state.iterations;
    if (typeof it !== 'number' || !Number.isInteger(it) || it < 0) throw new TypeError(`${where}: iterations must be a non-negative integer, got ${String(it)}`);
    const scalars = state.scalars ?? {};
    const wantScalars = Object.keys(this.getScalarState()).sort();
    const gotScalars = Object.keys(scalars).sort();
    if (wantScalars.join() !== gotScalars.join()) {
      throw new Error(`${where}: expected scalar state [${wantScalars.join(', ')}], got [${gotScalars.join(', ')}]`);
    }
    for (const k of gotScalars) {
      if (typeof scalars[k] !== 'number' || !Number.isFinite(scalars[k])) throw new TypeError(`${where}: scalar '${k}' must be a finite number, got ${String(scalars[k])}`);
    }
    if (!Array.isArray(state.slots)) throw new TypeError(`${where}: slots must be an array, got ${describe(state.slots)}`);
    const byName = uniqueNames(where, variables);
    const order = this.slotNames();
    const grouped = new Map<Variable, Map<string, Tensor>>();
    for (const [i, s] of state.slots.entries()) {
      const v = byName.get(s?.variable);
      if (!v) throw new Error(`${where}: slot ${i} ('${String(s?.slot)}') belongs to variable '${String(s?.variable)}', which is not among the variables given`);
      if (typeof s.slot !== 'string' || (order && !order.includes(s.slot))) {
        throw new Error(`${where}: unknown slot '${String(s.slot)}' for variable '${v.name}'; ${this.className} with this config keeps [${(order ?? []).join(', ')}]`);
      }
      const t = s.tensor;
      if (!(t instanceof Tensor) || t.isDisposed) throw new TypeError(`${where}: slot '${s.slot}' of '${v.name}' must be a live Tensor, got ${describe(t)}`);
      const same = t.shape.length === v.shape.length && t.shape.every((d, k) => d === v.shape[k]);
      if (!same || t.dtype !== v.dtype) {
        throw new RangeError(`${where}: slot '${s.slot}' of variable '${v.name}' must be ${fmt(v.shape)} ${v.dtype}, got ${fmt(t.shape)} ${t.dtype}`);
      }
      let m = grouped.get(v);
      if (!m) grouped.set(v, (m = new Map()));
      if (m.has(s.slot)) throw new Error(`${where}: slot '${s.slot}' of variable '${v.name}' is given twice`);
      m.set(s.slot, t);
    }
    if (order) {
      for (const [v, m] of grouped) {
        const missing = order.filter((n) => !m.has(n));
        if (missing.length > 0) throw new Error(`${where}: variable '${v.name}' lacks slot(s) ${missing.join(', ')} (${this.className} keeps ${order.join(', ')})`);
      }
    }
    // all checked: replace
    this.dispose();
    for (const [v, m] of grouped) {
      const slots = new Slots(v);
      for (const [n, t] of m) slots.set(n, reshape(t, t.shape));
      this.slots.set(v, slots);
    }
    this.iterations = it;
    this.setScalarState({ ...scalars });
  }

  /** Frees every slot tensor. The optimizer stays usable: the next update starts from fresh slots. */
  dispose(): void {
    for (const s of this.slots.values()) s.dispose();
    this.slots.clear();
  }
}
