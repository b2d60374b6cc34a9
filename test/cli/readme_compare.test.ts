import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from './run_cli.ts';

// The README's `anneal compare` examples run as printed (only --out, --json and --quiet are added, so that
// nothing is written into the working directory). The first one (--out docs/compare --png) makes the README's
// own report and is the default comparison, which test/report/compare.test.ts covers.

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
// (The --preset example is test/cli/batch_vs_decay.test.ts's.)
const examples = [...readme.matchAll(/^npx anneal (compare\b.*)$/gm)]
  .map((m) => shellWords(m[1]))
  .filter((words) => !words.includes('--preset'));
const tmp = mkdtempSync(join(tmpdir(), 'anneal-readme-compare-'));

interface Row {
  id: string;
  strategy: string;
  reached_target: number;
  steps_to_target: { mean: number };
}

const escapeRe = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

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
        'grow-batch(step_size=200, gamma=0.5, max_batch_size=800)',
      '--seeds',
      '10',
    ]);
  });

  it("show the docs report's own numbers: its table and its conclusion, pasted from docs/compare", () => {
    const md = readFileSync(new URL('../../docs/compare/report.md', import.meta.url), 'utf8');
    const results = JSON.parse(readFileSync(new URL('../../docs/compare/results.json', import.meta.url), 'utf8'));
    const table = md.split('\n').filter((l) => l.startsWith('|'));
    expect(table.length).toBe(2 + results.rows.length);
    for (const line of table) expect(readme).toContain(`${line}\n`);
    const conclusion = results.conclusion.text.join(' ');
    expect(readme.replace(/\s*\n\s*/g, ' ')).toContain(conclusion.replace(/\|/g, '\\|'));
    // The conclusion names the strategy with the fewest mean steps among those that reached the target every time.
    const all = results.rows.filter(
      (r: { reached_target: number }) => r.reached_target === results.settings.seeds.length,
    );
    const fastest = all.reduce((a: Row, b: Row) => (b.steps_to_target.mean < a.steps_to_target.mean ? b : a));
    expect(results.conclusion.fastest.strategy).toBe(fastest.strategy);
    expect(conclusion).toContain(`Fastest to val loss ≤ ${results.settings.target_loss}: ${fastest.strategy}, `);
    expect(results.settings.seeds).toEqual([0, 1, 2, 3, 4]);
  });

  it(
    'the second runs as printed: four strategies over ten seeds, ' +
      'the batch growing ×2 every 200 steps up to the whole training set',
    async () => {
      const out = join(tmp, 'second');
      const { code, stdout, stderr } = await runCli(...examples[1], '--out', out, '--json', '--quiet');
      expect(code, stderr).toBe(0);
      const { settings, rows, conclusion } = JSON.parse(stdout);
      expect(settings.steps).toBe(2000);
      expect(settings.seeds).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
      expect(rows.map((r: { strategy: string }) => r.strategy)).toEqual([
        'constant lr 0.1',
        'CosineAnnealingLR(T_max=2000)',
        'StepLR(step_size=200, gamma=0.5)',
        'grow batch ×1/0.5 every 200',
      ]);
      for (const row of rows) {
        expect(row.diverged, row.strategy).toEqual([]);
        expect(row.runs.map((r: { seed: number }) => r.seed)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
      }
      const all = rows.filter((r: Row) => r.reached_target === 10);
      if (all.length) {
        const fastest = all.reduce((a: Row, b: Row) => (b.steps_to_target.mean < a.steps_to_target.mean ? b : a));
        expect(conclusion.text[0]).toMatch(new RegExp(`^Fastest to val loss ≤ 0.1: ${escapeRe(fastest.strategy)}, `));
      }
      // The grow-batch row is an ordinary anneal train run: 32 a step, ×2 from the first epoch start at or after
      // steps 200, 400, ..., capped at the 800 training rows; an epoch is floor(800 / size) steps.
      const grow = rows[3];
      const configFile = join(out, grow.runs[0].config);
      const config = JSON.parse(readFileSync(configFile, 'utf8'));
      expect(config.batch_schedule).toEqual({
        type: 'StepBS',
        args: { step_size: 200, gamma: 2, max_batch_size: 800 },
        interval: 'step',
      });
      const expected: number[] = [];
      while (expected.length < 2000) {
        const size = Math.min(800, 32 * 2 ** Math.floor(expected.length / 200));
        for (let k = 0; k < Math.floor(800 / size) && expected.length < 2000; k++) expected.push(size);
      }
      const rerun = await runCli('train', '--config', configFile, '--json');
      expect(rerun.code, rerun.stderr).toBe(0);
      const run = JSON.parse(rerun.stdout);
      expect(run.batch_sizes).toEqual(expected);
      expect(new Set(expected)).toEqual(new Set([32, 64, 128, 256, 512, 800]));
      expect(run.final_loss).toBe(grow.runs[0].final_loss);
      // Its epochs to the target are the samples of those sizes over the 800 training rows.
      const hit = grow.runs[0].steps_to_target;
      if (hit !== null)
        expect(grow.runs[0].epochs_to_target).toBe(expected.slice(0, hit).reduce((a, b) => a + b, 0) / 800);
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
    expect(rows.map((r: { id: string }) => r.id)).toEqual([
      'constant-0.1',
      'constant-0.001',
      'manual-decay',
      'step',
      'halving',
      'cosine',
      'doubling-batch',
    ]);
    expect(rows.find((r: Row) => r.id === 'halving').strategy).toBe('StepLR(600, 0.5)');
  });
});
