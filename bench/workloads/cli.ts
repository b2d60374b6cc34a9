// CLI start-up: the wall time of spawning `node -e 0` (Node alone) and the compiled CLI (`--version`, `--help`,
// `train --quiet`, the lesson's 1000 steps), reported as multiples of `node -e 0`. The commands run in
// interleaved rounds, each round spawning every command once in a rotated order, so machine noise hits all alike.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchContext } from '../context.ts';
import { measured, skippedMeasurement, type Measurement } from '../report.ts';
import { summarise } from '../timing.ts';
import { errorMessage } from './common.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BIN = 'dist/cli/bin.js';
export const CLI_GROUP = 'CLI start-up';
export const NODE_ID = 'node-e0';

/**
 * The commands, as arguments to `node` (run in the repository root); the first is the floor the others are
 * compared to.
 */
export const CLI_COMMANDS = [
  { id: NODE_ID, args: ['-e', '0'] },
  { id: 'cli-version', args: [BIN, '--version'] },
  { id: 'cli-help', args: [BIN, '--help'] },
  { id: 'cli-train', args: [BIN, 'train', '--quiet'] },
] as const;

/** Builds dist/ first when it is stale (as `npm start` does); says so in the report when it did. */
export function ensureBuilt(log: (line: string) => void): string | undefined {
  const stamp = join(ROOT, 'dist', '.stamp');
  const before = existsSync(stamp) ? statSync(stamp).mtimeMs : 0;
  execFileSync(process.execPath, [join(ROOT, 'scripts', 'build.mjs'), '--if-stale'], { cwd: ROOT, stdio: 'inherit' });
  if (statSync(stamp).mtimeMs === before) return undefined;
  const why = `dist/ was missing or older than its sources: built it first with node scripts/build.mjs`;
  log(`CLI: ${why}`);
  return why;
}

export function runCli(ctx: BenchContext): Measurement[] {
  const base = { group: CLI_GROUP, unit: 'ms', higherIsBetter: false };
  const row = (c: (typeof CLI_COMMANDS)[number]) => ({
    ...base,
    id: c.id,
    impl: `node ${c.args.join(' ')}`,
    kind: c.id === NODE_ID ? ('baseline' as const) : ('anneal' as const),
    relativeTo: c.id === NODE_ID ? undefined : NODE_ID,
  });
  let built: string | undefined;
  try {
    built = ensureBuilt(ctx.log);
  } catch (err) {
    return CLI_COMMANDS.map((c) => skippedMeasurement(row(c), `building ${BIN} failed: ${errorMessage(err)}`));
  }

  const { warmup, runs } = ctx.plans.cli;
  const samples: number[][] = CLI_COMMANDS.map(() => []);
  const failed: (string | undefined)[] = CLI_COMMANDS.map(() => undefined);
  for (let round = 0; round < warmup + runs; round++) {
    for (let k = 0; k < CLI_COMMANDS.length; k++) {
      const i = (round + k) % CLI_COMMANDS.length;
      const t0 = performance.now();
      const r = spawnSync(process.execPath, CLI_COMMANDS[i].args, { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
      const ms = performance.now() - t0;
      if (r.status !== 0)
        failed[i] ??=
          `exited with ${r.status ?? r.signal}: ${r.error?.message ?? r.stderr.toString().trim().split('\n')[0]}`;
      if (round >= warmup) samples[i].push(ms);
    }
  }

  const rounds = `${runs} spawns, interleaved`;
  const note =
    `Node's own start-up, the floor; "× node -e 0" is a row's median wall time over this one's. ` +
    `${runs} timed rounds after ${warmup} untimed, each spawning every command once in a rotated order; ` +
    `stdout ignored${built ? `; ${built}` : ''}.`;
  return CLI_COMMANDS.map((c, i) => {
    if (failed[i]) return skippedMeasurement(row(c), failed[i]!);
    const stats = summarise(samples[i], warmup, 1);
    ctx.log(`CLI ${row(c).impl}: ${stats.median.toFixed(1)} ms`);
    return measured({ ...row(c), stats, perRun: rounds, note: c.id === NODE_ID ? note : undefined });
  });
}
