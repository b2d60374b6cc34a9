// A sweep on BullMQ and Redis (issue 16, part 4): Debian's redis-server on a free port of 127.0.0.1, two
// `anneal worker` processes of the built CLI, one killed with SIGKILL mid-trial; every trial is recorded once,
// with the numbers of a local sweep. Also: a stopped and restarted coordinator redoes no finished trial, an
// unreachable Redis and a malformed URL are clear errors within seconds, and a worker refuses a job of another
// anneal version (part 6).
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sweep } from '../../src/sweep/local.ts';
import { queuedSweepKey, runQueuedSweep } from '../../src/sweep/queue.ts';
import { bullmqConnection, decodeOutcome, QUEUE_NAME, sweepKeys, trialJobId } from '../../src/sweep/queue_worker.ts';
import { parseRedisUrl, RedisUrlError } from '../../src/sweep/redis_url.ts';
import { readRecords } from '../../src/sweep/results.ts';
import type { TrialRecord } from '../../src/sweep/types.ts';
import { VERSION } from '../../src/version.ts';
import { runCli } from '../cli/run_cli.ts';
import { freePort, type RedisServer, startRedisServer } from './redis_server.ts';
import { lessonSweepBase } from '../support/sweep_base.ts';

const root = join(import.meta.dirname, '..', '..');
const bin = join(root, 'dist', 'cli', 'bin.js');
const tmp = mkdtempSync(join(tmpdir(), 'anneal-queue-'));

/**
 * The lesson's model on 40 moons points, a quarter held out; lrs from fine to far too small (so that the median
 * pruner stops the later trials), two seeds: 8 trials of a second or so each, 10 evaluations.
 */
const SPEC = {
  name: 'queued-lesson',
  base: lessonSweepBase(120_000),
  space: { 'optimizer.kwargs.lr': { grid: [1e-1, 1e-2, 1e-4, 1e-5] }, seed: { grid: [0, 1] } },
  metric: 'loss',
  eval_every: 12_000,
  pruner: { type: 'median', n_startup_trials: 2 },
};
const TRIALS = 8;

/** A record without its wall time (the one field that varies from run to run). */
const result = ({ wall_ms: _w, ...rest }: TrialRecord) => rest;

/** An `anneal worker` process of the built CLI, its output kept. */
interface WorkerProcess {
  child: ChildProcess;
  output: () => string;
  exited: Promise<void>;
}

function startWorker(url: string): Promise<WorkerProcess> {
  const child = spawn(process.execPath, [bin, 'worker', '--queue', url, '--lock-duration', '3000'], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk) => (output += chunk));
  child.stderr?.on('data', (chunk) => (output += chunk));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return new Promise((resolve, reject) => {
    const timer = setInterval(() => {
      if (output.includes('taking trials from')) {
        clearInterval(timer);
        resolve({ child, output: () => output, exited });
      } else if (child.exitCode !== null) {
        clearInterval(timer);
        reject(new Error(`anneal worker exited with ${child.exitCode}:\n${output}`));
      }
    }, 50);
  });
}

async function stopWorker(worker: WorkerProcess | undefined): Promise<void> {
  if (!worker || worker.child.exitCode !== null || worker.child.signalCode !== null) return;
  worker.child.kill('SIGTERM');
  const timer = setTimeout(() => worker.child.kill('SIGKILL'), 10_000);
  await worker.exited;
  clearTimeout(timer);
}

/** How often each trial of sweep `name` was started, from the workers' logs. */
function starts(logs: string[], name: string): number[] {
  const counts = new Array(TRIALS).fill(0);
  for (const log of logs) {
    for (const m of log.matchAll(new RegExp(`trial (\\d+) of sweep ${name}: started`, 'g'))) counts[Number(m[1])]++;
  }
  return counts;
}

describe('a queued sweep (BullMQ on redis-server)', () => {
  let server: RedisServer;
  let local: TrialRecord[];
  const workers: WorkerProcess[] = [];

  beforeAll(async () => {
    if (!existsSync(bin) || !existsSync(join(root, 'dist', 'cli', 'queue_processor.js'))) {
      throw new Error('dist/cli is not built: npm run build (npm test builds it first)');
    }
    server = await startRedisServer();
    const [r] = await Promise.all([
      sweep(SPEC, { workers: 1 }),
      (async () => workers.push(await startWorker(server.url), await startWorker(server.url)))(),
    ]);
    local = r.records;
  }, 60_000);

  afterAll(async () => {
    await Promise.all(workers.map(stopWorker));
    await server?.stop();
  }, 30_000);

  it('runs every trial once, with the numbers of a local sweep, though a worker is killed mid-trial', async () => {
    expect(local.filter((r) => r.state === 'pruned').length).toBeGreaterThan(0); // the stop path is taken
    const [victim, survivor] = workers;
    let killed: { trial: number; step: number } | null = null;
    const file = join(tmp, 'killed.jsonl');
    const seen: number[] = [];
    const r = await runQueuedSweep(SPEC, {
      url: server.url,
      resultsFile: file,
      onTrial: (record) => seen.push(record.trial),
      onReport: (report) => {
        // The victim's first evaluation of a trial: it is mid-trial (nine more to go).
        if (!killed && report.worker.endsWith(`:${victim.child.pid}`)) {
          victim.child.kill('SIGKILL');
          killed = { trial: report.trial, step: report.step };
        }
      },
    });
    await victim.exited;
    if (process.env.ANNEAL_QUEUE_DEBUG) console.log(killed, victim.output(), survivor.output());
    expect(killed).not.toBeNull();
    const { trial } = killed as unknown as { trial: number };
    // Its trial ran again, from the start, on the survivor.
    expect(survivor.output()).toContain(`trial ${trial} of sweep queued-lesson: started`);
    expect(seen.sort((a, b) => a - b)).toEqual([...Array(TRIALS).keys()]);
    const lines = readFileSync(file, 'utf8').trim().split('\n');
    expect(lines).toHaveLength(TRIALS);
    const recorded = readRecords(file).records.sort((a, b) => a.trial - b.trial);
    expect(recorded.map((x) => x.trial)).toEqual([...Array(TRIALS).keys()]);
    expect(recorded.map(result)).toEqual(local.map(result));
    expect(r.records.map(result)).toEqual(local.map(result));
    expect(r.best?.trial).toBe(
      local.filter((x) => x.state === 'complete').sort((a, b) => a.value! - b.value!)[0].trial,
    );

    // Run again on the finished file: nothing goes on the queue (the one worker left would log it), nothing is
    // recorded again, and the file is left as it was.
    const before = readFileSync(file, 'utf8');
    const again = await runQueuedSweep(SPEC, { url: server.url, resultsFile: file, onTrial: () => seen.push(-1) });
    expect(again.resumed).toBe(TRIALS);
    expect(again.records.map(result)).toEqual(local.map(result));
    expect(readFileSync(file, 'utf8')).toBe(before);
    expect(seen).not.toContain(-1);
    expect(starts([victim.output(), survivor.output()], 'queued-lesson')[trial]).toBeGreaterThanOrEqual(2);
  }, 60_000);

  it('a coordinator stopped mid-sweep and started again redoes no finished trial', async () => {
    const spec = { ...SPEC, name: 'queued-restart' };
    const file = join(tmp, 'restart.jsonl');
    const stop = new AbortController();
    const first: number[] = [];
    await expect(
      runQueuedSweep(spec, {
        url: server.url,
        resultsFile: file,
        signal: stop.signal,
        onTrial: (record) => {
          first.push(record.trial);
          if (first.length === 2) stop.abort(new Error('stopped by the test'));
        },
      }),
    ).rejects.toThrow('stopped by the test');
    const kept = readFileSync(file, 'utf8');
    expect(kept.trim().split('\n')).toHaveLength(2);
    const startedBefore = starts(
      workers.map((w) => w.output()),
      'queued-restart',
    );

    const second: number[] = [];
    const r = await runQueuedSweep(spec, {
      url: server.url,
      resultsFile: file,
      onTrial: (record) => second.push(record.trial),
    });
    expect(r.resumed).toBe(2);
    expect([...first, ...second].sort((a, b) => a - b)).toEqual([...Array(TRIALS).keys()]);
    const text = readFileSync(file, 'utf8');
    expect(text.startsWith(kept)).toBe(true);
    const recorded = readRecords(file).records.sort((a, b) => a.trial - b.trial);
    expect(recorded.map((x) => x.trial)).toEqual([...Array(TRIALS).keys()]);
    expect(recorded.map((x) => ({ ...result(x), sweep: SPEC.name }))).toEqual(local.map(result));
    // The trials recorded before the stop were not started again, and every trial was started: those in flight
    // when the coordinator stopped finished, and their results waited for the next coordinator.
    const startedAfter = starts(
      workers.map((w) => w.output()),
      'queued-restart',
    );
    for (const index of first) expect(startedAfter[index]).toBe(startedBefore[index]);
    expect(startedAfter.every((n) => n >= 1)).toBe(true);
  }, 60_000);

  it('a worker refuses a job of another anneal version, and the sweep stops with its message', async () => {
    const spec = { ...SPEC, name: 'queued-version', space: { 'optimizer.kwargs.lr': { grid: [1e-2] } } };
    const key = queuedSweepKey(spec);
    // A coordinator of version 0.0.1 put trial 0 on the queue (same job id as this sweep's own).
    const queue = new Queue(QUEUE_NAME, { connection: bullmqConnection(parseRedisUrl(server.url)) });
    try {
      await queue.add(
        'queued-version',
        {
          version: '0.0.1',
          sweep: 'queued-version',
          key,
          trial: { index: 0, config: SPEC.base },
          metric: 'val_loss',
          evalEvery: 12_000,
        },
        { jobId: trialJobId(key, 0), attempts: 3, removeOnFail: false },
      );
      const started = Date.now();
      const error = await runQueuedSweep(spec, { url: server.url }).then(
        () => null,
        (err: Error) => err,
      );
      expect(Date.now() - started).toBeLessThan(15_000);
      expect(error?.message).toContain('trial 0 was refused by a worker');
      expect(error?.message).toContain(`this anneal worker is version ${VERSION}`);
      expect(error?.message).toContain("the sweep's coordinator is version 0.0.1");
      const job = await queue.getJob(trialJobId(key, 0));
      expect(await job?.getState()).toBe('failed');
      expect(job?.attemptsMade).toBeLessThan(3); // refused outright, not tried three times
    } finally {
      await queue.close();
    }
  }, 30_000);

  it('a worker stops a pruned trial once it has reported its pruning step, even when it starts after it', async () => {
    // As a trial run again after a dead worker, whose pruning at step 36 000 was decided meanwhile: it trains on to
    // step 36 000 (its record needs the evaluations up to there) and stops at the next evaluation at the latest.
    const key = 'stop-test-0123456789ab';
    const url = parseRedisUrl(server.url);
    const queue = new Queue(QUEUE_NAME, { connection: bullmqConnection(url) });
    const redis = new Redis(server.url);
    try {
      await redis.hset(sweepKeys(key).stop, '0', '36000');
      const data = { version: VERSION, sweep: 'stop-test', key, trial: { index: 0, config: SPEC.base } };
      const job = await queue.add('stop-test', { ...data, metric: 'loss', evalEvery: 12_000 }, { jobId: `${key}.0` });
      let state = await job.getState();
      for (let i = 0; i < 300 && state !== 'completed' && state !== 'failed'; i++) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        state = await job.getState();
      }
      expect(state).toBe('completed');
      const done = await queue.getJob(job.id as string);
      const outcome = decodeOutcome(done?.returnvalue as string);
      expect(outcome.state).toBe('stopped');
      const steps = outcome.evals.map((e) => e.step);
      expect(steps.slice(0, 3)).toEqual([12_000, 24_000, 36_000]);
      expect(steps.length).toBeLessThanOrEqual(5);
      await queue.remove(job.id as string);
    } finally {
      await redis.del(sweepKeys(key).stop, sweepKeys(key).reports);
      redis.disconnect();
      await queue.close();
    }
  }, 60_000);

  it('one coordinator runs a sweep at a time; a dead one of this machine is taken over at once', async () => {
    const spec = { ...SPEC, name: 'queued-claim', space: { 'optimizer.kwargs.lr': { grid: [1e-2] } } };
    const claim = sweepKeys(queuedSweepKey(spec)).coordinator;
    const redis = new Redis(server.url);
    try {
      await redis.set(claim, 'another-machine 4242 some-id', 'PX', 30_000);
      await expect(runQueuedSweep(spec, { url: server.url })).rejects.toThrow(
        'another coordinator is running sweep "queued-claim" on redis://127.0.0.1:',
      );
      // A coordinator of this machine whose process is gone (Ctrl-C'd, say): its claim is taken over.
      const dead = spawn(process.execPath, ['-e', '']);
      await new Promise((resolve) => dead.once('exit', resolve));
      await redis.set(claim, `${hostname()} ${dead.pid} some-id`, 'PX', 30_000);
      const r = await runQueuedSweep(spec, { url: server.url });
      expect(r.records.map((x) => x.state)).toEqual(['complete']);
      expect(await redis.exists(claim)).toBe(0); // released at the end
    } finally {
      redis.disconnect();
    }
  }, 30_000);
});

describe('a queued sweep refuses bad input clearly', () => {
  it('an unreachable Redis: an error within 5 s naming the URL (coordinator and worker)', async () => {
    const port = await freePort();
    const url = `redis://127.0.0.1:${port}/0`;
    let started = Date.now();
    await expect(runQueuedSweep(SPEC, { url })).rejects.toThrow(
      `cannot reach Redis at ${url}: connection refused (is redis-server running`,
    );
    expect(Date.now() - started).toBeLessThan(5000);
    started = Date.now();
    const cli = await runCli('worker', '--queue', url);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(cli.code).toBe(2);
    expect(cli.stderr).toContain(`anneal worker: error: cannot reach Redis at ${url}: connection refused`);
  }, 20_000);

  it('a host that does not answer: an error within 5 s, not a hang', async () => {
    // TEST-NET-1 (RFC 5737): never routed, so the connection times out (or is refused as unreachable at once).
    const started = Date.now();
    await expect(runQueuedSweep(SPEC, { url: 'redis://192.0.2.1:6379/0' })).rejects.toThrow(
      /cannot reach Redis at redis:\/\/192\.0\.2\.1:6379\/0: /,
    );
    expect(Date.now() - started).toBeLessThan(5000);
  }, 20_000);

  it('a malformed URL: names what was given and what is allowed', async () => {
    const allowed = 'expected redis://HOST:PORT/DB (e.g. redis://127.0.0.1:6379/0';
    const cases: [string, string][] = [
      ['localhost:6379', 'the scheme "localhost" is not redis or rediss'],
      ['http://127.0.0.1:6379/0', 'the scheme "http" is not redis or rediss'],
      ['redis://127.0.0.1:6379/zero', 'the database "zero" is not a number (0, 1, …)'],
      ['redis://127.0.0.1:99999/0', 'the port 99999 is not 1 … 65535'],
      ['redis://', 'no host'],
      ['', 'no URL given'],
    ];
    for (const [given, why] of cases) {
      expect(() => parseRedisUrl(given)).toThrow(RedisUrlError);
      expect(() => parseRedisUrl(given)).toThrow(`--queue ${JSON.stringify(given)}: ${why}; ${allowed}`);
    }
    expect(parseRedisUrl('redis://redis:6379/0')).toMatchObject({ host: 'redis', port: 6379, db: 0, tls: false });
    expect(parseRedisUrl('rediss://:secret@10.0.0.5/3')).toMatchObject({ port: 6379, db: 3, password: 'secret' });
    expect(() => parseRedisUrl('redis://:secret@host/x')).toThrow('--queue "redis://:***@host/x": the database "x"');
    await expect(runQueuedSweep(SPEC, { url: 'redis//127.0.0.1' })).rejects.toThrow(
      `--queue "redis//127.0.0.1": not a URL; ${allowed}`,
    );
    const cli = await runCli('worker', '--queue', 'http://127.0.0.1:6379/0');
    expect(cli.code).toBe(2);
    expect(cli.stderr).toContain('anneal worker: error: --queue "http://127.0.0.1:6379/0": the scheme "http"');
  });
});
