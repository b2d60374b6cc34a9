// W1 through the compiled CLI: what a step of `anneal train` (the lesson, its defaults) costs beyond the
// Trainer's. A run of 101 000 steps minus a run of 1000 steps, divided by 100, is the cost of 1000 steps with
// the process start-up, the set-up, the report and the first 1000 steps cancelled out. Three ways to run it:
// `--quiet`, without `--quiet` (stdout a pipe, not a terminal: no progress bar), and `--quiet --out DIR`
// (history.csv streamed, the charts and run.json written); and, as a diagnostic, the Trainer row's lesson in a
// fresh process (w1_fresh_process.mjs). The spawns run in interleaved rounds, each round
// spawning every (variant, length) pair once in a rotated order, so machine noise hits all alike.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchContext } from '../context.ts';
import { measured, skippedMeasurement, type Measurement } from '../report.ts';
import { summarise, type Plan } from '../timing.ts';
import { ensureBuilt } from './cli.ts';
import { errorMessage } from './common.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BIN = 'dist/cli/bin.js';
const LONG = 101_000;
const SHORT = 1000;
/** The id of the Trainer's W1 row, which these rows are reported against. */
export const W1_TRAINER_ID = 'anneal-fused';
/** The id of the target row: `anneal train --quiet`. */
export const W1_CLI_ID = 'cli-train-quiet';

/** Rounds of the CLI rows: each round is eight spawns, four of them 101 000-step runs. */
export function w1CliPlan(quick: boolean): Plan {
  return quick ? { warmup: 1, runs: 3 } : { warmup: 1, runs: 9 };
}

interface Variant {
  id: string;
  impl: string;
  /** The arguments after `train --steps N`; `out` is replaced by a fresh directory. */
  args: readonly string[];
  note: string;
  /** Run this script with `N` instead of the CLI (the diagnostic row). */
  script?: string;
  diagnostic?: boolean;
}

const VARIANTS: readonly Variant[] = [
  {
    id: W1_CLI_ID,
    impl: 'anneal train --quiet (CLI)',
    args: ['--quiet'],
    note: 'no progress bar, no per-step history kept',
  },
  {
    id: 'cli-train-piped',
    impl: 'anneal train, stdout a pipe (CLI)',
    args: [],
    note: 'without --quiet; stdout is not a terminal, so there is no progress bar either',
  },
  {
    id: 'cli-train-out',
    impl: 'anneal train --quiet --out DIR (CLI)',
    args: ['--quiet', '--out', 'out'],
    note: 'history.csv streamed as the run goes (one row per step), the charts and run.json written at the end',
  },
  {
    id: 'trainer-fresh-process',
    impl: 'anneal fused (Trainer.run) in a fresh process (diagnostic)',
    args: [],
    script: 'bench/workloads/w1_fresh_process.mjs',
    diagnostic: true,
    note:
      "the Trainer row's lesson in a process of its own, from dist/esm: the same difference as the CLI rows, so " +
      "V8's warm-up of a fresh process is in it, as it is in theirs",
  },
];

export function runW1Cli(ctx: BenchContext, group: string, unit: string): Measurement[] {
  const base = { group, unit, higherIsBetter: false, kind: 'anneal' as const, relativeTo: W1_TRAINER_ID };
  const row = (v: Variant) => ({ ...base, id: v.id, impl: v.impl, diagnostic: v.diagnostic });
  let built: string | undefined;
  try {
    built = ensureBuilt(ctx.log);
  } catch (err) {
    return VARIANTS.map((v) => skippedMeasurement(row(v), `building ${BIN} failed: ${errorMessage(err)}`));
  }
  const dir = mkdtempSync(join(tmpdir(), 'anneal-bench-cli-'));
  try {
    const plan = w1CliPlan(ctx.quick);
    const spawns = VARIANTS.flatMap((v, i) => [SHORT, LONG].map((steps) => ({ i, steps, v })));
    const times = VARIANTS.map((): Record<number, number[]> => ({ [SHORT]: [], [LONG]: [] }));
    const failed: (string | undefined)[] = VARIANTS.map(() => undefined);
    for (let round = 0; round < plan.warmup + plan.runs; round++) {
      for (let k = 0; k < spawns.length; k++) {
        const s = spawns[(round + k) % spawns.length];
        const args = s.v.args.map((a) => (a === 'out' ? join(dir, `out-${s.i}-${s.steps}`) : a));
        const command = s.v.script
          ? [s.v.script, String(s.steps)]
          : [BIN, 'train', '--steps', String(s.steps), ...args];
        const t0 = performance.now();
        const r = spawnSync(process.execPath, command, {
          cwd: ROOT,
          stdio: ['ignore', 'pipe', 'pipe'],
          maxBuffer: 1 << 24,
        });
        const ms = performance.now() - t0;
        if (r.status !== 0)
          failed[s.i] ??=
            `exited with ${r.status ?? r.signal}: ${r.error?.message ?? r.stderr.toString().trim().split('\n')[0]}`;
        if (round >= plan.warmup) times[s.i][s.steps].push(ms);
      }
    }
    return VARIANTS.map((v, i) => {
      if (failed[i]) return skippedMeasurement(row(v), failed[i]!);
      // Each round's difference (the two runs of a round ran close together), per 1000 steps.
      const per1000 = times[i][LONG].map((long, r) => (long - times[i][SHORT][r]) / ((LONG - SHORT) / 1000));
      const stats = summarise(per1000, plan.warmup, 1);
      ctx.log(`W1 ${v.impl}: ${stats.median.toFixed(3)} ms / 1000 steps`);
      const command = v.script ? `${v.script} ${LONG}` : `${BIN} train --steps ${LONG}`;
      const how =
        `(wall time of \`node ${command}\` − that with ${SHORT} steps) / 100, ` +
        `${plan.runs} interleaved rounds after ${plan.warmup} untimed; ${v.note}` +
        (built && i === 0 ? `; ${built}` : '');
      return measured({ ...row(v), stats, perRun: `${plan.runs} × (${LONG} − ${SHORT}) steps`, note: how });
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
