import { describe, expect, it } from 'vitest';
import { useCpu } from '../src/lib/cpu.ts';
import { toMnist } from '../src/lib/digit.ts';
import { APPLE_GRAPH, APPLE_INPUTS, evaluateGraph, formatNumber, SQUARE_GRAPH } from '../src/lib/graph-model.ts';
import { inputShape, parseSpec, PRESETS } from '../src/lib/model-spec.ts';

describe('graph model (the pages’ maths, in Node on the CPU backend)', () => {
  it('gives the course’s apple gradients by autograd', async () => {
    await useCpu();
    const { values, grads } = await evaluateGraph(APPLE_GRAPH, APPLE_INPUTS);
    expect(formatNumber(values.get('total')!)).toBe('220');
    expect(formatNumber(grads.get('apple')!)).toBe('2.2');
    expect(formatNumber(grads.get('count')!)).toBe('110');
    expect(formatNumber(grads.get('tax')!)).toBe('200');
    expect(formatNumber(grads.get('subtotal')!)).toBe('1.1');
  });

  it('differentiates z = (x + y)² by the chain rule', async () => {
    await useCpu();
    const { values, grads } = await evaluateGraph(SQUARE_GRAPH, { x: 3, y: -1 });
    expect(values.get('z')).toBe(4);
    expect(grads.get('x')).toBe(4);
    expect(grads.get('y')).toBe(4);
    expect(grads.get('s')).toBe(4);
  });
});

describe('model editor', () => {
  it('parses both presets; convolutions take [28, 28, 1]', () => {
    expect(parseSpec(PRESETS.mlp).map((l) => l.kind)).toEqual(['Flatten', 'Dense', 'ReLU', 'Dense', 'ReLU', 'Dense', 'Softmax']);
    expect(inputShape(parseSpec(PRESETS.mlp))).toEqual([28, 28]);
    expect(inputShape(parseSpec(PRESETS.cnn))).toEqual([28, 28, 1]);
    expect(parseSpec('dense 10 softmax # the head')).toEqual([{ kind: 'Dense', units: 10, activation: 'softmax' }]);
  });

  it('names the wrong line', () => {
    expect(() => parseSpec('Flatten\nDense ten')).toThrow(/line 2: units/);
    expect(() => parseSpec('Flatten\n\nLSTM 4')).toThrow(/line 3: unknown layer 'LSTM'/);
    expect(() => parseSpec('Dense 10 swoosh')).toThrow(/unknown activation 'swoosh'/);
    expect(() => parseSpec('Dropout 1.5')).toThrow(/Dropout rate/);
    expect(() => parseSpec('  \n')).toThrow(/no layers/);
  });
});

describe('drawing → MNIST digit', () => {
  it('crops, scales to 20 px and centres the ink by its centre of mass', () => {
    const size = 100;
    const ink = new Float32Array(size * size);
    for (let y = 5; y < 45; y++) for (let x = 60; x < 70; x++) ink[y * size + x] = 1; // a bar in the top-right corner
    const d = toMnist(ink, size);
    let mass = 0, cx = 0, cy = 0, rows = 0;
    for (let y = 0; y < 28; y++) {
      let row = 0;
      for (let x = 0; x < 28; x++) { const v = d[y * 28 + x]!; mass += v; cx += v * x; cy += v * y; row += v; }
      if (row > 0) rows++;
    }
    expect(Math.abs(cx / mass - 14)).toBeLessThan(1);
    expect(Math.abs(cy / mass - 14)).toBeLessThan(1);
    expect(rows).toBe(20);
    expect(Math.max(...d)).toBeLessThanOrEqual(1);
  });

  it('leaves an empty drawing empty', () => {
    expect(toMnist(new Float32Array(64 * 64), 64).every((v) => v === 0)).toBe(true);
  });
});
