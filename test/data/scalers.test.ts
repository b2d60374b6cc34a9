import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Dataset } from '../../src/data/dataset.ts';
import { makeMoons } from '../../src/data/datasets.ts';
import { loadDiabetes, loadIris } from '../../src/data/real_datasets.ts';
import {
  MinMaxScaler,
  type MinMaxScalerState,
  numpyColumnSums,
  StandardScaler,
  type StandardScalerState,
} from '../../src/data/scalers.ts';
import { ValidationError } from '../../src/params/error.ts';
import { loadsOrRefuses } from '../fuzz/support.ts';
import { loadJson } from './helpers.ts';
import { type ArraySummary, expectExactly } from './exact.ts';

// StandardScaler and MinMaxScaler fitted by scikit-learn 1.2.1 (numpy 1.24.2) on float64 data, taken once by
// test/data/fixtures/gen_real_datasets.py: every attribute and the transform / inverse_transform outputs, which
// the TypeScript must equal bit for bit.
interface ScalerCase {
  name: string;
  kind: 'StandardScaler' | 'MinMaxScaler';
  kwargs: { with_mean?: boolean; with_std?: boolean; feature_range?: [number, number]; clip?: boolean };
  attributes: Record<string, number[] | number | null>;
  transformed: ArraySummary;
  inverse: ArraySummary;
  fit?: number[][];
  transform?: number[][] | null;
  source?: 'iris' | 'iris_f32' | 'diabetes_raw' | 'diabetes';
  fit_rows?: number | null;
  generator?: { n: number; columns: number };
}
const cases: ScalerCase[] = loadJson('./fixtures/real_datasets_reference.json').scalers;

/** The generator's columns: ((i · 2654435761) mod 2^32) / 2^32 · 1000 - 500 (the same doubles in Python). */
function lcgRows(n: number, columns: number): Float64Array {
  const x = new Float64Array(n * columns);
  for (let i = 0; i < n; i++) {
    const v = (((i * 2654435761) % 2 ** 32) / 2 ** 32) * 1000 - 500;
    const row = columns === 1 ? [v] : [v, v * 1e-3 + 7, -v * v];
    x.set(row, i * columns);
  }
  return x;
}

function sourceData(source: NonNullable<ScalerCase['source']>): { x: Float64Array; d: number } {
  if (source === 'iris') return { x: loadIris().xF64, d: 4 };
  if (source === 'iris_f32') return { x: Float64Array.from(loadIris().x), d: 4 };
  return { x: loadDiabetes({ scaled: source === 'diabetes' }).xF64, d: 10 };
}

/** The case's fit and transform matrices. */
function inputs(c: ScalerCase): { fit: Float64Array; transform: Float64Array; d: number } {
  if (c.source) {
    const { x, d } = sourceData(c.source);
    return { fit: c.fit_rows ? x.slice(0, c.fit_rows * d) : x, transform: x, d };
  }
  if (c.generator) {
    const x = lcgRows(c.generator.n, c.generator.columns);
    return { fit: x, transform: x, d: c.generator.columns };
  }
  const fit = Float64Array.from(c.fit!.flat());
  const d = c.fit![0].length;
  return { fit, transform: c.transform ? Float64Array.from(c.transform.flat()) : fit, d };
}

function build(c: ScalerCase): StandardScaler | MinMaxScaler {
  const k = c.kwargs;
  return c.kind === 'StandardScaler'
    ? new StandardScaler({ withMean: k.with_mean, withStd: k.with_std })
    : new MinMaxScaler({ featureRange: k.feature_range, clip: k.clip });
}

/** Bit-for-bit equality of float64 lists (toEqual would also pass for -0 against 0). */
function expectBits(got: ArrayLike<number> | null | undefined, want: number[] | null, what: string): void {
  if (want === null) {
    expect(got, what).toBeNull();
    return;
  }
  expect(got, what).toBeTruthy();
  expect(
    Array.from(got!).map((v) => v.toString()),
    what,
  ).toEqual(want.map((v) => v.toString()));
}

describe('scalers: exactly scikit-learn 1.2.1', () => {
  it.each(cases.map((c) => [c.name, c] as const))('%s', (_, c) => {
    const { fit, transform, d } = inputs(c);
    const scaler = build(c).fit(fit, d);
    const a = c.attributes;
    expect(scaler.nSamplesSeen).toBe(a.n_samples_seen_);
    expect(scaler.nFeaturesIn).toBe(d);
    if (scaler instanceof StandardScaler) {
      expectBits(scaler.mean, a.mean_ as number[] | null, 'mean_');
      expectBits(scaler.variance, a.var_ as number[] | null, 'var_');
      expectBits(scaler.scale, a.scale_ as number[] | null, 'scale_');
    } else {
      expectBits(scaler.dataMin, a.data_min_ as number[], 'data_min_');
      expectBits(scaler.dataMax, a.data_max_ as number[], 'data_max_');
      expectBits(scaler.scale, a.scale_ as number[], 'scale_');
      expectBits(scaler.min, a.min_ as number[], 'min_');
      expectBits(scaler.stateDict().data_range, a.data_range_ as number[], 'data_range_');
    }
    const out = scaler.transform(transform);
    expect(out).toBeInstanceOf(Float64Array);
    expectExactly(out, d, c.transformed);
    if (c.transformed.values) expectBits(out, c.transformed.values.flat(), 'transform');
    const back = scaler.inverseTransform(out);
    expectExactly(back, d, c.inverse);
    if (c.inverse.values) expectBits(back, c.inverse.values.flat(), 'inverse_transform');
    // float32 in, float32 out: the float64 result rounded once (when the input is float32 exactly).
    if (transform.every((v) => Math.fround(v) === v)) {
      const out32 = scaler.transform(Float32Array.from(transform));
      expect(out32).toBeInstanceOf(Float32Array);
      expect(Array.from(out32)).toEqual(Array.from(out, Math.fround));
    }
    // The state dict, through JSON, gives a scaler that transforms the same.
    const state = JSON.parse(JSON.stringify(scaler.stateDict()));
    const loaded =
      c.kind === 'StandardScaler' ? StandardScaler.fromStateDict(state) : MinMaxScaler.fromStateDict(state);
    expect(loaded.stateDict()).toEqual(scaler.stateDict());
    expectExactly(loaded.transform(transform), d, c.transformed);
  });

  it('numpy sums a single column pairwise in blocks of 8192, several columns row by row', () => {
    // Values whose sum depends on the order: 1 then many values below its half ulp.
    const n = 20000;
    const one = new Float64Array(n).fill(2 ** -53 * 0.75);
    one[0] = 1;
    let sequential = 0;
    for (const v of one) sequential += v;
    expect(numpyColumnSums(one, n, 1)[0]).not.toBe(sequential);
    const two = new Float64Array(2 * n);
    for (let i = 0; i < n; i++) two.set([one[i], one[i]], 2 * i);
    expect(Array.from(numpyColumnSums(two, n, 2))).toEqual([sequential, sequential]);
  });
});

describe('scalers on datasets', () => {
  it('fit on the training rows only, applied to every split, keeping everything else', () => {
    const iris = loadIris();
    const train = { ...iris, x: iris.x.slice(0, 400), xF64: iris.xF64.slice(0, 400), nSamples: 100 };
    const scaler = new StandardScaler().fitDataset(train);
    const byHand = new StandardScaler().fit(iris.xF64.slice(0, 400), 4);
    expect(scaler.stateDict()).toEqual(byHand.stateDict());
    const scaled = scaler.transformDataset(iris);
    expect(scaled.xF64).toEqual(byHand.transform(iris.xF64));
    expect(Array.from(scaled.x)).toEqual(Array.from(scaled.xF64, Math.fround));
    expect(scaled.y).toBe(iris.y);
    expect(scaled.classNames).toEqual(iris.classNames);
    expect(iris.xF64[0]).toBe(5.1);
    // A dataset without a float64 copy is scaled from its float32 features.
    const plain: Dataset = { x: iris.x, y: iris.y, nSamples: 150, nFeatures: 4, nClasses: 3 };
    const fromF32 = new MinMaxScaler().fitDataset(plain).transformDataset(plain);
    expect(fromF32.xF64).toEqual(
      new MinMaxScaler().fit(Float64Array.from(iris.x), 4).transform(Float64Array.from(iris.x)),
    );
    // A regression dataset keeps its targets.
    const diabetes = loadDiabetes({ scaled: false });
    const standardized = new StandardScaler().fitDataset(diabetes).transformDataset(diabetes);
    expect(standardized.targetsF64).toBe(diabetes.targetsF64);
    expect(standardized.nTargets).toBe(1);
    // Generated data: its float64 features, as scikit-learn would scale make_moons' X.
    const moons = makeMoons({ nSamples: 50, noise: 0.1, seed: 3 });
    expect(new StandardScaler().fitDataset(moons).transformDataset(moons).xF64).toEqual(
      new StandardScaler().fitTransform(moons.xF64!, 2),
    );
  });

  it('fitTransform = fit then transform; MinMaxScaler clips unseen rows with clip', () => {
    const x = Float64Array.from([0, 10, 1, 20, 4, 15]);
    expect(new StandardScaler().fitTransform(x, 2)).toEqual(new StandardScaler().fit(x, 2).transform(x));
    const clipped = new MinMaxScaler({ featureRange: [-1, 1], clip: true }).fit(x, 2);
    expect(Array.from(clipped.transform(Float64Array.from([-4, 30, 2, 15])))).toEqual([-1, 1, 0, 0]);
  });
});

describe('scalers refuse bad input with a ValidationError, changing nothing', () => {
  it('options, data and calls out of order', () => {
    const fitted = new StandardScaler().fit(Float64Array.from([1, 2, 3, 4]), 2);
    const cases: [() => unknown, string | RegExp][] = [
      [
        () => new StandardScaler({ withMean: 'no' as never }),
        'StandardScaler: withMean must be true or false, got "no"',
      ],
      [
        () => new MinMaxScaler({ featureRange: [1, 0] }),
        'MinMaxScaler: featureRange must be a pair [min, max] of finite numbers with min < max, got [1, 0]',
      ],
      [() => new MinMaxScaler({ featureRange: [0, Infinity] }), /featureRange must be a pair/],
      [() => new MinMaxScaler({ clip: 1 as never }), 'MinMaxScaler: clip must be true or false, got 1'],
      [
        () => new StandardScaler().fit(Float64Array.from([1, Number.NaN]), 1),
        'StandardScaler.fit: x at row 1, column 0 is NaN: a scaler takes finite numbers only',
      ],
      [
        () => new MinMaxScaler().fit(Float32Array.from([1, 2, -Infinity]), 3),
        'MinMaxScaler.fit: x at row 0, column 2 is -Infinity: a scaler takes finite numbers only',
      ],
      [
        () => new StandardScaler().fit(Float64Array.from([1, 2, 3]), 2),
        'StandardScaler.fit: x must hold at least 1 row of nFeatures = 2 values per row (a multiple of 2), ' +
          'got 3 values',
      ],
      [() => new StandardScaler().fit(new Float64Array(0), 2), /x must hold at least 1 row of nFeatures = 2/],
      [
        () => new StandardScaler().fit(Float64Array.from([1]), 0),
        'StandardScaler.fit: nFeatures must be an integer >= 1, got 0',
      ],
      [
        () => new StandardScaler().fit([1, 2] as never, 1),
        'StandardScaler.fit: x must be a Float32Array or Float64Array (row-major nSamples × nFeatures), got an array',
      ],
      [() => new StandardScaler().fit(Int32Array.from([1]) as never, 1), /got a Int32Array/],
      [
        () => new StandardScaler().transform(Float64Array.from([1])),
        'StandardScaler.transform: this StandardScaler is not fitted yet: call fit (on the training split) first',
      ],
      [() => new MinMaxScaler().stateDict(), 'MinMaxScaler.stateDict: this MinMaxScaler is not fitted yet'],
      [() => fitted.transform(Float64Array.from([1, 2, 3])), /transform: x must hold nFeatures = 2 values per row/],
      [
        () => fitted.transform(Float64Array.from([1, Number.NaN])),
        'StandardScaler.transform: x at row 0, column 1 is NaN: a scaler takes finite numbers only',
      ],
      [
        () =>
          new StandardScaler({ withStd: false })
            .fit(Float32Array.from([-3e38]), 1)
            .transform(Float32Array.from([3e38])),
        'StandardScaler.transform: x at row 0, column 0 (3.0000000054977558e+38) scales to 6.0000000109955115e+38, ' +
          'beyond the float32 range',
      ],
    ];
    for (const [call, message] of cases) {
      expect(call).toThrow(ValidationError);
      expect(call).toThrow(message);
    }
    expect(fitted.stateDict().mean).toEqual([2, 3]);
    expect(fitted.transform(new Float64Array(0))).toEqual(new Float64Array(0));
  });

  it('state dicts: strict, and a refused one leaves the scaler as it was', () => {
    const x = Float64Array.from([1, 10, 2, 20, 4, 15]);
    const standard = new StandardScaler().fit(x, 2);
    const minMax = new MinMaxScaler({ featureRange: [-1, 1] }).fit(x, 2);
    const good: [StandardScaler | MinMaxScaler, StandardScalerState | MinMaxScalerState][] = [
      [standard, standard.stateDict()],
      [minMax, minMax.stateDict()],
    ];
    const bad: [number, Record<string, unknown>, string][] = [
      [0, { extra: 1 }, 'StandardScaler.loadStateDict: extra must be absent (an unknown key), got "extra"'],
      [0, { mean: undefined }, 'StandardScaler.loadStateDict: mean must be present (a missing key), got undefined'],
      [0, { type: 'MinMaxScaler' }, 'StandardScaler.loadStateDict: type must be "StandardScaler", got "MinMaxScaler"'],
      [0, { with_mean: false }, "StandardScaler.loadStateDict: with_mean must be true (this scaler's), got false"],
      [0, { n_features_in: 0 }, 'StandardScaler.loadStateDict: n_features_in must be an integer >= 1, got 0'],
      [0, { n_features_in: 3 }, 'StandardScaler.loadStateDict: mean must be a list of n_features_in = 3 finite'],
      [0, { var: [1, Number.NaN] }, 'StandardScaler.loadStateDict: var[1] must be a finite number, got NaN'],
      [
        0,
        { scale: [1, 2] },
        'StandardScaler.loadStateDict: scale[0] must be 1.247219128924647 (what var implies), got 1',
      ],
      [0, { n_samples_seen: 2.5 }, 'StandardScaler.loadStateDict: n_samples_seen must be an integer >= 1, got 2.5'],
      [1, { feature_range: [0, 1] }, "MinMaxScaler.loadStateDict: feature_range must be [-1, 1] (this scaler's), got"],
      [1, { clip: true }, "MinMaxScaler.loadStateDict: clip must be false (this scaler's), got true"],
      [1, { data_max: [0, 20] }, 'MinMaxScaler.loadStateDict: data_max[0] must be >= data_min[0] (1), got 0'],
      [1, { min: [0, 0] }, 'MinMaxScaler.loadStateDict: min[0] must be -1.6666666666666665 (what data_min'],
      [1, { data_range: [3, 9] }, 'MinMaxScaler.loadStateDict: data_range[1] must be 10 (what data_min'],
    ];
    for (const [which, change, message] of bad) {
      const [scaler, state] = good[which];
      const before = scaler.stateDict();
      const edited = { ...state, ...change };
      for (const key of Object.keys(change)) if (change[key] === undefined) delete edited[key as keyof typeof edited];
      const load = () => (scaler as StandardScaler).loadStateDict(edited as never);
      expect(load, message).toThrow(ValidationError);
      expect(load).toThrow(message);
      expect(scaler.stateDict()).toEqual(before);
    }
    expect(() => StandardScaler.fromStateDict(null as never)).toThrow(
      'StandardScaler.fromStateDict: state must be an object (StandardScaler.stateDict()), got null',
    );
    expect(() => MinMaxScaler.fromStateDict({ ...minMax.stateDict(), feature_range: [2, 1] })).toThrow(
      'MinMaxScaler.fromStateDict: feature_range must be a pair [min, max] of finite numbers with min < max',
    );
    // Loading replaces an earlier fit; an unfitted scaler of the same settings takes it too.
    const other = new StandardScaler().fit(Float64Array.from([5, 6]), 2);
    other.loadStateDict(standard.stateDict());
    expect(other.stateDict()).toEqual(standard.stateDict());
    const fresh = new MinMaxScaler({ featureRange: [-1, 1] });
    fresh.loadStateDict(minMax.stateDict());
    expect(fresh.transform(x)).toEqual(minMax.transform(x));
    // Without with_std, var and scale are null and must stay so.
    const centred = new StandardScaler({ withStd: false }).fit(x, 2);
    expect(centred.stateDict()).toMatchObject({ var: null, scale: null, mean: [7 / 3, 15] });
    expect(() => centred.loadStateDict({ ...centred.stateDict(), var: [1, 1] })).toThrow(
      'StandardScaler.loadStateDict: var must be null (without with_std), got a list',
    );
  });

  it('fuzz: hostile state dicts load or are refused, and a refusal changes nothing', () => {
    const x = Float64Array.from([1, 10, 2, 20, 4, 15]);
    const value = fc.oneof(
      fc.constantFrom(null, undefined, Number.NaN, Infinity, -0, 0, 1, 2, 1e308, 'a', true, [], {}),
      fc.array(fc.oneof(fc.double(), fc.constantFrom(Number.NaN, 1, 0)), { maxLength: 3 }),
    );
    for (const scaler of [new StandardScaler().fit(x, 2), new MinMaxScaler().fit(x, 2)]) {
      const state = scaler.stateDict() as unknown as Record<string, unknown>;
      fc.assert(
        fc.property(fc.constantFrom(...Object.keys(state), 'other'), value, (key, v) => {
          const before = scaler.stateDict();
          const refused = loadsOrRefuses(() =>
            (scaler as StandardScaler).loadStateDict({ ...state, [key]: v } as never),
          );
          if (refused) expect(scaler.stateDict()).toEqual(before);
          else (scaler as StandardScaler).loadStateDict(before as never);
        }),
        { numRuns: 300, seed: 13 },
      );
    }
  });
});
