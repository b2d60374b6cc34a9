/**
 * The batch size as a scheduled quantity, driven by the lr schedulers themselves: any LRScheduler runs on a
 * stand-in optimizer, one param group whose lr starts at 1.0, so the lr it sets is a factor, and the batch size
 * of epoch t is `round(batchSize · factor(t))`. The schedule's lifecycle (`lastEpoch`, the constructor's step,
 * its state dict, its argument checks) is the scheduler's own.
 *
 * The batch size must stay in [1, datasetSize]: a size that would leave that range is an error naming the
 * epoch, unless `maxBatchSize` caps the growth (the size is then clamped to it, as ReduceLROnPlateau's
 * `min_lr` clamps the lr).
 */
import { findCanonicalName } from '../canonical_name.ts';
import {
  type AnyScheduler,
  type ClosedForm,
  hasClosedForm,
  LRScheduler,
  SCHEDULER_TYPES,
  type SchedulerSpec,
  schedulerFromSpec,
  SequentialLR,
  snakeToCamel,
  type StateDict,
} from '../lr_scheduler/index.ts';
import { StateReader } from '../params/state_reader.ts';
import type { SchedulableOptimizer, SchedulableParamGroup } from '../optim/param_group.ts';
import { checkInteger } from '../params/check.ts';
import { refuse, ValidationError } from '../params/error.ts';
import { formatValue } from '../params/names.ts';

/** Options every batch-size schedule takes. */
export interface BatchSizeSchedulerOptions {
  /** The batch size at a factor of 1 (epoch 0's for the schedules that start at 1), in [1, datasetSize]. */
  batchSize: number;
  /** The number of samples: no batch may be larger. */
  datasetSize: number;
  /** Optional cap in [batchSize, datasetSize]: sizes above it are clamped to it instead of being an error. */
  maxBatchSize?: number | null;
  /** -1 (default) starts the schedule; k >= 0 resumes it at epoch k + 1, as `last_epoch` does in PyTorch. */
  lastEpoch?: number;
}

/** Builds an lr scheduler on the optimizer it is given (the batch-size schedule's stand-in). */
export type SchedulerBuilder = (optimizer: SchedulableOptimizer) => AnyScheduler;

/** Options of `new BatchSizeScheduler(...)`: the common ones and the lr scheduler whose lr is the factor. */
export interface BatchSizeSchedulerInit extends BatchSizeSchedulerOptions {
  /** A scheduler spec (`{type: 'CosineAnnealingLR', args: {T_max: 100}}`) or a function building one. */
  scheduler: SchedulerSpec | SchedulerBuilder;
}

/**
 * How an alias (StepBS, ...) presents an lr scheduler under its own name and argument names: messages and
 * state dicts then use them.
 */
export interface SchedulerAlias {
  /** The alias's name: `StepBS`. */
  readonly name: string;
  /** The scheduler it stands for: `StepLR`. */
  readonly type: string;
  /** Each of the alias's snake_case arguments, with the scheduler's argument it is. */
  readonly args: Readonly<Record<string, string>>;
  /** Defaults that differ from the scheduler's, under the scheduler's names (a batch grows: gamma 2). */
  readonly defaults?: Readonly<Record<string, unknown>>;
  /** State keys holding the one group's entry of a per-group list of the scheduler's state (`lr_lambdas`). */
  readonly stateLists?: Readonly<Record<string, string>>;
}

const INIT_OPTIONS = ['batchSize', 'datasetSize', 'maxBatchSize', 'lastEpoch', 'scheduler'];

/**
 * A batch-size schedule: an lr scheduler (`scheduler`) run on a stand-in optimizer (`optimizer`) whose lr,
 * starting at 1.0, is the factor of the batch size. As an lr scheduler, the constructor takes the first step,
 * so right after construction `lastEpoch` is 0 and `getBatchSize()` is the size of epoch 0; `step()` moves to
 * the next epoch.
 *
 * The factor at an epoch is the scheduler's closed form `lrAt(epoch)` where it has one (PyTorch's
 * `_get_closed_form_lr`): the sizes are then known in advance, and a step is refused before anything changes.
 * A scheduler without one (ChainedScheduler) is stepped, and looked ahead at through a copy (`fork()`).
 */
export class BatchSizeScheduler<S extends LRScheduler = LRScheduler> {
  /** The schedule's name in messages and state-dict checks: the alias (`StepBS`) or the scheduler's class. */
  readonly name: string;
  /** The lr scheduler that drives the batch size. */
  readonly scheduler: S;
  /** The stand-in optimizer: one group whose lr, starting at 1.0, is the factor (a momentum slot for cycling). */
  readonly optimizer: { readonly paramGroups: [SchedulableParamGroup] };
  /** Whether the factors come from the scheduler's closed form. */
  readonly closedForm: boolean;
  /** The batch size at a factor of 1. */
  baseBatchSize: number;
  /** The number of samples: no batch may be larger. */
  datasetSize: number;
  /** Cap on the batch size (sizes above it are clamped to it), or null for none. */
  maxBatchSize: number | null;
  private lastBatchSize = 0;
  private readonly build: SchedulerBuilder;
  private readonly alias: SchedulerAlias | undefined;

  /**
   * @param options the sizes and the lr scheduler, as a spec or a function building it on the stand-in
   * @param alias for StepBS & co.: the name and argument names their messages and state dicts use
   */
  constructor(options: BatchSizeSchedulerInit, alias?: SchedulerAlias) {
    const o = checkOptions(alias?.name ?? 'BatchSizeScheduler', options, INIT_OPTIONS);
    const spec = o.scheduler;
    this.build = typeof spec === 'function' ? spec : (optimizer) => schedulerFromSpec(optimizer, spec);
    this.alias = alias;
    this.optimizer = { paramGroups: [{ lr: 1, momentum: 0 }] };
    const scheduler = this.translated(() => this.build(this.optimizer));
    const name = alias?.name ?? schedulerName(spec, scheduler);
    if (!(scheduler instanceof LRScheduler)) {
      throw new ValidationError(
        name,
        'scheduler',
        'a scheduler of the epoch (StepLR, CosineAnnealingLR, ...)',
        name,
        `${name} cannot drive a batch size: it steps on a metric, and a batch size is set before the epoch ` +
          'runs; use a scheduler of the epoch (StepLR, CosineAnnealingLR, ...)',
      );
    }
    if (scheduler.optimizer !== this.optimizer) {
      throw new ValidationError(
        name,
        'scheduler',
        'a scheduler built on the stand-in optimizer it is given',
        'a scheduler of another optimizer',
        `${name}: the scheduler must be built on the stand-in optimizer it is given`,
      );
    }
    const datasetSize = checkInteger(name, 'datasetSize', o.datasetSize, { min: 1 });
    const batchSize = checkInteger(name, 'batchSize', o.batchSize, { min: 1 });
    if (batchSize > datasetSize)
      refuse(name, 'batchSize', `an integer in [1, ${datasetSize}] (the dataset size)`, batchSize);
    let cap: number | null = null;
    if (o.maxBatchSize !== undefined && o.maxBatchSize !== null) {
      cap = checkInteger(name, 'maxBatchSize', o.maxBatchSize, { min: batchSize });
      if (cap > datasetSize)
        refuse(
          name,
          'maxBatchSize',
          `an integer in [${batchSize}, ${datasetSize}] (from batchSize to the dataset size)`,
          cap,
        );
    }
    const lastEpoch = checkInteger(name, 'lastEpoch', o.lastEpoch ?? -1, { min: -1 });
    this.name = name;
    this.scheduler = scheduler as S;
    this.closedForm = hasWholeClosedForm(scheduler);
    this.baseBatchSize = batchSize;
    this.datasetSize = datasetSize;
    this.maxBatchSize = cap;
    this.lastBatchSize = this.sizeFor(this.settle(), 'epoch 0');
    if (lastEpoch >= 0) this.advanceTo(lastEpoch + 1);
  }

  /** The epoch of the last step: 0 right after a fresh construction (the scheduler's `lastEpoch`). */
  get lastEpoch(): number {
    return this.scheduler.lastEpoch;
  }

  /** The factor of the current epoch: the stand-in's lr. */
  get factor(): number {
    return this.optimizer.paramGroups[0].lr;
  }

  /** The factor the base batch size is multiplied by at `epoch` (before rounding); pure. */
  factorAt(epoch: number): number {
    if (!Number.isInteger(epoch) || epoch < 0) {
      throw new ValidationError(
        `${this.name}.factorAt`,
        'epoch',
        'an integer >= 0',
        epoch,
        `${this.name}.factorAt: epoch must be an integer >= 0, got ${epoch}`,
      );
    }
    if (this.closedForm) return (this.scheduler as unknown as ClosedForm).lrAt(epoch)[0];
    if (epoch < this.lastEpoch) {
      throw new ValidationError(
        `${this.name}.factorAt`,
        'epoch',
        `an integer >= lastEpoch (${this.lastEpoch}): ${this.name} has no closed form`,
        epoch,
        `${this.name}.factorAt: ${this.name} has no closed form, so only epochs from lastEpoch ` +
          `(${this.lastEpoch}) on can be looked at; got ${epoch}`,
      );
    }
    const twin = this.fork();
    twin.stepTo(epoch);
    return twin.factor;
  }

  /**
   * The batch size at `epoch`: `round(batchSize · factor(epoch))`, capped by maxBatchSize; checked against
   * [1, datasetSize]. Pure.
   */
  batchSizeAt(epoch: number, where = `epoch ${epoch}`): number {
    if (!Number.isInteger(epoch) || epoch < 0) {
      throw new ValidationError(
        `${this.name}.batchSizeAt`,
        'epoch',
        'an integer >= 0',
        epoch,
        `${this.name}.batchSizeAt: epoch must be an integer >= 0, got ${epoch}`,
      );
    }
    return this.sizeFor(this.factorAt(epoch), where);
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
   * Steps the scheduler up to `epoch` (>= lastEpoch) and returns its batch size: what ScheduledBatches uses
   * with `interval: 'step'`, where only the steps that start an epoch need a size. A size out of range is
   * refused and leaves the schedule as it was.
   */
  advanceTo(epoch: number, where = `epoch ${epoch}`): number {
    if (!Number.isInteger(epoch) || epoch < this.lastEpoch) {
      throw new ValidationError(
        `${this.name}.advanceTo`,
        'epoch',
        `an integer >= lastEpoch (${this.lastEpoch})`,
        epoch,
        `${this.name}.advanceTo: epoch must be an integer >= lastEpoch (${this.lastEpoch}), got ${epoch}`,
      );
    }
    if (this.closedForm) {
      const size = this.sizeFor(this.factorAt(epoch), where);
      this.stepTo(epoch);
      this.lastBatchSize = size;
      return size;
    }
    const saved = this.stateDict();
    try {
      this.stepTo(epoch);
      this.lastBatchSize = this.sizeFor(this.factor, where);
    } catch (err) {
      this.loadStateDict(saved);
      throw err;
    }
    return this.lastBatchSize;
  }

  /** An independent copy at the same epoch, with the same scheduler and state: what a dry run steps. */
  fork(): BatchSizeScheduler<S> {
    const { baseBatchSize: batchSize, datasetSize, maxBatchSize } = this;
    const twin = new BatchSizeScheduler<S>({ batchSize, datasetSize, maxBatchSize, scheduler: this.build }, this.alias);
    twin.loadStateDict(this.stateDict());
    return twin;
  }

  /**
   * The scheduler's state dict (snake_case, hyper-parameters included, under the alias's names) with the
   * batch sizes: `base_batch_size`, `dataset_size`, `max_batch_size`, `_last_batch_size`.
   */
  stateDict(): StateDict {
    const state: StateDict = {
      base_batch_size: this.baseBatchSize,
      dataset_size: this.datasetSize,
      max_batch_size: this.maxBatchSize,
      ...this.scheduler.stateDict(),
      _last_batch_size: this.lastBatchSize,
    };
    for (const [mine, theirs] of Object.entries(this.alias?.stateLists ?? {})) {
      state[mine] = (state[theirs] as StateDict[string][])[0];
      delete state[theirs];
    }
    return state;
  }

  /** Restores what stateDict() saved, through the scheduler's own loadStateDict; a refused state changes nothing. */
  loadStateDict(state: StateDict): void {
    const reader = new StateReader(this.name, state);
    const base = reader.integer('base_batch_size');
    const datasetSize = reader.integer('dataset_size');
    const cap =
      reader.has('max_batch_size') && reader.raw('max_batch_size') !== null ? reader.integer('max_batch_size') : null;
    if (base < 1 || base > datasetSize) reader.fail('base_batch_size', `an integer in [1, ${datasetSize}]`, base);
    if (cap !== null && (cap < base || cap > datasetSize))
      reader.fail('max_batch_size', `null or an integer in [${base}, ${datasetSize}]`, cap);
    const lastBatchSize = reader.integer('_last_batch_size');
    // States saved before batch sizes were driven by lr schedulers have no base_lrs and _last_lr: the stand-in
    // starts at 1, and the closed form gives the factor.
    const inner: StateDict = { base_lrs: [1], _last_lr: [1], ...state };
    if (JSON.stringify(inner.base_lrs) !== '[1]')
      reader.fail('base_lrs', '[1] (the stand-in lr starts at 1)', state.base_lrs);
    for (const [mine, theirs] of Object.entries(this.alias?.stateLists ?? {})) inner[theirs] = [state[mine] ?? null];
    this.translated(() => this.scheduler.loadStateDict(inner));
    this.baseBatchSize = base;
    this.datasetSize = datasetSize;
    this.maxBatchSize = cap;
    this.lastBatchSize = lastBatchSize;
    this.optimizer.paramGroups[0].lr = this.scheduler.getLastLr()[0];
    this.settle();
  }

  /** The batch size for `factor`, rounded half up, capped, and checked against [1, datasetSize]. */
  private sizeFor(factor: number, where: string): number {
    const raw = this.baseBatchSize * factor;
    // The schedule's batch sizes are what the options asked for: a size out of range refuses the options.
    if (!Number.isFinite(raw)) {
      throw new ValidationError(
        this.name,
        'batchSize',
        'a finite number at every epoch',
        raw,
        `${this.name}: the batch size at ${where} is ${raw} (factor ${factor}); it must be a finite number`,
      );
    }
    let size = Math.round(raw);
    if (this.maxBatchSize !== null && size > this.maxBatchSize) size = this.maxBatchSize;
    if (size < 1) {
      throw new ValidationError(
        this.name,
        'batchSize',
        'at least 1 at every epoch',
        size,
        `${this.name}: the batch size at ${where} would be ${size} ` +
          `(${this.baseBatchSize} × ${Number(factor.toPrecision(6))}); a batch size must be at least 1`,
      );
    }
    if (size > this.datasetSize) {
      throw new ValidationError(
        this.name,
        'batchSize',
        `in [1, ${this.datasetSize}] (the dataset size) at every epoch`,
        size,
        `${this.name}: the batch size at ${where} would be ${size} ` +
          `(${this.baseBatchSize} × ${Number(factor.toPrecision(6))}), ` +
          `more than the dataset size ${this.datasetSize}; batch sizes must be in [1, ${this.datasetSize}]: ` +
          'train for fewer epochs, grow more slowly, or set maxBatchSize (max_batch_size) to cap the growth',
      );
    }
    return size;
  }

  /** Steps the scheduler, one epoch at a time, up to `epoch`. */
  private stepTo(epoch: number): void {
    while (this.scheduler.lastEpoch < epoch) this.scheduler.step();
    this.settle();
  }

  /** Sets the stand-in's lr to the closed form at `lastEpoch` where there is one; returns the factor. */
  private settle(): number {
    const group = this.optimizer.paramGroups[0];
    if (this.closedForm) group.lr = (this.scheduler as unknown as ClosedForm).lrAt(this.scheduler.lastEpoch)[0];
    return group.lr;
  }

  /** Runs a call into the scheduler; an alias's errors name the alias and its arguments. */
  private translated<T>(run: () => T): T {
    try {
      return run();
    } catch (err) {
      throw this.alias ? aliasError(err, this.alias) : err;
    }
  }
}

/** The scheduler's error in the alias's words: `StepLR:` → `StepBS:`, `lrLambda (lr_lambda)` → its own name. */
function aliasError(err: unknown, alias: SchedulerAlias): unknown {
  if (!(err instanceof Error)) return err;
  const names = Object.entries(alias.args).filter(([mine, theirs]) => mine !== theirs);
  const lists = Object.entries(alias.stateLists ?? {});
  const rename = (text: string) => {
    let out = text.replace(new RegExp(`^${alias.type}(?=$|[.:])`), alias.name);
    for (const [mine, theirs] of names)
      out = out.replaceAll(`${snakeToCamel(theirs)} (${theirs})`, `${snakeToCamel(mine)} (${mine})`);
    for (const [mine, theirs] of lists) out = out.replaceAll(`'${theirs}[0]'`, `'${mine}'`);
    return out;
  };
  if (err instanceof ValidationError) {
    const param = names.find(([, theirs]) => snakeToCamel(theirs) === err.param);
    return new ValidationError(
      rename(err.where),
      param ? snakeToCamel(param[0]) : err.param,
      err.allowed,
      err.got,
      rename(err.message),
    );
  }
  const Kind = err instanceof RangeError ? RangeError : err instanceof TypeError ? TypeError : Error;
  return new Kind(rename(err.message), { cause: err });
}

/** Checks that `options` is an object with only the `allowed` keys. */
export function checkOptions<T>(owner: string, options: T, allowed: readonly string[]): T {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new ValidationError(
      owner,
      'options',
      'an object',
      options,
      `${owner}: options must be an object, got ${formatValue(options)}`,
    );
  }
  for (const key of Object.keys(options)) {
    if (!allowed.includes(key)) {
      throw new ValidationError(
        owner,
        key,
        `an option of ${owner} (${allowed.join(', ')})`,
        (options as Record<string, unknown>)[key],
        `${owner}: unknown option '${key}' (accepted: ${allowed.join(', ')})`,
      );
    }
  }
  return options;
}

function schedulerName(spec: SchedulerSpec | SchedulerBuilder, scheduler: AnyScheduler): string {
  const given = typeof spec === 'function' ? undefined : findCanonicalName(spec.type, SCHEDULER_TYPES);
  return given ?? scheduler.constructor.name;
}

/** A closed form for every epoch: SequentialLR has one only if each of its schedulers has. */
function hasWholeClosedForm(scheduler: LRScheduler): boolean {
  if (!hasClosedForm(scheduler)) return false;
  return !(scheduler instanceof SequentialLR) || scheduler.schedulers.every(hasWholeClosedForm);
}
