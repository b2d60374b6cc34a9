import { describe, expect, it } from 'vitest';
import { parseRunConfig, type RunConfigInput } from '../../src/config/run_config.ts';
import { makeBlobs, makeMoons } from '../../src/data/datasets.ts';
import { datasetFromFloat64 } from '../../src/data/dataset.ts';
import { RandomState } from '../../src/data/numpy_random.ts';
import { subsetDataset, trainValSplit } from '../../src/data/split.ts';
import { ReduceLROnPlateau } from '../../src/lr_scheduler/index.ts';
import { ValidationError } from '../../src/params/error.ts';
import { resolveData, runTraining } from '../../src/train/run.ts';

const counts = (y: Int32Array, k: number) => Array.from({ length: k }, (_, c) => y.filter((v) => v === c).length);

describe('trainValSplit', () => {
  const blobs = makeBlobs({ nSamples: 100, centers: 3, seed: 4 }); // classes of 34, 33, 33

  it("holds out n - floor(n(1 - f)) rows, each class's share kept (largest remainders), rows in order", () => {
    expect(counts(blobs.y, 3)).toEqual([34, 33, 33]);
    const split = trainValSplit(blobs, { valSplit: 0.2, seed: 1 });
    // 20 held out: 34·20/100 = 6.8, 33·20/100 = 6.6 (twice): floors 6, 6, 6 and the 2 left to classes 0 and 1.
    expect(counts(split.val.y, 3)).toEqual([7, 7, 6]);
    expect(counts(split.train.y, 3)).toEqual([27, 26, 27]);
    const all = [...split.trainIndices, ...split.valIndices].sort((a, b) => a - b);
    expect(all).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect([...split.valIndices]).toEqual([...split.valIndices].sort((a, b) => a - b));
    // Each row is the original's.
    split.valIndices.forEach((row, i) => {
      expect(split.val.y[i]).toBe(blobs.y[row]);
      expect(split.val.x[2 * i + 1]).toBe(blobs.x[2 * row + 1]);
    });
    expect(split.val.nClasses).toBe(3);
    expect(split.val.xF64).toBeDefined();
  });

  it('is the same for the same seed and draws the rows of each class from RandomState(seed) permutations', () => {
    const a = trainValSplit(blobs, { valSplit: 0.3, seed: 7 });
    const b = trainValSplit(blobs, { valSplit: 0.3, seed: 7 });
    expect(b.valIndices).toEqual(a.valIndices);
    expect(trainValSplit(blobs, { valSplit: 0.3, seed: 8 }).valIndices).not.toEqual(a.valIndices);
    const rng = new RandomState(7);
    const byClass = [0, 1, 2].map((c) => [...blobs.y.keys()].filter((i) => blobs.y[i] === c));
    // 30 held out: 10.2, 9.9, 9.9 → 10, 9, 9 and the 2 left to classes 1 and 2 (remainder 0.9 each).
    const expected = byClass.flatMap((rows, c) => {
      const order = rng.permutation(rows.length);
      return Array.from(order.subarray(0, [10, 10, 10][c]), (k) => rows[k]);
    });
    expect([...a.valIndices]).toEqual(expected.sort((x, y) => x - y));
  });

  it('without stratification holds out the first rows of RandomState(seed).permutation(n)', () => {
    const split = trainValSplit(blobs, { valSplit: 0.25, seed: 3, stratify: false });
    const order = new RandomState(3).permutation(100);
    expect([...split.valIndices]).toEqual([...order.subarray(0, 25)].sort((a, b) => a - b));
    expect(split.train.nSamples).toBe(75);
  });

  it('refuses a part left empty, a class too small to stratify, fewer held-out rows than classes', () => {
    expect(() => trainValSplit(blobs, { valSplit: 1 })).toThrow(ValidationError);
    expect(() => trainValSplit(blobs, { valSplit: 0 })).toThrow(
      'trainValSplit: valSplit must be a finite number in (0, 1), got 0',
    );
    const tiny = datasetFromFloat64(new Float64Array([0, 1, 2, 3, 4, 5]), new Int32Array([0, 0, 1]), 2, 2);
    expect(() => trainValSplit(tiny, { valSplit: 0.5 })).toThrow(
      'trainValSplit: class 1 has only 1 row, too few to stratify (each class needs at least 2); give stratify: false',
    );
    expect(trainValSplit(tiny, { valSplit: 0.5, stratify: false }).val.nSamples).toBe(2);
    expect(() => trainValSplit(blobs, { valSplit: 0.01 })).toThrow(
      'trainValSplit: valSplit 0.01 of 100 rows leaves 1 held-out rows, fewer than the 3 classes',
    );
    expect(() => trainValSplit(tiny, { valSplit: 0.7, stratify: false })).toThrow(
      'trainValSplit: valSplit 0.7 of 3 rows leaves the training part empty (0 training rows, 3 held out)',
    );
    expect(() => trainValSplit(tiny, { valSplit: 1e-17, stratify: false })).toThrow(
      'trainValSplit: valSplit 1e-17 of 3 rows leaves the held-out part empty (3 training rows, 0 held out)',
    );
  });

  it('splits a regression dataset (float targets) with its rows, unstratified', () => {
    const xF64 = Float64Array.from({ length: 20 }, (_, i) => i);
    const targetsF64 = Float64Array.from({ length: 20 }, (_, i) => 100 + i); // 2 target columns
    const regression = {
      x: Float32Array.from(xF64),
      xF64,
      y: new Int32Array(0),
      nSamples: 10,
      nFeatures: 2,
      nClasses: 0,
      targets: Float32Array.from(targetsF64),
      targetsF64,
      nTargets: 2,
    };
    const split = trainValSplit(regression, { valSplit: 0.3, seed: 2 });
    expect([...split.valIndices]).toEqual([...new RandomState(2).permutation(10).subarray(0, 3)].sort((a, b) => a - b));
    split.valIndices.forEach((row, i) => {
      expect([...split.val.targets!.subarray(2 * i, 2 * i + 2)]).toEqual([100 + 2 * row, 101 + 2 * row]);
      expect(split.val.targetsF64![2 * i]).toBe(100 + 2 * row);
    });
    expect(split.train.nTargets).toBe(2);
    expect(split.train.y).toHaveLength(0);
    expect(() => trainValSplit(regression, { valSplit: 0.3, stratify: true })).toThrow(
      'trainValSplit: a regression dataset (float targets) has no classes to stratify by; give stratify: false',
    );
  });

  it('subsetDataset takes rows in the order given', () => {
    const sub = subsetDataset(blobs, [5, 1]);
    expect([...sub.x]).toEqual([...blobs.x.subarray(10, 12), ...blobs.x.subarray(2, 4)]);
    expect([...sub.y]).toEqual([blobs.y[5], blobs.y[1]]);
  });
});

describe('validation in run configs', () => {
  const base: RunConfigInput = {
    seed: 5,
    sizes: [2, 8, 2],
    data: { type: 'moons', n_samples: 50, noise: 0.25, seed: 1 },
    optimizer: { type: 'Adam', groups: [{ lr: 0.03 }] },
    steps: 60,
    batch_size: 10,
  };
  const config = (extra: Partial<RunConfigInput>) => parseRunConfig({ ...base, ...extra });
  const other = makeMoons({ nSamples: 70, noise: 0.3, seed: 11 });
  const inline = {
    X: Array.from({ length: 70 }, (_, i) => [other.xF64![2 * i], other.xF64![2 * i + 1]]),
    Y: Array.from(other.y),
  };

  it('a held-out set changes nothing of the training: the same losses, batches and weights, bit for bit', () => {
    const plain = runTraining(config({}), { evalEvery: 7 });
    for (const validation of [inline, { type: 'moons' as const, n_samples: 90 }]) {
      const held = runTraining(config({ validation }), { evalEvery: 7 });
      expect(held.loss).toEqual(plain.loss);
      expect(held.batches).toEqual(plain.batches);
      expect(held.final).toEqual(plain.final);
      expect(held.final_loss).toBe(plain.final_loss);
      expect(held.evals.map(({ step, loss, accuracy }) => ({ step, loss, accuracy }))).toEqual(plain.evals);
      expect(held.evals.every((e) => Number.isFinite(e.val_loss) && Number.isFinite(e.val_accuracy))).toBe(true);
      expect(held.final_val_loss).toBe(held.evals[held.evals.length - 1].val_loss);
    }
    expect(plain.final_val_loss).toBeUndefined();
  });

  it('a val_split trains on the rows left, exactly as the same rows given inline', () => {
    const split = runTraining(config({ validation: { val_split: 0.2 } }));
    const data = resolveData(config({}));
    const parts = trainValSplit(data, { valSplit: 0.2, seed: 5 }); // the run's seed
    const rows = (d: typeof data) => Array.from({ length: d.nSamples }, (_, i) => [d.xF64![2 * i], d.xF64![2 * i + 1]]);
    const given = runTraining(
      config({
        data: null,
        X: rows(parts.train),
        Y: Array.from(parts.train.y),
        validation: { X: rows(parts.val), Y: Array.from(parts.val.y) },
      }),
    );
    expect(split.loss).toEqual(given.loss);
    expect(split.final).toEqual(given.final);
    expect(split.evals).toEqual(given.evals);
    expect(split.batches!.flat().every((i) => i < 40)).toBe(true);
  });

  it('a generated held-out set without a seed is not the training set (seed + 1)', () => {
    const same = runTraining(config({ validation: { type: 'moons', n_samples: 50, noise: 0.25, seed: 1 } }));
    expect(same.evals[0].val_loss).toBe(same.evals[0].loss);
    const unseeded = runTraining(config({ validation: { type: 'moons', n_samples: 50, noise: 0.25 } }));
    const seeded2 = runTraining(config({ validation: { type: 'moons', n_samples: 50, noise: 0.25, seed: 2 } }));
    expect(unseeded.evals).toEqual(seeded2.evals);
  });

  it('refuses a held-out set the model cannot read, and val_ values without one', () => {
    expect(() => runTraining(config({ validation: { X: [[1, 2, 3]], Y: [0] } }))).toThrow(
      'validation: the held-out set has 3 features, the training data 2',
    );
    expect(() => runTraining(config({ validation: { X: [[1, 2]], Y: [4] } }))).toThrow(
      'sizes: the validation has labels up to 4, so the last size must be at least 5, got 2',
    );
    expect(() => runTraining(config({ validation: { val_split: 0.99 } }))).toThrow(
      /validation.val_split: trainValSplit/,
    );
    expect(() => config({ validation: { val_split: 0.2, stratified: true } as never })).toThrow(
      'validation: unknown key "stratified"',
    );
    const plateau = { type: 'ReduceLROnPlateau', args: { patience: 1 } };
    expect(() => runTraining(config({ scheduler: plateau, plateau_metric: 'val_loss' }))).toThrow(
      'plateau_metric: val_loss needs a held-out set',
    );
    expect(() =>
      runTraining(config({ scheduler: plateau, plateau_metric: 'val_accuracy', validation: { val_split: 0.2 } })),
    ).toThrow("plateau_metric: val_accuracy should rise: give the scheduler mode 'max'");
  });
});

describe('ReduceLROnPlateau on a held-out value', () => {
  const base: RunConfigInput = {
    seed: 3,
    sizes: [2, 16, 2],
    data: { type: 'moons', n_samples: 60, noise: 0.3, seed: 0 },
    optimizer: { type: 'Adam', groups: [{ lr: 0.05 }] },
    scheduler: { type: 'ReduceLROnPlateau', args: { factor: 0.5, patience: 1, threshold: 0.05 } },
    steps: 150,
    validation: { val_split: 0.25 },
    eval_every: 10,
  };

  for (const metric of ['val_loss', 'val_accuracy'] as const) {
    it(`is stepped once per evaluation with its ${metric} (not at step 0), and the lr holds between them`, () => {
      const mode = metric === 'val_accuracy' ? 'max' : 'min';
      const scheduler = { ...base.scheduler!, args: { ...base.scheduler!.args, mode } };
      const result = runTraining(parseRunConfig({ ...base, scheduler, plateau_metric: metric }));
      // Replay: a plateau on a stand-in group fed the evaluations at steps 10, 20, ...; the lr step i used is the
      // one set by the evaluations at steps <= i.
      const group = { lr: 0.05 };
      const replay = new ReduceLROnPlateau(
        { paramGroups: [group] },
        { factor: 0.5, patience: 1, threshold: 0.05, mode },
      );
      const lrs: number[] = [];
      let next = 0;
      for (let i = 0; i < 150; i++) {
        while (next < result.evals.length && result.evals[next].step <= i) {
          if (result.evals[next].step > 0) replay.step(result.evals[next][metric]!);
          next++;
        }
        lrs.push(group.lr);
      }
      expect(result.lr.map((g) => g[0])).toEqual(lrs);
      expect(new Set(lrs).size).toBeGreaterThan(1); // it did reduce
    });
  }

  it('plateau_metric loss still steps it with every step loss', () => {
    const onLoss = runTraining(parseRunConfig({ ...base, plateau_metric: 'loss' }));
    const group = { lr: 0.05 };
    const replay = new ReduceLROnPlateau({ paramGroups: [group] }, { factor: 0.5, patience: 1, threshold: 0.05 });
    const lrs = onLoss.loss.map((l) => {
      const used = group.lr;
      replay.step(l);
      return used;
    });
    expect(onLoss.lr.map((g) => g[0])).toEqual(lrs);
  });
});

describe('a resumed run with early stopping and a held-out plateau', () => {
  it('continues bit for bit: the same steps, the same stop, the same restored weights', () => {
    const config = parseRunConfig({
      seed: 4,
      sizes: [2, 12, 2],
      data: { type: 'moons', n_samples: 60, noise: 0.3, seed: 2 },
      optimizer: { type: 'Adam', groups: [{ lr: 0.08 }] },
      scheduler: { type: 'ReduceLROnPlateau', args: { factor: 0.5, patience: 0, threshold: 0.01 } },
      plateau_metric: 'val_loss',
      batch_size: 9,
      steps: 400,
      validation: { val_split: 0.3 },
      eval_every: 10,
      early_stopping: { patience: 4, restore_best_weights: true },
    });
    const straight = runTraining(config);
    expect(straight.early_stop?.stopped_step).not.toBeNull();
    const writes: [Uint8Array, number][] = [];
    runTraining(config, { checkpoint: { every: 25, write: (b, s) => writes.push([b, s]) } });
    expect(writes.length).toBeGreaterThan(2);
    for (const [bytes, step] of writes.slice(0, -1)) {
      const rest = runTraining(config, { resume: bytes });
      expect(rest.start_step).toBe(step);
      expect(rest.loss).toEqual(straight.loss.slice(step));
      expect(rest.steps).toBe(straight.steps);
      expect(rest.early_stop).toEqual(straight.early_stop);
      expect(rest.final).toEqual(straight.final);
      expect(rest.final_val_loss).toBe(straight.final_val_loss);
    }
  });
});
