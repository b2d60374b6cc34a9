import * as echarts from 'echarts';
import type { EChartsOption } from 'echarts';
import { describe, expect, it } from 'vitest';
import { lrFindChartOption } from '../../src/plot/lr_find_chart.ts';
import { renderSvg } from '../../src/plot/render.ts';
import { checkLrFindSettings, type LrFindResult, rangeTest } from '../../src/tuner/lr_find.ts';
import { suggestionSpread } from '../../src/tuner/spread.ts';
import { suggestLrs } from '../../src/tuner/suggestions.ts';

/** A range test over a made-up loss curve (a fall around 1e-3, a blow-up past 1), `shift` decades to the right. */
function fakeResult(seed: number, shift = 0): LrFindResult {
  const settings = { ...checkLrFindSettings({ numIter: 100 }, 1, 1), seed };
  const group = { lr: 0 };
  const rec = rangeTest(settings, [group], () => {
    const x = Math.log10(group.lr) - shift;
    return 0.7 - 0.25 * (1 + Math.tanh(1.5 * (x + 3))) + 0.05 * Math.exp(6 * x);
  });
  const suggestions = suggestLrs(rec.lrs, rec.smoothedLosses, 100);
  const diverged = rec.stopReason !== 'numIter';
  const stopStep = rec.lrs.length - 1;
  return { ...rec, suggestions, suggestion: suggestions.valley?.lr ?? null, diverged, stopStep, settings };
}

/** Lays the chart out as renderSvg does and reads back its axes and series. */
function laidOut(option: EChartsOption) {
  const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width: 800, height: 420 });
  chart.setOption(option);
  // biome-ignore lint/suspicious/noExplicitAny: ECharts' laid-out model is internal and untyped
  const model = (chart as any).getModel();
  const xAxis = model.getComponent('xAxis', 0).axis;
  const series = (model.getSeries() as { subType: string; name: string; getData(): { count(): number } }[]).map(
    (s) => ({ type: s.subType, name: s.name, count: s.getData().count() }),
  );
  const svg = chart.renderToSVGString();
  chart.dispose();
  return { xType: xAxis.type as string, xExtent: xAxis.scale.getExtent() as [number, number], series, svg };
}

describe('lrFindChartOption', () => {
  it('one result: smoothed and raw loss on a log lr axis, less the last 5 points, and each suggestion marked', () => {
    const r = fakeResult(0, -1);
    expect(r.diverged).toBe(true);
    const option = lrFindChartOption(r);
    const { xType, xExtent, series, svg } = laidOut(option);
    expect(xType).toBe('log');
    // Whole decades around the curve: from 1e-7 (the first lr) to the decade above the last lr shown.
    expect(xExtent).toEqual([1e-7, 10 ** Math.ceil(Math.log10(r.lrs[r.lrs.length - 6]))]);
    const n = r.lrs.length - 5;
    expect(series.find((s) => s.name === 'loss (smoothed)')?.count).toBe(n);
    expect(series.find((s) => s.name === 'loss (raw)')?.count).toBe(n);
    const opts = option.series as { name: string; data: [number, number][] }[];
    for (const m of ['valley', 'slide', 'minimum', 'steep'] as const) {
      const s = r.suggestions[m];
      if (!s) throw new Error(`no ${m}`);
      const name = `${m} ${s.lr.toExponential(1)}`;
      expect(opts.find((o) => o.name === name)?.data).toEqual([[s.point.lr, s.point.loss]]);
      expect(svg).toContain(name);
    }
    expect(renderSvg(option)).toContain('learning rate (log scale)');
  });

  it('several seeds: each curve faint, each suggestion at its median with the spread in decades', () => {
    const results = [fakeResult(1, 0), fakeResult(2, 0.5), fakeResult(3, 1)];
    const spread = suggestionSpread(results);
    const option = lrFindChartOption(results, { methods: ['valley', 'steep'] });
    const { series, svg } = laidOut(option);
    expect(series.filter((s) => s.name === 'loss (smoothed, each seed)').length).toBe(3);
    const opts = option.series as { name: string; type: string; data: number[][] }[];
    for (const m of ['valley', 'steep'] as const) {
      const median = spread[m].median as number;
      const decades = (spread[m].decades as number).toFixed(2);
      const text = `${m} ${median.toExponential(1)} (median, spread ${decades} decades)`;
      // The median: a dashed vertical line from the bottom of the y axis to its top, at the median lr.
      const line = opts.find((o) => o.name === text && o.type === 'line');
      expect(line?.data.map((p) => p[0])).toEqual([median, median]);
      const yAxis = option.yAxis as { min: number; max: number };
      expect(line?.data.map((p) => p[1])).toEqual([yAxis.min, yAxis.max]);
      expect(svg).toContain(`${m} ${median.toExponential(1)}`);
    }
    expect(opts.some((o) => o.name.startsWith('slide'))).toBe(false);
  });

  it('refuses what is not a result, a bad skipEnd or an unknown method', () => {
    const r = fakeResult(0);
    expect(() => lrFindChartOption([])).toThrow(/lrFindChartOption/);
    expect(() => lrFindChartOption(r, { skipEnd: -1 })).toThrow(/skipEnd must be an integer >= 0, got -1/);
    expect(() => lrFindChartOption(r, { methods: ['valey' as never] })).toThrow(/methods/);
  });
});
