import { basename } from 'node:path';
import { Command } from 'commander';
import { bestTrialsTable, writeSweepReport } from '../report/sweep_report.ts';
import { type SweepResult, sweep } from '../sweep/local.ts';
import { readRecords } from '../sweep/results.ts';
import { parseSweepSpec } from '../sweep/space.ts';
import type { SweepSpec, TrialRecord } from '../sweep/types.ts';
import { readJsonFile, UsageError } from './files.ts';
import { intArg } from './parse.ts';

interface SweepFlags {
  config?: string;
  workers?: number;
  out?: string;
  json?: boolean;
  quiet?: boolean;
  top: number;
  report?: string;
  results?: string;
  png?: boolean;
  queue?: string;
}

export function sweepCommand(): Command {
  return (
    new Command('sweep')
      .description(
        'Search a space of run configs (grid or seeded random, Ray Tune-style num_samples), each trial an ordinary ' +
          'run config trained in a pool of worker threads, with median or ASHA pruning; results appended to a ' +
          'JSON Lines file as trials finish (rerunning on the same file resumes). ' +
          'With --report DIR --results FILE: write the HTML report of a results file.',
      )
      .option('--config <file>', 'the sweep spec (JSON: base, space, samples, seed, metric, mode, eval_every, pruner)')
      .option(
        '--workers <n>',
        'worker threads, one trial each at a time (default: the number of cores)',
        intArg(1, 1024),
      )
      .option('--out <file>', 'the results file, JSON Lines (default: <sweep name>.jsonl)')
      .option('--json', 'print the summary as JSON and nothing else')
      .option('--quiet', 'print no progress')
      .option('--top <n>', 'rows of the best-trials table', intArg(1, 1000), 5)
      .option('--report <dir>', 'write the sweep report (HTML and Markdown) into this folder')
      .option(
        '--results <file>',
        'with --report: the results file to report on (no sweep runs; --config then only names the metric)',
      )
      .option('--png', 'with --report: also write the charts as PNG')
      // --queue: the trials go on a BullMQ queue for `anneal worker` processes (src/sweep/queue.ts).
      .option(
        '--queue <url>',
        'put the trials on a BullMQ queue in this Redis (redis://HOST:PORT/DB) for anneal worker',
      )
      .action(async function (this: Command, flags: SweepFlags) {
        const raw = (this.parent as (Command & { rawArgs?: string[] }) | null)?.rawArgs;
        const command = ['anneal', ...(raw ? raw.slice(2) : ['sweep'])].join(' ');
        if (flags.results !== undefined) return reportOnly(flags, command);
        if (flags.config === undefined) {
          throw new UsageError('give --config sweep.json (a sweep to run), or --report DIR --results FILE');
        }
        if (flags.png && flags.report === undefined) throw new UsageError('--png goes with --report DIR');
        if (flags.queue !== undefined && flags.workers !== undefined) {
          throw new UsageError(
            '--workers is for a sweep on this machine; with --queue the trials run in anneal worker processes',
          );
        }
        const spec = readSpec(flags.config);
        const resultsFile = flags.out ?? `${spec.name}.jsonl`;
        const progress = !flags.json && !flags.quiet;
        let done = 0;
        const onTrial = (record: TrialRecord) => {
          done++;
          if (progress) process.stderr.write(`${trialLine(record, spec, done)}\n`);
        };
        const onWarning = (message: string) => process.stderr.write(`anneal sweep: warning: ${message}\n`);
        let result: SweepResult;
        if (flags.queue !== undefined) {
          result = await queuedSweep(spec, flags.queue, resultsFile, onTrial, onWarning, flags.config);
        } else {
          if (progress) {
            const workers = flags.workers === undefined ? 'one per core' : String(flags.workers);
            process.stderr.write(`anneal sweep ${spec.name}: workers ${workers}, results in ${resultsFile}\n`);
          }
          result = await sweep(spec, { workers: flags.workers, resultsFile, onTrial, onWarning, source: flags.config });
        }
        let reportFiles: string[] = [];
        if (flags.report !== undefined) {
          const options = { metric: spec.metric, mode: spec.mode, png: flags.png, source: resultsFile, command };
          reportFiles = await writeSweepReport(result.records, flags.report, options);
        }
        if (flags.json) {
          process.stdout.write(`${JSON.stringify(summaryJson(result, resultsFile, flags.report ?? null))}\n`);
          return;
        }
        process.stdout.write(summaryText(result, resultsFile, flags.top, flags.report, reportFiles));
      })
  );
}

/** `--report DIR --results FILE`: the report of a results file, nothing trained. */
async function reportOnly(flags: SweepFlags, command: string): Promise<void> {
  if (flags.report === undefined) throw new UsageError('--results FILE goes with --report DIR (the report to write)');
  for (const [flag, given] of [
    ['--workers', flags.workers],
    ['--out', flags.out],
    ['--queue', flags.queue],
  ] as const) {
    if (given !== undefined) throw new UsageError(`${flag} does not apply with --results (no sweep runs)`);
  }
  const read = readRecords(flags.results!);
  if (read.torn) {
    process.stderr.write(
      `anneal sweep: warning: ${flags.results}, line ${read.torn.line}: a record torn by a crash, left out\n`,
    );
  }
  if (!read.records.length) throw new UsageError(`--results ${flags.results}: no trial records in it`);
  // The records do not name their metric: --config (not run) names it, and whether lower is better.
  const spec = flags.config === undefined ? null : readSpec(flags.config);
  const files = await writeSweepReport(read.records, flags.report, {
    ...(spec ? { metric: spec.metric, mode: spec.mode } : {}),
    png: flags.png,
    source: flags.results,
    command,
  });
  if (flags.json) {
    process.stdout.write(`${JSON.stringify({ report: flags.report, files, trials: read.records.length })}\n`);
    return;
  }
  process.stdout.write(`anneal sweep: the report of ${read.records.length} trials is in ${flags.report}/\n`);
  for (const f of files) process.stdout.write(`  ${f}\n`);
}

/** The sweep spec in `file`, validated (named after the file unless it names itself). */
function readSpec(file: string): SweepSpec {
  return parseSweepSpec(readJsonFile(file), file, basename(file, '.json'));
}

/**
 * `--queue URL`: the sweep on a BullMQ queue (src/sweep/queue.ts, `runQueuedSweep`), loaded only then, so
 * that a local sweep never loads BullMQ.
 */
async function queuedSweep(
  spec: SweepSpec,
  url: string,
  resultsFile: string,
  onTrial: (record: TrialRecord) => void,
  onWarning: (message: string) => void,
  source: string,
): Promise<SweepResult> {
  const queue = await import('../sweep/queue.ts');
  return queue.runQueuedSweep(spec, { url, resultsFile, onTrial, onWarning, source });
}

/** One line per finished trial: `trial 3 (4 done): complete, val_loss 0.0812`. */
function trialLine(record: TrialRecord, spec: SweepSpec, done: number): string {
  const value = record.value === null ? 'no evaluation' : `${spec.metric} ${formatValue(record.value)}`;
  const state =
    record.state === 'pruned'
      ? `pruned at step ${record.pruned_at}`
      : record.state === 'failed'
        ? `failed (${record.error ?? 'error'})`
        : 'complete';
  return `  trial ${record.trial} (${done} done): ${state}, ${value}`;
}

function formatValue(v: number): string {
  return Number.isFinite(v) ? String(Number(v.toPrecision(6))) : String(v);
}

function counts(records: readonly TrialRecord[]) {
  const n = (state: TrialRecord['state']) => records.filter((r) => r.state === state).length;
  return { trials: records.length, complete: n('complete'), pruned: n('pruned'), failed: n('failed') };
}

function summaryJson(result: SweepResult, resultsFile: string, report: string | null): Record<string, unknown> {
  return {
    sweep: result.spec.name,
    metric: result.spec.metric,
    mode: result.spec.mode,
    results: resultsFile,
    ...(report !== null ? { report } : {}),
    ...counts(result.records),
    resumed: result.resumed,
    best: result.best,
  };
}

function summaryText(
  result: SweepResult,
  resultsFile: string,
  top: number,
  report: string | undefined,
  reportFiles: readonly string[],
): string {
  const { spec, records, best } = result;
  const c = counts(records);
  const lines = [
    `anneal sweep ${spec.name} — ${c.trials} trials: ${c.complete} complete, ${c.pruned} pruned, ` +
      `${c.failed} failed${result.resumed ? ` (${result.resumed} from the results file, not rerun)` : ''}`,
    `metric ${spec.metric} (${spec.mode}), pruner ${spec.pruner ? spec.pruner.type : 'none'}`,
    '',
  ];
  const table = bestTrialsTable(records, { metric: spec.metric, mode: spec.mode, top });
  if (table.rows.length) {
    const widths = table.head.map((h, c) => Math.max(h.length, ...table.rows.map((r) => r[c].length)));
    const row = (cells: string[]) => `  ${cells.map((cell, k) => cell.padEnd(widths[k])).join('  ')}`.trimEnd();
    lines.push(row(table.head), ...table.rows.map(row), '');
  }
  if (best) {
    lines.push(
      `best: trial ${best.trial}, ${spec.metric} ${formatValue(best.value!)} (its "config" in the results: ` +
        'anneal train --config reruns it)',
    );
  } else lines.push('best: none (no trial completed)');
  lines.push(`results: ${resultsFile}`);
  if (report !== undefined) lines.push(`report: ${report}/ (${reportFiles.length} files)`);
  return `${lines.join('\n')}\n`;
}
