// anneal: small neural networks trained in a WebAssembly core, with PyTorch's learning-rate schedulers.
// Importing it compiles the core once (a top-level await in src/engine); everything then builds synchronously.
export { Engine, loadEngine, getEngine } from './engine/index.ts';
export * from './nn/index.ts';
export * from './optim/index.ts';
export * from './lr_scheduler/index.ts';
export * from './data/index.ts';
export { Trainer, NonFiniteLossError, type History, type TrainerOptions, type ManualDecay, type BatchSource } from './train/trainer.ts';
export { runTraining, prepareRun, resultToJson, type RunResult } from './train/run.ts';
export { parseRunConfig, ConfigError, type RunConfig } from './config/run_config.ts';
export { optimizerFromSpec, type OptimizerSpec } from './config/optimizer_spec.ts';
export {
  BatchSizeScheduler, StepBS, MultiStepBS, ExponentialBS, LambdaBS, ScheduledBatches, batchScheduleFromSpec, BATCH_SCHEDULE_TYPES,
} from './train/batch_schedule.ts';
export { runComparison, type CompareSettings, type ComparisonResult } from './report/compare.ts';
export { boundaryGrid } from './report/boundary.ts';
export { lrChartOption, lossChartOption, overlayChartOption, decisionBoundaryOption } from './plot/charts.ts';
// Chart rendering (renderSvg, and renderPng in Node) lives in src/plot/render.ts, outside this entry, so that a
// browser bundle of the library does not pull in the server-side renderer.
