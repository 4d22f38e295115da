import * as nb from '@nabla/tensor';
import { tensor } from '@nabla/tensor';
import { it } from 'vitest';
import { backends, deviation, logSweep, SPECIALS, sweep, onBoth } from './parity.js';

it('measure', async () => {
  const pair = await backends();
  const general = [...sweep(4000, -10, 10), ...sweep(1000, -1e-3, 1e-3, 3), ...SPECIALS];
  const positive = [...logSweep(4000, 1e-6, 1e6), ...SPECIALS];
  const trig = [...sweep(4000, -100, 100), ...sweep(500, -1e4, 1e4, 5), ...SPECIALS];
  const unaryInputs: Record<string, number[]> = {
    log: positive, log1p: [...positive, ...sweep(1000, -1, 1, 9)], sqrt: positive, rsqrt: positive, sin: trig, cos: trig,
    exp: [...general, ...sweep(1000, -100, 89, 13)],
  };
  const rows: string[] = [];
  for (const op of nb.UNARY_OPS) {
    if (op === 'logicalNot') continue;
    const xs = unaryInputs[op] ?? general;
    const r = await onBoth(pair, () => nb.unary(op, tensor(xs)));
    rows.push(`${op}: ${JSON.stringify(deviation(r.gpu, r.cpu))}`);
  }
  const a = [...sweep(3000, -10, 10, 21), ...SPECIALS.flatMap((x) => SPECIALS.map(() => x))];
  const b = [...sweep(3000, -10, 10, 22), ...SPECIALS.flatMap(() => SPECIALS)];
  const pa = [...logSweep(3000, 1e-3, 1e3, 23), ...SPECIALS.flatMap((x) => SPECIALS.map(() => x))];
  const pb = [...sweep(3000, -8, 8, 24), ...SPECIALS.flatMap(() => SPECIALS)];
  for (const op of nb.BINARY_OPS) {
    if (op === 'logicalAnd' || op === 'logicalOr') continue;
    const [x, y] = op === 'pow' ? [pa, pb] : [a, b];
    const r = await onBoth(pair, () => nb.binary(op, tensor(x), tensor(y)));
    rows.push(`${op}: ${JSON.stringify(deviation(r.gpu, r.cpu))}`);
  }
  const big = sweep(64 * 1000, -1, 1, 31);
  for (const op of ['sum', 'prod', 'max', 'min'] as const) {
    const r = await onBoth(pair, () => (nb as unknown as Record<string, (t: nb.Tensor, ax: number) => nb.Tensor>)[op]!(tensor(op === 'prod' ? big.map((v) => 1 + v / 100) : big, [64, 1000]), 1));
    rows.push(`${op}: ${JSON.stringify(deviation(r.gpu, r.cpu))}`);
  }
  for (const [m, k, n] of [[64, 64, 64], [33, 300, 17], [128, 1000, 10]] as const) {
    const r = await onBoth(pair, () => nb.matmul(tensor(sweep(m * k, -1, 1, 41), [m, k]), tensor(sweep(k * n, -1, 1, 42), [k, n])));
    rows.push(`matmul ${m}x${k}x${n}: ${JSON.stringify(deviation(r.gpu, r.cpu, 1e-3))}`);
  }
  const r = await onBoth(pair, () => nb.softmax(tensor(sweep(64 * 100, -20, 20, 51), [64, 100])));
  rows.push(`softmax: ${JSON.stringify(deviation(r.gpu, r.cpu))}`);
  const c = await onBoth(pair, () => nb.conv2d(tensor(sweep(2 * 12 * 12 * 3, -1, 1, 61), [2, 12, 12, 3]), tensor(sweep(3 * 3 * 3 * 8, -1, 1, 62), [3, 3, 3, 8]), { padding: 'same' }));
  rows.push(`conv2d: ${JSON.stringify(deviation(c.gpu, c.cpu, 1e-3))}`);
  console.log(rows.join('\n'));
});
