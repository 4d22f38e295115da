import { Conv2D, Dense, Flatten, Input, MaxPooling2D } from '@nabla/layers';
import { Sequential } from '@nabla/models';

/**
 * The bench's CNN: Conv2D(32, 3×3, relu) → MaxPooling2D → Conv2D(64, 3×3, relu) → MaxPooling2D →
 * Flatten → Dense(10, softmax) on [28, 28, 1] images (34,826 parameters), Adam, sparse crossentropy.
 */
export function courseCnn(seed = 42): Sequential {
  const init = (s: number) => ({ className: 'GlorotUniform', config: { seed: s } });
  const model = new Sequential([
    new Input({ shape: [28, 28, 1] }),
    new Conv2D({ filters: 32, kernelSize: 3, activation: 'relu', kernelInitializer: init(seed) }),
    new MaxPooling2D(),
    new Conv2D({ filters: 64, kernelSize: 3, activation: 'relu', kernelInitializer: init(seed + 1) }),
    new MaxPooling2D(),
    new Flatten(),
    new Dense({ units: 10, activation: 'softmax', kernelInitializer: init(seed + 2) }),
  ]);
  model.compile({ optimizer: 'adam', loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] });
  return model;
}
