import { tensor } from '@nabla/tensor';
import { describe, expect, it } from 'vitest';
import {
  MeanAbsoluteError, MeanAbsolutePercentageError, MeanSquaredError, MeanSquaredLogarithmicError, RootMeanSquaredError,
} from '../src/index.js';
import { expectClose, meanRef, useCpu } from './helpers.js';

useCpu();

describe('regression metrics', () => {
  it("match Keras' examples", async () => {
    const t = [[0, 1], [0, 0]];
    const p = [[1, 1], [0, 0]];
    const expected: [InstanceType<typeof MeanSquaredError | typeof RootMeanSquaredError>, number, string][] = [
      [new MeanSquaredError(), 0.25, 'mean_squared_error'],
      [new MeanAbsoluteError(), 0.25, 'mean_absolute_error'],
      [new RootMeanSquaredError(), 0.5, 'root_mean_squared_error'],
      [new MeanAbsolutePercentageError(), 250000000, 'mean_absolute_percentage_error'],
      [new MeanSquaredLogarithmicError(), 0.12011322, 'mean_squared_logarithmic_error'],
    ];
    for (const [m, value, name] of expected) {
      m.update(tensor(t), tensor(p));
      expectClose(await m.result(), value, 1e-6);
      expect(m.name).toBe(name);
      m.dispose();
    }
  });

  it('stream over batches as the mean of per-sample values; reset', async () => {
    const batches = [
      { t: [[1, 2], [3, 4], [5, 6]], p: [[1.5, 2], [2, 4.5], [5, 8]] },
      { t: [[0, -1]], p: [[0.25, 1]] },
    ];
    const mse = new MeanSquaredError();
    const mae = new MeanAbsoluteError();
    const rmse = new RootMeanSquaredError();
    const sq: number[] = [];
    const ab: number[] = [];
    for (const { t, p } of batches) {
      t.forEach((row, i) => {
        sq.push(meanRef(row.map((v, j) => (v - p[i]![j]!) ** 2)));
        ab.push(meanRef(row.map((v, j) => Math.abs(v - p[i]![j]!))));
      });
      for (const m of [mse, mae, rmse]) m.update(tensor(t), tensor(p));
    }
    expectClose(await mse.result(), meanRef(sq));
    expectClose(await mae.result(), meanRef(ab));
    expectClose(await rmse.result(), Math.sqrt(meanRef(sq)));
    mse.reset();
    mse.update(tensor([[1]]), tensor([[3]]));
    expectClose(await mse.result(), 4);
    for (const m of [mse, mae, rmse]) m.dispose();
  });

  it("keeps Keras' shape rules: rank-1 MSE counts a batch once, RMSE counts each element", async () => {
    const mse = new MeanSquaredError();
    const rmse = new RootMeanSquaredError();
    for (const m of [mse, rmse]) {
      m.update(tensor([1, 2, 3]), tensor([1, 2, 5])); // squared errors 0, 0, 4
      m.update(tensor([0]), tensor([1])); // 1
    }
    expectClose(await mse.result(), (4 / 3 + 1) / 2);
    expectClose(await rmse.result(), Math.sqrt(5 / 4));
    // [batch] targets with [batch, 1] predictions line up
    const aligned = new MeanSquaredError();
    aligned.update(tensor([1, 2, 3]), tensor([[1], [2], [5]]));
    expectClose(await aligned.result(), 4 / 3);
    for (const m of [mse, rmse, aligned]) m.dispose();
    expect(() => new MeanSquaredError().update(tensor([[1, 2]]), tensor([[1, 2, 3]]))).toThrow(/mean_squared_error: yTrue shape \[1,2\] and yPred shape \[1,3\]/);
  });
});
