/**
 * Batch-size schedules: the batch size as a function of the epoch, shaped like the lr schedulers
 * (StepLR → StepBS, MultiStepLR → MultiStepBS, ExponentialLR → ExponentialBS, LambdaLR → LambdaBS), and
 * `ScheduledBatches`, the BatchSource that asks a schedule for the batch size at the start of every epoch.
 *
 * "Don't decay the learning rate, increase the batch size": multiplying the batch size by 1/γ where a
 * StepLR would multiply the lr by γ shrinks the gradient noise the same way, with fewer, larger steps.
 *
 * The batch size of epoch t is `round(batchSize · factor(t))`. It must stay in [1, datasetSize]: a schedule
 * that would leave that range is an error naming the epoch, unless `maxBatchSize` caps the growth (the
 * size is then clamped to it, as ReduceLROnPlateau's `min_lr` clamps the lr).
 */
import { compileLambda, lambdaSource } from '../expr/compile.ts';
import { ExprError } from '../expr/errors.ts';
import { RandomState } from '../data/numpy_random.ts';
import { snakeToCamel } from '../lr_scheduler/names.ts';
import { canonicalName } from '../canonical_name.ts';
import { StateReader, type StateDict } from '../lr_scheduler/state.ts';
import { ArgChecker, formatValue } from '../lr_scheduler/validate.ts';
import type { BatchSource } from './trainer.ts';

/** Options every batch-size schedule takes. */
export interface BatchSizeSchedulerOptions {
  /** The batch size of epoch 0, an integer in [1, datasetSize]. */
  batchSize: number;
  /** The number of samples: no batch may be larger. */
  datasetSize: number;
  /** Optional cap in [batchSize, datasetSize]: sizes above it are clamped to it instead of being an error. */
  maxBatchSize?: number | null;
  /** -1 (default) starts the schedule; k >= 0 resumes it at epoch k + 1, as `last_epoch` does in PyTorch. */
  lastEpoch?: number;
}

/**
 * The base of the batch-size schedules. As an lr scheduler, the constructor takes the first step, so right
 * after construction `lastEpoch` is 0 and `getBatchSize()` is the size of epoch 0; each `step()` moves to
 * the next epoch. `batchSizeAt(epoch)` is the closed form, pure.
 */
export abstract class BatchSizeScheduler {
  /** The class name ('StepBS', ...), used in messages and state-dict checks. */
  readonly name: string;
  /** The batch size of epoch 0. */
  baseBatchSize: number;
  /** The number of samples: no batch may be larger. */
  datasetSize: number;
  /** Cap on the batch size (sizes above it are clamped to it), or null for none. */
  maxBatchSize: number | null;
  /** The epoch of the last step: 0 right after a fresh construction. */
  lastEpoch: number;
  /** Calls of step() or advanceTo(), the constructor's step included (PyTorch's `_step_count`). */
  protected stepCount = 0;
  private lastBatchSize = 0;

  protected constructor(name: string, check: ArgChecker, o: Partial<BatchSizeSchedulerOptions>) {
    this.name = name;
    const datasetSize = check.integer('datasetSize', o.datasetSize, 1);
    const batchSize = check.integer('batchSize', o.batchSize, 1);
    if (batchSize > datasetSize)
      check.fail('batchSize', `an integer in [1, ${datasetSize}] (the dataset size)`, batchSize);
    let cap: number | null = null;
    if (o.maxBatchSize !== undefined && o.maxBatchSize !== null) {
      cap = check.integer('maxBatchSize', o.maxBatchSize, batchSize);
      if (cap > datasetSize)
        check.fail(
          'maxBatchSize',
          `an integer in [${batchSize}, ${datasetSize}] (from batchSize to the dataset size)`,
          cap,
        );
    }
    this.baseBatchSize = batchSize;
    this.datasetSize = datasetSize;
    this.maxBatchSize = cap;
    this.lastEpoch = check.integer('lastEpoch', o.lastEpoch ?? -1, -1);
  }

  /** The factor the base batch size is multiplied by at `epoch` (before rounding). */
  abstract factorAt(epoch: number): number;

  /** The batch size at `epoch`: `round(batchSize · factor(epoch))`, capped by maxBatchSize; checked against [1, datasetSize]. */
  batchSizeAt(epoch: number, where = `epoch ${epoch}`): number {
    if (!Number.isInteger(epoch) || epoch < 0)
      throw new RangeError(`${this.name}.batchSizeAt: epoch must be an integer >= 0, got ${epoch}`);
    const factor = this.factorAt(epoch);
    const raw = this.baseBatchSize * factor;
    if (!Number.isFinite(raw))
      throw new RangeError(
        `${this.name}: the batch size at ${where} is ${raw} (factor ${factor}); it must be a finite number`,
      );
    let size = Math.round(raw);
    if (this.maxBatchSize !== null && size > this.maxBatchSize) size = this.maxBatchSize;
    if (size < 1) {
      throw new RangeError(
        `${this.name}: the batch size at ${where} would be ${size} (${this.baseBatchSize} × ${Number(factor.toPrecision(6))}); a batch size must be at least 1`,
      );
    }
    if (size > this.datasetSize) {
      throw new RangeError(
        `${this.name}: the batch size at ${where} would be ${size} (${this.baseBatchSize} × ${Number(factor.toPrecision(6))}), ` +
          `more than the dataset size ${this.datasetSize}; batch sizes must be in [1, ${this.datasetSize}]: ` +
          'train for fewer epochs, grow more slowly, or set maxBatchSize (max_batch_size) to cap the growth',
      );
    }
    return size;
  }

  /** The batch size the schedule last set (that of epoch `lastEpoch`). */
  getBatchSize(): number {
    return this.lastBatchSize;
  }

  /** Moves to the next epoch and returns its batch size. */
  step(): number {
    return this.advanceTo(this.lastEpoch + 1);
  }

  /**
   * Jumps to `epoch` (>= lastEpoch) and returns its batch size: what ScheduledBatches uses with
   * `interval: 'step'`, where only the steps that start an epoch need a size.
   */
  advanceTo(epoch: number, where?: string): number {
    if (!Number.isInteger(epoch) || epoch < this.lastEpoch) {
      throw new RangeError(
        `${this.name}.advanceTo: epoch must be an integer >= lastEpoch (${this.lastEpoch}), got ${epoch}`,
      );
    }
    const size = this.batchSizeAt(epoch, where);
    this.lastEpoch = epoch;
    this.stepCount += 1;
    this.lastBatchSize = size;
    return size;
  }

  /** The schedule's state as JSON with snake_case keys, hyper-parameters included, as a scheduler's `state_dict()`. */
  stateDict(): StateDict {
    return {
      base_batch_size: this.baseBatchSize,
      dataset_size: this.datasetSize,
      max_batch_size: this.maxBatchSize,
      last_epoch: this.lastEpoch,
      _step_count: this.stepCount,
      _last_batch_size: this.lastBatchSize,
      ...this.hyperParameters(),
    };
  }

  /** Restores what stateDict() saved, hyper-parameters included. */
  loadStateDict(state: StateDict): void {
    const reader = new StateReader(this.name, state);
    const base = reader.integer('base_batch_size');
    const datasetSize = reader.integer('dataset_size');
    const cap =
      reader.has('max_batch_size') && reader.raw('max_batch_size') !== null ? reader.integer('max_batch_size') : null;
    if (base < 1 || base > datasetSize) reader.fail('base_batch_size', `an integer in [1, ${datasetSize}]`, base);
    if (cap !== null && (cap < base || cap > datasetSize))
      reader.fail('max_batch_size', `null or an integer in [${base}, ${datasetSize}]`, cap);
    this.loadHyperParameters(reader);
    this.baseBatchSize = base;
    this.datasetSize = datasetSize;
    this.maxBatchSize = cap;
    this.lastEpoch = reader.integer('last_epoch');
    this.stepCount = reader.integer('_step_count');
    this.lastBatchSize = reader.integer('_last_batch_size');
  }

  /** The schedule's own hyper-parameters, snake_case, for stateDict(). */
  protected abstract hyperParameters(): StateDict;
  /** Restores the hyper-parameters saved by hyperParameters(); the hyper-parameter part of loadStateDict(). */
  protected abstract loadHyperParameters(reader: StateReader): void;

  /** The constructor's step (PyTorch's `_initial_step`). */
  protected initialStep(): void {
    this.stepCount = 0;
    this.lastBatchSize = this.batchSizeAt(this.lastEpoch + 1);
    this.lastEpoch += 1;
    this.stepCount = 1;
  }
}

/** Options of `StepBS`. */
export interface StepBSOptions extends BatchSizeSchedulerOptions {
  /** Period of the growth, in epochs (or steps, see ScheduledBatches' interval). */
  stepSize: number;
  /** Multiplicative factor every stepSize epochs; default 2. */
  gamma?: number;
}

/** Multiplies the batch size by `gamma` every `stepSize` epochs: round(b₀ · γ^⌊t / stepSize⌋). */
export class StepBS extends BatchSizeScheduler {
  /** Period of the growth, in epochs. */
  stepSize: number;
  /** Multiplicative factor of the batch size every `stepSize` epochs. */
  gamma: number;

  constructor(options: StepBSOptions) {
    const check = new ArgChecker('StepBS');
    const o = checkOptions(check, options, ['stepSize', 'gamma']);
    const stepSize = check.integer('stepSize', o.stepSize, 1);
    const gamma = check.number('gamma', o.gamma ?? 2, { min: 0, above: true });
    super('StepBS', check, o);
    this.stepSize = stepSize;
    this.gamma = gamma;
    this.initialStep();
  }

  factorAt(epoch: number): number {
    return Math.pow(this.gamma, Math.floor(epoch / this.stepSize));
  }

  protected hyperParameters(): StateDict {
    return { step_size: this.stepSize, gamma: this.gamma };
  }

  protected loadHyperParameters(reader: StateReader): void {
    this.stepSize = reader.integer('step_size');
    this.gamma = reader.number('gamma');
  }
}

/** Options of `MultiStepBS`. */
export interface MultiStepBSOptions extends BatchSizeSchedulerOptions {
  /** Epochs at which the batch size is multiplied by gamma; increasing (a repeat multiplies twice). */
  milestones: readonly number[];
  /** Multiplicative factor at each milestone; default 2. */
  gamma?: number;
}

/** Multiplies the batch size by `gamma` at each milestone: round(b₀ · γ^(milestones ≤ t)). */
export class MultiStepBS extends BatchSizeScheduler {
  /** The epochs at which the batch size is multiplied by `gamma`, sorted. */
  milestones: number[];
  /** Multiplicative factor of the batch size at each milestone. */
  gamma: number;

  constructor(options: MultiStepBSOptions) {
    const check = new ArgChecker('MultiStepBS');
    const o = checkOptions(check, options, ['milestones', 'gamma']);
    const milestones = check.milestones('milestones', o.milestones, 0);
    const gamma = check.number('gamma', o.gamma ?? 2, { min: 0, above: true });
    super('MultiStepBS', check, o);
    this.milestones = milestones;
    this.gamma = gamma;
    this.initialStep();
  }

  factorAt(epoch: number): number {
    let passed = 0;
    for (const m of this.milestones) if (m <= epoch) passed++;
    return Math.pow(this.gamma, passed);
  }

  protected hyperParameters(): StateDict {
    return { milestones: [...this.milestones], gamma: this.gamma };
  }

  protected loadHyperParameters(reader: StateReader): void {
    this.milestones = [...reader.numbers('milestones')];
    this.gamma = reader.number('gamma');
  }
}

/** Options of `ExponentialBS`. */
export interface ExponentialBSOptions extends BatchSizeSchedulerOptions {
  /** Multiplicative factor per epoch. */
  gamma: number;
}

/** Multiplies the batch size by `gamma` every epoch: round(b₀ · γ^t). */
export class ExponentialBS extends BatchSizeScheduler {
  /** Multiplicative factor of the batch size per epoch. */
  gamma: number;

  constructor(options: ExponentialBSOptions) {
    const check = new ArgChecker('ExponentialBS');
    const o = checkOptions(check, options, ['gamma']);
    const gamma = check.number('gamma', o.gamma, { min: 0, above: true });
    super('ExponentialBS', check, o);
    this.gamma = gamma;
    this.initialStep();
  }

  factorAt(epoch: number): number {
    return Math.pow(this.gamma, epoch);
  }

  protected hyperParameters(): StateDict {
    return { gamma: this.gamma };
  }

  protected loadHyperParameters(reader: StateReader): void {
    this.gamma = reader.number('gamma');
  }
}

/** The factor of the initial batch size at `epoch`, as LambdaLR's `lr_lambda`. */
export type BatchLambda = (epoch: number) => number;

/** Options of `LambdaBS`. */
export interface LambdaBSOptions extends BatchSizeSchedulerOptions {
  /** The factor at each epoch: a function, or an expression in `epoch` such as "2 ** (epoch // 10)". */
  batchLambda: BatchLambda | string;
}

/**
 * The batch size is the initial one times `batchLambda(epoch)`, rounded (LambdaLR's shape). As LambdaLR,
 * stateDict() stores an expression lambda as its text and a function as null (loadStateDict keeps its own).
 */
export class LambdaBS extends BatchSizeScheduler {
  /** The factor of the initial batch size at each epoch. */
  batchLambda: BatchLambda;

  constructor(options: LambdaBSOptions) {
    const check = new ArgChecker('LambdaBS');
    const o = checkOptions(check, options, ['batchLambda']);
    const batchLambda = resolveLambda(check, o.batchLambda);
    super('LambdaBS', check, o);
    this.batchLambda = batchLambda;
    this.initialStep();
  }

  factorAt(epoch: number): number {
    return this.batchLambda(epoch);
  }

  protected hyperParameters(): StateDict {
    return { batch_lambda: lambdaSource(this.batchLambda) ?? null };
  }

  protected loadHyperParameters(reader: StateReader): void {
    if (!reader.has('batch_lambda')) return;
    const source = reader.raw('batch_lambda');
    if (source === null) return;
    if (typeof source !== 'string') reader.fail('batch_lambda', 'an expression string or null', source);
    this.batchLambda = resolveLambda(new ArgChecker(this.name), source);
  }
}

function resolveLambda(check: ArgChecker, input: unknown): BatchLambda {
  if (typeof input === 'function') return input as BatchLambda;
  if (typeof input !== 'string')
    check.fail('batchLambda', 'a function of the epoch or an expression string in epoch', input);
  try {
    return compileLambda(input);
  } catch (error) {
    if (!(error instanceof ExprError)) throw error;
    throw new Error(`${check.scheduler}: batchLambda (batch_lambda) is not a valid expression: ${error.message}`, {
      cause: error,
    });
  }
}

const COMMON_OPTIONS = ['batchSize', 'datasetSize', 'maxBatchSize', 'lastEpoch'] as const;

function checkOptions<T extends BatchSizeSchedulerOptions>(
  check: ArgChecker,
  options: T,
  own: readonly string[],
): Partial<T> {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new Error(`${check.scheduler}: options must be an object, got ${formatValue(options)}`);
  }
  const allowed = [...own, ...COMMON_OPTIONS];
  for (const key of Object.keys(options)) {
    if (!allowed.includes(key))
      throw new Error(`${check.scheduler}: unknown option '${key}' (accepted: ${allowed.join(', ')})`);
  }
  return options;
}

// ---------------------------------------------------------------------------------------------------------
// Specs: {type: 'StepBS', args: {step_size: 50, gamma: 2, max_batch_size: 256}, interval: 'epoch'}

/** When the schedule advances: once per epoch (default), or once per training step (as the lesson's StepLR). */
export type BatchInterval = 'epoch' | 'step';
export const BATCH_INTERVALS: readonly BatchInterval[] = ['epoch', 'step'];

/** A batch-size schedule as JSON (a run config's `batch_schedule`), what `batchScheduleFromSpec` builds. */
export interface BatchScheduleSpec {
  /** The class name ('StepBS', 'MultiStepBS', 'ExponentialBS', 'LambdaBS') or an alias such as 'step'. */
  type: string;
  /** The schedule's arguments, snake_case (`step_size`, `gamma`, `max_batch_size`, ...). */
  args?: { [name: string]: unknown };
  /** Whether the schedule counts epochs (default) or training steps. */
  interval?: BatchInterval;
}

const BS_REGISTRY: Readonly<
  Record<string, { args: readonly string[]; build: (o: Record<string, unknown>) => BatchSizeScheduler }>
> = {
  StepBS: { args: ['step_size', 'gamma', 'max_batch_size'], build: (o) => new StepBS(o as never) },
  MultiStepBS: { args: ['milestones', 'gamma', 'max_batch_size'], build: (o) => new MultiStepBS(o as never) },
  ExponentialBS: { args: ['gamma', 'max_batch_size'], build: (o) => new ExponentialBS(o as never) },
  LambdaBS: { args: ['batch_lambda', 'max_batch_size'], build: (o) => new LambdaBS(o as never) },
};

/** The class names batchScheduleFromSpec() knows. */
export const BATCH_SCHEDULE_TYPES: readonly string[] = Object.keys(BS_REGISTRY);

const BS_ALIASES: Record<string, string> = {
  step: 'StepBS',
  multistep: 'MultiStepBS',
  exponential: 'ExponentialBS',
  exp: 'ExponentialBS',
  lambda: 'LambdaBS',
};

/** Resolves `step`, `StepBS` or `stepbs` to the class name; throws naming the known ones. */
export function batchScheduleType(name: string): string {
  return canonicalName(name, BATCH_SCHEDULE_TYPES, { what: 'batch schedule', aliases: BS_ALIASES, error: Error });
}

/** The snake_case arguments a batch schedule spec of `type` accepts. */
export function batchScheduleSpecArgs(type: string): readonly string[] {
  return BS_REGISTRY[batchScheduleType(type)].args;
}

/** Builds the schedule a spec describes, starting at `batchSize`, for a dataset of `datasetSize` samples. */
export function batchScheduleFromSpec(
  spec: BatchScheduleSpec,
  start: { batchSize: number; datasetSize: number },
): BatchSizeScheduler {
  if (typeof spec !== 'object' || spec === null || typeof spec.type !== 'string') {
    throw new Error(`batchScheduleFromSpec: a spec must be an object {type, args, interval}, got ${formatValue(spec)}`);
  }
  const type = batchScheduleType(spec.type);
  const entry = BS_REGISTRY[type];
  const options: Record<string, unknown> = { batchSize: start.batchSize, datasetSize: start.datasetSize };
  for (const [name, value] of Object.entries(spec.args ?? {})) {
    if (!entry.args.includes(name))
      throw new Error(`${type} has no argument '${name}' (accepted: ${entry.args.join(', ')})`);
    if (value !== null && value !== undefined) options[snakeToCamel(name)] = value;
  }
  return entry.build(options);
}

// ---------------------------------------------------------------------------------------------------------

/** Options of `ScheduledBatches`. */
export interface ScheduledBatchesOptions {
  /** The dataset size; must equal the schedule's `datasetSize`. */
  nSamples: number;
  /** The batch-size schedule, fresh (`lastEpoch` 0). */
  schedule: BatchSizeScheduler;
  /** Seed of the RandomState that draws each epoch's permutation, an integer in [0, 2^32 - 1]. Default 0. */
  seed?: number;
  /** 'epoch' (default): step the schedule at each epoch start; 'step': once per training step. */
  interval?: BatchInterval;
  /** With a step count, the whole run's batch sizes are checked up front (errors before training starts). */
  steps?: number;
}

/**
 * A BatchSource driven by a batch-size schedule. At the start of each epoch it asks the schedule for the
 * batch size, draws a permutation of the samples from its numpy `RandomState(seed)` (as DataLoader does),
 * and hands out batches of that size in order. The last partial batch of an epoch is dropped (as
 * DataLoader's `dropLast`): every step of an epoch has exactly the scheduled size, and the samples left
 * out are in the next epoch's permutation. With a constant size this is exactly
 * `DataLoader({ batchSize, shuffle: true, seed, dropLast: true })`.
 *
 * With `interval: 'step'` the schedule counts training steps, not epochs: an epoch starting at step i
 * takes the schedule's size for step i (the size grows at the first epoch start at or after the step where
 * a StepLR with the same step_size would decay the lr).
 */
export class ScheduledBatches implements BatchSource {
  /** The batch-size schedule, stepped at each epoch start. */
  readonly schedule: BatchSizeScheduler;
  /** Whether the schedule counts epochs ('epoch') or training steps ('step'). */
  readonly interval: BatchInterval;
  /** The dataset size. */
  readonly nSamples: number;
  /** The batches handed out, one per step. */
  readonly record: number[][] = [];
  /** Batch size per step. */
  readonly batchSizes: number[] = [];
  /** The step at which each epoch started. */
  readonly epochStarts: number[] = [];
  private readonly rng: RandomState;
  private order: Int32Array | null = null;
  private position = 0;
  private size = 0;
  private stepsSeen = 0;

  constructor(options: ScheduledBatchesOptions) {
    const { schedule } = options;
    if (!(schedule instanceof BatchSizeScheduler))
      throw new TypeError(
        'ScheduledBatches: schedule must be a BatchSizeScheduler (StepBS, MultiStepBS, ExponentialBS, LambdaBS)',
      );
    const interval = options.interval ?? 'epoch';
    if (!BATCH_INTERVALS.includes(interval))
      throw new RangeError(`ScheduledBatches: interval must be 'epoch' or 'step', got ${formatValue(interval)}`);
    if (options.nSamples !== schedule.datasetSize) {
      throw new RangeError(
        `ScheduledBatches: nSamples (${options.nSamples}) must equal the schedule's datasetSize (${schedule.datasetSize})`,
      );
    }
    if (schedule.lastEpoch !== 0)
      throw new RangeError(
        `ScheduledBatches: the schedule must be fresh (lastEpoch 0), got lastEpoch ${schedule.lastEpoch}`,
      );
    this.schedule = schedule;
    this.interval = interval;
    this.nSamples = options.nSamples;
    this.rng = new RandomState(options.seed ?? 0);
    if (options.steps !== undefined) planBatchSizes(schedule, options.nSamples, options.steps, interval);
  }

  /** The sample indices of step `step`'s batch; steps must come in order, from 0. */
  next(step: number): Int32Array {
    if (step !== this.stepsSeen)
      throw new RangeError(
        `ScheduledBatches.next: steps must come in order; expected step ${this.stepsSeen}, got ${step}`,
      );
    if (this.order === null || this.position + this.size > this.nSamples) {
      const epoch = this.epochStarts.length;
      if (epoch > 0) {
        if (this.interval === 'epoch') this.schedule.advanceTo(epoch);
        else this.schedule.advanceTo(step, `training step ${step} (the start of epoch ${epoch})`);
      }
      this.size = this.schedule.getBatchSize();
      this.order = this.rng.permutation(this.nSamples);
      this.position = 0;
      this.epochStarts.push(step);
    }
    const batch = this.order.slice(this.position, this.position + this.size);
    this.position += this.size;
    this.stepsSeen++;
    this.record.push(Array.from(batch));
    this.batchSizes.push(batch.length);
    return batch;
  }
}

/**
 * The batch size of every step of a run of `steps` steps, from the schedule's closed form (the schedule is
 * not stepped). Throws, naming the epoch and the step, when a size would leave [1, nSamples].
 */
export function planBatchSizes(
  schedule: BatchSizeScheduler,
  nSamples: number,
  steps: number,
  interval: BatchInterval = 'epoch',
): number[] {
  const sizes: number[] = [];
  let epoch = 0;
  let size = 0;
  let position = nSamples + 1;
  for (let step = 0; step < steps; step++) {
    if (position + size > nSamples) {
      size =
        interval === 'epoch'
          ? schedule.batchSizeAt(epoch, `epoch ${epoch} (which starts at training step ${step})`)
          : schedule.batchSizeAt(step, `training step ${step} (the start of epoch ${epoch})`);
      epoch++;
      position = 0;
    }
    sizes.push(size);
    position += size;
  }
  return sizes;
}
