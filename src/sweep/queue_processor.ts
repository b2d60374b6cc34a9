/**
 * The BullMQ sandboxed processor of `anneal worker` (see queue_worker.ts): BullMQ runs this file in a worker
 * thread of its own, one per concurrent job, so a long trial never blocks the worker's event loop (which renews
 * the job's lock: a trial that trains for an hour is not taken for a stalled one).
 *
 * A job is one trial of a queued sweep. Its training runs in yet another thread (a one-thread trial pool), so
 * this one stays free to push each report to Redis as it comes and to poll the sweep's stop hash, turning a
 * coordinator's pruning decision into the trial's stop flag once the trial has reported the step it was pruned
 * at. The job's return value is the trial's outcome.
 */
import { hostname } from 'node:os';
import { type SandboxedJob, UnrecoverableError } from 'bullmq';
import { Redis } from 'ioredis';
import { parseRunConfig } from '../config/run_config.ts';
import { VERSION } from '../version.ts';
import { encodeOutcome, type QueueJobData, sweepKeys, versionRefusal } from './queue_worker.ts';
import { parseRedisUrl, redisOptions } from './redis_url.ts';
import { createStopSignal, createTrialPool, type TrialPool } from './trial_pool.ts';

/** How often a running trial asks Redis whether it was pruned (besides after each of its reports). */
const STOP_POLL_MS = 250;

let pool: TrialPool | null = null;
let redis: Redis | null = null;

function connection(): Redis {
  if (!redis) {
    const url = process.env.ANNEAL_QUEUE_URL;
    if (!url) throw new Error('anneal worker: ANNEAL_QUEUE_URL is not set for the trial processor');
    redis = new Redis(redisOptions(parseRedisUrl(url), true));
    redis.on('error', () => {}); // commands fail on their own; the worker's connections report the outage
  }
  return redis;
}

/** Runs one trial of a queued sweep; its outcome (encoded: NaN survives) is the job's return value. */
export default async function processTrial(job: SandboxedJob<QueueJobData>): Promise<string> {
  const data = job.data;
  if (data.version !== VERSION) throw new UnrecoverableError(versionRefusal(data.version, VERSION));
  const keys = sweepKeys(data.key);
  const client = connection();
  pool ??= createTrialPool(1);
  const index = data.trial.index;
  const attempt = (job.attemptsStarted ?? job.attemptsMade + 1) || 1;
  const worker = `${hostname()}:${process.pid}`;
  const stop = createStopSignal();
  let reached = 0; // the last step reported
  let checking: Promise<void> | null = null; // one check at a time (they wait while Redis is away)
  const check = () =>
    (checking ??= (async () => {
      try {
        const at = stop.stopped ? null : await client.hget(keys.stop, String(index));
        if (at !== null && reached >= Number(at)) stop.stop();
      } finally {
        checking = null;
      }
    })());
  const writes: Promise<unknown>[] = [];
  let writeError: unknown = null;
  const timer = setInterval(() => void check().catch(() => {}), STOP_POLL_MS);
  try {
    await check();
    const config = parseRunConfig(data.trial.config, `trial ${index} of sweep ${data.sweep}`);
    const outcome = await pool.run(
      { index, config },
      {
        metric: data.metric,
        evalEvery: data.evalEvery,
        onReport: (report) => {
          reached = report.step;
          const write = client
            .xadd(
              keys.reports,
              '*',
              'trial',
              String(report.trial),
              'step',
              String(report.step),
              'value',
              String(report.value),
              'attempt',
              String(attempt),
              'worker',
              worker,
            )
            .then(check)
            .catch((err) => {
              writeError ??= err;
            });
          writes.push(write);
        },
      },
      stop,
    );
    await Promise.all(writes);
    // A report the coordinator never saw is in the outcome too (it reads the evaluations from there as well),
    // so a lost write is no loss; it is worth a line all the same.
    if (writeError) process.stderr.write(`anneal worker: a report of trial ${index} was not sent: ${writeError}\n`);
    return encodeOutcome(outcome);
  } finally {
    clearInterval(timer);
  }
}
