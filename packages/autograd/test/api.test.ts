import {
  add, cast, concat, engine, exp, gather, matmul, max, mean, memory, mul, prod, relu, reshape, sin, softmax, square, sub, sum, tensor, tidy,
  where, greater, type Tensor,
} from '@nabla/tensor';
import { describe, expect, it } from 'vitest';
import {
  customGrad, grad, grads, noGrad, RULES, ruleCount, stopGradient, valueAndGrad, valueAndGrads, Variable, variableGrads,
} from '../src/index.js';
import { expectClose, expectNoLeak, useCpu, values } from './setup.js';

useCpu();

describe('grad / grads / valueAndGrad', () => {
  it('grad of a scalar function', () => {
    expectNoLeak(() => {
      const x = tensor([0.5, 1, 2]);
      const g = grad((v) => sum(mul(v, v)))(x);
      expectClose(g, [1, 2, 4]);
      x.dispose();
      g.dispose();
    });
  });

  it('valueAndGrad returns f(x) too', () => {
    expectNoLeak(() => {
      const x = tensor([1, 2]);
      const { value, grad: g } = valueAndGrad((v) => sum(square(v)))(x);
      expectClose(value, [5]);
      expectClose(g, [2, 4]);
      for (const t of [x, value, g]) t.dispose();
    });
  });

  it('a non-scalar f needs dy: the error names the shape', () => {
    expectNoLeak(() => {
      const x = tensor([1, 2, 3]);
      expect(() => grad((v) => mul(v, 2))(x)).toThrow(/shape \[3\], not a scalar; pass the upstream gradient dy/);
      x.dispose();
    });
  });

  it('dy weights a non-scalar f (grad and grads forms)', () => {
    expectNoLeak(() => {
      const x = tensor([1, 2, 3]);
      const dy = tensor([1, 10, 100]);
      const g = grad((v) => square(v))(x, dy);
      expectClose(g, [2, 40, 600]);
      const [g2] = grads((v) => mul(v, 3))(x, { dy });
      expectClose(g2!, [3, 30, 300]);
      const { value, grads: [g3] } = valueAndGrads((v) => v)(x, { dy });
      expect(value).toBe(x); // f returned its input: the value is that tensor
      expectClose(g3!, [1, 10, 100]);
      expect(g3).not.toBe(dy); // a gradient of its own, not the caller's dy
      const wrong = tensor([1, 2]);
      expect(() => grad((v) => square(v))(x, wrong)).toThrow(/dy must be a float32 tensor of f's output shape \[3\]/);
      for (const t of [x, dy, g, g2!, g3!, wrong]) t.dispose();
    });
  });

  it('non-float inputs are a TypeError; non-tensor results too', () => {
    expectNoLeak(() => {
      const i = tensor(new Int32Array([1, 2]));
      const x = tensor([1, 2]);
      expect(() => grad((v) => sum(v))(i)).toThrow(TypeError);
      expect(() => grad((v) => sum(v))(i)).toThrow(/int32.*float32/);
      expect(() => grads((a, b) => sum(add(a, b)))(x, i)).toThrow(/argument 1 is \[2\] int32/);
      expect(() => grad(() => 3 as unknown as Tensor)(x)).toThrow(/must return a Tensor/);
      expect(() => grad((v) => cast(sum(v), 'int32'))(x)).toThrow(/only a float32 result/);
      i.dispose();
      x.dispose();
    });
  });

  it('an argument f does not use gets zeros of its shape', () => {
    expectNoLeak(() => {
      const a = tensor([1, 2]);
      const b = tensor([[1, 2, 3]]);
      const [ga, gb] = grads((u) => sum(square(u)))(a, b);
      expectClose(ga!, [2, 4]);
      expect(gb!.shape).toEqual([1, 3]);
      expectClose(gb!, [0, 0, 0]);
      const [gc] = grads(() => tensor(1))(a);
      expectClose(gc!, [0, 0]);
      for (const t of [a, b, ga!, gb!, gc!]) t.dispose();
    });
  });

  it('fan-out accumulates: d/dx (x·sin x + x) = sin x + x cos x + 1', () => {
    expectNoLeak(() => {
      const xv = [-1, 0.5, 2];
      const x = tensor(xv);
      const g = grad((v) => sum(add(mul(v, sin(v)), v)))(x);
      expectClose(g, xv.map((v) => Math.sin(v) + v * Math.cos(v) + 1), 1e-5);
      const g2 = grad((v) => sum(add(v, v)))(x); // the same tensor twice in one op
      expectClose(g2, [2, 2, 2]);
      const [p, q] = grads((a, b) => sum(add(a, b)))(x, x); // one tensor passed as two arguments
      expectClose(p!, [1, 1, 1]);
      expectClose(q!, [1, 1, 1]);
      expect(p).not.toBe(q);
      for (const t of [x, g, g2, p!, q!]) t.dispose();
    });
  });

  it('integer tensors get no gradient (gather indices, casts from int)', () => {
    expectNoLeak(() => {
      const x = tensor([10, 20, 30]);
      const idx = tensor(new Int32Array([2, 0, 2]));
      const g = grad((v) => sum(mul(gather(v, idx), tensor([1, 2, 3]))))(x);
      expectClose(g, [2, 0, 4]); // index 2 picked twice: 1 + 3
      // cast to int32 and back: the int path carries no gradient, the float path does
      const g2 = grad((v) => sum(add(v, cast(cast(v, 'int32'), 'float32'))))(x);
      expectClose(g2, [1, 1, 1]);
      for (const t of [x, idx, g, g2]) t.dispose();
    });
  });

  it('max/min route dy to the maximum, ties split evenly; prod handles zeros', () => {
    expectNoLeak(() => {
      const x = tensor([[1, 3, 3], [5, 2, 4]]);
      const g = grad((v) => sum(max(v, 1)))(x);
      expectClose(g, [0, 0.5, 0.5, 1, 0, 0]);
      const z = tensor([[2, 0, 3], [0, 0, 4], [1, 2, 3]]);
      const gp = grad((v) => sum(prod(v, 1)))(z);
      expectClose(gp, [0, 6, 0, 0, 0, 0, 6, 3, 2]);
      for (const t of [x, g, z, gp]) t.dispose();
    });
  });

  it('relu at 0 and where route gradients by mask', () => {
    expectNoLeak(() => {
      const x = tensor([-1, 0, 2]);
      const g = grad((v) => sum(relu(v)))(x);
      expectClose(g, [0, 0, 1]);
      const g2 = grad((v) => sum(where(greater(v, 0), mul(v, 3), square(v))))(x);
      expectClose(g2, [-2, 0, 3]);
      for (const t of [x, g, g2]) t.dispose();
    });
  });

  it('softmax through concat/reshape/matmul composes', () => {
    expectNoLeak(() => {
      const x = tensor([[1, 2], [3, 4]]);
      const w = tensor([[0.5], [-1]]);
      const { value, grads: [gx, gw] } = valueAndGrads((a, b) =>
        sum(mul(softmax(reshape(concat([matmul(a, b), a], 1), [2, 3])), tensor([1, 2, 3]))))(x, w);
      expect(gx!.shape).toEqual([2, 2]);
      expect(gw!.shape).toEqual([2, 1]);
      expect(values(value)[0]).toBeGreaterThan(0);
      for (const t of [x, w, value, gx!, gw!]) t.dispose();
    });
  });
});

describe('the tape', () => {
  it('records nothing outside grad calls', () => {
    expect(engine.hooks.length).toBe(0);
    const x = tensor([1, 2]);
    grad((v) => {
      expect(engine.hooks.length).toBe(1);
      return sum(v);
    })(x).dispose();
    expect(engine.hooks.length).toBe(0);
    expect(() => grad(() => { throw new Error('boom'); })(x)).toThrow('boom');
    expect(engine.hooks.length).toBe(0);
    x.dispose();
  });

  it('frees everything f and backward made, even when f tidies and disposes on its own', () => {
    const x = tensor([[0.1, 0.2], [0.3, 0.4]]);
    const before = memory();
    const g = grad((v) => {
      const h = tidy(() => exp(matmul(v, v)));
      const s = softmax(h);
      h.dispose(); // the tape kept its own handle
      return mean(s);
    })(x);
    expect(memory().numTensors).toBe(before.numTensors + 1);
    g.dispose();
    expect(memory()).toEqual(before);
    // an error inside f frees everything too
    expect(() => grad((v) => { exp(v); throw new Error('late'); })(x)).toThrow('late');
    expect(memory()).toEqual(before);
    x.dispose();
  });

  it('keeps working when the user disposes an input inside f', () => {
    expectNoLeak(() => {
      const x = tensor([1, 2, 3]);
      const g = grad((v) => {
        const sq = square(v);
        const out = sum(mul(sq, v));
        sq.dispose();
        return out;
      })(x);
      expectClose(g, [3, 12, 27]);
      x.dispose();
      g.dispose();
    });
  });

  it('has one rule table covering unary, binary and reduce ops', () => {
    const { total, byPrim } = ruleCount();
    expect(Object.keys(RULES).sort()).toEqual(
      [
        'binary', 'broadcastTo', 'cast', 'concat', 'gather', 'lstmCell', 'matmul', 'maxPool2d', 'maxPool2dGrad', 'pad', 'reduce', 'reluGrad', 'reshape',
        'scatterAdd', 'slice', 'softmax', 'transpose', 'unary', 'where', 'windows', 'windowsGrad',
      ],
    );
    expect(byPrim.unary).toBe(19);
    expect(byPrim.binary).toBe(8);
    expect(byPrim.reduce).toBe(4);
    expect(total).toBe(49);
  });
});

describe('Variable', () => {
  it('is a tensor that survives tidy and can be assigned', () => {
    expectNoLeak(() => {
      const v = tidy(() => new Variable(tensor([1, 2]), { name: 'v' }));
      expect(v.isDisposed).toBe(false);
      expect(v.name).toBe('v');
      expect(v.trainable).toBe(true);
      const id = v.id;
      const next = tensor([[5, 6]]);
      expect(() => v.assign(next)).toThrow(/expected shape \[2\] float32, got \[1,2\] float32/);
      const ints = tensor(new Int32Array([1, 2]));
      expect(() => v.assign(ints)).toThrow(/int32/);
      ints.dispose();
      tidy(() => v.assign(add(v, 10)));
      expect(v.id).toBe(id);
      expectClose(v, [11, 12]);
      const t = tensor([[1, 2], [3, 4]]);
      tidy(() => v.assign(reshape(t, [4]).slice([1], [2]))); // a view as the source is fine
      t.dispose();
      expectClose(v, [2, 3]);
      const w = add(v, 1);
      expectClose(w, [3, 4]);
      w.dispose();
      v.dispose();
      next.dispose();
    });
  });

  it('variableGrads differentiates every trainable Variable f read', () => {
    expectNoLeak(() => {
      // tidy frees the initial tensors; Variables survive it
      const [a, b, frozen, unused] = tidy(() => [
        new Variable(tensor([1, 2])), new Variable(tensor([3])), new Variable(tensor([10, 10]), { trainable: false }), new Variable(tensor([0])),
      ]) as [Variable, Variable, Variable, Variable];
      const { value, grads } = variableGrads(() => sum(mul(add(mul(a, b), frozen), a)));
      // f = Σ (a·b + c)·a: ∂/∂a = 2ab + c, ∂/∂b = Σ a²
      expect(new Set(grads.keys())).toEqual(new Set([a, b])); // in first-read order: b is broadcast first
      expectClose(grads.get(a)!, [16, 22]);
      expectClose(grads.get(b)!, [5]);
      expectClose(value, [1 * 3 * 1 + 10 + 4 * 3 + 20]);
      const explicit = variableGrads(() => sum(mul(a, frozen)), [frozen, unused]);
      expect([...explicit.grads.keys()]).toEqual([frozen, unused]);
      expectClose(explicit.grads.get(frozen)!, [1, 2]);
      expectClose(explicit.grads.get(unused)!, [0]);
      expect(() => variableGrads(() => mul(a, 2))).toThrow(/not a scalar/);
      for (const t of [value, ...grads.values(), explicit.value, ...explicit.grads.values(), a, b, frozen, unused]) t.dispose();
    });
  });

  it('a Variable assigned inside f keeps the value the tape recorded', () => {
    expectNoLeak(() => {
      const w = tidy(() => new Variable(tensor([2])));
      const x = tensor([3]);
      const g = grad((v) => {
        const y = mul(v, w);
        tidy(() => w.assign(add(w, 100)));
        return sum(y);
      })(x);
      expectClose(g, [2]);
      for (const t of [w, x, g]) t.dispose();
    });
  });
});

describe('noGrad, stopGradient, customGrad', () => {
  it('noGrad pauses recording: its results are constants', () => {
    expectNoLeak(() => {
      const x = tensor([1, 2]);
      const g = grad((v) => sum(mul(v, noGrad(() => square(v)))))(x);
      expectClose(g, [1, 4]); // d/dx (x · c) with c = x² held constant
      const inner = noGrad(() => grad((v) => sum(square(v)))(x)); // a grad inside noGrad still works
      expectClose(inner, [2, 4]);
      for (const t of [x, g, inner]) t.dispose();
    });
  });

  it('stopGradient blocks the gradient', () => {
    expectNoLeak(() => {
      const x = tensor([1, 2]);
      const g = grad((v) => sum(mul(v, stopGradient(v))))(x);
      expectClose(g, [1, 2]);
      for (const t of [x, g]) t.dispose();
    });
  });

  it('customGrad uses the user gradient, and saved tensors reach it', () => {
    expectNoLeak(() => {
      // value x², but the gradient is declared as 10·dy·x (saved)
      const weird = customGrad((x: Tensor, save: (ts: Tensor[]) => void) => {
        save([x]);
        return { value: square(x), gradFunc: (dy: Tensor, [sx]: Tensor[]) => mul(mul(dy, sx!), 10) };
      });
      const x = tensor([1, 2]);
      const g = grad((v) => sum(weird(v)))(x);
      expectClose(g, [10, 20]);
      // a two-input custom op, with an intermediate saved inside f
      const both = customGrad((a: Tensor, b: Tensor, save: (ts: Tensor[]) => void) => {
        const e = exp(a);
        save([e]);
        return { value: mul(e, b), gradFunc: (dy: Tensor, [se]: Tensor[]) => [mul(dy, se!), mul(dy, 0)] };
      });
      const b = tensor([3, 4]);
      const [ga, gb] = grads((p, q) => sum(both(p, q)))(x, b);
      expectClose(ga!, [Math.E, Math.E ** 2], 1e-5);
      expectClose(gb!, [0, 0]);
      // outside grad it is just f's value, with no intermediates left behind
      const before = memory().numTensors;
      const out = both(x, b);
      expect(memory().numTensors).toBe(before + 1);
      expectClose(out, [3 * Math.E, 4 * Math.E ** 2], 1e-5);
      const bad = customGrad((p: Tensor) => ({ value: square(p), gradFunc: (dy: Tensor) => [dy, dy] }));
      expect(() => grad((v) => sum(bad(v)))(x)).toThrow(/2 gradients for 1 inputs/);
      for (const t of [x, g, b, ga!, gb!, out]) t.dispose();
    });
  });
});

describe('tensor use after a grad', () => {
  it('returned gradients are independent tensors', () => {
    expectNoLeak(() => {
      const x = tensor([1, 2, 3]);
      const g = grad((v) => sum(v))(x);
      expectClose(g, [1, 1, 1]);
      const h = sub(g, 1);
      g.dispose();
      expectClose(h, [0, 0, 0]);
      for (const t of [x, h]) t.dispose();
    });
  });
});
