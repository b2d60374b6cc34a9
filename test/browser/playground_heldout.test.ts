// The playground's test data (issue 13): `test=PERCENT` in the link, a seeded split of the data held out of
// training (the run config's `validation.val_split`), evaluated where `anneal train` evaluates it. The page's
// run is checked against runTraining with the same config, bit for bit.

import { describe, expect, it } from 'vitest';
import { parseRunConfig, runTraining, type EvalPoint } from '../../src/index.ts';
import { PlaygroundRun } from '../../web/src/run.ts';
import { lessonState, toRunConfig, type PlaygroundState } from '../../web/src/state.ts';
import { decodeState, encodeState } from '../../web/src/url.ts';
import { state } from './page_state.ts';

/** Trains a PlaygroundRun to the end in uneven slices, as the worker does, keeping what it records. */
function trainInPage(s: PlaygroundState) {
  const run = new PlaygroundRun(s);
  const loss: number[] = [];
  const evals: EvalPoint[] = [];
  const slices = [1, 7, 64, 3, 250, 1000, 13];
  for (let k = 0; !run.done; k++) {
    run.advance(slices[k % slices.length]);
    const rec = run.takeRecord();
    loss.push(...rec.loss);
    evals.push(...rec.evals);
    run.grid(16);
    run.evaluateTest();
  }
  const test = run.evaluateTest();
  const points = run.points;
  const config = run.exportConfig();
  run.dispose();
  return { loss, evals, test, points, config };
}

describe('test data in the URL', () => {
  it('test=20 round-trips; the lesson (test=0) leaves it out of the link', () => {
    expect(encodeState(lessonState())).not.toContain('test=');
    const s = state((x) => (x.data.test = 20));
    const text = encodeState(s);
    expect(text).toContain('&test=20&');
    expect(decodeState(text)).toEqual({ state: s, problems: [] });
    expect(decodeState('test=0')).toEqual({ state: lessonState(), problems: [] });
  });

  it('names a bad test percentage and keeps 0 in its place', () => {
    for (const bad of ['51', '-1', '12.5', 'x', '']) {
      const { state: s, problems } = decodeState(`test=${encodeURIComponent(bad)}`);
      expect(s.data.test).toBe(0);
      expect(problems).toEqual([`test: expected a whole number from 0 to 50, got ${JSON.stringify(bad)}`]);
    }
  });

  it('maps to a seeded validation split of the run config (none at 0: the lesson is unchanged)', () => {
    expect(toRunConfig(lessonState())).not.toHaveProperty('validation');
    const s = state((x) => {
      x.data.test = 30;
      x.data.seed = 4;
    });
    expect(toRunConfig(s).validation).toEqual({ val_split: 0.3, seed: 4 });
  });
});

describe('the page run with test data is the Node run', () => {
  it('test=20 on 100 moons: every step loss and every held-out evaluation bit for bit', () => {
    const s = state((x) => {
      x.data.samples = 100;
      x.data.test = 20;
      x.steps = 300;
    });
    const page = trainInPage(s);
    const node = runTraining(parseRunConfig(toRunConfig(s)));
    expect(page.loss).toEqual(node.loss);
    expect(page.evals).toEqual(node.evals);
    expect(page.evals.length).toBe(101);
    expect(page.evals.every((e) => Number.isFinite(e.val_loss) && Number.isFinite(e.val_accuracy))).toBe(true);
    expect(page.test).toEqual({ loss: node.final_val_loss, accuracy: node.final_val_accuracy });
    // 20 of the 100 points are held out (stratified), and drawn apart from the 80 trained on.
    expect(page.points.y.length).toBe(80);
    expect(page.points.test?.y.length).toBe(20);
    expect(page.config.validation).toEqual({ val_split: 0.2, seed: 0 });
  });

  it('the lesson has no test data and evaluates nothing more', () => {
    const page = trainInPage(lessonState());
    expect(page.evals).toEqual([]);
    expect(page.test).toBeNull();
    expect(page.points.test).toBeNull();
  });

  it('1000 steps evaluated every 10 steps, sliced unevenly, match Node evaluation for evaluation', () => {
    const s = state((x) => {
      x.data.samples = 40;
      x.data.test = 25;
    });
    const page = trainInPage(s);
    const node = runTraining(parseRunConfig(toRunConfig(s)));
    expect(page.loss).toEqual(node.loss);
    expect(page.evals).toEqual(node.evals);
  });
});
