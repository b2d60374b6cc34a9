import { describe, expect, it } from 'vitest';
import {
  ChainedScheduler,
  ConstantLR,
  CosineAnnealingLR,
  CosineAnnealingWarmRestarts,
  CyclicLR,
  ExponentialLR,
  LambdaLR,
  LinearLR,
  MultiStepLR,
  OneCycleLR,
  PolynomialLR,
  ReduceLROnPlateau,
  SequentialLR,
  StepLR,
  SWALR,
} from '../../src/lr_scheduler/index.ts';
import type { SchedulableOptimizer } from '../../src/optim/param_group.ts';
import { sgd, snapshotGroups } from './support.ts';

interface InvalidCase {
  /** Built over two SGD groups (lr 0.1, 0.01, momentum 0.9) unless given. */
  optimizer?: () => SchedulableOptimizer;
  build: (optimizer: SchedulableOptimizer) => unknown;
  message: string | RegExp;
}

// `as never` lets the cases pass what TypeScript would refuse, as a JSON config or JavaScript caller could.
const INVALID: Record<string, InvalidCase> = {
  'StepLR stepSize 0': {
    build: (o) => new StepLR(o, { stepSize: 0 }),
    message: 'StepLR: stepSize (step_size) must be an integer >= 1, got 0',
  },
  'StepLR stepSize 2.5': {
    build: (o) => new StepLR(o, { stepSize: 2.5 }),
    message: 'StepLR: stepSize (step_size) must be an integer >= 1, got 2.5',
  },
  'StepLR gamma 0': {
    build: (o) => new StepLR(o, { stepSize: 3, gamma: 0 }),
    message: 'StepLR: gamma must be a finite number > 0, got 0',
  },
  'StepLR gamma NaN': {
    build: (o) => new StepLR(o, { stepSize: 3, gamma: NaN }),
    message: 'StepLR: gamma must be a finite number > 0, got NaN',
  },
  'StepLR gamma Infinity': {
    build: (o) => new StepLR(o, { stepSize: 3, gamma: Infinity }),
    message: 'StepLR: gamma must be a finite number > 0, got Infinity',
  },
  'StepLR lastEpoch -2': {
    build: (o) => new StepLR(o, { stepSize: 3, lastEpoch: -2 }),
    message: 'StepLR: lastEpoch (last_epoch) must be an integer >= -1, got -2',
  },
  'StepLR snake_case option': {
    build: (o) => new StepLR(o, { step_size: 3 } as never),
    message: "StepLR: unknown option 'step_size' (accepted: stepSize, gamma, lastEpoch)",
  },
  'StepLR without groups': {
    optimizer: () => ({ paramGroups: [] }),
    build: (o) => new StepLR(o, { stepSize: 3 }),
    message: 'StepLR: the optimizer must have a non-empty paramGroups list',
  },
  'MultiStepLR decreasing milestones': {
    build: (o) => new MultiStepLR(o, { milestones: [10, 20, 5] }),
    message:
      'MultiStepLR: milestones must be sorted in increasing order (repeats allowed), got [10, 20, 5]: 5 comes after 20',
  },
  'MultiStepLR fractional milestone': {
    build: (o) => new MultiStepLR(o, { milestones: [1.5] }),
    message: 'MultiStepLR: milestones[0] must be an integer >= 0, got 1.5',
  },
  'MultiStepLR gamma -0.1': {
    build: (o) => new MultiStepLR(o, { milestones: [3], gamma: -0.1 }),
    message: 'MultiStepLR: gamma must be a finite number > 0, got -0.1',
  },
  'ConstantLR factor 0': {
    build: (o) => new ConstantLR(o, { factor: 0 }),
    message: 'ConstantLR: factor must be a finite number in (0, 1], got 0',
  },
  'ConstantLR factor 1.5': {
    build: (o) => new ConstantLR(o, { factor: 1.5 }),
    message: 'ConstantLR: factor must be a finite number in (0, 1], got 1.5',
  },
  'ConstantLR totalIters 0': {
    build: (o) => new ConstantLR(o, { totalIters: 0 }),
    message: 'ConstantLR: totalIters (total_iters) must be an integer >= 1, got 0',
  },
  'LinearLR startFactor 0': {
    build: (o) => new LinearLR(o, { startFactor: 0 }),
    message: 'LinearLR: startFactor (start_factor) must be a finite number in (0, 1], got 0',
  },
  'LinearLR endFactor 1.5': {
    build: (o) => new LinearLR(o, { endFactor: 1.5 }),
    message: 'LinearLR: endFactor (end_factor) must be a finite number in [0, 1], got 1.5',
  },
  'ExponentialLR without gamma': {
    build: (o) => new ExponentialLR(o, {} as never),
    message: 'ExponentialLR: gamma must be a finite number > 0, got undefined',
  },
  'PolynomialLR power -1': {
    build: (o) => new PolynomialLR(o, { power: -1 }),
    message: 'PolynomialLR: power must be a finite number >= 0, got -1',
  },
  'PolynomialLR totalIters 0': {
    build: (o) => new PolynomialLR(o, { totalIters: 0 }),
    message: 'PolynomialLR: totalIters (total_iters) must be an integer >= 1, got 0',
  },
  'CosineAnnealingLR tMax 0': {
    build: (o) => new CosineAnnealingLR(o, { tMax: 0 }),
    message: 'CosineAnnealingLR: tMax (T_max) must be an integer >= 1, got 0',
  },
  'CosineAnnealingLR etaMin -1': {
    build: (o) => new CosineAnnealingLR(o, { tMax: 5, etaMin: -1 }),
    message: 'CosineAnnealingLR: etaMin (eta_min) must be a finite number >= 0, got -1',
  },
  'CosineAnnealingWarmRestarts t0 0': {
    build: (o) => new CosineAnnealingWarmRestarts(o, { t0: 0 }),
    message: 'CosineAnnealingWarmRestarts: t0 (T_0) must be an integer >= 1, got 0',
  },
  'CosineAnnealingWarmRestarts tMult 1.5': {
    build: (o) => new CosineAnnealingWarmRestarts(o, { t0: 3, tMult: 1.5 }),
    message: 'CosineAnnealingWarmRestarts: tMult (T_mult) must be an integer >= 1, got 1.5',
  },
  'CyclicLR maxLr of the wrong length': {
    build: (o) => new CyclicLR(o, { baseLr: 0.001, maxLr: [0.1, 0.2, 0.3] }),
    message:
      'CyclicLR: maxLr (max_lr) has 3 values but the optimizer has 2 param groups; ' +
      'give one value per group or a single number',
  },
  'CyclicLR unknown mode': {
    build: (o) => new CyclicLR(o, { baseLr: 0.001, maxLr: 0.1, mode: 'triangle' as never }),
    message: `CyclicLR: mode must be one of 'triangular', 'triangular2', 'exp_range', got "triangle"`,
  },
  'CyclicLR unknown scaleMode': {
    build: (o) => new CyclicLR(o, { baseLr: 0.001, maxLr: 0.1, scaleMode: 'epochs' as never }),
    message: `CyclicLR: scaleMode (scale_mode) must be one of 'cycle', 'iterations', got "epochs"`,
  },
  'CyclicLR stepSizeUp 0': {
    build: (o) => new CyclicLR(o, { baseLr: 0.001, maxLr: 0.1, stepSizeUp: 0 }),
    message: 'CyclicLR: stepSizeUp (step_size_up) must be a finite number > 0, got 0',
  },
  'CyclicLR bad scaleFn expression': {
    build: (o) => new CyclicLR(o, { baseLr: 0.001, maxLr: 0.1, scaleFn: '0.5 ** epoch' }),
    message: new RegExp(
      /^CyclicLR: scaleFn \(scale_fn\) is not a valid expression: /.source +
        /Unknown name 'epoch'.* at column 8\n {2}0\.5 \*\* epoch\n {9}\^$/.source,
    ),
  },
  'CyclicLR cycling momentum an optimizer has not': {
    optimizer: () => ({ paramGroups: [{ lr: 0.1 }] }),
    build: (o) => new CyclicLR(o, { baseLr: 0.001, maxLr: 0.1 }),
    message:
      "CyclicLR: cycleMomentum (cycle_momentum) needs SGD's momentum or Adam's betas in every param group, " +
      'but group 0 has no momentum; pass cycleMomentum: false',
  },
  'OneCycleLR without a length': {
    build: (o) => new OneCycleLR(o, { maxLr: 0.1, epochs: 3 }),
    message: 'OneCycleLR: give totalSteps (total_steps), or both epochs and stepsPerEpoch (steps_per_epoch)',
  },
  'OneCycleLR totalSteps 0': {
    build: (o) => new OneCycleLR(o, { maxLr: 0.1, totalSteps: 0 }),
    message: 'OneCycleLR: totalSteps (total_steps) must be an integer >= 1, got 0',
  },
  'OneCycleLR stepsPerEpoch 0': {
    build: (o) => new OneCycleLR(o, { maxLr: 0.1, epochs: 2, stepsPerEpoch: 0 }),
    message: 'OneCycleLR: stepsPerEpoch (steps_per_epoch) must be an integer >= 1, got 0',
  },
  'OneCycleLR unknown anneal strategy': {
    build: (o) => new OneCycleLR(o, { maxLr: 0.1, totalSteps: 100, annealStrategy: 'cosine' as never }),
    message: `OneCycleLR: annealStrategy (anneal_strategy) must be one of 'cos', 'linear', got "cosine"`,
  },
  'OneCycleLR pctStart 1.5': {
    build: (o) => new OneCycleLR(o, { maxLr: 0.1, totalSteps: 100, pctStart: 1.5 }),
    message: 'OneCycleLR: pctStart (pct_start) must be a finite number in [0, 1], got 1.5',
  },
  'OneCycleLR empty warm-up phase': {
    build: (o) => new OneCycleLR(o, { maxLr: 0.1, totalSteps: 10, pctStart: 0.1 }),
    message:
      'OneCycleLR: pctStart (pct_start) = 0.1 with totalSteps (total_steps) = 10 gives a phase of length 0 ' +
      '(a division by zero in the schedule); pick another pctStart',
  },
  'OneCycleLR resuming past the end': {
    optimizer: () => ({
      paramGroups: [
        { lr: 0.1, momentum: 0.9, initialLr: 0.004, maxLr: 0.1, minLr: 4e-7, maxMomentum: 0.95, baseMomentum: 0.85 },
      ],
    }),
    build: (o) => new OneCycleLR(o, { maxLr: 0.1, totalSteps: 10, lastEpoch: 10 }),
    message: 'OneCycleLR: lastEpoch (last_epoch) must be at most totalSteps - 1 = 9, got 10',
  },
  'ReduceLROnPlateau factor 1': {
    build: (o) => new ReduceLROnPlateau(o, { factor: 1 }),
    message: 'ReduceLROnPlateau: factor must be a finite number in [0, 1), got 1',
  },
  'ReduceLROnPlateau unknown mode': {
    build: (o) => new ReduceLROnPlateau(o, { mode: 'minimum' as never }),
    message: `ReduceLROnPlateau: mode must be one of 'min', 'max', got "minimum"`,
  },
  'ReduceLROnPlateau unknown thresholdMode': {
    build: (o) => new ReduceLROnPlateau(o, { thresholdMode: 'relative' as never }),
    message: `ReduceLROnPlateau: thresholdMode (threshold_mode) must be one of 'rel', 'abs', got "relative"`,
  },
  'ReduceLROnPlateau patience -1': {
    build: (o) => new ReduceLROnPlateau(o, { patience: -1 }),
    message: 'ReduceLROnPlateau: patience must be an integer >= 0, got -1',
  },
  'ReduceLROnPlateau minLr of the wrong length': {
    build: (o) => new ReduceLROnPlateau(o, { minLr: [0.001] }),
    message:
      'ReduceLROnPlateau: minLr (min_lr) has 1 value but the optimizer has 2 param groups; ' +
      'give one value per group or a single number',
  },
  'ReduceLROnPlateau eps NaN': {
    build: (o) => new ReduceLROnPlateau(o, { eps: NaN }),
    message: 'ReduceLROnPlateau: eps must be a finite number >= 0, got NaN',
  },
  'SWALR annealEpochs -1': {
    build: (o) => new SWALR(o, { swaLr: 0.01, annealEpochs: -1 }),
    message: 'SWALR: annealEpochs (anneal_epochs) must be an integer >= 0, got -1',
  },
  'SWALR without swaLr': {
    build: (o) => new SWALR(o, {} as never),
    message: 'SWALR: swaLr (swa_lr) must be a finite number >= 0, got undefined',
  },
  'SWALR unknown anneal strategy': {
    build: (o) => new SWALR(o, { swaLr: 0.01, annealStrategy: 'exp' as never }),
    message: `SWALR: annealStrategy (anneal_strategy) must be one of 'cos', 'linear', got "exp"`,
  },
  'LambdaLR lambdas of the wrong length': {
    build: (o) => new LambdaLR(o, { lrLambda: ['1', '1', '1'] }),
    message:
      'LambdaLR: lrLambda (lr_lambda) has 3 lambdas but the optimizer has 2 param groups; ' +
      'give one per group or a single one',
  },
  'LambdaLR bad expression': {
    build: (o) => new LambdaLR(o, { lrLambda: ['1', '0.9 ** epok'] }),
    message: new RegExp(
      /^LambdaLR: lrLambda\[1\] \(lr_lambda\[1\]\) is not a valid expression: /.source +
        /Unknown name 'epok' .* at column 8\n {2}0\.9 \*\* epok\n {9}\^$/.source,
    ),
  },
  'LambdaLR number': {
    build: (o) => new LambdaLR(o, { lrLambda: 5 as never }),
    message: 'LambdaLR: lrLambda (lr_lambda) must be a function of the epoch or an expression string, got 5',
  },
  'SequentialLR milestones count': {
    build: (o) => new SequentialLR(o, { schedulers: [new StepLR(o, { stepSize: 2 })], milestones: [3] }),
    message:
      'SequentialLR: milestones must have one value fewer than schedulers: got 1 schedulers and 1 milestones [3]',
  },
  'SequentialLR decreasing milestones': {
    build: (o) =>
      new SequentialLR(o, {
        schedulers: [new StepLR(o, { stepSize: 2 }), new StepLR(o, { stepSize: 2 }), new StepLR(o, { stepSize: 2 })],
        milestones: [5, 3],
      }),
    message:
      'SequentialLR: milestones must be sorted in increasing order (repeats allowed), got [5, 3]: 3 comes after 5',
  },
  'SequentialLR with ReduceLROnPlateau': {
    build: (o) =>
      new SequentialLR(o, {
        schedulers: [new StepLR(o, { stepSize: 2 }), new ReduceLROnPlateau(o) as never],
        milestones: [3],
      }),
    message:
      'SequentialLR: schedulers[1] must be an LRScheduler ' +
      '(ReduceLROnPlateau needs a metric at every step and cannot be combined)',
  },
  'SequentialLR lastEpoch 4': {
    build: (o) => new SequentialLR(o, { schedulers: [new StepLR(o, { stepSize: 2 })], milestones: [], lastEpoch: 4 }),
    message: 'SequentialLR: lastEpoch (last_epoch) must be -1 (resume a SequentialLR with loadStateDict()), got 4',
  },
  'ChainedScheduler with no schedulers': {
    build: (o) => new ChainedScheduler(o, { schedulers: [] }),
    message: 'ChainedScheduler: schedulers must be a non-empty list of schedulers, got []',
  },
};

describe('invalid arguments: an Error naming the parameter and what is allowed, before any group changes', () => {
  it.each(Object.entries(INVALID))('%s', (_name, c) => {
    const optimizer = c.optimizer?.() ?? sgd(0.9, 0.1, 0.01);
    // Schedulers built inside `build` (for SequentialLR) change the groups legitimately: snapshot after them.
    const before = snapshotGroups(optimizer);
    let error: unknown;
    try {
      c.build(optimizer);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(Error);
    const message = (error as Error).message;
    if (typeof c.message === 'string') expect(message).toBe(c.message);
    else expect(message).toMatch(c.message);
    if (!/^(Sequential|Chained)/.test(_name)) expect(snapshotGroups(optimizer)).toEqual(before);
  });

  it('a scheduler on another optimizer cannot join a SequentialLR or ChainedScheduler', () => {
    const a = sgd(0.9, 0.1);
    const b = sgd(0.9, 0.1);
    expect(
      () => new ChainedScheduler(a, { schedulers: [new StepLR(a, { stepSize: 2 }), new StepLR(b, { stepSize: 2 })] }),
    ).toThrow('ChainedScheduler: schedulers[1] (StepLR) drives another optimizer; all must drive the same one');
    expect(() => new SequentialLR(a, { schedulers: [new StepLR(b, { stepSize: 2 })], milestones: [] })).toThrow(
      'SequentialLR: schedulers[0] (StepLR) drives another optimizer; all must drive the same one',
    );
  });

  it('lrAt, step(epoch) and ReduceLROnPlateau.step check their argument', () => {
    const optimizer = sgd(0.9, 0.1);
    expect(() => new StepLR(optimizer, { stepSize: 2 }).lrAt(-1)).toThrow(
      'StepLR.lrAt: step must be an integer >= 0, got -1',
    );
    expect(() => new ExponentialLR(optimizer, { gamma: 0.5 }).lrAt(1.5)).toThrow(
      'ExponentialLR.lrAt: step must be an integer >= 0, got 1.5',
    );
    const restarts = new CosineAnnealingWarmRestarts(optimizer, { t0: 3 });
    expect(() => restarts.step(-1)).toThrow(
      'CosineAnnealingWarmRestarts.step: epoch must be a finite number >= 0, got -1',
    );
    expect(() => new ReduceLROnPlateau(optimizer).step('0.5' as never)).toThrow(
      'ReduceLROnPlateau.step: metric must be a number, got string',
    );
  });
});
