/** The comparison report: overlaid charts, decision boundaries side by side, a table; as HTML, Markdown and JSON. */
import {
  boundaryChartSize,
  decisionBoundaryOption,
  overlayChartOption,
  PALETTE,
  type OverlaySeries,
} from '../plot/charts.ts';
import { runConfigToJson } from '../train/run.ts';
import { meanSeries, type ComparisonResult, type Stat, type StrategyResult } from './compare.ts';
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
  steps_to_target: Stat | null;
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
    `data: ${data} (${result.data.nSamples} samples, the same for every run)`,
    `optimizer: ${base.optimizer.type}${kwargs}, ${base.steps} steps, ` +
      `batch size ${base.batchSize ?? 'the whole dataset'} (reshuffled every epoch, last partial batch dropped)`,
    `loss: mean cross-entropy on the whole dataset, evaluated every ${evalEvery} step${evalEvery > 1 ? 's' : ''}; ` +
      `target loss ${targetLoss}`,
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

function seriesOf(s: StrategyResult, pick: (r: StrategyResult['runs'][number]) => [number, number][]): OverlaySeries {
  const per = s.runs.map(pick);
  if (per.length === 1) return { name: s.strategy.label, points: per[0] };
  const xs = per.reduce((a, b) => (b.length > a.length ? b : a), []).map((p) => p[0]);
  const m = meanSeries(per.map((pts) => pts.map((p) => p[1])));
  return { name: s.strategy.label, points: m.mean.map((v, i) => [xs[i], v]), band: { low: m.low, high: m.high } };
}

/** The charts of a comparison: lr, loss, batch size (when some strategy changes it), decision boundaries. */
export function comparisonCharts(
  result: ComparisonResult,
  options: { lossScale?: 'linear' | 'log'; columns?: number } = {},
): ChartSpec[] {
  const seeds = result.settings.seeds.length;
  const over = seeds > 1 ? ` (mean over ${seeds} seeds, band: min–max)` : '';
  const plateau = result.strategies.some((s) => s.strategy.scheduler?.type === 'ReduceLROnPlateau');
  const charts: ChartSpec[] = [
    {
      name: 'lr',
      option: overlayChartOption({
        width: 1000,
        title: `Learning rate per step${seeds > 1 && plateau ? over : ''}`,
        yName: 'lr',
        yMin: 0,
        series: result.strategies.map((s) => seriesOf(s, (r) => r.lr.map((v, i) => [i, v]))),
      }),
      width: 1000,
      height: 540,
    },
    {
      name: 'loss',
      option: overlayChartOption({
        width: 1000,
        title: `Loss on the whole dataset${over}`,
        yName: 'loss',
        logScale: (options.lossScale ?? 'log') === 'log',
        series: result.strategies.map((s) => seriesOf(s, (r) => r.evals.map((e) => [e.step, e.loss]))),
      }),
      width: 1000,
      height: 540,
    },
  ];
  if (result.settings.base.validation) {
    charts.push({
      name: 'val_loss',
      option: overlayChartOption({
        width: 1000,
        title: `Loss on the held-out set${over}`,
        yName: 'val loss',
        logScale: (options.lossScale ?? 'log') === 'log',
        series: result.strategies.map((s) =>
          seriesOf(s, (r) => r.evals.filter((e) => e.val_loss !== undefined).map((e) => [e.step, e.val_loss!])),
        ),
      }),
      width: 1000,
      height: 540,
    });
  }
  const varies = result.strategies.filter((s) => s.runs.some((r) => r.batchSizes.some((b) => b !== r.batchSizes[0])));
  if (varies.length) {
    const shown = result.strategies.filter(
      (s) => varies.includes(s) || s === result.strategies.find((o) => !varies.includes(o)),
    );
    charts.push({
      name: 'batch_size',
      option: overlayChartOption({
        width: 1000,
        title: 'Batch size per step',
        yName: 'batch size',
        yMin: 0,
        series: shown.map((s) => ({
          ...seriesOf(s, (r) => r.batchSizes.map((b, i) => [i, b])),
          name: varies.includes(s) ? s.strategy.label : 'the other strategies',
          color: PALETTE[result.strategies.indexOf(s) % PALETTE.length],
          band: undefined,
        })),
      }),
      width: 1000,
      height: 400,
    });
  }
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

function statText(s: Stat | null, f: (v: number) => string, runs: number): string {
  if (!s) return '–';
  if (runs === 1) return f(s.mean);
  return `${f(s.mean)} ± ${f(s.sd)} (${f(s.min)}–${f(s.max)})`;
}

/** The table as rows of text cells: strategy, final loss, accuracy, steps to target, wall time. */
export function tableCells(result: ComparisonResult): { head: string[]; rows: string[][] } {
  const target = result.settings.targetLoss;
  const held = Boolean(result.settings.base.validation);
  const head = [
    'strategy',
    'final loss',
    'accuracy',
    ...(held ? ['val loss', 'val accuracy'] : []),
    `steps to loss ≤ ${target}`,
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
    let steps = statText(s.stepsToTarget, (v) => (Number.isInteger(v) ? String(v) : v.toFixed(1)), n);
    if (s.reached === 0) steps = 'not reached';
    else if (n > 1) steps = `${steps}; ${s.reached}/${n} reached`;
    return [
      name,
      statText(s.finalLoss, (v) => fmt(v), n),
      statText(s.finalAccuracy, (v) => `${(100 * v).toFixed(1)} %`, n),
      ...(held
        ? [
            statText(s.finalValLoss ?? null, (v) => fmt(v), n),
            statText(s.finalValAccuracy ?? null, (v) => `${(100 * v).toFixed(1)} %`, n),
          ]
        : []),
      steps,
      statText(s.wallMs.n ? s.wallMs : null, (v) => `${v.toFixed(0)} ms`, n),
    ];
  });
  return { head, rows };
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/**
 * Text for Markdown, where it is read as text: table pipes escaped, and `<`, `>` and `&` as entities, since
 * Markdown passes raw HTML through (a file named `<img onerror=…>.csv` must stay a name).
 */
function escapeMd(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\|/g, '\\|');
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
  const rows = comparisonRows(result);
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
    contents: `${JSON.stringify({ settings: settingsJson(result), rows }, null, 2)}\n`,
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

export function settingsJson(result: ComparisonResult): Record<string, unknown> {
  const { base, seeds, targetLoss, evalEvery } = result.settings;
  return {
    ...base,
    seeds,
    target_loss: targetLoss,
    eval_every: evalEvery,
    strategies: result.settings.strategies.map((s) => s.spec),
  };
}

const CHART_CAPTIONS: Record<string, string> = {
  lr: 'The learning rate each step used.',
  loss: 'The loss on the whole dataset: how fast each strategy gets low, and how low it stays.',
  val_loss: 'The loss on the held-out set, never trained on: where each strategy starts to overfit.',
  batch_size: 'The batch size of each step: growing the batch instead of decaying the lr.',
  boundaries: 'The class regions each trained model predicts (lighter where it is less sure), under the data.',
};

/** The opening sentence of both reports: what was trained, under how many strategies and seeds. */
function overview(result: ComparisonResult): string {
  const { strategies, seeds } = result.settings;
  const spread = seeds.length > 1 ? `, each over ${seeds.length} seeds (mean ± standard deviation, then min–max)` : '';
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
          `<figcaption>${escapeHtml(CHART_CAPTIONS[name] ?? '')}</figcaption></figure>`
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
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>anneal compare — ${escapeHtml(`${result.settings.strategies.length} strategies`)}</title>
<style>
  body { font-family: system-ui, -apple-system, "Segoe UI", "DejaVu Sans", sans-serif; max-width: 1400px; \
margin: 2em auto; padding: 0 1em; color: #222; }
  h1 { font-size: 1.6em; margin-bottom: 0.2em; }
  table { border-collapse: collapse; margin: 1em 0; font-variant-numeric: tabular-nums; }
  th, td { border-bottom: 1px solid #ddd; padding: 0.4em 0.8em; text-align: right; }
  th:first-child, td:first-child { text-align: left; }
  th { background: #f4f5f7; }
  figure { margin: 1.5em 0; }
  figure svg { max-width: 100%; height: auto; }
  figcaption { color: #555; font-size: 0.9em; }
  code { background: #f4f5f7; padding: 0 0.25em; border-radius: 3px; }
  ul.settings { color: #444; }
</style>
</head>
<body>
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
${['lr', 'loss', 'batch_size', 'boundaries'].map(figure).filter(Boolean).join('\n')}
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
  ];
  for (const img of images) {
    const name = img.replace(/\.\w+$/, '');
    lines.push(`![${name}](${img})`, '', CHART_CAPTIONS[name] ?? '', '');
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
