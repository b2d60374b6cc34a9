/**
 * Batch-size schedules: any lr scheduler drives the batch size (src/train/batch_size_scheduler.ts), the names
 * that were batch schedules of their own — StepBS, MultiStepBS, ExponentialBS, LambdaBS — are aliases of
 * StepLR, MultiStepLR, ExponentialLR and LambdaLR, and `ScheduledBatches` is the BatchSource that asks a
 * schedule for the batch size at the start of every epoch.
 *
 * "Don't decay the learning rate, increase the batch size": the StepLR that multiplies the lr by γ, run with
 * 1/γ on the batch size, shrinks the gradient noise the same way, with fewer, larger steps.
 */
import { ValidationError } from '../params/error.ts';
import { findCanonicalName } from '../canonical_name.ts';
import { RandomState, type RandomStateDict } from '../data/numpy_random.ts';
import { checkOrder } from '../data/loader.ts';
import {
  type ExponentialLR,
  type LambdaLR,
  type LrLambda,
  type LrLambdaInput,
  type MultiStepLR,
  SCHEDULER_TYPES,
  type StepLR,
  schedulerSpecArgs,
  snakeToCamel,
} from '../lr_scheduler/index.ts';
import { formatValue } from '../params/names.ts';
import {
  type BatchSizeSchedulerInit,
  type BatchSizeSchedulerOptions,
  BatchSizeScheduler,
  checkOptions,
  type SchedulerAlias,
} from './batch_size_scheduler.ts';
import { type BatchSourceState, type CheckpointableBatches, checkBatchState } from './batches.ts';
import type { StateDict } from '../params/state_reader.ts';

export {
  BatchSizeScheduler,
  type BatchSizeSchedulerInit,
  type BatchSizeSchedulerOptions,
  type SchedulerAlias,
  type SchedulerBuilder,
} from './batch_size_scheduler.ts';

// The aliases: each is the scheduler under the name and argument names it had as a batch schedule of its own.
// Their defaults make a batch grow (gamma 2, where StepLR's 0.1 decays an lr).
const ALIASES = {
  StepBS: { type: 'StepLR', args: { step_size: 'step_size', gamma: 'gamma' }, defaults: { gamma: 2 } },
  MultiStepBS: { type: 'MultiStepLR', args: { milestones: 'milestones', gamma: 'gamma' }, defaults: { gamma: 2 } },
  ExponentialBS: { type: 'ExponentialLR', args: { gamma: 'gamma' } },
  LambdaBS: { type: 'LambdaLR', args: { batch_lambda: 'lr_lambda' }, stateLists: { batch_lambda: 'lr_lambdas' } },
} as const satisfies Record<string, Omit<SchedulerAlias, 'name'>>;

type AliasName = keyof typeof ALIASES;

const COMMON_OPTIONS = ['batchSize', 'datasetSize', 'maxBatchSize', 'lastEpoch'];

/** An alias's options as the scheduler's spec: `{stepSize: 5}` → `{type: 'StepLR', args: {step_size: 5, gamma: 2}}`. */
function aliased(name: AliasName, options: BatchSizeSchedulerOptions): [BatchSizeSchedulerInit, SchedulerAlias] {
  const alias: SchedulerAlias = { name, ...ALIASES[name] };
  const own = Object.keys(alias.args).map(snakeToCamel);
  const o = checkOptions(name, options, [...own, ...COMMON_OPTIONS]) as unknown as Record<string, unknown>;
  const args: Record<string, unknown> = { ...alias.defaults };
  for (const [mine, theirs] of Object.entries(alias.args)) {
    const value = o[snakeToCamel(mine)];
    if (value !== undefined && value !== null) args[theirs] = value;
  }
  const { batchSize, datasetSize, maxBatchSize, lastEpoch } = options;
  return [{ batchSize, datasetSize, maxBatchSize, lastEpoch, scheduler: { type: alias.type, args } }, alias];
}

/** Options of `StepBS`. */
export interface StepBSOptions extends BatchSizeSchedulerOptions {
  /** Period of the growth, in epochs (or steps, see ScheduledBatches' interval). */
  stepSize: number;
  /** Multiplicative factor every stepSize epochs; default 2. */
  gamma?: number;
}

/** StepLR on the batch size: ×gamma every `stepSize` epochs, round(b₀ · γ^⌊t / stepSize⌋); gamma defaults to 2. */
export class StepBS extends BatchSizeScheduler<StepLR> {
  constructor(options: StepBSOptions) {
    super(...aliased('StepBS', options));
  }

  /** Period of the growth, in epochs (StepLR's). */
  get stepSize(): number {
    return this.scheduler.stepSize;
  }

  /** Multiplicative factor of the batch size every `stepSize` epochs (StepLR's). */
  get gamma(): number {
    return this.scheduler.gamma;
  }
}

/** Options of `MultiStepBS`. */
export interface MultiStepBSOptions extends BatchSizeSchedulerOptions {
  /** Epochs at which the batch size is multiplied by gamma; increasing (a repeat multiplies twice). */
  milestones: readonly number[];
  /** Multiplicative factor at each milestone; default 2. */
  gamma?: number;
}

/** MultiStepLR on the batch size: ×gamma at each milestone, round(b₀ · γ^(milestones ≤ t)); gamma defaults to 2. */
export class MultiStepBS extends BatchSizeScheduler<MultiStepLR> {
  constructor(options: MultiStepBSOptions) {
    super(...aliased('MultiStepBS', options));
  }

  /** The epochs at which the batch size is multiplied by `gamma`, sorted (MultiStepLR's). */
  get milestones(): number[] {
    return this.scheduler.milestones;
  }

  /** Multiplicative factor of the batch size at each milestone (MultiStepLR's). */
  get gamma(): number {
    return this.scheduler.gamma;
  }
}

/** Options of `ExponentialBS`. */
export interface ExponentialBSOptions extends BatchSizeSchedulerOptions {
  /** Multiplicative factor per epoch. */
  gamma: number;
}

/** ExponentialLR on the batch size: ×gamma every epoch, round(b₀ · γ^t). */
export class ExponentialBS extends BatchSizeScheduler<ExponentialLR> {
  constructor(options: ExponentialBSOptions) {
    super(...aliased('ExponentialBS', options));
  }

  /** Multiplicative factor of the batch size per epoch (ExponentialLR's). */
  get gamma(): number {
    return this.scheduler.gamma;
  }
}

/** The factor of the initial batch size at `epoch`: LambdaLR's `lr_lambda`. */
export type BatchLambda = LrLambda;

/** Options of `LambdaBS`. */
export interface LambdaBSOptions extends BatchSizeSchedulerOptions {
  /** The factor at each epoch: a function, or an expression in `epoch` such as "2 ** (epoch // 10)". */
  batchLambda: LrLambdaInput;
}

/**
 * LambdaLR on the batch size: round(b₀ · batchLambda(epoch)). As LambdaLR, stateDict() stores an expression
 * lambda as its text (`batch_lambda`) and a function as null (loadStateDict then keeps its own).
 */
export class LambdaBS extends BatchSizeScheduler<LambdaLR> {
  constructor(options: LambdaBSOptions) {
    super(...aliased('LambdaBS', options));
  }

  /** The factor of the initial batch size at each epoch (LambdaLR's lr_lambda). */
  get batchLambda(): BatchLambda {
    return this.scheduler.lrLambdas[0];
  }
}

const ALIAS_CLASSES: Record<AliasName, new (options: never) => BatchSizeScheduler> = {
  StepBS,
  MultiStepBS,
  ExponentialBS,
  LambdaBS,
};

// ---------------------------------------------------------------------------------------------------------
// Specs: {type: 'StepBS', args: {step_size: 50, gamma: 2, max_batch_size: 256}, interval: 'epoch'}, or any lr
// scheduler's: {type: 'CosineAnnealingLR', args: {T_max: 100, eta_min: 0.25}}.

/** When the schedule advances: once per epoch (default), or once per training step (as the lesson's StepLR). */
export type BatchInterval = 'epoch' | 'step';
export const BATCH_INTERVALS: readonly BatchInterval[] = ['epoch', 'step'];

/** A batch-size schedule as JSON (a run config's `batch_schedule`), what `batchScheduleFromSpec` builds. */
export interface BatchScheduleSpec {
  /** An lr scheduler's class name ('StepLR', 'CosineAnnealingLR', ...), an alias ('StepBS', ...) or 'step', .... */
  type: string;
  /** The schedule's arguments, snake_case (`step_size`, `gamma`, `max_batch_size`, ...). */
  args?: { [name: string]: unknown };
  /** Whether the schedule counts epochs (default) or training steps. */
  interval?: BatchInterval;
}

/** The aliases StepBS, MultiStepBS, ExponentialBS and LambdaBS. */
export const BATCH_SCHEDULE_ALIASES: readonly string[] = Object.keys(ALIASES);

/** The lr schedulers that can drive a batch size: all but ReduceLROnPlateau, which steps on a metric. */
const LR_TYPES = SCHEDULER_TYPES.filter((type) => type !== 'ReduceLROnPlateau');

/** The names batchScheduleFromSpec() knows: the aliases, then the lr schedulers. */
export const BATCH_SCHEDULE_TYPES: readonly string[] = [...BATCH_SCHEDULE_ALIASES, ...LR_TYPES];

const SHORT_NAMES: Record<string, string> = {
  step: 'StepBS',
  multistep: 'MultiStepBS',
  exponential: 'ExponentialBS',
  exp: 'ExponentialBS',
  lambda: 'LambdaBS',
};

/** Resolves `step`, `StepBS`, `stepbs` or `steplr` to the canonical name; throws naming the known ones. */
export function batchScheduleType(name: string): string {
  const found = findCanonicalName(name, BATCH_SCHEDULE_TYPES, SHORT_NAMES);
  if (found !== undefined) return found;
  const allowed =
    `one of ${BATCH_SCHEDULE_ALIASES.join(', ')} (or ${Object.keys(SHORT_NAMES).join(', ')}) ` +
    `or an lr scheduler: ${LR_TYPES.join(', ')}`;
  if (findCanonicalName(name, SCHEDULER_TYPES) === 'ReduceLROnPlateau') {
    throw new ValidationError(
      'batchScheduleType',
      'type',
      allowed,
      name,
      'ReduceLROnPlateau cannot drive a batch size: it steps on a metric',
    );
  }
  throw new ValidationError(
    'batchScheduleType',
    'type',
    allowed,
    name,
    `unknown batch schedule ${JSON.stringify(name)}; expected one of ${BATCH_SCHEDULE_ALIASES.join(', ')} ` +
      `(or ${Object.keys(SHORT_NAMES).join(', ')}) or an lr scheduler: ${LR_TYPES.join(', ')}`,
  );
}

/** The snake_case arguments a batch schedule spec of `type` accepts: the scheduler's and `max_batch_size`. */
export function batchScheduleSpecArgs(type: string): readonly string[] {
  const name = batchScheduleType(type);
  const own = Object.hasOwn(ALIASES, name)
    ? Object.keys(ALIASES[name as AliasName].args)
    : schedulerSpecArgs(name).filter((arg) => arg !== 'last_epoch');
  return [...own, 'max_batch_size'];
}

/** Builds the schedule a spec describes, starting at `batchSize`, for a dataset of `datasetSize` samples. */
export function batchScheduleFromSpec(
  spec: BatchScheduleSpec,
  start: { batchSize: number; datasetSize: number },
): BatchSizeScheduler {
  if (typeof spec !== 'object' || spec === null || typeof spec.type !== 'string') {
    throw new ValidationError(
      'batchScheduleFromSpec',
      'spec',
      'an object {type, args, interval}',
      spec,
      `batchScheduleFromSpec: a spec must be an object {type, args, interval}, got ${formatValue(spec)}`,
    );
  }
  const type = batchScheduleType(spec.type);
  const accepted = batchScheduleSpecArgs(type);
  const args: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(spec.args ?? {})) {
    if (!accepted.includes(name)) {
      throw new ValidationError(
        type,
        name,
        `an argument of ${type} (${accepted.join(', ')})`,
        value,
        `${type} has no argument '${name}' (accepted: ${accepted.join(', ')})`,
      );
    }
    if (value !== null && value !== undefined && name !== 'max_batch_size') args[name] = value;
  }
  const sizes = { ...start, maxBatchSize: spec.args?.max_batch_size as number | null | undefined };
  if (!Object.hasOwn(ALIASES, type)) return new BatchSizeScheduler({ ...sizes, scheduler: { type, args } });
  const options = Object.fromEntries(Object.entries(args).map(([name, value]) => [snakeToCamel(name), value]));
  return new ALIAS_CLASSES[type as AliasName]({ ...sizes, ...options } as never);
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
  /** Keep every step's batch, size and epoch start (`record`, `batchSizes`, `epochStarts`); default true. */
  keep?: boolean;
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
export class ScheduledBatches implements CheckpointableBatches {
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
  private epochs = 0;
  private readonly keep: boolean;

  constructor(options: ScheduledBatchesOptions) {
    const { schedule } = options;
    const where = 'ScheduledBatches';
    if (!(schedule instanceof BatchSizeScheduler)) {
      throw new ValidationError(
        where,
        'schedule',
        'a BatchSizeScheduler (see batchScheduleFromSpec)',
        schedule,
        'ScheduledBatches: schedule must be a BatchSizeScheduler (see batchScheduleFromSpec)',
      );
    }
    const interval = options.interval ?? 'epoch';
    if (!BATCH_INTERVALS.includes(interval)) {
      throw new ValidationError(
        where,
        'interval',
        "'epoch' or 'step'",
        interval,
        `ScheduledBatches: interval must be 'epoch' or 'step', got ${formatValue(interval)}`,
      );
    }
    if (options.nSamples !== schedule.datasetSize) {
      throw new ValidationError(
        where,
        'nSamples',
        `the schedule's datasetSize (${schedule.datasetSize})`,
        options.nSamples,
        `ScheduledBatches: nSamples (${options.nSamples}) ` +
          `must equal the schedule's datasetSize (${schedule.datasetSize})`,
      );
    }
    if (schedule.lastEpoch !== 0) {
      throw new ValidationError(
        where,
        'schedule',
        'a fresh schedule (lastEpoch 0)',
        schedule.lastEpoch,
        `ScheduledBatches: the schedule must be fresh (lastEpoch 0), got lastEpoch ${schedule.lastEpoch}`,
      );
    }
    this.schedule = schedule;
    this.interval = interval;
    this.nSamples = options.nSamples;
    this.keep = options.keep ?? true;
    this.rng = new RandomState(options.seed ?? 0);
    if (options.steps !== undefined) planBatchSizes(schedule, options.nSamples, options.steps, interval);
  }

  /** The sample indices of step `step`'s batch; steps must come in order, from 0. */
  next(step: number): Int32Array {
    if (step !== this.stepsSeen) {
      throw new ValidationError(
        'ScheduledBatches.next',
        'step',
        `the next step, ${this.stepsSeen} (steps must come in order)`,
        step,
        `ScheduledBatches.next: steps must come in order; expected step ${this.stepsSeen}, got ${step}`,
      );
    }
    if (this.order === null || this.position + this.size > this.nSamples) {
      const epoch = this.epochs;
      if (epoch > 0) {
        if (this.interval === 'epoch') this.schedule.advanceTo(epoch);
        else this.schedule.advanceTo(step, `training step ${step} (the start of epoch ${epoch})`);
      }
      this.size = this.schedule.getBatchSize();
      this.order = this.rng.permutation(this.nSamples);
      this.position = 0;
      this.epochs++;
      if (this.keep) this.epochStarts.push(step);
    }
    const batch = this.order.slice(this.position, this.position + this.size);
    this.position += this.size;
    this.stepsSeen++;
    if (this.keep) {
      this.record.push(Array.from(batch));
      this.batchSizes.push(batch.length);
    }
    return batch;
  }

  /**
   * Where the batches are: the steps handed out, the epochs begun, the current epoch's order, batch size and
   * position, the RandomState (numpy's `get_state` layout) and the schedule's own state dict.
   */
  stateDict(): BatchSourceState {
    return {
      type: 'ScheduledBatches',
      schedule_type: this.schedule.name,
      interval: this.interval,
      n_samples: this.nSamples,
      steps: this.stepsSeen,
      epochs: this.epochs,
      order: this.order ? Array.from(this.order) : null,
      size: this.size,
      position: this.position,
      rng: this.rng.getState(),
      schedule: this.schedule.stateDict(),
    };
  }

  /**
   * Restores what stateDict() saved, into batches with the same schedule type, interval and dataset size; the
   * records (`record`, `batchSizes`, `epochStarts`) start again empty. A refused state changes nothing.
   */
  loadStateDict(state: BatchSourceState, where = 'ScheduledBatches.loadStateDict'): void {
    const keys = ['schedule_type', 'interval', 'n_samples', 'steps', 'epochs', 'order', 'size', 'position', 'rng'];
    const s = checkBatchState(state, 'ScheduledBatches', [...keys, 'schedule'], where);
    const fail = (key: string, allowed: string, got: unknown): never => {
      const shown = typeof got === 'object' && got !== null ? (Array.isArray(got) ? 'a list' : 'an object') : got;
      throw new ValidationError(
        where,
        key,
        allowed,
        shown,
        `${where}: ${key} must be ${allowed}, got ${formatValue(shown)}`,
      );
    };
    const mine: [string, unknown][] = [
      ['schedule_type', this.schedule.name],
      ['interval', this.interval],
      ['n_samples', this.nSamples],
    ];
    for (const [key, value] of mine) if (s[key] !== value) fail(key, `${formatValue(value)} (these batches')`, s[key]);
    const count = (key: string, min: number, max: number): number => {
      const v = s[key];
      if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min || v > max) {
        fail(key, `an integer in [${min}, ${max === Number.MAX_SAFE_INTEGER ? '∞' : max}]`, v);
      }
      return v as number;
    };
    const steps = count('steps', 0, Number.MAX_SAFE_INTEGER);
    const order = s.order === null ? null : checkOrder(where, 'order', s.order, this.nSamples);
    const epochs = count('epochs', order ? 1 : 0, order ? Number.MAX_SAFE_INTEGER : 0);
    const size = count('size', order ? 1 : 0, order ? this.nSamples : 0);
    const position = count('position', 0, order ? this.nSamples : 0);
    if (typeof s.schedule !== 'object' || s.schedule === null || Array.isArray(s.schedule)) {
      fail('schedule', `${this.schedule.name}'s state dict (an object)`, s.schedule);
    }
    const before = this.rng.getState();
    this.rng.setState(s.rng as RandomStateDict, `${where} (rng)`);
    try {
      this.schedule.loadStateDict(s.schedule as StateDict);
    } catch (err) {
      this.rng.setState(before);
      throw err;
    }
    this.stepsSeen = steps;
    this.epochs = epochs;
    this.order = order;
    this.size = size;
    this.position = position;
    this.record.length = 0;
    this.batchSizes.length = 0;
    this.epochStarts.length = 0;
  }
}

/**
 * The batch size of every step of a run of `steps` steps, from the schedule's closed form, or from a dry run of
 * a copy where it has none (the schedule itself is not stepped). Throws, naming the epoch and the step, when a
 * size would leave [1, nSamples].
 */
export function planBatchSizes(
  schedule: BatchSizeScheduler,
  nSamples: number,
  steps: number,
  interval: BatchInterval = 'epoch',
): number[] {
  const copy = schedule.closedForm ? null : schedule.fork();
  const sizeAt = (t: number, where: string) => (copy ? copy.advanceTo(t, where) : schedule.batchSizeAt(t, where));
  const sizes: number[] = [];
  let epoch = 0;
  let size = 0;
  let position = nSamples + 1;
  for (let step = 0; step < steps; step++) {
    if (position + size > nSamples) {
      size =
        interval === 'epoch'
          ? sizeAt(epoch, `epoch ${epoch} (which starts at training step ${step})`)
          : sizeAt(step, `training step ${step} (the start of epoch ${epoch})`);
      epoch++;
      position = 0;
    }
    sizes.push(size);
    position += size;
  }
  return sizes;
}
