import { ValidationError } from '../params/error.ts';

/** A row-major 2-D array of f32 values: rows are samples, columns features. */
export interface Matrix {
  /** Number of rows (samples). */
  readonly rows: number;
  /** Number of columns (features). */
  readonly cols: number;
  /** The values, row-major: `data[r * cols + c]`; at least `rows * cols` of them. */
  readonly data: Float32Array;
}

/** What model methods accept as inputs: nested arrays, a Matrix, or a dataset-shaped object. */
export type Features =
  | readonly (readonly number[])[]
  | Matrix
  | { readonly x: Float32Array; readonly nSamples: number; readonly nFeatures: number };
/** Class labels, integers in [0, classes), one per sample. */
export type Labels = ArrayLike<number>;
/**
 * Float targets of a regression or BCE loss, one value per output of each sample: rows (nested arrays or a
 * Matrix), or a flat row-major list (`samples × outputs` values; one per sample for a single output).
 */
export type FloatTargets = readonly (readonly number[])[] | Matrix | ArrayLike<number>;
/** What a loss compares the outputs with: class labels (CrossEntropyLoss) or float targets (the others). */
export type Targets = Labels | FloatTargets;

/** A Matrix over `data`, which must hold exactly `rows * cols` values (not copied). */
export function matrix(data: Float32Array, rows: number, cols: number): Matrix {
  if (data.length !== rows * cols) {
    throw new ValidationError(
      'matrix',
      'data',
      `rows*cols = ${rows * cols} values`,
      data,
      `matrix: data has ${data.length} values, expected rows*cols = ${rows * cols}`,
    );
  }
  return { rows, cols, data };
}

/**
 * Normalises inputs to a Matrix, checking the feature count and that every value is finite. `what` names the
 * input in messages (and is the ValidationError's `param`), `where` the method that was given it.
 */
export function toMatrix(x: Features, expectedCols: number, what = 'x', where = 'toMatrix'): Matrix {
  let m: Matrix;
  if (Array.isArray(x)) {
    const rows = x.length;
    const data = new Float32Array(rows * expectedCols);
    for (let r = 0; r < rows; r++) {
      const row = x[r];
      if (!Array.isArray(row) || row.length !== expectedCols) {
        throw new ValidationError(
          where,
          `${what}[${r}]`,
          `a row of ${expectedCols} features (the model's input width)`,
          row,
          `${what}: row ${r} has ${Array.isArray(row) ? row.length : 'no'} features; the model takes ${expectedCols}`,
        );
      }
      for (let c = 0; c < expectedCols; c++) data[r * expectedCols + c] = row[c];
    }
    m = { rows, cols: expectedCols, data };
  } else if ('nSamples' in x) {
    m = { rows: x.nSamples, cols: x.nFeatures, data: x.x };
  } else {
    m = x as Matrix;
  }
  if (m.cols !== expectedCols) {
    throw new ValidationError(
      where,
      what,
      `${expectedCols} features per sample (the model's input width)`,
      m.cols,
      `${what}: ${m.cols} features per sample; the model takes ${expectedCols}`,
    );
  }
  if (m.rows < 1) {
    throw new ValidationError(
      where,
      what,
      'at least 1 sample',
      m.rows,
      `${what}: the batch is empty; at least 1 sample is needed`,
    );
  }
  if (m.data.length < m.rows * m.cols) {
    throw new ValidationError(
      where,
      what,
      `at least rows*cols = ${m.rows * m.cols} values`,
      m.data.length,
      `${what}: data holds ${m.data.length} values, fewer than rows*cols = ${m.rows * m.cols}`,
    );
  }
  for (let i = 0; i < m.rows * m.cols; i++) {
    if (!Number.isFinite(m.data[i])) {
      throw new ValidationError(
        where,
        `${what}[${Math.floor(i / m.cols)}][${i % m.cols}]`,
        'a finite number',
        m.data[i],
        `${what}: sample ${Math.floor(i / m.cols)}, feature ${i % m.cols} is ${m.data[i]}; inputs must be finite`,
      );
    }
  }
  return m;
}

/** Checks labels against the batch size and class count; `what` and `where` as in `toMatrix`. */
export function toLabels(y: Labels, rows: number, classes: number, what = 'y', where = 'toLabels'): Int32Array {
  if (y.length !== rows) {
    throw new ValidationError(
      where,
      what,
      `one label per sample (${rows})`,
      y.length,
      `${what}: ${y.length} labels for ${rows} samples`,
    );
  }
  const out = new Int32Array(rows);
  for (let i = 0; i < rows; i++) {
    const v = y[i];
    if (!Number.isInteger(v) || v < 0 || v >= classes) {
      throw new ValidationError(
        where,
        `${what}[${i}]`,
        `an integer in [0, ${classes - 1}]`,
        v,
        `${what}: label ${i} is ${v}; labels must be integers in [0, ${classes - 1}]`,
      );
    }
    out[i] = v;
  }
  return out;
}

/**
 * Float targets as a row-major Float32Array of `rows × outputs` values, checked: one row of `outputs` finite
 * numbers per sample. `what` and `where` as in `toMatrix`.
 */
export function toTargets(y: Targets, rows: number, outputs: number, what = 'y', where = 'toTargets'): Float32Array {
  const out = new Float32Array(rows * outputs);
  const nested = Array.isArray(y) && y.length > 0 && Array.isArray(y[0]);
  if (nested || (Array.isArray(y) && y.length === 0)) {
    const list = y as readonly (readonly number[])[];
    if (list.length !== rows) {
      throw new ValidationError(
        where,
        what,
        `one target row per sample (${rows})`,
        list.length,
        `${what}: ${list.length} target rows for ${rows} samples`,
      );
    }
    list.forEach((row, r) => {
      if (!Array.isArray(row) || row.length !== outputs) {
        throw new ValidationError(
          where,
          `${what}[${r}]`,
          `a row of ${outputs} targets (the model's outputs)`,
          row,
          `${what}: row ${r} has ${Array.isArray(row) ? row.length : 'no'} targets; the model has ${outputs} outputs`,
        );
      }
      for (let c = 0; c < outputs; c++) out[r * outputs + c] = row[c];
    });
  } else if (!Array.isArray(y) && typeof y === 'object' && y !== null && 'cols' in y && 'rows' in y) {
    const m = y as Matrix;
    if (m.rows !== rows || m.cols !== outputs || m.data.length < rows * outputs) {
      throw new ValidationError(
        where,
        what,
        `a ${rows} × ${outputs} matrix (samples × outputs)`,
        `${m.rows} × ${m.cols}`,
        `${what}: a ${m.rows} × ${m.cols} matrix; expected ${rows} × ${outputs} (one row of outputs per sample)`,
      );
    }
    out.set(m.data.subarray(0, rows * outputs));
  } else {
    const flat = y as ArrayLike<number>;
    if (flat.length !== rows * outputs) {
      throw new ValidationError(
        where,
        what,
        `${rows * outputs} targets (samples × outputs)`,
        flat.length,
        `${what}: ${flat.length} targets for ${rows} samples × ${outputs} outputs`,
      );
    }
    for (let i = 0; i < flat.length; i++) out[i] = flat[i];
  }
  for (let i = 0; i < out.length; i++) {
    const v = nested ? (y as readonly (readonly number[])[])[Math.floor(i / outputs)][i % outputs] : out[i];
    if (typeof v !== 'number' || !Number.isFinite(v) || !Number.isFinite(out[i])) {
      throw new ValidationError(
        where,
        `${what}[${Math.floor(i / outputs)}][${i % outputs}]`,
        'a finite number',
        v,
        `${what}: sample ${Math.floor(i / outputs)}, output ${i % outputs} is ${v}; targets must be finite`,
      );
    }
  }
  return out;
}
