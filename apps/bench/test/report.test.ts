import { describe, expect, it } from 'vitest';
import { parseArgs } from '../src/main.js';
import { addRatios, COLUMNS, fmtNum, markdownTable, svgChart, textTable, toJson, type BenchRecord } from '../src/report.js';

function rec(system: 'nabla' | 'tfjs', backend: string, median: number | null, extra: Partial<BenchRecord> = {}): BenchRecord {
  return {
    workload: 'matmul', size: '512', system, backend, metric: 'throughput', unit: 'GFLOP/s',
    median, min: median === null ? null : median * 0.9, max: median === null ? null : median * 1.1, runs: median === null ? 0 : 3, better: 'higher', ...extra,
  };
}

function sample(): BenchRecord[] {
  return addRatios([
    rec('nabla', 'cpu', 40),
    rec('tfjs', 'cpu', 1),
    rec('tfjs', 'wasm', 50),
    rec('nabla', 'webgpu', null, { note: 'unavailable: not built', adapter: 'SwiftShader', software: true }),
    rec('tfjs', 'webgpu', 0.5, { adapter: 'SwiftShader driver 5.0.0 <google & co>', software: true }),
    rec('nabla', 'cpu', 2, { workload: 'predict', size: 'batch 1', metric: 'latency', unit: 'ms', better: 'lower' }),
    rec('tfjs', 'wasm', 1, { workload: 'predict', size: 'batch 1', metric: 'latency', unit: 'ms', better: 'lower' }),
    rec('tfjs', 'cpu', 8, { workload: 'predict', size: 'batch 1', metric: 'latency', unit: 'ms', better: 'lower' }),
  ]);
}

describe('ratios', () => {
  it('compares each peer with the nabla backend of the same kind, on medians', () => {
    const r = sample();
    expect(r[0]!.ratio).toBeUndefined(); // nabla rows carry none
    expect(r[1]).toMatchObject({ ratio: 40, ratioVs: 'nabla cpu' });
    expect(r[2]).toMatchObject({ ratio: 0.8, ratioVs: 'nabla cpu' });
    expect(r[4]).toMatchObject({ ratio: null, ratioVs: 'nabla webgpu' }); // nabla webgpu did not run
  });
  it('inverts for lower-is-better metrics so that > 1 still means nabla is better', () => {
    const r = sample();
    expect(r[6]!.ratio).toBe(0.5);
    expect(r[7]!.ratio).toBe(4);
  });
  it('never pairs rows of a different size or metric', () => {
    const r = addRatios([rec('nabla', 'cpu', 10), rec('tfjs', 'cpu', 5, { size: '1024' }), rec('tfjs', 'cpu', 5, { metric: 'other' })]);
    expect(r[1]!.ratio).toBeNull();
    expect(r[2]!.ratio).toBeNull();
  });
});

describe('JSON records', () => {
  it('has the documented fields with the documented types', () => {
    const parsed = JSON.parse(toJson(sample())) as Record<string, unknown>[];
    expect(parsed).toHaveLength(8);
    for (const r of parsed) {
      for (const k of ['workload', 'size', 'system', 'backend', 'metric', 'unit', 'median', 'min', 'max', 'runs']) expect(r).toHaveProperty(k);
      expect(['nabla', 'tfjs']).toContain(r.system);
      for (const k of ['workload', 'size', 'backend', 'metric', 'unit']) expect(typeof r[k]).toBe('string');
      for (const k of ['median', 'min', 'max']) expect(r[k] === null || typeof r[k] === 'number').toBe(true);
      expect(Number.isInteger(r.runs)).toBe(true);
      if (r.median !== null) expect((r.min as number) <= (r.median as number) && (r.median as number) <= (r.max as number)).toBe(true);
    }
    expect(parsed[3]).toMatchObject({ median: null, runs: 0, note: 'unavailable: not built' });
  });
});

describe('tables', () => {
  it('writes a markdown table: header, alignment row, one row per record, footnotes for rows without figures', () => {
    const md = markdownTable(sample()).split('\n');
    expect(md[0]).toBe(`| ${COLUMNS.join(' | ')} |`);
    expect(md[0]).toBe('| workload | size | system | backend | median | min | max | unit | ratio |');
    expect(md[1]).toBe('|---|---|---|---|---:|---:|---:|---|---:|');
    const rows = md.slice(2, 10);
    for (const row of rows) expect(row.split(' | ')).toHaveLength(COLUMNS.length);
    expect(rows[1]).toBe('| matmul | 512 | tfjs | cpu | 1.00 | 0.900 | 1.10 | GFLOP/s | 40.0× |');
    expect(rows[3]).toContain('| n/a [1] |');
    expect(rows[4]).toContain('webgpu (software adapter)');
    expect(md.slice(10)).toContain('[1] unavailable: not built  ');
  });
  it('escapes pipes in markdown cells', () => {
    const md = markdownTable([rec('nabla', 'cpu', 1, { size: 'a|b' })]);
    expect(md).toContain('a\\|b');
  });
  it('aligns the text table: numbers right-aligned under their headers', () => {
    const lines = textTable(sample()).split('\n');
    const end = lines[0]!.indexOf('median') + 'median'.length;
    for (const l of lines.slice(2, 7)) expect(l[end - 1]).toMatch(/\S/);
    expect(lines[0]!.split(/\s+/)).toEqual([...COLUMNS]);
  });
  it('formats numbers to about 3 significant digits', () => {
    expect([fmtNum(12345.6), fmtNum(123.4), fmtNum(12.34), fmtNum(1.234), fmtNum(0.01234), fmtNum(null), fmtNum(NaN)]).toEqual(['12,346', '123', '12.3', '1.23', '0.0123', 'n/a', 'n/a']);
  });
});

/** A small XML well-formedness check: balanced tags, quoted attributes, escaped text. */
function wellFormed(xml: string): string | null {
  const stack: string[] = [];
  const tag = /<(\/?)([A-Za-z][\w:.-]*)((?:\s+[\w:.-]+="[^"<]*")*)\s*(\/?)>/y;
  let i = 0;
  while (i < xml.length) {
    const lt = xml.indexOf('<', i);
    const text = xml.slice(i, lt < 0 ? xml.length : lt);
    if (/&(?!(amp|lt|gt|quot|apos|#\d+);)/.test(text) || text.includes('>')) return `bad text at ${i}: ${text.slice(0, 40)}`;
    if (lt < 0) break;
    tag.lastIndex = lt;
    const m = tag.exec(xml);
    if (!m) return `bad tag at ${lt}: ${xml.slice(lt, lt + 40)}`;
    if (m[1]) {
      if (stack.pop() !== m[2]) return `unbalanced </${m[2]}> at ${lt}`;
    } else if (!m[4]) stack.push(m[2]!);
    i = tag.lastIndex;
  }
  return stack.length ? `unclosed <${stack.join('>, <')}>` : null;
}

describe('svg chart', () => {
  it('is well-formed, with one bar per peer row that has a ratio, and escapes labels', () => {
    const svg = svgChart(sample());
    expect(wellFormed(svg)).toBeNull();
    expect(svg.trimStart().startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    const bars = svg.match(/<rect x=/g) ?? [];
    expect(bars).toHaveLength(4); // tfjs cpu, tfjs wasm, predict wasm, predict cpu (webgpu has no ratio)
    expect(svg).toContain('40.0×');
    const tricky = svgChart(addRatios([rec('nabla', 'cpu', 1, { size: 'a<b&c' }), rec('tfjs', 'cpu', 2, { size: 'a<b&c' })]));
    expect(wellFormed(tricky)).toBeNull();
    expect(tricky).toContain('a&lt;b&amp;c');
  });
  it('is still well-formed with no ratios at all', () => {
    expect(wellFormed(svgChart([]))).toBeNull();
  });
  it('catches malformed input (the checker itself works)', () => {
    expect(wellFormed('<svg><g></svg>')).not.toBeNull();
    expect(wellFormed('<svg>a & b</svg>')).not.toBeNull();
  });
});

describe('command line', () => {
  it('defaults to the quick suite and reads filters, outputs and a bare -- from pnpm', () => {
    const q = parseArgs([]);
    expect(q).toMatchObject({ full: false, rounds: 3, workloads: null, systems: null, backends: null });
    const o = parseArgs(['--', '--full', '--workload', 'matmul,conv2d', '--workload=predict', '--system', 'tfjs', '--backend', 'wasm', '--json', 'out.json', '--md', 'a.md', '--svg', 'c.svg']);
    expect(o.full).toBe(true);
    expect(o.rounds).toBe(7);
    expect([...o.workloads!]).toEqual(['matmul', 'conv2d', 'predict']);
    expect([...o.systems!]).toEqual(['tfjs']);
    expect([...o.backends!]).toEqual(['wasm']);
    expect([o.json, o.md, o.svg]).toEqual(['out.json', 'a.md', 'c.svg']);
  });
  it('rejects unknown options and workloads with a message', () => {
    expect(() => parseArgs(['--fast'])).toThrow(/unknown option --fast/);
    expect(() => parseArgs(['--workload', 'gemm'])).toThrow(/unknown workload 'gemm'/);
    expect(() => parseArgs(['--json'])).toThrow(/needs a value/);
  });
});
