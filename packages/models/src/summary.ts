/** One row of a model summary. */
export interface SummaryRow {
  name: string;
  className: string;
  outputShape: readonly (number | null)[];
  params: number;
}

const WIDTHS = [33, 24, 15];

function fmtShape(shape: readonly (number | null)[]): string {
  const parts = shape.map((d) => (d === null ? 'None' : String(d)));
  return `(${parts.join(', ')}${parts.length === 1 ? ',' : ''})`;
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

/**
 * Keras 3's summary table (layer and type, output shape, parameter count, totals with
 * sizes at 4 bytes per float32 parameter).
 */
export function formatSummary(modelName: string, rows: readonly SummaryRow[], trainable: number, nonTrainable: number): string {
  const [a, b, c] = WIDTHS as [number, number, number];
  const cell = (s: string, w: number, right = false): string => ` ${right ? s.padStart(w - 2) : s.padEnd(w - 2)} `;
  const line = (l: string, m: string, r: string, fill: string): string => l + fill.repeat(a) + m + fill.repeat(b) + m + fill.repeat(c) + r;
  const out: string[] = [`Model: "${modelName}"`];
  out.push(line('┏', '┳', '┓', '━'));
  out.push(`┃${cell('Layer (type)', a)}┃${cell('Output Shape', b)}┃${cell('Param #', c, true)}┃`);
  out.push(line('┡', '╇', '┩', '━'));
  rows.forEach((r, i) => {
    out.push(`│${cell(`${r.name} (${r.className})`, a)}│${cell(fmtShape(r.outputShape), b)}│${cell(count(r.params), c, true)}│`);
    if (i < rows.length - 1) out.push(line('├', '┼', '┤', '─'));
  });
  out.push(line('└', '┴', '┘', '─'));
  const total = trainable + nonTrainable;
  out.push(` Total params: ${count(total)} (${fmtBytes(total * 4)})`);
  out.push(` Trainable params: ${count(trainable)} (${fmtBytes(trainable * 4)})`);
  out.push(` Non-trainable params: ${count(nonTrainable)} (${fmtBytes(nonTrainable * 4)})`);
  return out.join('\n');
}
