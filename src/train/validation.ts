/**
 * A run config's held-out data and what watches it (issue 13): the `validation` key resolved to a dataset (a
 * seeded split of the training data, inline rows, or a dataset spec), `eval_every`, `early_stopping`, and
 * ReduceLROnPlateau on an evaluated value (`plateau_metric`). `prepareRun` and `runTraining` call these.
 */
import { ConfigError, type DatasetSpec, isGeneratedSpec, type RunConfig } from '../config/run_config.ts';
import { type Dataset, isRegression } from '../data/dataset.ts';
import { trainValSplit } from '../data/split.ts';
import { ReduceLROnPlateau } from '../lr_scheduler/reduce_lr_on_plateau.ts';
import { ValidationError } from '../params/error.ts';
import { type Callback, defaultEvalEvery, type Monitor, SchedulerOnEval } from './callbacks.ts';
import { EarlyStopping } from './early_stopping.ts';
import { inlineDataset } from './run_targets.ts';
import type { SteppableScheduler } from './trainer.ts';

/** The training data and the held-out set of a run. */
export interface RunData {
  /** The rows trained on: the config's data, less the held-out part of a `val_split`. */
  train: Dataset;
  /** The held-out rows, evaluated beside the training set and never trained on; null without `validation`. */
  heldOut: Dataset | null;
}

/**
 * The held-out set `config.validation` names, and the training rows left: a `val_split` splits `data` with
 * `trainValSplit` (its `seed`, else the run's seed; stratified unless `stratify: false`); inline `{X, Y}` and a
 * dataset spec leave `data` whole. A generated set without a seed takes the training data's seed + 1, so that
 * it is not the training set again. `load` reads a dataset spec (`resolveData`'s way). The held-out set must
 * have the training data's features, and labels if it has labels (float targets if it has targets).
 */
export function resolveHeldOut(config: RunConfig, data: Dataset, load: (spec: DatasetSpec) => Dataset): RunData {
  const spec = config.validation;
  if (!spec) return { train: data, heldOut: null };
  let heldOut: Dataset;
  if ('val_split' in spec) {
    try {
      const split = trainValSplit(data, {
        valSplit: spec.val_split,
        seed: spec.seed ?? config.seed ?? 0,
        stratify: spec.stratify,
      });
      return { train: split.train, heldOut: split.val };
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      const param =
        err.param === 'seed' ? 'validation.seed' : `validation.${err.param === 'stratify' ? 'stratify' : 'val_split'}`;
      throw new ConfigError(`${param}: ${err.message}`, param, err.allowed);
    }
  }
  try {
    if ('X' in spec) heldOut = inlineDataset(spec.X, spec.Y);
    else {
      const trainingSeed = config.data && isGeneratedSpec(config.data) ? (config.data.seed ?? config.seed ?? 0) : null;
      heldOut = load(
        isGeneratedSpec(spec) ? { ...spec, seed: spec.seed ?? (trainingSeed ?? config.seed ?? 0) + 1 } : spec,
      );
    }
  } catch (err) {
    if (!(err instanceof ValidationError) || err instanceof ConfigError) throw err;
    throw new ConfigError(`validation: ${err.message}`, 'validation', err.allowed);
  }
  if (heldOut.nFeatures !== data.nFeatures) {
    throw new ConfigError(
      `validation: the held-out set has ${heldOut.nFeatures} features, the training data ${data.nFeatures}`,
      'validation',
      `a held-out set of ${data.nFeatures} features (the training data's)`,
    );
  }
  if (isRegression(heldOut) !== isRegression(data)) {
    const kind = (d: Dataset) => (isRegression(d) ? 'float targets' : 'class labels');
    throw new ConfigError(
      `validation: the held-out set has ${kind(heldOut)}, the training data ${kind(data)}`,
      'validation',
      `a held-out set with ${kind(data)} (the training data's)`,
    );
  }
  // Its labels or targets are checked against the model's outputs as the training data's are (`targetsFor`).
  return { train: data, heldOut };
}

/** Whether the run's training depends on its evaluations: early stopping, or the plateau on an evaluation. */
export function watchesEvaluations(config: RunConfig): boolean {
  return Boolean(config.early_stopping) || (config.plateau_metric ?? 'loss') !== 'loss';
}

/**
 * The run's evaluation interval: `given` (a hook, `--eval-every`), else `eval_every`, else about 100
 * evaluations. When early stopping or the plateau watch the evaluations, the interval is part of the run, so a
 * `given` one that is not the config's `eval_every` is refused.
 */
export function runEvalEvery(config: RunConfig, given: number | undefined): number {
  const fixed = config.eval_every ?? null;
  if (given !== undefined && fixed !== null && given !== fixed && watchesEvaluations(config)) {
    const who = config.early_stopping ? 'early stopping' : `ReduceLROnPlateau on ${config.plateau_metric}`;
    throw new ConfigError(
      `eval_every: the run's ${who} counts evaluations every ${fixed} steps (eval_every); evaluating every ` +
        `${given} steps would change the run`,
      'eval_every',
      `${fixed} (the config's eval_every)`,
    );
  }
  const evalEvery = given ?? fixed ?? defaultEvalEvery(config.steps);
  if (!Number.isSafeInteger(evalEvery) || evalEvery < 1) {
    throw new ConfigError(`evalEvery: must be an integer >= 1, got ${evalEvery}`, 'evalEvery', 'an integer >= 1');
  }
  return evalEvery;
}

/** The config with `eval_every` filled in when the run depends on it, so that its run.json reruns it. */
export function withEvalEvery(config: RunConfig, evalEvery: number): RunConfig {
  return watchesEvaluations(config) && config.eval_every == null ? { ...config, eval_every: evalEvery } : config;
}

/**
 * Refuses, before training, what watches a held-out value without a held-out set (`early_stopping.monitor`,
 * `plateau_metric`), and a plateau on `val_accuracy` whose scheduler waits for it to fall.
 */
export function checkWatchedValues(config: RunConfig, hasHeldOut: boolean, scheduler: SteppableScheduler | null): void {
  const give = 'give validation ({val_split: 0.2}, inline {X, Y} or a dataset spec)';
  const monitor = config.early_stopping?.monitor;
  if (monitor?.startsWith('val_') && !hasHeldOut) {
    throw new ConfigError(
      `early_stopping.monitor: ${monitor} needs a held-out set: ${give}, or monitor loss or accuracy`,
      'early_stopping.monitor',
      hasHeldOut ? '' : "'loss' or 'accuracy' (no held-out set)",
    );
  }
  const metric = config.plateau_metric ?? 'loss';
  if (metric.startsWith('val_') && !hasHeldOut) {
    throw new ConfigError(
      `plateau_metric: ${metric} needs a held-out set: ${give}, or watch loss`,
      'plateau_metric',
      "'loss' (no held-out set)",
    );
  }
  if (metric === 'val_accuracy' && scheduler instanceof ReduceLROnPlateau && scheduler.mode !== 'max') {
    throw new ConfigError(
      "plateau_metric: val_accuracy should rise: give the scheduler mode 'max' (ReduceLROnPlateau's mode is " +
        `'${scheduler.mode}')`,
      'scheduler.args.mode',
      "'max' (the accuracy should rise)",
    );
  }
}

/**
 * The callback that steps ReduceLROnPlateau on the evaluations' `val_loss` or `val_accuracy` (per
 * `plateau_metric`), or null when the scheduler is stepped with each step's loss (or is not a plateau).
 */
export function plateauOnEval(config: RunConfig, scheduler: SteppableScheduler | null): Callback | null {
  const metric = config.plateau_metric ?? 'loss';
  if (!(scheduler instanceof ReduceLROnPlateau) || metric === 'loss') return null;
  return new SchedulerOnEval(scheduler, metric as Monitor);
}

/** The `EarlyStopping` that `early_stopping` describes, or null. */
export function earlyStoppingOf(config: RunConfig): EarlyStopping | null {
  const spec = config.early_stopping;
  if (!spec) return null;
  return new EarlyStopping({
    monitor: spec.monitor,
    minDelta: spec.min_delta,
    patience: spec.patience,
    mode: spec.mode,
    baseline: spec.baseline ?? null,
    restoreBestWeights: spec.restore_best_weights,
    startFromEpoch: spec.start_from_epoch,
  });
}
