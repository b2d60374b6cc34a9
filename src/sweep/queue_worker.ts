/**
 * `anneal worker --queue redis://HOST:PORT/DB`: takes trials of queued sweeps (`anneal sweep --queue`) off a
 * BullMQ queue and runs them, on as many machines as there are workers. Also what the coordinator
 * (queue.ts) and the sandboxed processor (queue_processor.ts) share: the queue's name, a job's data, the
 * sweep's Redis keys, and how an outcome travels.
 *
 * Every sweep on one Redis database shares the queue `anneal-trials`, so a worker needs nothing but the URL
 * (`anneal worker --queue URL` names no sweep) and serves whichever sweep is running; a sweep's jobs and keys
 * are named by its sweep key (its name and a hash of its spec).
 *
 * A worker that dies mid-trial (kill -9, a lost machine) stops renewing its job's lock; after `lockDuration`
 * another worker's stalled-job check puts the job back on the queue and the trial runs again from its start
 * (same config, same numbers: its repeated reports are the same values, which the coordinator checks).
 */
import { sweepEntryFile } from './entry_file.ts';
import { type ConnectionOptions, Worker } from 'bullmq';
import type { TrialOutcome } from './trial.ts';
import type { SweepSpec } from './types.ts';
import { checkRedisReachable, describeRedisUrl, parseRedisUrl, type RedisUrl, redisOptions } from './redis_url.ts';

/** The BullMQ queue every queued sweep puts its trials on. */
export const QUEUE_NAME = 'anneal-trials';

/** A job: one trial of a queued sweep. */
export interface QueueJobData {
  /** The anneal version of the coordinator: a worker of another version refuses the job. */
  version: string;
  /** The sweep's name. */
  sweep: string;
  /** The sweep key: the sweep's name and a hash of its spec (names the sweep's Redis keys and job ids). */
  key: string;
  /** The trial: its index and run config (`runConfigToJson`). */
  trial: { index: number; config: Record<string, unknown> };
  metric: SweepSpec['metric'];
  evalEvery: number;
}

/** The Redis keys of one sweep (beside BullMQ's own, `bull:anneal-trials:*`). */
export function sweepKeys(key: string) {
  const prefix = `anneal:sweep:${key}`;
  return {
    /** A stream of reports: fields trial, step, value, attempt, worker. */
    reports: `${prefix}:reports`,
    /**
     * A hash of the trials the coordinator pruned, index to pruning step: their workers stop them once they have
     * reported that step (a trial run again after its pruning was decided trains on to it, for its record).
     */
    stop: `${prefix}:stop`,
    /** A set of the indices of trials whose record is in the results file. */
    recorded: `${prefix}:recorded`,
    /** The running coordinator's id (a key with an expiry it renews): one coordinator per sweep. */
    coordinator: `${prefix}:coordinator`,
  };
}

/** A trial's job id: the sweep key and the trial's index (BullMQ allows no `:` in a custom id). */
export function trialJobId(key: string, index: number): string {
  return `${key}.${index}`;
}

/** The message of a worker that refuses a job of another anneal version. */
export function versionRefusal(jobVersion: unknown, workerVersion: string): string {
  return (
    `version mismatch: this anneal worker is version ${workerVersion}, the sweep's coordinator is version ` +
    `${String(jobVersion)}; run workers of the coordinator's version (trials must rerun to the same numbers)`
  );
}

/** True when a job's failure is a version refusal (the coordinator stops the sweep with it). */
export function isVersionRefusal(message: string): boolean {
  return message.startsWith('version mismatch: this anneal worker is version');
}

/** An outcome as the job's return value: JSON, with non-finite numbers (a NaN metric) kept. */
export function encodeOutcome(outcome: TrialOutcome): string {
  return JSON.stringify(outcome, (_key, value) =>
    typeof value === 'number' && !Number.isFinite(value) ? { $number: String(value) } : value,
  );
}

/** The outcome `encodeOutcome` encoded. */
export function decodeOutcome(text: string): TrialOutcome {
  return JSON.parse(text, (_key, value) =>
    value && typeof value === 'object' && !Array.isArray(value) && Object.keys(value).length === 1 && '$number' in value
      ? Number(value.$number)
      : value,
  ) as TrialOutcome;
}

/** BullMQ's connection options for `url` (its type for them is not ioredis's, though they are ioredis's). */
export function bullmqConnection(url: RedisUrl, reconnectForever = false): ConnectionOptions {
  return redisOptions(url, reconnectForever) as ConnectionOptions;
}

/** The default time a worker's claim on a trial lasts without renewal (it renews it every half of that). */
export const DEFAULT_LOCK_DURATION_MS = 10_000;

/** How `runQueueWorker` runs: its Redis, how many trials at once, its lock and its log. */
export interface QueueWorkerOptions {
  /** `redis://HOST:PORT/DB`. */
  url: string;
  /** Trials this worker runs at once, each in its own thread (default 1). */
  concurrency?: number;
  /**
   * How long a claim on a trial lasts without renewal (ms, default 10 000): a worker that dies mid-trial has
   * its trial retried elsewhere after about this long (BullMQ's lockDuration; the stalled-job check runs every
   * half of it).
   */
  lockDuration?: number;
  /** The sandboxed processor (default: queue_processor beside this module). */
  processorFile?: string;
  /** A line about each trial taken, finished or failed (default: none). */
  log?: (line: string) => void;
}

/** A running worker. */
export interface QueueWorker {
  /** Stops taking trials and waits for the running ones to end (`force`: abandons them; they are retried). */
  close(force?: boolean): Promise<void>;
}

/**
 * Starts a worker: checks that Redis answers (a clear error within a few seconds if not), then takes trials
 * until closed.
 */
export async function runQueueWorker(options: QueueWorkerOptions): Promise<QueueWorker> {
  const url = parseRedisUrl(options.url);
  const concurrency = options.concurrency ?? 1;
  if (!Number.isSafeInteger(concurrency) || concurrency < 1) {
    throw new RangeError(`concurrency must be an integer >= 1, got ${concurrency}`);
  }
  const lockDuration = options.lockDuration ?? DEFAULT_LOCK_DURATION_MS;
  if (!Number.isSafeInteger(lockDuration) || lockDuration < 1000) {
    throw new RangeError(`lockDuration must be an integer >= 1000 (ms), got ${lockDuration}`);
  }
  const processor = options.processorFile ?? queueProcessorFile();
  await checkRedisReachable(url);
  const log = options.log ?? (() => {});
  log(`taking trials from ${describeRedisUrl(url)}, ${concurrency} at a time`);
  const worker = new Worker<QueueJobData, string>(QUEUE_NAME, processor, {
    connection: bullmqConnection(url, true),
    concurrency,
    useWorkerThreads: true,
    // The processor threads reach Redis themselves (reports, stop checks): they need the URL.
    workerThreadsOptions: { env: { ...process.env, ANNEAL_QUEUE_URL: options.url } },
    lockDuration,
    stalledInterval: Math.max(500, Math.floor(lockDuration / 2)),
    // A trial stalls only when its worker dies: retry it however often that happens.
    maxStalledCount: 1000,
  });
  worker.on('active', (job) => log(`trial ${job.data.trial.index} of sweep ${job.data.sweep}: started`));
  worker.on('completed', (job) => log(`trial ${job.data.trial.index} of sweep ${job.data.sweep}: finished`));
  worker.on('failed', (job, err) => {
    if (job) log(`trial ${job.data.trial.index} of sweep ${job.data.sweep}: failed: ${err.message}`);
  });
  let lastError = '';
  worker.on('error', (err) => {
    // BullMQ retries on its own; say so once per distinct error rather than once per retry.
    if (err.message !== lastError) log(`Redis at ${describeRedisUrl(url)}: ${err.message}`);
    lastError = err.message;
  });
  await worker.waitUntilReady();
  return { close: (force = false) => worker.close(force) };
}

/**
 * The sandboxed processor beside this module: queue_processor.ts in the sources, queue_processor.js in
 * dist/esm and dist/cjs, and dist/cli/queue_processor.js for the CLI bundle (whose chunks are one folder down).
 */
export function queueProcessorFile(): string {
  return sweepEntryFile('queue_processor', 'the trial processor');
}
