/** Messages between the pages and the training worker. */
export type BackendChoice = 'auto' | 'webgpu' | 'cpu';

export interface TrainRequest {
  type: 'train';
  spec: string;
  backend: BackendChoice;
  samples: number;
  epochs: number;
  batchSize: number;
  learningRate: number;
}

export interface CompareRequest {
  type: 'compare';
  epochs: number;
  miniBatch: number;
  learningRate: number;
}

export type ToWorker =
  | { type: 'init'; dataUrl: string }
  | { type: 'summary'; spec: string }
  | TrainRequest
  | { type: 'pause' }
  | { type: 'resume' }
  | { type: 'stop' }
  | { type: 'predict'; pixels: Float32Array }
  | { type: 'sample' }
  | CompareRequest;

export interface ComparePoint {
  step: number;
  ms: number;
  loss: number;
}

export type FromWorker =
  | { type: 'summary'; text: string; params: number }
  | { type: 'backend'; name: string; label: string }
  | { type: 'status'; text: string }
  | { type: 'batch'; step: number; steps: number; epoch: number; epochs: number; loss: number; accuracy: number; samplesPerSec: number }
  | { type: 'epoch'; epoch: number; testLoss: number; testAccuracy: number }
  | { type: 'done'; samplesPerSec: number; seconds: number; samples: number; stopped: boolean }
  | { type: 'probs'; probs: number[] }
  | { type: 'sample'; pixels: Float32Array; label: number }
  | { type: 'compare-progress'; run: number; points: ComparePoint[] }
  | { type: 'compare-done'; run: number; label: string; batchSize: number; steps: number; ms: number; finalLoss: number }
  | { type: 'error'; message: string };
