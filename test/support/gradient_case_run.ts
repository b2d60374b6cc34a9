// A short run both the debug-build test and the threads test compare across engines: gradients.json's fourth
// case (its weights, data and labels), Adam lr 0.01, 20 steps.
import { Adam, type Engine, MLP } from '../../src/index.ts';
import fixture from '../fixtures/gradients.json' with { type: 'json' };

/** The fixture case the run trains. */
export const GRADIENT_CASE = fixture.cases[3];

/** The 20 losses and the final parameters (as f32) of the run on `engine` (default: the shared engine). */
export function trainGradientCase(engine?: Engine): { losses: number[]; weights: Float32Array[] } {
  const c = GRADIENT_CASE;
  const model = new MLP({ sizes: c.sizes, activation: c.activation, engine });
  model.loadLayerWeights(c.weights);
  const opt = new Adam(model.parameters(), { lr: 0.01 });
  const losses = Array.from({ length: 20 }, () => model.trainStep(c.X, c.Y, opt));
  const weights = model.parameters().map((p) => Float32Array.from(p.data));
  opt.dispose();
  model.dispose();
  return { losses, weights };
}
