// The playground uses the library, not copies of it: its exports are the library's writers (what `anneal
// train --json` and `--out` write), and its mid-run schedule changes go through Trainer.setSchedule, the
// Trainer stepping the decay and the scheduler in its own order.

import { describe, expect, it } from 'vitest';
import { parseRunConfig, runTraining } from '../../src/index.ts';
import { prepareRun, resultToJson, runConfigToJson } from '../../src/train/run.ts';
import { PlaygroundRun } from '../../web/src/run.ts';
import { lessonState, toRunConfig, type PlaygroundState } from '../../web/src/state.ts';

function trainToEnd(s: PlaygroundState, slice = 97): PlaygroundRun {
  const run = new PlaygroundRun(s);
  while (!run.done) run.advance(slice);
  return run;
}

describe('the exports are written by the library', () => {
  it("the exported run is `anneal train --json`'s, evaluations aside", () => {
    const s = lessonState();
    const run = trainToEnd(s);
    const page = run.exportRun();
    run.dispose();
    const node = resultToJson(runTraining(parseRunConfig(toRunConfig(s))));
    const { evals: pageEvals, ...pageRest } = page as { evals: unknown[] };
    const { evals: nodeEvals, ...nodeRest } = node as { evals: unknown[] };
    expect(pageRest).toEqual(nodeRest);
    expect(pageEvals).toEqual([nodeEvals[nodeEvals.length - 1]]); // the page evaluates the end only
  });

  it('the exported config is run.json of `anneal train --out`', () => {
    const s = lessonState();
    const run = new PlaygroundRun(s);
    expect(run.exportConfig()).toEqual(runConfigToJson(parseRunConfig(toRunConfig(s))));
    run.dispose();
  });

  it('a run of mini-batches, exported midway, reruns bit for bit from its export', () => {
    const s = lessonState();
    Object.assign(s.data, { type: 'circles', samples: 60 });
    s.batchSize = 8;
    s.steps = 300;
    const run = new PlaygroundRun(s);
    run.advance(120);
    const page = run.exportRun() as { steps: number; loss: number[]; final: unknown; batch_sizes: number[] };
    run.dispose();
    expect(page.steps).toBe(120);
    expect(page.batch_sizes).toEqual(new Array(120).fill(8));
    const rerun = runTraining(parseRunConfig(page));
    expect(rerun.loss).toEqual(page.loss);
    expect(rerun.final).toEqual(page.final);
    expect(rerun.batch_sizes).toEqual(page.batch_sizes);
  });
});

describe('Trainer.setSchedule', () => {
  it('swapping in the same schedule midway changes nothing; dropping it holds the lr from the next step', () => {
    const config = parseRunConfig({ ...toRunConfig(lessonState()), manual_decay: { every: 30, factor: 0.9 } });
    const whole = prepareRun(config);
    whole.trainer.run(200);
    const split = prepareRun(config);
    split.trainer.run(90);
    split.trainer.setSchedule(split.trainer.schedule);
    split.trainer.run(110);
    expect(split.trainer.history).toEqual(whole.trainer.history);

    split.trainer.setSchedule({});
    const lr = split.optimizer.paramGroups[0].lr;
    split.trainer.run(50);
    expect(new Set(split.trainer.historyRange(200).lr.map((g) => g[0]))).toEqual(new Set([lr]));
    expect(() => split.trainer.setSchedule({ manualDecay: { every: 0, factor: 0.5 } })).toThrow(/every/);
    for (const r of [whole, split]) {
      r.trainer.dispose();
      r.optimizer.dispose();
      r.model.dispose();
    }
  });
});
