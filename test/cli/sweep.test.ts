// anneal sweep: a sweep from a spec file, its results file, its table, its report, and the refusals.
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { TrialRecord } from '../../src/sweep/types.ts';
import { runCli } from './run_cli.ts';
import { lessonSweepBase } from '../support/sweep_base.ts';

const tmp = mkdtempSync(join(tmpdir(), 'anneal-cli-sweep-'));

const SPEC = {
  base: lessonSweepBase(200),
  space: { 'optimizer.kwargs.lr': { loguniform: [1e-3, 1e-1] } },
  samples: 4,
  seed: 7,
  eval_every: 50,
};

function writeSpec(name: string, spec: unknown): string {
  const file = join(tmp, `${name}.json`);
  writeFileSync(file, JSON.stringify(spec));
  return file;
}

const readLines = (file: string): TrialRecord[] =>
  readFileSync(file, 'utf8')
    .trimEnd()
    .split('\n')
    .map((l) => JSON.parse(l) as TrialRecord);

describe('anneal sweep', () => {
  const config = writeSpec('lrs', SPEC);
  const out = join(tmp, 'lrs.jsonl');
  let summary: Record<string, unknown>;

  beforeAll(async () => {
    const { code, stdout, stderr } = await runCli(
      'sweep',
      '--config',
      config,
      '--workers',
      '2',
      '--out',
      out,
      '--json',
    );
    expect(stderr).toBe('');
    expect(code).toBe(0);
    summary = JSON.parse(stdout);
  }, 120_000);

  it('runs the trials, appends their records to --out, and prints the summary as JSON', () => {
    const records = readLines(out).sort((a, b) => a.trial - b.trial);
    expect(records.map((r) => r.trial)).toEqual([0, 1, 2, 3]);
    expect(records.every((r) => r.sweep === 'lrs' && r.state === 'complete')).toBe(true);
    const lrs = records.map((r) => r.params['optimizer.kwargs.lr'] as number);
    expect(new Set(lrs).size).toBe(4);
    for (const lr of lrs) expect(lr >= 1e-3 && lr <= 1e-1).toBe(true);
    const best = records.reduce((a, b) => (b.value! < a.value! ? b : a));
    expect(summary).toMatchObject({
      sweep: 'lrs',
      metric: 'val_loss',
      mode: 'min',
      results: out,
      trials: 4,
      complete: 4,
      pruned: 0,
      failed: 0,
      resumed: 0,
    });
    expect(summary.best).toEqual(best);
  });

  it("anneal train --config on a record's config reproduces its final metric", async () => {
    const record = readLines(out)[0];
    const file = join(tmp, 'trial.json');
    writeFileSync(file, JSON.stringify(record.config));
    const { code, stdout } = await runCli('train', '--config', file, '--json');
    expect(code).toBe(0);
    const run = JSON.parse(stdout);
    expect(run.final_val_loss).toBe(record.value);
    expect(record.evals.at(-1)?.step).toBe(200);
  });

  it('prints a table of the best trials and where the results are; a rerun resumes every trial', async () => {
    const { code, stdout, stderr } = await runCli('sweep', '--config', config, '--out', out, '--top', '2');
    expect(code).toBe(0);
    expect(stderr).toMatch(/^anneal sweep lrs: workers one per core, results in /);
    expect(stdout).toMatch(/^anneal sweep lrs — 4 trials: 4 complete, 0 pruned, 0 failed \(4 from the results file/);
    expect(stdout).toMatch(/rank +trial +val_loss +state +optimizer\.kwargs\.lr +steps/);
    expect(stdout.split('\n').filter((l) => /^ +[12] +\d +\d/.test(l))).toHaveLength(2);
    expect(stdout).toMatch(/best: trial \d, val_loss 0\.\d+/);
    expect(stdout).toContain(`results: ${out}`);
    expect(readLines(out)).toHaveLength(4); // nothing appended
  });

  it('--report DIR --results FILE writes the report of a results file', async () => {
    const dir = join(tmp, 'report');
    const { code, stdout, stderr } = await runCli('sweep', '--report', dir, '--results', out, '--config', config);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toMatch(/the report of 4 trials is in/);
    expect(existsSync(join(dir, 'index.html'))).toBe(true);
    expect(readFileSync(join(dir, 'index.html'), 'utf8')).toContain('val_loss');
  });

  for (const [why, args, message] of [
    ['--workers 0', ['--config', config, '--workers', '0'], /--workers.*expected an integer in \[1, 1024\], got "0"/],
    ['--workers 1.5', ['--config', config, '--workers', '1.5'], /--workers.*got "1\.5"/],
    ['no --config', ['--workers', '2'], /give --config sweep\.json/],
    ['--results without --report', ['--results', out], /--results FILE goes with --report DIR/],
    [
      '--workers with --queue',
      ['--config', config, '--queue', 'redis://127.0.0.1:1/0', '--workers', '2'],
      /--workers is for/,
    ],
    ['a missing spec file', ['--config', join(tmp, 'nope.json')], /cannot read .*nope\.json: ENOENT/],
    [
      'a results file in a folder that does not exist',
      ['--config', config, '--out', join(tmp, 'missing', 'lrs.jsonl')],
      /cannot write the results file .*missing\/lrs\.jsonl: ENOENT/,
    ],
    ['a results file that is a folder', ['--config', config, '--out', tmp], /cannot read .*: EISDIR/],
    [
      'a space key that is not a run-config key',
      ['--config', writeSpec('bad-key', { ...SPEC, space: { learning_rate: { grid: [0.1] } } })],
      /"learning_rate" is not a run-config key/,
    ],
    [
      'an empty grid',
      ['--config', writeSpec('empty', { ...SPEC, space: { seed: { grid: [] } } })],
      /space\.seed: "grid" must be a non-empty list of values, got \[\]/,
    ],
    [
      'a results file of another sweep',
      ['--config', writeSpec('other', SPEC), '--out', out],
      /holds the results of another sweep \("lrs", not "other"\)/,
    ],
  ] as const) {
    it(`refuses ${why} with exit code 2 and a clear message`, async () => {
      const { code, stdout, stderr } = await runCli('sweep', ...args);
      expect(code).toBe(2);
      expect(stdout).toBe('');
      expect(stderr).toMatch(message);
    });
  }
});
