import type { DType, TypedArray } from './dtype.js';
import { sizeOf, type Shape } from './shape.js';

const SUMMARIZE_ABOVE = 1000;
const EDGE_ITEMS = 3;
const PRECISION = 4;

/** Formats elements the way NumPy's repr does: aligned columns, `...` for large tensors. */
export function formatTensor(data: TypedArray, shape: Shape, dtype: DType): string {
  const summarize = sizeOf(shape) > SUMMARIZE_ABOVE;
  const fmt = elementFormatter(data, dtype);
  const prefix = 'tensor(';
  const body = shape.length === 0 ? fmt(data[0]!) : block(data, shape, 0, 0, fmt, summarize, prefix.length);
  const suffix = dtype === 'float32' ? '' : `, dtype=${dtype}`;
  return `${prefix}${body}${suffix})`;
}

function block(
  data: TypedArray, shape: Shape, dim: number, offset: number,
  fmt: (v: number) => string, summarize: boolean, indent: number,
): string {
  const n = shape[dim]!;
  const inner = sizeOf(shape.slice(dim + 1));
  const idx: (number | null)[] = [];
  if (summarize && n > 2 * EDGE_ITEMS) {
    for (let i = 0; i < EDGE_ITEMS; i++) idx.push(i);
    idx.push(null);
    for (let i = n - EDGE_ITEMS; i < n; i++) idx.push(i);
  } else for (let i = 0; i < n; i++) idx.push(i);
  if (dim === shape.length - 1) {
    return `[${idx.map((i) => (i === null ? '...' : fmt(data[offset + i]!))).join(', ')}]`;
  }
  const sep = `,${'\n'.repeat(shape.length - 1 - dim)}${' '.repeat(indent + dim + 1)}`;
  const parts = idx.map((i) => (i === null ? '...' : block(data, shape, dim + 1, offset + i * inner, fmt, summarize, indent)));
  return `[${parts.join(sep)}]`;
}

function elementFormatter(data: TypedArray, dtype: DType): (v: number) => string {
  if (dtype === 'bool') return (v) => (v ? ' True' : 'False');
  if (dtype === 'int32') {
    let w = 1;
    for (const v of data) w = Math.max(w, String(v).length);
    return (v) => String(v).padStart(w);
  }
  let maxAbs = 0;
  let minAbs = Infinity;
  let decimals = 0;
  for (const v of data) {
    if (!Number.isFinite(v)) continue;
    const a = Math.abs(v);
    maxAbs = Math.max(maxAbs, a);
    if (a > 0) minAbs = Math.min(minAbs, a);
    // fewest decimals (up to PRECISION) that show this value as toFixed(PRECISION) would
    const s = v.toFixed(PRECISION).replace(/0+$/, '');
    decimals = Math.max(decimals, s.length - s.indexOf('.') - 1);
  }
  const scientific = maxAbs >= 1e8 || (minAbs < 1e-4 && minAbs !== Infinity);
  const raw = (v: number): string => {
    if (Number.isNaN(v)) return 'nan';
    if (!Number.isFinite(v)) return v > 0 ? 'inf' : '-inf';
    if (scientific) return v.toExponential(PRECISION);
    const s = v.toFixed(decimals);
    return decimals === 0 ? `${s}.` : s;
  };
  let w = 1;
  for (const v of data) w = Math.max(w, raw(v).length);
  return (v) => raw(v).padStart(w);
}
