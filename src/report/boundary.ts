import { ValidationError } from '../params/error.ts';
import type { Dataset } from '../data/dataset.ts';
import type { Sequential } from '../nn/sequential.ts';
import type { BoundaryGrid } from '../plot/charts.ts';

/** Options of `boundaryGrid`. */
export interface BoundaryGridOptions {
  /** Cells along each axis, an integer in [2, 1000]. Default 100. */
  resolution?: number;
  /** Space around the data, as a fraction of its extent on each side. Default 0.1. */
  margin?: number;
}

/** Refuses data that is not 2-D, naming what it got. */
export function checkBoundaryData(nFeatures: number, what = 'decision boundary'): void {
  if (nFeatures !== 2) {
    throw new ValidationError(
      what,
      'nFeatures',
      '2 (a decision boundary is drawn for 2-D inputs)',
      nFeatures,
      `${what}: the data has ${nFeatures} feature${nFeatures === 1 ? '' : 's'} per sample; ` +
        'a decision boundary can only be drawn for 2-D inputs (exactly 2 features)',
    );
  }
}

/**
 * The model's predicted class (and its probability) at the centre of every cell of a grid over the data's
 * extent plus a margin: the input of decisionBoundaryOption. Throws a ValidationError for data that is not 2-D.
 */
export function boundaryGrid(model: Sequential, data: Dataset, options: BoundaryGridOptions = {}): BoundaryGrid {
  checkBoundaryData(data.nFeatures);
  const where = 'boundaryGrid';
  if (model.inputDim !== 2) {
    throw new ValidationError(
      where,
      'model',
      'a model of 2 inputs',
      model.inputDim,
      `decision boundary: the model takes ${model.inputDim} inputs; a decision boundary needs a model of 2 inputs`,
    );
  }
  const n = options.resolution ?? 100;
  if (!Number.isInteger(n) || n < 2 || n > 1000) {
    throw new ValidationError(
      where,
      'resolution',
      'an integer in [2, 1000]',
      n,
      `decision boundary: resolution must be an integer in [2, 1000], got ${n}`,
    );
  }
  const margin = options.margin ?? 0.1;
  if (!(margin >= 0 && margin <= 10)) {
    throw new ValidationError(
      where,
      'margin',
      'a number in [0, 10]',
      margin,
      `decision boundary: margin must be a number in [0, 10], got ${margin}`,
    );
  }
  let [x0, x1, y0, y1] = [Infinity, -Infinity, Infinity, -Infinity];
  for (let s = 0; s < data.nSamples; s++) {
    x0 = Math.min(x0, data.x[2 * s]);
    x1 = Math.max(x1, data.x[2 * s]);
    y0 = Math.min(y0, data.x[2 * s + 1]);
    y1 = Math.max(y1, data.x[2 * s + 1]);
  }
  const padX = Math.max((x1 - x0) * margin, 1e-3);
  const padY = Math.max((y1 - y0) * margin, 1e-3);
  const grid = {
    xMin: nice(x0 - padX, 'down'),
    xMax: nice(x1 + padX, 'up'),
    yMin: nice(y0 - padY, 'down'),
    yMax: nice(y1 + padY, 'up'),
  };
  const dx = (grid.xMax - grid.xMin) / n;
  const dy = (grid.yMax - grid.yMin) / n;
  const points = new Float32Array(n * n * 2);
  for (let j = 0; j < n; j++) {
    for (let i = 0; i < n; i++) {
      points[2 * (j * n + i)] = grid.xMin + (i + 0.5) * dx;
      points[2 * (j * n + i) + 1] = grid.yMin + (j + 0.5) * dy;
    }
  }
  const proba = model.predictProba({ rows: n * n, cols: 2, data: points });
  const k = proba.cols;
  const classes = new Int32Array(n * n);
  const confidence = new Float32Array(n * n);
  for (let c = 0; c < n * n; c++) {
    let best = 0;
    for (let m = 1; m < k; m++) if (proba.data[c * k + m] > proba.data[c * k + best]) best = m;
    classes[c] = best;
    confidence[c] = proba.data[c * k + best];
  }
  return { ...grid, nx: n, ny: n, classes, confidence, nClasses: k };
}

/** Rounds an axis end outwards to a tidy value (one decimal). */
function nice(v: number, dir: 'up' | 'down'): number {
  const r = dir === 'up' ? Math.ceil(v * 10) / 10 : Math.floor(v * 10) / 10;
  return Number(r.toFixed(1));
}
