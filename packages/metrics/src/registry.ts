import {
  Accuracy, BinaryAccuracy, CategoricalAccuracy, SparseCategoricalAccuracy, SparseTopKCategoricalAccuracy, TopKCategoricalAccuracy,
} from './accuracy.js';
import { AUC, Precision, Recall } from './confusion.js';
import { Mean, Metric } from './metric.js';
import {
  MeanAbsoluteError, MeanAbsolutePercentageError, MeanSquaredError, MeanSquaredLogarithmicError, RootMeanSquaredError,
} from './regression.js';

/** What `getMetric` may know about the model when resolving 'accuracy'. */
export interface MetricContext {
  /** The loss' name, in any form `getLoss` accepts ('sparse_categorical_crossentropy', 'bce', ...). */
  lossName?: string;
  /** Shape of the labels (`null` for an unknown dimension). */
  yTrueShape?: readonly (number | null)[];
  /** Shape of the predictions (`null` for an unknown dimension). */
  yPredShape?: readonly (number | null)[];
}

interface Entry {
  /** Keras' default name (also its snake_case identifier). */
  name: string;
  className: string;
  camel: string;
  make: (name: string) => Metric;
}

const ENTRIES: readonly Entry[] = [
  { name: 'mean', className: 'Mean', camel: 'mean', make: (name) => new Mean({ name }) },
  { name: 'accuracy', className: 'Accuracy', camel: 'accuracy', make: (name) => new Accuracy({ name }) },
  { name: 'binary_accuracy', className: 'BinaryAccuracy', camel: 'binaryAccuracy', make: (name) => new BinaryAccuracy({ name }) },
  { name: 'categorical_accuracy', className: 'CategoricalAccuracy', camel: 'categoricalAccuracy', make: (name) => new CategoricalAccuracy({ name }) },
  {
    name: 'sparse_categorical_accuracy', className: 'SparseCategoricalAccuracy', camel: 'sparseCategoricalAccuracy',
    make: (name) => new SparseCategoricalAccuracy({ name }),
  },
  {
    name: 'top_k_categorical_accuracy', className: 'TopKCategoricalAccuracy', camel: 'topKCategoricalAccuracy',
    make: (name) => new TopKCategoricalAccuracy({ name }),
  },
  {
    name: 'sparse_top_k_categorical_accuracy', className: 'SparseTopKCategoricalAccuracy', camel: 'sparseTopKCategoricalAccuracy',
    make: (name) => new SparseTopKCategoricalAccuracy({ name }),
  },
  { name: 'precision', className: 'Precision', camel: 'precision', make: (name) => new Precision({ name }) },
  { name: 'recall', className: 'Recall', camel: 'recall', make: (name) => new Recall({ name }) },
  { name: 'auc', className: 'AUC', camel: 'auc', make: (name) => new AUC({ name }) },
  { name: 'mean_squared_error', className: 'MeanSquaredError', camel: 'meanSquaredError', make: (name) => new MeanSquaredError({ name }) },
  { name: 'mean_absolute_error', className: 'MeanAbsoluteError', camel: 'meanAbsoluteError', make: (name) => new MeanAbsoluteError({ name }) },
  {
    name: 'mean_absolute_percentage_error', className: 'MeanAbsolutePercentageError', camel: 'meanAbsolutePercentageError',
    make: (name) => new MeanAbsolutePercentageError({ name }),
  },
  {
    name: 'mean_squared_logarithmic_error', className: 'MeanSquaredLogarithmicError', camel: 'meanSquaredLogarithmicError',
    make: (name) => new MeanSquaredLogarithmicError({ name }),
  },
  {
    name: 'root_mean_squared_error', className: 'RootMeanSquaredError', camel: 'rootMeanSquaredError',
    make: (name) => new RootMeanSquaredError({ name }),
  },
];

/** Keras 3's metric aliases (keras/src/metrics/__init__.py) that name metrics implemented here. */
const ALIASES: Readonly<Record<string, string>> = {
  mse: 'mean_squared_error',
  mae: 'mean_absolute_error',
  mape: 'mean_absolute_percentage_error',
  msle: 'mean_squared_logarithmic_error',
};

/** Identifier → [entry, whether Keras itself accepts the string (it then names the metric after it)]. */
const BY_ID = new Map<string, [Entry, boolean]>();
for (const e of ENTRIES) {
  BY_ID.set(e.camel, [e, false]);
  BY_ID.set(e.name, [e, true]);
  BY_ID.set(e.className, [e, true]);
}
for (const [alias, name] of Object.entries(ALIASES)) {
  const e = BY_ID.get(name)![0];
  BY_ID.set(alias, [e, true]);
  BY_ID.set(alias.toUpperCase(), [e, true]);
}

/** Every identifier `getMetric` accepts (besides any case of 'accuracy' and 'acc'), sorted. */
export function knownMetrics(): string[] {
  return [...BY_ID.keys(), 'acc'].sort();
}

function toSnake(s: string): string {
  return s
    .replace(/\W+/g, '')
    .replace(/(.)([A-Z][a-z]+)/g, '$1_$2')
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase();
}

/** A loss identifier in any accepted form, as its snake_case name. */
function canonicalLoss(id: string): string {
  const aliases: Record<string, string> = { bce: 'binary_crossentropy', mse: 'mean_squared_error', mae: 'mean_absolute_error', kld: 'kl_divergence' };
  const lower = id.toLowerCase();
  return aliases[lower] ?? toSnake(id);
}

const last = (s: readonly (number | null)[] | undefined): number | null | undefined => (s && s.length ? s[s.length - 1] : undefined);

/**
 * Which accuracy 'accuracy' means: binary when the predictions' last dimension is 1 or the
 * loss is binary crossentropy; sparse categorical when the labels have one dimension less
 * than the predictions (or a last dimension of 1 against more than one class) or the loss
 * is sparse categorical crossentropy; categorical otherwise. (Keras 3 decides from the
 * shapes alone; the loss settles it when the shapes are not known.)
 */
export function resolveAccuracy(ctx: MetricContext = {}): 'binary_accuracy' | 'sparse_categorical_accuracy' | 'categorical_accuracy' {
  const loss = ctx.lossName === undefined ? undefined : canonicalLoss(ctx.lossName);
  const t = ctx.yTrueShape;
  const p = ctx.yPredShape;
  const pLast = last(p);
  const tLast = last(t);
  if (pLast === 1 || loss === 'binary_crossentropy') return 'binary_accuracy';
  const sparseByShape = t !== undefined && p !== undefined && (t.length < p.length || (tLast === 1 && typeof pLast === 'number' && pLast > 1));
  if (sparseByShape || loss === 'sparse_categorical_crossentropy') return 'sparse_categorical_accuracy';
  return 'categorical_accuracy';
}

/**
 * Resolves a metric identifier to a new metric: snake_case names ('sparse_categorical_accuracy',
 * 'auc'), Keras class names ('SparseCategoricalAccuracy', 'AUC'), camelCase ('sparseCategoricalAccuracy')
 * and Keras' aliases ('mse', 'mae', 'mape', 'msle'). 'accuracy' and 'acc' (any case) resolve
 * from the loss and shapes (see `resolveAccuracy`). As in Keras' compile, a metric made
 * from a Keras identifier is named after that string ('acc' → 'acc', 'mse' → 'mse'); one
 * made from a camelCase name gets the snake_case name. A Metric is returned as is.
 *
 * The context may be just the loss' name (a string).
 *
 * @example getMetric('accuracy', { lossName: 'sparse_categorical_crossentropy' }) // SparseCategoricalAccuracy named 'accuracy'
 */
export function getMetric(id: string | Metric, ctx?: string | MetricContext): Metric {
  if (id instanceof Metric) return id;
  if (typeof id !== 'string') throw new TypeError(`getMetric: expected a metric name or Metric, got ${id === null ? 'null' : typeof id}`);
  const context: MetricContext = typeof ctx === 'string' ? { lossName: ctx } : ctx ?? {};
  const lower = id.toLowerCase();
  if (lower === 'accuracy' || lower === 'acc') return BY_ID.get(resolveAccuracy(context))![0].make(id);
  const found = BY_ID.get(id);
  if (!found) {
    throw new Error(
      `getMetric: unknown metric '${id}'. Known metrics: accuracy (or acc), ${ENTRIES.filter((e) => e.name !== 'accuracy').map((e) => e.name).join(', ')}` +
        ` (also as camelCase or Keras class names), and the aliases ${Object.keys(ALIASES).join(', ')}`,
    );
  }
  const [entry, keras] = found;
  return entry.make(keras ? id : entry.name);
}
