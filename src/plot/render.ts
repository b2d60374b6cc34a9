import { ValidationError } from '../params/error.ts';
import * as echarts from 'echarts';
import type { EChartsOption } from 'echarts';
import { estimateTextWidth } from './charts.ts';

// Without a canvas, ECharts lays text out with Helvetica's widths; the PNGs are drawn with DejaVu Sans, about
// a tenth wider, so in Node the widths are scaled up: legends and labels then never overlap (in a browser the
// real font is measured and nothing changes).
let measuring = false;
function useWideTextMetrics(): void {
  if (measuring || typeof document !== 'undefined') return;
  measuring = true;
  echarts.setPlatformAPI({
    measureText(text: string, font?: string) {
      const size = Number(/(\d+(?:\.\d+)?)px/.exec(font ?? '')?.[1] ?? 12);
      const bold = /bold|[6-9]00/.test(font ?? '');
      return { width: estimateTextWidth(text ?? '', size, bold) } as TextMetrics;
    },
  });
}

/** Renders a chart to an SVG document with ECharts' server-side renderer (no DOM needed). */
export function renderSvg(option: EChartsOption, width = 800, height = 420): string {
  useWideTextMetrics();
  const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width, height });
  try {
    chart.setOption(option);
    return chart.renderToSVGString();
  } finally {
    chart.dispose();
  }
}

/**
 * Rasterises an SVG document to PNG with resvg (@resvg/resvg-js, a prebuilt native module inside its npm
 * package), at `scale` × the SVG's size. Text uses the system's fonts (DejaVu Sans where present).
 * Node only; resvg is loaded on first use so that the rest of the module runs anywhere.
 */
export async function renderPng(svg: string, scale = 2): Promise<Uint8Array> {
  if (!(scale > 0 && scale <= 8)) {
    throw new ValidationError(
      'renderPng',
      'scale',
      'in (0, 8]',
      scale,
      `renderPng: scale must be in (0, 8], got ${scale}`,
    );
  }
  const { Resvg } = await import('@resvg/resvg-js');
  const resvg = new Resvg(svg, {
    background: '#ffffff',
    fitTo: { mode: 'zoom', value: scale },
    font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans', sansSerifFamily: 'DejaVu Sans' },
  });
  return resvg.render().asPng();
}
