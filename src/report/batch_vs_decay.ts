/**
 * A small-scale reproduction of Smith, Kindermans, Ying & Le, "Don't Decay the Learning Rate, Increase the Batch
 * Size" (ICLR 2018, arXiv:1711.00489), section 5.1: three schedules trained for the same number of epochs —
 * (a) the lr divided by `factor` at each milestone epoch, (b) the batch multiplied by `factor` at the same epochs
 * (constant lr), (c) the hybrid: the batch grows at every milestone but the last, where the lr decays — under
 * each optimizer and seed, the held-out accuracy evaluated at every epoch end. Every run is an ordinary run
 * config (`anneal train --config` reruns it); `batch_vs_decay_report.ts` writes the report.
 *
 * Epochs are full passes over the training rows in a fresh permutation; the last partial batch of an epoch is
 * dropped (DataLoader's `dropLast`, as `ScheduledBatches` does), so an epoch with batch size B takes
 * floor(n_train / B) parameter updates and a schedule's count is the sum of those over its epochs: exact
 * arithmetic, checked against every run.
 */
import {
  ConfigError,
  type DatasetSpec,
  parseRunConfig,
  type RunConfig,
  type RunConfigInput,
} from '../config/run_config.ts';
import { ValidationError } from '../params/error.ts';
import { type PreparedRun, prepareRun, resolveData, runTraining, type RunHooks } from '../train/run.ts';
import { NonFiniteLossError } from '../train/trainer.ts';
import { resolveHeldOut } from '../train/validation.ts';

/** An optimizer of the reproduction: SGD with momentum (the paper's) or Adam. */
export interface BvdOptimizer {
  /** `'SGD'` or `'Adam'`. */
  type: 'SGD' | 'Adam';
  /** The initial lr (that of every epoch for schedule (b)). */
  lr: number;
  /** SGD's momentum (default 0.9, the paper's). */
  momentum?: number;
  /** L2 penalty (PyTorch's `weight_decay`; default 0). */
  weightDecay?: number;
}

/** The setting of the reproduction (see `DEFAULT_BATCH_VS_DECAY`). */
export interface BatchVsDecaySettings {
  /** Training epochs (full passes over the training rows). */
  epochs: number;
  /** The epochs (0-based, increasing, in [1, epochs - 1]) at which the lr decays or the batch grows. */
  milestones: number[];
  /** The lr is divided, or the batch multiplied, by this factor at each milestone (> 1). */
  factor: number;
  /** The batch size of the first epoch. */
  batchSize: number;
  /** The data (a classification set): the shipped digits by default. */
  data: DatasetSpec;
  /** Hidden layer widths of the MLP (inputs: the data's features; outputs: its classes). */
  hidden: number[];
  /** The hidden layers' activation. */
  activation: 'tanh' | 'relu';
  /** The held-out fraction of the digits (stratified; the same rows in every run). */
  valSplit: number;
  /** The seed of the held-out split. */
  dataSeed: number;
  /** The seeds of the initial weights and of the batch order, one run per schedule, optimizer and seed. */
  seeds: number[];
  /** The optimizers, each running the three schedules. */
  optimizers: BvdOptimizer[];
}

/**
 * The default setting: the paper's schedule in epochs (milestones 60, 120, 160 of 200, factor 5) on the shipped
 * 8×8 digits (1797 images, 20 % held out: 1437 training rows), MLP 64-32-10, first batch 10, so that the batch of
 * (b) grows 10 → 50 → 250 → 1250 (the paper's 128 → 640 → 3200 → 16000 on CIFAR-10's 50 000 images).
 */
export const DEFAULT_BATCH_VS_DECAY: BatchVsDecaySettings = {
  epochs: 200,
  milestones: [60, 120, 160],
  factor: 5,
  batchSize: 10,
  data: { type: 'digits', n_class: 10 },
  hidden: [32],
  activation: 'tanh',
  valSplit: 0.2,
  dataSeed: 0,
  seeds: [0, 1, 2, 3, 4],
  optimizers: [
    { type: 'SGD', lr: 0.2, momentum: 0.9, weightDecay: 0.002 },
    { type: 'Adam', lr: 0.01, weightDecay: 0.002 },
  ],
};

/** The three schedules, in the paper's order. */
export const SCHEDULE_IDS = ['decay-lr', 'increase-batch', 'hybrid'] as const;
export type ScheduleId = (typeof SCHEDULE_IDS)[number];
export const SCHEDULE_LABELS: Record<ScheduleId, string> = {
  'decay-lr': '(a) decaying lr',
  'increase-batch': '(b) increasing batch',
  hybrid: '(c) hybrid',
};

/** One schedule worked out in epochs and updates: pure arithmetic of the setting and the training rows. */
export interface SchedulePlan {
  id: ScheduleId;
  label: string;
  /** The epochs at which the lr is divided by the factor. */
  lrMilestones: number[];
  /** The epochs at which the batch is multiplied by the factor. */
  batchMilestones: number[];
  /** `batchSizes[e]`: the batch size of epoch e (0-based), b₀ · factor^(batch milestones ≤ e). */
  batchSizes: number[];
  /** `lrDecays[e]`: how many times the lr of epoch e has been divided by the factor. */
  lrDecays: number[];
  /** `updates[e]`: the parameter updates of epoch e, floor(n_train / batchSizes[e]). */
  updatesPerEpoch: number[];
  /** `epochEnds[e]`: the updates taken after e epochs (`epochEnds[0]` = 0, `epochEnds[epochs]` = `updates`). */
  epochEnds: number[];
  /** The schedule's parameter updates over the whole run. */
  updates: number;
}

const where = 'batch-vs-decay';

function refuse(param: string, allowed: string, got: unknown, message: string): never {
  throw new ValidationError(where, param, allowed, got, `${where}: ${message}`);
}

/**
 * Refuses a setting that cannot run, before anything is trained: the message names the setting and what it
 * allows. `nTrain` (the training rows) checks that the largest batch fits in an epoch.
 */
export function checkBatchVsDecay(s: BatchVsDecaySettings, nTrain?: number): void {
  const int = (name: string, v: number, min: number, max = Number.MAX_SAFE_INTEGER) => {
    if (!Number.isSafeInteger(v) || v < min || v > max)
      refuse(name, `an integer in [${min}, ${max}]`, v, `${name} must be an integer in [${min}, ${max}], got ${v}`);
  };
  int('epochs', s.epochs, 2, 100_000);
  int('batchSize', s.batchSize, 1);
  if (!Array.isArray(s.milestones) || s.milestones.length < 2)
    refuse(
      'milestones',
      'at least two epochs',
      s.milestones,
      'milestones: give at least two epochs (the hybrid grows ' +
        'the batch at all but the last and decays the lr at the last)',
    );
  s.milestones.forEach((m, i) => {
    int(`milestones[${i}]`, m, 1, s.epochs - 1);
    if (i > 0 && m <= s.milestones[i - 1])
      refuse(
        'milestones',
        'increasing epochs',
        s.milestones,
        `milestones must increase, got ${s.milestones.join(', ')}`,
      );
  });
  if (!(Number.isFinite(s.factor) && s.factor > 1))
    refuse('factor', 'a finite number > 1', s.factor, `factor must be a finite number > 1, got ${s.factor}`);
  if (!(s.valSplit > 0 && s.valSplit < 1))
    refuse('valSplit', 'a fraction in (0, 1)', s.valSplit, `valSplit must be in (0, 1), got ${s.valSplit}`);
  int('dataSeed', s.dataSeed, 0, 2 ** 32 - 1);
  if (!Array.isArray(s.seeds) || s.seeds.length < 1) refuse('seeds', 'at least one seed', s.seeds, 'give a seed');
  s.seeds.forEach((seed, i) => int(`seeds[${i}]`, seed, 0, 2 ** 32 - 1));
  if (new Set(s.seeds).size !== s.seeds.length)
    refuse('seeds', 'distinct seeds', s.seeds, `seeds must be distinct, got ${s.seeds.join(', ')}`);
  if (!Array.isArray(s.hidden) || s.hidden.length < 1) refuse('hidden', 'at least one width', s.hidden, 'give hidden');
  s.hidden.forEach((h, i) => int(`hidden[${i}]`, h, 1, 1 << 20));
  if (!Array.isArray(s.optimizers) || s.optimizers.length < 1)
    refuse('optimizers', 'SGD and/or Adam', s.optimizers, 'give at least one optimizer');
  for (const o of s.optimizers) {
    if (o.type !== 'SGD' && o.type !== 'Adam')
      refuse('optimizers', "'SGD' or 'Adam'", o.type, `optimizer must be SGD or Adam, got ${String(o.type)}`);
    if (!(Number.isFinite(o.lr) && o.lr > 0)) refuse('lr', 'a finite number > 0', o.lr, `${o.type} lr must be > 0`);
  }
  if (new Set(s.optimizers.map((o) => o.type)).size !== s.optimizers.length)
    refuse('optimizers', 'each optimizer once', s.optimizers, 'give each optimizer once');
  if (nTrain !== undefined) {
    const largest = Math.round(s.batchSize * s.factor ** s.milestones.length);
    if (largest > nTrain)
      refuse(
        'batchSize',
        `b₀ · factor^${s.milestones.length} ≤ ${nTrain}`,
        s.batchSize,
        `schedule (b) would grow the batch to ${s.batchSize} · ${s.factor}^${s.milestones.length} = ${largest}, ` +
          `more than the ${nTrain} training rows (an epoch would have no batch): give a smaller batch size ` +
          `(at most ${Math.floor(nTrain / s.factor ** s.milestones.length)}) or factor`,
      );
  }
}

/** The batch size after `grown` growths: b₀ · factor^grown, rounded half up (as the batch-size schedules round). */
function batchAfter(s: BatchVsDecaySettings, grown: number): number {
  let factor = 1;
  for (let i = 0; i < grown; i++) factor *= s.factor; // MultiStepLR's chained product
  return Math.floor(s.batchSize * factor + 0.5);
}

/** The three schedules of a setting, in epochs and updates, for `nTrain` training rows. */
export function schedulePlans(s: BatchVsDecaySettings, nTrain: number): SchedulePlan[] {
  const last = s.milestones[s.milestones.length - 1];
  const plan = (id: ScheduleId, lrMilestones: number[], batchMilestones: number[]): SchedulePlan => {
    const count = (ms: number[], e: number) => ms.filter((m) => m <= e).length;
    const batchSizes: number[] = [];
    const lrDecays: number[] = [];
    const updatesPerEpoch: number[] = [];
    const epochEnds = [0];
    for (let e = 0; e < s.epochs; e++) {
      const b = batchAfter(s, count(batchMilestones, e));
      batchSizes.push(b);
      lrDecays.push(count(lrMilestones, e));
      updatesPerEpoch.push(Math.floor(nTrain / b));
      epochEnds.push(epochEnds[e] + Math.floor(nTrain / b));
    }
    return {
      id,
      label: SCHEDULE_LABELS[id],
      lrMilestones,
      batchMilestones,
      batchSizes,
      lrDecays,
      updatesPerEpoch,
      epochEnds,
      updates: epochEnds[s.epochs],
    };
  };
  return [
    plan('decay-lr', [...s.milestones], []),
    plan('increase-batch', [], [...s.milestones]),
    plan('hybrid', [last], s.milestones.slice(0, -1)),
  ];
}

/** What every run shares: the model, the data, its held-out split and scaler. */
function baseConfig(s: BatchVsDecaySettings, dims: { nFeatures: number; nClasses: number }) {
  return {
    sizes: [dims.nFeatures, ...s.hidden, Math.max(dims.nClasses, 2)],
    activation: s.activation,
    data: s.data,
    scaler: { type: 'StandardScaler' },
    validation: { val_split: s.valSplit, seed: s.dataSeed },
  } satisfies Omit<RunConfigInput, 'optimizer' | 'steps'>;
}

/** The data's size: training rows and held-out rows of the split, features and classes. */
export interface SplitSizes {
  nTrain: number;
  nVal: number;
  nFeatures: number;
  nClasses: number;
}

/** The training rows and held-out rows of a setting's split, the features and the classes. */
export function splitSizes(s: BatchVsDecaySettings): SplitSizes {
  const probe = { sizes: [1, 1], data: s.data, validation: { val_split: s.valSplit, seed: s.dataSeed } };
  const config = parseRunConfig({ ...probe, optimizer: { type: 'SGD' }, steps: 0 }, where);
  const data = resolveData(config);
  if (data.targets !== undefined)
    refuse('data', 'a classification dataset', s.data.type, `${s.data.type} is a regression dataset; give classes`);
  const { train, heldOut } = resolveHeldOut(config, data, () => data);
  return { nTrain: train.nSamples, nVal: heldOut?.nSamples ?? 0, nFeatures: data.nFeatures, nClasses: data.nClasses };
}

/** The optimizer's id in file names: `sgd`, `adam`. */
export const optimizerId = (o: BvdOptimizer): string => o.type.toLowerCase();

/** The optimizer in words: `SGD (momentum 0.9), lr 0.1`. */
export function optimizerLabel(o: BvdOptimizer): string {
  return o.type === 'SGD' ? `SGD (momentum ${o.momentum ?? 0.9}), lr ${o.lr}` : `Adam, lr ${o.lr}`;
}

/**
 * The run config of one schedule, optimizer and seed: an ordinary run config. The lr milestones are in steps
 * (the first step of the milestone epoch, `plan.epochEnds[m]`: the lr scheduler steps once per update), the
 * batch milestones in epochs (`batch_schedule` steps once per epoch); `steps` is the plan's update count.
 */
export function batchVsDecayConfig(
  s: BatchVsDecaySettings,
  dims: SplitSizes,
  plan: SchedulePlan,
  optimizer: BvdOptimizer,
  seed: number,
): RunConfig {
  const kwargs: Record<string, number> = { lr: optimizer.lr };
  if (optimizer.type === 'SGD') kwargs.momentum = optimizer.momentum ?? 0.9;
  if (optimizer.weightDecay) kwargs.weight_decay = optimizer.weightDecay;
  return parseRunConfig(
    {
      ...baseConfig(s, dims),
      name: `${optimizerId(optimizer)}-${plan.id}.seed${seed}`,
      seed,
      optimizer: { type: optimizer.type, kwargs },
      steps: plan.updates,
      batch_size: s.batchSize,
      scheduler: plan.lrMilestones.length
        ? {
            type: 'MultiStepLR',
            args: { milestones: plan.lrMilestones.map((m) => plan.epochEnds[m]), gamma: 1 / s.factor },
          }
        : null,
      batch_schedule: plan.batchMilestones.length
        ? { type: 'MultiStepBS', args: { milestones: plan.batchMilestones, gamma: s.factor }, interval: 'epoch' }
        : null,
    },
    where,
  );
}

/** One run: the held-out set after every epoch, and the lr and batch size each epoch used. */
export interface BvdRun {
  seed: number;
  config: RunConfig;
  /** `valAccuracy[e]`: the held-out accuracy after e epochs (e = 0: the initial weights). */
  valAccuracy: number[];
  /** `valLoss[e]`: the held-out loss after e epochs. */
  valLoss: number[];
  /** `lr[e]`: the lr of epoch e (of its first update). */
  lr: number[];
  /** `batchSize[e]`: the batch size of epoch e (every update of it). */
  batchSize: number[];
  /** The parameter updates the run took. */
  updates: number;
  /** Milliseconds in training steps. */
  wallMs: number;
}

/** The median and min–max over seeds at each epoch. */
export interface Band {
  median: number[];
  min: number[];
  max: number[];
}

/** A schedule under one optimizer: its runs and their spread. */
export interface BvdSchedule {
  plan: SchedulePlan;
  runs: BvdRun[];
  valAccuracy: Band;
  valLoss: Band;
}

/**
 * Whether the three curves agree within the seed spread, epoch by epoch from the first milestone on (before it
 * the three schedules are the same run): at epoch e they agree when every schedule's median lies within every
 * other schedule's min–max band over seeds.
 */
export interface Agreement {
  /** The epochs compared: after milestones[0] + 1 epochs, up to `epochs`. */
  from: number;
  /** How many of the compared epochs agree, of `compared`. */
  agreeing: number;
  compared: number;
  /** The epochs (epoch counts) where they do not agree. */
  disagreeing: number[];
  /** Whether they agree after the last epoch. */
  final: boolean;
  /** The largest gap between two schedules' medians (accuracy, in [0, 1]) over the compared epochs, and where. */
  largestGap: { gap: number; epoch: number; between: [ScheduleId, ScheduleId] };
}

/** An optimizer's three schedules, and whether their curves agree. */
export interface BvdOptimizerResult {
  optimizer: BvdOptimizer;
  schedules: BvdSchedule[];
  agreement: Agreement;
}

export interface BatchVsDecayResult {
  settings: BatchVsDecaySettings;
  /** The training rows, held-out rows, features and classes. */
  sizes: SplitSizes;
  plans: SchedulePlan[];
  optimizers: BvdOptimizerResult[];
  /** Milliseconds of the whole reproduction (training and evaluations). */
  wallMs: number;
}

export interface BatchVsDecayHooks {
  /** After each run: runs done, of `total`, and the run's config name. */
  onProgress?: (done: number, total: number, name: string) => void;
}

function median(values: readonly number[]): number {
  const v = [...values].sort((a, b) => a - b);
  const mid = v.length >> 1;
  return v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
}

/** The median and min–max over runs at each index. */
export function band(series: readonly (readonly number[])[]): Band {
  const at = (i: number) => series.map((s) => s[i]);
  const idx = series[0].map((_, i) => i);
  return {
    median: idx.map((i) => median(at(i))),
    min: idx.map((i) => Math.min(...at(i))),
    max: idx.map((i) => Math.max(...at(i))),
  };
}

/** The agreement rule (see `Agreement`) over the bands of the three schedules. */
export function agreement(schedules: readonly BvdSchedule[], s: BatchVsDecaySettings): Agreement {
  const from = s.milestones[0] + 1;
  const disagreeing: number[] = [];
  let largestGap: Agreement['largestGap'] = {
    gap: 0,
    epoch: from,
    between: [schedules[0].plan.id, schedules[1].plan.id],
  };
  for (let e = from; e <= s.epochs; e++) {
    let agree = true;
    for (const a of schedules) {
      for (const b of schedules) {
        if (a === b) continue;
        const m = a.valAccuracy.median[e];
        if (m < b.valAccuracy.min[e] || m > b.valAccuracy.max[e]) agree = false;
        const gap = Math.abs(m - b.valAccuracy.median[e]);
        if (gap > largestGap.gap) largestGap = { gap, epoch: e, between: [a.plan.id, b.plan.id] };
      }
    }
    if (!agree) disagreeing.push(e);
  }
  const compared = s.epochs - from + 1;
  return {
    from,
    agreeing: compared - disagreeing.length,
    compared,
    disagreeing,
    final: !disagreeing.includes(s.epochs),
    largestGap,
  };
}

/** Every run config of a setting, checked (data, model, optimizer, schedules) without training. */
export function batchVsDecayConfigs(s: BatchVsDecaySettings): {
  sizes: SplitSizes;
  plans: SchedulePlan[];
  configs: Map<string, RunConfig>;
} {
  checkBatchVsDecay(s);
  const sizes = splitSizes(s);
  const { nTrain } = sizes;
  checkBatchVsDecay(s, nTrain);
  const plans = schedulePlans(s, nTrain);
  const configs = new Map<string, RunConfig>();
  for (const o of s.optimizers)
    for (const plan of plans)
      for (const seed of s.seeds) {
        const config = batchVsDecayConfig(s, sizes, plan, o, seed);
        configs.set(config.name as string, config);
      }
  return { sizes, plans, configs };
}

/** Builds every run (and so checks it as `anneal train` would) and disposes of it: refusals come before training. */
function checkRuns(configs: Iterable<RunConfig>): void {
  for (const config of configs) {
    let run: PreparedRun;
    try {
      run = prepareRun(config);
    } catch (err) {
      if (err instanceof ConfigError) throw new ConfigError(`${where}, run ${config.name}: ${err.message}`);
      throw err;
    }
    run.trainer.dispose();
    run.optimizer.dispose();
    run.model.dispose();
  }
}

/** Trains one run, evaluating the held-out set at every epoch end of its plan. */
export function runBatchVsDecayConfig(config: RunConfig, plan: SchedulePlan): BvdRun {
  const valAccuracy: number[] = [];
  const valLoss: number[] = [];
  const lr: number[] = [];
  const batchSize: number[] = [];
  let prepared: PreparedRun | null = null;
  const evaluate = () => {
    const held = prepared!.heldOut!;
    const { loss, accuracy } = prepared!.model.evaluate(held, held.y);
    valLoss.push(loss);
    valAccuracy.push(accuracy);
  };
  let epoch = 0;
  const hooks: RunHooks = {
    record: 'none',
    evalEvery: Math.max(1, config.steps), // the trainer's own evaluations: before the first step and at the end
    onPrepared: (run) => {
      prepared = run;
    },
    callbacks: [
      {
        onTrainBegin: () => evaluate(),
        onStepEnd: (record) => {
          if (record.step === plan.epochEnds[epoch]) {
            lr.push(record.lr[0]);
            batchSize.push(record.batchSize);
          } else if (record.batchSize !== batchSize[epoch]) {
            throw new Error(
              `${config.name}: step ${record.step} has batch ${record.batchSize}, not ${batchSize[epoch]}`,
            );
          }
          if (record.step + 1 === plan.epochEnds[epoch + 1]) {
            evaluate();
            epoch++;
          }
        },
      },
    ],
  };
  let result: ReturnType<typeof runTraining>;
  try {
    result = runTraining(config, hooks);
  } catch (err) {
    // A diverging run (NaN loss): the message names the run; the CLI exits with 1 as for anneal train.
    if (err instanceof NonFiniteLossError) err.message = `run ${config.name}: ${err.message}`;
    throw err;
  }
  const updates = result.steps ?? config.steps;
  // The epoch-end evaluation of the last epoch is the trainer's final one: the same weights, the same numbers.
  if (epoch !== plan.batchSizes.length || updates !== plan.updates || valAccuracy.at(-1) !== result.final_val_accuracy)
    throw new Error(`${config.name}: the run does not follow its plan (${epoch} epochs, ${updates} updates)`);
  for (let e = 0; e < plan.batchSizes.length; e++)
    if (batchSize[e] !== plan.batchSizes[e])
      throw new Error(`${config.name}: epoch ${e} has batch ${batchSize[e]}, the plan ${plan.batchSizes[e]}`);
  return { seed: config.seed ?? 0, config, valAccuracy, valLoss, lr, batchSize, updates, wallMs: result.wallMs };
}

/**
 * Runs the reproduction: every optimizer × schedule × seed (all checked before the first is trained), the
 * held-out accuracy after every epoch, the median and spread over seeds, and whether the curves agree.
 */
export function runBatchVsDecay(
  settings: BatchVsDecaySettings = DEFAULT_BATCH_VS_DECAY,
  hooks: BatchVsDecayHooks = {},
): BatchVsDecayResult {
  const began = performance.now();
  const { sizes, plans, configs } = batchVsDecayConfigs(settings);
  checkRuns(configs.values());
  const total = configs.size;
  let done = 0;
  const optimizers = settings.optimizers.map((optimizer) => {
    const schedules = plans.map((plan) => {
      const runs = settings.seeds.map((seed) => {
        const config = batchVsDecayConfig(settings, sizes, plan, optimizer, seed);
        const run = runBatchVsDecayConfig(config, plan);
        hooks.onProgress?.(++done, total, config.name as string);
        return run;
      });
      return {
        plan,
        runs,
        valAccuracy: band(runs.map((r) => r.valAccuracy)),
        valLoss: band(runs.map((r) => r.valLoss)),
      };
    });
    return { optimizer, schedules, agreement: agreement(schedules, settings) };
  });
  return { settings, sizes, plans, optimizers, wallMs: performance.now() - began };
}
