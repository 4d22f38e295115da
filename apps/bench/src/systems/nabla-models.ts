/**
 * nabla's side of the training and predict workloads, built as a user would: @nabla/layers +
 * @nabla/models `Sequential`, compiled with Adam (tfjs' settings) and categorical crossentropy,
 * stepped with `trainOnBatch` (which reads the loss back, as tfjs' does).
 */
import { glorot } from '../data.js';
import { ADAM, CLASSES, MLP_UNITS } from '../workloads/index.js';

type L = typeof import('@nabla/layers');
type M = typeof import('@nabla/models');
type O = typeof import('@nabla/optimizers');
type Sequential = import('@nabla/models').Sequential;
type T = typeof import('@nabla/tensor');

export interface NablaTraining {
  layers: L;
  models: M;
  optimizers: O;
}

/** Loads the training packages, or returns the reason they are unavailable. */
export async function loadTraining(): Promise<NablaTraining | string> {
  try {
    const [layers, models, optimizers] = await Promise.all([import('@nabla/layers'), import('@nabla/models'), import('@nabla/optimizers')]);
    return { layers, models, optimizers };
  } catch (e) {
    return `@nabla/models unavailable: ${(e instanceof Error ? e.message : String(e)).split('\n')[0]}`;
  }
}

/** Why a model can't be built with the layers that exist, or null. */
export function missingLayer(n: NablaTraining, w: 'mlp-train' | 'cnn-train' | 'lstm-train' | 'predict'): string | null {
  const need = w === 'cnn-train' ? ['Conv2D', 'MaxPooling2D'] : w === 'lstm-train' ? ['LSTM'] : ['Dense'];
  const missing = need.filter((k) => !(k in n.layers));
  return missing.length ? `n/a (${missing.join('/')} not in @nabla/layers yet)` : null;
}

function compile(n: NablaTraining, model: Sequential): Sequential {
  model.compile({ optimizer: new n.optimizers.Adam(ADAM), loss: 'categorical_crossentropy' });
  return model;
}

/** The course's MLP with the same Glorot weights as the tfjs contestant. */
export function mlp(t: T, n: NablaTraining): Sequential {
  const { Dense, Input } = n.layers;
  const [i, h1, h2, o] = MLP_UNITS;
  const model = new n.models.Sequential([
    new Input({ shape: [i] }),
    new Dense({ units: h1, activation: 'relu' }),
    new Dense({ units: h2, activation: 'relu' }),
    new Dense({ units: o, activation: 'softmax' }),
  ]);
  const ws = [t.tensor(glorot(i, h1, 11), [i, h1]), t.zeros([h1]), t.tensor(glorot(h1, h2, 12), [h1, h2]), t.zeros([h2]), t.tensor(glorot(h2, o, 13), [h2, o]), t.zeros([o])];
  model.setWeights(ws);
  for (const w of ws) w.dispose();
  return compile(n, model);
}

export function cnn(n: NablaTraining): Sequential {
  const l = n.layers as unknown as Record<string, new (a: object) => import('@nabla/layers').Layer>;
  return compile(n, new n.models.Sequential([
    new n.layers.Input({ shape: [28, 28, 1] }),
    new l.Conv2D!({ filters: 32, kernelSize: 3, activation: 'relu' }),
    new l.MaxPooling2D!({ poolSize: 2 }),
    new l.Conv2D!({ filters: 64, kernelSize: 3, activation: 'relu' }),
    new l.MaxPooling2D!({ poolSize: 2 }),
    new n.layers.Flatten(),
    new n.layers.Dense({ units: CLASSES, activation: 'softmax' }),
  ]));
}

export function lstm(n: NablaTraining): Sequential {
  const l = n.layers as unknown as Record<string, new (a: object) => import('@nabla/layers').Layer>;
  return compile(n, new n.models.Sequential([
    new n.layers.Input({ shape: [28, 28] }),
    new l.LSTM!({ units: 64 }),
    new n.layers.Dense({ units: CLASSES, activation: 'softmax' }),
  ]));
}
