import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/params/error.ts';
import {
  agreement,
  band,
  type BatchVsDecaySettings,
  batchVsDecayConfig,
  type BvdSchedule,
  checkBatchVsDecay,
  DEFAULT_BATCH_VS_DECAY,
  runBatchVsDecay,
  schedulePlans,
  splitSizes,
} from '../../src/report/batch_vs_decay.ts';
import {
  conclusion,
  fewerPercent,
  PAPER_SETTING,
  paperParagraph,
  updatesArithmetic,
} from '../../src/report/batch_vs_decay_report.ts';
import { runTraining } from '../../src/train/run.ts';

/** A short setting of the same shape: 10 epochs, milestones at 3, 6, 8 (0.3/0.6/0.8 of them), 3 seeds. */
const SMALL: BatchVsDecaySettings = {
  ...DEFAULT_BATCH_VS_DECAY,
  epochs: 10,
  milestones: [3, 6, 8],
  seeds: [0, 1, 2],
};

describe('the update count of each schedule is arithmetic', () => {
  it('splits the 1797 digits into 1437 training rows and 360 held out (ceil(0.2 · 1797) = 360)', () => {
    expect(splitSizes(DEFAULT_BATCH_VS_DECAY)).toEqual({ nTrain: 1437, nVal: 360, nFeatures: 64, nClasses: 10 });
  });

  it('counts floor(n_train / B) updates an epoch: the default setting', () => {
    const [a, b, c] = schedulePlans(DEFAULT_BATCH_VS_DECAY, 1437);
    // floor(1437/10) = 143, floor(1437/50) = 28, floor(1437/250) = 5, floor(1437/1250) = 1
    expect(a.updates).toBe(200 * 143);
    expect(b.updates).toBe(60 * 143 + 60 * 28 + 40 * 5 + 40 * 1);
    expect(c.updates).toBe(60 * 143 + 60 * 28 + 80 * 5);
    expect([a.updates, b.updates, c.updates]).toEqual([28600, 10500, 10660]);
    expect(b.batchSizes.slice(58, 62)).toEqual([10, 10, 50, 50]);
    expect([b.batchSizes[119], b.batchSizes[120], b.batchSizes[160], b.batchSizes[199]]).toEqual([50, 250, 1250, 1250]);
    expect([c.batchSizes[160], c.lrDecays[159], c.lrDecays[160]]).toEqual([250, 0, 1]);
    expect([a.lrDecays[59], a.lrDecays[60], a.lrDecays[120], a.lrDecays[199]]).toEqual([0, 1, 2, 3]);
    expect(b.epochEnds[61]).toBe(60 * 143 + 28);
    expect(updatesArithmetic(b)).toBe('60·143 + 60·28 + 40·5 + 40·1 = 10,500');
    expect(fewerPercent(a.updates, b.updates)).toBeCloseTo((100 * (28600 - 10500)) / 28600, 12); // 63.29 %
  });

  it("gives the paper's CIFAR-10 counts: 50 000 images, batch 128 → 640 → 3200 → 16000", () => {
    const [a, b, c] = schedulePlans(PAPER_SETTING.settings, PAPER_SETTING.nTrain);
    // floor(50000/128) = 390, floor(50000/640) = 78, floor(50000/3200) = 15, floor(50000/16000) = 3
    expect([a.updates, b.updates, c.updates]).toEqual([
      200 * 390,
      60 * 390 + 60 * 78 + 40 * 15 + 40 * 3,
      60 * 390 + 60 * 78 + 80 * 15,
    ]);
    expect(b.batchSizes[199]).toBe(16000);
  });
});

describe('refusals, before anything is trained', () => {
  const refused = (s: Partial<BatchVsDecaySettings>) => {
    let progress = 0;
    try {
      runBatchVsDecay({ ...SMALL, ...s }, { onProgress: () => progress++ });
    } catch (err) {
      expect(progress).toBe(0);
      expect(err).toBeInstanceOf(ValidationError);
      return (err as Error).message;
    }
    throw new Error('not refused');
  };

  it('a batch that would outgrow the training rows: 12 · 5³ = 1500 > 1437', () => {
    expect(refused({ batchSize: 12 })).toBe(
      'batch-vs-decay: schedule (b) would grow the batch to 12 · 5^3 = 1500, more than the 1437 training rows ' +
        '(an epoch would have no batch): give a smaller batch size (at most 11) or factor',
    );
  });

  it('milestones that do not increase or leave the run, a factor ≤ 1, one optimizer twice', () => {
    expect(refused({ milestones: [3, 3, 8] })).toBe('batch-vs-decay: milestones must increase, got 3, 3, 8');
    expect(refused({ milestones: [3, 6, 10] })).toBe(
      'batch-vs-decay: milestones[2] must be an integer in [1, 9], got 10',
    );
    expect(refused({ factor: 1 })).toBe('batch-vs-decay: factor must be a finite number > 1, got 1');
    expect(refused({ optimizers: [SMALL.optimizers[0], SMALL.optimizers[0]] })).toBe(
      'batch-vs-decay: give each optimizer once',
    );
    expect(() => checkBatchVsDecay({ ...SMALL, seeds: [] })).toThrow('give a seed');
  });
});

describe('the agreement rule', () => {
  const schedule = (id: 'decay-lr' | 'increase-batch' | 'hybrid', median: number[], min: number[], max: number[]) =>
    ({ plan: { id }, valAccuracy: { median, min, max } }) as unknown as BvdSchedule;
  const s = { ...SMALL, epochs: 4, milestones: [1, 2, 3] };

  it("agrees where every median lies in every other schedule's min–max band", () => {
    // Epochs 2..4 compared. Epoch 2: all inside. Epoch 3: (b)'s median 0.95 is above (a)'s band [0.80, 0.90].
    // Epoch 4: equal.
    const result = agreement(
      [
        schedule('decay-lr', [0, 0.5, 0.9, 0.85, 0.9], [0, 0.5, 0.85, 0.8, 0.9], [0, 0.5, 0.95, 0.9, 0.9]),
        schedule('increase-batch', [0, 0.5, 0.92, 0.95, 0.9], [0, 0.5, 0.88, 0.82, 0.9], [0, 0.5, 0.93, 0.96, 0.9]),
        schedule('hybrid', [0, 0.5, 0.9, 0.9, 0.9], [0, 0.5, 0.86, 0.84, 0.9], [0, 0.5, 0.94, 0.95, 0.9]),
      ],
      s,
    );
    expect(result).toMatchObject({ from: 2, compared: 3, agreeing: 2, disagreeing: [3], final: true });
    expect(result.largestGap.epoch).toBe(3);
    expect(result.largestGap.gap).toBeCloseTo(0.95 - 0.85, 12);
    expect(result.largestGap.between).toEqual(['decay-lr', 'increase-batch']);
  });

  it('takes the median and min–max over seeds at each epoch', () => {
    expect(
      band([
        [1, 5],
        [3, 2],
        [2, 9],
      ]),
    ).toEqual({ median: [2, 5], min: [1, 2], max: [3, 9] });
    expect(band([[1], [4], [2], [3]]).median).toEqual([2.5]);
  });
});

describe('runBatchVsDecay on a short setting', () => {
  const result = runBatchVsDecay(SMALL);
  const E = SMALL.epochs;

  it('every run takes its plan: the updates, the batch of every epoch, the lr divided by 5 at the milestones', () => {
    const [a, b, c] = result.plans;
    expect([a.updates, b.updates, c.updates]).toEqual([
      10 * 143,
      3 * 143 + 3 * 28 + 2 * 5 + 2 * 1,
      3 * 143 + 3 * 28 + 4 * 5,
    ]);
    for (const o of result.optimizers) {
      const lr0 = o.optimizer.lr;
      const decayed = [lr0, lr0 * 0.2, lr0 * 0.2 * 0.2, lr0 * 0.2 * 0.2 * 0.2]; // MultiStepLR multiplies by gamma
      for (const s of o.schedules) {
        for (const r of s.runs) {
          expect(r.updates).toBe(s.plan.updates);
          expect(r.batchSize).toEqual(s.plan.batchSizes);
          expect(r.valAccuracy).toHaveLength(E + 1);
          r.lr.forEach((lr, e) => expect(lr).toBeCloseTo(decayed[s.plan.lrDecays[e]], 15));
        }
      }
      expect(o.schedules[0].runs[0].batchSize).toEqual(new Array(10).fill(10));
      expect(o.schedules[1].runs[0].batchSize).toEqual([10, 10, 10, 50, 50, 50, 250, 250, 1250, 1250]);
      expect(o.schedules[2].runs[0].batchSize).toEqual([10, 10, 10, 50, 50, 50, 250, 250, 250, 250]);
      expect(o.schedules[2].plan.lrDecays).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 1, 1]);
    }
  });

  it('before the first milestone the three schedules are the same run, number for number', () => {
    const m = SMALL.milestones[0];
    for (const o of result.optimizers) {
      for (let k = 0; k < SMALL.seeds.length; k++) {
        const [a, b, c] = o.schedules.map((s) => s.runs[k]);
        expect(b.valLoss.slice(0, m + 1)).toEqual(a.valLoss.slice(0, m + 1));
        expect(c.valLoss.slice(0, m + 1)).toEqual(a.valLoss.slice(0, m + 1));
        // ...and not after it, where the schedules differ.
        expect(b.valLoss[m + 1]).not.toBe(a.valLoss[m + 1]);
        expect(c.valLoss[E]).not.toBe(b.valLoss[E]);
      }
    }
  });

  it('the bands are the median and min–max of the runs', () => {
    const s = result.optimizers[0].schedules[1];
    const last = s.runs.map((r) => r.valAccuracy[E]).sort((x, y) => x - y);
    expect([s.valAccuracy.min[E], s.valAccuracy.median[E], s.valAccuracy.max[E]]).toEqual(last);
  });

  it('anneal train reruns a run config with the numbers of its last epoch (evaluating changes nothing)', () => {
    for (const k of [1, 2]) {
      const r = result.optimizers[0].schedules[k].runs[0];
      const again = runTraining(r.config, { record: 'none' });
      expect(again.final_val_accuracy).toBe(r.valAccuracy[E]);
      expect(again.final_val_loss).toBe(r.valLoss[E]);
    }
    const config = batchVsDecayConfig(SMALL, result.sizes, result.plans[2], SMALL.optimizers[0], 0);
    expect(config.scheduler).toEqual({
      type: 'MultiStepLR',
      args: { milestones: [3 * 143 + 3 * 28 + 2 * 5], gamma: 0.2 },
    });
    expect(config.batch_schedule).toEqual({
      type: 'MultiStepBS',
      args: { milestones: [3, 6], gamma: 5 },
      interval: 'epoch',
    });
  });

  it('states the update saving from the numbers, and the paper beside the setting', () => {
    const text = conclusion(result, result.optimizers[0]).join(' ');
    // (b): 3·143 + 3·28 + 2·5 + 2·1 = 525, (1430 − 525) / 1430 = 63.29 %; (c): 533, 897 / 1430 = 62.73 %
    expect(text).toContain(
      "(b) took 525 parameter updates, 63.3 % fewer than (a)'s 1,430; (c) took 533, 62.7 % fewer.",
    );
    const ag = result.optimizers[0].agreement;
    expect(ag.compared).toBe(E - SMALL.milestones[0]);
    expect(text).toContain(`at ${ag.agreeing} of the ${ag.compared} epoch ends from epoch 4 on`);
    expect(paperParagraph(result)).toContain('78,000, 28,800 and 29,280 updates for (a), (b) and (c)');
  });
});
