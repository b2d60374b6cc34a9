import type { SchedulableOptimizer } from '../optim/param_group.ts';
import { describeNumber } from '../params/check.ts';
import { choice, integer, numberPerGroup, type OptionsOf, type Param } from '../params/declare.ts';
import { refuse } from '../params/error.ts';
import { ParamSet } from '../params/param_set.ts';
import { LAST_EPOCH, LRScheduler, parseSchedulerOptions, type ClosedForm } from './lr_scheduler.ts';
import { ANNEAL_STRATEGIES, type AnnealStrategy } from './one_cycle_lr.ts';
import { StateReader, type StateDict } from '../params/state_reader.ts';

const SWA_LR_PER_GROUP = numberPerGroup({
  doc: "The lr to anneal to, one for all groups or one per group (stored as each group's `swaLr`).",
  min: 0,
});

const SWA_LR = new ParamSet('SWALR', {
  swaLr: {
    ...SWA_LR_PER_GROUP,
    perGroup: true as const,
    inState: false, // the param groups hold it (their `swaLr`), as in PyTorch
    /** Checks a given value as `numberPerGroup` does; left out, it is refused in the words of a single value. */
    check: (where: string, name: string, value: unknown, groups: number) =>
      value === undefined
        ? refuse(where, name, describeNumber(SWA_LR_PER_GROUP.range), value)
        : SWA_LR_PER_GROUP.check(where, name, value, groups),
  },
  annealEpochs: integer({ doc: 'Steps of annealing, after which the lr stays at `swaLr`.', min: 0, default: 10 }),
  annealStrategy: {
    // choice() types its value as a string: narrowed to the strategies it checks for.
    ...(choice({
      doc: "The shape of the annealing: 'cos' or 'linear'.",
      choices: ANNEAL_STRATEGIES,
      default: 'cos',
    }) as Param<AnnealStrategy, false>),
    inState: false, // the state dict holds it as `_anneal_strategy` (SWALR's own stateDict)
  },
  lastEpoch: LAST_EPOCH,
});

/**
 * Options of `SWALR` (PyTorch's `swa_lr`, `anneal_epochs`, `anneal_strategy`, `last_epoch`), as declared in
 * `SWALR.params`.
 */
export type SWALROptions = OptionsOf<typeof SWA_LR.decls, never>;

/**
 * Anneals each group's lr from its value when the scheduler is built to `swaLr` over `annealEpochs`
 * steps, then holds it (PyTorch's torch.optim.swa_utils.SWALR). The chainable form recovers the start
 * lr from the current one at every step, so an lr changed by hand reshapes the rest of the annealing.
 */
export class SWALR extends LRScheduler implements ClosedForm {
  /** The declared hyper-parameters (names, defaults, ranges): options, state dict, run configs, flags. */
  static readonly params = SWA_LR;
  /** Steps of annealing, after which the lr stays at `swaLr`. */
  annealEpochs: number;
  /** The shape of the annealing: 'cos' or 'linear'. */
  annealStrategy: AnnealStrategy;
  /** The groups' lrs when the scheduler was built: where lrAt() anneals from. */
  private startLrs: number[];

  constructor(optimizer: SchedulableOptimizer, options: SWALROptions) {
    const o = parseSchedulerOptions(SWA_LR, optimizer, options);
    super(SWA_LR, optimizer, o.lastEpoch);
    optimizer.paramGroups.forEach((group, i) => (group.swaLr = o.swaLr[i]));
    this.annealEpochs = o.annealEpochs;
    this.annealStrategy = o.annealStrategy;
    this.startLrs = this.groupLrs();
    this.initialStep();
  }

  getLr(): number[] {
    const step = this.annealStep(this.stepCount - 1);
    const prevAlpha = this.anneal(clamp01((step - 1) / Math.max(1, this.annealEpochs)));
    const alpha = this.anneal(clamp01(step / Math.max(1, this.annealEpochs)));
    return this.optimizer.paramGroups.map((group) => {
      const swaLr = group.swaLr as number;
      const startLr = prevAlpha === 1 ? swaLr : (group.lr - prevAlpha * swaLr) / (1 - prevAlpha);
      return swaLr * alpha + startLr * (1 - alpha);
    });
  }

  /** `swaLr * alpha + startLr * (1 - alpha)` with alpha the annealed fraction after `step` steps. */
  lrAt(step: number): number[] {
    this.checkStep(step);
    const alpha = this.anneal(clamp01(this.annealStep(step) / Math.max(1, this.annealEpochs)));
    return this.optimizer.paramGroups.map(
      (group, i) => (group.swaLr as number) * alpha + this.startLrs[i] * (1 - alpha),
    );
  }

  /** The base entries and `anneal_epochs` (declared), then `_anneal_strategy` and `_start_lrs`. */
  override stateDict(): StateDict {
    return { ...super.stateDict(), _anneal_strategy: this.annealStrategy, _start_lrs: [...this.startLrs] };
  }

  /** Checks `_anneal_strategy` and `_start_lrs`, then loads the rest; a refused state changes nothing. */
  override loadStateDict(state: StateDict): void {
    const reader = new StateReader('SWALR', state);
    const annealStrategy = reader.string('_anneal_strategy', ANNEAL_STRATEGIES);
    const startLrs = reader.numbers('_start_lrs');
    const groups = this.optimizer.paramGroups.length;
    if (startLrs.length !== groups) reader.fail('_start_lrs', `a list of ${groups} (one per param group)`, startLrs);
    super.loadStateDict(state);
    this.annealStrategy = annealStrategy;
    this.startLrs = [...startLrs];
  }

  private annealStep(step: number): number {
    return this.annealEpochs === 0 ? Math.max(1, step) : step;
  }

  private anneal(t: number): number {
    return this.annealStrategy === 'cos' ? (1 - Math.cos(Math.PI * t)) / 2 : t;
  }
}

function clamp01(x: number): number {
  return Math.max(0, Math.min(1, x));
}
