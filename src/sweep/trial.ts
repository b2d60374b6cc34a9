/**
 * One trial of a sweep, trained in the thread that calls it: an ordinary `runTraining` of the trial's run
 * config that reports the sweep's metric at every evaluation (step 0 aside: nothing was trained yet) and stops
 * at an evaluation once it is told to (pruned). Its numbers are those of `anneal train --config` on the config.
 */
import type { RunConfig } from '../config/run_config.ts';
import { monitorValue } from '../train/callbacks.ts';
import { runTraining } from '../train/run.ts';
import type { SweepSpec, TrialReport } from './types.ts';

/** What a trial needs to run: its index in the sweep and its run config. */
export interface TrialTask {
  /** The trial's index in the sweep (its reports carry it). */
  index: number;
  /** The run config it trains, validated. */
  config: RunConfig;
}

/** How a trial reports and when it stops. */
export interface RunTrialOptions {
  /** The evaluation key it is judged by. */
  metric: SweepSpec['metric'];
  /** Evaluate (and report) every `evalEvery` steps, and at the last step. */
  evalEvery: number;
  /** Called with the metric at every evaluation but the one at step 0, steps ascending. */
  onReport(report: TrialReport): void;
  /** Asked after every report: true stops the trial before its next step. */
  shouldStop(): boolean;
}

/** How a trial ended: its reports, its last value, and the milliseconds it took. */
export interface TrialOutcome {
  /** `complete`: it trained to its end (or its own early stopping); `stopped`: told to stop; `failed`: it threw. */
  state: 'complete' | 'failed' | 'stopped';
  /** The metric at every evaluation it made after step 0, steps ascending. */
  evals: { step: number; value: number }[];
  /** The metric at its last evaluation, or null when it made none. */
  value: number | null;
  /** Why it failed (a NaN loss names the step). */
  error?: string;
  /** Milliseconds from the start of the run to its end (building the run and evaluations included). */
  wallMs: number;
}

/** Trains trial `trial` as its config says, reporting the metric as it goes (see `RunTrialOptions`). */
export function runTrial(trial: TrialTask, options: RunTrialOptions): TrialOutcome {
  const evals: { step: number; value: number }[] = [];
  const started = performance.now();
  let stopped = false;
  const where = `trial ${trial.index}`;
  const outcome = (state: TrialOutcome['state'], error?: string): TrialOutcome => ({
    state,
    evals,
    value: evals.length ? evals[evals.length - 1].value : null,
    ...(error !== undefined ? { error } : {}),
    wallMs: performance.now() - started,
  });
  try {
    runTraining(trial.config, {
      record: 'none',
      evalEvery: options.evalEvery,
      callbacks: [
        {
          onEvalEnd(point, trainer) {
            if (point.step === 0) return;
            const value = monitorValue(point, options.metric, where);
            evals.push({ step: point.step, value });
            options.onReport({ trial: trial.index, step: point.step, value });
            if (options.shouldStop()) {
              stopped = true;
              trainer.stopTraining = true;
            }
          },
        },
      ],
    });
  } catch (err) {
    // A NaN loss is the trial's result (Optuna's FAIL, Ray Tune's ERROR), and so is a config its values make
    // unusable (a batch larger than the data, say): the sweep goes on with the other trials.
    return outcome('failed', err instanceof Error ? err.message : String(err));
  }
  return outcome(stopped ? 'stopped' : 'complete');
}
