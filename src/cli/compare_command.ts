import cliProgress from 'cli-progress';
import { Command, InvalidArgumentError, Option } from 'commander';
import type { DatasetSpec } from '../config/run_config.ts';
import { checkBoundaryData } from '../report/boundary.ts';
import { checkComparison, runComparison, type CompareSettings } from '../report/compare.ts';
import { comparisonConclusion } from '../report/compare_conclusion.ts';
import { comparisonFiles, comparisonJson, tableCells } from '../report/compare_report.ts';
import { ensureWritableDir, writeFilesAtomic } from '../report/output_dir.ts';
import { SpecSyntaxError } from '../report/spec_text.ts';
import { DEFAULT_STRATEGIES, parseStrategies, presetHelp, StrategyError } from '../report/strategies.ts';
import { resolveData } from '../train/run.ts';
import { parseRunConfig } from '../config/run_config.ts';
import { batchSizeArg, intArg, numberArg } from './parse.ts';
import { addDataAndModelFlags, csvLoader, labelColumnOf, type DataAndModelFlags } from './data_flags.ts';
import { UsageError } from './files.ts';
import { batchVsDecayPreset } from './compare_preset.ts';
import { addOptimizerFlags, optimizerKwargsFromFlags } from './optimizer_flags.ts';

interface CompareFlags extends DataAndModelFlags {
  strategies: string;
  seeds: number;
  seed: number;
  lr: number;
  steps: number;
  batchSize: number | 'full';
  targetLoss: number;
  evalEvery: number;
  out: string;
  png?: boolean;
  lossScale: 'linear' | 'log';
  boundary?: boolean;
  grid: number;
  json?: boolean;
  quiet?: boolean;
  valSplit: number;
  preset?: string;
}

/**
 * Named comparisons that replace the default one (`--preset <name>`): each takes the parsed flags and which of
 * them were given on the command line, and runs its own comparison.
 */
export const COMPARE_PRESETS: Record<
  string,
  (flags: CompareFlags, given: (name: string) => boolean, command: Command) => Promise<void>
> = { 'batch-vs-decay': batchVsDecayPreset };

/** --val-split: a fraction in [0, 1); 0 holds nothing out. */
function valSplitArg(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0 || n >= 1) {
    throw new InvalidArgumentError(`expected a fraction in [0, 1) (0: hold nothing out), got ${JSON.stringify(value)}`);
  }
  return n;
}

export function compareCommand(): Command {
  const command = new Command('compare')
    .description(
      'Train the same model from the same initial weights on the same data under several lr strategies, ' +
        "and write report.html (charts inlined), report.md, the charts, results.json and every run's config " +
        '(runs/*.json, rerun with anneal train --config). ' +
        'Default: 5 seeds, 2000 steps of Adam (lr 0.05 for the decaying strategies) on 1000 moons points ' +
        '(noise 0.2), 20 % held out, MLP 2-16-16-2 (tanh), batches of 32.',
    )
    .option(
      '--strategies <list>',
      'comma-separated strategies: presets, scheduler specs such as StepLR(step_size=100, gamma=0.5) or ' +
        'cosine(eta_min=0.001), batch schedules such as StepBS(step_size=5, gamma=2); any takes lr=X. ' +
        `Presets: ${presetHelp()}`,
      DEFAULT_STRATEGIES.join(','),
    )
    .option(
      '--seeds <n>',
      'run every strategy over N seeds (--seed, --seed+1, ...) and show the median, mean and spread',
      intArg(1, 1000),
      5,
    )
    .option('--seed <n>', 'the first seed of the initial weights and the batch order', intArg(0, 2 ** 32 - 1000), 0);
  addDataAndModelFlags(command, {
    samplesHelp: 'number of samples (default 1000)',
    dataHelp: 'compare on',
    hidden: [16, 16],
  });
  addOptimizerFlags(command, ['lr']);
  return command
    .option('--lr <x>', 'the initial lr of the decaying strategies (and max_lr of onecycle)', numberArg(0), 0.05)
    .option('--steps <n>', 'training steps per run', intArg(1, 10_000_000), 2000)
    .option(
      '--batch-size <n>',
      "samples per step (the first epoch's for batch-size schedules), or full",
      batchSizeArg,
      32,
    )
    .option(
      '--target-loss <x>',
      'for "steps to target": the loss to reach — the held-out (val) loss, or the training loss with --val-split 0',
      numberArg(0, Infinity, { minExclusive: true }),
      0.1,
    )
    .option(
      '--eval-every <k>',
      'evaluate loss and accuracy on the training and held-out sets every K steps',
      intArg(1),
      10,
    )
    .option('--out <dir>', 'the report folder (created if needed; checked before training)', 'compare-report')
    .option('--png', 'also write every chart as PNG (report.md then shows the PNGs)')
    .addOption(new Option('--loss-scale <scale>', "the loss chart's y axis").choices(['linear', 'log']).default('log'))
    .option('--boundary', 'draw the decision boundaries (default when the data is 2-D; an error otherwise)')
    .option('--no-boundary', 'do not draw the decision boundaries')
    .option('--grid <n>', 'cells per axis of the decision-boundary grids', intArg(2, 1000), 100)
    .option(
      '--val-split <fraction>',
      'hold out this fraction of the data (stratified, the same rows in every run, never trained on): its loss ' +
        'and accuracy go beside the training ones and the target applies to its loss; 0 holds nothing out',
      valSplitArg,
      0.2,
    )
    .option(
      '--preset <name>',
      `a named comparison instead of --strategies (${Object.keys(COMPARE_PRESETS).join(', ') || 'none yet'})`,
    )
    .option('--json', "print the table as JSON (results.json's content) and nothing else")
    .option('--quiet', 'print no progress bar')
    .action(async function (this: Command, flags: CompareFlags) {
      const given = (name: string) => this.getOptionValueSource(name) === 'cli';
      if (flags.preset !== undefined) {
        // A named comparison takes over from here (refused before anything runs when unknown).
        const preset = Object.hasOwn(COMPARE_PRESETS, flags.preset) ? COMPARE_PRESETS[flags.preset] : undefined;
        if (!preset) {
          const known = Object.keys(COMPARE_PRESETS);
          throw new UsageError(
            `--preset: unknown preset ${JSON.stringify(flags.preset)}; ` +
              (known.length ? `expected one of: ${known.join(', ')}` : 'no preset is available yet'),
          );
        }
        return preset(flags, given, this);
      }
      const settings = settingsFromFlags(flags, given);
      // Everything that can be refused is refused before any training.
      const dims = settings.base.sizes[0];
      if (flags.boundary === true && given('boundary')) checkBoundaryData(dims);
      settings.boundary = flags.boundary !== false && dims === 2;
      checkComparison(settings, { loadCsv: csvLoader });
      ensureWritableDir(flags.out);

      const bar = !flags.json && !flags.quiet && process.stdout.isTTY ? progressBar(settings) : null;
      const result = runComparison(settings, {
        loadCsv: csvLoader,
        onProgress: bar ? (done, _total, label) => bar.tick(done, label) : undefined,
      });
      bar?.stop();
      const raw = (this.parent as (Command & { rawArgs?: string[] }) | null)?.rawArgs;
      const command = ['anneal', ...(raw ? raw.slice(2) : ['compare'])].map(shellQuote).join(' ');
      const files = await comparisonFiles(result, { png: flags.png, lossScale: flags.lossScale, command });
      writeFilesAtomic(flags.out, files);
      if (flags.json) {
        process.stdout.write(`${JSON.stringify(comparisonJson(result))}\n`);
        return;
      }
      process.stdout.write(
        summary(
          result,
          flags.out,
          files.filter((f) => !f.name.startsWith('runs/')).map((f) => f.name),
        ),
      );
    });
}

/** compare trains classifiers (CrossEntropyLoss): regression data go to `anneal train`. */
const REGRESSION_REFUSAL = (what: string) =>
  `${what} is a regression dataset (float targets): anneal compare trains classifiers (CrossEntropyLoss); ` +
  'train a regression with anneal train (MSELoss by default)';

const flagOf = (key: string) => `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;

function settingsFromFlags(flags: CompareFlags, given: (name: string) => boolean): CompareSettings {
  const dataSeed = flags.dataSeed ?? flags.seed;
  let data: DatasetSpec;
  if (flags.data) {
    data = { type: 'csv', path: flags.data, ...labelColumnOf(flags) };
    for (const f of ['dataset', 'samples', 'noise', 'dataSeed'])
      if (given(f))
        throw new UsageError(`--${f.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} does not apply with --data`);
  } else {
    const n = flags.samples ?? 1000;
    switch (flags.dataset) {
      case 'moons':
        data = { type: 'moons', n_samples: n, noise: flags.noise ?? 0.2, shuffle: true, seed: dataSeed };
        break;
      case 'circles':
        data = { type: 'circles', n_samples: n, noise: flags.noise ?? 0.1, factor: 0.5, shuffle: true, seed: dataSeed };
        break;
      case 'blobs':
        data = {
          type: 'blobs',
          n_samples: n,
          centers: 3,
          n_features: 2,
          cluster_std: flags.noise ?? 1,
          shuffle: true,
          seed: dataSeed,
        };
        break;
      case 'spirals':
        data = {
          type: 'spirals',
          n_samples: n,
          noise: flags.noise ?? 0.2,
          n_arms: 2,
          turns: 1,
          shuffle: true,
          seed: dataSeed,
        };
        break;
      case 'iris':
      case 'digits':
        for (const f of ['samples', 'noise', 'dataSeed'])
          if (given(f)) throw new UsageError(`${flagOf(f)} does not apply to --dataset ${flags.dataset}`);
        data = flags.dataset === 'iris' ? { type: 'iris' } : { type: 'digits', n_class: 10 };
        break;
      case 'diabetes':
        throw new UsageError(REGRESSION_REFUSAL('--dataset diabetes'));
    }
  }
  if (!flags.data) {
    for (const f of ['labelColumn', 'targetColumns', 'task'])
      if (given(f)) throw new UsageError(`${flagOf(f)} only applies with --data FILE.csv`);
  }
  const dataset = resolveData(
    parseRunConfig({ sizes: [1, 1], data, optimizer: { type: flags.optimizer }, steps: 0 }, 'flags'),
    { loadCsv: csvLoader },
  );
  if (dataset.targets !== undefined) throw new UsageError(REGRESSION_REFUSAL(`--data ${flags.data}`));
  const batchSize = flags.batchSize === 'full' ? null : flags.batchSize;
  // The rows held out: n - floor(n × (1 - val_split)), as the split takes them.
  const nTrain = Math.floor(dataset.nSamples * (1 - flags.valSplit));
  if (batchSize !== null && batchSize > nTrain)
    throw new UsageError(
      `--batch-size: must be at most the training-set size ${nTrain}` +
        (flags.valSplit > 0 ? ` (${dataset.nSamples} samples, ${dataset.nSamples - nTrain} held out)` : '') +
        `, or full; got ${batchSize}`,
    );
  const kwargs = optimizerKwargsFromFlags(flags as unknown as Record<string, unknown>);
  let strategies: ReturnType<typeof parseStrategies>;
  try {
    strategies = parseStrategies(flags.strategies, { lr: flags.lr, steps: flags.steps, trainSize: nTrain });
  } catch (err) {
    if (err instanceof StrategyError || err instanceof SpecSyntaxError) throw new UsageError(err.message);
    throw err;
  }
  return {
    base: {
      sizes: [dataset.nFeatures, ...flags.hidden, Math.max(dataset.nClasses, 2)],
      activation: flags.activation,
      data,
      optimizer: { type: flags.optimizer, ...(Object.keys(kwargs).length ? { kwargs } : {}) },
      steps: flags.steps,
      batchSize,
      ...(flags.valSplit > 0 ? { validation: { val_split: flags.valSplit, seed: dataSeed } } : {}),
    },
    strategies,
    seeds: Array.from({ length: flags.seeds }, (_, k) => flags.seed + k),
    targetLoss: flags.targetLoss,
    evalEvery: flags.evalEvery,
    boundary: true,
    gridResolution: flags.grid,
  };
}

/** One bar over every step of every run, on a terminal. */
function progressBar(settings: CompareSettings) {
  const total = settings.strategies.length * settings.seeds.length * settings.base.steps;
  const bar = new cliProgress.SingleBar(
    {
      stream: process.stdout,
      format: '  training [{bar}] {percentage}% | {run} | eta {eta_formatted}',
      hideCursor: true,
      etaBuffer: 200,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0, { run: settings.strategies[0].label });
  let last = 0;
  return {
    tick(done: number, label: string) {
      if (done - last < 64 && done !== total) return;
      last = done;
      bar.update(done, { run: label });
    },
    stop() {
      bar.update(total);
      bar.stop();
    },
  };
}

function summary(result: ReturnType<typeof runComparison>, out: string, files: string[]): string {
  const { head, rows } = tableCells(result);
  const widths = head.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)));
  const line = (cells: string[]) =>
    `  ${cells.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  ')}`;
  const { base } = result.settings;
  const seeds = result.settings.seeds.length;
  return [
    `anneal compare — ${result.strategies.length} strategies × ` +
      `${seeds} seed${seeds > 1 ? 's' : ''}, ` +
      `MLP ${base.sizes.join('-')}, ${base.optimizer.type}, ${base.steps} steps, ` +
      `batch ${base.batchSize ?? 'full'}, ${result.data.nSamples} training samples` +
      (base.validation ? ' (and a held-out set)' : '') +
      (seeds > 1 ? '; mean ± sd over the seeds' : ''),
    line(head),
    ...rows.map(line),
    '',
    ...wrap(comparisonConclusion(result).text.join(' '), 116).map((l) => `  ${l}`),
    '',
    `  wrote ${files.join(', ')} and runs/*.json in ${out}  (${(result.wallMs / 1000).toFixed(1)} s of training)`,
    '',
  ].join('\n');
}

/** Splits text into lines of at most `width` characters, at spaces. */
function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines;
}

function shellQuote(arg: string): string {
  return /^[A-Za-z0-9_.,:=/@+-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}
