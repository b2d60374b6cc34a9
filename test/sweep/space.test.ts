import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/run_config.ts';
import { crPow } from '../../src/data/correctly_rounded_math.ts';
import { RandomState } from '../../src/data/numpy_random.ts';
import { expandTrials, parseSweepSpec, SEARCHABLE_KEYS } from '../../src/sweep/space.ts';

const base = {
  sizes: [2, 3, 2],
  data: { type: 'moons', n_samples: 40 },
  optimizer: { type: 'SGD', kwargs: { lr: 0.1 } },
  steps: 250,
  validation: { val_split: 0.2 },
};
const parse = (spec: Record<string, unknown>) => parseSweepSpec({ base, ...spec }, 'lesson.json', 'lesson');
const refusal = (spec: Record<string, unknown>) => {
  try {
    expandTrials(parse(spec));
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('not refused');
};

describe('parseSweepSpec', () => {
  it('fills in the defaults: samples 1, seed 0, val_loss minimized, the run’s eval interval, no pruner', () => {
    const spec = parse({ space: { batch_size: { grid: [4] } } });
    expect(spec).toEqual({
      name: 'lesson',
      base,
      space: { batch_size: { grid: [4] } },
      samples: 1,
      seed: 0,
      metric: 'val_loss',
      mode: 'min',
      // defaultEvalEvery(250) = max(1, ceil(250 / 100)) = 3
      eval_every: 3,
      pruner: null,
    });
    expect(parse({ space: { seed: { grid: [1] } }, metric: 'val_accuracy' }).mode).toBe('max');
    expect(parse({ space: { seed: { grid: [1] } }, metric: 'accuracy', mode: 'min' }).mode).toBe('min');
    expect(parseSweepSpec({ base: { ...base, eval_every: 7 }, space: { seed: { grid: [1] } } }, 's').eval_every).toBe(
      7,
    );
    expect(parseSweepSpec({ base, space: { seed: { grid: [1] } } }, 's').name).toBe('sweep');
    expect(parse({ name: 'mine', space: { seed: { grid: [1] } } }).name).toBe('mine');
  });

  it('fills in the pruners’ defaults (Optuna’s MedianPruner, Ray Tune’s ASHA)', () => {
    const space = { seed: { grid: [1] } };
    expect(parse({ space, pruner: { type: 'median' } }).pruner).toEqual({
      type: 'median',
      n_startup_trials: 5,
      n_warmup_steps: 0,
      interval_steps: 1,
    });
    expect(parse({ space, pruner: { type: 'asha' } }).pruner).toEqual({
      type: 'asha',
      reduction_factor: 4,
      grace_period: 1,
      max_t: null,
    });
    expect(parse({ space, pruner: { type: 'asha', reduction_factor: 3, max_t: 9 } }).pruner).toEqual({
      type: 'asha',
      reduction_factor: 3,
      grace_period: 1,
      max_t: 9,
    });
  });

  it('reads a parsed spec back as it is', () => {
    const spec = parse({ space: { seed: { randint: [0, 10] } }, samples: 3, pruner: { type: 'asha' } });
    expect(parseSweepSpec(spec, 'again')).toEqual(spec);
  });

  it('refuses an empty space, saying what to give', () => {
    expect(() => parse({ space: {} })).toThrow(
      'lesson.json: space: empty; give at least one key, e.g. {"optimizer.kwargs.lr": {"loguniform": [0.001, 0.1]}}',
    );
  });

  it('refuses malformed domains, naming the key, what was given and what is allowed', () => {
    const forms =
      '{"grid": [values]}, {"choice": [values]}, {"uniform": [low, high]}, {"loguniform": [low, high]} ' +
      'or {"randint": [low, high]}';
    const cases: [unknown, string][] = [
      [{ normal: [0, 1] }, `space.seed: unknown domain "normal"; a domain is ${forms}`],
      [{ grid: [1], choice: [2] }, `space.seed: must be one domain, ${forms}; got {"grid":[1],"choice":[2]}`],
      [5, `space.seed: must be one domain, ${forms}; got 5`],
      [{ grid: [] }, 'space.seed: "grid" must be a non-empty list of values, got []'],
      [{ choice: [] }, 'space.seed: "choice" must be a non-empty list of values, got []'],
      [{ uniform: [1, 1] }, 'space.seed: "uniform" must be [low, high], finite numbers with low < high, got [1, 1]'],
      [{ uniform: [0] }, 'space.seed: "uniform" must be [low, high], finite numbers with low < high, got [0]'],
      [{ loguniform: [0, 1] }, '"loguniform" must be [low, high], finite numbers with 0 < low < high, got [0, 1]'],
      [{ loguniform: [0.1, 0.01] }, '"loguniform" must be [low, high], finite numbers with 0 < low < high'],
      [{ randint: [0.5, 3] }, '"randint" must be [low, high], integers with low < high <= low + 2^32'],
      [{ randint: [3, 3] }, "high excluded, as numpy's randint), got [3, 3]"],
    ];
    for (const [domain, message] of cases) {
      expect(() => parse({ space: { seed: domain } }), JSON.stringify(domain)).toThrow(message);
    }
  });

  it('refuses a key that is not a run-config setting, listing the searchable keys', () => {
    const listed = `the searchable keys are ${SEARCHABLE_KEYS.join(', ')}`;
    expect(SEARCHABLE_KEYS.slice(0, 4)).toEqual(['name', 'seed', 'sizes', 'activation']);
    expect(SEARCHABLE_KEYS).toContain('optimizer');
    expect(SEARCHABLE_KEYS).not.toContain('loss');
    expect(() => parse({ space: { learning_rate: { grid: [1] } } })).toThrow(
      `space.learning_rate: "learning_rate" is not a run-config key; ${listed}`,
    );
    expect(() => parse({ space: { 'final.loss': { grid: [1] } } })).toThrow(
      `space.final.loss: "final" is a result key of a run config, not a setting; ${listed}`,
    );
    expect(() => parse({ space: { 'sizes.1': { grid: [3, 8] } } })).toThrow(
      'space.sizes.1: "sizes.1": "sizes" takes no dotted path (only optimizer, scheduler, batch_schedule, criterion, ' +
        'validation, early_stopping, manual_decay, data, scaler, activation_args do); search "sizes" whole',
    );
    expect(() => parse({ space: { 'optimizer..lr': { grid: [1] } } })).toThrow('"optimizer..lr" is not a dotted key');
    expect(() => parse({ space: JSON.parse('{"optimizer.__proto__.lr": {"grid": [1]}}') })).toThrow(
      '"__proto__" is not a run-config key',
    );
  });

  it('refuses a key that would overwrite an earlier, longer one', () => {
    expect(() =>
      parse({ space: { 'scheduler.args.gamma': { grid: [0.9] }, scheduler: { choice: [{ type: 'StepLR' }] } } }),
    ).toThrow('space.scheduler: comes after "scheduler.args.gamma" and would overwrite it; put "scheduler" first');
  });

  it('refuses bad pruners, other keys and too many trials', () => {
    const space = { seed: { grid: [1] } };
    expect(() => parse({ space, pruner: { type: 'hyperband' } })).toThrow(
      'lesson.json: pruner: must be null, {"type": "median", ...} or {"type": "asha", ...}, got type "hyperband"',
    );
    expect(() => parse({ space, pruner: { type: 'asha', grace_period: 4, max_t: 2 } })).toThrow(
      'pruner.max_t: must be >= grace_period (or null: the number of evaluations of a trial)',
    );
    expect(() => parse({ space, pruner: { type: 'asha', reduction_factor: 1 } })).toThrow('pruner.reduction_factor');
    expect(() => parse({ space, pruner: { type: 'median', interval_steps: 0 } })).toThrow('pruner.interval_steps');
    expect(() => parse({ space, pruner: { type: 'median', patience: 3 } })).toThrow('pruner: unknown key "patience"');
    expect(() => parse({ space, trials: 3 })).toThrow('lesson.json: (top level): unknown key "trials"');
    expect(() => parse({ space, metric: 'f1' })).toThrow('lesson.json: metric:');
    expect(() => parse({ space, samples: 0 })).toThrow('lesson.json: samples:');
    expect(() => parse({ space, name: '../x' })).toThrow('name: must not contain "/"');
    // 10 × 10 × 10 grid points × 101 samples = 101 000 > 100 000
    const grid = { grid: Array.from({ length: 10 }, (_, i) => i) };
    expect(() => parse({ space: { seed: grid, batch_size: grid, steps: grid }, samples: 101 })).toThrow(
      "lesson.json: space: 101000 trials (the grid's points times samples 101); at most 100000",
    );
    expect(() => parseSweepSpec({ base: { sizes: [2, 2] }, space }, 's')).toThrow(
      's: eval_every: no default, as base has no steps',
    );
  });
});

describe('expandTrials', () => {
  it('crosses the grid dimensions, first key outermost, each point taken `samples` times', () => {
    const trials = expandTrials(
      parse({ space: { batch_size: { grid: [4, 8, 20] }, activation: { grid: ['tanh', 'relu'] } }, samples: 2 }),
    );
    // 3 batch sizes × 2 activations × 2 samples; trial t: batch size index ⌊t / 4⌋, activation ⌊t / 2⌋ mod 2.
    expect(trials).toHaveLength(12);
    trials.forEach((trial, t) => {
      const params = { batch_size: [4, 8, 20][Math.floor(t / 4)], activation: ['tanh', 'relu'][Math.floor(t / 2) % 2] };
      expect(trial.index).toBe(t);
      expect(trial.params).toEqual(params);
      expect(trial.config.batch_size).toBe(params.batch_size);
      expect(trial.config.activation).toBe(params.activation);
      expect(trial.config.sizes).toEqual([2, 3, 2]);
    });
  });

  it('draws the random dimensions from numpy’s RandomState(seed), in key order, trial after trial', () => {
    const space = {
      'optimizer.kwargs.lr': { loguniform: [1e-3, 1e-1] },
      seed: { randint: [0, 1000] },
      activation: { choice: ['tanh', 'relu', 'sigmoid'] },
      'optimizer.kwargs.weight_decay': { uniform: [0, 0.1] },
    };
    const trials = expandTrials(parse({ space, samples: 3, seed: 7 }));
    // numpy: rs = RandomState(7); per trial u = rs.random_sample(), rs.randint(0, 1000), rs.randint(0, 3),
    // rs.uniform(0, 0.1); lr = 1e-3 * (1e-1 / 1e-3) ** u (Python's correctly rounded pow).
    expect(trials.map((t) => t.params)).toEqual([
      {
        'optimizer.kwargs.lr': 0.0014210736239935737,
        seed: 537,
        activation: 'sigmoid',
        'optimizer.kwargs.weight_decay': 0.043840923144089355,
      },
      {
        'optimizer.kwargs.lr': 0.02798532505338012,
        seed: 348,
        activation: 'relu',
        'optimizer.kwargs.weight_decay': 0.05384958704104337,
      },
      {
        'optimizer.kwargs.lr': 0.010051732611851685,
        seed: 366,
        activation: 'sigmoid',
        'optimizer.kwargs.weight_decay': 0.02684389801018712,
      },
    ]);
    // The closed form low · (high / low)^u for the generator's u, and the config carrying the values.
    const rs = new RandomState(7);
    for (const trial of trials) {
      const u = rs.randomSample();
      expect(trial.params['optimizer.kwargs.lr']).toBe(1e-3 * crPow(1e-1 / 1e-3, u));
      rs.randint(0, 1000);
      rs.randint(0, 3);
      rs.randomSample();
      expect(trial.config.optimizer.kwargs).toEqual({
        lr: trial.params['optimizer.kwargs.lr'],
        weight_decay: trial.params['optimizer.kwargs.weight_decay'],
      });
      expect(trial.config.seed).toBe(trial.params.seed);
    }
  });

  it('gives the same trials for the same seed, within bounds, and others for another seed', () => {
    const space = { 'optimizer.kwargs.lr': { loguniform: [1e-4, 1] }, seed: { randint: [5, 9] } };
    const a = expandTrials(parse({ space, samples: 200, seed: 3 }));
    expect(expandTrials(parse({ space, samples: 200, seed: 3 }))).toEqual(a);
    expect(expandTrials(parse({ space, samples: 200, seed: 4 }))).not.toEqual(a);
    const lrs = a.map((t) => t.params['optimizer.kwargs.lr'] as number);
    const seeds = a.map((t) => t.params.seed as number);
    expect(Math.min(...lrs)).toBeGreaterThanOrEqual(1e-4);
    expect(Math.max(...lrs)).toBeLessThan(1);
    // randint's high is excluded: 200 draws from {5, 6, 7, 8} take every value and never 9.
    expect([...new Set(seeds)].sort()).toEqual([5, 6, 7, 8]);
  });

  it('composes keys in order, and a null parent switches a dotted key off', () => {
    const stepLR = { type: 'StepLR', args: { step_size: 50, gamma: 0.99 } };
    const trials = expandTrials(
      parse({ space: { scheduler: { grid: [null, stepLR] }, 'scheduler.args.gamma': { grid: [0.9, 0.5] } } }),
    );
    expect(trials.map((t) => t.params)).toEqual([
      { scheduler: null, 'scheduler.args.gamma': 0.9 },
      { scheduler: null, 'scheduler.args.gamma': 0.5 },
      { scheduler: stepLR, 'scheduler.args.gamma': 0.9 },
      { scheduler: stepLR, 'scheduler.args.gamma': 0.5 },
    ]);
    expect(trials.map((t) => t.config.scheduler)).toEqual([
      null,
      null,
      { type: 'StepLR', args: { step_size: 50, gamma: 0.9 } },
      { type: 'StepLR', args: { step_size: 50, gamma: 0.5 } },
    ]);
    // The spec's own values are left as they were.
    expect(stepLR.args.gamma).toBe(0.99);
    // Absent parts are created: the base has no scheduler.
    const created = expandTrials(
      parse({ space: { 'scheduler.type': { grid: ['StepLR'] }, 'scheduler.args.step_size': { grid: [5] } } }),
    );
    expect(created[0].config.scheduler).toEqual({ type: 'StepLR', args: { step_size: 5 } });
    expect(refusal({ space: { 'scheduler.args.gamma': { grid: [0.9] } }, base: { ...base, scheduler: null } })).toBe(
      'sweep "lesson": space key "scheduler.args.gamma" changes no trial: a part of it is null in every trial\'s ' +
        'config',
    );
  });

  it('sets an entry of a list the base gives, and refuses an index it does not have', () => {
    const withGroups = { ...base, optimizer: { type: 'Adam', groups: [{ lr: 0.01 }, { lr: 0.02 }] } };
    const trials = expandTrials(parse({ base: withGroups, space: { 'optimizer.groups.1.lr': { grid: [0.5] } } }));
    expect(trials[0].config.optimizer.groups).toEqual([{ lr: 0.01 }, { lr: 0.5 }]);
    expect(withGroups.optimizer.groups[1].lr).toBe(0.02);
    expect(refusal({ base: withGroups, space: { 'optimizer.groups.2.lr': { grid: [0.5] } } })).toBe(
      'sweep "lesson": trial 0 {"optimizer.groups.2.lr":0.5}: space key "optimizer.groups.2.lr": optimizer.groups ' +
        'is a list of 2; "2" is not one of its indices (0 … 1)',
    );
  });

  it('refuses an invalid trial before anything trains, naming the trial, its params and the problem', () => {
    expect(refusal({ space: { batch_size: { grid: [4, 0] } } })).toBe(
      'sweep "lesson": trial 1 {"batch_size":0} is not a valid run config: batch_size: Too small: expected number ' +
        'to be >=1',
    );
    expect(refusal({ space: { 'optimizer.args.lr': { grid: [0.1] } } })).toBe(
      'sweep "lesson": trial 0 {"optimizer.args.lr":0.1} is not a valid run config: optimizer: unknown key "args"',
    );
  });

  it('refuses a validation metric when the trial has no held-out set', () => {
    const { validation: _, ...noValidation } = base;
    expect(refusal({ base: noValidation, space: { seed: { grid: [1] } } })).toBe(
      'sweep "lesson": trial 0 {"seed":1}: metric "val_loss" needs a held-out set, and the trial\'s config has no ' +
        'validation; give "validation" in base (e.g. {"val_split": 0.2}) or use metric "loss"',
    );
    expect(expandTrials(parse({ base: noValidation, space: { seed: { grid: [1] } }, metric: 'loss' }))).toHaveLength(1);
  });
});
