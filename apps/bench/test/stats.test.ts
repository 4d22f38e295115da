import { describe, expect, it } from 'vitest';
import { COLD_SLACK, median, ratio, roundOrders, runInterleaved, summarize, type Timeable } from '../src/stats.js';
import { metricValue, WORKLOADS, type SizeSpec } from '../src/workloads/index.js';

describe('median, min, max', () => {
  it('takes the middle value of an odd count and the mean of the two middle ones of an even count', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([5])).toBe(5);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([10, -2])).toBe(4);
  });
  it('sorts numerically, not as strings, and leaves its input alone', () => {
    const xs = [10, 9, 100, 2];
    expect(median(xs)).toBe(9.5);
    expect(xs).toEqual([10, 9, 100, 2]);
  });
  it('refuses an empty list', () => {
    expect(() => median([])).toThrow(RangeError);
    expect(() => summarize([])).toThrow(RangeError);
  });
  it('summarizes median, min, max and the run count', () => {
    expect(summarize([3, 9, 1, 4, 7])).toEqual({ median: 4, min: 1, max: 9, runs: 5 });
  });
});

describe('interleaving', () => {
  it('runs every contestant once per round, rotating who goes first', () => {
    expect(roundOrders(3, 4)).toEqual([[0, 1, 2], [1, 2, 0], [2, 0, 1], [0, 1, 2]]);
    for (const order of roundOrders(5, 5)) expect([...order].sort()).toEqual([0, 1, 2, 3, 4]);
    expect(new Set(roundOrders(5, 5).map((o) => o[0])).size).toBe(5);
  });

  /** Contestants that advance a fake clock by `cost[i]` seconds per call and log their calls. */
  function fixture(costs: number[], opts: { failAt?: number } = {}) {
    let clock = 0;
    const log: string[] = [];
    const calls = costs.map(() => 0);
    const contestants: Timeable[] = costs.map((cost, i) => ({
      activate: () => { log.push(`activate ${i}`); },
      run: async () => {
        calls[i]!++;
        if (opts.failAt === i && calls[i]! > 2) throw new Error(`boom ${i}\nsecond line`);
        log.push(`run ${i}`);
        clock += cost;
      },
    }));
    return { contestants, log, calls, now: () => clock };
  }

  it('warms every contestant up before timing, then interleaves A B C, B C A, ...', async () => {
    const f = fixture([0.1, 0.1, 0.1]);
    const res = await runInterleaved(f.contestants, { warmup: 2, rounds: 3, minRunSeconds: 0.05, now: f.now, maxOpSeconds: 10 });
    const runs = f.log.filter((l) => l.startsWith('run'));
    expect(runs.slice(0, 6)).toEqual(['run 0', 'run 0', 'run 1', 'run 1', 'run 2', 'run 2']);
    expect(runs.slice(6)).toEqual(['run 0', 'run 1', 'run 2', 'run 1', 'run 2', 'run 0', 'run 2', 'run 0', 'run 1']);
    // every call is preceded by its contestant's activation
    f.log.forEach((l, i) => { if (l.startsWith('run')) expect(f.log[i - 1]).toBe(`activate ${l.slice(4)}`); });
    for (const r of res) expect(r.secondsPerCall).toHaveLength(3);
  });

  it('repeats fast calls so that each timed run lasts at least minRunSeconds, and reports seconds per call', async () => {
    const f = fixture([0.01, 0.2]);
    const res = await runInterleaved(f.contestants, { warmup: 1, rounds: 2, minRunSeconds: 0.25, now: f.now, maxOpSeconds: 10 });
    expect(res[0]!.reps).toBe(25);
    expect(res[1]!.reps).toBe(2);
    for (const v of res[0]!.secondsPerCall) expect(v).toBeCloseTo(0.01, 9);
    for (const v of res[1]!.secondsPerCall) expect(v).toBeCloseTo(0.2, 9);
    expect(f.calls).toEqual([1 + 2 * 25, 1 + 2 * 2]);
  });

  it('skips a contestant whose warm call exceeds the cap, and gives a cold first call more slack', async () => {
    const f = fixture([5, 0.1]);
    const res = await runInterleaved(f.contestants, { warmup: 2, rounds: 2, minRunSeconds: 0.1, now: f.now, maxOpSeconds: 1 });
    expect(res[0]!.error).toMatch(/^skipped: one call takes 5\.0 s/);
    expect(res[0]!.secondsPerCall).toEqual([]);
    expect(f.calls[0]).toBe(2); // 5 s < 20 × 1 s cold slack: warmed once more, then judged
    expect(res[1]!.secondsPerCall).toHaveLength(2);
    const g = fixture([COLD_SLACK * 2]);
    await runInterleaved(g.contestants, { warmup: 3, rounds: 2, minRunSeconds: 0.1, now: g.now, maxOpSeconds: 1 });
    expect(g.calls[0]).toBe(1);
  });

  it('records a failing contestant with the first line of its error and keeps the others running', async () => {
    const f = fixture([0.1, 0.1], { failAt: 0 });
    const res = await runInterleaved(f.contestants, { warmup: 1, rounds: 3, minRunSeconds: 0.1, now: f.now, maxOpSeconds: 10 });
    expect(res[0]!.error).toBe('boom 0');
    expect(res[0]!.secondsPerCall).toEqual([]);
    expect(res[1]!.secondsPerCall).toHaveLength(3);
  });
});

describe('ratio and metric values', () => {
  it('is nabla ÷ peer where higher is better and peer ÷ nabla where lower is better', () => {
    expect(ratio(20, 10, 'higher')).toBe(2);
    expect(ratio(2, 8, 'lower')).toBe(4);
    expect(ratio(8, 2, 'lower')).toBe(0.25);
    expect(ratio(0, 3, 'higher')).toBeNaN();
    expect(ratio(3, NaN, 'higher')).toBeNaN();
  });
  it('turns seconds per call into the size metric', () => {
    const mm = WORKLOADS.find((w) => w.id === 'matmul')!.sizes.find((s) => s.label === '1024')!;
    expect(metricValue(mm, 0.5)).toBeCloseTo((2 * 1024 ** 3) / 0.5 / 1e9, 9);
    const latency: SizeSpec = { ...mm, kind: 'latency', unit: 'ms', better: 'lower' };
    expect(metricValue(latency, 0.004)).toBeCloseTo(4, 9);
  });
  it('has at least one quick size per workload except the slow CNN, and 4 square matmuls plus a tall-skinny one', () => {
    const ids = WORKLOADS.map((w) => w.id);
    expect(ids).toEqual(['matmul', 'elementwise', 'conv2d', 'mlp-train', 'predict', 'cnn-train', 'lstm-train']);
    for (const w of WORKLOADS) if (w.id !== 'cnn-train') expect(w.sizes.some((s) => s.quick)).toBe(true);
    const mm = WORKLOADS[0]!.sizes.map((s) => s.params as { m: number; k: number; n: number });
    expect(mm.filter((p) => p.m === p.k && p.k === p.n).map((p) => p.m)).toEqual([128, 256, 512, 1024]);
    expect(mm.some((p) => p.m >= 8 * p.n)).toBe(true);
  });
});
