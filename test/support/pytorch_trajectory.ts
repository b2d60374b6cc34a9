// The brief's tolerances for float32 training against PyTorch, in one place: every step's loss within 1e-4
// relative, every final weight and bias within 5e-4 absolute, the final whole-dataset loss within 1e-4 relative.
import { expect } from 'vitest';

interface Layer {
  weight: number[][];
  bias: ArrayLike<number>;
}

/** A run's trajectory (anneal's) or PyTorch's: per-step losses, final layers, and optionally the final loss. */
export interface Trajectory {
  loss: number[];
  final: Layer[];
  final_loss?: number;
}

/** Asserts `run` follows PyTorch's `reference` within the brief's tolerances, naming the step or weight. */
export function expectPyTorchTrajectory(run: Trajectory, reference: Trajectory, what = ''): void {
  expect(run.loss.length, `${what} steps`).toBe(reference.loss.length);
  run.loss.forEach((l, i) =>
    expect(Math.abs(l - reference.loss[i]) / reference.loss[i], `${what} loss of step ${i}`).toBeLessThanOrEqual(1e-4),
  );
  run.final.forEach((layer, l) => {
    const weights = reference.final[l].weight.flat();
    layer.weight.flat().forEach((w, k) => expect(Math.abs(w - weights[k]), `${what} weight`).toBeLessThanOrEqual(5e-4));
    Array.from(layer.bias).forEach((b, k) =>
      expect(Math.abs(b - reference.final[l].bias[k]), `${what} bias`).toBeLessThanOrEqual(5e-4),
    );
  });
  if (run.final_loss !== undefined && reference.final_loss !== undefined) {
    const rel = Math.abs(run.final_loss - reference.final_loss) / reference.final_loss;
    expect(rel, `${what} final loss`).toBeLessThanOrEqual(1e-4);
  }
}
