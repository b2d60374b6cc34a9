/**
 * Checks a dataset before training: shapes, labels within the class range, finite features.
 * Every error names the offending parameter, row and column, and the allowed values.
 */
import type { Dataset } from './dataset.ts';
import { describe } from './param_checks.ts';

/** What `validateDataset` checks a dataset against, besides its own consistency. */
export interface DatasetExpectations {
  /** The model's input width: the dataset must have exactly this many features. */
  nFeatures?: number;
  /** The model's output width: every label must be below it. */
  nClasses?: number;
}

function checkExpectation(fn: string, name: string, value: number | undefined): void {
  if (value !== undefined && !(Number.isSafeInteger(value) && value >= 1)) {
    throw new RangeError(`${fn}: ${name} must be an integer >= 1, got ${describe(value)}`);
  }
}

/** Throws a RangeError describing the first problem found; returns the dataset unchanged otherwise. */
export function validateDataset(dataset: Dataset, expected: DatasetExpectations = {}): Dataset {
  const fn = 'validateDataset';
  checkExpectation(fn, 'nFeatures (expected)', expected.nFeatures);
  checkExpectation(fn, 'nClasses (expected)', expected.nClasses);
  const { x, y, nSamples, nFeatures, nClasses } = dataset;
  if (!Number.isSafeInteger(nSamples) || nSamples < 1) {
    throw new RangeError(`${fn}: the dataset is empty: nSamples must be an integer >= 1, got ${describe(nSamples)}`);
  }
  if (!Number.isSafeInteger(nFeatures) || nFeatures < 1) {
    throw new RangeError(`${fn}: nFeatures must be an integer >= 1, got ${describe(nFeatures)}`);
  }
  if (!Number.isSafeInteger(nClasses) || nClasses < 1) {
    throw new RangeError(`${fn}: nClasses must be an integer >= 1, got ${describe(nClasses)}`);
  }
  if (!(x instanceof Float32Array) || x.length !== nSamples * nFeatures) {
    throw new RangeError(
      `${fn}: x must be a Float32Array of nSamples * nFeatures = ${nSamples * nFeatures} values, ` +
        `got ${x instanceof Float32Array ? `${x.length} values` : describe(x)}`,
    );
  }
  if (!(y instanceof Int32Array) || y.length !== nSamples) {
    throw new RangeError(
      `${fn}: y must be an Int32Array of nSamples = ${nSamples} labels, ` +
        `got ${y instanceof Int32Array ? `${y.length} labels` : describe(y)}`,
    );
  }
  if (expected.nFeatures !== undefined && nFeatures !== expected.nFeatures) {
    throw new RangeError(`${fn}: nFeatures must be ${expected.nFeatures} (the model's input width), got ${nFeatures}`);
  }
  if (expected.nClasses !== undefined && nClasses > expected.nClasses) {
    throw new RangeError(`${fn}: nClasses must be <= ${expected.nClasses} (the model's output width), got ${nClasses}`);
  }
  const classLimit = expected.nClasses ?? nClasses;
  for (let i = 0; i < nSamples; i++) {
    const label = y[i];
    if (label < 0 || label >= classLimit) {
      throw new RangeError(
        `${fn}: y[${i}] = ${label} is out of range: labels must be integers in [0, ${classLimit - 1}]`,
      );
    }
  }
  for (let i = 0; i < nSamples; i++) {
    for (let j = 0; j < nFeatures; j++) {
      const v = x[i * nFeatures + j];
      if (!Number.isFinite(v)) {
        const why = Number.isNaN(v) ? 'NaN' : `${v} (beyond the float32 range or infinite)`;
        throw new RangeError(`${fn}: x at row ${i}, column ${j} is ${why}: features must be finite numbers`);
      }
    }
  }
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
    throw new RangeError(`${fn}: x must be a non-empty array of rows, got ${Array.isArray(x) ? '[]' : describe(x)}`);
  }
  if (!Array.isArray(y)) throw new TypeError(`${fn}: y must be an array of integer labels, got ${describe(y)}`);
  if (y.length !== x.length) {
    throw new RangeError(`${fn}: y must have one label per row of x (${x.length}), got ${y.length}`);
  }
  const nFeatures = Array.isArray(x[0]) ? x[0].length : 0;
  if (nFeatures < 1) throw new RangeError(`${fn}: x[0] must be a non-empty array of numbers, got ${describe(x[0])}`);
  const xF64 = new Float64Array(x.length * nFeatures);
  x.forEach((row, i) => {
    if (!Array.isArray(row) || row.length !== nFeatures) {
      throw new RangeError(
        `${fn}: x[${i}] must have ${nFeatures} features like x[0], ` +
          `got ${Array.isArray(row) ? row.length : describe(row)}`,
      );
    }
    row.forEach((v, j) => {
      if (typeof v !== 'number' || !Number.isFinite(v)) {
        throw new RangeError(`${fn}: x[${i}][${j}] must be a finite number, got ${describe(v)}`);
      }
      xF64[i * nFeatures + j] = v;
    });
  });
  const labels = new Int32Array(y.length);
  let maxLabel = 0;
  y.forEach((v, i) => {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 0x7fffffff) {
      throw new RangeError(`${fn}: y[${i}] must be an integer >= 0, got ${describe(v)}`);
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
    throw new RangeError((e as Error).message.replace(/^validateDataset/, fn));
  }
}
