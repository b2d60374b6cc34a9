// W2's first three losses on an engine (784-256-10, batch 128 of seeded data, Adam): for comparing engines
// across processes (no vitest here: a child Node runs it too).
import { Adam, type Engine, MLP } from '../../src/index.ts';

/** The first three losses of W2 on `engine` (default: the shared engine). */
export function trainW2Losses(engine: Engine | undefined): number[] {
  const sizes = [784, 256, 10];
  const rows = 128;
  let s = 11;
  const next = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
  const data = Float32Array.from({ length: rows * sizes[0] }, () => next() * 2 - 1);
  const y = Int32Array.from({ length: rows }, () => Math.floor(next() * 10));
  const model = new MLP({ sizes, activation: 'tanh', seed: 3, engine });
  const opt = new Adam(model.parameters(), { lr: 0.01 });
  const losses = Array.from({ length: 3 }, () => model.trainStep({ rows, cols: sizes[0], data }, y, opt));
  opt.dispose();
  model.dispose();
  return losses;
}
