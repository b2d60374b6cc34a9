import { afterEach, describe, expect, it, vi } from 'vitest';
import { Adam, AdamW, MLP, SGD } from '../../src/index.ts';
import { ValidationError } from '../../src/params/error.ts';

// Issue 10: every optimizer hyper-parameter is declared once (Adam.params, AdamW.params, SGD.params), and the
// options, the param group dicts, the group setters and loadStateDict are all checked by those declarations.

const net = () => new MLP({ sizes: [2, 3, 2], seed: 0 });

function refusal(f: () => unknown): ValidationError {
  try {
    f();
  } catch (err) {
    expect(err).toBeInstanceOf(ValidationError);
    return err as ValidationError;
  }
  throw new Error('not refused');
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('optimizer declarations', () => {
  it("declare PyTorch's keywords, in PyTorch's order, with PyTorch's defaults", () => {
    expect(Adam.params.torchNames).toEqual(['lr', 'betas', 'eps', 'weight_decay', 'amsgrad', 'maximize']);
    expect(AdamW.params.torchNames).toEqual(Adam.params.torchNames);
    expect(SGD.params.torchNames).toEqual(['lr', 'momentum', 'dampening', 'weight_decay', 'nesterov', 'maximize']);
    expect(Adam.defaultOptions).toEqual({
      lr: 1e-3,
      betas: [0.9, 0.999],
      eps: 1e-8,
      weightDecay: 0,
      amsgrad: false,
      maximize: false,
    });
    expect(AdamW.defaultOptions).toEqual({ ...Adam.defaultOptions, weightDecay: 0.01 });
    expect(SGD.defaultOptions).toEqual({ momentum: 0, dampening: 0, weightDecay: 0, nesterov: false, maximize: false });
    expect(SGD.params.decls.lr.required).toBe(true);
    expect(new AdamW(net().parameters()).defaults).toEqual(AdamW.defaultOptions);
  });

  it("refuse PyTorch 1.13's out-of-range options with a ValidationError naming the parameter", () => {
    const ps = net().parameters();
    const cases: [() => unknown, string, string][] = [
      [() => new Adam(ps, { lr: -1 }), 'lr', 'Adam: lr must be a finite number >= 0, got -1'],
      [() => new Adam(ps, { eps: -1e-8 }), 'eps', 'Adam: eps must be a finite number >= 0, got -1e-8'],
      [() => new AdamW(ps, { betas: [1, 0.9] }), 'betas[0]', 'AdamW: betas[0] must be a number in [0, 1), got 1'],
      [() => new Adam(ps, { betas: [0.9, -0.1] }), 'betas[1]', 'Adam: betas[1] must be a number in [0, 1), got -0.1'],
      [
        () => new Adam(ps, { betas: [0.9, 0.99, 0.5] }),
        'betas',
        'Adam: betas must be a pair [beta1, beta2], got [0.9, 0.99, 0.5]',
      ],
      [
        () => new Adam(ps, { weightDecay: -1 }),
        'weightDecay',
        'Adam: weightDecay (weight_decay) must be a finite number >= 0, got -1',
      ],
      [() => new Adam(ps, { amsgrad: 1 as never }), 'amsgrad', 'Adam: amsgrad must be true or false, got 1'],
      [
        () => new SGD(ps, { lr: 0.1, momentum: -0.5 }),
        'momentum',
        'SGD: momentum must be a finite number >= 0, got -0.5',
      ],
      [() => new SGD(ps, { lr: 0.1, dampening: NaN }), 'dampening', 'SGD: dampening must be a finite number, got NaN'],
      [() => new SGD(ps, {} as never), 'lr', 'SGD: lr must be a finite number >= 0, got undefined'],
      [
        () => new SGD(ps, { lr: 0.1, momentum: 0.9, dampening: 0.1, nesterov: true }),
        'nesterov',
        'SGD: nesterov needs momentum > 0 and dampening = 0, got momentum 0.9, dampening 0.1',
      ],
    ];
    for (const [build, param, message] of cases) {
      const err = refusal(build);
      expect(err.param).toBe(param);
      expect(err.message).toBe(message);
    }
  });

  it('check each param group dict, naming the group', () => {
    const [w, b, ...rest] = net().parameters();
    const groups = [{ params: [w] }, { params: [b], lr: -0.5 }, { params: rest }];
    const err = refusal(() => new Adam(groups, { lr: 0.1 }));
    expect(err.where).toBe('Adam (param group 1)');
    expect(err.message).toBe('Adam (param group 1): lr must be a finite number >= 0, got -0.5');
    expect(refusal(() => new SGD([{ params: [w], lr: 0.1, nesterov: true }], { lr: 0.1 })).message).toMatch(
      /^SGD \(param group 0\): nesterov needs momentum > 0/,
    );
    expect(refusal(() => new SGD([{ params: [w], lr: 0.1, rate: 1 } as never], { lr: 0.1 })).message).toBe(
      'SGD: param group 0 has unknown option rate; allowed: params, lr, momentum, dampening, weightDecay, ' +
        'nesterov, maximize',
    );
    const ok = new SGD(
      [
        { params: [w], momentum: 0.9, nesterov: true },
        { params: [b], lr: 0.2 },
      ],
      { lr: 0.1 },
    );
    expect(ok.paramGroups.map((g) => [g.lr, g.momentum, g.nesterov])).toEqual([
      [0.1, 0.9, true],
      [0.2, 0, false],
    ]);
  });

  it('group setters refuse what the constructor refuses, with the same error, and keep the old value', () => {
    const opt = new Adam(net().parameters(), { lr: 0.01 });
    const group = opt.paramGroups[0];
    const fromConstructor = refusal(() => new Adam(net().parameters(), { lr: -1 }));
    const fromSetter = refusal(() => {
      group.lr = -1;
    });
    expect(fromSetter.message).toBe(fromConstructor.message);
    expect(group.lr).toBe(0.01);
    expect(refusal(() => (group.eps = Infinity)).message).toBe('Adam: eps must be a finite number >= 0, got Infinity');
    expect(refusal(() => (group.amsgrad = 'yes' as never)).param).toBe('amsgrad');
    expect(refusal(() => (group.betas = [0.9] as never)).message).toBe(
      'Adam: betas must be a pair [beta1, beta2], got [0.9]',
    );
    expect(group.hyperParameters()).toEqual({ ...Adam.defaultOptions, lr: 0.01, betas: [0.9, 0.999] });
    const sgd = new SGD(net().parameters(), { lr: 0.1 });
    expect(refusal(() => (sgd.paramGroups[0].momentum = -1)).message).toBe(
      'SGD: momentum must be a finite number >= 0, got -1',
    );
  });

  it('check a value once on its way in', () => {
    const check = vi.spyOn(Adam.params.decls.lr, 'check');
    const [w, b, ...rest] = net().parameters();
    const opt = new Adam([{ params: [w], lr: 0.1 }, { params: [b] }, { params: rest, lr: 0.2 }], { lr: 0.01 });
    // The options' lr, then each group's own.
    expect(check.mock.calls.map((c) => c[2])).toEqual([0.01, 0.1, 0.2]);
    opt.paramGroups[1].lr = 0.05;
    expect(check).toHaveBeenCalledTimes(4);
    expect(opt.paramGroups.map((g) => g.lr)).toEqual([0.1, 0.05, 0.2]);
  });

  it('accept SGD momentum above 1, as PyTorch does, with a single warning', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const opt = new SGD(net().parameters(), { lr: 0.1, momentum: 1.5 });
    expect(opt.paramGroups[0].momentum).toBe(1.5);
    opt.paramGroups[0].momentum = 2;
    new SGD(net().parameters(), { lr: 0.1, momentum: 3 });
    expect(opt.paramGroups[0].momentum).toBe(2);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0][0])).toMatch(/^SGD: momentum 1\.5 is above 1/);
  });

  it('loadStateDict checks every saved group by the declarations before writing any', () => {
    const [w, b] = net().parameters();
    const opt = new SGD([{ params: [w] }, { params: [b] }], { lr: 0.1, momentum: 0.5 });
    const saved = opt.stateDict();
    expect(Object.keys(saved.paramGroups[0])).toEqual([
      'lr',
      'momentum',
      'dampening',
      'weightDecay',
      'nesterov',
      'maximize',
      'params',
    ]);
    const bad = {
      ...saved,
      paramGroups: [
        { ...saved.paramGroups[0], lr: 0.3 },
        { ...saved.paramGroups[1], lr: -1 },
      ],
    };
    const err = refusal(() => opt.loadStateDict(bad));
    expect(err.message).toBe('SGD.loadStateDict (param group 1): lr must be a finite number >= 0, got -1');
    expect(opt.paramGroups.map((g) => g.lr)).toEqual([0.1, 0.1]);
    const nesterov = { ...saved, paramGroups: [{ ...saved.paramGroups[0], nesterov: true, dampening: 1 }] };
    expect(
      refusal(() => opt.loadStateDict({ ...nesterov, paramGroups: [...nesterov.paramGroups, saved.paramGroups[1]] }))
        .param,
    ).toBe('nesterov');
    opt.loadStateDict({
      ...saved,
      paramGroups: [{ ...saved.paramGroups[0], lr: 0.3, initialLr: 0.3 }, saved.paramGroups[1]],
    });
    expect(opt.paramGroups[0].lr).toBe(0.3);
    expect(opt.stateDict().paramGroups[0]).toMatchObject({ lr: 0.3, momentum: 0.5, initialLr: 0.3 });
  });
});
