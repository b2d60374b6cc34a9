import { describe, expect, it } from 'vitest';
import { parseRunConfig } from '../../src/config/run_config.ts';
import {
  ChainedScheduler,
  type CosineAnnealingLR,
  ExponentialLR,
  LinearLR,
  MultiStepLR,
  StepLR,
  schedulerFromSpec,
} from '../../src/lr_scheduler/index.ts';
import {
  BATCH_SCHEDULE_TYPES,
  type BatchScheduleSpec,
  BatchSizeScheduler,
  batchScheduleFromSpec,
  ExponentialBS,
  LambdaBS,
  MultiStepBS,
  planBatchSizes,
  ScheduledBatches,
  StepBS,
} from '../../src/train/batch_schedule.ts';
import { runTraining } from '../../src/train/run.ts';

const sizes = (s: BatchSizeScheduler, n: number) => Array.from({ length: n }, (_, e) => s.batchSizeAt(e));
const stepped = (s: BatchSizeScheduler, n: number) => [
  s.getBatchSize(),
  ...Array.from({ length: n - 1 }, () => s.step()),
];
const standIn = () => ({ paramGroups: [{ lr: 1 }] });
const messageOf = (run: () => unknown) => {
  try {
    run();
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('expected an error');
};

describe('the aliases are lr schedulers on the batch size', () => {
  const start = { batchSize: 64, datasetSize: 1000 };
  const capped = { ...start, maxBatchSize: 900 };
  const cases: [string, () => BatchSizeScheduler, BatchScheduleSpec][] = [
    [
      'StepBS = StepLR',
      () => new StepBS({ ...capped, stepSize: 3, gamma: 1 / 0.99 }),
      { type: 'StepLR', args: { step_size: 3, gamma: 1 / 0.99 } },
    ],
    [
      'StepBS: gamma 2 by default',
      () => new StepBS({ ...capped, stepSize: 2 }),
      { type: 'StepLR', args: { step_size: 2, gamma: 2 } },
    ],
    [
      'MultiStepBS = MultiStepLR',
      () => new MultiStepBS({ ...capped, milestones: [2, 5, 5, 9] }),
      { type: 'MultiStepLR', args: { milestones: [2, 5, 5, 9], gamma: 2 } },
    ],
    [
      'ExponentialBS = ExponentialLR',
      () => new ExponentialBS({ ...capped, gamma: 1.1 }),
      { type: 'ExponentialLR', args: { gamma: 1.1 } },
    ],
    [
      'LambdaBS = LambdaLR',
      () => new LambdaBS({ ...capped, batchLambda: '1 + epoch / 3' }),
      { type: 'LambdaLR', args: { lr_lambda: '1 + epoch / 3' } },
    ],
  ];

  for (const [title, alias, spec] of cases) {
    it(`${title}: the same batch sizes, closed form and stepped, and through ScheduledBatches`, () => {
      const twin = batchScheduleFromSpec({ ...spec, args: { ...spec.args, max_batch_size: 900 } }, start);
      expect(twin.name).toBe(spec.type);
      expect(alias().maxBatchSize).toBe(900);
      expect(sizes(alias(), 15)).toEqual(sizes(twin, 15));
      expect(stepped(alias(), 15)).toEqual(stepped(twin, 15));
      expect(stepped(alias(), 15)).toEqual(sizes(twin, 15));
      for (const interval of ['epoch', 'step'] as const) {
        expect(planBatchSizes(alias(), 1000, 300, interval)).toEqual(planBatchSizes(twin, 1000, 300, interval));
      }
    });
  }

  it('the factor is the lr the scheduler gives an lr of 1, bit for bit', () => {
    const lr = new StepLR(standIn(), { stepSize: 3, gamma: 1 / 0.99 });
    const bs = new StepBS({ ...start, stepSize: 3, gamma: 1 / 0.99 });
    for (let e = 0; e < 40; e++) expect(bs.factorAt(e)).toBe(lr.lrAt(e)[0]);
    expect(bs.scheduler).toBeInstanceOf(StepLR);
    expect(new ExponentialBS({ ...start, gamma: 2 }).scheduler).toBeInstanceOf(ExponentialLR);
    expect(new MultiStepBS({ ...start, milestones: [1] }).scheduler).toBeInstanceOf(MultiStepLR);
  });

  it("an alias's state dict is its scheduler's, plus the batch sizes, and loads into the spec's schedule", () => {
    const alias = new StepBS({ ...start, stepSize: 2, gamma: 1.5, maxBatchSize: 500 });
    const twin = batchScheduleFromSpec(
      { type: 'StepLR', args: { step_size: 2, gamma: 1.5, max_batch_size: 500 } },
      start,
    );
    alias.advanceTo(5);
    twin.advanceTo(5);
    expect(alias.stateDict()).toEqual(twin.stateDict());
    expect(alias.stateDict()).toMatchObject({ base_lrs: [1], last_epoch: 5, step_size: 2, gamma: 1.5 });
    const fresh = batchScheduleFromSpec({ type: 'StepLR', args: { step_size: 7 } }, start);
    fresh.loadStateDict(JSON.parse(JSON.stringify(alias.stateDict())));
    expect([fresh.lastEpoch, fresh.getBatchSize(), fresh.step(), fresh.step()]).toEqual([
      5,
      alias.getBatchSize(),
      alias.step(),
      alias.step(),
    ]);
  });
});

describe('any lr scheduler drives the batch size', () => {
  it('LinearLR: from a quarter of the batch size up to all of it', () => {
    const s = batchScheduleFromSpec(
      { type: 'linearlr', args: { start_factor: 0.25, total_iters: 4 } },
      { batchSize: 64, datasetSize: 100 },
    );
    expect(s.scheduler).toBeInstanceOf(LinearLR);
    expect(sizes(s, 6)).toEqual([16, 28, 40, 52, 64, 64]);
    expect(stepped(s, 6)).toEqual([16, 28, 40, 52, 64, 64]);
  });

  it('CosineAnnealingLR: the batch follows the cosine; its closed form is checked before the first batch', () => {
    const spec = { type: 'CosineAnnealingLR', args: { T_max: 4, eta_min: 0.5 } };
    const s = batchScheduleFromSpec(spec, { batchSize: 64, datasetSize: 100 });
    const lr = schedulerFromSpec(standIn(), spec) as CosineAnnealingLR;
    expect(sizes(s, 5)).toEqual([0, 1, 2, 3, 4].map((e) => Math.round(64 * lr.lrAt(e)[0])));
    expect(sizes(s, 5)).toEqual([64, 59, 48, 37, 32]);
    const toZero = batchScheduleFromSpec(
      { type: 'CosineAnnealingLR', args: { T_max: 50 } },
      { batchSize: 10, datasetSize: 100 },
    );
    expect(() => new ScheduledBatches({ nSamples: 100, schedule: toZero, steps: 10_000 })).toThrow(
      /^CosineAnnealingLR: the batch size at epoch 4\d \(which starts at training step \d+\) would be 0 /,
    );
  });

  it('a run config takes any scheduler as batch_schedule, and trains with it', () => {
    const config = parseRunConfig({
      seed: 1,
      sizes: [2, 8, 2],
      data: { type: 'moons', n_samples: 60, noise: 0.2, seed: 0 },
      optimizer: { type: 'Adam', groups: [{ lr: 0.02 }] },
      steps: 12,
      batch_size: 40,
      batch_schedule: { type: 'linearlr', args: { start_factor: 0.25, total_iters: 2 } },
    });
    expect(config.batch_schedule?.type).toBe('LinearLR');
    // Epochs of 10 (6 steps), 25 (2 steps), then 40 (1 step each).
    expect(runTraining(config).batch_sizes).toEqual([10, 10, 10, 10, 10, 10, 25, 25, 40, 40, 40, 40]);
  });

  it('a scheduler without a closed form (ChainedScheduler) is stepped, and checked up front by a dry run', () => {
    const spec = {
      type: 'ChainedScheduler',
      args: {
        schedulers: [
          { type: 'StepLR', args: { step_size: 2, gamma: 2 } },
          { type: 'ExponentialLR', args: { gamma: 1.5 } },
        ],
      },
    };
    const s = batchScheduleFromSpec(spec, { batchSize: 4, datasetSize: 100 });
    expect(s.closedForm).toBe(false);
    expect(s.scheduler).toBeInstanceOf(ChainedScheduler);
    // Factors 1, 1.5, 4.5, 6.75, 20.25, 30.375, 91.125: sizes 4, 6, 18, 27, 81, then 121.5 > 100.
    expect(sizes(s, 5)).toEqual([4, 6, 18, 27, 81]);
    expect(s.lastEpoch).toBe(0);
    expect(stepped(s, 5)).toEqual([4, 6, 18, 27, 81]);
    expect(() => s.step()).toThrow('ChainedScheduler: the batch size at epoch 5 would be 122 (4 × 30.375)');
    expect([s.lastEpoch, s.getBatchSize(), s.factor]).toEqual([4, 81, 20.25]); // the refused step changed nothing
    expect(() => s.batchSizeAt(2)).toThrow(/ChainedScheduler has no closed form/);
    const fresh = batchScheduleFromSpec(spec, { batchSize: 4, datasetSize: 100 });
    // Epochs of 25 steps (4), 16 (6), 5 (18), 3 (27), 1 (81): epoch 5 starts at step 50.
    expect(planBatchSizes(fresh, 100, 50)).toEqual(
      [25, 16, 5, 3, 1].flatMap((n, i) => Array(n).fill([4, 6, 18, 27, 81][i])),
    );
    expect(() => new ScheduledBatches({ nSamples: 100, schedule: fresh, steps: 51 })).toThrow(
      'ChainedScheduler: the batch size at epoch 5 (which starts at training step 50) would be 122',
    );
    expect(fresh.lastEpoch).toBe(0);
  });

  it('also as a class: a spec or a function building the scheduler on the stand-in', () => {
    const built = new BatchSizeScheduler({
      batchSize: 32,
      datasetSize: 100,
      scheduler: (optimizer) => new StepLR(optimizer, { stepSize: 1, gamma: 0.5 }),
    });
    expect([built.name, ...sizes(built, 4)]).toEqual(['StepLR', 32, 16, 8, 4]);
    expect(
      () =>
        new BatchSizeScheduler({
          batchSize: 4,
          datasetSize: 9,
          scheduler: () => new StepLR(standIn(), { stepSize: 1 }),
        }),
    ).toThrow('StepLR: the scheduler must be built on the stand-in optimizer it is given');
    expect(BATCH_SCHEDULE_TYPES).toContain('CosineAnnealingWarmRestarts');
    expect(BATCH_SCHEDULE_TYPES).not.toContain('ReduceLROnPlateau');
    expect(() => batchScheduleFromSpec({ type: 'ReduceLROnPlateau' }, { batchSize: 4, datasetSize: 9 })).toThrow(
      'ReduceLROnPlateau cannot drive a batch size: it steps on a metric',
    );
    expect(() =>
      batchScheduleFromSpec({ type: 'LinearLR', args: { last_epoch: 3 } }, { batchSize: 4, datasetSize: 9 }),
    ).toThrow(
      "LinearLR has no argument 'last_epoch' (accepted: start_factor, end_factor, total_iters, max_batch_size)",
    );
  });

  it('state dicts round-trip for any scheduler', () => {
    const make = () =>
      batchScheduleFromSpec(
        { type: 'CosineAnnealingWarmRestarts', args: { T_0: 3, T_mult: 2, eta_min: 0.1, max_batch_size: 60 } },
        { batchSize: 50, datasetSize: 60 },
      );
    const a = make();
    a.advanceTo(4);
    const b = make();
    b.loadStateDict(JSON.parse(JSON.stringify(a.stateDict())));
    expect(b.lastEpoch).toBe(4);
    expect(stepped(b, 12)).toEqual(stepped(a, 12));
  });
});

describe('the scheduler checks the arguments', () => {
  it("MultiStepBS with unsorted milestones is refused with MultiStepLR's message, built or loaded", () => {
    const lrMessage = messageOf(() => new MultiStepLR(standIn(), { milestones: [5, 2] }));
    expect(lrMessage).toMatch(/^MultiStepLR: milestones must be sorted/);
    expect(() => new MultiStepBS({ batchSize: 10, milestones: [5, 2], datasetSize: 300 })).toThrow(
      lrMessage.replace('MultiStepLR', 'MultiStepBS'),
    );
    const s = new MultiStepBS({ batchSize: 10, milestones: [2, 5], datasetSize: 300 });
    const lr = new MultiStepLR(standIn(), { milestones: [2, 5] });
    const loadMessage = messageOf(() => lr.loadStateDict({ ...lr.stateDict(), milestones: [5, 2] }));
    expect(loadMessage).toMatch(/^MultiStepLR.loadStateDict: 'milestones' must be sorted/);
    expect(() => s.loadStateDict({ ...s.stateDict(), milestones: [5, 2] })).toThrow(
      loadMessage.replace('MultiStepLR', 'MultiStepBS'),
    );
    expect(s.milestones).toEqual([2, 5]); // the refused state changed nothing
  });

  it("an alias's messages use its own argument names", () => {
    expect(() => new LambdaBS({ batchSize: 8, batchLambda: 3 as never, datasetSize: 64 })).toThrow(
      /^LambdaBS: batchLambda \(batch_lambda\) must be /,
    );
    const s = new LambdaBS({ batchSize: 8, batchLambda: '1 + epoch', datasetSize: 64 });
    expect(() => s.loadStateDict({ ...s.stateDict(), batch_lambda: 3 })).toThrow(
      /^LambdaBS.loadStateDict: 'batch_lambda' must be /,
    );
  });
});
