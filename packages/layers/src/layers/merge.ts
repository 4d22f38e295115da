import { add, concat, div, matmul, maximum, minimum, mul, reshape, rsqrt, square, sub, sum, transpose, type Tensor } from '@nabla/tensor';
import { describe, fmtShape, type JsonObject, type LayerShape } from '../common.js';
import { isShapeList, Layer, registerLayer, type LayerArgs, type ShapeArg } from '../layer.js';

const shapes = (ss: readonly LayerShape[]): string => ss.map(fmtShape).join(', ');
const shapesOf = (xs: readonly Tensor[]): LayerShape[] => xs.map((x) => [...x.shape]);

/**
 * The base of the element-wise merges (Keras' `Merge`): a list of inputs with the same batch size
 * whose per-sample shapes broadcast (numpy rules, aligned at the right; a lower-rank input gets
 * axes of size 1 inserted after the batch axis, as Keras does).
 */
export abstract class Merge extends Layer {
  protected override multiInput = true;
  /** Fewest inputs the layer takes (Keras: 1; Subtract: exactly 2). */
  protected minInputs = 1;
  protected maxInputs = Infinity;

  /** The merged shape; throws naming the layer and every input shape when they do not fit. */
  protected mergedShape(input: ShapeArg): LayerShape {
    if (!isShapeList(input)) throw new TypeError(`${this.describe()}: a merge layer must be called on a list of inputs, got one input of shape ${fmtShape(input)}`);
    const n = input.length;
    if (n < this.minInputs || n > this.maxInputs) {
      const want = this.minInputs === this.maxInputs ? `exactly ${this.minInputs}` : `at least ${this.minInputs}`;
      throw new RangeError(`${this.describe()}: expects ${want} inputs, got ${n} (shapes ${shapes(input)})`);
    }
    const batches = new Set(input.map((s) => s[0]).filter((d) => d !== null && d !== undefined));
    if (batches.size > 1) throw new RangeError(`${this.describe()}: cannot merge tensors with different batch sizes, got shapes ${shapes(input)}`);
    let out: LayerShape = input[0]!.slice(1);
    for (const s of input.slice(1)) {
      const b = s.slice(1);
      const [long, short] = out.length >= b.length ? [out, b] : [b, out];
      const lead = long.slice(0, long.length - short.length);
      const tail = short.map((j, k) => {
        const i = long[long.length - short.length + k]!;
        if (i === null || j === null) return i === 1 ? j : j === 1 ? i : null;
        if (i === 1) return j;
        if (j === 1 || i === j) return i;
        throw new RangeError(`${this.describe()}: inputs have incompatible shapes ${shapes(input)} (sizes ${i} and ${j} do not broadcast)`);
      });
      out = [...lead, ...tail];
    }
    return [[...batches][0] ?? null, ...out];
  }

  override build(inputShape: ShapeArg): void {
    this.mergedShape(inputShape);
  }

  override computeOutputShape(inputShape: ShapeArg): LayerShape {
    return this.mergedShape(inputShape);
  }

  /** Combines two broadcast-compatible tensors. */
  protected abstract merge2(a: Tensor, b: Tensor): Tensor;

  call(xs: Tensor | Tensor[]): Tensor {
    const list = Array.isArray(xs) ? xs : [xs];
    this.mergedShape(shapesOf(list));
    // insert size-1 axes after the batch axis so every input has the top rank (Keras' reshape for rank mismatch)
    const rank = Math.max(...list.map((x) => x.rank));
    const aligned = list.map((x) => (x.rank === rank ? x : reshape(x, [x.shape[0]!, ...new Array<number>(rank - x.rank).fill(1), ...x.shape.slice(1)])));
    return aligned.slice(1).reduce((acc, x) => this.merge2(acc, x), aligned[0]!);
  }
}

/** Sum of the inputs. @example new Add().apply([a, b]) // a + b */
export class Add extends Merge {
  static override readonly className: string = 'Add';
  protected merge2(a: Tensor, b: Tensor): Tensor {
    return add(a, b);
  }
}

/** `a - b`, exactly two inputs. @example new Subtract().apply([a, b]) */
export class Subtract extends Merge {
  static override readonly className: string = 'Subtract';
  constructor(args: LayerArgs = {}) {
    super(args);
    this.minInputs = 2;
    this.maxInputs = 2;
  }
  protected merge2(a: Tensor, b: Tensor): Tensor {
    return sub(a, b);
  }
}

/** Element-wise product. @example new Multiply().apply([a, b, c]) */
export class Multiply extends Merge {
  static override readonly className: string = 'Multiply';
  protected merge2(a: Tensor, b: Tensor): Tensor {
    return mul(a, b);
  }
}

/** Element-wise mean of the inputs. @example new Average().apply([a, b]) // (a + b) / 2 */
export class Average extends Merge {
  static override readonly className: string = 'Average';
  protected merge2(a: Tensor, b: Tensor): Tensor {
    return add(a, b);
  }
  override call(xs: Tensor | Tensor[]): Tensor {
    return div(super.call(xs), Array.isArray(xs) ? xs.length : 1);
  }
}

/** Element-wise maximum. @example new Maximum().apply([a, b]) */
export class Maximum extends Merge {
  static override readonly className: string = 'Maximum';
  protected merge2(a: Tensor, b: Tensor): Tensor {
    return maximum(a, b);
  }
}

/** Element-wise minimum. @example new Minimum().apply([a, b]) */
export class Minimum extends Merge {
  static override readonly className: string = 'Minimum';
  protected merge2(a: Tensor, b: Tensor): Tensor {
    return minimum(a, b);
  }
}

// ---------------------------------------------------------------- Concatenate

export interface ConcatenateArgs extends LayerArgs {
  /** The axis to join along (negative counts from the end); default -1. */
  axis?: number;
}

/**
 * Joins the inputs along `axis`; every other dimension must match (null matches anything).
 * @example new Concatenate().apply([a, b]) // [b, 3] and [b, 5] -> [b, 8]
 */
export class Concatenate extends Layer {
  static override readonly className: string = 'Concatenate';
  protected override multiInput = true;
  readonly axis: number;
  constructor(args: ConcatenateArgs = {}) {
    super(args);
    const axis = args.axis ?? -1;
    if (!Number.isInteger(axis)) throw new TypeError(`Concatenate '${this.name}': axis must be an integer, got ${describe(axis)}`);
    this.axis = axis;
  }

  override computeOutputShape(input: ShapeArg): LayerShape {
    if (!isShapeList(input)) throw new TypeError(`${this.describe()}: must be called on a list of inputs, got one input of shape ${fmtShape(input)}`);
    const rank = input[0]!.length;
    const axis = this.axis < 0 ? rank + this.axis : this.axis;
    const mismatch = (): never => {
      throw new RangeError(`${this.describe()}: requires inputs with matching shapes except for the concatenation axis ${this.axis}, got shapes ${shapes(input)}`);
    };
    if (axis < 0 || axis >= rank) throw new RangeError(`${this.describe()}: axis ${this.axis} is out of range for inputs of rank ${rank} (shapes ${shapes(input)})`);
    if (input.some((s) => s.length !== rank)) mismatch();
    const out: LayerShape = [];
    for (let d = 0; d < rank; d++) {
      const ds = input.map((s) => s[d]!);
      if (d === axis) {
        out.push(ds.some((v) => v === null) ? null : ds.reduce<number>((a, v) => a + (v as number), 0));
      } else {
        const known = new Set(ds.filter((v) => v !== null));
        if (known.size > 1) mismatch();
        out.push(known.size ? [...known][0]! : null);
      }
    }
    return out;
  }

  override build(inputShape: ShapeArg): void {
    this.computeOutputShape(inputShape);
  }

  call(xs: Tensor | Tensor[]): Tensor {
    const list = Array.isArray(xs) ? xs : [xs];
    this.computeOutputShape(shapesOf(list));
    return concat(list, this.axis < 0 ? list[0]!.rank + this.axis : this.axis);
  }

  override getConfig(): JsonObject {
    return { ...super.getConfig(), axis: this.axis };
  }
}

// ---------------------------------------------------------------- Dot

export interface DotArgs extends LayerArgs {
  /** The axis (or `[axisOfA, axisOfB]`) contracted; negative counts from the end; never the batch axis. */
  axes: number | [number, number];
  /** L2-normalize both inputs along the contracted axes first, giving cosine similarities. Default false. */
  normalize?: boolean;
}

/**
 * The batched dot product of two inputs along `axes` (Keras' `batch_dot`): `[b, n]·[b, n]` -> `[b, 1]`,
 * `[b, n, m]·[b, m, k]` with axes `[2, 1]` -> `[b, n, k]`.
 * @example new Dot({ axes: 1, normalize: true }).apply([a, b]) // cosine similarity per sample
 */
export class Dot extends Layer {
  static override readonly className: string = 'Dot';
  protected override multiInput = true;
  readonly axes: number | [number, number];
  readonly normalize: boolean;
  constructor(args: DotArgs) {
    if (args === null || typeof args !== 'object') throw new TypeError(`Dot: expected { axes, normalize? }, got ${describe(args)}`);
    super(args);
    const a = args.axes;
    const ok = Number.isInteger(a) || (Array.isArray(a) && a.length === 2 && a.every((v) => Number.isInteger(v)));
    if (!ok) throw new TypeError(`Dot '${this.name}': axes must be an integer or a list of 2 integers, got ${Array.isArray(a) ? `[${a.join(',')}]` : describe(a)}`);
    this.axes = Array.isArray(a) ? [a[0], a[1]] : a;
    this.normalize = args.normalize ?? false;
  }

  /** The two contracted axes, non-negative, for inputs of ranks r1 and r2. */
  private resolveAxes(r1: number, r2: number): [number, number] {
    const [a, b] = Array.isArray(this.axes) ? this.axes : [this.axes, this.axes];
    return [a < 0 ? a + r1 : a, b < 0 ? b + r2 : b];
  }

  override computeOutputShape(input: ShapeArg): LayerShape {
    if (!isShapeList(input) || input.length !== 2) {
      throw new TypeError(`${this.describe()}: must be called on a list of 2 inputs, got ${isShapeList(input) ? `${input.length} (shapes ${shapes(input)})` : `one input of shape ${fmtShape(input)}`}`);
    }
    const [s1, s2] = input as [LayerShape, LayerShape];
    const [a1, a2] = this.resolveAxes(s1.length, s2.length);
    if (s1.length < 2 || s2.length < 2) throw new RangeError(`${this.describe()}: inputs need a batch axis and at least one more, got shapes ${shapes(input)}`);
    if (a1 < 1 || a1 >= s1.length || a2 < 1 || a2 >= s2.length) {
      throw new RangeError(`${this.describe()}: axes ${JSON.stringify(this.axes)} must name non-batch axes of inputs of shapes ${shapes(input)}`);
    }
    if (s1[0] !== null && s2[0] !== null && s1[0] !== s2[0]) throw new RangeError(`${this.describe()}: the inputs have different batch sizes, shapes ${shapes(input)}`);
    if (s1[a1] !== null && s2[a2] !== null && s1[a1] !== s2[a2]) {
      throw new RangeError(`${this.describe()}: incompatible input shapes: axis values ${s1[a1]} (at axis ${a1}) != ${s2[a2]} (at axis ${a2}); full input shapes ${shapes(input)}`);
    }
    const out = [s1[0] ?? s2[0] ?? null, ...s1.filter((_, i) => i !== 0 && i !== a1), ...s2.filter((_, i) => i !== 0 && i !== a2)];
    return out.length === 1 ? [out[0]!, 1] : out;
  }

  override build(inputShape: ShapeArg): void {
    this.computeOutputShape(inputShape);
  }

  call(xs: Tensor | Tensor[]): Tensor {
    const list = Array.isArray(xs) ? xs : [xs];
    const out = this.computeOutputShape(shapesOf(list)) as number[];
    let [x, y] = list as [Tensor, Tensor];
    const [a1, a2] = this.resolveAxes(x.rank, y.rank);
    if (this.normalize) [x, y] = [l2Normalize(x, a1), l2Normalize(y, a2)];
    const b = x.shape[0]!;
    const n = x.shape[a1]!;
    // batch_dot as one batched matmul: x -> [b, rest1, n], y -> [b, n, rest2]
    const rest1 = x.shape.map((_, i) => i).filter((i) => i !== 0 && i !== a1);
    const rest2 = y.shape.map((_, i) => i).filter((i) => i !== 0 && i !== a2);
    const size = (t: Tensor, axes: number[]): number => axes.reduce((p, i) => p * t.shape[i]!, 1);
    const xm = reshape(transpose(x, [0, ...rest1, a1]), [b, size(x, rest1), n]);
    const ym = reshape(transpose(y, [0, a2, ...rest2]), [b, n, size(y, rest2)]);
    return reshape(matmul(xm, ym), out);
  }

  override getConfig(): JsonObject {
    return { ...super.getConfig(), axes: Array.isArray(this.axes) ? [...this.axes] : this.axes, normalize: this.normalize };
  }
}

/** `x / sqrt(max(sum(x², axis), 1e-12))` (tf.math.l2_normalize's epsilon), so a zero vector stays zero. */
function l2Normalize(x: Tensor, axis: number): Tensor {
  return mul(x, rsqrt(maximum(sum(square(x), axis, true), 1e-12)));
}

for (const cls of [Add, Subtract, Multiply, Average, Maximum, Minimum, Concatenate, Dot]) registerLayer(cls);
