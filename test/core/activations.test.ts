import { describe, expect, it } from 'vitest';
import {
  activationFromName,
  ELU,
  GELU,
  LeakyReLU,
  Linear,
  loadModel,
  MLP,
  Sequential,
  SiLU,
  ValidationError,
} from '../../src/index.ts';

// The activations as library objects: their arguments, PyTorch's reprs, the forward pass against their
// formulas in f64, and the architecture a weights file records (names and arguments) read back.

const xs = [-6, -2.5, -1, -0.3, 0, 0.2, 0.9, 1.7, 3, 8];

/** One value through Linear(1, 1) with weight 1 and bias 0, then the activation. */
function through(activation: LeakyReLU | GELU | ELU | SiLU): number[] {
  const first = new Linear(1, 1);
  first.weight.data.set([1]);
  first.bias.data.set([0]);
  const model = new Sequential(first, activation);
  const out = Array.from(model.forward(xs.map((x) => [x])).data);
  model.dispose();
  return out;
}

function erf(x: number): number {
  // Abramowitz–Stegun 7.1.26 is too coarse here; the series of test/core/erf.test.ts.
  if (x < 0) return -erf(-x);
  const x2 = x * x;
  let term = x;
  let sum = x;
  for (let n = 1; n < 400 && term > sum * 1e-18; n++) {
    term *= (2 * x2) / (2 * n + 1);
    sum += term;
  }
  return (2 / Math.sqrt(Math.PI)) * Math.exp(-x2) * sum;
}

function expectClose(got: number[], want: number[]): void {
  got.forEach((g, i) =>
    expect(Math.abs(g - want[i]), `x = ${xs[i]}: ${g} vs ${want[i]}`).toBeLessThanOrEqual(
      2e-6 * Math.max(1, Math.abs(want[i])),
    ),
  );
}

describe('activations', () => {
  it('compute their formulas', () => {
    expectClose(
      through(new LeakyReLU({ negativeSlope: 0.2 })),
      xs.map((x) => (x > 0 ? x : 0.2 * x)),
    );
    expectClose(
      through(new ELU({ alpha: 0.5 })),
      xs.map((x) => (x > 0 ? x : 0.5 * Math.expm1(x))),
    );
    expectClose(
      through(new GELU()),
      xs.map((x) => 0.5 * x * (1 + erf(x / Math.SQRT2))),
    );
    const tanhForm = (x: number) => 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3)));
    expectClose(through(new GELU({ approximate: 'tanh' })), xs.map(tanhForm));
    expectClose(
      through(new SiLU()),
      xs.map((x) => x / (1 + Math.exp(-x))),
    );
  });

  it("take PyTorch's defaults and print as PyTorch does", () => {
    expect(String(new LeakyReLU())).toBe('LeakyReLU(negative_slope=0.01)');
    expect(String(new ELU())).toBe('ELU(alpha=1.0)');
    expect(String(new GELU({ approximate: 'tanh' }))).toBe("GELU(approximate='tanh')");
    expect(String(new SiLU())).toBe('SiLU()');
    expect(activationFromName('LEAKY_RELU', 'x', { negative_slope: 0.3 })).toMatchObject({ negativeSlope: 0.3 });
    expect(activationFromName('elu', 'x', { alpha: 2 })).toMatchObject({ alpha: 2 });
    expect(activationFromName('gelu_tanh')).toMatchObject({ approximate: 'tanh', name: 'gelu_tanh' });
  });

  it('refuse arguments they do not take', () => {
    expect(() => activationFromName('tanh', 'activation', { alpha: 1 })).toThrow(/tanh takes no argument "alpha"/);
    expect(() => new LeakyReLU({ negativeSlope: Number.NaN })).toThrow(ValidationError);
    expect(() => new GELU({ approximate: 'erf' as 'none' })).toThrow(/approximate must be one of 'none', 'tanh'/);
  });

  it('a weights file records them with their arguments, and loadModel builds them again', () => {
    const mlp = new MLP({
      sizes: [2, 5, 2],
      activation: 'leaky_relu',
      activationArgs: { negative_slope: 0.2 },
      seed: 1,
    });
    expect(mlp.architecture()).toEqual({
      class: 'MLP',
      sizes: [2, 5, 2],
      activation: 'leaky_relu',
      activation_args: { negative_slope: 0.2 },
    });
    const back = loadModel(mlp.save());
    expect(String(back)).toBe(String(mlp));
    expect(back.forward([[-1, -2]]).data).toEqual(mlp.forward([[-1, -2]]).data);
    const seq = new Sequential(
      new Linear(2, 3),
      new GELU({ approximate: 'tanh' }),
      new Linear(3, 3),
      new ELU({ alpha: 0.5 }),
      new Linear(3, 2),
    );
    const again = loadModel(seq.save());
    expect(String(again)).toBe(String(seq));
    expect(again.architecture()).toEqual(seq.architecture());
    for (const m of [mlp, back, seq, again]) m.dispose();
  });
});
