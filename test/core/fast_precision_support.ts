// What the fast-precision tests share (no vitest here: a child Node and Chromium run it too): each training.json
// case trained with precision 'fast' and with the default, the fast trajectory and how far it is from the
// deterministic one.

/** One case trained with precision 'fast': which build ran, its trajectory, and its distance from the default. */
export interface FastRun {
  name: string;
  precision: string;
  loss: number[];
  final: { weight: number[][]; bias: number[] }[];
  final_loss: number;
  /** Largest relative |fast − deterministic| over the per-step losses. */
  lossDiff: number;
  /** Largest |fast − deterministic| over the final weights and biases. */
  weightDiff: number;
}

type Library = typeof import('../../src/index.ts');

/**
 * Trains each case (a run config: training.json's, lambdas as expressions) both ways with `lib`, anneal's exports.
 * Self-contained (it uses nothing but its arguments), so that a page can run its source text.
 */
export function trainFastAndDeterministic(lib: Library, cases: { name: string }[]): FastRun[] {
  return cases.map((c) => {
    const fast = lib.runTraining(lib.parseRunConfig({ ...c, precision: 'fast' }));
    const exact = lib.runTraining(lib.parseRunConfig(c));
    const flat = (r: typeof fast) => r.final.flatMap((l) => [...l.weight.flat(), ...l.bias]);
    const [fw, ew] = [flat(fast), flat(exact)];
    return {
      name: c.name,
      precision: lib.getEngine({ precision: 'fast' }).precision,
      loss: fast.loss,
      final: fast.final.map((l) => ({ weight: l.weight, bias: Array.from(l.bias) })),
      final_loss: fast.final_loss,
      lossDiff: Math.max(...fast.loss.map((l, i) => Math.abs(l - exact.loss[i]) / exact.loss[i])),
      weightDiff: Math.max(...fw.map((w, i) => Math.abs(w - ew[i]))),
    };
  });
}
