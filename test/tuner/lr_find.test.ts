import { afterEach, describe, expect, it } from 'vitest';
import { crPow } from '../../src/data/correctly_rounded_math.ts';
import { makeMoons } from '../../src/data/datasets.ts';
import { DataLoader } from '../../src/data/loader.ts';
import { StepLR } from '../../src/lr_scheduler/step_lr.ts';
import { LogicNet, MLP } from '../../src/nn/models.ts';
import type { Sequential } from '../../src/nn/sequential.ts';
import { Adam } from '../../src/optim/adam.ts';
import type { ParamGroup } from '../../src/optim/group.ts';
import type { Optimizer } from '../../src/optim/optimizer.ts';
import { SGD } from '../../src/optim/sgd.ts';
import { ValidationError } from '../../src/params/error.ts';
import { RecordedBatches } from '../../src/train/batches.ts';
import { Trainer } from '../../src/train/trainer.ts';
import { checkLrFindSettings, type LrFindOptions, lrFind, rampLr, rangeTest } from '../../src/tuner/lr_find.ts';
import { lrFindSeeds, suggestionSpread } from '../../src/tuner/spread.ts';
import { suggestLrs } from '../../src/tuner/suggestions.ts';

const data = makeMoons({ nSamples: 30, noise: 0.2, seed: 0 });
const live: { dispose(): void }[] = [];
afterEach(() => {
  for (const thing of live.splice(0)) thing.dispose();
});

type Opt = Optimizer<object, ParamGroup>;
type Kind = 'adam' | 'sgd' | 'adam2' | 'sgd2';

/** A model and optimizer, the same each call (2 param groups for the `2` kinds), with a StepLR's bookkeeping. */
function setup(kind: Kind): { model: Sequential; optimizer: Opt } {
  const model = new MLP({ sizes: [2, 8, 2], activation: 'tanh', seed: 3 });
  const [l0, l1] = model.layers;
  const two = kind.endsWith('2');
  const params = two
    ? [
        { params: l0.parameters(), lr: 0.02 },
        { params: l1.parameters(), lr: 0.05 },
      ]
    : model.parameters();
  const optimizer = (
    kind.startsWith('adam')
      ? new Adam(params, { lr: 0.03, amsgrad: two })
      : new SGD(params, { lr: 0.1, momentum: 0.9, nesterov: two })
  ) as Opt;
  new StepLR(optimizer, { stepSize: 3, gamma: 0.5 }); // sets initialLr on every group
  live.push(optimizer, model);
  return { model, optimizer };
}

/** A trainer over the data, with mini-batches of 7 from its own loader when `batched`. */
function trainer(model: Sequential, optimizer: Opt, batched: boolean): Trainer {
  const loader = new DataLoader({ nSamples: 30 }, { batchSize: 7, shuffle: true, seed: 11, dropLast: true });
  const t = new Trainer({
    model,
    optimizer,
    x: data,
    y: data.y,
    batches: batched ? new RecordedBatches(loader, false) : null,
    scheduler: new StepLR(optimizer, { stepSize: 4, gamma: 0.7 }),
  });
  live.push(t);
  return t;
}

const bits = (a: ArrayLike<number>) => Array.from(new Uint32Array(Float32Array.from(a).buffer));
const weightBits = (m: Sequential) => m.parameters().map((p) => bits(p.data));
const gradBits = (m: Sequential) => m.parameters().map((p) => bits(p.grad));

describe('lrFind restores the model and the optimizer bit for bit', () => {
  for (const kind of ['adam', 'sgd', 'adam2', 'sgd2'] as const) {
    for (const batched of [false, true]) {
      it(`${kind}, ${batched ? 'mini-batches' : 'whole dataset'}: training after lrFind is training without it`, () => {
        const runs = [true, false].map((withFinder) => {
          const { model, optimizer } = setup(kind);
          const t = trainer(model, optimizer, batched);
          t.run(5); // optimizer state and a moved lr before the finder
          const before = { w: weightBits(model), g: gradBits(model), o: optimizer.stateDict() };
          if (withFinder) {
            const r = lrFind({ model, optimizer, x: data, y: data.y, numIter: 40, batchSize: batched ? 5 : null });
            expect(r.lrs.length).toBeGreaterThan(10);
            expect(weightBits(model)).toEqual(before.w);
            expect(gradBits(model)).toEqual(before.g);
            expect(optimizer.stateDict()).toEqual(before.o);
          }
          const history = t.run(20);
          return { loss: history.loss, lr: history.lr, w: weightBits(model), o: optimizer.stateDict() };
        });
        expect(bits(runs[0].loss)).toEqual(bits(runs[1].loss));
        expect(new Float64Array(runs[0].loss)).toEqual(new Float64Array(runs[1].loss));
        expect(runs[0].lr).toEqual(runs[1].lr);
        expect(runs[0].w).toEqual(runs[1].w);
        expect(runs[0].o).toEqual(runs[1].o);
      });
    }
  }

  it('every group hyper-parameter and bookkeeping key (initialLr) comes back, not just lr', () => {
    const { model, optimizer } = setup('sgd2');
    trainer(model, optimizer, false).run(3);
    const before = optimizer.paramGroups.map((g) => g.hyperParameters());
    expect(before[0].initialLr).toBe(0.02);
    lrFind({ model, optimizer, x: data, y: data.y, numIter: 20 });
    expect(optimizer.paramGroups.map((g) => g.hyperParameters())).toEqual(before);
  });

  it('restores also when it throws part-way (a callback failing at step 3), and after a NaN loss', () => {
    const { model, optimizer } = setup('adam');
    trainer(model, optimizer, false).run(2);
    const before = { w: weightBits(model), o: optimizer.stateDict() };
    const onIter = (s: { step: number }) => {
      if (s.step === 3) throw new Error('stop here');
    };
    expect(() => lrFind({ model, optimizer, x: data, y: data.y, onIter })).toThrow('stop here');
    expect(weightBits(model)).toEqual(before.w);
    expect(optimizer.stateDict()).toEqual(before.o);
    // SGD at absurd lrs without the divergence stop: the loss overflows; the weights come back all the same.
    const s = setup('sgd');
    const w = weightBits(s.model);
    const r = lrFind({ ...s, x: data, y: data.y, startLr: 1e34, endLr: 1e38, stopDiv: false, numIter: 100 });
    expect(r.stopReason).toBe('nonFinite');
    expect(r.diverged).toBe(true);
    expect(Number.isFinite(r.losses[r.losses.length - 1])).toBe(false);
    expect(r.losses.slice(0, -1).every(Number.isFinite)).toBe(true);
    expect(weightBits(s.model)).toEqual(w);
  });

  it("uses its own batch order: another trainer's DataLoader is not advanced", () => {
    const { model, optimizer } = setup('adam');
    const loader = new DataLoader({ nSamples: 30 }, { batchSize: 7, shuffle: true, seed: 11 });
    loader.nextBatch();
    const state = JSON.stringify(loader.stateDict());
    lrFind({ model, optimizer, x: data, y: data.y, batchSize: 7, seed: 11, numIter: 30 });
    expect(JSON.stringify(loader.stateDict())).toBe(state);
  });
});

describe('the range test', () => {
  it('ramps every group exactly as SchedExp and SchedLin, before each step; lrs is the last group', () => {
    const { model, optimizer } = setup('adam2');
    const opts = { model, optimizer, x: data, y: data.y, numIter: 12, stopDiv: false };
    const e = lrFind({ ...opts, startLr: [1e-6, 2e-6], endLr: [1e-3, 1e-2] });
    expect(e.groupLrs.length).toBe(12);
    e.groupLrs.forEach((row, i) => {
      expect(row[0]).toBe(1e-6 * crPow(1e-3 / 1e-6, i / 12));
      expect(row[1]).toBe(2e-6 * crPow(1e-2 / 2e-6, i / 12));
      expect(e.lrs[i]).toBe(row[1]);
    });
    expect(e.lrs[0]).toBe(2e-6);
    const l = lrFind({ ...opts, startLr: 0, endLr: 0.06, mode: 'linear' });
    l.lrs.forEach((lr, i) => expect(lr).toBe(0 + (i / 12) * (0.06 - 0)));
    expect(l.lrs[6]).toBe(0.03);
    expect(rampLr(1e-7, 10, 0.5, 'exponential')).toBe(1e-7 * crPow(10 / 1e-7, 0.5));
  });

  it('numIter under 6 runs 6 steps, as fastai', () => {
    const { model, optimizer } = setup('sgd');
    const r = lrFind({ model, optimizer, x: data, y: data.y, numIter: 2, startLr: 1e-4, endLr: 1e-2, stopDiv: false });
    expect(r.settings.numIter).toBe(6);
    expect(r.lrs).toEqual([0, 1, 2, 3, 4, 5].map((i) => 1e-4 * crPow(1e-2 / 1e-4, i / 6)));
  });

  it('records the raw losses of the very steps a Trainer takes at those lrs, on the same seeded batches', () => {
    const a = setup('adam');
    const r = lrFind({ ...a, x: data, y: data.y, numIter: 25, batchSize: 6, seed: 4, stopDiv: false });
    const b = setup('adam');
    const loader = new DataLoader({ nSamples: 30 }, { batchSize: 6, shuffle: true, seed: 4, dropLast: true });
    const t = new Trainer({ ...b, x: data, y: data.y, batches: new RecordedBatches(loader, false) });
    live.push(t);
    const losses: number[] = [];
    for (let i = 0; i < 25; i++) {
      b.optimizer.paramGroups[0].lr = rampLr(1e-7, 10, i / 25, 'exponential');
      losses.push(t.run(1).loss.at(-1) as number);
    }
    expect(r.losses).toEqual(losses);
  });

  it("smooths as fastai's AvgSmoothLoss: beta-weighted mean from 0, debiased by 1 - beta^count", () => {
    const { model, optimizer } = setup('adam');
    for (const beta of [0.98, 0.6, 0]) {
      const r = lrFind({ model, optimizer, x: data, y: data.y, numIter: 30, beta, stopDiv: false, endLr: 1 });
      r.smoothedLosses.forEach((s, i) => {
        let sum = 0;
        for (let k = 0; k <= i; k++) sum += beta ** (i - k) * r.losses[k];
        const want = ((1 - beta) * sum) / (1 - beta ** (i + 1));
        expect(Math.abs(s - want)).toBeLessThanOrEqual(1e-14 * want);
      });
      if (beta === 0) expect(r.smoothedLosses).toEqual(r.losses);
    }
  });

  it('stops at the first step whose smoothed loss exceeds divergeThreshold × the best so far, recording it', () => {
    const settings = checkLrFindSettings({ numIter: 50, beta: 0.5 }, 1, 1);
    const raw = [1, 0.5, 0.4, 0.3, 0.35, 0.6, 0.9, 1.4, 2, 3, 5, 8, 13];
    const run = (s: typeof settings) => {
      let i = 0;
      return rangeTest(s, [{ lr: 0 }], () => raw[i++]);
    };
    const rec = run(settings);
    // By hand: smoothed (beta 0.5, debiased) = 1, 2/3, 0.5142857, 0.4, 0.3741935, 0.4888889, 0.6960630,
    // 1.0494118, 1.5256360, 2.2635386, ...: best 0.3741935 at step 4; 4 × best = 1.4967742: step 8 (1.5256360)
    // is the first above it, and it is recorded.
    expect(rec.stopReason).toBe('diverged');
    expect(rec.losses).toEqual(raw.slice(0, 9));
    expect(rec.smoothedLosses[8]).toBeCloseTo(1.525636, 6);
    expect(rec.smoothedLosses[4]).toBeCloseTo(0.3741935, 6);
    // divergeThreshold 2: 2 × best = 0.7483871: step 7 (1.0494118), after step 6 (0.6960630) below it.
    expect(run({ ...settings, divergeThreshold: 2 }).losses.length).toBe(8);
    // Without the stop it runs to the end of the losses (here they run out: NaN is recorded and stops it).
    const free = run({ ...settings, stopDiv: false });
    expect(free.stopReason).toBe('nonFinite');
    expect(free.losses.length).toBe(raw.length + 1);
    expect(Number.isNaN(free.smoothedLosses.at(-1))).toBe(true);
  });

  it('a NaN loss is recorded, then the test stops; the suggestions ignore it', () => {
    const settings = checkLrFindSettings({ numIter: 100 }, 1, 1);
    let i = 0;
    const rec = rangeTest(settings, [{ lr: 0 }], () => (i++ < 40 ? 1 - i / 100 : Number.NaN));
    expect(rec.stopReason).toBe('nonFinite');
    expect(rec.losses.length).toBe(41);
    expect(Number.isNaN(rec.losses[40])).toBe(true);
    const s = suggestLrs(rec.lrs, rec.smoothedLosses, 100);
    expect(s.minimum?.point.lr).toBe(rec.lrs[35]); // the window is lrs[10:-5]: 10..35
  });

  it('a real run stops at the first point past 4 × the best smoothed loss', () => {
    const { model, optimizer } = setup('sgd');
    const r = lrFind({ model, optimizer, x: data, y: data.y, startLr: 1e-3, endLr: 1e4, numIter: 100 });
    expect(r.stopReason).toBe('diverged');
    const s = r.smoothedLosses;
    const first = s.findIndex((v, i) => v > 4 * Math.min(...s.slice(0, i + 1)));
    expect(first).toBe(s.length - 1);
    expect(r.stopStep).toBe(first);
  });
});

describe('refusals name what was given and what is allowed, and change nothing', () => {
  const cases: [Partial<LrFindOptions>, string, RegExp][] = [
    [{ startLr: 1, endLr: 1 }, 'startLr', /startLr must be < endLr, got startLr 1 and endLr 1/],
    [{ startLr: 0 }, 'startLr', /startLr must be a finite number > 0, got 0/],
    [{ startLr: -1, mode: 'linear' }, 'startLr', /startLr must be a finite number >= 0, got -1/],
    [{ endLr: Number.NaN }, 'endLr', /endLr must be a finite number > 0, got NaN/],
    [{ startLr: [1e-7, 1e-6] }, 'startLr', /startLr lists 2 lrs; the optimizer has 1 param group/],
    [{ numIter: 2.5 }, 'numIter', /numIter must be an integer >= 1, got 2.5/],
    [{ numIter: 0 }, 'numIter', /numIter must be an integer >= 1, got 0/],
    [{ mode: 'cosine' as never }, 'mode', /mode must be one of 'exponential', 'linear', got "cosine"/],
    [{ beta: 1 }, 'beta', /beta must be a finite number in \[0, 1\), got 1/],
    [{ divergeThreshold: 1 }, 'divergeThreshold', /divergeThreshold must be a finite number > 1, got 1/],
    [{ batchSize: 31 }, 'batchSize', /batchSize must be an integer in \[1, 30\], got 31/],
    [{ batchSize: 0 }, 'batchSize', /batchSize must be an integer in \[1, 30\], got 0/],
    [{ seed: -1 }, 'seed', /seed must be an integer in \[0, 4294967295\], got -1/],
    [{ stopDiv: 'yes' as never }, 'stopDiv', /stopDiv must be true or false, got "yes"/],
    [{ y: [5, ...data.y.slice(1)] }, 'y[0]', /label/],
  ];
  for (const [bad, param, message] of cases) {
    it(`${param} ${JSON.stringify(bad).slice(0, 60)}`, () => {
      const { model, optimizer } = setup('adam');
      const before = { w: weightBits(model), o: optimizer.stateDict() };
      let error: unknown;
      try {
        lrFind({ model, optimizer, x: data, y: data.y, ...bad });
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).where).toBe('lrFind');
      expect((error as ValidationError).param).toBe(param);
      expect((error as Error).message).toMatch(message);
      expect(weightBits(model)).toEqual(before.w);
      expect(optimizer.stateDict()).toEqual(before.o);
    });
  }

  it("an optimizer over another model's parameters", () => {
    const a = setup('adam');
    const b = setup('adam');
    expect(() => lrFind({ model: a.model, optimizer: b.optimizer, x: data, y: data.y })).toThrow(
      /lrFind: the Adam holds parameters that are not this model's/,
    );
  });
});

describe('seeds and spread', () => {
  it('lrFindSeeds runs lrFind once per batch order, from the same weights', () => {
    const { model, optimizer } = setup('adam');
    const opts = { model, optimizer, x: data, y: data.y, batchSize: 6, numIter: 60 };
    const results = lrFindSeeds({ ...opts, seeds: [1, 2, 3] });
    expect(results.map((r) => r.settings.seed)).toEqual([1, 2, 3]);
    expect(results[1]).toEqual(lrFind({ ...opts, seed: 2 }));
    expect(results[0].losses).not.toEqual(results[1].losses);
    const spread = suggestionSpread(results);
    for (const m of ['valley', 'slide', 'minimum', 'steep'] as const) {
      const lrs = results.map((r) => r.suggestions[m]?.lr ?? null);
      expect(spread[m].lrs).toEqual(lrs);
      const sorted = (lrs.filter((v) => v !== null) as number[]).sort((a, b) => a - b);
      expect(spread[m].median).toBe(sorted[1]);
      expect(spread[m].min).toBe(sorted[0]);
      expect(spread[m].max).toBe(sorted[2]);
      expect(spread[m].decades).toBe(Math.log10(sorted[2] / sorted[0]));
    }
    expect(() => lrFindSeeds({ ...opts, batchSize: null, seeds: [1, 2] })).toThrow(/batchSize must be set/);
    expect(() => lrFindSeeds({ ...opts, seeds: [1, -2] })).toThrow(/seeds\[1\] must be an integer/);
  });

  it('suggestionSpread: median (geometric between the middle two), min, max, decades; nulls skipped', () => {
    const result = (lr: number | null) =>
      ({
        suggestions: {
          valley: lr === null ? null : { lr, point: { lr, loss: 1 } },
          slide: null,
          minimum: { lr: 1e-3, point: { lr: 1e-2, loss: 1 } },
          steep: null,
        },
      }) as never;
    const s = suggestionSpread([result(1e-3), result(null), result(1e-1), result(1e-2), result(1e-4)]);
    expect(s.valley.lrs).toEqual([1e-3, null, 1e-1, 1e-2, 1e-4]);
    expect(s.valley.count).toBe(4);
    expect(s.valley.median).toBe(Math.sqrt(1e-3 * 1e-2));
    expect(s.valley.min).toBe(1e-4);
    expect(s.valley.max).toBe(1e-1);
    expect(s.valley.decades).toBeCloseTo(3, 12);
    expect(s.minimum).toEqual({
      lrs: [1e-3, 1e-3, 1e-3, 1e-3, 1e-3],
      count: 5,
      median: 1e-3,
      min: 1e-3,
      max: 1e-3,
      decades: 0,
    });
    expect(s.slide).toEqual({
      lrs: [null, null, null, null, null],
      count: 0,
      median: null,
      min: null,
      max: null,
      decades: null,
    });
    expect(() => suggestionSpread([])).toThrow(ValidationError);
  });
});

describe("the lesson's LogicNet (secondary check)", () => {
  it('valley lands in a sane range for Adam on 20 moons points', () => {
    const moons = makeMoons({ nSamples: 20, noise: 0.2, seed: 0 });
    const model = new LogicNet({ inputDim: 2, hiddenDim: 3, outputDim: 2, seed: 0 });
    const optimizer = new Adam(model.parameters(), { lr: 0.01 }) as Opt;
    live.push(optimizer, model);
    const r = lrFind({ model, optimizer, x: moons, y: moons.y });
    expect(r.suggestion).toBe(r.suggestions.valley?.lr);
    // The lesson trains well at 0.01; fastai's valley is conservative (measured: 8.3e-4, whole dataset per step).
    expect(r.suggestion).toBeGreaterThan(1e-4);
    expect(r.suggestion).toBeLessThan(1);
  });
});
