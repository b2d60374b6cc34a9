import { describe, expect, it } from 'vitest';
import type { Dataset } from '../../src/data/dataset.ts';
import { isRegression } from '../../src/data/dataset.ts';
import {
  loadDiabetes,
  loadDigits,
  loadIris,
  loadRealDataset,
  REAL_DATASET_NAMES,
  REAL_DATASETS,
} from '../../src/data/real_datasets.ts';
import { validateDataset } from '../../src/data/validate.ts';
import { ValidationError } from '../../src/params/error.ts';
import { type ArraySummary, expectExactly, sha256F64 } from './exact.ts';
import { loadJson } from './helpers.ts';

// What scikit-learn 1.2.1 returns, taken once with numpy 1.24.2 by test/data/fixtures/gen_real_datasets.py: the
// sha256 of each array's float64 little-endian bytes, some rows and the column sums (np.sum(axis=0)).
interface DatasetReference {
  data: ArraySummary;
  target: ArraySummary;
  feature_names: string[];
  target_names?: (string | number)[];
}
const reference = loadJson('./fixtures/real_datasets_reference.json');
const datasets: Record<string, DatasetReference> = reference.datasets;

describe('shipped datasets: exactly scikit-learn 1.2.1', () => {
  it('load_iris(): 150 × 4 features, 3 classes, names', () => {
    const iris = loadIris();
    const ref = datasets.iris;
    expectExactly(iris.xF64, 4, ref.data);
    expectExactly(iris.y, 1, ref.target);
    expect(Array.from(iris.x)).toEqual(Array.from(iris.xF64, Math.fround));
    expect([iris.nSamples, iris.nFeatures, iris.nClasses]).toEqual([150, 4, 3]);
    expect(iris.featureNames).toEqual(ref.feature_names);
    expect(iris.classNames).toEqual(ref.target_names);
    expect(iris.y).toBeInstanceOf(Int32Array);
    expect(isRegression(iris)).toBe(false);
    expect(validateDataset(iris, { nFeatures: 4, nClasses: 3 })).toBe(iris);
  });

  it('load_digits(n_class): 1797 × 64 pixels in 0..16, the first n classes', () => {
    for (const nClass of [10, 5, 1]) {
      const digits = loadDigits(nClass === 10 ? {} : { nClass });
      const ref = datasets[`digits_${nClass}`];
      expectExactly(digits.xF64, 64, ref.data);
      expectExactly(digits.y, 1, ref.target);
      expect(digits.nClasses).toBe(nClass);
      expect(digits.featureNames).toEqual(ref.feature_names);
      expect(digits.classNames).toEqual(ref.target_names!.map(String));
      expect(Array.from(digits.x)).toEqual(Array.from(digits.xF64));
      validateDataset(digits, { nFeatures: 64, nClasses: nClass });
    }
    expect(loadDigits().nSamples).toBe(1797);
  });

  it('load_diabetes(scaled): 442 × 10 features (scaled as scikit-learn does, or raw), a float target', () => {
    for (const scaled of [true, false]) {
      const diabetes = loadDiabetes(scaled ? {} : { scaled });
      const ref = datasets[scaled ? 'diabetes_scaled' : 'diabetes_raw'];
      expectExactly(diabetes.xF64, 10, ref.data);
      expectExactly(diabetes.targetsF64, 1, ref.target);
      expect(Array.from(diabetes.x)).toEqual(Array.from(diabetes.xF64, Math.fround));
      expect(Array.from(diabetes.targets)).toEqual(Array.from(diabetes.targetsF64, Math.fround));
      expect(diabetes.featureNames).toEqual(ref.feature_names);
      expect(diabetes.targetNames).toEqual(['target']);
      expect([diabetes.nSamples, diabetes.nFeatures, diabetes.nTargets, diabetes.nClasses]).toEqual([442, 10, 1, 0]);
      expect(diabetes.y.length).toBe(0);
      expect(isRegression(diabetes)).toBe(true);
      expect(validateDataset(diabetes, { nFeatures: 10, nTargets: 1 })).toBe(diabetes);
    }
    // scikit-learn's note: each scaled column's sum of squares is 1.
    const x = loadDiabetes().xF64;
    for (let j = 0; j < 10; j++) {
      let squares = 0;
      for (let i = 0; i < 442; i++) squares += x[i * 10 + j] ** 2;
      expect(squares).toBeCloseTo(1, 12);
    }
  });

  it('by name, as --dataset takes them, with their licence and citation', () => {
    expect(REAL_DATASET_NAMES).toEqual(['iris', 'digits', 'diabetes']);
    for (const name of REAL_DATASET_NAMES) {
      const ds: Dataset = loadRealDataset(name);
      const info = REAL_DATASETS[name];
      expect(info.name).toBe(name);
      expect([ds.nSamples, ds.nFeatures, ds.nClasses]).toEqual([info.nSamples, info.nFeatures, info.nClasses]);
      expect(isRegression(ds)).toBe(info.task === 'regression');
      expect(info.citation.length).toBeGreaterThan(20);
    }
    expect(REAL_DATASETS.iris.license).toBe('CC-BY-4.0');
    expect(REAL_DATASETS.digits.license).toBe('CC-BY-4.0');
    expect(REAL_DATASETS.diabetes.license).toBe('BSD-3-Clause');
    expect(loadRealDataset('digits', { nClass: 3 }).nClasses).toBe(3);
    expect(sha256F64(loadRealDataset('diabetes', { scaled: false }).xF64)).toBe(datasets.diabetes_raw.data.sha256);
  });

  it('every load is a fresh copy: changing one does not change the next', () => {
    const first = loadIris();
    first.xF64[0] = 99;
    first.x[0] = 99;
    first.y[0] = 2;
    (first.featureNames as string[])[0] = 'changed';
    const second = loadIris();
    expect(second.xF64[0]).toBe(5.1);
    expect(second.x[0]).toBe(Math.fround(5.1));
    expect(second.y[0]).toBe(0);
    expect(second.featureNames[0]).toBe('sepal length (cm)');
    const diabetes = loadDiabetes();
    diabetes.targetsF64[0] = -1;
    diabetes.xF64[0] = 5;
    expect(loadDiabetes().targetsF64[0]).toBe(151);
    expect(sha256F64(loadDiabetes().xF64)).toBe(datasets.diabetes_scaled.data.sha256);
  });

  it('refuses bad options with a ValidationError naming them', () => {
    const cases: [() => unknown, string][] = [
      [() => loadDigits({ nClass: 0 }), 'loadDigits: nClass must be an integer in [1, 10], got 0'],
      [() => loadDigits({ nClass: 2.5 }), 'loadDigits: nClass must be an integer in [1, 10], got 2.5'],
      [() => loadDigits({ nClass: 11 }), 'loadDigits: nClass must be an integer in [1, 10], got 11'],
      [() => loadDiabetes({ scaled: 'yes' as never }), 'loadDiabetes: scaled must be true or false, got "yes"'],
      [
        () => loadDiabetes({ nClass: 3 } as never),
        'loadDiabetes: unknown option "nClass": the options are one of "scaled"',
      ],
      [() => loadDigits(null as never), 'loadDigits: options must be an object, got null'],
      [
        () => loadRealDataset('mnist' as never),
        "loadRealDataset: name must be one of 'iris', 'digits', 'diabetes', got \"mnist\"",
      ],
      [
        () => loadRealDataset('iris', { scaled: true }),
        'loadRealDataset: unknown option "scaled": the options are none',
      ],
      [() => loadRealDataset('digits', { scaled: true }), 'loadDigits: unknown option "scaled"'],
    ];
    for (const [load, message] of cases) {
      expect(load).toThrow(ValidationError);
      expect(load).toThrow(message);
    }
    expect(loadRealDataset('iris', { scaled: undefined }).nSamples).toBe(150);
  });
});
