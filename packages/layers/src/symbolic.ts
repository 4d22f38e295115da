import type { JsonObject, LayerShape } from './common.js';
import { fmtShape } from './common.js';
import type { Layer } from './layer.js';

/**
 * A placeholder for a tensor in a functional graph (Keras' `KerasTensor`): a shape with `null`
 * for unknown dimensions, and the layer call (`node`) that produces it. Applying a layer to
 * symbolic tensors records a `Node` and computes nothing; `Model({ inputs, outputs })` then runs
 * the recorded graph on real tensors.
 * @example const inp = new Input({ shape: [4] }); const h = new Dense({ units: 8 }).apply(inp); h.shape // [null, 8]
 */
export class SymbolicTensor {
  readonly isSymbolic = true as const;
  readonly dtype = 'float32' as const;
  constructor(
    readonly shape: LayerShape,
    /** The call that produces this tensor. */
    readonly node: Node,
    /** Which of the node's outputs this is. */
    readonly index: number,
  ) {}

  /** The layer that produces this tensor. */
  get sourceLayer(): Layer {
    return this.node.layer;
  }

  /** Keras' `keras_history`: `[layerName, nodeIndex, tensorIndex]`. */
  get history(): [string, number, number] {
    return [this.node.layer.name, this.node.index, this.index];
  }

  get rank(): number {
    return this.shape.length;
  }

  toString(): string {
    return `SymbolicTensor(${fmtShape(this.shape)}, from ${this.node.layer.name}[${this.node.index}][${this.index}])`;
  }
}

/**
 * One call of a layer in a graph (Keras' `Node`): the symbolic inputs it was applied to, how
 * (`list` for multi-input layers, `kwargs` for extra tensor arguments such as an RNN's
 * `initialState`), and the symbolic outputs. An Input layer owns one node without inputs.
 */
export class Node {
  readonly outputs: SymbolicTensor[];
  constructor(
    readonly layer: Layer,
    /** Position in `layer.inboundNodes`. */
    readonly index: number,
    /** Every symbolic input, flat: the main inputs first, then tensors passed through `kwargs`. */
    readonly inputs: readonly SymbolicTensor[],
    readonly call: NodeCall,
    outputShapes: readonly LayerShape[],
  ) {
    this.outputs = outputShapes.map((s, i) => new SymbolicTensor([...s], this, i));
  }

  /** Whether this is an Input layer's own node (a graph source). */
  get isInput(): boolean {
    return this.inputs.length === 0;
  }
}

/** How a node calls its layer (serialized with the node). */
export interface NodeCall {
  /** Number of main inputs; `list` means they were passed as an array (multi-input layers). */
  count: number;
  list: boolean;
  /** JSON options of the call; `withState` marks `BaseRNN.applyWithState` (outputs `[output, ...states]`). */
  kwargs: JsonObject;
  /** Number of `initialState` tensors following the main inputs. */
  states: number;
}

/** Whether `x` is a SymbolicTensor (works across package copies). */
export function isSymbolic(x: unknown): x is SymbolicTensor {
  return typeof x === 'object' && x !== null && (x as { isSymbolic?: unknown }).isSymbolic === true;
}
