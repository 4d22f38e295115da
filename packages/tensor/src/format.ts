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
  const suffix = dtype === 'int32' ? ', dtype=int32' : ''; // NumPy names only non-default dtypes
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
  for (const v of data) {
    if (!Number.isFinite(v)) continue;
    const a = Math.abs(v);
    maxAbs = Math.max(maxAbs, a);
    if (a > 0) minAbs = Math.min(minAbs, a);
  }
  const scientific = maxAbs >= 1e8 || (minAbs < 1e-4 && minAbs !== Infinity);
  // As NumPy: each value with the fewest decimals (up to PRECISION) that show it, then
  // columns aligned on the decimal point (integer part right-aligned, fraction padded with spaces).
  const raw = (v: number): [string, string] => {
    if (Number.isNaN(v)) return ['nan', ''];
    if (!Number.isFinite(v)) return [v > 0 ? 'inf' : '-inf', ''];
    if (scientific) return [v.toExponential(PRECISION), ''];
    const s = v.toFixed(PRECISION).replace(/0+$/, '');
    const dot = s.indexOf('.');
    return [s.slice(0, dot), s.slice(dot)];
  };
  let wi = 0;
  let wf = 0;
  let wSpecial = 0;
  for (const v of data) {
    const [a, b] = raw(v);
    if (Number.isFinite(v) && !scientific) {
      wi = Math.max(wi, a.length);
      wf = Math.max(wf, b.length);
    } else wSpecial = Math.max(wSpecial, a.length);
  }
  const w = Math.max(wi + wf, wSpecial);
  return (v) => {
    const [a, b] = raw(v);
    const s = Number.isFinite(v) && !scientific ? a.padStart(wi) + b.padEnd(wf) : a;
    return s.padStart(w);
  };
}
