import { add, cast, expandDims, keep, mean, squeeze, sum, tidy, zeros, type Tensor } from '@nabla/tensor';

export function fmt(shape: readonly number[]): string {
  return `[${shape.join(',')}]`;
}

export function checkTensor(name: string, what: string, x: unknown): Tensor {
  if (x === null || typeof x !== 'object' || (x as { isTensor?: unknown }).isTensor !== true) {
    throw new TypeError(`${name}: ${what} must be a Tensor, got ${x === null ? 'null' : typeof x}`);
  }
  return x as Tensor;
}

/** float32 view of x (a cast when it is int32/bool). Call inside tidy. */
export function toFloat(x: Tensor): Tensor {
  return x.dtype === 'float32' ? x : cast(x, 'float32');
}

/**
 * Keras' `squeeze_or_expand_to_same_rank`: when the ranks differ by one and the longer
 * shape ends in 1, squeeze it, or expand the shorter one when that is rank 1.
 */
export function alignRanks(a: Tensor, b: Tensor): [Tensor, Tensor] {
  const ra = a.rank;
  const rb = b.rank;
  if (ra === rb + 1 && a.shape[ra - 1] === 1) return rb === 1 ? [a, expandDims(b, -1)] : [squeeze(a, -1), b];
  if (rb === ra + 1 && b.shape[rb - 1] === 1) return ra === 1 ? [expandDims(a, -1), b] : [a, squeeze(b, -1)];
  return [a, b];
}

/** Aligns ranks as Keras, then requires equal shapes (an error naming the metric otherwise). */
export function alignedPair(name: string, yTrue: Tensor, yPred: Tensor, hint?: string): [Tensor, Tensor] {
  checkTensor(name, 'yTrue', yTrue);
  checkTensor(name, 'yPred', yPred);
  const [t, p] = alignRanks(yTrue, yPred);
  if (t.rank !== p.rank || t.shape.some((d, i) => d !== p.shape[i])) {
    throw new RangeError(
      `${name}: yTrue shape ${fmt(yTrue.shape)} and yPred shape ${fmt(yPred.shape)} do not match` +
        ` (they must be equal, or differ only by a trailing dimension of 1)${hint ? `; ${hint}` : ''}`,
    );
  }
  return [t, p];
}

/**
 * A streaming metric (Keras' `keras.metrics.Metric`): `update` accumulates a batch's
 * statistics on the device, in tensors the metric owns, without reading anything back;
 * `result` reads them. State is created on the first update, so constructing a metric
 * needs no backend.
 */
export abstract class Metric {
  /** Keras' name for the metric (the key it gets in logs and history). */
  readonly name: string;
  private state: Tensor[] | null = null;

  protected constructor(name: string) {
    this.name = name;
  }

  /** Accumulates the statistics of one batch. */
  abstract update(yTrue: Tensor, yPred: Tensor): void;

  /** The metric over every batch since the last reset (reads the device). */
  abstract result(): Promise<number>;

  /** The shapes of the accumulators (each starts at zeros). */
  protected abstract stateShapes(): readonly (readonly number[])[];

  /** Adds `deltas[i]` (computed by the caller, inside its tidy) to accumulator i, replacing it. */
  protected accumulate(deltas: readonly (Tensor | number)[]): void {
    const state = this.ensureState();
    if (deltas.length !== state.length) throw new Error(`${this.name}: ${deltas.length} deltas for ${state.length} accumulators`);
    for (let i = 0; i < state.length; i++) {
      const old = state[i]!;
      const next = keep(add(old, deltas[i]!));
      if (next.dtype !== 'float32' || next.rank !== old.rank || next.shape.some((d, j) => d !== old.shape[j])) {
        next.dispose();
        throw new Error(`${this.name}: an update of shape ${typeof deltas[i] === 'number' ? '[]' : fmt((deltas[i] as Tensor).shape)} does not fit the accumulator ${fmt(old.shape)}`);
      }
      state[i] = next;
      old.dispose();
    }
  }

  /** The accumulators' current values (zeros before any update). */
  protected async readState(): Promise<Float32Array[]> {
    if (!this.state) return this.stateShapes().map((s) => new Float32Array(s.reduce((n, d) => n * d, 1)));
    return Promise.all(this.state.map(async (t) => (await t.data()) as Float32Array));
  }

  private ensureState(): Tensor[] {
    if (!this.state) this.state = this.stateShapes().map((s) => keep(zeros(s)));
    return this.state;
  }

  /** Starts over from zero. */
  reset(): void {
    if (this.state) for (const t of this.state) t.dispose();
    this.state = null;
  }

  /** Frees the accumulators (a later update starts again from zero). */
  dispose(): void {
    this.reset();
  }
}

/** The running-mean state shared by `Mean` and `MeanMetricWrapper`: a total and a count. */
export abstract class MeanState extends Metric {
  protected stateShapes(): readonly (readonly number[])[] {
    return [[], []];
  }

  /**
   * Accumulates values as Keras' `Mean` does (call inside tidy): values of rank ≥ 2 are
   * averaged per sample (over every axis but the first); each sample then counts once,
   * and a scalar counts once.
   */
  protected addValues(values: Tensor): void {
    let v = toFloat(values);
    if (v.rank > 1) v = mean(v, Array.from({ length: v.rank - 1 }, (_, i) => i + 1));
    this.accumulate([sum(v), v.rank === 0 ? 1 : v.shape[0]!]);
  }

  override async result(): Promise<number> {
    const [total, count] = await this.readState();
    const c = count![0]!;
    return c === 0 ? 0 : total![0]! / c;
  }
}

/**
 * Keras' `Mean`: a running mean of numbers or tensors (the loss, typically). A tensor of
 * rank ≥ 2 is first averaged per sample; each sample then counts once; a scalar once.
 *
 * @example const m = new Mean(); m.update(0.5); m.update(tensor([1, 2])); await m.result() // 1.1666
 */
export class Mean extends MeanState {
  constructor(opts: { name?: string } = {}) {
    super(opts.name ?? 'mean');
  }

  /** Adds a number, or the samples of a tensor. */
  override update(values: Tensor | number): void {
    if (typeof values === 'number') {
      tidy(() => this.accumulate([values, 1]));
      return;
    }
    checkTensor(this.name, 'the value', values);
    tidy(() => this.addValues(values));
  }
}

/**
 * Keras' `MeanMetricWrapper`: the running mean of per-sample values computed from
 * (yTrue, yPred) by `values`.
 */
export abstract class MeanMetricWrapper extends MeanState {
  /** Per-sample values of one batch (called inside tidy). */
  protected abstract values(yTrue: Tensor, yPred: Tensor): Tensor;

  override update(yTrue: Tensor, yPred: Tensor): void {
    checkTensor(this.name, 'yTrue', yTrue);
    checkTensor(this.name, 'yPred', yPred);
    tidy(() => this.addValues(this.values(yTrue, yPred)));
  }
}
