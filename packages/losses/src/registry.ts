import type { Tensor } from '@nabla/tensor';
import type { LossFn } from './common.js';
import {
  binaryCrossentropy, categoricalCrossentropy, categoricalHinge, cosineSimilarity, hinge, huber, klDivergence, logCosh,
  meanAbsoluteError, meanAbsolutePercentageError, meanSquaredError, meanSquaredLogarithmicError, poisson,
  sparseCategoricalCrossentropy, squaredHinge,
} from './losses.js';

interface Entry {
  /** Keras' function name (the canonical snake_case name). */
  name: string;
  fn: (yTrue: Tensor, yPred: Tensor, opts?: never) => Tensor;
  /** Keras' class name (`keras.losses.get` accepts it too). */
  className: string;
  /** The function's camelCase name here. */
  camel: string;
}

const ENTRIES: readonly Entry[] = [
  { name: 'binary_crossentropy', fn: binaryCrossentropy, className: 'BinaryCrossentropy', camel: 'binaryCrossentropy' },
  { name: 'categorical_crossentropy', fn: categoricalCrossentropy, className: 'CategoricalCrossentropy', camel: 'categoricalCrossentropy' },
  { name: 'sparse_categorical_crossentropy', fn: sparseCategoricalCrossentropy, className: 'SparseCategoricalCrossentropy', camel: 'sparseCategoricalCrossentropy' },
  { name: 'mean_squared_error', fn: meanSquaredError, className: 'MeanSquaredError', camel: 'meanSquaredError' },
  { name: 'mean_absolute_error', fn: meanAbsoluteError, className: 'MeanAbsoluteError', camel: 'meanAbsoluteError' },
  { name: 'mean_absolute_percentage_error', fn: meanAbsolutePercentageError, className: 'MeanAbsolutePercentageError', camel: 'meanAbsolutePercentageError' },
  { name: 'mean_squared_logarithmic_error', fn: meanSquaredLogarithmicError, className: 'MeanSquaredLogarithmicError', camel: 'meanSquaredLogarithmicError' },
  { name: 'huber', fn: huber, className: 'Huber', camel: 'huber' },
  { name: 'hinge', fn: hinge, className: 'Hinge', camel: 'hinge' },
  { name: 'squared_hinge', fn: squaredHinge, className: 'SquaredHinge', camel: 'squaredHinge' },
  { name: 'categorical_hinge', fn: categoricalHinge, className: 'CategoricalHinge', camel: 'categoricalHinge' },
  { name: 'kl_divergence', fn: klDivergence, className: 'KLDivergence', camel: 'klDivergence' },
  { name: 'poisson', fn: poisson, className: 'Poisson', camel: 'poisson' },
  { name: 'cosine_similarity', fn: cosineSimilarity, className: 'CosineSimilarity', camel: 'cosineSimilarity' },
  { name: 'log_cosh', fn: logCosh, className: 'LogCosh', camel: 'logCosh' },
];

/** Keras 3's short aliases (keras/src/losses/__init__.py), upper-case forms included. */
const ALIASES: Readonly<Record<string, string>> = {
  bce: 'binary_crossentropy',
  kld: 'kl_divergence',
  mae: 'mean_absolute_error',
  mse: 'mean_squared_error',
  mape: 'mean_absolute_percentage_error',
  msle: 'mean_squared_logarithmic_error',
};

const BY_ID = new Map<string, Entry>();
for (const e of ENTRIES) {
  BY_ID.set(e.name, e);
  BY_ID.set(e.className, e);
  BY_ID.set(e.camel, e);
}
for (const [alias, name] of Object.entries(ALIASES)) {
  const e = BY_ID.get(name)!;
  BY_ID.set(alias, e);
  BY_ID.set(alias.toUpperCase(), e);
}

/** Every name `getLoss` accepts, sorted. */
export function knownLosses(): string[] {
  return [...BY_ID.keys()].sort();
}

function lookup(id: string): Entry {
  const e = BY_ID.get(id);
  if (!e) {
    throw new Error(
      `getLoss: unknown loss '${id}'. Known losses: ${ENTRIES.map((x) => x.name).join(', ')}` +
        ` (also as camelCase or Keras class names, e.g. '${ENTRIES[1]!.camel}', '${ENTRIES[1]!.className}'), and the aliases ` +
        `${Object.keys(ALIASES).join(', ')}`,
    );
  }
  return e;
}

/**
 * Resolves a loss identifier to a `(yTrue, yPred) → scalar` function with Keras' default
 * options: a snake_case name ('categorical_crossentropy'), the camelCase function name
 * ('categoricalCrossentropy'), a Keras class name ('CategoricalCrossentropy') or a Keras
 * alias ('mse', 'mae', 'mape', 'msle', 'kld', 'bce'). A function is returned as is.
 *
 * @example const loss = getLoss('sparse_categorical_crossentropy'); loss(labels, probs)
 */
export function getLoss(id: string | LossFn): LossFn {
  if (typeof id === 'function') return id;
  if (typeof id !== 'string') throw new TypeError(`getLoss: expected a loss name or function, got ${id === null ? 'null' : typeof id}`);
  return withDefaults(lookup(id));
}

const WRAPPERS = new Map<Entry, LossFn>();

/** One two-argument wrapper per loss (so `getLoss('mse') === getLoss('mean_squared_error')`). */
function withDefaults(e: Entry): LossFn {
  let w = WRAPPERS.get(e);
  if (!w) {
    const fn = e.fn;
    w = { [e.camel]: (yTrue: Tensor, yPred: Tensor): Tensor => fn(yTrue, yPred) }[e.camel]!;
    WRAPPERS.set(e, w);
  }
  return w;
}

function toSnake(s: string): string {
  return s
    .replace(/\W+/g, '')
    .replace(/(.)([A-Z][a-z]+)/g, '$1_$2')
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase();
}

/**
 * The canonical snake_case name of a loss: `lossName('mse') === 'mean_squared_error'`,
 * `lossName(categoricalCrossentropy) === 'categorical_crossentropy'`. A function that is
 * not one of this package's is named after its own name in snake_case ('loss' when anonymous).
 */
export function lossName(id: string | LossFn): string {
  if (typeof id === 'string') return lookup(id).name;
  if (typeof id !== 'function') throw new TypeError(`lossName: expected a loss name or function, got ${id === null ? 'null' : typeof id}`);
  const own = ENTRIES.find((e) => e.fn === (id as unknown) || WRAPPERS.get(e) === id);
  if (own) return own.name;
  return id.name ? toSnake(id.name) : 'loss';
}
