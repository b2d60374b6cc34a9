import { type Command, Option } from 'commander';
import { loadCsvSync } from '../data/csv_file.ts';
import type { Dataset } from '../data/dataset.ts';
import { ACTIVATIONS, type ActivationName } from '../nn/modules.ts';
import { choiceArg, intArg, listArg, numberArg } from './parse.ts';

// The flags `anneal train` and `anneal compare` share: which data, which network, which optimizer.

export type DatasetName = 'moons' | 'circles' | 'blobs' | 'spirals';

export interface DataAndModelFlags {
  dataset: DatasetName;
  samples?: number;
  noise?: number;
  dataSeed?: number;
  data?: string;
  labelColumn?: string;
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
      new Option('--dataset <name>', 'generated dataset: moons, circles, blobs, spirals')
        .default('moons')
        .argParser(choiceArg(['moons', 'circles', 'blobs', 'spirals'] as const)),
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

/** `--label-column 2` is a column index, `--label-column label` a header name. */
export function labelColumnOf(flags: { labelColumn?: string }): { label_column?: string | number } {
  if (flags.labelColumn === undefined) return {};
  return { label_column: /^\d+$/.test(flags.labelColumn) ? Number(flags.labelColumn) : flags.labelColumn };
}

/** The run configs' CSV hook for the CLI (Node). */
export function csvLoader(path: string, labelColumn?: string | number): Dataset {
  return loadCsvSync(path, labelColumn === undefined ? {} : { labelColumn });
}
