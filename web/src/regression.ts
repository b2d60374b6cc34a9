// The playground's regression data, after the TensorFlow Playground's: "plane" (the target rises with x + y)
// and "multi gaussian" (six bumps of ±1). Points are uniform in [-6, 6]²; noise moves the point the target is
// read at by up to noise · 6 along each axis. Seeded by numpy's RandomState (the library's), so a link's data
// is the same everywhere; the rows are handed to the run config inline (`X`, `Y` as float target rows).

import { RandomState } from '../../src/data/numpy_random.ts';

export const REGRESSION_DATASETS = ['plane', 'gaussian'] as const;
export type RegressionDataset = (typeof REGRESSION_DATASETS)[number];

const RADIUS = 6;
/** The bumps of "multi gaussian": centre and sign. */
const GAUSSIANS: readonly [number, number, number][] = [
  [-4, 2.5, 1],
  [0, 2.5, -1],
  [4, 2.5, 1],
  [-4, -2.5, -1],
  [0, -2.5, 1],
  [4, -2.5, -1],
];

const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));

/** The target at (x, y), in [-1, 1]. */
export function regressionTarget(type: RegressionDataset, x: number, y: number): number {
  if (type === 'plane') return clamp((x + y) / 10, -1, 1);
  let label = 0;
  for (const [cx, cy, sign] of GAUSSIANS) {
    const value = sign * clamp(1 - Math.hypot(x - cx, y - cy) / 2, 0, 1);
    if (Math.abs(value) > Math.abs(label)) label = value;
  }
  return label;
}

/** `n` seeded points of the plane and their targets: X rows [x, y], Y rows [target]. */
export function makeRegression(
  type: RegressionDataset,
  n: number,
  noise: number,
  seed: number,
): { X: number[][]; Y: number[][] } {
  const rng = new RandomState(seed);
  const X: number[][] = [];
  const Y: number[][] = [];
  for (let i = 0; i < n; i++) {
    const x = rng.uniform(-RADIUS, RADIUS);
    const y = rng.uniform(-RADIUS, RADIUS);
    const nx = rng.uniform(-RADIUS, RADIUS) * noise;
    const ny = rng.uniform(-RADIUS, RADIUS) * noise;
    X.push([x, y]);
    Y.push([regressionTarget(type, x + nx, y + ny)]);
  }
  return { X, Y };
}
