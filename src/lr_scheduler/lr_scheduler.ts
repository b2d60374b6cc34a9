import type { SchedulableOptimizer } from '../optim/param_group.ts';
import { integer, type OptionsOf, type ParamDecls, type Values } from '../params/declare.ts';
import { checkInteger } from '../params/check.ts';
import { ValidationError } from '../params/error.ts';
import { displayName } from '../params/names.ts';
import type { ParamSet } from '../params/param_set.ts';
import { StateReader, type StateDict } from '../params/state_reader.ts';

/** PyTorch's `last_epoch`, which every scheduler but ReduceLROnPlateau and ChainedScheduler takes. */
export const LAST_EPOCH = {
  ...integer({
    doc: "Index of the last epoch when resuming (PyTorch's `last_epoch`); -1 starts the schedule.",
    min: -1,
    default: -1,
  }),
  inState: false, // the scheduler's own bookkeeping: LRScheduler.stateDict() writes it
};

/**
 * Checks a scheduler's optimizer and options against its declared hyper-parameters before anything changes;
 * returns every value, defaults filled in.
 */
export function parseSchedulerOptions<D extends ParamDecls>(
  params: ParamSet<D>,
  optimizer: unknown,
  options: OptionsOf<D> | undefined,
): Values<D> {
  const groups = (optimizer as { paramGroups?: unknown } | null | undefined)?.paramGroups;
  if (!Array.isArray(groups) || groups.length === 0) {
    throw new ValidationError(
      params.owner,
      'optimizer',
      'an optimizer with a non-empty paramGroups list',
      optimizer,
      `${params.owner}: the optimizer must have a non-empty paramGroups list`,
    );
  }
  return params.parse(options, groups.length);
}

/** What every scheduler offers, ReduceLROnPlateau included. */
export interface Scheduler {
  /** The optimizer whose param groups' lrs the scheduler sets. */
  readonly optimizer: SchedulableOptimizer;
  /** The lrs the scheduler last set, one per param group (PyTorch's `get_last_lr()`). */
  getLastLr(): number[];
  /** The scheduler's state as a JSON-compatible object with PyTorch's snake_case keys (`state_dict()`). */
  stateDict(): StateDict;
  /** Restores a state saved by stateDict() (PyTorch's `load_state_dict()`). */
  loadStateDict(state: StateDict): void;
}

/** A schedule with a closed form. */
export interface ClosedForm {
  /**
   * One lr per param group for `lastEpoch === step`: the schedule as if stepped `step` times from a fresh
   * start, without manual lr edits (PyTorch's `_get_closed_form_lr` where it has one). Pure: reads the
   * scheduler's hyper-parameters and base lrs, changes nothing.
   */
  lrAt(step: number): number[];
  /**
   * The first step after `step` whose lr may differ from `step`'s, for schedules that hold the lr over stretches
   * (StepLR, MultiStepLR): a check of every step's lr then needs only one per stretch. Absent: `step + 1`.
   */
  nextChange?(step: number): number;
}

/** Whether `scheduler` has a closed form (an `lrAt` method), narrowing its type to `ClosedForm`. */
export function hasClosedForm<T extends object>(scheduler: T): scheduler is T & ClosedForm {
  return typeof (scheduler as Partial<ClosedForm>).lrAt === 'function';
}

/**
 * PyTorch's `_LRScheduler`. The constructor records `initialLr` in every group (when `lastEpoch` is -1)
 * and `baseLrs` from it; each subclass finishes its own constructor with `initialStep()`, the step PyTorch
 * takes inside the constructor, after which `lastEpoch` is `lastEpoch + 1` (0 for a fresh start).
 *
 * `getLr()` is the chainable form: most schedules compute the next lr from the groups' current lr, so an
 * lr changed by hand between steps carries forward, and several schedulers can act on one optimizer.
 *
 * Resuming by constructing with `lastEpoch = k >= 0` takes the groups' lrs as those of epoch k + 1 and
 * does not apply the chainable update once more in the constructor (PyTorch 2.x fixed that double decay
 * for ExponentialLR and others; here it holds for every chainable scheduler). `step(epoch)` is not
 * offered: PyTorch deprecated it (CosineAnnealingWarmRestarts keeps its documented `step(epoch)`).
 */
export abstract class LRScheduler implements Scheduler {
  readonly optimizer: SchedulableOptimizer;
  /** The index of the last epoch (or batch) stepped: 0 right after a fresh construction. */
  lastEpoch: number;
  /** `initialLr` of each group, as read at construction (PyTorch's `base_lrs`). */
  baseLrs: number[];
  /** PyTorch's `_step_count`: calls of step(), the constructor's included. */
  protected stepCount = 0;
  /** The lrs the last step set, one per group (getLastLr() returns a copy). */
  protected lastLr: number[] = [];
  /** The class name (`'StepLR'`, ...), used in error messages and state-dict checks. */
  protected readonly schedulerName: string;
  /** True while the constructor's step (initialStep) runs. */
  protected inInitialStep = false;
  /** The class's declared hyper-parameters, which stateDict() writes and loadStateDict() checks and reads. */
  protected readonly params?: ParamSet<ParamDecls>;

  protected constructor(scheduler: string | ParamSet<ParamDecls>, optimizer: SchedulableOptimizer, lastEpoch: number) {
    const schedulerName = typeof scheduler === 'string' ? scheduler : scheduler.owner;
    if (typeof scheduler !== 'string') this.params = scheduler;
    this.schedulerName = schedulerName;
    this.optimizer = optimizer;
    checkLastEpoch(schedulerName, lastEpoch, optimizer);
    if (lastEpoch === -1) {
      for (const group of optimizer.paramGroups) if (group.initialLr === undefined) group.initialLr = group.lr;
    }
    this.baseLrs = optimizer.paramGroups.map((group) => group.initialLr as number);
    this.lastEpoch = lastEpoch;
  }

  /** The chainable form: the lrs for `lastEpoch`, mostly computed from the groups' current lrs. */
  abstract getLr(): number[];

  /**
   * Advances one epoch (or batch) and sets each group's lr for it (PyTorch's `scheduler.step()`); call it
   * after `optimizer.step()`.
   */
  step(): void {
    this.stepCount += 1;
    this.lastEpoch += 1;
    this.updateMomentum();
    this.applyLrs(this.getLr());
  }

  getLastLr(): number[] {
    return [...this.lastLr];
  }

  stateDict(): StateDict {
    return {
      base_lrs: [...this.baseLrs],
      last_epoch: this.lastEpoch,
      _step_count: this.stepCount,
      _last_lr: [...this.lastLr],
      ...this.params?.state(this as unknown as Values<ParamDecls>),
    };
  }

  /**
   * Restores what stateDict() saved, hyper-parameters included (as PyTorch's `__dict__.update`). It does not
   * touch the optimizer: restore the groups' lrs (the optimizer's own state) alongside.
   */
  loadStateDict(state: StateDict): void {
    const reader = new StateReader(this.schedulerName, state);
    const groups = this.optimizer.paramGroups.length;
    const baseLrs = reader.numbers('base_lrs');
    if (baseLrs.length !== groups) reader.fail('base_lrs', `a list of ${groups} (one per param group)`, baseLrs);
    const lastEpoch = reader.integer('last_epoch');
    if (lastEpoch < -1) reader.fail('last_epoch', 'an integer >= -1', lastEpoch);
    const stepCount = reader.integer('_step_count');
    const lastLr = reader.numbers('_last_lr');
    if (lastLr.length !== groups) reader.fail('_last_lr', `a list of ${groups} (one per param group)`, lastLr);
    // Everything is checked before anything is applied: a refused state dict changes nothing.
    const hyper = this.params?.load(state, groups);
    if (!this.params) this.loadHyperParameters(reader);
    if (hyper) Object.assign(this, hyper);
    this.baseLrs = [...baseLrs];
    this.lastEpoch = lastEpoch;
    this.stepCount = stepCount;
    this.lastLr = [...lastLr];
  }

  /**
   * PyTorch's `_initial_step()`, which the constructor runs. Called again by SequentialLR on its first
   * scheduler after undoing the constructors' steps.
   * @internal
   */
  initialStep(): void {
    this.stepCount = 0;
    this.inInitialStep = true;
    try {
      this.step();
    } finally {
      this.inInitialStep = false;
    }
  }

  /**
   * SequentialLR's `scheduler.step(0)` in PyTorch 1.13: back to epoch 0, through the closed form where
   * the class has one (else through getLr()).
   * @internal
   */
  restartFromEpochZero(): void {
    this.stepCount += 1;
    this.lastEpoch = 0;
    this.updateMomentum();
    this.applyLrs(this.closedFormLr() ?? this.getLr());
  }

  /**
   * Takes back the epoch of the constructor's step (SequentialLR, PyTorch 2.x's recursive undo).
   * @internal
   */
  undoInitialStep(): void {
    this.lastEpoch -= 1;
  }

  /**
   * The hyper-parameters' part of loadStateDict() for a class without declared `params` (stateDict() overrides
   * add the same keys). It must check everything before it assigns anything.
   */
  protected loadHyperParameters(_reader: StateReader): void {}

  /** PyTorch's `_get_closed_form_lr()` at `lastEpoch`, for the classes that have one. */
  protected closedFormLr(): number[] | undefined {
    return undefined;
  }

  /** Cyclic schedules write momentum (or beta1) for `lastEpoch` here. */
  protected updateMomentum(): void {}

  /**
   * True during the constructor's step when resuming (lastEpoch >= 0 given): chainable schedules then
   * keep the groups' lrs rather than apply their update a second time.
   */
  protected get resumingInConstructor(): boolean {
    return this.inInitialStep && this.lastEpoch > 0;
  }

  /** The groups' current lrs, which the chainable forms update. */
  protected groupLrs(): number[] {
    return this.optimizer.paramGroups.map((group) => group.lr);
  }

  /** Writes `lrs` to the param groups (an unchanged lr is not rewritten) and records them as the last lrs. */
  protected applyLrs(lrs: readonly number[]): void {
    const groups = this.optimizer.paramGroups;
    // This runs every training step: an unchanged lr is not written again (the group already holds exactly
    // that double), and lastLr is updated in place (getLastLr() hands out copies anyway).
    const last = this.lastLr;
    if (last.length !== groups.length) last.length = groups.length;
    for (let i = 0; i < groups.length; i++) {
      const group = groups[i];
      if (i < lrs.length && group.lr !== lrs[i]) group.lr = lrs[i];
      last[i] = group.lr;
    }
  }

  /** Throws unless `step` is an integer >= 0: the argument check of `lrAt`. */
  protected checkStep(step: number): void {
    if (!Number.isInteger(step) || step < 0) {
      throw new ValidationError(`${this.schedulerName}.lrAt`, 'step', 'an integer >= 0', step);
    }
  }
}

/**
 * PyTorch's `last_epoch`: -1 starts the schedule; k >= 0 resumes it (the constructor's step then takes it to
 * k + 1), which needs `initialLr` in every group, as PyTorch needs `initial_lr`.
 */
function checkLastEpoch(scheduler: string, value: unknown, optimizer: SchedulableOptimizer): number {
  const lastEpoch = checkInteger(scheduler, 'lastEpoch', value, { min: -1 });
  if (lastEpoch >= 0) {
    optimizer.paramGroups.forEach((group, i) => {
      if (group.initialLr === undefined) {
        throw new ValidationError(
          scheduler,
          'initialLr',
          'set in every param group',
          undefined,
          `${scheduler}: param group ${i} has no ${displayName('initialLr')}; ` +
            `resuming with lastEpoch (last_epoch) = ${lastEpoch} ` +
            'needs the bookkeeping that a scheduler started with lastEpoch = -1 writes into the groups',
        );
      }
    });
  }
  return lastEpoch;
}
