/**
 * nabla's benchmark runner: every workload at each size on every available nabla backend
 * and every available TensorFlow.js backend, interleaved run by run; median, min, max and
 * the nabla/peer ratio. See README.md.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { configureAdapterEnv } from './gpu.js';
import { addRatios, markdownTable, RATIO_HELP, svgChart, textTable, toJson, type BenchRecord } from './report.js';
import { errorText, fmtSeconds, runInterleaved, summarize, type Timeable } from './stats.js';
import type { BackendName, Case, Contestant, LoadedSystem, SystemName } from './systems/types.js';
import { EPOCH_SAMPLES, metricValue, WORKLOAD_IDS, WORKLOADS, type SizeSpec, type WorkloadDef } from './workloads/index.js';

const USAGE = `Usage: pnpm bench [options]            (from apps/bench: pnpm start -- [options])

  --full                 every size, more rounds, no per-call time cap (default: the quick suite, < 5 min)
  --workload <list>      ${[...WORKLOAD_IDS, 'memory'].join(', ')} (comma-separated, repeatable)
  --system <list>        nabla, tfjs
  --backend <list>       cpu, wasm, webgpu, or system-backend (nabla-cpu, tfjs-wasm, ...)
  --adapter <path>       WebGPU adapter: vulkan (SwiftShader, default) or gles (Mesa llvmpipe); env WEBGPU_BACKEND
  --rounds <n>           timed runs per contestant (quick 3, full 7)
  --warmup <n>           warm-up calls per contestant (quick 2, full 3)
  --min-time <s>         each timed run repeats the call for at least this long (quick 0.3, full 0.5)
  --max-op <s>           skip a contestant whose single call takes longer (quick 1.5, full 120)
  --json <file>          write the records as JSON
  --md <file>            write the tables as markdown
  --svg <file>           write a bar chart of the ratios
  --help                 this text`;

export interface Options {
  full: boolean;
  workloads: Set<string> | null;
  systems: Set<SystemName> | null;
  backends: Set<string> | null;
  adapter?: string;
  rounds: number;
  warmup: number;
  minTime: number;
  maxOp: number;
  json?: string;
  md?: string;
  svg?: string;
  help: boolean;
}

export function parseArgs(argv: readonly string[]): Options {
  const args = argv.filter((a) => a !== '--');
  const full = args.includes('--full');
  const o: Options = {
    full, workloads: null, systems: null, backends: null, help: false,
    rounds: full ? 7 : 3, warmup: full ? 3 : 2, minTime: full ? 0.5 : 0.3, maxOp: full ? 120 : 1.5,
  };
  const list = (set: Set<string> | null, v: string) => {
    const s = set ?? new Set<string>();
    for (const x of v.split(',').map((y) => y.trim().toLowerCase()).filter(Boolean)) s.add(x);
    return s;
  };
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const [flag, inline] = a.startsWith('--') && a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined];
    const value = () => {
      const v = inline ?? args[++i];
      if (v === undefined || (inline === undefined && v.startsWith('--'))) throw new Error(`${flag} needs a value`);
      return v;
    };
    const num = () => {
      const v = Number(value());
      if (!(v > 0)) throw new Error(`${flag} needs a positive number`);
      return v;
    };
    switch (flag) {
      case '--full': case '--quick': break;
      case '--help': case '-h': o.help = true; break;
      case '--workload': case '--workloads': o.workloads = list(o.workloads, value()); break;
      case '--system': case '--systems': o.systems = list(o.systems, value()) as Set<SystemName>; break;
      case '--backend': case '--backends': o.backends = list(o.backends, value()); break;
      case '--adapter': o.adapter = value(); break;
      case '--rounds': o.rounds = Math.round(num()); break;
      case '--warmup': o.warmup = Math.round(num()); break;
      case '--min-time': o.minTime = num(); break;
      case '--max-op': o.maxOp = num(); break;
      case '--json': o.json = value(); break;
      case '--md': o.md = value(); break;
      case '--svg': o.svg = value(); break;
      default: throw new Error(`unknown option ${a}\n\n${USAGE}`);
    }
  }
  for (const w of o.workloads ?? []) if (![...WORKLOAD_IDS, 'memory'].includes(w)) throw new Error(`unknown workload '${w}' (known: ${[...WORKLOAD_IDS, 'memory'].join(', ')})`);
  for (const s of o.systems ?? []) if (s !== 'nabla' && s !== 'tfjs') throw new Error(`unknown system '${s}' (nabla, tfjs)`);
  return o;
}

/** Whether a contestant passes the --system / --backend filters. */
function selected(o: Options, system: SystemName, backend: BackendName): boolean {
  if (o.systems && !o.systems.has(system)) return false;
  if (!o.backends) return true;
  return o.backends.has(backend) || o.backends.has(`${system}-${backend}`);
}

function wantedBackends(o: Options, system: SystemName): Set<BackendName> {
  const all: BackendName[] = system === 'nabla' ? ['cpu', 'webgpu'] : ['cpu', 'wasm', 'webgpu'];
  return new Set(all.filter((b) => selected(o, system, b)));
}

/** Relative output paths are relative to where `pnpm bench` was typed (pnpm runs us in apps/bench). */
function outPath(p: string): string {
  return isAbsolute(p) ? p : resolve(process.env.INIT_CWD ?? process.cwd(), p);
}

function write(p: string, text: string): string {
  const full = outPath(p);
  mkdirSync(dirname(full), { recursive: true });
  writeFileSync(full, text);
  return full;
}

const now = () => performance.now() / 1000;
const log = (s: string) => process.stderr.write(`${s}\n`);
const name = (c: Contestant) => `${c.system} ${c.backend}`;

interface Running { c: Contestant; case: Case }

/** The record of a row, without figures yet. */
function notRun(wl: WorkloadDef, size: SizeSpec, c: Contestant, note?: string): BenchRecord {
  return {
    workload: wl.id, size: size.label, system: c.system, backend: c.backend, metric: size.metric, unit: size.unit,
    median: null, min: null, max: null, runs: 0, better: size.better,
    ...(c.adapter ? { adapter: c.adapter, software: !!c.software } : {}), ...(note ? { note } : {}),
  };
}

/** Runs one workload at one size on the contestants; returns its records. */
async function runSize(o: Options, wl: WorkloadDef, size: SizeSpec, contestants: readonly Contestant[], lastRate: Map<string, number>): Promise<BenchRecord[]> {
  const base = (c: Contestant, extra: Partial<BenchRecord>): BenchRecord => ({ ...notRun(wl, size, c), ...extra });
  const records = new Map<Contestant, BenchRecord>();
  const running: Running[] = [];

  for (const c of contestants) {
    const unsupported = c.supports(wl.id);
    if (unsupported) {
      records.set(c, base(c, { note: unsupported }));
      continue;
    }
    const key = `${name(c)}\u0000${wl.id}\u0000${size.metric}`;
    const rate = lastRate.get(key);
    if (rate && size.kind === 'throughput' && size.work / rate > o.maxOp * 1.5) {
      records.set(c, base(c, { note: `skipped: one call predicted to take ${fmtSeconds(size.work / rate)} from the previous size (> ${fmtSeconds(o.maxOp)} cap; --full lifts it)` }));
      continue;
    }
    try {
      await c.activate();
      running.push({ c, case: await c.setup(wl.id, size.params as never) });
      records.set(c, base(c, {}));
    } catch (e) {
      records.set(c, base(c, { note: `error: ${errorText(e)}` }));
    }
  }

  const timeables: Timeable[] = running.map((r) => ({ activate: () => r.c.activate(), run: () => r.case.run() }));
  const results = await runInterleaved(timeables, { warmup: o.warmup, rounds: o.rounds, minRunSeconds: o.minTime, now, maxOpSeconds: o.maxOp });
  const extra: BenchRecord[] = [];
  for (let i = 0; i < running.length; i++) {
    const { c } = running[i]!;
    const res = results[i]!;
    const rec = records.get(c)!;
    if (res.error || res.secondsPerCall.length === 0) {
      rec.note = res.error?.startsWith('skipped') ? res.error : `error: ${res.error ?? 'no timed run'}`;
      continue;
    }
    const values = res.secondsPerCall.map((s) => metricValue(size, s));
    Object.assign(rec, summarize(values));
    if (size.kind === 'throughput') lastRate.set(`${name(c)}\u0000${wl.id}\u0000${size.metric}`, size.work / Math.min(...res.secondsPerCall));
    if (wl.id === 'mlp-train') {
      // Derived: time per MNIST epoch at this throughput (min and max swap).
      const epoch = values.map((v) => EPOCH_SAMPLES / v);
      extra.push({ ...rec, size: `${size.label}, epoch of ${EPOCH_SAMPLES / 1000}k`, metric: 'epoch time', unit: 's/epoch', better: 'lower', ...summarize(epoch) });
    }
  }

  // Memory: one more (untimed) call per contestant, tracking its system's live tensor
  // bytes: the call's own peak above what was alive before it, plus what the contestant
  // holds at rest (inputs, weights, optimizer state), which its teardown releases.
  const mem: BenchRecord[] = [];
  for (const r of running) {
    const rec = records.get(r.c)!;
    const memRec = (extra: Partial<BenchRecord>): BenchRecord => ({ ...rec, metric: 'peak tensor memory', unit: 'MiB', better: 'lower', median: null, min: null, max: null, runs: 0, ...extra });
    let transient: number | null = null;
    try {
      await r.c.activate();
      if (rec.median !== null) {
        const before = r.c.liveBytes();
        transient = (await r.c.peakBytes(() => r.case.run())) - before;
      }
    } catch (e) {
      mem.push(memRec({ note: `error: ${errorText(e)}` }));
    }
    try {
      const resting = r.c.liveBytes();
      await r.case.teardown();
      if (transient !== null) {
        const mib = (transient + resting - r.c.liveBytes()) / 2 ** 20;
        mem.push(memRec({ median: mib, min: mib, max: mib, runs: 1, note: 'memory() peak during one call, inputs and weights included' }));
      }
    } catch { /* a failed teardown must not stop the suite */ }
  }
  return [...contestants.filter((c) => records.has(c)).map((c) => records.get(c)!), ...extra, ...mem];
}

/** Peak RSS per system+backend, each in a process of its own (MLP training + predict). */
function rssRecords(o: Options, contestants: readonly Contestant[]): BenchRecord[] {
  const child = resolve(dirname(fileURLToPath(import.meta.url)), 'rss-child.ts');
  const out: BenchRecord[] = [];
  for (const c of contestants) {
    const t0 = now();
    const steps = 2; // the peak is reached once Adam's moments exist (step 1)
    const rec: BenchRecord = {
      workload: 'memory', size: `MLP train ×${steps}, batch 128`, system: c.system, backend: c.backend, metric: 'peak RSS', unit: 'MiB',
      median: null, min: null, max: null, runs: 0, better: 'lower', ...(c.adapter ? { adapter: c.adapter, software: !!c.software } : {}),
    };
    const p = spawnSync(process.execPath, [...loaderArgs(), child, c.system, c.backend, String(steps)], { encoding: 'utf8', env: process.env, timeout: o.full ? 600_000 : 240_000 });
    const line = (p.stdout ?? '').split('\n').find((l) => l.startsWith('RSS_RESULT '));
    try {
      if (!line) throw new Error(p.error?.message ?? `child exited ${p.status}: ${(p.stderr ?? '').trim().split('\n').pop() ?? ''}`);
      const r = JSON.parse(line.slice('RSS_RESULT '.length)) as { baseRss?: number; loadedRss?: number; maxRss?: number; error?: string };
      if (r.error || r.maxRss === undefined) throw new Error(r.error ?? 'no figure');
      const mib = r.maxRss / 2 ** 20;
      Object.assign(rec, { median: mib, min: mib, max: mib, runs: 1, note: `own process; RSS ${fmtMiB(r.baseRss!)} at start (node + tsx), ${fmtMiB(r.loadedRss!)} after loading the system` });
    } catch (e) {
      rec.note = `error: ${errorText(e)}`;
    }
    log(`  memory ${name(c)}: ${rec.median === null ? rec.note : `${rec.median.toFixed(0)} MiB`} (${fmtSeconds(now() - t0)})`);
    out.push(rec);
  }
  return out;
}

/** tsx's loader flags from our own command line (--require/--import pairs), and nothing else (no -e/-p). */
function loaderArgs(): string[] {
  const out: string[] = [];
  const a = process.execArgv;
  for (let i = 0; i < a.length; i++) {
    if ((a[i] === '--require' || a[i] === '--import' || a[i] === '--loader') && a[i + 1] !== undefined) out.push(a[i]!, a[++i]!);
    else if (/^--(require|import|loader)=/.test(a[i]!)) out.push(a[i]!);
  }
  return out;
}

function fmtMiB(b: number): string {
  return `${(b / 2 ** 20).toFixed(0)} MiB`;
}

function machine(contestants: readonly Contestant[], adapterPathName: string, load: number): string[] {
  const cpus = os.cpus();
  const adapters = [...new Set(contestants.filter((c) => c.adapter).map((c) => `${c.adapter}${c.software ? ' [software]' : ''}`))];
  return [
    `CPU: ${cpus[0]?.model ?? 'unknown'}, ${cpus.length} logical cores; ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB RAM; ${os.platform()} ${os.release()}; load average ${load.toFixed(1)} at start`,
    `Node ${process.version}; WebGPU adapter path: ${adapterPathName}${adapters.length ? ` → ${adapters.join('; ')}` : ''}`,
  ];
}

export async function main(argv: readonly string[]): Promise<number> {
  let o: Options;
  try {
    o = parseArgs(argv);
  } catch (e) {
    console.error((e as Error).message);
    return 2;
  }
  if (o.help) {
    console.log(USAGE);
    return 0;
  }
  const t0 = now();
  const load = os.loadavg()[0]!;
  const started = new Date();
  const adapterPathName = configureAdapterEnv(o.adapter);
  log(`nabla bench: ${o.full ? 'full' : 'quick'} suite (rounds ${o.rounds}, warm-up ${o.warmup}, ≥${o.minTime} s per timed run, per-call cap ${fmtSeconds(o.maxOp)})`);

  const systems: LoadedSystem[] = [];
  for (const s of ['nabla', 'tfjs'] as const) {
    const wanted = wantedBackends(o, s);
    if (wanted.size === 0) continue;
    const t = now();
    systems.push(s === 'nabla' ? await (await import('./systems/nabla.js')).loadNabla(wanted) : await (await import('./systems/tfjs.js')).loadTfjs(wanted));
    log(`  loaded ${s} (${fmtSeconds(now() - t)})`);
  }
  const all = systems.flatMap((s) => s.contestants);
  const ok = all.filter((c) => !c.unavailable);
  const notes = systems.flatMap((s) => s.notes);
  for (const c of all) if (c.unavailable) notes.push(`${name(c)}: unavailable: ${c.unavailable}`);

  const records: BenchRecord[] = [];
  const lastRate = new Map<string, number>();
  const notQuick: string[] = [];
  for (const wl of WORKLOADS) {
    if (o.workloads && !o.workloads.has(wl.id)) continue;
    for (const size of wl.sizes) {
      const here = ok.filter((c) => o.full || (c.software ? size.quickSoftware : size.quick) || c.supports(wl.id));
      if (!o.full && !size.quick && !size.quickSoftware) {
        // not in the quick suite: still say so for nabla rows that could not run anyway
        for (const c of here.filter((x) => x.supports(wl.id))) records.push(notRun(wl, size, c, c.supports(wl.id)!));
        notQuick.push(`${wl.id} ${size.label}`);
        continue;
      }
      if (here.length === 0) continue;
      const t = now();
      const rs = await runSize(o, wl, size, here, lastRate);
      records.push(...rs);
      log(`  ${wl.id} ${size.label}: ${fmtSeconds(now() - t)}`);
    }
  }
  if (!o.workloads || o.workloads.has('memory')) records.push(...rssRecords(o, ok));
  if (notQuick.length) notes.push(`Not in the quick suite (run with --full): ${notQuick.join('; ')}.`);
  if (!o.full && ok.some((c) => c.software)) notes.push('Quick suite: on a software WebGPU adapter only matmul 128/256, elementwise 1M and predict batch 1 run (they are slow); --full runs all.');

  addRatios(records);
  const speed = records.filter((r) => r.metric !== 'peak tensor memory' && r.metric !== 'peak RSS');
  const memory = records.filter((r) => r.metric === 'peak tensor memory' || r.metric === 'peak RSS');
  const elapsed = now() - t0;
  const header = machine(ok, adapterPathName, load);
  const softwareNote = ok.some((c) => c.software)
    ? ['"(software adapter)": WebGPU emulated on the CPU (SwiftShader / llvmpipe). Those rows test the WebGPU code path; they are not GPU performance.']
    : [];
  const footer = [RATIO_HELP, ...softwareNote, ...notes, `${o.full ? 'Full' : 'Quick'} suite, ${fmtSeconds(elapsed)} in all.`];

  console.log(`\n${header.join('\n')}\n\n${textTable(speed)}`);
  if (memory.length) console.log(`\nMemory\n\n${textTable(memory)}`);
  console.log(`\n${footer.map((l) => `- ${l}`).join('\n')}`);

  if (o.json) log(`wrote ${write(o.json, toJson(records))}`);
  if (o.md) {
    const md = [
      '# Benchmarks', '',
      `nabla and TensorFlow.js side by side: \`pnpm bench${argv.filter((a) => a !== '--').map((a) => ` ${a}`).join('')}\` ` +
        `(${o.full ? 'full' : 'quick'} suite), ${started.toISOString().slice(0, 16).replace('T', ' ')} UTC. ` +
        'How it is measured: [apps/bench/README.md](apps/bench/README.md).', '',
      ...header.map((l) => `${l}  `), '',
      markdownTable(speed), '', ...(memory.length ? ['## Memory', '', markdownTable(memory), ''] : []),
      ...footer.map((l) => `- ${l}`), '',
    ].join('\n');
    log(`wrote ${write(o.md, md)}`);
  }
  if (o.svg) log(`wrote ${write(o.svg, svgChart(speed))}`);
  return 0;
}

const isMain = process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) {
  // Dawn keeps handles open: exit explicitly once done.
  main(process.argv.slice(2)).then((code) => process.exit(code), (e) => {
    console.error(e);
    process.exit(1);
  });
}
