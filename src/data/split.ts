/**
 * A seeded split of a dataset into a training part and a held-out (validation) part, stratified by class by
 * default, as scikit-learn's `train_test_split(..., stratify=y)` does for classification.
 */
import { checkBoolean, checkNumber, checkSeed } from '../params/check.ts';
import { ValidationError } from '../params/error.ts';
import { type Dataset, isRegression } from './dataset.ts';
import { RandomState } from './numpy_random.ts';

/** Options of `trainValSplit`. */
export interface TrainValSplitOptions {
  /** The fraction held out, in (0, 1): `n - floor(n × (1 - valSplit))` rows (Keras's count). */
  valSplit: number;
  /** The seed of the draw (`RandomState(seed)`); default 0. */
  seed?: number;
  /**
   * Keep each class's share in both parts: default true for a classification dataset; a regression dataset
   * (float `targets`, no labels) cannot be stratified.
   */
  stratify?: boolean;
}

/** The two parts of a split, each a dataset with the original's width and class count, rows in their order. */
export interface TrainValSplit {
  /** The rows trained on. */
  train: Dataset;
  /** The rows held out. */
  val: Dataset;
  /** The original row of each training row, ascending. */
  trainIndices: Int32Array;
  /** The original row of each held-out row, ascending. */
  valIndices: Int32Array;
}

/**
 * The rows `indices` of `dataset`, in that order, as a dataset of the same width and class count (or target
 * columns, for a regression dataset).
 */
export function subsetDataset(dataset: Dataset, indices: ArrayLike<number>): Dataset {
  const n = indices.length;
  const rows = <A extends Float32Array | Float64Array | Int32Array>(from: A, width: number, make: (k: number) => A) => {
    const out = make(n * width);
    for (let i = 0; i < n; i++) out.set(from.subarray(indices[i] * width, indices[i] * width + width), i * width);
    return out;
  };
  const d = dataset.nFeatures;
  const f32 = (k: number) => new Float32Array(k);
  const f64 = (k: number) => new Float64Array(k);
  const { xF64, targets, targetsF64, nTargets } = dataset;
  const t = nTargets ?? 0;
  return {
    x: rows(dataset.x, d, f32),
    ...(xF64 ? { xF64: rows(xF64, d, f64) } : {}),
    y: isRegression(dataset) ? new Int32Array(0) : rows(dataset.y, 1, (k) => new Int32Array(k)),
    nSamples: n,
    nFeatures: d,
    nClasses: dataset.nClasses,
    ...(targets ? { targets: rows(targets, t, f32), nTargets: t } : {}),
    ...(targetsF64 ? { targetsF64: rows(targetsF64, t, f64) } : {}),
  };
}

/**
 * Splits `dataset` into training and held-out rows, the same for the same seed. A regression dataset's float
 * targets are split with their rows (never stratified). `n - floor(n × (1 - valSplit))`
 * rows are held out. Without stratification they are the first of `RandomState(seed).permutation(n)`. With
 * it (the default), each class c of n_c rows gives round-down(n_c × nVal / n) rows, and the rows left over go
 * to the classes with the largest remainders (ties: the lower class first); each class's rows are those first
 * in a `permutation(n_c)` of its rows, drawn class by class from the one RandomState. Both parts keep the
 * original order. Refused (as scikit-learn refuses them): a part that would be empty, and with stratification a
 * class of fewer than 2 rows, or fewer held-out (or training) rows than classes.
 */
export function trainValSplit(dataset: Dataset, options: TrainValSplitOptions): TrainValSplit {
  const where = 'trainValSplit';
  if (typeof options !== 'object' || options === null) {
    throw new ValidationError(where, 'options', 'an object {valSplit, seed, stratify}', options);
  }
  const valSplit = checkNumber(
    where,
    'valSplit',
    options.valSplit,
    { min: 0, max: 1, above: true, below: true },
    'plain',
  );
  const seed = checkSeed(where, options.seed ?? 0);
  const regression = isRegression(dataset);
  const stratify = checkBoolean(where, 'stratify', options.stratify ?? !regression, 'plain');
  if (stratify && regression) {
    throw new ValidationError(
      where,
      'stratify',
      'false for a regression dataset (it has float targets, no classes)',
      true,
      `${where}: a regression dataset (float targets) has no classes to stratify by; give stratify: false`,
    );
  }
  const n = dataset.nSamples;
  const nTrain = Math.floor(n * (1 - valSplit));
  const nVal = n - nTrain;
  if (nTrain < 1 || nVal < 1) {
    const part = nTrain < 1 ? 'training' : 'held-out';
    throw new ValidationError(
      where,
      'valSplit',
      `a fraction that leaves both parts of the ${n} rows non-empty`,
      valSplit,
      `${where}: valSplit ${valSplit} of ${n} rows leaves the ${part} part empty ` +
        `(${nTrain} training rows, ${nVal} held out); give a fraction in (0, 1) that leaves both at least 1 row`,
    );
  }
  const rng = new RandomState(seed);
  const held = new Uint8Array(n);
  if (!stratify) {
    const order = rng.permutation(n);
    for (let i = 0; i < nVal; i++) held[order[i]] = 1;
  } else {
    const byClass = rowsByClass(dataset);
    const present = byClass.filter((rows) => rows.length > 0);
    const smallest = present.reduce((a, rows) => Math.min(a, rows.length), Infinity);
    if (smallest < 2) {
      const c = byClass.findIndex((rows) => rows.length === 1);
      throw new ValidationError(
        where,
        'stratify',
        'classes of at least 2 rows each',
        `class ${c} with 1 row`,
        `${where}: class ${c} has only 1 row, too few to stratify (each class needs at least 2); ` +
          'give stratify: false',
      );
    }
    for (const [part, count] of [
      ['held-out', nVal],
      ['training', nTrain],
    ] as const) {
      if (count < present.length) {
        throw new ValidationError(
          where,
          'valSplit',
          `a fraction that leaves at least ${present.length} rows (one per class) in each part`,
          valSplit,
          `${where}: valSplit ${valSplit} of ${n} rows leaves ${count} ${part} rows, fewer than the ` +
            `${present.length} classes: a stratified split needs at least one row of each class in each part`,
        );
      }
    }
    const counts = allocate(
      byClass.map((rows) => rows.length),
      nVal,
      n,
    );
    byClass.forEach((rows, c) => {
      if (rows.length === 0) return;
      const order = rng.permutation(rows.length);
      for (let i = 0; i < counts[c]; i++) held[rows[order[i]]] = 1;
    });
  }
  const trainIndices = new Int32Array(nTrain);
  const valIndices = new Int32Array(nVal);
  for (let i = 0, t = 0, v = 0; i < n; i++) {
    if (held[i]) valIndices[v++] = i;
    else trainIndices[t++] = i;
  }
  return {
    train: subsetDataset(dataset, trainIndices),
    val: subsetDataset(dataset, valIndices),
    trainIndices,
    valIndices,
  };
}

/** The rows of each class, in order. */
function rowsByClass(dataset: Dataset): number[][] {
  const k = Math.max(
    dataset.nClasses,
    dataset.y.reduce((a, b) => Math.max(a, b + 1), 0),
  );
  const rows: number[][] = Array.from({ length: k }, () => []);
  dataset.y.forEach((label, i) => rows[label].push(i));
  return rows;
}

/**
 * `total` rows shared among classes of `sizes[c]` rows in proportion (of `n`): each gets the floor of its
 * share, and the rows left over go one each to the largest remainders (ties: the lower class first).
 */
function allocate(sizes: readonly number[], total: number, n: number): number[] {
  const counts = sizes.map((s) => Math.floor((s * total) / n));
  let left = total - counts.reduce((a, b) => a + b, 0);
  const order = sizes
    .map((s, c) => ({ c, rem: (s * total) % n })) // integers: ties are exact
    .filter(({ c }) => sizes[c] > counts[c])
    .sort((a, b) => b.rem - a.rem || a.c - b.c);
  for (const { c } of order) {
    if (left === 0) break;
    counts[c]++;
    left--;
  }
  return counts;
}
