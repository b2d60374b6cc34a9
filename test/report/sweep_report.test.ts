import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LineSeriesOption, ParallelSeriesOption, ScatterSeriesOption } from 'echarts';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/params/error.ts';
import { renderSvg } from '../../src/plot/render.ts';
import { BEST_COLOR, MUTED } from '../../src/plot/sweep_charts.ts';
import { OutputError } from '../../src/report/output_dir.ts';
import {
  bestTrialsTable,
  failedTrialsTable,
  paramLabel,
  parallelData,
  rankTrials,
  sweepCharts,
  sweepReportHtml,
  trialLr,
  writeSweepReport,
} from '../../src/report/sweep_report.ts';
import type { TrialRecord } from '../../src/sweep/types.ts';

const STEP = { type: 'StepLR', args: { step_size: 50, gamma: 0.99 } };
const COSINE = { type: 'CosineAnnealingLR', args: { T_max: 100 } };

/** A trial of the hand-made sweep: params, state and curve given, the rest derived. */
function trial(
  index: number,
  lr: number,
  scheduler: unknown,
  sizes: number[],
  state: TrialRecord['state'],
  curve: number[],
  error?: string,
): TrialRecord {
  const evals = curve.map((value, i) => ({ step: 10 * i, value }));
  const params = { 'optimizer.args.lr': lr, scheduler, sizes };
  return {
    sweep: 'demo',
    trial: index,
    params,
    config: { sizes, optimizer: { type: 'SGD', kwargs: { lr } }, scheduler, steps: 40, data: { type: 'moons' } },
    state,
    pruned_at: state === 'pruned' ? evals[evals.length - 1].step : null,
    evals,
    value: evals.length ? curve[curve.length - 1] : null,
    ...(error ? { error } : {}),
    version: '0.1.0',
    wall_ms: 100 + index,
  };
}

/** Six trials: three completed (trial 3 best), two pruned (at steps 20 and 10), one failed at step 25. */
const RECORDS: TrialRecord[] = [
  trial(0, 0.1, STEP, [2, 16, 2], 'complete', [0.7, 0.5, 0.4, 0.35, 0.3]),
  trial(1, 0.01, STEP, [2, 8, 2], 'complete', [0.7, 0.6, 0.5, 0.45, 0.42]),
  trial(2, 0.001, null, [2, 16, 2], 'pruned', [0.7, 0.69, 0.68]),
  trial(3, 0.3, COSINE, [2, 16, 2], 'complete', [0.7, 0.4, 0.25, 0.2, 0.15]),
  trial(4, 0.0005, null, [2, 8, 2], 'pruned', [0.7, 0.695]),
  trial(5, 3, STEP, [2, 8, 2], 'failed', [0.7, 0.9, 2.5], 'the loss became NaN at step 25'),
];
const OPTIONS = { metric: 'val_loss', mode: 'min' as const };

const tmp = mkdtempSync(join(tmpdir(), 'anneal-sweep-report-'));

describe('the best trials', () => {
  it('ranks completed trials by the metric, then pruned ones; failed ones apart with their error', () => {
    expect(rankTrials(RECORDS, 'min').map((r) => r.trial)).toEqual([3, 0, 1, 2, 4]);
    expect(rankTrials(RECORDS, 'max').map((r) => r.trial)).toEqual([1, 0, 3, 4, 2]);
    const { head, rows } = bestTrialsTable(RECORDS, { ...OPTIONS, top: 4 });
    expect(head).toEqual(['rank', 'trial', 'val_loss', 'state', 'optimizer.args.lr', 'scheduler', 'sizes', 'steps']);
    expect(rows).toEqual([
      ['1', '3', '0.15', 'complete', '0.3', 'CosineAnnealingLR(T_max=100)', '[2, 16, 2]', '40'],
      ['2', '0', '0.3', 'complete', '0.1', 'StepLR(step_size=50, gamma=0.99)', '[2, 16, 2]', '40'],
      ['3', '1', '0.42', 'complete', '0.01', 'StepLR(step_size=50, gamma=0.99)', '[2, 8, 2]', '40'],
      ['4', '2', '0.68', 'pruned at step 20', '0.001', 'none', '[2, 16, 2]', '20'],
    ]);
    expect(failedTrialsTable(RECORDS)).toEqual({
      head: ['trial', 'optimizer.args.lr', 'scheduler', 'sizes', 'last evaluated step', 'error'],
      rows: [['5', '3', 'StepLR(step_size=50, gamma=0.99)', '[2, 8, 2]', '20', 'the loss became NaN at step 25']],
    });
  });

  it('shows a drawn number to four significant digits', () => {
    const drawn = RECORDS.map((r) => ({ ...r, params: { ...r.params, 'optimizer.args.lr': 0.1399406173961871 } }));
    expect(bestTrialsTable(drawn, OPTIONS).rows[0][4]).toBe('0.1399');
  });

  it('an accuracy is maximised unless told otherwise', () => {
    const rows = bestTrialsTable(RECORDS, { metric: 'val_accuracy' }).rows;
    expect(rows.map((r) => r[1])).toEqual(['1', '0', '3', '4', '2']);
  });

  it('labels scheduler specs, nested specs, lists and null readably', () => {
    expect(paramLabel(STEP)).toBe('StepLR(step_size=50, gamma=0.99)');
    expect(
      paramLabel({
        type: 'SequentialLR',
        args: { schedulers: [{ type: 'LinearLR', args: { start_factor: 0.1 } }, COSINE], milestones: [5] },
      }),
    ).toBe('SequentialLR(schedulers=[LinearLR(start_factor=0.1), CosineAnnealingLR(T_max=100)], milestones=[5])');
    expect(paramLabel({ type: 'StepBS', args: { gamma: 2 }, interval: 'epoch' })).toBe(
      'StepBS(gamma=2, interval="epoch")',
    );
    expect(paramLabel(null)).toBe('none');
    expect(paramLabel({ a: 1, b: 'x' })).toBe('{a=1, b="x"}');
  });

  it('takes the lr from the params when searched, else from the run config', () => {
    expect(trialLr(RECORDS[4])).toBe(0.0005);
    const unsearched = { ...RECORDS[0], params: { sizes: [2, 4, 2] } };
    expect(trialLr(unsearched)).toBe(0.1); // config.optimizer.kwargs.lr
    const viaArgs = { ...unsearched, config: { optimizer: { type: 'SGD', args: { lr: 0.02 } } } };
    expect(trialLr(viaArgs)).toBe(0.02);
    const viaGroups = { ...unsearched, config: { optimizer: { type: 'SGD', groups: [{ lr: 0.03 }] } } };
    expect(trialLr(viaGroups)).toBe(0.03);
    expect(trialLr({ ...unsearched, config: { optimizer: { type: 'SGD' } } })).toBeNull();
  });
});

describe('the charts', () => {
  const charts = sweepCharts(RECORDS, OPTIONS);
  const byName = (name: string) => charts.find((c) => c.name === name)!.option;

  it('parallel coordinates: an axis per searched key and the metric; lr on a log axis over its exact extent', () => {
    expect(charts.map((c) => c.name)).toEqual(['parallel', 'lr_scatter', 'curves']);
    const axes = byName('parallel').parallelAxis as Record<string, unknown>[];
    expect(axes.map((a) => [a.dim, a.name, a.type])).toEqual([
      [0, 'optimizer.args.lr', 'log'],
      [1, 'scheduler', 'category'],
      [2, 'sizes', 'category'],
      [3, 'val_loss', 'value'],
    ]);
    expect([axes[0].min, axes[0].max]).toEqual([0.0005, 0.3]); // the failed trial's lr 3 is left out
    expect(axes[1].data).toEqual(['StepLR(step_size=50, gamma=0.99)', 'none', 'CosineAnnealingLR(T_max=100)']);
    expect(axes[2].data).toEqual(['[2, 16, 2]', '[2, 8, 2]']);
    expect([axes[3].min, axes[3].max]).toEqual([0.15, 0.695]);
  });

  it('parallel coordinates: a row per trial equal to its params and metric; pruned grey, the best red', () => {
    const { rows } = parallelData(RECORDS, 'val_loss');
    expect([...rows.keys()]).toEqual([0, 1, 2, 3, 4]);
    expect(rows.get(3)).toEqual([0.3, 'CosineAnnealingLR(T_max=100)', '[2, 16, 2]', 0.15]);
    expect(rows.get(4)).toEqual([0.0005, 'none', '[2, 8, 2]', 0.695]);
    const series = byName('parallel').series as ParallelSeriesOption[];
    expect(series.map((s) => [s.name, s.data, s.lineStyle?.color])).toEqual([
      ['pruned (metric where pruned)', [rows.get(2), rows.get(4)], MUTED],
      ['completed (colour: val_loss)', [rows.get(0), rows.get(1)], undefined],
      ['best: trial 3', [rows.get(3)], BEST_COLOR],
    ]);
    // The completed trials are coloured by the metric (dark = low = better), over the completed trials' range.
    const visualMap = (byName('parallel').visualMap as Record<string, unknown>[])[0];
    expect([visualMap.dimension, visualMap.seriesIndex, visualMap.min, visualMap.max]).toEqual([3, [1], 0.3, 0.42]);
  });

  it('a numeric key within a decade is on a linear axis; lists of numbers are categories', () => {
    const narrow = RECORDS.map((r) => ({ ...r, params: { ...r.params, 'optimizer.args.lr': 0.01 * (1 + r.trial) } }));
    const axes = parallelData(narrow, 'val_loss').axes;
    expect([axes[0].type, axes[0].min, axes[0].max]).toEqual(['value', 0.01, 0.05]);
  });

  it('scatter: each trial at (lr, metric) on a log x axis; pruned grey, failed absent', () => {
    const option = byName('lr_scatter');
    const x = option.xAxis as Record<string, unknown>;
    expect([x.type, x.min, x.max]).toEqual(['log', 0.0001, 1]);
    const series = option.series as ScatterSeriesOption[];
    expect(series.map((s) => [s.name, s.data, s.itemStyle?.color])).toEqual([
      [
        'pruned (metric where pruned)',
        [
          [0.001, 0.68],
          [0.0005, 0.695],
        ],
        MUTED,
      ],
      [
        'completed',
        [
          [0.1, 0.3],
          [0.01, 0.42],
        ],
        '#2f6fde',
      ],
      ['best: trial 3', [[0.3, 0.15]], BEST_COLOR],
    ]);
  });

  it('curves: every trial with an evaluation; pruned ones grey, the others not, the best thick red', () => {
    const series = byName('curves').series as LineSeriesOption[];
    const look = series.map((s) => [s.name, s.lineStyle?.color, s.lineStyle?.type, (s.data as number[][]).length]);
    expect(look).toEqual([
      ['pruned (up to where pruned)', MUTED, 'solid', 3],
      ['pruned (up to where pruned)', MUTED, 'solid', 2],
      ['failed (up to the failure)', '#9b5de5', 'dashed', 3],
      ['completed', '#2f6fde', 'solid', 5],
      ['completed', '#2f6fde', 'solid', 5],
      ['best: trial 3', BEST_COLOR, 'solid', 5],
    ]);
    const best = series[5];
    expect(best.data).toEqual([
      [0, 0.7],
      [10, 0.4],
      [20, 0.25],
      [30, 0.2],
      [40, 0.15],
    ]);
    expect(best.lineStyle?.width).toBe(3);
    expect(series.filter((s) => s.name !== 'best: trial 3').every((s) => (s.lineStyle?.width as number) < 2)).toBe(
      true,
    );
    expect((byName('curves').legend as { data: string[] }).data).toEqual([
      'best: trial 3',
      'completed',
      'pruned (up to where pruned)',
      'failed (up to the failure)',
    ]);
    expect((byName('curves').yAxis as { type: string }[])[0].type).toBe('log');
  });

  it('render to SVG', () => {
    for (const c of charts) {
      const svg = renderSvg(c.option, c.width, c.height);
      expect(svg.startsWith('<svg')).toBe(true);
      expect(svg).toContain(c.name === 'parallel' ? 'CosineAnnealingLR(T_max=100)' : 'best: trial 3');
    }
  });
});

describe('the report files', () => {
  it('writes index.html, report.md, the charts and the best config, atomically, into a new folder', async () => {
    const dir = join(tmp, 'new', 'report');
    const written = await writeSweepReport(RECORDS, dir, { ...OPTIONS, png: true, source: 'demo.jsonl' });
    const names = ['parallel', 'lr_scatter', 'curves'].flatMap((c) => [`${c}.svg`, `${c}.png`]);
    expect(written.map((p) => p.slice(dir.length + 1))).toEqual([
      ...names,
      'index.html',
      'report.md',
      'best_config.json',
    ]);
    expect(readdirSync(dir).sort()).toEqual([...names, 'index.html', 'report.md', 'best_config.json'].sort());
    expect(JSON.parse(readFileSync(join(dir, 'best_config.json'), 'utf8'))).toEqual(RECORDS[3].config);
    const md = readFileSync(join(dir, 'report.md'), 'utf8');
    expect(md).toContain('| 1 | 3 | 0.15 | complete | 0.3 | CosineAnnealingLR(T_max=100) | [2, 16, 2] | 40 |');
    expect(md).toContain(
      '| 5 | 3 | StepLR(step_size=50, gamma=0.99) | [2, 8, 2] | 20 | the loss became NaN at step 25 |',
    );
    expect(md).toContain('![curves](curves.png)');
    expect(md).toContain('6 trials (demo.jsonl): 3 completed, 2 pruned, 1 failed');
    const png = readFileSync(join(dir, 'curves.png'));
    expect([...png.subarray(1, 4)].map((c) => String.fromCharCode(c)).join('')).toBe('PNG');
    // A second report (no PNGs) replaces the first whole; nothing temporary or stale is left.
    await writeSweepReport(RECORDS.slice(0, 4), dir, OPTIONS);
    expect(readFileSync(join(dir, 'report.md'), 'utf8')).toContain('4 trials: 3 completed, 1 pruned, 0 failed');
    expect(readdirSync(dir).sort()).toEqual(
      ['best_config.json', 'curves.svg', 'index.html', 'lr_scatter.svg', 'parallel.svg', 'report.md'], // no PNGs
    );
  });

  it('escapes hostile param strings in the HTML and the Markdown', async () => {
    const hostile = '<img src=x onerror=alert(1)>|"&';
    const records = RECORDS.map((r) => ({
      ...r,
      params: { ...r.params, activation: r.trial === 3 ? hostile : 'tanh' },
    }));
    const dir = join(tmp, 'hostile');
    await writeSweepReport(records, dir, OPTIONS);
    const html = readFileSync(join(dir, 'index.html'), 'utf8');
    expect(html).not.toContain('<img');
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;|&quot;&amp;');
    const md = readFileSync(join(dir, 'report.md'), 'utf8');
    expect(md).not.toContain('<img');
    expect(md).toContain('&lt;img src=x onerror=alert(1)&gt;\\|"&amp;');
    // A sweep's name too.
    const named = records.map((r) => ({ ...r, sweep: '<b>x</b>' }));
    expect(sweepReportHtml(named, [], OPTIONS)).toContain('<h1>Sweep &lt;b&gt;x&lt;/b&gt;</h1>');
  });
});

describe('refusals', () => {
  const refusal = async (records: TrialRecord[], dir = join(tmp, 'refused')) => {
    try {
      await writeSweepReport(records, dir, { ...OPTIONS, source: 'runs/demo.jsonl' });
    } catch (err) {
      return err as Error;
    }
    throw new Error('not refused');
  };

  it('no records', async () => {
    const err = await refusal([]);
    expect(err).toBeInstanceOf(ValidationError);
    expect(err.message).toBe(
      'anneal sweep --report: no trials to report: there are no records in runs/demo.jsonl ' +
        '(has the sweep finished a trial yet?)',
    );
    expect(existsSync(join(tmp, 'refused'))).toBe(false);
  });

  it('records of two sweeps, or a trial twice', async () => {
    const err = await refusal([...RECORDS, { ...RECORDS[0], sweep: 'other', trial: 9 }]);
    expect(err).toBeInstanceOf(ValidationError);
    expect(err.message).toBe(
      'anneal sweep --report: the records in runs/demo.jsonl are of 2 sweeps ("demo", "other"); ' +
        'a report is of one sweep: give one sweep’s results file',
    );
    const twice = await refusal([...RECORDS, RECORDS[2]]);
    expect(twice.message).toBe(
      'anneal sweep --report: trial 2 of sweep "demo" is recorded twice in runs/demo.jsonl; ' +
        'a trial’s result is recorded once',
    );
  });

  it('a folder that is a file, or that holds another tool’s files', async () => {
    const file = join(tmp, 'a-file');
    writeFileSync(file, 'x');
    const err = await refusal(RECORDS, file);
    expect(err).toBeInstanceOf(OutputError);
    expect(err.message).toBe(`--report ${file}: is a file, not a folder; give a folder you can write to`);
    const other = join(tmp, 'other');
    await writeSweepReport(RECORDS, other, OPTIONS).catch(() => {});
    writeFileSync(join(other, 'index.html'), '<p>my site</p>');
    const clash = await refusal(RECORDS, other);
    expect(clash).toBeInstanceOf(OutputError);
    expect(clash.message).toBe(
      `--report ${other}: the folder holds index.html, report.md, best_config.json, parallel.svg, ` +
        'lr_scatter.svg, curves.svg, which are not from a sweep report and would be overwritten; give an empty ' +
        'folder, a new one, or a previous sweep report’s',
    );
    expect(readFileSync(join(other, 'index.html'), 'utf8')).toBe('<p>my site</p>');
  });
});
