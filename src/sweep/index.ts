/**
 * Sweeps (`anneal sweep`, `sweep()`): a search space over run-config keys, trials trained in worker threads,
 * median and ASHA pruning, results in a JSON Lines file. Node only (threads, files): exported by `anneal/node`.
 */
export type {
  Domain,
  PrunerSpec,
  PruningOracle,
  SweepSpec,
  Trial,
  TrialRecord,
  TrialReport,
  TrialState,
} from './types.ts';
export { parseSweepSpec, expandTrials } from './space.ts';
export { createPruningOracle } from './pruning.ts';
export { sweep, type SweepOptions, type SweepResult } from './local.ts';
export { bestRecord, SweepError } from './records.ts';
export { appendRecord, readRecords, ResultsFileError, type ReadRecords } from './results.ts';
export { runTrial, type RunTrialOptions, type TrialOutcome, type TrialTask } from './trial.ts';
export {
  createTrialPool,
  createStopSignal,
  type StopSignal,
  type TrialPool,
  type TrialPoolOptions,
  type TrialPoolRunOptions,
} from './trial_pool.ts';
