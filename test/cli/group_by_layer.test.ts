import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { crPow } from '../../src/data/correctly_rounded_math.ts';
import training from '../fixtures/training.json' with { type: 'json' };
import { runCli } from './run_cli.ts';

// Issue 14 part 4: one param group per Linear layer from the command line, each with its lr and lambda.

const tmp = mkdtempSync(join(tmpdir(), 'anneal-group-by-layer-'));
const LAMBDAS = ['0.99 ** epoch', 'min(1, (epoch + 1) / 20)'];
/** The issue's example, 200 steps. */
const ISSUE = ['--group-by-layer', '--lr', '0.001,0.02', '--lr-lambda', LAMBDAS[0], '--lr-lambda', LAMBDAS[1]];
/** base lr × lambda(epoch), each group's closed form. */
const closedForm = (epoch: number) => [0.001 * crPow(0.99, epoch), 0.02 * Math.min(1, (epoch + 1) / 20)];

interface Layer {
  weight: number[][];
  bias: number[];
}
interface RunJson {
  lr: number[][];
  final: Layer[];
  init: Layer[];
  group_by_layer: boolean;
  optimizer: { groups: { lr: number }[] };
  scheduler: { type: string; args: Record<string, unknown> };
}

async function trainJson(...args: string[]): Promise<RunJson> {
  const r = await runCli('train', ...args, '--json');
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout) as RunJson;
}

describe('anneal train --group-by-layer', () => {
  it("the issue's example: --lr-lambda alone is LambdaLR, each group's lr is base lr × its lambda", async () => {
    const run = await trainJson(...ISSUE, '--steps', '200');
    expect(run.group_by_layer).toBe(true);
    expect(run.optimizer.groups).toEqual([{ lr: 0.001 }, { lr: 0.02 }]);
    expect(run.scheduler).toEqual({ type: 'LambdaLR', args: { lr_lambda: LAMBDAS } });
    expect(run.lr.length).toBe(200);
    run.lr.forEach((lrs, step) => {
      const [a, b] = closedForm(step);
      expect(lrs[0], `group 0 at step ${step}`).toBe(a);
      expect(lrs[1], `group 1 at step ${step}`).toBe(b);
    });
    // PyTorch's lrs of the same two groups and lambdas (training.json's finetune_per_layer_lambda): Python's
    // 0.99 ** epoch is glibc's pow, correctly rounded as the expression's `**` (crPow) is.
    const torch = training.cases.find((c) => c.name === 'finetune_per_layer_lambda')!;
    expect(torch.optimizer.groups).toEqual([{ lr: 0.001 }, { lr: 0.02 }]);
    expect(run.lr.length).toBe(torch.lr.length);
    run.lr.forEach((lrs, step) => {
      expect(lrs[0]).toBe(torch.lr[step][0]);
      expect(lrs[1]).toBe(torch.lr[step][1]);
    });
  });

  it('trains the weights a JSON run config with group_by_layer trains, bit for bit (and reruns the same)', async () => {
    const flags = await trainJson(...ISSUE, '--steps', '150', '--hidden', '5', '--batch-size', '8');
    const file = join(tmp, 'per_layer.json');
    writeFileSync(
      file,
      JSON.stringify({
        sizes: [2, 5, 2],
        activation: 'tanh',
        data: { type: 'moons', n_samples: 20, noise: 0.2, seed: 0 },
        optimizer: { type: 'Adam', groups: [{ lr: 0.001 }, { lr: 0.02 }] },
        scheduler: { type: 'LambdaLR', args: { lr_lambda: LAMBDAS } },
        group_by_layer: true,
        steps: 150,
        batch_size: 8,
        seed: 0,
      }),
    );
    const config = await trainJson('--config', file);
    expect(config.init).toEqual(flags.init);
    expect(config.lr).toEqual(flags.lr);
    expect(config.final).toEqual(flags.final);
    const again = await trainJson(...ISSUE, '--steps', '150', '--hidden', '5', '--batch-size', '8');
    expect(again.final).toEqual(flags.final);
    // One group over every layer trains other weights: the per-layer lrs are what made these.
    const oneGroup = await trainJson('--lr', '0.001', '--lr-lambda', LAMBDAS[0], '--steps', '150', '--hidden', '5');
    expect(oneGroup.final).not.toEqual(flags.final);
  });

  it('one --lr and one --lr-lambda go to every layer; three layers take three lrs', async () => {
    const run = await trainJson('--group-by-layer', '--lr', '0.05', '--lr-lambda', '0.9 ** epoch', '--steps', '30');
    expect(run.optimizer.groups).toEqual([{ lr: 0.05 }, { lr: 0.05 }]);
    expect(run.scheduler.args).toEqual({ lr_lambda: '0.9 ** epoch' });
    run.lr.forEach((lrs, step) => expect(lrs).toEqual([0.05 * crPow(0.9, step), 0.05 * crPow(0.9, step)]));
    const three = await trainJson('--group-by-layer', '--hidden', '4,4', '--lr', '0.1,0.2,0.3', '--steps', '60');
    expect(three.optimizer.groups).toEqual([{ lr: 0.1 }, { lr: 0.2 }, { lr: 0.3 }]);
    // The default StepLR(step_size=50, gamma=0.99) on each group.
    expect(three.lr[49]).toEqual([0.1, 0.2, 0.3]);
    expect(three.lr[50]).toEqual([0.1 * 0.99, 0.2 * 0.99, 0.3 * 0.99]);
  });

  it('the summary and the lr chart name each group by its layer', async () => {
    const out = join(tmp, 'report');
    const r = await runCli('train', ...ISSUE, '--steps', '100', '--quiet', '--out', out);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Adam lr=0.001/0.02 (one param group per layer), LambdaLR(lr_lambda=');
    // The last step is step 99: each group's lr there, printed to 6 digits.
    const [a, b] = closedForm(99);
    expect(r.stdout).toContain(`    group 0 (Linear 2→3)  ${a.toPrecision(6)}\n`);
    expect(r.stdout).toContain(`    group 1 (Linear 3→2)  ${b.toPrecision(6)}\n`);
    const svg = readFileSync(join(out, 'lr.svg'), 'utf8');
    expect(svg).toContain('group 0 (Linear 2→3)');
    expect(svg).toContain('group 1 (Linear 3→2)');
    // history.csv: a header, a row per step (each group's lr), and the final evaluation's row.
    const history = readFileSync(join(out, 'history.csv'), 'utf8').trim().split('\n');
    expect(history[0]).toMatch(/^step,lr_0,lr_1,/);
    expect(history.length).toBe(102);
    history.slice(1, 101).forEach((row, step) => {
      const [s, lr0, lr1] = row.split(',').map(Number);
      expect(s).toBe(step);
      expect(lr0).toBe(closedForm(step)[0]);
      expect(lr1).toBe(closedForm(step)[1]);
    });
    const runJson = JSON.parse(readFileSync(join(out, 'run.json'), 'utf8')) as RunJson;
    expect(runJson.group_by_layer).toBe(true);
    expect(runJson.optimizer.groups).toEqual([{ lr: 0.001 }, { lr: 0.02 }]);
  });

  it("the README's example is this run", async () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const line = /^npx anneal train (--group-by-layer .*)$/m.exec(readme)![1];
    const words = [...line.matchAll(/"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2]);
    expect(words).toEqual(ISSUE);
  });

  it('anneal schedule takes one lambda per group (the groups from its --lr list)', async () => {
    const args = ['schedule', '--scheduler', 'lambda', '--lr', '0.001,0.02', '--steps', '30', '--json'];
    const r = await runCli(...args, '--lr-lambda', LAMBDAS[0], '--lr-lambda', LAMBDAS[1]);
    expect(r.code).toBe(0);
    const trace = JSON.parse(r.stdout) as { lr: number[][] };
    expect(trace.lr.length).toBe(31);
    trace.lr.forEach((lrs, step) => {
      const [a, b] = closedForm(step);
      expect(lrs[0]).toBe(a);
      expect(lrs[1]).toBe(b);
    });
  });
});

describe('anneal train --group-by-layer refuses', () => {
  const refused = async (args: string[], message: string) => {
    const r = await runCli('train', ...args, '--steps', '5');
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(message);
  };

  it('an --lr list whose length is neither 1 nor the number of layers, naming both counts', async () => {
    await refused(
      ['--group-by-layer', '--lr', '0.1,0.2,0.3'],
      'error: --lr 0.1,0.2,0.3: 3 lrs, but --group-by-layer makes 2 param groups, one per Linear layer ' +
        '(Linear 2→3, Linear 3→2); give one lr (for every group) or 2',
    );
    await refused(
      ['--lr', '0.1,0.2'],
      'error: --lr 0.1,0.2: 2 lrs, but without --group-by-layer the model is one param group; give one lr, ' +
        'or --group-by-layer for one per Linear layer (2: Linear 2→3, Linear 3→2)',
    );
  });

  it('as many --lr-lambdas as neither 1 nor the groups, naming both counts', async () => {
    const three = ['--lr-lambda', '1', '--lr-lambda', '0.5', '--lr-lambda', '0.25'];
    await refused(
      ['--group-by-layer', ...three],
      'error: --lr-lambda is given 3 times, but --group-by-layer makes 2 param groups (Linear 2→3, Linear 3→2); ' +
        'give it once (for every group) or 2 times (one per group, in layer order)',
    );
    await refused(
      ['--lr-lambda', LAMBDAS[0], '--lr-lambda', LAMBDAS[1]],
      'error: --lr-lambda is given 2 times, but the model is one param group',
    );
  });

  it('--lr-lambda with a scheduler that takes no lambda, or with --scheduler none', async () => {
    await refused(
      ['--scheduler', 'cosine', '--t-max', '10', '--lr-lambda', '0.9'],
      'error: --lr-lambda does not apply to CosineAnnealingLR; its arguments are --t-max, --eta-min',
    );
    await refused(['--scheduler', 'none', '--lr-lambda', '0.9'], '--lr-lambda: --scheduler none takes no scheduler');
  });

  it('a bad lr in the list, naming it', async () => {
    const r = await runCli('train', '--group-by-layer', '--lr', '0.1,-1', '--steps', '5');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('expected a number in [0, ∞], got "-1"');
  });
});
