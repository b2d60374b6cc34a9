import { describe, expect, it } from 'vitest';
import { criterionFromSpec, MLP } from '../../src/index.ts';
import fixture from '../fixtures/losses.json' with { type: 'json' };

interface LossGradCase {
  name: string;
  sizes: number[];
  activation: string;
  activation_args: Record<string, number> | null;
  criterion: { type: string; args: Record<string, unknown> };
  X: number[][];
  Y: number[] | number[][];
  weights: { weight: number[][]; bias: number[] }[];
  loss: number;
  grads: { weight: number[][]; bias: number[] }[];
}

/** |a - b| <= 1e-6 or relative error <= 1e-5, the tolerance for one forward/backward pass. */
function close(actual: number, expected: number): boolean {
  return Math.abs(actual - expected) <= 1e-6 || Math.abs(actual - expected) <= 1e-5 * Math.abs(expected);
}

// One forward/backward pass per case of losses.json (PyTorch 1.13): every criterion, every new activation.
describe('losses and activations: one forward/backward pass against PyTorch (losses.json)', () => {
  for (const c of fixture.gradients as LossGradCase[]) {
    const what = `${c.criterion.type} ${JSON.stringify(c.criterion.args)}, ${c.sizes.join('-')} ${c.activation}`;
    it(`${c.name}: ${what}`, () => {
      const model = new MLP({
        sizes: c.sizes,
        activation: c.activation,
        activationArgs: c.activation_args,
        criterion: criterionFromSpec(c.criterion),
      });
      model.loadLayerWeights(c.weights);
      const loss = model.getLoss(c.X, c.Y);
      expect(close(loss.item(), c.loss), `loss ${loss.item()} vs PyTorch ${c.loss}`).toBe(true);
      model.zeroGrad();
      loss.backward();
      model.layers.forEach((layer, l) => {
        const check = (got: Float32Array, want: number[], what: string) =>
          want.forEach((g, j) =>
            expect(close(got[j], g), `layer ${l} ${what} grad ${j}: ${got[j]} vs PyTorch ${g}`).toBe(true),
          );
        check(layer.weight.grad, c.grads[l].weight.flat(), 'weight');
        check(layer.bias.grad, c.grads[l].bias, 'bias');
      });
      model.dispose();
    });
  }
});
