/**
 * The rules a sweep's records follow, one copy for both coordinators (local.ts on this machine's threads,
 * queue.ts on BullMQ workers): a trial's record from its outcome and its fate, the config it keeps, records fed
 * back to the pruning oracle, and a results file read back on a restart.
 */
import { closeSync, openSync, truncateSync, writeSync } from 'node:fs';
import { runConfigToJson } from '../train/run.ts';
import { withEvalEvery } from '../train/validation.ts';
import { VERSION } from '../version.ts';
import { readRecords } from './results.ts';
import type { TrialOutcome } from './trial.ts';
import type { SweepResult } from './local.ts';
import { createPruningOracle } from './pruning.ts';
import { expandTrials, parseSweepSpec } from './space.ts';
import type { PruningOracle, SweepSpec, Trial, TrialRecord } from './types.ts';

/** A refused sweep: a bad `workers`, or a results file of another sweep. */
export class SweepError extends Error {
  /** The error's name, `SweepError`. */
  override readonly name: string = 'SweepError';
}

/** Trial `trial`'s record: its outcome, cut at its pruning step when it was pruned. */
export function makeRecord(
  spec: SweepSpec,
  trial: Trial,
  config: Record<string, unknown>,
  outcome: TrialOutcome,
  prunedAt: number | null,
): TrialRecord {
  if (prunedAt === null && outcome.state === 'stopped') {
    throw new Error(`sweep: trial ${trial.index} was stopped but is not pruned`);
  }
  const evals = prunedAt === null ? outcome.evals : outcome.evals.filter((e) => e.step <= prunedAt);
  const state = prunedAt !== null ? 'pruned' : outcome.state === 'failed' ? 'failed' : 'complete';
  const record: TrialRecord = {
    sweep: spec.name,
    trial: trial.index,
    params: trial.params,
    config,
    state,
    pruned_at: prunedAt,
    evals,
    value: evals.length ? evals[evals.length - 1].value : null,
    ...(state === 'failed' && outcome.error !== undefined ? { error: outcome.error } : {}),
    metric: spec.metric,
    mode: spec.mode,
    version: VERSION,
    wall_ms: Math.round(outcome.wallMs),
  };
  // As it reads back from the file (JSON's view of it), so that a sweep's records are the same either way.
  return JSON.parse(JSON.stringify(record)) as TrialRecord;
}

/**
 * A trial's config as its record keeps it (`runConfigToJson`, as JSON): with `eval_every` when the run counts
 * evaluations (early stopping, a plateau on a metric), so that `anneal train --config` reruns it as trained.
 */
export function recordConfig(trial: Trial, evalEvery: number): Record<string, unknown> {
  return JSON.parse(JSON.stringify(runConfigToJson(withEvalEvery(trial.config, evalEvery))));
}

/** The most evaluations a trial reports: one every `eval_every` steps and one at its last step. */
export function evalsPerTrial(spec: SweepSpec, trials: readonly Trial[]): number {
  return Math.max(1, ...trials.map((t) => Math.ceil(t.config.steps / spec.eval_every)));
}

/** Feeds a finished record back to the oracle, as its trial reported it. */
export function feedRecord(oracle: PruningOracle, record: TrialRecord): void {
  for (const e of record.evals) oracle.report(record.trial, e.step, e.value ?? Number.NaN);
  oracle.finish(record.trial, record.state === 'failed');
}

/**
 * The records a results file holds for this sweep, checked to be this sweep's (same name, same trial configs);
 * a torn last line is cut off (with a warning) so that appending goes on from whole lines.
 */
export function resumeRecords(
  file: string,
  spec: SweepSpec,
  configs: readonly Record<string, unknown>[],
  onWarning: ((message: string) => void) | undefined,
): TrialRecord[] {
  const read = readRecords(file);
  const kept = new Map<number, TrialRecord>();
  for (const record of read.records) {
    const other = `${file} holds the results of another sweep`;
    const fix = 'give another results file, or delete this one to start over';
    if (record.sweep !== spec.name) {
      throw new SweepError(`${other} (${JSON.stringify(record.sweep)}, not ${JSON.stringify(spec.name)}): ${fix}`);
    }
    if (record.trial >= configs.length) {
      throw new SweepError(`${other}: it has a trial ${record.trial}, this sweep ${configs.length} trials: ${fix}`);
    }
    if (stableJson(record.config) !== stableJson(configs[record.trial])) {
      throw new SweepError(`${other}: its trial ${record.trial} has another config than this sweep's: ${fix}`);
    }
    const seen = kept.get(record.trial);
    if (seen && stableJson({ ...seen, wall_ms: 0 }) !== stableJson({ ...record, wall_ms: 0 })) {
      throw new SweepError(`${file}: trial ${record.trial} is recorded twice, with different results`);
    }
    if (!seen) kept.set(record.trial, record);
  }
  // Refused now rather than after the first trial trained: a results file that cannot be appended to.
  try {
    closeSync(openSync(file, 'a'));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    throw new SweepError(`cannot write the results file ${file}: ${code}`);
  }
  if (read.torn) {
    onWarning?.(
      `${file}, line ${read.torn.line}: a record torn by a crash (no newline, not JSON) is cut off; ` +
        'its trial runs again',
    );
    truncateSync(file, read.validBytes);
  } else if (read.missingNewline) {
    const fd = openSync(file, 'a');
    try {
      writeSync(fd, '\n');
    } finally {
      closeSync(fd);
    }
  }
  return [...kept.values()];
}

/** JSON with object keys sorted, for comparing configs whatever order their keys were written in. */
export function stableJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1)))
      : v,
  );
}

/** The complete record with the best value (the lowest trial index among equals), or null. */
export function bestRecord(records: readonly TrialRecord[], mode: 'min' | 'max'): TrialRecord | null {
  let best: TrialRecord | null = null;
  for (const r of records) {
    if (r.state !== 'complete' || r.value === null || Number.isNaN(r.value)) continue;
    if (!best || (mode === 'min' ? r.value < best.value! : r.value > best.value!)) best = r;
  }
  return best;
}

/** A sweep set up for its coordinator: its spec, trials and the configs their records keep, the oracle. */
export interface SweepStart {
  spec: SweepSpec;
  trials: Trial[];
  configs: Record<string, unknown>[];
  oracle: PruningOracle;
  /** The records already final: those the results file held, fed to the oracle; coordinators add to it. */
  done: Map<number, TrialRecord>;
  /** How many records the results file held. */
  resumed: number;
}

/**
 * What both coordinators do first: the spec validated and expanded, the oracle made, and the results file (if
 * any) read back into it, so that finished trials are not trained again.
 */
export function startSweep(
  spec: unknown,
  options: { source?: string; resultsFile?: string; onWarning?(message: string): void },
): SweepStart {
  const parsed = parseSweepSpec(spec, options.source ?? 'sweep spec');
  const trials = expandTrials(parsed);
  const configs = trials.map((t) => recordConfig(t, parsed.eval_every));
  const oracle = createPruningOracle(parsed.pruner, parsed.mode, parsed.eval_every, evalsPerTrial(parsed, trials));
  const done = new Map<number, TrialRecord>();
  if (options.resultsFile !== undefined) {
    for (const record of resumeRecords(options.resultsFile, parsed, configs, options.onWarning)) {
      done.set(record.trial, record);
      feedRecord(oracle, record);
    }
  }
  return { spec: parsed, trials, configs, oracle, done, resumed: done.size };
}

/** A sweep's result from its final records: every record by trial index, and the best complete one. */
export function sweepResult(start: SweepStart): SweepResult {
  const records = [...start.done.values()].sort((a, b) => a.trial - b.trial);
  return { spec: start.spec, records, best: bestRecord(records, start.spec.mode), resumed: start.resumed };
}
