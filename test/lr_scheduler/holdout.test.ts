/**
 * The generator's `--variant holdout` cases (gen_torch_fixtures.py): same schedulers, other parameters,
 * not in the JSON. Each is built from its spec and stepped through; the lrs are checked against the
 * schedule's formula as PyTorch documents it, written out independently here.
 */
import { describe, expect, it } from 'vitest';
import {
  hasClosedForm,
  ReduceLROnPlateau,
  schedulerFromSpec,
  type SchedulerSpec,
} from '../../src/lr_scheduler/index.ts';
import { adam, expectClose, lrsOf, sgd } from './support.ts';
import type { SchedulableOptimizer } from '../../src/optim/param_group.ts';

interface HoldoutCase {
  name: string;
  optimizer: () => SchedulableOptimizer;
  spec: SchedulerSpec;
  steps: number;
  metrics?: number[];
  /** lr of group g after k steps; momentum too where cycled. */
  expected: (k: number, g: number, baseLr: number) => number;
  expectedMomentum?: (k: number, g: number) => number;
}

const cosAnneal = (start: number, end: number, pct: number): number =>
  (start + end) / 2 + ((start - end) / 2) * Math.cos(Math.PI * pct);
const count = (list: number[], k: number): number => list.filter((m) => m <= k).length;

function sgdrPosition(k: number, t0: number, tMult: number): [number, number] {
  let tCur = k;
  let tI = t0;
  while (tCur >= tI) {
    tCur -= tI;
    tI *= tMult;
  }
  return [tCur, tI];
}

/** numpy's default_rng is not at hand: the same shape of metric (improving, flat, noisy, improving). */
function plateauMetrics(n: number, seed: number): number[] {
  let state = seed;
  const random = (): number => (state = (state * 48271) % 2147483647) / 2147483647;
  const metrics: number[] = [];
  let v = 1.0;
  for (let i = 0; i < n; i++) {
    if (i < Math.floor(n / 4)) v *= 0.97;
    else if (i < Math.floor(n / 2)) v *= 1.0;
    else if (i < Math.floor((3 * n) / 4)) v *= 0.999 + 0.002 * random();
    else v *= 0.995;
    metrics.push(v + (i % 7 ? 0.0 : 1e-5));
  }
  return metrics;
}

/** ReduceLROnPlateau as its documentation states it, for one group. */
function plateauReference(
  metrics: number[],
  lr0: number,
  o: {
    mode: 'min' | 'max';
    factor: number;
    patience: number;
    threshold: number;
    thresholdMode: 'rel' | 'abs';
    cooldown: number;
    minLr: number;
  },
): number[] {
  const eps = 1e-8;
  let best = o.mode === 'min' ? Infinity : -Infinity;
  let bad = 0;
  let cooldownLeft = 0;
  let lr = lr0;
  const lrs = [lr];
  for (const m of metrics) {
    const dynamic =
      o.thresholdMode === 'rel'
        ? best * (o.mode === 'min' ? 1 - o.threshold : 1 + o.threshold)
        : best + (o.mode === 'min' ? -o.threshold : o.threshold);
    const better = o.mode === 'min' ? m < dynamic : m > dynamic;
    if (better) {
      best = m;
      bad = 0;
    } else bad++;
    if (cooldownLeft > 0) {
      cooldownLeft--;
      bad = 0;
    }
    if (bad > o.patience) {
      const reduced = Math.max(lr * o.factor, o.minLr);
      if (lr - reduced > eps) lr = reduced;
      cooldownLeft = o.cooldown;
      bad = 0;
    }
    lrs.push(lr);
  }
  return lrs;
}

const hPlateauMetrics = plateauMetrics(150, 7);
const hPlateauMaxRelMetrics = Array.from(
  { length: 100 },
  (_, i) => 0.9 - 0.5 * Math.exp(-i / 10.0) + (i % 3 === 0 ? 0.01 : 0),
);
const hPlateauRef = plateauReference(hPlateauMetrics, 0.01, {
  mode: 'min',
  factor: 0.7,
  patience: 2,
  threshold: 0.05,
  thresholdMode: 'rel',
  cooldown: 1,
  minLr: 1e-4,
});
const hPlateauMaxRelRef = plateauReference(hPlateauMaxRelMetrics, 0.01, {
  mode: 'max',
  factor: 0.5,
  patience: 4,
  threshold: 0.02,
  thresholdMode: 'rel',
  cooldown: 0,
  minLr: 0,
});

const HOLDOUT: HoldoutCase[] = [
  {
    name: 'h_steplr',
    optimizer: () => adam(0.3, 0.02, 1e-5),
    spec: { type: 'StepLR', args: { step_size: 13, gamma: 0.7 } },
    steps: 90,
    expected: (k, _g, b) => b * 0.7 ** Math.floor(k / 13),
  },
  {
    name: 'h_multistep',
    optimizer: () => adam(0.01),
    spec: { type: 'MultiStepLR', args: { milestones: [3, 3, 3, 17, 60], gamma: 0.5 } },
    steps: 70,
    expected: (k, _g, b) => b * 0.5 ** count([3, 3, 3, 17, 60], k),
  },
  {
    name: 'h_exponential',
    optimizer: () => adam(0.1),
    spec: { type: 'ExponentialLR', args: { gamma: 0.999 } },
    steps: 400,
    expected: (k, _g, b) => b * 0.999 ** k,
  },
  {
    name: 'h_cosine_long',
    optimizer: () => adam(0.05),
    spec: { type: 'CosineAnnealingLR', args: { T_max: 7, eta_min: 0.001 } },
    steps: 100,
    expected: (k, _g, b) => 0.001 + ((b - 0.001) * (1 + Math.cos((Math.PI * k) / 7))) / 2,
  },
  {
    name: 'h_plateau',
    optimizer: () => adam(0.01),
    spec: {
      type: 'ReduceLROnPlateau',
      args: { mode: 'min', factor: 0.7, patience: 2, threshold: 0.05, cooldown: 1, min_lr: 1e-4 },
    },
    steps: 150,
    metrics: hPlateauMetrics,
    expected: (k) => hPlateauRef[k],
  },
  {
    name: 'h_plateau_max_rel',
    optimizer: () => adam(0.01),
    spec: {
      type: 'ReduceLROnPlateau',
      args: { mode: 'max', factor: 0.5, patience: 4, threshold: 0.02, threshold_mode: 'rel' },
    },
    steps: 100,
    metrics: hPlateauMaxRelMetrics,
    expected: (k) => hPlateauMaxRelRef[k],
  },
  {
    name: 'h_lambda_inv_sqrt',
    optimizer: () => adam(0.001),
    spec: { type: 'LambdaLR', args: { lr_lambda: 'min((epoch + 1) / 8, sqrt(8 / (epoch + 1)))' } },
    steps: 80,
    expected: (k, _g, b) => b * Math.min((k + 1) / 8, Math.sqrt(8 / (k + 1))),
  },
  {
    name: 'h_lambda_groups',
    optimizer: () => adam(0.1, 0.01, 0.5),
    spec: { type: 'LambdaLR', args: { lr_lambda: ['0.5 ** floor(epoch / 5)', '0.1', 'min(1, (epoch + 1) / 4)'] } },
    steps: 30,
    expected: (k, g, b) => b * [0.5 ** Math.floor(k / 5), 0.1, Math.min(1, (k + 1) / 4)][g],
  },
  {
    name: 'h_linear_decay',
    optimizer: () => adam(0.01),
    spec: { type: 'LinearLR', args: { start_factor: 1.0, end_factor: 0.05, total_iters: 25 } },
    steps: 40,
    expected: (k, _g, b) => b * (1 - (0.95 * Math.min(k, 25)) / 25),
  },
  {
    name: 'h_polynomial',
    optimizer: () => adam(0.01),
    spec: { type: 'PolynomialLR', args: { total_iters: 17, power: 0.5 } },
    steps: 25,
    expected: (k, _g, b) => b * Math.sqrt(1 - Math.min(k, 17) / 17),
  },
  {
    name: 'h_cyclic_tri2',
    optimizer: () => sgd(0.8, 0.01, 0.001),
    spec: {
      type: 'CyclicLR',
      args: { base_lr: [0.0001, 0.001], max_lr: [0.1, 0.05], step_size_up: 3, step_size_down: 7, mode: 'triangular2' },
    },
    steps: 80,
    expected: (k, g) => {
      const cycle = Math.floor(k / 10) + 1;
      const p = k - 10 * (cycle - 1);
      const height = p <= 3 ? p / 3 : (10 - p) / 7;
      const [base, max] = [
        [0.0001, 0.1],
        [0.001, 0.05],
      ][g];
      return base + (max - base) * height * 0.5 ** (cycle - 1);
    },
    expectedMomentum: (k) => {
      const cycle = Math.floor(k / 10) + 1;
      const p = k - 10 * (cycle - 1);
      const height = p <= 3 ? p / 3 : (10 - p) / 7;
      return 0.9 - 0.1 * height * 0.5 ** (cycle - 1);
    },
  },
  {
    name: 'h_onecycle',
    optimizer: () => sgd(0.9, 0.01),
    spec: { type: 'OneCycleLR', args: { max_lr: 0.2, epochs: 5, steps_per_epoch: 9, pct_start: 0.4 } },
    steps: 45,
    expected: (k) => {
      const initial = 0.2 / 25;
      // warm-up ends at step 0.4 * 45 - 1 = 17; the last phase ends at 44 and runs on to 45.
      return k <= 17 ? cosAnneal(initial, 0.2, k / 17) : cosAnneal(0.2, initial / 1e4, (k - 17) / 27);
    },
    expectedMomentum: (k) => (k <= 17 ? cosAnneal(0.95, 0.85, k / 17) : cosAnneal(0.85, 0.95, (k - 17) / 27)),
  },
  {
    name: 'h_warm_restarts',
    optimizer: () => adam(0.01),
    spec: { type: 'CosineAnnealingWarmRestarts', args: { T_0: 3, T_mult: 3 } },
    steps: 60,
    expected: (k, _g, b) => {
      const [tCur, tI] = sgdrPosition(k, 3, 3);
      return (b * (1 + Math.cos((Math.PI * tCur) / tI))) / 2;
    },
  },
  {
    name: 'h_sequential',
    optimizer: () => adam(0.01),
    spec: {
      type: 'SequentialLR',
      args: {
        schedulers: [
          { type: 'ConstantLR', args: { factor: 0.5, total_iters: 4 } },
          { type: 'ExponentialLR', args: { gamma: 0.9 } },
          { type: 'StepLR', args: { step_size: 5, gamma: 0.3 } },
        ],
        milestones: [6, 20],
      },
    },
    steps: 40,
    expected: (k, _g, b) =>
      k < 6 ? b * (k < 4 ? 0.5 : 1) : k < 20 ? b * 0.9 ** (k - 6) : b * 0.3 ** Math.floor((k - 20) / 5),
  },
  {
    name: 'h_chained',
    optimizer: () => adam(0.01),
    spec: {
      type: 'ChainedScheduler',
      args: {
        schedulers: [
          { type: 'LinearLR', args: { start_factor: 0.2, total_iters: 5 } },
          { type: 'MultiStepLR', args: { milestones: [10, 20], gamma: 0.2 } },
        ],
      },
    },
    steps: 30,
    expected: (k, _g, b) => b * (0.2 + (0.8 * Math.min(k, 5)) / 5) * 0.2 ** count([10, 20], k),
  },
];

describe('holdout variants of the fixture (gen_torch_fixtures.py --variant holdout)', () => {
  it.each(HOLDOUT.map((c) => [c.name, c] as const))('%s follows its documented formula', (_name, c) => {
    const optimizer = c.optimizer();
    const baseLrs = lrsOf(optimizer);
    const scheduler = schedulerFromSpec(optimizer, c.spec);
    const scale = Math.max(...baseLrs, 0.2);
    const check = (k: number): void => {
      lrsOf(optimizer).forEach((lr, g) => {
        expect(Number.isFinite(lr) && lr >= 0).toBe(true);
        expectClose(lr, c.expected(k, g, baseLrs[g]), 1e-10, 1e-14 * scale, `${c.name} lr[${g}] after ${k} steps`);
        if (c.expectedMomentum)
          expectClose(
            optimizer.paramGroups[g].momentum as number,
            c.expectedMomentum(k, g),
            1e-12,
            0,
            `${c.name} momentum`,
          );
      });
      if (hasClosedForm(scheduler) && c.spec.type !== 'ChainedScheduler') {
        scheduler
          .lrAt(k)
          .forEach((lr, g) =>
            expectClose(lr, c.expected(k, g, baseLrs[g]), 1e-10, 1e-14 * scale, `${c.name} lrAt(${k})`),
          );
      }
    };
    check(0);
    for (let k = 1; k <= c.steps; k++) {
      if (scheduler instanceof ReduceLROnPlateau) scheduler.step((c.metrics as number[])[k - 1]);
      else scheduler.step();
      check(k);
    }
  });

  it('the plateau references do reduce the lr (the checks above are not vacuous)', () => {
    expect(Math.min(...hPlateauRef)).toBeLessThan(0.01);
    expect(Math.min(...hPlateauMaxRelRef)).toBeLessThan(0.01);
  });
});
