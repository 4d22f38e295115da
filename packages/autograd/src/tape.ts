import { add, engine, keep, tidy, viewOf, type ApplyHook, type Tensor } from '@nabla/tensor';
import { ruleFor, type GradRule } from './rules.js';
import { Variable } from './variable.js';

/**
 * A tape saves its own handles (views) of the tensors backward needs, because ops, tidy()
 * and users free the originals. Every handle stands for its original: nested tapes key
 * gradients on the original, so an outer tape sees the ops of an inner backward (which
 * read handles) as ops on the very tensors it recorded, and grad(grad(f)) connects.
 */
const aliases = new WeakMap<Tensor, Tensor>();

/** The tensor a gradient is keyed on: the original behind a saved handle, else itself. */
export function keyOf(t: Tensor): Tensor {
  return aliases.get(t) ?? t;
}

interface Node {
  prim: string;
  rule: GradRule | undefined;
  attrs: Readonly<Record<string, unknown>>;
  /** Saved handles where the rule reads values; the originals otherwise (shape and dtype only). */
  inputs: Tensor[];
  keys: Tensor[];
  output: Tensor;
  outKey: Tensor;
}

/**
 * Records the primitives that depend on its sources while a grad call runs f. A node is
 * recorded only when the output is float32 and some input is watched (a source, or the
 * output of a recorded node), so integer/bool tensors never carry gradients.
 */
export class Tape implements ApplyHook {
  readonly differentiates = true;
  private readonly nodes: Node[] = [];
  private readonly watched = new Set<Tensor>();
  private readonly handles = new Map<Tensor, Tensor>();
  /** Trainable float32 Variables read while recording, in first-read order (autoVariables mode). */
  readonly readVariables: Variable[] = [];
  /** > 0 while noGrad() or customGrad() has paused recording. */
  paused = 0;

  /** `autoVariables`: also watch every trainable Variable an op reads (variableGrads without a list). */
  constructor(sources: readonly Tensor[], private readonly autoVariables = false) {
    for (const s of sources) this.watched.add(keyOf(s));
  }

  private isWatched(k: Tensor): boolean {
    if (this.watched.has(k)) return true;
    if (this.autoVariables && k instanceof Variable && k.trainable && k.dtype === 'float32') {
      this.watched.add(k);
      this.readVariables.push(k);
      return true;
    }
    return false;
  }

  /** True when a gradient reaching `t` would be wanted. */
  watches(t: Tensor): boolean {
    return this.isWatched(keyOf(t));
  }

  /** A handle of t that lives until this tape is disposed, whatever happens to t. */
  private save(t: Tensor): Tensor {
    let h = this.handles.get(t);
    if (!h) {
      h = keep(viewOf(t, t.shape, t.strides, t.offset));
      aliases.set(h, keyOf(t));
      this.handles.set(t, h);
    }
    return h;
  }

  record(prim: string, inputs: readonly Tensor[], attrs: Readonly<Record<string, unknown>>, output: Tensor): void {
    if (this.paused > 0) return;
    const keys = inputs.map(keyOf);
    let any = false;
    for (const k of keys) if (this.isWatched(k)) any = true; // no short-circuit: every read Variable is noted
    if (!any || output.dtype !== 'float32') return;
    const rule = ruleFor(prim, attrs);
    if (rule === null) return; // no gradient flows through this primitive: its output stays unwatched
    const saveIn = new Set(rule?.saveInputs ?? inputs.map((_, i) => i));
    this.push({
      prim,
      rule,
      attrs,
      inputs: inputs.map((t, i) => (saveIn.has(i) ? this.save(t) : t)),
      keys,
      output: rule === undefined || rule.saveOutput ? this.save(output) : output,
      outKey: keyOf(output),
    });
  }

  /** Records a customGrad call: `grad` maps dy to one gradient per input. */
  recordCustom(inputs: readonly Tensor[], output: Tensor, saved: readonly Tensor[], grad: (dy: Tensor, saved: Tensor[]) => readonly (Tensor | null)[]): void {
    if (this.paused > 0) return;
    const keys = inputs.map(keyOf);
    let any = false;
    for (const k of keys) if (this.isWatched(k)) any = true;
    if (!any || output.dtype !== 'float32') return;
    const handles = saved.map((t) => this.save(t));
    this.push({
      prim: 'customGrad',
      rule: { saveInputs: [], saveOutput: false, grad: (dy) => grad(dy, handles) },
      attrs: {},
      inputs: [...inputs],
      keys,
      output,
      outKey: keyOf(output),
    });
  }

  private push(node: Node): void {
    this.nodes.push(node);
    this.watched.add(node.outKey);
  }

  /**
   * Runs the rules in reverse, from `dy` at `y`, and returns the gradient of every watched
   * leaf (sources, read Variables) that received one, keyed by keyOf. Gradients of
   * intermediates are freed as soon as their node is done; `owned` says which tensors this
   * call created (the rest, e.g. a user's dy, are never freed here).
   */
  backward(y: Tensor, dy: Tensor, owned: ReadonlySet<Tensor>): Map<Tensor, Tensor> {
    const grads = new Map<Tensor, Tensor>();
    const refs = new Map<Tensor, number>();
    const hold = (k: Tensor, g: Tensor): void => {
      grads.set(k, g);
      refs.set(g, (refs.get(g) ?? 0) + 1);
    };
    const release = (g: Tensor): void => {
      const n = (refs.get(g) ?? 0) - 1;
      if (n > 0) {
        refs.set(g, n);
        return;
      }
      refs.delete(g);
      if (owned.has(g)) g.dispose();
    };
    hold(keyOf(y), dy);
    for (let i = this.nodes.length - 1; i >= 0; i--) {
      const node = this.nodes[i]!;
      const g = grads.get(node.outKey);
      if (!g) continue; // the output did not reach y
      grads.delete(node.outKey);
      const needs = node.inputs.map((t, j) => t.dtype === 'float32' && this.watched.has(node.keys[j]!));
      if (needs.some(Boolean)) {
        if (!node.rule) throw new Error(`autograd: no gradient rule for the primitive '${node.prim}'`);
        const rule = node.rule;
        const gs = tidy(() => rule.grad(g, node.inputs, node.output, node.attrs, needs) as (Tensor | null)[]);
        for (let j = 0; j < node.inputs.length; j++) {
          const gj = gs[j];
          if (!gj) continue;
          if (!needs[j]) {
            if (!refs.has(gj) && owned.has(gj)) gj.dispose();
            continue;
          }
          const x = node.inputs[j]!;
          if (gj.dtype !== 'float32' || gj.rank !== x.rank || gj.shape.some((d, a) => d !== x.shape[a])) {
            throw new Error(
              `autograd: the '${node.prim}' rule returned a gradient of ${fmtShapeOf(gj)} ${gj.dtype} for input ${j} of ${fmtShapeOf(x)} ${x.dtype}`,
            );
          }
          const k = node.keys[j]!;
          const prev = grads.get(k);
          if (prev) {
            hold(k, add(prev, gj)); // fan-out: contributions add up
            release(prev);
            if (!refs.has(gj) && owned.has(gj)) gj.dispose();
          } else {
            hold(k, gj);
          }
        }
      }
      release(g);
    }
    return grads;
  }

  /** Frees every handle this tape saved. */
  dispose(): void {
    for (const h of this.handles.values()) h.dispose();
    this.handles.clear();
    this.nodes.length = 0;
  }
}

const fmtShapeOf = (t: Tensor): string => `[${t.shape.join(',')}]`;

/** The recording tapes, innermost last. */
export function activeTapes(): Tape[] {
  return engine.hooks.filter((h): h is Tape => h instanceof Tape);
}

/** Notes every tensor an op produces while it is installed (what a grad call owns). */
export class Collector implements ApplyHook {
  readonly created = new Set<Tensor>();
  record(_prim: string, _inputs: readonly Tensor[], _attrs: Readonly<Record<string, unknown>>, output: Tensor): void {
    this.created.add(output);
  }
}

/** Installs `hook` while `fn` runs. */
export function withHook<T>(hook: ApplyHook, fn: () => T): T {
  engine.hooks.push(hook);
  try {
    return fn();
  } finally {
    const i = engine.hooks.lastIndexOf(hook);
    if (i >= 0) engine.hooks.splice(i, 1);
  }
}

/**
 * Runs `fn` without recording on any tape active now (a grad started inside still works).
 * @example const loss = noGrad(() => evaluate(model)); // nothing is taped
 */
export function noGrad<T>(fn: () => T): T {
  const tapes = activeTapes();
  for (const t of tapes) t.paused++;
  try {
    return fn();
  } finally {
    for (const t of tapes) t.paused--;
  }
}

/**
 * The same values as x, as a new view through which no gradient flows.
 * @example const target = stopGradient(q); // treated as a constant by grad
 */
export function stopGradient(x: Tensor): Tensor {
  return viewOf(x, x.shape, x.strides, x.offset);
}
