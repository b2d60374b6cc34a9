import type { SchedulableOptimizer } from '../optim/param_group.ts';
import { number, type OptionsOf } from '../params/declare.ts';
import { ParamSet } from '../params/param_set.ts';
import { LAST_EPOCH, LRScheduler, parseSchedulerOptions, type ClosedForm } from './lr_scheduler.ts';
import { crPow } from '../data/correctly_rounded_math.ts';

const EXPONENTIAL_LR = new ParamSet('ExponentialLR', {
  gamma: number({
    doc: 'Multiplicative decay factor per step: `lr = initialLr * gamma ** epoch`.',
    min: 0,
    above: true,
  }),
  lastEpoch: LAST_EPOCH,
});

/** Options of `ExponentialLR` (PyTorch's `gamma`, `last_epoch`), as declared in `ExponentialLR.params`. */
export type ExponentialLROptions = OptionsOf<typeof EXPONENTIAL_LR.decls>;

/** Multiplies the lr by `gamma` every step (PyTorch's ExponentialLR). */
export class ExponentialLR extends LRScheduler implements ClosedForm {
  /** The declared hyper-parameters (names, defaults, ranges): options, state dict, run configs, flags. */
  static readonly params = EXPONENTIAL_LR;
  /** Multiplicative decay factor per step. */
  gamma: number;

  constructor(optimizer: SchedulableOptimizer, options: ExponentialLROptions) {
    const o = parseSchedulerOptions(EXPONENTIAL_LR, optimizer, options);
    super(EXPONENTIAL_LR, optimizer, o.lastEpoch);
    this.gamma = o.gamma;
    this.initialStep();
  }

  getLr(): number[] {
    const lrs = this.groupLrs();
    if (this.lastEpoch === 0 || this.resumingInConstructor) return lrs;
    return lrs.map((lr) => lr * this.gamma);
  }

  lrAt(step: number): number[] {
    this.checkStep(step);
    return this.baseLrs.map((baseLr) => baseLr * crPow(this.gamma, step));
  }

  protected override closedFormLr(): number[] {
    return this.lrAt(this.lastEpoch);
  }
}
