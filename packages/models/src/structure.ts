import { getLoss, lossName, type LossFn } from '@nabla/losses';
import type { Metric } from '@nabla/metrics';
import type { Tensor } from '@nabla/tensor';

/** Data for a model with several inputs or outputs: one tensor, a list in model order, or a record keyed by layer name. */
export type TensorStruct = Tensor | readonly Tensor[] | Readonly<Record<string, Tensor>>;
/** Targets: as `TensorStruct`, where outputs without a loss may be left out (null in a list). */
export type TargetStruct = Tensor | readonly (Tensor | null)[] | Readonly<Record<string, Tensor>>;

export type LossId = string | LossFn;
export type MetricId = string | Metric;

/**
 * Keras' `loss` argument: one loss for every output, a list in output order (null: no loss for
 * that output), or a record keyed by output layer name.
 */
export type LossSpec = LossId | readonly (LossId | null)[] | Readonly<Record<string, LossId | null>>;
/** Keras' `metrics`: a list (one model output), a list with one entry per output, or a record keyed by output name. */
export type MetricsSpec = readonly (MetricId | readonly MetricId[] | null)[] | Readonly<Record<string, MetricId | readonly MetricId[]>>;

/** What compile resolved for one output. */
export interface OutputSpec {
  name: string;
  loss: LossFn | null;
  lossName: string;
  weight: number;
  metricIds: MetricId[];
  /** Resolved on first use (Keras resolves 'accuracy' from the shapes). */
  metrics: Metric[] | null;
}

const isTensorLike = (x: unknown): x is Tensor => typeof x === 'object' && x !== null && (x as { isTensor?: unknown }).isTensor === true;
const isRecord = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x) && !isTensorLike(x);

/** The name a data entry is reported by: `x` for a single-input model, else `x['name']`. */
export function entryName(what: string, names: readonly string[], i: number): string {
  return names.length === 1 ? what : `${what}['${names[i]}']`;
}

/**
 * A Tensor, list or record as a list in `names` order; entries may be null when `optional`.
 * Throws naming what the model expects.
 */
export function flatten(op: string, what: string, value: unknown, names: readonly string[], optional: (i: number) => boolean = () => false): (Tensor | null)[] {
  const want = `${names.length} tensor${names.length === 1 ? '' : 's'} (${names.map((n) => `'${n}'`).join(', ')})`;
  let list: unknown[];
  if (isTensorLike(value)) {
    if (names.length !== 1) throw new TypeError(`${op}: the model has ${want}; pass ${what} as a list or a record keyed by layer name, got one Tensor`);
    list = [value];
  } else if (Array.isArray(value)) {
    if (value.length !== names.length) throw new RangeError(`${op}: ${what} must hold ${want}, got a list of ${value.length}`);
    list = value;
  } else if (isRecord(value)) {
    const unknown = Object.keys(value).filter((k) => !names.includes(k));
    if (unknown.length) throw new RangeError(`${op}: ${what} has unknown key(s) ${unknown.map((k) => `'${k}'`).join(', ')}; the model expects ${want}`);
    list = names.map((n) => value[n] ?? null);
  } else {
    throw new TypeError(`${op}: ${what} must be a Tensor, a list or a record of Tensors, got ${value === null ? 'null' : typeof value}`);
  }
  return list.map((t, i) => {
    if (t === null || t === undefined) {
      if (optional(i)) return null;
      throw new TypeError(`${op}: ${entryName(what, names, i)} is missing; the model expects ${want}`);
    }
    return t as Tensor;
  });
}

/** Per-output entries of a list-or-record argument (`loss`, `lossWeights`, `metrics`). */
function perOutput<T>(op: string, what: string, value: readonly T[] | Readonly<Record<string, T>>, names: readonly string[], missing: T): T[] {
  if (Array.isArray(value)) {
    if (value.length !== names.length) {
      throw new RangeError(`${op}: for a model with ${names.length} outputs (${names.join(', ')}), ${what} given as a list must have ${names.length} entries, got ${value.length}`);
    }
    return [...(value as readonly T[])];
  }
  const rec = value as Readonly<Record<string, T>>;
  const unknown = Object.keys(rec).filter((k) => !names.includes(k));
  if (unknown.length) throw new RangeError(`${op}: ${what} has unknown output name(s) ${unknown.join(', ')}; the outputs are ${names.join(', ')}`);
  return names.map((n) => (n in rec ? rec[n]! : missing));
}

function safeLossName(loss: LossId): string {
  try {
    return lossName(loss);
  } catch {
    return typeof loss === 'function' && loss.name ? loss.name : 'custom_loss';
  }
}

/** Resolves compile's loss, lossWeights and metrics into one spec per output (Keras 3 rules). */
export function resolveOutputs(
  op: string,
  names: readonly string[],
  loss: LossSpec,
  lossWeights: readonly number[] | Readonly<Record<string, number>> | undefined,
  metrics: MetricsSpec | undefined,
): OutputSpec[] {
  // one loss (a string or function) applies to every output, as Keras does
  const losses: (LossId | null)[] = typeof loss === 'string' || typeof loss === 'function' ? names.map(() => loss) : perOutput(op, 'loss', loss, names, null);
  const weights = lossWeights === undefined ? names.map(() => 1) : perOutput(op, 'lossWeights', lossWeights, names, 1);
  weights.forEach((w, i) => {
    if (typeof w !== 'number' || !Number.isFinite(w)) throw new TypeError(`${op}: the loss weight of output '${names[i]}' must be a finite number, got ${String(w)}`);
  });
  let ms: (MetricId | readonly MetricId[] | null)[];
  if (metrics === undefined) ms = names.map(() => null);
  else if (names.length === 1 && Array.isArray(metrics)) ms = [(metrics as readonly unknown[]).flat() as MetricId[]];
  else ms = perOutput<MetricId | readonly MetricId[] | null>(op, 'metrics', metrics as never, names, null);
  if (losses.every((l) => l === null)) throw new TypeError(`${op}: at least one output needs a loss`);
  return names.map((name, i) => {
    const l = losses[i] ?? null;
    const m = ms[i];
    return {
      name,
      loss: l === null ? null : getLoss(l),
      lossName: l === null ? 'none' : safeLossName(l),
      weight: weights[i]!,
      metricIds: m === null || m === undefined ? [] : Array.isArray(m) ? [...(m as MetricId[])] : [m as MetricId],
      metrics: null,
    };
  });
}
