/** One row of a model summary. */
export interface SummaryRow {
  name: string;
  className: string;
  /** One shape, one per output (a layer call with several outputs), or `'multiple'` (a shared layer seeing several shapes). */
  outputShape: readonly (number | null)[] | readonly (readonly (number | null)[])[] | 'multiple';
  params: number;
  /** Functional models: the inbound tensors as `layer[node][tensor]` (Keras' "Connected to"); `['-']` for inputs. */
  connected?: readonly string[];
}

const WIDTHS = [33, 24, 15];
/** With "Connected to" (functional models). */
const WIDTHS_FUNCTIONAL = [32, 24, 12, 30];

function fmtShape(shape: readonly (number | null)[]): string {
  const parts = shape.map((d) => (d === null ? 'None' : String(d)));
  return `(${parts.join(', ')}${parts.length === 1 ? ',' : ''})`;
}

function fmtOutput(s: SummaryRow['outputShape']): string {
  if (s === 'multiple') return 'multiple';
  if (s.length > 0 && Array.isArray(s[0])) return `[${(s as readonly (readonly (number | null)[])[]).map(fmtShape).join(', ')}]`;
  return fmtShape(s as readonly (number | null)[]);
}

function fmtBytes(bytes: number): string {
  const units = ['B', 'KB', 'MB', 'GB'];
  let v = bytes;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v.toFixed(2)} ${units[u]}`;
}

const count = (n: number): string => n.toLocaleString('en-US');

/** Splits text into lines of at most `w` characters, at spaces or commas where possible (as Keras' rich tables wrap). */
function wrap(text: string, w: number): string[] {
  const out: string[] = [];
  let rest = text;
  while (rest.length > w) {
    const cut = Math.max(rest.lastIndexOf(' ', w), rest.lastIndexOf(',', w - 1) + 1);
    const at = cut > 0 ? cut : w;
    out.push(rest.slice(0, at).trimEnd());
    rest = rest.slice(at).trimStart();
  }
  out.push(rest);
  return out;
}

/**
 * Keras 3's summary table (layer and type, output shape, parameter count, and "Connected to" for
 * functional models), then totals with sizes at 4 bytes per float32 parameter.
 */
export function formatSummary(modelName: string, rows: readonly SummaryRow[], trainable: number, nonTrainable: number): string {
  const functional = rows.some((r) => r.connected);
  const widths = functional ? WIDTHS_FUNCTIONAL : WIDTHS;
  const right = [false, false, true, false];
  const cell = (s: string, i: number): string => ` ${right[i] ? s.padStart(widths[i]! - 2) : s.padEnd(widths[i]! - 2)} `;
  const line = (l: string, m: string, r: string, fill: string): string => l + widths.map((w) => fill.repeat(w)).join(m) + r;
  const out: string[] = [`Model: "${modelName}"`];
  out.push(line('┏', '┳', '┓', '━'));
  out.push(`┃${['Layer (type)', 'Output Shape', 'Param #', 'Connected to'].slice(0, widths.length).map(cell).join('┃')}┃`);
  out.push(line('┡', '╇', '┩', '━'));
  rows.forEach((r, i) => {
    const label = `${r.name} (${r.className})`;
    const cols: string[][] = [
      label.length <= widths[0]! - 2 ? [label] : [...wrap(r.name, widths[0]! - 2), `(${r.className})`],
      wrap(fmtOutput(r.outputShape), widths[1]! - 2),
      [count(r.params)],
    ];
    if (functional) cols.push((r.connected ?? ['-']).flatMap((c, j, all) => wrap(j < all.length - 1 ? `${c},` : c, widths[3]! - 2)));
    const height = Math.max(...cols.map((c) => c.length));
    for (let k = 0; k < height; k++) out.push(`│${cols.map((c, j) => cell(c[k] ?? '', j)).join('│')}│`);
    if (i < rows.length - 1) out.push(line('├', '┼', '┤', '─'));
  });
  out.push(line('└', '┴', '┘', '─'));
  const total = trainable + nonTrainable;
  out.push(` Total params: ${count(total)} (${fmtBytes(total * 4)})`);
  out.push(` Trainable params: ${count(trainable)} (${fmtBytes(trainable * 4)})`);
  out.push(` Non-trainable params: ${count(nonTrainable)} (${fmtBytes(nonTrainable * 4)})`);
  return out.join('\n');
}
