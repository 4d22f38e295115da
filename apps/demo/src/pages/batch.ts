import { COLORS } from '../lib/colors.ts';
import { showError } from '../lib/cpu.ts';
import { linePlot, type Series } from '../lib/plot.ts';
import type { FromWorker, ToWorker } from '../lib/protocol.ts';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const status = $('status');
const runBtn = $<HTMLButtonElement>('run');
const NAMES = ['full batch', 'mini-batch', 'batch size 1'];

interface Run { steps: number[]; ms: number[]; loss: number[]; smooth: number[] }
let runs: Run[] = [];

const worker = new Worker(new URL('../worker/worker.ts', import.meta.url), { type: 'module' });
const send = (m: ToWorker) => worker.postMessage(m);

let queued = false;
function draw(): void {
  if (queued) return;
  queued = true;
  requestAnimationFrame(() => {
    queued = false;
    // batch losses of small batches are noisy: plot an exponential moving average (raw for the full batch)
    const by = (x: 'steps' | 'ms'): Series[] => runs.map((r, i) => ({ label: NAMES[i]!, color: COLORS[i]!, xs: r[x], ys: i === 0 ? r.loss : r.smooth }));
    linePlot($<HTMLCanvasElement>('by-step'), by('steps'), { xLog: true, xLabel: 'step', yLabel: 'loss' });
    linePlot($<HTMLCanvasElement>('by-time'), by('ms'), { xLabel: 'ms', yLabel: 'loss' });
  });
}

worker.onmessage = (e: MessageEvent<FromWorker>) => {
  const m = e.data;
  if (m.type === 'compare-progress') {
    const r = (runs[m.run] ??= { steps: [], ms: [], loss: [], smooth: [] });
    for (const p of m.points) {
      const prev = r.smooth[r.smooth.length - 1];
      r.steps.push(p.step); r.ms.push(p.ms); r.loss.push(p.loss);
      r.smooth.push(prev === undefined ? p.loss : 0.97 * prev + 0.03 * p.loss);
    }
    status.textContent = `Training: ${NAMES[m.run]}, step ${r.steps[r.steps.length - 1] ?? 0}…`;
    draw();
  } else if (m.type === 'compare-done') {
    const tr = document.createElement('tr');
    tr.dataset.run = String(m.run);
    tr.innerHTML = `<th scope="row"><span class="swatch" style="background:${COLORS[m.run]}"></span>${m.label}</th><td>${m.batchSize}</td>` +
      `<td data-steps>${m.steps}</td><td>${Math.round(m.ms)} ms</td><td data-loss="${m.finalLoss}">${m.finalLoss.toFixed(4)}</td>`;
    $('results').append(tr);
    if (m.run === 2) {
      status.textContent = 'Done: same epochs, very different numbers of steps and wall time (nabla, cpu backend, in a Web Worker).';
      runBtn.disabled = false;
      document.body.dataset.done = 'true';
    }
  } else if (m.type === 'error') {
    showError(status, new Error(m.message));
    runBtn.disabled = false;
  }
};

function start(): void {
  runs = [];
  $('results').replaceChildren();
  runBtn.disabled = true;
  document.body.dataset.done = 'false';
  status.classList.remove('error');
  const val = (id: string, d: number) => { const v = Number($<HTMLInputElement>(id).value); return Number.isFinite(v) && v > 0 ? v : d; };
  send({ type: 'compare', epochs: Math.round(val('epochs', 20)), miniBatch: Math.round(val('mini', 32)), learningRate: val('lr', 0.05) });
}

runBtn.addEventListener('click', start);
document.body.dataset.ready = 'true';
start();
