import type { SchedulableOptimizer } from '../optim/param_group.ts';
import { integer, number, type OptionsOf } from '../params/declare.ts';
import { ParamSet } from '../params/param_set.ts';
import { LAST_EPOCH, LRScheduler, parseSchedulerOptions, type ClosedForm } from './lr_scheduler.ts';

const CONSTANT_LR = new ParamSet('ConstantLR', {
  factor: number({
    doc: 'Factor applied to the lr until `totalIters`.',
    min: 0,
    above: true,
    max: 1,
    default: 1.0 / 3,
  }),
  totalIters: integer({ doc: 'Steps at the reduced lr.', min: 1, default: 5 }),
  lastEpoch: LAST_EPOCH,
});

/** Options of `ConstantLR` (PyTorch's `factor`, `total_iters`, `last_epoch`), as declared in `ConstantLR.params`. */
export type ConstantLROptions = OptionsOf<typeof CONSTANT_LR.decls>;

/**
 * Multiplies the lr by `factor` for the first `totalIters` steps, then restores it (PyTorch's ConstantLR).
 * Unlike PyTorch, factor 0 is refused: the chainable form would divide by it.
 */
export class ConstantLR extends LRScheduler implements ClosedForm {
  /** The declared hyper-parameters (names, defaults, ranges): options, state dict, run configs, flags. */
  static readonly params = CONSTANT_LR;
  /** Factor applied to the lr before step `totalIters`. */
  factor: number;
  /** Steps at the reduced lr: `lr = initialLr * (epoch < totalIters ? factor : 1)`. */
  totalIters: number;

  constructor(optimizer: SchedulableOptimizer, options: ConstantLROptions = {}) {
    const o = parseSchedulerOptions(CONSTANT_LR, optimizer, options);
    super(CONSTANT_LR, optimizer, o.lastEpoch);
    this.factor = o.factor;
    this.totalIters = o.totalIters;
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

  protected override closedFormLr(): number[] {
    return this.lrAt(this.lastEpoch);
  }
}

const LINEAR_LR = new ParamSet('LinearLR', {
  startFactor: number({ doc: 'Factor at step 0.', min: 0, above: true, max: 1, default: 1.0 / 3 }),
  endFactor: number({ doc: 'Factor from step `totalIters` on.', min: 0, max: 1, default: 1.0 }),
  totalIters: integer({ doc: 'Steps of the ramp from `startFactor` to `endFactor`.', min: 1, default: 5 }),
  lastEpoch: LAST_EPOCH,
});

/**
 * Options of `LinearLR` (PyTorch's `start_factor`, `end_factor`, `total_iters`, `last_epoch`), as declared in
 * `LinearLR.params`.
 */
export type LinearLROptions = OptionsOf<typeof LINEAR_LR.decls>;

/**
 * Moves the lr's factor linearly from `startFactor` to `endFactor` over `totalIters` steps (PyTorch's
 * LinearLR). With endFactor 0, PyTorch's arithmetic can end a hair below zero (-1e-25, say); the lr is
 * clamped at 0 there, which changes nothing wherever PyTorch's value is >= 0.
 */
export class LinearLR extends LRScheduler implements ClosedForm {
  /** The declared hyper-parameters (names, defaults, ranges): options, state dict, run configs, flags. */
  static readonly params = LINEAR_LR;
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
    const o = parseSchedulerOptions(LINEAR_LR, optimizer, options);
    super(LINEAR_LR, optimizer, o.lastEpoch);
    this.startFactor = o.startFactor;
    this.endFactor = o.endFactor;
    this.totalIters = o.totalIters;
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

  protected override closedFormLr(): number[] {
    return this.lrAt(this.lastEpoch);
  }
}
