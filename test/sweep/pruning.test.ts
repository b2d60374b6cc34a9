import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createPruningOracle, nanPercentile } from '../../src/sweep/pruning.ts';
import type { PrunerSpec, PruningOracle } from '../../src/sweep/types.ts';

type Fate = ReturnType<PruningOracle['fate']>;
const FINAL: Fate = { prunedAt: null, final: true };
const OPEN: Fate = { prunedAt: null, final: false };

/** Feeds the curves trial after trial (report k of a curve at step 10k), each trial finished, and reads every fate. */
function sequential(oracle: PruningOracle, curves: number[][], failed: number[] = []): Fate[] {
  curves.forEach((curve, i) => {
    curve.forEach((value, k) => oracle.report(i, 10 * (k + 1), value));
    oracle.finish(i, failed.includes(i));
  });
  return curves.map((_, i) => oracle.fate(i));
}

const median = (over: Partial<Extract<PrunerSpec, { type: 'median' }>> = {}): PrunerSpec => ({
  type: 'median',
  n_startup_trials: 2,
  n_warmup_steps: 0,
  interval_steps: 1,
  ...over,
});
const asha = (over: Partial<Extract<PrunerSpec, { type: 'asha' }>> = {}): PrunerSpec => ({
  type: 'asha',
  reduction_factor: 2,
  grace_period: 1,
  max_t: null,
  ...over,
});

describe('nanPercentile', () => {
  it('is numpy’s nanpercentile (method linear), bit for bit', () => {
    // Values printed by numpy 2.4: np.nanpercentile(values, q).
    expect(nanPercentile([0.1, 0.2, 0.7], 75)).toBe(0.44999999999999996);
    expect(nanPercentile([-0.1, -0.2, -0.7], 75)).toBe(-0.15000000000000002);
    expect(nanPercentile([Number.NaN, 2, 1], 50)).toBe(1.5);
    expect(nanPercentile([0.3, 0.1, 0.2, 0.4], (1 - 1 / 3) * 100)).toBe(0.3);
    expect(nanPercentile([0.1, 0.29, 0.3, 0.5], 50)).toBe(0.295);
    expect(nanPercentile([5], 75)).toBe(5);
    expect(nanPercentile([1, Number.POSITIVE_INFINITY], 50)).toBeNaN();
    expect(nanPercentile([Number.NaN], 50)).toBeNaN();
  });
});

// Median pruner curves, reports at steps s = 10, 20, 30, 40, 50 (minimize). With n_startup_trials 2, trials 0 and 1
// complete; the median of two values is their midpoint, here (1 - s/100 + 0.8) / 2 = 0.9 - s/200:
// 0.85, 0.80, 0.75, 0.70, 0.65.
const steps = [10, 20, 30, 40, 50];
const MEDIAN_CURVES = [
  steps.map((s) => 1 - s / 100), // 0: 0.9 … 0.5
  steps.map(() => 0.8), // 1: flat
  steps.map((s) => 0.66 + s / 200), // 2: 0.71 rising; best 0.71 > 0.70 first at s = 40 → pruned at 40
  steps.map(() => 0.76), // 3: 0.76 > 0.75 at s = 30 → pruned at 30 (trial 2, pruned, does not count)
  steps.map((s) => 0.5 - s / 1000), // 4: 0.49 … 0.45, below every median → complete
  [Number.NaN, 0.1, 0.1, 0.1, 0.1], // 5: best nanmin([NaN]) = NaN at s = 10 → pruned at 10
  [0.69, Number.NaN, 0.9, 0.95, 1], // 6: complete 0, 1, 4 → medians {0.9,0.8,0.49}=0.8, {0.8,0.8,0.48}=0.8,
  //    {0.7,0.8,0.47}=0.7, {0.6,0.8,0.46}=0.6: best 0.69 > 0.6 at s = 40 → pruned at 40
];

describe('median pruner (Optuna’s MedianPruner)', () => {
  it('prunes each trial at the step derived by hand, minimizing', () => {
    expect(sequential(createPruningOracle(median(), 'min', 10, 5), MEDIAN_CURVES)).toEqual([
      FINAL,
      FINAL,
      { prunedAt: 40 },
      { prunedAt: 30 },
      FINAL,
      { prunedAt: 10 },
      { prunedAt: 40 },
    ]);
  });

  it('takes the same decisions on the mirror image x ↦ 1 − x, maximizing', () => {
    // Mirroring swaps min and max and the median of the mirrored values is the mirrored median (percentile
    // 100 − 50 = 50); every margin above is at least 0.01, far above rounding.
    const mirrored = MEDIAN_CURVES.map((curve) => curve.map((v) => 1 - v));
    expect(sequential(createPruningOracle(median(), 'max', 10, 5), mirrored)).toEqual([
      FINAL,
      FINAL,
      { prunedAt: 40 },
      { prunedAt: 30 },
      FINAL,
      { prunedAt: 10 },
      { prunedAt: 40 },
    ]);
  });

  it('checks only past the warm-up, at the first report of each interval', () => {
    // n_warmup_steps 25, interval_steps 20: s = 10, 20 are warm-up; s = 30 checks (nearest lower pruning step
    // ⌊(30−25)/20⌋·20+25 = 25 > 20, the step before); s = 40 does not (25 ≤ 30); s = 50 checks (45 > 40).
    // 2: 0.71 > 0.75 no at 30; 0.71 > 0.65 at 50 → pruned at 50.  3: 0.76 > 0.75 at 30 → pruned at 30.
    // 5: first check at 30 with best nanmin(NaN, 0.1, 0.1) = 0.1 → complete.
    // 6: complete 0, 1, 4, 5 at s = 30: {0.7, 0.8, 0.47, 0.1} → median (0.47 + 0.7)/2 = 0.585 < 0.69 → pruned at 30.
    const oracle = createPruningOracle(median({ n_warmup_steps: 25, interval_steps: 20 }), 'min', 10, 5);
    expect(sequential(oracle, MEDIAN_CURVES)).toEqual([
      FINAL,
      FINAL,
      { prunedAt: 50 },
      { prunedAt: 30 },
      FINAL,
      FINAL,
      { prunedAt: 30 },
    ]);
  });

  it('waits for n_startup_trials complete trials', () => {
    // n_startup_trials 3: trial 2 sees two. Trial 3 sees 0, 1, 2, medians {0.9,0.8,0.71}, {0.8,0.8,0.76},
    // {0.7,0.8,0.81}, {0.6,0.8,0.86}, {0.5,0.8,0.91} = 0.8 each: 0.76 < 0.8 → complete. Trial 6 sees 0 … 4:
    // sorted medians at s = 10 … 50 are all 0.76 ({.49,.71,.76,.8,.9}, {.48,.76,.76,.8,.8}, {.47,.7,.76,.8,.81},
    // {.46,.6,.76,.8,.86}, {.45,.5,.76,.8,.91}): 0.69 < 0.76 → complete.
    const oracle = createPruningOracle(median({ n_startup_trials: 3 }), 'min', 10, 5);
    expect(sequential(oracle, MEDIAN_CURVES)).toEqual([FINAL, FINAL, FINAL, FINAL, FINAL, { prunedAt: 10 }, FINAL]);
  });

  it('does not count a failed trial as complete', () => {
    // Trial 1 fails: trial 2 sees one complete trial (< 2) → complete. Trial 3 sees 0 and 2: midpoints
    // (0.9+0.71)/2 = 0.805, (0.8+0.76)/2 = 0.78, (0.7+0.81)/2 = 0.755 < 0.76 → pruned at 30.
    const oracle = createPruningOracle(median(), 'min', 10, 5);
    const fates = sequential(oracle, MEDIAN_CURVES.slice(0, 4), [1]);
    expect(fates).toEqual([FINAL, FINAL, FINAL, { prunedAt: 30 }]);
  });

  it('answers “not known yet” until every earlier trial has ended', () => {
    const oracle = createPruningOracle(median(), 'min', 10, 5);
    MEDIAN_CURVES[3].forEach((v, k) => oracle.report(3, 10 * (k + 1), v));
    oracle.finish(3);
    for (const i of [0, 1, 2]) MEDIAN_CURVES[i].forEach((v, k) => oracle.report(i, 10 * (k + 1), v));
    expect(oracle.fate(3)).toEqual(OPEN);
    oracle.finish(0);
    oracle.finish(1);
    // Trial 2 is pruned at 40 (known now), so trial 3 is judged against 0 and 1 alone.
    expect(oracle.fate(2)).toEqual({ prunedAt: 40 });
    expect(oracle.fate(3)).toEqual({ prunedAt: 30 });
  });
});

// ASHA, reduction factor 2, grace period 1, max_t = 8 evaluations (report k at step 10k): MAX_RUNGS =
// int(log(8)/log(2) + 1) = 4, milestones 8, 4, 2, 1; q = (1 − 1/2)·100 = 50, so a cutoff is a median. Evaluations
// 1, 2 and 4 are judged against the rewards recorded there before; evaluation 8 ≥ max_t stops (the end).
const k8 = [1, 2, 3, 4, 5, 6, 7, 8];
const ASHA_CURVES = [
  k8.map((k) => k / 10), // 0: records 0.1 at 1, 0.2 at 2, 0.4 at 4 → complete
  k8.map(() => 0.5), // 1: cutoffs 0.1, 0.2, 0.4, never above 0.5 → complete
  k8.map((k) => 0.3 - k / 100), // 2: rung 1 {0.1, 0.5} → 0.3 > 0.29 → pruned at 10
  [0.3, 0.36, 0.37, 0.38, 0.39, 0.4, 0.41, 0.42], // 3: rung 1 {0.1,0.5,0.29} → 0.29 ≤ 0.3; rung 2 {0.2,0.5} → 0.35
  //    ≤ 0.36; rung 4 {0.4, 0.5} → 0.45 > 0.38 → pruned at 40 (0.38 stays recorded at rung 4)
  [0.6, 0.35, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5], // 4: rung 1 {.1,.29,.3,.5} → 0.295; rung 2 {.2,.5,.36} → 0.36 > 0.35
  //    → pruned at 20
  [0.9, 0.9, 0.9, 0.42, 0.42, 0.42, 0.42, 0.42], // 5: rung 4 {0.4, 0.5, 0.38} → 0.4 ≤ 0.42 → complete (without
  //    trial 3's 0.38 the cutoff would be 0.45)
];

describe('ASHA (Ray Tune’s AsyncHyperBandScheduler)', () => {
  it('stops each trial at the rung derived by hand, maximizing', () => {
    expect(sequential(createPruningOracle(asha(), 'max', 10, 8), ASHA_CURVES)).toEqual([
      FINAL,
      FINAL,
      { prunedAt: 10 },
      { prunedAt: 40 },
      { prunedAt: 20 },
      FINAL,
    ]);
  });

  it('negates a loss, minimizing: the same decisions on the curves negated', () => {
    // Minimizing, the reward is −loss; with loss = −value the rewards are the values above, bit for bit.
    const negated = ASHA_CURVES.map((curve) => curve.map((v) => -v));
    expect(sequential(createPruningOracle(asha(), 'min', 10, 8), negated)).toEqual([
      FINAL,
      FINAL,
      { prunedAt: 10 },
      { prunedAt: 40 },
      { prunedAt: 20 },
      FINAL,
    ]);
  });

  it('reads rungs at grace_period · rf^k, the (1 − 1/rf) percentile, and stops at max_t', () => {
    // rf 3, grace 1, max_t 9 < 12 evaluations: MAX_RUNGS = int(log(9)/log(3) + 1) = 3, milestones 9, 3, 1;
    // q = 66.67 (virtual index (n−1)·2/3). Rewards are −loss.
    // 0: loss 1/k; no cutoff at 1 or 3; evaluation 9 ≥ max_t stops it, 3 evaluations early → pruned at 90.
    // 1: loss 0.5: rung 1 {−1} → −1 ≤ −0.5; rung 3 {−1/3} → −1/3 > −0.5 → pruned at 30.
    // 2: loss 0.8: rung 1 {−1, −0.5} → −0.5 − 0.5·(1/3) = −0.667 > −0.8 → pruned at 10.
    // 3: loss 0.2: rung 1 {−1,−0.8,−0.5} → −0.8 + 0.3·(1/3) = −0.7 ≤ −0.2; rung 3 {−0.5, −1/3} → −0.389 ≤ −0.2;
    //    stopped at max_t → pruned at 90.
    // 4: loss 0.1 with 9 evaluations: rung 1 → −0.5, rung 3 → −0.289, both ≤ −0.1; its last evaluation is max_t
    //    → complete.
    const k12 = Array.from({ length: 12 }, (_, k) => k + 1);
    const curves = [k12.map((k) => 1 / k), k12.map(() => 0.5), k12.map(() => 0.8), k12.map(() => 0.2)];
    curves.push(k12.slice(0, 9).map(() => 0.1));
    const oracle = createPruningOracle(asha({ reduction_factor: 3, max_t: 9 }), 'min', 10, 12);
    expect(sequential(oracle, curves)).toEqual([
      { prunedAt: 90 },
      { prunedAt: 30 },
      { prunedAt: 10 },
      { prunedAt: 90 },
      FINAL,
    ]);
  });

  it('cuts at the (1 − 1/rf) percentile of what the rung held before the trial came', () => {
    // rf 4, grace 1, max_t 4: MAX_RUNGS = int(log(4)/log(4) + 1) = 2, milestones 4, 1; q = 75, virtual index
    // 0.75·(n − 1). Rung 1 (evaluation 1) only: 0: none; 1: {.1} → .1; 2: {.1,.2} → .2 − .1·.25 = .175;
    // 3: {.1,.2,.3} → .25; 4: {.1,.2,.3,.4} → .3 + .1·.25 = .325 > .3 → pruned at 10 (a median, .25, would keep
    // it); 5: {.1,.2,.3,.4,.3} → index 3 → .3 ≤ .33 → complete (with its own .33 counted the cutoff would be
    // .33 + .07·.75 = .3825 and prune it).
    const curves = [0.1, 0.2, 0.3, 0.4, 0.3, 0.33].map((v) => [v, v, v, v]);
    expect(sequential(createPruningOracle(asha({ reduction_factor: 4, max_t: 4 }), 'max', 10, 4), curves)).toEqual([
      FINAL,
      FINAL,
      FINAL,
      FINAL,
      { prunedAt: 10 },
      FINAL,
    ]);
  });

  it('starts the rungs at grace_period', () => {
    // rf 2, grace 2, max_t 8: MAX_RUNGS = int(log(4)/log(2) + 1) = 3, milestones 8, 4, 2. Trial 1's 0.1 at
    // evaluation 1 is never judged; at evaluation 2, 0.6 ≥ 0.5 → complete. With grace 1 it is pruned at 10.
    const curves = [k8.map(() => 0.5), [0.1, ...k8.slice(1).map(() => 0.6)]];
    expect(sequential(createPruningOracle(asha({ grace_period: 2 }), 'max', 10, 8), curves)).toEqual([FINAL, FINAL]);
    expect(sequential(createPruningOracle(asha(), 'max', 10, 8), curves)).toEqual([FINAL, { prunedAt: 10 }]);
  });

  it('records a finished trial’s last result at a rung it skipped (on_trial_complete)', () => {
    // Trial 0 reports at evaluations 1 and 5 only: 0.1 at rung 1, 0.9 at rung 4 (5 ≥ 4); at its end Ray replays
    // the last result, which lands at rung 2, still empty for it. Trial 1 at evaluation 2 then meets cutoff 0.9.
    const oracle = createPruningOracle(asha(), 'max', 10, 8);
    oracle.report(0, 10, 0.1);
    oracle.report(0, 50, 0.9);
    oracle.report(1, 10, 0.5);
    oracle.report(1, 20, 0.5);
    expect(oracle.fate(1)).toEqual(OPEN);
    oracle.finish(0);
    expect(oracle.fate(0)).toEqual(FINAL);
    expect(oracle.fate(1)).toEqual({ prunedAt: 20 });
  });

  it('judges a trial at a rung once every earlier trial has reached it or ended', () => {
    const oracle = createPruningOracle(asha(), 'max', 10, 8);
    oracle.report(1, 10, 0.1);
    expect(oracle.fate(1)).toEqual(OPEN);
    oracle.report(0, 10, 0.5);
    // Rung 1 holds trial 0's 0.5 (a cutoff of 0.5 > 0.1): trial 1 is pruned while trial 0 runs on.
    expect(oracle.fate(1)).toEqual({ prunedAt: 10 });
    expect(oracle.fate(0)).toEqual(OPEN);
    // Trial 2 at rung 2 needs trial 0 there (trial 1 ended before it): not yet.
    oracle.report(2, 10, 0.7);
    oracle.report(2, 20, 0.7);
    expect(oracle.fate(2)).toEqual(OPEN);
    oracle.report(0, 20, 0.8);
    expect(oracle.fate(2)).toEqual({ prunedAt: 20 });
  });
});

describe('the oracle', () => {
  it('never prunes without a pruner, and a fate is final when the trial finishes', () => {
    const oracle = createPruningOracle(null, 'min', 10, 3);
    oracle.report(0, 10, Number.NaN);
    expect(oracle.fate(0)).toEqual(OPEN);
    oracle.finish(0);
    expect(oracle.fate(0)).toEqual(FINAL);
    expect(oracle.fate(5)).toEqual(OPEN);
  });

  it('refuses steps that do not ascend and reports after the end', () => {
    const oracle = createPruningOracle(null, 'min', 10, 3);
    oracle.report(0, 10, 1);
    expect(() => oracle.report(0, 10, 1)).toThrow('PruningOracle.report: steps must ascend (after 10), got step 10');
    oracle.finish(0);
    expect(() => oracle.report(0, 20, 1)).toThrow('PruningOracle.report: trial 0 has finished');
    expect(() => oracle.fate(-1)).toThrow('PruningOracle.fate');
    expect(() => createPruningOracle(null, 'min', 0, 3)).toThrow('createPruningOracle');
  });

  it('gives the same fates whatever order the reports arrive in (ascending within a trial)', () => {
    const value = fc.constantFrom(0.1, 0.2, 0.3, 0.4, 0.5, Number.NaN);
    const curves = fc.array(fc.array(value, { minLength: 1, maxLength: 6 }), { minLength: 1, maxLength: 7 });
    const pruner = fc.oneof(
      fc.constant(null),
      fc.record({
        type: fc.constant('median' as const),
        n_startup_trials: fc.integer({ min: 0, max: 3 }),
        n_warmup_steps: fc.integer({ min: 0, max: 30 }),
        interval_steps: fc.integer({ min: 1, max: 3 }),
      }),
      fc.record({
        type: fc.constant('asha' as const),
        reduction_factor: fc.constantFrom(2, 3, 4, 2.5),
        grace_period: fc.integer({ min: 1, max: 2 }),
        max_t: fc.option(fc.integer({ min: 2, max: 6 }), { nil: null }),
      }),
    );
    const setup = fc
      .tuple(curves, pruner, fc.constantFrom('min' as const, 'max' as const), fc.array(fc.boolean()))
      .chain(([cs, p, mode, failures]) => {
        // One token per report and one for the finish; a trial's tokens are taken in its own order.
        const tokens = cs.flatMap((c, i) => Array.from({ length: c.length + 1 }, () => i));
        return fc
          .shuffledSubarray(tokens, { minLength: tokens.length, maxLength: tokens.length })
          .map((order) => ({ cs, p, mode, failures, order }));
      });
    fc.assert(
      fc.property(setup, ({ cs, p, mode, failures, order }) => {
        const evals = Math.max(...cs.map((c) => c.length));
        const failed = cs.map((_, i) => failures[i] === true);
        const reference = sequential(
          createPruningOracle(p, mode, 10, evals),
          cs,
          cs.flatMap((_, i) => (failed[i] ? [i] : [])),
        );
        // Every fate is settled once everything is in.
        for (const fate of reference) expect(fate.prunedAt !== null || fate.final).toBe(true);
        const oracle = createPruningOracle(p, mode, 10, evals);
        const fed = cs.map(() => 0);
        for (const i of order) {
          if (fed[i] < cs[i].length) oracle.report(i, 10 * (fed[i] + 1), cs[i][fed[i]]);
          else oracle.finish(i, failed[i]);
          fed[i]++;
          // Whatever is known along the way is what is known at the end.
          cs.forEach((_, j) => {
            const fate = oracle.fate(j);
            if (fate.prunedAt !== null || fate.final) expect(fate).toEqual(reference[j]);
          });
        }
        expect(cs.map((_, i) => oracle.fate(i))).toEqual(reference);
      }),
      { numRuns: 300, seed: 16 },
    );
  });
});
