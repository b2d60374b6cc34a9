import type { SchedulableOptimizer } from '../optim/param_group.ts';
import { hasClosedForm, LRScheduler, type ClosedForm } from './lr_scheduler.ts';
import type { StateDict, StateReader } from './state.ts';
import { ArgChecker, checkOptimizerAndOptions, formatValue } from './validate.ts';

/** Options of `SequentialLR` (PyTorch's `schedulers`, `milestones`, `last_epoch`). */
export interface SequentialLROptions {
  /** Built on the same optimizer, in order; the first is the one running after construction. */
  schedulers: readonly LRScheduler[];
  /** Where each scheduler after the first takes over; one fewer than the schedulers. */
  milestones: readonly number[];
  /** Only -1: a SequentialLR resumes through loadStateDict() (PyTorch 1.13's last_epoch here was broken). */
  lastEpoch?: number;
}

/**
 * Runs schedulers one after another, switching at the milestones (PyTorch's SequentialLR). At a milestone
 * the next scheduler restarts from epoch 0 through its closed form (PyTorch 1.13's `step(0)`), i.e. from
 * the initial lr.
 */
export class SequentialLR extends LRScheduler implements ClosedForm {
  /** The schedulers run one after another. */
  readonly schedulers: readonly LRScheduler[];
  /** The epochs at which each scheduler after the first takes over. */
  milestones: number[];

  constructor(optimizer: SchedulableOptimizer, options: SequentialLROptions) {
    const check = new ArgChecker('SequentialLR');
    const o = checkOptimizerAndOptions(check, optimizer, options, ['schedulers', 'milestones', 'lastEpoch']);
    const schedulers = checkSchedulers(check, o.schedulers, optimizer);
    const milestones = check.milestones('milestones', o.milestones, 1);
    if (milestones.length !== schedulers.length - 1) {
      throw new Error(
        `SequentialLR: milestones must have one value fewer than schedulers: got ${schedulers.length} schedulers ` +
          `and ${milestones.length} milestones ${formatValue(milestones)}`,
      );
    }
    if ((o.lastEpoch ?? -1) !== -1)
      check.fail('lastEpoch', '-1 (resume a SequentialLR with loadStateDict())', o.lastEpoch);
    super('SequentialLR', optimizer, -1);
    this.schedulers = schedulers;
    this.milestones = milestones;
    this.lastEpoch = 0;
    for (const group of optimizer.paramGroups) group.lr = group.initialLr as number;
    for (const scheduler of schedulers) scheduler.undoInitialStep();
    schedulers[0].initialStep();
    this.lastLr = schedulers[0].getLastLr();
  }

  /** Advances one epoch: steps the scheduler running at the new epoch, restarting it from epoch 0 at its milestone. */
  override step(): void {
    this.stepCount += 1;
    this.lastEpoch += 1;
    const index = this.milestones.filter((m) => m <= this.lastEpoch).length; // bisect_right
    const scheduler = this.schedulers[index];
    if (index > 0 && this.milestones[index - 1] === this.lastEpoch) scheduler.restartFromEpochZero();
    else scheduler.step();
    this.lastLr = scheduler.getLastLr();
  }

  getLr(): number[] {
    throw new Error('SequentialLR.getLr: the running scheduler computes the lrs; see getLastLr()');
  }

  /** The running scheduler's closed form, counted from its milestone. Throws if it has none. */
  lrAt(step: number): number[] {
    this.checkStep(step);
    const index = this.milestones.filter((m) => m <= step).length;
    const scheduler = this.schedulers[index];
    if (!hasClosedForm(scheduler)) {
      throw new Error(`SequentialLR.lrAt: scheduler ${index} (${scheduler.constructor.name}) has no closed form`);
    }
    return scheduler.lrAt(index === 0 ? step : step - this.milestones[index - 1]);
  }

  /** @internal */
  override undoInitialStep(): void {
    this.lastEpoch -= 1;
    for (const scheduler of this.schedulers) scheduler.undoInitialStep();
  }

  /** @internal */
  override restartFromEpochZero(): void {
    this.stepCount += 1;
    this.lastEpoch = 0;
    this.schedulers[0].restartFromEpochZero();
    this.lastLr = this.schedulers[0].getLastLr();
  }

  override stateDict(): StateDict {
    return {
      ...super.stateDict(),
      _milestones: [...this.milestones],
      _schedulers: this.schedulers.map((scheduler) => scheduler.stateDict()),
    };
  }

  protected loadHyperParameters(reader: StateReader): void {
    this.milestones = new ArgChecker('SequentialLR.loadStateDict').milestones(
      '_milestones',
      reader.raw('_milestones'),
      1,
    );
    loadSchedulerStates(reader, this.schedulers);
  }
}

/** Options of `ChainedScheduler` (PyTorch's `schedulers`). */
export interface ChainedSchedulerOptions {
  /** Built on the same optimizer; each step() steps them all, in this order. */
  schedulers: readonly LRScheduler[];
}

/**
 * Steps several chainable schedulers together, each applying its update to the lr the one before left
 * (PyTorch's ChainedScheduler; the optimizer comes first here like everywhere else). No closed form: the
 * chain is defined by the successive updates.
 */
export class ChainedScheduler extends LRScheduler {
  /** The chained schedulers, stepped in this order. */
  readonly schedulers: readonly LRScheduler[];

  constructor(optimizer: SchedulableOptimizer, options: ChainedSchedulerOptions) {
    const check = new ArgChecker('ChainedScheduler');
    const o = checkOptimizerAndOptions(check, optimizer, options, ['schedulers']);
    const schedulers = checkSchedulers(check, o.schedulers, optimizer);
    super('ChainedScheduler', optimizer, -1);
    this.schedulers = schedulers;
    this.lastEpoch = 0;
    this.lastLr = this.groupLrs();
  }

  /** Steps every chained scheduler, in order. */
  override step(): void {
    this.stepCount += 1;
    this.lastEpoch += 1;
    for (const scheduler of this.schedulers) scheduler.step();
    this.lastLr = this.groupLrs();
  }

  getLr(): number[] {
    throw new Error('ChainedScheduler.getLr: the chained schedulers compute the lrs; see getLastLr()');
  }

  /** @internal */
  override undoInitialStep(): void {
    this.lastEpoch -= 1;
    for (const scheduler of this.schedulers) scheduler.undoInitialStep();
  }

  /** @internal */
  override restartFromEpochZero(): void {
    this.stepCount += 1;
    this.lastEpoch = 0;
    for (const scheduler of this.schedulers) scheduler.restartFromEpochZero();
    this.lastLr = this.groupLrs();
  }

  override stateDict(): StateDict {
    return { ...super.stateDict(), _schedulers: this.schedulers.map((scheduler) => scheduler.stateDict()) };
  }

  protected loadHyperParameters(reader: StateReader): void {
    loadSchedulerStates(reader, this.schedulers);
  }
}

function checkSchedulers(check: ArgChecker, value: unknown, optimizer: SchedulableOptimizer): LRScheduler[] {
  if (!Array.isArray(value) || value.length === 0) check.fail('schedulers', 'a non-empty list of schedulers', value);
  return value.map((scheduler: unknown, i) => {
    if (!(scheduler instanceof LRScheduler)) {
      const name = (scheduler as object | null)?.constructor?.name;
      throw new Error(
        `${check.scheduler}: schedulers[${i}] must be an LRScheduler` +
          (name === 'ReduceLROnPlateau'
            ? ' (ReduceLROnPlateau needs a metric at every step and cannot be combined)'
            : `, got ${formatValue(scheduler)}`),
      );
    }
    if (scheduler.optimizer !== optimizer) {
      throw new Error(
        `${check.scheduler}: schedulers[${i}] (${scheduler.constructor.name}) drives another optimizer; all must drive the same one`,
      );
    }
    return scheduler;
  });
}

function loadSchedulerStates(reader: StateReader, schedulers: readonly LRScheduler[]): void {
  const states = reader.list('_schedulers', schedulers.length);
  states.forEach((state, i) => {
    if (typeof state !== 'object' || state === null || Array.isArray(state))
      reader.fail(`_schedulers[${i}]`, 'a state object', state);
    schedulers[i].loadStateDict(state);
  });
}
