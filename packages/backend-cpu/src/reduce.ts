import { sizeOf, type DType, type ReduceOp, type TensorInfo, type TypedArray } from '@nabla/tensor';
import { heapAddress } from './heap.js';
import { alloc, allocFull, bufferOf, collapse, toContiguous } from './strided.js';
import { CHUNK } from './wasm/elementwise.js';
import { wasmReduce } from './wasm/reduce.js';

/** Folds x[start, start + n) (n > 0 except for sum and prod). */
type Fold = (x: TypedArray, start: number, n: number) => number;

function sumFloat(x: TypedArray, start: number, n: number): number {
  let s = 0; // float64 accumulator, rounded once on store
  for (let i = start, end = start + n; i < end; i++) s += x[i]!;
  return s;
}

function maxFold(x: TypedArray, start: number, n: number): number {
  let m = x[start]!;
  for (let i = start + 1, end = start + n; i < end && m === m; i++) {
    const v = x[i]!;
    if (v > m || v !== v) m = v;
  }
  return m;
}

function minFold(x: TypedArray, start: number, n: number): number {
  let m = x[start]!;
  for (let i = start + 1, end = start + n; i < end && m === m; i++) {
    const v = x[i]!;
    if (v < m || v !== v) m = v;
  }
  return m;
}

/** First index of the extreme; a NaN is the extreme (NumPy). */
function argFold(better: (v: number, best: number) => boolean): Fold {
  return (x, start, n) => {
    let best = x[start]!;
    if (best !== best) return 0;
    let at = 0;
    for (let i = 1; i < n; i++) {
      const v = x[start + i]!;
      if (v !== v) return i;
      if (better(v, best)) {
        best = v;
        at = i;
      }
    }
    return at;
  };
}

const FLOAT: Record<ReduceOp, Fold> = {
  sum: sumFloat,
  prod: (x, start, n) => {
    let p = 1;
    for (let i = start, end = start + n; i < end; i++) p *= x[i]!;
    return p;
  },
  max: maxFold,
  min: minFold,
  argmax: argFold((v, best) => v > best),
  argmin: argFold((v, best) => v < best),
};

/** int32 (and bool) sums and products wrap like C int32. */
const INT: Record<ReduceOp, Fold> = {
  ...FLOAT,
  sum: (x, start, n) => {
    let s = 0;
    for (let i = start, end = start + n; i < end; i++) s = (s + x[i]!) | 0;
    return s;
  },
  prod: (x, start, n) => {
    let p = 1;
    for (let i = start, end = start + n; i < end; i++) p = Math.imul(p, x[i]!);
    return p;
  },
};

/** Reduces the trailing `axes` dimensions of x (the op moved them last). */
export function reduce(x: TensorInfo, op: ReduceOp, axes: number, outDtype: DType): TypedArray {
  const { outer, inner } = split(x, axes);
  return reduceRows(x, op, axes, outer, inner, outDtype);
}

/** The kept elements (outer) and the reduced ones per output (inner). */
function split(x: TensorInfo, axes: number): { outer: number; inner: number } {
  const rank = x.shape.length;
  return { outer: sizeOf(x.shape.slice(0, rank - axes)), inner: sizeOf(x.shape.slice(rank - axes)) };
}

/** reduce, given split(x, axes). */
function reduceRows(x: TensorInfo, op: ReduceOp, axes: number, outer: number, inner: number, outDtype: DType): TypedArray {
  const out = alloc(outDtype, outer);
  if (outer === 0) return out;
  if (op === 'sum' && x.dtype === 'float32' && outDtype === 'float32' && sumLeading(x, axes, out)) return out;
  const fold = (x.dtype === 'float32' ? FLOAT : INT)[op];
  const src = toContiguous(x);
  for (let o = 0; o < outer; o++) out[o] = fold(src, o * inner, inner);
  return out;
}

/** A view read as `rows` runs of `cols` consecutive elements, run r starting at offset + r·step. */
interface Leading {
  readonly cols: number;
  readonly rows: number;
  readonly step: number;
}

/**
 * The layout sumLeading handles: the kept axes collapse to one unit-stride run and the reduced
 * ones to one stride at least that long (rows that neither overlap nor interleave); else null.
 */
function leadingLayout(x: TensorInfo, axes: number): Leading | null {
  const k = x.shape.length - axes;
  const kept = collapse(x.shape.slice(0, k), x.strides.slice(0, k));
  const red = collapse(x.shape.slice(k), x.strides.slice(k));
  if (kept.shape.length !== 1 || kept.strides[0] !== 1 || red.shape.length !== 1) return null;
  const cols = kept.shape[0]!;
  const step = red.strides[0]!;
  return step < cols ? null : { cols, rows: red.shape[0]!, step };
}

/**
 * A float32 sum over axes that lie outside the kept ones in memory (a bias gradient: [N, H, W, C]
 * summed to [C], viewed [C, N·H·W] with strides [1, C]). Copying that view contiguous first (a
 * tiled transpose) took ~3x the sum itself in a profile; instead the kept run is added row by row
 * into float64 accumulators, reading memory in order. Each output adds the same values in the
 * same order as sumFloat, so the result is identical. Returns false (nothing written) otherwise.
 */
function sumLeading(x: TensorInfo, axes: number, out: TypedArray): boolean {
  const lead = leadingLayout(x, axes);
  if (!lead) return false;
  const { cols: o, rows: m, step } = lead;
  const src = bufferOf(x);
  const acc = new Float64Array(o);
  for (let r = 0, p = x.offset; r < m; r++, p += step) {
    for (let j = 0; j < o; j++) acc[j] += src[p + j]!;
  }
  out.set(acc);
  return true;
}

/**
 * Shortest rows and fewest elements that fastReduce sends to wasm. A call there costs ~0.3 µs
 * whatever the size (the chunk copy, the JS-to-wasm call, reading the results back) beside the
 * ~0.6 µs both paths spend on the view, and the JS folds 1.5-8 ns an element. Measured on this
 * 2-core Xeon (a noisy, shared machine): a [1, 32] reduction is a tie and [1, 64] favours wasm;
 * rows of 2 a tie for sum (128 rows: 2.7-6.1 µs JS against 3.5-4.6 wasm) and ~2x for max; rows of
 * 4 and more favour wasm ([128, 10]: sum 1.7x, max 2.4-3x, the leading sum of [128, 10] 2.6-4x).
 */
export const WASM_REDUCE_MIN_INNER = 2;
export const WASM_REDUCE_MIN_ELEMENTS = 64;

/**
 * `reduce` with float32 sum, max and min in WebAssembly SIMD (wasm/reduce.ts) where that pays;
 * every other case, and any runtime without wasm SIMD, is `reduce` itself. max and min give the
 * reference's float32 bits (NaN where it is NaN); a leading-axis sum too; a sum over contiguous
 * rows adds in another order in float64, so it may differ from the reference's in the last bit.
 */
export function fastReduce(x: TensorInfo, op: ReduceOp, axes: number, outDtype: DType): TypedArray {
  const { outer, inner } = split(x, axes);
  const small = inner < WASM_REDUCE_MIN_INNER || outer * inner < WASM_REDUCE_MIN_ELEMENTS;
  if (small || !wasmOp(x, op, outDtype)) return reduceRows(x, op, axes, outer, inner, outDtype);
  const engine = wasmReduce();
  if (!engine) return reduceRows(x, op, axes, outer, inner, outDtype);
  const lead = op === 'sum' ? leadingLayout(x, axes) : null;
  // off the heap the chunk takes whole rows, gaps included: a stride far past the run would copy
  // mostly gaps, and a run over half a chunk would leave one row a call; the JS sumLeading then.
  // On the heap the kernel reads the rows where they lie, whatever the stride (runs up to CHUNK:
  // its accumulators)
  const staged = lead !== null && heapAddress(bufferOf(x)) < 0;
  if (lead && (staged ? lead.step > 2 * lead.cols || lead.cols > CHUNK / 2 : lead.cols > CHUNK)) return reduceRows(x, op, axes, outer, inner, outDtype);
  const out = allocFull('float32', outer) as Float32Array;
  if (lead) {
    engine.sumLeading(bufferOf(x) as Float32Array, x.offset, lead.rows, lead.cols, lead.step, out);
    return out;
  }
  const src = toContiguous(x) as Float32Array;
  if (op === 'sum') engine.sumRows(src, outer, inner, out);
  else engine.extremeRows(op, src, outer, inner, out);
  return out;
}

/** The reductions wasm/reduce.ts has: float32 to float32 sum, max and min. */
function wasmOp(x: TensorInfo, op: ReduceOp, outDtype: DType): op is 'sum' | 'max' | 'min' {
  return x.dtype === 'float32' && outDtype === 'float32' && (op === 'sum' || op === 'max' || op === 'min');
}
