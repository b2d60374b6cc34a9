// The library's real datasets in the playground (issue 13): iris, digits (class labels) and diabetes (float
// targets), named by the run config's data spec, trained as runTraining trains them; more than 2 features, so
// nothing is drawn in the plane (no grid), and the URL leaves out what does not apply (samples, noise).

import { describe, expect, it } from 'vitest';
import { parseRunConfig, runTraining } from '../../src/index.ts';
import { PlaygroundRun } from '../../web/src/run.ts';
import { lessonState, toRunConfig, type DatasetType } from '../../web/src/state.ts';
import { decodeState, encodeState } from '../../web/src/url.ts';

describe('real datasets', () => {
  it('URL: data=iris round-trips without n or noise; n given for it does not apply', () => {
    const { state, problems } = decodeState('data=iris&test=20');
    expect(problems).toEqual([]);
    expect(state.data).toMatchObject({ type: 'iris', samples: 150, test: 20 });
    const text = encodeState(state);
    expect(text).not.toMatch(/[?&]n=|noise=/);
    expect(decodeState(text)).toEqual({ state, problems: [] });
    expect(decodeState('data=digits&n=30').problems).toEqual([
      'n: does not apply with the other settings of this link',
    ]);
    expect(decodeState('data=diabetes').state.loss).toEqual({ type: 'MSELoss', args: {} });
    expect(lessonState().data.type).toBe('moons');
  });

  for (const [type, sizes, criterion] of [
    ['iris', [4, 3, 3], undefined],
    ['digits', [64, 3, 10], undefined],
    ['diabetes', [10, 3, 1], { type: 'MSELoss', args: {} }],
  ] as const) {
    it(`${type}: the run config's spec, and the page's run (with 20 % test data) is Node's`, () => {
      const { state } = decodeState(`data=${type}&test=20&steps=60&sched=none`);
      const config = toRunConfig(state);
      expect(config.data).toEqual({ type: type as DatasetType });
      expect(config.sizes).toEqual(sizes);
      expect(config.criterion).toEqual(criterion);
      const run = new PlaygroundRun(state);
      const loss: number[] = [];
      const evals: unknown[] = [];
      while (!run.done) {
        run.advance(7);
        const rec = run.takeRecord();
        loss.push(...rec.loss);
        evals.push(...rec.evals);
      }
      expect(run.points.planar).toBe(false);
      expect(run.points.x.length).toBe(0);
      expect(() => run.grid(4)).toThrow(/features/);
      run.dispose();
      const node = runTraining(parseRunConfig(config));
      expect(loss).toEqual(node.loss);
      expect(evals).toEqual(node.evals);
    });
  }
});
