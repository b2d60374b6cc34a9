/**
 * Toy classification datasets built the way scikit-learn 1.2.1 builds them
 * (sklearn/datasets/_samples_generator.py) with `random_state=seed`: the same numpy `linspace`
 * arithmetic, the same RandomState draws in the same order (centers, then points, then the shuffle,
 * then the noise), and correctly rounded sin / cos / log standing in for C's libm.
 * `makeSpirals` is not in sklearn; its formula is documented on the function.
 */
import { crCos, crSin } from './correctly_rounded_math.ts';
import { datasetFromFloat64, type Dataset } from './dataset.ts';
import { linspace } from './linspace.ts';
import { RandomState } from './numpy_random.ts';
import { ValidationError } from '../params/error.ts';
import { checkBoolean, checkInteger, checkNumber, checkSeed, formatPlain, invalid } from '../params/check.ts';

/** Options of `makeMoons`, sklearn's `make_moons` arguments in camelCase. */
export interface MakeMoonsOptions {
  /** Total number of points (the outer moon gets `floor(n / 2)`), or `[nOuter, nInner]`. Default 100. */
  nSamples?: number | readonly [number, number];
  /** Standard deviation of the Gaussian noise added to every coordinate. Default 0 (none). */
  noise?: number;
  /** Shuffle the rows (before the noise is drawn, as sklearn does). Default true. */
  shuffle?: boolean;
  /** `random_state` of sklearn: a numpy legacy RandomState seed in [0, 2^32 - 1]. Default 0. */
  seed?: number;
}

/** Options of `makeCircles`, sklearn's `make_circles` arguments in camelCase. */
export interface MakeCirclesOptions {
  /** Total number of points (the outer circle gets `floor(n / 2)`), or `[nOuter, nInner]`. Default 100. */
  nSamples?: number | readonly [number, number];
  /** Standard deviation of the Gaussian noise added to every coordinate. Default 0 (none). */
  noise?: number;
  /** Radius of the inner circle relative to the outer one, in [0, 1). Default 0.8. */
  factor?: number;
  /** Shuffle the rows (before the noise is drawn, as sklearn does). Default true. */
  shuffle?: boolean;
  /** `random_state` of sklearn: a numpy legacy RandomState seed in [0, 2^32 - 1]. Default 0. */
  seed?: number;
}

/** Options of `makeBlobs`, sklearn's `make_blobs` arguments in camelCase. */
export interface MakeBlobsOptions {
  /**
   * Total number of points split evenly over the centers (the first `n % k` get one more), or a count per center.
   * Default 100.
   */
  nSamples?: number | readonly number[];
  /** Number of features when the centers are drawn at random. Default 2. */
  nFeatures?: number;
  /** Number of random centers (default 3), or their coordinates (one row per center). */
  centers?: number | readonly (readonly number[])[];
  /** Standard deviation of each blob: one value, or one per center. Default 1. */
  clusterStd?: number | readonly number[];
  /** Bounds `[min, max]` of the uniformly drawn centers. Default [-10, 10]. */
  centerBox?: readonly [number, number];
  /** Shuffle the rows, as sklearn does. Default true. */
  shuffle?: boolean;
  /** `random_state` of sklearn: a numpy legacy RandomState seed in [0, 2^32 - 1]. Default 0. */
  seed?: number;
}

/** Options of `makeSpirals` (not in sklearn; same conventions). */
export interface MakeSpiralsOptions {
  /** Total number of points split evenly over the arms (the first `n % k` get one more). Default 100. */
  nSamples?: number;
  /** Number of arms, one class each. Default 2. */
  nArms?: number;
  /** How many full turns each arm makes. Default 1. */
  turns?: number;
  /** Standard deviation of the Gaussian noise added to every coordinate. Default 0 (none). */
  noise?: number;
  /** Shuffle the rows (before the noise is drawn). Default true. */
  shuffle?: boolean;
  /** Seed of the numpy legacy RandomState the points are drawn from, in [0, 2^32 - 1]. Default 0. */
  seed?: number;
}

/** `makeBlobs` also returns the centers it used (sklearn's `return_centers=True`). */
export interface BlobsDataset extends Dataset {
  /** Row-major `nCenters × nFeatures`. */
  readonly centers: Float64Array;
}

function splitTwoShapes(fn: string, nSamples: number | readonly [number, number]): [number, number] {
  if (typeof nSamples === 'number') {
    const n = checkInteger(fn, 'nSamples', nSamples, { min: 1, safe: true }, 'plain');
    const nOuter = Math.floor(n / 2);
    return [nOuter, n - nOuter];
  }
  if (!Array.isArray(nSamples) || nSamples.length !== 2) {
    throw invalid(fn, 'nSamples', 'an integer >= 1 or a pair [nOuter, nInner]', nSamples, 'plain');
  }
  const nOuter = checkInteger(fn, 'nSamples[0]', nSamples[0], { min: 0, safe: true }, 'plain');
  const nInner = checkInteger(fn, 'nSamples[1]', nSamples[1], { min: 0, safe: true }, 'plain');
  if (nOuter + nInner < 1) {
    throw new ValidationError(
      fn,
      'nSamples',
      'counts adding up to at least 1',
      nSamples,
      `${fn}: nSamples must add up to at least 1, got ${formatPlain(nSamples)}`,
    );
  }
  return [nOuter, nInner];
}

/** Rows `outer` then `inner` of a 2-feature dataset, labelled 0 and 1. */
function stackTwoShapes(
  outerX: Float64Array,
  outerY: Float64Array,
  innerX: Float64Array,
  innerY: Float64Array,
): { xF64: Float64Array; labels: Int32Array } {
  const nOuter = outerX.length;
  const n = nOuter + innerX.length;
  const xF64 = new Float64Array(2 * n);
  const labels = new Int32Array(n);
  for (let i = 0; i < nOuter; i++) {
    xF64[2 * i] = outerX[i];
    xF64[2 * i + 1] = outerY[i];
  }
  for (let i = 0; i < innerX.length; i++) {
    const row = nOuter + i;
    xF64[2 * row] = innerX[i];
    xF64[2 * row + 1] = innerY[i];
    labels[row] = 1;
  }
  return { xF64, labels };
}

/** `sklearn.utils.shuffle(X, y, random_state=rng)`: `indices = arange(n); rng.shuffle(indices)`, then gather. */
function shuffleRows(
  rng: RandomState,
  xF64: Float64Array,
  labels: Int32Array,
  nFeatures: number,
): { xF64: Float64Array; labels: Int32Array } {
  const order = rng.permutation(labels.length);
  const shuffledX = new Float64Array(xF64.length);
  const shuffledLabels = new Int32Array(labels.length);
  for (let i = 0; i < order.length; i++) {
    const from = order[i];
    shuffledLabels[i] = labels[from];
    for (let j = 0; j < nFeatures; j++) shuffledX[i * nFeatures + j] = xF64[from * nFeatures + j];
  }
  return { xF64: shuffledX, labels: shuffledLabels };
}

/** `X += rng.normal(scale=noise, size=X.shape)`, drawn in row-major order. */
function addGaussianNoise(rng: RandomState, xF64: Float64Array, noise: number): void {
  for (let k = 0; k < xF64.length; k++) xF64[k] += rng.normal(0, noise);
}

function map(values: Float64Array, f: (v: number) => number): Float64Array {
  return values.map(f);
}

/** Two interleaving half circles: sklearn's `make_moons`. */
export function makeMoons(options: MakeMoonsOptions = {}): Dataset {
  const fn = 'makeMoons';
  const [nOuter, nInner] = splitTwoShapes(fn, options.nSamples ?? 100);
  const noise = checkNumber(fn, 'noise', options.noise ?? 0, { min: 0 }, 'plain');
  const shuffle = checkBoolean(fn, 'shuffle', options.shuffle ?? true, 'plain');
  const rng = new RandomState(checkSeed(fn, options.seed ?? 0));

  const outerT = linspace(0, Math.PI, nOuter);
  const innerT = linspace(0, Math.PI, nInner);
  let { xF64, labels } = stackTwoShapes(
    map(outerT, crCos),
    map(outerT, crSin),
    map(innerT, (t) => 1 - crCos(t)),
    map(innerT, (t) => 1 - crSin(t) - 0.5),
  );
  if (shuffle) ({ xF64, labels } = shuffleRows(rng, xF64, labels, 2));
  if (noise > 0) addGaussianNoise(rng, xF64, noise);
  return datasetFromFloat64(xF64, labels, 2, 2);
}

/** A large circle (class 0) around a smaller one (class 1): sklearn's `make_circles`. */
export function makeCircles(options: MakeCirclesOptions = {}): Dataset {
  const fn = 'makeCircles';
  const factor = options.factor ?? 0.8;
  if (typeof factor !== 'number' || !(factor >= 0 && factor < 1)) {
    throw invalid(fn, 'factor', 'a number in [0, 1)', factor, 'plain');
  }
  const [nOuter, nInner] = splitTwoShapes(fn, options.nSamples ?? 100);
  const noise = checkNumber(fn, 'noise', options.noise ?? 0, { min: 0 }, 'plain');
  const shuffle = checkBoolean(fn, 'shuffle', options.shuffle ?? true, 'plain');
  const rng = new RandomState(checkSeed(fn, options.seed ?? 0));

  // endpoint=false so that the first point is not repeated at 2*pi.
  const outerT = linspace(0, 2 * Math.PI, nOuter, false);
  const innerT = linspace(0, 2 * Math.PI, nInner, false);
  let { xF64, labels } = stackTwoShapes(
    map(outerT, crCos),
    map(outerT, crSin),
    map(innerT, (t) => crCos(t) * factor),
    map(innerT, (t) => crSin(t) * factor),
  );
  if (shuffle) ({ xF64, labels } = shuffleRows(rng, xF64, labels, 2));
  if (noise > 0) addGaussianNoise(rng, xF64, noise);
  return datasetFromFloat64(xF64, labels, 2, 2);
}

function checkCenterRows(
  fn: string,
  centers: readonly (readonly number[])[],
): { flat: Float64Array; nFeatures: number } {
  if (!Array.isArray(centers) || centers.length === 0) {
    throw invalid(fn, 'centers', 'an integer >= 1 or a non-empty array of coordinate rows', centers, 'plain');
  }
  const nFeatures = Array.isArray(centers[0]) ? centers[0].length : 0;
  if (nFeatures < 1) {
    throw invalid(fn, 'centers[0]', 'a non-empty array of numbers', centers[0], 'plain');
  }
  const flat = new Float64Array(centers.length * nFeatures);
  centers.forEach((row, i) => {
    if (!Array.isArray(row) || row.length !== nFeatures) {
      throw new ValidationError(
        fn,
        `centers[${i}]`,
        `${nFeatures} coordinates like centers[0]`,
        row,
        `${fn}: centers[${i}] must have ${nFeatures} coordinates like centers[0], got ${formatPlain(row)}`,
      );
    }
    row.forEach((v, j) => (flat[i * nFeatures + j] = checkNumber(fn, `centers[${i}][${j}]`, v, {}, 'plain')));
  });
  return { flat, nFeatures };
}

/** Isotropic Gaussian blobs, one class per center: sklearn's `make_blobs`. */
export function makeBlobs(options: MakeBlobsOptions = {}): BlobsDataset {
  const fn = 'makeBlobs';
  const nSamplesOption = options.nSamples ?? 100;
  const shuffle = checkBoolean(fn, 'shuffle', options.shuffle ?? true, 'plain');
  const centerBox = options.centerBox ?? [-10, 10];
  if (!Array.isArray(centerBox) || centerBox.length !== 2) {
    throw invalid(fn, 'centerBox', 'a pair [min, max]', centerBox, 'plain');
  }
  const [boxMin, boxMax] = [
    checkNumber(fn, 'centerBox[0]', centerBox[0], {}, 'plain'),
    checkNumber(fn, 'centerBox[1]', centerBox[1], {}, 'plain'),
  ];
  if (boxMin > boxMax) {
    throw new ValidationError(
      fn,
      'centerBox',
      'a pair [min, max] with min <= max',
      centerBox,
      `${fn}: centerBox must satisfy min <= max, got ${formatPlain(centerBox)}`,
    );
  }
  const perCenterCounts = Array.isArray(nSamplesOption);
  let nCenters: number;
  let nFeatures: number;
  let givenCenters: Float64Array | undefined;
  if (perCenterCounts) {
    const counts = nSamplesOption as readonly number[];
    if (counts.length === 0) {
      throw new ValidationError(
        fn,
        'nSamples',
        'an integer >= 1 or a non-empty array',
        counts,
        `${fn}: nSamples must not be an empty array`,
      );
    }
    counts.forEach((c, i) => checkInteger(fn, `nSamples[${i}]`, c, { min: 0, safe: true }, 'plain'));
    nCenters = counts.length;
    if (options.centers === undefined) {
      nFeatures = checkInteger(fn, 'nFeatures', options.nFeatures ?? 2, { min: 1, safe: true }, 'plain');
    } else if (typeof options.centers === 'number') {
      throw new ValidationError(
        fn,
        'centers',
        'coordinate rows (or omitted) when nSamples is an array',
        options.centers,
        `${fn}: centers must be coordinate rows (or omitted) when nSamples is an array, got ${options.centers}`,
      );
    } else {
      ({ flat: givenCenters, nFeatures } = checkCenterRows(fn, options.centers));
      if (options.centers.length !== nCenters) {
        throw new ValidationError(
          fn,
          'centers',
          `one row per entry of nSamples (${nCenters})`,
          options.centers,
          `${fn}: centers must have one row per entry of nSamples (${nCenters}), got ${options.centers.length}`,
        );
      }
    }
  } else {
    checkInteger(fn, 'nSamples', nSamplesOption, { min: 1, safe: true }, 'plain');
    const centers = options.centers ?? 3;
    if (typeof centers === 'number') {
      nCenters = checkInteger(fn, 'centers', centers, { min: 1, safe: true }, 'plain');
      nFeatures = checkInteger(fn, 'nFeatures', options.nFeatures ?? 2, { min: 1, safe: true }, 'plain');
    } else {
      ({ flat: givenCenters, nFeatures } = checkCenterRows(fn, centers));
      nCenters = centers.length;
    }
  }
  const clusterStd = options.clusterStd ?? 1;
  const stds: number[] = [];
  if (typeof clusterStd === 'number') {
    checkNumber(fn, 'clusterStd', clusterStd, { min: 0 }, 'plain');
    for (let i = 0; i < nCenters; i++) stds.push(clusterStd);
  } else {
    if (!Array.isArray(clusterStd) || clusterStd.length !== nCenters) {
      throw invalid(
        fn,
        'clusterStd',
        `a number or an array with one entry per center (${nCenters})`,
        clusterStd,
        'plain',
      );
    }
    clusterStd.forEach((s, i) => stds.push(checkNumber(fn, `clusterStd[${i}]`, s, { min: 0 }, 'plain')));
  }
  const rng = new RandomState(checkSeed(fn, options.seed ?? 0));

  const centers = givenCenters ?? new Float64Array(nCenters * nFeatures);
  if (givenCenters === undefined) {
    for (let k = 0; k < centers.length; k++) centers[k] = rng.uniform(boxMin, boxMax);
  }
  let counts: number[];
  if (perCenterCounts) {
    counts = [...(nSamplesOption as readonly number[])];
  } else {
    const n = nSamplesOption as number;
    counts = new Array<number>(nCenters).fill(Math.floor(n / nCenters));
    for (let i = 0; i < n % nCenters; i++) counts[i] += 1;
  }
  const total = counts.reduce((a, b) => a + b, 0);
  if (total < 1) {
    throw new ValidationError(
      fn,
      'nSamples',
      'counts adding up to at least 1',
      nSamplesOption,
      `${fn}: nSamples must add up to at least 1, got ${formatPlain(nSamplesOption)}`,
    );
  }
  let xF64: Float64Array = new Float64Array(total * nFeatures);
  let labels: Int32Array = new Int32Array(total);
  let row = 0;
  for (let c = 0; c < nCenters; c++) {
    for (let i = 0; i < counts[c]; i++, row++) {
      labels[row] = c;
      for (let j = 0; j < nFeatures; j++) xF64[row * nFeatures + j] = rng.normal(centers[c * nFeatures + j], stds[c]);
    }
  }
  if (shuffle) ({ xF64, labels } = shuffleRows(rng, xF64, labels, nFeatures));
  return { ...datasetFromFloat64(xF64, labels, nFeatures, nCenters), centers };
}

/**
 * `nArms` interleaved spiral arms, one class each (not in sklearn). Arm `a` of `m` points uses
 * `t = linspace(0, 1, m)` (numpy arithmetic) and puts point i at radius `r = 0.1 + 0.9 t` and angle
 * `theta = 2 pi (turns t + a / nArms)`: `(r cos(theta), r sin(theta))`, so every arm runs from
 * radius 0.1 to 1 and the arms are rotated copies of each other. Points are stacked arm by arm,
 * then shuffled, then the noise is added — the same RandomState order as `makeMoons`.
 */
export function makeSpirals(options: MakeSpiralsOptions = {}): Dataset {
  const fn = 'makeSpirals';
  const n = checkInteger(fn, 'nSamples', options.nSamples ?? 100, { min: 1, safe: true }, 'plain');
  const nArms = checkInteger(fn, 'nArms', options.nArms ?? 2, { min: 1, safe: true }, 'plain');
  const turns = checkNumber(fn, 'turns', options.turns ?? 1, { min: 0, above: true }, 'plain');
  const noise = checkNumber(fn, 'noise', options.noise ?? 0, { min: 0 }, 'plain');
  const shuffle = checkBoolean(fn, 'shuffle', options.shuffle ?? true, 'plain');
  const rng = new RandomState(checkSeed(fn, options.seed ?? 0));

  let xF64: Float64Array = new Float64Array(2 * n);
  let labels: Int32Array = new Int32Array(n);
  let row = 0;
  for (let arm = 0; arm < nArms; arm++) {
    const m = Math.floor(n / nArms) + (arm < n % nArms ? 1 : 0);
    const t = linspace(0, 1, m);
    for (let i = 0; i < m; i++, row++) {
      const radius = 0.1 + 0.9 * t[i];
      const theta = 2 * Math.PI * (turns * t[i] + arm / nArms);
      xF64[2 * row] = radius * crCos(theta);
      xF64[2 * row + 1] = radius * crSin(theta);
      labels[row] = arm;
    }
  }
  if (shuffle) ({ xF64, labels } = shuffleRows(rng, xF64, labels, 2));
  if (noise > 0) addGaussianNoise(rng, xF64, noise);
  return datasetFromFloat64(xF64, labels, 2, nArms);
}
