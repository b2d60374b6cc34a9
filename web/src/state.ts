// The playground's whole state: what the controls show, plus the changes made to the lr or the schedule
// while a run was going. It is what the URL encodes, and it maps onto the run config `anneal train --config`
// reads, so a run in the page is a run in Node. No DOM, no core here.

import { ACTIVATIONS, DATASET_TYPES, OPTIMIZER_TYPES } from '../../src/index.ts';
import { REAL_DATASETS, REAL_DATASET_NAMES, type RealDatasetName } from '../../src/data/real_datasets.ts';
import { LESSON_LR, optimizerKwargs, startValues, switchValues, type OptimizerValues } from './optimizers.ts';
import { defaultLoss, type LossChoice } from './losses.ts';
import { REGRESSION_DATASETS, makeRegression, type RegressionDataset } from './regression.ts';
import { cyclesMomentum, initialChoice, sameChoice, toSchedulerSpec, type SchedulerChoice } from './schedulers.ts';

/** The library's generated 2-D datasets (a CSV file is for Node; the real datasets are not drawn in the plane). */
const GENERATED = ['moons', 'circles', 'blobs', 'spirals'] as const;
type Generated = (typeof GENERATED)[number];
/**
 * The library's generated sets, the page's own regression sets (float targets, drawn as a heat map), then the
 * library's real datasets (more than 2 features: trained and charted, with no plane to draw).
 */
export const DATASETS: readonly (Generated | RegressionDataset | RealDatasetName)[] = [
  ...DATASET_TYPES.filter((t): t is Generated => (GENERATED as readonly string[]).includes(t)),
  ...REGRESSION_DATASETS,
  ...REAL_DATASET_NAMES.filter((t) => (DATASET_TYPES as readonly string[]).includes(t)),
];
export { REAL_DATASETS };
export type DatasetType = Generated | RegressionDataset | RealDatasetName;
export { ACTIVATIONS };
export type Activation = (typeof ACTIVATIONS)[number];
export const OPTIMIZERS = OPTIMIZER_TYPES;
export type OptimizerType = (typeof OPTIMIZERS)[number];

export interface DataState {
  type: DatasetType;
  samples: number;
  /** Gaussian noise; for blobs, the clusters' standard deviation. */
  noise: number;
  seed: number;
  /** circles: inner radius over outer. */
  factor: number;
  /** blobs: number of clusters (classes). */
  centers: number;
  /** spirals: number of arms (classes) and their turns. */
  arms: number;
  turns: number;
  /** Percent of the samples held out as test data (0–MAX_TEST_PERCENT; 0: none), never trained on. */
  test: number;
}

export interface NetworkState {
  hidden: number[];
  activation: Activation;
  /** The activation's arguments (`negative_slope`, `alpha`) that differ from their declared defaults. */
  activationArgs: Record<string, number>;
  /** Seed of the initial weights and of the batch order. */
  seed: number;
}

/** The optimizer and the hyper-parameters the page shows of any of them (see optimizers.ts). */
export interface OptimizerState extends OptimizerValues {
  type: OptimizerType;
}

/** What may change while a run goes on: the lr and the schedule. */
export interface ScheduleState {
  /** The lr (with one param group per layer: the first group's, `lrs[0]`). */
  lr: number;
  /** With one param group per layer (`groups: 'layer'`): each group's lr, in layer order; else absent. */
  lrs?: number[];
  scheduler: SchedulerChoice;
}

/** The optimizer's param groups: one over the whole model, or one per Linear layer (the run's group_by_layer). */
export const GROUPINGS = ['one', 'layer'] as const;
export type Grouping = (typeof GROUPINGS)[number];

/** A change of the lr or the schedule applied after `at` steps (before step `at`). */
export interface Edit {
  at: number;
  schedule: ScheduleState;
}

export interface PlaygroundState {
  data: DataState;
  network: NetworkState;
  optimizer: OptimizerState;
  /** One param group, or one per layer (each with its own lr and, with LambdaLR, its own lambda). */
  groups: Grouping;
  schedule: ScheduleState;
  /** The loss and its arguments that differ from the declared defaults. */
  loss: LossChoice;
  /** null: the whole dataset every step. */
  batchSize: number | null;
  steps: number;
  /** Steps per second; 0 for as fast as the machine goes. */
  speed: number;
  logLoss: boolean;
  edits: Edit[];
}

export const MAX_STEPS = 1_000_000;
/** The largest share of the data the page holds out as test data, in percent. */
export const MAX_TEST_PERCENT = 50;
export const SPEEDS = [1, 3, 10, 30, 100, 300, 1000, 3000, 10_000, 0] as const;

/** Per dataset: the samples and noise it starts with (the CLI's defaults; 20 moons for the lesson). */
export const DATA_DEFAULTS: Record<DatasetType, { samples: number; noise: number }> = {
  moons: { samples: 20, noise: 0.2 },
  circles: { samples: 100, noise: 0.1 },
  blobs: { samples: 150, noise: 1 },
  spirals: { samples: 200, noise: 0.2 },
  plane: { samples: 200, noise: 0 },
  gaussian: { samples: 200, noise: 0 },
  // The real datasets' rows are theirs (the samples and noise do not apply).
  iris: { samples: REAL_DATASETS.iris.nSamples, noise: 0 },
  digits: { samples: REAL_DATASETS.digits.nSamples, noise: 0 },
  diabetes: { samples: REAL_DATASETS.diabetes.nSamples, noise: 0 },
};

/** Is the dataset one of the library's real ones (its own rows, more than 2 features)? */
export function isReal(data: DataState): boolean {
  return (REAL_DATASET_NAMES as readonly string[]).includes(data.type);
}

/** Features per sample: the input width of the network (2 for the data of the plane). */
export function featureCount(data: DataState): number {
  return isReal(data) ? REAL_DATASETS[data.type as RealDatasetName].nFeatures : 2;
}

/** Per optimizer: what picking it resets, at its declared defaults (the weight decay: AdamW's differs). */
export const OPTIMIZER_DEFAULTS = Object.fromEntries(OPTIMIZERS.map((type) => [type, switchValues(type)])) as Record<
  OptimizerType,
  Partial<OptimizerValues>
>;

/**
 * The lesson: LogicNet 2-3-2 tanh on 20 moons (noise 0.2, seed 0), Adam lr 0.01, StepLR(50, 0.99), 1000 steps.
 * The optimizer's hyper-parameters are the library's declared defaults.
 */
export function lessonState(): PlaygroundState {
  return {
    data: { type: 'moons', samples: 20, noise: 0.2, seed: 0, factor: 0.5, centers: 3, arms: 2, turns: 1, test: 0 },
    network: { hidden: [3], activation: 'tanh', activationArgs: {}, seed: 0 },
    optimizer: { type: 'Adam', ...startValues() },
    groups: 'one',
    schedule: { lr: LESSON_LR, scheduler: { type: 'StepLR', args: { step_size: 50, gamma: 0.99 } } },
    loss: defaultLoss(false),
    batchSize: null,
    steps: 1000,
    speed: 300,
    logLoss: true,
    edits: [],
  };
}

export function cloneState(state: PlaygroundState): PlaygroundState {
  return structuredClone(state);
}

/** Classes the data has, so the width of the output layer (at least 2, as the CLI does). */
export function classCount(data: DataState): number {
  if (isRegression(data)) return 1; // one output: the predicted value
  if (isReal(data)) return REAL_DATASETS[data.type as RealDatasetName].nClasses;
  if (data.type === 'blobs') return Math.max(data.centers, 2);
  if (data.type === 'spirals') return data.arms;
  return 2;
}

/** Does the data have float targets (a regression dataset) rather than class labels? */
export function isRegression(data: DataState): boolean {
  return (REGRESSION_DATASETS as readonly string[]).includes(data.type) || data.type === 'diabetes';
}

/** Is the loss the data's default loss with its declared arguments (what a link leaves out)? */
export function isDefaultLoss(state: PlaygroundState): boolean {
  return state.loss.type === defaultLoss(isRegression(state.data)).type && Object.keys(state.loss.args).length === 0;
}

/** The lr and schedule in force for step `step` (the base one, then every edit made at or before it). */
export function scheduleAt(state: PlaygroundState, step: number): ScheduleState {
  let current = state.schedule;
  for (const edit of state.edits) if (edit.at <= step) current = edit.schedule;
  return current;
}

/** Linear layers of the network: the param groups with `groups: 'layer'`. */
export function layerCount(state: PlaygroundState): number {
  return state.network.hidden.length + 1;
}

/** Each layer's name as PyTorch's state dict has it, with its shape: `layers.0 (2→3)`. */
export function layerNames(state: PlaygroundState): string[] {
  const sizes = [featureCount(state.data), ...state.network.hidden, classCount(state.data)];
  return sizes.slice(1).map((out, i) => `layers.${i} (${sizes[i]}→${out})`);
}

/** The lr of each param group of a schedule: `lrs` with one group per layer, else the one lr. */
export function groupLrs(schedule: ScheduleState): number[] {
  return schedule.lrs ?? [schedule.lr];
}

/** Do two schedules give every param group the same lr? */
export function sameLrs(a: ScheduleState, b: ScheduleState): boolean {
  const x = groupLrs(a);
  const y = groupLrs(b);
  return x.length === y.length && x.every((v, i) => v === y[i]);
}

/** Schedulers whose `lr_lambda` may be one expression per param group. */
export const PER_GROUP_LAMBDAS = ['LambdaLR', 'MultiplicativeLR'];

/**
 * The schedule fitted to `groups` param groups (1: one over the whole model): one lr per group (a new group
 * takes the lr of the last; back to one group keeps the first's), and with LambdaLR or MultiplicativeLR (nested
 * ones too) one `lr_lambda` per group when there are several (a new group takes the last's), one otherwise.
 */
export function fitSchedule(schedule: ScheduleState, groups: number): ScheduleState {
  const next = structuredClone(schedule);
  const lrs = groupLrs(schedule);
  if (groups > 1) {
    next.lrs = Array.from({ length: groups }, (_, i) => lrs[Math.min(i, lrs.length - 1)]);
    next.lr = next.lrs[0];
  } else {
    delete next.lrs;
    next.lr = lrs[0];
  }
  fitLambdas(next.scheduler, groups);
  return next;
}

function fitLambdas(choice: SchedulerChoice, groups: number): void {
  const lambda = choice.args.lr_lambda;
  if (PER_GROUP_LAMBDAS.includes(choice.type) && lambda !== undefined) {
    const list = Array.isArray(lambda) ? (lambda as string[]) : [lambda as string];
    choice.args.lr_lambda =
      groups > 1 ? Array.from({ length: groups }, (_, i) => list[Math.min(i, list.length - 1)]) : list[0];
  }
  const children = choice.args.schedulers;
  if (Array.isArray(children)) for (const c of children as SchedulerChoice[]) fitLambdas(c, groups);
}

/** The state with every schedule (the run's and its changes) fitted to its param groups (see fitSchedule). */
export function fitGroups(state: PlaygroundState): PlaygroundState {
  const groups = state.groups === 'layer' ? layerCount(state) : 1;
  return {
    ...state,
    schedule: fitSchedule(state.schedule, groups),
    edits: state.edits.map((e) => ({ at: e.at, schedule: fitSchedule(e.schedule, groups) })),
  };
}

/** Records a change of lr or schedule after `at` steps; later edits (another future of the run) are dropped. */
export function withEdit(state: PlaygroundState, at: number, schedule: ScheduleState): PlaygroundState {
  const next = cloneState(state);
  if (at === 0) {
    next.schedule = structuredClone(schedule);
    next.edits = [];
    return next;
  }
  next.edits = next.edits.filter((e) => e.at < at);
  const before = scheduleAt(next, at);
  if (!sameLrs(before, schedule) || !sameChoice(before.scheduler, schedule.scheduler))
    next.edits.push({ at, schedule: structuredClone(schedule) });
  return next;
}

/** A new scheduler type picked in the controls: its starting arguments for this run's length. */
export function pickScheduler(type: string, steps: number): SchedulerChoice {
  return initialChoice(type, steps);
}

/** Does any schedule of the run cycle momentum / beta1? */
export function runCyclesMomentum(state: PlaygroundState): boolean {
  return [state.schedule, ...state.edits.map((e) => e.schedule)].some((s) => cyclesMomentum(s.scheduler));
}

/** The run config (the JSON `anneal train --config` reads) of the state's settings from step 0. */
export function toRunConfig(state: PlaygroundState): Record<string, unknown> {
  const { data, network, optimizer: o, schedule } = state;
  const kwargs = optimizerKwargs(o.type, o);
  const manual = schedule.scheduler.type === 'manual' ? schedule.scheduler.args : null;
  return {
    seed: network.seed,
    sizes: [featureCount(data), ...network.hidden, classCount(data)],
    activation: network.activation,
    ...(Object.keys(network.activationArgs).length ? { activation_args: { ...network.activationArgs } } : {}),
    // The lesson's CrossEntropyLoss with its defaults is the run config's default: left out.
    ...(isDefaultLoss(state) && !isRegression(data)
      ? {}
      : { criterion: { type: state.loss.type, args: { ...state.loss.args } } }),
    // The page's regression sets are rows given inline; the library's sets are specs it generates.
    ...((REGRESSION_DATASETS as readonly string[]).includes(data.type)
      ? makeRegression(data.type as RegressionDataset, data.samples, data.noise, data.seed)
      : { data: datasetSpec(data) }),
    // The test data: a seeded (stratified) split of the data, held out of training and evaluated beside it.
    ...(data.test > 0 ? { validation: { val_split: data.test / 100, seed: data.seed } } : {}),
    ...(state.groups === 'layer' ? { group_by_layer: true } : {}),
    optimizer: { type: o.type, groups: groupLrs(schedule).map((lr) => ({ lr })), kwargs },
    scheduler: toSchedulerSpec(schedule.scheduler),
    manual_decay: manual ? { every: manual.every, factor: manual.factor } : null,
    steps: state.steps,
    batch_size: state.batchSize,
  };
}

function datasetSpec(d: DataState): Record<string, unknown> {
  switch (d.type) {
    case 'iris':
    case 'digits':
    case 'diabetes':
      return { type: d.type };
    case 'plane':
    case 'gaussian':
      throw new Error(`${d.type}: the page's own data, given inline`);
    case 'moons':
      return { type: 'moons', n_samples: d.samples, noise: d.noise, seed: d.seed };
    case 'circles':
      return { type: 'circles', n_samples: d.samples, noise: d.noise, factor: d.factor, seed: d.seed };
    case 'blobs':
      return { type: 'blobs', n_samples: d.samples, centers: d.centers, cluster_std: d.noise, seed: d.seed };
    case 'spirals':
      return { type: 'spirals', n_samples: d.samples, noise: d.noise, n_arms: d.arms, turns: d.turns, seed: d.seed };
  }
}
