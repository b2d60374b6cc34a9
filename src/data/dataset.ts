/**
 * A classification dataset in the engine's layout: features row-major n×d in float32 (what the
 * WebAssembly core trains on), labels as class indices 0..nClasses-1.
 */
export interface Dataset {
  /** Features, row-major `nSamples × nFeatures`, float32. */
  readonly x: Float32Array;
  /** The same features in float64 when the producer computed them in float64 (generators, CSV). */
  readonly xF64?: Float64Array;
  /** Class index of each sample. */
  readonly y: Int32Array;
  /** Number of samples (rows). */
  readonly nSamples: number;
  /** Number of features per sample. */
  readonly nFeatures: number;
  /** Number of classes; labels are in [0, nClasses). */
  readonly nClasses: number;
}

/** Wraps float64 features and labels as a `Dataset`, keeping the float64 copy. No validation. */
export function datasetFromFloat64(xF64: Float64Array, y: Int32Array, nFeatures: number, nClasses: number): Dataset {
  return { x: Float32Array.from(xF64), xF64, y, nSamples: y.length, nFeatures, nClasses };
}
