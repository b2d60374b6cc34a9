/**
 * The comparison report: small multiples of the curves (median over seeds, smoothed, with a min–max band),
 * decision boundaries side by side, a table of mean ± sd and a conclusion computed from the numbers; as HTML,
 * Markdown and JSON.
 */
import { escapeHtml, escapeMd, reportHead } from './html.ts';
import {
  boundaryChartSize,
  decisionBoundaryOption,
  smallMultiplesOption,
  smallMultiplesSize,
  type MultiplesPanel,
  type OverlaySeries,
} from '../plot/charts.ts';
import { runConfigToJson } from '../train/run.ts';
import { seedBand, type ComparisonResult, type Stat, type StrategyResult } from './compare.ts';
import { comparisonConclusion, type Conclusion } from './compare_conclusion.ts';
import type { OutputFile } from './output_dir.ts';
import type { ChartSpec } from './run_report.ts';

/** One row of the table, as numbers (what --json prints and results.json holds). */
export interface ComparisonRow {
  id: string;
  strategy: string;
  spec: string;
  seeds: number[];
  final_loss: Stat | null;
  final_accuracy: Stat | null;
  /** The held-out set's final loss (present when the comparison holds one out). */
  final_val_loss?: Stat | null;
  /** The held-out set's final accuracy (present when the comparison holds one out). */
  final_val_accuracy?: Stat | null;
  /** Steps to the target (held-out loss when there is a held-out set, else training loss); = parameter updates. */
  steps_to_target: Stat | null;
  /** Epochs to the target: samples seen by then (the batch sizes used) over the training-set size. */
  epochs_to_target: Stat | null;
  /** Runs that reached the target loss, of all runs. */
  reached_target: number;
  wall_ms: Stat;
  diverged: { seed: number; step: number }[];
  /** Runs that failed otherwise (a scheduler refusing a step): after which step (null: unknown) and why. */
  failed: { seed: number; step: number | null; reason: string }[];
  /** Per seed: the numbers of each run, and its run config file under runs/. */
  runs: {
    seed: number;
    final_loss: number | null;
    final_accuracy: number | null;
    final_val_loss?: number | null;
    final_val_accuracy?: number | null;
    steps_to_target: number | null;
    epochs_to_target: number | null;
    wall_ms: number | null;
    config: string;
  }[];
}

export function runConfigFile(strategyId: string, seed: number): string {
  return `runs/${strategyId}.seed${seed}.json`;
}

const finiteOrNull = (v: number) => (Number.isFinite(v) ? v : null);

export function comparisonRows(result: ComparisonResult): ComparisonRow[] {
  return result.strategies.map((s) => ({
    id: s.strategy.id,
    strategy: s.strategy.label,
    spec: s.strategy.spec,
    seeds: s.runs.map((r) => r.seed),
    final_loss: s.finalLoss,
    final_accuracy: s.finalAccuracy,
    ...(s.finalValLoss !== undefined ? { final_val_loss: s.finalValLoss, final_val_accuracy: s.finalValAccuracy } : {}),
    steps_to_target: s.stepsToTarget,
    epochs_to_target: s.epochsToTarget,
    reached_target: s.reached,
    wall_ms: s.wallMs,
    diverged: s.runs.filter((r) => r.diverged).map((r) => ({ seed: r.seed, step: r.diverged!.step })),
    failed: s.runs.filter((r) => r.failed).map((r) => ({ seed: r.seed, ...r.failed! })),
    runs: s.runs.map((r) => ({
      seed: r.seed,
      final_loss: finiteOrNull(r.finalLoss),
      final_accuracy: finiteOrNull(r.finalAccuracy),
      ...(r.finalValLoss !== undefined
        ? { final_val_loss: finiteOrNull(r.finalValLoss), final_val_accuracy: finiteOrNull(r.finalValAccuracy!) }
        : {}),
      steps_to_target: r.stepsToTarget,
      epochs_to_target: r.epochsToTarget,
      wall_ms: finiteOrNull(r.wallMs),
      config: runConfigFile(s.strategy.id, r.seed),
    })),
  }));
}

/** The settings shared by every run, in words. */
export function describeSettings(result: ComparisonResult): string[] {
  const { base, seeds, targetLoss, evalEvery } = result.settings;
  const data = Object.entries(base.data)
    .map(([k, v]) => (k === 'type' ? v : `${k}=${v}`))
    .join(' ');
  const kwargs = base.optimizer.kwargs ? ` ${JSON.stringify(base.optimizer.kwargs)}` : '';
  return [
    `model: MLP ${base.sizes.join('-')} (${base.activation}), ` +
      `the same initial weights for every strategy (seed${seeds.length > 1 ? 's' : ''} ${seeds.join(', ')})`,
    `data: ${data} (${result.data.nSamples} training samples, the same for every run)`,
    `optimizer: ${base.optimizer.type}${kwargs}, ${base.steps} steps, ` +
      `batch size ${base.batchSize ?? 'the whole dataset'} (reshuffled every epoch, last partial batch dropped)`,
    `loss: mean cross-entropy on the whole training set${base.validation ? ' and the held-out set' : ''}, ` +
      `evaluated every ${evalEvery} step${evalEvery > 1 ? 's' : ''}; ` +
      `target: ${result.targetMetric === 'val_loss' ? 'held-out (val)' : 'training'} loss ≤ ${targetLoss} ` +
      '(steps = parameter updates; epochs = samples seen ÷ training-set size, from the batch sizes used)',
    ...(base.validation
      ? [`held-out set: ${describeHeldOut(base.validation)}, evaluated beside it, never trained on`]
      : []),
  ];
}

/** A comparison's held-out set in words. */
function describeHeldOut(spec: NonNullable<ComparisonResult['settings']['base']['validation']>): string {
  if ('val_split' in spec) return `${spec.val_split} of the data (stratified by class, the same rows in every run)`;
  if ('X' in spec) return `${spec.X.length} inline samples`;
  return Object.entries(spec)
    .map(([k, v]) => (k === 'type' ? v : `${k}=${v}`))
    .join(' ');
}

/** The half-width, in evaluations, of the centred moving average the curves are smoothed with. */
export function smoothingHalfWidth(evaluations: number): number {
  return Math.floor(evaluations / 40);
}

/**
 * A strategy's curve of one quantity: each seed's [x, y] points smoothed (`half` evaluations either side,
 * centred), then the median over the seeds, with the min–max over the seeds as its band.
 */
function curveOf(
  s: StrategyResult,
  pick: (r: StrategyResult['runs'][number]) => [number, number][],
  half: number,
  scale = 1,
): OverlaySeries {
  const per = s.runs.map(pick);
  const xs = per.reduce((a, b) => (b.length > a.length ? b : a), []).map((p) => p[0]);
  const m = seedBand(
    per.map((pts) => pts.map((p) => p[1] * scale)),
    half,
  );
  return {
    name: s.strategy.label,
    points: m.median.map((v, i) => [xs[i], v]),
    ...(per.length > 1 ? { band: { low: m.low, high: m.high } } : {}),
  };
}

/** The caption of the curves chart: what a line and a band are. */
export function curvesCaption(result: ComparisonResult): string {
  const seeds = result.settings.seeds.length;
  const evals = Math.max(0, ...result.strategies.flatMap((s) => s.runs.map((r) => r.evals.length)));
  const half = smoothingHalfWidth(evals);
  const every = result.settings.evalEvery;
  const smooth = half
    ? `each seed's curve smoothed by a centred moving average over ${2 * half + 1} evaluations ` +
      `(${(2 * half + 1) * every} steps; the window shrinks symmetrically at the ends, so nothing is shifted), then `
    : '';
  const over =
    seeds > 1
      ? `the line is the median over ${seeds} seeds of ${smooth ? smooth.replace(/, then $/, '') : 'the runs'}; ` +
        'the band spans the min–max over the seeds'
      : `one seed${half ? `, ${smooth.replace(/, then $/, '')}` : ''}`;
  return (
    `Loss and accuracy on the training set${result.settings.base.validation ? ' and on the held-out set' : ''}, ` +
    `evaluated every ${every} step${every > 1 ? 's' : ''}, the lr and the batch size of every strategy: ${over}. ` +
    'lr and batch size are not smoothed.'
  );
}

/** The curves, one panel per quantity, every strategy in each (one colour each) under one legend. */
export function curvePanels(result: ComparisonResult, lossScale: 'linear' | 'log' = 'log'): MultiplesPanel[] {
  const evals = Math.max(0, ...result.strategies.flatMap((s) => s.runs.map((r) => r.evals.length)));
  const half = smoothingHalfWidth(evals);
  const every = result.settings.evalEvery;
  const held = Boolean(result.settings.base.validation);
  const log = lossScale === 'log';
  const panel = (
    title: string,
    yName: string,
    pick: (r: StrategyResult['runs'][number]) => [number, number][],
    options: { logScale?: boolean; scale?: number; smooth?: boolean } = {},
  ): MultiplesPanel => ({
    title,
    yName,
    logScale: options.logScale,
    series: result.strategies.map((s) => curveOf(s, pick, options.smooth === false ? 0 : half, options.scale)),
  });
  const panels: MultiplesPanel[] = [
    panel('Training loss', 'loss', (r) => r.evals.map((e) => [e.step, e.loss]), { logScale: log }),
  ];
  if (held)
    panels.push(
      panel('Held-out (val) loss', 'val loss', (r) => r.evals.map((e) => [e.step, e.val_loss as number]), {
        logScale: log,
      }),
    );
  panels.push(
    panel('Training accuracy %', 'accuracy %', (r) => r.evals.map((e) => [e.step, e.accuracy]), { scale: 100 }),
  );
  if (held)
    panels.push(
      panel(
        'Held-out (val) accuracy %',
        'val accuracy %',
        (r) => r.evals.map((e) => [e.step, e.val_accuracy as number]),
        {
          scale: 100,
        },
      ),
    );
  // The lr and the batch size at every evaluated step (the steps in between drawn straight).
  const sampled = (values: number[]) =>
    values.flatMap((v, i) => (i % every === 0 || i === values.length - 1 ? [[i, v] as [number, number]] : []));
  // On a log axis when every lr is positive, so that 0.1 and 0.001 are both readable.
  const positive = result.strategies.every((s) => s.runs.every((r) => r.lr.every((v) => v > 0)));
  panels.push(panel('Learning rate', 'lr', (r) => sampled(r.lr), { smooth: false, logScale: positive }));
  if (result.strategies.some((s) => s.runs.some((r) => r.batchSizes.some((b) => b !== r.batchSizes[0]))))
    panels.push(panel('Batch size', 'batch size', (r) => sampled(r.batchSizes), { smooth: false }));
  return panels;
}

/** The charts of a comparison: the curves (small multiples) and the decision boundaries (2-D data). */
export function comparisonCharts(
  result: ComparisonResult,
  options: { lossScale?: 'linear' | 'log'; columns?: number } = {},
): ChartSpec[] {
  const seeds = result.settings.seeds.length;
  const chart = {
    title:
      seeds > 1
        ? `Median over ${seeds} seeds (band: min–max over the seeds), smoothed`
        : 'One seed per strategy, smoothed',
    panels: curvePanels(result, options.lossScale),
    columns: 2,
    width: 1200,
  };
  const charts: ChartSpec[] = [{ name: 'curves', option: smallMultiplesOption(chart), ...smallMultiplesSize(chart) }];
  const panels = result.strategies
    .filter((s) => s.runs[0].boundary)
    .map((s) => ({
      title: `${s.strategy.label}`,
      grid: s.runs[0].boundary!,
      x: result.data.x,
      y: result.data.y,
    }));
  if (panels.length) {
    const columns = options.columns ?? Math.min(4, panels.length);
    const size = boundaryChartSize(panels.length, columns, true);
    charts.push({
      name: 'boundaries',
      option: decisionBoundaryOption(panels, {
        title:
          `Decision boundaries after ${result.settings.base.steps} steps` +
          (seeds > 1 ? ` (seed ${result.settings.seeds[0]})` : ''),
        columns,
      }),
      ...size,
    });
  }
  return charts;
}

function fmt(v: number, digits = 4): string {
  if (!Number.isFinite(v)) return '–';
  if (v !== 0 && (Math.abs(v) < 1e-3 || Math.abs(v) >= 1e5)) return v.toExponential(digits - 1);
  return v.toPrecision(digits).replace(/(\.\d*?[1-9])0+$|\.0+$/, '$1');
}

/** mean ± sd (the sd to two significant digits, `sdFormat`), or the one value. */
function statText(s: Stat | null, f: (v: number) => string, runs: number, sdFormat = (v: number) => fmt(v, 2)): string {
  if (!s) return '–';
  if (runs === 1 || s.n === 1) return f(s.mean);
  return `${f(s.mean)} ± ${sdFormat(s.sd)}`;
}

const pct = (v: number) => `${(100 * v).toFixed(1)} %`;
const steps = (v: number) => (Math.abs(v) >= 10 ? String(Math.round(v)) : String(Number(v.toFixed(1))));

/**
 * The table as rows of text cells: mean ± sd over the seeds (min–max and every seed's value in results.json) of
 * the final losses, the accuracy, steps and epochs to the target, wall time.
 */
export function tableCells(result: ComparisonResult): { head: string[]; rows: string[][] } {
  const target = result.settings.targetLoss;
  const held = Boolean(result.settings.base.validation);
  const watched = held ? 'val loss' : 'loss';
  const head = [
    'strategy',
    held ? 'final train loss' : 'final loss',
    ...(held ? ['final val loss', 'val accuracy'] : ['accuracy']),
    `steps to ${watched} ≤ ${target}`,
    'epochs to it',
    'wall time',
  ];
  const rows = result.strategies.map((s) => {
    const n = s.runs.length;
    const diverged = s.runs.filter((r) => r.diverged).map((r) => `seed ${r.seed} at step ${r.diverged!.step}`);
    const failed = s.runs
      .filter((r) => r.failed)
      .map((r) => `seed ${r.seed}${r.failed!.step === null ? '' : ` at step ${r.failed!.step}`}: ${r.failed!.reason}`);
    let name = diverged.length ? `${s.strategy.label} (diverged: ${diverged.join(', ')})` : s.strategy.label;
    if (failed.length) name += ` (failed: ${failed.join('; ')})`;
    const partial = s.reached < n ? ` (reached ${s.reached}/${n})` : '';
    const toTarget = (cell: string) => (s.reached === 0 ? 'not reached' : `${cell}${partial}`);
    return [
      name,
      statText(s.finalLoss, (v) => fmt(v), n),
      ...(held
        ? [statText(s.finalValLoss ?? null, (v) => fmt(v), n), statText(s.finalValAccuracy ?? null, pct, n, pct)]
        : [statText(s.finalAccuracy, pct, n, pct)]),
      toTarget(statText(s.stepsToTarget, steps, n, steps)),
      toTarget(statText(s.epochsToTarget, (v) => fmt(v, 3), n)),
      statText(
        s.wallMs.n ? s.wallMs : null,
        (v) => `${v.toFixed(0)} ms`,
        n,
        (v) => `${v.toFixed(0)} ms`,
      ),
    ];
  });
  return { head, rows };
}

export interface ReportOptions {
  /** The command line that made the report, shown in it. */
  command?: string;
  png?: boolean;
  lossScale?: 'linear' | 'log';
}

/**
 * Every file of a comparison: report.html (charts inlined), report.md, the charts (SVG, PNG), results.json,
 * runs/*.json.
 */
export async function comparisonFiles(result: ComparisonResult, options: ReportOptions = {}): Promise<OutputFile[]> {
  const { renderPng, renderSvg } = await import('../plot/render.ts'); // ECharts and resvg load only to draw
  const charts = comparisonCharts(result, { lossScale: options.lossScale });
  const svgs = charts.map((c) => ({ chart: c, svg: renderSvg(c.option, c.width, c.height) }));
  const files: OutputFile[] = [];
  for (const { chart, svg } of svgs) {
    files.push({ name: `${chart.name}.svg`, contents: svg });
    if (options.png) files.push({ name: `${chart.name}.png`, contents: await renderPng(svg) });
  }
  files.push({
    name: 'report.html',
    contents: reportHtml(
      result,
      svgs.map((s) => ({ name: s.chart.name, svg: s.svg })),
      options,
    ),
  });
  files.push({
    name: 'report.md',
    contents: reportMarkdown(
      result,
      charts.map((c) => `${c.name}.${options.png ? 'png' : 'svg'}`),
      options,
    ),
  });
  files.push({
    name: 'results.json',
    contents: `${JSON.stringify(comparisonJson(result), null, 2)}\n`,
  });
  for (const s of result.strategies) {
    for (const r of s.runs)
      files.push({
        name: runConfigFile(s.strategy.id, r.seed),
        contents: `${JSON.stringify(runConfigToJson(r.config), null, 2)}\n`,
      });
  }
  return files;
}

/** What results.json holds and --json prints: the settings, a row per strategy, the conclusion. */
export function comparisonJson(result: ComparisonResult): {
  settings: Record<string, unknown>;
  rows: ComparisonRow[];
  conclusion: Conclusion;
} {
  return { settings: settingsJson(result), rows: comparisonRows(result), conclusion: comparisonConclusion(result) };
}

export function settingsJson(result: ComparisonResult): Record<string, unknown> {
  const { base, seeds, targetLoss, evalEvery } = result.settings;
  return {
    ...base,
    seeds,
    target_loss: targetLoss,
    target_metric: result.targetMetric,
    eval_every: evalEvery,
    strategies: result.settings.strategies.map((s) => s.spec),
  };
}

function captionOf(result: ComparisonResult, name: string): string {
  if (name === 'curves') return curvesCaption(result);
  if (name === 'boundaries')
    return 'The class regions each trained model predicts (lighter where it is less sure), under the training data.';
  return '';
}

/** The opening sentence of both reports: what was trained, under how many strategies and seeds. */
function overview(result: ComparisonResult): string {
  const { strategies, seeds } = result.settings;
  const spread =
    seeds.length > 1
      ? `, each over ${seeds.length} seeds (the table: mean ± standard deviation over the seeds; ` +
        'min–max and every seed in results.json)'
      : '';
  return (
    'The same model from the same initial weights on the same data, ' +
    `trained under ${strategies.length} strategies${spread}.`
  );
}

export function reportHtml(
  result: ComparisonResult,
  svgs: { name: string; svg: string }[],
  options: ReportOptions = {},
): string {
  const { head, rows } = tableCells(result);
  const figure = (name: string) => {
    const s = svgs.find((v) => v.name === name);
    return s
      ? `<figure>${s.svg.replace(/^<\?xml[^>]*>\s*/, '')}` +
          `<figcaption>${escapeHtml(captionOf(result, name))}</figcaption></figure>`
      : '';
  };
  const runsList = result.strategies
    .map((s) => {
      const configs = s.runs
        .map((r) => `<code>anneal train --config ${escapeHtml(runConfigFile(s.strategy.id, r.seed))}</code>`)
        .join(', ');
      const strategy = `<b>${escapeHtml(s.strategy.label)}</b> (<code>${escapeHtml(s.strategy.spec)}</code>)`;
      return `<li>${strategy}: ${configs}</li>`;
    })
    .join('\n');
  const title = `anneal compare — ${result.settings.strategies.length} strategies`;
  return `${reportHead(title, '  ul.settings { color: #444; }\n')}
<h1>Learning-rate strategies compared</h1>
<p>${overview(result)}</p>
<ul class="settings">
${describeSettings(result)
  .map((line) => `  <li>${escapeHtml(line)}</li>`)
  .join('\n')}
</ul>
<table>
<thead><tr>${head.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr></thead>
<tbody>
${rows.map((r) => `<tr>${r.map((c) => `<td>${escapeHtml(c)}</td>`).join('')}</tr>`).join('\n')}
</tbody>
</table>
<h2>Conclusion</h2>
<p>${escapeHtml(comparisonConclusion(result).text.join(' '))}</p>
${['curves', 'boundaries'].map(figure).filter(Boolean).join('\n')}
<h2>Reproduce</h2>
${options.command ? `<p><code>${escapeHtml(options.command)}</code></p>` : ''}
<p>Every run is an ordinary run config; <code>anneal train</code> reruns it with the same numbers:</p>
<ul>
${runsList}
</ul>
</body>
</html>
`;
}

export function reportMarkdown(result: ComparisonResult, images: string[], options: ReportOptions = {}): string {
  const { head, rows } = tableCells(result);
  const lines = [
    '# Learning-rate strategies compared',
    '',
    overview(result),
    '',
    ...describeSettings(result).map((l) => `- ${escapeMd(l)}`),
    '',
    `| ${head.map(escapeMd).join(' | ')} |`,
    `|${head.map((_, i) => (i === 0 ? '---' : '---:')).join('|')}|`,
    ...rows.map((r) => `| ${r.map(escapeMd).join(' | ')} |`),
    '',
    '## Conclusion',
    '',
    escapeMd(comparisonConclusion(result).text.join(' ')),
    '',
  ];
  for (const img of images) {
    const name = img.replace(/\.\w+$/, '');
    lines.push(`![${name}](${img})`, '', escapeMd(captionOf(result, name)), '');
  }
  lines.push('## Reproduce', '');
  if (options.command) lines.push('```sh', options.command, '```', '');
  lines.push('Every run is an ordinary run config; `anneal train --config` reruns it with the same numbers:', '');
  for (const s of result.strategies) {
    const configs = s.runs.map((r) => `\`${runConfigFile(s.strategy.id, r.seed)}\``).join(', ');
    lines.push(`- ${escapeMd(s.strategy.label)} (\`${s.strategy.spec}\`): ${configs}`);
  }
  lines.push('');
  return lines.join('\n');
}
