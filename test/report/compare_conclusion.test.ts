import { describe, expect, it } from 'vitest';
import { seedBand, smoothCentred, stat } from '../../src/report/compare.ts';
import { conclude, lead, type ConclusionEntry } from '../../src/report/compare_conclusion.ts';

const entry = (label: string, steps: (number | null)[], finalLoss: number[], accuracy: number[]): ConclusionEntry => ({
  label,
  steps,
  finalLoss,
  accuracy,
  diverged: 0,
  failed: 0,
});

describe('the conclusion of a comparison', () => {
  it('a lead beyond the seed spread: the ranges over the seeds do not overlap', () => {
    const c = conclude({
      metric: 'val_loss',
      target: 0.1,
      strategies: [
        { ...entry('slow', [200, 210, 190, 205, 195], [0.09, 0.1, 0.095, 0.092, 0.098], [0.9, 0.91, 0.9, 0.9, 0.9]) },
        {
          ...entry(
            'fast',
            [100, 110, 120, 105, 115],
            [0.05, 0.06, 0.055, 0.052, 0.058],
            [0.97, 0.98, 0.97, 0.98, 0.97],
          ),
          epochs: [2, 2.2, 2.4, 2.1, 2.3],
        },
      ],
    });
    expect(c.fastest).toEqual({
      strategy: 'fast',
      mean: 110,
      range: [100, 120],
      runnerUp: 'slow',
      runnerUpMean: 200,
      runnerUpRange: [190, 210],
      beyondSpread: true,
      beats: ['slow'],
      epochs: (2 + 2.2 + 2.4 + 2.1 + 2.3) / 5,
    });
    expect(c.lowestLoss?.strategy).toBe('fast');
    expect(c.lowestLoss?.mean).toBeCloseTo(0.275 / 5, 15);
    expect(c.lowestLoss?.beyondSpread).toBe(true); // 0.05–0.06 against 0.09–0.1
    expect(c.bestAccuracy?.strategy).toBe('fast'); // the higher the better: 97.4 % against 90.2 %
    expect(c.bestAccuracy?.mean).toBeCloseTo(0.974, 15);
    expect(c.bestAccuracy?.beyondSpread).toBe(true);
    expect(c.text[0]).toBe(
      'Fastest to val loss ≤ 0.1: fast, 110 steps on average (2.2 epochs), against 200 for slow, the runner-up: ' +
        'a lead beyond the seed spread (seed ranges 100–120 against 190–210 do not overlap).',
    );
    expect(c.text[1]).toBe(
      'Lowest final val loss: fast, 0.055 on average, against 0.095 for slow: a lead beyond the seed spread ' +
        '(seed ranges 0.05–0.06 against 0.09–0.1 do not overlap).',
    );
    expect(c.text[2]).toBe('Beyond the seed spread, it ends lower than slow.');
    expect(c.text).toContain('Every strategy reached the target in every run; none diverged.');
  });

  it('within the noise: overlapping ranges, even with a better mean', () => {
    const c = conclude({
      metric: 'loss',
      target: 0.05,
      strategies: [
        entry('a', [100, 150, 120, 130, 110], [0.04, 0.05, 0.045, 0.06, 0.041], [0.99, 0.99, 0.98, 0.99, 0.99]),
        entry('b', [140, 115, 135, 125, 130], [0.043, 0.047, 0.044, 0.046, 0.045], [0.99, 0.98, 0.98, 0.99, 0.99]),
      ],
    });
    // Means 122 against 129; ranges 100–150 and 115–140 overlap.
    expect([c.fastest?.strategy, c.fastest?.mean, c.fastest?.runnerUpMean, c.fastest?.beyondSpread]).toEqual([
      'a',
      122,
      129,
      false,
    ]);
    expect(c.fastest?.beats).toEqual([]);
    expect(c.text[0]).toBe(
      'Fastest to training loss ≤ 0.05: a, 122 steps on average, against 129 for b, the runner-up: ' +
        'within the noise (seed ranges 100–150 against 115–140 overlap).',
    );
    // Mean final loss 0.045 (b) against 0.0472 (a): b is lowest, but 0.043–0.047 lies inside 0.04–0.06.
    expect(c.lowestLoss?.strategy).toBe('b');
    expect(c.lowestLoss?.beyondSpread).toBe(false);
  });

  it('strategies that never or only sometimes reach the target, diverge or fail are named and not ranked', () => {
    const c = conclude({
      metric: 'val_loss',
      target: 0.1,
      strategies: [
        entry('never', [null, null, null], [0.3, 0.31, 0.32], [0.8, 0.8, 0.8]),
        entry('sometimes', [10, null, 12], [0.08, 0.12, 0.09], [0.95, 0.9, 0.95]),
        { ...entry('blown', [null, 50, 60], [0.2, 0.2], [0.9, 0.9]), diverged: 1 },
        entry('steady', [80, 90, 100], [0.07, 0.08, 0.09], [0.96, 0.96, 0.96]),
      ],
    });
    expect(c.fastest?.strategy).toBe('steady'); // 'sometimes' is quicker, but reached the target in 2 of 3 runs
    expect(c.fastest?.runnerUp).toBeNull();
    expect(c.fastest?.beyondSpread).toBeNull();
    expect(c.neverReached).toEqual(['never']);
    expect(c.partlyReached).toEqual([
      { strategy: 'sometimes', reached: 2, runs: 3 },
      { strategy: 'blown', reached: 2, runs: 3 },
    ]);
    expect(c.diverged).toEqual([{ strategy: 'blown', runs: 1, of: 3 }]);
    // 'blown' (final loss 0.2 on its two finished runs) is left out of the final-loss ranking: it diverged once.
    expect(c.lowestLoss?.strategy).toBe('steady');
    expect(c.text.join(' ')).toContain(
      'never never reached val loss ≤ 0.1; ' +
        'sometimes reached the target in 2 of 3 runs only (left out of the ranking); ' +
        'blown reached the target in 2 of 3 runs only (left out of the ranking); blown diverged in 1 of 3 runs.',
    );
  });

  it('one seed: whether a lead exceeds the spread cannot be told', () => {
    const l = lead([
      { label: 'x', values: [1] },
      { label: 'y', values: [5] },
    ]);
    expect([l?.strategy, l?.beyondSpread, l?.beats]).toEqual(['x', null, []]);
  });
});

describe('curves over seeds', () => {
  it('smoothCentred is a centred moving average whose window shrinks symmetrically at the ends', () => {
    const v = [1, 2, 4, 8, 16, 32];
    // Half-width 2: index 0 itself, index 1 the mean of 0..2, index 2 of 0..4, index 3 of 1..5, 4 of 3..5, 5 itself.
    expect(smoothCentred(v, 2)).toEqual([1, 7 / 3, 31 / 5, 62 / 5, 56 / 3, 32]);
    expect(smoothCentred(v, 0)).toEqual(v);
    // A straight line is not shifted (a trailing average would lag it by h).
    expect(smoothCentred([0, 1, 2, 3, 4, 5, 6], 3)).toEqual([0, 1, 2, 3, 4, 5, 6]);
  });

  it('seedBand: each seed smoothed, then the median and min–max over the seeds at each point', () => {
    const seeds = [
      [1, 5, 3],
      [2, 2, 2],
      [9, 0, 6],
    ];
    // Smoothed with half-width 1: [1, 3, 3], [2, 2, 2], [9, 5, 6].
    expect(seedBand(seeds, 1)).toEqual({ median: [2, 3, 3], low: [1, 2, 2], high: [9, 5, 6] });
    // A shorter (diverged) run drops out where it ends.
    expect(seedBand([[1, 2, 3], [5]], 0)).toEqual({ median: [3, 2, 3], low: [1, 2, 3], high: [5, 2, 3] });
  });

  it('stat: mean, sample sd, min, max, median', () => {
    expect(stat([3, 1, 4, 1])).toEqual({ mean: 2.25, sd: Math.sqrt(6.75 / 3), min: 1, max: 4, median: 2, n: 4 });
    expect(stat([5])).toEqual({ mean: 5, sd: 0, min: 5, max: 5, median: 5, n: 1 });
  });
});
