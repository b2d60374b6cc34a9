import { describe, expect, it } from 'vitest';
import fixture from '../fixtures/schedulers.json' with { type: 'json' };
import { hasClosedForm, ReduceLROnPlateau, schedulerFromSpec } from '../../src/lr_scheduler/index.ts';
import { expectAllClose, expectClose, lrsOf, optimizerFor, toSpec, type FixtureOptimizer } from './support.ts';

interface SchedulerCase {
  name: string;
  optimizer: FixtureOptimizer;
  scheduler: { type: string; args?: Record<string, unknown> };
  steps: number;
  metrics?: number[];
  track?: ('momentum' | 'beta1')[];
  lr: number[][];
  momentum?: number[][];
  beta1?: number[][];
}

const cases = (fixture as unknown as { cases: SchedulerCase[] }).cases;
const REL = 1e-12;

describe('PyTorch 1.13 reference schedules (test/fixtures/schedulers.json)', () => {
  it('has the 23 cases the generator writes', () => {
    expect(cases.length).toBe(23);
  });

  it.each(cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const optimizer = optimizerFor(c.optimizer);
    const scheduler = schedulerFromSpec(optimizer, toSpec(c.scheduler));
    const check = (i: number): void => {
      expectAllClose(lrsOf(optimizer), c.lr[i], REL, 0, `${c.name} lr after ${i} steps`);
      expectAllClose(scheduler.getLastLr(), c.lr[i], REL, 0, `${c.name} getLastLr() after ${i} steps`);
      for (const key of c.track ?? []) {
        const actual = optimizer.paramGroups.map((g) =>
          key === 'beta1' ? (g.betas as readonly number[])[0] : (g.momentum as number),
        );
        expectAllClose(actual, (c[key] as number[][])[i], REL, 0, `${c.name} ${key} after ${i} steps`);
      }
    };
    expect(c.lr.length).toBe(c.steps + 1);
    check(0);
    for (let i = 0; i < c.steps; i++) {
      if (scheduler instanceof ReduceLROnPlateau) scheduler.step((c.metrics as number[])[i]);
      else scheduler.step();
      check(i + 1);
    }
  });

  // The closed form against PyTorch's own stepped values, where the class has one.
  it.each(
    cases
      .filter((c) => c.scheduler.type !== 'ReduceLROnPlateau' && c.scheduler.type !== 'ChainedScheduler')
      .map((c) => [c.name, c] as const),
  )('%s: lrAt(k) matches the reference', (_name, c) => {
    const scheduler = schedulerFromSpec(optimizerFor(c.optimizer), toSpec(c.scheduler));
    if (!hasClosedForm(scheduler)) throw new Error(`${c.scheduler.type} should have a closed form`);
    const scale = Math.max(...c.lr[0], ...c.optimizer.groups.map((g) => g.lr));
    for (let k = 0; k <= c.steps; k++) {
      scheduler.lrAt(k).forEach((lr, g) => expectClose(lr, c.lr[k][g], 1e-10, 1e-13 * scale, `${c.name} lrAt(${k})`));
    }
  });
});
