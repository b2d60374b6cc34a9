/**
 * `sweep()`: a sweep on this machine's cores. The coordinator (this thread) expands the spec into trials, starts
 * them in index order on a pool of worker threads (trial_pool.ts), feeds their reports to the pruning oracle,
 * tells a trial to stop once the oracle knows it is pruned, and records each trial once it has ended and its
 * fate is final. A trial that trained past its pruning step (it ran on while earlier trials had not reported
 * enough) is recorded as pruned at that step, its evaluations cut there: the records are those of a sequential
 * study, whatever the number of workers and the order trials finish in.
 *
 * With a results file, each record is appended as it is final; a rerun on the same file does not rerun the
 * trials it holds (their records are fed back to the oracle), so a stopped sweep picks up where it was.
 */
import { availableParallelism } from 'node:os';
import { appendRecord } from './results.ts';
import { makeRecord, startSweep, SweepError, sweepResult } from './records.ts';
import type { TrialOutcome } from './trial.ts';
import { createStopSignal, createTrialPool, type StopSignal, type TrialPool } from './trial_pool.ts';
import type { PruningOracle, SweepSpec, Trial, TrialRecord } from './types.ts';

/** How `sweep` runs. */
export interface SweepOptions {
  /** Worker threads, one trial each at a time (an integer >= 1; default: `os.availableParallelism()`). */
  workers?: number;
  /**
   * The JSON Lines file records are appended to as they are final. When it already holds records of this
   * sweep (same name, same trial configs), those trials are not rerun; a file of another sweep is refused.
   */
  resultsFile?: string;
  /** Called with each record as it is final (not for the records a results file already held). */
  onTrial?(record: TrialRecord): void;
  /** Called with what is worth a warning: a torn last line of the results file (a crash mid-write), cut off. */
  onWarning?(message: string): void;
  /** Names the spec in errors (a file name, say); default `sweep spec`. */
  source?: string;
  /**
   * The threads to run on, left open at the end (to run several sweeps without starting threads for each);
   * default: a pool of `workers` threads, started for this sweep and ended with it.
   */
  pool?: TrialPool;
}

/** A finished sweep. */
export interface SweepResult {
  /** The spec, validated and its defaults filled in. */
  spec: SweepSpec;
  /** Every trial's record, by trial index (those of the results file included). */
  records: TrialRecord[];
  /** The complete trial with the best value (the first of equals), or null when no trial completed. */
  best: TrialRecord | null;
  /** How many records came from the results file rather than from training now. */
  resumed: number;
}

/** Runs the sweep `spec` (a `SweepSpec`, or its JSON) in worker threads; see `SweepOptions`. */
export async function sweep(spec: SweepSpec | unknown, options: SweepOptions = {}): Promise<SweepResult> {
  const start = startSweep(spec, options);
  const { spec: parsed, trials, configs, oracle, done } = start;
  const workers = options.pool?.workers ?? options.workers ?? availableParallelism();
  if (!Number.isSafeInteger(workers) || workers < 1) {
    throw new SweepError(`workers: must be an integer >= 1, got ${workers}`);
  }
  const file = options.resultsFile;
  const todo = trials.filter((t) => !done.has(t.index));

  const write = (record: TrialRecord) => {
    if (file !== undefined) appendRecord(file, record);
    done.set(record.trial, record);
    options.onTrial?.(record);
  };
  if (todo.length) {
    const pool = options.pool ?? createTrialPool(Math.min(workers, todo.length));
    try {
      await runTrials(todo, parsed, configs, oracle, pool, write);
    } finally {
      if (!options.pool) await pool.close();
    }
  }

  return sweepResult(start);
}

/** A trial that has started and has no record yet. */
interface Pending {
  trial: Trial;
  stop: StopSignal;
  outcome: TrialOutcome | null;
}

/** Trains `todo` on `pool`, one trial a thread at a time, calling `write` with each record as it is final. */
async function runTrials(
  todo: Trial[],
  spec: SweepSpec,
  configs: Record<string, unknown>[],
  oracle: PruningOracle,
  pool: TrialPool,
  write: (record: TrialRecord) => void,
): Promise<void> {
  const workers = pool.workers;
  const pending = new Map<number, Pending>();
  // After every report and every end: stop the trials now known to be pruned, record those whose fate is final.
  const settle = () => {
    for (const [index, p] of pending) {
      const fate = oracle.fate(index);
      if (fate.prunedAt !== null && !p.stop.stopped) p.stop.stop();
      if (p.outcome && (fate.prunedAt !== null || fate.final)) {
        pending.delete(index);
        write(makeRecord(spec, p.trial, configs[p.trial.index], p.outcome, fate.prunedAt));
      }
    }
  };
  await new Promise<void>((resolve, reject) => {
    let next = 0;
    let active = 0;
    let failed = false;
    const fail = (err: unknown) => {
      failed = true;
      reject(err);
    };
    const launch = () => {
      while (!failed && active < workers && next < todo.length) {
        const trial = todo[next++];
        const p: Pending = { trial, stop: createStopSignal(), outcome: null };
        pending.set(trial.index, p);
        active++;
        const onReport = (r: { trial: number; step: number; value: number }) => {
          oracle.report(r.trial, r.step, r.value);
          settle();
        };
        // Without a pruner nothing is decided before a trial ends: its reports come with its outcome.
        const live = spec.pruner !== null;
        pool
          .run(trial, { metric: spec.metric, evalEvery: spec.eval_every, ...(live ? { onReport } : {}) }, p.stop)
          .then((outcome) => {
            if (failed) return;
            if (!live) for (const e of outcome.evals) oracle.report(trial.index, e.step, e.value);
            p.outcome = outcome;
            active--;
            oracle.finish(trial.index, outcome.state === 'failed');
            settle();
            if (active === 0 && next >= todo.length) resolve();
            else launch();
          })
          .catch(fail);
      }
    };
    launch();
  });
  if (pending.size) {
    const left = [...pending.keys()].join(', ');
    throw new Error(`sweep: the pruner left the fate of trial(s) ${left} open after every trial ended`);
  }
}
