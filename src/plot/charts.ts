import type { EChartsOption, LineSeriesOption } from 'echarts';

// Chart options for ECharts, which renders the same chart as SVG on the server (renderSvg) and in a page.

export interface LrCurve {
  /** lr of each group at each point; row i is plotted at step `firstStep + i`. */
  lr: number[][];
  /** SGD momentum or Adam beta1 per group, when a scheduler cycles it. */
  momentum?: number[][];
  momentumName?: 'momentum' | 'beta1';
  firstStep?: number;
  groupNames?: string[];
}

const PALETTE = ['#2f6fde', '#e4572e', '#29a36a', '#9b5de5', '#f4a259', '#3bb3c3'];

function points(rows: number[][], group: number, firstStep: number): [number, number][] {
  return rows.map((row, i) => [firstStep + i, row[group]]);
}

/** The learning rate of every param group against the step; momentum or beta1 on a second axis. */
export function lrChartOption(curve: LrCurve, title = 'Learning rate'): EChartsOption {
  const groups = curve.lr[0]?.length ?? 0;
  const first = curve.firstStep ?? 0;
  const name = (g: number) => curve.groupNames?.[g] ?? (groups > 1 ? `lr, group ${g}` : 'lr');
  const series: LineSeriesOption[] = [];
  for (let g = 0; g < groups; g++) {
    series.push({ type: 'line', name: name(g), showSymbol: false, step: false, data: points(curve.lr, g, first), lineStyle: { width: 2, color: PALETTE[g % PALETTE.length] }, itemStyle: { color: PALETTE[g % PALETTE.length] } });
  }
  const yAxis: EChartsOption['yAxis'] = [{ type: 'value', name: 'lr', scale: false, axisLabel: { formatter: (v: number) => formatTick(v) } }];
  if (curve.momentum) {
    const label = curve.momentumName ?? 'momentum';
    for (let g = 0; g < groups; g++) {
      series.push({ type: 'line', name: groups > 1 ? `${label}, group ${g}` : label, yAxisIndex: 1, showSymbol: false, data: points(curve.momentum, g, first),
        lineStyle: { width: 1.5, type: 'dashed', color: PALETTE[(g + 3) % PALETTE.length] }, itemStyle: { color: PALETTE[(g + 3) % PALETTE.length] } });
    }
    yAxis.push({ type: 'value', name: label, scale: true, splitLine: { show: false } });
  }
  return base(title, 'step', yAxis, series, first, first + Math.max(curve.lr.length - 1, 1));
}

export interface LossCurve {
  loss: number[];
  firstStep?: number;
  logScale?: boolean;
}

/** Training loss against the step, on a linear or log scale. */
export function lossChartOption(curve: LossCurve, title = 'Training loss'): EChartsOption {
  const first = curve.firstStep ?? 0;
  const yAxis: EChartsOption['yAxis'] = curve.logScale
    ? [{ type: 'log', name: 'loss (log scale)', axisLabel: { formatter: (v: number) => formatTick(v) } }]
    : [{ type: 'value', name: 'loss', axisLabel: { formatter: (v: number) => formatTick(v) } }];
  const series: LineSeriesOption[] = [{ type: 'line', name: 'loss', showSymbol: false, data: curve.loss.map((l, i) => [first + i, l]), lineStyle: { width: 2, color: PALETTE[1] }, itemStyle: { color: PALETTE[1] } }];
  return base(title, 'step', yAxis, series, first, first + Math.max(curve.loss.length - 1, 1));
}

function base(title: string, xName: string, yAxis: EChartsOption['yAxis'], series: LineSeriesOption[], xMin: number, xMax: number): EChartsOption {
  return {
    animation: false,
    backgroundColor: '#ffffff',
    title: { text: title, left: 'center', top: 8, textStyle: { fontSize: 16 } },
    legend: { top: 36, type: 'plain' },
    grid: { left: 70, right: Array.isArray(yAxis) && yAxis.length > 1 ? 70 : 30, top: 80, bottom: 50 },
    tooltip: { trigger: 'axis' },
    xAxis: { type: 'value', name: xName, nameLocation: 'middle', nameGap: 28, min: xMin, max: xMax },
    yAxis,
    series,
  };
}

export function formatTick(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  return a >= 1e-3 && a < 1e4 ? String(Number(v.toPrecision(4))) : v.toExponential(1);
}
