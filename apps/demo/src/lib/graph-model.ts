import { grad } from '@nabla/autograd';
import { add, mul, scalar, square, tidy, type Tensor } from '@nabla/tensor';

/** A node of a small computational graph: an input, or an op on earlier nodes. */
export interface GraphNode {
  id: string;
  label: string;
  op?: 'mul' | 'add' | 'square';
  args?: readonly string[];
}

export interface GraphResult {
  /** Forward value of every node. */
  values: Map<string, number>;
  /** ∂output/∂node for every node (the output's own is 1). */
  grads: Map<string, number>;
}

const OPS = {
  mul: (a: Tensor, b: Tensor) => mul(a, b),
  add: (a: Tensor, b: Tensor) => add(a, b),
  square: (a: Tensor) => square(a),
} as const;

/** Evaluates the graph with nabla's ops; a node in `fixed` takes that tensor instead of being computed. */
function forward(nodes: readonly GraphNode[], inputs: Record<string, number>, fixed: Map<string, Tensor>): Map<string, Tensor> {
  const out = new Map<string, Tensor>();
  for (const n of nodes) {
    const given = fixed.get(n.id);
    if (given) out.set(n.id, given);
    else if (!n.op) out.set(n.id, scalar(inputs[n.id] ?? 0));
    else {
      const args = n.args!.map((a) => out.get(a)!);
      out.set(n.id, n.op === 'square' ? OPS.square(args[0]!) : OPS[n.op](args[0]!, args[1]!));
    }
  }
  return out;
}

/**
 * Forward values by nabla's tensor ops; for every node, ∂(last node)/∂(node) by @nabla/autograd:
 * the node's value becomes the argument of grad() and everything downstream of it is recomputed.
 */
export async function evaluateGraph(nodes: readonly GraphNode[], inputs: Record<string, number>): Promise<GraphResult> {
  const outId = nodes[nodes.length - 1]!.id;
  const values = new Map<string, number>();
  const grads = new Map<string, number>();
  // tidy keeps what it returns only in arrays and plain objects, so the Map travels as entries
  const fwd = new Map(tidy(() => [...forward(nodes, inputs, new Map()).entries()]));
  for (const [id, t] of fwd) values.set(id, (await t.data())[0]!);
  for (const n of nodes) {
    const g = tidy(() => grad((v) => forward(nodes, inputs, new Map([[n.id, v]])).get(outId)!)(fwd.get(n.id)!));
    grads.set(n.id, (await g.data())[0]!);
    g.dispose();
  }
  for (const t of fwd.values()) t.dispose();
  return { values, grads };
}

/** Float32 noise removed for display: 2.2000000476837 → "2.2". */
export function formatNumber(v: number): string {
  return String(+v.toPrecision(6));
}

export const APPLE_GRAPH: readonly GraphNode[] = [
  { id: 'apple', label: 'apple price' },
  { id: 'count', label: 'apple count' },
  { id: 'tax', label: 'tax' },
  { id: 'subtotal', label: '×', op: 'mul', args: ['apple', 'count'] },
  { id: 'total', label: '×', op: 'mul', args: ['subtotal', 'tax'] },
];
export const APPLE_INPUTS = { apple: 100, count: 2, tax: 1.1 };

export const SQUARE_GRAPH: readonly GraphNode[] = [
  { id: 'x', label: 'x' },
  { id: 'y', label: 'y' },
  { id: 's', label: '+', op: 'add', args: ['x', 'y'] },
  { id: 'z', label: '**2', op: 'square', args: ['s'] },
];
export const SQUARE_INPUTS = { x: 1, y: 2 };
