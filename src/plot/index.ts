/**
 * anneal/plot: charts as ECharts options (pure functions of a run's numbers), rendered to SVG by ECharts'
 * server-side renderer and to PNG by resvg (Node). In a page, `echarts.init(element).setOption(option)`.
 * @module anneal/plot
 */
export {
  PALETTE,
  boundaryChartSize,
  decisionBoundaryOption,
  lossChartOption,
  lrChartOption,
  momentumCycles,
  overlayChartOption,
  smallMultiplesOption,
  smallMultiplesSize,
  type BoundaryChartOptions,
  type BoundaryGrid,
  type BoundaryPanel,
  type LossCurve,
  type LrCurve,
  type MultiplesPanel,
  type OverlayChart,
  type OverlaySeries,
  type SmallMultiples,
} from './charts.ts';
export { renderPng, renderSvg } from './render.ts';
export { lrFindChartOption, type LrFindChartOptions } from './lr_find_chart.ts';
