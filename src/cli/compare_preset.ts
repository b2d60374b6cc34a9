/**
 * `anneal compare --preset NAME`: comparisons that are experiments of their own, with their own setting and
 * report. `batch-vs-decay` reproduces Smith, Kindermans, Ying & Le (ICLR 2018) at small scale
 * (src/report/batch_vs_decay.ts).
 */
import cliProgress from 'cli-progress';
import type { Command } from 'commander';
import {
  type BatchVsDecaySettings,
  batchVsDecayConfigs,
  DEFAULT_BATCH_VS_DECAY,
  optimizerLabel,
  runBatchVsDecay,
} from '../report/batch_vs_decay.ts';
import { batchVsDecayFiles, batchVsDecayJson, conclusion } from '../report/batch_vs_decay_report.ts';
import { ensureWritableDir, writeFilesAtomic } from '../report/output_dir.ts';
import { UsageError } from './files.ts';

/** The presets this module runs (compare_command.ts's `COMPARE_PRESETS` maps each to its entry point). */
const PRESET_NAMES: readonly string[] = ['batch-vs-decay'];

/** The compare flags a preset reads (the others are refused when given). */
export const PRESET_FLAGS = ['preset', 'out', 'png', 'json', 'quiet', 'seeds', 'seed'] as const;

/** What `comparePreset` reads of the command line. */
export interface ComparePresetFlags {
  /** The report folder (created if needed, checked before training). */
  out: string;
  /** Also write every chart as PNG. */
  png?: boolean;
  /** Print results.json's content and nothing else. */
  json?: boolean;
  /** No progress bar. */
  quiet?: boolean;
  /** How many seeds (default: the preset's, 5). */
  seeds?: number;
  /** The first seed (default 0). */
  seed?: number;
  /** The command line, shown in the report. */
  command?: string;
  /**
   * The flags given on the command line (commander's attribute names: `strategies`, `batchSize`); any the preset
   * does not read is refused, naming it.
   */
  given?: readonly string[];
}

const flagName = (key: string) => `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;

/** The preset's setting with the flags applied; refuses an unknown preset or a flag it does not read. */
export function presetSettings(
  name: string,
  flags: ComparePresetFlags,
  overrides: Partial<BatchVsDecaySettings> = {},
): BatchVsDecaySettings {
  if (!PRESET_NAMES.includes(name))
    throw new UsageError(`--preset: unknown preset ${JSON.stringify(name)}; known: ${PRESET_NAMES.join(', ')}`);
  const ignored = (flags.given ?? []).filter((f) => !(PRESET_FLAGS as readonly string[]).includes(f));
  if (ignored.length)
    throw new UsageError(
      `${ignored.map(flagName).join(', ')} ${ignored.length > 1 ? 'do' : 'does'} not apply with --preset ${name}, ` +
        `which sets its own data, model, optimizers and schedules (it reads ${PRESET_FLAGS.filter((f) => f !== 'preset')
          .map(flagName)
          .join(', ')})`,
    );
  const settings = { ...DEFAULT_BATCH_VS_DECAY, ...overrides };
  const first = flags.seed ?? settings.seeds[0];
  const count = flags.seeds ?? settings.seeds.length;
  if (flags.seed !== undefined || flags.seeds !== undefined)
    settings.seeds = Array.from({ length: count }, (_, k) => first + k);
  return settings;
}

/**
 * Runs a preset: checks everything (setting, every run config, the --out folder) before training, trains,
 * writes the report into `flags.out` all or nothing, and returns what to print (the conclusion and the files,
 * or results.json's content with `json`). `overrides` changes the preset's setting (tests run a shorter one).
 */
export async function comparePreset(
  name: string,
  flags: ComparePresetFlags,
  overrides: Partial<BatchVsDecaySettings> = {},
): Promise<string> {
  const settings = presetSettings(name, flags, overrides);
  const { configs } = batchVsDecayConfigs(settings); // refuses a bad setting before anything runs
  ensureWritableDir(flags.out);
  const bar = !flags.json && !flags.quiet && process.stdout.isTTY ? progressBar(configs.size) : null;
  let result: ReturnType<typeof runBatchVsDecay>;
  try {
    result = runBatchVsDecay(settings, {
      onProgress: bar ? (done, _total, run) => bar.update(done, { run }) : undefined,
    });
  } finally {
    bar?.stop();
  }
  const files = await batchVsDecayFiles(result, { png: flags.png, command: flags.command });
  writeFilesAtomic(flags.out, files);
  if (flags.json) return `${JSON.stringify(batchVsDecayJson(result))}\n`;
  const s = result.settings;
  const shown = files.filter((f) => !f.name.startsWith('runs/')).map((f) => f.name);
  return [
    `anneal compare --preset ${name} — (a) decaying lr, (b) increasing batch, (c) hybrid; ${s.epochs} epochs, ` +
      `milestones ${s.milestones.join('/')}, factor ${s.factor}, ` +
      `${s.seeds.length} seed${s.seeds.length > 1 ? 's' : ''}, ` +
      `${result.sizes.nTrain} training rows`,
    ...result.optimizers.map((o) => `  ${optimizerLabel(o.optimizer)}: ${conclusion(result, o).join(' ')}`),
    `  wrote ${shown.join(', ')} and runs/*.json in ${flags.out}  (${(result.wallMs / 1000).toFixed(1)} s)`,
    '',
  ].join('\n');
}

function progressBar(total: number) {
  const bar = new cliProgress.SingleBar(
    {
      stream: process.stdout,
      format: '  training [{bar}] {value}/{total} runs | {run} | eta {eta_formatted}',
      hideCursor: true,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0, { run: '' });
  return bar;
}

/** The flags of `anneal compare` that `batchVsDecayPreset` reads (compare_command.ts's CompareFlags has them). */
export interface CompareCommandFlags {
  out: string;
  png?: boolean;
  json?: boolean;
  quiet?: boolean;
  seeds: number;
  seed: number;
}

/**
 * `--preset batch-vs-decay` as compare_command.ts's `COMPARE_PRESETS` entry: reads `--out`, `--png`, `--json`,
 * `--quiet`, `--seeds` and `--seed` when given (default: the preset's 5 seeds from 0), refuses any other flag
 * given, runs the reproduction and prints its summary (or results.json with `--json`).
 */
export async function batchVsDecayPreset(
  flags: CompareCommandFlags,
  given: (name: string) => boolean,
  command: Command,
): Promise<void> {
  const raw = (command.parent as (Command & { rawArgs?: string[] }) | null)?.rawArgs;
  const line = ['anneal', ...(raw ? raw.slice(2) : ['compare', '--preset', 'batch-vs-decay'])]
    .map(shellQuote)
    .join(' ');
  const text = await comparePreset('batch-vs-decay', {
    out: flags.out,
    png: flags.png,
    json: flags.json,
    quiet: flags.quiet,
    seeds: given('seeds') ? flags.seeds : undefined,
    seed: given('seed') ? flags.seed : undefined,
    command: line,
    given: [...new Set(command.options.map((o) => o.attributeName()))].filter(given),
  });
  process.stdout.write(text);
}

function shellQuote(arg: string): string {
  return /^[A-Za-z0-9_.,:=/@+-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}
