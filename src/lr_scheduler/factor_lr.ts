import type { SchedulableOptimizer } from '../optim/param_group.ts';
import { LRScheduler, type ClosedForm } from './lr_scheduler.ts';
import type { StateDict, StateReader } from './state.ts';
import { ArgChecker, checkOptimizerAndOptions } from './validate.ts';

/** Options of `ConstantLR` (PyTorch's `factor`, `total_iters`, `last_epoch`). */
export interface ConstantLROptions {
  /** Factor applied until `totalIters`; default 1/3. In (0, 1]. */
  factor?: number;
  /** Default 5. */
  totalIters?: number;
  /** Index of the last epoch when resuming (PyTorch's `last_epoch`); default -1, a fresh start. */
  lastEpoch?: number;
}

/**
 * Multiplies the lr by `factor` for the first `totalIters` steps, then restores it (PyTorch's ConstantLR).
 * Unlike PyTorch, factor 0 is refused: the chainable form would divide by it.
 */
export class ConstantLR extends LRScheduler implements ClosedForm {
  /** Factor applied to the lr before step `totalIters`. */
  factor: number;
  /** Steps at the reduced lr: `lr = initialLr * (epoch < totalIters ? factor : 1)`. */
  totalIters: number;

  constructor(optimizer: SchedulableOptimizer, options: ConstantLROptions = {}) {
    const check = new ArgChecker('ConstantLR');
    const o = checkOptimizerAndOptions(check, optimizer, options, ['factor', 'totalIters', 'lastEpoch']);
    const factor = check.number('factor', o.factor ?? 1.0 / 3, { min: 0, above: true, max: 1 });
    const totalIters = check.integer('totalIters', o.totalIters ?? 5, 1);
    super('ConstantLR', optimizer, check.lastEpoch(o.lastEpoch ?? -1, optimizer));
    this.factor = factor;
    this.totalIters = totalIters;
    this.initialStep();
  }

  getLr(): number[] {
    const lrs = this.groupLrs();
    if (this.lastEpoch === 0) return lrs.map((lr) => lr * this.factor);
    if (this.resumingInConstructor || this.lastEpoch !== this.totalIters) return lrs;
    return lrs.map((lr) => lr * (1.0 / this.factor));
  }

  lrAt(step: number): number[] {
    this.checkStep(step);
    const done = step >= this.totalIters ? 1 : 0;
    return this.baseLrs.map((baseLr) => baseLr * (this.factor + done * (1 - this.factor)));
  }

  override stateDict(): StateDict {
    return { ...super.stateDict(), factor: this.factor, total_iters: this.totalIters };
  }

  protected loadHyperParameters(reader: StateReader): void {
    this.factor = reader.number('factor');
    this.totalIters = reader.integer('total_iters');
  }

  protected override closedFormLr(): number[] {
    return this.lrAt(this.lastEpoch);
  }
}

/** Options of `LinearLR` (PyTorch's `start_factor`, `end_factor`, `total_iters`, `last_epoch`). */
export interface LinearLROptions {
  /** Factor at step 0; default 1/3. In (0, 1]. */
  startFactor?: number;
  /** Factor from `totalIters` on; default 1. In [0, 1]. */
  endFactor?: number;
  /** Default 5. */
  totalIters?: number;
  /** Index of the last epoch when resuming (PyTorch's `last_epoch`); default -1, a fresh start. */
  lastEpoch?: number;
}

/**
 * Moves the lr's factor linearly from `startFactor` to `endFactor` over `totalIters` steps (PyTorch's
 * LinearLR). With endFactor 0, PyTorch's arithmetic can end a hair below zero (-1e-25, say); the lr is
 * clamped at 0 there, which changes nothing wherever PyTorch's value is >= 0.
 */
export class LinearLR extends LRScheduler implements ClosedForm {
  /** Factor at step 0. */
  startFactor: number;
  /** Factor from step `totalIters` on. */
  endFactor: number;
  /**
   * Steps of the ramp:
   * `lr = initialLr * (startFactor + (endFactor - startFactor) * min(epoch, totalIters) / totalIters)`.
   */
  totalIters: number;

  constructor(optimizer: SchedulableOptimizer, options: LinearLROptions = {}) {
    const check = new ArgChecker('LinearLR');
    const o = checkOptimizerAndOptions(check, optimizer, options, [
      'startFactor',
      'endFactor',
      'totalIters',
      'lastEpoch',
    ]);
    const startFactor = check.number('startFactor', o.startFactor ?? 1.0 / 3, { min: 0, above: true, max: 1 });
    const endFactor = check.number('endFactor', o.endFactor ?? 1.0, { min: 0, max: 1 });
    const totalIters = check.integer('totalIters', o.totalIters ?? 5, 1);
    super('LinearLR', optimizer, check.lastEpoch(o.lastEpoch ?? -1, optimizer));
    this.startFactor = startFactor;
    this.endFactor = endFactor;
    this.totalIters = totalIters;
    this.initialStep();
  }

  getLr(): number[] {
    const lrs = this.groupLrs();
    if (this.lastEpoch === 0) return lrs.map((lr) => lr * this.startFactor);
    if (this.resumingInConstructor || this.lastEpoch > this.totalIters) return lrs;
    const slope = this.endFactor - this.startFactor;
    return lrs.map((lr) =>
      Math.max(0, lr * (1.0 + slope / (this.totalIters * this.startFactor + (this.lastEpoch - 1) * slope))),
    );
  }

  lrAt(step: number): number[] {
    this.checkStep(step);
    const progress = ((this.endFactor - this.startFactor) * Math.min(this.totalIters, step)) / this.totalIters;
    return this.baseLrs.map((baseLr) => Math.max(0, baseLr * (this.startFactor + progress)));
  }

  override stateDict(): StateDict {
    return {
      ...super.stateDict(),
      start_factor: this.startFactor,
      end_factor: this.endFactor,
      total_iters: this.totalIters,
    };
  }

  protected loadHyperParameters(reader: StateReader): void {
    this.startFactor = reader.number('start_factor');
    this.endFactor = reader.number('end_factor');
    this.totalIters = reader.integer('total_iters');
  }

  protected override closedFormLr(): number[] {
    return this.lrAt(this.lastEpoch);
  }
}
