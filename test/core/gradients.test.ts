import { describe, expect, it } from 'vitest';
import { MLP } from '../../src/index.ts';
import fixture from '../fixtures/gradients.json' with { type: 'json' };

interface GradCase {
  sizes: number[];
  activation: string;
  X: number[][];
  Y: number[];
  weights: { weight: number[][]; bias: number[] }[];
  loss: number;
  grads: { weight: number[][]; bias: number[] }[];
}

/** |a - b| <= 1e-6 or relative error <= 1e-5, the tolerance for one forward/backward pass. */
function expectClose(actual: number, expected: number, what: string): void {
  const ok = Math.abs(actual - expected) <= 1e-6 || Math.abs(actual - expected) <= 1e-5 * Math.abs(expected);
  expect(ok, `${what}: ${actual} vs PyTorch ${expected}`).toBe(true);
}

describe('one forward/backward pass against PyTorch (gradients.json)', () => {
  for (const [i, c] of (fixture.cases as GradCase[]).entries()) {
    it(`case ${i}: sizes ${c.sizes.join('-')} ${c.activation}, batch ${c.X.length}`, () => {
      const model = new MLP({ sizes: c.sizes, activation: c.activation });
      model.loadLayerWeights(c.weights);
      const loss = model.getLoss(c.X, c.Y);
      expectClose(loss.item(), c.loss, 'loss');
      model.zeroGrad();
      loss.backward();
      model.layers.forEach((layer, l) => {
        const gw = layer.weight.grad;
        const gb = layer.bias.grad;
        c.grads[l].weight.flat().forEach((g, j) => expectClose(gw[j], g, `layer ${l} weight grad ${j}`));
        c.grads[l].bias.forEach((g, j) => expectClose(gb[j], g, `layer ${l} bias grad ${j}`));
      });
      model.dispose();
    });
  }
});
