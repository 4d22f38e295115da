/** Keras spellings that are not plain snake_case of our camelCase names. */
const SPECIAL: Readonly<Record<string, string>> = {
  clipnorm: 'clipNorm',
  clipvalue: 'clipValue',
  global_clipnorm: 'globalClipNorm',
  beta_1: 'beta1',
  beta_2: 'beta2',
};

/** `learning_rate` -> `learningRate`, `clipnorm` -> `clipNorm`, `beta_1` -> `beta1`; camelCase passes through. */
export function camelKey(key: string): string {
  const special = SPECIAL[key];
  if (special) return special;
  return key.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/**
 * Copies an options object with Keras snake_case keys turned camelCase, and throws
 * (naming `owner` and the known options) on a key not in `known`.
 */
export function normalizeOptions(owner: string, opts: object | undefined, known: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (opts === undefined || opts === null) return out;
  if (typeof opts !== 'object' || Array.isArray(opts)) {
    throw new TypeError(`${owner}: expected an options object, got ${Array.isArray(opts) ? 'an array' : typeof opts}`);
  }
  const unknown: string[] = [];
  for (const [k, v] of Object.entries(opts)) {
    const key = camelKey(k);
    if (!known.includes(key)) unknown.push(k);
    else if (v !== undefined) {
      if (key in out) throw new TypeError(`${owner}: option '${key}' was given twice (as '${k}' and its other spelling)`);
      out[key] = v;
    }
  }
  if (unknown.length) {
    throw new TypeError(`${owner}: unknown option(s) ${unknown.map((k) => `'${k}'`).join(', ')}; known options: ${known.join(', ')}`);
  }
  return out;
}

/** A number option: `undefined` gives `dflt`; anything but a finite number throws. */
export function num(owner: string, opts: Record<string, unknown>, key: string, dflt: number): number {
  const v = opts[key];
  if (v === undefined) return dflt;
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new TypeError(`${owner}: '${key}' must be a finite number, got ${String(v)}`);
  return v;
}

/** An optional number option (`null`/`undefined` mean unset). */
export function optNum(owner: string, opts: Record<string, unknown>, key: string, dflt: number | null = null): number | null {
  const v = opts[key];
  if (v === undefined) return dflt;
  if (v === null) return null;
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new TypeError(`${owner}: '${key}' must be a finite number or null, got ${String(v)}`);
  return v;
}

export function bool(owner: string, opts: Record<string, unknown>, key: string, dflt: boolean): boolean {
  const v = opts[key];
  if (v === undefined) return dflt;
  if (typeof v !== 'boolean') throw new TypeError(`${owner}: '${key}' must be a boolean, got ${String(v)}`);
  return v;
}

export function str(owner: string, opts: Record<string, unknown>, key: string, dflt: string): string {
  const v = opts[key];
  if (v === undefined) return dflt;
  if (typeof v !== 'string') throw new TypeError(`${owner}: '${key}' must be a string, got ${String(v)}`);
  return v;
}
