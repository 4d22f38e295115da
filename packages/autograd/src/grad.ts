import { engine, ones, reshape, Tensor, tidy, viewOf, zeros } from '@nabla/tensor';
import { activeTapes, Collector, keyOf, Tape, withHook } from './tape.js';
import { Variable } from './variable.js';

const fmt = (t: Tensor): string => `[${t.shape.join(',')}] ${t.dtype}`;

function checkSource(op: string, x: unknown, i: number): Tensor {
  if (!(x instanceof Tensor)) throw new TypeError(`${op}: argument ${i} must be a Tensor, got ${x === null ? 'null' : typeof x}`);
  if (x.dtype !== 'float32') {
    throw new TypeError(`${op}: argument ${i} is ${fmt(x)}; gradients exist only for float32 tensors (cast it first)`);
  }
  return x;
}

interface RunOptions {
  op: string;
  sources: readonly Tensor[];
  dy?: Tensor | undefined;
  keepValue: boolean;
  /** Differentiate every trainable Variable f reads (variableGrads without a list). */
  autoVariables?: boolean;
}

interface RunResult {
  value: Tensor;
  grads: Tensor[];
  sources: readonly Tensor[];
}

/**
 * The one grad routine: records f on a fresh tape, runs backward from dy (ones for a
 * scalar), and frees every tensor f and backward created except the value (if kept)
 * and the gradients, plus the tape's saved handles.
 */
function run(f: (...xs: Tensor[]) => unknown, opts: RunOptions): RunResult {
  const { op } = opts;
  const keepSet = new Set<Tensor>();
  let tapeOf: Tape | undefined;
  engine.startScope();
  try {
    // one tensor passed as two arguments: each argument gets its own gradient, so the
    // repeat becomes a (recorded, copy-free) view of its own
    const args = opts.sources.map((x, i) => (opts.sources.indexOf(x) < i ? reshape(x, x.shape) : x));
    const tape = new Tape(args, opts.autoVariables);
    tapeOf = tape;
    const y = withHook(tape, () => f(...args));
    if (!(y instanceof Tensor)) throw new TypeError(`${op}: f must return a Tensor, got ${y === null ? 'null' : typeof y}`);
    if (y.dtype !== 'float32') throw new TypeError(`${op}: f returned ${fmt(y)}; only a float32 result can be differentiated`);
    const sources = opts.autoVariables ? tape.readVariables : args;
    const collector = new Collector();
    const grads = withHook(collector, () => {
      let dy = opts.dy;
      if (dy === undefined) {
        if (y.size !== 1) {
          throw new Error(
            `${op}: f returned a tensor of shape [${y.shape.join(',')}], not a scalar; pass the upstream gradient dy (a tensor of that shape) to differentiate it`,
          );
        }
        dy = ones(y.shape);
        collector.created.add(dy);
      } else if (!(dy instanceof Tensor) || dy.dtype !== 'float32' || dy.rank !== y.rank || dy.shape.some((d, i) => d !== y.shape[i])) {
        throw new TypeError(`${op}: dy must be a float32 tensor of f's output shape [${y.shape.join(',')}], got ${dy instanceof Tensor ? fmt(dy) : typeof dy}`);
      }
      const byKey = tape.backward(y, dy, collector.created);
      const out: Tensor[] = [];
      for (const s of sources) {
        let g = byKey.get(keyOf(s));
        if (!g) {
          g = zeros(s.shape); // f does not use s
        } else if (!collector.created.has(g) || out.includes(g)) {
          // a user's dy passed straight through, or one tensor answering for two sources:
          // give each its own (recorded) view so each can be disposed on its own
          g = reshape(g, g.shape);
        }
        out.push(g);
      }
      return out;
    });
    for (const g of grads) keepSet.add(g);
    if (opts.keepValue) keepSet.add(y);
    return { value: y, grads, sources };
  } finally {
    tapeOf?.dispose();
    engine.endScope(keepSet);
  }
}

/** A trailing `{ dy }` argument of `grads` / `valueAndGrads`. */
export interface DyOption {
  dy: Tensor;
}

function splitArgs(op: string, args: readonly (Tensor | DyOption)[]): { xs: Tensor[]; dy: Tensor | undefined } {
  const last = args[args.length - 1];
  const hasDy = last !== undefined && !(last instanceof Tensor) && typeof last === 'object' && last !== null && 'dy' in last;
  const xs = (hasDy ? args.slice(0, -1) : args).map((x, i) => checkSource(op, x, i));
  return { xs, dy: hasDy ? (last as DyOption).dy : undefined };
}

/**
 * The gradient of a scalar-valued f with respect to its argument (pass `dy` for a
 * non-scalar f: the gradient of sum(f(x) * dy)).
 * @example const dsin = grad((x) => sum(sin(x))); dsin(x) // cos(x)
 */
export function grad(f: (x: Tensor) => Tensor): (x: Tensor, dy?: Tensor) => Tensor {
  return (x, dy) => run(f, { op: 'grad', sources: [checkSource('grad', x, 0)], dy, keepValue: false }).grads[0]!;
}

/**
 * One gradient per argument of a scalar-valued f; a final `{ dy }` argument sets the
 * upstream gradient of a non-scalar f.
 * @example const [da, db] = grads((a, b) => sum(mul(a, b)))(a, b); // [b, a]
 */
export function grads(f: (...xs: Tensor[]) => Tensor): (...args: (Tensor | DyOption)[]) => Tensor[] {
  return (...args) => {
    const { xs, dy } = splitArgs('grads', args);
    return run(f, { op: 'grads', sources: xs, dy, keepValue: false }).grads;
  };
}

/**
 * f(x) and its gradient in one pass.
 * @example const { value, grad } = valueAndGrad((x) => sum(square(x)))(x);
 */
export function valueAndGrad(f: (x: Tensor) => Tensor): (x: Tensor, dy?: Tensor) => { value: Tensor; grad: Tensor } {
  return (x, dy) => {
    const r = run(f, { op: 'valueAndGrad', sources: [checkSource('valueAndGrad', x, 0)], dy, keepValue: true });
    return { value: r.value, grad: r.grads[0]! };
  };
}

/**
 * f(...xs) and one gradient per argument (a final `{ dy }` argument as in `grads`).
 * @example const { value, grads: [da, db] } = valueAndGrads((a, b) => sum(mul(a, b)))(a, b);
 */
export function valueAndGrads(f: (...xs: Tensor[]) => Tensor): (...args: (Tensor | DyOption)[]) => { value: Tensor; grads: Tensor[] } {
  return (...args) => {
    const { xs, dy } = splitArgs('valueAndGrads', args);
    const r = run(f, { op: 'valueAndGrads', sources: xs, dy, keepValue: true });
    return { value: r.value, grads: r.grads };
  };
}

/**
 * The value of a scalar-valued f and its gradient with respect to Variables: `vars`, or by
 * default every trainable float32 Variable that f read.
 * @example
 * const { value: loss, grads } = variableGrads(() => mean(square(sub(matmul(x, w), y))));
 * w.assign(tidy(() => sub(w, mul(grads.get(w)!, 0.1))));
 */
export function variableGrads(f: () => Tensor, vars?: readonly Variable[]): { value: Tensor; grads: Map<Variable, Tensor> } {
  if (vars) {
    vars.forEach((v, i) => {
      if (!(v instanceof Variable)) throw new TypeError(`variableGrads: vars[${i}] is not a Variable`);
      checkSource('variableGrads', v, i);
    });
  }
  const r = run(() => f(), { op: 'variableGrads', sources: vars ? [...new Set(vars)] : [], keepValue: true, autoVariables: !vars });
  const out = new Map<Variable, Tensor>();
  r.sources.forEach((v, i) => out.set(v as Variable, r.grads[i]!));
  return { value: r.value, grads: out };
}

/** What `customGrad`'s f receives last: saves tensors for the gradient function. */
export type SaveFn = (tensors: readonly Tensor[]) => void;

/** What `customGrad`'s f returns. */
export interface CustomGradResult {
  value: Tensor;
  /** dy -> one gradient per input (a single tensor for a one-input f); receives what f saved. */
  gradFunc: (dy: Tensor, saved: Tensor[]) => Tensor | readonly Tensor[];
}

/**
 * Gives f a user-defined gradient (as tfjs' customGrad): f(...xs, save) returns
 * `{ value, gradFunc }`. Its inner ops are not recorded and their intermediates are
 * freed; tensors passed to `save` stay available to gradFunc.
 * @example
 * // square with its gradient clipped to [-1, 1]
 * const sq = customGrad((x: Tensor, save: SaveFn) => {
 *   save([x]);
 *   return { value: square(x), gradFunc: (dy, [x0]) => clip(mul(mul(dy, x0!), 2), -1, 1) };
 * });
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function customGrad(f: (...args: any[]) => CustomGradResult): (...xs: Tensor[]) => Tensor {
  return (...xs) => {
    xs.forEach((x, i) => {
      if (!(x instanceof Tensor)) throw new TypeError(`customGrad: argument ${i} must be a Tensor`);
    });
    const tapes = activeTapes().filter((t) => t.paused === 0);
    const saved: Tensor[] = [];
    const save: SaveFn = (ts) => {
      for (const t of ts) saved.push(t);
    };
    const collector = new Collector();
    let gradFunc: CustomGradResult['gradFunc'] | undefined;
    for (const t of tapes) t.paused++;
    let value: Tensor;
    try {
      [value] = withHook(collector, () =>
        tidy(() => {
          const r = f(...xs, save);
          if (!r || !(r.value instanceof Tensor) || typeof r.gradFunc !== 'function') {
            throw new TypeError('customGrad: f must return { value: Tensor, gradFunc: (dy, saved) => Tensor | Tensor[] }');
          }
          gradFunc = r.gradFunc;
          return [r.value, ...saved];
        }),
      ) as [Tensor];
    } finally {
      for (const t of tapes) t.paused--;
    }
    // the node's output must be a tensor of its own, not one of its inputs
    if (xs.includes(value)) value = viewOf(value, value.shape, value.strides, value.offset);
    const gf = gradFunc!;
    for (const tape of tapes) {
      tape.recordCustom(xs, value, saved, (dy, handles) => {
        const r = gf(dy, handles);
        const list = r instanceof Tensor ? [r] : [...r];
        if (list.length !== xs.length) throw new Error(`customGrad: gradFunc returned ${list.length} gradients for ${xs.length} inputs`);
        return list;
      });
    }
    // the tapes hold their own handles: free what f made for them
    for (const t of saved) if (t !== value && collector.created.has(t)) t.dispose();
    return value;
  };
}
