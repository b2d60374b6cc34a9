// The run config the sweep tests start their trials from: the lesson's model on 40 moons points, a quarter held
// out, Adam lr 0.01 — only the number of steps differs from test to test.

/** The sweep tests' base run config, training `steps` steps. */
export function lessonSweepBase(steps: number) {
  return {
    sizes: [2, 3, 2],
    data: { type: 'moons', n_samples: 40, noise: 0.2, seed: 0 },
    validation: { val_split: 0.25 },
    optimizer: { type: 'Adam', kwargs: { lr: 0.01 } },
    steps,
  };
}
