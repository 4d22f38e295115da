import { BaseRNN, isSymbolic, Layer, uniqueLayerName, type LayerShape, type Node, type SymbolicInput, type SymbolicTensor } from '@nabla/layers';
import type { Optimizer } from '@nabla/optimizers';
import { reshape, tidy, type Tensor } from '@nabla/tensor';
import { Trainer } from './engine.js';
import type { IOHandler, SaveResult } from './io/types.js';
import type { SaveOptions } from './save.js';
import { functionalConfig, functionalFromConfig, type FunctionalConfig } from './functional-config.js';
import { flatten, type TensorStruct } from './structure.js';
import { formatSummary, type SummaryRow } from './summary.js';

/** What a model built on `outputs` of type O returns: one Tensor for one output, a list for a list. */
export type ModelOutput<O> = O extends readonly unknown[] ? Tensor[] : Tensor;

/** What `apply` on symbolic tensors returns: the structure of the model's outputs. */
export type SymbolicModelOutput<O> = O extends readonly unknown[] ? SymbolicTensor[] : SymbolicTensor;

export interface ModelArgs<O extends SymbolicTensor | readonly SymbolicTensor[]> {
  /** The model's inputs: Input layers (or their `.output`), one or a list. */
  inputs: SymbolicInput | readonly SymbolicInput[];
  /** Symbolic tensors computed from the inputs, one or a list (predict returns the same structure). */
  outputs: O;
  /** Default `'functional'` made unique (`'functional_1'`, ...). */
  name?: string;
}

/**
 * A model defined by a graph of layer calls (Keras' functional API): apply layers to an `Input`'s
 * symbolic output, then `new Model({ inputs, outputs })`. Several inputs and outputs, shared layers
 * (a layer applied twice keeps one set of weights) and merges are supported; the model trains with
 * the same compile / fit / evaluate / predict as Sequential, with losses and metrics per output.
 *
 * @example
 * const inp = new Input({ shape: [784] });
 * const hidden = new Dense({ units: 64, activation: 'relu' }).apply(inp);
 * const out = new Dense({ units: 10, activation: 'softmax' }).apply(hidden);
 * const model = new Model({ inputs: inp, outputs: out });
 * model.compile({ optimizer: 'adam', loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] });
 */
export class Model<O extends SymbolicTensor | readonly SymbolicTensor[] = SymbolicTensor | readonly SymbolicTensor[]> extends Trainer {
  /** The class name saved with the architecture (Keras 3's `Functional`). */
  readonly className = 'Functional';
  readonly name: string;
  readonly layers: Layer[];
  readonly inputs: SymbolicTensor[];
  readonly outputs: SymbolicTensor[];
  /** The non-Input nodes in execution (topological) order. */
  readonly nodes: Node[];
  private readonly singleInput: boolean;
  private readonly singleOutput: boolean;
  private readonly outNames: string[];

  constructor(args: ModelArgs<O>) {
    super();
    if (!args || typeof args !== 'object') throw new TypeError('Model: expected { inputs, outputs, name? }');
    this.name = args.name ?? uniqueLayerName('functional');
    const what = `Model '${this.name}'`;
    this.singleInput = !Array.isArray(args.inputs);
    this.singleOutput = !Array.isArray(args.outputs);
    this.inputs = (this.singleInput ? [args.inputs] : [...(args.inputs as SymbolicInput[])]).map((v, i) => {
      const t = v instanceof Layer ? v.output : v;
      if (!isSymbolic(t)) throw new TypeError(`${what}: inputs[${i}] must be an Input layer or its output, got ${v === null ? 'null' : typeof v}`);
      if (!t.node.isInput) throw new TypeError(`${what}: inputs[${i}] comes from layer '${t.node.layer.name}' (${t.node.layer.className}); model inputs must be Input layers`);
      return t;
    });
    if (this.inputs.length === 0) throw new TypeError(`${what}: at least one input is required`);
    const dupIn = this.inputs.find((t, i) => this.inputs.indexOf(t) !== i);
    if (dupIn) throw new Error(`${what}: the input '${dupIn.node.layer.name}' is given twice`);
    this.outputs = (this.singleOutput ? [args.outputs as SymbolicTensor] : [...(args.outputs as readonly SymbolicTensor[])]).map((t, i) => {
      if (!isSymbolic(t)) throw new TypeError(`${what}: outputs[${i}] must be a symbolic tensor (the result of layer.apply on an Input's output), got ${t === null ? 'null' : typeof t}`);
      return t;
    });
    if (this.outputs.length === 0) throw new TypeError(`${what}: at least one output is required`);
    this.nodes = topologicalNodes(this.outputs);
    const inputNodes = new Set(this.inputs.map((t) => t.node));
    for (const n of this.nodes) {
      if (n.isInput && !inputNodes.has(n)) {
        throw new Error(
          `${what}: graph disconnected: the outputs depend on Input '${n.layer.name}' (shape ${fmt(n.outputs[0]!.shape)}), which is not among the model inputs (${this.inputNames.join(', ')})`,
        );
      }
    }
    this.nodes = this.nodes.filter((n) => !n.isInput);
    const layers = [...this.inputs.map((t) => t.node.layer), ...this.nodes.map((n) => n.layer)];
    this.layers = layers.filter((l, i) => layers.indexOf(l) === i);
    const names = this.layers.map((l) => l.name);
    const clash = names.find((n, i) => names.indexOf(n) !== i);
    if (clash) throw new Error(`${what}: two different layers are named '${clash}'; layer names must be unique in a model`);
    // Keras names outputs after their layers; a layer giving two outputs gets a suffix on the repeats
    this.outNames = this.outputs.map((t, i) => {
      const base = t.node.layer.name;
      const before = this.outputs.slice(0, i).filter((u) => u.node.layer.name === base).length;
      return before === 0 ? base : `${base}_${before}`;
    });
  }

  get inputNames(): string[] {
    return this.inputs.map((t) => t.node.layer.name);
  }

  get outputNames(): string[] {
    return [...this.outNames];
  }

  /** The input shapes (batch as null), in input order. */
  get inputShapes(): LayerShape[] {
    return this.inputs.map((t) => [...t.shape]);
  }

  /** The output shapes (batch as null), in output order. */
  get outputShapes(): LayerShape[] {
    return this.outputs.map((t) => [...t.shape]);
  }

  protected declaredInputShapes(): (LayerShape | null)[] {
    return this.inputShapes;
  }

  protected inputSource(i: number): string {
    return `Input layer '${this.inputNames[i]}'`;
  }

  protected outputShapesFor(): LayerShape[] {
    return this.outputShapes;
  }

  /** Runs the graph: each node once, in topological order; intermediates are freed, the outputs belong to the caller. */
  protected forward(xs: readonly Tensor[], training: boolean): Tensor[] {
    if (xs.length !== this.inputs.length) throw new RangeError(`${this.name}: expected ${this.inputs.length} inputs, got ${xs.length}`);
    this.inputs.forEach((t, i) => t.node.layer.checkInputShape(xs[i]!.shape));
    return tidy(() => {
      const values = new Map<SymbolicTensor, Tensor>();
      this.inputs.forEach((t, i) => values.set(t, xs[i]!));
      for (const node of this.nodes) {
        const outs = node.layer.callNode(node, node.inputs.map((t) => values.get(t)!), { training });
        node.outputs.forEach((t, i) => values.set(t, outs[i]!));
      }
      // an output that is a model input, or repeated, gets its own view (so the caller may dispose each)
      return this.outputs.map((t, i) => {
        const v = values.get(t)!;
        const shared = xs.includes(v) || this.outputs.slice(0, i).some((u) => values.get(u) === v);
        return shared ? reshape(v, v.shape) : v;
      });
    });
  }

  /** Runs the model on a batch (Tensor, list, or record keyed by input name); the result belongs to the caller. */
  call(x: TensorStruct, opts: { training?: boolean } = {}): ModelOutput<O> {
    return this.shape(this.forward(flatten('call', 'x', x, this.inputNames) as Tensor[], opts.training ?? false));
  }

  /** Same as `call` (Keras' `model(x)`). */
  apply(x: TensorStruct, opts?: { training?: boolean }): ModelOutput<O>;
  /**
   * On symbolic tensors, nests this model in a bigger graph: its layer calls are replayed on the new
   * inputs (the same layer objects, so the weights are shared) and the outputs come back symbolic.
   */
  apply(x: SymbolicInput | readonly SymbolicInput[]): SymbolicModelOutput<O>;
  apply(x: TensorStruct | SymbolicInput | readonly SymbolicInput[], opts: { training?: boolean } = {}): ModelOutput<O> | SymbolicModelOutput<O> {
    const items = Array.isArray(x) ? (x as unknown[]) : [x];
    if (items.some((v) => v instanceof Layer || isSymbolic(v))) {
      const ins = items.map((v) => (v instanceof Layer ? v.output : v)) as SymbolicTensor[];
      if (!ins.every(isSymbolic)) throw new TypeError(`${this.name}.apply: cannot mix symbolic tensors and real tensors in one call`);
      if (ins.length !== this.inputs.length) throw new RangeError(`${this.name}.apply: the model takes ${this.inputs.length} inputs, got ${ins.length}`);
      const outs = replay(this, ins);
      return (this.singleOutput ? outs[0]! : outs) as SymbolicModelOutput<O>;
    }
    return this.call(x as TensorStruct, opts);
  }

  private shape(ts: Tensor[]): ModelOutput<O> {
    return (this.singleOutput ? ts[0]! : ts) as ModelOutput<O>;
  }

  /** The outputs for x, in batches (default 32), in inference mode: one Tensor, or a list for a list of outputs. */
  predict(x: TensorStruct, args: { batchSize?: number } = {}): ModelOutput<O> {
    return this.shape(this.predictData(x, args));
  }

  /** Inference on one batch. */
  predictOnBatch(x: TensorStruct): ModelOutput<O> {
    return this.shape(this.predictBatch(x));
  }

  /** Keras' summary table with a "Connected to" column (`layer[node][tensor]` of each inbound tensor). */
  summary(print: ((line: string) => void) | null = console.log): string {
    const nodesOf = (l: Layer): Node[] => l.inboundNodes.filter((n) => (n.isInput ? this.inputs.some((t) => t.node === n) : this.nodes.includes(n)));
    const localIndex = (n: Node): number => nodesOf(n.layer).indexOf(n);
    const rows: SummaryRow[] = this.layers.map((l) => {
      const nodes = nodesOf(l);
      const shapes = nodes.flatMap((n) => n.outputs.map((t) => t.shape));
      const same = shapes.every((s) => fmt(s) === fmt(shapes[0]!));
      const outputShape = nodes.length === 1 && shapes.length > 1 ? shapes : same ? shapes[0]! : 'multiple';
      const connected = nodes.flatMap((n) => n.inputs.map((t) => `${t.node.layer.name}[${localIndex(t.node)}][${t.index}]`));
      return { name: l.name, className: l.className, outputShape, params: l.countParams(), connected: connected.length ? connected : ['-'] };
    });
    const count = (n: number, l: Layer): number => n + l.weights.reduce((s, v) => s + v.size, 0);
    const trainable = this.trainableWeights.reduce((s, v) => s + v.size, 0);
    const total = this.layers.reduce(count, 0);
    const text = formatSummary(this.name, rows, trainable, total - trainable);
    print?.(text);
    return text;
  }

  /** The architecture as JSON (Keras' functional config: layers with inbound nodes, input and output layers). */
  getConfig(): FunctionalConfig {
    return functionalConfig(this, this.singleInput, this.singleOutput);
  }

  /** Rebuilds a model (fresh weights) from `getConfig()` output; layers are deserialized by class name. */
  static fromConfig<O extends SymbolicTensor | readonly SymbolicTensor[] = SymbolicTensor | readonly SymbolicTensor[]>(config: FunctionalConfig | Record<string, unknown>): Model<O> {
    // O only types predict's result: fromConfig(config) of a one-output model returns one Tensor at run time whatever O says
    return functionalFromConfig(config as FunctionalConfig, (args) => new Model(args as ModelArgs<O>));
  }

  /** The compile settings per output (for saving): `loss`/`metrics` as Sequential's for one output, records keyed by output name otherwise. */
  get compileConfig():
    | { optimizer: Optimizer; loss: string; metrics: string[] }
    | { optimizer: Optimizer; loss: Record<string, string | null>; lossWeights: Record<string, number>; metrics: Record<string, string[]> }
    | null {
    const c = this.compiledOutputs;
    if (!c) return null;
    const metricNames = (ids: readonly (string | { name: string })[]): string[] => ids.map((m) => (typeof m === 'string' ? m : m.name));
    if (c.outputs.length === 1) return { optimizer: c.optimizer, loss: c.outputs[0]!.lossName, metrics: metricNames(c.outputs[0]!.metricIds) };
    const outs = c.outputs;
    const rec = <T>(f: (o: (typeof outs)[number]) => T): Record<string, T> => Object.fromEntries(outs.map((o) => [o.name, f(o)]));
    return { optimizer: c.optimizer, loss: rec((o) => (o.loss ? o.lossName : null)), lossWeights: rec((o) => o.weight), metrics: rec((o) => metricNames(o.metricIds)) };
  }

  /** Saves through save.ts (which reads `getConfig()` and `className`). */
  async save(target: string | IOHandler, opts: SaveOptions = {}): Promise<SaveResult> {
    const { saveModel } = await import('./save.js');
    return saveModel(this as never, target, opts);
  }
}

/** Replays a model's calls on new symbolic inputs (checked against its input shapes); the matching outputs. */
function replay(model: Model, inputs: readonly SymbolicTensor[]): SymbolicTensor[] {
  const map = new Map<SymbolicTensor, SymbolicTensor>();
  model.inputs.forEach((t, i) => {
    model.inputs[i]!.node.layer.checkInputShape(inputs[i]!.shape);
    map.set(t, inputs[i]!);
  });
  for (const node of model.nodes) {
    const ins = node.inputs.map((t) => map.get(t)!);
    const main = ins.slice(0, node.call.count);
    let outs: SymbolicTensor[];
    if (node.call.kwargs.withState && node.layer instanceof BaseRNN) {
      outs = node.layer.applyWithState(main[0]!, { initialState: node.call.states ? ins.slice(node.call.count) : null });
    } else {
      outs = [node.call.list ? node.layer.apply(main) : node.layer.apply(main[0]!)];
    }
    node.outputs.forEach((t, i) => map.set(t, outs[i]!));
  }
  return model.outputs.map((t) => map.get(t)!);
}

/** Every node the outputs depend on, each after its inputs' nodes (depth-first, in output and argument order). */
function topologicalNodes(outputs: readonly SymbolicTensor[]): Node[] {
  const order: Node[] = [];
  const done = new Set<Node>();
  const visit = (n: Node): void => {
    if (done.has(n)) return;
    for (const t of n.inputs) visit(t.node);
    done.add(n);
    order.push(n);
  };
  for (const t of outputs) visit(t.node);
  return order;
}

function fmt(s: readonly (number | null)[]): string {
  return `[${s.map((d) => (d === null ? 'null' : d)).join(',')}]`;
}
