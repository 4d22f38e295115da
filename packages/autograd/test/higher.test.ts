// Higher-order gradients: rules are written with tensor ops, so an outer tape differentiates them.
import { cos, exp, log, mul, pow, sigmoid, sin, sqrt, square, sum, tanh, tensor, type Tensor } from '@nabla/tensor';
import { describe, expect, it } from 'vitest';
import { grad, grads } from '../src/index.js';
import { expectClose, expectNoLeak, useCpu } from './setup.js';

useCpu();

const xs = [-1.5, -0.4, 0.3, 1.2, 2];

function second(f: (x: Tensor) => Tensor, at: number[], expected: (x: number) => number, rtol = 1e-4): void {
  expectNoLeak(() => {
    const x = tensor(at);
    const d2 = grad((v) => sum(grad((u) => sum(f(u)))(v)))(x);
    expect(d2.shape).toEqual(x.shape);
    expectClose(d2, at.map(expected), rtol, 1e-5);
    x.dispose();
    d2.dispose();
  });
}

describe('grad(grad(f)) for elementwise ops', () => {
  it('d²/dx² x³ = 6x', () => second((x) => mul(mul(x, x), x), xs, (x) => 6 * x));
  it('d²/dx² x³ = 6x (via pow)', () => second((x) => pow(x, 3), xs, (x) => 6 * x));
  it('d²/dx² sin = −sin', () => second(sin, xs, (x) => -Math.sin(x)));
  it('d²/dx² cos = −cos', () => second(cos, xs, (x) => -Math.cos(x)));
  it('d²/dx² exp = exp', () => second(exp, xs, Math.exp));
  it('d²/dx² log = −1/x²', () => second(log, [0.5, 1, 2, 3], (x) => -1 / (x * x)));
  it('d²/dx² √x = −¼x^(−3/2)', () => second(sqrt, [0.5, 1, 2, 3], (x) => -0.25 * x ** -1.5));
  it('d²/dx² tanh = −2 tanh (1 − tanh²)', () => second(tanh, xs, (x) => -2 * Math.tanh(x) * (1 - Math.tanh(x) ** 2)));
  it("d²/dx² σ = σ(1−σ)(1−2σ)", () =>
    second(sigmoid, xs, (x) => {
      const s = 1 / (1 + Math.exp(-x));
      return s * (1 - s) * (1 - 2 * s);
    }));
  it('d²/dx² x² = 2', () => second(square, xs, () => 2));

  it('third order: d³/dx³ x⁴ = 24x', () => {
    expectNoLeak(() => {
      const x = tensor(xs);
      const d1 = (f: (u: Tensor) => Tensor) => (u: Tensor) => grad((v) => sum(f(v)))(u);
      const d3 = d1(d1(d1((u) => square(square(u)))))(x);
      expectClose(d3, xs.map((v) => 24 * v), 1e-4, 1e-4);
      x.dispose();
      d3.dispose();
    });
  });

  it('mixed partials: ∂²(x·y²)/∂x∂y = 2y', () => {
    expectNoLeak(() => {
      const x = tensor([1, 2, 3]);
      const y = tensor([0.5, -1, 2]);
      // ∂/∂y of (∂/∂x Σ x·y²) = ∂/∂y Σ y² = 2y
      const [dxx, dxy] = grads((a, b) => sum(grad((u) => sum(mul(u, square(b))))(a)))(x, y);
      expectClose(dxx!, [0, 0, 0]);
      expectClose(dxy!, [1, -2, 4]);
      for (const t of [x, y, dxx!, dxy!]) t.dispose();
    });
  });
});
