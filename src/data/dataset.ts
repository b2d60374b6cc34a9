/**
 * A dataset in the engine's layout: features row-major n×d in float32 (what the WebAssembly core trains on),
 * and either class labels (classification: `y`, `nClasses`) or float targets (regression, one or more target
 * columns: `targets`, `nTargets`, with `y` empty and `nClasses` 0).
 */
export interface Dataset {
  /** Features, row-major `nSamples × nFeatures`, float32. */
  readonly x: Float32Array;
  /** The same features in float64 when the producer computed them in float64 (generators, CSV). */
  readonly xF64?: Float64Array;
  /** Class index of each sample. Empty for a regression dataset (one with `targets`). */
  readonly y: Int32Array;
  /** Number of samples (rows). */
  readonly nSamples: number;
  /** Number of features per sample. */
  readonly nFeatures: number;
  /** Number of classes; labels are in [0, nClasses). 0 for a regression dataset (one with `targets`). */
  readonly nClasses: number;
  /**
   * Regression targets, row-major `nSamples × nTargets`, float32; absent for classification. A dataset with
   * `targets` is a regression dataset: see `isRegression`.
   */
  readonly targets?: Float32Array;
  /** The same targets in float64, when the producer had them in float64 (CSV, the shipped datasets). */
  readonly targetsF64?: Float64Array;
  /** Number of target columns of a regression dataset (1 or more); absent for classification. */
  readonly nTargets?: number;
}

/** A regression dataset: float targets (one or more columns) instead of class labels. */
export interface RegressionDataset extends Dataset {
  /** Regression targets, row-major `nSamples × nTargets`, float32. */
  readonly targets: Float32Array;
  /** The same targets in float64. */
  readonly targetsF64: Float64Array;
  /** Number of target columns (1 or more). */
  readonly nTargets: number;
}

/** Whether `dataset` is a regression dataset (it has float `targets`), not a classification one. */
export function isRegression(dataset: Dataset): dataset is RegressionDataset {
  return dataset.targets !== undefined;
}

/** Wraps float64 features and labels as a `Dataset`, keeping the float64 copy. No validation. */
export function datasetFromFloat64(xF64: Float64Array, y: Int32Array, nFeatures: number, nClasses: number): Dataset {
  return { x: Float32Array.from(xF64), xF64, y, nSamples: y.length, nFeatures, nClasses };
}

/**
 * Wraps float64 features and float64 targets (row-major `n × nTargets`) as a regression dataset, keeping the
 * float64 copies: `y` is empty and `nClasses` 0. No validation.
 */
export function regressionDatasetFromFloat64(
  xF64: Float64Array,
  targetsF64: Float64Array,
  nFeatures: number,
  nTargets: number,
): RegressionDataset {
  return {
    x: Float32Array.from(xF64),
    xF64,
    y: new Int32Array(0),
    nSamples: xF64.length / nFeatures,
    nFeatures,
    nClasses: 0,
    targets: Float32Array.from(targetsF64),
    targetsF64,
    nTargets,
  };
}
