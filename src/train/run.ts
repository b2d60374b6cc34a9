import type { DatasetSpec, RunConfig } from '../config/run_config.ts';
import { ConfigError } from '../config/run_config.ts';
import { optimizerFromSpec, type AnyOptimizer } from '../config/optimizer_spec.ts';
import type { Dataset } from '../data/dataset.ts';
import { makeBlobs, makeCircles, makeMoons, makeSpirals } from '../data/datasets.ts';
import { DataLoader } from '../data/loader.ts';
import { toDataset } from '../data/validate.ts';
import { ReduceLROnPlateau, schedulerFromSpec } from '../lr_scheduler/index.ts';
import type { LayerWeights } from '../nn/sequential.ts';
import { MLP } from '../nn/models.ts';
import { ExplicitBatches, RecordedBatches } from './batches.ts';
import { Trainer, type BatchSource, type SteppableScheduler } from './trainer.ts';

/** A finished run in the layout of a training.json case: the config plus what the run produced. */
export interface RunResult {
  config: RunConfig;
  init: LayerWeights[];
  batches: number[][] | null;
  loss: number[];
  lr: number[][];
  momentum: number[][];
  final: LayerWeights[];
  final_loss: number;
  final_accuracy: number;
  /** Milliseconds spent in the training steps. */
  wallMs: number;
}

export interface RunHooks {
  /** Reads a CSV dataset spec (Node only; the browser has no file system). */
  loadCsv?: (path: string, labelColumn?: string | number) => Dataset;
  onStep?: (step: number, loss: number) => void;
}

/** The data a config names: inline X/Y, a generated dataset, or a CSV file. */
export function resolveData(config: RunConfig, hooks: RunHooks = {}): Dataset {
  if (config.X !== undefined && config.Y !== undefined) return toDataset(config.X, config.Y);
  const spec = config.data as DatasetSpec;
  const seed = spec.type !== 'csv' ? (spec.seed ?? config.seed ?? 0) : 0;
  switch (spec.type) {
    case 'moons':
      return makeMoons({ nSamples: spec.n_samples, noise: spec.noise, shuffle: spec.shuffle, seed });
    case 'circles':
      return makeCircles({ nSamples: spec.n_samples, noise: spec.noise, factor: spec.factor, shuffle: spec.shuffle, seed });
    case 'blobs':
      return makeBlobs({ nSamples: spec.n_samples, centers: spec.centers, nFeatures: spec.n_features, clusterStd: spec.cluster_std, shuffle: spec.shuffle, seed });
    case 'spirals':
      return makeSpirals({ nSamples: spec.n_samples, noise: spec.noise, nArms: spec.n_arms, turns: spec.turns, shuffle: spec.shuffle, seed });
    case 'csv':
      if (!hooks.loadCsv) throw new ConfigError('data: CSV files can only be read in Node');
      return hooks.loadCsv(spec.path, spec.label_column);
  }
}

/** Everything a config describes, built and checked, ready to train. */
export interface PreparedRun {
  config: RunConfig;
  data: Dataset;
  model: MLP;
  optimizer: AnyOptimizer;
  scheduler: SteppableScheduler | null;
  trainer: Trainer;
  recorded: RecordedBatches | null;
}

export function prepareRun(config: RunConfig, hooks: RunHooks = {}): PreparedRun {
  const data = resolveData(config, hooks);
  const { sizes } = config;
  if (sizes[0] !== data.nFeatures) throw new ConfigError(`sizes[0]: the data has ${data.nFeatures} features, so sizes must start with ${data.nFeatures}, got ${sizes[0]}`);
  const maxLabel = data.y.reduce((a, b) => Math.max(a, b), 0);
  if (sizes[sizes.length - 1] <= maxLabel) {
    throw new ConfigError(`sizes: the data has labels up to ${maxLabel}, so the last size must be at least ${maxLabel + 1}, got ${sizes[sizes.length - 1]}`);
  }
  if (config.batch_size && config.batch_size > data.nSamples) {
    throw new ConfigError(`batch_size: must be at most the dataset size ${data.nSamples}, got ${config.batch_size}`);
  }
  const batchSource = makeBatches(config, data.nSamples);
  const model = new MLP({ sizes, activation: config.activation, seed: config.seed ?? 0 });
  try {
    if (config.init) model.loadLayerWeights(config.init, 'init');
    const groups = config.group_by_layer ? model.layers.map((l) => l.parameters()) : [model.parameters()];
    const optimizer = optimizerFromSpec(config.optimizer, groups);
    const scheduler = config.scheduler ? schedulerFromSpec(optimizer, config.scheduler) : null;
    const isPlateau = scheduler instanceof ReduceLROnPlateau;
    if (config.plateau_metric && !isPlateau) throw new ConfigError('plateau_metric: only ReduceLROnPlateau watches a metric');
    const trainer = new Trainer({
      model,
      optimizer,
      scheduler,
      schedulerMetric: isPlateau ? 'loss' : null,
      manualDecay: config.manual_decay ?? null,
      batches: batchSource.source,
      x: data,
      y: data.y,
    });
    return { config, data, model, optimizer, scheduler, trainer, recorded: batchSource.recorded };
  } catch (err) {
    model.dispose();
    throw err;
  }
}

function makeBatches(config: RunConfig, nSamples: number): { source: BatchSource | null; recorded: RecordedBatches | null } {
  if (config.batches) return { source: new ExplicitBatches(config.batches, nSamples, config.steps), recorded: null };
  if (!config.batch_size || config.batch_size >= nSamples) return { source: null, recorded: null };
  const loader = new DataLoader({ nSamples }, { batchSize: config.batch_size, shuffle: true, seed: config.seed ?? 0, dropLast: true });
  const recorded = new RecordedBatches(loader);
  return { source: recorded, recorded };
}

/** Trains as the config says and reports the run in training.json's layout. */
export function runTraining(config: RunConfig, hooks: RunHooks = {}): RunResult {
  const run = prepareRun(config, hooks);
  const { model, trainer } = run;
  try {
    const init = model.layerWeights();
    const start = performance.now();
    const history = trainer.run(config.steps, hooks.onStep);
    const wallMs = performance.now() - start;
    const evaluation = trainer.evaluate();
    return {
      config,
      init,
      batches: config.batches ?? run.recorded?.record ?? null,
      loss: history.loss,
      lr: history.lr,
      momentum: history.momentum,
      final: model.layerWeights(),
      final_loss: evaluation.loss,
      final_accuracy: evaluation.accuracy,
      wallMs,
    };
  } finally {
    trainer.dispose();
    run.optimizer.dispose();
    model.dispose();
  }
}

/** The result as JSON in the layout of a training.json case; feeding it to `anneal train --config` reruns it. */
export function resultToJson(result: RunResult): Record<string, unknown> {
  const { config } = result;
  const { loss: _l, lr: _r, momentum: _m, final: _f, final_loss: _fl, final_accuracy: _fa, ...settings } = config;
  return {
    ...settings,
    scheduler: config.scheduler ?? null,
    manual_decay: config.manual_decay ?? null,
    plateau_metric: config.plateau_metric ?? null,
    batch_size: config.batch_size ?? null,
    batches: result.batches,
    init: result.init,
    loss: result.loss,
    lr: result.lr,
    momentum: result.momentum,
    final: result.final,
    final_loss: result.final_loss,
    final_accuracy: result.final_accuracy,
  };
}
