import { broadcastTo, pad, reshape, slice, type Tensor } from '@nabla/tensor';
import { describe, fmtShape, type JsonObject, type LayerShape } from '../common.js';
import { Layer, registerLayer, type LayerArgs } from '../layer.js';
import { checkDataFormat, normalizeTuple, type DataFormat } from './convolutional.js';

type Pairs2D = [[number, number], [number, number]];

/** Keras' 2-D padding/cropping argument: `n`, `[h, w]` (symmetric) or `[[top, bottom], [left, right]]`. */
function normalizePairs(owner: string, what: string, v: unknown): Pairs2D {
  const bad = (): never => {
    throw new TypeError(`${owner}: ${what} must be a non-negative integer, [h, w] or [[top, bottom], [left, right]], got ${describe(v)}`);
  };
  const ok = (x: unknown): x is number => Number.isInteger(x) && (x as number) >= 0;
  if (ok(v)) return [[v, v], [v, v]];
  if (!Array.isArray(v) || v.length !== 2) return bad();
  if (ok(v[0]) && ok(v[1])) return [[v[0], v[0]], [v[1], v[1]]];
  const pairs = v.map((p: unknown) => (Array.isArray(p) && p.length === 2 && ok(p[0]) && ok(p[1]) ? ([p[0], p[1]] as [number, number]) : bad()));
  return pairs as Pairs2D;
}

export interface ZeroPadding2DArgs extends LayerArgs {
  /** `n`, `[h, w]` or `[[top, bottom], [left, right]]`; default 1. */
  padding?: number | [number, number] | [[number, number], [number, number]];
  /** Only `'channels_last'`. */
  dataFormat?: DataFormat | null;
}

/** Adds rows and columns of zeros around NHWC input (Keras `ZeroPadding2D`). @example new ZeroPadding2D({ padding: [[1, 2], [0, 3]] }) */
export class ZeroPadding2D extends Layer {
  static override readonly className: string = 'ZeroPadding2D';
  readonly padding: Pairs2D;
  readonly dataFormat: DataFormat = 'channels_last';
  constructor(args: ZeroPadding2DArgs = {}) {
    if (args === null || typeof args !== 'object' || Array.isArray(args)) throw new TypeError(`ZeroPadding2D: expected an options object { padding }, got ${describe(args)}`);
    super(args);
    this.padding = normalizePairs(this.describe(), 'padding', args.padding ?? 1);
    checkDataFormat(this.describe(), args.dataFormat);
    this.inputSpec = { ndim: 4 };
  }
  call(x: Tensor): Tensor {
    return pad(x, [[0, 0], this.padding[0], this.padding[1], [0, 0]]);
  }
  override computeOutputShape(s: LayerShape): LayerShape {
    const [[t, b], [l, r]] = this.padding;
    return [s[0] ?? null, s[1] === null ? null : s[1]! + t + b, s[2] === null ? null : s[2]! + l + r, s[3] ?? null];
  }
  override getConfig(): JsonObject {
    return { ...super.getConfig(), padding: this.padding.map((p) => [...p]), dataFormat: this.dataFormat };
  }
}

export interface Cropping2DArgs extends LayerArgs {
  /** `n`, `[h, w]` or `[[top, bottom], [left, right]]`; default 0. */
  cropping?: number | [number, number] | [[number, number], [number, number]];
  /** Only `'channels_last'`. */
  dataFormat?: DataFormat | null;
}

/** Removes rows and columns from the edges of NHWC input (Keras `Cropping2D`). @example new Cropping2D({ cropping: [[2, 2], [4, 4]] }) */
export class Cropping2D extends Layer {
  static override readonly className: string = 'Cropping2D';
  readonly cropping: Pairs2D;
  readonly dataFormat: DataFormat = 'channels_last';
  constructor(args: Cropping2DArgs = {}) {
    if (args === null || typeof args !== 'object' || Array.isArray(args)) throw new TypeError(`Cropping2D: expected an options object { cropping }, got ${describe(args)}`);
    super(args);
    this.cropping = normalizePairs(this.describe(), 'cropping', args.cropping ?? 0);
    checkDataFormat(this.describe(), args.dataFormat);
    this.inputSpec = { ndim: 4 };
  }
  override build(inputShape: LayerShape): void {
    this.computeOutputShape(inputShape);
  }
  call(x: Tensor): Tensor {
    const [n, , , c] = x.shape as [number, number, number, number];
    const [oh, ow] = this.computeOutputShape(x.shape as number[]).slice(1, 3) as [number, number];
    return slice(x, [0, this.cropping[0][0], this.cropping[1][0], 0], [n, oh, ow, c]);
  }
  override computeOutputShape(s: LayerShape): LayerShape {
    const out = [s[0] ?? null];
    for (let i = 0; i < 2; i++) {
      const d = s[i + 1];
      const [a, b] = this.cropping[i]!;
      if (d === null || d === undefined) {
        out.push(null);
        continue;
      }
      if (a + b >= d) throw new RangeError(`${this.describe()}: cropping ${JSON.stringify(this.cropping)} removes all of spatial axis ${i + 1} of input shape ${fmtShape(s)} (size ${d}, cropping ${a} + ${b})`);
      out.push(d - a - b);
    }
    return [...out, s[3] ?? null];
  }
  override getConfig(): JsonObject {
    return { ...super.getConfig(), cropping: this.cropping.map((p) => [...p]), dataFormat: this.dataFormat };
  }
}

export interface UpSampling2DArgs extends LayerArgs {
  /** An int or `[rows, cols]`; default 2. */
  size?: number | [number, number];
  /** Only `'nearest'` (the default). */
  interpolation?: 'nearest';
  /** Only `'channels_last'`. */
  dataFormat?: DataFormat | null;
}

/** Repeats rows and columns (nearest-neighbour upsampling, Keras `UpSampling2D`). @example new UpSampling2D({ size: 2 }) // [b, 4, 4, c] -> [b, 8, 8, c] */
export class UpSampling2D extends Layer {
  static override readonly className: string = 'UpSampling2D';
  readonly size: [number, number];
  readonly interpolation = 'nearest' as const;
  readonly dataFormat: DataFormat = 'channels_last';
  constructor(args: UpSampling2DArgs = {}) {
    if (args === null || typeof args !== 'object' || Array.isArray(args)) throw new TypeError(`UpSampling2D: expected an options object { size }, got ${describe(args)}`);
    super(args);
    this.size = normalizeTuple(this.describe(), 'size', args.size ?? 2, 2) as [number, number];
    if ((args.interpolation ?? 'nearest') !== 'nearest') throw new TypeError(`${this.describe()}: only interpolation 'nearest' is supported, got ${describe(args.interpolation)}`);
    checkDataFormat(this.describe(), args.dataFormat);
    this.inputSpec = { ndim: 4 };
  }
  call(x: Tensor): Tensor {
    const [n, h, w, c] = x.shape as [number, number, number, number];
    const [sh, sw] = this.size;
    return reshape(broadcastTo(reshape(x, [n, h, 1, w, 1, c]), [n, h, sh, w, sw, c]), [n, h * sh, w * sw, c]);
  }
  override computeOutputShape(s: LayerShape): LayerShape {
    return [s[0] ?? null, s[1] === null ? null : s[1]! * this.size[0], s[2] === null ? null : s[2]! * this.size[1], s[3] ?? null];
  }
  override getConfig(): JsonObject {
    return { ...super.getConfig(), size: [...this.size], dataFormat: this.dataFormat, interpolation: this.interpolation };
  }
}

registerLayer(ZeroPadding2D);
registerLayer(Cropping2D);
registerLayer(UpSampling2D);
