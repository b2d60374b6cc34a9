/**
 * The shared shapes of a sweep (`anneal sweep`, `sweep()`): its spec, its trials, what a trial reports as it
 * trains, the pruning decisions, and the record each finished trial leaves in the sweep's JSON Lines file.
 *
 * Determinism: a trial is an ordinary run config, so its numbers depend on nothing but that config. Pruning
 * decisions are those of a sequential study — trial i is judged only against trials 0 … i-1, as Optuna and
 * Ray Tune judge it when trials run one after another — so a sweep's records are the same whatever the number
 * of workers and whatever order trials finish in. Workers never wait for a decision: a trial trains on, and is
 * told to stop once its decision is known; its record ends at the step it was pruned at.
 */
import type { RunConfig } from '../config/run_config.ts';

/** What a search dimension draws from (Ray Tune's `tune.*` and Optuna's `suggest_*`, as JSON). */
export type Domain =
  | { grid: unknown[] }
  | { choice: unknown[] }
  | { uniform: [number, number] }
  | { loguniform: [number, number] }
  | { randint: [number, number] };

/** A pruner's settings, named as in Optuna (`MedianPruner`) and Ray Tune (`AsyncHyperBandScheduler`). */
export type PrunerSpec =
  | { type: 'median'; n_startup_trials: number; n_warmup_steps: number; interval_steps: number }
  | { type: 'asha'; reduction_factor: number; grace_period: number; max_t: number | null };

/** A validated sweep spec, defaults filled in (see src/sweep/space.ts for the JSON it is parsed from). */
export interface SweepSpec {
  /** The sweep's name (default: the spec file's name without `.json`); names its results file. */
  name: string;
  /** The run config every trial starts from (snake_case run-config keys, as `anneal train --config` reads). */
  base: Record<string, unknown>;
  /** Dotted run-config keys (`optimizer.kwargs.lr`, `scheduler`, `batch_size`, `sizes`, `seed`) and their domains. */
  space: Record<string, Domain>;
  /**
   * Ray Tune's `num_samples`: each point of the grid (the cross product of the `grid` dimensions; one point
   * when there are none) is taken `samples` times, the other dimensions drawn afresh each time.
   */
  samples: number;
  /** Seeds the draws of the random dimensions (not the trials' own seeds, which are run-config keys). */
  seed: number;
  /** What a trial is judged by: an evaluation key (`val_loss`, `val_accuracy`, `loss`, `accuracy`). */
  metric: 'val_loss' | 'val_accuracy' | 'loss' | 'accuracy';
  /** Whether a lower or a higher metric is better (default: min for a loss, max for an accuracy). */
  mode: 'min' | 'max';
  /** Trials report the metric every `eval_every` steps (and at their last step). */
  eval_every: number;
  /** The pruner, or null for none. */
  pruner: PrunerSpec | null;
}

/** One trial: its index in the sweep, the values drawn for it, and the run config they make. */
export interface Trial {
  /** 0, 1, 2, … in the order the space enumerates them (grid points outer, samples inner). */
  index: number;
  /** The value of each dotted key of the space for this trial. */
  params: Record<string, unknown>;
  /** The base config with the params put in, validated: `anneal train --config` on it reruns the trial. */
  config: RunConfig;
}

/** A trial's metric at one evaluation (training step `step`, the weights that step used). */
export interface TrialReport {
  /** The trial's index. */
  trial: number;
  /** The training step evaluated (a multiple of `eval_every`, or the trial's last step). */
  step: number;
  /** The sweep's metric there. */
  value: number;
}

/** How a trial ended. */
export type TrialState = 'complete' | 'pruned' | 'failed';

/** One line of the sweep's JSON Lines file: a finished trial. */
export interface TrialRecord {
  /** The sweep's name. */
  sweep: string;
  /** The trial's index. */
  trial: number;
  /** The value of each dotted key of the space for this trial (`Trial.params`). */
  params: Record<string, unknown>;
  /** The trial's run config (`runConfigToJson`): `anneal train --config` reruns it to the same numbers. */
  config: Record<string, unknown>;
  /** How it ended: trained to its end, pruned, or failed. */
  state: TrialState;
  /** The step it was pruned at (its last report); null unless pruned. */
  pruned_at: number | null;
  /** The metric at every evaluation up to its end (or to the pruning step), steps ascending. */
  evals: { step: number; value: number }[];
  /** The metric at its last evaluation (null when it failed before one). */
  value: number | null;
  /** Why it failed (a NaN loss names the step); absent otherwise. */
  error?: string;
  /** The metric the sweep judges trials by (`SweepSpec.metric`), so a report of the file alone knows it. */
  metric?: SweepSpec['metric'];
  /** Whether lower or higher is better (`SweepSpec.mode`). */
  mode?: SweepSpec['mode'];
  /** anneal's version that ran it. */
  version: string;
  /** Milliseconds it trained (not part of the result: it varies from run to run). */
  wall_ms: number;
}

/**
 * Pruning decisions as a pure function of what trials have reported (src/sweep/pruning.ts): trial i is judged
 * against trials 0 … i-1 only, so the answer does not depend on when reports arrive.
 */
export interface PruningOracle {
  /** Trial `trial`'s metric at `step` (steps ascending for each trial). */
  report(trial: number, step: number, value: number): void;
  /**
   * Trial `trial` trained to its end: it reports nothing more. `failed` (a NaN loss, say): it does not count as a
   * completed trial (Optuna's median rule counts only those).
   */
  finish(trial: number, failed?: boolean): void;
  /**
   * Trial `trial`'s fate as far as it is known: `{ prunedAt: s }` once it is known to be pruned at step s;
   * `{ prunedAt: null, final: true }` once it finished and is known not to be pruned at any step it reported;
   * `{ prunedAt: null, final: false }` while that is not yet known (earlier trials have not reported enough).
   */
  fate(trial: number): { prunedAt: number } | { prunedAt: null; final: boolean };
}
