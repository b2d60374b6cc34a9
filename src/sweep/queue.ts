/**
 * A sweep on many machines (`anneal sweep --queue redis://HOST:PORT/DB`): this coordinator puts one BullMQ job
 * per trial on the queue `anneal-trials` of that Redis; `anneal worker`s on any number of machines (see
 * queue_worker.ts) take them, stream each report back through Redis, and return the trial's outcome as the job's
 * return value. The coordinator feeds the reports to the pruning oracle as they come, tells a trial to stop
 * once it is known to be pruned (a Redis hash its worker polls), and records each trial once it ended and its
 * fate is final: the same records as a local sweep (local.ts), whatever the number of workers and machines.
 *
 * Stopping and restarting the coordinator loses nothing finished: it reads the results file first and does not
 * put its trials on the queue again; a job already on the queue (running, waiting, or finished while no
 * coordinator ran) is not added twice (its job id is the sweep key and the trial index), and its result is
 * picked up. One coordinator runs a sweep at a time (a lock key in Redis).
 */
import { createHash, randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { isRunning } from '../report/output_dir.ts';
import { runConfigToJson } from '../train/run.ts';
import { VERSION } from '../version.ts';
import type { SweepResult } from './local.ts';
import { makeRecord, recordConfig, stableJson, startSweep, SweepError, sweepResult } from './records.ts';
import {
  bullmqConnection,
  decodeOutcome,
  isVersionRefusal,
  QUEUE_NAME,
  type QueueJobData,
  sweepKeys,
  trialJobId,
} from './queue_worker.ts';
import { checkRedisReachable, describeRedisUrl, parseRedisUrl, redisOptions } from './redis_url.ts';
import { appendRecord } from './results.ts';
import { expandTrials, parseSweepSpec } from './space.ts';
import type { TrialOutcome } from './trial.ts';
import type { PruningOracle, SweepSpec, Trial, TrialRecord, TrialReport } from './types.ts';

/** A report as it came through Redis: which attempt of the trial made it, on which worker. */
export interface QueueReport extends TrialReport {
  /** 1 for the trial's first run, 2 for its first retry, … */
  attempt: number;
  /** The worker's `HOST:PID`. */
  worker: string;
}

/** How `runQueuedSweep` runs. */
export interface QueuedSweepOptions {
  /** The Redis the workers take trials from: `redis://HOST:PORT/DB`. */
  url: string;
  /**
   * The JSON Lines file records are appended to as they are final. When it already holds records of this
   * sweep, those trials are not run again; a file of another sweep is refused.
   */
  resultsFile?: string;
  /** Called with each record as it is final (not for the records a results file already held). */
  onTrial?(record: TrialRecord): void;
  /** Called with each report as it arrives (the first time a trial reports a step). */
  onReport?(report: QueueReport): void;
  /** Called with what is worth a warning (no worker in sight, a torn results file). */
  onWarning?(message: string): void;
  /** Names the spec in errors (a file name, say); default `sweep spec`. */
  source?: string;
  /**
   * Stops the coordinator (the promise rejects with the signal's reason); the trials on the queue stay there and
   * a coordinator started again picks their results up.
   */
  signal?: AbortSignal;
}

/** How often the coordinator looks for finished jobs (it reads reports as they come). */
const POLL_MS = 200;
/** The coordinator lock's lifetime; renewed every third of it. */
const LOCK_MS = 15_000;
/** A warning when no trial has been taken this long and no worker is connected. */
const NO_WORKER_MS = 10_000;

/**
 * Runs the sweep `spec` (a `SweepSpec`, or its JSON) on the workers of a Redis; resolves with the records of
 * every trial, as `sweep()` does.
 */
export async function runQueuedSweep(spec: SweepSpec | unknown, options: QueuedSweepOptions): Promise<SweepResult> {
  const url = parseRedisUrl(options.url);
  const start = startSweep(spec, options);
  const { spec: parsed, trials, configs, oracle, done } = start;
  const key = sweepKey(parsed, configs);
  const keys = sweepKeys(key);
  options.signal?.throwIfAborted();
  await checkRedisReachable(url);
  const file = options.resultsFile;

  const redis = new Redis(redisOptions(url));
  const reader = new Redis(redisOptions(url)); // XREAD BLOCK holds its connection
  const queue = new Queue(QUEUE_NAME, { connection: bullmqConnection(url) });
  let redisError: Error | null = null;
  for (const client of [redis, reader]) client.on('error', (err: Error) => void (redisError = err));
  queue.on('error', (err: Error) => void (redisError = err));
  const id = `${hostname()} ${process.pid} ${randomUUID()}`;
  let renew: NodeJS.Timeout | undefined;
  let locked = false;
  try {
    if (!(await claimSweep(redis, keys.coordinator, id))) {
      throw new SweepError(
        `another coordinator is running sweep ${JSON.stringify(parsed.name)} on ${describeRedisUrl(url)}: ` +
          `wait for it to end, or stop it (if it died, its claim expires within ${LOCK_MS / 1000} s)`,
      );
    }
    locked = true;
    renew = setInterval(() => {
      void redis.eval(RENEW_LOCK, 1, keys.coordinator, id, LOCK_MS).catch(() => {});
    }, LOCK_MS / 3);

    const recordedInRedis = new Set((await redis.smembers(keys.recorded)).map(Number));
    for (const index of recordedInRedis) {
      if (!done.has(index) && index < trials.length) {
        options.onWarning?.(
          `trial ${index} is recorded in Redis but not in ${file ?? 'a results file'}: recording it again`,
        );
      }
    }
    if (done.size) await redis.sadd(keys.recorded, ...[...done.keys()].map(String));

    const write = (record: TrialRecord) => {
      if (done.has(record.trial)) throw new Error(`queued sweep: trial ${record.trial} recorded twice`);
      if (file !== undefined) appendRecord(file, record);
      done.set(record.trial, record);
      void redis.sadd(keys.recorded, String(record.trial)).catch(() => {});
      options.onTrial?.(record);
    };
    const todo = trials.filter((t) => !done.has(t.index));
    await enqueue(queue, todo, parsed, key);
    await coordinate({ todo, spec: parsed, configs, oracle, keys, key, queue, redis, reader, options, write });

    // Finished: the results file holds everything; the sweep's jobs and keys go.
    await Promise.all(trials.map((t) => queue.remove(trialJobId(key, t.index)).catch(() => 0)));
    await redis.del(keys.reports, keys.stop, keys.recorded);
  } catch (err) {
    if (redisError && !(err instanceof SweepError) && !options.signal?.aborted) {
      throw new SweepError(`queued sweep: Redis at ${describeRedisUrl(url)}: ${(redisError as Error).message}`);
    }
    throw err;
  } finally {
    clearInterval(renew);
    if (locked) await redis.eval(RELEASE_LOCK, 1, keys.coordinator, id).catch(() => {});
    await queue.close().catch(() => {});
    reader.disconnect();
    await redis.quit().catch(() => redis.disconnect());
  }
  return sweepResult(start);
}

/**
 * Claims the sweep for this coordinator: the claim is free, or its holder was a process of this machine that is
 * gone (a coordinator stopped by Ctrl-C, started again at once).
 */
async function claimSweep(redis: Redis, key: string, id: string): Promise<boolean> {
  if ((await redis.set(key, id, 'PX', LOCK_MS, 'NX')) === 'OK') return true;
  const holder = await redis.get(key);
  const [host, pid] = (holder ?? '').split(' ');
  if (holder === null || host !== hostname() || !(Number(pid) > 0) || isRunning(Number(pid))) return false;
  return (await redis.eval(TAKE_LOCK, 1, key, holder, id, LOCK_MS)) === 1;
}

const TAKE_LOCK = `if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
  return 1
end
return 0`;
const RENEW_LOCK = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0`;
const RELEASE_LOCK = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

/** The sweep key of `spec` (a `SweepSpec`, or its JSON): what its job ids and Redis keys are named by. */
export function queuedSweepKey(spec: SweepSpec | unknown, source = 'sweep spec'): string {
  const parsed = parseSweepSpec(spec, source);
  return sweepKey(
    parsed,
    expandTrials(parsed).map((t) => recordConfig(t, parsed.eval_every)),
  );
}

/**
 * The sweep key: the sweep's name (as a queue-safe word) and a hash of everything that decides its trials and
 * their fates, anneal's version included. A changed spec is another sweep, with keys and jobs of its own.
 */
export function sweepKey(spec: SweepSpec, configs: readonly Record<string, unknown>[]): string {
  const hash = createHash('sha256')
    .update(
      stableJson({
        version: VERSION,
        name: spec.name,
        configs,
        metric: spec.metric,
        mode: spec.mode,
        eval_every: spec.eval_every,
        pruner: spec.pruner,
      }),
    )
    .digest('hex')
    .slice(0, 12);
  const name = spec.name.replace(/[^A-Za-z0-9_-]+/g, '_').slice(0, 60) || 'sweep';
  return `${name}-${hash}`;
}

/** Puts each trial of `todo` on the queue once: a job already there is left alone (a failed one is retried). */
async function enqueue(queue: Queue, todo: Trial[], spec: SweepSpec, key: string) {
  const fresh: Trial[] = [];
  for (const trial of todo) {
    const job = await queue.getJob(trialJobId(key, trial.index));
    if (!job) fresh.push(trial);
    else if ((await job.getState()) === 'failed') await job.retry('failed');
  }
  if (!fresh.length) return;
  await queue.addBulk(
    fresh.map((trial) => ({
      name: spec.name,
      data: {
        version: VERSION,
        sweep: spec.name,
        key,
        trial: { index: trial.index, config: JSON.parse(JSON.stringify(runConfigToJson(trial.config))) },
        metric: spec.metric,
        evalEvery: spec.eval_every,
      } satisfies QueueJobData,
      opts: {
        jobId: trialJobId(key, trial.index),
        // A trial's own failure (a NaN loss) is its outcome, not a failed job; a job fails when its worker
        // cannot run it (a crash in the processor): two more tries. A dead worker's job is not a failure but a
        // stalled job, put back on the queue however often that happens (the workers' maxStalledCount).
        attempts: 3,
        backoff: { type: 'fixed', delay: 1000 },
        removeOnComplete: false,
        removeOnFail: false,
      },
    })),
  );
}

interface Coordination {
  todo: Trial[];
  spec: SweepSpec;
  configs: Record<string, unknown>[];
  oracle: PruningOracle;
  keys: ReturnType<typeof sweepKeys>;
  key: string;
  queue: Queue;
  redis: Redis;
  reader: Redis;
  options: QueuedSweepOptions;
  write: (record: TrialRecord) => void;
}

/** Reads reports and results until every trial of `todo` is recorded. */
async function coordinate(c: Coordination): Promise<void> {
  const { spec, oracle, keys, key, queue, redis, reader, options } = c;
  const pending = new Map<number, Trial>(c.todo.map((t) => [t.index, t]));
  const outcomes = new Map<number, TrialOutcome>();
  const seen = new Map<number, Map<number, number>>(); // trial → step → value, as fed to the oracle
  const stopped = new Set<number>((await redis.hkeys(keys.stop)).map(Number));
  let lastId = '0';
  let lastPoll = 0;
  let lastNews = Date.now();
  let warned = false;

  /** A report, from the stream or from an outcome: fed once; a repeat must be the same number. */
  const ingest = (trial: number, step: number, value: number, from: string) => {
    let steps = seen.get(trial);
    if (!steps) seen.set(trial, (steps = new Map()));
    const before = steps.get(step);
    if (before !== undefined || steps.has(step)) {
      if (!Object.is(before, value)) {
        throw new SweepError(
          `trial ${trial} reported ${spec.metric} ${value} at step ${step} (${from}), and ${before} before: a ` +
            'trial run again must repeat its numbers exactly (workers of different builds, or a bug)',
        );
      }
      return false;
    }
    const last = Math.max(-1, ...steps.keys());
    steps.set(step, value);
    if (step < last) {
      options.onWarning?.(`trial ${trial}: its report of step ${step} came after step ${last} (a lost report?)`);
      return false;
    }
    oracle.report(trial, step, value);
    return true;
  };

  const settle = async () => {
    for (const [index, trial] of pending) {
      const fate = oracle.fate(index);
      if (fate.prunedAt !== null && !stopped.has(index)) {
        stopped.add(index);
        await redis.hset(keys.stop, String(index), String(fate.prunedAt));
      }
      let outcome = outcomes.get(index);
      if (outcome && (fate.prunedAt !== null || fate.final)) {
        pending.delete(index);
        const at = fate.prunedAt;
        if (at !== null && !outcome.evals.some((e) => e.step === at)) {
          // A run that stopped before its pruning step (it should not: workers train on to it): its evaluations
          // up to there from every report of the trial, which all agree.
          const evals = [...(seen.get(index) ?? [])].map(([step, value]) => ({ step, value }));
          outcome = { ...outcome, evals: evals.sort((a, b) => a.step - b.step) };
        }
        c.write(makeRecord(spec, trial, c.configs[index], outcome, fate.prunedAt));
      }
    }
  };

  while (pending.size) {
    options.signal?.throwIfAborted();
    const read = (await reader.xread('COUNT', 1000, 'BLOCK', POLL_MS, 'STREAMS', keys.reports, lastId)) as
      | [string, [string, string[]][]][]
      | null;
    for (const [, entries] of read ?? []) {
      for (const [entryId, fields] of entries) {
        lastId = entryId;
        lastNews = Date.now();
        const f: Record<string, string> = {};
        for (let i = 0; i + 1 < fields.length; i += 2) f[fields[i]] = fields[i + 1];
        const report: QueueReport = {
          trial: Number(f.trial),
          step: Number(f.step),
          value: Number(f.value),
          attempt: Number(f.attempt),
          worker: f.worker ?? '?',
        };
        // Trials recorded, or whose outcome is in, have given the oracle everything (repeats are still checked).
        if (!pending.has(report.trial)) continue;
        if (outcomes.has(report.trial)) {
          if (seen.get(report.trial)?.has(report.step)) ingest(report.trial, report.step, report.value, 'a report');
          continue;
        }
        if (ingest(report.trial, report.step, report.value, `attempt ${report.attempt} on ${report.worker}`)) {
          options.onReport?.(report);
        }
      }
    }
    await settle();
    if (Date.now() - lastPoll < POLL_MS) continue;
    lastPoll = Date.now();
    const waiting = [...pending.keys()].filter((i) => !outcomes.has(i));
    const states = await Promise.all(waiting.map((i) => queue.getJobState(trialJobId(key, i))));
    for (let n = 0; n < waiting.length; n++) {
      const index = waiting[n];
      const state = states[n];
      if (state === 'completed') {
        const job = await queue.getJob(trialJobId(key, index));
        if (!job || typeof job.returnvalue !== 'string') continue; // not readable yet
        const outcome = decodeOutcome(job.returnvalue);
        for (const e of outcome.evals) ingest(index, e.step, e.value, 'its result');
        outcomes.set(index, outcome);
        oracle.finish(index, outcome.state === 'failed');
        lastNews = Date.now();
      } else if (state === 'failed') {
        const job = await queue.getJob(trialJobId(key, index));
        const reason = job?.failedReason || 'no reason given';
        if (isVersionRefusal(reason)) {
          throw new SweepError(`trial ${index} was refused by a worker: ${reason}`);
        }
        const evals = [...(seen.get(index) ?? new Map<number, number>())]
          .map(([step, value]) => ({ step, value }))
          .sort((a, b) => a.step - b.step);
        outcomes.set(index, {
          state: 'failed',
          evals,
          value: evals.length ? evals[evals.length - 1].value : null,
          error: `its worker could not run it: ${reason}`,
          wallMs: 0,
        });
        oracle.finish(index, true);
        lastNews = Date.now();
      } else if (state === 'unknown') {
        throw new SweepError(
          `trial ${index}'s job is gone from the queue ${QUEUE_NAME} (removed by hand?): start the sweep again`,
        );
      }
    }
    await settle();
    // (CLIENT LIST, which counts workers, may be refused by a managed Redis: no warning then.)
    if (!warned && Date.now() - lastNews > NO_WORKER_MS && (await queue.getWorkersCount().catch(() => -1)) === 0) {
      warned = true;
      options.onWarning?.(
        `no worker has taken a trial for ${NO_WORKER_MS / 1000} s and none is connected: start workers with ` +
          `anneal worker --queue ${describeRedisUrl(parseRedisUrl(options.url))}`,
      );
    }
  }
}
