import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runComparison, stepsToTarget, type CompareSettings } from '../../src/report/compare.ts';
import { comparisonCharts, comparisonRows } from '../../src/report/compare_report.ts';
import { parseStrategies } from '../../src/report/strategies.ts';
import { runCli } from '../cli/run_cli.ts';

const tmp = mkdtempSync(join(tmpdir(), 'anneal-compare-'));

const STRATEGIES =
  'constant-0.1, step, cosine, plateau, onecycle, manual-decay, ' +
  'grow-batch(step_size=100, gamma=0.5, max_batch_size=120)';
const SETTINGS = ['--samples', '120', '--steps', '300', '--batch-size', '32', '--target-loss', '0.15', '--grid', '40'];

/** The anneal train flags of each strategy, written out by hand from the presets' definitions. */
const TRAIN_FLAGS: Record<string, string[]> = {
  'constant-0.1': ['--lr', '0.1', '--scheduler', 'none'],
  step: ['--lr', '0.05', '--scheduler', 'StepLR', '--step-size', '50', '--gamma', '0.99'],
  cosine: ['--lr', '0.05', '--scheduler', 'cosine', '--t-max', '300', '--eta-min', '0'],
  plateau: ['--lr', '0.05', '--scheduler', 'plateau', '--factor', '0.5', '--patience', '50'],
  onecycle: ['--lr', '0.05', '--scheduler', 'onecycle', '--max-lr', '0.05', '--total-steps', '300'],
  'manual-decay': ['--lr', '0.05', '--manual-decay', '50:0.99'],
  'grow-batch-step-size-100-gamma-0.5-max-batch-size-120': [
    '--lr',
    '0.05',
    '--scheduler',
    'none',
    '--batch-size',
    '32',
    '--batch-schedule',
    'StepBS(step_size=100, gamma=2, max_batch_size=120, interval=step)',
  ],
};

describe('anneal compare', () => {
  it('each row is a separate anneal train run with the same seed and settings, number for number', async () => {
    const out = join(tmp, 'report');
    const { code, stdout, stderr } = await runCli(
      'compare',
      '--strategies',
      STRATEGIES,
      ...SETTINGS,
      '--seeds',
      '2',
      '--seed',
      '4',
      '--out',
      out,
      '--json',
    );
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const { rows, settings } = JSON.parse(stdout);
    expect(settings.seeds).toEqual([4, 5]);
    expect(rows.map((r: { id: string }) => r.id)).toEqual(Object.keys(TRAIN_FLAGS));
    const grow = rows.find((r: { id: string }) => r.id.startsWith('grow-batch'));
    expect(grow.strategy).toBe('grow batch ×1/0.5 every 100');
    for (const row of rows) {
      const finals: number[] = [];
      for (const run of row.runs) {
        const dir = join(tmp, `train-${row.id}-${run.seed}`);
        const train = await runCli(
          'train',
          '--dataset',
          'moons',
          '--samples',
          '120',
          '--noise',
          '0.2',
          '--data-seed',
          '4',
          '--hidden',
          '16,16',
          '--activation',
          'tanh',
          '--optimizer',
          'Adam',
          '--steps',
          '300',
          '--batch-size',
          '32',
          '--seed',
          String(run.seed),
          '--eval-every',
          '1',
          '--no-boundary',
          '--out',
          dir,
          '--json',
          ...TRAIN_FLAGS[row.id],
        );
        expect(train.code, train.stderr).toBe(0);
        const t = JSON.parse(train.stdout);
        expect(run.final_loss, `${row.id} seed ${run.seed}`).toBe(t.final_loss);
        expect(run.final_accuracy).toBe(t.final_accuracy);
        // Steps to target from train's history.csv: the first row whose whole-dataset loss is <= 0.15.
        const csv = readFileSync(join(dir, 'history.csv'), 'utf8')
          .trimEnd()
          .split('\n')
          .slice(1)
          .map((l) => l.split(','));
        const hit = csv.find((c) => c[5] !== '' && Number(c[5]) <= 0.15);
        expect(run.steps_to_target).toBe(hit ? Number(hit[0]) : null);
        // And the run config compare wrote reruns the same.
        const again = await runCli('train', '--config', join(out, run.config), '--json');
        expect(JSON.parse(again.stdout).final_loss).toBe(t.final_loss);
        finals.push(t.final_loss);
      }
      expect(row.final_loss.mean).toBeCloseTo((finals[0] + finals[1]) / 2, 15);
      expect(row.final_loss.sd).toBeCloseTo(Math.abs(finals[0] - finals[1]) / Math.SQRT2, 15);
      expect([row.final_loss.min, row.final_loss.max]).toEqual([Math.min(...finals), Math.max(...finals)]);
    }
    const growRun = JSON.parse(
      readFileSync(join(out, 'runs', 'grow-batch-step-size-100-gamma-0.5-max-batch-size-120.seed4.json'), 'utf8'),
    );
    expect(growRun.batch_schedule).toEqual({
      type: 'StepBS',
      args: { step_size: 100, gamma: 2, max_batch_size: 120 },
      interval: 'step',
    });
    // It really grew its batch: 32, then 64 from the first epoch start at or after step 100, then 120 (capped).
    const grown = JSON.parse(
      (
        await runCli(
          'train',
          '--config',
          join(out, 'runs', 'grow-batch-step-size-100-gamma-0.5-max-batch-size-120.seed4.json'),
          '--json',
        )
      ).stdout,
    );
    expect([...new Set(grown.batch_sizes)]).toEqual([32, 64, 120]);
    expect(grown.batch_sizes.indexOf(64)).toBe(102); // epochs of 3 steps start at 0, 3, ..., 99, 102

    // The files: one self-contained report.html with the charts inlined, report.md, the charts, results.json, runs.
    const files = readdirSync(out).sort();
    expect(files).toEqual([
      'batch_size.svg',
      'boundaries.svg',
      'loss.svg',
      'lr.svg',
      'report.html',
      'report.md',
      'results.json',
      'runs',
    ]);
    expect(readdirSync(join(out, 'runs')).length).toBe(14);
    const html = readFileSync(join(out, 'report.html'), 'utf8');
    expect(html.match(/<svg /g)?.length).toBe(4);
    expect(html).not.toMatch(/<script|<link|<img|src=|url\((?!#)/); // only references inside the page
    // Each inlined chart has its own ids, so their clip paths cannot clash.
    const ids = [...html.matchAll(/ id="([^"]+)"/g)].map((m) => m[1]);
    expect(new Set(ids).size).toBe(ids.length);
    expect(html.replace(/xmlns(:xlink)?="http:\/\/www\.w3\.org\/[^"]*"/g, '')).not.toMatch(/https?:/);
    for (const row of rows) expect(html).toContain(`<td>${row.strategy.replace(/&/g, '&amp;')}</td>`);
    expect(JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')).rows).toEqual(rows);
    const md = readFileSync(join(out, 'report.md'), 'utf8');
    expect(md).toContain('| strategy | final loss | accuracy | steps to loss ≤ 0.15 | wall time |');
    expect(md.split('\n').filter((l) => l.startsWith('| ') && !l.startsWith('| strategy')).length).toBe(7);
    expect(md).toContain('![loss](loss.svg)');
  });

  it("the charts hold what they claim: one line per strategy, the lr and loss points are the runs' own", () => {
    const strategies = parseStrategies('constant-0.1, cosine, grow-batch(step_size=10, gamma=0.5, max_batch_size=64)', {
      lr: 0.05,
      steps: 60,
    });
    const settings: CompareSettings = {
      base: {
        sizes: [2, 8, 2],
        activation: 'tanh',
        data: { type: 'moons', n_samples: 80, noise: 0.2, shuffle: true, seed: 0 },
        optimizer: { type: 'Adam' },
        steps: 60,
        batchSize: 16,
      },
      strategies,
      seeds: [0],
      targetLoss: 0.3,
      evalEvery: 3,
      boundary: true,
      gridResolution: 30,
    };
    const result = runComparison(settings);
    const charts = comparisonCharts(result);
    expect(charts.map((c) => c.name)).toEqual(['lr', 'loss', 'batch_size', 'boundaries']);
    const series = (name: string) =>
      charts.find((c) => c.name === name)!.option.series as { name: string; data: [number, number][] }[];
    expect(series('lr').map((s) => s.name)).toEqual([
      'constant lr 0.1',
      'CosineAnnealingLR(T_max=60)',
      'grow batch ×1/0.5 every 10',
    ]);
    result.strategies.forEach((s, k) => {
      const run = s.runs[0];
      expect(series('lr')[k].data).toEqual(run.lr.map((v, i) => [i, v]));
      expect(series('loss')[k].data).toEqual(run.evals.map((e) => [e.step, e.loss]));
      expect(run.evals.map((e) => e.step)).toEqual([...Array.from({ length: 20 }, (_, i) => 3 * i), 60]);
      expect(run.stepsToTarget).toBe(stepsToTarget(run.evals, 0.3));
    });
    expect(series('lr')[1].data[30][1]).toBeCloseTo(0.025, 12); // cosine at half way
    const batch = series('batch_size');
    expect(batch.map((s) => s.name)).toEqual(['the other strategies', 'grow batch ×1/0.5 every 10']);
    expect(batch[1].data).toEqual(result.strategies[2].runs[0].batchSizes.map((b, i) => [i, b]));
    expect(new Set(result.strategies[2].runs[0].batchSizes)).toEqual(new Set([16, 32, 64]));
    const boundaries = charts.find((c) => c.name === 'boundaries')!.option;
    expect((boundaries.grid as unknown[]).length).toBe(3);
    const rows = comparisonRows(result);
    expect(rows.map((r) => r.runs[0].final_loss)).toEqual(result.strategies.map((s) => s.runs[0].finalLoss));
  });

  it('--seeds: the table shows mean ± sd (min–max) and how many runs reached the target', async () => {
    const out = join(tmp, 'seeds');
    const { code, stdout } = await runCli(
      'compare',
      '--strategies',
      'constant-0.001, cosine',
      ...SETTINGS,
      '--seeds',
      '3',
      '--out',
      out,
      '--quiet',
    );
    expect(code).toBe(0);
    expect(stdout).toMatch(
      /anneal compare — 2 strategies × 3 seeds, MLP 2-16-16-2, Adam, 300 steps, batch 32, 120 samples/,
    );
    expect(stdout).toMatch(
      /CosineAnnealingLR\(T_max=300\)\s+\d\.\d+ ± \d\.\d+ \(\d\.\d+–\d\.\d+\)\s+\d+\.\d % ± \d+\.\d %/,
    );
    expect(stdout).toMatch(/constant lr 0.001 .* not reached/);
    const results = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'));
    const cos = results.rows[1];
    const losses = cos.runs.map((r: { final_loss: number }) => r.final_loss);
    const mean = losses.reduce((a: number, b: number) => a + b, 0) / 3;
    expect(cos.final_loss.mean).toBeCloseTo(mean, 15);
    expect(cos.final_loss.sd).toBeCloseTo(
      Math.sqrt(losses.reduce((a: number, v: number) => a + (v - mean) ** 2, 0) / 2),
      15,
    );
    expect(readFileSync(join(out, 'loss.svg'), 'utf8')).toContain('mean over 3 seeds, band: min–max');
  });

  it('bad options are clear errors and write nothing', async () => {
    const out = join(tmp, 'bad');
    const unknown = await runCli('compare', '--strategies', 'step, warmup', '--out', out);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain(
      'anneal compare: error: --strategies: unknown strategy "warmup"; expected one of: presets constant-0.1',
    );
    const badArg = await runCli('compare', '--strategies', 'StepLR(step_size=0)', '--out', out, '--steps', '10');
    expect(badArg.code).toBe(2);
    expect(badArg.stderr).toContain(
      'strategy "StepLR(step_size=0)": StepLR: stepSize (step_size) must be an integer >= 1, got 0',
    );
    const tooBig = await runCli(
      'compare',
      '--strategies',
      'grow-batch(step_size=1, gamma=0.5)',
      '--samples',
      '100',
      '--steps',
      '50',
      '--out',
      out,
    );
    expect(tooBig.code).toBe(2);
    expect(tooBig.stderr).toMatch(
      new RegExp(
        /batch_schedule: StepBS: the batch size at training step \d+ \(the start of epoch \d+\) would be \d+ /.source +
          /.* more than the dataset size 100/.source,
      ),
    );
    expect(existsSync(out)).toBe(false);
    const file = join(tmp, 'plain-file');
    writeFileSync(file, '');
    const unwritable = await runCli('compare', '--strategies', 'step', '--steps', '10', '--out', file);
    expect(unwritable.code).toBe(2);
    expect(unwritable.stderr).toContain(`--out ${file}: is a file, not a folder`);
    const csv = join(tmp, 'three.csv');
    writeFileSync(
      csv,
      'a,b,c,label\n' +
        `${Array.from({ length: 40 }, (_, i) => `${i / 10},${(i % 7) / 3},${(i % 5) / 2},${i % 2}`).join('\n')}\n`,
    );
    const forced = await runCli(
      'compare',
      '--data',
      csv,
      '--strategies',
      'step',
      '--steps',
      '10',
      '--batch-size',
      '8',
      '--out',
      out,
      '--boundary',
    );
    expect(forced.code).toBe(2);
    expect(forced.stderr).toContain(
      'decision boundary: the data has 3 features per sample; a decision boundary can only be drawn for 2-D inputs',
    );
    expect(existsSync(out)).toBe(false);
    const auto = await runCli(
      'compare',
      '--data',
      csv,
      '--strategies',
      'step,cosine',
      '--steps',
      '10',
      '--batch-size',
      '8',
      '--out',
      out,
      '--quiet',
    );
    expect(auto.code).toBe(0);
    expect(readdirSync(out)).not.toContain('boundaries.svg');
    expect(readdirSync(out)).toContain('report.html');
  });

  it('a progress bar on a terminal; none with --quiet; --json prints only JSON', async () => {
    const tty = process.stdout.isTTY;
    process.stdout.isTTY = true;
    try {
      const shown = await runCli(
        'compare',
        '--strategies',
        'step',
        '--steps',
        '200',
        '--samples',
        '60',
        '--batch-size',
        '16',
        '--out',
        join(tmp, 'tty'),
        '--no-boundary',
      );
      expect(shown.code).toBe(0);
      expect(shown.stdout).toContain('training [');
      expect(shown.stdout).toContain('StepLR(50, 0.99)');
      const quiet = await runCli(
        'compare',
        '--strategies',
        'step',
        '--steps',
        '200',
        '--samples',
        '60',
        '--batch-size',
        '16',
        '--out',
        join(tmp, 'tty'),
        '--no-boundary',
        '--quiet',
      );
      expect(quiet.stdout).not.toContain('training [');
      const json = await runCli(
        'compare',
        '--strategies',
        'step',
        '--steps',
        '200',
        '--samples',
        '60',
        '--batch-size',
        '16',
        '--out',
        join(tmp, 'tty'),
        '--no-boundary',
        '--json',
      );
      expect(json.stdout.trimEnd().split('\n').length).toBe(1);
      expect(JSON.parse(json.stdout).rows[0].id).toBe('step');
    } finally {
      process.stdout.isTTY = tty;
    }
  });

  it('a strategy that diverges is reported, and the others still run', async () => {
    const out = join(tmp, 'nan');
    const { code, stdout } = await runCli(
      'compare',
      '--optimizer',
      'SGD',
      '--strategies',
      'constant(lr=1e39), cosine',
      '--steps',
      '30',
      '--samples',
      '60',
      '--batch-size',
      '16',
      '--out',
      out,
      '--json',
    );
    expect(code).toBe(0);
    const { rows } = JSON.parse(stdout);
    expect(rows[0].diverged).toEqual([{ seed: 0, step: 1 }]);
    expect(rows[0].final_loss).toBeNull();
    expect(rows[1].diverged).toEqual([]);
    expect(readFileSync(join(out, 'report.md'), 'utf8')).toContain('constant lr 1e+39 (diverged: seed 0 at step 1)');
  });
});

describe('report.md shows a data file name as text', () => {
  it('HTML in a CSV file name is escaped, not passed through to the Markdown viewer', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'anneal-md-'));
    const csv = join(dir, '<img src=x onerror=alert(1)>.csv');
    const rows = Array.from({ length: 40 }, (_, i) => `${Math.cos(i)},${Math.sin(i)},${i % 2}`);
    writeFileSync(csv, `x1,x2,label\n${rows.join('\n')}\n`);
    const out = join(dir, 'out');
    const { code, stderr } = await runCli(
      'compare',
      '--data',
      csv,
      '--strategies',
      'constant(lr=0.05)',
      '--seeds',
      '1',
      '--steps',
      '5',
      '--batch-size',
      '8',
      '--out',
      out,
      '--quiet',
    );
    expect(code, stderr).toBe(0);
    const md = readFileSync(join(out, 'report.md'), 'utf8');
    // Inside a fenced code block (the command that made the report) Markdown shows text as it is.
    const prose = md.replace(/```[\s\S]*?```/g, '');
    expect(prose).not.toContain('<img');
    expect(prose).toContain('&lt;img src=x onerror=alert(1)&gt;.csv');
    expect(md).toContain("```sh\nanneal compare --data '");
  });
});

describe('anneal compare --val-split', () => {
  it('holds out the same rows in every run; the table, charts and results.json show the held-out numbers', async () => {
    const out = join(tmp, 'held');
    const args = ['--strategies', 'constant-0.1, step', '--samples', '80', '--steps', '60', '--batch-size', '16'];
    const { code, stdout, stderr } = await runCli('compare', ...args, '--val-split', '0.25', '--out', out, '--json');
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const { rows, settings } = JSON.parse(stdout);
    expect(settings.validation).toEqual({ val_split: 0.25, seed: 0 });
    for (const row of rows) {
      expect(row.final_val_loss.n).toBe(1);
      expect(row.final_val_accuracy.mean).toBeGreaterThan(0);
      // Each run is the anneal train run of its config file, held-out set included.
      const config = join(out, row.runs[0].config);
      const train = JSON.parse((await runCli('train', '--config', config, '--json')).stdout);
      expect(train.validation).toEqual({ val_split: 0.25, seed: 0 });
      expect(row.runs[0].final_val_loss).toBe(train.final_val_loss);
      expect(row.runs[0].final_loss).toBe(train.final_loss);
    }
    expect(existsSync(join(out, 'val_loss.svg'))).toBe(true);
    const md = readFileSync(join(out, 'report.md'), 'utf8');
    expect(md).toContain('| strategy | final loss | accuracy | val loss | val accuracy |');
    expect(md).toContain('held-out set: 0.25 of the data');
    const text = await runCli('compare', ...args, '--val-split', '0.25', '--out', join(tmp, 'held2'), '--quiet');
    expect(text.stdout).toMatch(/final loss +accuracy +val loss +val accuracy/);
    // Without --val-split nothing changes: no held-out columns, no val_loss chart.
    const plain = await runCli('compare', ...args, '--out', join(tmp, 'plain'), '--json');
    expect(JSON.parse(plain.stdout).rows[0].final_val_loss).toBeUndefined();
    expect(existsSync(join(tmp, 'plain', 'val_loss.svg'))).toBe(false);
  });
});
