import { describe, expect, it } from 'vitest';
import {
  ChainedScheduler,
  CosineAnnealingWarmRestarts,
  CyclicLR,
  ExponentialLR,
  hasClosedForm,
  OneCycleLR,
  ReduceLROnPlateau,
  SequentialLR,
  StepLR,
  SWALR,
} from '../../src/lr_scheduler/index.ts';
import { adam, expectClose, lrsOf, sgd } from './support.ts';

const sgdr = (base: number, etaMin: number, tCur: number, tI: number): number =>
  etaMin + ((base - etaMin) * (1 + Math.cos((Math.PI * tCur) / tI))) / 2;

describe('CosineAnnealingWarmRestarts.step(epoch)', () => {
  it("jumps as PyTorch's docstring shows: 20 steps, step(26), step() is epoch 27", () => {
    const optimizer = adam(0.1);
    const scheduler = new CosineAnnealingWarmRestarts(optimizer, { t0: 10, tMult: 2, etaMin: 0.001 });
    for (let i = 0; i < 20; i++) scheduler.step();
    expect([scheduler.tCur, scheduler.tI]).toEqual([10, 20]);
    scheduler.step(26); // cycles of 10 then 20: epoch 26 is 16 into the second
    expect([scheduler.tCur, scheduler.tI, scheduler.lastEpoch]).toEqual([16, 20, 26]);
    expect(lrsOf(optimizer)).toEqual([sgdr(0.1, 0.001, 16, 20)]);
    scheduler.step();
    expect([scheduler.tCur, scheduler.lastEpoch]).toEqual([17, 27]);
    expect(lrsOf(optimizer)).toEqual([sgdr(0.1, 0.001, 17, 20)]);
  });

  it('takes fractional epochs (per-batch use: epoch + i / iters)', () => {
    const optimizer = adam(0.1);
    const scheduler = new CosineAnnealingWarmRestarts(optimizer, { t0: 4 });
    scheduler.step(0.5);
    expect([scheduler.tCur, scheduler.tI, scheduler.lastEpoch]).toEqual([0.5, 4, 0]);
    expect(lrsOf(optimizer)).toEqual([sgdr(0.1, 0, 0.5, 4)]);
    scheduler.step(9.25); // tMult 1: 9.25 % 4
    expect(scheduler.tCur).toBe(1.25);
    expect(lrsOf(optimizer)).toEqual([sgdr(0.1, 0, 1.25, 4)]);
  });
});

describe('getLastLr', () => {
  it('is a copy of the lrs last set', () => {
    const optimizer = adam(0.1);
    const scheduler = new ExponentialLR(optimizer, { gamma: 0.5 });
    const last = scheduler.getLastLr();
    last[0] = 7;
    expect(scheduler.getLastLr()).toEqual([0.1]);
    scheduler.step();
    expect(scheduler.getLastLr()).toEqual([0.05]);
  });

  it('works for ReduceLROnPlateau before its first step (PyTorch 2.x)', () => {
    const optimizer = adam(0.1, 0.2);
    const scheduler = new ReduceLROnPlateau(optimizer, { patience: 0, factor: 0.5 });
    expect(scheduler.getLastLr()).toEqual([0.1, 0.2]);
    scheduler.step(1);
    scheduler.step(2);
    expect(scheduler.getLastLr()).toEqual([0.05, 0.1]);
  });
});

describe('momentum cycling', () => {
  it("CyclicLR cycles Adam's beta1 and keeps beta2 (PyTorch 2.x use_beta1)", () => {
    const optimizer = adam(0.1);
    const scheduler = new CyclicLR(optimizer, {
      baseLr: 0.01,
      maxLr: 0.1,
      stepSizeUp: 2,
      baseMomentum: 0.8,
      maxMomentum: 0.9,
    });
    expect(scheduler.momentumTarget).toBe('beta1');
    expect(optimizer.paramGroups[0].betas).toEqual([0.9, 0.999]);
    scheduler.step();
    expect(optimizer.paramGroups[0].betas).toEqual([0.9 - (0.9 - 0.8) * 0.5, 0.999]);
    scheduler.step();
    expect(optimizer.paramGroups[0].betas).toEqual([0.8, 0.999]);
    expect(lrsOf(optimizer)).toEqual([0.1]);
  });

  it('OneCycleLR writes its bookkeeping into the groups, as PyTorch does', () => {
    const optimizer = sgd(0.9, 0.1);
    new OneCycleLR(optimizer, { maxLr: 0.5, totalSteps: 10 });
    expect(optimizer.paramGroups[0]).toEqual({
      lr: 0.5 + (0.5 / 25 - 0.5),
      momentum: 0.95,
      initialLr: 0.5 / 25,
      maxLr: 0.5,
      minLr: 0.5 / 25 / 1e4,
      maxMomentum: 0.95,
      baseMomentum: 0.85,
    });
  });

  it('cycleMomentum: false leaves momentum alone', () => {
    const optimizer = sgd(0.7, 0.1);
    const scheduler = new OneCycleLR(optimizer, { maxLr: 0.5, totalSteps: 10, cycleMomentum: false });
    scheduler.step();
    expect(optimizer.paramGroups[0].momentum).toBe(0.7);
    expect(scheduler.momentumAt(1)).toBeUndefined();
  });
});

describe('closed forms', () => {
  it('every LR scheduler but ChainedScheduler has lrAt; ReduceLROnPlateau has none', () => {
    const optimizer = adam(0.1);
    const step = new StepLR(optimizer, { stepSize: 2 });
    expect(hasClosedForm(step)).toBe(true);
    expect(hasClosedForm(new SWALR(optimizer, { swaLr: 0.01 }))).toBe(true);
    expect(hasClosedForm(new ChainedScheduler(optimizer, { schedulers: [step] }))).toBe(false);
    expect(hasClosedForm(new ReduceLROnPlateau(optimizer))).toBe(false);
  });

  it('SequentialLR.lrAt counts from each milestone, and names a scheduler without a closed form', () => {
    const optimizer = adam(0.1);
    const warmup = new ExponentialLR(optimizer, { gamma: 2 });
    const chain = new ChainedScheduler(optimizer, { schedulers: [new StepLR(optimizer, { stepSize: 1, gamma: 0.5 })] });
    const sequential = new SequentialLR(optimizer, { schedulers: [warmup, chain], milestones: [3] });
    expect(sequential.lrAt(2)).toEqual([0.1 * 2 ** 2]);
    expect(() => sequential.lrAt(3)).toThrow('SequentialLR.lrAt: scheduler 1 (ChainedScheduler) has no closed form');
  });

  it('SWALR anneals from the lr it found, whatever initialLr says', () => {
    const optimizer = adam(0.1);
    const decay = new ExponentialLR(optimizer, { gamma: 0.5 });
    decay.step();
    const swa = new SWALR(optimizer, { swaLr: 0.01, annealEpochs: 2, annealStrategy: 'cos' });
    expect(swa.baseLrs).toEqual([0.1]);
    expect(swa.lrAt(0)).toEqual([0.05]);
    swa.step();
    expectClose(lrsOf(optimizer)[0], 0.01 * 0.5 + 0.05 * 0.5, 1e-15);
    swa.step();
    expect(lrsOf(optimizer)).toEqual([0.01]);
    expect(swa.lrAt(2)).toEqual([0.01]);
  });
});
