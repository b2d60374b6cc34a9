// The playground's modules in Node: the scheduler catalog against the library, the URL codec, and the page's
// run (PlaygroundRun: sliced training, schedule changes mid-run, the previewed schedule) against runTraining
// and the lesson's own loop. The same modules run in the browser's worker; playground.test.ts checks the page.

import { describe, expect, it } from 'vitest';
import {
  ACTIVATIONS as LIBRARY_ACTIVATIONS,
  Adam,
  LogicNet,
  makeMoons,
  parseRunConfig,
  runTraining,
  SCHEDULER_TYPES,
  schedulerSpecArgs,
  StepLR,
} from '../../src/index.ts';
import { OPTIMIZER_TYPES } from '../../src/config/optimizer_spec.ts';
import { PlaygroundRun } from '../../web/src/run.ts';
import { CHILD_TYPES, SCHEDULERS, initialChoice } from '../../web/src/schedulers.ts';
import {
  ACTIVATIONS,
  OPTIMIZERS,
  lessonState,
  toRunConfig,
  withEdit,
  type PlaygroundState,
} from '../../web/src/state.ts';
import { decodeState, encodeState } from '../../web/src/url.ts';
import { state } from './page_state.ts';

/** Trains a PlaygroundRun to the end in uneven slices, drawing the boundary and evaluating between them. */
function trainInPage(s: PlaygroundState) {
  const run = new PlaygroundRun(s);
  const loss: number[] = [];
  const lr: number[] = [];
  const momentum: number[] = [];
  const slices = [1, 7, 64, 3, 250, 1000];
  for (let k = 0; !run.done; k++) {
    run.advance(slices[k % slices.length]);
    const rec = run.takeRecord();
    loss.push(...rec.loss);
    lr.push(...rec.lr);
    momentum.push(...rec.momentum);
    run.grid(16);
    run.evaluate();
  }
  const exported = run.exportRun() as { loss: number[]; lr: number[][]; final: unknown; final_loss: number };
  const preview = run.preview();
  run.dispose();
  return { loss, lr, momentum, exported, preview };
}

describe('scheduler catalog', () => {
  it('offers every scheduler of the library, with arguments the library takes', () => {
    const offered = SCHEDULERS.map((d) => d.type).filter((t) => t !== 'none' && t !== 'manual');
    expect([...offered].sort()).toEqual([...SCHEDULER_TYPES].sort());
    for (const def of SCHEDULERS) {
      if (def.type === 'none' || def.type === 'manual') continue;
      const accepted = schedulerSpecArgs(def.type);
      for (const arg of def.args) expect(accepted, `${def.type}.${arg.name}`).toContain(arg.name);
    }
    for (const t of CHILD_TYPES) expect(SCHEDULER_TYPES).toContain(t);
    // The page's other lists (kept in the page so its main thread does not load the core) are the library's.
    expect([...ACTIVATIONS]).toEqual([...LIBRARY_ACTIVATIONS]);
    expect([...OPTIMIZERS]).toEqual([...OPTIMIZER_TYPES]);
  });

  it("builds every scheduler with the page's starting arguments, and trains with it as Node does", () => {
    for (const def of SCHEDULERS) {
      const s = state((x) => {
        x.steps = 120;
        x.schedule.scheduler = initialChoice(def.type, 120);
      });
      const page = trainInPage(s);
      const node = runTraining(parseRunConfig(toRunConfig(s)));
      expect(page.loss, def.type).toEqual(node.loss);
      expect(page.lr, def.type).toEqual(node.lr.map((r) => r[0]));
      expect(page.momentum, def.type).toEqual(node.momentum.map((r) => r[0]));
      expect(page.exported.final, def.type).toEqual(node.final);
      expect(page.loss.length, def.type).toBe(120);
    }
  });
});

describe('the page run is the Node run', () => {
  it("the lesson: 1000 steps, every loss, lr and the final weights bit for bit, and the README's numbers", () => {
    const s = lessonState();
    const page = trainInPage(s);
    const node = runTraining(parseRunConfig(toRunConfig(s)));
    expect(page.loss).toEqual(node.loss);
    expect(page.lr).toEqual(node.lr.map((r) => r[0]));
    expect(page.exported.loss).toEqual(node.loss);
    expect(page.exported.lr).toEqual(node.lr);
    expect(page.exported.final).toEqual(node.final);
    expect(page.exported.final_loss).toBe(node.final_loss);
    expect(node.final_loss).toBeCloseTo(0.0060654, 6);
    expect(page.lr[999]).toBeCloseTo(0.00826169, 8);
    // The lesson's config, as `anneal train` builds it with no flags.
    expect(toRunConfig(s)).toMatchObject({
      sizes: [2, 3, 2],
      activation: 'tanh',
      seed: 0,
      steps: 1000,
      batch_size: null,
      data: { type: 'moons', n_samples: 20, noise: 0.2, seed: 0 },
      scheduler: { type: 'StepLR', args: { step_size: 50, gamma: 0.99 } },
    });
  });

  it.each([
    [
      'manual decay, SGD with momentum, mini-batches of 8',
      (s: PlaygroundState) => {
        Object.assign(s.data, { type: 'circles', samples: 60, noise: 0.1 });
        Object.assign(s.optimizer, { type: 'SGD', momentum: 0.9, nesterov: true });
        s.network.hidden = [8, 8];
        s.network.activation = 'relu';
        s.batchSize = 8;
        s.schedule = { lr: 0.1, scheduler: { type: 'manual', args: { every: 40, factor: 0.9 } } };
        s.steps = 400;
      },
    ],
    [
      'AdamW, OneCycleLR cycling beta1, spirals with 3 arms',
      (s: PlaygroundState) => {
        Object.assign(s.data, { type: 'spirals', samples: 90, arms: 3 });
        Object.assign(s.optimizer, { type: 'AdamW', weightDecay: 0.01 });
        s.network.hidden = [16];
        s.schedule = { lr: 0.01, scheduler: initialChoice('OneCycleLR', 300) };
        s.steps = 300;
      },
    ],
    [
      'ReduceLROnPlateau on the loss, blobs',
      (s: PlaygroundState) => {
        Object.assign(s.data, { type: 'blobs', samples: 90, centers: 3, noise: 1.5 });
        s.schedule = {
          lr: 0.05,
          scheduler: { type: 'ReduceLROnPlateau', args: { mode: 'min', factor: 0.5, patience: 5, threshold: 1e-2 } },
        };
        s.steps = 300;
      },
    ],
  ])('%s', (_, edit) => {
    const s = state(edit);
    const page = trainInPage(s);
    const node = runTraining(parseRunConfig(toRunConfig(s)));
    expect(page.loss).toEqual(node.loss);
    expect(page.lr).toEqual(node.lr.map((r) => r[0]));
    expect(page.momentum).toEqual(node.momentum.map((r) => r[0]));
    expect(page.exported.final).toEqual(node.final);
    expect(new Set(page.lr).size).toBeGreaterThan(2); // the schedule did change the lr
  });
});

describe('changes during a run', () => {
  it('a new lr applies from the next step, and StepLR carries on from it, as in the lesson loop in PyTorch', () => {
    const run = new PlaygroundRun(lessonState());
    run.advance(500);
    run.changeSchedule({ lr: 0.05, scheduler: { type: 'StepLR', args: { step_size: 50, gamma: 0.99 } } });
    while (!run.done) run.advance(137);
    const rec = run.takeRecord();
    expect(run.state.edits).toEqual([
      { at: 500, schedule: { lr: 0.05, scheduler: { type: 'StepLR', args: { step_size: 50, gamma: 0.99 } } } },
    ]);
    const preview = run.preview();
    run.dispose();

    // The lesson's loop, with `for g in opt.param_groups: g['lr'] = 0.05` before step 500.
    const data = makeMoons({ nSamples: 20, noise: 0.2, seed: 0 });
    const model = new LogicNet({ inputDim: 2, hiddenDim: 3, outputDim: 2, seed: 0 });
    const optimizer = new Adam(model.parameters(), { lr: 0.01 });
    const scheduler = new StepLR(optimizer, { stepSize: 50, gamma: 0.99 });
    const loss: number[] = [];
    const lr: number[] = [];
    for (let i = 0; i < 1000; i++) {
      if (i === 500) for (const g of optimizer.paramGroups) g.lr = 0.05;
      lr.push(optimizer.paramGroups[0].lr);
      loss.push(model.trainStep(data, data.y, optimizer));
      scheduler.step();
    }
    expect(rec.loss).toEqual(loss);
    expect(rec.lr).toEqual(lr);
    expect(rec.lr[500]).toBe(0.05);
    expect(rec.lr[550]).toBe(0.05 * 0.99);
    expect(Array.from(preview.lr)).toEqual(lr); // the dashed line was the truth
  });

  it('a new scheduler mid-run is built on the optimizer and runs from the next step; the link replays it', () => {
    const cosine = { lr: 0.02, scheduler: { type: 'CosineAnnealingLR', args: { T_max: 400, eta_min: 0 } } };
    const run = new PlaygroundRun(lessonState());
    run.advance(300);
    const edited = run.changeSchedule(cosine);
    while (!run.done) run.advance(1000);
    const live = run.takeRecord();
    run.dispose();
    expect(live.lr[299]).toBeCloseTo(0.01 * 0.99 ** 5, 15); // StepLR decayed after steps 50, 100, …, 250
    expect(live.lr[300]).toBe(0.02);
    expect(live.lr[999]).toBeLessThan(0.02);

    // The link of that moment, opened again: the same run, edits replayed at their step.
    const url = encodeState(edited);
    expect(url).toContain('@300.lr=0.02&@300.sched=CosineAnnealingLR&@300.s.T_max=400');
    const decoded = decodeState(url);
    expect(decoded.problems).toEqual([]);
    const replay = trainInPage(decoded.state);
    expect(replay.loss).toEqual(live.loss);
    expect(replay.lr).toEqual(live.lr);
    expect(Array.from(replay.preview.lr)).toEqual(live.lr);
  });

  it('an edit at step 0 is the run itself; a later edit drops the ones after it', () => {
    const s = withEdit(lessonState(), 0, { lr: 0.1, scheduler: { type: 'none', args: {} } });
    expect(s.schedule.lr).toBe(0.1);
    expect(s.edits).toEqual([]);
    const a = withEdit(lessonState(), 300, { lr: 0.02, scheduler: lessonState().schedule.scheduler });
    const b = withEdit(withEdit(a, 600, { lr: 0.03, scheduler: a.schedule.scheduler }), 200, {
      lr: 0.05,
      scheduler: a.schedule.scheduler,
    });
    expect(b.edits.map((e) => [e.at, e.schedule.lr])).toEqual([[200, 0.05]]);
  });

  it('a bad scheduler argument mid-run is refused and changes nothing', () => {
    const run = new PlaygroundRun(lessonState());
    run.advance(100);
    const lr = run.hyperParameters.lr;
    expect(() =>
      run.changeSchedule({ lr: 0.5, scheduler: { type: 'StepLR', args: { step_size: 0, gamma: 0.5 } } }),
    ).toThrow(/step_size/);
    expect(run.hyperParameters.lr).toBe(lr);
    expect(run.state.edits).toEqual([]);
    run.dispose();
  });
});

describe('URL codec', () => {
  it('the lesson round-trips, and an empty query is the lesson', () => {
    const text = encodeState(lessonState());
    expect(text).toBe(
      'data=moons&n=20&noise=0.2&dseed=0&hidden=3&act=tanh&seed=0' +
        '&opt=Adam&lr=0.01&betas=0.9,0.999&eps=1e-8&amsgrad=false&wd=0' +
        '&sched=StepLR&s.step_size=50&s.gamma=0.99&batch=full&steps=1000&speed=300&log=true',
    );
    expect(decodeState(text)).toEqual({ state: lessonState(), problems: [] });
    expect(decodeState('')).toEqual({ state: lessonState(), problems: [] });
  });

  it('every scheduler, nested ones and expressions included, round-trips', () => {
    for (const def of SCHEDULERS) {
      const s = state((x) => {
        x.schedule.scheduler = initialChoice(def.type, x.steps);
        x.optimizer.type = 'SGD';
        x.batchSize = 5;
        x.speed = 0;
      });
      const decoded = decodeState(encodeState(s));
      expect(decoded.problems, def.type).toEqual([]);
      expect(decoded.state, def.type).toEqual(s);
    }
  });

  it('short links take the lesson for what they leave out', () => {
    const { state: s, problems } = decodeState('?lr=0.1&sched=CosineAnnealingLR&data=spirals&hidden=8,8');
    expect(problems).toEqual([]);
    expect(s.schedule).toEqual({
      lr: 0.1,
      scheduler: { type: 'CosineAnnealingLR', args: { T_max: 1000, eta_min: 0 } },
    });
    expect(s.data).toMatchObject({ type: 'spirals', samples: 200, noise: 0.2 });
    expect(s.network.hidden).toEqual([8, 8]);
  });

  it('names every bad parameter and keeps the lesson value in its place', () => {
    const { state: s, problems } = decodeState(
      '?lr=abc&data=hexagons&steps=-5&hidden=3,x&colour=red' +
        '&factor=0.3&sched=StepLR&s.gamma=fast&@x.lr=1&opt=Adam&opt=SGD&betas=0.9',
    );
    expect(problems).toEqual([
      'data: expected one of moons, circles, blobs, spirals, plane, gaussian, iris, digits, diabetes, got "hexagons"',
      'hidden: expected up to 8 comma-separated whole numbers from 1 to 256, got "3,x"',
      'opt: given 2 times; give it once',
      'betas: expected 2 comma-separated numbers, got "0.9"',
      'steps: expected a whole number from 0 to 1000000, got "-5"',
      'lr: expected a number >= 0, got "abc"',
      's.gamma: expected a number, got "fast"',
      '@x.lr: a change during the run is @STEP.NAME with STEP a whole number >= 1, got "@x"',
      'colour: unknown parameter',
      'factor: does not apply with the other settings of this link',
    ]);
    expect(s).toEqual(state((x) => (x.optimizer.type = 'Adam')));
  });

  it('reads names in any casing and writes them back canonically', () => {
    const shouted = decodeState('?data=MOONS&act=Tanh&opt=adam&sched=steplr&s.step_size=50&s.gamma=0.99');
    expect(shouted).toEqual({ state: lessonState(), problems: [] });
    expect(encodeState(shouted.state)).toBe(encodeState(lessonState()));
    const nested = decodeState(
      '?data=Spirals&act=RELU&opt=sgd&sched=SEQUENTIALLR&s.schedulers=linearlr,CosineAnnealingLr&s.milestones=100' +
        '&s.1.T_max=900&@500.sched=NONE',
    );
    expect(nested.problems).toEqual([]);
    expect([nested.state.data.type, nested.state.network.activation, nested.state.optimizer.type]).toEqual([
      'spirals',
      'relu',
      'SGD',
    ]);
    expect(nested.state.schedule.scheduler.type).toBe('SequentialLR');
    expect((nested.state.schedule.scheduler.args.schedulers as { type: string }[]).map((c) => c.type)).toEqual([
      'LinearLR',
      'CosineAnnealingLR',
    ]);
    expect((nested.state.schedule.scheduler.args.schedulers as { args: Record<string, unknown> }[])[1].args.T_max).toBe(
      900,
    );
    expect(nested.state.edits.map((e) => [e.at, e.schedule.scheduler.type])).toEqual([[500, 'none']]);
    expect(encodeState(nested.state)).toContain('&opt=SGD&');
    expect(encodeState(nested.state)).toContain('&sched=SequentialLR&s.schedulers=LinearLR,CosineAnnealingLR&');
    expect(decodeState('?opt=adagrad').problems).toEqual(['opt: expected one of Adam, AdamW, SGD, got "adagrad"']);
  });

  it('never evaluates: an expression is kept as text for the library parser, which reports its mistakes', () => {
    const { state: s, problems } = decodeState(`?sched=LambdaLR&s.lr_lambda=${encodeURIComponent('alert(1)')}`);
    expect(problems).toEqual([]);
    expect(s.schedule.scheduler.args.lr_lambda).toBe('alert(1)');
    expect(() => new PlaygroundRun(s)).toThrow(/alert/);
  });
});
