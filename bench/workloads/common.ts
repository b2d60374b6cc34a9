// Small helpers shared by the workloads.
import type { Sequential } from '../../src/index.ts';
import type { PlainLayerInit } from '../baselines/plain_js.ts';
import { seededRandom } from '../timing.ts';

/** A model's current weights, flat row-major (weight[out][in]), to start every baseline from the same point. */
export function weightsOf(model: Sequential): PlainLayerInit[] {
  return model.layerWeights().map((l) => ({ weight: l.weight.flat(), bias: l.bias }));
}

/** The same weights as nested arrays (PyTorch layout), for the PyTorch child. */
export function nestedWeightsOf(model: Sequential): { weight: number[][]; bias: number[] }[] {
  return model.layerWeights();
}

/** Seeded random features uniform in [-1, 1) and labels in [0, classes). */
export function randomBatch(
  n: number,
  features: number,
  classes: number,
  seed: number,
): { x: Float32Array; y: Int32Array } {
  const random = seededRandom(seed);
  const x = Float32Array.from({ length: n * features }, () => random() * 2 - 1);
  const y = Int32Array.from({ length: n }, () => Math.floor(random() * classes));
  return { x, y };
}

/** Largest relative difference between two series (relative to |b|, or absolute below 1e-12). */
export function maxRelativeDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let worst = 0;
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const scale = Math.max(Math.abs(b[i]), 1e-12);
    worst = Math.max(worst, Math.abs(a[i] - b[i]) / scale);
  }
  return worst;
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
