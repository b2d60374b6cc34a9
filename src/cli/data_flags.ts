import { type Command, Option } from 'commander';
import { loadCsvSync } from '../data/csv_file.ts';
import type { Dataset } from '../data/dataset.ts';
import type { CsvTask } from '../data/csv.ts';
import { REAL_DATASET_NAMES } from '../data/real_datasets.ts';
import type { CsvTargets } from '../train/run.ts';
import { ACTIVATIONS, type ActivationName } from '../nn/modules.ts';
import { choiceArg, intArg, listArg, numberArg } from './parse.ts';

// The flags `anneal train` and `anneal compare` share: which data, which network, which optimizer.

/** The datasets --dataset names: generated (moons, circles, blobs, spirals) and shipped (iris, digits, diabetes). */
export const DATASET_NAMES = ['moons', 'circles', 'blobs', 'spirals', ...REAL_DATASET_NAMES] as const;
export type DatasetName = (typeof DATASET_NAMES)[number];

export interface DataAndModelFlags {
  dataset: DatasetName;
  samples?: number;
  noise?: number;
  dataSeed?: number;
  data?: string;
  labelColumn?: string;
  targetColumns?: (string | number)[];
  task?: CsvTask;
  hidden: number[];
  activation: ActivationName;
  optimizer: 'Adam' | 'AdamW' | 'SGD';
}

export interface DataAndModelDefaults {
  /** Help text of --samples, which says the default of each dataset. */
  samplesHelp: string;
  /** What --data does for this command ("train on ...", "compare on ..."). */
  dataHelp: string;
  hidden: number[];
}

export function addDataAndModelFlags(command: Command, defaults: DataAndModelDefaults): Command {
  return command
    .addOption(
      new Option(
        '--dataset <name>',
        "generated dataset: moons, circles, blobs, spirals; or a shipped one (scikit-learn 1.2.1's arrays): " +
          'iris (4 features, 3 classes), digits (8×8 images: 64 features, 10 classes), diabetes (10 features, ' +
          'a regression target: the loss defaults to MSELoss)',
      )
        .default('moons')
        .argParser(choiceArg(DATASET_NAMES)),
    )
    .option('--samples <n>', defaults.samplesHelp, intArg(1, 1_000_000))
    .option(
      '--noise <x>',
      'standard deviation of the Gaussian noise (default 0.2; blobs: the cluster std, default 1)',
      numberArg(0, 1e6),
    )
    .option('--data-seed <n>', 'seed of the generated data (default: --seed)', intArg(0, 2 ** 32 - 1))
    .option(
      '--data <file.csv>',
      `${defaults.dataHelp} a CSV file instead: a header row, numeric feature columns, ` +
        'an integer label column (last by default)',
    )
    .option('--label-column <name>', 'the label column of --data, by header name or 0-based index')
    .option(
      '--target-columns <names>',
      'the target column(s) of --data, comma-separated header names or 0-based indices (several: a regression)',
      listArg((v: string) => (/^\d+$/.test(v) ? Number(v) : v)),
    )
    .addOption(
      new Option(
        '--task <task>',
        'what the target columns of --data hold: classification (integer labels) or regression (float targets; ' +
          'the loss defaults to MSELoss). Default: regression with several --target-columns, else classification',
      ).argParser(choiceArg(['classification', 'regression'] as const)),
    )
    .option('--hidden <sizes>', 'hidden layer widths, comma-separated', listArg(intArg(1, 1 << 20)), defaults.hidden)
    .addOption(
      new Option('--activation <name>', `activation between layers: ${ACTIVATIONS.join(', ')}`)
        .default('tanh')
        .argParser(choiceArg(ACTIVATIONS)),
    )
    .addOption(
      new Option('--optimizer <name>', 'Adam, AdamW or SGD')
        .default('Adam')
        .argParser(choiceArg(['Adam', 'AdamW', 'SGD'] as const)),
    );
}

/**
 * The CSV spec's column keys of the flags: `--label-column 2` is a column index, `--label-column label` a header
 * name; `--target-columns a,b` and `--task regression` as `target_columns` and `task`.
 */
export function labelColumnOf(flags: { labelColumn?: string; targetColumns?: (string | number)[]; task?: CsvTask }): {
  label_column?: string | number;
  target_columns?: string | number | (string | number)[];
  task?: CsvTask;
} {
  const { labelColumn, targetColumns, task } = flags;
  return {
    ...(labelColumn === undefined
      ? {}
      : { label_column: /^\d+$/.test(labelColumn) ? Number(labelColumn) : labelColumn }),
    ...(targetColumns === undefined
      ? {}
      : { target_columns: targetColumns.length === 1 ? targetColumns[0] : targetColumns }),
    ...(task === undefined ? {} : { task }),
  };
}

/** The run configs' CSV hook for the CLI (Node). */
export function csvLoader(path: string, labelColumn?: string | number, targets: CsvTargets = {}): Dataset {
  return loadCsvSync(path, {
    ...(labelColumn === undefined ? {} : { labelColumn }),
    ...(targets.targetColumns === undefined ? {} : { targetColumns: targets.targetColumns }),
    ...(targets.task === undefined ? {} : { task: targets.task }),
  });
}
