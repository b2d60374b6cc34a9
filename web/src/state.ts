// The playground's whole state: what the controls show, plus the changes made to the lr or the schedule
// while a run was going. It is what the URL encodes, and it maps onto the run config `anneal train --config`
// reads, so a run in the page is a run in Node. No DOM, no core here.

import { ACTIVATIONS, DATASET_TYPES, OPTIMIZER_TYPES } from '../../src/index.ts';
import { LESSON_LR, optimizerKwargs, startValues, switchValues, type OptimizerValues } from './optimizers.ts';
import { cyclesMomentum, initialChoice, sameChoice, toSchedulerSpec, type SchedulerChoice } from './schedulers.ts';

/** The library's generated datasets (a CSV file is for Node). */
export const DATASETS = DATASET_TYPES.filter((t): t is Exclude<typeof t, 'csv'> => t !== 'csv');
export type DatasetType = (typeof DATASETS)[number];
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
}

export interface NetworkState {
  hidden: number[];
  activation: Activation;
  /** Seed of the initial weights and of the batch order. */
  seed: number;
}

/** The optimizer and the hyper-parameters the page shows of any of them (see optimizers.ts). */
export interface OptimizerState extends OptimizerValues {
  type: OptimizerType;
}

/** What may change while a run goes on: the lr and the schedule. */
export interface ScheduleState {
  lr: number;
  scheduler: SchedulerChoice;
}

/** A change of the lr or the schedule applied after `at` steps (before step `at`). */
export interface Edit {
  at: number;
  schedule: ScheduleState;
}

export interface PlaygroundState {
  data: DataState;
  network: NetworkState;
  optimizer: OptimizerState;
  schedule: ScheduleState;
  /** null: the whole dataset every step. */
  batchSize: number | null;
  steps: number;
  /** Steps per second; 0 for as fast as the machine goes. */
  speed: number;
  logLoss: boolean;
  edits: Edit[];
}

export const MAX_STEPS = 1_000_000;
export const SPEEDS = [1, 3, 10, 30, 100, 300, 1000, 3000, 10_000, 0] as const;

/** Per dataset: the samples and noise it starts with (the CLI's defaults; 20 moons for the lesson). */
export const DATA_DEFAULTS: Record<DatasetType, { samples: number; noise: number }> = {
  moons: { samples: 20, noise: 0.2 },
  circles: { samples: 100, noise: 0.1 },
  blobs: { samples: 150, noise: 1 },
  spirals: { samples: 200, noise: 0.2 },
};

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
    data: { type: 'moons', samples: 20, noise: 0.2, seed: 0, factor: 0.5, centers: 3, arms: 2, turns: 1 },
    network: { hidden: [3], activation: 'tanh', seed: 0 },
    optimizer: { type: 'Adam', ...startValues() },
    schedule: { lr: LESSON_LR, scheduler: { type: 'StepLR', args: { step_size: 50, gamma: 0.99 } } },
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
  if (data.type === 'blobs') return Math.max(data.centers, 2);
  if (data.type === 'spirals') return data.arms;
  return 2;
}

/** The lr and schedule in force for step `step` (the base one, then every edit made at or before it). */
export function scheduleAt(state: PlaygroundState, step: number): ScheduleState {
  let current = state.schedule;
  for (const edit of state.edits) if (edit.at <= step) current = edit.schedule;
  return current;
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
  if (before.lr !== schedule.lr || !sameChoice(before.scheduler, schedule.scheduler))
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
    sizes: [2, ...network.hidden, classCount(data)],
    activation: network.activation,
    data: datasetSpec(data),
    optimizer: { type: o.type, groups: [{ lr: schedule.lr }], kwargs },
    scheduler: toSchedulerSpec(schedule.scheduler),
    manual_decay: manual ? { every: manual.every, factor: manual.factor } : null,
    steps: state.steps,
    batch_size: state.batchSize,
  };
}

function datasetSpec(d: DataState): Record<string, unknown> {
  switch (d.type) {
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
