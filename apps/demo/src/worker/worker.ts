/**
 * The training worker: keeps nabla's heavy work (MNIST training, prediction, the batch-size
 * comparison) off the page's thread. One request at a time; pause/resume/stop and predict are
 * handled between batches.
 */
import type { Sequential } from '@nabla/models';
import { getBackend, memory, setBackend, tensor, tidy } from '@nabla/tensor';
import { inputShape, parseSpec } from '../lib/model-spec.ts';
import { MNIST_SUBSET, PIXELS } from '../lib/mnist-files.ts';
import type { FromWorker, ToWorker, TrainRequest } from '../lib/protocol.ts';
import { chooseBackend } from './backend.ts';
import { buildModel } from './build-model.ts';
import { compare } from './compare.ts';
import { digitsOnCpu, fetchMnist, type Digits, type MnistBytes } from './mnist.ts';
import { RunControl, train } from './train.ts';

const scope = self as unknown as { postMessage(m: FromWorker, transfer?: Transferable[]): void; onmessage: ((e: MessageEvent<ToWorker>) => void) | null };
const post = (m: FromWorker, transfer: Transferable[] = []) => scope.postMessage(m, transfer);

let dataUrl = '';
let bytes: Promise<MnistBytes> | null = null;
let model: Sequential | null = null;
let modelSpec = '';
/** The backend the model's weights live on (predict must run there). */
let modelBackend = 'cpu';
let control: RunControl | null = null;

const mnist = () => (bytes ??= fetchMnist(dataUrl));

async function summary(spec: string): Promise<void> {
  if (control) throw new Error('summary: a training run is in progress; stop it first');
  await setBackend('cpu');
  const m = buildModel(parseSpec(spec));
  try {
    post({ type: 'summary', text: m.summary(null), params: m.countParams() });
  } finally {
    m.dispose();
  }
}

async function startTraining(req: TrainRequest): Promise<void> {
  const specs = parseSpec(req.spec);
  post({ type: 'status', text: 'Loading MNIST…' });
  const raw = await mnist();
  const samples = Math.max(1, Math.min(MNIST_SUBSET.train, Math.floor(req.samples)));
  const shape = inputShape(specs);
  const data: Digits = await digitsOnCpu(raw.trainImages, raw.trainLabels, samples, shape);
  const test: Digits = await digitsOnCpu(raw.testImages, raw.testLabels, MNIST_SUBSET.test, shape);
  try {
    model?.dispose();
    model = null;
    const backend = await chooseBackend(req.backend);
    post({ type: 'backend', ...backend });
    modelBackend = backend.name;
    model = buildModel(specs, req.learningRate);
    modelSpec = req.spec;
    post({ type: 'summary', text: model.summary(null), params: model.countParams() });
    post({ type: 'status', text: `Training on ${samples} digits with the ${backend.name} backend…` });
    control = new RunControl();
    await train(model, data, test, { epochs: req.epochs, batchSize: req.batchSize, control, post });
  } finally {
    control = null;
    for (const t of [data.images, data.labels, test.images, test.labels]) t.dispose();
  }
}

async function predict(pixels: Float32Array): Promise<void> {
  if (!model) {
    // not trained yet: an untrained course network still answers (with ten near-equal guesses)
    await setBackend('cpu');
    modelBackend = 'cpu';
    post({ type: 'backend', name: 'cpu', label: 'cpu (untrained model)' });
    modelSpec = modelSpec || 'Flatten\nDense 256\nReLU\nDense 128\nReLU\nDense 10\nSoftmax';
    model = buildModel(parseSpec(modelSpec));
  }
  await setBackend(modelBackend);
  const shape = model.inputShape!.slice(1) as number[];
  const out = tidy(() => model!.predictOnBatch(tensor(pixels, [1, ...shape])));
  const probs = Array.from(await out.data());
  out.dispose();
  post({ type: 'probs', probs });
}

async function sample(): Promise<void> {
  const raw = await mnist();
  const i = Math.floor(Math.random() * MNIST_SUBSET.test);
  const pixels = new Float32Array(PIXELS);
  for (let k = 0; k < PIXELS; k++) pixels[k] = raw.testImages[i * PIXELS + k]! / 255;
  post({ type: 'sample', pixels, label: raw.testLabels[i]! }, [pixels.buffer]);
}

async function handle(msg: ToWorker): Promise<void> {
  switch (msg.type) {
    case 'init': dataUrl = msg.dataUrl; return;
    case 'summary': return summary(msg.spec);
    case 'train': return startTraining(msg);
    case 'pause': control?.pause(); return;
    case 'resume': control?.resume(); return;
    case 'stop': control?.stop(); return;
    case 'predict': return predict(msg.pixels);
    case 'sample': return sample();
    case 'compare': return compare(msg, post);
  }
}

scope.onmessage = (e) => {
  handle(e.data).catch((err: unknown) => {
    console.error(err);
    post({ type: 'error', message: `${(err as Error).message ?? String(err)} (backend ${getBackend().name}, ${memory().numTensors} live tensors)` });
  });
};
