import type { SchedulableOptimizer } from '../optim/param_group.ts';
import { LRScheduler, type ClosedForm } from './lr_scheduler.ts';
import type { StateDict, StateReader } from './state.ts';
import { ArgChecker, checkOptimizerAndOptions } from './validate.ts';

/** Options of `PolynomialLR` (PyTorch's `total_iters`, `power`, `last_epoch`). */
export interface PolynomialLROptions {
  /** Steps until the lr reaches 0; default 5. */
  totalIters?: number;
  /** Default 1 (linear). */
  power?: number;
  /** Index of the last epoch when resuming (PyTorch's `last_epoch`); default -1, a fresh start. */
  lastEpoch?: number;
}

/** Decays the lr to 0 as `(1 - step / totalIters) ** power` (PyTorch's PolynomialLR). */
export class PolynomialLR extends LRScheduler implements ClosedForm {
  /** Steps until the lr reaches 0. */
  totalIters: number;
  /** Exponent of the decay: `lr = initialLr * (1 - min(epoch, totalIters) / totalIters) ** power`. */
  power: number;

  constructor(optimizer: SchedulableOptimizer, options: PolynomialLROptions = {}) {
    const check = new ArgChecker('PolynomialLR');
    const o = checkOptimizerAndOptions(check, optimizer, options, ['totalIters', 'power', 'lastEpoch']);
    const totalIters = check.integer('totalIters', o.totalIters ?? 5, 1);
    const power = check.number('power', o.power ?? 1.0, { min: 0 });
    super('PolynomialLR', optimizer, check.lastEpoch(o.lastEpoch ?? -1, optimizer));
    this.totalIters = totalIters;
    this.power = power;
    this.initialStep();
  }

  getLr(): number[] {
    const lrs = this.groupLrs();
    if (this.lastEpoch === 0 || this.resumingInConstructor || this.lastEpoch > this.totalIters) return lrs;
    const decay = Math.pow(
      (1.0 - this.lastEpoch / this.totalIters) / (1.0 - (this.lastEpoch - 1) / this.totalIters),
      this.power,
    );
    return lrs.map((lr) => lr * decay);
  }

  lrAt(step: number): number[] {
    this.checkStep(step);
    const decay = Math.pow(1.0 - Math.min(this.totalIters, step) / this.totalIters, this.power);
    return this.baseLrs.map((baseLr) => baseLr * decay);
  }

  override stateDict(): StateDict {
    return { ...super.stateDict(), total_iters: this.totalIters, power: this.power };
  }

  protected loadHyperParameters(reader: StateReader): void {
    this.totalIters = reader.integer('total_iters');
    this.power = reader.number('power');
  }

  protected override closedFormLr(): number[] {
    return this.lrAt(this.lastEpoch);
  }
}
