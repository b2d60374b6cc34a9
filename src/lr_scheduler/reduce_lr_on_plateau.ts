import type { SchedulableOptimizer } from '../optim/param_group.ts';
import type { Scheduler } from './lr_scheduler.ts';
import { encodeFloat, StateReader, type StateDict } from './state.ts';
import { ArgChecker, checkOptimizerAndOptions } from './validate.ts';

/** ReduceLROnPlateau's modes (PyTorch's `mode`). */
export const PLATEAU_MODES = ['min', 'max'] as const;
/** One of `PLATEAU_MODES`: 'min' (the metric should fall) or 'max' (it should rise). */
export type PlateauMode = (typeof PLATEAU_MODES)[number];
/** ReduceLROnPlateau's threshold modes (PyTorch's `threshold_mode`). */
export const THRESHOLD_MODES = ['rel', 'abs'] as const;
/** One of `THRESHOLD_MODES`: 'rel' (relative to the best metric) or 'abs' (absolute). */
export type ThresholdMode = (typeof THRESHOLD_MODES)[number];

/** Options of `ReduceLROnPlateau`, PyTorch's keyword arguments in camelCase. */
export interface ReduceLROnPlateauOptions {
  /** 'min': the metric should fall (a loss); 'max': it should rise (an accuracy). Default 'min'. */
  mode?: PlateauMode;
  /** new lr = lr * factor; default 0.1. In [0, 1). */
  factor?: number;
  /** Steps without improvement tolerated before reducing; default 10. */
  patience?: number;
  /** How much better counts as better; default 1e-4. */
  threshold?: number;
  /** 'rel': best * (1 ∓ threshold); 'abs': best ∓ threshold. Default 'rel'. */
  thresholdMode?: ThresholdMode;
  /** Steps to wait after a reduction before counting bad steps again; default 0. */
  cooldown?: number;
  /** Lower bound on the lr, one for all groups or one per group; default 0. */
  minLr?: number | readonly number[];
  /** A reduction smaller than eps is skipped; default 1e-8. */
  eps?: number;
}

/**
 * Reduces the lr by `factor` once the metric given to step(metric) has not improved for more than
 * `patience` steps (PyTorch's ReduceLROnPlateau). As in PyTorch 2.x (1.13 lacked it), getLastLr() works
 * from construction on. Not an LRScheduler: it has no schedule of the epoch, so neither getLr() nor lrAt().
 */
export class ReduceLROnPlateau implements Scheduler {
  readonly optimizer: SchedulableOptimizer;
  /** Whether the metric should fall ('min') or rise ('max'). */
  mode: PlateauMode;
  /** Reduction factor: `newLr = max(lr * factor, minLr)`. */
  factor: number;
  /** Steps without improvement tolerated before reducing. */
  patience: number;
  /** How much better counts as better. */
  threshold: number;
  /** 'rel': better than `best * (1 ∓ threshold)`; 'abs': better than `best ∓ threshold`. */
  thresholdMode: ThresholdMode;
  /** Steps to wait after a reduction before counting bad steps again. */
  cooldown: number;
  /** Steps of cooldown left. */
  cooldownCounter = 0;
  /** Lower bound on the lr, per group. */
  minLrs: number[];
  /** A reduction smaller than `eps` is skipped. */
  eps: number;
  /** Calls of step(metric) so far. */
  lastEpoch = 0;
  /** The best metric so far; starts at the worst value for the mode (±Infinity). */
  best: number;
  /** Consecutive steps without improvement (not counted during cooldown). */
  numBadEpochs = 0;
  private lastLr: number[];

  constructor(optimizer: SchedulableOptimizer, options: ReduceLROnPlateauOptions = {}) {
    const check = new ArgChecker('ReduceLROnPlateau');
    const o = checkOptimizerAndOptions(check, optimizer, options, [
      'mode',
      'factor',
      'patience',
      'threshold',
      'thresholdMode',
      'cooldown',
      'minLr',
      'eps',
    ]);
    this.mode = check.oneOf('mode', o.mode ?? 'min', PLATEAU_MODES);
    this.factor = check.number('factor', o.factor ?? 0.1, { min: 0, max: 1, below: true });
    this.patience = check.integer('patience', o.patience ?? 10, 0);
    this.threshold = check.number('threshold', o.threshold ?? 1e-4, { min: 0 });
    this.thresholdMode = check.oneOf('thresholdMode', o.thresholdMode ?? 'rel', THRESHOLD_MODES);
    this.cooldown = check.integer('cooldown', o.cooldown ?? 0, 0);
    this.minLrs = check.perGroup('minLr', o.minLr ?? 0, optimizer, { min: 0 });
    this.eps = check.number('eps', o.eps ?? 1e-8, { min: 0 });
    this.optimizer = optimizer;
    this.best = this.modeWorse;
    this.lastLr = optimizer.paramGroups.map((group) => group.lr);
  }

  /** The worst value of the metric for the mode: where `best` starts. */
  get modeWorse(): number {
    return this.mode === 'min' ? Infinity : -Infinity;
  }

  /** True while a cooldown runs. */
  get inCooldown(): boolean {
    return this.cooldownCounter > 0;
  }

  /** Feeds one value of the monitored metric (a validation loss, say). */
  step(metric: number): void {
    if (typeof metric !== 'number') {
      throw new Error(`ReduceLROnPlateau.step: metric must be a number, got ${typeof metric}`);
    }
    this.lastEpoch += 1;
    if (this.isBetter(metric, this.best)) {
      this.best = metric;
      this.numBadEpochs = 0;
    } else {
      this.numBadEpochs += 1;
    }
    if (this.inCooldown) {
      this.cooldownCounter -= 1;
      this.numBadEpochs = 0; // bad epochs in cooldown do not count
    }
    if (this.numBadEpochs > this.patience) {
      this.reduceLr();
      this.cooldownCounter = this.cooldown;
      this.numBadEpochs = 0;
    }
    this.lastLr = this.optimizer.paramGroups.map((group) => group.lr);
  }

  /** Whether `metric` improves on `best` by more than the threshold, for the mode and threshold mode. */
  isBetter(metric: number, best: number): boolean {
    if (this.mode === 'min' && this.thresholdMode === 'rel') return metric < best * (1.0 - this.threshold);
    if (this.mode === 'min') return metric < best - this.threshold;
    if (this.thresholdMode === 'rel') return metric > best * (this.threshold + 1.0);
    return metric > best + this.threshold;
  }

  getLastLr(): number[] {
    return [...this.lastLr];
  }

  stateDict(): StateDict {
    return {
      factor: this.factor,
      min_lrs: [...this.minLrs],
      patience: this.patience,
      cooldown: this.cooldown,
      cooldown_counter: this.cooldownCounter,
      mode: this.mode,
      threshold: this.threshold,
      threshold_mode: this.thresholdMode,
      best: encodeFloat(this.best),
      num_bad_epochs: this.numBadEpochs,
      mode_worse: encodeFloat(this.modeWorse),
      eps: this.eps,
      last_epoch: this.lastEpoch,
      _last_lr: [...this.lastLr],
    };
  }

  loadStateDict(state: StateDict): void {
    const reader = new StateReader('ReduceLROnPlateau', state);
    const minLrs = reader.numbers('min_lrs');
    if (minLrs.length !== this.optimizer.paramGroups.length) {
      reader.fail('min_lrs', `a list of ${this.optimizer.paramGroups.length} (one per param group)`, minLrs);
    }
    this.factor = reader.number('factor');
    this.minLrs = [...minLrs];
    this.patience = reader.integer('patience');
    this.cooldown = reader.integer('cooldown');
    this.cooldownCounter = reader.integer('cooldown_counter');
    this.mode = reader.string('mode', PLATEAU_MODES);
    this.threshold = reader.number('threshold');
    this.thresholdMode = reader.string('threshold_mode', THRESHOLD_MODES);
    this.best = reader.float('best');
    this.numBadEpochs = reader.integer('num_bad_epochs');
    this.eps = reader.number('eps');
    this.lastEpoch = reader.integer('last_epoch');
    this.lastLr = [...reader.numbers('_last_lr')];
  }

  private reduceLr(): void {
    this.optimizer.paramGroups.forEach((group, i) => {
      const oldLr = group.lr;
      const newLr = Math.max(oldLr * this.factor, this.minLrs[i]);
      if (oldLr - newLr > this.eps) group.lr = newLr;
    });
  }
}
