import { conv2d } from './conv2d.js';
import { elementwise } from './elementwise.js';
import { matmul } from './matmul.js';
import { cnnTrain, lstmTrain, mlpTrain, predict } from './training.js';
import type { WorkloadDef } from './types.js';

export * from './types.js';
export { ADAM, CLASSES, EPOCH_SAMPLES, MLP_UNITS } from './training.js';

/** Every workload, in the order they run and print. */
export const WORKLOADS: readonly WorkloadDef[] = [matmul, elementwise, conv2d, mlpTrain, predict, cnnTrain, lstmTrain] as WorkloadDef[];
