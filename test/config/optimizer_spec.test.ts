import { describe, expect, it } from 'vitest';
import { OPTIMIZER_TYPES, optimizerFromSpec, optimizerParams } from '../../src/config/optimizer_spec.ts';
import { MLP } from '../../src/index.ts';
import type { SGD } from '../../src/optim/sgd.ts';
import { ValidationError } from '../../src/params/error.ts';
import { runCli } from '../cli/run_cli.ts';

// A run config's optimizer keywords (kwargs, groups) and `anneal train`'s optimizer flags are those the
// optimizer classes declare (Adam.params, AdamW.params, SGD.params).

const params = () => new MLP({ sizes: [2, 3, 2], seed: 0 }).parameters();

describe('optimizer specs', () => {
  it("take each class's declared keywords, in kwargs and in groups", () => {
    for (const type of OPTIMIZER_TYPES) {
      const declared = optimizerParams(type);
      expect(declared.owner).toBe(type);
      const kwargs = Object.fromEntries(
        declared.names
          .filter((name) => !declared.decls[name].required)
          .map((name) => [declared.torchNames[declared.names.indexOf(name)], declared.decls[name].defaultValue]),
      );
      const opt = optimizerFromSpec({ type, groups: [{ lr: 0.05 }], kwargs: { ...kwargs, lr: 0.1 } }, [params()]);
      expect(opt.paramGroups[0].lr).toBe(0.05);
      expect(opt.defaults).toMatchObject({ lr: 0.1 });
    }
    const opt = optimizerFromSpec(
      { type: 'sgd', groups: [{ lr: 0.1, weight_decay: 0.01 }], kwargs: { momentum: 0.9, nesterov: true } },
      [params()],
    ) as SGD;
    expect(opt.paramGroups[0].hyperParameters()).toEqual({
      lr: 0.1,
      momentum: 0.9,
      dampening: 0,
      weightDecay: 0.01,
      nesterov: true,
      maximize: false,
    });
  });

  it('refuse a keyword the class does not declare, naming the ones it does', () => {
    let caught: unknown;
    try {
      optimizerFromSpec({ type: 'AdamW', kwargs: { momentum: 0.9 } }, [params()]);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(ValidationError);
    expect((caught as Error).message).toBe(
      'optimizer.kwargs: AdamW has no keyword "momentum"; allowed: lr, betas, eps, weight_decay, amsgrad, maximize',
    );
    expect(() => optimizerFromSpec({ type: 'SGD', groups: [{ lr: 0.1, weightDecay: 0 }] }, [params()])).toThrow(
      'optimizer.groups[0]: SGD has no keyword "weightDecay"; allowed: lr, momentum, dampening, weight_decay, ' +
        'nesterov, maximize',
    );
    expect(() =>
      optimizerFromSpec({ type: 'Adam', groups: [{ lr: 0.1 }], kwargs: { betas: [0.9, 0.99, 0.5] } }, [params()]),
    ).toThrow('Adam: betas must be a pair [beta1, beta2], got [0.9, 0.99, 0.5]');
  });

  it("leave SGD's lr out of kwargs only when every group gives it, as PyTorch does", () => {
    const [w, b] = params();
    const opt = optimizerFromSpec({ type: 'SGD', groups: [{ lr: 0.1 }, { lr: 0.2 }] }, [[w], [b]]);
    expect(opt.paramGroups.map((g) => g.lr)).toEqual([0.1, 0.2]);
    expect(() => optimizerFromSpec({ type: 'SGD', groups: [{ lr: 0.1 }, {}] }, [[w], [b]])).toThrow(
      'optimizer: SGD needs lr (in kwargs or every group)',
    );
  });
});

describe("anneal train's optimizer flags", () => {
  it("are the declared keywords, checked by the declarations' ranges", async () => {
    const { stdout } = await runCli('train', '--help');
    for (const type of OPTIMIZER_TYPES) {
      for (const torch of optimizerParams(type).torchNames) expect(stdout).toContain(`--${torch.replace(/_/g, '-')}`);
    }
    expect(stdout).toContain('(default 0; AdamW 0.01)');
    const third = await runCli('train', '--betas', '0.9,0.99,0.5');
    expect(third.code).toBe(2);
    expect(third.stderr).toMatch(/--betas <b1,b2>.*expected a pair \[beta1, beta2\], each a number in \[0, 1\)/);
    const one = await runCli('train', '--betas', '0.9,1');
    expect(one.code).toBe(2);
    const eps = await runCli('train', '--eps', '-1');
    expect(eps.stderr).toMatch(/--eps <x>.*expected a number in \[0, ∞\], got "-1"/);
    const wrong = await runCli('train', '--optimizer', 'Adam', '--momentum', '0.9', '--steps', '1');
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toMatch(/Adam has no keyword "momentum"/);
    const ok = await runCli('train', '--optimizer', 'SGD', '--momentum', '0.9', '--nesterov', '--steps', '3', '--json');
    expect(ok.code, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout).optimizer.kwargs).toEqual({ momentum: 0.9, nesterov: true });
  });
});
