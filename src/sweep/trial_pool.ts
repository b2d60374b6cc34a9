/**
 * A pool of worker threads that train trials (piscina), one engine per thread: trial_worker.ts is each
 * thread's entry. Piscina is loaded and the threads are started on the first `run`, so importing this module
 * does nothing. A trial's reports come back over a MessagePort sent with its task (the worker posts them while
 * it trains); the coordinator stops a trial by setting its `StopSignal`, an Int32 in a SharedArrayBuffer the
 * worker reads at each evaluation.
 */
import { sweepEntryFile } from './entry_file.ts';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { MessageChannel } from 'node:worker_threads';
import type { Piscina } from 'piscina';
import type { TrialOutcome, TrialTask } from './trial.ts';
import type { TrialWorkerTask } from './trial_worker.ts';
import type { SweepSpec, TrialReport } from './types.ts';

/** A trial's stop flag: shared with the worker that trains it, which stops at its next evaluation once set. */
export interface StopSignal {
  /** The shared memory: an Int32 at index 0, non-zero once stopped. */
  readonly buffer: SharedArrayBuffer;
  /** Tells the trial to stop (at its next evaluation). */
  stop(): void;
  /** Whether `stop` was called. */
  readonly stopped: boolean;
}

/** A fresh, unset stop flag. */
export function createStopSignal(): StopSignal {
  const buffer = new SharedArrayBuffer(4);
  const flag = new Int32Array(buffer);
  return {
    buffer,
    stop: () => void Atomics.store(flag, 0, 1),
    get stopped() {
      return Atomics.load(flag, 0) !== 0;
    },
  };
}

/** How a pooled trial reports. */
export interface TrialPoolRunOptions {
  /** The evaluation key the trial reports. */
  metric: SweepSpec['metric'];
  /** It evaluates (and reports) every `evalEvery` steps, and at its last step. */
  evalEvery: number;
  /**
   * Every report of the trial, steps ascending, each once, as the trial trains (and before `run` resolves).
   * Without it the reports are only in the outcome, and nothing is sent while the trial trains.
   */
  onReport?(report: TrialReport): void;
}

/** Worker threads that train trials. */
export interface TrialPool {
  /** The number of threads. */
  readonly workers: number;
  /** Trains `trial` in a free thread (queued until one is); resolves with its outcome once its reports are in. */
  run(trial: TrialTask, options: TrialPoolRunOptions, stop: StopSignal): Promise<TrialOutcome>;
  /** Ends the threads; a trial still training is abandoned (its `run` rejects). */
  close(): Promise<void>;
}

/** Where `createTrialPool` finds the worker entry (default: beside this module, see `trialWorkerFile`). */
export interface TrialPoolOptions {
  /** The worker entry's path (default: `trialWorkerFile()`). */
  workerFile?: string;
}

/** A pool of `workers` threads (an integer >= 1); nothing starts before the first `run`. */
export function createTrialPool(workers: number, options: TrialPoolOptions = {}): TrialPool {
  if (!Number.isSafeInteger(workers) || workers < 1) {
    throw new RangeError(`createTrialPool: workers must be an integer >= 1, got ${workers}`);
  }
  let pool: Promise<Piscina> | null = null;
  let closed = false;
  const start = async (): Promise<Piscina> => {
    const filename = options.workerFile ?? trialWorkerFile();
    const mod = await import('piscina');
    const PiscinaClass = (mod.Piscina ?? (mod as unknown as { default: typeof Piscina }).default) as typeof Piscina;
    return new PiscinaClass({
      filename,
      minThreads: workers,
      maxThreads: workers,
      idleTimeout: 60_000,
      ...(filename.endsWith('.ts') ? { execArgv: ['--import', tsxLoader(filename)] } : {}),
    });
  };
  return {
    workers,
    async run(trial, runOptions, stop) {
      if (closed) throw new Error('the trial pool is closed');
      pool ??= start();
      const piscina = await pool;
      const onReport = runOptions.onReport;
      const task: TrialWorkerTask = {
        index: trial.index,
        config: trial.config,
        metric: runOptions.metric,
        evalEvery: runOptions.evalEvery,
        port: null,
        stop: stop.buffer,
      };
      if (!onReport) return (await piscina.run(task)) as TrialOutcome;
      const { port1, port2 } = new MessageChannel();
      task.port = port2;
      let seen = 0;
      let ended = false;
      let failure: unknown = null;
      const deliver = (report: TrialReport) => {
        if (ended || failure !== null) return;
        seen++;
        try {
          onReport(report);
        } catch (err) {
          failure = err;
        }
      };
      port1.on('message', deliver);
      try {
        const outcome = (await piscina.run(task, { transferList: [port2] })) as TrialOutcome;
        // The outcome can overtake the port's last messages: deliver what has not come yet from the outcome.
        for (const e of outcome.evals.slice(seen)) deliver({ trial: trial.index, step: e.step, value: e.value });
        if (failure !== null) throw failure;
        return outcome;
      } finally {
        ended = true;
        port1.close();
      }
    },
    async close() {
      closed = true;
      const piscina = pool ? await pool.catch(() => null) : null; // a pool that never started has nothing to end
      await piscina?.destroy();
    },
  };
}

/**
 * The worker entry beside this module: trial_worker.ts in the sources (run under tsx or vitest),
 * trial_worker.js in dist/esm and dist/cjs, and dist/cli/trial_worker.js for the CLI bundle (whose chunks are
 * one folder down).
 */
export function trialWorkerFile(): string {
  return sweepEntryFile('trial_worker', 'the trial worker');
}

/** tsx's loader (`--import` for worker threads that run the TypeScript sources), resolved from `from`. */
function tsxLoader(from: string): string {
  try {
    return pathToFileURL(createRequire(from).resolve('tsx')).href;
  } catch {
    return 'tsx';
  }
}
