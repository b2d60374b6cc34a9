/** The only names an expression may use besides its variable: Python's `math` spelling of each. */

export interface MathFunction {
  readonly minArgs: number;
  readonly maxArgs: number;
  /** Returns NaN (never throws) on a domain error; the evaluator reports it at the call's position. */
  readonly apply: (args: readonly number[]) => number;
}

export const FUNCTIONS: Readonly<Record<string, MathFunction>> = {
  min: { minArgs: 2, maxArgs: Infinity, apply: (a) => pythonMin(a) },
  max: { minArgs: 2, maxArgs: Infinity, apply: (a) => pythonMax(a) },
  floor: { minArgs: 1, maxArgs: 1, apply: (a) => Math.floor(a[0]) },
  ceil: { minArgs: 1, maxArgs: 1, apply: (a) => Math.ceil(a[0]) },
  sqrt: { minArgs: 1, maxArgs: 1, apply: (a) => Math.sqrt(a[0]) },
  exp: { minArgs: 1, maxArgs: 1, apply: (a) => Math.exp(a[0]) },
  // Python's math.log(x, base) is log(x) / log(base); log of 0 is a domain error there, not -inf.
  log: {
    minArgs: 1,
    maxArgs: 2,
    apply: (a) => (a[0] <= 0 ? NaN : a.length === 1 ? Math.log(a[0]) : Math.log(a[0]) / Math.log(a[1])),
  },
  cos: { minArgs: 1, maxArgs: 1, apply: (a) => Math.cos(a[0]) },
  sin: { minArgs: 1, maxArgs: 1, apply: (a) => Math.sin(a[0]) },
  abs: { minArgs: 1, maxArgs: 1, apply: (a) => Math.abs(a[0]) },
};

export const CONSTANTS: Readonly<Record<string, number>> = {
  pi: Math.PI,
  e: Math.E,
};

// Python's min/max keep the first of equal values (which matters only for -0 vs 0).
function pythonMin(values: readonly number[]): number {
  let best = values[0];
  for (let i = 1; i < values.length; i++) if (values[i] < best) best = values[i];
  return best;
}

function pythonMax(values: readonly number[]): number {
  let best = values[0];
  for (let i = 1; i < values.length; i++) if (values[i] > best) best = values[i];
  return best;
}
