import type { SchedulableOptimizer } from '../optim/param_group.ts';
import { integer, number, type OptionsOf } from '../params/declare.ts';
import { ParamSet } from '../params/param_set.ts';
import { LAST_EPOCH, LRScheduler, parseSchedulerOptions, type ClosedForm } from './lr_scheduler.ts';
import { crPow } from '../data/correctly_rounded_math.ts';

const POLYNOMIAL_LR = new ParamSet('PolynomialLR', {
  totalIters: integer({ doc: 'Steps until the lr reaches 0.', min: 1, default: 5 }),
  power: number({ doc: 'Exponent of the decay (1: linear).', min: 0, default: 1.0 }),
  lastEpoch: LAST_EPOCH,
});

/** Options of `PolynomialLR` (PyTorch's `total_iters`, `power`, `last_epoch`), as declared in `PolynomialLR.params`. */
export type PolynomialLROptions = OptionsOf<typeof POLYNOMIAL_LR.decls>;

/** Decays the lr to 0 as `(1 - step / totalIters) ** power` (PyTorch's PolynomialLR). */
export class PolynomialLR extends LRScheduler implements ClosedForm {
  /** The declared hyper-parameters (names, defaults, ranges): options, state dict, run configs, flags. */
  static readonly params = POLYNOMIAL_LR;
  /** Steps until the lr reaches 0. */
  totalIters: number;
  /** Exponent of the decay: `lr = initialLr * (1 - min(epoch, totalIters) / totalIters) ** power`. */
  power: number;

  constructor(optimizer: SchedulableOptimizer, options: PolynomialLROptions = {}) {
    const o = parseSchedulerOptions(POLYNOMIAL_LR, optimizer, options);
    super(POLYNOMIAL_LR, optimizer, o.lastEpoch);
    this.totalIters = o.totalIters;
    this.power = o.power;
    this.initialStep();
  }

  getLr(): number[] {
    const lrs = this.groupLrs();
    if (this.lastEpoch === 0 || this.resumingInConstructor || this.lastEpoch > this.totalIters) return lrs;
    const decay = crPow(
      (1.0 - this.lastEpoch / this.totalIters) / (1.0 - (this.lastEpoch - 1) / this.totalIters),
      this.power,
    );
    return lrs.map((lr) => lr * decay);
  }

  lrAt(step: number): number[] {
    this.checkStep(step);
    const decay = crPow(1.0 - Math.min(this.totalIters, step) / this.totalIters, this.power);
    return this.baseLrs.map((baseLr) => baseLr * decay);
  }

  protected override closedFormLr(): number[] {
    return this.lrAt(this.lastEpoch);
  }
}
