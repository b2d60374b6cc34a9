import type { DatasetSpec, RunConfig } from '../config/run_config.ts';
import { ConfigError, isGeneratedSpec } from '../config/run_config.ts';
import { loadDiabetes, loadDigits, loadIris } from '../data/real_datasets.ts';
import { type RunScaler, runScaler, type ScalerState } from './run_scaler.ts';
import { optimizerFromSpec, type AnyOptimizer } from '../config/optimizer_spec.ts';
import { type Dataset, isRegression } from '../data/dataset.ts';
import { makeBlobs, makeCircles, makeMoons, makeSpirals } from '../data/datasets.ts';
import { DataLoader } from '../data/loader.ts';
import { criterionOf, inlineDataset, targetsFor } from './run_targets.ts';
import { ReduceLROnPlateau, schedulerFromSpec } from '../lr_scheduler/index.ts';
import type { LayerWeights } from '../nn/sequential.ts';
import { MLP } from '../nn/models.ts';
import { getEngine } from '../engine/index.ts';
import { ValidationError } from '../params/error.ts';
import { type CheckpointableBatches, ExplicitBatches, RecordedBatches } from './batches.ts';
import {
  type Checkpoint,
  type CheckpointableScheduler,
  loadCheckpoint,
  nonFiniteTensor,
  readCheckpoint,
  saveCheckpoint,
} from './checkpoint.ts';
import { batchScheduleFromSpec, ScheduledBatches } from './batch_schedule.ts';
import { checkScheduleUpFront } from './preflight.ts';
import { Trainer, type BatchSource, type HistoryMode, type StepRecord, type SteppableScheduler } from './trainer.ts';
import type { Callback, EvalPoint } from './callbacks.ts';
import type { EarlyStopping, EarlyStoppingSummary } from './early_stopping.ts';
import type { StateDict } from '../params/state_reader.ts';
import * as heldOut from './validation.ts';

export type { EvalPoint } from './callbacks.ts';

/** A finished run in the layout of a training.json case: the config plus what the run produced. */
export interface RunResult {
  /** The config the run followed, defaults filled in. */
  config: RunConfig;
  /** The initial weights of each Linear layer. */
  init: LayerWeights[];
  /** The sample indices of every step's batch; null when every step used the whole dataset. */
  batches: number[][] | null;
  /** The loss of each step (before its update). */
  loss: number[];
  /** `lr[step][group]`: the lr of each param group at each step. */
  lr: number[][];
  /** `momentum[step][group]`: SGD's momentum or Adam's beta1 at each step. */
  momentum: number[][];
  /** The trained weights of each Linear layer. */
  final: LayerWeights[];
  /** The loss on the whole dataset with the trained weights. */
  final_loss: number;
  /**
   * The accuracy on the whole dataset with the trained weights, in [0, 1]: arg-max for CrossEntropyLoss,
   * `(logit > 0) == target` over every output for BCEWithLogitsLoss; NaN (null in JSON) for regression.
   */
  final_accuracy: number;
  /** Regression criteria: the mean squared error over every output with the trained weights; else null. */
  final_mse?: number | null;
  /** The loss on the held-out set with the trained weights (absent without `validation`). */
  final_val_loss?: number;
  /** The accuracy on the held-out set with the trained weights (absent without `validation`). */
  final_val_accuracy?: number;
  /** What early stopping did (absent without `early_stopping`); `steps` is where the run ended. */
  early_stop?: EarlyStoppingSummary;
  /** The batch size of every step. */
  batch_sizes: number[];
  /**
   * Loss and accuracy on the whole dataset at steps 0, k, 2k, … (k = `evalEvery`) with the weights that
   * step used (before its update), and at step `steps` with the final weights.
   */
  evals: EvalPoint[];
  /** Milliseconds spent in the training steps (evaluations excluded). */
  wallMs: number;
  /** The steps taken (`config.steps`; `loss.length` too when every step was kept); absent: `loss.length`. */
  steps?: number;
  /** The last step's loss, batch size, lr and momentum per group, whatever was kept; null for no steps. */
  lastStep?: StepRecord | null;
  /**
   * Whether `loss`, `lr`, `momentum`, `batch_sizes` and `batches` hold every step (`record: 'all'`); else they
   * are empty and only `lastStep` and `evals` describe the run. Absent: recorded.
   */
  recorded?: boolean;
  /**
   * The step a resumed run started at (`RunHooks.resume`): its `loss`, `lr`, `momentum`, `batch_sizes` and
   * `batches` hold steps `start_step` to `steps - 1` (entry i is step `start_step + i`); `evals` and `init`
   * are as in the whole run (`init` the run's initial weights, from the config). Absent or 0: from the start.
   */
  start_step?: number;
  /** The fitted feature scaler's state (`config.scaler`, fitted on the training rows); absent without one. */
  scaler?: ScalerState;
}

/** Checkpoints written as a run goes (`RunHooks.checkpoint`). */
export interface CheckpointHook {
  /** Write a checkpoint after every `every` steps (counted from step 0, an integer >= 1), and at the end. */
  every: number;
  /** Called with each checkpoint's bytes (`saveCheckpoint`'s) and the steps taken; writes them somewhere. */
  write: (bytes: Uint8Array, step: number) => void;
  /** Kept in every checkpoint as `anneal.extra`. */
  extra?: Record<string, unknown>;
}

/** Optional callbacks and settings of `runTraining` and `prepareRun`. */
export interface RunHooks {
  /** Reads a CSV dataset spec (Node only; the browser has no file system). */
  loadCsv?: (path: string, labelColumn?: string | number, targets?: CsvTargets) => Dataset;
  /** After every training step: the step's index and its loss. */
  onStep?: (step: number, loss: number) => void;
  /**
   * Evaluate on the whole dataset every `evalEvery` steps (an integer >= 1; default: steps / 100, rounded
   * up). Evaluating does not change the training: the same config gives the same numbers for any value.
   */
  evalEvery?: number;
  /** After every evaluation on the whole dataset (every `evalEvery` steps, and at the end). */
  onEval?: (point: EvalPoint) => void;
  /** Sees the trained model before it is disposed (to draw a decision boundary, say). */
  onModel?: (run: PreparedRun) => void;
  /**
   * `runTraining`: sees the run once it is built, before the first step (its held-out set scaled as it is
   * evaluated, to evaluate it in a callback at steps of its own choosing, say). Looking changes nothing.
   */
  onPrepared?: (run: PreparedRun) => void;
  /**
   * What to keep of each step (see `TrainerOptions.record`): `'all'` (default) fills the result's per-step
   * arrays; `'none'` and a callback keep no per-step record (nor the batches), so memory does not grow with
   * the run's length.
   */
  record?: HistoryMode;
  /**
   * Continue a checkpointed run: the checkpoint (bytes from `saveCheckpoint`, or `readCheckpoint`'s result) is
   * loaded into the model, optimizer, scheduler, trainer and batch source before the first step (refused, and
   * nothing trained, if it does not fit the config's run), and training goes on from its step to
   * `config.steps`: the steps are those the uninterrupted run takes, bit for bit. See `RunResult.start_step`.
   */
  resume?: Checkpoint | Uint8Array;
  /** Write checkpoints every `every` steps and at the end (not after a NaN stop: the last good one stays). */
  checkpoint?: CheckpointHook;
  /** More callbacks (see `Callback`), called after the run's own (checkpoints, early stopping, `onEval`). */
  callbacks?: readonly Callback[];
}

export { defaultEvalEvery } from './callbacks.ts';

/** A CSV spec's target columns and task (`target_columns`, `task`), as `parseCsv` takes them. */
export interface CsvTargets {
  /** The target column(s), by header name or 0-based index. */
  targetColumns?: string | number | readonly (string | number)[];
  /** `'classification'` or `'regression'`. */
  task?: 'classification' | 'regression';
}

/** The data a config names: inline X/Y, a generated dataset, or a CSV file. */
export function resolveData(config: RunConfig, hooks: RunHooks = {}): Dataset {
  if (config.X !== undefined && config.Y !== undefined) return inlineDataset(config.X, config.Y);
  const spec = config.data as DatasetSpec;
  const seed = isGeneratedSpec(spec) ? (spec.seed ?? config.seed ?? 0) : 0;
  switch (spec.type) {
    case 'iris':
      return loadIris();
    case 'digits':
      return loadDigits({ nClass: spec.n_class });
    case 'diabetes':
      return loadDiabetes({ scaled: spec.scaled });
    case 'moons':
      return makeMoons({ nSamples: spec.n_samples, noise: spec.noise, shuffle: spec.shuffle, seed });
    case 'circles':
      return makeCircles({
        nSamples: spec.n_samples,
        noise: spec.noise,
        factor: spec.factor,
        shuffle: spec.shuffle,
        seed,
      });
    case 'blobs':
      return makeBlobs({
        nSamples: spec.n_samples,
        centers: spec.centers,
        nFeatures: spec.n_features,
        clusterStd: spec.cluster_std,
        shuffle: spec.shuffle,
        seed,
      });
    case 'spirals':
      return makeSpirals({
        nSamples: spec.n_samples,
        noise: spec.noise,
        nArms: spec.n_arms,
        turns: spec.turns,
        shuffle: spec.shuffle,
        seed,
      });
    case 'csv':
      if (!hooks.loadCsv) {
        throw new ConfigError('data: CSV files can only be read in Node', 'data.type', 'a dataset other than csv here');
      }
      return spec.target_columns === undefined && spec.task === undefined
        ? hooks.loadCsv(spec.path, spec.label_column)
        : hooks.loadCsv(spec.path, spec.label_column, { targetColumns: spec.target_columns, task: spec.task });
  }
}

/** Everything a config describes, built and checked, ready to train. */
export interface PreparedRun {
  /** The config the run follows. */
  config: RunConfig;
  /** The data the config names (inline, generated or read from a CSV file). */
  data: Dataset;
  /** The model, its initial weights set (from `init` when the config gives them). */
  model: MLP;
  /** The optimizer over the model's parameters (one param group per layer with `group_by_layer`). */
  optimizer: AnyOptimizer;
  /** The lr scheduler the config names, or null for none. */
  scheduler: SteppableScheduler | null;
  /** The trainer that runs the steps. */
  trainer: Trainer;
  /** The batch source recording the batches it hands out (mini-batches, batch-size schedule); else null. */
  recorded: RecordedBatches | ScheduledBatches | null;
  /** The run's initial weights (from the seed or the config's `init`), whether or not it resumed. */
  init: LayerWeights[];
  /** The step training starts at: 0, or the step of the checkpoint resumed from. */
  startStep: number;
  /** The checkpoint the run resumed from (`RunHooks.resume`), or null. */
  resumed: Checkpoint | null;
  /** The held-out set (`validation`), never trained on, or null. */
  heldOut: Dataset | null;
  /** The config's early stopping (`runTraining` calls it), or null. */
  earlyStopping: EarlyStopping | null;
  /** The config's feature scaler, fitted on the training rows (`data` and `heldOut` are scaled), or null. */
  scaler: RunScaler | null;
}

/**
 * Builds and checks what `config` describes (data, model, optimizer, scheduler, trainer) without training;
 * the caller disposes of the trainer, the optimizer and the model.
 */
export function prepareRun(config: RunConfig, hooks: RunHooks = {}): PreparedRun {
  const dataOf = (spec: DatasetSpec) => resolveData({ ...config, X: undefined, Y: undefined, data: spec }, hooks);
  const split = heldOut.resolveHeldOut(config, resolveData(config, hooks), dataOf);
  const resuming = hooks.resume
    ? hooks.resume instanceof Uint8Array
      ? readCheckpoint(hooks.resume)
      : hooks.resume
    : null;
  // The scaler is fitted on the training rows only (after a val_split), then applied to both sets.
  const scaled = runScaler(config, split.train, split.heldOut, resuming?.extra?.scaler);
  const { train: data, heldOut: held, scaler } = scaled;
  // Regression data and no criterion: MSELoss (written into the config, so run.json and checkpoints say it).
  if (!config.criterion && isRegression(data)) config = { ...config, criterion: { type: 'MSELoss' } };
  const { sizes } = config;
  if (sizes[0] !== data.nFeatures) {
    throw new ConfigError(
      `sizes[0]: the data has ${data.nFeatures} features, so sizes must start with ${data.nFeatures}, got ${sizes[0]}`,
      'sizes[0]',
      `${data.nFeatures} (the data's features)`,
    );
  }
  const criterion = criterionOf(config);
  const targets = targetsFor(criterion, data, sizes[sizes.length - 1]);
  if (config.batch_size && config.batch_size > data.nSamples) {
    throw new ConfigError(
      `batch_size: must be at most the dataset size ${data.nSamples}, got ${config.batch_size}`,
      'batch_size',
      `at most the dataset size ${data.nSamples}`,
    );
  }
  const batchSource = makeBatches(config, data.nSamples, (hooks.record ?? 'all') === 'all');
  const activationArgs = config.activation_args ?? null;
  const engine = getEngine({ precision: config.precision });
  const model = new MLP({
    sizes,
    activation: config.activation,
    activationArgs,
    seed: config.seed ?? 0,
    criterion,
    engine,
  });
  let optimizer: AnyOptimizer | null = null;
  let trainer: Trainer | null = null;
  try {
    if (config.init) model.loadLayerWeights(config.init, 'init');
    const groups = config.group_by_layer ? model.layers.map((l) => l.parameters()) : [model.parameters()];
    optimizer = optimizerFromSpec(config.optimizer, groups);
    const scheduler = config.scheduler ? schedulerFromSpec(optimizer, config.scheduler) : null;
    checkScheduleUpFront(config, optimizer.paramGroups, scheduler);
    const isPlateau = scheduler instanceof ReduceLROnPlateau;
    if (config.plateau_metric && !isPlateau) {
      throw new ConfigError(
        'plateau_metric: only ReduceLROnPlateau watches a metric',
        'plateau_metric',
        'set only with a ReduceLROnPlateau scheduler',
      );
    }
    heldOut.checkWatchedValues(config, held !== null, scheduler);
    const onEval = heldOut.plateauOnEval(config, scheduler); // the plateau stepped on evaluations, not steps
    trainer = new Trainer({
      model,
      optimizer,
      scheduler: onEval ? null : scheduler,
      schedulerMetric: isPlateau && !onEval ? 'loss' : null,
      callbacks: onEval ? [onEval] : [],
      manualDecay: config.manual_decay ?? null,
      batches: batchSource.source,
      record: hooks.record ?? 'all',
      x: data,
      y: targets,
    });
    const init = model.layerWeights();
    let resumed: Checkpoint | null = null;
    if (resuming) {
      resumed = resuming;
      if (resumed.step > config.steps) {
        throw new ConfigError(
          `steps: ${resumed.file} is at step ${resumed.step}, past the run's ${config.steps} steps ` +
            `(give steps >= ${resumed.step})`,
          'steps',
          `at least ${resumed.step} (the checkpoint's step)`,
        );
      }
      loadCheckpoint(resumed, {
        model,
        optimizer,
        scheduler: scheduler as CheckpointableScheduler | null,
        trainer,
        batches: batchSource.source as CheckpointableBatches | null,
      });
    }
    const earlyStopping = heldOut.earlyStoppingOf(config);
    const saved = resumed?.extra?.early_stopping;
    if (earlyStopping && saved) earlyStopping.loadStateDict(saved as StateDict, trainer);
    const recorded = batchSource.recorded;
    const startStep = trainer.step;
    return {
      config,
      data,
      model,
      optimizer,
      scheduler,
      trainer,
      recorded,
      init,
      startStep,
      resumed,
      heldOut: held,
      earlyStopping,
      scaler,
    };
  } catch (err) {
    trainer?.dispose();
    optimizer?.dispose();
    model.dispose();
    throw err;
  }
}

/**
 * A checkpoint of a prepared run as it is now (between steps): its model, optimizer, scheduler, trainer and
 * batch source, and its config (`runConfigToJson`), so that `anneal train --resume` can rebuild the run.
 */
export function saveRunCheckpoint(run: PreparedRun, extra?: Record<string, unknown>): Uint8Array {
  return saveCheckpoint({
    trainer: run.trainer,
    scheduler: run.scheduler as CheckpointableScheduler | null,
    config: runConfigToJson(run.config),
    // Early stopping's progress (and kept weights) goes with the checkpoint, so a resumed run stops where the
    // uninterrupted one does.
    // The scaler's state too: a resumed run refits it from the config and data, and checks it is this one.
    extra:
      run.earlyStopping || run.scaler
        ? {
            ...extra,
            ...(run.earlyStopping ? { early_stopping: run.earlyStopping.stateDict(run.trainer) } : {}),
            ...(run.scaler ? { scaler: run.scaler.stateDict() } : {}),
          }
        : (extra ?? null),
  });
}

function makeBatches(
  config: RunConfig,
  nSamples: number,
  keep = true,
): { source: BatchSource | null; recorded: RecordedBatches | ScheduledBatches | null } {
  if (config.batches) return { source: new ExplicitBatches(config.batches, nSamples, config.steps), recorded: null };
  if (config.batch_schedule) {
    const spec = config.batch_schedule;
    try {
      const schedule = batchScheduleFromSpec(spec, { batchSize: config.batch_size as number, datasetSize: nSamples });
      const source = new ScheduledBatches({
        nSamples,
        schedule,
        seed: config.seed ?? 0,
        interval: spec.interval,
        steps: config.steps,
        keep,
      });
      return { source, recorded: source };
    } catch (err) {
      const allowed = err instanceof ValidationError ? err.allowed : '';
      throw new ConfigError(`batch_schedule: ${(err as Error).message}`, 'batch_schedule', allowed);
    }
  }
  if (!config.batch_size || config.batch_size >= nSamples) return { source: null, recorded: null };
  const loader = new DataLoader(
    { nSamples },
    { batchSize: config.batch_size, shuffle: true, seed: config.seed ?? 0, dropLast: true },
  );
  const recorded = new RecordedBatches(loader, keep);
  return { source: recorded, recorded };
}

/** Trains as the config says and reports the run in training.json's layout. */
export function runTraining(config: RunConfig, hooks: RunHooks = {}): RunResult {
  const evalEvery = heldOut.runEvalEvery(config, hooks.evalEvery);
  config = heldOut.withEvalEvery(config, evalEvery); // part of the run when early stopping or the plateau count on it
  const checkpoint = hooks.checkpoint;
  if (checkpoint && (!Number.isSafeInteger(checkpoint.every) || checkpoint.every < 1)) {
    throw new ConfigError(
      `checkpoint.every: must be an integer >= 1, got ${checkpoint.every}`,
      'checkpoint.every',
      'an integer >= 1',
    );
  }
  const run = prepareRun(config, hooks);
  config = run.config; // with the criterion a regression dataset defaults to
  const { model, trainer, init } = run;
  const start = run.startStep;
  try {
    hooks.onPrepared?.(run);
    // A checkpoint after every `every` steps (and at the end), once the step's update and schedule are done:
    // the steps themselves are untouched. A resumed run does not write again the checkpoint it started from.
    let written = run.resumed ? start : -1;
    let savingMs = 0;
    // A checkpoint with NaN or infinite weights or buffers (a diverging run) is not written: loading would
    // refuse it, and the last good one stays the newest.
    const save = (step: number) => {
      if (!checkpoint || step === written) return;
      const bytes = saveRunCheckpoint(run, checkpoint.extra);
      if (nonFiniteTensor(bytes) !== null) return;
      checkpoint.write(bytes, step);
      written = step;
    };
    const callbacks: Callback[] = [];
    if (checkpoint) {
      callbacks.push({
        onStepEnd: (r) => {
          const done = r.step + 1;
          if (done % checkpoint.every !== 0 || done >= config.steps) return;
          const began = performance.now();
          save(done);
          savingMs += performance.now() - began; // not training time
        },
        // At the end (before early stopping puts back its best weights: resuming continues the run as it was).
        onTrainEnd: () => save(trainer.step),
      });
    }
    const stopper = run.earlyStopping;
    if (stopper) callbacks.push(stopper);
    if (hooks.onEval) callbacks.push({ onEvalEnd: (point) => hooks.onEval!(point) });
    callbacks.push(...(hooks.callbacks ?? []));
    const held = run.heldOut;
    const fit = trainer.fit(config.steps - start, {
      evalEvery,
      validation: held ? { x: held, y: targetsFor(model.criterion, held, model.outputDim, 'validation') } : null,
      callbacks,
      onStep: hooks.onStep,
    });
    const evals = fit.evals;
    // Restored weights score what their evaluation scored (an evaluation is a function of the weights).
    const restored = stopper?.restoredStep != null ? stopper.keptPoint : null;
    const final = restored ?? evals[evals.length - 1];
    const recorded = (hooks.record ?? 'all') === 'all';
    const listed = config.batches ? (start ? config.batches.slice(start) : config.batches) : null;
    const batches = recorded ? (listed ?? run.recorded?.record ?? null) : null;
    const n = run.data.nSamples;
    hooks.onModel?.(run);
    const history = trainer.history;
    const taken = trainer.step - start;
    return {
      config,
      init,
      batches,
      loss: history.loss,
      lr: history.lr,
      momentum: history.momentum,
      final: model.layerWeights(),
      final_loss: final.loss,
      final_accuracy: final.accuracy,
      final_mse: model.criterion.targets === 'floats' ? (trainer.evaluate().mse ?? null) : null,
      ...(final.val_loss !== undefined
        ? { final_val_loss: final.val_loss, final_val_accuracy: final.val_accuracy }
        : {}),
      ...(stopper ? { early_stop: stopper.summary() } : {}),
      batch_sizes: !recorded
        ? []
        : batches
          ? batches.slice(0, taken).map((b) => b.length)
          : new Array<number>(taken).fill(n),
      evals,
      wallMs: fit.wallMs - savingMs,
      steps: trainer.step,
      lastStep: trainer.lastStep,
      recorded,
      ...(start ? { start_step: start } : {}),
      ...(run.scaler ? { scaler: run.scaler.stateDict() } : {}),
    };
  } finally {
    trainer.dispose();
    run.optimizer.dispose();
    model.dispose();
  }
}

/** A run config without the result keys a fixture case or an earlier `--json` result carries. */
function withoutResultKeys(config: RunConfig): Partial<RunConfig> {
  const {
    loss: _l,
    lr: _r,
    momentum: _m,
    final: _f,
    final_loss: _fl,
    final_accuracy: _fa,
    final_mse: _fm,
    batch_sizes: _bs,
    evals: _ev,
    final_val_loss: _fvl,
    final_val_accuracy: _fva,
    early_stop: _es,
    scaler_state: _ss,
    ...settings
  } = config;
  return settings;
}

/**
 * The run config alone, defaults filled in and the seed explicit: `anneal train --config` on it reruns the
 * run (the run.json of `anneal train --out`). Result keys are left out.
 */
export function runConfigToJson(config: RunConfig): Record<string, unknown> {
  const settings = withoutResultKeys(config);
  return {
    ...settings,
    seed: config.seed ?? 0,
    scheduler: config.scheduler ?? null,
    manual_decay: config.manual_decay ?? null,
    plateau_metric: config.plateau_metric ?? null,
    batch_size: config.batch_size ?? null,
    batch_schedule: config.batch_schedule ?? null,
  };
}

/** The result as JSON in the layout of a training.json case; feeding it to `anneal train --config` reruns it. */
export function resultToJson(result: RunResult): Record<string, unknown> {
  const { config } = result;
  const settings = withoutResultKeys(config);
  return {
    ...settings,
    scheduler: config.scheduler ?? null,
    manual_decay: config.manual_decay ?? null,
    plateau_metric: config.plateau_metric ?? null,
    batch_size: config.batch_size ?? null,
    batch_schedule: config.batch_schedule ?? null,
    ...(result.start_step ? { start_step: result.start_step } : {}),
    batches: result.batches,
    batch_sizes: result.batch_sizes,
    init: result.init,
    loss: result.loss,
    lr: result.lr,
    momentum: result.momentum,
    final: result.final,
    final_loss: result.final_loss,
    final_accuracy: Number.isNaN(result.final_accuracy) ? null : result.final_accuracy,
    final_mse: result.final_mse ?? null,
    ...(result.final_val_loss !== undefined
      ? { final_val_loss: result.final_val_loss, final_val_accuracy: result.final_val_accuracy }
      : {}),
    ...(result.early_stop ? { early_stop: result.early_stop } : {}),
    ...(result.scaler ? { scaler_state: result.scaler } : {}),
    evals: result.evals,
  };
}
