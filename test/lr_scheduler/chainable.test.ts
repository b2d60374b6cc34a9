/**
 * An lr changed by hand between steps carries forward exactly as PyTorch's chainable get_lr() makes it:
 * the expected values below are PyTorch's formulas applied by hand to the edited lr.
 */
import { describe, expect, it } from 'vitest';
import {
  ChainedScheduler,
  ConstantLR,
  CosineAnnealingLR,
  CyclicLR,
  ExponentialLR,
  LambdaLR,
  LinearLR,
  MultiplicativeLR,
  MultiStepLR,
  PolynomialLR,
  StepLR,
  SWALR,
  type LRScheduler,
} from '../../src/lr_scheduler/index.ts';
import { adam, lrsOf, sgd } from './support.ts';

function stepTimes(scheduler: LRScheduler, n: number): void {
  for (let i = 0; i < n; i++) scheduler.step();
}

describe('an lr set by hand between steps carries forward (chainable form)', () => {
  it('StepLR: lr * gamma at multiples of stepSize, else the lr as it is', () => {
    const optimizer = adam(0.1);
    const scheduler = new StepLR(optimizer, { stepSize: 3, gamma: 0.5 });
    stepTimes(scheduler, 4); // epoch 4: 0.1 * 0.5
    expect(lrsOf(optimizer)).toEqual([0.05]);
    optimizer.paramGroups[0].lr = 0.2;
    scheduler.step(); // epoch 5
    expect(lrsOf(optimizer)).toEqual([0.2]);
    scheduler.step(); // epoch 6
    expect(lrsOf(optimizer)).toEqual([0.2 * 0.5]);
    expect(scheduler.getLastLr()).toEqual([0.1]);
    // The closed form ignores the edit.
    expect(scheduler.lrAt(6)).toEqual([0.1 * 0.5 ** 2]);
  });

  it('ExponentialLR: lr * gamma every step', () => {
    const optimizer = adam(0.1, 0.01);
    const scheduler = new ExponentialLR(optimizer, { gamma: 0.9 });
    stepTimes(scheduler, 3);
    optimizer.paramGroups[1].lr = 0.5;
    scheduler.step();
    expect(lrsOf(optimizer)).toEqual([0.1 * 0.9 * 0.9 * 0.9 * 0.9, 0.5 * 0.9]);
    scheduler.step();
    expect(lrsOf(optimizer)[1]).toBe(0.5 * 0.9 * 0.9);
  });

  it('MultiStepLR: lr * gamma ** (times the epoch is a milestone)', () => {
    const optimizer = adam(0.1);
    const scheduler = new MultiStepLR(optimizer, { milestones: [4, 6, 6], gamma: 0.5 });
    stepTimes(scheduler, 3);
    optimizer.paramGroups[0].lr = 1.0;
    scheduler.step(); // 4
    expect(lrsOf(optimizer)).toEqual([0.5]);
    scheduler.step(); // 5
    expect(lrsOf(optimizer)).toEqual([0.5]);
    scheduler.step(); // 6, twice
    expect(lrsOf(optimizer)).toEqual([0.5 * 0.5 ** 2]);
  });

  it('ConstantLR: lr / factor at totalIters', () => {
    const optimizer = adam(0.1);
    const scheduler = new ConstantLR(optimizer, { factor: 0.5, totalIters: 4 });
    stepTimes(scheduler, 2);
    optimizer.paramGroups[0].lr = 0.3;
    scheduler.step(); // 3
    expect(lrsOf(optimizer)).toEqual([0.3]);
    scheduler.step(); // 4
    expect(lrsOf(optimizer)).toEqual([0.3 * (1.0 / 0.5)]);
  });

  it('LinearLR: lr * (1 + (end - start) / (T * start + (t - 1) * (end - start)))', () => {
    const optimizer = adam(0.1);
    const scheduler = new LinearLR(optimizer, { startFactor: 0.5, totalIters: 4 });
    stepTimes(scheduler, 2);
    optimizer.paramGroups[0].lr = 1.0;
    scheduler.step(); // 3
    expect(lrsOf(optimizer)).toEqual([1.0 * (1.0 + 0.5 / (4 * 0.5 + 2 * 0.5))]);
  });

  it('PolynomialLR: lr * ((1 - t/T) / (1 - (t-1)/T)) ** power', () => {
    const optimizer = adam(0.1);
    const scheduler = new PolynomialLR(optimizer, { totalIters: 4, power: 2 });
    scheduler.step();
    optimizer.paramGroups[0].lr = 0.7;
    scheduler.step(); // 2
    expect(lrsOf(optimizer)).toEqual([0.7 * ((1.0 - 2 / 4) / (1.0 - 1 / 4)) ** 2]);
  });

  it("CosineAnnealingLR: the cosine ratio applied to the edited lr's distance to etaMin", () => {
    const optimizer = adam(0.1);
    const scheduler = new CosineAnnealingLR(optimizer, { tMax: 10, etaMin: 0.001 });
    stepTimes(scheduler, 3);
    optimizer.paramGroups[0].lr = 0.05;
    scheduler.step(); // 4
    const ratio = (1 + Math.cos((Math.PI * 4) / 10)) / (1 + Math.cos((Math.PI * 3) / 10));
    expect(lrsOf(optimizer)).toEqual([ratio * (0.05 - 0.001) + 0.001]);
  });

  it('MultiplicativeLR: lr * lambda(epoch)', () => {
    const optimizer = adam(0.1);
    const scheduler = new MultiplicativeLR(optimizer, { lrLambda: (epoch) => 1 - epoch / 100 });
    stepTimes(scheduler, 2);
    optimizer.paramGroups[0].lr = 0.3;
    scheduler.step();
    expect(lrsOf(optimizer)).toEqual([0.3 * (1 - 3 / 100)]);
  });

  it('SWALR: anneals on from the start lr that the edited lr implies', () => {
    const optimizer = sgd(0.9, 0.1);
    const scheduler = new SWALR(optimizer, { swaLr: 0.01, annealEpochs: 4, annealStrategy: 'linear' });
    scheduler.step();
    expect(lrsOf(optimizer)).toEqual([0.01 * 0.25 + 0.1 * (1 - 0.25)]);
    optimizer.paramGroups[0].lr = 0.2;
    scheduler.step();
    const start = (0.2 - 0.25 * 0.01) / (1 - 0.25);
    expect(lrsOf(optimizer)).toEqual([0.01 * 0.5 + start * (1 - 0.5)]);
  });

  it('ChainedScheduler: each scheduler updates the edited lr in turn', () => {
    const optimizer = adam(0.1);
    const exponential = new ExponentialLR(optimizer, { gamma: 0.9 });
    const step = new StepLR(optimizer, { stepSize: 2, gamma: 0.5 });
    const chain = new ChainedScheduler(optimizer, { schedulers: [exponential, step] });
    chain.step(); // 1
    optimizer.paramGroups[0].lr = 1.0;
    chain.step(); // 2
    expect(lrsOf(optimizer)).toEqual([1.0 * 0.9 * 0.5]);
    expect(chain.getLastLr()).toEqual([0.45]);
  });

  it('non-chainable schedules overwrite an edit, as in PyTorch', () => {
    const optimizer = sgd(0.9, 0.1);
    const lambda = new LambdaLR(optimizer, { lrLambda: '0.5 ** epoch' });
    lambda.step();
    optimizer.paramGroups[0].lr = 3;
    lambda.step();
    expect(lrsOf(optimizer)).toEqual([0.1 * 0.5 ** 2]);

    const cyclicOptimizer = sgd(0.9, 0.1);
    const cyclic = new CyclicLR(cyclicOptimizer, { baseLr: 0.01, maxLr: 0.11, stepSizeUp: 4 });
    cyclicOptimizer.paramGroups[0].lr = 3;
    cyclic.step();
    expect(lrsOf(cyclicOptimizer)).toEqual([0.01 + (0.11 - 0.01) * 0.25]);
  });
});
