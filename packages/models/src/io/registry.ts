/**
 * The model classes `loadModel` can rebuild, by `className` (a module with no imports, so any
 * model class can register itself without import cycles).
 */

/** A model class as serialization sees it: rebuilt from `getConfig()` output. */
export interface ModelClassEntry {
  fromConfig(config: Record<string, unknown>): unknown;
}

const MODEL_CLASSES = new Map<string, ModelClassEntry>();

/**
 * Makes `loadModel` able to rebuild models whose topology says `className`.
 * @example registerModelClass('Sequential', { fromConfig: (c) => Sequential.fromConfig(c) })
 */
export function registerModelClass(className: string, entry: ModelClassEntry | ((config: Record<string, unknown>) => unknown)): void {
  if (typeof className !== 'string' || className === '') throw new TypeError('registerModelClass: className must be a non-empty string');
  MODEL_CLASSES.set(className, typeof entry === 'function' ? { fromConfig: entry } : entry);
}

/** The registered entry for `className`, or undefined. */
export function getModelClass(className: string): ModelClassEntry | undefined {
  return MODEL_CLASSES.get(className);
}

/** The class names `loadModel` can rebuild. */
export function registeredModelClasses(): string[] {
  return [...MODEL_CLASSES.keys()];
}
