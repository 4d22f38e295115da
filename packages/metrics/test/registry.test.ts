import { tensor } from '@nabla/tensor';
import { describe, expect, it } from 'vitest';
import {
  AUC, Accuracy, BinaryAccuracy, CategoricalAccuracy, getMetric, knownMetrics, Mean, MeanAbsoluteError, MeanSquaredError, Precision, Recall,
  resolveAccuracy, RootMeanSquaredError, SparseCategoricalAccuracy, SparseTopKCategoricalAccuracy, TopKCategoricalAccuracy,
} from '../src/index.js';
import { expectClose, useCpu } from './helpers.js';

useCpu();

describe('getMetric', () => {
  it("resolves 'accuracy' / 'acc' from the loss", () => {
    const sparse = getMetric('accuracy', { lossName: 'sparse_categorical_crossentropy' });
    expect(sparse).toBeInstanceOf(SparseCategoricalAccuracy);
    expect(sparse.name).toBe('accuracy');
    expect(getMetric('accuracy', 'categorical_crossentropy')).toBeInstanceOf(CategoricalAccuracy);
    const bin = getMetric('acc', 'binary_crossentropy');
    expect(bin).toBeInstanceOf(BinaryAccuracy);
    expect(bin.name).toBe('acc');
    expect(getMetric('accuracy', 'binaryCrossentropy')).toBeInstanceOf(BinaryAccuracy);
    expect(getMetric('accuracy', 'bce')).toBeInstanceOf(BinaryAccuracy);
    expect(getMetric('accuracy', 'SparseCategoricalCrossentropy')).toBeInstanceOf(SparseCategoricalAccuracy);
    expect(getMetric('accuracy')).toBeInstanceOf(CategoricalAccuracy);
  });

  it("resolves 'accuracy' from the shapes as Keras 3 does", () => {
    expect(resolveAccuracy({ yTrueShape: [null, 1], yPredShape: [null, 1] })).toBe('binary_accuracy');
    expect(resolveAccuracy({ yTrueShape: [null], yPredShape: [null, 10] })).toBe('sparse_categorical_accuracy');
    expect(resolveAccuracy({ yTrueShape: [null, 1], yPredShape: [null, 10] })).toBe('sparse_categorical_accuracy');
    expect(resolveAccuracy({ yTrueShape: [null, 10], yPredShape: [null, 10] })).toBe('categorical_accuracy');
    expect(resolveAccuracy({ yTrueShape: [32, 10], yPredShape: [32, 10], lossName: 'mse' })).toBe('categorical_accuracy');
    // a [batch] label with [batch, 1] probabilities is binary (the last dimension 1 wins, as in Keras)
    expect(resolveAccuracy({ yTrueShape: [null], yPredShape: [null, 1] })).toBe('binary_accuracy');
    const m = getMetric('Accuracy', { yTrueShape: [8], yPredShape: [8, 3] });
    expect(m).toBeInstanceOf(SparseCategoricalAccuracy);
    expect(m.name).toBe('Accuracy');
  });

  it('accepts snake_case, Keras class names, camelCase and aliases, named as Keras names them', () => {
    const cases: [string, new () => unknown, string][] = [
      ['sparse_categorical_accuracy', SparseCategoricalAccuracy, 'sparse_categorical_accuracy'],
      ['sparseCategoricalAccuracy', SparseCategoricalAccuracy, 'sparse_categorical_accuracy'],
      ['SparseCategoricalAccuracy', SparseCategoricalAccuracy, 'SparseCategoricalAccuracy'],
      ['top_k_categorical_accuracy', TopKCategoricalAccuracy, 'top_k_categorical_accuracy'],
      ['sparse_top_k_categorical_accuracy', SparseTopKCategoricalAccuracy, 'sparse_top_k_categorical_accuracy'],
      ['binary_accuracy', BinaryAccuracy, 'binary_accuracy'],
      ['precision', Precision, 'precision'],
      ['recall', Recall, 'recall'],
      ['auc', AUC, 'auc'],
      ['AUC', AUC, 'AUC'],
      ['mse', MeanSquaredError, 'mse'],
      ['MSE', MeanSquaredError, 'MSE'],
      ['mean_squared_error', MeanSquaredError, 'mean_squared_error'],
      ['meanAbsoluteError', MeanAbsoluteError, 'mean_absolute_error'],
      ['mae', MeanAbsoluteError, 'mae'],
      ['root_mean_squared_error', RootMeanSquaredError, 'root_mean_squared_error'],
      ['rootMeanSquaredError', RootMeanSquaredError, 'root_mean_squared_error'],
      ['mean', Mean, 'mean'],
    ];
    for (const [id, cls, name] of cases) {
      const m = getMetric(id);
      expect(m, id).toBeInstanceOf(cls);
      expect(m.name, id).toBe(name);
    }
    expect(knownMetrics()).toContain('msle');
  });

  it('default names are Keras’ class defaults', () => {
    expect(new Accuracy().name).toBe('accuracy');
    expect(new Precision().name).toBe('precision');
    expect(new AUC().name).toBe('auc');
    expect(new AUC({ name: 'val_auc' }).name).toBe('val_auc');
  });

  it('passes a Metric through and throws on an unknown name, listing the known ones', async () => {
    const m = new Precision({ thresholds: 0.3 });
    expect(getMetric(m)).toBe(m);
    expect(() => getMetric('rmse')).toThrow(/getMetric: unknown metric 'rmse'. Known metrics: accuracy \(or acc\), .*root_mean_squared_error.*mse/);
    expect(() => getMetric('f1')).toThrow(/unknown metric/);
    // the resolved metric works
    const acc = getMetric('accuracy', 'sparse_categorical_crossentropy');
    acc.update(tensor(new Int32Array([1, 0])), tensor([[0.2, 0.8], [0.3, 0.7]]));
    expectClose(await acc.result(), 0.5);
    acc.dispose();
  });
});
