import { ValidationError } from '../params/error.ts';
import type { CustomSeriesOption, EChartsOption, LineSeriesOption, ScatterSeriesOption } from 'echarts';

// Chart options for ECharts, which renders the same chart as SVG on the server (renderSvg) and in a page
// (echarts.init(element).setOption(option)). Every builder here is a pure function of its data.

/** The data of `lrChartOption`: lrs (and momentum) per step and param group, as in a run's history. */
export interface LrCurve {
  /** lr of each group at each point; row i is plotted at step `firstStep + i`. */
  lr: number[][];
  /** SGD momentum or Adam beta1 per group, when a scheduler cycles it. */
  momentum?: number[][];
  /** What `momentum` holds, for the axis and legend: 'momentum' (default) or 'beta1'. */
  momentumName?: 'momentum' | 'beta1';
  /** The step of the first row; default 0. */
  firstStep?: number;
  /** Legend names of the groups; default 'lr' or 'lr, group g'. */
  groupNames?: string[];
}

/** The series colours, in order of use. */
export const PALETTE = [
  '#2f6fde',
  '#e4572e',
  '#29a36a',
  '#9b5de5',
  '#f4a259',
  '#3bb3c3',
  '#d6457a',
  '#6b7a8f',
  '#a0c55f',
  '#8c564b',
];

function points(rows: number[][], group: number, firstStep: number): [number, number][] {
  return rows.map((row, i) => [firstStep + i, row[group]]);
}

/** True when some group's momentum (or beta1) changes during the run: worth a line on the lr chart. */
export function momentumCycles(momentum: number[][]): boolean {
  return momentum.some((row) => row.some((v, g) => v !== momentum[0][g]));
}

/** The learning rate of every param group against the step; momentum or beta1 on a second axis. */
export function lrChartOption(curve: LrCurve, title = 'Learning rate'): EChartsOption {
  const groups = curve.lr[0]?.length ?? 0;
  const first = curve.firstStep ?? 0;
  const name = (g: number) => curve.groupNames?.[g] ?? (groups > 1 ? `lr, group ${g}` : 'lr');
  const series: LineSeriesOption[] = [];
  for (let g = 0; g < groups; g++) {
    series.push({
      type: 'line',
      name: name(g),
      showSymbol: false,
      step: false,
      data: points(curve.lr, g, first),
      lineStyle: { width: 2, color: PALETTE[g % PALETTE.length] },
      itemStyle: { color: PALETTE[g % PALETTE.length] },
    });
  }
  const yAxis: EChartsOption['yAxis'] = [
    {
      type: 'value',
      name: 'lr',
      nameTextStyle: { fontWeight: 'bold' },
      scale: false,
      axisLabel: { formatter: (v: number) => formatTick(v) },
    },
  ];
  if (curve.momentum) {
    const label = curve.momentumName ?? 'momentum';
    for (let g = 0; g < groups; g++) {
      series.push({
        type: 'line',
        name: groups > 1 ? `${label}, group ${g}` : label,
        yAxisIndex: 1,
        showSymbol: false,
        data: points(curve.momentum, g, first),
        lineStyle: { width: 1.5, type: 'dashed', color: PALETTE[(g + 3) % PALETTE.length] },
        itemStyle: { color: PALETTE[(g + 3) % PALETTE.length] },
      });
    }
    yAxis.push({
      type: 'value',
      name: label,
      nameTextStyle: { fontWeight: 'bold' },
      scale: true,
      splitLine: { show: false },
      axisLabel: { formatter: (v: number) => formatTick(v) },
    });
  }
  return base(title, 'step', yAxis, series, first, first + Math.max(curve.lr.length - 1, 1));
}

/** The data of `lossChartOption`: the loss of each step, and optionally whole-dataset evaluations. */
export interface LossCurve {
  /** The loss of each step's batch; row i is step `firstStep + i`. */
  loss: number[];
  /** The step of the first value; default 0. */
  firstStep?: number;
  /** Plot the loss on a log scale; default false. */
  logScale?: boolean;
  /**
   * Whole-dataset loss and accuracy at some steps (RunResult.evals): a second loss line and an accuracy line;
   * with `val_loss` and `val_accuracy` (a held-out set), a held-out loss line and accuracy line beside them.
   */
  evals?: readonly { step: number; loss: number; accuracy: number; val_loss?: number; val_accuracy?: number }[];
}

/** Training loss against the step, on a linear or log scale; with evals, the whole dataset's loss and accuracy. */
export function lossChartOption(curve: LossCurve, title = 'Training loss'): EChartsOption {
  const first = curve.firstStep ?? 0;
  const yAxis: EChartsOption['yAxis'] = [lossAxis(curve.logScale)];
  const evals = curve.evals ?? [];
  const series: LineSeriesOption[] = [
    {
      type: 'line',
      name: evals.length ? 'loss (batch)' : 'loss',
      showSymbol: false,
      data: curve.loss.map((l, i) => [first + i, l]),
      lineStyle: { width: evals.length ? 1 : 2, color: evals.length ? '#f0a48f' : PALETTE[1] },
      itemStyle: { color: evals.length ? '#f0a48f' : PALETTE[1] },
    },
  ];
  let xMax = first + Math.max(curve.loss.length - 1, 1);
  const held = evals.length > 0 && evals.every((e) => e.val_loss !== undefined);
  const whole = held ? 'training set' : 'whole dataset';
  if (evals.length) {
    series.push({
      type: 'line',
      name: `loss (${whole})`,
      showSymbol: evals.length <= 60,
      symbolSize: 4,
      data: evals.map((e) => [e.step, e.loss]),
      lineStyle: { width: 2, color: PALETTE[1] },
      itemStyle: { color: PALETTE[1] },
    });
    series.push({
      type: 'line',
      name: `accuracy (${whole})`,
      yAxisIndex: 1,
      showSymbol: false,
      data: evals.map((e) => [e.step, 100 * e.accuracy]),
      lineStyle: { width: 1.5, type: 'dashed', color: PALETTE[2] },
      itemStyle: { color: PALETTE[2] },
    });
    if (held) {
      series.push({
        type: 'line',
        name: 'val loss (held-out set)',
        showSymbol: evals.length <= 60,
        symbolSize: 4,
        data: evals.map((e) => [e.step, e.val_loss as number]),
        lineStyle: { width: 2, color: PALETTE[0] },
        itemStyle: { color: PALETTE[0] },
      });
      series.push({
        type: 'line',
        name: 'val accuracy (held-out set)',
        yAxisIndex: 1,
        showSymbol: false,
        data: evals.map((e) => [e.step, 100 * (e.val_accuracy as number)]),
        lineStyle: { width: 1.5, type: 'dashed', color: PALETTE[0] },
        itemStyle: { color: PALETTE[0] },
      });
    }
    yAxis.push({
      type: 'value',
      name: 'accuracy %',
      nameTextStyle: { fontWeight: 'bold' },
      min: 0,
      max: 100,
      splitLine: { show: false },
    });
    xMax = Math.max(xMax, evals[evals.length - 1].step);
  }
  return base(title, 'step', yAxis, series, first, xMax);
}

function lossAxis(logScale?: boolean) {
  return logScale
    ? {
        type: 'log' as const,
        name: 'loss (log scale)',
        nameTextStyle: { fontWeight: 'bold' as const },
        axisLabel: { formatter: (v: number) => formatTick(v) },
      }
    : {
        type: 'value' as const,
        name: 'loss',
        nameTextStyle: { fontWeight: 'bold' as const },
        axisLabel: { formatter: (v: number) => formatTick(v) },
      };
}

/** One curve of an `OverlayChart`. */
export interface OverlaySeries {
  /** Legend name. */
  name: string;
  /** [x, y] points. */
  points: [number, number][];
  /** Optional band around the line (min and max over seeds), same x as `points`. */
  band?: { low: number[]; high: number[] };
  /** Draw the line dashed; default solid. */
  dashed?: boolean;
  /** Default: the palette colour of its place. */
  color?: string;
}

/** The data of `overlayChartOption`: several curves on one pair of axes. */
export interface OverlayChart {
  /** The chart's title. */
  title: string;
  /** Name of the x axis; default 'step'. */
  xName?: string;
  /** Name of the y axis. */
  yName: string;
  /** Plot y on a log scale; default false. */
  logScale?: boolean;
  /** The curves, one colour and legend entry each. */
  series: OverlaySeries[];
  /** Force the y range. */
  yMin?: number;
  /** Force the top of the y range. */
  yMax?: number;
  /** The width it will be rendered at (for the legend's layout); default 900. */
  width?: number;
}

/**
 * Several curves on one pair of axes, one colour and one legend entry each (the comparison's lr, loss and
 * batch-size charts).
 */
export function overlayChartOption(chart: OverlayChart): EChartsOption {
  const series: (LineSeriesOption | CustomSeriesOption)[] = [];
  let xMin = Infinity;
  let xMax = -Infinity;
  chart.series.forEach((s, k) => {
    const color = s.color ?? PALETTE[k % PALETTE.length];
    for (const [x] of s.points) {
      xMin = Math.min(xMin, x);
      xMax = Math.max(xMax, x);
    }
    series.push(...curveSeries(s, color));
  });
  if (!Number.isFinite(xMin)) [xMin, xMax] = [0, 1];
  const yAxis = chart.logScale
    ? lossAxis(true)
    : {
        type: 'value' as const,
        name: chart.yName,
        nameTextStyle: { fontWeight: 'bold' as const },
        axisLabel: { formatter: (v: number) => formatTick(v) },
      };
  if (chart.logScale) yAxis.name = `${chart.yName} (log scale)`;
  const y: Record<string, unknown> = { ...yAxis };
  if (chart.yMin !== undefined) y.min = chart.yMin;
  if (chart.yMax !== undefined) y.max = chart.yMax;
  const option = base(
    chart.title,
    chart.xName ?? 'step',
    [y as never],
    series as LineSeriesOption[],
    xMin,
    xMax === xMin ? xMin + 1 : xMax,
  );
  const names = chart.series.map((s) => s.name);
  const legendWidth = Math.round((chart.width ?? 900) * 0.94);
  option.legend = { top: 36, left: 'center', width: legendWidth, type: 'plain', itemGap: 28, data: names };
  option.grid = { left: 70, right: 30, top: 36 + 42 * legendRows(names, legendWidth) + 20, bottom: 50 };
  return option;
}

/**
 * A filled band between `low` and `high` (a custom series: one polygon through api.coord, so it works on log axes
 * too).
 */
/** A curve as a line series, and its band (when it has one) as a filled series under it; on axis pair `axis`. */
function curveSeries(s: OverlaySeries, color: string, axis?: number): (LineSeriesOption | CustomSeriesOption)[] {
  const line: LineSeriesOption = {
    type: 'line',
    name: s.name,
    ...(axis !== undefined ? { xAxisIndex: axis, yAxisIndex: axis } : {}),
    showSymbol: s.points.length === 1,
    data: s.points,
    lineStyle: { width: 1.6, color, type: s.dashed ? 'dashed' : 'solid' },
    itemStyle: { color },
    z: 3,
  };
  if (!s.band || s.points.length < 2) return [line];
  const xs = s.points.map((p) => p[0]);
  return [line, bandSeries(s.name, xs, s.band.low, s.band.high, color, axis)];
}

function bandSeries(
  name: string,
  xs: number[],
  low: number[],
  high: number[],
  color: string,
  axis?: number,
): CustomSeriesOption {
  const data = xs.flatMap((x, i) => [
    [x, low[i]],
    [x, high[i]],
  ]);
  return {
    type: 'custom',
    name,
    silent: true,
    z: 1,
    ...(axis !== undefined ? { xAxisIndex: axis, yAxisIndex: axis } : {}),
    data,
    encode: { x: 0, y: 1 },
    renderItem: (params, api) => {
      if (params.dataIndex !== 0) return null;
      const top = xs.map((x, i) => api.coord([x, high[i]]));
      const bottom = xs.map((x, i) => api.coord([x, low[i]])).reverse();
      return {
        type: 'polygon',
        shape: { points: [...top, ...bottom] },
        style: { fill: color, opacity: 0.15 },
      } as never;
    },
  };
}

/** One panel of `smallMultiplesOption`: curves on one pair of axes. */
export interface MultiplesPanel {
  /** The panel's title, above it. */
  title: string;
  /** Name of the y axis. */
  yName: string;
  /** Plot y on a log scale; default false. */
  logScale?: boolean;
  /** Force the bottom of the y range. */
  yMin?: number;
  /** Force the top of the y range. */
  yMax?: number;
  /** The curves; a name stands for the same thing (one colour, one legend entry) in every panel. */
  series: OverlaySeries[];
}

/** The data of `smallMultiplesOption`: a grid of panels sharing one legend. */
export interface SmallMultiples {
  /** The chart's title. */
  title: string;
  /** The panels, row by row. */
  panels: MultiplesPanel[];
  /** Panels per row; default 2. */
  columns?: number;
  /** The width it will be rendered at; default 1200. */
  width?: number;
  /** The height of each panel's row in pixels; default 320. */
  panelHeight?: number;
  /** Name of every x axis; default 'step'. */
  xName?: string;
}

function multiplesLayout(chart: SmallMultiples) {
  const width = chart.width ?? 1200;
  const columns = Math.max(1, Math.min(chart.columns ?? 2, chart.panels.length));
  const rows = Math.ceil(chart.panels.length / columns);
  const names = [...new Set(chart.panels.flatMap((p) => p.series.map((s) => s.name)))];
  const legendWidth = Math.round(width * 0.94);
  const top = 36 + 30 * legendRows(names, legendWidth) + 16;
  const panelHeight = chart.panelHeight ?? 320;
  return { width, columns, rows, names, legendWidth, top, panelHeight, height: top + rows * panelHeight };
}

/** The size in pixels to render a `smallMultiplesOption` chart at. */
export function smallMultiplesSize(chart: SmallMultiples): { width: number; height: number } {
  const { width, height } = multiplesLayout(chart);
  return { width, height };
}

/**
 * Small multiples: a grid of panels (`columns` a row), each several curves on its own axes, under one legend;
 * a curve's name has one colour in every panel (its place in the legend), and its band, when given, is shaded
 * around it. Render at `smallMultiplesSize(chart)`.
 */
export function smallMultiplesOption(chart: SmallMultiples): EChartsOption {
  const { width, columns, names, legendWidth, top, panelHeight } = multiplesLayout(chart);
  const cell = width / columns;
  const colorOf = (s: OverlaySeries) => s.color ?? PALETTE[names.indexOf(s.name) % PALETTE.length];
  const grids: NonNullable<EChartsOption['grid']> = [];
  const xAxes: NonNullable<EChartsOption['xAxis']> = [];
  const yAxes: NonNullable<EChartsOption['yAxis']> = [];
  const titles: NonNullable<EChartsOption['title']> = [
    { text: chart.title, left: 'center', top: 8, textStyle: { fontSize: 16 } },
  ];
  const series: (LineSeriesOption | CustomSeriesOption)[] = [];
  chart.panels.forEach((panel, p) => {
    const r = Math.floor(p / columns);
    const c = p % columns;
    const left = c * cell + 70;
    const panelTop = top + r * panelHeight + 28;
    const plotWidth = cell - 100;
    grids.push({ left, top: panelTop, width: plotWidth, height: panelHeight - 80 });
    let xMin = Infinity;
    let xMax = -Infinity;
    for (const s of panel.series)
      for (const [x] of s.points) {
        xMin = Math.min(xMin, x);
        xMax = Math.max(xMax, x);
      }
    if (!Number.isFinite(xMin)) [xMin, xMax] = [0, 1];
    xAxes.push({
      type: 'value',
      gridIndex: p,
      min: xMin,
      max: xMax === xMin ? xMin + 1 : xMax,
      name: chart.xName ?? 'step',
      nameLocation: 'middle',
      nameGap: 24,
      axisLabel: { fontSize: 10 },
    });
    yAxes.push({
      type: panel.logScale ? 'log' : 'value',
      gridIndex: p,
      scale: true,
      ...(panel.yMin !== undefined ? { min: panel.yMin } : {}),
      ...(panel.yMax !== undefined ? { max: panel.yMax } : {}),
      axisLabel: { formatter: (v: number) => formatTick(v), fontSize: 10 },
    });
    titles.push({
      text: panel.logScale ? `${panel.title} (log scale)` : panel.title,
      left: left + plotWidth / 2,
      textAlign: 'center',
      top: panelTop - 24,
      textStyle: { fontSize: 13, fontWeight: 'bold' },
    });
    for (const s of panel.series) {
      const color = colorOf(s);
      series.push(...curveSeries(s, color, p));
    }
  });
  return {
    animation: false,
    backgroundColor: '#ffffff',
    title: titles,
    legend: { top: 36, left: 'center', width: legendWidth, type: 'plain', itemGap: 28, data: names },
    tooltip: { trigger: 'axis' },
    grid: grids,
    xAxis: xAxes,
    yAxis: yAxes,
    series: series as LineSeriesOption[],
  };
}

/** A model's predictions on a grid over the data's bounding box (what `boundaryGrid` in `anneal` computes). */
export interface BoundaryGrid {
  /** The grid covers [xMin, xMax] × [yMin, yMax] in nx × ny cells; cell (i, j) is column i, row j (y upward). */
  xMin: number;
  /** Right edge of the grid. */
  xMax: number;
  /** Bottom edge of the grid. */
  yMin: number;
  /** Top edge of the grid. */
  yMax: number;
  /** Number of cells across. */
  nx: number;
  /** Number of cells up. */
  ny: number;
  /** Predicted class of each cell, row-major from the bottom row: classes[j * nx + i]. */
  classes: Int32Array;
  /** Probability of the predicted class in each cell. */
  confidence: Float32Array;
  /** Number of classes the model predicts. */
  nClasses: number;
}

/** One panel of a decision-boundary chart: a model's grid and the data it was trained on. */
export interface BoundaryPanel {
  /** The panel's title, above it. */
  title?: string;
  /** The model's predictions over the plane. */
  grid: BoundaryGrid;
  /** The data: 2-D points and their labels. */
  x: ArrayLike<number>;
  /** The class label of each point. */
  y: ArrayLike<number>;
}

const CLASS_COLORS = ['#2f6fde', '#e4572e', '#29a36a', '#9b5de5', '#f4a259', '#3bb3c3', '#d6457a', '#6b7a8f'];
// Region fills: each class colour mixed with white, lighter where the model is less sure.
const CONFIDENCE_LEVELS = [0.6, 0.8, 0.95];
const TINTS = [0.12, 0.2, 0.3, 0.4];

function tint(hex: string, amount: number): string {
  const v = parseInt(hex.slice(1), 16);
  const mix = (c: number) => Math.round(255 + (c - 255) * amount);
  return `rgb(${mix(v >> 16)}, ${mix((v >> 8) & 255)}, ${mix(v & 255)})`;
}

function r1(v: number): number {
  return Math.round(v * 10) / 10;
}

function level(p: number): number {
  let k = 0;
  while (k < CONFIDENCE_LEVELS.length && p >= CONFIDENCE_LEVELS[k]) k++;
  return k;
}

/**
 * The cells of a boundary grid as horizontal runs of equal (class, confidence level): [x0, x1, y0, y1, class, level].
 * A 100×100 grid of two classes makes a few hundred runs rather than 10 000 cells.
 */
export function boundaryRuns(grid: BoundaryGrid): number[][] {
  const { nx, ny, xMin, xMax, yMin, yMax } = grid;
  const dx = (xMax - xMin) / nx;
  const dy = (yMax - yMin) / ny;
  const runs: number[][] = [];
  for (let j = 0; j < ny; j++) {
    let start = 0;
    for (let i = 1; i <= nx; i++) {
      const k0 = j * nx + start;
      const k = j * nx + i;
      if (
        i === nx ||
        grid.classes[k] !== grid.classes[k0] ||
        level(grid.confidence[k]) !== level(grid.confidence[k0])
      ) {
        runs.push([
          xMin + start * dx,
          xMin + i * dx,
          yMin + j * dy,
          yMin + (j + 1) * dy,
          grid.classes[k0],
          level(grid.confidence[k0]),
        ]);
        start = i;
      }
    }
  }
  return runs;
}

/** A good size in pixels for `panels` boundary panels, `columns` a row (each panel about 300 × 300 of plot). */
export function boundaryChartSize(
  panels: number,
  columns = panels,
  titled = true,
  panel: { width?: number; height?: number } = {},
): { width: number; height: number } {
  const cols = Math.max(1, Math.min(columns, panels));
  const rows = Math.ceil(panels / cols);
  return { width: cols * (panel.width ?? PANEL_W), height: rows * (panel.height ?? PANEL_H) + (titled ? 70 : 40) };
}

const PANEL_W = 340;
const PANEL_H = 350;

/** Options of `decisionBoundaryOption`. */
export interface BoundaryChartOptions {
  /** The chart's title, above all panels. */
  title?: string;
  /** Panels per row; default all in one row. */
  columns?: number;
  /** Legend names of the classes; default 'class k'. */
  classNames?: string[];
  /** Room for each panel in pixels (plot, axes and panel title); default 340 × 350. */
  panelWidth?: number;
  /** Height of each panel in pixels; default 350. */
  panelHeight?: number;
}

/**
 * Decision boundaries: the class regions the model predicts on a grid (filled, lighter where it is less
 * sure), under a scatter of the data coloured by label. Several panels sit side by side, `columns` a row;
 * render at boundaryChartSize(panels, columns).
 */
export function decisionBoundaryOption(
  panels: BoundaryPanel | BoundaryPanel[],
  options: BoundaryChartOptions = {},
): EChartsOption {
  const PW = options.panelWidth ?? PANEL_W;
  const PH = options.panelHeight ?? PANEL_H;
  const list = Array.isArray(panels) ? panels : [panels];
  if (list.length === 0) {
    throw new ValidationError(
      'decisionBoundaryOption',
      'panels',
      'at least one panel',
      list,
      'decisionBoundaryOption: panels must hold at least one panel',
    );
  }
  const columns = Math.max(1, Math.min(options.columns ?? list.length, list.length));
  const nClasses = Math.max(...list.map((p) => Math.max(p.grid.nClasses, maxLabel(p.y) + 1)));
  const top = options.title ? 70 : 40;
  const grids: NonNullable<EChartsOption['grid']> = [];
  const xAxes: NonNullable<EChartsOption['xAxis']> = [];
  const yAxes: NonNullable<EChartsOption['yAxis']> = [];
  const titles: NonNullable<EChartsOption['title']> = [];
  const series: (CustomSeriesOption | ScatterSeriesOption)[] = [];
  const classNames = Array.from({ length: nClasses }, (_, k) => options.classNames?.[k] ?? `class ${k}`);
  if (options.title) titles.push({ text: options.title, left: 'center', top: 8, textStyle: { fontSize: 16 } });
  list.forEach((panel, p) => {
    const r = Math.floor(p / columns);
    const c = p % columns;
    const g = panel.grid;
    const left = c * PW + 52;
    const panelTop = top + r * PH + 30;
    grids.push({ left, top: panelTop, width: PW - 70, height: PH - 80 });
    xAxes.push({
      type: 'value',
      gridIndex: p,
      min: g.xMin,
      max: g.xMax,
      name: 'x₁',
      nameLocation: 'middle',
      nameGap: 24,
      axisLine: { onZero: false },
      axisLabel: { formatter: (v: number) => formatTick(v), fontSize: 10 },
      splitLine: { show: false },
    });
    yAxes.push({
      type: 'value',
      gridIndex: p,
      min: g.yMin,
      max: g.yMax,
      name: 'x₂',
      nameLocation: 'middle',
      nameGap: 32,
      axisLine: { onZero: false },
      axisLabel: { formatter: (v: number) => formatTick(v), fontSize: 10 },
      splitLine: { show: false },
    });
    if (panel.title)
      titles.push({
        text: panel.title,
        left: left + (PW - 70) / 2,
        textAlign: 'center',
        top: panelTop - 24,
        textStyle: { fontSize: 13, fontWeight: 'bold' },
      });
    // One path per (class, confidence level): every run of that kind is a sub-rectangle of it.
    const groups = new Map<number, number[][]>();
    for (const run of boundaryRuns(g)) {
      const key = run[4] * TINTS.length + run[5];
      if (!groups.has(key)) groups.set(key, []);
      groups.get(key)!.push(run);
    }
    const kinds = [...groups.keys()].sort((a, b) => a - b);
    series.push({
      type: 'custom',
      name: 'predicted class region',
      xAxisIndex: p,
      yAxisIndex: p,
      silent: true,
      clip: true,
      z: 1,
      data: kinds.map((key) => [g.xMin, g.xMax, g.yMin, g.yMax, Math.floor(key / TINTS.length), key % TINTS.length]),
      encode: { x: [0, 1], y: [2, 3] },
      renderItem: (params, api) => {
        const key = kinds[params.dataIndex];
        const parts: string[] = [];
        for (const [x0, x1, y0, y1] of groups.get(key)!) {
          const a = api.coord([x0, y1]);
          const b = api.coord([x1, y0]);
          // Half a pixel of overlap hides the seams between neighbouring cells.
          parts.push(`M${r1(a[0])} ${r1(a[1])}H${r1(b[0] + 0.5)}V${r1(b[1] + 0.5)}H${r1(a[0])}Z`);
        }
        const fill = tint(
          CLASS_COLORS[Math.floor(key / TINTS.length) % CLASS_COLORS.length],
          TINTS[key % TINTS.length],
        );
        return { type: 'path', shape: { pathData: parts.join('') }, style: { fill } } as never;
      },
    });
    for (let k = 0; k < nClasses; k++) {
      const pts: [number, number][] = [];
      for (let s = 0; s < panel.y.length; s++) if (panel.y[s] === k) pts.push([panel.x[2 * s], panel.x[2 * s + 1]]);
      series.push({
        type: 'scatter',
        name: classNames[k],
        xAxisIndex: p,
        yAxisIndex: p,
        z: 3,
        symbolSize: 6,
        data: pts,
        large: true,
        largeThreshold: 0,
        itemStyle: { color: CLASS_COLORS[k % CLASS_COLORS.length], borderColor: '#ffffff', borderWidth: 0.8 },
      });
    }
  });
  return {
    animation: false,
    backgroundColor: '#ffffff',
    title: titles,
    legend: { top: options.title ? 36 : 8, itemGap: 28, data: classNames },
    grid: grids,
    xAxis: xAxes,
    yAxis: yAxes,
    series,
  };
}

function maxLabel(y: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < y.length; i++) m = Math.max(m, y[i]);
  return m;
}

function base(
  title: string,
  xName: string,
  yAxis: EChartsOption['yAxis'],
  series: LineSeriesOption[],
  xMin: number,
  xMax: number,
): EChartsOption {
  return {
    animation: false,
    backgroundColor: '#ffffff',
    title: { text: title, left: 'center', top: 8, textStyle: { fontSize: 16 } },
    legend: { top: 36, type: 'plain', itemGap: 28 },
    grid: { left: 70, right: Array.isArray(yAxis) && yAxis.length > 1 ? 70 : 30, top: 80, bottom: 50 },
    tooltip: { trigger: 'axis' },
    xAxis: {
      type: 'value',
      name: xName,
      nameLocation: 'middle',
      nameGap: 28,
      nameTextStyle: { fontWeight: 'bold' },
      min: xMin,
      max: xMax,
    },
    yAxis,
    series,
  };
}

// zrender's own table of Helvetica widths (in em) for ASCII 32..126, what ECharts measures text with when
// there is no canvas.
const HELVETICA_WIDTHS: Record<string, number> = (() => {
  const table =
    "007LLmW'55;N0500LLLLLLLLLL00NNNLzWW\\\\WQb\\0FWLg\\bWb\\WQ\\WrWWQ000CL5LLFLL0LL**F*gLLLL5F0LF\\FFF5.5N";
  const map: Record<string, number> = {};
  for (let i = 0; i < table.length; i++) map[String.fromCharCode(i + 32)] = (table.charCodeAt(i) - 20) / 100;
  return map;
})();

/**
 * The width in pixels of `text` in DejaVu Sans (what the PNGs are drawn with), from Helvetica's widths
 * scaled up by a tenth (a fifth when bold): an overestimate for the usual sans-serif fonts.
 */
export function estimateTextWidth(text: string, size = 12, bold = false): number {
  let w = 0;
  for (const ch of text) w += (HELVETICA_WIDTHS[ch] ?? 1) * size;
  return w * (bold ? 1.2 : 1.1);
}

/** Rows a plain legend of these names takes in `width` pixels (icon 25 px, `gap` px between entries). */
export function legendRows(names: readonly string[], width: number, gap = 28): number {
  let rows = 1;
  let x = 0;
  for (const name of names) {
    const w = 25 + 5 + estimateTextWidth(name);
    if (x > 0 && x + w > width) {
      rows++;
      x = 0;
    }
    x += w + gap;
  }
  return rows;
}

export function formatTick(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  return a >= 1e-3 && a < 1e4 ? String(Number(v.toPrecision(4))) : v.toExponential(1);
}
