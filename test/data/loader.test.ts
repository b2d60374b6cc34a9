import { describe, expect, it } from 'vitest';
import { DataLoader } from '../../src/data/loader.ts';
import { RandomState } from '../../src/data/numpy_random.ts';
const toArrays = (batches: Int32Array[]) => batches.map((b) => Array.from(b));

describe('DataLoader', () => {
  it('without shuffling yields 0..n-1 in batches, the last one short unless dropLast', () => {
    const loader = new DataLoader({ nSamples: 7 }, { batchSize: 3 });
    expect(loader.length).toBe(3);
    expect(toArrays(loader.epoch())).toEqual([[0, 1, 2], [3, 4, 5], [6]]);
    const dropping = new DataLoader({ nSamples: 7 }, { batchSize: 3, dropLast: true });
    expect(dropping.length).toBe(2);
    expect(toArrays([...dropping])).toEqual([
      [0, 1, 2],
      [3, 4, 5],
    ]);
    expect(new DataLoader({ nSamples: 5 }).length).toBe(5); // batchSize defaults to 1, as in PyTorch
  });

  it('shuffles with consecutive numpy RandomState(seed).permutation(n) draws, one per epoch', () => {
    const loader = new DataLoader({ nSamples: 1000 }, { batchSize: 64, shuffle: true, seed: 42 });
    const rng = new RandomState(42);
    for (let epoch = 0; epoch < 3; epoch++) {
      const batches = loader.epoch();
      expect(batches.length).toBe(16);
      const order = Array.from(rng.permutation(1000));
      expect(batches.flatMap((b) => Array.from(b))).toEqual(order);
    }
    expect(loader.epochs).toBe(3);
    expect(Array.from(new DataLoader({ nSamples: 10 }, { batchSize: 10, shuffle: true, seed: 0 }).epoch()[0])).toEqual(
      Array.from(new RandomState(0).permutation(10)),
    );
  });

  it('nextBatch streams across epochs, starting a new permutation when one is used up', () => {
    const loader = new DataLoader({ nSamples: 5 }, { batchSize: 2, shuffle: true, seed: 3 });
    const rng = new RandomState(3);
    const first = Array.from(rng.permutation(5));
    const second = Array.from(rng.permutation(5));
    const got = Array.from({ length: 6 }, () => Array.from(loader.nextBatch()));
    expect(got).toEqual([
      first.slice(0, 2),
      first.slice(2, 4),
      first.slice(4),
      second.slice(0, 2),
      second.slice(2, 4),
      second.slice(4),
    ]);
    const dropping = new DataLoader({ nSamples: 5 }, { batchSize: 2, dropLast: true });
    expect(Array.from({ length: 3 }, () => Array.from(dropping.nextBatch()))).toEqual([
      [0, 1],
      [2, 3],
      [0, 1],
    ]);
  });

  it('the same seed gives the same batches; another seed does not', () => {
    const a = new DataLoader({ nSamples: 50 }, { batchSize: 8, shuffle: true, seed: 1 });
    const b = new DataLoader({ nSamples: 50 }, { batchSize: 8, shuffle: true, seed: 1 });
    const c = new DataLoader({ nSamples: 50 }, { batchSize: 8, shuffle: true, seed: 2 });
    expect(toArrays(a.epoch())).toEqual(toArrays(b.epoch()));
    expect(toArrays(a.epoch())).not.toEqual(toArrays(c.epoch()));
  });

  it('validates its options and refuses to stream when no batch fits', () => {
    expect(() => new DataLoader({ nSamples: 0 })).toThrow(
      'DataLoader: dataset.nSamples must be an integer >= 1, got 0',
    );
    expect(() => new DataLoader({ nSamples: 4 }, { batchSize: 0 })).toThrow(
      'DataLoader: batchSize must be an integer >= 1, got 0',
    );
    expect(() => new DataLoader({ nSamples: 4 }, { seed: -3 })).toThrow(
      'DataLoader: seed must be an integer in [0, 4294967295], got -3',
    );
    const empty = new DataLoader({ nSamples: 4 }, { batchSize: 5, dropLast: true });
    expect(empty.length).toBe(0);
    expect(empty.epoch()).toEqual([]);
    expect(() => empty.nextBatch()).toThrow(
      'DataLoader.nextBatch: no batch fits: with dropLast, batchSize (5) must be <= nSamples (4)',
    );
  });
});
