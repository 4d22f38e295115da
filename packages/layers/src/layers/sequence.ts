import { expandDims, tile, transpose, type Tensor } from '@nabla/tensor';
import { describe, type JsonObject, type LayerShape } from '../common.js';
import { Layer, registerLayer, type LayerArgs } from '../layer.js';
import { Dropout } from './dropout.js';

// ---------------------------------------------------------------- RepeatVector

export interface RepeatVectorArgs extends LayerArgs {
  /** Number of repetitions (a non-negative integer). */
  n: number;
}

/**
 * Repeats each `[features]` sample n times: `[batch, features]` -> `[batch, n, features]` (Keras' `RepeatVector`).
 * @example new RepeatVector(3).apply(x) // [b, 32] -> [b, 3, 32]
 */
export class RepeatVector extends Layer {
  static override readonly className: string = 'RepeatVector';
  readonly n: number;

  constructor(args: RepeatVectorArgs | number) {
    const a: RepeatVectorArgs = typeof args === 'number' ? { n: args } : args;
    if (a === null || typeof a !== 'object') throw new TypeError(`RepeatVector: expected n or { n }, got ${describe(args)}`);
    super(a);
    if (!Number.isInteger(a.n) || a.n < 0) throw new TypeError(`RepeatVector '${this.name}': n must be a non-negative integer, got ${describe(a.n)}`);
    this.n = a.n;
    this.inputSpec = { ndim: 2 };
  }

  call(x: Tensor): Tensor {
    return tile(expandDims(x, 1), [1, this.n, 1]);
  }

  override computeOutputShape(inputShape: LayerShape): LayerShape {
    return [inputShape[0] ?? null, this.n, inputShape[1] ?? null];
  }

  override getConfig(): JsonObject {
    return { ...super.getConfig(), n: this.n };
  }
}

// ---------------------------------------------------------------- Permute

export interface PermuteArgs extends LayerArgs {
  /** A permutation of 1..rank-1 (1-based, batch excluded), e.g. `[2, 1]` swaps the two axes after the batch. */
  dims: number[];
}

/**
 * Permutes the axes after the batch (Keras' `Permute`; `dims` are 1-based).
 * @example new Permute([2, 1]).apply(x) // [b, 10, 64] -> [b, 64, 10]
 */
export class Permute extends Layer {
  static override readonly className: string = 'Permute';
  readonly dims: number[];

  constructor(args: PermuteArgs | number[]) {
    const a: PermuteArgs = Array.isArray(args) ? { dims: args } : args;
    if (a === null || typeof a !== 'object') throw new TypeError(`Permute: expected dims or { dims }, got ${describe(args)}`);
    super(a);
    const d = a.dims;
    const sorted = Array.isArray(d) ? [...d].sort((p, q) => p - q) : null;
    if (!sorted || sorted.length === 0 || sorted.some((v, i) => v !== i + 1)) {
      throw new RangeError(
        `Permute '${this.name}': dims must be a permutation of 1..${Array.isArray(d) ? d.length : 'n'} (1-based, the batch axis excluded), got ${Array.isArray(d) ? `[${d.join(',')}]` : describe(d)}`,
      );
    }
    this.dims = [...d];
    this.inputSpec = { ndim: d.length + 1 };
  }

  call(x: Tensor): Tensor {
    return transpose(x, [0, ...this.dims]);
  }

  override computeOutputShape(inputShape: LayerShape): LayerShape {
    return [inputShape[0] ?? null, ...this.dims.map((d) => inputShape[d] ?? null)];
  }

  override getConfig(): JsonObject {
    return { ...super.getConfig(), dims: [...this.dims] };
  }
}

// ---------------------------------------------------------------- SpatialDropout1D

export interface SpatialDropout1DArgs extends LayerArgs {
  /** Fraction of the channels to drop, in [0, 1). */
  rate: number;
  seed?: number | null;
}

/**
 * Dropout of whole channels of `[batch, timesteps, channels]` inputs (Keras' `SpatialDropout1D`):
 * in training each (sample, channel) is dropped for every timestep at once (mask `[batch, 1, channels]`),
 * survivors × 1/(1 − rate). Passes inputs through otherwise.
 * @example new SpatialDropout1D({ rate: 0.2, seed: 1 }).apply(x, { training: true })
 */
export class SpatialDropout1D extends Dropout {
  static override readonly className: string = 'SpatialDropout1D';

  constructor(args: SpatialDropout1DArgs | number) {
    const a: SpatialDropout1DArgs = typeof args === 'number' ? { rate: args } : args;
    if (a === null || typeof a !== 'object') throw new TypeError(`SpatialDropout1D: expected rate or { rate }, got ${describe(args)}`);
    if (typeof a.rate !== 'number' || !(a.rate >= 0 && a.rate < 1)) {
      throw new RangeError(`SpatialDropout1D${typeof a.name === 'string' ? ` '${a.name}'` : ''}: rate must be a number in [0, 1), got ${describe(a.rate)}`);
    }
    super({ ...a, noiseShape: [null, 1, null] });
    this.inputSpec = { ndim: 3 };
  }

  override getConfig(): JsonObject {
    const { noiseShape: _drop, ...rest } = super.getConfig();
    void _drop;
    return rest;
  }
}

registerLayer(RepeatVector);
registerLayer(Permute);
registerLayer(SpatialDropout1D);
