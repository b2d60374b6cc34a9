import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  fusedMultiplyAddFloat32,
  initTorchLinear,
  TorchCpuGenerator,
  torchLinearInit,
} from '../../src/data/torch_init.ts';
import { loadJson, TRAINING_CASE_SEEDS } from './helpers.ts';

interface LayerJson {
  weight: number[][];
  bias: number[];
}

const training = loadJson('../fixtures/training.json');
const gradients = loadJson('../fixtures/gradients.json');

function expectLayersEqual(actual: ReturnType<typeof torchLinearInit>, expected: LayerJson[]): void {
  expect(actual.length).toBe(expected.length);
  expected.forEach((layer, k) => {
    expect(Array.from(actual[k].weight), `layer ${k} weight`).toEqual(layer.weight.flat());
    expect(Array.from(actual[k].bias), `layer ${k} bias`).toEqual(layer.bias);
  });
}

/** a * b + c rounded once to float32 (ties to even), in exact BigInt arithmetic. */
function exactFmaFloat32(a: number, b: number, c: number): number {
  const view = new DataView(new ArrayBuffer(8));
  const decompose = (x: number): [bigint, number] => {
    view.setFloat64(0, x);
    const hi = view.getUint32(0);
    const lo = view.getUint32(4);
    const sign = hi >>> 31 ? -1n : 1n;
    const biased = (hi >>> 20) & 0x7ff;
    const fraction = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
    return biased === 0 ? [sign * fraction, -1074] : [sign * (fraction | (1n << 52n)), biased - 1075];
  };
  const [ma, ea] = decompose(a);
  const [mb, eb] = decompose(b);
  const [mc, ec] = decompose(c);
  const productExp = ea + eb;
  const e = Math.min(productExp, ec);
  const m = ((ma * mb) << BigInt(productExp - e)) + (mc << BigInt(ec - e));
  // An exact zero is +0, except -0 · x + -0 (IEEE 754: a sum of two zeros of the same sign keeps it).
  if (m === 0n) return ma * mb === 0n && Object.is(a * b, -0) && Object.is(c, -0) ? -0 : 0;
  const negative = m < 0n;
  const magnitude = negative ? -m : m;
  const bitLength = magnitude.toString(2).length;
  const ulpExp = Math.max(e + bitLength - 24, -149);
  let q = magnitude;
  if (ulpExp > e) {
    const shift = BigInt(ulpExp - e);
    q = magnitude >> shift;
    const remainder = magnitude - (q << shift);
    const half = 1n << (shift - 1n);
    if (remainder > half || (remainder === half && (q & 1n) === 1n)) q += 1n;
  }
  const value = Number(q) * 2 ** Math.max(ulpExp, e);
  return negative ? -value : value;
}

describe('torchLinearInit (PyTorch 1.13 nn.Linear initialisation)', () => {
  for (const c of training.cases) {
    it(`reproduces the initial weights of training case ${c.name} exactly`, () => {
      expectLayersEqual(torchLinearInit(c.sizes, TRAINING_CASE_SEEDS[c.name]), c.init);
    });
  }

  gradients.cases.forEach((c: { sizes: number[]; weights: LayerJson[] }, index: number) => {
    // gen_torch_fixtures.py gradient_cases(): torch.manual_seed(index) then MLP(sizes)
    it(`reproduces the weights of gradient case ${index} (sizes ${c.sizes.join('-')}) exactly`, () => {
      expectLayersEqual(torchLinearInit(c.sizes, index), c.weights);
    });
  });

  it('draws weight then bias, layer after layer, from one generator', () => {
    const generator = new TorchCpuGenerator(0);
    const first = initTorchLinear(generator, 2, 3);
    const second = initTorchLinear(generator, 3, 2);
    const [a, b] = torchLinearInit([2, 3, 2], 0);
    expect([first.weight, first.bias, second.weight, second.bias]).toEqual([a.weight, a.bias, b.weight, b.bias]);
  });

  it('bounds: weights within sqrt(3) * sqrt(2 / 6) / sqrt(fanIn) = 1/sqrt(fanIn), biases within 1/sqrt(fanIn)', () => {
    const [layer] = torchLinearInit([50, 40], 11);
    const bound = 1 / Math.sqrt(50);
    expect(Math.max(...Array.from(layer.weight, Math.abs))).toBeLessThanOrEqual(Math.fround(bound));
    expect(Math.max(...Array.from(layer.bias, Math.abs))).toBeLessThanOrEqual(Math.fround(bound));
    expect(layer.weight.length).toBe(50 * 40);
  });

  it('reduces the seed modulo 2^32 like torch.manual_seed', () => {
    expect(torchLinearInit([2, 2], 2 ** 32 + 3)).toEqual(torchLinearInit([2, 2], 3));
  });

  it('validates its arguments', () => {
    expect(() => torchLinearInit([2], 0)).toThrow('torchLinearInit: sizes must list at least 2 layer widths, got [2]');
    expect(() => torchLinearInit([2, 0], 0)).toThrow('torchLinearInit: sizes[1] must be an integer >= 1, got 0');
    expect(() => torchLinearInit([2, 2], 0.5)).toThrow('torchLinearInit: seed must be a safe integer, got 0.5');
    expect(() => new TorchCpuGenerator(0).uniformFloat32Array(3, 1, 0)).toThrow(/need finite from <= to/);
  });
});

describe('fusedMultiplyAddFloat32', () => {
  it('equals a * b + c rounded once to float32, computed exactly', () => {
    const float = fc.float({ noNaN: true, noDefaultInfinity: true, min: Math.fround(-1e15), max: Math.fround(1e15) });
    const exact = fc.property(float, float, float, (a, b, c) => {
      expect(fusedMultiplyAddFloat32(a, b, c)).toBe(exactFmaFloat32(a, b, c));
    });
    fc.assert(exact, { numRuns: 5000 });
    fc.assert(exact, { numRuns: 5000, seed: -1453543645 }); // once drew -0 · x + -0, whose sign the reference got wrong
  });

  it('matches the exact rounding on sums built to sit next to float midpoints', () => {
    const small = fc.integer({ min: -4, max: 4 });
    fc.assert(
      fc.property(small, small, fc.integer({ min: 0, max: 2 ** 23 - 1 }), fc.boolean(), (k, j, m, negate) => {
        const a = 1 + k * 2 ** -23;
        const b = (negate ? -1 : 1) * (1 + j * 2 ** -23) * 2 ** -24;
        const c = 1 + m * 2 ** -23;
        expect(fusedMultiplyAddFloat32(a, b, c)).toBe(exactFmaFloat32(a, b, c));
      }),
      { numRuns: 5000 },
    );
  });

  it('rounds once where rounding to double first would land on a float midpoint', () => {
    // exact a * b + c = (1 + 2^-23) + 2^-24 - 2^-70: just below the midpoint between the floats
    // 1 + 2^-23 and 1 + 2^-22, so it rounds down; rounded to double first it becomes that midpoint,
    // which then ties to the even float 1 + 2^-22.
    const a = 1 + 2 ** -23;
    const b = (1 - 2 ** -23) * 2 ** -24;
    const c = 1 + 2 ** -23;
    expect(exactFmaFloat32(a, b, c)).toBe(1 + 2 ** -23);
    expect(Math.fround(a * b + c)).toBe(1 + 2 ** -22);
    expect(fusedMultiplyAddFloat32(a, b, c)).toBe(1 + 2 ** -23);
  });
});
