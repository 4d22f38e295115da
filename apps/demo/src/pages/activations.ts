import { relu, sigmoid, tanh } from '@nabla/tensor';
import { ACTIVATIONS, curve, depthGradients } from '../lib/activations.ts';
import { COLORS } from '../lib/colors.ts';
import { showError, useCpu } from '../lib/cpu.ts';
import { linePlot } from '../lib/plot.ts';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const status = $('status');
const alpha = $<HTMLInputElement>('alpha');
const depth = $<HTMLInputElement>('depth');
const grid = $('act-grid');

const canvases = new Map<string, HTMLCanvasElement>();
for (const act of ACTIVATIONS) {
  const card = document.createElement('section');
  card.className = 'card';
  const h = document.createElement('h3');
  h.textContent = act.label;
  h.id = `h-${act.id}`;
  const canvas = document.createElement('canvas');
  canvas.className = 'plot';
  canvas.id = `plot-${act.id}`;
  canvas.setAttribute('role', 'img');
  canvas.setAttribute('aria-label', `${act.label} (solid) and its derivative from autograd (dashed), x from −6 to 6`);
  card.append(h, canvas);
  grid.append(card);
  canvases.set(act.id, canvas);
}

async function drawCurves(): Promise<void> {
  const a = Number(alpha.value);
  $('alpha-out').textContent = a.toFixed(2);
  for (const act of ACTIVATIONS) {
    if (act.id !== 'leaky' && canvases.get(act.id)!.dataset.drawn) continue;
    const { xs, ys, dys } = await curve(act, a);
    linePlot(canvases.get(act.id)!, [
      { label: 'f(x)', color: COLORS[0], xs, ys },
      { label: "f'(x)", color: COLORS[1], xs, ys: dys, dashed: true },
    ], { xLabel: 'x' });
    canvases.get(act.id)!.dataset.drawn = 'true';
  }
}

const CHAINS = [
  { label: 'sigmoid', f: sigmoid, color: COLORS[1] },
  { label: 'tanh', f: tanh, color: COLORS[2] },
  { label: 'ReLU', f: relu, color: COLORS[0] },
];

async function drawDepth(): Promise<void> {
  const L = Number(depth.value);
  $('depth-out').textContent = String(L);
  const depths = Array.from({ length: L }, (_, i) => i + 1);
  const rows: string[] = [];
  const series = [];
  for (const c of CHAINS) {
    const g = await depthGradients(c.f, L);
    series.push({ label: c.label, color: c.color, xs: depths, ys: g.map((v) => Math.log10(Math.max(Math.abs(v), 1e-30))) });
    rows.push(`<tr><td><span class="swatch" style="background:${c.color}"></span>${c.label}</td><td data-grad="${g[L - 1]}">${g[L - 1]!.toExponential(3)}</td></tr>`);
  }
  linePlot($<HTMLCanvasElement>('depth-plot'), series, { xLabel: 'depth L', yLabel: 'log10 |dh_L/dh_0|' });
  $('depth-table').innerHTML = rows.join('');
}

async function main(): Promise<void> {
  const backend = await useCpu();
  await drawCurves();
  await drawDepth();
  status.textContent = `Computed by nabla on the ${backend} backend.`;
  document.body.dataset.ready = 'true';
  alpha.addEventListener('input', () => void drawCurves().catch((e) => showError(status, e)));
  depth.addEventListener('input', () => void drawDepth().catch((e) => showError(status, e)));
  let resize = 0;
  window.addEventListener('resize', () => {
    clearTimeout(resize);
    resize = window.setTimeout(() => {
      for (const c of canvases.values()) delete c.dataset.drawn;
      void drawCurves().then(drawDepth).catch((e) => showError(status, e));
    }, 150);
  });
}

main().catch((e) => showError(status, e));
