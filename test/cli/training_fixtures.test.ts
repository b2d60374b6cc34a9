import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import training from '../fixtures/training.json' with { type: 'json' };
import { lambdaExpression, type FixtureLambda } from '../lr_scheduler/support.ts';
import { runCli } from './run_cli.ts';

const tmp = mkdtempSync(join(tmpdir(), 'anneal-fixtures-'));

/** The fixture's LambdaLR lambdas are `{kind, ...}` descriptions; a run config gives them as expressions. */
function withExpressions(c: (typeof training.cases)[number]): unknown {
  const scheduler = c.scheduler as { type: string; args: Record<string, unknown> } | null;
  if (!scheduler || !('lr_lambda' in scheduler.args)) return c;
  const lam = scheduler.args.lr_lambda as FixtureLambda | FixtureLambda[];
  const lrLambda = Array.isArray(lam) ? lam.map(lambdaExpression) : lambdaExpression(lam);
  return { ...c, scheduler: { ...scheduler, args: { ...scheduler.args, lr_lambda: lrLambda } } };
}

// Each training.json case, fed to `anneal train --config` as it is, runs end to end with its real scheduler
// (StepLR, CosineAnnealingLR, ExponentialLR, ReduceLROnPlateau on the training loss, OneCycleLR, LambdaLR).
describe('training.json trajectories, end to end through anneal train --config', () => {
  for (const c of training.cases) {
    it(`${c.name} (${(c.scheduler as { type: string } | null)?.type ?? 'manual decay'})`, async () => {
      const file = join(tmp, `${c.name}.json`);
      writeFileSync(file, JSON.stringify(withExpressions(c)));
      const { code, stdout, stderr } = await runCli('train', '--config', file, '--json');
      expect(code, stderr).toBe(0);
      const run = JSON.parse(stdout);
      expect(run.lr.length).toBe(c.steps);
      run.lr.forEach((groups: number[], i: number) =>
        groups.forEach((lr, j) =>
          expect(Math.abs(lr - c.lr[i][j]), `lr of step ${i}, group ${j}`).toBeLessThanOrEqual(
            1e-12 * Math.abs(c.lr[i][j]),
          ),
        ),
      );
      run.momentum.forEach((groups: number[], i: number) =>
        groups.forEach((m, j) =>
          expect(Math.abs(m - c.momentum[i][j]), `momentum of step ${i}`).toBeLessThanOrEqual(
            1e-12 * Math.abs(c.momentum[i][j]),
          ),
        ),
      );
      run.loss.forEach((l: number, i: number) =>
        expect(Math.abs(l - c.loss[i]) / c.loss[i], `loss of step ${i}`).toBeLessThanOrEqual(1e-4),
      );
      run.final.forEach((layer: { weight: number[][]; bias: number[] }, l: number) => {
        layer.weight
          .flat()
          .forEach((w, k) => expect(Math.abs(w - c.final[l].weight.flat()[k])).toBeLessThanOrEqual(5e-4));
        layer.bias.forEach((b, k) => expect(Math.abs(b - c.final[l].bias[k])).toBeLessThanOrEqual(5e-4));
      });
      expect(Math.abs(run.final_loss - c.final_loss) / c.final_loss).toBeLessThanOrEqual(1e-4);
    });
  }
});
