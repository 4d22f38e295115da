import { COLORS } from '../lib/colors.ts';
import { showError, useCpu } from '../lib/cpu.ts';
import { fitCanvas } from '../lib/plot.ts';
import { Racer, RACERS } from '../lib/race.ts';
import { SURFACES, type Surface } from '../lib/surfaces.ts';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const canvas = $<HTMLCanvasElement>('race');
const select = $<HTMLSelectElement>('surface');
const status = $('status');
const tbody = $('racers');
const lrInputs = new Map<string, HTMLInputElement>();

for (const s of SURFACES) select.add(new Option(s.label, s.id));
for (const k of RACERS) {
  const tr = document.createElement('tr');
  tr.dataset.racer = k.id;
  tr.innerHTML = `<th scope="row"><span class="swatch" style="background:${k.color}"></span>${k.label}</th>` +
    `<td><input type="number" step="any" min="0" aria-label="${k.label} learning rate" id="lr-${k.id}" /></td><td data-steps>0</td><td data-loss>–</td>`;
  tbody.append(tr);
  lrInputs.set(k.id, tr.querySelector('input')!);
}

const surface = (): Surface => SURFACES.find((s) => s.id === select.value)!;
function defaultRates(): void {
  for (const k of RACERS) lrInputs.get(k.id)!.value = String(surface().lr[k.id]);
}

/** The background: log-scaled loss as grey levels (darker is lower), cached per surface and size. */
let background: { key: string; image: ImageData } | null = null;
function draw(racers: readonly Racer[]): void {
  const { ctx, w, h } = fitCanvas(canvas);
  const s = surface();
  const X = (x: number) => ((x - s.x[0]) / (s.x[1] - s.x[0])) * w;
  const Y = (y: number) => h - ((y - s.y[0]) / (s.y[1] - s.y[0])) * h;
  const key = `${s.id}:${canvas.width}x${canvas.height}`;
  if (background?.key !== key) {
    const W = canvas.width, H = canvas.height;
    const vals = new Float32Array(W * H);
    let lo = Infinity, hi = -Infinity;
    for (let j = 0; j < H; j++) for (let i = 0; i < W; i++) {
      const v = s.value(s.x[0] + ((i + 0.5) / W) * (s.x[1] - s.x[0]), s.y[1] - ((j + 0.5) / H) * (s.y[1] - s.y[0]));
      vals[j * W + i] = v;
      lo = Math.min(lo, v); hi = Math.max(hi, v);
    }
    const image = new ImageData(W, H);
    for (let k = 0; k < vals.length; k++) {
      const t = Math.log1p(vals[k]! - lo) / Math.log1p(hi - lo);
      const band = Math.floor(t * 24) % 2 === 0 ? 0 : 8; // contour bands
      const g = 150 + Math.round(t * 95) - band;
      image.data.set([g, g, Math.min(255, g + 10), 255], k * 4);
    }
    background = { key, image };
  }
  ctx.putImageData(background.image, 0, 0);
  ctx.lineWidth = 2.5;
  for (const r of racers) {
    ctx.strokeStyle = r.kind.color;
    ctx.beginPath();
    r.path.forEach(([x, y], i) => (i ? ctx.lineTo(X(x), Y(y)) : ctx.moveTo(X(x), Y(y))));
    ctx.stroke();
    const [x, y] = r.path[r.path.length - 1]!;
    ctx.fillStyle = r.kind.color;
    ctx.beginPath(); ctx.arc(X(x), Y(y), 4, 0, 2 * Math.PI); ctx.fill();
  }
  ctx.fillStyle = COLORS[6];
  ctx.beginPath(); ctx.arc(X(s.start[0]), Y(s.start[1]), 5, 0, 2 * Math.PI); ctx.fill();
  canvas.dataset.paths = String(racers.filter((r) => r.path.length > 1).length);
}

let run = 0;
let racers: Racer[] = [];
async function race(): Promise<void> {
  const id = ++run;
  for (const r of racers) r.dispose();
  const s = surface();
  racers = RACERS.map((k) => new Racer(k, s, Number(lrInputs.get(k.id)!.value) || s.lr[k.id]!));
  const steps = Math.max(1, Math.min(2000, Number($<HTMLInputElement>('steps').value) || 300));
  canvas.dataset.done = 'false';
  status.textContent = `Racing ${steps} steps on the ${s.id}…`;
  const t0 = performance.now();
  for (let done = 0; done < steps && id === run; ) {
    const chunk = Math.min(5, steps - done);
    for (let k = 0; k < chunk; k++) for (const r of racers) await r.step();
    done += chunk;
    draw(racers);
    for (const r of racers) {
      const tr = tbody.querySelector<HTMLElement>(`tr[data-racer="${r.kind.id}"]`)!;
      tr.querySelector('[data-steps]')!.textContent = String(r.path.length - 1);
      tr.querySelector('[data-loss]')!.textContent = r.escaped ? 'diverged' : r.loss.toPrecision(4);
      tr.dataset.points = String(r.path.length);
    }
    await new Promise((res) => requestAnimationFrame(res));
  }
  if (id !== run) return;
  canvas.dataset.done = 'true';
  status.textContent = `${steps} steps of 6 optimizers on the ${s.id} in ${((performance.now() - t0) / 1000).toFixed(1)} s (nabla, cpu backend).`;
}

async function main(): Promise<void> {
  await useCpu();
  defaultRates();
  select.addEventListener('change', () => { defaultRates(); void race().catch((e) => showError(status, e)); });
  $('run').addEventListener('click', () => void race().catch((e) => showError(status, e)));
  $('reset-lr').addEventListener('click', defaultRates);
  window.addEventListener('resize', () => draw(racers));
  document.body.dataset.ready = 'true';
  await race();
}

main().catch((e) => showError(status, e));
