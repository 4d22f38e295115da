/** A layer shape: `null` is an unknown dimension (the batch), e.g. `[null, 28, 28]`. */
export type LayerShape = (number | null)[];

/** JSON-compatible values, as `getConfig()` returns them. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

/** The serialized form of a layer, initializer or regularizer (Keras' `{class_name, config}`). */
export interface Serialized<C = JsonObject> {
  className: string;
  config: C;
}

/** `[null,28,28]` */
export function fmtShape(shape: readonly (number | null)[]): string {
  return `[${shape.map((d) => (d === null ? 'null' : String(d))).join(',')}]`;
}

/** Keras' `to_snake_case`: `BatchNormalization` -> `batch_normalization`, `ReLU` -> `re_lu`. */
export function toSnakeCase(name: string): string {
  return name
    .replace(/\W+/g, '')
    .replace(/(.)([A-Z][a-z]+)/g, '$1_$2')
    .replace(/([a-z])([A-Z])/g, '$1_$2')
    .toLowerCase();
}

/** snake_case or Keras-style keys -> camelCase (`use_bias` -> `useBias`). */
export function toCamelCase(name: string): string {
  return name.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/** The key names are looked up by: case, underscores and dashes ignored (`glorot_uniform` = `GlorotUniform`). */
export function lookupKey(name: string): string {
  return name.replace(/[_\-\s]/g, '').toLowerCase();
}

/** Converts a `{class_name, config}` (Keras JSON, snake_case keys) or `{className, config}` into ours. */
export function normalizeSerialized(obj: unknown, what: string): Serialized<Record<string, unknown>> {
  if (obj === null || typeof obj !== 'object') throw new TypeError(`${what}: expected { className, config }, got ${describe(obj)}`);
  const o = obj as Record<string, unknown>;
  const className = (o.className ?? o.class_name) as unknown;
  if (typeof className !== 'string') throw new TypeError(`${what}: the object has no string className (got keys ${Object.keys(o).join(', ') || 'none'})`);
  const raw = (o.config ?? {}) as unknown;
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new TypeError(`${what}: config of '${className}' must be an object`);
  const config: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(raw as Record<string, unknown>)) config[toCamelCase(k)] = v;
  return { className, config };
}

export function describe(x: unknown): string {
  if (x === null) return 'null';
  if (Array.isArray(x)) return 'an array';
  if (typeof x === 'object' && (x as { isTensor?: unknown }).isTensor === true) {
    return `a tensor of shape [${(x as { shape: number[] }).shape.join(',')}]`;
  }
  return typeof x === 'string' ? `'${x}'` : typeof x;
}

/** A random 32-bit seed for objects created without one. */
export function freshSeed(): number {
  return (Math.random() * 2 ** 32) >>> 0;
}

export function checkSeed(owner: string, seed: unknown): number | undefined {
  if (seed === undefined || seed === null) return undefined;
  if (typeof seed !== 'number' || !Number.isInteger(seed)) throw new TypeError(`${owner}: seed must be an integer, got ${describe(seed)}`);
  return seed;
}
