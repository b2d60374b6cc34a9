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
/** The comparison as anneal train runs it below: no held-out set, every step evaluated. */
const AS_TRAIN = ['--val-split', '0', '--eval-every', '1'];

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

const run0lr = (result: ReturnType<typeof runComparison>, k: number) => result.strategies[k].runs[0].lr;

describe('anneal compare', () => {
  it('each row is a separate anneal train run with the same seed and settings, number for number', async () => {
    const out = join(tmp, 'report');
    const { code, stdout, stderr } = await runCli(
      'compare',
      '--strategies',
      STRATEGIES,
      ...SETTINGS,
      ...AS_TRAIN,
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
        // Epochs to it: the samples of the steps before it, from the batch sizes train used, over 120 samples.
        const before = (t.batch_sizes as number[]).slice(0, run.steps_to_target ?? 0);
        expect(run.epochs_to_target).toBe(hit ? before.reduce((a, b) => a + b, 0) / 120 : null);
        // And the run config compare wrote reruns the same.
        const again = await runCli('train', '--config', join(out, run.config), '--json');
        expect(JSON.parse(again.stdout).final_loss).toBe(t.final_loss);
        finals.push(t.final_loss);
      }
      expect(row.final_loss.mean).toBeCloseTo((finals[0] + finals[1]) / 2, 15);
      expect(row.final_loss.sd).toBeCloseTo(Math.abs(finals[0] - finals[1]) / Math.SQRT2, 15);
      expect([row.final_loss.min, row.final_loss.max]).toEqual([Math.min(...finals), Math.max(...finals)]);
      expect(row.final_loss.median).toBe((finals[0] + finals[1]) / 2);
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
    expect(files).toEqual(['boundaries.svg', 'curves.svg', 'report.html', 'report.md', 'results.json', 'runs']);
    expect(readdirSync(join(out, 'runs')).length).toBe(14);
    const html = readFileSync(join(out, 'report.html'), 'utf8');
    expect(html.match(/<svg /g)?.length).toBe(2);
    expect(html).not.toMatch(/<script|<link|<img|src=|url\((?!#)/); // only references inside the page
    // Each inlined chart has its own ids, so their clip paths cannot clash.
    const ids = [...html.matchAll(/ id="([^"]+)"/g)].map((m) => m[1]);
    expect(new Set(ids).size).toBe(ids.length);
    expect(html.replace(/xmlns(:xlink)?="http:\/\/www\.w3\.org\/[^"]*"/g, '')).not.toMatch(/https?:/);
    for (const row of rows) expect(html).toContain(`<td>${row.strategy.replace(/&/g, '&amp;')}</td>`);
    expect(JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')).rows).toEqual(rows);
    const md = readFileSync(join(out, 'report.md'), 'utf8');
    expect(md).toContain('| strategy | final loss | accuracy | steps to loss ≤ 0.15 | epochs to it | wall time |');
    expect(md.split('\n').filter((l) => l.startsWith('| ') && !l.startsWith('| strategy')).length).toBe(7);
    expect(md).toContain('![curves](curves.svg)');
    // The conclusion names the strategy with the fewest mean steps among those whose every run reached the target.
    const complete = rows.filter((r: { reached_target: number }) => r.reached_target === 2);
    const best = complete.reduce(
      (a: { steps_to_target: { mean: number } }, b: { steps_to_target: { mean: number } }) =>
        b.steps_to_target.mean < a.steps_to_target.mean ? b : a,
    );
    expect(md).toContain(`Fastest to training loss ≤ 0.15: ${best.strategy}, `);
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
    expect(charts.map((c) => c.name)).toEqual(['curves', 'boundaries']);
    const option = charts[0].option;
    const titles = (option.title as { text: string }[]).map((t) => t.text);
    expect(titles).toEqual([
      'One seed per strategy, smoothed',
      'Training loss (log scale)',
      'Training accuracy %',
      'Learning rate (log scale)',
      'Batch size',
    ]);
    const lines = (
      option.series as { type: string; name: string; xAxisIndex: number; data: [number, number][] }[]
    ).filter((x) => x.type === 'line');
    const panel = (p: number) => lines.filter((l) => l.xAxisIndex === p);
    const names = ['constant lr 0.1', 'CosineAnnealingLR(T_max=60)', 'grow batch ×1/0.5 every 10'];
    for (let p = 0; p < 4; p++) expect(panel(p).map((l) => l.name)).toEqual(names);
    expect((option.legend as { data: string[] }).data).toEqual(names);
    // 21 evaluations: half-width floor(21 / 40) = 0, so the one seed's points are drawn as they are.
    const atEvals = (v: number[]) => v.flatMap((x, i) => (i % 3 === 0 || i === 59 ? [[i, x]] : []));
    result.strategies.forEach((s, k) => {
      const run = s.runs[0];
      expect(panel(0)[k].data).toEqual(run.evals.map((e) => [e.step, e.loss]));
      expect(panel(1)[k].data).toEqual(run.evals.map((e) => [e.step, 100 * e.accuracy]));
      expect(panel(2)[k].data).toEqual(atEvals(run.lr));
      expect(panel(3)[k].data).toEqual(atEvals(run.batchSizes));
      expect(run.evals.map((e) => e.step)).toEqual([...Array.from({ length: 20 }, (_, i) => 3 * i), 60]);
      expect(run.stepsToTarget).toBe(stepsToTarget(run.evals, 0.3));
    });
    expect(run0lr(result, 1)[30]).toBeCloseTo(0.025, 12); // cosine at half way
    expect(new Set(result.strategies[2].runs[0].batchSizes)).toEqual(new Set([16, 32, 64]));
    const boundaries = charts.find((c) => c.name === 'boundaries')!.option;
    expect((boundaries.grid as unknown[]).length).toBe(3);
    const rows = comparisonRows(result);
    expect(rows.map((r) => r.runs[0].final_loss)).toEqual(result.strategies.map((s) => s.runs[0].finalLoss));
  });

  it('by default a held-out set, its loss the target; steps and epochs to it as anneal train counts', async () => {
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
      new RegExp(
        /anneal compare — 2 strategies × 3 seeds, MLP 2-16-16-2, Adam, 300 steps, batch 32, /.source +
          /96 training samples \(and a held-out set\); mean ± sd over the seeds/.source,
      ),
    );
    expect(stdout).toMatch(/final train loss +final val loss +val accuracy +steps to val loss ≤ 0.15 +epochs to it/);
    expect(stdout).toMatch(
      /CosineAnnealingLR\(T_max=300\)\s+\d\.\d+ ± \d\.\d+\s+\d\.\d+ ± \d\.\d+\s+\d+\.\d % ± \d+\.\d %/,
    );
    const results = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'));
    expect(results.settings.validation).toEqual({ val_split: 0.2, seed: 0 });
    expect(results.settings.target_metric).toBe('val_loss');
    const cos = results.rows[1];
    const losses = cos.runs.map((r: { final_val_loss: number }) => r.final_val_loss);
    const mean = losses.reduce((a: number, b: number) => a + b, 0) / 3;
    expect(cos.final_val_loss.mean).toBeCloseTo(mean, 15);
    expect(cos.final_val_loss.sd).toBeCloseTo(
      Math.sqrt(losses.reduce((a: number, v: number) => a + (v - mean) ** 2, 0) / 2),
      15,
    );
    // The training set's final loss keeps its own statistics beside the held-out one.
    const trainLosses = cos.runs.map((r: { final_loss: number }) => r.final_loss);
    const trainMean = trainLosses.reduce((a: number, b: number) => a + b, 0) / 3;
    expect(cos.final_loss.mean).toBeCloseTo(trainMean, 15);
    expect(cos.final_loss.sd).toBeCloseTo(
      Math.sqrt(trainLosses.reduce((a: number, v: number) => a + (v - trainMean) ** 2, 0) / 2),
      15,
    );
    expect(cos.reached_target).toBeGreaterThan(0); // so that the steps and epochs below are compared, not just null
    expect(cos.final_val_loss.median).toBe([...losses].sort((x, y) => x - y)[1]);
    for (const run of cos.runs) {
      // anneal train, evaluating every 10 steps as compare does: the first row whose val_loss is <= 0.15.
      const dir = join(tmp, `seeds-train-${run.seed}`);
      const train = await runCli('train', '--config', join(out, run.config), '--eval-every', '10', '--out', dir);
      expect(train.code, train.stderr).toBe(0);
      const rows = readFileSync(join(dir, 'history.csv'), 'utf8').trimEnd().split('\n').slice(1);
      const hit = rows.map((l) => l.split(',')).find((c) => c[7] !== '' && Number(c[7]) <= 0.15);
      expect(run.steps_to_target).toBe(hit ? Number(hit[0]) : null);
      expect(run.epochs_to_target).toBe(hit ? (Number(hit[0]) * 32) / 96 : null);
    }
    expect(results.conclusion.text.join(' ')).toBe(
      readFileSync(join(out, 'report.md'), 'utf8').split('## Conclusion\n\n')[1].split('\n')[0],
    );
    expect(stdout).toContain(results.conclusion.text[0].slice(0, 40));
    expect(readFileSync(join(out, 'curves.svg'), 'utf8')).toContain(
      'Median over 3 seeds (band: min–max over the seeds)',
    );
  });

  it('the curves are the median over seeds of each seed smoothed by a centred moving average, min–max band', () => {
    const settings: CompareSettings = {
      base: {
        sizes: [2, 8, 2],
        activation: 'tanh',
        data: { type: 'moons', n_samples: 80, noise: 0.2, shuffle: true, seed: 0 },
        optimizer: { type: 'Adam' },
        steps: 120,
        batchSize: 16,
        validation: { val_split: 0.25, seed: 0 },
      },
      strategies: parseStrategies('constant-0.1', { lr: 0.05, steps: 120 }),
      seeds: [0, 1, 2],
      targetLoss: 0.3,
      evalEvery: 3,
      boundary: false,
    };
    const result = runComparison(settings);
    const option = comparisonCharts(result).find((c) => c.name === 'curves')!.option;
    const series = option.series as { type: string; xAxisIndex: number; data: number[][] }[];
    const val = series.find((x) => x.type === 'line' && x.xAxisIndex === 1)!.data;
    const band = series.find((x) => x.type === 'custom' && x.xAxisIndex === 1)!.data;
    const runs = result.strategies[0].runs;
    expect(runs[0].evals.length).toBe(41); // half-width floor(41 / 40) = 1: three evaluations, centred
    const med3 = (v: number[]) => [...v].sort((a, b) => a - b)[1];
    for (const k of [1, 20, 39]) {
      const smoothed = runs.map(
        (r) => (r.evals[k - 1].val_loss! + r.evals[k].val_loss! + r.evals[k + 1].val_loss!) / 3,
      );
      expect(val[k][0]).toBe(3 * k);
      expect(val[k][1]).toBeCloseTo(med3(smoothed), 15);
      expect(band[2 * k]).toEqual([3 * k, Math.min(...smoothed)]);
      expect(band[2 * k + 1][1]).toBeCloseTo(Math.max(...smoothed), 15);
    }
    // At the ends the window shrinks to the point itself: the last point is the median of the final val losses.
    expect(val[40]).toEqual([120, med3(runs.map((r) => r.finalValLoss!))]);
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
          /.* more than the dataset size 80/.source,
      ),
    );
    expect(existsSync(out)).toBe(false);
    const preset = await runCli('compare', '--preset', 'nope', '--out', out);
    expect(preset.code).toBe(2);
    expect(preset.stderr).toContain('anneal compare: error: --preset: unknown preset "nope"');
    const split = await runCli('compare', '--val-split', '1', '--out', out);
    expect(split.code).toBe(2);
    expect(split.stderr).toContain('expected a fraction in [0, 1) (0: hold nothing out), got "1"');
    // 100 samples, 20 held out: a batch of 90 does not fit the 80 training rows.
    const batch = await runCli('compare', '--samples', '100', '--batch-size', '90', '--out', out);
    expect(batch.code).toBe(2);
    expect(batch.stderr).toContain(
      '--batch-size: must be at most the training-set size 80 (100 samples, 20 held out), or full; got 90',
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
        '--seeds',
        '1',
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
        '--seeds',
        '1',
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
        '--seeds',
        '1',
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
      '--seeds',
      '1',
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
    const one = ['--seeds', '1'];
    const { code, stdout, stderr } = await runCli(
      'compare',
      ...args,
      ...one,
      '--val-split',
      '0.25',
      '--out',
      out,
      '--json',
    );
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
    const md = readFileSync(join(out, 'report.md'), 'utf8');
    expect(md).toContain('| strategy | final train loss | final val loss | val accuracy | steps to val loss ≤ 0.1 |');
    expect(md).toContain('held-out set: 0.25 of the data');
    expect(readFileSync(join(out, 'curves.svg'), 'utf8')).toContain('Held-out (val) loss');
    // --val-split 0: no held-out columns or panels, and the target applies to the training loss.
    const plain = await runCli('compare', ...args, ...one, '--val-split', '0', '--out', join(tmp, 'plain'), '--json');
    const parsed = JSON.parse(plain.stdout);
    expect(parsed.rows[0].final_val_loss).toBeUndefined();
    expect(parsed.settings.target_metric).toBe('loss');
    expect(parsed.conclusion.text[0]).toMatch(/^(Fastest to training loss ≤ 0.1|No strategy reached training loss)/);
    expect(readFileSync(join(tmp, 'plain', 'curves.svg'), 'utf8')).not.toContain('Held-out');
  });
});
