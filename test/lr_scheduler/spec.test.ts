import { describe, expect, it } from 'vitest';
import { crPow } from '../../src/data/correctly_rounded_math.ts';
import {
  ChainedScheduler,
  CyclicLR,
  LambdaLR,
  ReduceLROnPlateau,
  SCHEDULER_TYPES,
  schedulerFromSpec,
  schedulerSpecArgs,
  type SchedulerSpec,
  type SequentialLR,
  StepLR,
} from '../../src/lr_scheduler/index.ts';
import { adam, lrsOf, sgd } from './support.ts';

describe('schedulerFromSpec', () => {
  it("knows PyTorch's 16 scheduler classes", () => {
    expect([...SCHEDULER_TYPES].sort()).toEqual(
      [
        'ChainedScheduler',
        'ConstantLR',
        'CosineAnnealingLR',
        'CosineAnnealingWarmRestarts',
        'CyclicLR',
        'ExponentialLR',
        'LambdaLR',
        'LinearLR',
        'MultiStepLR',
        'MultiplicativeLR',
        'OneCycleLR',
        'PolynomialLR',
        'ReduceLROnPlateau',
        'SWALR',
        'SequentialLR',
        'StepLR',
      ].sort(),
    );
  });

  it('builds from snake_case arguments the same schedule as the constructor', () => {
    const a = adam(0.1);
    const b = adam(0.1);
    const fromSpec = schedulerFromSpec(a, { type: 'StepLR', args: { step_size: 3, gamma: 0.5 } });
    const direct = new StepLR(b, { stepSize: 3, gamma: 0.5 });
    expect(fromSpec).toBeInstanceOf(StepLR);
    for (let i = 0; i < 10; i++) {
      (fromSpec as StepLR).step();
      direct.step();
      expect(lrsOf(a)).toEqual(lrsOf(b));
    }
    expect(lrsOf(a)).toEqual([0.1 * 0.5 ** 3]);
  });

  it('takes null as the default (Python None)', () => {
    const scheduler = schedulerFromSpec(adam(0.1), { type: 'StepLR', args: { step_size: 1, gamma: null } }) as StepLR;
    expect(scheduler.gamma).toBe(0.1);
    const cyclic = schedulerFromSpec(sgd(0.9, 0.1), {
      type: 'CyclicLR',
      args: { base_lr: 0.01, max_lr: 0.1, step_size_up: 4, step_size_down: null },
    }) as CyclicLR;
    expect(cyclic.totalSize).toBe(8);
  });

  it('rejects an unknown type, listing the known ones', () => {
    expect(() => schedulerFromSpec(adam(0.1), { type: 'WarmupLR', args: {} })).toThrow(
      `schedulerFromSpec: unknown scheduler type "WarmupLR"; expected one of ${SCHEDULER_TYPES.join(', ')}`,
    );
  });

  it("reads the type in any casing, and names it in PyTorch's spelling", () => {
    const a = adam(0.1);
    const b = adam(0.1);
    const lower = schedulerFromSpec(a, { type: 'steplr', args: { step_size: 2, gamma: 0.5 } });
    const upper = schedulerFromSpec(b, { type: 'STEPLR', args: { step_size: 2, gamma: 0.5 } });
    expect(lower).toBeInstanceOf(StepLR);
    for (let i = 0; i < 5; i++) {
      (lower as StepLR).step();
      (upper as StepLR).step();
    }
    expect(lrsOf(a)).toEqual([0.1 * 0.5 ** 2]);
    expect(lrsOf(b)).toEqual([0.1 * 0.5 ** 2]);
    expect(schedulerSpecArgs('cosineannealinglr')).toEqual(['T_max', 'eta_min', 'last_epoch']);
    expect(() => schedulerFromSpec(adam(0.1), { type: 'steplr', args: { stepSize: 3 } })).toThrow(
      "schedulerFromSpec: StepLR has no argument 'stepSize' (accepted: step_size, gamma, last_epoch)",
    );
  });

  it('rejects an unknown argument, naming it and listing the accepted ones', () => {
    expect(() => schedulerFromSpec(adam(0.1), { type: 'StepLR', args: { step_size: 3, stepSize: 3 } })).toThrow(
      "schedulerFromSpec: StepLR has no argument 'stepSize' (accepted: step_size, gamma, last_epoch)",
    );
    expect(() => schedulerFromSpec(adam(0.1), { type: 'ReduceLROnPlateau', args: { verbose: true } })).toThrow(
      "schedulerFromSpec: ReduceLROnPlateau has no argument 'verbose' " +
        '(accepted: mode, factor, patience, threshold, threshold_mode, cooldown, min_lr, eps)',
    );
    expect(schedulerSpecArgs('CosineAnnealingLR')).toEqual(['T_max', 'eta_min', 'last_epoch']);
  });

  it('passes every accepted argument on to the constructor', () => {
    for (const type of SCHEDULER_TYPES) {
      for (const name of schedulerSpecArgs(type)) {
        let message = '';
        try {
          schedulerFromSpec(sgd(0.9, 0.1), { type, args: { [name]: '?' } });
        } catch (error) {
          message = (error as Error).message;
        }
        expect(message, `${type}.${name}`).not.toMatch(/unknown option/);
      }
    }
  });

  it('reports invalid values with the snake_case name too', () => {
    expect(() => schedulerFromSpec(adam(0.1), { type: 'CosineAnnealingLR', args: { T_max: 0 } })).toThrow(
      'CosineAnnealingLR: tMax (T_max) must be an integer >= 1, got 0',
    );
    expect(() => schedulerFromSpec(adam(0.1), { type: 'LambdaLR', args: { lr_lambda: 'min(1, epoch / )' } })).toThrow(
      new RegExp(
        /^LambdaLR: lrLambda \(lr_lambda\) is not a valid expression: /.source +
          /Unexpected '\)' at column 16\n {2}min\(1, epoch \/ \)\n {17}\^$/.source,
      ),
    );
    expect(() => schedulerFromSpec(adam(0.1), 'StepLR' as never)).toThrow(
      'schedulerFromSpec: a spec must be an object {type, args}, got "StepLR"',
    );
  });

  it('compiles lr_lambda expressions, one per group', () => {
    const optimizer = adam(0.1, 0.01);
    const scheduler = schedulerFromSpec(optimizer, {
      type: 'LambdaLR',
      args: { lr_lambda: ['0.5 ** epoch', 'min(1, (epoch + 1) / 4)'] },
    });
    expect(scheduler).toBeInstanceOf(LambdaLR);
    (scheduler as LambdaLR).step();
    (scheduler as LambdaLR).step();
    expect(lrsOf(optimizer)).toEqual([0.1 * 0.5 ** 2, 0.01 * Math.min(1, 3 / 4)]);
  });

  it("compiles CyclicLR's scale_fn as an expression in x", () => {
    const a = sgd(0.9, 0.1);
    const b = sgd(0.9, 0.1);
    const args = { base_lr: 0.01, max_lr: 0.1, step_size_up: 3, scale_mode: 'iterations' };
    const fromText = schedulerFromSpec(a, { type: 'CyclicLR', args: { ...args, scale_fn: '0.99 ** x' } }) as CyclicLR;
    const fromFunction = new CyclicLR(b, {
      baseLr: 0.01,
      maxLr: 0.1,
      stepSizeUp: 3,
      scaleMode: 'iterations',
      scaleFn: (x) => crPow(0.99, x),
    });
    for (let i = 0; i < 20; i++) {
      fromText.step();
      fromFunction.step();
      expect(lrsOf(a)).toEqual(lrsOf(b));
      expect(a.paramGroups[0].momentum).toBe(b.paramGroups[0].momentum);
    }
    expect(fromText.stateDict()._scale_fn_custom).toBe('0.99 ** x');
    expect(fromFunction.stateDict()._scale_fn_custom).toBeNull();
  });

  it('builds nested specs for SequentialLR and ChainedScheduler', () => {
    const optimizer = adam(0.1);
    const scheduler = schedulerFromSpec(optimizer, {
      type: 'SequentialLR',
      args: {
        schedulers: [
          { type: 'ConstantLR', args: { factor: 0.5, total_iters: 2 } },
          {
            type: 'ChainedScheduler',
            args: {
              schedulers: [
                { type: 'ExponentialLR', args: { gamma: 0.9 } },
                { type: 'StepLR', args: { step_size: 2, gamma: 0.5 } },
              ],
            },
          },
        ],
        milestones: [3],
      },
    }) as SequentialLR;
    expect(scheduler.schedulers[1]).toBeInstanceOf(ChainedScheduler);
    const expected = [0.05, 0.05, 0.1, 0.1, 0.1 * 0.9, 0.1 * 0.9 * 0.9 * 0.5];
    expected.forEach((lr, k) => {
      if (k > 0) scheduler.step();
      expect(lrsOf(optimizer)[0], `after ${k} steps`).toBeCloseTo(lr, 15);
    });
  });

  it('refuses ReduceLROnPlateau inside SequentialLR / ChainedScheduler', () => {
    expect(() =>
      schedulerFromSpec(adam(0.1), {
        type: 'ChainedScheduler',
        args: { schedulers: [{ type: 'ReduceLROnPlateau', args: {} }] },
      }),
    ).toThrow(
      'ChainedScheduler: schedulers[0] must be an LRScheduler ' +
        '(ReduceLROnPlateau needs a metric at every step and cannot be combined)',
    );
    expect(schedulerFromSpec(adam(0.1), { type: 'ReduceLROnPlateau' })).toBeInstanceOf(ReduceLROnPlateau);
    expect(() =>
      schedulerFromSpec(adam(0.1), { type: 'SequentialLR', args: { schedulers: 'StepLR', milestones: [] } }),
    ).toThrow(`schedulerFromSpec: SequentialLR's schedulers must be a list of specs, got "StepLR"`);
  });
});

describe('nested specs', () => {
  it('ChainedScheduler nested 5000 deep is refused with a message, not a stack overflow', () => {
    let spec: SchedulerSpec = { type: 'StepLR', args: { step_size: 2 } };
    for (let i = 0; i < 5000; i++) spec = { type: 'ChainedScheduler', args: { schedulers: [spec] } };
    expect(() => schedulerFromSpec(adam(0.1), spec)).toThrow(
      'schedulerFromSpec: schedulers nested more than 32 levels deep',
    );
    let shallow: SchedulerSpec = { type: 'StepLR', args: { step_size: 2 } };
    for (let i = 0; i < 32; i++) shallow = { type: 'ChainedScheduler', args: { schedulers: [shallow] } };
    expect(schedulerFromSpec(adam(0.1), shallow).getLastLr()).toEqual([0.1]);
  });
});
