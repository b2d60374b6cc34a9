import { describe, expect, it } from 'vitest';
import { crPow } from '../../src/data/correctly_rounded_math.ts';
import {
  CosineAnnealingLR,
  CosineAnnealingWarmRestarts,
  CyclicLR,
  ExponentialLR,
  LambdaLR,
  LinearLR,
  ConstantLR,
  MultiplicativeLR,
  MultiStepLR,
  OneCycleLR,
  PolynomialLR,
  ReduceLROnPlateau,
  schedulerFromSpec,
  StepLR,
  SWALR,
  type AnyScheduler,
  type LRScheduler,
  type SchedulerSpec,
  type StateDict,
} from '../../src/lr_scheduler/index.ts';
import type { SchedulableOptimizer } from '../../src/optim/param_group.ts';
import { adam, expectAllClose, lrsOf, sgd, snapshotGroups } from './support.ts';

interface ResumeCase {
  name: string;
  optimizer: () => SchedulableOptimizer;
  scheduler: (optimizer: SchedulableOptimizer) => AnyScheduler;
  steps: number;
}

const metric = (i: number): number => 1 / (1 + (i % 17)) + (i > 40 ? 0.5 : 0);
const spec = (s: SchedulerSpec) => (optimizer: SchedulableOptimizer) => schedulerFromSpec(optimizer, s);

const CASES: ResumeCase[] = [
  {
    name: 'LambdaLR (expressions, one per group)',
    optimizer: () => adam(0.1, 0.01),
    scheduler: spec({ type: 'LambdaLR', args: { lr_lambda: ['0.97 ** epoch', 'min(1, (epoch + 1) / 10)'] } }),
    steps: 40,
  },
  {
    name: 'LambdaLR (a function)',
    optimizer: () => adam(0.1),
    scheduler: (o) => new LambdaLR(o, { lrLambda: (e) => 1 / (1 + e) }),
    steps: 30,
  },
  {
    name: 'MultiplicativeLR',
    optimizer: () => adam(0.1),
    scheduler: spec({ type: 'MultiplicativeLR', args: { lr_lambda: 'max(0.9, 1 - epoch / 100)' } }),
    steps: 40,
  },
  {
    name: 'StepLR',
    optimizer: () => adam(0.1, 0.02),
    scheduler: spec({ type: 'StepLR', args: { step_size: 4, gamma: 0.5 } }),
    steps: 30,
  },
  {
    name: 'MultiStepLR',
    optimizer: () => adam(0.1),
    scheduler: spec({ type: 'MultiStepLR', args: { milestones: [5, 9, 9, 20], gamma: 0.3 } }),
    steps: 30,
  },
  {
    name: 'ConstantLR',
    optimizer: () => adam(0.1),
    scheduler: spec({ type: 'ConstantLR', args: { factor: 0.3, total_iters: 7 } }),
    steps: 20,
  },
  {
    name: 'LinearLR',
    optimizer: () => adam(0.1),
    scheduler: spec({ type: 'LinearLR', args: { start_factor: 0.05, end_factor: 0.8, total_iters: 12 } }),
    steps: 20,
  },
  {
    name: 'ExponentialLR',
    optimizer: () => adam(0.1),
    scheduler: spec({ type: 'ExponentialLR', args: { gamma: 0.93 } }),
    steps: 30,
  },
  {
    name: 'PolynomialLR',
    optimizer: () => adam(0.1),
    scheduler: spec({ type: 'PolynomialLR', args: { total_iters: 15, power: 1.7 } }),
    steps: 20,
  },
  {
    name: 'CosineAnnealingLR',
    optimizer: () => adam(0.1, 0.03),
    scheduler: spec({ type: 'CosineAnnealingLR', args: { T_max: 9, eta_min: 0.001 } }),
    steps: 40,
  },
  {
    name: 'CosineAnnealingWarmRestarts',
    optimizer: () => adam(0.1),
    scheduler: spec({ type: 'CosineAnnealingWarmRestarts', args: { T_0: 3, T_mult: 2, eta_min: 1e-4 } }),
    steps: 40,
  },
  {
    name: 'CyclicLR (SGD momentum)',
    optimizer: () => sgd(0.9, 0.1, 0.05),
    scheduler: spec({
      type: 'CyclicLR',
      args: { base_lr: [0.001, 0.002], max_lr: 0.1, step_size_up: 4, step_size_down: 6, mode: 'triangular2' },
    }),
    steps: 40,
  },
  {
    name: 'CyclicLR (Adam beta1, custom scale_fn)',
    optimizer: () => adam(0.1),
    scheduler: spec({
      type: 'CyclicLR',
      args: { base_lr: 0.001, max_lr: 0.1, step_size_up: 5, scale_fn: '1 / (1 + x)', scale_mode: 'iterations' },
    }),
    steps: 40,
  },
  {
    name: 'OneCycleLR (SGD, three phases)',
    optimizer: () => sgd(0.9, 0.1, 0.05),
    scheduler: spec({ type: 'OneCycleLR', args: { max_lr: [0.5, 0.2], total_steps: 40, three_phase: true } }),
    steps: 40,
  },
  {
    name: 'OneCycleLR (Adam, linear)',
    optimizer: () => adam(0.1),
    scheduler: spec({
      type: 'OneCycleLR',
      args: { max_lr: 0.5, epochs: 4, steps_per_epoch: 10, anneal_strategy: 'linear' },
    }),
    steps: 40,
  },
  {
    name: 'ReduceLROnPlateau',
    optimizer: () => adam(0.1, 0.01),
    scheduler: spec({
      type: 'ReduceLROnPlateau',
      args: { factor: 0.5, patience: 2, cooldown: 1, min_lr: [0.001, 0.0001] },
    }),
    steps: 80,
  },
  {
    name: 'SequentialLR',
    optimizer: () => adam(0.1),
    scheduler: spec({
      type: 'SequentialLR',
      args: {
        schedulers: [
          { type: 'LinearLR', args: { start_factor: 0.1, total_iters: 5 } },
          { type: 'CosineAnnealingLR', args: { T_max: 10 } },
          { type: 'StepLR', args: { step_size: 3, gamma: 0.5 } },
        ],
        milestones: [5, 15],
      },
    }),
    steps: 30,
  },
  {
    name: 'ChainedScheduler',
    optimizer: () => adam(0.1),
    scheduler: spec({
      type: 'ChainedScheduler',
      args: {
        schedulers: [
          { type: 'ConstantLR', args: { factor: 0.5, total_iters: 3 } },
          { type: 'ExponentialLR', args: { gamma: 0.9 } },
        ],
      },
    }),
    steps: 30,
  },
  {
    name: 'SWALR',
    optimizer: () => sgd(0.9, 0.1),
    scheduler: spec({ type: 'SWALR', args: { swa_lr: 0.01, anneal_epochs: 8 } }),
    steps: 20,
  },
];

interface Trace {
  lr: number[][];
  momentum: (number | undefined)[][];
}

function momentumOf(optimizer: SchedulableOptimizer): (number | undefined)[] {
  return optimizer.paramGroups.map((g) => g.momentum ?? g.betas?.[0]);
}

function stepOnce(scheduler: AnyScheduler, i: number): void {
  if (scheduler instanceof ReduceLROnPlateau) scheduler.step(metric(i));
  else scheduler.step();
}

function runFrom(
  optimizer: SchedulableOptimizer,
  scheduler: AnyScheduler,
  from: number,
  to: number,
  trace: Trace,
): void {
  for (let i = from; i < to; i++) {
    stepOnce(scheduler, i);
    trace.lr.push(lrsOf(optimizer));
    trace.momentum.push(momentumOf(optimizer));
  }
}

describe('stateDict() / loadStateDict(): a saved scheduler continues bit-identically', () => {
  it.each(CASES.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const optimizer = c.optimizer();
    const uninterrupted = c.scheduler(optimizer);
    const reference: Trace = { lr: [lrsOf(optimizer)], momentum: [momentumOf(optimizer)] };
    runFrom(optimizer, uninterrupted, 0, c.steps, reference);

    for (const k of [0, 1, Math.floor(c.steps / 3), Math.floor((2 * c.steps) / 3), c.steps - 1]) {
      const savedOptimizer = c.optimizer();
      const saved = c.scheduler(savedOptimizer);
      runFrom(savedOptimizer, saved, 0, k, { lr: [], momentum: [] });
      const state: StateDict = JSON.parse(JSON.stringify(saved.stateDict()));
      const savedGroups = snapshotGroups(savedOptimizer);

      const optimizer2 = c.optimizer();
      const resumed = c.scheduler(optimizer2);
      optimizer2.paramGroups.forEach((group, i) => (group.lr = savedGroups[i].lr));
      resumed.loadStateDict(state);
      expect(resumed.getLastLr()).toEqual(saved.getLastLr());
      expect(resumed.stateDict()).toEqual(state);

      const continued: Trace = { lr: [], momentum: [] };
      runFrom(optimizer2, resumed, k, c.steps, continued);
      expect(continued.lr, `resumed at ${k}`).toEqual(reference.lr.slice(k + 1));
      expect(continued.momentum, `resumed at ${k}`).toEqual(reference.momentum.slice(k + 1));
      expect(resumed.getLastLr()).toEqual(reference.lr[c.steps]);
    }
  });

  it('an expression lambda is saved as its source and rebuilt; a function is not saved (as in PyTorch)', () => {
    const optimizer = adam(0.1);
    const scheduler = new LambdaLR(optimizer, { lrLambda: '0.9 ** epoch' });
    for (let i = 0; i < 5; i++) scheduler.step();
    const state = scheduler.stateDict();
    expect(state.lr_lambdas).toEqual(['0.9 ** epoch']);

    const other = new LambdaLR(adam(0.1), { lrLambda: () => 1 });
    other.loadStateDict(JSON.parse(JSON.stringify(state)));
    other.step();
    expect(other.getLastLr()).toEqual([0.1 * crPow(0.9, 6)]);

    const withFunction = new MultiplicativeLR(adam(0.1), { lrLambda: () => 0.5 });
    expect(withFunction.stateDict().lr_lambdas).toEqual([null]);
  });

  it("ReduceLROnPlateau's infinite `best` survives JSON", () => {
    const scheduler = new ReduceLROnPlateau(adam(0.1), { mode: 'max' });
    const state = JSON.parse(JSON.stringify(scheduler.stateDict()));
    expect(state.best).toBe('-Infinity');
    const other = new ReduceLROnPlateau(adam(0.1), { mode: 'max' });
    other.best = 5;
    other.loadStateDict(state);
    expect(other.best).toBe(-Infinity);
    other.step(-1e300);
    expect(other.best).toBe(-1e300);
  });

  it('rejects a malformed state, naming the key', () => {
    const scheduler = new StepLR(adam(0.1), { stepSize: 3 });
    const state = scheduler.stateDict();
    expect(() => scheduler.loadStateDict({ ...state, step_size: 'three' })).toThrow(
      `StepLR.loadStateDict: 'step_size' must be a finite number, got "three"`,
    );
    const { gamma: _gamma, ...withoutGamma } = state;
    expect(() => scheduler.loadStateDict(withoutGamma)).toThrow(`StepLR.loadStateDict: the state has no 'gamma'`);
    expect(() => scheduler.loadStateDict({ ...state, base_lrs: [0.1, 0.2] })).toThrow(/'base_lrs' must be a list of 1/);
  });
});

// ---- resuming through the constructor: lastEpoch = k - 1 over groups saved after k steps -------------

interface ConstructorResumeCase {
  name: string;
  optimizer: () => SchedulableOptimizer;
  build: (optimizer: SchedulableOptimizer, lastEpoch: number) => LRScheduler;
  steps: number;
  /** Resume points; include one where a chainable schedule changes the lr, to catch a second decay. */
  at: number[];
  exact: boolean;
}

const RESUMABLE: ConstructorResumeCase[] = [
  {
    name: 'StepLR',
    optimizer: () => adam(0.1),
    build: (o, lastEpoch) => new StepLR(o, { stepSize: 5, gamma: 0.5, lastEpoch }),
    steps: 30,
    at: [5, 10, 12],
    exact: true,
  },
  {
    name: 'MultiStepLR',
    optimizer: () => adam(0.1),
    build: (o, lastEpoch) => new MultiStepLR(o, { milestones: [4, 9, 9], gamma: 0.5, lastEpoch }),
    steps: 20,
    at: [4, 9, 11],
    exact: true,
  },
  {
    name: 'ConstantLR',
    optimizer: () => adam(0.1),
    build: (o, lastEpoch) => new ConstantLR(o, { factor: 0.25, totalIters: 6, lastEpoch }),
    steps: 12,
    at: [3, 6, 7],
    exact: true,
  },
  {
    name: 'LinearLR',
    optimizer: () => adam(0.1),
    build: (o, lastEpoch) => new LinearLR(o, { startFactor: 0.1, totalIters: 8, lastEpoch }),
    steps: 12,
    at: [1, 4, 8],
    exact: true,
  },
  {
    name: 'ExponentialLR',
    optimizer: () => adam(0.1),
    build: (o, lastEpoch) => new ExponentialLR(o, { gamma: 0.9, lastEpoch }),
    steps: 12,
    at: [1, 6],
    exact: true,
  },
  {
    name: 'PolynomialLR',
    optimizer: () => adam(0.1),
    build: (o, lastEpoch) => new PolynomialLR(o, { totalIters: 10, power: 2, lastEpoch }),
    steps: 14,
    at: [1, 5, 10],
    exact: true,
  },
  {
    name: 'MultiplicativeLR',
    optimizer: () => adam(0.1),
    build: (o, lastEpoch) => new MultiplicativeLR(o, { lrLambda: '0.95', lastEpoch }),
    steps: 12,
    at: [1, 6],
    exact: true,
  },
  {
    name: 'LambdaLR',
    optimizer: () => adam(0.1),
    build: (o, lastEpoch) => new LambdaLR(o, { lrLambda: '0.95 ** epoch', lastEpoch }),
    steps: 12,
    at: [1, 6],
    exact: true,
  },
  // 1.13 recomputes the closed form in the constructor here; stepping then goes on recursively.
  {
    name: 'CosineAnnealingLR',
    optimizer: () => adam(0.1),
    build: (o, lastEpoch) => new CosineAnnealingLR(o, { tMax: 8, etaMin: 0.01, lastEpoch }),
    steps: 30,
    at: [3, 8, 9, 20],
    exact: false,
  },
  {
    name: 'CosineAnnealingWarmRestarts',
    optimizer: () => adam(0.1),
    build: (o, lastEpoch) => new CosineAnnealingWarmRestarts(o, { t0: 2, tMult: 3, lastEpoch }),
    steps: 40,
    at: [1, 2, 7, 8, 30],
    exact: true,
  },
  {
    name: 'CyclicLR',
    optimizer: () => sgd(0.9, 0.1),
    build: (o, lastEpoch) =>
      new CyclicLR(o, { baseLr: 0.01, maxLr: 0.1, stepSizeUp: 3, mode: 'exp_range', gamma: 0.95, lastEpoch }),
    steps: 20,
    at: [1, 5],
    exact: true,
  },
  {
    name: 'OneCycleLR',
    optimizer: () => adam(0.1),
    build: (o, lastEpoch) => new OneCycleLR(o, { maxLr: 0.3, totalSteps: 20, lastEpoch }),
    steps: 20,
    at: [1, 10, 19],
    exact: true,
  },
];

describe('resuming through the constructor (lastEpoch = k - 1, groups as saved after k steps)', () => {
  it.each(RESUMABLE.map((c) => [c.name, c] as const))('%s: no second decay, then continues', (_name, c) => {
    const optimizer = c.optimizer();
    const scheduler = c.build(optimizer, -1);
    const lrs = [lrsOf(optimizer)];
    const momentums = [momentumOf(optimizer)];
    const groupsAt = [snapshotGroups(optimizer)];
    for (let i = 0; i < c.steps; i++) {
      scheduler.step();
      lrs.push(lrsOf(optimizer));
      momentums.push(momentumOf(optimizer));
      groupsAt.push(snapshotGroups(optimizer));
    }
    for (const k of c.at) {
      const resumedOptimizer = { paramGroups: snapshotGroups({ paramGroups: groupsAt[k] }) };
      const resumed = c.build(resumedOptimizer, k - 1);
      expect(resumed.lastEpoch).toBe(k);
      for (let i = k; i <= c.steps; i++) {
        if (i > k) resumed.step();
        if (c.exact) {
          expect(lrsOf(resumedOptimizer), `resumed at ${k}, step ${i}`).toEqual(lrs[i]);
          expect(momentumOf(resumedOptimizer)).toEqual(momentums[i]);
        } else {
          expectAllClose(lrsOf(resumedOptimizer), lrs[i], 1e-12, 1e-15, `resumed at ${k}, step ${i}`);
        }
      }
    }
  });

  it('SWALR resumed keeps the lr it is given (its annealing restarts from there, as in PyTorch)', () => {
    const optimizer = sgd(0.9, 0.05);
    optimizer.paramGroups[0].initialLr = 0.1;
    const scheduler = new SWALR(optimizer, { swaLr: 0.01, annealEpochs: 4, annealStrategy: 'linear', lastEpoch: 6 });
    expect(scheduler.lastEpoch).toBe(7);
    expect(lrsOf(optimizer)).toEqual([0.05]);
    scheduler.step();
    expect(lrsOf(optimizer)).toEqual([0.01 * 0.25 + 0.05 * 0.75]);
  });

  it('needs initialLr in every group, and says so before touching any', () => {
    const optimizer = adam(0.1, 0.2);
    optimizer.paramGroups[0].initialLr = 0.1;
    expect(() => new ExponentialLR(optimizer, { gamma: 0.9, lastEpoch: 3 })).toThrow(
      'ExponentialLR: param group 1 has no initialLr (initial_lr); resuming with lastEpoch (last_epoch) = 3',
    );
    expect(optimizer.paramGroups).toEqual([
      { lr: 0.1, betas: [0.9, 0.999], initialLr: 0.1 },
      { lr: 0.2, betas: [0.9, 0.999] },
    ]);
  });
});
