/**
 * A sweep's report (`anneal sweep --report DIR`): the best trials, each hyper-parameter's effect (parallel
 * coordinates, and the metric against the lr on a log axis), every trial's curve with the pruned ones greyed
 * out, and the failed trials with their errors; as HTML (charts inlined) and Markdown, from the records of the
 * sweep's JSON Lines file.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ValidationError } from '../params/error.ts';
import {
  BEST_COLOR,
  COMPLETE_COLOR,
  MUTED,
  metricScatterOption,
  parallelChartOption,
  parallelChartSize,
  trialCurvesOption,
  type CurveKind,
  type ParallelAxis,
  type TrialCurve,
} from '../plot/sweep_charts.ts';
import type { TrialRecord } from '../sweep/types.ts';
import { escapeHtml, escapeMd, reportHead } from './html.ts';
import { ensureWritableDir, OutputError, writeFilesAtomic, type OutputFile } from './output_dir.ts';
import type { ChartSpec } from './run_report.ts';

/** Options of `writeSweepReport` and of the builders it uses. */
export interface SweepReportOptions {
  /** The metric the trials report (`val_loss`, …), as the sweep names it; default 'metric'. */
  metric?: string;
  /** Whether lower or higher is better; default max for an accuracy, else min (the sweep's defaults). */
  mode?: 'min' | 'max';
  /** Rows of the best-trials table; default 10. */
  top?: number;
  /** Also write the charts as PNG (the Markdown then shows those); default false. */
  png?: boolean;
  /** The results file the records were read from, named in refusals and in the report. */
  source?: string;
  /** The command line that made the report, shown in it. */
  command?: string;
}

const WHERE = 'anneal sweep --report';
/** In every index.html this writes: a folder whose index.html lacks it holds something else. */
const MARKER = '<!-- anneal sweep report -->';
/** What a report folder holds besides the charts. */
const REPORT_FILES = ['index.html', 'report.md', 'best_config.json'];
const CHART_NAMES = ['parallel', 'lr_scatter', 'curves'];

/** The metric's name and direction, defaults filled in. */
function metricOf(options: SweepReportOptions): { metric: string; mode: 'min' | 'max' } {
  const metric = options.metric ?? 'metric';
  return { metric, mode: options.mode ?? (/accuracy/.test(metric) ? 'max' : 'min') };
}

/**
 * Checks that `records` are the trials of one sweep, each once, and returns the sweep's name; refuses (a
 * ValidationError naming the file) none, records of several sweeps, and a trial recorded twice.
 */
export function checkSweepRecords(records: readonly TrialRecord[], source?: string): string {
  const from = source ? ` in ${source}` : '';
  if (records.length === 0)
    throw new ValidationError(
      WHERE,
      'records',
      'the records of one sweep',
      [],
      `${WHERE}: no trials to report: there are no records${from} (has the sweep finished a trial yet?)`,
    );
  const sweeps = [...new Set(records.map((r) => r.sweep))];
  if (sweeps.length > 1)
    throw new ValidationError(
      WHERE,
      'records',
      'the records of one sweep',
      sweeps,
      `${WHERE}: the records${from} are of ${sweeps.length} sweeps ` +
        `(${sweeps.map((s) => JSON.stringify(s)).join(', ')}); ` +
        'a report is of one sweep: give one sweep’s results file',
    );
  const seen = new Set<number>();
  for (const r of records) {
    if (seen.has(r.trial))
      throw new ValidationError(
        WHERE,
        'records',
        'each trial recorded once',
        r.trial,
        `${WHERE}: trial ${r.trial} of sweep ${JSON.stringify(sweeps[0])} is recorded twice${from}; ` +
          'a trial’s result is recorded once',
      );
    seen.add(r.trial);
  }
  return sweeps[0];
}

/**
 * The trials with a metric, best first: the completed ones by the metric (ties by trial number), then the
 * pruned ones likewise — a pruned trial's value is from an earlier step, so it ranks below every completed
 * one, as Optuna's `best_trial` is the best completed trial. Failed trials are not ranked.
 */
export function rankTrials(records: readonly TrialRecord[], mode: 'min' | 'max'): TrialRecord[] {
  const sign = mode === 'min' ? 1 : -1;
  const ranked = (state: 'complete' | 'pruned') =>
    records
      .filter((r) => r.state === state && r.value !== null && Number.isFinite(r.value))
      .sort((a, b) => sign * ((a.value as number) - (b.value as number)) || a.trial - b.trial);
  return [...ranked('complete'), ...ranked('pruned')];
}

/** The run-config keys an lr is searched under, first found first used. */
const LR_KEYS = ['optimizer.args.lr', 'optimizer.kwargs.lr', 'optimizer.groups.0.lr', 'lr'];

const record = (v: unknown): Record<string, unknown> | undefined =>
  v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;

/**
 * A trial's lr: the searched one (`params['optimizer.args.lr']`, or `optimizer.kwargs.lr`, `optimizer.groups.0.lr`)
 * when there is one, else its run config's (`optimizer.args.lr`, `optimizer.kwargs.lr`, the first group's lr);
 * null when none is a positive number.
 */
export function trialLr(r: TrialRecord): number | null {
  const positive = (v: unknown) => (typeof v === 'number' && v > 0 && Number.isFinite(v) ? v : null);
  for (const key of LR_KEYS) if (Object.hasOwn(r.params, key)) return positive(r.params[key]);
  const optimizer = record(r.config.optimizer);
  const groups = optimizer?.groups;
  const first = Array.isArray(groups) ? record(groups[0]) : undefined;
  return positive(record(optimizer?.args)?.lr ?? record(optimizer?.kwargs)?.lr ?? first?.lr);
}

/** Whether some trial's lr is searched (then the scatter's axis is named by that key). */
function lrKey(records: readonly TrialRecord[]): string | undefined {
  return LR_KEYS.find((k) => records.some((r) => Object.hasOwn(r.params, k)));
}

/**
 * A hyper-parameter's value as a short readable label: a scheduler spec `StepLR(step_size=50, gamma=0.99)`,
 * a list `[2, 16, 2]`, `none` for null, a string as it is, a number by `String`.
 */
export function paramLabel(value: unknown): string {
  if (value === null || value === undefined) return 'none';
  if (typeof value === 'string') return value;
  if (typeof value !== 'object') return String(value);
  if (Array.isArray(value)) return `[${value.map(paramLabel).join(', ')}]`;
  const obj = value as Record<string, unknown>;
  const arg = (v: unknown) => (typeof v === 'string' ? JSON.stringify(v) : paramLabel(v));
  const pairs = (o: Record<string, unknown>) =>
    Object.entries(o)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `${k}=${arg(v)}`);
  if (typeof obj.type === 'string') {
    const { type, args, ...rest } = obj;
    const inside = [...pairs(record(args) ?? {}), ...pairs(rest)];
    return `${type}(${inside.join(', ')})`;
  }
  return `{${pairs(obj).join(', ')}}`;
}

/** The searched keys, in the order the records first name them. */
export function paramKeys(records: readonly TrialRecord[]): string[] {
  return [...new Set(records.flatMap((r) => Object.keys(r.params)))];
}

/** A numeric axis over `values`: log when they are positive and span more than a decade; ends at the data. */
function numericAxis(name: string, values: number[]): ParallelAxis {
  const min = Math.min(...values);
  const max = Math.max(...values);
  const log = min > 0 && max / min > 10;
  return { name, type: log ? 'log' : 'value', min, max: max > min ? max : min + (log ? min : 1) };
}

/** The trials the effect charts show: those with a metric that did not fail (completed and pruned). */
function judged(records: readonly TrialRecord[]): TrialRecord[] {
  return records.filter((r) => r.state !== 'failed' && r.value !== null && Number.isFinite(r.value));
}

/**
 * The axes and rows of the parallel-coordinates chart: one axis per searched key (numbers on a numeric axis,
 * anything else — strings, scheduler specs, lists — on a category axis of `paramLabel`s, in order of first
 * appearance) and the metric last; a row per completed or pruned trial.
 */
export function parallelData(
  records: readonly TrialRecord[],
  metric: string,
): { axes: ParallelAxis[]; rows: Map<number, (number | string)[]> } {
  const shown = judged(records);
  const keys = paramKeys(records);
  const numeric = keys.map((k) => shown.every((r) => typeof r.params[k] === 'number' && Number.isFinite(r.params[k])));
  const axes: ParallelAxis[] = keys.map((k, i) =>
    numeric[i] && shown.length
      ? numericAxis(
          k,
          shown.map((r) => r.params[k] as number),
        )
      : { name: k, type: 'category', categories: [...new Set(shown.map((r) => paramLabel(r.params[k])))] },
  );
  axes.push(
    shown.length
      ? numericAxis(
          metric,
          shown.map((r) => r.value as number),
        )
      : { name: metric, type: 'value' },
  );
  const rows = new Map<number, (number | string)[]>();
  for (const r of shown)
    rows.set(r.trial, [
      ...keys.map((k, i) => (numeric[i] ? (r.params[k] as number) : paramLabel(r.params[k]))),
      r.value as number,
    ]);
  return { axes, rows };
}

/** Whether a metric is plotted on a log scale: not an accuracy, every value positive, spanning over a decade. */
function logMetric(metric: string, values: number[]): boolean {
  if (/accuracy/.test(metric) || values.length === 0) return false;
  const min = Math.min(...values);
  return min > 0 && Math.max(...values) / min > 10;
}

/** The charts of a sweep: parallel coordinates, the metric against the lr (when there is one), the curves. */
export function sweepCharts(records: readonly TrialRecord[], options: SweepReportOptions = {}): ChartSpec[] {
  checkSweepRecords(records, options.source);
  const { metric, mode } = metricOf(options);
  const ranked = rankTrials(records, mode);
  const best = ranked[0]?.trial;
  const charts: ChartSpec[] = [];

  const { axes, rows } = parallelData(records, metric);
  const rowsOf = (pick: (r: TrialRecord) => boolean) =>
    records.filter((r) => rows.has(r.trial) && pick(r)).map((r) => rows.get(r.trial) as (number | string)[]);
  const groups = [
    {
      name: 'pruned (metric where pruned)',
      rows: rowsOf((r) => r.state === 'pruned' && r.trial !== best),
      color: MUTED,
    },
    { name: `completed (colour: ${metric})`, rows: rowsOf((r) => r.state === 'complete' && r.trial !== best) },
    { name: `best: trial ${best}`, rows: rowsOf((r) => r.trial === best), color: BEST_COLOR, width: 3.5 },
  ].filter((g) => g.rows.length);
  const size = parallelChartSize(axes);
  charts.push({
    name: 'parallel',
    option: parallelChartOption({
      title: `Each hyper-parameter's effect on ${metric} (${mode === 'min' ? 'lower' : 'higher'} is better)`,
      axes,
      groups,
      better: mode === 'min' ? 'low' : 'high',
      width: size.width,
    }),
    ...size,
  });

  const withLr = judged(records).filter((r) => trialLr(r) !== null);
  if (withLr.length) {
    const points = (pick: (r: TrialRecord) => boolean) => {
      const rs = withLr.filter(pick);
      return {
        points: rs.map((r) => [trialLr(r) as number, r.value as number] as [number, number]),
        labels: rs.map((r) => `${r.trial}`),
      };
    };
    const key = lrKey(records);
    charts.push({
      name: 'lr_scatter',
      option: metricScatterOption({
        title: `${metric} against the learning rate${key ? '' : ' (not searched: each trial’s run config)'}`,
        xName: key ?? 'lr',
        yName: metric,
        yLog: logMetric(
          metric,
          withLr.map((r) => r.value as number),
        ),
        groups: [
          {
            name: 'pruned (metric where pruned)',
            color: MUTED,
            ...points((r) => r.state === 'pruned' && r.trial !== best),
          },
          { name: 'completed', color: COMPLETE_COLOR, ...points((r) => r.state === 'complete' && r.trial !== best) },
          {
            name: `best: trial ${best}`,
            color: BEST_COLOR,
            size: 16,
            symbol: 'diamond',
            ...points((r) => r.trial === best),
          },
        ].filter((g) => g.points.length),
      }),
      width: 900,
      height: 480,
    });
  }

  const kindOf = (r: TrialRecord): CurveKind =>
    r.trial === best ? 'best' : r.state === 'complete' ? 'complete' : r.state;
  const curves: TrialCurve[] = records
    .filter((r) => r.evals.some((e) => Number.isFinite(e.value)))
    .map((r) => ({
      kind: kindOf(r),
      // A NaN or an infinity is null in JSON: such evaluations are left out of the line.
      points: r.evals.filter((e) => Number.isFinite(e.value)).map((e) => [e.step, e.value] as [number, number]),
      ...(r.trial === best ? { label: `trial ${r.trial}` } : {}),
    }));
  const names: Record<CurveKind, string> = {
    best: `best: trial ${best}`,
    complete: 'completed',
    pruned: 'pruned (up to where pruned)',
    failed: 'failed (up to the failure)',
  };
  const values = curves.flatMap((c) => c.points.map((p) => p[1]));
  charts.push({
    name: 'curves',
    option: trialCurvesOption(curves, {
      title: `Every trial's ${metric} during training`,
      yName: metric,
      logScale: logMetric(metric, values),
      names,
      width: 1000,
    }),
    width: 1000,
    height: 520,
  });
  return charts;
}

/** A metric value in a table: five significant digits. */
function valueText(v: number | null): string {
  return v === null || !Number.isFinite(v) ? '–' : String(Number(v.toPrecision(5)));
}

/** A hyper-parameter's value in a table: a number to four significant digits (the results file has it whole). */
function paramText(v: unknown): string {
  return typeof v === 'number' && Number.isFinite(v) ? String(Number(v.toPrecision(4))) : paramLabel(v);
}

/** The step of a trial's last evaluation, or '–'. */
function lastStep(r: TrialRecord): string {
  return r.evals.length ? String(r.evals[r.evals.length - 1].step) : '–';
}

/**
 * The best-trials table as text cells: rank, trial, the metric, state, each searched key's value, and steps
 * (the step of its last evaluation: where it was pruned, for a pruned trial); the first `top` of `rankTrials`.
 */
export function bestTrialsTable(
  records: readonly TrialRecord[],
  options: SweepReportOptions = {},
): { head: string[]; rows: string[][] } {
  const { metric, mode } = metricOf(options);
  const keys = paramKeys(records);
  const top = options.top ?? 10;
  const head = ['rank', 'trial', metric, 'state', ...keys, 'steps'];
  const rows = rankTrials(records, mode)
    .slice(0, top)
    .map((r, i) => [
      String(i + 1),
      String(r.trial),
      valueText(r.value),
      r.state === 'pruned' ? `pruned at step ${r.pruned_at}` : r.state,
      ...keys.map((k) => paramText(r.params[k])),
      lastStep(r),
    ]);
  return { head, rows };
}

/** The failed trials as text cells: trial, each searched key's value, the step of the last evaluation, the error. */
export function failedTrialsTable(records: readonly TrialRecord[]): { head: string[]; rows: string[][] } {
  const keys = paramKeys(records);
  const rows = records
    .filter((r) => r.state === 'failed')
    .sort((a, b) => a.trial - b.trial)
    .map((r) => [String(r.trial), ...keys.map((k) => paramText(r.params[k])), lastStep(r), r.error ?? 'unknown error']);
  return { head: ['trial', ...keys, 'last evaluated step', 'error'], rows };
}

/** The report's opening: what the sweep was, how its trials ended, which is best. */
function summary(records: readonly TrialRecord[], options: SweepReportOptions): string[] {
  const { metric, mode } = metricOf(options);
  const count = (s: string) => records.filter((r) => r.state === s).length;
  const best = rankTrials(records, mode)[0];
  const versions = [...new Set(records.map((r) => r.version))];
  const lines = [
    `${records.length} trials${options.source ? ` (${options.source})` : ''}: ${count('complete')} completed, ` +
      `${count('pruned')} pruned, ${count('failed')} failed; judged by ${metric} ` +
      `(${mode === 'min' ? 'lower' : 'higher'} is better).`,
    best
      ? `Best: trial ${best.trial}, ${metric} ${valueText(best.value)}` +
        (best.state === 'pruned' ? ' (pruned: no trial completed)' : '') +
        (paramKeys(records).length
          ? ` with ${paramKeys(records)
              .map((k) => `${k} = ${paramText(best.params[k])}`)
              .join(', ')}.`
          : '.')
      : 'No trial reported a metric.',
    `Run by anneal ${versions.join(', ')}.`,
  ];
  return lines;
}

const CAPTIONS: Record<string, string> = {
  parallel:
    'One line per trial through its hyper-parameters and its metric (the last axis), coloured by the metric; ' +
    'pruned trials grey, at the metric where they were pruned; failed trials are left out. Numeric ' +
    'hyper-parameters spanning more than a decade are on a log axis.',
  lr_scatter:
    'The metric of each trial against its learning rate (log axis), labelled with the trial number; pruned trials ' +
    'grey, at the metric where they were pruned.',
  curves:
    'Every trial’s metric at each evaluation: the best trial thick and red, the other completed ones blue, the ' +
    'pruned ones grey up to where they were pruned, the failed ones dashed up to their last evaluation.',
};

/** The sweep's report as an HTML page, the charts' SVGs inlined. */
export function sweepReportHtml(
  records: readonly TrialRecord[],
  svgs: { name: string; svg: string }[],
  options: SweepReportOptions = {},
): string {
  const name = checkSweepRecords(records, options.source);
  const table = ({ head, rows }: { head: string[]; rows: string[][] }) =>
    `<table>\n<thead><tr>${head.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr></thead>\n<tbody>\n` +
    `${rows.map((r) => `<tr>${r.map((c) => `<td>${escapeHtml(c)}</td>`).join('')}</tr>`).join('\n')}\n` +
    '</tbody>\n</table>';
  const best = bestTrialsTable(records, options);
  const failed = failedTrialsTable(records);
  const figures = svgs
    .map(
      (s) =>
        `<figure>${s.svg.replace(/^<\?xml[^>]*>\s*/, '')}` +
        `<figcaption>${escapeHtml(CAPTIONS[s.name] ?? '')}</figcaption></figure>`,
    )
    .join('\n');
  return `${reportHead(`anneal sweep — ${name}`, '  td { white-space: nowrap; }\n')}
${MARKER}
<h1>Sweep ${escapeHtml(name)}</h1>
${summary(records, options)
  .map((l) => `<p>${escapeHtml(l)}</p>`)
  .join('\n')}
<h2>Best trials</h2>
${best.rows.length ? table(best) : '<p>No trial reported a metric.</p>'}
${failed.rows.length ? `<h2>Failed trials</h2>\n${table(failed)}` : ''}
<h2>Each hyper-parameter's effect, and every trial's curve</h2>
${figures}
<h2>Reproduce</h2>
${options.command ? `<p><code>${escapeHtml(options.command)}</code></p>` : ''}
<p>Each trial is an ordinary run config (its <code>config</code> in the results file); the best one is in
<code>best_config.json</code>: <code>anneal train --config best_config.json</code> reruns it to the same numbers.</p>
</body>
</html>
`;
}

/** The sweep's report as Markdown, showing the chart files `images`. */
export function sweepReportMarkdown(
  records: readonly TrialRecord[],
  images: string[],
  options: SweepReportOptions = {},
): string {
  const name = checkSweepRecords(records, options.source);
  const table = ({ head, rows }: { head: string[]; rows: string[][] }) => [
    `| ${head.map(escapeMd).join(' | ')} |`,
    `|${head.map(() => '---').join('|')}|`,
    ...rows.map((r) => `| ${r.map(escapeMd).join(' | ')} |`),
  ];
  const best = bestTrialsTable(records, options);
  const failed = failedTrialsTable(records);
  const lines = [`# Sweep ${escapeMd(name)}`, '', ...summary(records, options).flatMap((l) => [escapeMd(l), ''])];
  lines.push('## Best trials', '', ...(best.rows.length ? table(best) : ['No trial reported a metric.']), '');
  if (failed.rows.length) lines.push('## Failed trials', '', ...table(failed), '');
  lines.push("## Each hyper-parameter's effect, and every trial's curve", '');
  for (const img of images) {
    const chart = img.replace(/\.\w+$/, '');
    lines.push(`![${chart}](${img})`, '', escapeMd(CAPTIONS[chart] ?? ''), '');
  }
  lines.push('## Reproduce', '');
  if (options.command) lines.push('```sh', options.command, '```', '');
  lines.push(
    'Each trial is an ordinary run config (its `config` in the results file); the best one is in ' +
      '`best_config.json`: `anneal train --config best_config.json` reruns it to the same numbers.',
    '',
  );
  return lines.join('\n');
}

/** Every file of a sweep's report: index.html, report.md, the charts (SVG; PNG too with `png`), best_config.json. */
export async function sweepReportFiles(
  records: readonly TrialRecord[],
  options: SweepReportOptions = {},
): Promise<OutputFile[]> {
  checkSweepRecords(records, options.source);
  const { renderPng, renderSvg } = await import('../plot/render.ts'); // ECharts and resvg load only to draw
  const svgs = sweepCharts(records, options).map((c) => ({
    name: c.name,
    svg: renderSvg(c.option, c.width, c.height),
  }));
  const pngs = options.png ? await Promise.all(svgs.map((s) => renderPng(s.svg))) : [];
  const best = rankTrials(records, metricOf(options).mode)[0];
  const images = svgs.map((s) => `${s.name}.${options.png ? 'png' : 'svg'}`);
  return [
    ...svgs.flatMap((s, i) => [
      { name: `${s.name}.svg`, contents: s.svg },
      ...(options.png ? [{ name: images[i], contents: pngs[i] }] : []),
    ]),
    { name: 'index.html', contents: sweepReportHtml(records, svgs, options) },
    { name: 'report.md', contents: sweepReportMarkdown(records, images, options) },
    ...(best ? [{ name: 'best_config.json', contents: `${JSON.stringify(best.config, null, 2)}\n` }] : []),
  ];
}

/**
 * Refuses a report folder that holds something else: one of the files a report writes, in a folder whose
 * index.html is not a sweep report's (so a report never overwrites another tool's page or charts).
 */
export function checkReportDir(dir: string): void {
  const index = join(dir, 'index.html');
  if (existsSync(index) && readFileSync(index, 'utf8').includes(MARKER)) return;
  const names = [...REPORT_FILES, ...CHART_NAMES.flatMap((c) => [`${c}.svg`, `${c}.png`])];
  const clash = names.filter((n) => existsSync(join(dir, n)));
  if (clash.length)
    throw new OutputError(
      `--report ${dir}: the folder holds ${clash.join(', ')}, which ${clash.length > 1 ? 'are' : 'is'} not from a ` +
        'sweep report and would be overwritten; give an empty folder, a new one, or a previous sweep report’s',
    );
}

/**
 * Writes a sweep's report into `dir` (created when missing; its previous report replaced whole, atomically:
 * `writeFilesAtomic`; a previous report's files this one has not are then removed) and returns the paths
 * written. Refuses an empty record list and records of several
 * sweeps (ValidationError), and a `dir` that is a file, is not writable or holds something else (OutputError).
 */
export async function writeSweepReport(
  records: readonly TrialRecord[],
  dir: string,
  options: SweepReportOptions = {},
): Promise<string[]> {
  checkSweepRecords(records, options.source);
  ensureWritableDir(dir, '--report');
  checkReportDir(dir);
  const files = await sweepReportFiles(records, options);
  const written = writeFilesAtomic(dir, files);
  // A previous report's charts this one has not (its PNGs, when this one has none) would no longer match it.
  const names = new Set(files.map((f) => f.name));
  for (const stale of [...REPORT_FILES, ...CHART_NAMES.flatMap((c) => [`${c}.svg`, `${c}.png`])])
    if (!names.has(stale)) rmSync(join(dir, stale), { force: true });
  return written;
}
