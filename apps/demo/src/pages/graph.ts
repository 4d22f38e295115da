import { showError, useCpu } from '../lib/cpu.ts';
import { APPLE_GRAPH, APPLE_INPUTS, evaluateGraph, formatNumber, SQUARE_GRAPH, SQUARE_INPUTS, type GraphNode } from '../lib/graph-model.ts';
import { GraphView, type GraphLayout } from '../lib/graph-view.ts';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

function button(label: string, onClick: () => void, secondary = false): HTMLButtonElement {
  const b = document.createElement('button');
  b.type = 'button';
  b.textContent = label;
  if (secondary) b.className = 'secondary';
  b.addEventListener('click', onClick);
  return b;
}

/** One interactive graph: editable inputs, step buttons, the SVG and a table of the inputs' gradients. */
async function mount(prefix: string, nodes: readonly GraphNode[], defaults: Record<string, number>, layout: GraphLayout): Promise<void> {
  const inputs = { ...defaults };
  const view = new GraphView($(`${prefix}-svg`) as unknown as SVGSVGElement, nodes, layout, $(`${prefix}-step`));
  const table = $(`${prefix}-grads`);
  const out = nodes[nodes.length - 1]!;
  const update = async () => {
    const result = await evaluateGraph(nodes, inputs);
    view.setResult(result);
    table.replaceChildren(...nodes.filter((n) => !n.op).map((n) => {
      const tr = document.createElement('tr');
      const g = result.grads.get(n.id)!;
      tr.innerHTML = `<th scope="row">∂(${out.id === 'total' ? 'price' : out.id})/∂(${n.label})</th><td data-node="${n.id}" data-grad="${g}">${formatNumber(g)}</td>`;
      return tr;
    }));
  };
  for (const n of nodes.filter((m) => !m.op)) {
    const label = document.createElement('label');
    label.textContent = n.label;
    const input = document.createElement('input');
    input.type = 'number';
    input.step = 'any';
    input.value = String(defaults[n.id]);
    input.id = `${prefix}-in-${n.id}`;
    input.addEventListener('input', () => {
      const v = Number(input.value);
      if (input.value === '' || !Number.isFinite(v)) return;
      inputs[n.id] = v;
      update().catch((e) => showError($(`${prefix}-step`), e));
    });
    label.append(input);
    $(`${prefix}-inputs`).append(label);
  }
  $(`${prefix}-buttons`).append(
    button('◀ Back', () => view.show(view.shown - 1), true),
    button('Step ▶', () => view.show(view.shown + 1)),
    button('Show all', () => view.show(view.totalSteps)),
    button('Reset', () => view.show(0), true),
  );
  await update();
}

async function main(): Promise<void> {
  await useCpu();
  await mount('apple', APPLE_GRAPH, APPLE_INPUTS, {
    pos: { apple: [70, 50], count: [70, 130], tax: [70, 215], subtotal: [300, 90], total: [480, 150] },
    end: [620, 150],
  });
  await mount('sq', SQUARE_GRAPH, SQUARE_INPUTS, { pos: { x: [70, 50], y: [70, 170], s: [290, 110], z: [470, 110] }, end: [620, 110] });
  document.body.dataset.ready = 'true';
}

main().catch((e) => showError($('apple-step'), e));
