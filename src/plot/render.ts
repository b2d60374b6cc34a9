import * as echarts from 'echarts';
import type { EChartsOption } from 'echarts';

/** Renders a chart to an SVG document with ECharts' server-side renderer (no DOM needed). */
export function renderSvg(option: EChartsOption, width = 800, height = 420): string {
  const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width, height });
  try {
    chart.setOption(option);
    return chart.renderToSVGString();
  } finally {
    chart.dispose();
  }
}
