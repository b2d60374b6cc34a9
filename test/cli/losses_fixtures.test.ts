import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import fixture from '../fixtures/losses.json' with { type: 'json' };
import { runCli } from './run_cli.ts';

const tmp = mkdtempSync(join(tmpdir(), 'anneal-losses-'));

type Weights = { weight: number[][]; bias: number[] }[];

// Each training case of losses.json (PyTorch 1.13: MSE, L1, Huber, BCE with logits, label smoothing, GELU,
// LeakyReLU), fed to `anneal train --config` as it is: every step's loss within 1e-4 relative, the final weights
// within 5e-4, the final loss, accuracy and MSE as PyTorch's.
describe('losses.json trajectories, end to end through anneal train --config', () => {
  for (const c of fixture.training) {
    it(`${c.name} (${c.criterion.type}, ${c.activation})`, async () => {
      const file = join(tmp, `${c.name}.json`);
      writeFileSync(file, JSON.stringify(c));
      const { code, stdout, stderr } = await runCli('train', '--config', file, '--json');
      expect(code, stderr).toBe(0);
      const run = JSON.parse(stdout);
      expect(run.loss.length).toBe(c.steps);
      run.lr.forEach((groups: number[], i: number) =>
        groups.forEach((lr, j) =>
          expect(Math.abs(lr - c.lr[i][j]), `lr of step ${i}`).toBeLessThanOrEqual(1e-12 * Math.abs(c.lr[i][j])),
        ),
      );
      run.loss.forEach((l: number, i: number) =>
        expect(Math.abs(l - c.loss[i]) / c.loss[i], `loss of step ${i}: ${l} vs ${c.loss[i]}`).toBeLessThanOrEqual(
          1e-4,
        ),
      );
      (run.final as Weights).forEach((layer, l) => {
        const want = (c.final as Weights)[l];
        layer.weight.flat().forEach((w, k) => expect(Math.abs(w - want.weight.flat()[k])).toBeLessThanOrEqual(5e-4));
        layer.bias.forEach((b, k) => expect(Math.abs(b - want.bias[k])).toBeLessThanOrEqual(5e-4));
      });
      expect(Math.abs(run.final_loss - c.final_loss) / c.final_loss).toBeLessThanOrEqual(1e-4);
      if (c.final_accuracy === null) expect(run.final_accuracy).toBeNull();
      else expect(Math.abs(run.final_accuracy - c.final_accuracy)).toBeLessThanOrEqual(1e-6);
      if (c.final_mse === null) expect(run.final_mse).toBeNull();
      else expect(Math.abs(run.final_mse - c.final_mse) / c.final_mse).toBeLessThanOrEqual(1e-4);
      expect(run.criterion).toEqual(c.criterion);
    });
  }
});

describe('anneal train --loss and the activation flags', () => {
  it('--loss bce on moons: one output, labels as targets; its --json result runs again as a config', async () => {
    const { code, stdout, stderr } = await runCli(
      'train',
      '--loss',
      'bce',
      '--pos-weight',
      '1.5',
      '--activation',
      'leaky_relu',
      '--negative-slope',
      '0.1',
      '--steps',
      '30',
      '--json',
    );
    expect(code, stderr).toBe(0);
    const run = JSON.parse(stdout);
    expect(run.sizes).toEqual([2, 3, 1]);
    expect(run.criterion).toEqual({ type: 'BCEWithLogitsLoss', args: { pos_weight: [1.5] } });
    expect(run.activation_args).toEqual({ negative_slope: 0.1 });
    expect(run.final_accuracy).toBeGreaterThan(0);
    expect(run.final_mse).toBeNull();
    const file = join(tmp, 'again.json');
    writeFileSync(file, stdout);
    const again = await runCli('train', '--config', file, '--json');
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout).loss).toEqual(run.loss);
  });

  it('refuses a loss argument the loss does not take, and a regression loss on class labels', async () => {
    const beta = await runCli('train', '--loss', 'huber', '--beta', '0.5', '--steps', '1');
    expect(beta.code).not.toBe(0);
    expect(beta.stderr).toMatch(/--beta does not apply to HuberLoss; its arguments are --reduction, --delta/);
    const mse = await runCli('train', '--loss', 'mse', '--steps', '1');
    expect(mse.code).not.toBe(0);
    expect(mse.stderr).toMatch(/MSELoss needs float targets/);
    const alpha = await runCli('train', '--alpha', '0.5', '--steps', '1');
    expect(alpha.stderr).toMatch(/--alpha does not apply to --activation tanh/);
  });

  it('a regression run config (inline float Y) prints its MSE', async () => {
    const c = fixture.training[1];
    const file = join(tmp, 'l1.json');
    writeFileSync(file, JSON.stringify({ ...c, steps: 20, loss: undefined, final: undefined }));
    const { code, stdout, stderr } = await runCli('train', '--config', file, '--quiet');
    expect(code, stderr).toBe(0);
    expect(stdout).toMatch(/L1Loss\(\)/);
    expect(stdout).toMatch(/ {2}mse {13}\d/);
  });
});

describe('anneal train --out with a loss', () => {
  it('BCE on moons draws its decision boundary; a regression loss draws none and refuses --boundary', async () => {
    const out = mkdtempSync(join(tmpdir(), 'anneal-losses-out-'));
    const bce = await runCli('train', '--loss', 'bce', '--steps', '20', '--quiet', '--out', out);
    expect(bce.code, bce.stderr).toBe(0);
    expect(bce.stdout).toMatch(/boundary/);
    const c = fixture.training[0];
    const file = join(tmp, 'mse.json');
    writeFileSync(file, JSON.stringify({ ...c, steps: 10, batches: null, batch_size: null }));
    const mse = await runCli('train', '--config', file, '--quiet', '--out', out);
    expect(mse.code, mse.stderr).toBe(0);
    expect(mse.stdout).toMatch(/no decision boundary: MSELoss is a regression loss/);
    const refused = await runCli('train', '--config', file, '--quiet', '--out', out, '--boundary');
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/--boundary: MSELoss is a regression loss/);
  });
});
