import { describe, expect, it } from 'vitest';
import { MLP } from '../../src/index.ts';
import { optimizerFromSpec, type OptimizerSpec } from '../../src/config/optimizer_spec.ts';
import fixture from '../fixtures/training.json' with { type: 'json' };

interface TrainingCase {
  name: string;
  sizes: number[];
  activation: string;
  X: number[][];
  Y: number[];
  optimizer: OptimizerSpec;
  group_by_layer: boolean;
  steps: number;
  batches: number[][] | null;
  init: { weight: number[][]; bias: number[] }[];
  loss: number[];
  lr: number[][];
  momentum: number[][];
  final: { weight: number[][]; bias: number[] }[];
}

// Each step's recorded lr and momentum (beta1 for Adam) are written into the param groups before the step,
// so these tests check the engine alone; test/lr_scheduler drives the same runs with the real schedulers.
describe('training trajectories replayed against PyTorch (training.json)', () => {
  for (const c of fixture.cases as unknown as TrainingCase[]) {
    it(`${c.name}: ${c.steps} steps, every loss within 1e-4 relative, final weights within 5e-4`, () => {
      const model = new MLP({ sizes: c.sizes, activation: c.activation });
      model.loadLayerWeights(c.init);
      const groups = c.group_by_layer ? model.layers.map((l) => l.parameters()) : [model.parameters()];
      const opt = optimizerFromSpec(c.optimizer, groups);
      let worst = 0;
      for (let i = 0; i < c.steps; i++) {
        opt.paramGroups.forEach((g, j) => {
          g.lr = c.lr[i][j];
          if ('betas' in g) g.betas = [c.momentum[i][j], g.betas[1]];
          else g.momentum = c.momentum[i][j];
        });
        const idx = c.batches ? c.batches[i] : null;
        const x = idx ? idx.map((k) => c.X[k]) : c.X;
        const y = idx ? idx.map((k) => c.Y[k]) : c.Y;
        const loss = model.trainStep(x, y, opt);
        const rel = Math.abs(loss - c.loss[i]) / Math.abs(c.loss[i]);
        worst = Math.max(worst, rel);
        expect(rel, `step ${i}: loss ${loss} vs PyTorch ${c.loss[i]}`).toBeLessThanOrEqual(1e-4);
      }
      model.layerWeights().forEach((layer, l) => {
        layer.weight
          .flat()
          .forEach((w, k) => expect(Math.abs(w - c.final[l].weight.flat()[k])).toBeLessThanOrEqual(5e-4));
        layer.bias.forEach((b, k) => expect(Math.abs(b - c.final[l].bias[k])).toBeLessThanOrEqual(5e-4));
      });
      model.dispose();
      opt.dispose();
    });
  }
});
