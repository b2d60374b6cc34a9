// sweep(): trials in worker threads, records that are runTraining's numbers, the same whatever the number of
// workers, pruning decisions those of a sequential study, and a results file a stopped sweep resumes from.
import { appendFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseRunConfig } from '../../src/config/run_config.ts';
import { createPruningOracle } from '../../src/sweep/pruning.ts';
import { readRecords } from '../../src/sweep/results.ts';
import { parseSweepSpec } from '../../src/sweep/space.ts';
import { sweep } from '../../src/sweep/local.ts';
import { SweepError } from '../../src/sweep/records.ts';
import type { TrialOutcome } from '../../src/sweep/trial.ts';
import type { TrialPool } from '../../src/sweep/trial_pool.ts';
import type { PrunerSpec, TrialRecord } from '../../src/sweep/types.ts';
import { runTraining } from '../../src/train/run.ts';
import { lessonSweepBase } from '../support/sweep_base.ts';

const tmp = mkdtempSync(join(tmpdir(), 'anneal-sweep-'));

const STEPS = 300;
const EVAL_EVERY = 50;
/** The lesson's model on 40 moons points, a quarter held out: 8 trials, lrs from fine to clearly too small. */
const SPEC = {
  name: 'lesson-lrs',
  base: lessonSweepBase(STEPS),
  space: { 'optimizer.kwargs.lr': { grid: [1e-1, 1e-2, 1e-3, 1e-4] }, seed: { grid: [0, 1] } },
  metric: 'loss',
  eval_every: EVAL_EVERY,
};
const MEDIAN = { type: 'median', n_startup_trials: 2 };
const ASHA = { type: 'asha', reduction_factor: 2, grace_period: 1 };

const withPruner = (pruner: unknown) => ({ ...SPEC, pruner });
/** A record without its wall time (the one field that varies from run to run). */
const result = ({ wall_ms: _w, ...rest }: TrialRecord) => rest;

/** The pruning steps a sequential study takes: each trial's full curve fed in order, stopped where pruned. */
function sequentialPruning(
  curves: Pick<TrialRecord, 'trial' | 'evals' | 'state'>[],
  pruner: unknown,
  evalEvery = EVAL_EVERY,
  evalsPerTrial = STEPS / EVAL_EVERY,
): (number | null)[] {
  const spec = parseSweepSpec(withPruner(pruner), 'test');
  const pruning = spec.pruner as PrunerSpec;
  const oracle = createPruningOracle(pruning, spec.mode, evalEvery, evalsPerTrial);
  return curves.map((c) => {
    for (const e of c.evals) {
      oracle.report(c.trial, e.step, e.value);
      const fate = oracle.fate(c.trial);
      if (fate.prunedAt !== null) break;
    }
    oracle.finish(c.trial, c.state === 'failed');
    const fate = oracle.fate(c.trial);
    expect(fate.prunedAt !== null || fate.final).toBe(true);
    return fate.prunedAt;
  });
}

describe('sweep() on worker threads', () => {
  let unpruned: TrialRecord[];
  let best: TrialRecord | null;
  const file = join(tmp, 'lesson.jsonl');

  beforeAll(async () => {
    const seen: number[] = [];
    const r = await sweep(SPEC, { workers: 2, resultsFile: file, onTrial: (rec) => seen.push(rec.trial) });
    unpruned = r.records;
    best = r.best;
    expect(seen.sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
  }, 120_000);

  it("records each trial's metric at every evaluation: runTraining's numbers, bit for bit", () => {
    expect(unpruned.map((r) => r.trial)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    for (const record of unpruned) {
      expect(record.state).toBe('complete');
      expect(record.pruned_at).toBeNull();
      expect(record.evals.map((e) => e.step)).toEqual([50, 100, 150, 200, 250, 300]);
      const run = runTraining(parseRunConfig(record.config), { evalEvery: EVAL_EVERY, record: 'none' });
      const want = run.evals.filter((p) => p.step > 0).map((p) => ({ step: p.step, value: p.loss }));
      expect(record.evals).toEqual(want);
      expect(record.value).toBe(run.final_loss);
    }
    // The lrs are far apart: lr 1e-4 barely learns in 300 steps, lr 0.1 fits the 30 training points.
    const [slow, fast] = [unpruned[6], unpruned[0]];
    expect(slow.params).toEqual({ 'optimizer.kwargs.lr': 1e-4, seed: 0 });
    expect(fast.params).toEqual({ 'optimizer.kwargs.lr': 0.1, seed: 0 });
    expect(slow.value!).toBeGreaterThan(0.5);
    expect(fast.value!).toBeLessThan(0.01);
    expect(best?.trial).toBe(0); // the lowest final loss, lr 0.1 with seed 0
  });

  it('gives the same records with 1 worker as with 2 (every field but wall_ms)', async () => {
    const one = await sweep(SPEC, { workers: 1 });
    expect(one.records.map(result)).toEqual(unpruned.map(result));
    expect(one.best?.trial).toBeDefined();
  }, 120_000);

  for (const [name, pruner] of [
    ['median', MEDIAN],
    ['asha', ASHA],
  ] as const) {
    const title = `${name}: prunes where the oracle prunes the unpruned curves fed in order, with 1 and 2 workers`;
    it(title, async () => {
      const expected = sequentialPruning(unpruned, pruner);
      expect(expected.some((s) => s !== null)).toBe(true);
      expect(expected.some((s) => s === null)).toBe(true);
      const runs = await Promise.all([1, 2].map((workers) => sweep(withPruner(pruner), { workers })));
      for (const run of runs) {
        expect(run.records.map((r) => r.pruned_at)).toEqual(expected);
        run.records.forEach((r, i) => {
          const cut = expected[i];
          expect(r.state).toBe(cut === null ? 'complete' : 'pruned');
          // A pruned trial's curve is the unpruned one up to its pruning step.
          expect(r.evals).toEqual(unpruned[i].evals.filter((e) => cut === null || e.step <= cut));
        });
      }
      expect(runs[1].records.map(result)).toEqual(runs[0].records.map(result));
    }, 180_000);
  }

  it('resumes from its results file: finished trials are not rerun, and the file ends up the same', async () => {
    const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
    expect(lines).toHaveLength(8);
    const sorted = (text: string[]) =>
      text
        .map((l) => result(JSON.parse(l)))
        .sort((a, b) => a.trial - b.trial)
        .map((r) => JSON.stringify(r));
    // A crash after 6 records, in the middle of writing the 7th.
    const resumed = join(tmp, 'resumed.jsonl');
    writeFileSync(resumed, `${lines.slice(0, 6).join('\n')}\n${lines[6].slice(0, 40)}`);
    const warnings: string[] = [];
    const rerun: number[] = [];
    const r = await sweep(SPEC, {
      workers: 2,
      resultsFile: resumed,
      onTrial: (rec) => rerun.push(rec.trial),
      onWarning: (m) => warnings.push(m),
    });
    expect(r.resumed).toBe(6);
    const missing = lines.slice(6).map((l) => JSON.parse(l).trial as number);
    expect(rerun.sort()).toEqual(missing.sort());
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/resumed\.jsonl, line 7: a record torn by a crash/);
    const after = readFileSync(resumed, 'utf8').trimEnd().split('\n');
    expect(sorted(after)).toEqual(sorted(lines));
    expect(r.records.map(result)).toEqual(unpruned.map(result));
    // Run again: everything is in the file, nothing trains and nothing is appended.
    const again = await sweep(SPEC, { workers: 2, resultsFile: resumed, onTrial: () => expect.fail('reran') });
    expect(again.resumed).toBe(8);
    expect(readFileSync(resumed, 'utf8').trimEnd().split('\n')).toEqual(after);
  }, 120_000);

  it('refuses the results file of another sweep, and a malformed line other than the last', async () => {
    await expect(sweep({ ...SPEC, name: 'other' }, { workers: 1, resultsFile: file })).rejects.toThrow(
      /lesson\.jsonl holds the results of another sweep \("lesson-lrs", not "other"\)/,
    );
    const changed = { ...SPEC, base: { ...SPEC.base, steps: 200 } };
    await expect(sweep(changed, { workers: 1, resultsFile: file })).rejects.toThrow(SweepError);
    const bad = join(tmp, 'bad.jsonl');
    const lines = readFileSync(file, 'utf8').split('\n');
    writeFileSync(bad, `${lines[0]}\n{"sweep": "lesson-lrs", "trial": 1}\n${lines[2]}\n`);
    await expect(sweep(SPEC, { workers: 1, resultsFile: bad })).rejects.toThrow(
      /bad\.jsonl, line 2: not a trial record: "params" must be an object/,
    );
    appendFileSync(bad, 'not json\n');
    expect(() => readRecords(bad)).toThrow(/bad\.jsonl, line 2/);
  });

  it('refuses a workers count that is not an integer >= 1', async () => {
    await expect(sweep(SPEC, { workers: 0 })).rejects.toThrow(/workers: must be an integer >= 1, got 0/);
    await expect(sweep(SPEC, { workers: 1.5 })).rejects.toThrow(SweepError);
  });
});

describe('sweep() trials that fail', () => {
  it('records a NaN loss as a failed trial with its message, and goes on with the others', async () => {
    const spec = {
      name: 'diverging',
      base: { ...SPEC.base, optimizer: { type: 'SGD', kwargs: { lr: 0.1 } }, steps: 100 },
      space: { 'optimizer.kwargs.lr': { grid: [0.1, 1e50] } },
      metric: 'val_loss',
      eval_every: 20,
    };
    const r = await sweep(spec, { workers: 2 });
    expect(r.records.map((x) => x.state)).toEqual(['complete', 'failed']);
    expect(r.records[1].error).toMatch(/^training stopped: the loss at step 1 is NaN/);
    expect(r.records[1].evals).toEqual([]);
    expect(r.records[1].value).toBeNull();
    expect(r.best?.trial).toBe(0);
  }, 60_000);
});

describe('sweep() coordinating trials that finish out of order (a scripted pool)', () => {
  // Six trials whose curves are known in closed form: value b + 1/k at evaluation k (steps 10, 20, … 100).
  const bases = [0.5, 0.9, 0.1, 0.8, 0.3, 0.95];
  const curves = bases.map((b, trial) => ({
    trial,
    state: 'complete' as const,
    evals: Array.from({ length: 10 }, (_, k) => ({ step: 10 * (k + 1), value: b + 1 / (k + 1) })),
  }));
  const spec = (pruner: unknown) => ({
    ...SPEC,
    base: { ...SPEC.base, steps: 100 },
    space: { seed: { grid: [0, 1, 2, 3, 4, 5] } },
    eval_every: 10,
    pruner,
  });
  /** Trial 0 reports every 15 ms, the others at once: they end before trial 0 has said enough to judge them. */
  function scriptedPool(workers: number, ranToEnd: number[]): TrialPool {
    let running = 0;
    return {
      workers,
      async run(trial, options, stop): Promise<TrialOutcome> {
        running++;
        expect(running).toBeLessThanOrEqual(workers);
        const evals: { step: number; value: number }[] = [];
        try {
          for (const e of curves[trial.index].evals) {
            await new Promise((r) => setTimeout(r, trial.index === 0 ? 15 : 0));
            evals.push(e);
            options.onReport?.({ trial: trial.index, ...e });
            if (stop.stopped) return { state: 'stopped', evals, value: e.value, wallMs: 1 };
          }
          ranToEnd.push(trial.index);
          return { state: 'complete', evals, value: evals[evals.length - 1].value, wallMs: 1 };
        } finally {
          running--;
        }
      },
      close: async () => {},
    };
  }

  for (const pruner of [
    { type: 'median', n_startup_trials: 1 },
    { type: 'asha', reduction_factor: 2, grace_period: 1 },
  ]) {
    it(`${pruner.type}: a trial that trained past its pruning step is recorded as pruned there`, async () => {
      const expected = sequentialPruning(curves, pruner, 10, 10);
      expect(expected[1]).not.toBeNull(); // trial 1 is worse than trial 0 from its first evaluation
      const ranToEnd: number[] = [];
      const order: number[] = [];
      const r = await sweep(spec(pruner), {
        pool: scriptedPool(2, ranToEnd),
        onTrial: (rec) => order.push(rec.trial),
      });
      expect(r.records.map((x) => x.pruned_at)).toEqual(expected);
      r.records.forEach((x, i) => {
        expect(x.state).toBe(expected[i] === null ? 'complete' : 'pruned');
        expect(x.evals).toEqual(curves[i].evals.filter((e) => expected[i] === null || e.step <= expected[i]!));
        expect(x.value).toBe(x.evals[x.evals.length - 1].value);
      });
      // Trial 1 trained to its end before trial 0 reported: its record waited for its fate, and was cut there.
      expect(ranToEnd).toContain(1);
      expect(order.indexOf(1)).toBeGreaterThan(-1);
      expect(r.records[1].evals.length).toBeLessThan(10);
      // The same records as a real one-thread-at-a-time run of these curves would give.
      const sequential = await sweep(spec(pruner), { pool: scriptedPool(1, []) });
      expect(sequential.records.map(result)).toEqual(r.records.map(result));
    });
  }
});
