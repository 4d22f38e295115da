import { Conv2D, Dense, Dropout, Flatten, Input, MaxPooling2D, ReLU, Softmax, type Layer } from '@nabla/layers';
import { Sequential } from '@nabla/models';
import { Adam } from '@nabla/optimizers';
import { inputShape, type LayerSpec } from '../lib/model-spec.ts';

/** The editor's layers as a compiled Sequential (Adam, sparse categorical crossentropy, accuracy), with seeded initial weights. */
export function buildModel(specs: readonly LayerSpec[], learningRate = 0.001, seed = 42): Sequential {
  let k = 0;
  const init = () => ({ className: 'GlorotUniform', config: { seed: seed + k++ } });
  const layers: Layer[] = [new Input({ shape: inputShape(specs) })];
  for (const s of specs) {
    if (s.kind === 'Flatten') layers.push(new Flatten());
    else if (s.kind === 'ReLU') layers.push(new ReLU());
    else if (s.kind === 'Softmax') layers.push(new Softmax());
    else if (s.kind === 'MaxPooling2D') layers.push(new MaxPooling2D());
    else if (s.kind === 'Dropout') layers.push(new Dropout({ rate: s.rate, seed: seed + k++ }));
    else if (s.kind === 'Dense') layers.push(new Dense({ units: s.units, activation: s.activation, kernelInitializer: init() }));
    else layers.push(new Conv2D({ filters: s.filters, kernelSize: s.kernel, activation: s.activation, kernelInitializer: init() }));
  }
  const model = new Sequential(layers);
  const out = model.outputShape;
  const last = specs[specs.length - 1]!;
  const probabilities = last.kind === 'Softmax' || (last.kind === 'Dense' && last.activation === 'softmax');
  if (out.length !== 2 || out[1] !== 10 || !probabilities) {
    model.dispose();
    throw new Error(`the model must end in 10 probabilities (e.g. "Dense 10 softmax", or "Dense 10" then "Softmax"); it ends in [${out.map((d) => d ?? 'batch').join(', ')}]${probabilities ? '' : ' without a softmax'}`);
  }
  model.compile({ optimizer: new Adam({ learningRate }), loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] });
  return model;
}
