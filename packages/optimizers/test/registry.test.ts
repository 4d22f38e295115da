import { Variable } from '@nabla/autograd';
import { createCpuBackend } from '@nabla/backend-cpu';
import { setBackend, tensor } from '@nabla/tensor';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  Adadelta, Adagrad, Adam, Adamax, AdamW, CosineDecay, getOptimizer, Nadam, optimizerNames, RMSprop, serializeOptimizer, SGD,
} from '../src/index.js';

beforeAll(async () => {
  await setBackend(createCpuBackend());
});

describe('getOptimizer', () => {
  it('resolves the Keras names to defaults', () => {
    const table: [string, unknown][] = [
      ['sgd', SGD], ['adam', Adam], ['rmsprop', RMSprop], ['adagrad', Adagrad], ['adamw', AdamW],
      ['adadelta', Adadelta], ['adamax', Adamax], ['nadam', Nadam],
    ];
    expect(optimizerNames().sort()).toEqual(table.map(([n]) => n).sort());
    for (const [name, cls] of table) {
      const opt = getOptimizer(name);
      expect(opt.constructor).toBe(cls);
      expect(opt.learningRate).toBe(name === 'sgd' ? 0.01 : 0.001);
    }
  });

  it('is case-insensitive and tolerates snake/camel spellings', () => {
    expect(getOptimizer('RMSprop')).toBeInstanceOf(RMSprop);
    expect(getOptimizer('rms_prop')).toBeInstanceOf(RMSprop);
    expect(getOptimizer('AdamW')).toBeInstanceOf(AdamW);
    expect(getOptimizer('adam_w')).toBeInstanceOf(AdamW);
    expect(getOptimizer('SGD')).toBeInstanceOf(SGD);
  });

  it('applies overrides (camelCase or snake_case)', () => {
    const a = getOptimizer('adam', { learningRate: 0.01, amsgrad: true }) as Adam;
    expect(a.learningRate).toBe(0.01);
    expect(a.amsgrad).toBe(true);
    const s = getOptimizer('sgd', { learning_rate: 0.2, momentum: 0.9, nesterov: true }) as SGD;
    expect([s.learningRate, s.momentum, s.nesterov]).toEqual([0.2, 0.9, true]);
    expect(() => getOptimizer('adam', { bogus: 1 })).toThrow(/unknown option/);
  });

  it('returns an instance unchanged; refuses overrides on it', () => {
    const opt = new Nadam();
    expect(getOptimizer(opt)).toBe(opt);
    expect(() => getOptimizer(opt, { learningRate: 1 })).toThrow(/existing Nadam instance/);
  });

  it('throws on an unknown name, listing the known ones', () => {
    expect(() => getOptimizer('adamm')).toThrow(/unknown optimizer 'adamm'; known: sgd, adam, rmsprop, adagrad, adamw, adadelta, adamax, nadam/);
  });

  it('serializeOptimizer / getOptimizer round trip (JSON), with a schedule; Keras configs work', () => {
    const opt = new AdamW({ learningRate: new CosineDecay({ initialLearningRate: 0.1, decaySteps: 10 }), weightDecay: 0.01, clipNorm: 1 });
    const data = JSON.parse(JSON.stringify(serializeOptimizer(opt))) as ReturnType<typeof serializeOptimizer>;
    expect(data.className).toBe('AdamW');
    const back = getOptimizer(data);
    expect(back).toBeInstanceOf(AdamW);
    expect(back.getConfig()).toEqual(opt.getConfig());
    const keras = getOptimizer({
      class_name: 'SGD',
      config: {
        name: 'SGD', learning_rate: 0.05, weight_decay: null, clipnorm: null, global_clipnorm: null, clipvalue: null, use_ema: false,
        ema_momentum: 0.99, ema_overwrite_frequency: null, loss_scale_factor: null, gradient_accumulation_steps: null, momentum: 0.5, nesterov: false,
      },
    }) as SGD;
    expect([keras.learningRate, keras.momentum]).toEqual([0.05, 0.5]);
    const w = new Variable(tensor([1]), { name: 'w' });
    const g = tensor([1]);
    keras.applyGradients([[g, w]]);
    expect(w.dataSync()[0]).toBeCloseTo(0.95, 6);
    w.dispose();
    g.dispose();
  });
});
