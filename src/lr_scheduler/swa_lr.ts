import type { SchedulableOptimizer } from '../optim/param_group.ts';
import { LRScheduler, type ClosedForm } from './lr_scheduler.ts';
import { ANNEAL_STRATEGIES, type AnnealStrategy } from './one_cycle_lr.ts';
import type { StateDict, StateReader } from './state.ts';
import { ArgChecker, checkOptimizerAndOptions } from './validate.ts';

/** Options of `SWALR` (PyTorch's `swa_lr`, `anneal_epochs`, `anneal_strategy`, `last_epoch`). */
export interface SWALROptions {
  /** The lr to anneal to, one for all groups or one per group (stored as each group's `swaLr`). */
  swaLr: number | readonly number[];
  /** Steps of annealing; default 10. */
  annealEpochs?: number;
  /** Default 'cos'. */
  annealStrategy?: AnnealStrategy;
  /** Index of the last epoch when resuming (PyTorch's `last_epoch`); default -1, a fresh start. */
  lastEpoch?: number;
}

/**
 * Anneals each group's lr from its value when the scheduler is built to `swaLr` over `annealEpochs`
 * steps, then holds it (PyTorch's torch.optim.swa_utils.SWALR). The chainable form recovers the start
 * lr from the current one at every step, so an lr changed by hand reshapes the rest of the annealing.
 */
export class SWALR extends LRScheduler implements ClosedForm {
  /** Steps of annealing, after which the lr stays at `swaLr`. */
  annealEpochs: number;
  /** The shape of the annealing: 'cos' or 'linear'. */
  annealStrategy: AnnealStrategy;
  /** The groups' lrs when the scheduler was built: where lrAt() anneals from. */
  private startLrs: number[];

  constructor(optimizer: SchedulableOptimizer, options: SWALROptions) {
    const check = new ArgChecker('SWALR');
    const o = checkOptimizerAndOptions(check, optimizer, options, [
      'swaLr',
      'annealEpochs',
      'annealStrategy',
      'lastEpoch',
    ]);
    const swaLrs = check.perGroup('swaLr', o.swaLr, optimizer, { min: 0 });
    const annealStrategy = check.oneOf('annealStrategy', o.annealStrategy ?? 'cos', ANNEAL_STRATEGIES);
    const annealEpochs = check.integer('annealEpochs', o.annealEpochs ?? 10, 0);
    const lastEpoch = check.lastEpoch(o.lastEpoch ?? -1, optimizer);
    optimizer.paramGroups.forEach((group, i) => (group.swaLr = swaLrs[i]));
    super('SWALR', optimizer, lastEpoch);
    this.annealEpochs = annealEpochs;
    this.annealStrategy = annealStrategy;
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

  override stateDict(): StateDict {
    return {
      ...super.stateDict(),
      anneal_epochs: this.annealEpochs,
      _anneal_strategy: this.annealStrategy,
      _start_lrs: [...this.startLrs],
    };
  }

  protected loadHyperParameters(reader: StateReader): void {
    this.annealEpochs = reader.integer('anneal_epochs');
    this.annealStrategy = reader.string('_anneal_strategy', ANNEAL_STRATEGIES);
    this.startLrs = reader.numbers('_start_lrs');
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
