import { Command } from 'commander';
import { RedisUrlError, describeRedisUrl, parseRedisUrl } from '../sweep/redis_url.ts';
import { VERSION } from '../version.ts';
import { UsageError } from './files.ts';
import { intArg } from './parse.ts';

// `anneal worker --queue redis://HOST:PORT/DB`: runs the trials of queued sweeps (`anneal sweep --queue`) until
// SIGINT or SIGTERM (finishing its running trials; a second signal abandons them, and they run elsewhere).

interface WorkerFlags {
  queue: string;
  concurrency: number;
  lockDuration: number;
  quiet?: boolean;
}

export function workerCommand(): Command {
  return new Command('worker')
    .description(
      'Run the trials of queued sweeps (anneal sweep --queue URL): take them off the BullMQ queue on the Redis at ' +
        'URL, one thread per trial, and send back their reports and results; any number of workers on any ' +
        'number of machines. Runs until SIGINT or SIGTERM (finishing the trials it runs; a second signal ' +
        'abandons them, and other workers retry them).',
    )
    .requiredOption('--queue <url>', 'the Redis of the sweep: redis://HOST:PORT/DB (e.g. redis://127.0.0.1:6379/0)')
    .option('--concurrency <n>', 'trials this worker runs at once, each in its own thread', intArg(1, 1024), 1)
    .option(
      '--lock-duration <ms>',
      "how long a worker's claim on a trial lasts unrenewed: a trial whose worker died runs again elsewhere " +
        'after about this long',
      intArg(1000, 3_600_000),
      10_000,
    )
    .option('--quiet', 'print nothing but errors')
    .action(async (flags: WorkerFlags) => {
      let url: ReturnType<typeof parseRedisUrl>;
      try {
        url = parseRedisUrl(flags.queue);
      } catch (err) {
        if (err instanceof RedisUrlError) throw new UsageError(err.message);
        throw err;
      }
      const say = (line: string) => {
        if (!flags.quiet) process.stdout.write(`${new Date().toISOString()} ${line}\n`);
      };
      const { runQueueWorker } = await import('../sweep/queue_worker.ts');
      say(`anneal worker ${VERSION} (pid ${process.pid}), Redis at ${describeRedisUrl(url)}`);
      const worker = await runQueueWorker({
        url: flags.queue,
        concurrency: flags.concurrency,
        lockDuration: flags.lockDuration,
        log: say,
      });
      await new Promise<void>((resolve, reject) => {
        let signals = 0;
        const onSignal = (signal: NodeJS.Signals) => {
          signals++;
          const force = signals > 1;
          say(force ? `${signal}: abandoning the running trials` : `${signal}: finishing the running trials`);
          if (signals > 2) process.exit(130);
          worker.close(force).then(() => {
            process.off('SIGINT', onSignal);
            process.off('SIGTERM', onSignal);
            resolve();
          }, reject);
        };
        process.on('SIGINT', onSignal);
        process.on('SIGTERM', onSignal);
      });
      say('stopped');
    });
}
