/**
 * Small real datasets shipped with anneal, each exactly the arrays scikit-learn 1.2.1 returns: Iris
 * (`load_iris()`), the 8×8 handwritten digits (`load_digits()`) and diabetes (`load_diabetes()`, a regression
 * set). The data travel inside the package as compressed text (a few tens of KB in all, src/data/real_data),
 * so they load in Node and the browser with no file system and no network; importing anneal decodes nothing:
 * each set is decoded on its first load and kept. Their licences and citations are in `REAL_DATASETS` and in
 * the package's NOTICE file.
 */
import { inflateSync } from 'fflate';
import { ValidationError } from '../params/error.ts';
import { checkBoolean, checkChoice, checkInteger, invalid } from '../params/check.ts';
import type { Dataset, RegressionDataset } from './dataset.ts';
import { DIABETES_DEFLATE_BASE64 } from './real_data/diabetes_data.ts';
import { DIGITS_DEFLATE_BASE64 } from './real_data/digits_data.ts';
import { IRIS_DEFLATE_BASE64 } from './real_data/iris_data.ts';

/** The names of the shipped datasets, as `--dataset` takes them. */
export const REAL_DATASET_NAMES = ['iris', 'digits', 'diabetes'] as const;

/** The name of a shipped dataset: `'iris'`, `'digits'` or `'diabetes'`. */
export type RealDatasetName = (typeof REAL_DATASET_NAMES)[number];

/** Where a shipped dataset comes from, what it is and under which licence anneal ships it. */
export interface RealDatasetInfo {
  /** The name `loadRealDataset` and `--dataset` take. */
  readonly name: RealDatasetName;
  /** A title for people. */
  readonly title: string;
  /** `'classification'` (class labels in `y`) or `'regression'` (float `targets`). */
  readonly task: 'classification' | 'regression';
  /** Rows. */
  readonly nSamples: number;
  /** Feature columns. */
  readonly nFeatures: number;
  /** Classes of a classification set; 0 for regression. */
  readonly nClasses: number;
  /** The scikit-learn 1.2.1 function whose arrays the loader reproduces exactly. */
  readonly sklearn: string;
  /** The licence anneal ships the data under (SPDX identifier). */
  readonly license: string;
  /** Who made the data and where it was published, to cite. */
  readonly citation: string;
  /** Where the data come from. */
  readonly source: string;
}

/** The shipped datasets: source, licence and citation of each (also in the package's NOTICE file). */
export const REAL_DATASETS: Readonly<Record<RealDatasetName, RealDatasetInfo>> = {
  iris: {
    name: 'iris',
    title: 'Iris plants (Fisher, 1936)',
    task: 'classification',
    nSamples: 150,
    nFeatures: 4,
    nClasses: 3,
    sklearn: 'sklearn.datasets.load_iris()',
    license: 'CC-BY-4.0',
    citation:
      'R. A. Fisher, "The use of multiple measurements in taxonomic problems", Annals of Eugenics 7(2), ' +
      '179-188 (1936). Iris, UCI Machine Learning Repository, https://doi.org/10.24432/C56C76',
    source:
      "scikit-learn 1.2.1's iris.csv: Fisher's values (as in R; the UCI copy has two wrong data points), " +
      'https://archive.ics.uci.edu/dataset/53/iris',
  },
  digits: {
    name: 'digits',
    title: 'Optical recognition of handwritten digits, 8×8 (Alpaydin & Kaynak, 1998)',
    task: 'classification',
    nSamples: 1797,
    nFeatures: 64,
    nClasses: 10,
    sklearn: 'sklearn.datasets.load_digits()',
    license: 'CC-BY-4.0',
    citation:
      'E. Alpaydin, C. Kaynak, "Optical Recognition of Handwritten Digits", UCI Machine Learning Repository ' +
      '(1998), https://doi.org/10.24432/C50P49',
    source:
      "scikit-learn 1.2.1's digits.csv.gz: the test set of the UCI data, " +
      'https://archive.ics.uci.edu/dataset/80/optical+recognition+of+handwritten+digits',
  },
  diabetes: {
    name: 'diabetes',
    title: 'Diabetes progression (Efron, Hastie, Johnstone & Tibshirani, 2004)',
    task: 'regression',
    nSamples: 442,
    nFeatures: 10,
    nClasses: 0,
    sklearn: 'sklearn.datasets.load_diabetes()',
    license: 'BSD-3-Clause',
    citation:
      'B. Efron, T. Hastie, I. Johnstone, R. Tibshirani, "Least Angle Regression", Annals of Statistics 32(2), ' +
      '407-499 (2004)',
    source:
      "scikit-learn 1.2.1's diabetes_data_raw.csv.gz and diabetes_target.csv.gz (BSD-3-Clause, " +
      'Copyright (c) 2007-2022 The scikit-learn developers), ' +
      'from https://www4.stat.ncsu.edu/~boos/var.select/diabetes.html',
  },
};

/** A shipped classification dataset (Iris, digits): float64 features, class labels and their names. */
export interface RealClassificationDataset extends Dataset {
  /** The features in float64, exactly scikit-learn's `data`. */
  readonly xF64: Float64Array;
  /** The feature columns' names (scikit-learn's `feature_names`). */
  readonly featureNames: readonly string[];
  /** The name of each class index (scikit-learn's `target_names`). */
  readonly classNames: readonly string[];
  /** Where the data come from, their licence and citation. */
  readonly info: RealDatasetInfo;
}

/** A shipped regression dataset (diabetes): float64 features and float targets. */
export interface RealRegressionDataset extends RegressionDataset {
  /** The features in float64, exactly scikit-learn's `data`. */
  readonly xF64: Float64Array;
  /** The feature columns' names (scikit-learn's `feature_names`). */
  readonly featureNames: readonly string[];
  /** The target columns' names. */
  readonly targetNames: readonly string[];
  /** Where the data come from, their licence and citation. */
  readonly info: RealDatasetInfo;
}

/** Options of `loadDigits`. */
export interface LoadDigitsOptions {
  /** Keep the digits 0 … nClass - 1 only, as scikit-learn's `n_class` (in order). An integer in [1, 10]; default 10. */
  nClass?: number;
}

/** Options of `loadDiabetes`. */
export interface LoadDiabetesOptions {
  /**
   * scikit-learn's `scaled` (default true, as in scikit-learn 1.2): each feature mean-centred and divided by its
   * standard deviation times √442 (every column's sum of squares is 1). false: the raw values (age in years, sex
   * 1 or 2, …).
   */
  scaled?: boolean;
}

/** Options of `loadRealDataset`: those of the loader of the dataset named. */
export interface LoadRealDatasetOptions extends LoadDigitsOptions, LoadDiabetesOptions {}

/** The bytes of a data module: base64 (line breaks ignored), then raw deflate. */
function decodePayload(base64: string): Uint8Array {
  const binary = atob(base64.replace(/\s+/g, ''));
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return inflateSync(bytes);
}

/** Rows of decimal numbers (separated by `separator`), parsed as JavaScript and numpy do: correctly rounded. */
function parseRows(bytes: Uint8Array, separator: string, columns: number): Float64Array[] {
  const lines = new TextDecoder().decode(bytes).trim().split('\n');
  return lines.map((line) => {
    const values = Float64Array.from(line.split(separator), Number);
    if (values.length !== columns || values.some((v) => !Number.isFinite(v))) {
      throw new Error(`anneal's shipped data are corrupt: ${JSON.stringify(line)}`);
    }
    return values;
  });
}

interface Decoded {
  readonly xF64: Float64Array;
  readonly labels: Float64Array;
}

let irisCache: Decoded | undefined;
let digitsCache: Decoded | undefined;
let diabetesCache: { raw: Decoded; scaled?: Float64Array } | undefined;

/** Features (row-major) and the last column of rows of `nFeatures + 1` numbers. */
function splitLastColumn(rows: Float64Array[], nFeatures: number): Decoded {
  const xF64 = new Float64Array(rows.length * nFeatures);
  const labels = new Float64Array(rows.length);
  rows.forEach((row, i) => {
    xF64.set(row.subarray(0, nFeatures), i * nFeatures);
    labels[i] = row[nFeatures];
  });
  return { xF64, labels };
}

function iris(): Decoded {
  irisCache ??= splitLastColumn(parseRows(decodePayload(IRIS_DEFLATE_BASE64), ',', 5), 4);
  return irisCache;
}

function digits(): Decoded {
  if (digitsCache === undefined) {
    const bytes = decodePayload(DIGITS_DEFLATE_BASE64);
    const n = REAL_DATASETS.digits.nSamples;
    if (bytes.length !== n * 65) throw new Error("anneal's shipped digits data are corrupt");
    digitsCache = {
      xF64: Float64Array.from(bytes.subarray(0, n * 64)),
      labels: Float64Array.from(bytes.subarray(n * 64)),
    };
  }
  return digitsCache;
}

function diabetesRaw(): Decoded {
  diabetesCache ??= { raw: splitLastColumn(parseRows(decodePayload(DIABETES_DEFLATE_BASE64), ' ', 11), 10) };
  return diabetesCache.raw;
}

/**
 * scikit-learn 1.2's `scale(data)` then `data /= n ** 0.5` (load_diabetes, scaled=True), operation for operation:
 * numpy's column sums over axis 0 of a C-ordered matrix run in row order (numpy sums pairwise only along the
 * contiguous axis); `nanmean` divides the sum by n; `nanstd` subtracts the mean, squares, sums and divides by n,
 * then takes the square root; √442 is Python's `442 ** 0.5`, the correctly rounded square root. scale()'s second
 * centring, done only when a centred column's mean is not close to 0, is not done for these data. The test
 * compares every bit with scikit-learn's array.
 */
function diabetesScaled(): Float64Array {
  const { xF64: raw } = diabetesRaw();
  const cache = diabetesCache!;
  if (cache.scaled === undefined) {
    const d = 10;
    const n = raw.length / d;
    const rootN = Math.sqrt(n);
    const scaled = new Float64Array(raw.length);
    for (let j = 0; j < d; j++) {
      let sum = 0;
      for (let i = 0; i < n; i++) sum += raw[i * d + j];
      const mean = sum / n;
      let squares = 0;
      for (let i = 0; i < n; i++) {
        const t = raw[i * d + j] - mean;
        squares += t * t;
      }
      const std = Math.sqrt(squares / n);
      for (let i = 0; i < n; i++) scaled[i * d + j] = (raw[i * d + j] - mean) / std / rootN;
    }
    cache.scaled = scaled;
  }
  return cache.scaled;
}

function classification(
  name: 'iris' | 'digits',
  xF64: Float64Array,
  labels: Float64Array,
  featureNames: readonly string[],
  classNames: readonly string[],
): RealClassificationDataset {
  const info = REAL_DATASETS[name];
  return {
    x: Float32Array.from(xF64),
    xF64,
    y: Int32Array.from(labels),
    nSamples: labels.length,
    nFeatures: info.nFeatures,
    nClasses: classNames.length,
    featureNames: [...featureNames],
    classNames: [...classNames],
    info,
  };
}

const IRIS_FEATURES = ['sepal length (cm)', 'sepal width (cm)', 'petal length (cm)', 'petal width (cm)'];
const IRIS_CLASSES = ['setosa', 'versicolor', 'virginica'];
/** scikit-learn's digits feature names: `pixel_<row>_<column>`. */
function digitsFeatures(): string[] {
  return Array.from({ length: 64 }, (_, k) => `pixel_${Math.floor(k / 8)}_${k % 8}`);
}
const DIABETES_FEATURES = ['age', 'sex', 'bmi', 'bp', 's1', 's2', 's3', 's4', 's5', 's6'];

/**
 * Fisher's Iris: 150 flowers × 4 measurements in cm (sepal length and width, petal length and width), 3 classes
 * of 50 (setosa, versicolor, virginica), in scikit-learn's order — exactly `sklearn.datasets.load_iris()`
 * (`xF64` is its `data`, `y` its `target`). CC BY 4.0: see `REAL_DATASETS.iris`.
 */
export function loadIris(): RealClassificationDataset {
  const { xF64, labels } = iris();
  return classification('iris', xF64.slice(), labels, IRIS_FEATURES, IRIS_CLASSES);
}

/**
 * The 8×8 handwritten digits: 1797 images × 64 pixels (integers 0–16, row by row), 10 classes (the digits 0–9) —
 * exactly `sklearn.datasets.load_digits(n_class=nClass)`. CC BY 4.0: see `REAL_DATASETS.digits`.
 */
export function loadDigits(options: LoadDigitsOptions = {}): RealClassificationDataset {
  const fn = 'loadDigits';
  checkOptions(fn, options, ['nClass']);
  const nClass = checkInteger(fn, 'nClass', options.nClass ?? 10, { min: 1, max: 10 }, 'plain');
  const { xF64, labels } = digits();
  const classNames = Array.from({ length: nClass }, (_, k) => String(k));
  if (nClass === 10) return classification('digits', xF64.slice(), labels, digitsFeatures(), classNames);
  const rows: number[] = [];
  labels.forEach((label, i) => {
    if (label < nClass) rows.push(i);
  });
  const x = new Float64Array(rows.length * 64);
  rows.forEach((row, i) => x.set(xF64.subarray(row * 64, row * 64 + 64), i * 64));
  return classification(
    'digits',
    x,
    Float64Array.from(rows, (row) => labels[row]),
    digitsFeatures(),
    classNames,
  );
}

/**
 * The diabetes regression set: 442 patients × 10 baseline variables (age, sex, body mass index, blood pressure,
 * six blood serum measurements), the target a measure of disease progression one year later (25–346) — exactly
 * `sklearn.datasets.load_diabetes(scaled=scaled)`: the features scaled as scikit-learn does by default, or raw.
 * A regression dataset: `targets` (442 × 1), `y` empty. BSD-3-Clause: see `REAL_DATASETS.diabetes`.
 */
export function loadDiabetes(options: LoadDiabetesOptions = {}): RealRegressionDataset {
  const fn = 'loadDiabetes';
  checkOptions(fn, options, ['scaled']);
  const scaled = checkBoolean(fn, 'scaled', options.scaled ?? true, 'plain');
  const { xF64: raw, labels } = diabetesRaw();
  const xF64 = (scaled ? diabetesScaled() : raw).slice();
  const targetsF64 = labels.slice();
  return {
    x: Float32Array.from(xF64),
    xF64,
    y: new Int32Array(0),
    nSamples: labels.length,
    nFeatures: 10,
    nClasses: 0,
    targets: Float32Array.from(targetsF64),
    targetsF64,
    nTargets: 1,
    featureNames: [...DIABETES_FEATURES],
    targetNames: ['target'],
    info: REAL_DATASETS.diabetes,
  };
}

/**
 * A shipped dataset by name (`--dataset iris|digits|diabetes`): `loadIris()`, `loadDigits(options)` or
 * `loadDiabetes(options)`. Options another dataset takes are refused.
 */
export function loadRealDataset(
  name: RealDatasetName,
  options: LoadRealDatasetOptions = {},
): RealClassificationDataset | RealRegressionDataset {
  const fn = 'loadRealDataset';
  const which = checkChoice(fn, 'name', name, REAL_DATASET_NAMES, 'plain');
  if (which === 'iris') {
    checkOptions(fn, options, []);
    return loadIris();
  }
  return which === 'digits' ? loadDigits(options) : loadDiabetes(options);
}

/** Refuses options that are not an object, or that name a key the loader does not take. */
function checkOptions(fn: string, options: unknown, keys: readonly string[]): void {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw invalid(fn, 'options', 'an object', options, 'plain');
  }
  for (const [key, value] of Object.entries(options)) {
    if (!keys.includes(key) && value !== undefined) {
      const allowed = keys.length ? `one of ${keys.map((k) => JSON.stringify(k)).join(', ')}` : 'none';
      throw new ValidationError(
        fn,
        key,
        `an option of ${fn}: ${allowed}`,
        value,
        `${fn}: unknown option ${JSON.stringify(key)}: the options are ${allowed}`,
      );
    }
  }
}
