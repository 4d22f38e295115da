import { abs, add, mul, scalar, square, sum, tidy, type Tensor } from '@nabla/tensor';
import { describe, lookupKey, normalizeSerialized, type JsonObject, type Serialized } from './common.js';

/** A weight penalty: `(weight) => scalar` added to the loss, differentiable through @nabla/autograd. */
export type Regularizer = (x: Tensor) => Tensor;

function checkFactor(owner: string, name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
    throw new RangeError(`${owner}: ${name} must be a non-negative finite number, got ${describe(v)}`);
  }
  return v;
}

export interface RegularizerBase extends Regularizer {}
/** Base class of the built-in regularizers: callable `(x) => scalar`, with a Keras class name and config. */
export abstract class RegularizerBase {
  abstract readonly className: string;
  constructor() {
    const self = ((x: Tensor) => self.compute(x)) as unknown as RegularizerBase;
    Object.setPrototypeOf(self, new.target.prototype);
    return self;
  }
  protected abstract compute(x: Tensor): Tensor;
  abstract getConfig(): JsonObject;
}

/** `l1 · Σ|x|` and `l2 · Σx²` (Keras' L1L2: both factors default 0). */
export class L1L2 extends RegularizerBase {
  readonly className: string = 'L1L2';
  readonly l1: number;
  readonly l2: number;
  constructor(opts: { l1?: number | null; l2?: number | null } = {}) {
    super();
    this.l1 = checkFactor('L1L2', 'l1', opts.l1 ?? 0);
    this.l2 = checkFactor('L1L2', 'l2', opts.l2 ?? 0);
  }
  protected compute(x: Tensor): Tensor {
    return penalty(x, this.l1, this.l2);
  }
  getConfig(): JsonObject {
    return { l1: this.l1, l2: this.l2 };
  }
}

/** `l1 · Σ|x|` (default l1 = 0.01). @example new Dense({ units: 8, kernelRegularizer: new L1({ l1: 1e-4 }) }) */
export class L1 extends RegularizerBase {
  readonly className: string = 'L1';
  readonly l1: number;
  constructor(opts: { l1?: number | null } = {}) {
    super();
    this.l1 = checkFactor('L1', 'l1', opts.l1 ?? 0.01);
  }
  protected compute(x: Tensor): Tensor {
    return penalty(x, this.l1, 0, true);
  }
  getConfig(): JsonObject {
    return { l1: this.l1 };
  }
}

/** `l2 · Σx²` (default l2 = 0.01; no ½, as Keras 3). */
export class L2 extends RegularizerBase {
  readonly className: string = 'L2';
  readonly l2: number;
  constructor(opts: { l2?: number | null } = {}) {
    super();
    this.l2 = checkFactor('L2', 'l2', opts.l2 ?? 0.01);
  }
  protected compute(x: Tensor): Tensor {
    return penalty(x, 0, this.l2, false, true);
  }
  getConfig(): JsonObject {
    return { l2: this.l2 };
  }
}

function penalty(x: Tensor, l1: number, l2: number, forceL1 = false, forceL2 = false): Tensor {
  return tidy(() => {
    let r: Tensor | null = null;
    if (l1 !== 0 || forceL1) r = mul(sum(abs(x)), l1);
    if (l2 !== 0 || forceL2) {
      const t = mul(sum(square(x)), l2);
      r = r ? add(r, t) : t;
    }
    return r ?? scalar(0);
  });
}

/** `new L1({ l1 })` (Keras' `keras.regularizers.l1`). */
export function l1(factor = 0.01): L1 {
  return new L1({ l1: factor });
}

/** `new L2({ l2 })` (Keras' `keras.regularizers.l2`). */
export function l2(factor = 0.01): L2 {
  return new L2({ l2: factor });
}

/** `new L1L2({ l1, l2 })`, both 0.01 by default (as the `'l1_l2'` string identifier). */
export function l1l2(opts: { l1?: number; l2?: number } = {}): L1L2 {
  return new L1L2({ l1: opts.l1 ?? 0.01, l2: opts.l2 ?? 0.01 });
}

/** What resolves to a regularizer: a name, `{className, config}`, a regularizer, or null/undefined (none). */
export type RegularizerIdentifier = string | Serialized<Record<string, unknown>> | Regularizer | null | undefined;

/**
 * Resolves a regularizer: `'l1'` (0.01), `'l2'` (0.01), `'l1_l2'`/`'l1l2'` (0.01 each), `{ className: 'L2', config: { l2: 1e-4 } }`,
 * a regularizer function (returned as is), or null/undefined (null).
 */
export function getRegularizer(id: RegularizerIdentifier): Regularizer | null {
  if (id === undefined || id === null) return null;
  if (typeof id === 'function') return id;
  if (typeof id === 'string') {
    switch (lookupKey(id)) {
      case 'l1':
        return new L1();
      case 'l2':
        return new L2();
      case 'l1l2':
        return l1l2();
      default:
        throw new Error(`getRegularizer: unknown regularizer '${id}'; known: l1, l2, l1_l2 (or { className: 'L1' | 'L2' | 'L1L2', config })`);
    }
  }
  const { className, config } = normalizeSerialized(id, 'getRegularizer');
  switch (lookupKey(className)) {
    case 'l1':
      return new L1(config as { l1?: number });
    case 'l2':
      return new L2(config as { l2?: number });
    case 'l1l2':
      return new L1L2(config as { l1?: number; l2?: number });
    default:
      throw new Error(`getRegularizer: unknown regularizer class '${className}'; known: L1, L2, L1L2`);
  }
}

/** `{ className, config }` of a regularizer, or null. */
export function serializeRegularizer(r: Regularizer | null): Serialized | null {
  if (!r) return null;
  if (r instanceof RegularizerBase) return { className: r.className, config: r.getConfig() };
  return { className: r.name || 'anonymous', config: {} };
}
