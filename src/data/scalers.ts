/**
 * Feature scalers as scikit-learn 1.2.1 computes them: `StandardScaler` and `MinMaxScaler`, fitted on the
 * training split only (then applied to every split), with a state dict to save with a run. Statistics are
 * float64 whatever the input, computed operation for operation as scikit-learn does on float64 data (numpy's
 * sums over axis 0 in row order, pairwise in blocks of 8192 for a single column; the same near-constant
 * rules), so they equal scikit-learn's to the bit; a float32 input is widened exactly, transformed in float64
 * and rounded once to float32 (scikit-learn run on `X.astype(np.float64)`, then `.astype(np.float32)`).
 * NaN and infinite values are refused (scikit-learn would skip NaN).
 */
import { ValidationError } from '../params/error.ts';
import { checkBoolean, checkInteger, formatPlain, invalid } from '../params/check.ts';
import { formatValue } from '../params/names.ts';
import type { Dataset } from './dataset.ts';

/** The arrays a scaler takes: row-major `nSamples × nFeatures`, float32 or float64. */
export type FloatMatrix = Float32Array | Float64Array;

/** Options of `StandardScaler`, scikit-learn's `with_mean` and `with_std` in camelCase. */
export interface StandardScalerOptions {
  /** Subtract each feature's mean. Default true. */
  withMean?: boolean;
  /** Divide by each feature's standard deviation (population, ddof 0; 1 for a constant feature). Default true. */
  withStd?: boolean;
}

/** A fitted `StandardScaler`: its settings and scikit-learn's fitted attributes, plain JSON (snake_case). */
export interface StandardScalerState {
  /** `'StandardScaler'`. */
  type: 'StandardScaler';
  /** `with_mean` (must match the scaler it is loaded into). */
  with_mean: boolean;
  /** `with_std` (must match the scaler it is loaded into). */
  with_std: boolean;
  /** `n_features_in_`: the number of features. */
  n_features_in: number;
  /** `n_samples_seen_`: the rows it was fitted on. */
  n_samples_seen: number;
  /** `mean_`, one per feature; null when neither `with_mean` nor `with_std`. */
  mean: number[] | null;
  /** `var_` (population variance), one per feature; null without `with_std`. */
  var: number[] | null;
  /** `scale_` (√var, or 1 for a near-constant feature), one per feature; null without `with_std`. */
  scale: number[] | null;
}

/** Options of `MinMaxScaler`, scikit-learn's `feature_range` and `clip` in camelCase. */
export interface MinMaxScalerOptions {
  /** `[min, max]` of the scaled features, min < max. Default [0, 1]. */
  featureRange?: readonly [number, number];
  /** Clip transformed values (of rows unseen in fit) to `featureRange`. Default false. */
  clip?: boolean;
}

/** A fitted `MinMaxScaler`: its settings and scikit-learn's fitted attributes, plain JSON (snake_case). */
export interface MinMaxScalerState {
  /** `'MinMaxScaler'`. */
  type: 'MinMaxScaler';
  /** `feature_range` (must match the scaler it is loaded into). */
  feature_range: [number, number];
  /** `clip` (must match the scaler it is loaded into). */
  clip: boolean;
  /** `n_features_in_`: the number of features. */
  n_features_in: number;
  /** `n_samples_seen_`: the rows it was fitted on. */
  n_samples_seen: number;
  /** `data_min_`, one per feature. */
  data_min: number[];
  /** `data_max_`, one per feature. */
  data_max: number[];
  /** `data_range_` = data_max - data_min. */
  data_range: number[];
  /** `scale_` = (max - min of featureRange) / data_range (a range below 10 ε counts as 1). */
  scale: number[];
  /** `min_` = featureRange[0] - data_min · scale. */
  min: number[];
}

/** numpy's block size for buffered reductions: a single column is summed pairwise per block of this many rows. */
const NUMPY_BUFFER_SIZE = 8192;

/** numpy's `pairwise_sum` of `n` doubles from `start` (8 accumulators up to 128 values, halving above). */
function pairwiseSum(a: Float64Array, start: number, n: number): number {
  if (n < 8) {
    let res = 0;
    for (let i = 0; i < n; i++) res += a[start + i];
    return res;
  }
  if (n <= 128) {
    const r = a.slice(start, start + 8);
    let i = 8;
    for (; i < n - (n % 8); i += 8) for (let j = 0; j < 8; j++) r[j] += a[start + i + j];
    let res = r[0] + r[1] + (r[2] + r[3]) + (r[4] + r[5] + (r[6] + r[7]));
    for (; i < n; i++) res += a[start + i];
    return res;
  }
  let n2 = Math.floor(n / 2);
  n2 -= n2 % 8;
  return pairwiseSum(a, start, n2) + pairwiseSum(a, start + n2, n - n2);
}

/**
 * `np.sum(X, axis=0)` of a C-ordered `n × d` float64 matrix, in numpy's order: with several columns, each sum
 * runs down its column in row order (numpy adds whole rows); a single column is contiguous, so numpy sums it
 * pairwise, per block of 8192 rows, the blocks in order.
 */
export function numpyColumnSums(x: Float64Array, n: number, d: number): Float64Array {
  const sums = new Float64Array(d);
  if (d === 1) {
    let s = 0;
    for (let start = 0; start < n; start += NUMPY_BUFFER_SIZE) {
      s += pairwiseSum(x, start, Math.min(NUMPY_BUFFER_SIZE, n - start));
    }
    sums[0] = s;
    return sums;
  }
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) sums[j] += x[i * d + j];
  return sums;
}

/** What a value that is not a float matrix is, for a message. */
function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (ArrayBuffer.isView(value)) return `a ${value.constructor.name}`;
  if (typeof value === 'object') return 'an object';
  return formatPlain(value);
}

/** A float matrix checked and widened to float64: `n` rows of `d` finite values. */
function readMatrix(where: string, x: unknown, nFeatures: number, minRows: number): Float64Array {
  if (!(x instanceof Float32Array || x instanceof Float64Array)) {
    throw new ValidationError(
      where,
      'x',
      'a Float32Array or Float64Array (row-major nSamples × nFeatures)',
      x,
      `${where}: x must be a Float32Array or Float64Array (row-major nSamples × nFeatures), got ${describe(x)}`,
    );
  }
  if (x.length % nFeatures !== 0 || x.length < minRows * nFeatures) {
    const rows = minRows > 0 ? `at least ${minRows} row of ` : '';
    throw new ValidationError(
      where,
      'x',
      `${rows}nFeatures = ${nFeatures} values per row`,
      x.length,
      `${where}: x must hold ${rows}nFeatures = ${nFeatures} values per row (a multiple of ${nFeatures}), ` +
        `got ${x.length} values`,
    );
  }
  for (let k = 0; k < x.length; k++) {
    if (!Number.isFinite(x[k])) {
      const i = Math.floor(k / nFeatures);
      const j = k % nFeatures;
      throw new ValidationError(
        where,
        `x[${i}][${j}]`,
        'a finite number',
        x[k],
        `${where}: x at row ${i}, column ${j} is ${x[k]}: a scaler takes finite numbers only`,
      );
    }
  }
  return x instanceof Float64Array ? x : Float64Array.from(x);
}

/** `out` as the input's type: float64 as is, float32 rounded once; refuses a value that does not fit. */
function output<T extends FloatMatrix>(where: string, input: T, out: Float64Array, nFeatures: number): T {
  return (
    input instanceof Float32Array ? toFloat32(where, input, out, nFeatures) : checkOut(where, input, out, nFeatures)
  ) as T;
}

/** `out` rounded once to float32; refuses a value beyond the float32 range. */
function toFloat32(where: string, input: FloatMatrix, out: Float64Array, nFeatures: number): Float32Array {
  return checkOut(where, input, Float32Array.from(out), nFeatures, out);
}

function checkOut<R extends FloatMatrix>(
  where: string,
  input: FloatMatrix,
  result: R,
  nFeatures: number,
  wide: Float64Array = result as Float64Array,
): R {
  for (let k = 0; k < result.length; k++) {
    if (!Number.isFinite(result[k])) {
      const i = Math.floor(k / nFeatures);
      const j = k % nFeatures;
      const kind = result instanceof Float32Array ? 'float32' : 'float64';
      throw new ValidationError(
        where,
        `x[${i}][${j}]`,
        `a value whose result fits in ${kind}`,
        input[k],
        `${where}: x at row ${i}, column ${j} (${input[k]}) scales to ${wide[k]}, beyond the ${kind} range`,
      );
    }
  }
  return result;
}

function checkFeatureCount(where: string, nFeatures: unknown): number {
  return checkInteger(where, 'nFeatures', nFeatures, { min: 1, safe: true }, 'plain');
}

function notFitted(where: string, name: string): never {
  throw new ValidationError(
    where,
    'this',
    `a fitted ${name}`,
    'an unfitted scaler',
    `${where}: this ${name} is not fitted yet: call fit (on the training split) first`,
  );
}

/** A state dict refusal in the project's wording: `where: key must be allowed, got value`. */
function stateError(where: string, key: string, allowed: string, got: unknown): never {
  const isObject = typeof got === 'object' && got !== null;
  const shown = isObject ? (Array.isArray(got) ? 'a list' : 'an object') : formatValue(got);
  throw new ValidationError(
    where,
    key,
    allowed,
    isObject ? shown : got,
    `${where}: ${key} must be ${allowed}, got ${shown}`,
  );
}

/** Checks a state dict's shape: an object with exactly `keys`, of `type`. */
function checkStateKeys(where: string, state: unknown, type: string, keys: readonly string[]): Record<string, unknown> {
  if (typeof state !== 'object' || state === null || Array.isArray(state)) {
    stateError(where, 'state', `an object (${type}.stateDict())`, state === null ? null : typeof state);
  }
  const record = state as Record<string, unknown>;
  for (const key of Object.keys(record))
    if (!keys.includes(key)) stateError(where, key, 'absent (an unknown key)', key);
  for (const key of keys) if (!(key in record)) stateError(where, key, 'present (a missing key)', undefined);
  if (record.type !== type) stateError(where, 'type', JSON.stringify(type), record.type);
  return record;
}

function stateInteger(where: string, key: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
    stateError(where, key, 'an integer >= 1', value);
  }
  return value as number;
}

function stateVector(where: string, key: string, value: unknown, n: number): Float64Array {
  if (!Array.isArray(value) || value.length !== n) {
    stateError(where, key, `a list of n_features_in = ${n} finite numbers`, value);
  }
  const list = value as unknown[];
  list.forEach((v, j) => {
    if (typeof v !== 'number' || !Number.isFinite(v)) stateError(where, `${key}[${j}]`, 'a finite number', v);
  });
  return Float64Array.from(list as number[]);
}

/** Refuses a stored value that differs from the one the other stored values imply. */
function checkDerived(where: string, key: string, stored: Float64Array, derived: Float64Array, why: string): void {
  for (let j = 0; j < stored.length; j++) {
    if (stored[j] !== derived[j]) {
      stateError(where, `${key}[${j}]`, `${derived[j]} (${why})`, stored[j]);
    }
  }
}

interface StandardStats {
  nFeatures: number;
  nSamplesSeen: number;
  mean: Float64Array | null;
  variance: Float64Array | null;
  scale: Float64Array | null;
}

/**
 * scikit-learn's `scale_` from `var_`: √var, or 1 where `_is_constant_feature` holds
 * (var <= n·ε·var + (n·mean·ε)², the error bound of the two-pass variance).
 */
function scaleFromVariance(variance: Float64Array, mean: Float64Array, n: number): Float64Array {
  const eps = Number.EPSILON;
  return variance.map((v, j) => {
    const t = n * mean[j] * eps;
    return v <= n * eps * v + t * t ? 1 : Math.sqrt(v);
  });
}

/** What every fitted scaler knows: the features and rows it was fitted on. */
export interface FittedStats {
  /** The number of features (`n_features_in_`). */
  nFeatures: number;
  /** The number of rows fitted on (`n_samples_seen_`). */
  nSamplesSeen: number;
}

/**
 * What `StandardScaler` and `MinMaxScaler` share: fitting on the training rows, transforming features and
 * datasets, the fitted counts. Each scaler computes its own statistics and transform.
 */
export abstract class FeatureScaler<S extends FittedStats = FittedStats> {
  /** The scaler's class name, for messages (`StandardScaler`). */
  protected abstract readonly kind: string;
  /**
   * The fitted statistics; undefined before `fit`.
   * @internal
   */
  protected stats: S | undefined;

  /** Fits on `nFeatures` columns of `x` (row-major); replaces any earlier fit. */
  abstract fit(x: FloatMatrix, nFeatures: number): this;

  /** Transforms `x` with the fitted statistics; a Float32Array gives a Float32Array. */
  abstract transform<T extends FloatMatrix>(x: T): T;

  /** Whether `fit` (or `loadStateDict`) has run. */
  get fitted(): boolean {
    return this.stats !== undefined;
  }

  /** The number of features it was fitted on (`n_features_in_`); undefined before `fit`. */
  get nFeaturesIn(): number | undefined {
    return this.stats?.nFeatures;
  }

  /** The number of rows it was fitted on (`n_samples_seen_`); undefined before `fit`. */
  get nSamplesSeen(): number | undefined {
    return this.stats?.nSamplesSeen;
  }

  /** `fit(x, nFeatures)` then `transform(x)`. */
  fitTransform<T extends FloatMatrix>(x: T, nFeatures: number): T {
    return this.fit(x, nFeatures).transform(x);
  }

  /**
   * The fitted statistics and `x` read as `nFeaturesIn` columns, for `method`; refused before `fit`.
   * @internal
   */
  protected fittedInput(method: string, x: FloatMatrix): { stats: S; d: number; data: Float64Array } {
    const stats = this.stats ?? notFitted(method, this.kind);
    const d = stats.nFeatures;
    return { stats, d, data: readMatrix(method, x, d, 0) };
  }

  /** Fits on a dataset's features: its float64 copy when it has one (`xF64`), else `x`. */
  fitDataset(dataset: Dataset): this {
    return this.fit(datasetFeatures(`${this.kind}.fitDataset`, dataset), dataset.nFeatures);
  }

  /**
   * The dataset with its features transformed (`xF64` from the float64 copy when it has one, else from `x`;
   * `x` = `xF64` rounded once to float32); everything else kept.
   */
  transformDataset<D extends Dataset>(dataset: D): D {
    const where = `${this.kind}.transformDataset`;
    const features = datasetFeatures(where, dataset);
    const xF64 = this.transform(features);
    return { ...dataset, x: toFloat32(where, features, xF64, dataset.nFeatures), xF64 };
  }
}

/**
 * Standardizes features, as scikit-learn's `StandardScaler`: `(x - mean) / std` per feature, with the mean and
 * the population standard deviation (ddof 0) of the rows it was fitted on (the training split only). A constant
 * (or near-constant) feature gets scale 1. `withMean: false` skips the centring, `withStd: false` the scaling.
 */
export class StandardScaler extends FeatureScaler<StandardStats> {
  protected readonly kind = 'StandardScaler';
  /** Subtract the mean (scikit-learn's `with_mean`). */
  readonly withMean: boolean;
  /** Divide by the standard deviation (scikit-learn's `with_std`). */
  readonly withStd: boolean;

  /** A scaler to `fit`; see `StandardScalerOptions`. */
  constructor(options: StandardScalerOptions = {}) {
    super();
    const fn = 'StandardScaler';
    if (typeof options !== 'object' || options === null) throw invalid(fn, 'options', 'an object', options, 'plain');
    this.withMean = checkBoolean(fn, 'withMean', options.withMean ?? true, 'plain');
    this.withStd = checkBoolean(fn, 'withStd', options.withStd ?? true, 'plain');
  }

  /** Builds a scaler with a state dict's settings and loads it. */
  static fromStateDict(state: StandardScalerState): StandardScaler {
    const where = 'StandardScaler.fromStateDict';
    const record = checkStateKeys(where, state, 'StandardScaler', STANDARD_KEYS);
    if (typeof record.with_mean !== 'boolean') stateError(where, 'with_mean', 'true or false', record.with_mean);
    if (typeof record.with_std !== 'boolean') stateError(where, 'with_std', 'true or false', record.with_std);
    const scaler = new StandardScaler({ withMean: record.with_mean as boolean, withStd: record.with_std as boolean });
    scaler.loadStateDict(state, where);
    return scaler;
  }

  /** Each feature's mean (`mean_`, a copy); null when neither centring nor scaling, undefined before `fit`. */
  get mean(): Float64Array | null | undefined {
    return this.stats ? (this.stats.mean?.slice() ?? null) : undefined;
  }

  /** Each feature's population variance (`var_`, a copy); null without `withStd`, undefined before `fit`. */
  get variance(): Float64Array | null | undefined {
    return this.stats ? (this.stats.variance?.slice() ?? null) : undefined;
  }

  /** Each feature's divisor (`scale_`, a copy); null without `withStd`, undefined before `fit`. */
  get scale(): Float64Array | null | undefined {
    return this.stats ? (this.stats.scale?.slice() ?? null) : undefined;
  }

  /**
   * Computes the mean and standard deviation of each of `nFeatures` columns of `x` (row-major, at least one
   * row): `_incremental_mean_and_var` of scikit-learn's first `partial_fit`, in float64. Replaces any earlier fit.
   */
  fit(x: FloatMatrix, nFeatures: number): this {
    const fn = 'StandardScaler.fit';
    const d = checkFeatureCount(fn, nFeatures);
    const data = readMatrix(fn, x, d, 1);
    const n = data.length / d;
    if (!this.withMean && !this.withStd) {
      this.stats = { nFeatures: d, nSamplesSeen: n, mean: null, variance: null, scale: null };
      return this;
    }
    const sums = numpyColumnSums(data, n, d);
    const mean = sums.map((s) => (0 + s) / n);
    let variance: Float64Array | null = null;
    let scale: Float64Array | null = null;
    if (this.withStd) {
      const t = sums.map((s) => s / n);
      const centred = data.map((v, k) => v - t[k % d]);
      const correction = numpyColumnSums(centred, n, d);
      const squares = numpyColumnSums(
        centred.map((v) => v * v),
        n,
        d,
      );
      variance = squares.map((s, j) => (s - (correction[j] * correction[j]) / n) / n);
      scale = scaleFromVariance(variance, mean, n);
    }
    this.stats = { nFeatures: d, nSamplesSeen: n, mean, variance, scale };
    return this;
  }

  /** `x` standardized: `(x - mean) / scale`, in float64; a Float32Array gives a Float32Array (rounded once). */
  transform<T extends FloatMatrix>(x: T): T {
    const fn = 'StandardScaler.transform';
    const { stats, d, data } = this.fittedInput(fn, x);
    const { mean, scale } = stats;
    const out = new Float64Array(data.length);
    for (let k = 0; k < data.length; k++) {
      let v = data[k];
      if (this.withMean) v -= mean![k % d];
      if (this.withStd) v /= scale![k % d];
      out[k] = v;
    }
    return output(fn, x, out, d);
  }

  /** Undoes `transform`: `x · scale + mean`, in float64; a Float32Array gives a Float32Array. */
  inverseTransform<T extends FloatMatrix>(x: T): T {
    const fn = 'StandardScaler.inverseTransform';
    const { stats, d, data } = this.fittedInput(fn, x);
    const { mean, scale } = stats;
    const out = new Float64Array(data.length);
    for (let k = 0; k < data.length; k++) {
      let v = data[k];
      if (this.withStd) v *= scale![k % d];
      if (this.withMean) v += mean![k % d];
      out[k] = v;
    }
    return output(fn, x, out, d);
  }

  /** The fitted attributes and settings, plain JSON, to save with a run. */
  stateDict(): StandardScalerState {
    const stats = this.stats ?? notFitted('StandardScaler.stateDict', 'StandardScaler');
    const list = (a: Float64Array | null) => (a ? Array.from(a) : null);
    return {
      type: 'StandardScaler',
      with_mean: this.withMean,
      with_std: this.withStd,
      n_features_in: stats.nFeatures,
      n_samples_seen: stats.nSamplesSeen,
      mean: list(stats.mean),
      var: list(stats.variance),
      scale: list(stats.scale),
    };
  }

  /**
   * Restores what `stateDict()` saved, on a scaler with the same settings. Everything is checked first (keys,
   * types, lengths, and that `scale` is what `var` implies): a refused state changes nothing.
   */
  loadStateDict(state: StandardScalerState, where = 'StandardScaler.loadStateDict'): void {
    const record = checkStateKeys(where, state, 'StandardScaler', STANDARD_KEYS);
    if (record.with_mean !== this.withMean)
      stateError(where, 'with_mean', `${this.withMean} (this scaler's)`, record.with_mean);
    if (record.with_std !== this.withStd)
      stateError(where, 'with_std', `${this.withStd} (this scaler's)`, record.with_std);
    const d = stateInteger(where, 'n_features_in', record.n_features_in);
    const n = stateInteger(where, 'n_samples_seen', record.n_samples_seen);
    const vector = (key: string, present: boolean, when: string): Float64Array | null => {
      if (!present) {
        if (record[key] !== null) stateError(where, key, `null (${when})`, record[key]);
        return null;
      }
      return stateVector(where, key, record[key], d);
    };
    const mean = vector('mean', this.withMean || this.withStd, 'without with_mean and with_std');
    const variance = vector('var', this.withStd, 'without with_std');
    const scale = vector('scale', this.withStd, 'without with_std');
    if (variance && scale && mean) {
      checkDerived(where, 'scale', scale, scaleFromVariance(variance, mean, n), 'what var implies');
    }
    this.stats = { nFeatures: d, nSamplesSeen: n, mean, variance, scale };
  }
}

const STANDARD_KEYS = ['type', 'with_mean', 'with_std', 'n_features_in', 'n_samples_seen', 'mean', 'var', 'scale'];
const MINMAX_KEYS = [
  'type',
  'feature_range',
  'clip',
  'n_features_in',
  'n_samples_seen',
  'data_min',
  'data_max',
  'data_range',
  'scale',
  'min',
];

/** A dataset's features in float64: its float64 copy when it has one, else `x` widened. */
function datasetFeatures(where: string, dataset: Dataset): Float64Array {
  if (typeof dataset !== 'object' || dataset === null) throw invalid(where, 'dataset', 'a Dataset', dataset, 'plain');
  const { x, xF64 } = dataset;
  if (xF64 instanceof Float64Array) return xF64;
  if (x instanceof Float32Array) return Float64Array.from(x);
  throw invalid(where, 'dataset.x', 'a Float32Array', describe(x), 'plain');
}

interface MinMaxStats {
  nFeatures: number;
  nSamplesSeen: number;
  dataMin: Float64Array;
  dataMax: Float64Array;
  dataRange: Float64Array;
  scale: Float64Array;
  min: Float64Array;
}

/** scikit-learn's `scale_` and `min_` from the data's minimum and maximum. */
function minMaxDerived(
  [low, high]: readonly [number, number],
  dataMin: Float64Array,
  dataMax: Float64Array,
): { dataRange: Float64Array; scale: Float64Array; min: Float64Array } {
  const dataRange = dataMax.map((v, j) => v - dataMin[j]);
  const span = high - low;
  // _handle_zeros_in_scale: a range below 10 ε (float64's) counts as 1.
  const scale = dataRange.map((r) => span / (r < 10 * Number.EPSILON ? 1 : r));
  const min = dataMin.map((v, j) => low - v * scale[j]);
  return { dataRange, scale, min };
}

function checkFeatureRange(where: string, value: unknown): [number, number] {
  const allowed = 'a pair [min, max] of finite numbers with min < max';
  if (
    !Array.isArray(value) ||
    value.length !== 2 ||
    !value.every((v) => typeof v === 'number' && Number.isFinite(v)) ||
    !(value[0] < value[1])
  ) {
    throw invalid(where, 'featureRange', allowed, value, 'plain');
  }
  return [value[0], value[1]];
}

/**
 * Scales each feature to `featureRange` (default [0, 1]), as scikit-learn's `MinMaxScaler`:
 * `x · scale + min` with `scale = (high - low) / (dataMax - dataMin)` over the rows it was fitted on (the
 * training split only). A constant feature (range below 10 ε) gets scale `high - low`.
 */
export class MinMaxScaler extends FeatureScaler<MinMaxStats> {
  protected readonly kind = 'MinMaxScaler';
  /** The `[low, high]` features are scaled to (scikit-learn's `feature_range`). */
  readonly featureRange: readonly [number, number];
  /** Whether transformed values are clipped to `featureRange` (scikit-learn's `clip`). */
  readonly clip: boolean;

  /** A scaler to `fit`; see `MinMaxScalerOptions`. */
  constructor(options: MinMaxScalerOptions = {}) {
    super();
    const fn = 'MinMaxScaler';
    if (typeof options !== 'object' || options === null) throw invalid(fn, 'options', 'an object', options, 'plain');
    this.featureRange = Object.freeze(checkFeatureRange(fn, options.featureRange ?? [0, 1]));
    this.clip = checkBoolean(fn, 'clip', options.clip ?? false, 'plain');
  }

  /** Builds a scaler with a state dict's settings and loads it. */
  static fromStateDict(state: MinMaxScalerState): MinMaxScaler {
    const where = 'MinMaxScaler.fromStateDict';
    const record = checkStateKeys(where, state, 'MinMaxScaler', MINMAX_KEYS);
    if (typeof record.clip !== 'boolean') stateError(where, 'clip', 'true or false', record.clip);
    const range = record.feature_range;
    const ok = Array.isArray(range) && range.length === 2 && range.every((v) => typeof v === 'number');
    if (!ok || !(range[0] < range[1]) || !range.every(Number.isFinite)) {
      stateError(where, 'feature_range', 'a pair [min, max] of finite numbers with min < max', range);
    }
    const scaler = new MinMaxScaler({ featureRange: range as [number, number], clip: record.clip as boolean });
    scaler.loadStateDict(state, where);
    return scaler;
  }

  /** Each feature's minimum over the fitted rows (`data_min_`, a copy); undefined before `fit`. */
  get dataMin(): Float64Array | undefined {
    return this.stats?.dataMin.slice();
  }

  /** Each feature's maximum over the fitted rows (`data_max_`, a copy); undefined before `fit`. */
  get dataMax(): Float64Array | undefined {
    return this.stats?.dataMax.slice();
  }

  /** Each feature's multiplier (`scale_`, a copy); undefined before `fit`. */
  get scale(): Float64Array | undefined {
    return this.stats?.scale.slice();
  }

  /** Each feature's offset after scaling (`min_`, a copy); undefined before `fit`. */
  get min(): Float64Array | undefined {
    return this.stats?.min.slice();
  }

  /** Computes each of `nFeatures` columns' minimum and maximum over `x` (row-major, at least one row). */
  fit(x: FloatMatrix, nFeatures: number): this {
    const fn = 'MinMaxScaler.fit';
    const d = checkFeatureCount(fn, nFeatures);
    const data = readMatrix(fn, x, d, 1);
    const dataMin = data.slice(0, d);
    const dataMax = data.slice(0, d);
    for (let k = d; k < data.length; k++) {
      const j = k % d;
      if (data[k] < dataMin[j]) dataMin[j] = data[k];
      if (data[k] > dataMax[j]) dataMax[j] = data[k];
    }
    const derived = minMaxDerived(this.featureRange, dataMin, dataMax);
    this.stats = { nFeatures: d, nSamplesSeen: data.length / d, dataMin, dataMax, ...derived };
    return this;
  }

  /** `x · scale + min` (clipped to `featureRange` with `clip`), in float64; a Float32Array gives a Float32Array. */
  transform<T extends FloatMatrix>(x: T): T {
    const fn = 'MinMaxScaler.transform';
    const { stats, d, data } = this.fittedInput(fn, x);
    const [low, high] = this.featureRange;
    const out = new Float64Array(data.length);
    for (let k = 0; k < data.length; k++) {
      const v = data[k] * stats.scale[k % d] + stats.min[k % d];
      out[k] = this.clip ? Math.min(Math.max(v, low), high) : v;
    }
    return output(fn, x, out, d);
  }

  /** Undoes `transform`: `(x - min) / scale`, in float64; a Float32Array gives a Float32Array. */
  inverseTransform<T extends FloatMatrix>(x: T): T {
    const fn = 'MinMaxScaler.inverseTransform';
    const { stats, d, data } = this.fittedInput(fn, x);
    const out = data.map((v, k) => (v - stats.min[k % d]) / stats.scale[k % d]);
    return output(fn, x, out, d);
  }

  /** The fitted attributes and settings, plain JSON, to save with a run. */
  stateDict(): MinMaxScalerState {
    const stats = this.stats ?? notFitted('MinMaxScaler.stateDict', 'MinMaxScaler');
    return {
      type: 'MinMaxScaler',
      feature_range: [this.featureRange[0], this.featureRange[1]],
      clip: this.clip,
      n_features_in: stats.nFeatures,
      n_samples_seen: stats.nSamplesSeen,
      data_min: Array.from(stats.dataMin),
      data_max: Array.from(stats.dataMax),
      data_range: Array.from(stats.dataRange),
      scale: Array.from(stats.scale),
      min: Array.from(stats.min),
    };
  }

  /**
   * Restores what `stateDict()` saved, on a scaler with the same settings. Everything is checked first (keys,
   * types, lengths, data_min <= data_max, and that data_range, scale and min are what the minima and maxima
   * imply): a refused state changes nothing.
   */
  loadStateDict(state: MinMaxScalerState, where = 'MinMaxScaler.loadStateDict'): void {
    const record = checkStateKeys(where, state, 'MinMaxScaler', MINMAX_KEYS);
    const [low, high] = this.featureRange;
    const range = record.feature_range;
    if (!Array.isArray(range) || range.length !== 2 || range[0] !== low || range[1] !== high) {
      stateError(where, 'feature_range', `[${low}, ${high}] (this scaler's)`, range);
    }
    if (record.clip !== this.clip) stateError(where, 'clip', `${this.clip} (this scaler's)`, record.clip);
    const d = stateInteger(where, 'n_features_in', record.n_features_in);
    const n = stateInteger(where, 'n_samples_seen', record.n_samples_seen);
    const dataMin = stateVector(where, 'data_min', record.data_min, d);
    const dataMax = stateVector(where, 'data_max', record.data_max, d);
    dataMax.forEach((v, j) => {
      if (!(v >= dataMin[j])) stateError(where, `data_max[${j}]`, `>= data_min[${j}] (${dataMin[j]})`, v);
    });
    const derived = minMaxDerived(this.featureRange, dataMin, dataMax);
    for (const key of ['data_range', 'scale', 'min'] as const) {
      const stored = stateVector(where, key, record[key], d);
      const mine = key === 'data_range' ? derived.dataRange : derived[key];
      checkDerived(where, key, stored, mine, 'what data_min, data_max and feature_range imply');
    }
    this.stats = { nFeatures: d, nSamplesSeen: n, dataMin, dataMax, ...derived };
  }
}
