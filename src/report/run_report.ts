import type { EChartsOption } from 'echarts';
import type { RunConfig } from '../config/run_config.ts';
import type { Dataset } from '../data/dataset.ts';
import {
  decisionBoundaryOption,
  boundaryChartSize,
  lossChartOption,
  lrChartOption,
  momentumCycles,
  overlayChartOption,
  type BoundaryGrid,
} from '../plot/charts.ts';
import { historyCsv, momentumName, type StreamedHistoryCsv } from '../train/history_csv.ts';
import { runConfigToJson, type RunResult } from '../train/run.ts';
import type { OutputFile } from './output_dir.ts';
import { SCALER_KEY, trainedWeightsFile } from '../io/weights.ts';

/** A chart to render: its file name (without extension), option and size. */
export interface ChartSpec {
  name: string;
  option: EChartsOption;
  width: number;
  height: number;
}

/** `StepLR(step_size=50, gamma=0.99)`, `manual decay ×0.99 every 50 steps`, or `constant lr`. */
export function scheduleLabel(config: RunConfig): string {
  const parts: string[] = [];
  if (config.scheduler)
    parts.push(
      `${config.scheduler.type}(${Object.entries(config.scheduler.args ?? {})
        .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
        .join(', ')})`,
    );
  if (config.manual_decay)
    parts.push(`manual decay ×${config.manual_decay.factor} every ${config.manual_decay.every} steps`);
  if (config.batch_schedule) {
    const b = config.batch_schedule;
    parts.push(
      `${b.type}(${Object.entries(b.args ?? {})
        .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
        .join(', ')}) per ${b.interval}`,
    );
  }
  return parts.length ? parts.join(' + ') : 'constant lr';
}

export { historyCsv, momentumName, StreamedHistoryCsv } from '../train/history_csv.ts';

/** The legend names of `group_by_layer`'s param groups: `group 0 (Linear 2→16)`, one per Linear layer. */
export function layerGroupNames(sizes: readonly number[]): string[] {
  return sizes.slice(1).map((out, g) => `group ${g} (Linear ${sizes[g]}→${out})`);
}

export interface RunChartOptions {
  lossScale?: 'linear' | 'log';
  /** The decision boundary grid (2-D data only) and the data to scatter over it. */
  boundary?: { grid: BoundaryGrid; data: Dataset } | null;
}

/** The charts of one run: lr (momentum when it cycles), loss, the batch size when scheduled, the decision boundary. */
export function runCharts(result: RunResult, options: RunChartOptions = {}): ChartSpec[] {
  const { config } = result;
  const label = scheduleLabel(config);
  const cycles = result.momentum.length > 0 && momentumCycles(result.momentum);
  const firstStep = result.start_step ?? 0; // a resumed run's per-step arrays start at the step it resumed at
  const charts: ChartSpec[] = [
    {
      name: 'lr',
      option: lrChartOption(
        {
          lr: result.lr,
          firstStep,
          ...(config.group_by_layer ? { groupNames: layerGroupNames(config.sizes) } : {}),
          ...(cycles ? { momentum: result.momentum, momentumName: momentumName(config) } : {}),
        },
        `Learning rate per step — ${config.optimizer.type}, ${label}`,
      ),
      width: 800,
      height: 420,
    },
    {
      name: 'loss',
      option: lossChartOption(
        { loss: result.loss, firstStep, evals: result.evals, logScale: (options.lossScale ?? 'log') === 'log' },
        `Loss — MLP ${config.sizes.join('-')} (${config.activation}), ${result.loss.length} steps`,
      ),
      width: 800,
      height: 420,
    },
  ];
  if (config.batch_schedule) {
    charts.push({
      name: 'batch_size',
      option: overlayChartOption({
        title: `Batch size per step — ${label}`,
        yName: 'batch size',
        yMin: 0,
        series: [{ name: 'batch size', points: result.batch_sizes.map((b, i) => [firstStep + i, b]) }],
      }),
      width: 800,
      height: 360,
    });
  }
  if (options.boundary) {
    const { grid, data } = options.boundary;
    const panel = { panelWidth: 600, panelHeight: 520 };
    const size = boundaryChartSize(1, 1, true, { width: panel.panelWidth, height: panel.panelHeight });
    charts.push({
      name: 'boundary',
      option: decisionBoundaryOption(
        { grid, x: data.x, y: data.y },
        {
          ...panel,
          title:
            `Decision boundary after ${firstStep + result.loss.length} steps — ` +
            `accuracy ${(100 * result.final_accuracy).toFixed(1)} %`,
        },
      ),
      ...size,
    });
  }
  return charts;
}

/** Renders charts to SVG files, and PNG files with `png`. */
export async function chartFiles(charts: readonly ChartSpec[], png: boolean): Promise<OutputFile[]> {
  const { renderPng, renderSvg } = await import('../plot/render.ts'); // ECharts and resvg load only to draw
  const files: OutputFile[] = [];
  for (const c of charts) {
    const svg = renderSvg(c.option, c.width, c.height);
    files.push({ name: `${c.name}.svg`, contents: svg });
    if (png) files.push({ name: `${c.name}.png`, contents: await renderPng(svg) });
  }
  return files;
}

/**
 * Everything `anneal train --out` writes: the charts, history.csv, run.json and the trained model
 * (model.safetensors, which `loadModelFile` and `anneal export` read). With `history`, history.csv
 * is the file it already wrote, and the charts are drawn from what it kept.
 */
export async function runOutputFiles(
  result: RunResult,
  options: RunChartOptions & { png?: boolean; history?: StreamedHistoryCsv } = {},
): Promise<OutputFile[]> {
  const { history } = options;
  const charted = history ? { ...result, ...history.chartData() } : result;
  const charts = await chartFiles(runCharts(charted, options), options.png ?? false);
  return [
    ...charts,
    history ? history.file() : { name: 'history.csv', contents: historyCsv(result) },
    { name: 'run.json', contents: `${JSON.stringify(runConfigToJson(result.config), null, 2)}\n` },
    {
      name: 'model.safetensors',
      contents: trainedWeightsFile(
        result.final,
        result.config,
        result.scaler ? { [SCALER_KEY]: JSON.stringify(result.scaler) } : {},
      ),
    },
    // The fitted feature scaler (`--scale`, `scaler`): its state dict, for StandardScaler.fromStateDict.
    ...(result.scaler ? [{ name: 'scaler.json', contents: `${JSON.stringify(result.scaler, null, 2)}\n` }] : []),
  ];
}
