import { BaseRNN, deserializeLayer, Layer, serializeLayer, type Node, type SerializedLayer, type SymbolicInput, type SymbolicTensor } from '@nabla/layers';

/** A symbolic tensor in a config: Keras' `keras_history`, `[layerName, nodeIndex, tensorIndex]`. */
export type TensorRef = [layerName: string, nodeIndex: number, tensorIndex: number];

/** One call of a layer: its main input(s) (one ref, or a list for multi-input layers) and keyword tensors. */
export interface NodeConfig {
  args: TensorRef | TensorRef[];
  /** `withState: true` for `BaseRNN.applyWithState` (outputs `[output, ...states]`), with its `initialState` refs. */
  kwargs?: { withState?: boolean; initialState?: TensorRef[] };
}

/** A layer of a functional config: its serialized form plus the calls made in this model (none for Input layers). */
export interface FunctionalLayerConfig extends SerializedLayer {
  name: string;
  inboundNodes: NodeConfig[];
}

/**
 * `Model.getConfig()` (Keras' functional config, camelCase): node indices count only the calls
 * inside this model. `inputLayers`/`outputLayers` are one ref when the model was built from one
 * tensor, a list when from a list.
 */
// a type (not an interface) so it is assignable to Record<string, unknown>, as save.ts' SaveableModel wants
export type FunctionalConfig = {
  name: string;
  layers: FunctionalLayerConfig[];
  inputLayers: TensorRef | TensorRef[];
  outputLayers: TensorRef | TensorRef[];
};

/** What functionalConfig reads of a Model. */
interface GraphView {
  name: string;
  layers: Layer[];
  inputs: SymbolicTensor[];
  outputs: SymbolicTensor[];
  nodes: Node[];
}

export function functionalConfig(model: GraphView, singleInput: boolean, singleOutput: boolean): FunctionalConfig {
  const inModel = (n: Node): boolean => (n.isInput ? model.inputs.some((t) => t.node === n) : model.nodes.includes(n));
  const nodesOf = (l: Layer): Node[] => l.inboundNodes.filter(inModel);
  const ref = (t: SymbolicTensor): TensorRef => [t.node.layer.name, nodesOf(t.node.layer).indexOf(t.node), t.index];
  const layers = model.layers.map((l): FunctionalLayerConfig => ({
    ...serializeLayer(l),
    name: l.name,
    inboundNodes: nodesOf(l)
      .filter((n) => !n.isInput)
      .map((n) => {
        const main = n.inputs.slice(0, n.call.count).map(ref);
        const node: NodeConfig = { args: n.call.list ? main : main[0]! };
        if (n.call.kwargs.withState) node.kwargs = { withState: true, ...(n.call.states ? { initialState: n.inputs.slice(n.call.count).map(ref) } : {}) };
        return node;
      }),
  }));
  return {
    name: model.name,
    layers,
    inputLayers: singleInput ? ref(model.inputs[0]!) : model.inputs.map(ref),
    outputLayers: singleOutput ? ref(model.outputs[0]!) : model.outputs.map(ref),
  };
}

const isRef = (x: unknown): x is TensorRef => Array.isArray(x) && typeof x[0] === 'string';

/** Rebuilds the graph of a FunctionalConfig by replaying each layer's calls once their inputs exist. */
export function functionalFromConfig<M>(config: FunctionalConfig, make: (args: { inputs: SymbolicInput | SymbolicInput[]; outputs: SymbolicTensor | SymbolicTensor[]; name: string }) => M): M {
  const what = 'Model.fromConfig';
  if (!config || typeof config !== 'object' || !Array.isArray(config.layers)) throw new TypeError(`${what}: expected { name, layers, inputLayers, outputLayers }`);
  const layers = new Map<string, Layer>();
  for (const lc of config.layers) {
    const layer = deserializeLayer(lc as unknown as Record<string, unknown>);
    if (layers.has(layer.name)) throw new Error(`${what}: two layers are named '${layer.name}'`);
    layers.set(layer.name, layer);
  }
  // the outputs of each replayed call, keyed `${layer}#${node}`; an Input's node 0 exists from construction
  const made = new Map<string, SymbolicTensor[]>();
  for (const l of layers.values()) if (l.inboundNodes[0]?.isInput) made.set(`${l.name}#0`, l.inboundNodes[0].outputs);
  const resolve = (r: TensorRef): SymbolicTensor | undefined => made.get(`${r[0]}#${r[1]}`)?.[r[2]];
  const pending = config.layers.flatMap((lc) => (lc.inboundNodes ?? []).map((node, i) => ({ layer: layers.get(lc.name ?? (lc.config.name as string))!, index: i, node })));
  while (pending.length) {
    const before = pending.length;
    for (let k = 0; k < pending.length; k++) {
      const p = pending[k]!;
      // a layer's calls are replayed in order, so node indices match the saved ones
      if (pending.slice(0, k).some((q) => q.layer === p.layer)) continue;
      const args = isRef(p.node.args) ? [p.node.args] : p.node.args;
      const states = p.node.kwargs?.initialState ?? [];
      const ins = [...args, ...states].map(resolve);
      if (ins.some((t) => t === undefined)) continue;
      const main = ins.slice(0, args.length) as SymbolicTensor[];
      let outs: SymbolicTensor[];
      if (p.node.kwargs?.withState) {
        if (!(p.layer instanceof BaseRNN)) throw new TypeError(`${what}: layer '${p.layer.name}' (${p.layer.className}) has a withState call but is not recurrent`);
        outs = p.layer.applyWithState(main[0]!, { initialState: states.length ? (ins.slice(args.length) as SymbolicTensor[]) : null });
      } else {
        outs = [isRef(p.node.args) ? p.layer.apply(main[0]!) : p.layer.apply(main)];
      }
      made.set(`${p.layer.name}#${p.index}`, outs);
      pending.splice(k, 1);
      k--;
    }
    if (pending.length === before) {
      throw new Error(`${what}: cannot replay the calls of ${[...new Set(pending.map((p) => `'${p.layer.name}'`))].join(', ')}: their inputs are never produced (a missing layer or a cycle)`);
    }
  }
  const get = (r: TensorRef): SymbolicTensor => {
    const t = resolve(r);
    if (!t) throw new Error(`${what}: the tensor ${JSON.stringify(r)} is not produced by any layer of the config`);
    return t;
  };
  const inputs = isRef(config.inputLayers) ? get(config.inputLayers) : config.inputLayers.map(get);
  const outputs = isRef(config.outputLayers) ? get(config.outputLayers) : config.outputLayers.map(get);
  return make({ inputs, outputs, name: config.name });
}
