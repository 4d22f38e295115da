import type { Better } from '../stats.js';

export type WorkloadId = 'matmul' | 'elementwise' | 'conv2d' | 'mlp-train' | 'predict' | 'cnn-train' | 'lstm-train';

export const WORKLOAD_IDS: readonly WorkloadId[] = ['matmul', 'elementwise', 'conv2d', 'mlp-train', 'predict', 'cnn-train', 'lstm-train'];

export interface MatmulParams { m: number; k: number; n: number }
export interface ElementwiseParams { n: number }
export interface Conv2dParams { batch: number; h: number; w: number; c: number; kh: number; kw: number; out: number }
export interface TrainParams { batch: number }
export interface PredictParams { batch: number }

export interface ParamsOf {
  'matmul': MatmulParams;
  'elementwise': ElementwiseParams;
  'conv2d': Conv2dParams;
  'mlp-train': TrainParams;
  'predict': PredictParams;
  'cnn-train': TrainParams;
  'lstm-train': TrainParams;
}

/** One size of a workload. The metric is per size: predict reports latency at batch 1, throughput at 1024. */
export interface SizeSpec<W extends WorkloadId = WorkloadId> {
  label: string;
  params: ParamsOf[W];
  /** Part of the quick suite (`pnpm bench`) on the CPU and on hardware WebGPU adapters. */
  quick: boolean;
  /** Part of the quick suite on software WebGPU adapters (SwiftShader, llvmpipe: slow). */
  quickSoftware: boolean;
  metric: string;
  unit: string;
  better: Better;
  /**
   * 'throughput': value = work / seconds per call / scale (e.g. GFLOP/s);
   * 'latency': value = seconds per call × 1000 (ms).
   */
  kind: 'throughput' | 'latency';
  /** Work of one call: flops, bytes or samples. */
  work: number;
  scale: number;
}

export interface WorkloadDef<W extends WorkloadId = WorkloadId> {
  id: W;
  description: string;
  sizes: SizeSpec<W>[];
}

/** The metric value of one timed run. */
export function metricValue(size: SizeSpec, secondsPerCall: number): number {
  return size.kind === 'latency' ? secondsPerCall * 1000 : size.work / secondsPerCall / size.scale;
}
