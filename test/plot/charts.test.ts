import * as echarts from 'echarts';
import type { EChartsOption } from 'echarts';
import { describe, expect, it } from 'vitest';
import { parseRunConfig } from '../../src/config/run_config.ts';
import { makeBlobs, makeMoons } from '../../src/data/datasets.ts';
import { MLP } from '../../src/nn/models.ts';
import {
  boundaryRuns,
  decisionBoundaryOption,
  estimateTextWidth,
  lossChartOption,
  lrChartOption,
  momentumCycles,
  overlayChartOption,
  type BoundaryGrid,
} from '../../src/plot/charts.ts';
import { renderPng, renderSvg } from '../../src/plot/render.ts';
import { boundaryGrid } from '../../src/report/boundary.ts';
import { runTraining } from '../../src/train/run.ts';

/** Lays a chart out with ECharts (as renderSvg does) and reads back what it drew. */
function laidOut(option: EChartsOption, width = 800, height = 420) {
  const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width, height });
  chart.setOption(option);
  // biome-ignore lint/suspicious/noExplicitAny: ECharts' laid-out model is internal and untyped
  const model = (chart as any).getModel();
  const extent = (axis: 'xAxis' | 'yAxis', i = 0): [number, number] =>
    model.getComponent(axis, i).axis.scale.getExtent();
  const axisType = (axis: 'xAxis' | 'yAxis', i = 0): string => model.getComponent(axis, i).axis.type;
  const series = (model.getSeries() as { subType: string; name: string; getData(): { count(): number } }[]).map(
    (s) => ({ type: s.subType, name: s.name, getData: () => s.getData() }),
  );
  const svg = chart.renderToSVGString();
  chart.dispose();
  return { extent, axisType, series, svg };
}

function covers([lo, hi]: [number, number], values: number[]): void {
  expect(lo).toBeLessThanOrEqual(Math.min(...values));
  expect(hi).toBeGreaterThanOrEqual(Math.max(...values));
}

const twoGroups = runTraining(
  parseRunConfig({
    seed: 0,
    sizes: [2, 4, 2],
    data: { type: 'moons', n_samples: 40, noise: 0.2, seed: 0 },
    group_by_layer: true,
    optimizer: { type: 'SGD', groups: [{ lr: 0.05 }, { lr: 0.2 }], kwargs: { momentum: 0.9 } },
    scheduler: { type: 'OneCycleLR', args: { max_lr: [0.1, 0.4], total_steps: 120 } },
    steps: 120,
  }),
  { evalEvery: 10 },
);

describe('lr chart', () => {
  it("one line per param group, with exactly the history's lrs; momentum on a second axis when it cycles", () => {
    expect(momentumCycles(twoGroups.momentum)).toBe(true);
    const option = lrChartOption(
      { lr: twoGroups.lr, momentum: twoGroups.momentum, momentumName: 'momentum' },
      'OneCycleLR',
    );
    const series = option.series as { name: string; data: [number, number][]; yAxisIndex?: number }[];
    expect(series.map((s) => s.name)).toEqual(['lr, group 0', 'lr, group 1', 'momentum, group 0', 'momentum, group 1']);
    for (let g = 0; g < 2; g++) {
      expect(series[g].data).toEqual(twoGroups.lr.map((row, i) => [i, row[g]]));
      expect(series[2 + g].data).toEqual(twoGroups.momentum.map((row, i) => [i, row[g]]));
      expect(series[2 + g].yAxisIndex).toBe(1);
    }
    const drawn = laidOut(option);
    expect(drawn.series.map((s) => s.getData().count())).toEqual([120, 120, 120, 120]);
    covers(drawn.extent('xAxis'), [0, 119]);
    covers(drawn.extent('yAxis', 0), twoGroups.lr.flat());
    covers(drawn.extent('yAxis', 1), twoGroups.momentum.flat());
    expect(drawn.svg).toContain('>OneCycleLR<');
    expect(drawn.svg).toContain('>lr, group 1<');
    expect(drawn.svg).toContain('>step<');
  });

  it('no momentum line when momentum stays put', () => {
    const lesson = runTraining(
      parseRunConfig({
        seed: 0,
        sizes: [2, 3, 2],
        data: { type: 'moons', n_samples: 20, noise: 0.2, seed: 0 },
        optimizer: { type: 'Adam', groups: [{ lr: 0.01 }] },
        scheduler: { type: 'StepLR', args: { step_size: 50, gamma: 0.99 } },
        steps: 300,
      }),
    );
    expect(momentumCycles(lesson.momentum)).toBe(false);
    const option = lrChartOption({ lr: lesson.lr });
    expect((option.series as unknown[]).length).toBe(1);
    const drawn = laidOut(option);
    covers(drawn.extent('yAxis'), lesson.lr.flat());
    expect(drawn.extent('yAxis')[0]).toBe(0);
    expect((option.series as { data: [number, number][] }[])[0].data[299]).toEqual([299, 0.01 * 0.99 ** 5]);
  });
});

describe('loss chart', () => {
  it("log or linear scale; with evals, the whole dataset's loss and accuracy; the axes cover the data", () => {
    const log = lossChartOption({ loss: twoGroups.loss, evals: twoGroups.evals, logScale: true });
    const drawn = laidOut(log);
    expect(drawn.axisType('yAxis', 0)).toBe('log');
    expect(drawn.series.map((s) => s.name)).toEqual([
      'loss (batch)',
      'loss (whole dataset)',
      'accuracy (whole dataset)',
    ]);
    expect(drawn.series.map((s) => s.getData().count())).toEqual([120, 13, 13]);
    covers(drawn.extent('yAxis', 0), [...twoGroups.loss, ...twoGroups.evals.map((e) => e.loss)]);
    covers(drawn.extent('xAxis'), [0, 120]);
    expect(drawn.extent('yAxis', 1)).toEqual([0, 100]);
    const series = log.series as { data: [number, number][] }[];
    expect(series[0].data).toEqual(twoGroups.loss.map((l, i) => [i, l]));
    expect(series[1].data).toEqual(twoGroups.evals.map((e) => [e.step, e.loss]));
    expect(series[2].data).toEqual(twoGroups.evals.map((e) => [e.step, 100 * e.accuracy]));
    const linear = laidOut(lossChartOption({ loss: twoGroups.loss }));
    expect(linear.axisType('yAxis')).toBe('value');
    covers(linear.extent('yAxis'), twoGroups.loss);
    expect(linear.svg).toContain('>loss<');
  });

  it('with held-out evaluations, their loss and accuracy beside the training set ones; the axes cover them', () => {
    const evals = twoGroups.evals.map((e, i) => ({ ...e, val_loss: 3 + i, val_accuracy: 0.5 }));
    const option = lossChartOption({ loss: twoGroups.loss, evals, logScale: true });
    const drawn = laidOut(option);
    expect(drawn.series.map((s) => s.name)).toEqual([
      'loss (batch)',
      'loss (training set)',
      'accuracy (training set)',
      'val loss (held-out set)',
      'val accuracy (held-out set)',
    ]);
    const series = option.series as { data: [number, number][]; yAxisIndex?: number }[];
    expect(series[3].data).toEqual(evals.map((e) => [e.step, e.val_loss]));
    expect(series[4].data).toEqual(evals.map((e) => [e.step, 50]));
    expect(series[4].yAxisIndex).toBe(1);
    covers(drawn.extent('yAxis', 0), [...twoGroups.loss, ...evals.map((e) => e.val_loss)]);
    expect(drawn.svg).toContain('val loss (held-out set)');
  });
});

describe('overlay chart', () => {
  it('one line per series (plus a band where given); the legend names them all; the axes cover every point', () => {
    const a: [number, number][] = [
      [0, 0.5],
      [1, 0.2],
      [2, 0.05],
    ];
    const b: [number, number][] = [
      [0, 0.6],
      [1, 0.4],
      [2, 0.3],
      [3, 0.25],
    ];
    const option = overlayChartOption({
      title: 'Loss',
      yName: 'loss',
      logScale: true,
      series: [
        { name: 'fast', points: a },
        { name: 'slow', points: b, band: { low: [0.5, 0.3, 0.2, 0.2], high: [0.7, 0.5, 0.4, 0.3] } },
      ],
    });
    const drawn = laidOut(option, 900, 460);
    expect(drawn.series.map((s) => `${s.type}:${s.name}`)).toEqual(['line:fast', 'line:slow', 'custom:slow']);
    expect((option.legend as { data: string[] }).data).toEqual(['fast', 'slow']);
    covers(drawn.extent('yAxis'), [0.05, 0.7]);
    covers(drawn.extent('xAxis'), [0, 3]);
    expect(drawn.svg).toContain('>fast<');
    expect(drawn.svg).toContain('>loss (log scale)<');
  });

  it('the legend gets as many rows as its names need, and the plot starts below them', () => {
    const many = Array.from({ length: 8 }, (_, k) => ({
      name: `a rather long strategy name number ${k}`,
      points: [
        [0, k],
        [1, k + 1],
      ] as [number, number][],
    }));
    const option = overlayChartOption({ title: 't', yName: 'y', width: 1000, series: many });
    const rowWidth = estimateTextWidth('a rather long strategy name number 0') + 30 + 28;
    const perRow = Math.floor((940 + 28) / rowWidth);
    const rows = Math.ceil(8 / perRow);
    expect((option.grid as { top: number }).top).toBe(36 + 42 * rows + 20);
  });
});

describe('decision boundary', () => {
  const data = makeMoons({ nSamples: 60, noise: 0.2, seed: 0 });
  const model = new MLP({ sizes: [2, 8, 2], activation: 'tanh', seed: 0 });

  it('evaluates the model at every cell centre: the grid classes are model.predict there', () => {
    const grid = boundaryGrid(model, data, { resolution: 20 });
    expect([grid.nx, grid.ny, grid.nClasses]).toEqual([20, 20, 2]);
    const centres: number[][] = [];
    for (let j = 0; j < 20; j++)
      for (let i = 0; i < 20; i++) {
        centres.push([
          grid.xMin + ((i + 0.5) * (grid.xMax - grid.xMin)) / 20,
          grid.yMin + ((j + 0.5) * (grid.yMax - grid.yMin)) / 20,
        ]);
      }
    expect(Array.from(grid.classes)).toEqual(Array.from(model.predict(centres)));
    const proba = model.predictProba(centres);
    grid.confidence.forEach((c, k) => expect(c).toBe(Math.max(proba.data[2 * k], proba.data[2 * k + 1])));
    // The grid covers the data with a margin.
    for (let s = 0; s < data.nSamples; s++) {
      expect(data.x[2 * s]).toBeGreaterThan(grid.xMin);
      expect(data.x[2 * s]).toBeLessThan(grid.xMax);
      expect(data.x[2 * s + 1]).toBeGreaterThan(grid.yMin);
      expect(data.x[2 * s + 1]).toBeLessThan(grid.yMax);
    }
  });

  it('the runs tile the grid exactly, each cell with its own class', () => {
    const grid: BoundaryGrid = {
      xMin: 0,
      xMax: 4,
      yMin: 0,
      yMax: 2,
      nx: 4,
      ny: 2,
      nClasses: 2,
      classes: Int32Array.from([0, 0, 1, 1, 1, 0, 0, 0]),
      confidence: Float32Array.from([0.99, 0.99, 0.99, 0.7, 0.99, 0.99, 0.99, 0.99]),
    };
    expect(boundaryRuns(grid)).toEqual([
      [0, 2, 0, 1, 0, 3],
      [2, 3, 0, 1, 1, 3],
      [3, 4, 0, 1, 1, 1],
      [0, 1, 1, 2, 1, 3],
      [1, 4, 1, 2, 0, 3],
    ]);
  });

  it('panels side by side: one grid per panel, the data scattered over each, axes over the grid', () => {
    const grid = boundaryGrid(model, data, { resolution: 30 });
    const option = decisionBoundaryOption(
      [
        { title: 'a', grid, x: data.x, y: data.y },
        { title: 'b', grid, x: data.x, y: data.y },
        { title: 'c', grid, x: data.x, y: data.y },
      ],
      { title: 'Boundaries', columns: 2 },
    );
    const drawn = laidOut(option, 680, 770);
    expect((option.grid as unknown[]).length).toBe(3);
    const scatter = drawn.series.filter((s) => s.type === 'scatter');
    expect(scatter.length).toBe(6);
    expect(scatter.reduce((n, s) => n + s.getData().count(), 0)).toBe(3 * 60);
    expect(scatter[0].getData().count()).toBe(Array.from(data.y).filter((v) => v === 0).length);
    for (let p = 0; p < 3; p++) {
      expect(drawn.extent('xAxis', p)).toEqual([grid.xMin, grid.xMax]);
      expect(drawn.extent('yAxis', p)).toEqual([grid.yMin, grid.yMax]);
    }
    expect(drawn.svg).toContain('>Boundaries<');
    expect(drawn.svg).toContain('>class 1<');
  });

  it('refuses data that is not 2-D', () => {
    const blobs = makeBlobs({ nSamples: 30, nFeatures: 3, seed: 0 });
    const m3 = new MLP({ sizes: [3, 4, 3], seed: 0 });
    expect(() => boundaryGrid(m3, blobs)).toThrow(
      'decision boundary: the data has 3 features per sample; ' +
        'a decision boundary can only be drawn for 2-D inputs (exactly 2 features)',
    );
    expect(() => boundaryGrid(model, data, { resolution: 1 })).toThrow(
      'decision boundary: resolution must be an integer in [2, 1000], got 1',
    );
    expect(() => decisionBoundaryOption([])).toThrow(/at least one panel/);
  });
});

describe('rendering', () => {
  it('SVG through ECharts, PNG through resvg at twice the size', async () => {
    const svg = renderSvg(lossChartOption({ loss: [1, 0.5, 0.25] }, 'Three steps'), 640, 320);
    expect(svg).toMatch(/^<svg width="640" height="320"/);
    expect(svg).toContain('>Three steps<');
    const png = Buffer.from(await renderPng(svg));
    expect(png.subarray(1, 4).toString()).toBe('PNG');
    expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([1280, 640]);
    await expect(renderPng(svg, 0)).rejects.toThrow('renderPng: scale must be in (0, 8], got 0');
  });
});
