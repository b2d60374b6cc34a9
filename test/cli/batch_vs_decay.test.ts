import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { comparePreset } from '../../src/cli/compare_preset.ts';
import { DEFAULT_BATCH_VS_DECAY, type BatchVsDecaySettings } from '../../src/report/batch_vs_decay.ts';
import { runCli } from './run_cli.ts';

const tmp = mkdtempSync(join(tmpdir(), 'anneal-bvd-'));

/** The preset's setting, shortened: 10 epochs, milestones 3, 6, 8. */
const SHORT: Partial<BatchVsDecaySettings> = { epochs: 10, milestones: [3, 6, 8] };

interface ResultsJson {
  settings: { seeds: number[]; n_train: number; epochs: number };
  schedules: { id: string; updates: number; arithmetic: string }[];
  optimizers: {
    optimizer: { type: string };
    conclusion: string[];
    agreement: { agreeing: number; compared: number; final: boolean };
    schedules: { id: string; runs: { seed: number; config: string; final_val_accuracy: number; updates: number }[] }[];
  }[];
}

describe('anneal compare --preset batch-vs-decay (comparePreset)', () => {
  it('writes the report, the charts, results.json and every run config; anneal train reruns a run', async () => {
    const out = join(tmp, 'short');
    const text = await comparePreset('batch-vs-decay', { out, quiet: true, seed: 3, seeds: 2, command: 'x' }, SHORT);
    const files = readdirSync(out).sort();
    expect(files).toEqual(
      [
        'adam_val_accuracy_epochs.svg',
        'adam_val_accuracy_updates.svg',
        'batch_size.svg',
        'lr.svg',
        'report.html',
        'report.md',
        'results.json',
        'runs',
        'sgd_val_accuracy_epochs.svg',
        'sgd_val_accuracy_updates.svg',
      ].sort(),
    );
    // 2 optimizers × 3 schedules × 2 seeds
    expect(readdirSync(join(out, 'runs')).length).toBe(12);
    const results = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as ResultsJson;
    expect(results.settings.seeds).toEqual([3, 4]);
    expect(results.settings.n_train).toBe(1437);
    // floor(1437/10) = 143, floor(1437/50) = 28, floor(1437/250) = 5, floor(1437/1250) = 1
    expect(results.schedules.map((s) => s.updates)).toEqual([
      10 * 143,
      3 * 143 + 3 * 28 + 2 * 5 + 2,
      3 * 143 + 3 * 28 + 4 * 5,
    ]);
    expect(results.schedules[1].arithmetic).toBe('3·143 + 3·28 + 2·5 + 2·1 = 525');
    const report = readFileSync(join(out, 'report.md'), 'utf8');
    expect(report).toContain(
      "(b) took 525 parameter updates, 63.3 % fewer than (a)'s 1,430; (c) took 533, 62.7 % fewer.",
    );
    expect(report).toContain('| (b) increasing batch | 3·143 + 3·28 + 2·5 + 2·1 = 525 | 525 | 63.3 % |');
    expect(text).toContain('wrote sgd_val_accuracy_epochs.svg');

    const hybrid = results.optimizers[0].schedules[2].runs[1];
    expect(hybrid.config).toBe('runs/sgd-hybrid.seed4.json');
    const rerun = await runCli('train', '--config', join(out, hybrid.config), '--json');
    expect(rerun.code).toBe(0);
    const trained = JSON.parse(rerun.stdout) as { final_val_accuracy: number; loss: number[] };
    expect(trained.final_val_accuracy).toBe(hybrid.final_val_accuracy);
    expect(trained.loss).toHaveLength(533);
  });

  it('prints results.json with --json', async () => {
    const out = join(tmp, 'json');
    const one = { ...SHORT, optimizers: [DEFAULT_BATCH_VS_DECAY.optimizers[1]] };
    const text = await comparePreset('batch-vs-decay', { out, json: true, seeds: 1 }, one);
    const printed = JSON.parse(text) as ResultsJson;
    expect(printed.optimizers.map((o) => o.optimizer.type)).toEqual(['Adam']);
    expect(printed.settings.seeds).toEqual([0]);
    expect(printed).toEqual(JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')));
  });

  it('refuses an unknown preset, flags it does not read and an unusable --out, before training', async () => {
    await expect(comparePreset('batch-vs-decays', { out: join(tmp, 'x') })).rejects.toThrow(
      '--preset: unknown preset "batch-vs-decays"; known: batch-vs-decay',
    );
    await expect(
      comparePreset('batch-vs-decay', { out: join(tmp, 'x'), given: ['preset', 'strategies', 'batchSize'] }),
    ).rejects.toThrow('--strategies, --batch-size do not apply with --preset batch-vs-decay');
    await expect(comparePreset('batch-vs-decay', { out: join(tmp, 'x'), seeds: 1 }, { batchSize: 12 })).rejects.toThrow(
      'would grow the batch to 12 · 5^3 = 1500, more than the 1437 training rows',
    );
    const file = join(tmp, 'a-file');
    writeFileSync(file, '');
    await expect(comparePreset('batch-vs-decay', { out: file, seeds: 1 }, SHORT)).rejects.toThrow(
      `--out ${file}: is a file, not a folder`,
    );
    expect(existsSync(join(tmp, 'x'))).toBe(false);
  });

  it('runs through anneal compare --preset batch-vs-decay', async () => {
    const out = join(tmp, 'cli');
    const { code, stdout } = await runCli(
      'compare',
      '--preset',
      'batch-vs-decay',
      '--seeds',
      '1',
      '--out',
      out,
      '--json',
    );
    expect(code).toBe(0);
    const results = JSON.parse(stdout) as ResultsJson;
    expect(results.settings.epochs).toBe(200);
    expect(results.schedules.map((s) => s.updates)).toEqual([
      200 * 143,
      60 * 143 + 60 * 28 + 40 * 5 + 40,
      60 * 143 + 60 * 28 + 80 * 5,
    ]);
    const refused = await runCli('compare', '--preset', 'batch-vs-decay', '--strategies', 'cosine', '--out', out);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('--strategies does not apply with --preset batch-vs-decay');
  });
});

describe("the README's batch-vs-decay section", () => {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const section = readme.slice(readme.indexOf('### Growing the batch instead of decaying the lr'));
  const text = section.slice(0, section.indexOf('\n### ')).replace(/\s*\n\s*/g, ' ');
  const docs = JSON.parse(
    readFileSync(new URL('../../docs/lesson/batch-vs-decay/results.json', import.meta.url), 'utf8'),
  ) as ResultsJson;

  it('shows the preset as the CLI runs it, with the update counts of the arithmetic and of the paper', () => {
    expect(/^npx anneal (compare --preset batch-vs-decay --out \S+ --png)\b/m.test(readme)).toBe(true);
    const [a, b, c] = docs.schedules.map((s) => s.updates);
    const n = (v: number) => v.toLocaleString('en-US').replace(/,/g, ' ');
    expect(text).toContain(`${n(a)} / ${n(b)} / ${n(c)}`);
    expect(text).toContain(`| 78 000 / 28 800 / 29 280 (same arithmetic) |`);
    expect([78_000, 28_800, 29_280]).toEqual([
      200 * Math.floor(50_000 / 128),
      60 * Math.floor(50_000 / 128) +
        60 * Math.floor(50_000 / 640) +
        40 * Math.floor(50_000 / 3200) +
        40 * Math.floor(50_000 / 16_000),
      60 * Math.floor(50_000 / 128) + 60 * Math.floor(50_000 / 640) + 80 * Math.floor(50_000 / 3200),
    ]);
  });

  it("quotes docs/lesson/batch-vs-decay's own numbers", () => {
    const [sgd, adam] = docs.optimizers.map((o) => o.agreement);
    expect(text).toContain(`at ${sgd.agreeing} (SGD) and ${adam.agreeing} (Adam) of the ${sgd.compared} epoch ends`);
    expect(sgd.final && adam.final).toBe(true);
    const [a, b] = docs.schedules.map((s) => s.updates);
    expect(text).toContain(`(b) took ${(100 * (1 - b / a)).toFixed(1)} % fewer parameter updates than (a)`);
  });
});
