import { keep, Tensor } from '@nabla/tensor';

export interface VariableOptions {
  /** Shown in errors and summaries. */
  name?: string;
  /** Whether `variableGrads` differentiates it by default (default true). */
  trainable?: boolean;
}

let nextVariable = 0;

/**
 * A trainable tensor: it is a Tensor (pass it to any op), survives every `tidy()`, and
 * `assign()` gives it a new value while keeping its identity, so optimizers and the
 * tape can key on it.
 *
 * @example
 * const w = new Variable(randomNormal([3, 1]), { name: 'w' });
 * const { grads } = variableGrads(() => sum(square(matmul(x, w))));
 * w.assign(tidy(() => sub(w, mul(grads.get(w)!, 0.1))));
 */
export class Variable extends Tensor {
  readonly name: string;
  trainable: boolean;

  /** Holds `initial`'s value (shares its immutable storage; disposing `initial` later is fine). */
  constructor(initial: Tensor, opts: VariableOptions = {}) {
    super(initial.storage, initial.shape, initial.strides, initial.offset, initial.dtype);
    this.name = opts.name ?? `variable_${nextVariable++}`;
    this.trainable = opts.trainable ?? true;
    keep(this);
  }

  /** Replaces the value (same shape and dtype); the caller still owns `value`. */
  assign(value: Tensor): this {
    if (!(value instanceof Tensor)) throw new TypeError(`Variable '${this.name}'.assign: expected a Tensor, got ${typeof value}`);
    const same = value.shape.length === this.shape.length && value.shape.every((d, i) => d === this.shape[i]);
    if (!same || value.dtype !== this.dtype) {
      throw new TypeError(
        `Variable '${this.name}'.assign: expected shape [${this.shape.join(',')}] ${this.dtype}, got [${value.shape.join(',')}] ${value.dtype}`,
      );
    }
    if (this.isDisposed) throw new Error(`Variable '${this.name}' was disposed and cannot be assigned`);
    this.rebind(value);
    return this;
  }
}
