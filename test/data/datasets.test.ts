import { describe, expect, it } from 'vitest';
import type { Dataset } from '../../src/data/dataset.ts';
import { makeBlobs, makeCircles, makeMoons, makeSpirals } from '../../src/data/datasets.ts';
import { RandomState } from '../../src/data/numpy_random.ts';
import { loadJson } from './helpers.ts';

interface ReferenceDataset {
  kind: 'moons' | 'circles' | 'blobs';
  // biome-ignore lint/suspicious/noExplicitAny: scikit-learn's keyword arguments, passed on as read
  kwargs: Record<string, any>;
  X: number[][];
  y: number[];
  centers?: number[][];
  glibc_trig_misrounded_rows?: number[];
  glibc_trig_cr?: boolean;
  glibc_log_cr?: boolean;
}

// sklearn 1.2.1 + numpy 1.24.2 without AVX512 (glibc sin/cos/log): test/data/fixtures/gen_sklearn_reference.py
const reference = loadJson('./fixtures/sklearn_reference.json');
// sklearn 1.2.1 + numpy 1.24.2 on the fixture machine: /work/shared/fixtures/gen_torch_fixtures.py
const moonsFixture = loadJson('../fixtures/moons.json');
const training = loadJson('../fixtures/training.json');
const trainingCase = (name: string) => training.cases.find((c: { name: string }) => c.name === name);

function build(ref: ReferenceDataset): Dataset {
  const k = ref.kwargs;
  const common = { shuffle: k.shuffle, seed: k.random_state };
  if (ref.kind === 'moons') return makeMoons({ ...common, nSamples: k.n_samples, noise: k.noise });
  if (ref.kind === 'circles')
    return makeCircles({ ...common, nSamples: k.n_samples, noise: k.noise, factor: k.factor });
  return makeBlobs({
    ...common,
    nSamples: k.n_samples,
    nFeatures: k.n_features,
    centers: k.centers,
    clusterStd: k.cluster_std,
    centerBox: k.center_box,
  });
}

/** |a - b| <= 2 * EPSILON * max(1, |b|): an ulp or two of sin / cos near 1, carried through one addition. */
function closeToUlps(actual: ArrayLike<number>, expected: number[]): void {
  expect(actual.length).toBe(expected.length);
  expected.forEach((b, i) => {
    expect(Math.abs(actual[i] - b), `element ${i}: ${actual[i]} vs ${b}`).toBeLessThanOrEqual(
      2 * Number.EPSILON * Math.max(1, Math.abs(b)),
    );
  });
}

describe('makeMoons / makeCircles / makeBlobs against scikit-learn 1.2.1', () => {
  for (const ref of reference.datasets as ReferenceDataset[]) {
    it(`${ref.kind} ${JSON.stringify(ref.kwargs)} equals sklearn bit for bit`, () => {
      // The generator checked with mpmath that glibc rounded every sin / cos / log of these cases
      // correctly, except on the listed rows (where the port, being correctly rounded, differs by an ulp).
      expect(ref.glibc_trig_cr ?? true).toBe(true);
      expect(ref.glibc_log_cr ?? true).toBe(true);
      const ds = build(ref);
      const d = ref.X[0]?.length ?? 2;
      expect(ds.nFeatures).toBe(d);
      expect(ds.nSamples).toBe(ref.y.length);
      expect(Array.from(ds.y)).toEqual(ref.y);
      const misrounded = new Set(ref.glibc_trig_misrounded_rows ?? []);
      ref.X.forEach((row, i) => {
        const ours = Array.from(ds.xF64!.subarray(i * d, (i + 1) * d));
        if (misrounded.has(i)) closeToUlps(ours, row);
        else expect(ours, `row ${i}`).toEqual(row);
      });
      expect(Array.from(ds.x)).toEqual(ref.X.flat().map(Math.fround));
      if (ref.centers) expect(Array.from((ds as ReturnType<typeof makeBlobs>).centers)).toEqual(ref.centers.flat());
    });
  }
});

describe('the shared fixtures (test/fixtures)', () => {
  it(
    'moons.json: labels exact, coordinates within 2 * EPSILON ' +
      "(its sin / cos are not glibc's: most likely numpy 1.24's AVX512 SIMD kernels)",
    () => {
      for (const c of moonsFixture.cases) {
        const ds = makeMoons({ nSamples: c.n_samples, shuffle: false });
        expect(Array.from(ds.y)).toEqual(c.Y);
        closeToUlps(ds.xF64!, c.X.flat());
      }
    },
  );

  it('moons.json differs from sklearn 1.2.1 run where numpy calls glibc: the fixture machine, not the port', () => {
    const glibcMoons20 = (reference.datasets as ReferenceDataset[]).find(
      (d) => d.kind === 'moons' && d.kwargs.n_samples === 20 && d.kwargs.shuffle === false,
    )!;
    const fixture20 = moonsFixture.cases.find((c: { n_samples: number }) => c.n_samples === 20);
    expect(fixture20.X).not.toEqual(glibcMoons20.X);
    expect(Array.from(makeMoons({ nSamples: 20, shuffle: false }).xF64!)).toEqual(glibcMoons20.X.flat());
  });

  it('seed_steplr X is moons.json (n=20) shuffled and noised by RandomState(0), bit for bit', () => {
    // make_moons(20, noise=0.2, random_state=0): shuffle (a permutation of the rows), then
    // X += normal(scale=0.2, size=(20, 2)) in row-major order. Starting from the fixture machine's own
    // noise-free moons isolates the random draws from the sin / cos difference.
    const base = moonsFixture.cases.find((c: { n_samples: number }) => c.n_samples === 20);
    const expected = trainingCase('seed_steplr');
    const rng = new RandomState(0);
    const order = rng.permutation(20);
    const noisy = Array.from(order, (row) => {
      const x = base.X[row][0] + rng.normal(0, 0.2);
      const y = base.X[row][1] + rng.normal(0, 0.2);
      return [x, y];
    });
    expect(noisy).toEqual(expected.X);
    expect(Array.from(order, (row) => base.Y[row])).toEqual(expected.Y);
  });

  it(
    'training.json make_moons(20, noise=0.2, random_state=0) and (200, noise=0.2, random_state=1) ' +
      'within 2 * EPSILON * max(1, |x|)',
    () => {
      for (const [name, nSamples, seed] of [
        ['seed_steplr', 20, 0],
        ['moons200_cosine_minibatch', 200, 1],
      ] as const) {
        const ds = makeMoons({ nSamples, noise: 0.2, seed });
        const expected = trainingCase(name);
        expect(Array.from(ds.y), name).toEqual(expected.Y);
        closeToUlps(ds.xF64!, expected.X.flat());
      }
    },
  );

  it('training.json make_blobs(150, centers=3, cluster_std=1.2, random_state=2) bit for bit', () => {
    const ds = makeBlobs({ nSamples: 150, centers: 3, clusterStd: 1.2, seed: 2 });
    const expected = trainingCase('blobs_amsgrad_wd');
    expect(Array.from(ds.y)).toEqual(expected.Y);
    expect(Array.from(ds.xF64!)).toEqual(expected.X.flat());
    expect(ds.nClasses).toBe(3);
  });
});

describe('makeCircles structure', () => {
  it('puts floor(n/2) points on the unit circle (class 0) and the rest at radius factor (class 1)', () => {
    const ds = makeCircles({ nSamples: 121, factor: 0.5, shuffle: false });
    expect(ds.y.filter((v) => v === 0).length).toBe(60);
    expect(ds.y.filter((v) => v === 1).length).toBe(61);
    for (let i = 0; i < ds.nSamples; i++) {
      const r = Math.hypot(ds.xF64![2 * i], ds.xF64![2 * i + 1]);
      expect(r).toBeCloseTo(ds.y[i] === 0 ? 1 : 0.5, 15);
    }
    // endpoint=false: the first angle is 0 and no point repeats it
    expect([ds.xF64![0], ds.xF64![1]]).toEqual([1, 0]);
  });

  it('is deterministic in the seed, and a shuffle permutes the unshuffled rows', () => {
    const a = makeCircles({ nSamples: 120, noise: 0.1, factor: 0.5, seed: 12 });
    expect(makeCircles({ nSamples: 120, noise: 0.1, factor: 0.5, seed: 12 })).toEqual(a);
    expect(makeCircles({ nSamples: 120, noise: 0.1, factor: 0.5, seed: 13 }).xF64).not.toEqual(a.xF64);
    const plain = makeCircles({ nSamples: 40, shuffle: false });
    const shuffled = makeCircles({ nSamples: 40, seed: 5 });
    const rows = (ds: Dataset) =>
      Array.from({ length: ds.nSamples }, (_, i) => `${ds.xF64![2 * i]},${ds.xF64![2 * i + 1]},${ds.y[i]}`).sort();
    expect(rows(shuffled)).toEqual(rows(plain));
    expect(Array.from(shuffled.y)).not.toEqual(Array.from(plain.y));
  });
});

describe('makeSpirals', () => {
  it('builds arms from radius 0.1 to 1 that are rotated copies of each other', () => {
    const ds = makeSpirals({ nSamples: 90, nArms: 3, turns: 1.5, shuffle: false });
    expect(ds.nClasses).toBe(3);
    expect(Array.from(ds.y)).toEqual([...Array(30).fill(0), ...Array(30).fill(1), ...Array(30).fill(2)]);
    const point = (i: number) => [ds.xF64![2 * i], ds.xF64![2 * i + 1]];
    expect(Math.hypot(...point(0))).toBeCloseTo(0.1, 15);
    expect(Math.hypot(...point(29))).toBeCloseTo(1, 15);
    expect(point(0)).toEqual([0.1, 0]);
    for (let i = 0; i < 30; i++) {
      const [x, y] = point(i);
      const angle = (2 * Math.PI) / 3;
      const [rx, ry] = point(30 + i);
      expect(rx).toBeCloseTo(x * Math.cos(angle) - y * Math.sin(angle), 14);
      expect(ry).toBeCloseTo(x * Math.sin(angle) + y * Math.cos(angle), 14);
    }
  });

  it('splits the remainder over the first arms and keeps the shuffle order when noise is added', () => {
    const clean = makeSpirals({ nSamples: 2000, seed: 4 });
    const noisy = makeSpirals({ nSamples: 2000, seed: 4, noise: 0.05 });
    expect(Array.from(noisy.y)).toEqual(Array.from(clean.y));
    let sum = 0;
    let sumSquares = 0;
    for (let k = 0; k < clean.xF64!.length; k++) {
      const d = noisy.xF64![k] - clean.xF64![k];
      sum += d;
      sumSquares += d * d;
    }
    const n = clean.xF64!.length;
    expect(Math.abs(sum / n)).toBeLessThan(0.005);
    expect(Math.sqrt(sumSquares / n)).toBeGreaterThan(0.045);
    expect(Math.sqrt(sumSquares / n)).toBeLessThan(0.055);
    const odd = makeSpirals({ nSamples: 7, nArms: 3, shuffle: false });
    expect(Array.from(odd.y)).toEqual([0, 0, 0, 1, 1, 2, 2]);
  });
});

describe('dataset argument checks', () => {
  it('names the parameter and the allowed values', () => {
    expect(() => makeMoons({ nSamples: 0 })).toThrow('makeMoons: nSamples must be an integer >= 1, got 0');
    expect(() => makeMoons({ nSamples: 2.5 })).toThrow('makeMoons: nSamples must be an integer >= 1, got 2.5');
    expect(() => makeMoons({ noise: -0.1 })).toThrow('makeMoons: noise must be a finite number >= 0, got -0.1');
    expect(() => makeMoons({ seed: -1 })).toThrow('makeMoons: seed must be an integer in [0, 4294967295], got -1');
    expect(() => makeMoons({ nSamples: [3, -1] as [number, number] })).toThrow(
      'makeMoons: nSamples[1] must be an integer >= 0, got -1',
    );
    expect(() => makeCircles({ factor: 1 })).toThrow('makeCircles: factor must be a number in [0, 1), got 1');
    expect(() => makeBlobs({ centers: 0 })).toThrow('makeBlobs: centers must be an integer >= 1, got 0');
    expect(() => makeBlobs({ clusterStd: [1, 2] })).toThrow(
      'makeBlobs: clusterStd must be a number or an array with one entry per center (3), got [1, 2]',
    );
    expect(() => makeBlobs({ centers: [[0, 0], [1]] })).toThrow(
      'makeBlobs: centers[1] must have 2 coordinates like centers[0], got [1]',
    );
    expect(() => makeBlobs({ nSamples: [2, 3], centers: [[0, 0]] })).toThrow(
      'makeBlobs: centers must have one row per entry of nSamples (2), got 1',
    );
    expect(() => makeBlobs({ centerBox: [1, -1] })).toThrow(
      'makeBlobs: centerBox must satisfy min <= max, got [1, -1]',
    );
    expect(() => makeSpirals({ nArms: 0 })).toThrow('makeSpirals: nArms must be an integer >= 1, got 0');
    expect(() => makeSpirals({ turns: 0 })).toThrow('makeSpirals: turns must be a finite number > 0, got 0');
  });
});
