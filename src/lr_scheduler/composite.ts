import type { SchedulableOptimizer } from '../optim/param_group.ts';
import { custom, milestones, type OptionsOf } from '../params/declare.ts';
import { refuse, ValidationError } from '../params/error.ts';
import { formatValue } from '../params/names.ts';
import { ParamSet } from '../params/param_set.ts';
import { hasClosedForm, LRScheduler, parseSchedulerOptions, type ClosedForm } from './lr_scheduler.ts';
import { StateReader, type StateDict } from '../params/state_reader.ts';

/** PyTorch's `schedulers`: LRSchedulers (whether they drive the optimizer given is the constructor's check). */
function schedulersParam(doc: string) {
  return custom(
    {
      doc,
      kind: 'schedulers',
      allowed: 'a non-empty list of schedulers',
      inState: false, // the state dict holds their own states, as `_schedulers` (the class's stateDict)
    },
    checkSchedulers,
  );
}

const ONLY_FRESH = '-1 (resume a SequentialLR with loadStateDict())';

const SEQUENTIAL_LR = new ParamSet('SequentialLR', {
  schedulers: schedulersParam(
    'Built on the same optimizer, in order; the first is the one running after construction.',
  ),
  milestones: {
    ...milestones({ doc: 'Where each scheduler after the first takes over; one fewer than the schedulers.', min: 1 }),
    inState: false, // the state dict holds them as `_milestones` (the class's stateDict)
  },
  lastEpoch: custom(
    {
      doc: "Only -1: a SequentialLR resumes through loadStateDict() (PyTorch 1.13's last_epoch here was broken).",
      kind: 'integer',
      allowed: ONLY_FRESH,
      default: -1,
      inState: false, // the scheduler's own bookkeeping: LRScheduler.stateDict() writes it
    },
    (where, name, value) => (value === -1 ? -1 : refuse(where, name, ONLY_FRESH, value)),
  ),
});

/**
 * Options of `SequentialLR` (PyTorch's `schedulers`, `milestones`, `last_epoch`), as declared in
 * `SequentialLR.params`.
 */
export type SequentialLROptions = OptionsOf<typeof SEQUENTIAL_LR.decls>;

/**
 * Runs schedulers one after another, switching at the milestones (PyTorch's SequentialLR). At a milestone
 * the next scheduler restarts from epoch 0 through its closed form (PyTorch 1.13's `step(0)`), i.e. from
 * the initial lr.
 */
export class SequentialLR extends LRScheduler implements ClosedForm {
  /** The declared hyper-parameters (names, defaults, ranges): options, state dict, run configs, flags. */
  static readonly params = SEQUENTIAL_LR;
  /** The schedulers run one after another. */
  readonly schedulers: readonly LRScheduler[];
  /** The epochs at which each scheduler after the first takes over. */
  milestones: number[];

  constructor(optimizer: SchedulableOptimizer, options: SequentialLROptions) {
    const o = parseSchedulerOptions(SEQUENTIAL_LR, optimizer, options);
    checkSameOptimizer('SequentialLR', o.schedulers, optimizer);
    if (o.milestones.length !== o.schedulers.length - 1) {
      throw new ValidationError(
        'SequentialLR',
        'milestones',
        `one value fewer than schedulers (${o.schedulers.length - 1})`,
        o.milestones,
        `SequentialLR: milestones must have one value fewer than schedulers: got ${o.schedulers.length} schedulers ` +
          `and ${o.milestones.length} milestones ${formatValue(o.milestones)}`,
      );
    }
    super(SEQUENTIAL_LR, optimizer, o.lastEpoch);
    this.schedulers = o.schedulers;
    this.milestones = o.milestones;
    this.lastEpoch = 0;
    for (const group of optimizer.paramGroups) group.lr = group.initialLr as number;
    for (const scheduler of this.schedulers) scheduler.undoInitialStep();
    this.schedulers[0].initialStep();
    this.lastLr = this.schedulers[0].getLastLr();
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

  /** The base entries, then `_milestones` and `_schedulers` (each scheduler's own state), as PyTorch's. */
  override stateDict(): StateDict {
    return {
      ...super.stateDict(),
      _milestones: [...this.milestones],
      _schedulers: this.schedulers.map((scheduler) => scheduler.stateDict()),
    };
  }

  /**
   * Checks `_milestones`, loads `_schedulers` into the schedulers, then the rest; a refused state changes
   * nothing (schedulers already loaded get their earlier state back).
   */
  override loadStateDict(state: StateDict): void {
    const where = 'SequentialLR.loadStateDict';
    const reader = new StateReader('SequentialLR', state);
    const groups = this.optimizer.paramGroups.length;
    const milestones = SEQUENTIAL_LR.decls.milestones.check(where, '_milestones', reader.raw('_milestones'), groups);
    if (milestones.length !== this.schedulers.length - 1) {
      reader.fail('_milestones', `a list of ${this.schedulers.length - 1} (one fewer than schedulers)`, milestones);
    }
    loadSchedulerStates(reader, this.schedulers, () => super.loadStateDict(state));
    this.milestones = milestones;
  }
}

const CHAINED_SCHEDULER = new ParamSet('ChainedScheduler', {
  schedulers: schedulersParam('Built on the same optimizer; each step() steps them all, in this order.'),
});

/** Options of `ChainedScheduler` (PyTorch's `schedulers`), as declared in `ChainedScheduler.params`. */
export type ChainedSchedulerOptions = OptionsOf<typeof CHAINED_SCHEDULER.decls>;

/**
 * Steps several chainable schedulers together, each applying its update to the lr the one before left
 * (PyTorch's ChainedScheduler; the optimizer comes first here like everywhere else). No closed form: the
 * chain is defined by the successive updates.
 */
export class ChainedScheduler extends LRScheduler {
  /** The declared hyper-parameters (names, defaults, ranges): options, state dict, run configs, flags. */
  static readonly params = CHAINED_SCHEDULER;
  /** The chained schedulers, stepped in this order. */
  readonly schedulers: readonly LRScheduler[];

  constructor(optimizer: SchedulableOptimizer, options: ChainedSchedulerOptions) {
    const o = parseSchedulerOptions(CHAINED_SCHEDULER, optimizer, options);
    checkSameOptimizer('ChainedScheduler', o.schedulers, optimizer);
    super(CHAINED_SCHEDULER, optimizer, -1);
    this.schedulers = o.schedulers;
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

  /** The base entries, then `_schedulers`: each scheduler's own state. */
  override stateDict(): StateDict {
    return { ...super.stateDict(), _schedulers: this.schedulers.map((scheduler) => scheduler.stateDict()) };
  }

  /**
   * Loads `_schedulers` into the schedulers, then the rest; a refused state changes nothing (schedulers already
   * loaded get their earlier state back).
   */
  override loadStateDict(state: StateDict): void {
    const reader = new StateReader('ChainedScheduler', state);
    loadSchedulerStates(reader, this.schedulers, () => super.loadStateDict(state));
  }
}

/** The check of `schedulers`: a non-empty list of LRSchedulers. */
function checkSchedulers(where: string, name: string, value: unknown): readonly LRScheduler[] {
  if (!Array.isArray(value) || value.length === 0) refuse(where, name, 'a non-empty list of schedulers', value);
  return value.map((scheduler: unknown, i) => {
    if (!(scheduler instanceof LRScheduler)) {
      const constructorName = (scheduler as object | null)?.constructor?.name;
      throw new ValidationError(
        where,
        `${name}[${i}]`,
        'an LRScheduler',
        scheduler,
        `${where}: ${name}[${i}] must be an LRScheduler` +
          (constructorName === 'ReduceLROnPlateau'
            ? ' (ReduceLROnPlateau needs a metric at every step and cannot be combined)'
            : `, got ${formatValue(scheduler)}`),
      );
    }
    return scheduler;
  });
}

/** Throws unless every scheduler drives `optimizer`. */
function checkSameOptimizer(where: string, schedulers: readonly LRScheduler[], optimizer: SchedulableOptimizer): void {
  schedulers.forEach((scheduler, i) => {
    if (scheduler.optimizer !== optimizer) {
      throw new ValidationError(
        where,
        `schedulers[${i}]`,
        'a scheduler driving the same optimizer',
        scheduler,
        `${where}: schedulers[${i}] (${scheduler.constructor.name}) drives another optimizer; ` +
          'all must drive the same one',
      );
    }
  });
}

/**
 * Loads `_schedulers` (one state per scheduler) and then `loadRest`; if any of it is refused, the schedulers
 * already loaded get back the state they had, so a refused state dict changes nothing.
 */
function loadSchedulerStates(reader: StateReader, schedulers: readonly LRScheduler[], loadRest: () => void): void {
  const states = reader.list('_schedulers', schedulers.length);
  states.forEach((state, i) => {
    if (typeof state !== 'object' || state === null || Array.isArray(state)) {
      reader.fail(`_schedulers[${i}]`, 'a state object', state);
    }
  });
  const before = schedulers.map((scheduler) => scheduler.stateDict());
  let loaded = 0;
  try {
    for (; loaded < schedulers.length; loaded++) schedulers[loaded].loadStateDict(states[loaded] as StateDict);
    loadRest();
  } catch (error) {
    for (let i = 0; i < loaded; i++) schedulers[i].loadStateDict(before[i]);
    throw error;
  }
}
