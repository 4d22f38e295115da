import { div, less, Random, randomUniform, where, type Tensor } from '@nabla/tensor';
import { checkSeed, describe, fmtShape, freshSeed, type JsonObject } from '../common.js';
import { Layer, registerLayer, type CallOptions, type LayerArgs } from '../layer.js';

export interface DropoutArgs extends LayerArgs {
  /** Fraction of the inputs to drop, in [0, 1). */
  rate: number;
  /** Shape of the mask (broadcast over the input); null entries take the input's size. */
  noiseShape?: (number | null)[] | null;
  /** Seeds the sequence of masks: the same seed gives the same masks call after call. */
  seed?: number | null;
}

/**
 * While training, zeroes each input with probability `rate` and scales the others by 1/(1 - rate)
 * (so the expected value is unchanged); passes inputs through otherwise. Each training call draws a
 * new mask from the layer's seeded stream.
 * @example const d = new Dropout({ rate: 0.5, seed: 42 }); d.apply(x, { training: true })
 */
export class Dropout extends Layer {
  static override readonly className: string = 'Dropout';
  readonly rate: number;
  readonly noiseShape: (number | null)[] | null;
  readonly seed: number | null;
  private readonly rng: Random;

  constructor(args: DropoutArgs | number) {
    const a: DropoutArgs = typeof args === 'number' ? { rate: args } : args;
    if (a === null || typeof a !== 'object') throw new TypeError(`Dropout: expected { rate }, got ${describe(args)}`);
    super(a);
    if (typeof a.rate !== 'number' || !(a.rate >= 0 && a.rate < 1)) {
      throw new RangeError(`Dropout '${this.name}': rate must be a number in [0, 1), got ${describe(a.rate)}`);
    }
    this.rate = a.rate;
    const ns = a.noiseShape ?? null;
    if (ns !== null && !(Array.isArray(ns) && ns.every((d) => d === null || (Number.isInteger(d) && d > 0)))) {
      throw new TypeError(`Dropout '${this.name}': noiseShape must be an array of positive integers or null, got ${describe(ns)}`);
    }
    this.noiseShape = ns ? [...ns] : null;
    this.seed = checkSeed(`Dropout '${this.name}'`, a.seed) ?? null;
    this.rng = new Random(this.seed ?? freshSeed());
  }

  call(x: Tensor, opts: CallOptions): Tensor {
    if (!opts.training || this.rate === 0) return x;
    let maskShape = x.shape;
    if (this.noiseShape) {
      if (this.noiseShape.length !== x.rank) {
        throw new RangeError(`Layer '${this.name}' (Dropout): noiseShape ${fmtShape(this.noiseShape)} does not match the rank of input shape ${fmtShape(x.shape)}`);
      }
      maskShape = this.noiseShape.map((d, i) => d ?? x.shape[i]!);
    }
    const keepProb = 1 - this.rate;
    const keep = less(randomUniform(maskShape, { seed: this.rng.nextU32() }), keepProb);
    return where(keep, div(x, keepProb), 0);
  }

  override getConfig(): JsonObject {
    return { ...super.getConfig(), rate: this.rate, seed: this.seed, noiseShape: this.noiseShape ? [...this.noiseShape] : null };
  }
}

registerLayer(Dropout);
