import { type Command, InvalidArgumentError, Option } from 'commander';
import type { RunConfigInput } from '../config/run_config.ts';
import { PLATEAU_METRICS } from '../config/validation_spec.ts';
import type { RunResult } from '../train/run.ts';
import { labelColumnOf } from './data_flags.ts';
import { UsageError } from './files.ts';
import { choiceArg, intArg } from './parse.ts';

// `anneal train`'s held-out flags (issue 13): --val-split F, --val-data FILE, --early-stopping PATIENCE and
// --plateau-metric NAME.

/** A fraction strictly between 0 and 1. */
export function fractionArg(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n <= 0 || n >= 1) {
    throw new InvalidArgumentError(`expected a fraction in (0, 1), got ${JSON.stringify(value)}`);
  }
  return n;
}

/** The held-out flags as commander parses them. */
export interface ValidationFlags {
  valSplit?: number;
  valData?: string;
  earlyStopping?: number;
  plateauMetric?: (typeof PLATEAU_METRICS)[number];
}

/** The held-out flags' names (commander's attribute names). */
export const VALIDATION_FLAG_NAMES = ['valSplit', 'valData', 'earlyStopping', 'plateauMetric'];

/** Adds --val-split, --val-data, --early-stopping and --plateau-metric to `anneal train`. */
export function addValidationFlags(command: Command): Command {
  return command
    .option(
      '--val-split <fraction>',
      'hold out this fraction of the data (in (0, 1); stratified by class, seeded by --seed) and evaluate it ' +
        'beside the training set (val_loss, val_accuracy in history.csv, --json and the charts); never trained on',
      fractionArg,
    )
    .option(
      '--val-data <file.csv>',
      'a held-out CSV file (the columns of --data; same --label-column), evaluated beside the training set',
    )
    .option(
      '--early-stopping <patience>',
      'stop once val_loss has not improved for PATIENCE evaluations (every --eval-every steps; Keras ' +
        "EarlyStopping's rules) and end with the best evaluation's weights; needs --val-split or --val-data",
      intArg(0, 100_000_000),
    )
    .addOption(
      new Option(
        '--plateau-metric <name>',
        'what --scheduler plateau watches: loss (each step’s batch loss), val_loss or val_accuracy (each ' +
          'evaluation; needs a held-out set). Default: val_loss with a held-out set, else loss',
      ).argParser(choiceArg(PLATEAU_METRICS)),
    );
}

/**
 * The run config keys the held-out flags give: `validation` (`{val_split}` or a CSV spec), `early_stopping`
 * (`{patience, monitor: 'val_loss', restore_best_weights: true}`) and `plateau_metric`. Refuses --val-split
 * with --val-data, and early stopping or a held-out plateau metric without a held-out set, naming the flags.
 */
export function validationFromFlags(
  flags: ValidationFlags & { labelColumn?: string; data?: string },
  scheduler: string,
): Partial<RunConfigInput> {
  if (flags.valSplit !== undefined && flags.valData !== undefined) {
    throw new UsageError('--val-split and --val-data are two ways to give a held-out set: give one');
  }
  const validation: RunConfigInput['validation'] =
    flags.valSplit !== undefined
      ? { val_split: flags.valSplit }
      : flags.valData !== undefined
        ? { type: 'csv', path: flags.valData, ...labelColumnOf(flags) }
        : null;
  const give = 'give a held-out set with --val-split FRACTION (0.2, say) or --val-data FILE';
  if (flags.earlyStopping !== undefined && !validation) {
    throw new UsageError(`--early-stopping ${flags.earlyStopping} watches val_loss: ${give}`);
  }
  const isPlateau = scheduler === 'ReduceLROnPlateau';
  if (flags.plateauMetric !== undefined && !isPlateau) {
    throw new UsageError(`--plateau-metric only applies with --scheduler plateau (ReduceLROnPlateau)`);
  }
  if (flags.plateauMetric?.startsWith('val_') && !validation) {
    throw new UsageError(`--plateau-metric ${flags.plateauMetric} watches the held-out set: ${give}`);
  }
  const plateauMetric = isPlateau ? (flags.plateauMetric ?? (validation ? 'val_loss' : null)) : null;
  return {
    ...(validation ? { validation } : {}),
    ...(flags.earlyStopping !== undefined
      ? { early_stopping: { patience: flags.earlyStopping, monitor: 'val_loss', restore_best_weights: true } }
      : {}),
    ...(plateauMetric ? { plateau_metric: plateauMetric } : {}),
  };
}

/** The summary's lines about the held-out set and early stopping (none without them). */
export function validationSummary(result: RunResult): string[] {
  const lines: string[] = [];
  if (result.final_val_loss !== undefined) {
    const acc = result.final_val_accuracy ?? Number.NaN; // NaN for regression: no accuracy
    const shown = Number.isNaN(acc) ? '' : `; accuracy ${(100 * acc).toFixed(1)} %`;
    lines.push(`  val loss        ${result.final_val_loss.toPrecision(6)}  (held-out set${shown})`);
  }
  const es = result.early_stop;
  if (es) {
    const total = result.config.steps;
    const where =
      es.stopped_step !== null ? `stopped at step ${es.stopped_step} of ${total}` : `ran all ${total} steps`;
    const best = es.best === null ? '' : `; best ${es.monitor} ${es.best.toPrecision(6)} at step ${es.best_step}`;
    const restored = es.restored_step !== null ? `; weights of step ${es.restored_step} restored` : '';
    lines.push(`  early stopping  ${where}${best}${restored}`);
  }
  return lines;
}
