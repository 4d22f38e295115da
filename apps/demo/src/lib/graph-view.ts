import { formatNumber, type GraphNode, type GraphResult } from './graph-model.ts';

/** Where each node sits in the SVG's viewBox, and where the output edge ends. */
export interface GraphLayout {
  pos: Record<string, readonly [number, number]>;
  end: readonly [number, number];
}

interface Edge {
  from: string;
  to: string | null;
}

const NS = 'http://www.w3.org/2000/svg';

function el<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number>, text?: string): SVGElementTagNameMap[K] {
  const e = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  if (text !== undefined) e.textContent = text;
  return e;
}

/**
 * Draws a computational graph and reveals it step by step: first every edge's forward value
 * (in topological order), then every edge's gradient ∂out/∂(edge value), in reverse.
 */
export class GraphView {
  private readonly edges: Edge[] = [];
  private result: GraphResult | null = null;
  shown = 0;

  constructor(private readonly svg: SVGSVGElement, private readonly nodes: readonly GraphNode[], private readonly layout: GraphLayout, private readonly stepText: HTMLElement) {
    for (const n of nodes) for (const a of n.args ?? []) this.edges.push({ from: a, to: n.id });
    this.edges.push({ from: nodes[nodes.length - 1]!.id, to: null });
  }

  /** Forward steps, then backward steps. */
  get totalSteps(): number {
    return this.edges.length * 2;
  }

  private label(id: string): string {
    return this.nodes.find((n) => n.id === id)!.label;
  }

  setResult(result: GraphResult): void {
    this.result = result;
    this.render();
  }

  show(steps: number): void {
    this.shown = Math.max(0, Math.min(this.totalSteps, steps));
    this.render();
  }

  private describe(): string {
    const r = this.result!;
    const E = this.edges.length;
    if (this.shown === 0) return 'Press Step to run the forward pass.';
    if (this.shown <= E) {
      const e = this.edges[this.shown - 1]!;
      return `Forward ${this.shown}/${E}: ${this.label(e.from)} = ${formatNumber(r.values.get(e.from)!)}${e.to ? ` flows into ${this.label(e.to)}` : ' is the output'}.`;
    }
    const k = this.shown - E;
    const e = this.edges[E - k]!;
    return `Backward ${k}/${E}: ∂out/∂(${this.label(e.from)}) = ${formatNumber(r.grads.get(e.from)!)}.`;
  }

  private render(): void {
    const r = this.result;
    if (!r) return;
    const svg = this.svg;
    svg.replaceChildren();
    const defs = el('defs', {});
    const marker = el('marker', { id: `${svg.id}-arrow`, viewBox: '0 0 10 10', refX: 10, refY: 5, markerWidth: 8, markerHeight: 8, orient: 'auto-start-reverse' });
    marker.append(el('path', { d: 'M0,0 L10,5 L0,10 z', fill: '#555' }));
    defs.append(marker);
    svg.append(defs);
    const E = this.edges.length;
    this.edges.forEach((e, i) => {
      const [x1, y1] = this.layout.pos[e.from]!;
      const [x2, y2] = e.to ? this.layout.pos[e.to]! : this.layout.end;
      const sx = x1 + (this.nodes.find((n) => n.id === e.from)!.op ? 22 : 50);
      const ex = x2 - (e.to ? 22 : 0);
      svg.append(el('line', { x1: sx, y1, x2: ex, y2, stroke: '#555', 'stroke-width': 2, 'marker-end': `url(#${svg.id}-arrow)` }));
      const mx = (sx + ex) / 2;
      const my = (y1 + y2) / 2;
      if (this.shown > i) {
        svg.append(el('text', { x: mx, y: my - 8, 'text-anchor': 'middle', 'font-size': 15, fill: '#1a1a1a', 'data-forward': e.from }, formatNumber(r.values.get(e.from)!)));
      }
      if (this.shown >= 2 * E - i) {
        svg.append(el('text', { x: mx, y: my + 20, 'text-anchor': 'middle', 'font-size': 15, 'font-weight': 600, fill: '#b3261e', 'data-grad': e.from }, formatNumber(r.grads.get(e.from)!)));
      }
    });
    for (const n of this.nodes) {
      const [x, y] = this.layout.pos[n.id]!;
      if (n.op) {
        svg.append(el('circle', { cx: x, cy: y, r: 22, fill: '#fff', stroke: '#13294b', 'stroke-width': 2 }));
        svg.append(el('text', { x, y: y + 6, 'text-anchor': 'middle', 'font-size': 17 }, n.label));
      } else {
        svg.append(el('rect', { x: x - 50, y: y - 16, width: 100, height: 32, rx: 6, fill: '#e8eef8', stroke: '#13294b' }));
        svg.append(el('text', { x, y: y + 5, 'text-anchor': 'middle', 'font-size': 13 }, n.label));
      }
    }
    this.stepText.textContent = this.describe();
    svg.dataset.shown = String(this.shown);
  }
}
