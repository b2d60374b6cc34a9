import { describe, expect, it } from 'vitest';
import { getEngine } from '../../src/engine/index.ts';

// The core's erf (assembly/vmath.ts, GELU's) against a reference accurate to about 1e-15 relative, in ulps of
// f32 (as test/core/vmath.test.ts tests exp, log and tanh). Half an f32 ulp is 3e-8 relative, so rounding the
// reference to f32 gives the correctly rounded erf except for inputs within 1e-15 of a rounding boundary.
const engine = getEngine();
const N = 1 << 15;
const xPtr = engine.alloc(N * 4);
const yPtr = engine.alloc(N * 4);

function coreErf(xs: Float32Array): Float32Array {
  engine.f32.set(xs, xPtr >> 2);
  engine.core.verf(xPtr, yPtr, xs.length);
  return engine.f32.slice(yPtr >> 2, (yPtr >> 2) + xs.length);
}

/**
 * erf(x) = 2/√π · exp(−x²) · Σ_n 2^n x^(2n+1) / (1·3·…·(2n+1)): every term positive, so no cancellation; x² of
 * an f32 is exact in f64, and Math.exp is faithful.
 */
function referenceErf(x: number): number {
  if (x < 0) return -referenceErf(-x);
  if (x > 6) return 1;
  const x2 = x * x;
  let term = x;
  let sum = x;
  for (let n = 1; n < 400 && term > sum * 1e-18; n++) {
    term *= (2 * x2) / (2 * n + 1);
    sum += term;
  }
  return (2 / Math.sqrt(Math.PI)) * Math.exp(-x2) * sum;
}

function ulps(got: number, want: number): number {
  const w = Math.fround(want);
  if (got === w) return 0;
  const bits = new Int32Array(new Float32Array([Math.abs(w)]).buffer);
  bits[0] += 1;
  const next = new Float32Array(bits.buffer)[0];
  return Math.abs(got - want) / Math.abs(next - Math.abs(w));
}

function maxUlps(xs: Float32Array): { ulps: number; at: number } {
  const ys = coreErf(xs);
  let worst = { ulps: 0, at: 0 };
  xs.forEach((x, i) => {
    const u = ulps(ys[i], referenceErf(x));
    if (u > worst.ulps) worst = { ulps: u, at: x };
  });
  return worst;
}

const range = (lo: number, hi: number) => Float32Array.from({ length: N }, (_, i) => lo + ((hi - lo) * i) / (N - 1));
const logRange = (lo: number, hi: number) =>
  Float32Array.from({ length: N }, (_, i) => lo * (hi / lo) ** (i / (N - 1)));

describe('erf in the core', () => {
  it('the reference agrees with known values', () => {
    expect(referenceErf(0.5)).toBeCloseTo(0.5204998778130465, 15);
    expect(referenceErf(1)).toBeCloseTo(0.8427007929497149, 15);
    expect(referenceErf(2)).toBeCloseTo(0.9953222650189527, 15);
    expect(1 - referenceErf(3)).toBeCloseTo(2.209049699858544e-5, 15);
  });

  it('is within 2 ulp of the correctly rounded value on [-6, 6], and near 0', () => {
    expect(maxUlps(range(-6, 6)).ulps).toBeLessThanOrEqual(2);
    expect(maxUlps(range(0.9, 1.1)).ulps).toBeLessThanOrEqual(2); // where the two approximations meet
    expect(maxUlps(logRange(1e-30, 1)).ulps).toBeLessThanOrEqual(2);
    expect(maxUlps(logRange(-1e-30, -1)).ulps).toBeLessThanOrEqual(2);
  });

  it('is odd, keeps ±0 and NaN, and is ±1 at ±∞', () => {
    const xs = range(-4, 4);
    const ys = coreErf(xs);
    const negated = coreErf(xs.map((x) => -x));
    ys.forEach((y, i) => expect(negated[i]).toBe(-y));
    const special = coreErf(
      new Float32Array([0, -0, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 4, 10, -10]),
    );
    expect(Object.is(special[0], 0)).toBe(true);
    expect(Object.is(special[1], -0)).toBe(true);
    expect(special[2]).toBeNaN();
    expect(Array.from(special.slice(3))).toEqual([1, -1, 1, 1, -1]);
  });
});
