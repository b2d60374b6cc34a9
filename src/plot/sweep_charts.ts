import type {
  EChartsOption,
  LineSeriesOption,
  ParallelSeriesOption,
  ScatterSeriesOption,
  VisualMapComponentOption,
} from 'echarts';
import { estimateTextWidth, formatTick, legendRows, overlayChartOption, type OverlaySeries } from './charts.ts';

// The charts of a sweep's report (`anneal sweep --report`): the hyper-parameters' effect as parallel coordinates
// and as a scatter against the lr, and every trial's curve. Pure functions of their data, as in charts.ts.

/** The grey of what was cut short (pruned trials): drawn, but under the others. */
export const MUTED = '#b8b8b8';
/** The colour the best trial is drawn in, everywhere. */
export const BEST_COLOR = '#e4572e';
/** The colour of the completed trials that are not the best (in the curves and the scatter). */
export const COMPLETE_COLOR = '#2f6fde';
/** The colour of failed trials' curves (dashed). */
export const FAILED_COLOR = '#9b5de5';

/** The 1, 2 or 5 × 10^k at or below `min` and the one at or above `max`: a log axis' ends close to its data. */
export function logBounds(min: number, max: number): { min: number; max: number } {
  const nice = (v: number, up: boolean) => {
    const k = Math.floor(Math.log10(v));
    const steps = up ? [1, 2, 5, 10] : [10, 5, 2, 1];
    const found = steps.find((m) => (up ? Number(`${m}e${k}`) >= v : Number(`${m}e${k}`) <= v)) ?? (up ? 10 : 1);
    return Number(`${found}e${k}`);
  };
  return { min: nice(min, false), max: nice(max, true) };
}

/** One vertical axis of a parallel-coordinates chart. */
export interface ParallelAxis {
  /** Its name, above it. */
  name: string;
  /** `category` for values that are labels (strings), `log` for positive numbers spanning decades. */
  type: 'value' | 'log' | 'category';
  /** The labels of a category axis, bottom to top. */
  categories?: string[];
  /** The axis' ends (numeric axes): the data's extent, so the lines use the whole height. */
  min?: number;
  /** The top of a numeric axis. */
  max?: number;
}

/** Lines of a parallel-coordinates chart drawn alike, under one legend entry. */
export interface ParallelGroup {
  /** Legend name. */
  name: string;
  /** One row per line: a value per axis (a number, or a category axis' label). */
  rows: (number | string)[][];
  /** A fixed colour; none: coloured by the last axis (the metric) through the chart's colour scale. */
  color?: string;
  /** Line width; default 1.5. */
  width?: number;
}

/** The data of `parallelChartOption`. */
export interface ParallelChart {
  /** The chart's title. */
  title: string;
  /** The axes, left to right; the last is the metric. */
  axes: ParallelAxis[];
  /** The lines, drawn in order (a later group on top). */
  groups: ParallelGroup[];
  /** Which end of the last axis is better: it is drawn darkest (groups without a colour). */
  better: 'low' | 'high';
  /** The width it will be rendered at; default `parallelChartSize(axes).width`. */
  width?: number;
}

/** Horizontal room of one axis: its widest category label, or its name, and a margin. */
function axisRoom(axis: ParallelAxis): number {
  const labels = (axis.categories ?? []).map((c) => estimateTextWidth(c, 11));
  return Math.max(110, estimateTextWidth(axis.name, 12, true) + 20, ...labels.map((w) => w + 30));
}

/** The size in pixels to render a `parallelChartOption` chart at: every axis gets room for its labels. */
export function parallelChartSize(axes: readonly ParallelAxis[]): { width: number; height: number } {
  const room = axes.reduce((sum, a) => sum + axisRoom(a), 0);
  return { width: Math.max(900, Math.round(room + 200)), height: 480 };
}

/**
 * Parallel coordinates (Optuna's `plot_parallel_coordinate`): one vertical axis per hyper-parameter and one for
 * the metric, each trial a line through its values. Lines without a fixed colour are coloured by the metric
 * (darkest where it is best); category axes list their labels, log axes span their data exactly.
 */
export function parallelChartOption(chart: ParallelChart): EChartsOption {
  const width = chart.width ?? parallelChartSize(chart.axes).width;
  const names = chart.groups.map((g) => g.name);
  const legendWidth = Math.round(width * 0.7);
  const top = 36 + 24 * legendRows(names, legendWidth) + 44;
  const metric = chart.axes.length - 1;
  const scaled = chart.groups.flatMap((g, i) => (g.color === undefined ? [i] : []));
  const values = chart.groups
    .filter((g) => g.color === undefined)
    .flatMap((g) => g.rows.map((r) => r[metric]))
    .filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
  const series: ParallelSeriesOption[] = chart.groups.map((g, i) => ({
    type: 'parallel',
    name: g.name,
    data: g.rows,
    z: 2 + i,
    lineStyle: { width: g.width ?? 1.5, opacity: 0.85, ...(g.color !== undefined ? { color: g.color } : {}) },
    itemStyle: g.color !== undefined ? { color: g.color } : undefined,
    emphasis: { disabled: true },
  }));
  // Light (worse) to dark (better) blues: the best lines stand out against the white and the grey ones.
  const ramp = ['#c6dbef', '#6baed6', '#2171b5', '#08306b'];
  const visualMap: VisualMapComponentOption[] =
    scaled.length && values.length
      ? [
          {
            type: 'continuous',
            dimension: metric,
            seriesIndex: scaled,
            min: Math.min(...values),
            max: Math.max(...values) > Math.min(...values) ? Math.max(...values) : Math.min(...values) + 1,
            inRange: { color: chart.better === 'low' ? [...ramp].reverse() : ramp },
            orient: 'vertical',
            right: 12,
            top: 'middle',
            itemHeight: 160,
            text: [formatTick(Math.max(...values)), formatTick(Math.min(...values))],
            textStyle: { fontSize: 11 },
            formatter: (v: unknown) => formatTick(Number(v)),
            calculable: false,
          },
        ]
      : [];
  return {
    animation: false,
    backgroundColor: '#ffffff',
    title: { text: chart.title, left: 'center', top: 8, textStyle: { fontSize: 16 } },
    legend: { top: 36, left: 'center', width: legendWidth, type: 'plain', itemGap: 28, data: names },
    parallel: { left: 70, right: visualMap.length ? 150 : 70, top, bottom: 40, layout: 'horizontal' },
    parallelAxis: chart.axes.map((a, dim) => ({
      dim,
      name: a.name,
      type: a.type,
      nameLocation: 'end',
      nameGap: 14,
      nameTextStyle: { fontWeight: 'bold', fontSize: 12 },
      ...(a.type === 'category' ? { data: a.categories ?? [] } : {}),
      ...(a.type === 'log' ? { logBase: 10 } : {}),
      ...(a.min !== undefined ? { min: a.min } : {}),
      ...(a.max !== undefined ? { max: a.max } : {}),
      axisLabel: {
        fontSize: 11,
        // On a white ground, so that a label stays readable where lines cross it.
        backgroundColor: 'rgba(255, 255, 255, 0.85)',
        padding: [1, 3],
        ...(a.type === 'category' ? {} : { formatter: (v: number) => formatTick(v) }),
      },
    })) as EChartsOption['parallelAxis'], // a union over `type` that a mapped list cannot narrow
    visualMap,
    series,
  };
}

/** Points of a scatter drawn alike, under one legend entry. */
export interface ScatterGroup {
  /** Legend name. */
  name: string;
  /** [x, y] points. */
  points: [number, number][];
  /** Their colour. */
  color: string;
  /** Marker size; default 9. */
  size?: number;
  /** ECharts symbol; default 'circle'. */
  symbol?: string;
  /** A label beside each point (the trial's number). */
  labels?: string[];
}

/** The data of `metricScatterOption`. */
export interface MetricScatter {
  /** The chart's title. */
  title: string;
  /** Name of the x axis (a log axis). */
  xName: string;
  /** Name of the y axis. */
  yName: string;
  /** Plot y on a log scale; default false. */
  yLog?: boolean;
  /** The point groups, drawn in order (a later group on top). */
  groups: ScatterGroup[];
  /** The width it will be rendered at; default 900. */
  width?: number;
}

/**
 * The metric against a positive hyper-parameter (the lr) on a log x axis, from the decade below the least
 * value to the one above the greatest; each group of points (completed, pruned, the best) its own colour.
 */
export function metricScatterOption(chart: MetricScatter): EChartsOption {
  const xs = chart.groups.flatMap((g) => g.points.map((p) => p[0])).filter((x) => x > 0 && Number.isFinite(x));
  // `1e-4` rather than 10 ** -4, which is 0.00009999999999999999.
  const decade = (k: number) => Number(`1e${k}`);
  const xMin = xs.length ? decade(Math.floor(Math.log10(Math.min(...xs)))) : 1e-4;
  const xMax = xs.length ? decade(Math.ceil(Math.log10(Math.max(...xs)))) : 1;
  const ys = chart.groups.flatMap((g) => g.points.map((p) => p[1])).filter((y) => y > 0 && Number.isFinite(y));
  const names = chart.groups.map((g) => g.name);
  const width = chart.width ?? 900;
  const legendWidth = Math.round(width * 0.94);
  const series: ScatterSeriesOption[] = chart.groups.map((g, i) => ({
    type: 'scatter',
    name: g.name,
    data: g.points,
    symbol: g.symbol ?? 'circle',
    symbolSize: g.size ?? 9,
    z: 2 + i,
    itemStyle: { color: g.color, borderColor: '#ffffff', borderWidth: 1 },
    labelLayout: { hideOverlap: true },
    ...(g.labels
      ? {
          label: {
            show: true,
            position: 'right',
            fontSize: 10,
            color: '#555',
            formatter: (p: { dataIndex: number }) => g.labels?.[p.dataIndex] ?? '',
          },
        }
      : {}),
  }));
  return {
    animation: false,
    backgroundColor: '#ffffff',
    title: { text: chart.title, left: 'center', top: 8, textStyle: { fontSize: 16 } },
    legend: { top: 36, left: 'center', width: legendWidth, type: 'plain', itemGap: 28, data: names },
    grid: { left: 80, right: 40, top: 36 + 24 * legendRows(names, legendWidth) + 30, bottom: 56 },
    tooltip: { trigger: 'item' },
    xAxis: {
      type: 'log',
      logBase: 10,
      name: `${chart.xName} (log scale)`,
      nameLocation: 'middle',
      nameGap: 30,
      nameTextStyle: { fontWeight: 'bold' },
      min: xMin,
      max: xMax === xMin ? xMin * 10 : xMax,
      axisLabel: { formatter: (v: number) => formatTick(v) },
    },
    yAxis: {
      type: chart.yLog ? 'log' : 'value',
      name: chart.yLog ? `${chart.yName} (log scale)` : chart.yName,
      nameTextStyle: { fontWeight: 'bold' },
      scale: true,
      ...(chart.yLog && ys.length ? logBounds(Math.min(...ys), Math.max(...ys)) : {}),
      axisLabel: { formatter: (v: number) => formatTick(v) },
    },
    series,
  };
}

/** How a curve of `trialCurvesOption` is drawn. */
export type CurveKind = 'best' | 'complete' | 'pruned' | 'failed';

/** One trial's curve. */
export interface TrialCurve {
  /** What it is: its look, and its legend entry (one per kind). */
  kind: CurveKind;
  /** [step, metric] points. */
  points: [number, number][];
  /** Shown at the end of the best curve (`trial 3`). */
  label?: string;
}

/** The look of each kind of curve: colour, width, dashes, stacking. */
const CURVE_LOOK: Record<CurveKind, { color: string; width: number; dashed: boolean; z: number }> = {
  pruned: { color: MUTED, width: 1.2, dashed: false, z: 2 },
  failed: { color: FAILED_COLOR, width: 1.2, dashed: true, z: 3 },
  complete: { color: COMPLETE_COLOR, width: 1.4, dashed: false, z: 4 },
  best: { color: BEST_COLOR, width: 3, dashed: false, z: 5 },
};

/**
 * Every trial's metric against the step on one pair of axes (an `overlayChartOption`): pruned trials grey,
 * failed ones dashed, the completed ones blue and the best one thick and red, labelled at its end; one legend
 * entry per kind (`names`), however many trials.
 */
export function trialCurvesOption(
  curves: readonly TrialCurve[],
  chart: { title: string; yName: string; logScale?: boolean; names: Record<CurveKind, string>; width?: number },
): EChartsOption {
  // Grey under blue under the best, whatever order the trials come in.
  const order = [...curves].sort((a, b) => CURVE_LOOK[a.kind].z - CURVE_LOOK[b.kind].z);
  const series: OverlaySeries[] = order.map((c) => ({
    name: chart.names[c.kind],
    points: c.points,
    color: CURVE_LOOK[c.kind].color,
    dashed: CURVE_LOOK[c.kind].dashed,
  }));
  const ys = curves.flatMap((c) => c.points.map((p) => p[1])).filter((y) => y > 0 && Number.isFinite(y));
  const bounds: { min?: number; max?: number } =
    chart.logScale && ys.length ? logBounds(Math.min(...ys), Math.max(...ys)) : {};
  const option = overlayChartOption({
    title: chart.title,
    yName: chart.yName,
    logScale: chart.logScale,
    yMin: bounds.min,
    yMax: bounds.max,
    series,
    width: chart.width,
  });
  const lines = option.series as LineSeriesOption[];
  lines.forEach((line, i) => {
    const c = order[i];
    const look = CURVE_LOOK[c.kind];
    line.lineStyle = { ...line.lineStyle, width: look.width };
    line.z = look.z;
    line.showSymbol = c.points.length === 1 || c.kind === 'best';
    line.symbolSize = 4;
    if (c.label) line.endLabel = { show: true, formatter: c.label, color: look.color, fontWeight: 'bold' };
  });
  const kinds = (['best', 'complete', 'pruned', 'failed'] as const).filter((k) => curves.some((c) => c.kind === k));
  const names = kinds.map((k) => chart.names[k]);
  const legendWidth = Math.round((chart.width ?? 900) * 0.94);
  option.legend = { top: 36, left: 'center', width: legendWidth, type: 'plain', itemGap: 28, data: names };
  // Room on the right for the best curve's end label.
  option.grid = { left: 70, right: 90, top: 36 + 42 * legendRows(names, legendWidth) + 20, bottom: 50 };
  return option;
}
