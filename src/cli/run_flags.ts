import { type Command, Option } from 'commander';
import { parseRunConfig, type RunConfig, type RunConfigInput } from '../config/run_config.ts';
import { REAL_DATASET_NAMES } from '../data/real_datasets.ts';
import { hasRelaxedSimd, PRECISIONS, type Precision } from '../engine/index.ts';
import type { CriterionType } from '../nn/losses.ts';
import { resolveData } from '../train/run.ts';
import {
  type DataAndModelDefaults,
  type DataAndModelFlags,
  addDataAndModelFlags,
  csvLoader,
  labelColumnOf,
} from './data_flags.ts';
import { UsageError } from './files.ts';
import { activationArgsFromFlags, addLossFlags, criterionSpecFromFlags } from './loss_flags.ts';
import { addOptimizerFlags, optimizerKwargsFromFlags } from './optimizer_flags.ts';
import { batchSizeArg, choiceArg, intArg } from './parse.ts';

// The flags `anneal train` and `anneal lr-find` share — the data, the network and its loss, the optimizer, the
// batch size, the seed, the feature scaler — and the run config they describe (the command adds its own part:
// steps, scheduler, ...).

/** The shared flags as commander parses them. */
export interface RunFlags extends DataAndModelFlags {
  /** One lr for every param group, or (`--group-by-layer`) one per Linear layer; absent where not offered. */
  lr?: number[];
  groupByLayer?: boolean;
  batchSize?: number | 'full';
  seed: number;
  scale?: 'standard' | 'minmax';
  precision?: Precision;
  loss: string;
  [flag: string]: unknown;
}

export interface RunFlagOptions extends DataAndModelDefaults {
  /** Offer `--lr` and `--group-by-layer` (`anneal lr-find` sweeps the lr over one group and offers neither). */
  lr: boolean;
  /** Help text of --scale, when the command does not save a run. */
  scaleHelp?: string;
}

/** Adds the shared flags to a command. */
export function addRunFlags(command: Command, options: RunFlagOptions): Command {
  addDataAndModelFlags(command, options);
  addOptimizerFlags(command, options.lr ? [] : ['lr']);
  if (options.lr) {
    command.option(
      '--group-by-layer',
      "one param group per Linear layer (the run config's group_by_layer), in layer order: --lr and " +
        '--lr-lambda then take one value for every group or one per layer',
    );
  }
  command
    .option(
      '--batch-size <n>',
      'samples per step, reshuffled every epoch, or full (default: full, the whole dataset)',
      batchSizeArg,
    )
    .option('--seed <n>', 'one seed for the data, the initial weights and the batch order', intArg(0, 2 ** 32 - 1), 0)
    .addOption(
      new Option(
        '--scale <scaler>',
        options.scaleHelp ??
          "scale the features: standard (scikit-learn's StandardScaler) or minmax (MinMaxScaler), fitted on the " +
            'training rows only (after --val-split) and applied to the held-out rows too; saved with the run ' +
            '(scaler.json and model.safetensors with --out, scaler_state with --json, and in checkpoints)',
      ).argParser(choiceArg(['standard', 'minmax'] as const)),
    )
    .addOption(
      new Option(
        '--precision <p>',
        "the core's build: deterministic (the same bits on every machine) or fast (relaxed SIMD: fused " +
          'multiply-adds in the matrix products, where the JavaScript engine has relaxed SIMD — Node 22+, ' +
          'Chromium; Node 20 with node --experimental-wasm-relaxed-simd — else the deterministic build runs)',
      ).argParser(choiceArg(PRECISIONS)),
    );
  return addLossFlags(command);
}

export function flagOf(key: string): string {
  return `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

/**
 * What a run's `precision` gives here, for a run's one-line description: nothing for the default; `fast`, or why
 * the deterministic build runs instead.
 */
export function precisionNote(config: RunConfig): string {
  if (config.precision !== 'fast') return '';
  return hasRelaxedSimd()
    ? ', precision fast (relaxed SIMD)'
    : ', precision fast asked, deterministic ran (no relaxed SIMD here; Node 20: ' +
        'node --experimental-wasm-relaxed-simd)';
}

/** The losses that take class labels. */
export const CLASSIFICATION_LOSSES: readonly string[] = ['CrossEntropyLoss', 'BCEWithLogitsLoss'];

/** `Linear 2→16`, `Linear 16→2`: the Linear layers of an MLP of these sizes, in order. */
export function linearLayers(sizes: readonly number[]): string[] {
  return sizes.slice(1).map((out, i) => `Linear ${sizes[i]}→${out}`);
}

/**
 * The run config the shared flags and the command's own part (`steps`, `scheduler`, validation, ...) describe.
 * The input and output widths come from the data (and the loss); the lrs go one per param group.
 */
export function runConfigFromFlags(
  flags: RunFlags,
  explicit: (name: string) => boolean,
  own: Omit<RunConfigInput, 'sizes' | 'optimizer'>,
  defaultLr = 0.01,
): RunConfig {
  if (!flags.data) {
    const csvOnly = ['labelColumn', 'targetColumns', 'task'].filter(explicit);
    if (csvOnly.length) throw new UsageError(`${csvOnly.map(flagOf).join(', ')} only apply with --data FILE.csv`);
  }
  if (!flags.data && (REAL_DATASET_NAMES as readonly string[]).includes(flags.dataset)) {
    const generatedOnly = ['samples', 'noise', 'dataSeed'].filter(explicit);
    if (generatedOnly.length) {
      throw new UsageError(
        `${generatedOnly.map(flagOf).join(', ')} do not apply to --dataset ${flags.dataset} (a shipped dataset)`,
      );
    }
  }
  const data: RunConfigInput['data'] = flags.data
    ? { type: 'csv', path: flags.data, ...labelColumnOf(flags) }
    : generatedData(flags);
  const kwargs = optimizerKwargsFromFlags(flags);
  const lrs = flags.lr ?? [defaultLr];
  const draft: RunConfigInput = {
    seed: flags.seed,
    sizes: [0, ...flags.hidden, 0],
    activation: flags.activation,
    activation_args: activationArgsFromFlags(flags.activation, flags, explicit),
    data,
    optimizer: { type: flags.optimizer, groups: [{ lr: lrs[0] }], ...(Object.keys(kwargs).length ? { kwargs } : {}) },
    batch_size: flags.batchSize === 'full' ? null : (flags.batchSize ?? null),
    ...(flags.precision ? { precision: flags.precision } : {}),
    ...own,
  };
  if (flags.scale) draft.scaler = { type: flags.scale === 'standard' ? 'StandardScaler' : 'MinMaxScaler' };
  let criterion = criterionSpecFromFlags(flags.loss as CriterionType, flags, explicit);
  if (explicit('loss') || Object.keys(criterion.args).length) draft.criterion = criterion;
  const dataset = resolveData(parseRunConfig({ ...draft, sizes: [1, 1] }, 'flags'), { loadCsv: csvLoader });
  if (dataset.targets !== undefined) {
    const what = flags.data ? `${flags.data} (--task regression)` : `--dataset ${flags.dataset}`;
    if (explicit('loss') && CLASSIFICATION_LOSSES.includes(criterion.type)) {
      throw new UsageError(
        `--loss ${criterion.type}: ${what} is a regression dataset (float targets, no classes); give a regression ` +
          'loss (mse, l1, smooth-l1, huber), or leave --loss out for MSELoss',
      );
    }
    // Regression data: MSELoss unless --loss says otherwise.
    if (!explicit('loss')) criterion = criterionSpecFromFlags('MSELoss', flags, explicit);
    draft.criterion = criterion;
  }
  const outputs =
    dataset.targets !== undefined
      ? (dataset.nTargets ?? 1)
      : criterion.type === 'BCEWithLogitsLoss' && dataset.nClasses <= 2
        ? 1
        : Math.max(dataset.nClasses, 2);
  draft.sizes = [dataset.nFeatures, ...flags.hidden, outputs];
  const groups = paramGroups(draft.sizes, lrs, flags.groupByLayer === true);
  draft.optimizer = { ...draft.optimizer, groups: groups.map((lr) => ({ lr })) };
  if (flags.groupByLayer) draft.group_by_layer = true;
  checkLambdaCount(draft, groups.length, flags.groupByLayer === true);
  return parseRunConfig(draft, 'flags');
}

/** The lr of every param group: one for all, or one per Linear layer with --group-by-layer. */
function paramGroups(sizes: readonly number[], lrs: readonly number[], byLayer: boolean): number[] {
  const layers = linearLayers(sizes);
  const given = `--lr ${lrs.join(',')}`;
  if (!byLayer) {
    if (lrs.length === 1) return [...lrs];
    throw new UsageError(
      `${given}: ${lrs.length} lrs, but without --group-by-layer the model is one param group; give one lr, ` +
        `or --group-by-layer for one per Linear layer (${layers.length}: ${layers.join(', ')})`,
    );
  }
  if (lrs.length === 1) return layers.map(() => lrs[0]);
  if (lrs.length === layers.length) return [...lrs];
  throw new UsageError(
    `${given}: ${lrs.length} lrs, but --group-by-layer makes ${layers.length} param groups, one per Linear layer ` +
      `(${layers.join(', ')}); give one lr (for every group) or ${layers.length}`,
  );
}

/** `--lr-lambda`: given once (every group) or once per param group, as PyTorch's LambdaLR takes it. */
function checkLambdaCount(draft: RunConfigInput, groups: number, byLayer: boolean): void {
  const lambdas = draft.scheduler?.args?.lr_lambda;
  if (!Array.isArray(lambdas) || lambdas.length === groups) return;
  const layers = linearLayers(draft.sizes);
  const where = byLayer
    ? `--group-by-layer makes ${groups} param groups (${layers.join(', ')})`
    : 'the model is one param group (--group-by-layer makes one per Linear layer)';
  throw new UsageError(
    `--lr-lambda is given ${lambdas.length} times, but ${where}; give it once (for every group)` +
      `${groups > 1 ? ` or ${groups} times (one per group, in layer order)` : ''}`,
  );
}

function generatedData(flags: RunFlags): NonNullable<RunConfigInput['data']> {
  const seed = flags.dataSeed ?? flags.seed;
  switch (flags.dataset) {
    case 'moons':
      return { type: 'moons', n_samples: flags.samples ?? 20, noise: flags.noise ?? 0.2, seed };
    case 'circles':
      return { type: 'circles', n_samples: flags.samples ?? 100, noise: flags.noise ?? 0.1, seed };
    case 'blobs':
      return { type: 'blobs', n_samples: flags.samples ?? 150, cluster_std: flags.noise ?? 1, seed };
    case 'spirals':
      return { type: 'spirals', n_samples: flags.samples ?? 200, noise: flags.noise ?? 0.2, seed };
    case 'iris':
    case 'digits':
    case 'diabetes':
      return { type: flags.dataset };
  }
}
