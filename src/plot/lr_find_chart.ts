import type { EChartsOption, LineSeriesOption, ScatterSeriesOption } from 'echarts';
import { invalid } from '../params/check.ts';
import type { LrFindResult } from '../tuner/lr_find.ts';
import { suggestionSpread } from '../tuner/spread.ts';
import { type LrSuggestion, SUGGESTION_METHODS, type SuggestionMethod } from '../tuner/suggestions.ts';
import { formatTick, legendRows, PALETTE } from './charts.ts';

/** Options of `lrFindChartOption`. */
export interface LrFindChartOptions {
  /** The chart's title; default 'Learning-rate finder'. */
  title?: string;
  /** Points left off the end of each curve, as fastai's `plot_lr_find(skip_end=5)`; default 5. */
  skipEnd?: number;
  /** Draw the raw losses, faint, beside the smoothed curve (one result only); default true. */
  showRaw?: boolean;
  /** The suggestions marked; default all four. */
  methods?: readonly SuggestionMethod[];
  /** The width it will be rendered at (for the legend's layout); default 800. */
  width?: number;
}

/** The colour of each suggestion's marker. */
const METHOD_COLORS: Record<SuggestionMethod, string> = {
  valley: PALETTE[1],
  slide: PALETTE[2],
  minimum: PALETTE[3],
  steep: PALETTE[4],
};

/** `valley 3.0e-3`. */
function label(method: string, lr: number): string {
  return `${method} ${lr.toExponential(1)}`;
}

/** A round step for an axis spanning `range`: 1, 2 or 5 times a power of ten, about a fifth of it. */
function niceStep(range: number): number {
  const p = 10 ** Math.floor(Math.log10(range / 5));
  const f = range / 5 / p;
  return (f < 1.5 ? 1 : f < 3.5 ? 2 : 5) * p;
}

/** The finite [lr, loss] points of a curve, less the last `skipEnd`. */
function curve(lrs: readonly number[], losses: readonly number[], skipEnd: number): [number, number][] {
  const n = Math.max(Math.min(lrs.length, losses.length) - skipEnd, 0);
  const out: [number, number][] = [];
  for (let i = 0; i < n; i++) {
    if (lrs[i] > 0 && Number.isFinite(lrs[i]) && Number.isFinite(losses[i])) out.push([lrs[i], losses[i]]);
  }
  return out;
}

/**
 * The lr finder's chart (fastai's `plot_lr_find`): the smoothed loss against the lr on a log x axis, the raw
 * losses faint behind it, and each suggestion marked with its point and a label (`valley 3.0e-3`). Given several
 * results (seeds), each seed's smoothed curve is drawn faint, each seed's suggestions as small dots, and each
 * suggestion's median over the seeds as a dashed vertical line, named in the legend with the spread in decades
 * (`valley 5.8e-2 (median, spread 0.40 decades)`).
 */
export function lrFindChartOption(
  result: LrFindResult | readonly LrFindResult[],
  options: LrFindChartOptions = {},
): EChartsOption {
  const where = 'lrFindChartOption';
  const results: readonly LrFindResult[] = Array.isArray(result) ? result : [result as LrFindResult];
  if (results.length === 0) throw invalid(where, 'result', 'an lrFind result, or a non-empty list', [], 'plain');
  for (const [i, r] of results.entries()) {
    if (typeof r !== 'object' || r === null || !Array.isArray(r.lrs) || !Array.isArray(r.smoothedLosses)) {
      throw invalid(where, `result[${i}]`, 'an lrFind result', r, 'plain');
    }
  }
  const skipEnd = options.skipEnd ?? 5;
  if (!Number.isInteger(skipEnd) || skipEnd < 0) {
    throw invalid(where, 'skipEnd', 'an integer >= 0', skipEnd, 'plain');
  }
  const methods = options.methods ?? SUGGESTION_METHODS;
  for (const m of methods) {
    if (!(SUGGESTION_METHODS as readonly string[]).includes(m)) {
      throw invalid(where, 'methods', `a list of ${SUGGESTION_METHODS.join(', ')}`, m, 'plain');
    }
  }
  const single = results.length === 1;
  const series: (LineSeriesOption | ScatterSeriesOption)[] = [];
  const ys: number[] = [];
  const xs: number[] = [];
  const legend: string[] = [];
  results.forEach((r, k) => {
    const smooth = curve(r.lrs, r.smoothedLosses, skipEnd);
    for (const [x, y] of smooth) {
      xs.push(x);
      ys.push(y);
    }
    if (single && (options.showRaw ?? true)) {
      const raw = curve(r.lrs, r.losses, skipEnd);
      // The raw losses may reach below the smoothed curve (which lags them); above it they are cut off.
      const top = smooth.length ? Math.max(...smooth.map((p) => p[1])) : Number.POSITIVE_INFINITY;
      for (const [, y] of raw) ys.push(Math.min(y, top));
      series.push({
        type: 'line',
        name: 'loss (raw)',
        showSymbol: false,
        data: raw,
        lineStyle: { width: 1, color: '#9bb7ea', opacity: 0.6 },
        itemStyle: { color: '#9bb7ea' },
        z: 1,
      });
      legend.push('loss (raw)');
    }
    const name = single ? 'loss (smoothed)' : 'loss (smoothed, each seed)';
    series.push({
      type: 'line',
      name,
      showSymbol: false,
      data: smooth,
      lineStyle: { width: single ? 2 : 1.2, color: PALETTE[0], opacity: single ? 1 : 0.35 },
      itemStyle: { color: PALETTE[0] },
      z: 2,
    });
    if (k === 0) legend.push(name);
  });
  const spread = single ? null : suggestionSpread(results);
  const medianLines: { lr: number; name: string; color: string }[] = [];
  for (const m of methods) {
    const color = METHOD_COLORS[m];
    const marks = results
      .map((r) => r.suggestions[m])
      .filter((s): s is LrSuggestion => s !== null && s.point.lr > 0 && Number.isFinite(s.point.loss));
    if (single) {
      const s = marks[0];
      if (!s) continue;
      const text = label(m, s.lr);
      series.push({
        type: 'scatter',
        name: text,
        data: [[s.point.lr, s.point.loss]],
        symbolSize: 11,
        itemStyle: { color, borderColor: '#ffffff', borderWidth: 1 },
        label: { show: true, formatter: text, position: 'top', color, fontWeight: 'bold' },
        z: 4,
      });
      legend.push(text);
      xs.push(s.point.lr, s.lr);
      ys.push(s.point.loss);
      continue;
    }
    const median = spread?.[m].median ?? null;
    if (median === null) continue;
    const decades = spread?.[m].decades ?? 0;
    const text = `${label(m, median)} (median, spread ${decades.toFixed(2)} decades)`;
    series.push({
      type: 'scatter',
      name: text,
      data: marks.map((s) => [s.point.lr, s.point.loss]),
      symbolSize: 6,
      itemStyle: { color, opacity: 0.7 },
      z: 4,
    });
    // The median as a dashed vertical line: a two-point line series spanning the y axis (set below), since
    // ECharts' markLine drops some xAxis values on a log axis (1.2e-3 vanished where 1e-2 showed).
    medianLines.push({ lr: median, name: text, color });
    legend.push(text);
    xs.push(median);
    for (const s of marks) xs.push(s.point.lr);
  }
  const finiteXs = xs.filter((v) => v > 0 && Number.isFinite(v));
  const xMin = finiteXs.length ? Math.min(...finiteXs) : 1e-7;
  const xMax = finiteXs.length ? Math.max(...finiteXs) : 10;
  const yLow = ys.length ? Math.min(...ys) : 0;
  const yHigh = ys.length ? Math.max(...ys) : 1;
  const step = niceStep(yHigh - yLow || Math.abs(yHigh) || 1);
  const yMin = Number((Math.floor(yLow / step) * step).toPrecision(12));
  const yMax = Number((Math.ceil(yHigh / step) * step).toPrecision(12));
  for (const { lr, name, color } of medianLines) {
    series.push({
      type: 'line',
      name,
      showSymbol: false,
      silent: true,
      data: [
        [lr, yMin],
        [lr, yMax],
      ],
      lineStyle: { color, width: 1.6, type: 'dashed' },
      itemStyle: { color },
      z: 3,
    });
  }
  const width = options.width ?? 800;
  const legendWidth = Math.round(width * 0.94);
  return {
    animation: false,
    backgroundColor: '#ffffff',
    title: { text: options.title ?? 'Learning-rate finder', left: 'center', top: 8, textStyle: { fontSize: 16 } },
    legend: { top: 36, left: 'center', width: legendWidth, type: 'plain', itemGap: 20, data: legend },
    grid: { left: 70, right: 30, top: 36 + 24 * legendRows(legend, legendWidth, 20) + 24, bottom: 50 },
    tooltip: { trigger: 'item' },
    xAxis: {
      type: 'log',
      logBase: 10,
      name: 'learning rate (log scale)',
      nameLocation: 'middle',
      nameGap: 28,
      nameTextStyle: { fontWeight: 'bold' },
      min: 10 ** Math.floor(Math.log10(xMin)),
      max: 10 ** Math.ceil(Math.log10(xMax)),
      axisLabel: { formatter: (v: number) => formatTick(v) },
    },
    yAxis: {
      type: 'value',
      name: 'loss',
      nameTextStyle: { fontWeight: 'bold' },
      min: yMin,
      max: yMax,
      axisLabel: { formatter: (v: number) => formatTick(v) },
    },
    series,
  };
}
