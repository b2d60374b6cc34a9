import { describe, expect, it } from 'vitest';
import { DataLoader } from '../../src/data/loader.ts';
import { RandomState } from '../../src/data/numpy_random.ts';
import {
  batchScheduleFromSpec,
  ExponentialBS,
  LambdaBS,
  MultiStepBS,
  planBatchSizes,
  ScheduledBatches,
  StepBS,
} from '../../src/train/batch_schedule.ts';

const sizes = (s: { batchSizeAt(e: number): number }, n: number) =>
  Array.from({ length: n }, (_, e) => s.batchSizeAt(e));

describe('batch-size schedules: closed forms', () => {
  it('StepBS multiplies by gamma every step_size epochs', () => {
    const s = new StepBS({ batchSize: 32, stepSize: 2, gamma: 2, datasetSize: 1000 });
    expect(sizes(s, 7)).toEqual([32, 32, 64, 64, 128, 128, 256]);
    expect(s.lastEpoch).toBe(0);
    expect(s.getBatchSize()).toBe(32);
    expect([s.step(), s.step(), s.step()]).toEqual([32, 64, 64]);
    expect(s.lastEpoch).toBe(3);
  });

  it("StepBS mirroring StepLR(50, 0.99): round(64 / 0.99^k), Python's numbers", () => {
    const s = new StepBS({ batchSize: 64, stepSize: 50, gamma: 1 / 0.99, datasetSize: 300 });
    // [round(64 / 0.99**k) for k in range(41)] in Python (no value lands on .5)
    const reference = [
      64, 65, 65, 66, 67, 67, 68, 69, 69, 70, 71, 71, 72, 73, 74, 74, 75, 76, 77, 77, 78, 79, 80, 81, 81, 82, 83, 84,
      85, 86, 87, 87, 88, 89, 90, 91, 92, 93, 94, 95, 96,
    ];
    expect(reference.map((_, k) => s.batchSizeAt(50 * k))).toEqual(reference);
    expect(s.batchSizeAt(49)).toBe(64);
    expect(s.batchSizeAt(1999)).toBe(95);
  });

  it('MultiStepBS multiplies at each milestone (a repeated milestone twice)', () => {
    const s = new MultiStepBS({ batchSize: 10, milestones: [2, 5, 5], gamma: 2, datasetSize: 100 });
    expect(sizes(s, 7)).toEqual([10, 10, 20, 20, 20, 80, 80]);
  });

  it('ExponentialBS: round(b0 · gamma^t), halves rounded up', () => {
    const s = new ExponentialBS({ batchSize: 10, gamma: 1.5, datasetSize: 100 });
    // 10, 15, 22.5, 33.75, 50.625, 75.9375
    expect(sizes(s, 6)).toEqual([10, 15, 23, 34, 51, 76]);
  });

  it('LambdaBS takes a function or an expression in epoch', () => {
    const text = new LambdaBS({ batchSize: 8, batchLambda: '2 ** (epoch // 3)', datasetSize: 64 });
    const fn = new LambdaBS({ batchSize: 8, batchLambda: (e) => 1 + e, datasetSize: 64 });
    expect(sizes(text, 8)).toEqual([8, 8, 8, 16, 16, 16, 32, 32]);
    expect(sizes(fn, 4)).toEqual([8, 16, 24, 32]);
    expect(() => new LambdaBS({ batchSize: 8, batchLambda: '2 ** (epoch', datasetSize: 64 })).toThrow(
      /LambdaBS: batchLambda \(batch_lambda\) is not a valid expression/,
    );
  });
});

describe('batch-size schedules: limits', () => {
  it('never above the dataset size: a clear error naming the epoch and the range', () => {
    const s = new StepBS({ batchSize: 100, stepSize: 1, gamma: 2, datasetSize: 300 });
    expect(s.batchSizeAt(1)).toBe(200);
    expect(() => s.batchSizeAt(2)).toThrow(
      'StepBS: the batch size at epoch 2 would be 400 (100 × 4), ' +
        'more than the dataset size 300; batch sizes must be in [1, 300]',
    );
    s.step();
    expect(() => s.step()).toThrow(/more than the dataset size 300/);
    expect(s.lastEpoch).toBe(1); // the failed step changed nothing
    expect(s.getBatchSize()).toBe(200);
  });

  it('maxBatchSize caps the growth instead', () => {
    const s = new StepBS({ batchSize: 100, stepSize: 1, gamma: 2, datasetSize: 300, maxBatchSize: 250 });
    expect(sizes(s, 4)).toEqual([100, 200, 250, 250]);
  });

  it('bad arguments name the parameter and the allowed range', () => {
    expect(() => new StepBS({ batchSize: 400, stepSize: 1, datasetSize: 300 })).toThrow(
      'StepBS: batchSize (batch_size) must be an integer in [1, 300] (the dataset size), got 400',
    );
    expect(() => new StepBS({ batchSize: 0, stepSize: 1, datasetSize: 300 })).toThrow(
      'StepBS: batchSize (batch_size) must be an integer >= 1, got 0',
    );
    expect(() => new StepBS({ batchSize: 10, stepSize: 0, datasetSize: 300 })).toThrow(
      'StepBS: stepSize (step_size) must be an integer >= 1, got 0',
    );
    expect(() => new StepBS({ batchSize: 10, stepSize: 1, gamma: 0, datasetSize: 300 })).toThrow(
      'StepBS: gamma must be a finite number > 0, got 0',
    );
    expect(() => new StepBS({ batchSize: 10, stepSize: 1, datasetSize: 300, maxBatchSize: 301 })).toThrow(
      'StepBS: maxBatchSize (max_batch_size) must be an integer in [10, 300] ' +
        '(from batchSize to the dataset size), got 301',
    );
    expect(() => new MultiStepBS({ batchSize: 10, milestones: [5, 2], datasetSize: 300 })).toThrow(
      /MultiStepBS: milestones must be sorted/,
    );
    expect(() => new StepBS({ batchSize: 10, stepSize: 1, datasetSize: 300, foo: 1 } as never)).toThrow(
      "StepBS: unknown option 'foo'",
    );
    const shrink = new ExponentialBS({ batchSize: 4, gamma: 0.5, datasetSize: 300 });
    expect(() => shrink.batchSizeAt(4)).toThrow(
      'ExponentialBS: the batch size at epoch 4 would be 0 (4 × 0.0625); a batch size must be at least 1',
    );
  });

  it('specs: PyTorch-style names and snake_case arguments, unknown ones refused', () => {
    const s = batchScheduleFromSpec(
      { type: 'StepBS', args: { step_size: 3, gamma: 3, max_batch_size: 50 } },
      { batchSize: 5, datasetSize: 60 },
    );
    expect(s).toBeInstanceOf(StepBS);
    expect(sizes(s, 7)).toEqual([5, 5, 5, 15, 15, 15, 45]);
    expect(s.batchSizeAt(9)).toBe(50);
    expect(
      batchScheduleFromSpec({ type: 'exponential', args: { gamma: 2 } }, { batchSize: 1, datasetSize: 8 }),
    ).toBeInstanceOf(ExponentialBS);
    expect(() =>
      batchScheduleFromSpec({ type: 'StepBS', args: { step: 3 } }, { batchSize: 5, datasetSize: 60 }),
    ).toThrow("StepBS has no argument 'step' (accepted: step_size, gamma, max_batch_size)");
    expect(() => batchScheduleFromSpec({ type: 'GrowBS' }, { batchSize: 5, datasetSize: 60 })).toThrow(
      /unknown batch schedule "GrowBS"; expected one of StepBS, MultiStepBS, ExponentialBS, LambdaBS/,
    );
  });
});

describe('batch-size schedules: stateDict', () => {
  it('round-trips every schedule, hyper-parameters and position included', () => {
    const make = [
      () => new StepBS({ batchSize: 4, stepSize: 2, gamma: 2, datasetSize: 100 }),
      () => new MultiStepBS({ batchSize: 4, milestones: [1, 3], gamma: 3, datasetSize: 100 }),
      () => new ExponentialBS({ batchSize: 4, gamma: 1.3, datasetSize: 100 }),
      () => new LambdaBS({ batchSize: 4, batchLambda: '1 + epoch', datasetSize: 100 }),
    ];
    for (const m of make) {
      const a = m();
      a.step();
      a.step();
      const state = JSON.parse(JSON.stringify(a.stateDict()));
      expect(state.last_epoch).toBe(2);
      expect(state._last_batch_size).toBe(a.getBatchSize());
      const b = m();
      b.loadStateDict(state);
      expect(b.lastEpoch).toBe(2);
      expect(b.getBatchSize()).toBe(a.getBatchSize());
      expect([b.step(), b.step()]).toEqual([a.step(), a.step()]);
    }
    const lam = new LambdaBS({ batchSize: 4, batchLambda: '1 + epoch', datasetSize: 100 }).stateDict();
    expect(lam.batch_lambda).toBe('1 + epoch');
    const other = new LambdaBS({ batchSize: 4, batchLambda: () => 1, datasetSize: 100 });
    other.loadStateDict(lam);
    expect(other.batchSizeAt(3)).toBe(16);
    expect(() => other.loadStateDict({ ...lam, base_batch_size: 200 })).toThrow(/base_batch_size/);
  });
});

describe('ScheduledBatches', () => {
  it('with a constant size it is exactly DataLoader(shuffle, seed, dropLast)', () => {
    const n = 50;
    const source = new ScheduledBatches({
      nSamples: n,
      schedule: new StepBS({ batchSize: 16, stepSize: 1, gamma: 1, datasetSize: n }),
      seed: 7,
    });
    const loader = new DataLoader({ nSamples: n }, { batchSize: 16, shuffle: true, seed: 7, dropLast: true });
    for (let step = 0; step < 40; step++) expect(Array.from(source.next(step))).toEqual(Array.from(loader.nextBatch()));
  });

  it(
    'each epoch: a fresh permutation from RandomState(seed), ' +
      'cut into batches of the scheduled size; the rest dropped',
    () => {
      const n = 20;
      const source = new ScheduledBatches({
        nSamples: n,
        schedule: new StepBS({ batchSize: 3, stepSize: 1, gamma: 2, datasetSize: n }),
        seed: 3,
      });
      const rng = new RandomState(3);
      // Epoch sizes 3, 6, 12: 6, 3 and 1 batches.
      const expected: number[][] = [];
      for (const size of [3, 6, 12]) {
        const perm = Array.from(rng.permutation(n));
        for (let b = 0; b + size <= n; b += size) expected.push(perm.slice(b, b + size));
      }
      const got = expected.map((_, step) => Array.from(source.next(step)));
      expect(got).toEqual(expected);
      expect(source.batchSizes).toEqual([3, 3, 3, 3, 3, 3, 6, 6, 6, 12]);
      expect(source.epochStarts).toEqual([0, 6, 9]);
      expect(source.schedule.lastEpoch).toBe(2);
    },
  );

  it("interval 'step': the size grows at the first epoch start at or after the schedule's step", () => {
    const n = 100;
    const schedule = new StepBS({ batchSize: 10, stepSize: 15, gamma: 2, datasetSize: n });
    const source = new ScheduledBatches({ nSamples: n, schedule, seed: 0, interval: 'step', steps: 40 });
    for (let step = 0; step < 40; step++) source.next(step);
    // Epoch 0: steps 0-9 (size 10); epoch 1 starts at step 10 (< 15: size 10); epoch 2 at step 20 (size 20,
    // 5 steps); epoch 3 at step 25 (size 20); epoch 4 at step 30 (size 40: 2 steps); epoch 5 at step 32 ...
    expect(source.epochStarts).toEqual([0, 10, 20, 25, 30, 32, 34, 36, 38]);
    expect(source.batchSizes.slice(18, 34)).toEqual([10, 10, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 40, 40, 40, 40]);
    expect(planBatchSizes(schedule, n, 40, 'step')).toEqual(source.batchSizes);
  });

  it('checks the whole run up front: a schedule that outgrows the data fails before the first batch', () => {
    const schedule = new StepBS({ batchSize: 10, stepSize: 1, gamma: 2, datasetSize: 100 });
    // Epoch sizes 10, 20, 40, 80: 10, 5, 2 and 1 steps; the epoch starting at step 18 would need 160.
    expect(planBatchSizes(schedule, 100, 18)).toEqual([...Array(10).fill(10), ...Array(5).fill(20), 40, 40, 80]);
    expect(
      () =>
        new ScheduledBatches({
          nSamples: 100,
          schedule: new StepBS({ batchSize: 10, stepSize: 1, gamma: 2, datasetSize: 100 }),
          steps: 19,
        }),
    ).toThrow(
      'StepBS: the batch size at epoch 4 (which starts at training step 18) would be 160 (10 × 16), ' +
        'more than the dataset size 100',
    );
    expect(() => new ScheduledBatches({ nSamples: 99, schedule })).toThrow(
      "ScheduledBatches: nSamples (99) must equal the schedule's datasetSize (100)",
    );
  });
});
