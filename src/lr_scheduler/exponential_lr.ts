import type { SchedulableOptimizer } from '../optim/param_group.ts';
import { LRScheduler, type ClosedForm } from './lr_scheduler.ts';
import type { StateDict, StateReader } from './state.ts';
import { ArgChecker, checkOptimizerAndOptions } from './validate.ts';

/** Options of `ExponentialLR` (PyTorch's `gamma`, `last_epoch`). */
export interface ExponentialLROptions {
  /** Multiplicative decay factor per step: `lr = initialLr * gamma ** epoch`. */
  gamma: number;
  /** Index of the last epoch when resuming (PyTorch's `last_epoch`); default -1, a fresh start. */
  lastEpoch?: number;
}

/** Multiplies the lr by `gamma` every step (PyTorch's ExponentialLR). */
export class ExponentialLR extends LRScheduler implements ClosedForm {
  /** Multiplicative decay factor per step. */
  gamma: number;

  constructor(optimizer: SchedulableOptimizer, options: ExponentialLROptions) {
    const check = new ArgChecker('ExponentialLR');
    const o = checkOptimizerAndOptions(check, optimizer, options, ['gamma', 'lastEpoch']);
    const gamma = check.number('gamma', o.gamma, { min: 0, above: true });
    super('ExponentialLR', optimizer, check.lastEpoch(o.lastEpoch ?? -1, optimizer));
    this.gamma = gamma;
    this.initialStep();
  }

  getLr(): number[] {
    const lrs = this.groupLrs();
    if (this.lastEpoch === 0 || this.resumingInConstructor) return lrs;
    return lrs.map((lr) => lr * this.gamma);
  }

  lrAt(step: number): number[] {
    this.checkStep(step);
    return this.baseLrs.map((baseLr) => baseLr * Math.pow(this.gamma, step));
  }

  override stateDict(): StateDict {
    return { ...super.stateDict(), gamma: this.gamma };
  }

  protected loadHyperParameters(reader: StateReader): void {
    this.gamma = reader.number('gamma');
  }

  protected override closedFormLr(): number[] {
    return this.lrAt(this.lastEpoch);
  }
}
