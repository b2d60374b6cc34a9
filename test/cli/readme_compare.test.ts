import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from './run_cli.ts';

// The README's `anneal compare` examples run as printed (only --out, --json and --quiet are added, so that
// nothing is written into the working directory). The first one (--out docs/compare --png) makes the README's
// own report and is the default comparison, which test/report/compare.test.ts covers.

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
const examples = [...readme.matchAll(/^npx anneal (compare\b.*)$/gm)].map((m) => shellWords(m[1]));
const tmp = mkdtempSync(join(tmpdir(), 'anneal-readme-compare-'));

/** Splits a command line as sh does for plain words and "double" or 'single' quotes; stops at a # comment. */
function shellWords(line: string): string[] {
  const words: string[] = [];
  const re = /\s*(?:"([^"]*)"|'([^']*)'|(#.*)|([^\s"'#]+))/y;
  let word: string | null = null;
  let m: RegExpExecArray | null;
  while (re.lastIndex < line.length && (m = re.exec(line)) !== null) {
    const separated = /^\s/.test(m[0]);
    if (separated && word !== null) {
      words.push(word);
      word = null;
    }
    if (m[3] !== undefined) break;
    word = (word ?? '') + (m[1] ?? m[2] ?? m[4]);
  }
  if (word !== null) words.push(word);
  return words;
}

describe("README's anneal compare examples", () => {
  it('are found: three, the first writing the docs report', () => {
    expect(examples.length).toBe(3);
    expect(examples[0]).toEqual(['compare', '--out', 'docs/compare', '--png']);
    expect(examples[1]).toEqual([
      'compare',
      '--strategies',
      'constant-0.1, cosine, StepLR(step_size=200, gamma=0.5), ' +
        'grow-batch(step_size=200, gamma=0.5, max_batch_size=300)',
      '--seeds',
      '5',
    ]);
  });

  it(
    'the second runs as printed: four strategies over five seeds, ' +
      'the batch growing ×2 every 200 steps up to the whole dataset',
    async () => {
      const out = join(tmp, 'second');
      const { code, stdout, stderr } = await runCli(...examples[1], '--out', out, '--json', '--quiet');
      expect(code, stderr).toBe(0);
      const { settings, rows } = JSON.parse(stdout);
      expect(settings.steps).toBe(2000);
      expect(settings.seeds).toEqual([0, 1, 2, 3, 4]);
      expect(rows.map((r: { strategy: string }) => r.strategy)).toEqual([
        'constant lr 0.1',
        'CosineAnnealingLR(T_max=2000)',
        'StepLR(step_size=200, gamma=0.5)',
        'grow batch ×1/0.5 every 200',
      ]);
      for (const row of rows) {
        expect(row.diverged, row.strategy).toEqual([]);
        expect(row.runs.map((r: { seed: number }) => r.seed)).toEqual([0, 1, 2, 3, 4]);
      }
      // The grow-batch row is an ordinary anneal train run: 64 until step 200, then 128, 256 and from step 600 the
      // whole dataset (300; 512 is capped), each size from the first epoch start at or after its step.
      const grow = rows[3];
      const configFile = join(out, grow.runs[0].config);
      const config = JSON.parse(readFileSync(configFile, 'utf8'));
      expect(config.batch_schedule).toEqual({
        type: 'StepBS',
        args: { step_size: 200, gamma: 2, max_batch_size: 300 },
        interval: 'step',
      });
      const rerun = await runCli('train', '--config', configFile, '--json');
      expect(rerun.code, rerun.stderr).toBe(0);
      const run = JSON.parse(rerun.stdout);
      const sizes: number[] = run.batch_sizes;
      expect(sizes.length).toBe(2000);
      expect(
        [sizes.slice(0, 200), sizes.slice(200, 400), sizes.slice(400, 600), sizes.slice(600)].map((part) => [
          ...new Set(part),
        ]),
      ).toEqual([[64], [128], [256], [300]]);
      expect(run.final_loss).toBe(grow.runs[0].final_loss);
    },
  );

  it('the third runs as printed', async () => {
    const { code, stdout, stderr } = await runCli(...examples[2], '--out', join(tmp, 'third'), '--json', '--quiet');
    expect(code, stderr).toBe(0);
    const { settings, rows } = JSON.parse(stdout);
    expect([settings.sizes, settings.optimizer, settings.steps, settings.data.type]).toEqual([
      [2, 8, 2],
      { type: 'SGD', kwargs: { momentum: 0.9 } },
      3000,
      'circles',
    ]);
    expect(rows.length).toBe(8);
    expect(rows.map((r: { id: string }) => r.id)).toEqual([
      'constant-0.1',
      'constant-0.001',
      'manual-decay',
      'step',
      'cosine',
      'plateau',
      'onecycle',
      'grow-batch',
    ]);
  });
});
