import type { SchedulableOptimizer } from '../optim/param_group.ts';
import { LRScheduler, type ClosedForm } from './lr_scheduler.ts';
import type { StateDict, StateReader } from './state.ts';
import { ArgChecker, checkOptimizerAndOptions } from './validate.ts';

/** Options of `StepLR` (PyTorch's `step_size`, `gamma`, `last_epoch`). */
export interface StepLROptions {
  /** Period of the decay, in steps. */
  stepSize: number;
  /** Multiplicative decay factor; default 0.1. */
  gamma?: number;
  /** Index of the last epoch when resuming (PyTorch's `last_epoch`); default -1, a fresh start. */
  lastEpoch?: number;
}

/** Multiplies the lr by `gamma` every `stepSize` steps (PyTorch's StepLR). */
export class StepLR extends LRScheduler implements ClosedForm {
  /** Period of the decay, in steps: `lr = initialLr * gamma ** floor(epoch / stepSize)`. */
  stepSize: number;
  /** Multiplicative decay factor. */
  gamma: number;

  constructor(optimizer: SchedulableOptimizer, options: StepLROptions) {
    const check = new ArgChecker('StepLR');
    const o = checkOptimizerAndOptions(check, optimizer, options, ['stepSize', 'gamma', 'lastEpoch']);
    const stepSize = check.integer('stepSize', o.stepSize, 1);
    const gamma = check.number('gamma', o.gamma ?? 0.1, { min: 0, above: true });
    super('StepLR', optimizer, check.lastEpoch(o.lastEpoch ?? -1, optimizer));
    this.stepSize = stepSize;
    this.gamma = gamma;
    this.initialStep();
  }

  getLr(): number[] {
    const lrs = this.groupLrs();
    if (this.lastEpoch === 0 || this.resumingInConstructor || this.lastEpoch % this.stepSize !== 0) return lrs;
    return lrs.map((lr) => lr * this.gamma);
  }

  lrAt(step: number): number[] {
    this.checkStep(step);
    return this.baseLrs.map((baseLr) => baseLr * Math.pow(this.gamma, Math.floor(step / this.stepSize)));
  }

  override stateDict(): StateDict {
    return { ...super.stateDict(), step_size: this.stepSize, gamma: this.gamma };
  }

  protected loadHyperParameters(reader: StateReader): void {
    this.stepSize = reader.integer('step_size');
    this.gamma = reader.number('gamma');
  }

  protected override closedFormLr(): number[] {
    return this.lrAt(this.lastEpoch);
  }
}

/** Options of `MultiStepLR` (PyTorch's `milestones`, `gamma`, `last_epoch`). */
export interface MultiStepLROptions {
  /** Steps at which the lr is multiplied by `gamma`; increasing, a repeated milestone decays that many times. */
  milestones: readonly number[];
  /** Default 0.1. */
  gamma?: number;
  /** Index of the last epoch when resuming (PyTorch's `last_epoch`); default -1, a fresh start. */
  lastEpoch?: number;
}

/** Multiplies the lr by `gamma` at each milestone (PyTorch's MultiStepLR). */
export class MultiStepLR extends LRScheduler implements ClosedForm {
  /** Sorted, with repeats (PyTorch keeps a Counter). */
  milestones: number[];
  /** Multiplicative decay factor, applied once per milestone passed. */
  gamma: number;

  constructor(optimizer: SchedulableOptimizer, options: MultiStepLROptions) {
    const check = new ArgChecker('MultiStepLR');
    const o = checkOptimizerAndOptions(check, optimizer, options, ['milestones', 'gamma', 'lastEpoch']);
    const milestones = check.milestones('milestones', o.milestones, 0);
    const gamma = check.number('gamma', o.gamma ?? 0.1, { min: 0, above: true });
    super('MultiStepLR', optimizer, check.lastEpoch(o.lastEpoch ?? -1, optimizer));
    this.milestones = milestones;
    this.gamma = gamma;
    this.initialStep();
  }

  getLr(): number[] {
    const lrs = this.groupLrs();
    const count = this.resumingInConstructor ? 0 : this.milestones.filter((m) => m === this.lastEpoch).length;
    if (count === 0) return lrs;
    const decay = Math.pow(this.gamma, count);
    return lrs.map((lr) => lr * decay);
  }

  lrAt(step: number): number[] {
    this.checkStep(step);
    const passed = this.milestones.filter((m) => m <= step).length; // bisect_right
    return this.baseLrs.map((baseLr) => baseLr * Math.pow(this.gamma, passed));
  }

  override stateDict(): StateDict {
    return { ...super.stateDict(), milestones: [...this.milestones], gamma: this.gamma };
  }

  protected loadHyperParameters(reader: StateReader): void {
    this.milestones = new ArgChecker('MultiStepLR.loadStateDict').milestones('milestones', reader.raw('milestones'), 0);
    this.gamma = reader.number('gamma');
  }

  protected override closedFormLr(): number[] {
    return this.lrAt(this.lastEpoch);
  }
}
