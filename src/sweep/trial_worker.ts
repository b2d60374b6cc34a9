/**
 * The entry of a sweep's worker threads (a piscina task file; see trial_pool.ts). Each thread imports anneal,
 * so each has its own core: trials in different threads share nothing. A task trains one trial, posts its
 * reports on the MessagePort it came with (the coordinator reads them while the trial trains), and stops at an
 * evaluation once the coordinator has set the task's stop flag (an Int32 in a SharedArrayBuffer).
 */
import type { MessagePort } from 'node:worker_threads';
import type { RunConfig } from '../config/run_config.ts';
import { runTrial, type TrialOutcome } from './trial.ts';
import type { SweepSpec } from './types.ts';

/** What the pool sends a worker for one trial. */
export interface TrialWorkerTask {
  /** The trial's index in the sweep. */
  index: number;
  /** Its run config. */
  config: RunConfig;
  /** The evaluation key it reports. */
  metric: SweepSpec['metric'];
  /** It reports every `evalEvery` steps, and at its last step. */
  evalEvery: number;
  /** Where the reports go, as `TrialReport`s, as the trial trains; null: nowhere (they are in the outcome). */
  port: MessagePort | null;
  /** Int32 flag at index 0: non-zero once the trial should stop. */
  stop: SharedArrayBuffer;
}

/** Trains the task's trial; resolves with its outcome. */
export default function trialWorkerTask(task: TrialWorkerTask): TrialOutcome {
  const flag = new Int32Array(task.stop);
  const port = task.port;
  // The coordinator closes the port once it has the outcome (closing it here could drop the last reports).
  return runTrial(
    { index: task.index, config: task.config },
    {
      metric: task.metric,
      evalEvery: task.evalEvery,
      onReport: port ? (report) => port.postMessage(report) : () => {},
      shouldStop: () => Atomics.load(flag, 0) !== 0,
    },
  );
}
