/**
 * @nabla/models: Keras-style models. `Sequential` stacks layers, the functional `Model` runs a graph of
 * layer calls (several inputs/outputs, shared layers); both train with
 * compile / fit / evaluate / predict; callbacks hook into training; models save to disk.
 */
export { Sequential, type CompileArgs, type EvaluateArgs, type FitArgs } from './sequential.js';
export { Model, type ModelArgs, type ModelOutput } from './functional.js';
export type { FunctionalConfig, FunctionalLayerConfig, NodeConfig, TensorRef } from './functional-config.js';
export { Trainer } from './engine.js';
export type { LossId, LossSpec, MetricId, MetricsSpec, OutputSpec, TargetStruct, TensorStruct } from './structure.js';
export {
  getModelClass, loadModel, MODEL_FORMAT_VERSION, modelFromArtifacts, modelToArtifacts, OPTIMIZER_PREFIX, registeredModelClasses, registerModelClass, saveModel,
  type IOHandler, type LoadOptions, type ModelArtifacts, type ModelClassEntry, type ModelJSON, type SaveableModel, type SaveOptions, type SaveResult, type WeightSpec,
} from './save.js';
export { browserDownloads, browserFiles } from './io/browser-files.js';
export { deleteIndexedDBModel, indexedDBHandler, listIndexedDBModels } from './io/indexeddb.js';
export { crc32 } from './io/crc32.js';
export { formatSummary, type SummaryRow } from './summary.js';
export { Callback, CallbackList, type CallbackHooks, type Logs, type TrainingModel, type TrainParams } from './callbacks/callback.js';
export { History } from './callbacks/history.js';
export { ProgressBar, formatLogs, type ProgressSink } from './callbacks/progress.js';
export { EarlyStopping, type EarlyStoppingOptions } from './callbacks/early-stopping.js';
export { LearningRateScheduler, ReduceLROnPlateau, TerminateOnNaN, type ReduceLROnPlateauOptions } from './callbacks/schedulers.js';
export { CSVLogger, ModelCheckpoint, type CSVLoggerOptions, type ModelCheckpointOptions } from './callbacks/files.js';
export type { Mode } from './callbacks/monitor.js';
