import * as nb from '@nabla/tensor';
import { tensor } from '@nabla/tensor';
import { it } from 'vitest';
import { backends, logSweep, SPECIALS, sweep, onBoth, ulps } from './parity.js';

it('probe', async () => {
  const pair = await backends();
  const general = [...sweep(4000, -10, 10), ...sweep(1000, -1e-3, 1e-3, 3), ...SPECIALS];
  const positive = [...logSweep(4000, 1e-6, 1e6), ...SPECIALS];
  const show = async (name: string, xs: number[], f: (t: nb.Tensor) => nb.Tensor, ys?: number[]) => {
    const r = await onBoth(pair, () => ys ? (f as any)(tensor(xs), tensor(ys)) : f(tensor(xs)));
    const bad: [number, number][] = [];
    for (let i = 0; i < xs.length; i++) {
      const u = ulps(r.gpu[i]!, r.cpu[i]!);
      if (u > 3 && (Math.abs(r.cpu[i]!) >= 1e-6 || !Number.isFinite(u))) bad.push([u, i]);
    }
    bad.sort((a, b) => b[0] - a[0]);
    console.log(name, bad.slice(0, 8).map(([u, i]) => `x=${xs[i]}${ys ? ' y=' + ys[i] : ''} gpu=${r.gpu[i]} cpu=${r.cpu[i]} ulp=${u}`).join('\n  '));
  };
  await show('log1p', [...positive, ...sweep(1000, -1, 1, 9)], nb.log1p);
  await show('softplus', general, nb.softplus);
  const pa = [...logSweep(3000, 1e-3, 1e3, 23), ...SPECIALS.flatMap((x) => SPECIALS.map(() => x))];
  const pb = [...sweep(3000, -8, 8, 24), ...SPECIALS.flatMap(() => SPECIALS)];
  await show('pow', pa, nb.pow as any, pb);
  await show('sin', [...SPECIALS], nb.sin);
});
