/**
 * Pruning decisions as those of a sequential study: trial i is judged at each report against trials 0 … i-1 as
 * they stand after running one after another to their end (complete or pruned). Reports may arrive in any order
 * across trials; a decision is taken only once everything it reads is in, so the answers depend on the values
 * alone. Two rules: Optuna's `MedianPruner` and Ray Tune's `AsyncHyperBandScheduler` (ASHA), ported line by line.
 */
import { crLog, crPow } from '../data/correctly_rounded_math.ts';
import { ValidationError } from '../params/error.ts';
import type { PrunerSpec, PruningOracle } from './types.ts';

/**
 * numpy's `nanpercentile(values, percentile)` with its default method 'linear' (numpy ≥ 1.22, `_quantile` and
 * `_lerp`), operation for operation: NaNs dropped, virtual index `(n - 1) · q`, and the interpolation taken from
 * the upper neighbour when its weight is ≥ 0.5. NaN when no value is left.
 */
export function nanPercentile(values: readonly number[], percentile: number): number {
  const sorted = values.filter((v) => !Number.isNaN(v)).sort((a, b) => a - b);
  const n = sorted.length;
  if (n === 0) return NaN;
  const virtual = (n - 1) * (percentile / 100);
  // numpy points both neighbours at the last value (index -1) when the virtual index reaches it.
  const above = virtual >= n - 1;
  const previousIndex = above ? -1 : Math.floor(virtual);
  const a = above ? sorted[n - 1] : sorted[previousIndex];
  const b = above ? sorted[n - 1] : sorted[previousIndex + 1];
  const t = virtual - previousIndex;
  const diff = b - a;
  return t >= 0.5 ? b - diff * (1 - t) : a + diff * t;
}

/** One report of a trial. */
interface Report {
  step: number;
  value: number;
}

/** What the oracle knows of a trial, and how far its sequential replay has got. */
interface TrialLog {
  reports: Report[];
  finished: boolean;
  failed: boolean;
  /** The number of reports judged so far. */
  judged: number;
  /** The report its history ends at, when a rule ended it (pruned, or stopped at ASHA's max_t). */
  endIndex: number | null;
  /** Ended by ASHA's max_t: pruned if the trial reports after it, complete if it does not. */
  stopped: boolean;
  /** Its history is whole as later trials see it: ended by a rule, or finished with every report judged. */
  closed: boolean;
}

/** A rule's answer at one report: wait for earlier trials, go on, prune here, or stop here (ASHA's max_t). */
type Verdict = 'wait' | 'continue' | 'prune' | 'stop';

/** What a rule may read of the other trials. */
interface StudyView {
  log(trial: number): TrialLog | undefined;
  /** Whether every trial before `trial` has a closed history. */
  closedBefore(trial: number): boolean;
}

/** A pruning rule: its decision at report `r` of trial `trial`, and what it keeps when a trial's history closes. */
interface Rule {
  judge(trial: number, log: TrialLog, r: number, study: StudyView): Verdict;
  close(trial: number, log: TrialLog, last: Report | undefined): void;
}

/**
 * Optuna's `MedianPruner` = `PercentilePruner(50, n_startup_trials, n_warmup_steps, interval_steps,
 * n_min_trials=1)` (optuna/optuna 1d8ce7bb, optuna/pruners/_percentile.py, `PercentilePruner.prune`). Only
 * complete trials count, so a decision waits for every earlier trial's end.
 */
function medianRule(spec: Extract<PrunerSpec, { type: 'median' }>, mode: 'min' | 'max'): Rule {
  const completed: number[] = [];
  // The complete trials' values by step: [trial, value] pairs.
  const valuesAt = new Map<number, [number, number][]>();
  const percentile = mode === 'max' ? 100 - 50 : 50;
  return {
    judge(trial, log, r, study) {
      if (!study.closedBefore(trial)) return 'wait';
      // Trials close in index order under this rule, so the complete trials are all earlier ones; kept exact anyway.
      const nTrials = completed.filter((j) => j < trial).length;
      if (nTrials === 0 || nTrials < spec.n_startup_trials) return 'continue';
      const { step } = log.reports[r];
      if (step < spec.n_warmup_steps) return 'continue';
      // _is_first_in_interval_step: the last check point at or below this step, against the step reported before.
      const nearestLowerPruningStep =
        Math.floor((step - spec.n_warmup_steps) / spec.interval_steps) * spec.interval_steps + spec.n_warmup_steps;
      const secondLastStep = r > 0 ? log.reports[r - 1].step : -1;
      if (!(secondLastStep < nearestLowerPruningStep)) return 'continue';
      const best = nanBest(log.reports.slice(0, r + 1), mode);
      if (Number.isNaN(best)) return 'prune';
      const atStep = (valuesAt.get(step) ?? []).filter(([j]) => j < trial).map(([, v]) => v);
      if (atStep.length < 1) return 'continue';
      const p = nanPercentile(atStep, percentile);
      if (Number.isNaN(p)) return 'continue';
      return (mode === 'max' ? best < p : best > p) ? 'prune' : 'continue';
    },
    close(trial, log) {
      if (log.endIndex !== null || log.failed) return;
      completed.push(trial);
      for (const { step, value } of log.reports) {
        const list = valuesAt.get(step) ?? [];
        list.push([trial, value]);
        valuesAt.set(step, list);
      }
    },
  };
}

/** `np.nanmin` / `np.nanmax` of the values reported so far: NaN only when every one is NaN. */
function nanBest(reports: readonly Report[], mode: 'min' | 'max'): number {
  let best = NaN;
  for (const { value } of reports) {
    if (Number.isNaN(value)) continue;
    if (Number.isNaN(best) || (mode === 'min' ? value < best : value > best)) best = value;
  }
  return best;
}

/**
 * Ray Tune's `AsyncHyperBandScheduler` with one bracket (s = 0) and `stop_last_trials=True`
 * (ray-project/ray 490d7ebc, python/ray/tune/schedulers/async_hyperband.py: `on_trial_result`,
 * `on_trial_complete`, `_Bracket.__init__`, `cutoff`, `on_result`). Time is the evaluation's number (the report at
 * step k · evalEvery is evaluation k); the reward is the metric times 1 (max) or -1 (min), as Ray's `_metric_op`.
 */
function ashaRule(
  spec: Extract<PrunerSpec, { type: 'asha' }>,
  mode: 'min' | 'max',
  evalEvery: number,
  evalsPerTrial: number,
): Rule {
  const rf = spec.reduction_factor;
  const minT = spec.grace_period;
  const maxT = spec.max_t ?? evalsPerTrial;
  const metricOp = mode === 'max' ? 1 : -1;
  // MAX_RUNGS = int(np.log(max_t / min_t) / np.log(rf) - s + 1); the rungs are kept highest milestone first.
  const maxRungs = Math.max(0, Math.trunc(crLog(maxT / minT) / crLog(rf) + 1));
  const rungs = Array.from({ length: maxRungs }, (_, k) => ({
    milestone: minT * crPow(rf, maxRungs - 1 - k),
    recorded: new Map<number, number>(),
  }));
  const percentile = (1 - 1 / rf) * 100;
  const timeOf = (step: number) => Math.ceil(step / evalEvery);
  const rungFor = (trial: number, time: number) =>
    rungs.find((rung) => time >= rung.milestone && !rung.recorded.has(trial));
  return {
    judge(trial, log, r, study) {
      const { step, value } = log.reports[r];
      const time = timeOf(step);
      if (time >= maxT) return 'stop';
      const rung = rungFor(trial, time);
      if (!rung) return 'continue';
      // The rung as trial `trial` finds it: each earlier trial has recorded there, or never will.
      for (let j = 0; j < trial; j++) {
        const earlier = study.log(j);
        if (!earlier || (!rung.recorded.has(j) && !earlier.closed)) return 'wait';
      }
      const before = [...rung.recorded].filter(([j]) => j < trial).map(([, v]) => v);
      const cutoff = before.length ? nanPercentile(before, percentile) : null;
      const reward = metricOp * value;
      rung.recorded.set(trial, reward);
      return cutoff !== null && reward < cutoff ? 'prune' : 'continue';
    },
    close(trial, log, last) {
      // on_trial_complete replays the last result (recording only); a failed trial gets on_trial_error, a no-op.
      // A trial pruned before it failed is a pruned trial (its record says so): its failure changes nothing.
      if ((log.failed && log.endIndex === null) || !last) return;
      rungFor(trial, timeOf(last.step))?.recorded.set(trial, metricOp * last.value);
    },
  };
}

/** A rule that never prunes (no pruner): a trial's fate is final when it finishes. */
const noRule: Rule = { judge: () => 'continue', close: () => {} };

const checkCount = (param: string, value: number, min: number) => {
  if (!Number.isSafeInteger(value) || value < min) {
    throw new ValidationError('createPruningOracle', param, `an integer >= ${min}`, value);
  }
};

/**
 * The pruning decisions of a sweep as a sequential study would take them (see the module's doc): `pruner` null
 * never prunes; `median` is Optuna's `MedianPruner` over training steps; `asha` is Ray Tune's ASHA over evaluation
 * numbers, `max_t` null meaning `evalsPerTrial`. A trial stopped at ASHA's `max_t` before its last evaluation is
 * reported as pruned there.
 * @param pruner the sweep's pruner, defaults filled in (`parseSweepSpec`)
 * @param mode whether a lower (`min`) or higher (`max`) metric is better
 * @param evalEvery the steps between a trial's reports (its reports are at evalEvery, 2 · evalEvery, …)
 * @param evalsPerTrial the evaluations of the longest trial (ASHA's default max_t)
 */
export function createPruningOracle(
  pruner: PrunerSpec | null,
  mode: 'min' | 'max',
  evalEvery: number,
  evalsPerTrial: number,
): PruningOracle {
  if (mode !== 'min' && mode !== 'max')
    throw new ValidationError('createPruningOracle', 'mode', '"min" or "max"', mode);
  checkCount('evalEvery', evalEvery, 1);
  checkCount('evalsPerTrial', evalsPerTrial, 0);
  const rule =
    pruner === null
      ? noRule
      : pruner.type === 'median'
        ? medianRule(pruner, mode)
        : ashaRule(pruner, mode, evalEvery, evalsPerTrial);
  const logs: TrialLog[] = [];
  let firstOpen = 0; // every trial below it has a closed history
  let dirty = false;

  const study: StudyView = { log: (trial) => logs[trial], closedBefore: (trial) => firstOpen >= trial };
  const logOf = (trial: number, where: string): TrialLog => {
    if (!Number.isSafeInteger(trial) || trial < 0) {
      throw new ValidationError(`PruningOracle.${where}`, 'trial', 'an integer >= 0', trial);
    }
    logs[trial] ??= {
      reports: [],
      finished: false,
      failed: false,
      judged: 0,
      endIndex: null,
      stopped: false,
      closed: false,
    };
    return logs[trial];
  };
  const close = (trial: number, log: TrialLog) => {
    log.closed = true;
    const last = log.endIndex === null ? log.reports.at(-1) : log.reports[log.endIndex];
    rule.close(trial, log, last);
    while (logs[firstOpen]?.closed) firstOpen++;
  };
  // Replays every open trial as far as what is in allows, lowest index first: each reads only earlier trials.
  const advance = () => {
    if (!dirty) return;
    dirty = false;
    for (let i = firstOpen; i < logs.length; i++) {
      const log = logs[i];
      if (!log || log.closed) continue;
      while (log.judged < log.reports.length) {
        const verdict = rule.judge(i, log, log.judged, study);
        if (verdict === 'wait') break;
        log.judged++;
        if (verdict === 'continue') continue;
        log.endIndex = log.judged - 1;
        log.stopped = verdict === 'stop';
        break;
      }
      if (log.endIndex !== null || (log.finished && log.judged === log.reports.length)) close(i, log);
    }
  };

  const oracle: PruningOracle = {
    report(trial, step, value) {
      const log = logOf(trial, 'report');
      const previous = log.reports.at(-1)?.step ?? -Infinity;
      if (log.finished || !(step > previous) || !Number.isFinite(step) || typeof value !== 'number') {
        const why = log.finished
          ? `trial ${trial} has finished`
          : `steps must ascend (after ${previous}), got step ${step}, value ${value}`;
        throw new ValidationError(
          'PruningOracle.report',
          'step',
          'a step after the last one',
          step,
          `PruningOracle.report: ${why}`,
        );
      }
      log.reports.push({ step, value });
      dirty = true;
    },
    finish(trial, failed = false) {
      const log = logOf(trial, 'finish');
      log.finished = true;
      log.failed = failed;
      dirty = true;
    },
    fate(trial) {
      if (!Number.isSafeInteger(trial) || trial < 0) {
        throw new ValidationError('PruningOracle.fate', 'trial', 'an integer >= 0', trial);
      }
      advance();
      const log = logs[trial];
      if (!log) return { prunedAt: null, final: false };
      if (log.endIndex !== null) {
        const at = log.reports[log.endIndex].step;
        if (!log.stopped || log.reports.length > log.endIndex + 1) return { prunedAt: at };
        return { prunedAt: null, final: log.finished };
      }
      return { prunedAt: null, final: log.closed };
    },
  };
  return oracle;
}
