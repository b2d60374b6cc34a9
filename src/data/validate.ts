/**
 * Checks a dataset before training: shapes, labels within the class range, finite features.
 * Every error names the offending parameter, row and column, and the allowed values.
 */
import { ValidationError } from '../params/error.ts';
import type { Dataset } from './dataset.ts';
import { checkInteger, checkNumber, formatPlain, invalid } from '../params/check.ts';

/** What `validateDataset` checks a dataset against, besides its own consistency. */
export interface DatasetExpectations {
  /** The model's input width: the dataset must have exactly this many features. */
  nFeatures?: number;
  /** The model's output width (a classifier): every label must be below it; refuses a regression dataset. */
  nClasses?: number;
  /** The model's output width (a regressor): the dataset's target columns; refuses a classification dataset. */
  nTargets?: number;
}

function checkExpectation(fn: string, name: string, value: number | undefined): void {
  if (value !== undefined) checkInteger(fn, name, value, { min: 1, safe: true }, 'plain');
}

/** Throws a ValidationError describing the first problem found; returns the dataset unchanged otherwise. */
export function validateDataset(dataset: Dataset, expected: DatasetExpectations = {}): Dataset {
  const fn = 'validateDataset';
  checkExpectation(fn, 'nFeatures (expected)', expected.nFeatures);
  checkExpectation(fn, 'nClasses (expected)', expected.nClasses);
  checkExpectation(fn, 'nTargets (expected)', expected.nTargets);
  const { x, y, nSamples, nFeatures, nClasses } = dataset;
  if (dataset.targets !== undefined || dataset.nTargets !== undefined) return validateRegression(dataset, expected);
  if (expected.nTargets !== undefined) {
    throw new ValidationError(
      fn,
      'dataset',
      'a regression dataset (float targets)',
      'class labels',
      `${fn}: the model has ${expected.nTargets} regression outputs (nTargets) but the dataset has class labels ` +
        `(nClasses = ${formatPlain(nClasses)}): a regressor needs a regression dataset (float targets)`,
    );
  }
  checkSamples(fn, nSamples);
  checkInteger(fn, 'nFeatures', nFeatures, { min: 1, safe: true }, 'plain');
  checkInteger(fn, 'nClasses', nClasses, { min: 1, safe: true }, 'plain');
  checkFeatureShape(fn, x, nSamples, nFeatures);
  if (!(y instanceof Int32Array) || y.length !== nSamples) {
    throw new ValidationError(
      fn,
      'y',
      `an Int32Array of nSamples = ${nSamples} labels`,
      y,
      `${fn}: y must be an Int32Array of nSamples = ${nSamples} labels, ` +
        `got ${y instanceof Int32Array ? `${y.length} labels` : formatPlain(y)}`,
    );
  }
  checkFeatureCount(fn, nFeatures, expected);
  if (expected.nClasses !== undefined && nClasses > expected.nClasses) {
    throw invalid(fn, 'nClasses', `<= ${expected.nClasses} (the model's output width)`, nClasses, 'plain');
  }
  const classLimit = expected.nClasses ?? nClasses;
  for (let i = 0; i < nSamples; i++) {
    const label = y[i];
    if (label < 0 || label >= classLimit) {
      throw new ValidationError(
        fn,
        `y[${i}]`,
        `an integer in [0, ${classLimit - 1}]`,
        label,
        `${fn}: y[${i}] = ${label} is out of range: labels must be integers in [0, ${classLimit - 1}]`,
      );
    }
  }
  checkFinite(fn, 'x', 'features', x, nSamples, nFeatures);
  return dataset;
}

function checkSamples(fn: string, nSamples: number): void {
  if (!Number.isSafeInteger(nSamples) || nSamples < 1) {
    throw new ValidationError(
      fn,
      'nSamples',
      'an integer >= 1',
      nSamples,
      `${fn}: the dataset is empty: nSamples must be an integer >= 1, got ${formatPlain(nSamples)}`,
    );
  }
}

function checkFeatureShape(fn: string, x: Float32Array, nSamples: number, nFeatures: number): void {
  if (!(x instanceof Float32Array) || x.length !== nSamples * nFeatures) {
    throw new ValidationError(
      fn,
      'x',
      `a Float32Array of nSamples * nFeatures = ${nSamples * nFeatures} values`,
      x,
      `${fn}: x must be a Float32Array of nSamples * nFeatures = ${nSamples * nFeatures} values, ` +
        `got ${x instanceof Float32Array ? `${x.length} values` : formatPlain(x)}`,
    );
  }
}

function checkFeatureCount(fn: string, nFeatures: number, expected: DatasetExpectations): void {
  if (expected.nFeatures !== undefined && nFeatures !== expected.nFeatures) {
    throw invalid(fn, 'nFeatures', `${expected.nFeatures} (the model's input width)`, nFeatures, 'plain');
  }
}

/** Refuses the first value of `values` (row-major n × d) that is NaN or infinite, naming its row and column. */
function checkFinite(fn: string, name: string, what: string, values: Float32Array, n: number, d: number): void {
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) {
      const v = values[i * d + j];
      if (!Number.isFinite(v)) {
        const why = Number.isNaN(v) ? 'NaN' : `${v} (beyond the float32 range or infinite)`;
        throw new ValidationError(
          fn,
          `${name}[${i}][${j}]`,
          'a finite number',
          v,
          `${fn}: ${name} at row ${i}, column ${j} is ${why}: ${what} must be finite numbers`,
        );
      }
    }
  }
}

/** `validateDataset` for a dataset with float targets (regression). */
function validateRegression(dataset: Dataset, expected: DatasetExpectations): Dataset {
  const fn = 'validateDataset';
  const { x, y, nSamples, nFeatures, nClasses, targets, nTargets } = dataset;
  if (expected.nClasses !== undefined) {
    throw new ValidationError(
      fn,
      'dataset',
      'a classification dataset (class labels)',
      'float targets',
      `${fn}: the dataset is a regression dataset (float targets, nTargets = ${formatPlain(nTargets)}) ` +
        `but the model is a classifier with ${expected.nClasses} outputs (nClasses): ` +
        'a classifier needs class labels',
    );
  }
  checkSamples(fn, nSamples);
  checkInteger(fn, 'nFeatures', nFeatures, { min: 1, safe: true }, 'plain');
  const k = checkInteger(fn, 'nTargets', nTargets, { min: 1, safe: true }, 'plain');
  if (nClasses !== 0 || !(y instanceof Int32Array) || y.length !== 0) {
    throw new ValidationError(
      fn,
      'nClasses',
      '0, with y empty (a regression dataset has no class labels)',
      nClasses,
      `${fn}: a regression dataset (one with targets) has no class labels: nClasses must be 0 and y empty, ` +
        `got nClasses = ${formatPlain(nClasses)} and ${y instanceof Int32Array ? `${y.length} labels` : 'no y'}`,
    );
  }
  checkFeatureShape(fn, x, nSamples, nFeatures);
  if (!(targets instanceof Float32Array) || targets.length !== nSamples * k) {
    throw new ValidationError(
      fn,
      'targets',
      `a Float32Array of nSamples * nTargets = ${nSamples * k} values`,
      targets,
      `${fn}: targets must be a Float32Array of nSamples * nTargets = ${nSamples * k} values, ` +
        `got ${targets instanceof Float32Array ? `${targets.length} values` : formatPlain(targets)}`,
    );
  }
  checkFeatureCount(fn, nFeatures, expected);
  if (expected.nTargets !== undefined && k !== expected.nTargets) {
    throw invalid(fn, 'nTargets', `${expected.nTargets} (the model's output width)`, k, 'plain');
  }
  checkFinite(fn, 'x', 'features', x, nSamples, nFeatures);
  checkFinite(fn, 'targets', 'targets', targets, nSamples, k);
  return dataset;
}

/** Options of `toDataset`. */
export interface ToDatasetOptions {
  /** Number of classes; default `max(y) + 1`. */
  nClasses?: number;
}

/** Builds a validated `Dataset` from rows of numbers and integer labels. */
export function toDataset(
  x: readonly (readonly number[])[],
  y: readonly number[],
  options: ToDatasetOptions = {},
): Dataset {
  const fn = 'toDataset';
  if (!Array.isArray(x) || x.length === 0) {
    throw new ValidationError(
      fn,
      'x',
      'a non-empty array of rows',
      x,
      `${fn}: x must be a non-empty array of rows, got ${Array.isArray(x) ? '[]' : formatPlain(x)}`,
    );
  }
  if (!Array.isArray(y)) throw invalid(fn, 'y', 'an array of integer labels', y, 'plain');
  if (y.length !== x.length) {
    throw new ValidationError(
      fn,
      'y',
      `one label per row of x (${x.length})`,
      y,
      `${fn}: y must have one label per row of x (${x.length}), got ${y.length}`,
    );
  }
  const nFeatures = Array.isArray(x[0]) ? x[0].length : 0;
  if (nFeatures < 1) throw invalid(fn, 'x[0]', 'a non-empty array of numbers', x[0], 'plain');
  const xF64 = new Float64Array(x.length * nFeatures);
  x.forEach((row, i) => {
    if (!Array.isArray(row) || row.length !== nFeatures) {
      throw new ValidationError(
        fn,
        `x[${i}]`,
        `${nFeatures} features like x[0]`,
        row,
        `${fn}: x[${i}] must have ${nFeatures} features like x[0], ` +
          `got ${Array.isArray(row) ? row.length : formatPlain(row)}`,
      );
    }
    row.forEach((v, j) => {
      xF64[i * nFeatures + j] = checkNumber(fn, `x[${i}][${j}]`, v, {}, 'plain');
    });
  });
  const labels = new Int32Array(y.length);
  let maxLabel = 0;
  y.forEach((v, i) => {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 0x7fffffff) {
      throw invalid(fn, `y[${i}]`, 'an integer >= 0', v, 'plain');
    }
    labels[i] = v;
    maxLabel = Math.max(maxLabel, v);
  });
  const nClasses = options.nClasses ?? maxLabel + 1;
  checkExpectation(fn, 'nClasses', nClasses);
  const dataset: Dataset = { x: Float32Array.from(xF64), xF64, y: labels, nSamples: x.length, nFeatures, nClasses };
  try {
    return validateDataset(dataset);
  } catch (e) {
    if (!(e instanceof ValidationError)) throw e;
    throw new ValidationError(fn, e.param, e.allowed, e.got, e.message.replace(/^validateDataset/, fn));
  }
}
