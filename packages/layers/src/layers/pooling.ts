import { avgPool2d, max, maxPool2d, mean, reshape, type Padding, type Tensor } from '@nabla/tensor';
import { describe, type JsonObject, type LayerShape } from '../common.js';
import { Layer, registerLayer, type LayerArgs } from '../layer.js';
import { checkDataFormat, convOutputLength, normalizePadding, normalizeTuple, type DataFormat } from './convolutional.js';

export interface PoolingArgs extends LayerArgs {
  /** An int or a tuple of `rank` ints; default 2. */
  poolSize?: number | number[];
  /** Default null (= poolSize, as Keras). */
  strides?: number | number[] | null;
  /** Default `'valid'`. `'same'` pads; padded cells never win a max and are not counted by the average (as Keras/TensorFlow). */
  padding?: Padding | 'VALID' | 'SAME';
  /** Only `'channels_last'`. */
  dataFormat?: DataFormat | null;
}

/** The shared part of the windowed pooling layers (Keras' `BasePooling`). */
export abstract class BasePooling extends Layer {
  abstract readonly rank: number;
  abstract readonly mode: 'max' | 'average';
  readonly poolSize: number[];
  readonly strides: number[];
  readonly padding: Padding;
  readonly dataFormat: DataFormat = 'channels_last';

  constructor(rank: number, args: PoolingArgs) {
    if (args === null || typeof args !== 'object' || Array.isArray(args)) throw new TypeError(`Pooling${rank}D: expected an options object { poolSize, strides, padding }, got ${describe(args)}`);
    super(args);
    const owner = this.describe();
    this.poolSize = normalizeTuple(owner, 'poolSize', args.poolSize ?? 2, rank);
    this.strides = args.strides === undefined || args.strides === null ? [...this.poolSize] : normalizeTuple(owner, 'strides', args.strides, rank);
    this.padding = normalizePadding(owner, args.padding ?? 'valid');
    checkDataFormat(owner, args.dataFormat);
    this.inputSpec = { ndim: rank + 2 };
  }

  override build(inputShape: LayerShape): void {
    this.computeOutputShape(inputShape); // throws when the input is smaller than the window
  }

  protected pool2d(x: Tensor, poolSize: [number, number], strides: [number, number]): Tensor {
    const opts = { poolSize, strides, padding: this.padding };
    return this.mode === 'max' ? maxPool2d(x, opts) : avgPool2d(x, opts);
  }

  override computeOutputShape(inputShape: LayerShape): LayerShape {
    const spatial = inputShape.slice(1, -1).map((d, i) => convOutputLength(this.describe(), inputShape, i + 1, d, this.poolSize[i]!, this.strides[i]!, this.padding, 1));
    return [inputShape[0] ?? null, ...spatial, inputShape[inputShape.length - 1] ?? null];
  }

  override getConfig(): JsonObject {
    return { ...super.getConfig(), poolSize: [...this.poolSize], strides: [...this.strides], padding: this.padding, dataFormat: this.dataFormat };
  }
}

abstract class Pooling2D extends BasePooling {
  readonly rank = 2;
  constructor(args: PoolingArgs) {
    super(2, args);
  }
  call(x: Tensor): Tensor {
    return this.pool2d(x, this.poolSize as [number, number], this.strides as [number, number]);
  }
}

abstract class Pooling1D extends BasePooling {
  readonly rank = 1;
  constructor(args: PoolingArgs) {
    super(1, args);
  }
  call(x: Tensor): Tensor {
    const [n, w, c] = x.shape as [number, number, number];
    const y = this.pool2d(reshape(x, [n, 1, w, c]), [1, this.poolSize[0]!], [1, this.strides[0]!]);
    return reshape(y, [n, y.shape[2]!, c]);
  }
}

/** Max over windows of NHWC input (Keras `MaxPooling2D`). @example new MaxPooling2D() // 2x2, stride 2 */
export class MaxPooling2D extends Pooling2D {
  static override readonly className: string = 'MaxPooling2D';
  readonly mode = 'max';
  constructor(args: PoolingArgs = {}) {
    super(args);
  }
}

/** Mean over windows of NHWC input (Keras `AveragePooling2D`). */
export class AveragePooling2D extends Pooling2D {
  static override readonly className: string = 'AveragePooling2D';
  readonly mode = 'average';
  constructor(args: PoolingArgs = {}) {
    super(args);
  }
}

/** Max over windows of `[batch, steps, channels]` (Keras `MaxPooling1D`). */
export class MaxPooling1D extends Pooling1D {
  static override readonly className: string = 'MaxPooling1D';
  readonly mode = 'max';
  constructor(args: PoolingArgs = {}) {
    super(args);
  }
}

/** Mean over windows of `[batch, steps, channels]` (Keras `AveragePooling1D`). */
export class AveragePooling1D extends Pooling1D {
  static override readonly className: string = 'AveragePooling1D';
  readonly mode = 'average';
  constructor(args: PoolingArgs = {}) {
    super(args);
  }
}

export interface GlobalPoolingArgs extends LayerArgs {
  /** Keep the reduced spatial axes as size 1 (default false). */
  keepdims?: boolean;
  /** Only `'channels_last'`. */
  dataFormat?: DataFormat | null;
}

/** Max or mean over every spatial axis (Keras' `BaseGlobalPooling`): `[b, ..., c]` -> `[b, c]` (or `[b, 1, ..., 1, c]` with keepdims). */
export abstract class BaseGlobalPooling extends Layer {
  abstract readonly rank: number;
  abstract readonly mode: 'max' | 'average';
  readonly keepdims: boolean;
  readonly dataFormat: DataFormat = 'channels_last';

  constructor(rank: number, args: GlobalPoolingArgs) {
    if (args === null || typeof args !== 'object' || Array.isArray(args)) throw new TypeError(`GlobalPooling${rank}D: expected an options object { keepdims }, got ${describe(args)}`);
    super(args);
    this.keepdims = args.keepdims ?? false;
    if (typeof this.keepdims !== 'boolean') throw new TypeError(`${this.describe()}: keepdims must be a boolean, got ${describe(args.keepdims)}`);
    checkDataFormat(this.describe(), args.dataFormat);
    this.inputSpec = { ndim: rank + 2 };
  }

  call(x: Tensor): Tensor {
    const axes = Array.from({ length: this.rank }, (_, i) => i + 1);
    return this.mode === 'max' ? max(x, axes, this.keepdims) : mean(x, axes, this.keepdims);
  }

  override computeOutputShape(inputShape: LayerShape): LayerShape {
    const c = inputShape[inputShape.length - 1] ?? null;
    return this.keepdims ? [inputShape[0] ?? null, ...Array.from({ length: this.rank }, () => 1), c] : [inputShape[0] ?? null, c];
  }

  override getConfig(): JsonObject {
    return { ...super.getConfig(), dataFormat: this.dataFormat, keepdims: this.keepdims };
  }
}

/** Keras `GlobalMaxPooling1D`: `[b, steps, c]` -> `[b, c]`. */
export class GlobalMaxPooling1D extends BaseGlobalPooling {
  static override readonly className: string = 'GlobalMaxPooling1D';
  readonly rank = 1;
  readonly mode = 'max';
  constructor(args: GlobalPoolingArgs = {}) {
    super(1, args);
  }
}

/** Keras `GlobalAveragePooling1D`: `[b, steps, c]` -> `[b, c]` (masks are not supported). */
export class GlobalAveragePooling1D extends BaseGlobalPooling {
  static override readonly className: string = 'GlobalAveragePooling1D';
  readonly rank = 1;
  readonly mode = 'average';
  constructor(args: GlobalPoolingArgs = {}) {
    super(1, args);
  }
}

/** Keras `GlobalMaxPooling2D`: `[b, h, w, c]` -> `[b, c]`. */
export class GlobalMaxPooling2D extends BaseGlobalPooling {
  static override readonly className: string = 'GlobalMaxPooling2D';
  readonly rank = 2;
  readonly mode = 'max';
  constructor(args: GlobalPoolingArgs = {}) {
    super(2, args);
  }
}

/** Keras `GlobalAveragePooling2D`: `[b, h, w, c]` -> `[b, c]`. */
export class GlobalAveragePooling2D extends BaseGlobalPooling {
  static override readonly className: string = 'GlobalAveragePooling2D';
  readonly rank = 2;
  readonly mode = 'average';
  constructor(args: GlobalPoolingArgs = {}) {
    super(2, args);
  }
}

for (const cls of [MaxPooling2D, AveragePooling2D, MaxPooling1D, AveragePooling1D, GlobalMaxPooling1D, GlobalAveragePooling1D, GlobalMaxPooling2D, GlobalAveragePooling2D]) registerLayer(cls);
