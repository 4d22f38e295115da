// Float64 references for the tests, hand-written from Keras 3's formulas (base_optimizer.py and
// each optimizer's update_step), kept independent of the implementation under test.

export type Vec = number[];
/** Per-variable state, created lazily by the update. */
export type State = Record<string, Vec>;

export interface RefOptions {
  lr: number | ((step: number) => number);
  weightDecay?: number | null;
  clipNorm?: number | null;
  clipValue?: number | null;
  globalClipNorm?: number | null;
  lossScaleFactor?: number | null;
}

/** One Keras update_step in float64: `it` is optimizer.iterations before the update (local_step = it + 1). */
export type RefUpdate = (w: Vec, g: Vec, lr: number, it: number, s: State, shared: Record<string, number>) => Vec;

const norm = (g: Vec): number => Math.sqrt(g.reduce((a, x) => a + x * x, 0));
export const zeros = (n: number): Vec => new Array<number>(n).fill(0);

/**
 * Runs `grads.length` steps of Keras' apply(): unscale, clip (clipnorm, else global_clipnorm,
 * else clipvalue), weight decay `w - w * wd * lr`, optional per-step hook, update_step per
 * variable with lr = schedule(iterations), then iterations += 1.
 */
export function runReference(
  initial: Vec[],
  grads: Vec[][],
  o: RefOptions,
  update: RefUpdate,
  beforeUpdates?: (shared: Record<string, number>, it: number) => void,
): Vec[] {
  const ws = initial.map((w) => [...w]);
  const states: State[] = initial.map(() => ({}));
  const shared: Record<string, number> = {};
  for (let it = 0; it < grads.length; it++) {
    const lr = typeof o.lr === 'number' ? o.lr : o.lr(it);
    let gs = grads[it]!.map((g) => [...g]);
    if (o.lossScaleFactor) gs = gs.map((g) => g.map((x) => x / o.lossScaleFactor!));
    if (o.clipNorm && o.clipNorm > 0) {
      const c = o.clipNorm;
      gs = gs.map((g) => {
        const n = norm(g);
        return g.map((x) => (x * c) / Math.max(n, c));
      });
    } else if (o.globalClipNorm && o.globalClipNorm > 0) {
      const c = o.globalClipNorm;
      const n = Math.sqrt(gs.reduce((a, g) => a + norm(g) ** 2, 0));
      const scale = c * Math.min(1 / n, 1 / c);
      gs = gs.map((g) => g.map((x) => x * scale));
    } else if (o.clipValue && o.clipValue > 0) {
      const c = o.clipValue;
      gs = gs.map((g) => g.map((x) => Math.min(Math.max(x, -c), c)));
    }
    if (o.weightDecay !== undefined && o.weightDecay !== null) {
      const wd = o.weightDecay;
      for (let k = 0; k < ws.length; k++) ws[k] = ws[k]!.map((x) => x - x * wd * lr);
    }
    beforeUpdates?.(shared, it);
    for (let k = 0; k < ws.length; k++) ws[k] = update(ws[k]!, gs[k]!, lr, it, states[k]!, shared);
  }
  return ws;
}

const map2 = (a: Vec, b: Vec, f: (x: number, y: number, i: number) => number): Vec => a.map((x, i) => f(x, b[i]!, i));

/** SGD: w -= lr*g; momentum: v = mu*v - lr*g, w += v; nesterov: w += mu*v - lr*g. */
export function sgdRef(momentum = 0, nesterov = false): RefUpdate {
  return (w, g, lr, _it, s) => {
    if (momentum === 0) return map2(w, g, (x, gi) => x - lr * gi);
    const v = (s['v'] ??= zeros(w.length));
    for (let i = 0; i < w.length; i++) v[i] = momentum * v[i]! - lr * g[i]!;
    return nesterov ? w.map((x, i) => x + momentum * v[i]! - lr * g[i]!) : w.map((x, i) => x + v[i]!);
  };
}

/** Adam with Keras' alpha = lr*sqrt(1-b2^t)/(1-b1^t) and w -= alpha*m/(sqrt(v)+eps). */
export function adamRef(beta1 = 0.9, beta2 = 0.999, eps = 1e-7, amsgrad = false): RefUpdate {
  return (w, g, lr, it, s) => {
    const t = it + 1;
    const m = (s['m'] ??= zeros(w.length));
    const v = (s['v'] ??= zeros(w.length));
    const vh = (s['vh'] ??= zeros(w.length));
    const alpha = (lr * Math.sqrt(1 - beta2 ** t)) / (1 - beta1 ** t);
    return w.map((x, i) => {
      m[i] = beta1 * m[i]! + (1 - beta1) * g[i]!;
      v[i] = beta2 * v[i]! + (1 - beta2) * g[i]! ** 2;
      vh[i] = Math.max(vh[i]!, v[i]!);
      const vv = amsgrad ? vh[i]! : v[i]!;
      return x - (alpha * m[i]!) / (Math.sqrt(vv) + eps);
    });
  };
}

/** RMSprop: eps inside the sqrt; centered subtracts the squared mean gradient; momentum accumulates increments. */
export function rmspropRef(rho = 0.9, momentum = 0, eps = 1e-7, centered = false): RefUpdate {
  return (w, g, lr, _it, s) => {
    const v = (s['v'] ??= zeros(w.length));
    const a = (s['a'] ??= zeros(w.length));
    const mom = (s['mom'] ??= zeros(w.length));
    return w.map((x, i) => {
      v[i] = rho * v[i]! + (1 - rho) * g[i]! ** 2;
      let den = v[i]! + eps;
      if (centered) {
        a[i] = rho * a[i]! + (1 - rho) * g[i]!;
        den = v[i]! - a[i]! ** 2 + eps;
      }
      const inc = (lr * g[i]!) / Math.sqrt(den);
      if (momentum > 0) {
        mom[i] = momentum * mom[i]! + inc;
        return x - mom[i]!;
      }
      return x - inc;
    });
  };
}

export function adagradRef(init = 0.1, eps = 1e-7): RefUpdate {
  return (w, g, lr, _it, s) => {
    const acc = (s['acc'] ??= w.map(() => init));
    return w.map((x, i) => {
      acc[i] = acc[i]! + g[i]! ** 2;
      return x - (lr * g[i]!) / Math.sqrt(acc[i]! + eps);
    });
  };
}

export function adadeltaRef(rho = 0.95, eps = 1e-7): RefUpdate {
  return (w, g, lr, _it, s) => {
    const eg = (s['eg'] ??= zeros(w.length));
    const ed = (s['ed'] ??= zeros(w.length));
    return w.map((x, i) => {
      eg[i] = rho * eg[i]! + (1 - rho) * g[i]! ** 2;
      const delta = (-Math.sqrt(ed[i]! + eps) * g[i]!) / Math.sqrt(eg[i]! + eps);
      ed[i] = rho * ed[i]! + (1 - rho) * delta ** 2;
      return x + lr * delta;
    });
  };
}

export function adamaxRef(beta1 = 0.9, beta2 = 0.999, eps = 1e-7): RefUpdate {
  return (w, g, lr, it, s) => {
    const t = it + 1;
    const m = (s['m'] ??= zeros(w.length));
    const u = (s['u'] ??= zeros(w.length));
    return w.map((x, i) => {
      m[i] = beta1 * m[i]! + (1 - beta1) * g[i]!;
      u[i] = Math.max(beta2 * u[i]!, Math.abs(g[i]!));
      return x - (lr / (1 - beta1 ** t)) * (m[i]! / (u[i]! + eps));
    });
  };
}

/** Nadam with Dozat's momentum cache: u_t = b1*(1 - 0.5*0.96^t); the product advances once per step (shared). */
export function nadamRef(beta1 = 0.9, beta2 = 0.999, eps = 1e-7): { update: RefUpdate; before: (shared: Record<string, number>, it: number) => void } {
  const u = (t: number): number => beta1 * (1 - 0.5 * 0.96 ** t);
  return {
    before: (shared, it) => {
      shared['uProduct'] = (shared['uProduct'] ?? 1) * u(it + 1);
    },
    update: (w, g, lr, it, s, shared) => {
      const t = it + 1;
      const m = (s['m'] ??= zeros(w.length));
      const v = (s['v'] ??= zeros(w.length));
      const up = shared['uProduct']!;
      const upNext = up * u(t + 1);
      return w.map((x, i) => {
        m[i] = beta1 * m[i]! + (1 - beta1) * g[i]!;
        v[i] = beta2 * v[i]! + (1 - beta2) * g[i]! ** 2;
        const mHat = (u(t + 1) * m[i]!) / (1 - upNext) + ((1 - u(t)) * g[i]!) / (1 - up);
        const vHat = v[i]! / (1 - beta2 ** t);
        return x - (lr * mHat) / (Math.sqrt(vHat) + eps);
      });
    },
  };
}
