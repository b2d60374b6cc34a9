import type { SchedulableOptimizer } from '../optim/param_group.ts';
import {
  choice,
  integer,
  number,
  numberPerGroup,
  type OptionsOf,
  type Param,
  type Values,
  notInState,
  perGroup,
} from '../params/declare.ts';
import { ParamSet } from '../params/param_set.ts';
import { parseSchedulerOptions, type Scheduler } from './lr_scheduler.ts';
import { encodeFloat } from './state.ts';
import { StateReader, type StateDict } from '../params/state_reader.ts';

/** ReduceLROnPlateau's modes (PyTorch's `mode`). */
export const PLATEAU_MODES = ['min', 'max'] as const;
/** One of `PLATEAU_MODES`: 'min' (the metric should fall) or 'max' (it should rise). */
export type PlateauMode = (typeof PLATEAU_MODES)[number];
/** ReduceLROnPlateau's threshold modes (PyTorch's `threshold_mode`). */
export const THRESHOLD_MODES = ['rel', 'abs'] as const;
/** One of `THRESHOLD_MODES`: 'rel' (relative to the best metric) or 'abs' (absolute). */
export type ThresholdMode = (typeof THRESHOLD_MODES)[number];

const REDUCE_LR_ON_PLATEAU = new ParamSet('ReduceLROnPlateau', {
  mode: choice({
    doc: "'min': the metric should fall (a loss); 'max': it should rise (an accuracy).",
    choices: PLATEAU_MODES,
    default: 'min',
  }) as Param<PlateauMode, false>,
  factor: number({ doc: 'new lr = lr * factor.', default: 0.1, min: 0, max: 1, below: true }),
  patience: integer({ doc: 'Steps without improvement tolerated before reducing.', default: 10, min: 0 }),
  threshold: number({ doc: 'How much better counts as better.', default: 1e-4, min: 0 }),
  thresholdMode: choice({
    doc: "'rel': better than best * (1 ∓ threshold); 'abs': better than best ∓ threshold.",
    choices: THRESHOLD_MODES,
    default: 'rel',
  }) as Param<ThresholdMode, false>,
  cooldown: integer({ doc: 'Steps to wait after a reduction before counting bad steps again.', default: 0, min: 0 }),
  minLr: notInState(
    perGroup(
      numberPerGroup({ doc: 'Lower bound on the lr, one for all groups or one per group.', default: 0, min: 0 }),
    ),
  ),
  eps: number({ doc: 'A reduction smaller than eps is skipped.', default: 1e-8, min: 0 }),
});

/**
 * Options of `ReduceLROnPlateau`, PyTorch's keyword arguments in camelCase, as declared in
 * `ReduceLROnPlateau.params`.
 */
export type ReduceLROnPlateauOptions = OptionsOf<typeof REDUCE_LR_ON_PLATEAU.decls, never>;

type PlateauValues = Values<typeof REDUCE_LR_ON_PLATEAU.decls>;

/**
 * Reduces the lr by `factor` once the metric given to step(metric) has not improved for more than
 * `patience` steps (PyTorch's ReduceLROnPlateau). As in PyTorch 2.x (1.13 lacked it), getLastLr() works
 * from construction on. Not an LRScheduler: it has no schedule of the epoch, so neither getLr() nor lrAt().
 */
export class ReduceLROnPlateau implements Scheduler {
  /** The declared hyper-parameters (names, defaults, ranges): options, state dict, run configs, flags. */
  static readonly params = REDUCE_LR_ON_PLATEAU;
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

  /**
   * @param optimizer the optimizer whose groups' lrs it reduces
   * @param options see `ReduceLROnPlateauOptions`
   */
  constructor(optimizer: SchedulableOptimizer, options: ReduceLROnPlateauOptions = {}) {
    const o = parseSchedulerOptions(REDUCE_LR_ON_PLATEAU, optimizer, options);
    this.mode = o.mode;
    this.factor = o.factor;
    this.patience = o.patience;
    this.threshold = o.threshold;
    this.thresholdMode = o.thresholdMode;
    this.cooldown = o.cooldown;
    this.minLrs = o.minLr;
    this.eps = o.eps;
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

  /** The declared hyper-parameters and the plateau's progress, under PyTorch's keys. */
  stateDict(): StateDict {
    return {
      ...REDUCE_LR_ON_PLATEAU.state(this.values()),
      min_lrs: [...this.minLrs],
      cooldown_counter: this.cooldownCounter,
      best: encodeFloat(this.best),
      num_bad_epochs: this.numBadEpochs,
      mode_worse: encodeFloat(this.modeWorse),
      last_epoch: this.lastEpoch,
      _last_lr: [...this.lastLr],
    };
  }

  /** Restores what stateDict() saved; everything is checked first, so a refused state changes nothing. */
  loadStateDict(state: StateDict): void {
    const reader = new StateReader('ReduceLROnPlateau', state);
    const groups = this.optimizer.paramGroups.length;
    const perGroupList = (key: string): number[] => {
      const list = reader.numbers(key);
      if (list.length !== groups) reader.fail(key, `a list of ${groups} (one per param group)`, list);
      return [...list];
    };
    const minLrs = perGroupList('min_lrs');
    const cooldownCounter = reader.integer('cooldown_counter');
    const best = reader.float('best');
    const numBadEpochs = reader.integer('num_bad_epochs');
    const lastEpoch = reader.integer('last_epoch');
    const lastLr = perGroupList('_last_lr');
    const hyper = { ...this.values(), ...REDUCE_LR_ON_PLATEAU.load(state, groups) };
    this.mode = hyper.mode;
    this.factor = hyper.factor;
    this.patience = hyper.patience;
    this.threshold = hyper.threshold;
    this.thresholdMode = hyper.thresholdMode;
    this.cooldown = hyper.cooldown;
    this.eps = hyper.eps;
    this.minLrs = minLrs;
    this.cooldownCounter = cooldownCounter;
    this.best = best;
    this.numBadEpochs = numBadEpochs;
    this.lastEpoch = lastEpoch;
    this.lastLr = lastLr;
  }

  /** The declared hyper-parameters' values, as the options would give them. */
  private values(): PlateauValues {
    const { mode, factor, patience, threshold, thresholdMode, cooldown, minLrs, eps } = this;
    return { mode, factor, patience, threshold, thresholdMode, cooldown, minLr: [...minLrs], eps };
  }

  private reduceLr(): void {
    this.optimizer.paramGroups.forEach((group, i) => {
      const oldLr = group.lr;
      const newLr = Math.max(oldLr * this.factor, this.minLrs[i]);
      if (oldLr - newLr > this.eps) group.lr = newLr;
    });
  }
}
