import { DataLoader } from '../data/loader.ts';
import { DeviceData } from '../nn/device_data.ts';
import type { Features, Targets } from '../nn/matrix.ts';
import { checkSameEngine, readRows } from '../train/trainer.ts';
import type { Sequential } from '../nn/sequential.ts';
import type { ParamGroup } from '../optim/group.ts';
import type { Optimizer } from '../optim/optimizer.ts';
import { checkBoolean, checkChoice, checkInteger, checkNumber, checkSeed, invalid } from '../params/check.ts';
import { ValidationError } from '../params/error.ts';
import { formatValue } from '../params/names.ts';
import { type LrSuggestions, suggestLrs } from './suggestions.ts';
import { crPow } from '../data/correctly_rounded_math.ts';

/**
 * Smith's learning-rate range test as fastai's `Learner.lr_find` runs it (`LRFinder`, `Recorder`,
 * `AvgSmoothLoss` in fastai/callback/schedule.py and fastai/learner.py): the lr grows from `startLr` to
 * `endLr` over `numIter` training steps, the loss is smoothed, the run stops once the smoothed loss exceeds
 * `divergeThreshold` × its best, and the model and optimizer are put back as they were.
 */

/** How the lr grows: fastai's `SchedExp` (geometric, the default) or `SchedLin` (arithmetic). */
export type LrFindMode = 'exponential' | 'linear';

/** Why a range test stopped. */
export type LrFindStopReason = 'numIter' | 'diverged' | 'nonFinite';

/** The settings of a range test, as checked (per-group lrs expanded): what `lrFind` ran with. */
export interface LrFindSettings {
  /** Each param group's first lr. */
  startLr: number[];
  /** Each param group's lr at position 1 (never reached: the last step is at `(numIter - 1) / numIter`). */
  endLr: number[];
  /** Steps to run at most (fastai's `num_it`; under 6 becomes 6, as fastai does). */
  numIter: number;
  /** How the lr grows. */
  mode: LrFindMode;
  /** The smoothing factor of the loss (fastai's `AvgSmoothLoss(beta)`). */
  beta: number;
  /** Stop once the smoothed loss exceeds `divergeThreshold` × the best smoothed loss so far. */
  stopDiv: boolean;
  /** fastai's 4. */
  divergeThreshold: number;
  /** Samples per step, or null for the whole dataset at every step. */
  batchSize: number | null;
  /** The seed of the batch order (the DataLoader's). */
  seed: number;
}

/** Options of `lrFind`: the model, its optimizer, the training data, and the range test's settings. */
export interface LrFindOptions {
  /** The model, its criterion set (class labels for CrossEntropyLoss, float targets for the others). */
  model: Sequential;
  /** The optimizer over the model's parameters; every param group follows the ramp. */
  optimizer: Optimizer<object, ParamGroup>;
  /** The training features, as `Trainer` takes them. */
  x: Features;
  /** The training labels or float targets, as `Trainer` takes them. */
  y: Targets;
  /** The first lr, > 0 (>= 0 for `linear`); one per param group, or one for all. Default 1e-7. */
  startLr?: number | readonly number[];
  /** The lr at position 1, > `startLr`; one per param group, or one for all. Default 10. */
  endLr?: number | readonly number[];
  /** Steps to run at most, an integer >= 1 (under 6 runs 6, as fastai does). Default 100. */
  numIter?: number;
  /** `'exponential'` (fastai's SchedExp, default) or `'linear'` (SchedLin). */
  mode?: LrFindMode;
  /** The loss smoothing factor, in [0, 1). Default 0.98. */
  beta?: number;
  /** Stop when the smoothed loss exceeds `divergeThreshold` × its best. Default true. */
  stopDiv?: boolean;
  /** The divergence factor, > 1. Default 4 (fastai's and Lightning's). */
  divergeThreshold?: number;
  /**
   * Samples per step (an integer in [1, n]; the last smaller batch of an epoch is dropped, as fastai's training
   * DataLoader does), or null for the whole dataset at every step (default).
   */
  batchSize?: number | null;
  /** The seed of the shuffled batch order, an integer in [0, 2^32 - 1]. Default 0. */
  seed?: number;
  /** Called after every step with its record (to show progress). */
  onIter?: (step: LrFindStep) => void;
}

/** One step of a range test. */
export interface LrFindStep {
  /** The step's index, from 0. */
  step: number;
  /** The lr of the last param group (what fastai records). */
  lr: number;
  /** The step's loss, before its update. */
  loss: number;
  /** The smoothed, debiased loss after this step. */
  smoothedLoss: number;
}

/** What `lrFind` found. */
export interface LrFindResult {
  /** The lr of each step, the last param group's (fastai's `recorder.lrs`). */
  lrs: number[];
  /** The lr of each step, per param group (`groupLrs[step][group]`). */
  groupLrs: number[][];
  /** Each step's loss (raw), computed before the step's update. */
  losses: number[];
  /** Each step's smoothed, debiased loss (fastai's `recorder.losses`); the suggestions read these. */
  smoothedLosses: number[];
  /** fastai's four suggestions, each null when too few points were recorded for it. */
  suggestions: LrSuggestions;
  /** The default suggestion: the valley's lr, or null. */
  suggestion: number | null;
  /** Whether the run stopped early: the smoothed loss diverged, or a loss was NaN or infinite. */
  diverged: boolean;
  /** Why it stopped. */
  stopReason: LrFindStopReason;
  /** The index of the last step recorded (the one that triggered the stop, when it stopped early). */
  stopStep: number;
  /** The settings it ran with. */
  settings: LrFindSettings;
}

const WHERE = 'lrFind';

/** The lr of a group at position `pos` of the ramp: fastai's `sched_exp` or `sched_lin`. */
export function rampLr(start: number, end: number, pos: number, mode: LrFindMode): number {
  return mode === 'exponential' ? start * crPow(end / start, pos) : start + pos * (end - start);
}

function checkLrs(
  name: 'startLr' | 'endLr',
  value: unknown,
  groups: number,
  mode: LrFindMode,
  where: string,
): number[] {
  const range = mode === 'exponential' || name === 'endLr' ? { min: 0, above: true } : { min: 0 };
  if (Array.isArray(value)) {
    if (value.length !== groups) {
      throw new ValidationError(
        where,
        name,
        `a number, or one per param group (${groups})`,
        value,
        `${where}: ${name} lists ${value.length} lrs; ` +
          `the optimizer has ${groups} param group${groups === 1 ? '' : 's'}`,
      );
    }
    return value.map((v, i) => checkNumber(where, `${name}[${i}]`, v, range, 'plain'));
  }
  const v = checkNumber(where, name, value, range, 'plain');
  return new Array<number>(groups).fill(v);
}

/** Checks every setting (nothing is changed); `groups` is the number of param groups. */
export function checkLrFindSettings(
  options: Omit<LrFindOptions, 'model' | 'optimizer' | 'x' | 'y'>,
  groups: number,
  nSamples: number,
  where = WHERE,
): LrFindSettings {
  const mode = checkChoice(where, 'mode', options.mode ?? 'exponential', ['exponential', 'linear'], 'plain');
  const startLr = checkLrs('startLr', options.startLr ?? 1e-7, groups, mode, where);
  const endLr = checkLrs('endLr', options.endLr ?? 10, groups, mode, where);
  startLr.forEach((s, g) => {
    if (!(s < endLr[g])) {
      const which = groups > 1 ? ` (param group ${g})` : '';
      throw new ValidationError(
        where,
        'startLr',
        `< endLr (${formatValue(endLr[g])})`,
        s,
        `${where}: startLr${which} must be < endLr, got startLr ${formatValue(s)} and endLr ${formatValue(endLr[g])}`,
      );
    }
  });
  const asked = checkInteger(where, 'numIter', options.numIter ?? 100, { min: 1, safe: true }, 'plain');
  const beta = checkNumber(where, 'beta', options.beta ?? 0.98, { min: 0, max: 1, below: true }, 'plain');
  const stopDiv = checkBoolean(where, 'stopDiv', options.stopDiv ?? true, 'plain');
  const divergeThreshold = checkNumber(
    where,
    'divergeThreshold',
    options.divergeThreshold ?? 4,
    { min: 1, above: true },
    'plain',
  );
  const b = options.batchSize ?? null;
  const batchSize = b === null ? null : checkInteger(where, 'batchSize', b, { min: 1, max: nSamples }, 'plain');
  const seed = checkSeed(where, options.seed ?? 0);
  if (options.onIter !== undefined && typeof options.onIter !== 'function') {
    throw invalid(where, 'onIter', 'a function', options.onIter, 'plain');
  }
  return { startLr, endLr, numIter: Math.max(asked, 6), mode, beta, stopDiv, divergeThreshold, batchSize, seed };
}

/** The record of a range test, before the suggestions. */
export interface RangeTestRecord {
  /** The last group's lr per step. */
  lrs: number[];
  /** Every group's lr per step. */
  groupLrs: number[][];
  /** Raw losses. */
  losses: number[];
  /** Smoothed, debiased losses. */
  smoothedLosses: number[];
  /** Why it stopped. */
  stopReason: LrFindStopReason;
}

/**
 * The range test's loop over any training step (`step()` trains one batch at the groups' current lrs and
 * returns its loss), in fastai's order: before step i every group's lr is set to the ramp at `i / numIter`;
 * after it the smoothed loss is updated (`val = beta·val + (1 − beta)·loss` from 0, debiased by
 * `1 − beta^count`), the step recorded, the best smoothed loss updated, then the divergence checked (the step
 * that diverges is recorded). A NaN or infinite loss is recorded and stops the test.
 */
export function rangeTest(
  settings: LrFindSettings,
  groups: readonly { lr: number }[],
  step: () => number,
  onIter?: (step: LrFindStep) => void,
): RangeTestRecord {
  const { startLr, endLr, numIter, mode, beta, stopDiv, divergeThreshold } = settings;
  const out: RangeTestRecord = { lrs: [], groupLrs: [], losses: [], smoothedLosses: [], stopReason: 'numIter' };
  let val = 0;
  let best = Number.POSITIVE_INFINITY;
  const last = groups.length - 1;
  for (let i = 0; i < numIter; i++) {
    const pos = i / numIter;
    for (let g = 0; g < groups.length; g++) groups[g].lr = rampLr(startLr[g], endLr[g], pos, mode);
    const lrs = groups.map((g) => g.lr);
    const loss = step();
    val = beta * val + (1 - beta) * loss;
    const smooth = val / (1 - crPow(beta, i + 1));
    out.lrs.push(lrs[last]);
    out.groupLrs.push(lrs);
    out.losses.push(loss);
    out.smoothedLosses.push(smooth);
    onIter?.({ step: i, lr: lrs[last], loss, smoothedLoss: smooth });
    if (smooth < best) best = smooth;
    if (stopDiv && smooth > divergeThreshold * best) {
      out.stopReason = 'diverged';
      break;
    }
    if (!Number.isFinite(loss)) {
      out.stopReason = 'nonFinite';
      break;
    }
  }
  return out;
}

/**
 * Runs the learning-rate range test (fastai's `Learner.lr_find`, Smith 2015) on `model` with `optimizer`: up to
 * `numIter` training steps, the lr of every param group growing from `startLr` towards `endLr`, each on its own
 * batch of a seeded shuffled order (cycling epochs; no other batch source is touched), stopping early when the
 * smoothed loss exceeds `divergeThreshold` × its best or a loss is NaN or infinite. Returns the curve and fastai's
 * four suggestions (`valley` the default). Afterwards — also when it throws — the model's weights and gradients
 * and the optimizer's state (step counts, moments, momentum buffers) and every param group's hyper-parameters and
 * scheduler bookkeeping are put back bit for bit: training after `lrFind` is training without it. Bad settings are
 * refused with a ValidationError before anything changes.
 */
export function lrFind(options: LrFindOptions): LrFindResult {
  if (typeof options !== 'object' || options === null) {
    throw invalid(WHERE, 'options', 'an object {model, optimizer, x, y, ...}', options, 'plain');
  }
  const { model, optimizer } = options;
  if (typeof model !== 'object' || model === null || typeof model.trainStepStaged !== 'function') {
    throw invalid(WHERE, 'model', 'a model (Sequential, MLP, LogicNet)', model, 'plain');
  }
  if (typeof optimizer !== 'object' || optimizer === null || !Array.isArray(optimizer.paramGroups)) {
    throw invalid(WHERE, 'optimizer', 'an optimizer (Adam, AdamW, SGD)', optimizer, 'plain');
  }
  checkSameEngine(model, optimizer, WHERE);
  const ownParams = new Set(model.parameters());
  if (optimizer.paramGroups.some((g) => g.params.some((p) => !ownParams.has(p)))) {
    throw new ValidationError(
      WHERE,
      'optimizer',
      "an optimizer over the model's parameters",
      `a ${optimizer.name} over other parameters`,
      `${WHERE}: the ${optimizer.name} holds parameters that are not this model's; build it from model.parameters()`,
    );
  }
  const { x, y } = readRows(model, options.x, options.y, WHERE);
  const settings = checkLrFindSettings(options, optimizer.paramGroups.length, x.rows);

  // What is put back afterwards: the weights and gradients as bits, the optimizer through its state dict
  // (step counts, buffers, every group's hyper-parameters and scheduler bookkeeping).
  const params = model.parameters();
  const weights = params.map((p) => p.data.slice());
  const grads = params.map((p) => p.grad.slice());
  const optimizerState = optimizer.stateDict();
  const data = new DeviceData(model.engine, x, y);
  let record: RangeTestRecord;
  try {
    const { batchSize, seed } = settings;
    const loader =
      batchSize === null
        ? null
        : new DataLoader({ nSamples: x.rows }, { batchSize, shuffle: true, seed, dropLast: true });
    const step = () => model.trainStepStaged(model.loadBatch(data, loader ? loader.nextBatch() : null), optimizer);
    record = rangeTest(settings, optimizer.paramGroups, step, options.onIter);
  } finally {
    data.dispose();
    optimizer.loadStateDict(optimizerState);
    params.forEach((p, i) => {
      p.data.set(weights[i]);
      p.grad.set(grads[i]);
    });
  }
  const suggestions = suggestLrs(record.lrs, record.smoothedLosses, settings.numIter);
  return {
    lrs: record.lrs,
    groupLrs: record.groupLrs,
    losses: record.losses,
    smoothedLosses: record.smoothedLosses,
    suggestions,
    suggestion: suggestions.valley?.lr ?? null,
    diverged: record.stopReason !== 'numIter',
    stopReason: record.stopReason,
    stopStep: record.lrs.length - 1,
    settings,
  };
}
