/**
 * `anneal compare`'s engine: the same model, from the same initial weights, on the same data, trained under
 * several strategies (and over several seeds), each run an ordinary run config that `anneal train --config`
 * reproduces number for number.
 */
import { ValidationError } from '../params/error.ts';
import { parseRunConfig, type DatasetSpec, type RunConfig, type RunConfigInput } from '../config/run_config.ts';
import type { Dataset } from '../data/dataset.ts';
import type { ActivationName } from '../nn/modules.ts';
import type { BoundaryGrid } from '../plot/charts.ts';
import { prepareRun, resolveData, runTraining, type EvalPoint, type RunHooks } from '../train/run.ts';
import { NonFiniteLossError, SchedulerStepError } from '../train/trainer.ts';
import { ScheduleRefusedError } from '../train/preflight.ts';
import { boundaryGrid } from './boundary.ts';
import { strategyConfig, type Strategy } from './strategies.ts';

/** What every strategy shares. */
export interface CompareBase {
  /** The layer widths of the MLP, input features first. */
  sizes: number[];
  /** The activation between the Linear layers. */
  activation: ActivationName;
  /** A dataset spec; generated data gets a fixed seed, so every run sees the same points. */
  data: DatasetSpec;
  /** The optimizer type ('Adam', 'AdamW', 'SGD') and its keyword arguments besides the lr, which each strategy sets. */
  optimizer: { type: string; kwargs?: Record<string, unknown> };
  /** Training steps of every run. */
  steps: number;
  /** The batch size (the first epoch's, for batch-size schedules); null for the whole dataset. */
  batchSize: number | null;
  /**
   * A held-out set evaluated beside the training set (a run config's `validation`: `{val_split, seed}` — give the
   * seed, so that every run holds out the same rows —, inline `{X, Y}` or a dataset spec); absent: none.
   */
  validation?: RunConfig['validation'];
}

/** What `runComparison` runs: the shared base, the strategies, the seeds and what to measure. */
export interface CompareSettings {
  /** What every strategy shares: model, data, optimizer, steps, batch size. */
  base: CompareBase;
  /** The strategies compared (lr schedules, manual decays, batch-size schedules). */
  strategies: Strategy[];
  /** The seeds of the initial weights and the batch order; each strategy runs once per seed. */
  seeds: number[];
  /**
   * "Steps to target": the first evaluated step whose loss is at most this — the held-out loss when there is a
   * held-out set, else the training loss (`targetMetric`).
   */
  targetLoss: number;
  /** Evaluate the whole dataset every this many steps. */
  evalEvery: number;
  /** Draw each strategy's decision boundary (2-D data), from the first seed's run. */
  boundary: boolean;
  /** Cells along each axis of the boundary grid; default 100. */
  gridResolution?: number;
}

/** Summary statistics of a value over runs. */
export interface Stat {
  /** The mean. */
  mean: number;
  /** The sample standard deviation (n - 1 in the denominator); 0 for a single value. */
  sd: number;
  /** The smallest value. */
  min: number;
  /** The largest value. */
  max: number;
  /** The median (the mean of the middle two for an even count). */
  median: number;
  /** Values the statistic is over. */
  n: number;
}

/** One run of a strategy: one seed. */
export interface StrategyRun {
  /** The seed of the initial weights and the batch order. */
  seed: number;
  /** The run's config, which `anneal train --config` reproduces. */
  config: RunConfig;
  /** The loss on the whole dataset with the trained weights; NaN when the run diverged. */
  finalLoss: number;
  /** The accuracy on the whole dataset with the trained weights, in [0, 1]; NaN when the run diverged. */
  finalAccuracy: number;
  /** The loss on the held-out set with the trained weights (NaN when the run diverged); absent without one. */
  finalValLoss?: number;
  /** The accuracy on the held-out set with the trained weights (NaN when it diverged); absent without one. */
  finalValAccuracy?: number;
  /**
   * The first evaluated step at which the target metric (`targetMetric`: the held-out loss, else the training
   * loss) was <= targetLoss; null if never. Every step is one parameter update, so this is also the updates.
   */
  stepsToTarget: number | null;
  /**
   * The epochs trained by then: the samples of the steps before `stepsToTarget` (the batch sizes actually used)
   * over the training-set size; null if the target was not reached (or the batch sizes are not known).
   */
  epochsToTarget: number | null;
  /** Milliseconds spent in the training steps; NaN when the run diverged. */
  wallMs: number;
  /** lr of the first param group at each step. */
  lr: number[];
  /** The batch size of every step; empty when the run diverged. */
  batchSizes: number[];
  /** The evaluations on the whole dataset, every `evalEvery` steps. */
  evals: EvalPoint[];
  /** Set when the loss became NaN or Inf: the run stopped there. */
  diverged: { step: number; loss: number } | null;
  /**
   * Set when the run failed otherwise (its scheduler refused a step, say): after which step (null if not known)
   * and why. The other strategies still run.
   */
  failed?: { step: number | null; reason: string } | null;
  /** The decision boundary of the trained model (first seed's run, 2-D data, when asked for); null otherwise. */
  boundary: BoundaryGrid | null;
}

/** A strategy's runs (one per seed) and their statistics. */
export interface StrategyResult {
  /** The strategy. */
  strategy: Strategy;
  /** Its runs, one per seed, in the order of `settings.seeds`. */
  runs: StrategyRun[];
  /** The final loss over the runs that did not diverge; null if all did. */
  finalLoss: Stat | null;
  /** The final accuracy over the runs that did not diverge; null if all did. */
  finalAccuracy: Stat | null;
  /** The final held-out loss over the runs that did not diverge; null if all did or there is no held-out set. */
  finalValLoss?: Stat | null;
  /** The final held-out accuracy over the runs that did not diverge; null if all did or none is held out. */
  finalValAccuracy?: Stat | null;
  /** Over the runs that reached the target. */
  stepsToTarget: Stat | null;
  /** Epochs to the target, over the runs that reached it. */
  epochsToTarget: Stat | null;
  /** How many runs reached the target loss. */
  reached: number;
  /** Training milliseconds over the runs that did not diverge (NaN, n 0 if all did). */
  wallMs: Stat;
}

/** The result of `runComparison`: the settings and each strategy's runs and statistics. */
export interface ComparisonResult {
  /** The settings compared under. */
  settings: CompareSettings;
  /** One result per strategy, in the order of `settings.strategies`. */
  strategies: StrategyResult[];
  /** The training set (for the boundary scatter; the held-out rows removed). */
  data: Dataset;
  /** What "steps to target" watches: the held-out loss when there is a held-out set, else the training loss. */
  targetMetric: 'val_loss' | 'loss';
  /** Milliseconds the whole comparison took. */
  wallMs: number;
}

/** The run config of one strategy and seed: a plain run config, what `anneal train --config` takes. */
export function compareRunConfig(base: CompareBase, strategy: Strategy, seed: number): RunConfig {
  const s = strategyConfig(strategy);
  const input: RunConfigInput = {
    name: `${strategy.id} seed ${seed}`,
    seed,
    sizes: base.sizes,
    activation: base.activation,
    data: base.data,
    optimizer: {
      type: base.optimizer.type,
      groups: [{ lr: s.lr }],
      ...(base.optimizer.kwargs && Object.keys(base.optimizer.kwargs).length ? { kwargs: base.optimizer.kwargs } : {}),
    },
    scheduler: s.scheduler,
    manual_decay: s.manual_decay,
    batch_schedule: s.batch_schedule,
    steps: base.steps,
    batch_size: base.batchSize,
    ...(base.validation ? { validation: base.validation } : {}),
  };
  return parseRunConfig(input, `strategy ${strategy.spec}`);
}

/**
 * Builds (and frees) every run before any training: a bad strategy fails before anything runs. A strategy
 * whose schedule would fail at a known step of the run (`ScheduleRefusedError`) does not stop the others: it
 * is returned, with the refusal, to be reported as failed.
 */
export function checkComparison(
  settings: CompareSettings,
  hooks: Pick<RunHooks, 'loadCsv'> = {},
): Map<Strategy, ScheduleRefusedError> {
  const refused = new Map<Strategy, ScheduleRefusedError>();
  if (settings.strategies.length === 0) {
    throw new ValidationError(
      'compare',
      'strategies',
      'at least one strategy',
      [],
      'compare: give at least one strategy',
    );
  }
  if (settings.seeds.length === 0) {
    throw new ValidationError('compare', 'seeds', 'at least one seed', [], 'compare: give at least one seed');
  }
  for (const strategy of settings.strategies) {
    const config = compareRunConfig(settings.base, strategy, settings.seeds[0]);
    let run: ReturnType<typeof prepareRun>;
    try {
      run = prepareRun(config, hooks);
    } catch (err) {
      if (err instanceof ScheduleRefusedError) {
        refused.set(strategy, err);
        continue;
      }
      const message = `strategy ${JSON.stringify(strategy.spec)}: ${(err as Error).message}`;
      if (!(err instanceof ValidationError)) throw new Error(message, { cause: err });
      // The strategy's refusal, its fields kept, its message naming the strategy.
      throw Object.assign(new ValidationError(err.where, err.param, err.allowed, err.got, message), { cause: err });
    }
    run.trainer.dispose();
    run.optimizer.dispose();
    run.model.dispose();
  }
  return refused;
}

/** The first evaluated step whose `metric` (default the training loss) is at most `target`; null if none. */
export function stepsToTarget(
  evals: readonly EvalPoint[],
  target: number,
  metric: 'loss' | 'val_loss' = 'loss',
): number | null {
  for (const e of evals) if ((e[metric] ?? NaN) <= target) return e.step;
  return null;
}

/**
 * Epochs trained before step `step`: the samples of steps 0 … step-1 (`batchSizes`, the sizes actually used)
 * over the training-set size `nTrain`; null when the batch sizes of those steps are not known.
 */
export function epochsAt(step: number, batchSizes: readonly number[], nTrain: number): number | null {
  if (step > batchSizes.length) return null;
  let seen = 0;
  for (let i = 0; i < step; i++) seen += batchSizes[i];
  return seen / nTrain;
}

/** The median of values (the mean of the middle two for an even count); NaN for none. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  const h = s.length >> 1;
  return s.length % 2 ? s[h] : (s[h - 1] + s[h]) / 2;
}

export function stat(values: readonly number[]): Stat | null {
  if (values.length === 0) return null;
  const n = values.length;
  const mean = values.reduce((a, b) => a + b, 0) / n;
  const sd = n > 1 ? Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / (n - 1)) : 0;
  return { mean, sd, min: Math.min(...values), max: Math.max(...values), median: median(values), n };
}

/** Optional callbacks of `runComparison`. */
export interface CompareHooks {
  /** Reads a CSV dataset spec (Node only; the browser has no file system). */
  loadCsv?: RunHooks['loadCsv'];
  /** After every training step of every run: steps done over the whole comparison, and the run's label. */
  onProgress?: (done: number, total: number, label: string) => void;
}

/**
 * Trains every strategy over every seed. A run whose loss turns NaN is recorded as diverged, one that fails
 * otherwise (its scheduler refuses a step) as failed, with the reason; the others go on.
 */
export function runComparison(settings: CompareSettings, hooks: CompareHooks = {}): ComparisonResult {
  const refused = checkComparison(settings, hooks);
  const total = settings.strategies.length * settings.seeds.length * settings.base.steps;
  let done = 0;
  let data: Dataset | null = null;
  const metric = settings.base.validation ? 'val_loss' : 'loss';
  const start = performance.now();
  const strategies = settings.strategies.map((strategy): StrategyResult => {
    const runs = settings.seeds.map((seed, k): StrategyRun => {
      const config = compareRunConfig(settings.base, strategy, seed);
      const refusal = refused.get(strategy);
      if (refusal) {
        done += settings.base.steps;
        return {
          seed,
          config,
          evals: [],
          boundary: null,
          finalLoss: NaN,
          finalAccuracy: NaN,
          ...(settings.base.validation ? { finalValLoss: NaN, finalValAccuracy: NaN } : {}),
          stepsToTarget: null,
          epochsToTarget: null,
          wallMs: NaN,
          lr: [],
          batchSizes: [],
          diverged: null,
          failed: { step: refusal.step, reason: `refused before training: ${refusal.message}` },
        };
      }
      const evals: EvalPoint[] = [];
      let boundary: BoundaryGrid | null = null;
      const before = done;
      const label = settings.seeds.length > 1 ? `${strategy.label}, seed ${seed}` : strategy.label;
      try {
        const result = runTraining(config, {
          loadCsv: hooks.loadCsv,
          evalEvery: settings.evalEvery,
          onEval: (e) => evals.push(e),
          onStep: hooks.onProgress ? () => hooks.onProgress!(++done, total, label) : undefined,
          onModel: (run) => {
            data ??= run.data;
            if (settings.boundary && k === 0)
              boundary = boundaryGrid(run.model, run.data, { resolution: settings.gridResolution });
          },
        });
        done = before + settings.base.steps;
        const hit = stepsToTarget(evals, settings.targetLoss, metric);
        return {
          seed,
          config,
          evals,
          boundary,
          finalLoss: result.final_loss,
          finalAccuracy: result.final_accuracy,
          ...(result.final_val_loss !== undefined
            ? { finalValLoss: result.final_val_loss, finalValAccuracy: result.final_val_accuracy }
            : {}),
          stepsToTarget: hit,
          epochsToTarget: hit === null ? null : epochsAt(hit, result.batch_sizes, data!.nSamples),
          wallMs: result.wallMs,
          lr: result.lr.map((row) => row[0]),
          batchSizes: result.batch_sizes,
          diverged: null,
          failed: null,
        };
      } catch (err) {
        done = before + settings.base.steps;
        hooks.onProgress?.(done, total, label);
        const diverged = err instanceof NonFiniteLossError && !(err instanceof SchedulerStepError);
        const scheduler = err instanceof SchedulerStepError;
        return {
          seed,
          config,
          evals,
          boundary: null,
          finalLoss: NaN,
          finalAccuracy: NaN,
          ...(settings.base.validation ? { finalValLoss: NaN, finalValAccuracy: NaN } : {}),
          stepsToTarget: stepsToTarget(evals, settings.targetLoss, metric),
          epochsToTarget: null,
          wallMs: NaN,
          lr: diverged || scheduler ? err.history.lr.map((row) => row[0]) : [],
          batchSizes: [],
          diverged: diverged ? { step: err.step, loss: err.loss } : null,
          failed: diverged ? null : { step: scheduler ? err.step : null, reason: (err as Error).message },
        };
      }
    });
    const ok = runs.filter((r) => !r.diverged && !r.failed);
    const reached = runs.filter((r) => r.stepsToTarget !== null);
    return {
      strategy,
      runs,
      finalLoss: stat(ok.map((r) => r.finalLoss)),
      finalAccuracy: stat(ok.map((r) => r.finalAccuracy)),
      ...(settings.base.validation
        ? {
            finalValLoss: stat(ok.map((r) => r.finalValLoss as number)),
            finalValAccuracy: stat(ok.map((r) => r.finalValAccuracy as number)),
          }
        : {}),
      stepsToTarget: stat(reached.map((r) => r.stepsToTarget as number)),
      epochsToTarget: stat(reached.filter((r) => r.epochsToTarget !== null).map((r) => r.epochsToTarget as number)),
      reached: reached.length,
      wallMs: stat(ok.map((r) => r.wallMs)) ?? { mean: NaN, sd: NaN, min: NaN, max: NaN, median: NaN, n: 0 },
    };
  });
  if (!data) {
    // Every run diverged at its first step, or failed: load the data for the report's scatter anyway.
    data = resolveData(compareRunConfig(settings.base, settings.strategies[0], settings.seeds[0]), hooks);
  }
  return { settings, strategies, data, targetMetric: metric, wallMs: performance.now() - start };
}

/** Mean over seeds, step by step, of a per-step series (runs may be shorter when they diverged). */
export function meanSeries(series: readonly (readonly number[])[]): { mean: number[]; low: number[]; high: number[] } {
  const length = Math.max(0, ...series.map((s) => s.length));
  const mean: number[] = [];
  const low: number[] = [];
  const high: number[] = [];
  for (let i = 0; i < length; i++) {
    const values = series.filter((s) => i < s.length && Number.isFinite(s[i])).map((s) => s[i]);
    if (values.length === 0) break;
    mean.push(values.reduce((a, b) => a + b, 0) / values.length);
    low.push(Math.min(...values));
    high.push(Math.max(...values));
  }
  return { mean, low, high };
}

/**
 * A centred moving average: value i is the mean of values i-h … i+h, the window shrinking symmetrically near
 * the ends (value 0 is itself, value 1 the mean of 0…2), so that the curve is never shifted in steps. Runs of
 * non-finite values are left as they are and not averaged over.
 */
export function smoothCentred(values: readonly number[], half: number): number[] {
  const n = values.length;
  return values.map((v, i) => {
    if (!Number.isFinite(v)) return v;
    const h = Math.min(half, i, n - 1 - i);
    let sum = 0;
    let count = 0;
    for (let j = i - h; j <= i + h; j++) {
      if (!Number.isFinite(values[j])) continue;
      sum += values[j];
      count++;
    }
    return sum / count;
  });
}

/**
 * The curve of a strategy over seeds: each seed's series smoothed (`smoothCentred` with half-width `half`; 0 for
 * none), then at each point the median and the min–max over the seeds that have it (runs may be shorter when they
 * diverged). Ends at the first point no seed has.
 */
export function seedBand(
  series: readonly (readonly number[])[],
  half: number,
): { median: number[]; low: number[]; high: number[] } {
  const smoothed = series.map((s) => smoothCentred(s, half));
  const length = Math.max(0, ...smoothed.map((s) => s.length));
  const out = { median: [] as number[], low: [] as number[], high: [] as number[] };
  for (let i = 0; i < length; i++) {
    const values = smoothed.filter((s) => i < s.length && Number.isFinite(s[i])).map((s) => s[i]);
    if (values.length === 0) break;
    out.median.push(median(values));
    out.low.push(Math.min(...values));
    out.high.push(Math.max(...values));
  }
  return out;
}
