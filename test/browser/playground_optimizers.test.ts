import { describe, expect, it } from 'vitest';
import { Adam, AdamW } from '../../src/optim/adam.ts';
import { SGD } from '../../src/optim/sgd.ts';
import { LESSON_LR, optimizerDefs, refusal, startValues, switchValues } from '../../web/src/optimizers.ts';
import { OPTIMIZER_DEFAULTS, OPTIMIZERS, lessonState, toRunConfig } from '../../web/src/state.ts';
import { decodeState, encodeState } from '../../web/src/url.ts';

// The optimizer's hyper-parameters in the playground come from the library's declarations (Adam.params,
// AdamW.params, SGD.params): defaults, ranges and checks; the page chooses only which it shows and the lr.

describe("the playground's optimizer hyper-parameters", () => {
  it('start at the declared defaults; the lr is the lesson’s', () => {
    const o = lessonState().optimizer;
    expect(o.betas).toEqual(Adam.params.decls.betas.defaultValue);
    expect(o.eps).toBe(Adam.params.decls.eps.defaultValue);
    expect(o.weightDecay).toBe(Adam.params.decls.weightDecay.defaultValue);
    expect(o.amsgrad).toBe(Adam.params.decls.amsgrad.defaultValue);
    expect(o.momentum).toBe(SGD.params.decls.momentum.defaultValue);
    expect(o.dampening).toBe(SGD.params.decls.dampening.defaultValue);
    expect(o.nesterov).toBe(SGD.params.decls.nesterov.defaultValue);
    const { type: _type, ...values } = o;
    expect(startValues()).toEqual(values);
    expect(lessonState().schedule.lr).toBe(LESSON_LR);
  });

  it('picking an optimizer resets what its declared defaults change: the weight decay', () => {
    expect(OPTIMIZER_DEFAULTS).toEqual({
      Adam: { weightDecay: 0 },
      AdamW: { weightDecay: AdamW.params.decls.weightDecay.defaultValue },
      SGD: { weightDecay: 0 },
    });
    expect(switchValues('AdamW')).toEqual({ weightDecay: 0.01 });
    expect(decodeState('?opt=AdamW').state.optimizer.weightDecay).toBe(0.01);
  });

  it('give the run config the declared PyTorch keywords', () => {
    for (const type of OPTIMIZERS) {
      const s = lessonState();
      s.optimizer.type = type;
      const kwargs = (toRunConfig(s).optimizer as { kwargs: Record<string, unknown> }).kwargs;
      const torch = optimizerDefs(type).map((d) => d.torch);
      expect(Object.keys(kwargs)).toEqual(torch);
      expect(
        torch.every((t) => (type === 'SGD' ? SGD.params.torchNames.includes(t) : Adam.params.torchNames.includes(t))),
      ).toBe(true);
    }
    expect(optimizerDefs('Adam').map((d) => [d.key, d.label, d.hint])).toEqual([
      ['betas', 'betas', ''],
      ['eps', 'eps', '>= 0'],
      ['wd', 'weight decay', 'L2, >= 0'],
      ['amsgrad', 'amsgrad', ''],
    ]);
    expect(optimizerDefs('AdamW')[2].title).toBe(
      `${AdamW.params.decls.weightDecay.doc} Allowed: a finite number >= 0.`,
    );
  });

  it("check URL values as the library does, worded as the page's other problems", () => {
    const bad = decodeState('?betas=0.9,1&eps=-1&wd=-0.1&amsgrad=maybe');
    expect(bad.problems).toEqual([
      'betas: expected a pair [beta1, beta2], each a number in [0, 1), got "0.9,1"',
      'eps: expected a finite number >= 0, got "-1"',
      'amsgrad: expected true or false, got "maybe"',
      'wd: expected a finite number >= 0, got "-0.1"',
    ]);
    expect(bad.state).toEqual(lessonState());
    expect(decodeState('?opt=SGD&momentum=-0.5').problems).toEqual([
      'momentum: expected a finite number >= 0, got "-0.5"',
    ]);
    // The library (as PyTorch) accepts momentum above 1 and any dampening.
    const sgd = decodeState('?opt=SGD&momentum=1.5&dampening=-2');
    expect(sgd.problems).toEqual([]);
    expect(sgd.state.optimizer).toMatchObject({ momentum: 1.5, dampening: -2 });
    expect(decodeState(`?${encodeState(sgd.state)}`)).toEqual(sgd);
  });

  it('refusal is the ValidationError of the declaration’s check', () => {
    expect(refusal('Adam', 'eps', 1e-8)).toBeNull();
    expect(refusal('Adam', 'betas', [0.9, 1])?.allowed).toBe('a number in [0, 1)');
    expect(refusal('SGD', 'weightDecay', -1)?.message).toMatch(/^SGD: weightDecay \(weight_decay\) must be/);
  });
});
