import { add, mul, slice, square, sub, sum, type Tensor } from '@nabla/tensor';

/** A 2-D loss surface: the tensor version the optimizers differentiate, and a plain one for shading the background. */
export interface Surface {
  id: string;
  label: string;
  /** loss(p) for a Variable p of shape [2], as a scalar tensor. */
  loss: (p: Tensor) => Tensor;
  /** The same function on numbers (only to shade the picture). */
  value: (x: number, y: number) => number;
  x: readonly [number, number];
  y: readonly [number, number];
  start: readonly [number, number];
  /** Default learning rate per optimizer id. */
  lr: Record<string, number>;
}

const xy = (p: Tensor) => [slice(p, [0], [1]), slice(p, [1], [1])] as const;

export const SURFACES: readonly Surface[] = [
  {
    id: 'ravine',
    label: 'Ravine: x²/20 + y²',
    loss: (p) => { const [x, y] = xy(p); return sum(add(mul(square(x), 0.05), square(y))); },
    value: (x, y) => 0.05 * x * x + y * y,
    x: [-10, 10], y: [-4, 4], start: [-9, 3],
    lr: { sgd: 0.9, momentum: 0.1, nag: 0.1, adagrad: 1.5, rmsprop: 0.15, adam: 0.3 },
  },
  {
    id: 'saddle',
    label: 'Saddle: x² − y² + y⁴/4',
    loss: (p) => { const [x, y] = xy(p); const y2 = square(y); return sum(add(sub(square(x), y2), mul(square(y2), 0.25))); },
    value: (x, y) => x * x - y * y + (y ** 4) / 4,
    x: [-2, 2], y: [-2.2, 2.2], start: [-1.8, 0.005],
    lr: { sgd: 0.05, momentum: 0.02, nag: 0.02, adagrad: 0.5, rmsprop: 0.02, adam: 0.05 },
  },
  {
    id: 'rosenbrock',
    label: 'Rosenbrock: (1 − x)² + 100 (y − x²)²',
    loss: (p) => { const [x, y] = xy(p); return sum(add(square(sub(1, x)), mul(square(sub(y, square(x))), 100))); },
    value: (x, y) => (1 - x) ** 2 + 100 * (y - x * x) ** 2,
    x: [-2, 2], y: [-1, 3], start: [-1.5, 2.5],
    lr: { sgd: 0.0012, momentum: 0.0003, nag: 0.0003, adagrad: 0.2, rmsprop: 0.01, adam: 0.05 },
  },
];
