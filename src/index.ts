/**
 * anneal: small neural networks trained in a WebAssembly core, with PyTorch's learning-rate schedulers.
 * Importing it does no work: the core is compiled on first use (or by `await ready()`). Charts live in
 * `anneal/plot`, what needs the file system in `anneal/node`, so that this entry runs anywhere.
 * @module anneal
 */
export {
  Engine,
  getEngine,
  hasRelaxedSimd,
  PRECISIONS,
  createEngine,
  ready,
  type CoreBuild,
  type CoreExports,
  type CreateEngineOptions,
  type EngineOptions,
  type Precision,
  type ThreadPool,
} from './engine/index.ts';
export type { LossSettings } from './engine/descriptors.ts';
export { ValidationError } from './params/error.ts';
export { ParamSet } from './params/param_set.ts';
export type { NumberRange, OptionsOf, Param, ParamDecls, ParamKind, Values, ValueOf } from './params/declare.ts';
export * from './nn/index.ts';
export * from './optim/index.ts';
export * from './lr_scheduler/index.ts';
export * from './data/index.ts';
export {
  Trainer,
  NonFiniteLossError,
  type History,
  type TrainerOptions,
  type ManualDecay,
  type BatchSource,
  type SteppableScheduler,
  type HistoryMode,
  type StepRecord,
  type StepSchedule,
  type TrainerState,
} from './train/trainer.ts';
export {
  saveCheckpoint,
  loadCheckpoint,
  readCheckpoint,
  nonFiniteTensor,
  CHECKPOINT_FORMAT_VERSION,
  CHECKPOINT_KEYS,
  OPTIMIZER_TENSOR_PREFIX,
  type Checkpoint,
  type CheckpointContents,
  type CheckpointTargets,
  type CheckpointOptimizer,
  type CheckpointableScheduler,
  type LoadCheckpointOptions,
} from './train/checkpoint.ts';
export {
  runTraining,
  prepareRun,
  resultToJson,
  type RunResult,
  type RunHooks,
  type PreparedRun,
  type EvalPoint,
  saveRunCheckpoint,
  type CheckpointHook,
  type CsvTargets,
} from './train/run.ts';
export type { RunScaler, ScalerState } from './train/run_scaler.ts';
export { parseRunConfig, ConfigError, DATASET_TYPES, type RunConfig } from './config/run_config.ts';
export { optimizerFromSpec, OPTIMIZER_TYPES, type OptimizerSpec, type AnyOptimizer } from './config/optimizer_spec.ts';
export {
  BatchSizeScheduler,
  StepBS,
  MultiStepBS,
  ExponentialBS,
  LambdaBS,
  ScheduledBatches,
  batchScheduleFromSpec,
  BATCH_SCHEDULE_TYPES,
  BATCH_SCHEDULE_ALIASES,
  type BatchLambda,
  type BatchInterval,
  type BatchScheduleSpec,
  type BatchSizeSchedulerOptions,
  type BatchSizeSchedulerInit,
  type SchedulerBuilder,
  type SchedulerAlias,
  type StepBSOptions,
  type MultiStepBSOptions,
  type ExponentialBSOptions,
  type LambdaBSOptions,
  type ScheduledBatchesOptions,
} from './train/batch_schedule.ts';
export {
  ExplicitBatches,
  RecordedBatches,
  isCheckpointable,
  type BatchSourceState,
  type CheckpointableBatches,
} from './train/batches.ts';
export {
  runComparison,
  type CompareSettings,
  type ComparisonResult,
  type CompareBase,
  type CompareHooks,
  type StrategyResult,
  type StrategyRun,
  type Stat,
} from './report/compare.ts';
export type { Strategy } from './report/strategies.ts';
export { boundaryGrid, type BoundaryGridOptions } from './report/boundary.ts';
export {
  EarlyStopping,
  EARLY_STOPPING_MODES,
  type EarlyStoppingOptions,
  type EarlyStoppingSummary,
} from './train/early_stopping.ts';
export {
  LrMonitor,
  SchedulerOnEval,
  MONITORS,
  defaultEvalEvery,
  monitorMode,
  type Callback,
  type EvalContext,
  type LrMonitorOptions,
  type Monitor,
} from './train/callbacks.ts';
export type { FitOptions, FitResult, HeldOutSet } from './train/trainer.ts';
export { trainValSplit, subsetDataset, type TrainValSplit, type TrainValSplitOptions } from './data/split.ts';
export { readSafetensors, writeSafetensors, MAX_HEADER_BYTES } from './io/safetensors.ts';
export { readTorchStateDict } from './io/torch_pt.ts';
export { FileFormatError, type NamedTensor, type TensorFile, type TensorToWrite } from './io/tensors.ts';
export { readWeights, type ModelArchitecture, type WeightsOptions } from './io/weights.ts';
export { loadModel, type LoadModelOptions } from './io/model_file.ts';
export {
  toOnnx,
  ONNX_ACTIVATIONS,
  ONNX_IR_VERSIONS,
  DEFAULT_ONNX_OPSET,
  type OnnxExportOptions,
  type OnnxActivationNode,
  type OnnxActivationInput,
} from './io/onnx.ts';
export * from './tuner/index.ts';
