// The loss and lr curves, drawn by ECharts with the library's option builders (src/plot/charts.ts, the same
// charts `anneal` renders to SVG), fed with at most a few thousand points however long the run, plus the
// coming lr schedule as a dashed line.

import { LineChart, ScatterChart } from 'echarts/charts';
import {
  GridComponent,
  LegendComponent,
  MarkLineComponent,
  TitleComponent,
  TooltipComponent,
} from 'echarts/components';
import * as echarts from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';
import type { EChartsOption, LineSeriesOption } from 'echarts';
import type { EvalPoint } from '../../../src/index.ts';
import { lossChartOption, lrChartOption } from '../../../src/plot/charts.ts';
import { lrFindChartOption } from '../../../src/plot/lr_find_chart.ts';
import type { LrFindResult } from '../../../src/tuner/lr_find.ts';

echarts.use([
  LineChart,
  ScatterChart,
  GridComponent,
  LegendComponent,
  MarkLineComponent,
  TitleComponent,
  TooltipComponent,
  CanvasRenderer,
]);

/** A Float64Array that grows. */
export class Series {
  data = new Float64Array(1024);
  length = 0;

  push(values: ArrayLike<number>): void {
    if (this.length + values.length > this.data.length) {
      const next = new Float64Array(Math.max(this.data.length * 2, this.length + values.length));
      next.set(this.data.subarray(0, this.length));
      this.data = next;
    }
    this.data.set(values, this.length);
    this.length += values.length;
  }

  clear(): void {
    this.length = 0;
  }

  get values(): Float64Array {
    return this.data.subarray(0, this.length);
  }
}

const BUCKETS = 800;

/**
 * At most 2·BUCKETS points: the minimum and the maximum of each bucket of steps, in step order, so spikes
 * and cycles keep their shape. Point i is step `first + i`.
 */
export function decimate(values: Float64Array, first = 0): [number, number][] {
  const n = values.length;
  if (n <= 2 * BUCKETS) return Array.from(values, (v, i) => [first + i, v]);
  const out: [number, number][] = [];
  const size = n / BUCKETS;
  for (let b = 0; b < BUCKETS; b++) {
    const start = Math.floor(b * size);
    const end = Math.min(n, Math.floor((b + 1) * size));
    let lo = start;
    let hi = start;
    for (let i = start + 1; i < end; i++) {
      if (values[i] < values[lo]) lo = i;
      if (values[i] > values[hi]) hi = i;
    }
    const [a, c] = lo <= hi ? [lo, hi] : [hi, lo];
    out.push([first + a, values[a]]);
    if (c !== a) out.push([first + c, values[c]]);
  }
  if (out[out.length - 1][0] !== first + n - 1) out.push([first + n - 1, values[n - 1]]);
  return out;
}

/** A builder's series (its name, axis and style) with these points: decimated, so not one per row. */
function withPoints(series: LineSeriesOption, points: [number, number][]): LineSeriesOption {
  return { ...series, data: points };
}

function compact(option: EChartsOption): EChartsOption {
  return {
    ...option,
    title: { ...(option.title as object), top: 4, textStyle: { fontSize: 14 } },
    legend: { ...(option.legend as object), top: 24, itemWidth: 18, itemHeight: 8, textStyle: { fontSize: 11 } },
    grid: { ...(option.grid as object), top: 72, bottom: 40, left: 64 },
  };
}

export class ChartsView {
  private readonly loss: echarts.ECharts;
  private readonly lr: echarts.ECharts;
  private lrFind: echarts.ECharts | null = null;

  constructor(lossElement: HTMLElement, lrElement: HTMLElement) {
    this.loss = echarts.init(lossElement, undefined, { renderer: 'canvas' });
    this.lr = echarts.init(lrElement, undefined, { renderer: 'canvas' });
    new ResizeObserver(() => {
      this.loss.resize();
      this.lr.resize();
    }).observe(lossElement);
  }

  /**
   * Each step's loss and, with test data, the evaluations (`evals`: the training and the test data's loss and
   * accuracy), named as the TensorFlow Playground names them.
   */
  drawLoss(loss: Float64Array, evals: readonly EvalPoint[], steps: number, logScale: boolean): void {
    const positive = (y: number) => (logScale && !(y > 0) ? Number.MIN_VALUE : y);
    const points = decimate(loss).map(([x, y]): [number, number] => [x, positive(y)]);
    const option = lossChartOption(
      { loss: points.length ? [points[0][1]] : [], logScale, evals: evals.length ? evals : undefined },
      evals.length ? 'Training and test loss' : 'Training loss (each step)',
    );
    // Regression has no accuracy (NaN): its lines and axis are left out.
    const noAccuracy = evals.length > 0 && evals.every((e) => Number.isNaN(e.accuracy));
    const series = (option.series as LineSeriesOption[]).filter(
      (s) => !(noAccuracy && String(s.name).includes('accuracy')),
    );
    option.series = series;
    if (noAccuracy && Array.isArray(option.yAxis)) option.yAxis = option.yAxis.slice(0, 1);
    series[0] = withPoints(series[0], points);
    for (const s of series.slice(1)) {
      s.name = String(s.name).replace('val ', 'test ').replace(' (held-out set)', '');
      if (!s.yAxisIndex) s.data = (s.data as [number, number][]).map(([x, y]) => [x, positive(y)]);
    }
    this.loss.setOption(
      compact({ ...option, xAxis: { ...(option.xAxis as object), min: 0, max: Math.max(steps, 1) } }),
      { notMerge: true },
    );
  }

  /**
   * The lr each step used, one line per param group named by `groupNames` (and momentum or beta1 when it
   * cycles), and the whole run's schedule dashed: what the coming steps will use.
   */
  drawLr(
    lrs: readonly Float64Array[],
    groupNames: readonly string[] | null,
    momentum: Float64Array | null,
    preview: { lrs: readonly Float64Array[]; momentum: Float64Array | null },
    momentumName: 'momentum' | 'beta1',
    steps: number,
  ): void {
    const groups = lrs.length;
    const option = lrChartOption(
      {
        lr: [lrs.map((lr, g) => lr[0] ?? preview.lrs[g]?.[0] ?? 0)],
        momentum: momentum ? [lrs.map(() => momentum[0] ?? preview.momentum?.[0] ?? 0)] : undefined,
        momentumName,
        ...(groupNames ? { groupNames: groupNames.map((n) => `lr, ${n}`) } : {}),
      },
      'Learning rate',
    );
    // The builder's lines: each group's lr, then (when it cycles) each group's momentum; the page draws the
    // first group's momentum only (a scheduler cycles every group's alike).
    const built = option.series as LineSeriesOption[];
    const series = lrs.map((lr, g) => withPoints(built[g], decimate(lr)));
    if (momentum) series.push(withPoints({ ...built[groups], name: momentumName }, decimate(momentum)));
    option.series = series;
    const dashed = (name: string, values: Float64Array, axis: number): LineSeriesOption => ({
      type: 'line',
      name,
      yAxisIndex: axis,
      showSymbol: false,
      silent: true,
      z: 1,
      data: decimate(values),
      lineStyle: { width: 1.5, type: 'dashed', color: '#9aa3ad' },
      itemStyle: { color: '#9aa3ad' },
    });
    // Every group's coming lr under one name (one legend entry shows or hides them all).
    for (const lr of preview.lrs) if (lr.length) series.push(dashed('schedule', lr, 0));
    if (momentum && preview.momentum?.length) series.push(dashed(`${momentumName} schedule`, preview.momentum, 1));
    this.lr.setOption(compact({ ...option, xAxis: { ...(option.xAxis as object), min: 0, max: Math.max(steps, 1) } }), {
      notMerge: true,
    });
  }

  /**
   * The lr finder's curve (the library's `lrFindChartOption`, fastai's `plot_lr_find`): the smoothed loss on a
   * log lr axis, the raw losses faint, the four suggestions marked. Drawn into `element` on first use.
   */
  drawLrFind(element: HTMLElement, result: LrFindResult, title: string): void {
    if (!this.lrFind) {
      this.lrFind = echarts.init(element, undefined, { renderer: 'canvas' });
      new ResizeObserver(() => this.lrFind?.resize()).observe(element);
    }
    const option = lrFindChartOption(result, { title });
    this.lrFind.setOption(
      { ...option, title: { ...(option.title as object), top: 4, textStyle: { fontSize: 14 } } },
      { notMerge: true },
    );
  }

  /** The lines of the lr chart as drawn: each one's legend name and its [step, value] points. */
  lrLines(): { name: string; data: [number, number][] }[] {
    const series = (this.lr.getOption().series ?? []) as LineSeriesOption[];
    return series.map((s) => ({ name: String(s.name), data: (s.data ?? []) as [number, number][] }));
  }
}
