import { variableGrads } from '@nabla/autograd';
import { mean, randomNormal, square, memory } from '@nabla/tensor';
import { it } from 'vitest';
import { BaseRNN, LSTM } from '../src/layers/recurrent.js';
import { useCpu } from './helpers.js';
useCpu();
it('bench', () => {
  const l = new LSTM({ units: 64 });
  const x = randomNormal([64, 28, 28]);
  l.apply(x).dispose();
  for (let rep = 0; rep < 3; rep++) {
    for (const mode of ['once', 'perStep'] as const) {
      BaseRNN.projection = mode;
      let t0 = performance.now();
      for (let i = 0; i < 3; i++) l.apply(x).dispose();
      const fwd = (performance.now() - t0) / 3;
      t0 = performance.now();
      for (let i = 0; i < 3; i++) {
        const { value, grads } = variableGrads(() => mean(square(l.apply(x, { training: true }))));
        value.dispose(); for (const g of grads.values()) g.dispose();
      }
      const fb = (performance.now() - t0) / 3;
      console.log(`${mode}: fwd ${fwd.toFixed(1)} ms, fwd+bwd ${fb.toFixed(1)} ms, tensors ${memory().numTensors}`);
    }
  }
});
