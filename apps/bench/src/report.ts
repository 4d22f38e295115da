/**
 * Records and their renderings: the text table, JSON, markdown and an SVG bar chart of
 * the ratios. Plain string building, no dependencies.
 */
import { ratio, type Better } from './stats.js';

export type SystemName = 'nabla' | 'tfjs';

/** One row: a workload at one size on one system+backend. */
export interface BenchRecord {
  workload: string;
  size: string;
  system: SystemName;
  backend: string;
  metric: string;
  unit: string;
  /** null when the row did not run (see `note`). */
  median: number | null;
  min: number | null;
  max: number | null;
  /** Timed runs behind median/min/max (0 when it did not run). */
  runs: number;
  better: Better;
  /** WebGPU adapter, e.g. "SwiftShader driver 5.0.0 (google swiftshader)". */
  adapter?: string;
  /** A software WebGPU adapter: not GPU performance. */
  software?: boolean;
  /** Why the row has no figures, or a remark on how it was measured. */
  note?: string;
  /** On peer rows: how many times better nabla is (see RATIO_HELP); null when either side is missing. */
  ratio?: number | null;
  /** The nabla backend the ratio compares against, e.g. "nabla cpu". */
  ratioVs?: string;
}

export const RATIO_HELP =
  'ratio: how many times better nabla is than the peer on that row (> 1: nabla better; nabla ÷ peer for throughput, ' +
  'peer ÷ nabla for latency and memory), on medians, like with like: nabla cpu against tfjs cpu and tfjs wasm (all on the CPU), ' +
  'nabla webgpu against tfjs webgpu on the same adapter.';

/** The nabla backend a peer backend is compared with: the one of the same kind. */
export function counterpart(peerBackend: string): string {
  return peerBackend === 'webgpu' ? 'webgpu' : 'cpu';
}

/** Fills `ratio`/`ratioVs` on every tfjs record from the nabla record of the same workload, size, metric and kind. */
export function addRatios(records: BenchRecord[]): BenchRecord[] {
  const key = (r: BenchRecord, backend: string) => `${r.workload}\u0000${r.size}\u0000${r.metric}\u0000${backend}`;
  const nabla = new Map<string, BenchRecord>();
  for (const r of records) if (r.system === 'nabla') nabla.set(key(r, r.backend), r);
  for (const r of records) {
    if (r.system === 'nabla') continue;
    const vs = counterpart(r.backend);
    const n = nabla.get(key(r, vs));
    r.ratioVs = `nabla ${vs}`;
    r.ratio = n?.median != null && r.median != null ? ratio(n.median, r.median, r.better) : null;
    if (r.ratio !== null && !Number.isFinite(r.ratio)) r.ratio = null;
  }
  return records;
}

/** 3 significant digits, thousands separated, no exponent for the ranges we print. */
export function fmtNum(x: number | null | undefined): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return 'n/a';
  const a = Math.abs(x);
  if (a >= 1000) return Math.round(x).toLocaleString('en-US');
  if (a >= 100) return x.toFixed(0);
  if (a >= 10) return x.toFixed(1);
  if (a >= 1) return x.toFixed(2);
  if (a === 0) return '0';
  return x.toPrecision(3);
}

export function fmtRatio(r: BenchRecord): string {
  if (r.system === 'nabla') return '';
  if (r.ratio === null || r.ratio === undefined) return 'n/a';
  return `${r.ratio >= 10 ? r.ratio.toFixed(1) : r.ratio.toFixed(2)}×`;
}

export function backendLabel(r: Pick<BenchRecord, 'backend' | 'software'>): string {
  return r.software ? `${r.backend} (software adapter)` : r.backend;
}

export const COLUMNS = ['workload', 'size', 'system', 'backend', 'median', 'min', 'max', 'unit', 'ratio'] as const;

/** Table cells; rows without figures get "n/a [k]" pointing at footnote k. */
export function tableCells(records: readonly BenchRecord[]): { rows: string[][]; footnotes: string[] } {
  const footnotes: string[] = [];
  const rows = records.map((r) => {
    let median = fmtNum(r.median);
    if (r.median === null) {
      const text = r.note ?? 'did not run';
      let k = footnotes.indexOf(text);
      if (k < 0) k = footnotes.push(text) - 1;
      median = `n/a [${k + 1}]`;
    }
    return [r.workload, r.size, r.system, backendLabel(r), median, fmtNum(r.min), fmtNum(r.max), r.unit, fmtRatio(r)].map((c) => (r.median === null && c === 'n/a' ? '' : c));
  });
  return { rows, footnotes };
}

const NUMERIC = new Set([4, 5, 6, 8]);

/** A fixed-width text table for the terminal. */
export function textTable(records: readonly BenchRecord[]): string {
  const { rows, footnotes } = tableCells(records);
  const header = [...COLUMNS] as string[];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (NUMERIC.has(i) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ').trimEnd();
  const out = [line(header), widths.map((w) => '-'.repeat(w)).join('  ')];
  let prev = '';
  for (let i = 0; i < rows.length; i++) {
    const group = `${records[i]!.workload}\u0000${records[i]!.size}`;
    if (prev && group !== prev && records[i]!.workload !== records[i - 1]!.workload) out.push('');
    prev = group;
    out.push(line(rows[i]!));
  }
  if (footnotes.length) out.push('', ...footnotes.map((f, i) => `[${i + 1}] ${f}`));
  return out.join('\n');
}

function mdEscape(s: string): string {
  return s.replace(/\|/g, '\\|');
}

/** A GitHub-flavoured markdown table (numbers right-aligned) with its footnotes. */
export function markdownTable(records: readonly BenchRecord[]): string {
  const { rows, footnotes } = tableCells(records);
  const out = [
    `| ${COLUMNS.join(' | ')} |`,
    `|${COLUMNS.map((_, i) => (NUMERIC.has(i) ? '---:' : '---')).join('|')}|`,
    ...rows.map((r) => `| ${r.map(mdEscape).join(' | ')} |`),
  ];
  if (footnotes.length) out.push('', ...footnotes.map((f, i) => `[${i + 1}] ${mdEscape(f)}`).map((l) => `${l}  `));
  return out.join('\n');
}

/** The records as JSON: the fields of BenchRecord, nothing else. */
export function toJson(records: readonly BenchRecord[]): string {
  return `${JSON.stringify(records, null, 2)}\n`;
}

function xml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/**
 * Horizontal bars of the ratios on a log₂ axis centred on 1 (parity): right and green
 * where nabla is better, left and red where the peer is; software-adapter rows grey.
 */
export function svgChart(records: readonly BenchRecord[], title = 'nabla vs TensorFlow.js: ratio per workload'): string {
  const bars = records.filter((r) => r.system !== 'nabla' && r.ratio != null && Number.isFinite(r.ratio) && r.ratio > 0 && r.metric !== 'epoch time');
  const label = (b: BenchRecord) => `${b.workload} ${b.size} vs tfjs ${b.backend}${b.software ? ' (software adapter)' : ''}`;
  const labelW = Math.max(200, 12 + 6.2 * Math.max(0, ...bars.map((b) => label(b).length)));
  const margin = 46; // room for a value printed left of the longest red bar
  const plotW = 480;
  const rowH = 18;
  const top = 80;
  const width = Math.max(640, labelW + margin + plotW + margin);
  const height = top + Math.max(1, bars.length) * rowH + 20;
  const maxLog = Math.max(2, Math.ceil(Math.max(0, ...bars.map((b) => Math.abs(Math.log2(b.ratio!))))));
  const cx = labelW + margin + plotW / 2;
  const px = (plotW / 2) / maxLog;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="10" y="18" font-size="14" font-weight="bold">${xml(title)}</text>`,
    `<text x="10" y="36" fill="#555">${xml('> 1: nabla better (throughput nabla÷peer; latency and memory peer÷nabla), log scale.')}</text>`,
    `<text x="10" y="52" fill="#555">${xml('nabla cpu vs tfjs cpu and wasm; nabla webgpu vs tfjs webgpu. Grey: software WebGPU adapter, not GPU performance.')}</text>`,
  ];
  const step = maxLog > 8 ? 2 : 1;
  for (let e = -maxLog; e <= maxLog; e += step) {
    const x = cx + e * px;
    const label = e >= 0 ? `${2 ** e}×` : `1/${2 ** -e}`;
    out.push(`<line x1="${x.toFixed(1)}" y1="${top - 6}" x2="${x.toFixed(1)}" y2="${top + bars.length * rowH}" stroke="${e === 0 ? '#333' : '#ddd'}"/>`);
    out.push(`<text x="${x.toFixed(1)}" y="${top - 9}" text-anchor="middle" fill="#555">${xml(label)}</text>`);
  }
  bars.forEach((b, i) => {
    const y = top + i * rowH;
    const l = Math.max(-maxLog, Math.min(maxLog, Math.log2(b.ratio!)));
    const x0 = l >= 0 ? cx : cx + l * px;
    const w = Math.max(1, Math.abs(l) * px);
    const fill = b.software ? '#9e9e9e' : l >= 0 ? '#2e7d32' : '#c62828';
    out.push(`<text x="${labelW - 6}" y="${y + rowH - 5}" text-anchor="end">${xml(label(b))}</text>`);
    out.push(`<rect x="${x0.toFixed(1)}" y="${y + 3}" width="${w.toFixed(1)}" height="${rowH - 6}" fill="${fill}"/>`);
    const tx = l >= 0 ? x0 + w + 4 : x0 - 4;
    out.push(`<text x="${tx.toFixed(1)}" y="${y + rowH - 5}" text-anchor="${l >= 0 ? 'start' : 'end'}">${xml(fmtRatio(b))}</text>`);
  });
  if (bars.length === 0) out.push(`<text x="${cx}" y="${top + 14}" text-anchor="middle" fill="#555">no ratios (a side of every comparison is missing)</text>`);
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
