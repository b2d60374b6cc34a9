import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import training from '../fixtures/training.json' with { type: 'json' };
import { TRAINING_CONFIGS } from '../support/training_cases.ts';
import { expectPyTorchTrajectory } from '../support/pytorch_trajectory.ts';
import { runCli } from './run_cli.ts';

const tmp = mkdtempSync(join(tmpdir(), 'anneal-fixtures-'));

// Each training.json case, fed to `anneal train --config` as it is, runs end to end with its real scheduler
// (StepLR, CosineAnnealingLR, ExponentialLR, ReduceLROnPlateau on the training loss, OneCycleLR, LambdaLR).
describe('training.json trajectories, end to end through anneal train --config', () => {
  training.cases.forEach((c, i) => {
    it(`${c.name} (${(c.scheduler as { type: string } | null)?.type ?? 'manual decay'})`, async () => {
      const file = join(tmp, `${c.name}.json`);
      writeFileSync(file, JSON.stringify(TRAINING_CONFIGS[i]));
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
      expectPyTorchTrajectory(run, c);
    });
  });
});
