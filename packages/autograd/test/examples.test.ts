// The course's worked examples, with hand-derived gradients.
import { add, matmul, mean, mul, sigmoid, square, sub, sum, tensor, tidy, type Tensor } from '@nabla/tensor';
import { describe, expect, it } from 'vitest';
import { grad, grads, valueAndGrads, Variable, variableGrads } from '../src/index.js';
import { expectClose, expectNoLeak, useCpu, values } from './setup.js';

useCpu();

describe('course examples', () => {
  it('apple purchase: 100 · 2 · 1.1 = 220, d/dprice 2.2, d/dcount 110, d/dtax 200', () => {
    expectNoLeak(() => {
      const price = tensor(100);
      const count = tensor(2);
      const tax = tensor(1.1);
      const { value, grads: [dPrice, dCount, dTax] } = valueAndGrads((p, c, t) => mul(mul(p, c), t))(price, count, tax);
      expectClose(value, [220], 1e-6);
      expectClose(dPrice!, [2.2], 1e-6);
      expectClose(dCount!, [110], 1e-6);
      expectClose(dTax!, [200], 1e-6);
      for (const t of [price, count, tax, value, dPrice!, dCount!, dTax!]) t.dispose();
    });
  });

  it('z = (x + y)²: ∂z/∂x = ∂z/∂y = 2(x + y)', () => {
    expectNoLeak(() => {
      const x = tensor([1, -2, 0.5, 3]);
      const y = tensor([2, 1, -1.5, 0.25]);
      const [dx, dy] = grads((a, b) => sum(square(add(a, b))))(x, y);
      const expected = [1, -2, 0.5, 3].map((v, i) => 2 * (v + [2, 1, -1.5, 0.25][i]!));
      expectClose(dx!, expected);
      expectClose(dy!, expected);
      for (const t of [x, y, dx!, dy!]) t.dispose();
    });
  });

  it('two-layer network: ∂L/∂W1 and ∂L/∂W2 equal the hand-derived chain rule', () => {
    // z1 = W1·x, a1 = σ(z1), z2 = W2·a1, L = (y − z2)²; x [3,1], W1 [4,3], W2 [1,4]
    const xv = [0.5, -1, 2];
    const w1v = [[0.1, -0.2, 0.3], [0.4, 0.5, -0.6], [-0.7, 0.8, 0.9], [0.2, -0.1, 0.05]];
    const w2v = [[0.3, -0.4, 0.5, 0.6]];
    const yv = 1.5;
    // by hand, in float64
    const z1 = w1v.map((row) => row.reduce((s, w, j) => s + w * xv[j]!, 0));
    const a1 = z1.map((z) => 1 / (1 + Math.exp(-z)));
    const z2 = w2v[0]!.reduce((s, w, j) => s + w * a1[j]!, 0);
    const dz2 = -2 * (yv - z2); // ∂L/∂z2
    const dW2 = a1.map((a) => dz2 * a); // ∂L/∂W2 = ∂L/∂z2 · a1ᵀ
    const dz1 = a1.map((a, i) => w2v[0]![i]! * dz2 * a * (1 - a)); // (W2ᵀ·∂L/∂z2) ⊙ σ'(z1)
    const dW1 = dz1.flatMap((d) => xv.map((x) => d * x)); // ∂L/∂z1 · xᵀ

    expectNoLeak(() => {
      const x = tensor(xv, [3, 1]);
      const w1 = tensor(w1v);
      const w2 = tensor(w2v);
      const y = tensor([[yv]]);
      const loss = (W1: Tensor, W2: Tensor): Tensor => square(sub(y, matmul(W2, sigmoid(matmul(W1, x)))));
      const { value, grads: [g1, g2] } = valueAndGrads(loss)(w1, w2);
      expectClose(value, [(yv - z2) ** 2], 1e-5);
      expect(g1!.shape).toEqual([4, 3]);
      expect(g2!.shape).toEqual([1, 4]);
      expectClose(g1!, dW1, 1e-4, 1e-6);
      expectClose(g2!, dW2, 1e-4, 1e-6);
      for (const t of [x, w1, w2, y, value, g1!, g2!]) t.dispose();
    });
  });

  describe('gradient descent on linear regression converges to least squares', () => {
    // y ≈ X·w + b with noise; the least-squares solution from the normal equations in float64
    const n = 32;
    const xs: number[][] = [];
    const ys: number[] = [];
    let s = 7;
    const rand = (): number => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648) * 2 - 1;
    for (let i = 0; i < n; i++) {
      const a = rand();
      const b = rand();
      xs.push([a, b, 1]);
      ys.push(1.5 * a - 2 * b + 0.5 + 0.1 * rand());
    }
    // solve (XᵀX) w = Xᵀy by Gaussian elimination
    const A = [0, 1, 2].map((i) => [0, 1, 2].map((j) => xs.reduce((acc, r) => acc + r[i]! * r[j]!, 0)));
    const rhs = [0, 1, 2].map((i) => xs.reduce((acc, r, k) => acc + r[i]! * ys[k]!, 0));
    for (let c = 0; c < 3; c++) {
      for (let r = c + 1; r < 3; r++) {
        const f = A[r]![c]! / A[c]![c]!;
        for (let k = c; k < 3; k++) A[r]![k]! -= f * A[c]![k]!;
        rhs[r]! -= f * rhs[c]!;
      }
    }
    const wStar = [0, 0, 0];
    for (let r = 2; r >= 0; r--) wStar[r] = (rhs[r]! - [0, 1, 2].reduce((acc, k) => (k > r ? acc + A[r]![k]! * wStar[k]! : acc), 0)) / A[r]![r]!;

    it('with grad(f) and plain tensors', () => {
      expectNoLeak(() => {
        const X = tensor(xs);
        const Y = tensor(ys, [n, 1]);
        let w = tensor([0, 0, 0], [3, 1]);
        const lossOf = grad((W) => mean(square(sub(matmul(X, W), Y))));
        for (let step = 0; step < 800; step++) {
          const next = tidy(() => sub(w, mul(lossOf(w), 0.2)));
          w.dispose();
          w = next;
        }
        expectClose(w, wStar, 0, 1e-4);
        for (const t of [X, Y, w]) t.dispose();
      });
    });

    it('with Variables, variableGrads and assign', () => {
      expectNoLeak(() => {
        const X = tensor(xs.map((r) => r.slice(0, 2)));
        const Y = tensor(ys, [n, 1]);
        const w = tidy(() => new Variable(tensor([0, 0], [2, 1]), { name: 'w' }));
        const b = tidy(() => new Variable(tensor([0]), { name: 'b' }));
        for (let step = 0; step < 800; step++) {
          tidy(() => {
            const { value, grads } = variableGrads(() => mean(square(sub(add(matmul(X, w), b), Y))));
            expect([...grads.keys()]).toEqual([w, b]); // matmul reads w before add reads b
            w.assign(sub(w, mul(grads.get(w)!, 0.2)));
            b.assign(sub(b, mul(grads.get(b)!, 0.2)));
            return value;
          }).dispose();
        }
        expectClose([...values(w), ...values(b)], wStar, 0, 1e-4);
        for (const t of [X, Y, w, b]) t.dispose();
      });
    });
  });
});
