import fc from 'fast-check';
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
  MultiplicativeLR,
  MultiStepLR,
  OneCycleLR,
  PolynomialLR,
  ReduceLROnPlateau,
  SequentialLR,
  StepLR,
  SWALR,
  type ClosedForm,
  type LRScheduler,
} from '../../src/lr_scheduler/index.ts';
import type { SchedulableOptimizer } from '../../src/optim/param_group.ts';
import { expectClose, lrsOf } from './support.ts';

type Build = (optimizer: SchedulableOptimizer) => LRScheduler & ClosedForm;

const lr = fc.double({ min: 1e-6, max: 1, noNaN: true });
const groupLrs = fc.array(lr, { minLength: 1, maxLength: 3 });
const unit = (min: number, max: number): fc.Arbitrary<number> => fc.double({ min, max, noNaN: true });

function sgdGroups(lrs: number[]): SchedulableOptimizer {
  return { paramGroups: lrs.map((value) => ({ lr: value, momentum: 0.9 })) };
}
function adamGroups(lrs: number[]): SchedulableOptimizer {
  return { paramGroups: lrs.map((value) => ({ lr: value, betas: [0.9, 0.999] as const })) };
}

const BUILDERS: Record<string, fc.Arbitrary<Build>> = {
  StepLR: fc
    .record({ stepSize: fc.integer({ min: 1, max: 30 }), gamma: unit(0.01, 1.5) })
    .map((o) => (opt) => new StepLR(opt, o)),
  MultiStepLR: fc
    .record({ milestones: fc.array(fc.integer({ min: 0, max: 150 }), { maxLength: 6 }), gamma: unit(0.01, 1.5) })
    .map((o) => (opt) => new MultiStepLR(opt, { ...o, milestones: [...o.milestones].sort((a, b) => a - b) })),
  ConstantLR: fc
    .record({ factor: unit(0.001, 1), totalIters: fc.integer({ min: 1, max: 50 }) })
    .map((o) => (opt) => new ConstantLR(opt, o)),
  LinearLR: fc
    .record({ startFactor: unit(0.001, 1), endFactor: unit(0, 1), totalIters: fc.integer({ min: 1, max: 100 }) })
    .map((o) => (opt) => new LinearLR(opt, o)),
  ExponentialLR: fc.record({ gamma: unit(0.5, 1.1) }).map((o) => (opt) => new ExponentialLR(opt, o)),
  PolynomialLR: fc
    .record({ totalIters: fc.integer({ min: 1, max: 100 }), power: unit(0, 4) })
    .map((o) => (opt) => new PolynomialLR(opt, o)),
  CosineAnnealingLR: fc
    .record({ tMax: fc.integer({ min: 1, max: 120 }), etaMin: fc.oneof(fc.constant(0), unit(0, 1e-3)) })
    .map((o) => (opt) => new CosineAnnealingLR(opt, o)),
  CosineAnnealingWarmRestarts: fc
    .record({ t0: fc.integer({ min: 1, max: 30 }), tMult: fc.integer({ min: 1, max: 3 }), etaMin: unit(0, 1e-4) })
    .map((o) => (opt) => new CosineAnnealingWarmRestarts(opt, o)),
  LambdaLR: fc
    .oneof(
      unit(0.8, 1).map((b) => `${b} ** epoch`),
      fc.integer({ min: 1, max: 20 }).map((w) => `min(1, (epoch + 1) / ${w})`),
      fc.integer({ min: 1, max: 20 }).map((w) => `min((epoch + 1) / ${w}, sqrt(${w} / (epoch + 1)))`),
      fc.tuple(unit(0.1, 1), fc.integer({ min: 1, max: 20 })).map(([g, t]) => `${g} ** floor(epoch / ${t})`),
    )
    .map((lrLambda) => (opt) => new LambdaLR(opt, { lrLambda })),
  MultiplicativeLR: fc
    .oneof(
      unit(0.8, 1.05).map((f) => `${f}`),
      fc.integer({ min: 1, max: 50 }).map((t) => `max(0.5, 1 - epoch / ${t})`),
    )
    .map((lrLambda) => (opt) => new MultiplicativeLR(opt, { lrLambda })),
  CyclicLR: fc
    .record({
      baseLr: unit(1e-5, 1e-2),
      span: unit(0, 1),
      stepSizeUp: fc.integer({ min: 1, max: 30 }),
      stepSizeDown: fc.option(fc.integer({ min: 0, max: 30 }), { nil: undefined }),
      mode: fc.constantFrom('triangular' as const, 'triangular2' as const, 'exp_range' as const),
      gamma: unit(0.9, 1),
    })
    .map(
      ({ span, ...o }) =>
        (opt) =>
          new CyclicLR(opt, { ...o, maxLr: o.baseLr + span }),
    ),
  OneCycleLR: fc
    .record({
      maxLr: unit(1e-4, 1),
      totalSteps: fc.integer({ min: 2, max: 200 }),
      pctStart: unit(0.05, 0.95),
      annealStrategy: fc.constantFrom('cos' as const, 'linear' as const),
      threePhase: fc.boolean(),
      divFactor: unit(1, 100),
      finalDivFactor: unit(1, 1e5),
    })
    // PyTorch divides by zero when a phase has length 0; the constructor refuses those, so skip them here.
    .filter(
      (o) =>
        o.pctStart * o.totalSteps !== 1 &&
        o.pctStart * o.totalSteps - 1 !== o.totalSteps - 1 &&
        2 * o.pctStart * o.totalSteps - 2 !== o.totalSteps - 1,
    )
    .map((o) => (opt) => new OneCycleLR(opt, o)),
  SWALR: fc
    .record({
      swaLr: unit(0, 0.1),
      annealEpochs: fc.integer({ min: 0, max: 40 }),
      annealStrategy: fc.constantFrom('cos' as const, 'linear' as const),
    })
    .map((o) => (opt) => new SWALR(opt, o)),
  SequentialLR: fc
    .record({
      warmup: fc.integer({ min: 1, max: 20 }),
      startFactor: unit(0.01, 1),
      then: fc.constantFrom('cosine', 'exponential', 'step'),
      tMax: fc.integer({ min: 1, max: 80 }),
    })
    .map((o) => (opt) => {
      const warmup = new LinearLR(opt, { startFactor: o.startFactor, totalIters: o.warmup });
      const then =
        o.then === 'cosine'
          ? new CosineAnnealingLR(opt, { tMax: o.tMax })
          : o.then === 'exponential'
            ? new ExponentialLR(opt, { gamma: 0.97 })
            : new StepLR(opt, { stepSize: 7, gamma: 0.5 });
      return new SequentialLR(opt, { schedulers: [warmup, then], milestones: [o.warmup] });
    }),
};

const REL = 1e-9;

describe('lrAt (closed form) agrees with stepping (chainable form) on random valid parameters', () => {
  it.each(Object.keys(BUILDERS))('%s', (name) => {
    fc.assert(
      fc.property(
        BUILDERS[name],
        groupLrs,
        fc.boolean(),
        fc.integer({ min: 1, max: 250 }),
        (build, lrs, useAdam, steps) => {
          const optimizer = useAdam ? adamGroups(lrs) : sgdGroups(lrs);
          const scheduler = build(optimizer);
          const total = scheduler instanceof OneCycleLR ? scheduler.totalSteps : steps;
          const stepped: number[][] = [lrsOf(optimizer)];
          for (let k = 1; k <= total; k++) {
            scheduler.step();
            stepped.push(lrsOf(optimizer));
            if (scheduler instanceof CyclicLR || scheduler instanceof OneCycleLR) {
              const momentum = optimizer.paramGroups.map((g) =>
                useAdam ? (g.betas as readonly number[])[0] : (g.momentum as number),
              );
              expect(momentum).toEqual(scheduler.momentumAt(k));
            }
          }
          const scale = Math.max(...stepped.flat(), ...lrs);
          stepped.forEach((row, k) => {
            row.forEach((value) =>
              expect(Number.isFinite(value) && value >= 0, `lr ${value} after ${k} steps`).toBe(true),
            );
            const closed = scheduler.lrAt(k);
            row.forEach((value, g) =>
              expectClose(value, closed[g], REL, 1e-12 * scale, `${name} after ${k} steps, group ${g}`),
            );
          });
        },
      ),
      { numRuns: 60 },
    );
  });

  it('OneCycleLR refuses to step past totalSteps and leaves everything as it was', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 60 }), lr, (totalSteps, maxLr) => {
        const optimizer = sgdGroups([0.1]);
        const scheduler = new OneCycleLR(optimizer, { maxLr, totalSteps, annealStrategy: 'linear' });
        for (let k = 0; k < totalSteps; k++) scheduler.step();
        const before = {
          lr: lrsOf(optimizer),
          momentum: optimizer.paramGroups[0].momentum,
          lastEpoch: scheduler.lastEpoch,
        };
        expect(() => scheduler.step()).toThrow(
          `OneCycleLR: tried to step ${totalSteps + 1} times; totalSteps (total_steps) is ${totalSteps}`,
        );
        expect({
          lr: lrsOf(optimizer),
          momentum: optimizer.paramGroups[0].momentum,
          lastEpoch: scheduler.lastEpoch,
        }).toEqual(before);
        expect(() => scheduler.lrAt(totalSteps + 1)).toThrow(/past totalSteps/);
      }),
      { numRuns: 30 },
    );
  });
});

describe('schedules without a closed form', () => {
  it("ChainedScheduler of multiplicative schedulers: lr = base * product of each one's factor", () => {
    const factorScheduler = fc.oneof(
      BUILDERS.StepLR,
      BUILDERS.MultiStepLR,
      BUILDERS.ConstantLR,
      BUILDERS.LinearLR,
      BUILDERS.ExponentialLR,
      BUILDERS.PolynomialLR,
    );
    const chainMatchesProduct = fc.property(
      fc.array(factorScheduler, { minLength: 1, maxLength: 3 }),
      groupLrs,
      fc.integer({ min: 1, max: 150 }),
      (builds, lrs, steps) => {
        const optimizer = adamGroups(lrs);
        const schedulers = builds.map((build) => build(optimizer));
        const chain = new ChainedScheduler(optimizer, { schedulers });
        // The chainable form multiplies by factors like 1 + (e - s)/s. Where LinearLR ends near 0 that factor is
        // computed to within an ulp of 1, not of its tiny value, so there the chainable lr differs from the closed
        // form by about an ulp of the lr before the drop, times what the other schedulers multiply in afterwards
        // (ExponentialLR's gamma goes up to 1.1). The envelope bounds that: base × Π_s max over j <= k of s's factor.
        const runningMax = schedulers.map(() => lrs.map(() => 0));
        for (let k = 0; k <= steps; k++) {
          if (k > 0) chain.step();
          lrs.forEach((base, g) => {
            const factors = schedulers.map((s) => s.lrAt(k)[g] / base);
            const expected = factors.reduce((product, f) => product * f, base);
            factors.forEach((f, i) => (runningMax[i][g] = Math.max(runningMax[i][g], f)));
            const envelope = runningMax.reduce((product, m) => product * m[g], base);
            const actual = optimizer.paramGroups[g].lr;
            expect(Number.isFinite(actual) && actual >= 0).toBe(true);
            expectClose(
              actual,
              expected,
              1e-9,
              Math.max(1e-13 * base, 8 * Number.EPSILON * envelope),
              `chain after ${k} steps`,
            );
          });
          expect(chain.getLastLr()).toEqual(lrsOf(optimizer));
        }
      },
    );
    fc.assert(chainMatchesProduct, { numRuns: 100 });
    // Once failed, before the envelope: ExponentialLR then LinearLR ending at (or within an ulp of) 0.
    fc.assert(chainMatchesProduct, { seed: 778989457, numRuns: 2000 });
  });

  it('ReduceLROnPlateau: lrs only fall, by factor, never below minLr, never NaN', () => {
    fc.assert(
      fc.property(
        fc.record({
          mode: fc.constantFrom('min' as const, 'max' as const),
          factor: unit(0, 0.99),
          patience: fc.integer({ min: 0, max: 5 }),
          threshold: unit(0, 0.1),
          thresholdMode: fc.constantFrom('rel' as const, 'abs' as const),
          cooldown: fc.integer({ min: 0, max: 3 }),
          minLr: unit(0, 1e-4),
        }),
        groupLrs,
        fc.array(fc.double({ min: -10, max: 10, noNaN: true }), { maxLength: 120 }),
        (options, lrs, metrics) => {
          const optimizer = adamGroups(lrs);
          const scheduler = new ReduceLROnPlateau(optimizer, options);
          let previous = lrsOf(optimizer);
          for (const metric of metrics) {
            scheduler.step(metric);
            const current = lrsOf(optimizer);
            current.forEach((value, g) => {
              expect(Number.isFinite(value)).toBe(true);
              if (value !== previous[g]) expect(value).toBe(Math.max(previous[g] * options.factor, options.minLr));
              expect(value).toBeGreaterThanOrEqual(Math.min(lrs[g], options.minLr));
            });
            expect(scheduler.getLastLr()).toEqual(current);
            previous = current;
          }
        },
      ),
      { numRuns: 100 },
    );
  });
});

describe('nextChange: the lr holds from a step until the step it names, and changes there', () => {
  const cases: [string, () => ClosedForm & { nextChange(step: number): number }][] = [
    ['StepLR(7, 0.5)', () => new StepLR(sgdGroups([0.1, 0.02]), { stepSize: 7, gamma: 0.5 })],
    [
      'MultiStepLR([3, 10, 10, 25], 0.5)',
      () => new MultiStepLR(sgdGroups([0.1]), { milestones: [3, 10, 10, 25], gamma: 0.5 }),
    ],
  ];
  it.each(cases)('%s', (_name, make) => {
    const scheduler = make();
    for (let s = 0; s <= 40; s++) {
      const next = scheduler.nextChange(s);
      expect(next).toBeGreaterThan(s);
      for (let k = s; k < Math.min(next, 60); k++) expect(scheduler.lrAt(k)).toEqual(scheduler.lrAt(s));
      if (Number.isFinite(next)) expect(scheduler.lrAt(next)).not.toEqual(scheduler.lrAt(s));
    }
  });
});
