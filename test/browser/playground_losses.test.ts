// The playground's losses and activation arguments (issue 13): the controls and the URL keys (`loss`, `l.NAME`,
// `a.NAME`) come from the library's declarations; a page run with them is runTraining's run, bit for bit.

import { describe, expect, it } from 'vitest';
import { ACTIVATIONS as LIBRARY_ACTIVATIONS, parseRunConfig, runTraining } from '../../src/index.ts';
import { criterionParams } from '../../src/nn/losses.ts';
import { activationArgs, lossArgs, LABEL_LOSSES, REGRESSION_LOSSES } from '../../web/src/losses.ts';
import { PlaygroundRun } from '../../web/src/run.ts';
import { ACTIVATIONS, lessonState, toRunConfig, type PlaygroundState } from '../../web/src/state.ts';
import { decodeState, encodeState } from '../../web/src/url.ts';
import { state } from './page_state.ts';

function trainInPage(s: PlaygroundState) {
  const run = new PlaygroundRun(s);
  const loss: number[] = [];
  const slices = [1, 7, 64, 3, 250, 1000];
  for (let k = 0; !run.done; k++) {
    run.advance(slices[k % slices.length]);
    loss.push(...run.takeRecord().loss);
    run.grid(8);
  }
  const final = run.evaluate();
  run.dispose();
  return { loss, final };
}

describe('declared arguments', () => {
  it('every activation of the library is offered, with the arguments it takes', () => {
    expect([...ACTIVATIONS]).toEqual([...LIBRARY_ACTIVATIONS]);
    expect(activationArgs('leaky_relu').map((a) => [a.name, a.param.defaultValue])).toEqual([['negative_slope', 0.01]]);
    expect(activationArgs('elu').map((a) => [a.name, a.param.defaultValue])).toEqual([['alpha', 1]]);
    expect(activationArgs('gelu')).toEqual([]);
  });

  it("every loss's numbers and choices are the library's declarations", () => {
    expect([...LABEL_LOSSES, ...REGRESSION_LOSSES].sort()).toEqual(
      ['BCEWithLogitsLoss', 'CrossEntropyLoss', 'HuberLoss', 'L1Loss', 'MSELoss', 'SmoothL1Loss'].sort(),
    );
    expect(lossArgs('SmoothL1Loss').map((a) => a.name)).toEqual(['reduction', 'beta']);
    expect(lossArgs('HuberLoss').map((a) => a.name)).toEqual(['reduction', 'delta']);
    expect(lossArgs('CrossEntropyLoss').map((a) => a.name)).toEqual(['reduction', 'label_smoothing']);
    for (const t of [...LABEL_LOSSES, ...REGRESSION_LOSSES])
      for (const a of lossArgs(t)) expect(criterionParams(t).torchNames).toContain(a.name);
  });
});

describe('losses and activations in the URL', () => {
  it('the lesson leaves them out; act=leaky_relu&a.negative_slope=0.2 and a loss with arguments round-trip', () => {
    const lesson = encodeState(lessonState());
    expect(lesson).not.toMatch(/loss=|a\.|l\./);
    const s = state((x) => {
      x.network.activation = 'leaky_relu';
      x.network.activationArgs = { negative_slope: 0.2 };
      x.loss = { type: 'BCEWithLogitsLoss', args: { reduction: 'sum' } };
    });
    const text = encodeState(s);
    expect(text).toContain('act=leaky_relu&a.negative_slope=0.2&seed=0&loss=BCEWithLogitsLoss&l.reduction=sum&');
    expect(decodeState(text)).toEqual({ state: s, problems: [] });
    const ce = state((x) => (x.loss = { type: 'CrossEntropyLoss', args: { label_smoothing: 0.1 } }));
    expect(encodeState(ce)).toContain('&loss=CrossEntropyLoss&l.label_smoothing=0.1&');
    expect(decodeState(encodeState(ce))).toEqual({ state: ce, problems: [] });
    // A declared default given is the default (left out when written).
    expect(decodeState('act=elu&a.alpha=1').state.network.activationArgs).toEqual({});
  });

  it('names every bad value and keeps the default in its place', () => {
    const { state: s, problems } = decodeState(
      'act=elu&a.alpha=abc&loss=MSELoss&l.reduction=none&a.negative_slope=0.3&l.label_smoothing=2',
    );
    expect(s.network.activation).toBe('elu');
    expect(s.network.activationArgs).toEqual({});
    expect(s.loss).toEqual({ type: 'CrossEntropyLoss', args: {} });
    expect(problems).toEqual([
      'a.alpha: expected a number, got "abc"',
      'loss: expected one of CrossEntropyLoss, BCEWithLogitsLoss, got "MSELoss"',
      'l.reduction: expected one of mean, sum, got "none"',
      'l.label_smoothing: expected a finite number in [0, 1], got "2"',
      'a.negative_slope: does not apply with the other settings of this link',
    ]);
  });
});

describe('the page run with a loss and an activation is the Node run', () => {
  for (const edit of [
    (x: PlaygroundState) => {
      x.network.activation = 'leaky_relu';
      x.network.activationArgs = { negative_slope: 0.2 };
    },
    (x: PlaygroundState) => {
      x.network.activation = 'elu';
      x.network.activationArgs = { alpha: 0.5 };
      x.loss = { type: 'BCEWithLogitsLoss', args: {} };
    },
    (x: PlaygroundState) => {
      x.network.activation = 'gelu_tanh';
      x.loss = { type: 'CrossEntropyLoss', args: { label_smoothing: 0.1 } };
    },
    (x: PlaygroundState) => {
      x.network.activation = 'silu';
      x.loss = { type: 'BCEWithLogitsLoss', args: { reduction: 'sum' } };
    },
  ]) {
    const s = state((x) => {
      x.steps = 200;
      edit(x);
    });
    it(`${s.network.activation} ${JSON.stringify(s.network.activationArgs)}, ${s.loss.type}`, () => {
      const page = trainInPage(s);
      const node = runTraining(parseRunConfig(toRunConfig(s)));
      expect(page.loss).toEqual(node.loss);
      expect(page.final.loss).toBe(node.final_loss);
    });
  }
});
