import { COLORS } from '../lib/colors.ts';
import { showError } from '../lib/cpu.ts';
import { toMnist } from '../lib/digit.ts';
import { DrawPad } from '../lib/draw-pad.ts';
import { parseSpec, PRESETS } from '../lib/model-spec.ts';
import { linePlot } from '../lib/plot.ts';
import type { BackendChoice, FromWorker, ToWorker } from '../lib/protocol.ts';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const spec = $<HTMLTextAreaElement>('spec');
const status = $('train-status');
const trainBtn = $<HTMLButtonElement>('train-btn');
const pauseBtn = $<HTMLButtonElement>('pause-btn');
const stopBtn = $<HTMLButtonElement>('stop-btn');
const summaryBtn = $<HTMLButtonElement>('summary-btn');
const progress = $<HTMLProgressElement>('progress');
const pad = new DrawPad($<HTMLCanvasElement>('pad'));

/** What the page has seen, for the curious (and for the end-to-end test). */
const state = {
  backend: '',
  losses: [] as number[],
  accuracies: [] as number[],
  samplesPerSec: 0,
  done: false,
  probs: null as number[] | null,
  testAccuracy: NaN,
  errors: [] as string[],
};
(window as unknown as { nablaDemo: typeof state }).nablaDemo = state;

const worker = new Worker(new URL('../worker/worker.ts', import.meta.url), { type: 'module' });
const send = (m: ToWorker, transfer: Transferable[] = []) => worker.postMessage(m, transfer);
send({ type: 'init', dataUrl: new URL('./data/', document.baseURI).href });

let training = false;
function setTraining(on: boolean): void {
  training = on;
  trainBtn.disabled = on;
  summaryBtn.disabled = on;
  pauseBtn.disabled = !on;
  stopBtn.disabled = !on;
  pauseBtn.textContent = 'Pause';
  pauseBtn.setAttribute('aria-pressed', 'false');
}

let plotQueued = false;
function plot(): void {
  if (plotQueued) return;
  plotQueued = true;
  requestAnimationFrame(() => {
    plotQueued = false;
    const xs = state.losses.map((_, i) => i + 1);
    linePlot($<HTMLCanvasElement>('loss-plot'), [{ label: 'loss', color: COLORS[1], xs, ys: state.losses }], { xLabel: 'batch' });
    linePlot($<HTMLCanvasElement>('acc-plot'), [{ label: 'accuracy', color: COLORS[0], xs, ys: state.accuracies }], { xLabel: 'batch', yRange: [0, 1] });
  });
}

function showProbs(probs: number[]): void {
  const best = probs.indexOf(Math.max(...probs));
  $('probs').replaceChildren(...probs.map((p, d) => {
    const li = document.createElement('li');
    li.dataset.prob = String(p);
    li.innerHTML = `<span style="display:inline-block;width:4.5rem">${(p * 100).toFixed(1)}%</span>` +
      `<span aria-hidden="true" style="display:inline-block;height:0.8rem;width:${Math.max(1, p * 200)}px;background:${d === best ? COLORS[1] : COLORS[0]}"></span>`;
    return li;
  }));
  $('predict-status').textContent = `nabla says ${best} (${(probs[best]! * 100).toFixed(1)}%).`;
}

worker.onmessage = (e: MessageEvent<FromWorker>) => {
  const m = e.data;
  switch (m.type) {
    case 'summary': $('summary').textContent = m.text; break;
    case 'backend': state.backend = m.label; $('backend-used').textContent = m.label; break;
    case 'status': status.textContent = m.text; break;
    case 'batch':
      state.losses.push(m.loss);
      state.accuracies.push(m.accuracy);
      state.samplesPerSec = m.samplesPerSec;
      progress.value = ((m.epoch - 1) * m.steps + m.step) / (m.epochs * m.steps);
      $('speed').textContent = Math.round(m.samplesPerSec).toLocaleString('en');
      status.textContent = `Epoch ${m.epoch}/${m.epochs}, batch ${m.step}/${m.steps}: loss ${m.loss.toFixed(4)}, accuracy ${(m.accuracy * 100).toFixed(1)}%`;
      plot();
      break;
    case 'epoch':
      state.testAccuracy = m.testAccuracy;
      $('test-acc').textContent = `${(m.testAccuracy * 100).toFixed(2)}% after epoch ${m.epoch} (2,000 test digits)`;
      break;
    case 'done':
      state.samplesPerSec = m.samplesPerSec;
      state.done = true;
      $('speed').textContent = Math.round(m.samplesPerSec).toLocaleString('en');
      status.textContent = `${m.stopped ? 'Stopped' : 'Done'}: ${m.samples} samples in ${m.seconds.toFixed(1)} s of training, ${Math.round(m.samplesPerSec)} samples/s on ${state.backend}.`;
      setTraining(false);
      break;
    case 'probs': state.probs = m.probs; showProbs(m.probs); break;
    case 'sample':
      pad.show(m.pixels);
      $('predict-status').textContent = `A test digit labelled ${m.label}.`;
      send({ type: 'predict', pixels: m.pixels });
      break;
    case 'error':
      state.errors.push(m.message);
      showError(status, new Error(m.message));
      if (training) setTraining(false);
      break;
    default: break;
  }
};
worker.onerror = (e) => showError(status, new Error(e.message || 'the worker failed to start'));

function num(id: string, fallback: number): number {
  const v = Number($<HTMLInputElement>(id).value);
  return Number.isFinite(v) && v > 0 ? v : fallback;
}

function checkSpec(): boolean {
  try {
    parseSpec(spec.value);
    spec.removeAttribute('aria-invalid');
    return true;
  } catch (e) {
    spec.setAttribute('aria-invalid', 'true');
    showError(status, e);
    return false;
  }
}

spec.value = PRESETS.mlp;
$('preset-mlp').addEventListener('click', () => { spec.value = PRESETS.mlp; send({ type: 'summary', spec: spec.value }); });
$('preset-cnn').addEventListener('click', () => { spec.value = PRESETS.cnn; send({ type: 'summary', spec: spec.value }); });
summaryBtn.addEventListener('click', () => { if (checkSpec()) send({ type: 'summary', spec: spec.value }); });
trainBtn.addEventListener('click', () => {
  if (!checkSpec()) return;
  status.classList.remove('error');
  state.losses = []; state.accuracies = []; state.done = false; state.samplesPerSec = 0;
  progress.value = 0;
  setTraining(true);
  send({
    type: 'train', spec: spec.value, backend: $<HTMLSelectElement>('backend').value as BackendChoice,
    samples: num('samples', 2048), epochs: num('epochs', 1), batchSize: Math.round(num('batch', 64)), learningRate: num('lr', 0.001),
  });
});
pauseBtn.addEventListener('click', () => {
  const paused = pauseBtn.getAttribute('aria-pressed') !== 'true';
  send({ type: paused ? 'pause' : 'resume' });
  pauseBtn.setAttribute('aria-pressed', String(paused));
  pauseBtn.textContent = paused ? 'Resume' : 'Pause';
  if (paused) status.textContent = 'Paused.';
});
stopBtn.addEventListener('click', () => send({ type: 'stop' }));

const predict = () => {
  const pixels = toMnist(pad.ink(), pad.canvas.width);
  send({ type: 'predict', pixels }, [pixels.buffer]);
};
pad.onStrokeEnd = predict;
$('predict-btn').addEventListener('click', predict);
$('clear-btn').addEventListener('click', () => { pad.clear(); $('probs').replaceChildren(); $('predict-status').textContent = 'Draw a digit, then press Predict.'; });
$('sample-btn').addEventListener('click', () => send({ type: 'sample' }));

send({ type: 'summary', spec: spec.value });
document.body.dataset.ready = 'true';
