/**
 * Statistics and the interleaved schedule. Pure: the clock and the contestants are
 * passed in, so the tests can drive it with a fake clock.
 */

export interface Summary {
  median: number;
  min: number;
  max: number;
  runs: number;
}

/** Median of the values (mean of the two middle ones for an even count). */
export function median(xs: readonly number[]): number {
  if (xs.length === 0) throw new RangeError('median of no values');
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

export function summarize(xs: readonly number[]): Summary {
  if (xs.length === 0) throw new RangeError('summary of no values');
  return { median: median(xs), min: Math.min(...xs), max: Math.max(...xs), runs: xs.length };
}

/**
 * The order of each round: every contestant once, the order rotated by one each round
 * so no contestant always runs first (after a pause) or last.
 * order(3, 4) -> [[0,1,2],[1,2,0],[2,0,1],[0,1,2]]
 */
export function roundOrders(contestants: number, rounds: number): number[][] {
  const out: number[][] = [];
  for (let r = 0; r < rounds; r++) {
    const order: number[] = [];
    for (let i = 0; i < contestants; i++) order.push((i + r) % contestants);
    out.push(order);
  }
  return out;
}

/** What is better for a metric: throughput (higher) or latency/memory (lower). */
export type Better = 'higher' | 'lower';

/**
 * How many times better nabla is than the peer (> 1: nabla better): nabla ÷ peer for
 * a higher-is-better metric, peer ÷ nabla for a lower-is-better one. Computed on medians.
 */
export function ratio(nabla: number, peer: number, better: Better): number {
  if (!(nabla > 0) || !(peer > 0)) return NaN;
  return better === 'higher' ? nabla / peer : peer / nabla;
}

/** One timed unit of work. `run` must force completion (await the data). */
export interface Timeable {
  /** Called outside the clock before each warm-up or timed run (e.g. tf.setBackend). */
  activate(): Promise<void> | void;
  run(): Promise<void>;
}

export interface ScheduleOptions {
  /** Warm-up calls per contestant, at least 1 (the first is cold: JIT, shader compilation). */
  warmup: number;
  /** Timed runs per contestant; each round runs every contestant once. */
  rounds: number;
  /** Each timed run repeats `run()` until it lasts about this long (seconds). */
  minRunSeconds: number;
  /** Seconds, monotonic. */
  now: () => number;
  /**
   * Before timing: a contestant whose single call is predicted (from the warm-up) to
   * take longer than this is skipped with a reason. Infinity: never skip.
   */
  maxOpSeconds: number;
  /** Called between runs (outside the clock), e.g. to sample RSS. */
  afterRun?: (contestant: number) => void;
}

/** A cold first call may take this many times the per-call cap before the contestant is skipped unseen warm. */
export const COLD_SLACK = 20;

export interface TimedResult {
  /** Seconds per call of `run()`, one value per timed run. Empty when skipped. */
  secondsPerCall: number[];
  /** How many calls each timed run made. */
  reps: number;
  /** Set when the contestant failed or was skipped. */
  error?: string;
}

/**
 * Warm-up for every contestant (and calibration of repetitions: enough calls that a timed
 * run lasts ≥ minRunSeconds), then `rounds` rounds, each running every contestant once in
 * a rotated order (A B C, B C A, ...), so that the machine's noise is shared fairly.
 */
export async function runInterleaved(contestants: readonly Timeable[], opts: ScheduleOptions): Promise<TimedResult[]> {
  const results: TimedResult[] = contestants.map(() => ({ secondsPerCall: [], reps: 1 }));
  const alive = contestants.map(() => true);
  for (let i = 0; i < contestants.length; i++) {
    const c = contestants[i]!;
    try {
      let last = Infinity;
      const n = Math.max(1, opts.warmup);
      for (let w = 0; w < n; w++) {
        await c.activate();
        const t0 = opts.now();
        await c.run();
        last = opts.now() - t0;
        // Far over the cap: don't spend more warm-ups on it. The first call is cold
        // (JIT, shader compilation) and gets more slack than warm ones.
        if (last > opts.maxOpSeconds * (w === 0 ? COLD_SLACK : 3)) break;
      }
      if (last > opts.maxOpSeconds) {
        alive[i] = false;
        results[i]!.error = `skipped: one call takes ${fmtSeconds(last)} (> ${fmtSeconds(opts.maxOpSeconds)} cap; --full lifts it)`;
        continue;
      }
      results[i]!.reps = Math.max(1, Math.ceil(opts.minRunSeconds / Math.max(last, 1e-9)));
    } catch (e) {
      alive[i] = false;
      results[i]!.error = errorText(e);
    }
  }
  for (const order of roundOrders(contestants.length, opts.rounds)) {
    for (const i of order) {
      if (!alive[i]) continue;
      const c = contestants[i]!;
      const r = results[i]!;
      try {
        await c.activate();
        const t0 = opts.now();
        for (let k = 0; k < r.reps; k++) await c.run();
        r.secondsPerCall.push((opts.now() - t0) / r.reps);
        opts.afterRun?.(i);
      } catch (e) {
        alive[i] = false;
        r.error = errorText(e);
        r.secondsPerCall = [];
      }
    }
  }
  return results;
}

export function errorText(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  const line = msg.split('\n').find((l) => l.trim() !== '') ?? msg;
  return line.length > 160 ? `${line.slice(0, 157)}...` : line;
}

export function fmtSeconds(s: number): string {
  return s >= 1 ? `${s.toFixed(1)} s` : `${(s * 1000).toFixed(s >= 0.01 ? 0 : 2)} ms`;
}
