import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { parseRunConfig, type RunConfigInput } from '../../src/config/run_config.ts';
import { getEngine } from '../../src/engine/index.ts';
import { CyclicLR } from '../../src/lr_scheduler/index.ts';
import { ValidationError } from '../../src/params/error.ts';
import { checkScheduleUpFront, ScheduleRefusedError } from '../../src/train/preflight.ts';
import { prepareRun, runTraining } from '../../src/train/run.ts';
import { SchedulerStepError, type StepRecord } from '../../src/train/trainer.ts';

const base: RunConfigInput = {
  seed: 1,
  sizes: [2, 3, 2],
  activation: 'tanh',
  data: { type: 'moons', n_samples: 20, noise: 0.2, seed: 0 },
  optimizer: { type: 'Adam', groups: [{ lr: 0.01 }] },
  scheduler: { type: 'StepLR', args: { step_size: 50, gamma: 0.99 } },
  steps: 200,
};
const config = (extra: Partial<RunConfigInput>) => parseRunConfig({ ...base, ...extra });

function refusal(extra: Partial<RunConfigInput>): ValidationError {
  try {
    const run = prepareRun(config(extra));
    run.trainer.dispose();
    run.optimizer.dispose();
    run.model.dispose();
  } catch (err) {
    expect(err).toBeInstanceOf(ScheduleRefusedError);
    return err as ValidationError;
  }
  throw new Error('not refused');
}

describe('Trainer record option', () => {
  it("'none' keeps no per-step history: the heap after 1e6 more fused steps is what it was after 1e5", () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const growth = (record: 'none' | 'all') => {
      const run = prepareRun(config({ steps: 1 }), { record });
      const used = () => {
        gc();
        const m = process.memoryUsage();
        return m.heapUsed + m.arrayBuffers;
      };
      try {
        run.trainer.run(100_000);
        const before = used();
        run.trainer.run(1_000_000);
        return used() - before;
      } finally {
        run.trainer.dispose();
        run.optimizer.dispose();
        run.model.dispose();
      }
    };
    expect(growth('none')).toBeLessThan(4e6);
    // The measure sees a kept history: 'all' keeps 24 bytes a step here (Float64Arrays, grown by doubling).
    expect(growth('all')).toBeGreaterThan(10e6);
  }, 60_000);

  it('a callback sees every step as it is taken, the same numbers as a kept history; nothing is kept', () => {
    const all = runTraining(config({ steps: 120, batch_size: 8 }));
    const seen: { step: number; loss: number; lr: number[]; momentum: number[]; batchSize: number }[] = [];
    const streamed = runTraining(config({ steps: 120, batch_size: 8 }), {
      record: (r: StepRecord) => seen.push({ ...r, lr: Array.from(r.lr), momentum: Array.from(r.momentum) }),
    });
    expect(seen.map((r) => r.loss)).toEqual(all.loss);
    expect(seen.map((r) => r.lr)).toEqual(all.lr);
    expect(seen.map((r) => r.momentum)).toEqual(all.momentum);
    expect(seen.map((r) => r.batchSize)).toEqual(all.batch_sizes);
    expect(seen.map((r) => r.step)).toEqual(all.loss.map((_, i) => i));
    expect(streamed.loss).toEqual([]);
    expect(streamed.batches).toBeNull();
    expect(streamed.batch_sizes).toEqual([]);
    expect(streamed.recorded).toBe(false);
    expect(streamed.final_loss).toBe(all.final_loss);
    expect(streamed.evals).toEqual(all.evals);
    expect(streamed.lastStep!.loss).toBe(all.loss[119]);
    expect(Array.from(streamed.lastStep!.lr)).toEqual(all.lr[119]);
    const none = runTraining(config({ steps: 120 }), { record: 'none' });
    expect(none.steps).toBe(120);
    expect(none.lr).toEqual([]);
    expect(none.lastStep!.step).toBe(119);
  });

  it('prepareRun frees the optimizer (and the model) when the scheduler spec is refused', () => {
    const engine = getEngine();
    const before = engine.bytesInUse;
    expect(() => prepareRun(config({ scheduler: { type: 'StepLR', args: { step_size: 0 } } }))).toThrow(
      ValidationError,
    );
    expect(() =>
      prepareRun(config({ scheduler: { type: 'OneCycleLR', args: { max_lr: 0.1, total_steps: 10 } } })),
    ).toThrow(ScheduleRefusedError);
    expect(engine.bytesInUse).toBe(before);
  });
});

describe('a closed-form schedule is checked at every step before training', () => {
  it('LambdaLR: a lambda that turns the lr negative at step 101 is refused at step 0, naming lr_lambda', () => {
    const err = refusal({ scheduler: { type: 'LambdaLR', args: { lr_lambda: '1 - epoch/100' } } });
    expect(err.param).toBe('lr_lambda');
    expect(err.message).toContain('LambdaLR: lr_lambda gives the lr -0.00010000000000000009 at step 101');
    expect(err.got).toBe(-0.00010000000000000009);
    expect((err as ScheduleRefusedError).step).toBe(101);
    // The same lambda over 100 steps is fine (the lr after the last step is 0).
    expect(() =>
      runTraining(config({ steps: 100, scheduler: { type: 'LambdaLR', args: { lr_lambda: '1 - epoch/100' } } })),
    ).not.toThrow();
  });

  it('OneCycleLR: total_steps shorter than the run is refused, naming both numbers', () => {
    const err = refusal({ scheduler: { type: 'OneCycleLR', args: { max_lr: 0.1, total_steps: 150 } } });
    expect(err.message).toContain("OneCycleLR: total_steps is 150, shorter than the run's 200 steps");
    expect(err.param).toBe('totalSteps');
    expect(() =>
      runTraining(config({ steps: 150, scheduler: { type: 'OneCycleLR', args: { max_lr: 0.1, total_steps: 150 } } })),
    ).not.toThrow();
  });

  it('a manual decay whose factor overflows the lr to Infinity is refused, naming the step', () => {
    const err = refusal({ scheduler: null, manual_decay: { every: 10, factor: 1e100 } });
    expect(err.message).toContain('manual_decay: factor 1e+100 makes the lr Infinity at step 31');
    expect(err.param).toBe('factor');
  });

  it('CyclicLR: a scale_fn that gives NaN (or throws) is refused naming scale_fn and the step', () => {
    const run = prepareRun(
      config({ scheduler: null, optimizer: { type: 'SGD', groups: [{ lr: 0.01 }], kwargs: { momentum: 0.9 } } }),
    );
    try {
      const scheduler = new CyclicLR(run.optimizer, {
        baseLr: 0.001,
        maxLr: 0.1,
        stepSizeUp: 5,
        scaleFn: (x: number) => (x > 3 ? Number.NaN : 1),
        scaleMode: 'cycle',
      });
      expect(() => checkScheduleUpFront(run.config, run.optimizer.paramGroups, scheduler)).toThrow(
        /CyclicLR: scale_fn gives the lr NaN at step 30;/,
      );
    } finally {
      run.trainer.dispose();
      run.optimizer.dispose();
      run.model.dispose();
    }
    const err = refusal({
      scheduler: {
        type: 'CyclicLR',
        args: { base_lr: 0.001, max_lr: 0.1, step_size_up: 2, scale_fn: 'sqrt(2-x)', scale_mode: 'cycle' },
      },
    });
    expect(err.message).toContain('CyclicLR: scale_fn fails at step 8: Math domain error in sqrt()');
    expect(err.message).not.toContain('momentum');
  });
});

describe('a scheduler without a closed form that fails mid-run', () => {
  it('names the scheduler and the step, leaves the groups as the step used them, keeps the steps so far', () => {
    const chained = {
      type: 'ChainedScheduler',
      args: { schedulers: [{ type: 'LambdaLR', args: { lr_lambda: '1 - epoch/10' } }] },
    };
    // Configured for 5 steps, which the up-front play-through passes; run for 30, past what it checked.
    const run = prepareRun(config({ steps: 5, scheduler: chained, optimizer: { type: 'SGD', groups: [{ lr: 0.1 }] } }));
    try {
      let caught: unknown;
      try {
        run.trainer.run(30);
      } catch (err) {
        caught = err;
      }
      expect(caught).toBeInstanceOf(SchedulerStepError);
      const err = caught as SchedulerStepError;
      expect(err.step).toBe(10);
      expect(err.scheduler).toBe('ChainedScheduler');
      expect(err.message).toContain('ChainedScheduler failed after step 10');
      expect(err.history.loss).toHaveLength(11);
      expect(run.optimizer.paramGroups[0].lr).toBe(err.history.lr[10][0]);
      expect(run.trainer.step).toBe(11);
    } finally {
      run.trainer.dispose();
      run.optimizer.dispose();
      run.model.dispose();
    }
  });
});
