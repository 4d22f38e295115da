import { Adadelta } from './adadelta.js';
import { Adagrad } from './adagrad.js';
import { Adam, AdamW } from './adam.js';
import { Adamax } from './adamax.js';
import { Nadam } from './nadam.js';
import { camelKey } from './options.js';
import { Optimizer } from './optimizer.js';
import { RMSprop } from './rmsprop.js';
import { SGD } from './sgd.js';

type OptimizerClass = new (options?: Record<string, unknown>) => Optimizer;

/** Canonical Keras identifiers (lowercased class names) to classes. */
const REGISTRY: Readonly<Record<string, OptimizerClass>> = {
  sgd: SGD as OptimizerClass,
  adam: Adam as OptimizerClass,
  rmsprop: RMSprop as OptimizerClass,
  adagrad: Adagrad as OptimizerClass,
  adamw: AdamW as OptimizerClass,
  adadelta: Adadelta as OptimizerClass,
  adamax: Adamax as OptimizerClass,
  nadam: Nadam as OptimizerClass,
};

/** `{ className, config }` as produced by `serializeOptimizer` (Keras' `class_name` is accepted too). */
export interface SerializedOptimizer {
  className: string;
  config?: Record<string, unknown>;
}

/** The names getOptimizer knows: 'sgd', 'adam', 'rmsprop', 'adagrad', 'adamw', 'adadelta', 'adamax', 'nadam'. */
export function optimizerNames(): string[] {
  return Object.keys(REGISTRY);
}

function lookup(id: string): OptimizerClass {
  // Case-insensitive as Keras, and tolerant of separators: 'RMSprop', 'rms_prop', 'Adam-W'.
  const cls = REGISTRY[id.toLowerCase().replace(/[\s_-]/g, '')];
  if (!cls) throw new Error(`getOptimizer: unknown optimizer '${id}'; known: ${optimizerNames().join(', ')}`);
  return cls;
}

function camelize(obj: Record<string, unknown> | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(obj ?? {})) out[camelKey(k)] = v;
  return out;
}

/**
 * An optimizer from a name (Keras defaults, or `overrides`), a serialized `{ className, config }`,
 * or an instance (returned as is). Options may be camelCase or Keras snake_case.
 * @example getOptimizer('adam'); getOptimizer('rmsprop', { learningRate: 0.01 }); getOptimizer(new SGD())
 */
export function getOptimizer(
  id: string | Optimizer | SerializedOptimizer | { class_name: string; config?: Record<string, unknown> },
  overrides?: Record<string, unknown>,
): Optimizer {
  if (id instanceof Optimizer) {
    if (overrides && Object.keys(overrides).length > 0) {
      throw new TypeError(`getOptimizer: overrides cannot be applied to an existing ${id.className} instance; create a new one`);
    }
    return id;
  }
  if (typeof id === 'string') return new (lookup(id))(camelize(overrides));
  if (id !== null && typeof id === 'object') {
    const o = id as Record<string, unknown>;
    const className = typeof o['className'] === 'string' ? o['className'] : o['class_name'];
    if (typeof className === 'string') {
      return new (lookup(className))({ ...camelize(o['config'] as Record<string, unknown> | undefined), ...camelize(overrides) });
    }
  }
  throw new TypeError(`getOptimizer: cannot interpret ${JSON.stringify(id)} as an optimizer; pass a name (${optimizerNames().join(', ')}), an Optimizer or { className, config }`);
}

/** `{ className, config }` that `getOptimizer` turns back into an equivalent fresh optimizer (no slot state). */
export function serializeOptimizer(optimizer: Optimizer): SerializedOptimizer & { config: Record<string, unknown> } {
  return { className: optimizer.className, config: optimizer.getConfig() };
}
