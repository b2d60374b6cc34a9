// The playground's regression data (issue 13): "plane" and "multi gaussian", seeded by numpy's RandomState and
// handed to the run config inline as float target rows, trained with a regression loss (MSELoss by default);
// the page's run is runTraining's run bit for bit, and its grid is the model's predicted value.

import { describe, expect, it } from 'vitest';
import { parseRunConfig, runTraining } from '../../src/index.ts';
import { PlaygroundRun } from '../../web/src/run.ts';
import { makeRegression, regressionTarget } from '../../web/src/regression.ts';
import { classCount, lessonState, toRunConfig, type PlaygroundState } from '../../web/src/state.ts';
import { decodeState, encodeState } from '../../web/src/url.ts';

function regression(edit: (s: PlaygroundState) => void = () => {}): PlaygroundState {
  const { state } = decodeState('data=plane&hidden=8&act=tanh&steps=200&sched=none');
  edit(state);
  return state;
}

describe('regression data', () => {
  it('is seeded: the same seed gives the same rows, another seed others; targets in [-1, 1]', () => {
    const a = makeRegression('gaussian', 50, 0.1, 3);
    expect(makeRegression('gaussian', 50, 0.1, 3)).toEqual(a);
    expect(makeRegression('gaussian', 50, 0.1, 4)).not.toEqual(a);
    expect(a.Y.every(([t]) => t >= -1 && t <= 1)).toBe(true);
    expect(regressionTarget('plane', 3, 2)).toBeCloseTo(0.5);
    expect(regressionTarget('gaussian', -4, 2.5)).toBe(1);
    expect(regressionTarget('gaussian', 0, 2.5)).toBe(-1);
  });

  it('maps to inline rows, one output and MSELoss in the run config', () => {
    const s = regression();
    expect(classCount(s.data)).toBe(1);
    const config = toRunConfig(s);
    expect(config.criterion).toEqual({ type: 'MSELoss', args: {} });
    expect(config.sizes).toEqual([2, 8, 1]);
    expect(config).not.toHaveProperty('data');
    expect((config.Y as number[][]).length).toBe(200);
  });

  it('URL: data=plane takes MSELoss; regression losses and their arguments round-trip; label losses refused', () => {
    const s = regression((x) => (x.loss = { type: 'HuberLoss', args: { delta: 0.5 } }));
    const text = encodeState(s);
    expect(text).toContain('loss=HuberLoss&l.delta=0.5');
    expect(decodeState(text)).toEqual({ state: s, problems: [] });
    expect(encodeState(regression())).not.toContain('loss=');
    const bad = decodeState('data=gaussian&loss=CrossEntropyLoss&l.beta=-1');
    expect(bad.state.loss).toEqual({ type: 'MSELoss', args: {} });
    expect(bad.problems).toEqual([
      'loss: expected one of MSELoss, L1Loss, SmoothL1Loss, HuberLoss, got "CrossEntropyLoss"',
      'l.beta: does not apply with the other settings of this link',
    ]);
    const smooth = decodeState('data=plane&loss=smoothl1loss&l.beta=-1');
    expect(smooth.state.loss).toEqual({ type: 'SmoothL1Loss', args: {} });
    expect(smooth.problems).toEqual(['l.beta: expected a finite number >= 0, got "-1"']);
    expect(lessonState().loss.type).toBe('CrossEntropyLoss');
  });
});

describe('the page regression run is the Node run', () => {
  for (const [name, edit] of [
    ['plane, MSELoss', () => {}],
    [
      'multi gaussian, SmoothL1Loss, 20 % test data',
      (x: PlaygroundState) => {
        x.data.type = 'gaussian';
        x.data.noise = 0.1;
        x.data.test = 20;
        x.loss = { type: 'SmoothL1Loss', args: { beta: 0.5 } };
      },
    ],
    [
      'plane, L1Loss, relu',
      (x: PlaygroundState) => {
        x.loss = { type: 'L1Loss', args: {} };
        x.network.activation = 'relu';
      },
    ],
  ] as const) {
    it(name, () => {
      const s = regression(edit as (x: PlaygroundState) => void);
      const run = new PlaygroundRun(s);
      const loss: number[] = [];
      const evals: unknown[] = [];
      for (let k = 0; !run.done; k++) {
        run.advance([1, 17, 64][k % 3]);
        const rec = run.takeRecord();
        loss.push(...rec.loss);
        evals.push(...rec.evals);
      }
      const grid = run.grid(10);
      const points = run.points;
      const final = run.evaluate();
      run.dispose();
      const node = runTraining(parseRunConfig(toRunConfig(s)));
      expect(loss).toEqual(node.loss);
      expect(final.loss).toBe(node.final_loss);
      if (s.data.test) expect(evals).toEqual(node.evals);
      expect(points.regression).toBe(true);
      expect(points.targets?.length).toBe(s.data.test ? 160 : 200);
      expect(grid.length).toBe(100); // one predicted value per cell
      expect(new Set(grid).size).toBeGreaterThan(50);
    });
  }
});
