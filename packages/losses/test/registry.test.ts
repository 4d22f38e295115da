import { tensor, type Tensor } from '@nabla/tensor';
import { describe, expect, it } from 'vitest';
import {
  binaryCrossentropy, categoricalCrossentropy, getLoss, huber, klDivergence, knownLosses, lossName, meanAbsoluteError, meanSquaredError,
  sparseCategoricalCrossentropy,
} from '../src/index.js';
import { scalarOf, useCpu } from './helpers.js';

useCpu();

describe('getLoss / lossName', () => {
  it('resolves snake_case, camelCase and Keras class names to the same function', () => {
    const a = getLoss('categorical_crossentropy');
    expect(getLoss('categoricalCrossentropy')).toBe(a);
    expect(getLoss('CategoricalCrossentropy')).toBe(a);
    const t = tensor([[0, 1], [1, 0]]);
    const p = tensor([[0.3, 0.7], [0.6, 0.4]]);
    expect(scalarOf(a(t, p))).toBe(scalarOf(categoricalCrossentropy(t, p)));
    expect(scalarOf(getLoss('sparse_categorical_crossentropy')(tensor(new Int32Array([1, 0])), p))).toBe(
      scalarOf(sparseCategoricalCrossentropy(tensor(new Int32Array([1, 0])), p)),
    );
  });

  it("resolves Keras' aliases, and only those", () => {
    const t = tensor([[0, 1]]);
    const p = tensor([[0.25, 0.5]]);
    expect(scalarOf(getLoss('mse')(t, p))).toBe(scalarOf(meanSquaredError(t, p)));
    expect(scalarOf(getLoss('MSE')(t, p))).toBe(scalarOf(meanSquaredError(t, p)));
    expect(scalarOf(getLoss('mae')(t, p))).toBe(scalarOf(meanAbsoluteError(t, p)));
    expect(scalarOf(getLoss('bce')(t, p))).toBe(scalarOf(binaryCrossentropy(t, p)));
    expect(scalarOf(getLoss('kld')(t, p))).toBe(scalarOf(klDivergence(t, p)));
    expect(lossName('mape')).toBe('mean_absolute_percentage_error');
    expect(lossName('msle')).toBe('mean_squared_logarithmic_error');
    expect(() => getLoss('huber_loss')).toThrow(/unknown loss 'huber_loss'/);
    expect(() => getLoss('rmse')).toThrow(/unknown loss/);
  });

  it('throws on an unknown name, listing the known ones', () => {
    expect(() => getLoss('categorical_crossentrop')).toThrow(/getLoss: unknown loss 'categorical_crossentrop'. Known losses: .*categorical_crossentropy.*sparse_categorical_crossentropy.*mse/);
    expect(knownLosses()).toContain('log_cosh');
    expect(knownLosses()).toContain('KLDivergence');
  });

  it('passes functions through and names them canonically', () => {
    const custom = (a: Tensor, b: Tensor): Tensor => meanSquaredError(a, b);
    expect(getLoss(custom)).toBe(custom);
    expect(lossName('mse')).toBe('mean_squared_error');
    expect(lossName('MeanSquaredError')).toBe('mean_squared_error');
    expect(lossName('sparseCategoricalCrossentropy')).toBe('sparse_categorical_crossentropy');
    expect(lossName(categoricalCrossentropy)).toBe('categorical_crossentropy');
    expect(lossName(huber)).toBe('huber');
    expect(lossName(getLoss('bce'))).toBe('binary_crossentropy');
    function myFancyLoss(a: Tensor, b: Tensor): Tensor {
      return meanSquaredError(a, b);
    }
    expect(lossName(myFancyLoss)).toBe('my_fancy_loss');
    expect(() => lossName('nope')).toThrow(/unknown loss 'nope'/);
  });
});
