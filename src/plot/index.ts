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
  type BoundaryChartOptions,
  type BoundaryGrid,
  type BoundaryPanel,
  type LossCurve,
  type LrCurve,
  type OverlayChart,
  type OverlaySeries,
} from './charts.ts';
export { renderPng, renderSvg } from './render.ts';
