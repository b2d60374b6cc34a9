import type { SchedulableOptimizer } from '../optim/param_group.ts';
import { integer, milestones, number, type OptionsOf } from '../params/declare.ts';
import { ParamSet } from '../params/param_set.ts';
import { LAST_EPOCH, LRScheduler, parseSchedulerOptions, type ClosedForm } from './lr_scheduler.ts';
import { crPow } from '../data/correctly_rounded_math.ts';

const STEP_LR = new ParamSet('StepLR', {
  stepSize: integer({ doc: 'Period of the decay, in steps.', min: 1 }),
  gamma: number({ doc: 'Multiplicative decay factor.', default: 0.1, min: 0, above: true }),
  lastEpoch: LAST_EPOCH,
});

/** Options of `StepLR` (PyTorch's `step_size`, `gamma`, `last_epoch`), as declared in `StepLR.params`. */
export type StepLROptions = OptionsOf<typeof STEP_LR.decls>;

/** Multiplies the lr by `gamma` every `stepSize` steps (PyTorch's StepLR). */
export class StepLR extends LRScheduler implements ClosedForm {
  /** The declared hyper-parameters (names, defaults, ranges): options, state dict, run configs, flags. */
  static readonly params = STEP_LR;
  /** Period of the decay, in steps: `lr = initialLr * gamma ** floor(epoch / stepSize)`. */
  stepSize: number;
  /** Multiplicative decay factor. */
  gamma: number;

  /**
   * @param optimizer the optimizer whose groups' lrs it sets
   * @param options see `StepLROptions`
   */
  constructor(optimizer: SchedulableOptimizer, options: StepLROptions) {
    const o = parseSchedulerOptions(STEP_LR, optimizer, options);
    super(STEP_LR, optimizer, o.lastEpoch);
    this.stepSize = o.stepSize;
    this.gamma = o.gamma;
    this.initialStep();
  }

  /** The chainable form: the groups' lrs times `gamma` on every `stepSize`-th epoch. */
  getLr(): number[] {
    const lrs = this.groupLrs();
    if (this.lastEpoch === 0 || this.resumingInConstructor || this.lastEpoch % this.stepSize !== 0) return lrs;
    return lrs.map((lr) => lr * this.gamma);
  }

  /** `baseLr * gamma ** floor(step / stepSize)` for each group. */
  lrAt(step: number): number[] {
    this.checkStep(step);
    return this.baseLrs.map((baseLr) => baseLr * crPow(this.gamma, Math.floor(step / this.stepSize)));
  }

  /** The next multiple of `stepSize`: the lr holds in between. */
  nextChange(step: number): number {
    return (Math.floor(step / this.stepSize) + 1) * this.stepSize;
  }

  protected override closedFormLr(): number[] {
    return this.lrAt(this.lastEpoch);
  }
}

const MULTI_STEP_LR = new ParamSet('MultiStepLR', {
  milestones: milestones({
    doc: 'Steps at which the lr is multiplied by gamma; a repeated one decays that many times.',
    min: 0,
  }),
  gamma: number({ doc: 'Multiplicative decay factor, once per milestone passed.', default: 0.1, min: 0, above: true }),
  lastEpoch: LAST_EPOCH,
});

/** Options of `MultiStepLR` (PyTorch's `milestones`, `gamma`, `last_epoch`), as declared in `MultiStepLR.params`. */
export type MultiStepLROptions = OptionsOf<typeof MULTI_STEP_LR.decls>;

/** Multiplies the lr by `gamma` at each milestone (PyTorch's MultiStepLR). */
export class MultiStepLR extends LRScheduler implements ClosedForm {
  /** The declared hyper-parameters (names, defaults, ranges): options, state dict, run configs, flags. */
  static readonly params = MULTI_STEP_LR;
  /** Sorted, with repeats (PyTorch keeps a Counter). */
  milestones: number[];
  /** Multiplicative decay factor, applied once per milestone passed. */
  gamma: number;

  constructor(optimizer: SchedulableOptimizer, options: MultiStepLROptions) {
    const o = parseSchedulerOptions(MULTI_STEP_LR, optimizer, options);
    super(MULTI_STEP_LR, optimizer, o.lastEpoch);
    this.milestones = o.milestones;
    this.gamma = o.gamma;
    this.initialStep();
  }

  getLr(): number[] {
    const lrs = this.groupLrs();
    const count = this.resumingInConstructor ? 0 : this.milestones.filter((m) => m === this.lastEpoch).length;
    if (count === 0) return lrs;
    const decay = crPow(this.gamma, count);
    return lrs.map((lr) => lr * decay);
  }

  lrAt(step: number): number[] {
    this.checkStep(step);
    const passed = this.milestones.filter((m) => m <= step).length; // bisect_right
    return this.baseLrs.map((baseLr) => baseLr * crPow(this.gamma, passed));
  }

  /** The first milestone after `step` (the lr holds until then), or never again after the last one. */
  nextChange(step: number): number {
    const next = this.milestones.find((m) => m > step);
    return next ?? Number.POSITIVE_INFINITY;
  }

  protected override closedFormLr(): number[] {
    return this.lrAt(this.lastEpoch);
  }
}
