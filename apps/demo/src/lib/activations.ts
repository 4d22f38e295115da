import { grad } from '@nabla/autograd';
import { concat, fill, leakyRelu, linspace, relu, reshape, sigmoid, slice, softmax, sum, tanh, tensor, tidy, type Tensor } from '@nabla/tensor';

export interface Activation {
  id: string;
  label: string;
  f: (x: Tensor, alpha: number) => Tensor;
}

/** softmax over [x, 0, 1] per point: its first component, as a function of x. */
function softmaxFirst(x: Tensor): Tensor {
  const n = x.shape[0]!;
  const logits = concat([reshape(x, [n, 1]), fill([n, 1], 0), fill([n, 1], 1)], 1);
  return reshape(slice(softmax(logits, -1), [0, 0], [n, 1]), [n]);
}

export const ACTIVATIONS: readonly Activation[] = [
  { id: 'sigmoid', label: 'sigmoid', f: (x) => sigmoid(x) },
  { id: 'tanh', label: 'tanh', f: (x) => tanh(x) },
  { id: 'relu', label: 'ReLU', f: (x) => relu(x) },
  { id: 'leaky', label: 'LeakyReLU', f: (x, a) => leakyRelu(x, a) },
  { id: 'softmax', label: 'softmax([x, 0, 1])₀', f: (x) => softmaxFirst(x) },
];

/** f and its derivative on `n` points of [lo, hi]: values by nabla's ops, the derivative by autograd (grad of sum f, elementwise). */
export async function curve(act: Activation, alpha: number, lo = -6, hi = 6, n = 241): Promise<{ xs: Float32Array; ys: Float32Array; dys: Float32Array }> {
  const [x, y, dy] = tidy(() => {
    const xt = linspace(lo, hi, n);
    return [xt, act.f(xt, alpha), grad((v) => sum(act.f(v, alpha)))(xt)];
  });
  const out = { xs: (await x.data()) as Float32Array, ys: (await y.data()) as Float32Array, dys: (await dy.data()) as Float32Array };
  x.dispose(); y.dispose(); dy.dispose();
  return out;
}

/** ∂h_L/∂h₀ for h_l = f(h_{l-1}), for every depth L = 1..depth, by autograd. */
export async function depthGradients(f: (x: Tensor) => Tensor, depth: number, h0 = 0.5): Promise<number[]> {
  const out: number[] = [];
  for (let L = 1; L <= depth; L++) {
    const g = tidy(() => grad((x) => {
      let h = x;
      for (let l = 0; l < L; l++) h = f(h);
      return sum(h);
    })(tensor([h0])));
    out.push((await g.data())[0]!);
    g.dispose();
  }
  return out;
}
