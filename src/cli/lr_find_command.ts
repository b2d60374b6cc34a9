import { existsSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { Command, Option } from 'commander';
import type { RunConfig } from '../config/run_config.ts';
import { writeFileAtomic } from '../io/atomic_write.ts';
import { ensureWritableDir, writeFilesAtomic } from '../report/output_dir.ts';
import { prepareRun, runConfigToJson } from '../train/run.ts';
import { targetsFor } from '../train/run_targets.ts';
import { type LrFindMode, type LrFindResult, lrFind } from '../tuner/lr_find.ts';
import { type LrFindSpread, suggestionSpread } from '../tuner/spread.ts';
import { SUGGESTION_METHODS, type SuggestionMethod } from '../tuner/suggestions.ts';
import { csvLoader } from './data_flags.ts';
import { UsageError } from './files.ts';
import { choiceArg, intArg, numberArg } from './parse.ts';
import { addRunFlags, flagOf, type RunFlags, runConfigFromFlags } from './run_flags.ts';
import { addSchedulerFlags, givenSchedulerFlags } from './scheduler_flags.ts';

// `anneal lr-find`: fastai's learning-rate range test (src/tuner) on the model, data and optimizer that
// `anneal train`'s flags describe; prints the four suggestions and the `anneal train` command to use one.

interface LrFindFlags extends RunFlags {
  startLr: number;
  endLr: number;
  numIter: number;
  mode: LrFindMode;
  stopDiv: boolean;
  suggest: SuggestionMethod;
  seeds: number;
  json?: boolean;
  out?: string;
}

/** The flags lr-find adds to the shared ones: not passed on to the `anneal train` command it prints. */
const OWN_FLAGS = ['startLr', 'endLr', 'numIter', 'mode', 'stopDiv', 'suggest', 'seeds', 'json', 'out'];

/** `anneal train` flags that do not apply to a range test, and why: refused by name, not as unknown options. */
const TRAIN_ONLY: [flags: string[], why: string][] = [
  [['--steps'], 'the range test runs --num-iter steps'],
  [['--lr'], 'the range test sweeps the lr from --start-lr to --end-lr'],
  [['--group-by-layer'], 'the range test ramps one lr over the whole model'],
  [['--scheduler', '--manual-decay'], 'the lr follows the range test’s ramp (--mode)'],
  [['--batch-schedule'], 'the range test keeps --batch-size'],
  [['--config'], 'give the data, model and optimizer as flags'],
  [['--resume', '--checkpoint-every', '--checkpoint-dir', '--keep'], 'the range test writes no checkpoints'],
  [
    ['--val-split', '--val-data', '--early-stopping', '--plateau-metric', '--eval-every'],
    'the range test reads the loss of each training step only',
  ],
  [['--png', '--loss-scale', '--boundary', '--grid'], 'lr-find draws one chart: --out FILE.svg or FILE.png'],
  [['--quiet'], 'lr-find prints no progress bar'],
];

export function lrFindCommand(): Command {
  const command = new Command('lr-find')
    .description(
      "Find a learning rate: fastai's range test (lr_find). The lr grows from --start-lr to --end-lr over " +
        '--num-iter training steps (each on its own batch), the loss is smoothed, and the test stops once it ' +
        "diverges; prints fastai's four suggestions (valley, slide, minimum, steep) and the anneal train command " +
        'to use one. Takes the data, model and optimizer flags of anneal train; the weights are put back after.',
    )
    .option('--start-lr <x>', 'the first lr (> 0; >= 0 with --mode linear)', numberArg(0), 1e-7)
    .option(
      '--end-lr <x>',
      'the lr the ramp reaches at its end (> --start-lr)',
      numberArg(0, Infinity, {
        minExclusive: true,
      }),
      10,
    )
    .option('--num-iter <n>', 'training steps at most', intArg(6, 1_000_000), 100)
    .addOption(
      new Option('--mode <mode>', "how the lr grows: exponential (fastai's SchedExp) or linear (SchedLin)")
        .default('exponential')
        .argParser(choiceArg(['exponential', 'linear'] as const)),
    )
    .option('--no-stop-div', 'run every step, even after the smoothed loss passes 4 × its best')
    .addOption(
      new Option('--suggest <method>', `the suggestion to train with: ${SUGGESTION_METHODS.join(', ')}`)
        .default('valley')
        .argParser(choiceArg(SUGGESTION_METHODS)),
    )
    .option(
      '--seeds <n>',
      'repeat the test over N seeds (--seed, --seed+1, ...: each its own initial weights and batch order, the ' +
        'same data) and show each suggestion per seed, its median and its spread in decades',
      intArg(1, 1000),
      1,
    )
    .option(
      '--json',
      'print {lrs, losses, smoothed_losses, suggestions, ...} and nothing else; with --seeds N, {runs: [one per ' +
        'seed], spread, ...}',
    )
    .option(
      '--out <file>',
      'draw the curve (smoothed loss against the lr, log scale) with the suggestions marked: SVG for a .svg ' +
        'file, PNG for a .png file; any other name is a folder, given lr_find.svg and lr_find.json',
    );
  const shared = command.options.length;
  addRunFlags(command, {
    samplesHelp: 'number of samples (default: 20 for moons, as in the lesson; 100 circles, 150 blobs, 200 spirals)',
    dataHelp: 'run the test on',
    hidden: [3],
    lr: false,
    scaleHelp:
      "scale the features: standard (scikit-learn's StandardScaler) or minmax (MinMaxScaler), fitted on the data, " +
      'as anneal train --scale does',
  });
  const sharedKeys = command.options.slice(shared).map((o) => o.attributeName());
  for (const [flags] of TRAIN_ONLY) {
    for (const flag of flags) command.addOption(new Option(`${flag} [value]`).hideHelp());
  }
  const schedulerFlags = command.options.length;
  addSchedulerFlags(command, ['mode']); // --mode is the ramp's here
  for (const option of command.options.slice(schedulerFlags)) option.hidden = true;
  return command.action(async function (this: Command, flags: LrFindFlags) {
    const explicit = (name: string) => this.getOptionValueSource(name) === 'cli';
    for (const [names, why] of TRAIN_ONLY) {
      const given = names.filter((f) => explicit(f.slice(2).replace(/-([a-z])/g, (_, c: string) => c.toUpperCase())));
      if (given.length) throw new UsageError(`${given.join(', ')}: a flag of anneal train, not of lr-find: ${why}`);
    }
    const scheduler = givenSchedulerFlags(flags, explicit, ['mode']);
    if (scheduler.length) {
      throw new UsageError(
        `${scheduler.join(', ')}: scheduler flag${scheduler.length > 1 ? 's' : ''} of anneal train, not of lr-find: ` +
          'the lr follows the range test’s ramp (--mode)',
      );
    }
    checkRange(flags);
    const out = flags.out ? outputOf(flags.out) : null;
    const config = runConfigFromFlags(flags, explicit, { steps: 0 }, flags.startLr);
    const seeds = Array.from({ length: flags.seeds }, (_, k) => flags.seed + k);
    const results = seeds.map((seed) => rangeTest(config, seed, flags));
    const spread = results.length > 1 ? suggestionSpread(results) : null;
    const train = trainCommandLine(this, sharedKeys, flags);
    if (out) {
      const { renderPng, renderSvg } = await import('../plot/render.ts');
      const { lrFindChartOption } = await import('../plot/lr_find_chart.ts');
      const title = `Learning-rate finder — ${describe(config)}`;
      const svg = renderSvg(lrFindChartOption(results.length > 1 ? results : results[0], { title }), 900, 480);
      if (out.kind === 'file')
        writeFileAtomic(out.path, out.path.toLowerCase().endsWith('.png') ? await renderPng(svg) : svg);
      else
        writeFilesAtomic(out.path, [
          { name: 'lr_find.svg', contents: svg },
          { name: 'lr_find.json', contents: `${JSON.stringify(toJson(config, results, spread, flags.suggest))}\n` },
        ]);
    }
    if (flags.json) process.stdout.write(`${JSON.stringify(toJson(config, results, spread, flags.suggest))}\n`);
    else process.stdout.write(table(config, results, spread, flags, train, out?.path ?? null));
  });
}

/** --start-lr below --end-lr, and above 0 for an exponential ramp: refused before anything runs. */
function checkRange(flags: LrFindFlags): void {
  if (flags.mode === 'exponential' && !(flags.startLr > 0)) {
    throw new UsageError(
      `--start-lr ${flags.startLr}: an exponential ramp needs a start above 0 (give --mode linear to start at 0)`,
    );
  }
  if (!(flags.startLr < flags.endLr)) {
    throw new UsageError(`--start-lr ${flags.startLr} must be below --end-lr ${flags.endLr}`);
  }
}

/** Where --out writes: a .svg or .png file (its folder must exist), or a folder. */
function outputOf(path: string): { kind: 'file' | 'dir'; path: string } {
  if (/\.(svg|png)$/i.test(path) && !(existsSync(path) && statSync(path).isDirectory())) {
    const dir = dirname(path);
    if (!existsSync(dir) || !statSync(dir).isDirectory()) {
      throw new UsageError(`--out ${path}: the folder ${dir} does not exist`);
    }
    return { kind: 'file', path };
  }
  ensureWritableDir(path);
  return { kind: 'dir', path };
}

/** One range test: the config's model and optimizer with this seed's initial weights, and this seed's batches. */
function rangeTest(config: RunConfig, seed: number, flags: LrFindFlags): LrFindResult {
  // The data spec keeps its own seed: every seed sees the same points.
  const run = prepareRun({ ...config, seed }, { loadCsv: csvLoader, record: 'none' });
  try {
    return lrFind({
      model: run.model,
      optimizer: run.optimizer,
      x: run.data,
      y: targetsFor(run.model.criterion, run.data, run.model.outputDim),
      startLr: flags.startLr,
      endLr: flags.endLr,
      numIter: flags.numIter,
      mode: flags.mode,
      stopDiv: flags.stopDiv,
      batchSize: config.batch_size ?? null,
      seed,
    });
  } finally {
    run.trainer.dispose();
    run.optimizer.dispose();
    run.model.dispose();
  }
}

/** The lr to type: three significant digits. */
function lrText(lr: number): string {
  return String(Number(lr.toPrecision(3)));
}

/** A loss to four significant digits, without an exponent for large ones (29160, not 2.916e+4). */
function lossText(loss: number): string {
  return Math.abs(loss) >= 1e4 ? String(Number(loss.toPrecision(4))) : loss.toPrecision(4);
}

function shellWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, "'\\''")}'`;
}

/** `anneal train` with the shared flags given here, and `--lr` to come: what to run with a suggestion. */
function trainCommandLine(command: Command, sharedKeys: string[], flags: LrFindFlags): string {
  const words = ['anneal', 'train'];
  for (const option of command.options) {
    const key = option.attributeName();
    if (!sharedKeys.includes(key) || OWN_FLAGS.includes(key)) continue;
    if (command.getOptionValueSource(key) !== 'cli') continue;
    const value = flags[key];
    if (typeof value === 'boolean') {
      words.push(value ? flagOf(key) : `--no-${flagOf(key).slice(2)}`);
      continue;
    }
    words.push(flagOf(key), shellWord(Array.isArray(value) ? value.join(',') : String(value)));
  }
  return words.join(' ');
}

function describe(config: RunConfig): string {
  const kwargs = Object.entries(config.optimizer.kwargs ?? {}).map(([k, v]) => `${k}=${JSON.stringify(v)}`);
  const opt = `${config.optimizer.type}${kwargs.length ? `(${kwargs.join(', ')})` : ''}`;
  const loss = config.criterion ? `, ${config.criterion.type}` : '';
  const data = config.data ? config.data.type : 'inline data';
  const batch = `batch ${config.batch_size ?? 'full'}`;
  return `MLP ${config.sizes.join('-')} (${config.activation})${loss}, ${opt}, ${batch}, ${data}`;
}

function stopText(r: LrFindResult): string {
  const steps = r.lrs.length;
  const of = `stopped after ${steps} of ${r.settings.numIter} steps`;
  if (r.stopReason === 'diverged') {
    return `${of}: the smoothed loss passed 4 × its best at lr ${lrText(r.lrs[steps - 1])}`;
  }
  if (r.stopReason === 'nonFinite') return `${of}: the loss was not finite`;
  return `ran all ${steps} steps without diverging`;
}

/** Rows of cells, left-aligned in columns, each after a two-space indent. */
function columns(rows: string[][]): string[] {
  const widths = rows[0].map((_, c) => rows.reduce((w, row) => Math.max(w, row[c].length), 0));
  return rows.map((row) => `  ${row.map((cell, c) => cell.padEnd(widths[c])).join('  ')}`.trimEnd());
}

function table(
  config: RunConfig,
  results: LrFindResult[],
  spread: LrFindSpread | null,
  flags: LrFindFlags,
  train: string,
  out: string | null,
): string {
  const s = results[0].settings;
  const n = results.length;
  const seeds = n > 1 ? `seeds ${flags.seed}–${flags.seed + n - 1}` : `seed ${flags.seed}`;
  const lines = [
    `anneal lr-find — ${describe(config)}`,
    `  ramp            lr ${s.startLr[0]} → ${s.endLr[0]} over ${s.numIter} steps (${s.mode}), ${seeds}`,
  ];
  const mark = (m: SuggestionMethod) =>
    m === flags.suggest ? `← --suggest ${m}${m === 'valley' ? ' (the default)' : ''}` : '';
  let chosen: number | null;
  let rows: string[][];
  if (!spread) {
    const r = results[0];
    lines.push(`  test            ${stopText(r)}`, '');
    rows = [
      ['suggestion', 'lr', 'smoothed loss there', ''],
      ...SUGGESTION_METHODS.map((m) => {
        const sug = r.suggestions[m];
        if (!sug) return [m, '-', '(too few steps recorded)', mark(m)];
        return [m, lrText(sug.lr), lossText(sug.point.loss), mark(m)];
      }),
    ];
    chosen = r.suggestions[flags.suggest]?.lr ?? null;
  } else {
    results.forEach((r, k) => lines.push(`  seed ${String(flags.seed + k).padEnd(10)} ${stopText(r)}`));
    lines.push('');
    rows = [
      ['suggestion', ...results.map((_, k) => `seed ${flags.seed + k}`), 'median', 'spread', ''],
      ...SUGGESTION_METHODS.map((m) => [
        m,
        ...spread[m].lrs.map((v) => (v === null ? '-' : lrText(v))),
        spread[m].median === null ? '-' : lrText(spread[m].median),
        spread[m].decades === null ? '-' : `${spread[m].decades.toFixed(2)} decades`,
        mark(m),
      ]),
    ];
    chosen = spread[flags.suggest].median;
  }
  lines.push(...columns(rows));
  const min = spread ? null : results[0].suggestions.minimum;
  if (min) lines.push(`  (minimum is a tenth of the lr at the lowest smoothed loss, ${lrText(min.point.lr)})`);
  lines.push('');
  if (chosen === null) {
    lines.push(`  no ${flags.suggest} suggestion: too few steps were recorded (raise --num-iter)`);
  } else {
    lines.push(`  train with ${flags.suggest}${spread ? ' (the median)' : ''}:`, `    ${train} --lr ${lrText(chosen)}`);
  }
  if (out) lines.push(`  wrote           ${out}`);
  lines.push('');
  return lines.join('\n');
}

/** A range test as JSON (snake_case keys). */
function resultJson(r: LrFindResult): Record<string, unknown> {
  const s = r.settings;
  const stop = { numIter: 'num_iter', diverged: 'diverged', nonFinite: 'non_finite' } as const;
  return {
    lrs: r.lrs,
    losses: r.losses,
    smoothed_losses: r.smoothedLosses,
    suggestions: r.suggestions,
    diverged: r.diverged,
    stop_reason: stop[r.stopReason],
    stop_step: r.stopStep,
    settings: {
      start_lr: s.startLr[0],
      end_lr: s.endLr[0],
      num_iter: s.numIter,
      mode: s.mode,
      beta: s.beta,
      stop_div: s.stopDiv,
      diverge_threshold: s.divergeThreshold,
      batch_size: s.batchSize,
      seed: s.seed,
    },
  };
}

function toJson(
  config: RunConfig,
  results: LrFindResult[],
  spread: LrFindSpread | null,
  suggest: SuggestionMethod,
): Record<string, unknown> {
  const base = { suggest, config: runConfigToJson(config) };
  if (!spread) return { ...resultJson(results[0]), ...base, suggestion: results[0].suggestions[suggest]?.lr ?? null };
  return {
    seeds: results.map((r) => r.settings.seed),
    runs: results.map(resultJson),
    spread,
    ...base,
    suggestion: spread[suggest].median,
  };
}
