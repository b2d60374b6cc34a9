// Random and hostile inputs for every loader and parser: each input either loads or is refused with the
// project's ValidationError (never another exception), within a time bound, and a refused state dict leaves
// the object exactly as it was. Seeds are fixed, so a failure names an input that fails again.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileExpression } from '../../src/expr/index.ts';
import {
  Adam,
  LogicNet,
  MLP,
  parseCsv,
  parseRunConfig,
  ReduceLROnPlateau,
  SCHEDULER_TYPES,
  SGD,
  schedulerFromSpec,
  schedulerParams,
  ValidationError,
} from '../../src/index.ts';
import type { StateDict } from '../../src/lr_scheduler/index.ts';
import { decodeState } from '../../web/src/url.ts';
import { loadsOrRefuses, TIME_LIMIT_MS } from './support.ts';

const RUNS = 150;

/** JSON-ish values with the awkward ones mixed in: NaN, ±Infinity, -0, huge and tiny numbers, odd strings. */
const hostileScalar = fc.oneof(
  fc.constantFrom(
    NaN,
    Infinity,
    -Infinity,
    -0,
    1e308,
    -1e308,
    5e-324,
    2 ** 53 + 2,
    -1,
    0,
    1,
    0.5,
    1.7976931348623157e308,
  ),
  fc.constantFrom('', ' ', 'NaN', 'Infinity', '1e999', '__proto__', 'constructor', '<b>x</b>', '\u0000', 'true'),
  fc.integer({ min: -10, max: 1_000_000 }),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.string({ maxLength: 12 }),
);
const hostileValue: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    hostileScalar,
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(fc.oneof(fc.string({ maxLength: 8 }), fc.constantFrom('__proto__', 'type', 'args')), tie('value'), {
      maxKeys: 4,
    }),
  ),
})).value;

const adam = () =>
  new Adam(new LogicNet({ inputDim: 2, hiddenDim: 3, outputDim: 2, seed: 0 }).parameters(), { lr: 0.1 });

describe('fuzz: every loader loads or refuses with a ValidationError', () => {
  it('run configs', () => {
    const configLike = fc.record(
      {
        sizes: fc.oneof(fc.constant([2, 3, 2]), hostileValue),
        activation: fc.oneof(fc.constantFrom('tanh', 'RELU', 'gelu'), hostileValue),
        optimizer: fc.oneof(fc.constant({ type: 'Adam', groups: [{ lr: 0.01 }] }), hostileValue),
        scheduler: fc.oneof(fc.constant({ type: 'StepLR', args: { step_size: 5 } }), hostileValue),
        steps: fc.oneof(fc.constant(10), hostileScalar),
        data: fc.oneof(fc.constant({ type: 'moons', n_samples: 20 }), hostileValue),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(fc.oneof(configLike, hostileValue), (value) => {
        loadsOrRefuses(() => parseRunConfig(value));
      }),
      { numRuns: RUNS * 2, seed: 11 },
    );
  });

  it('scheduler specs, every type with its own argument names and hostile values', () => {
    const spec = fc.constantFrom(...SCHEDULER_TYPES, 'steplr', 'NoSuchLR', '__proto__').chain((type) => {
      const names = SCHEDULER_TYPES.some((t) => t.toLowerCase() === type.toLowerCase())
        ? schedulerParams(type).torchNames
        : ['x'];
      return fc.record({
        type: fc.constant(type),
        args: fc.dictionary(fc.oneof(fc.constantFrom(...names), fc.constantFrom('__proto__', 'nope')), hostileValue, {
          maxKeys: 4,
        }),
      });
    });
    fc.assert(
      fc.property(spec, (s) => {
        loadsOrRefuses(() => schedulerFromSpec(adam(), s));
      }),
      { numRuns: RUNS * 2, seed: 12 },
    );
  });

  it("scheduler state dicts: a refused one changes nothing (every scheduler's own state, one entry hostile)", () => {
    const built = () =>
      SCHEDULER_TYPES.filter((t) => t !== 'SequentialLR' && t !== 'ChainedScheduler').map((type) => {
        const args: Record<string, unknown> =
          {
            LambdaLR: { lr_lambda: '0.9 ** epoch' },
            MultiplicativeLR: { lr_lambda: '0.99' },
            StepLR: { step_size: 3 },
            ExponentialLR: { gamma: 0.9 },
            MultiStepLR: { milestones: [2, 4] },
            CosineAnnealingLR: { T_max: 10 },
            CosineAnnealingWarmRestarts: { T_0: 5 },
            CyclicLR: { base_lr: 0.01, max_lr: 0.1, cycle_momentum: false },
            OneCycleLR: { max_lr: 0.1, total_steps: 50 },
            SWALR: { swa_lr: 0.05 },
          }[type] ?? {};
        const scheduler = schedulerFromSpec(adam(), { type, args });
        for (let i = 0; i < 3; i++) {
          if (scheduler instanceof ReduceLROnPlateau) scheduler.step(1 - i / 10);
          else scheduler.step();
        }
        return scheduler;
      });
    const schedulers = built();
    fc.assert(
      fc.property(
        fc.nat({ max: schedulers.length - 1 }),
        fc.nat(),
        fc.oneof(hostileValue, fc.constant(undefined)),
        (which, keyIndex, value) => {
          const scheduler = schedulers[which];
          const before = JSON.stringify(scheduler.stateDict());
          const state = JSON.parse(before) as StateDict;
          const keys = Object.keys(state);
          const key = keys[keyIndex % keys.length];
          if (value === undefined) delete state[key];
          else state[key] = value as never;
          let refused = false;
          try {
            loadsOrRefuses(() => scheduler.loadStateDict(state));
            refused = JSON.stringify(scheduler.stateDict()) !== JSON.stringify(state);
          } finally {
            if (refused) expect(JSON.stringify(scheduler.stateDict())).toBe(before);
            scheduler.loadStateDict(JSON.parse(before) as StateDict);
          }
        },
      ),
      { numRuns: RUNS * 2, seed: 13 },
    );
  });

  it('optimizer and model state dicts: one entry hostile; a refused one changes nothing', () => {
    const model = new MLP({ sizes: [2, 4, 2], seed: 0 });
    const optimizers = [
      new Adam(model.parameters(), { lr: 0.01 }),
      new SGD(model.parameters(), { lr: 0.1, momentum: 0.9 }),
    ];
    const x = [
      [0.5, -1],
      [1, 2],
    ];
    for (const opt of optimizers) model.trainStep(x, [0, 1], opt);
    fc.assert(
      fc.property(fc.nat({ max: 2 }), fc.nat(), fc.nat(), hostileValue, (which, keyIndex, subIndex, value) => {
        const target = which === 2 ? model : optimizers[which];
        const before = JSON.stringify(target.stateDict());
        const state = JSON.parse(before) as Record<string, unknown>;
        const keys = Object.keys(state);
        const key = keys[keyIndex % keys.length];
        const inner = state[key];
        if (Array.isArray(inner) && inner.length > 0 && typeof inner[0] === 'object' && inner[0] !== null) {
          const entry = inner[subIndex % inner.length] as Record<string, unknown>;
          const entryKeys = Object.keys(entry);
          entry[entryKeys[subIndex % entryKeys.length]] = value;
        } else state[key] = value;
        const load = (sd: unknown) => (target.loadStateDict as (s: unknown) => void)(sd);
        const refused = loadsOrRefuses(() => load(state));
        const after = JSON.stringify(target.stateDict());
        load(JSON.parse(before));
        if (refused) {
          expect(after, `a refused state dict changed ${key}`).toBe(before);
        } else {
          // What loaded (numbers rounded to f32) is a fixed point: it loads back to itself.
          load(JSON.parse(after));
          expect(JSON.stringify(target.stateDict())).toBe(after);
          load(JSON.parse(before));
        }
      }),
      { numRuns: RUNS, seed: 14 },
    );
    expect(() => (model.loadStateDict as (s: unknown) => void)(null)).toThrow(ValidationError);
  });

  it('CSV text', () => {
    const cell = fc.oneof(
      fc.constantFrom('1', '-2.5', 'NaN', 'inf', '', '"a,b"', '"', 'label', '1e999', '0x10'),
      fc.string(),
    );
    const csv = fc
      .array(fc.array(cell, { minLength: 1, maxLength: 4 }), { minLength: 0, maxLength: 6 })
      .map((rows) => rows.map((r) => r.join(',')).join(fc.sample(fc.constantFrom('\n', '\r\n'), 1)[0]));
    fc.assert(
      fc.property(
        fc.oneof(csv, fc.string({ maxLength: 200 })),
        fc.constantFrom(undefined, 'label', 0, -1, 99),
        (text, labelColumn) => {
          loadsOrRefuses(() => parseCsv(text, labelColumn === undefined ? {} : { labelColumn }));
        },
      ),
      { numRuns: RUNS * 2, seed: 15 },
    );
  });

  it('lambda text, including deep nesting and long sums', () => {
    const token = fc.constantFrom(
      'epoch',
      '1',
      '0.5',
      '1e999',
      '+',
      '-',
      '*',
      '/',
      '**',
      '//',
      '%',
      '(',
      ')',
      ',',
      'min',
      'max',
      'exp',
      'log',
      ' ',
      'pi',
      'x',
    );
    const text = fc.oneof(
      fc.array(token, { maxLength: 30 }).map((t) => t.join('')),
      fc.nat({ max: 5000 }).map((n) => `${'('.repeat(n)}epoch${')'.repeat(n)}`),
      fc.nat({ max: 10000 }).map((n) => Array.from({ length: n + 1 }, () => 'epoch').join(' + ')),
      fc.nat({ max: 5000 }).map((n) => `${'-'.repeat(n)}epoch`),
      fc.string({ maxLength: 40 }),
    );
    fc.assert(
      fc.property(text, (source) => {
        loadsOrRefuses(() => {
          const fn = compileExpression(source);
          fn(3);
        });
      }),
      { numRuns: RUNS, seed: 16 },
    );
  });

  it("the playground's URL query never throws, and reports every bad parameter", () => {
    const key = fc.constantFrom(
      'data',
      'n',
      'noise',
      'hidden',
      'act',
      'opt',
      'lr',
      's',
      'steps',
      'bs',
      '@5.lr',
      '@99999999999999.lr',
      'zz',
    );
    const query = fc
      .array(fc.tuple(key, fc.oneof(hostileScalar.map(String), fc.string({ maxLength: 20 }))), { maxLength: 8 })
      .map((pairs) => new URLSearchParams(pairs).toString());
    fc.assert(
      fc.property(query, (q) => {
        const start = performance.now();
        const decoded = decodeState(q);
        expect(Array.isArray(decoded.problems)).toBe(true);
        expect(performance.now() - start).toBeLessThan(TIME_LIMIT_MS);
      }),
      { numRuns: RUNS * 2, seed: 17 },
    );
  });
});
