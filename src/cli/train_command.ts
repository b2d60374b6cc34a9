import { Command, Option } from 'commander';
import { parseRunConfig, type RunConfig } from '../config/run_config.ts';
import { csvLoader } from './data_flags.ts';
import { NonFiniteLossError, SchedulerStepError } from '../train/trainer.ts';
import { ValidationError } from '../params/error.ts';
import { StreamedHistoryCsv } from '../train/history_csv.ts';
import { resultToJson, runTraining, type RunResult } from '../train/run.ts';
import { boundaryGrid, checkBoundaryData } from '../report/boundary.ts';
import { ensureWritableDir, writeFilesAtomic } from '../report/output_dir.ts';
import { batchScheduleSpecFromText } from '../report/strategies.ts';
import type { BoundaryGrid } from '../plot/charts.ts';
import type { Dataset } from '../data/dataset.ts';
import { intArg, manualDecayArg } from './parse.ts';
import { addSchedulerFlags, givenSchedulerFlags, schedulerSpecFromFlags, schedulerType } from './scheduler_flags.ts';
import { progressCallback } from './progress.ts';
import { readJsonFile, UsageError } from './files.ts';
import {
  addCheckpointFlags,
  CHECKPOINT_FLAG_NAMES,
  type CheckpointFlags,
  checkpointHook,
  checkpointPlan,
  readResumePoint,
  type ResumePoint,
} from './checkpoint_flags.ts';
import { findCanonicalName } from '../canonical_name.ts';
import { latestCheckpoint } from '../train/checkpoint_dir.ts';
import {
  addRunFlags,
  CLASSIFICATION_LOSSES,
  flagOf,
  linearLayers,
  type RunFlags,
  runConfigFromFlags,
  precisionNote,
} from './run_flags.ts';
import {
  addValidationFlags,
  type ValidationFlags,
  validationFromFlags,
  validationSummary,
} from './validation_flags.ts';

interface TrainFlags extends RunFlags, CheckpointFlags, ValidationFlags {
  config?: string;
  steps: number;
  manualDecay?: { every: number; factor: number };
  scheduler: string;
  batchSchedule?: string;
  json?: boolean;
  quiet?: boolean;
  out?: string;
  png?: boolean;
  evalEvery?: number;
  lossScale: 'linear' | 'log';
  boundary?: boolean;
  grid: number;
  [flag: string]: unknown;
}

/** Flags that say what to print or write, not how to train: allowed with --config. */
const NOT_RUN_FLAGS = [
  'config',
  'json',
  'quiet',
  'out',
  'png',
  'evalEvery',
  'lossScale',
  'boundary',
  'grid',
  ...CHECKPOINT_FLAG_NAMES,
];

/** What may go with --resume: those, and --steps (the run's new length). */
const RESUME_FLAGS = [...NOT_RUN_FLAGS.filter((f) => f !== 'config'), 'resume', 'steps'];

export function trainCommand(): Command {
  const command = new Command('train')
    .description(
      'Train a classifier. With no flags: the lesson — LogicNet 2-3-2 on 20 moons points (noise 0.2), ' +
        'Adam lr 0.01, StepLR(step_size=50, gamma=0.99), 1000 steps.',
    )
    .option(
      '--config <file>',
      'run a run config (JSON in the shape of a training.json case); other run flags are not allowed with it',
    );
  addRunFlags(command, {
    samplesHelp: 'number of samples (default: 20 for moons, as in the lesson; 100 circles, 150 blobs, 200 spirals)',
    dataHelp: 'train on',
    hidden: [3],
    lr: true,
  });
  command
    .option('--steps <n>', 'training steps (optimizer updates)', intArg(0, 100_000_000), 1000)
    .option(
      '--manual-decay <every:factor>',
      "the lesson's hand-written decay: after steps 0, EVERY, 2·EVERY, ... multiply every group's lr by FACTOR " +
        '(replaces the default StepLR)',
      manualDecayArg,
    )
    .option(
      '--scheduler <name>',
      'lr scheduler, by PyTorch class name or short name (step, multistep, exponential, cosine, ' +
        'cosine-restarts, cyclic, onecycle, plateau, lambda, ...), or none; its arguments are the flags below. ' +
        'Default: StepLR with --step-size 50 --gamma 0.99, or LambdaLR when --lr-lambda is given. ' +
        'ReduceLROnPlateau watches the training loss',
      (v: string) => findCanonicalName(v, ['none'] as const) ?? schedulerType(v),
      'StepLR',
    )
    .option(
      '--batch-schedule <spec>',
      'grow (or shrink) the batch: StepBS(step_size=N, gamma=G), MultiStepBS(milestones=[...], gamma=G), ' +
        'ExponentialBS(gamma=G) or LambdaBS(batch_lambda="expr in epoch"), each with optional max_batch_size=N ' +
        'and interval=epoch|step (what the schedule counts; default epoch). ' +
        'Starts at --batch-size; sizes must stay within the dataset size',
    )
    .option(
      '--out <dir>',
      'write the lr curve, the loss curve, the decision boundary (2-D data), history.csv and run.json into DIR ' +
        '(created if needed; checked before training; history.csv is written as the run goes)',
    )
    .option('--png', 'with --out: also write every chart as PNG')
    .option(
      '--eval-every <k>',
      'evaluate loss and accuracy on the whole dataset every K steps ' +
        '(history.csv, --json evals; default steps/100, rounded up)',
      intArg(1),
    )
    .addOption(new Option('--loss-scale <scale>', "the loss chart's y axis").choices(['linear', 'log']).default('log'))
    .option('--boundary', 'with --out: draw the decision boundary (default when the data is 2-D; an error otherwise)')
    .option('--no-boundary', 'with --out: do not draw the decision boundary')
    .option('--grid <n>', 'cells per axis of the decision-boundary grid', intArg(2, 1000), 100)
    .option(
      '--json',
      'print the run as JSON (the layout of a training.json case) and nothing else; keeps every step in memory ' +
        '(about 400 bytes per step with one param group); without --json or --out a run keeps no per-step history',
    )
    .option('--quiet', 'print no progress bar');
  addCheckpointFlags(command);
  addValidationFlags(command);
  addSchedulerFlags(command);
  return command.action(async function (this: Command, flags: TrainFlags) {
    const explicit = (name: string) => this.getOptionValueSource(name) === 'cli';
    let config: RunConfig;
    let resumed: ResumePoint | null = null;
    if (flags.resume !== undefined) {
      const given = this.options.map((o) => o.attributeName()).filter((k) => explicit(k) && !RESUME_FLAGS.includes(k));
      if (given.length) {
        throw new UsageError(
          `--resume cannot be combined with ${given.map(flagOf).join(', ')}: the run config is inside the ` +
            'checkpoint (only --steps changes it)',
        );
      }
      resumed = readResumePoint(flags.resume, explicit('steps') ? flags.steps : undefined);
      config = resumed.config;
    } else if (flags.config) {
      const given = this.options.map((o) => o.attributeName()).filter((k) => explicit(k) && !NOT_RUN_FLAGS.includes(k));
      if (given.length) {
        const flagList = given.map((f) => `--${f.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`).join(', ');
        throw new UsageError(`--config cannot be combined with ${flagList}`);
      }
      config = parseRunConfig(readJsonFile(flags.config), flags.config);
    } else {
      config = configFromFlags(flags, explicit);
    }
    const given = (name: string) => this.getOptionValueSource(name) === 'cli';
    if (!flags.out) {
      const needOut = ['png', 'boundary', 'grid', 'lossScale'].filter(given);
      if (needOut.length) throw new UsageError(`${needOut.map(flagOf).join(', ')} only apply with --out DIR`);
    }
    // Everything that can be refused is refused before training starts.
    const is2d = config.sizes[0] === 2;
    if (flags.out && flags.boundary === true && given('boundary')) checkBoundaryData(config.sizes[0]);
    // A regression loss has no classes to draw a decision boundary of.
    const classifier = config.criterion
      ? CLASSIFICATION_LOSSES.includes(config.criterion.type)
      : !regressionSpec(config); // no criterion: MSELoss on regression data, else CrossEntropyLoss
    const drawBoundary = Boolean(flags.out) && flags.boundary !== false && is2d && classifier;
    if (flags.out && flags.boundary === true && given('boundary') && !classifier) {
      throw new UsageError(`--boundary: ${config.criterion?.type} is a regression loss; there are no classes to draw`);
    }
    if (flags.out) ensureWritableDir(flags.out);
    const plan = checkpointPlan(flags, given, resumed);
    const checkpoints = plan ? checkpointHook(plan) : null;
    let boundary: { grid: BoundaryGrid; data: Dataset } | null = null;
    let result: RunResult;
    // --json keeps every step; --out streams history.csv to a temporary file as the run goes; else nothing.
    const history = flags.out && !flags.json ? new StreamedHistoryCsv(flags.out, config) : null;
    try {
      result = runTraining(config, {
        loadCsv: csvLoader,
        record: flags.json ? 'all' : 'none',
        // history.csv's rows and the progress bar are Trainer callbacks.
        callbacks: [history, flags.json || flags.quiet ? undefined : progressCallback(config.steps)].filter((c) => !!c),
        evalEvery: flags.evalEvery, // default: the config's eval_every, else steps / 100
        onModel: drawBoundary
          ? (run) =>
              (boundary = { grid: boundaryGrid(run.model, run.data, { resolution: flags.grid }), data: run.data })
          : undefined,
        resume: resumed?.checkpoint,
        checkpoint: checkpoints?.hook,
      });
    } catch (err) {
      history?.discard();
      if (err instanceof SchedulerStepError && !flags.json) process.stdout.write(stoppedSummary(config, err));
      if (err instanceof NonFiniteLossError && flags.out)
        err.message += `; nothing was written to ${flags.out} (files from earlier runs there are unchanged)`;
      if (err instanceof NonFiniteLossError && plan) err.message += keptCheckpoints(plan.dir);
      throw tooBig(err, flags);
    }
    let written: string[] = [];
    if (flags.out) {
      try {
        const { runOutputFiles } = await import('../report/run_report.ts');
        const files = await runOutputFiles(result, {
          png: flags.png,
          lossScale: flags.lossScale,
          boundary,
          history: history ?? undefined,
        });
        written = writeFilesAtomic(flags.out, files);
      } finally {
        history?.discard(); // renamed into place by now, or to be removed
      }
    }
    if (flags.json) process.stdout.write(`${JSON.stringify(resultToJson(result))}\n`);
    else {
      process.stdout.write(summary(result));
      if (resumed) process.stdout.write(`  resumed from    ${resumed.file} (step ${resumed.checkpoint.step})\n`);
      if (plan && checkpoints?.writer.last) {
        const kept = plan.keep ? `keeping the newest ${plan.keep}` : 'keeping all';
        process.stdout.write(
          `  checkpoints     every ${plan.every} steps in ${plan.dir} (${kept}); last ${checkpoints.writer.last}\n`,
        );
      }
      if (flags.out) {
        const names = written.map((f) => f.slice(flags.out!.length).replace(/^[\\/]/, '')).join(', ');
        process.stdout.write(`  wrote           ${names} in ${flags.out}\n`);
      }
      if (flags.out && !drawBoundary && flags.boundary !== false)
        process.stdout.write(
          classifier
            ? `  (no decision boundary: the data has ${config.sizes[0]} features, a boundary needs 2)\n`
            : `  (no decision boundary: ${config.criterion?.type} is a regression loss)\n`,
        );
    }
  });
}

/** What a stopped run says about its checkpoints: the good ones stay, and which is the newest. */
function keptCheckpoints(dir: string): string {
  const latest = latestCheckpoint(dir);
  if (!latest) return `; no checkpoint was written to ${dir} before it`;
  return `; the checkpoints in ${dir} are kept: the newest is ${latest.path} (step ${latest.step})`;
}

/** The engine's refusal of a model too big for memory, naming the flag that sized it. */
function tooBig(err: unknown, flags: TrainFlags): unknown {
  if (!(err instanceof ValidationError) || err.where !== 'Engine' || err.param !== 'memory' || flags.config) return err;
  err.message = `--hidden ${(flags.hidden as number[]).join(',')}: the model does not fit in memory: ${err.message}`;
  return err;
}

/** What a run that the scheduler stopped did before it stopped. */
function stoppedSummary(config: RunConfig, err: SchedulerStepError): string {
  const steps = err.step + 1;
  const lr = err.lastStep ? Array.from(err.lastStep.lr) : null;
  return [
    `anneal train — ${describe(config)}`,
    `  stopped         after ${steps} of ${config.steps} steps (${err.scheduler} failed)`,
    `  last step loss  ${err.loss.toPrecision(6)}`,
    ...(lr ? [`  lr (unchanged)  ${lr.map((v) => v.toPrecision(6)).join(', ')}`] : []),
    '',
  ].join('\n');
}

/** Whether a config's data are a regression set by their spec (diabetes, a CSV regression, inline float rows). */
function regressionSpec(config: RunConfig): boolean {
  const data = config.data;
  if (!data) return config.Y !== undefined && config.Y.length > 0 && Array.isArray(config.Y[0]);
  if (data.type === 'diabetes') return true;
  if (data.type !== 'csv') return false;
  return data.task === 'regression' || (Array.isArray(data.target_columns) && data.target_columns.length > 1);
}

function configFromFlags(flags: TrainFlags, explicit: (name: string) => boolean): RunConfig {
  // --lr-lambda alone means LambdaLR; with another --scheduler, that scheduler's flags are checked as given.
  const schedulerFlags = givenSchedulerFlags(flags, explicit);
  const type = explicit('lrLambda') && !explicit('scheduler') ? 'LambdaLR' : flags.scheduler;
  const schedulerAsked = explicit('scheduler') || schedulerFlags.length > 0;
  const useScheduler = type !== 'none' && (!flags.manualDecay || schedulerAsked);
  if (type === 'none' && schedulerFlags.length) {
    throw new UsageError(`${schedulerFlags.join(', ')}: --scheduler none takes no scheduler arguments`);
  }
  let scheduler: NonNullable<RunConfig['scheduler']> | null = null;
  if (useScheduler) {
    scheduler = schedulerSpecFromFlags(type, flags, explicit);
    if (type === 'StepLR') scheduler.args = { step_size: 50, gamma: 0.99, ...scheduler.args };
  }
  return runConfigFromFlags(flags, explicit, {
    scheduler,
    steps: flags.steps,
    manual_decay: flags.manualDecay ?? null,
    batch_schedule: flags.batchSchedule ? batchScheduleSpecFromText(flags.batchSchedule, '--batch-schedule') : null,
    ...validationFromFlags(flags, useScheduler ? type : 'none'),
  });
}

function describe(config: RunConfig): string {
  const args = Object.entries(config.activation_args ?? {}).map(([k, v]) => `, ${k}=${v}`);
  const loss = config.criterion
    ? `, ${config.criterion.type}(${Object.entries(config.criterion.args ?? {})
        .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
        .join(', ')})`
    : '';
  const net = `MLP ${config.sizes.join('-')} (${config.activation}${args.join('')})${loss}${precisionNote(config)}`;
  const lrs = config.optimizer.groups?.map((g) => g.lr).join('/') ?? '';
  const opt = `${config.optimizer.type} lr=${lrs}${config.group_by_layer ? ' (one param group per layer)' : ''}`;
  const sched = config.scheduler
    ? `${config.scheduler.type}(${Object.entries(config.scheduler.args ?? {})
        .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
        .join(', ')})`
    : 'no scheduler';
  const decay = config.manual_decay
    ? `, manual decay ×${config.manual_decay.factor} every ${config.manual_decay.every} steps`
    : '';
  const data = config.data
    ? Object.entries(config.data)
        .map(([k, v]) => (k === 'type' ? v : `${k}=${v}`))
        .join(' ')
    : `${config.X?.length} inline samples`;
  const bs = config.batch_schedule
    ? `${config.batch_schedule.type}(${Object.entries(config.batch_schedule.args ?? {})
        .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
        .join(', ')}) per ${config.batch_schedule.interval} from `
    : '';
  const batch = `batch ${bs}${config.batch_size ?? 'full'}`;
  const scaler = config.scaler ? `, scaled by ${config.scaler.type}` : '';
  return `${net}, ${opt}, ${sched}${decay}, ${config.steps} steps, ${batch}, data: ${data}${scaler}`;
}

function summary(result: RunResult): string {
  const lastLr = result.lastStep ? Array.from(result.lastStep.lr) : [];
  const steps = (result.steps ?? result.loss.length) - (result.start_step ?? 0);
  // No rate for a run of no steps, or one too short for the clock to see: never NaN or Infinity steps/s.
  const rate =
    steps > 0 && result.wallMs > 0
      ? `  (${Math.round(steps / (result.wallMs / 1000)).toLocaleString('en-US')} steps/s)`
      : steps === 0
        ? '  (no steps)'
        : '';
  const lastStep = result.lastStep ? result.lastStep.loss.toPrecision(6) : '-';
  const finalLr = lastLr.length
    ? `${lastLr.map((v) => v.toPrecision(6)).join(', ')}  (used by the last step)`
    : '-  (no steps)';
  // One param group per layer: each group's lr on a line of its own, named by its layer.
  const layers = result.config.group_by_layer ? linearLayers(result.config.sizes) : null;
  const lrLines =
    layers && lastLr.length
      ? [
          '  final lr        (used by the last step)',
          ...lastLr.map((v, g) => `    group ${g} (${layers[g]})  ${v.toPrecision(6)}`),
        ]
      : [`  final lr        ${finalLr}`];
  return [
    `anneal train — ${describe(result.config)}`,
    `  final loss      ${result.final_loss.toPrecision(6)}  (whole dataset; last step ${lastStep})`,
    Number.isNaN(result.final_accuracy)
      ? `  mse             ${(result.final_mse ?? Number.NaN).toPrecision(6)}  (whole dataset)`
      : `  accuracy        ${(100 * result.final_accuracy).toFixed(1)} %`,
    ...validationSummary(result),
    ...lrLines,
    `  wall time       ${result.wallMs.toFixed(1)} ms${rate}`,
    '',
  ].join('\n');
}
