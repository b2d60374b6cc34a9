import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { crCos, crLog, crSin } from '../../src/data/correctly_rounded_math.ts';
import { loadJson, ulpDistance } from './helpers.ts';

// [x, f(x) correctly rounded] computed with mpmath at 200 bits by gen_sklearn_reference.py.
const { correctly_rounded: reference } = loadJson('./fixtures/sklearn_reference.json');

describe('correctly rounded log / sin / cos', () => {
  it('log matches mpmath on random, huge, tiny, subnormal and near-1 inputs', () => {
    const wrong = (reference.log as [number, number][]).filter(([x, y]) => crLog(x) !== y);
    expect(wrong).toEqual([]);
  });

  it('sin matches mpmath, including near multiples of pi/2 and up to |x| = 2^20', () => {
    const wrong = (reference.sin as [number, number][]).filter(([x, y]) => crSin(x) !== y);
    expect(wrong).toEqual([]);
  });

  it('cos matches mpmath, including near multiples of pi/2 and up to |x| = 2^20', () => {
    const wrong = (reference.cos as [number, number][]).filter(([x, y]) => crCos(x) !== y);
    expect(wrong).toEqual([]);
  });

  it('handles special values', () => {
    expect(crLog(1)).toBe(0);
    expect(crLog(0)).toBe(-Infinity);
    expect(crLog(Infinity)).toBe(Infinity);
    expect(crLog(-1)).toBeNaN();
    expect(crLog(Number.NaN)).toBeNaN();
    expect(Object.is(crSin(-0), -0)).toBe(true);
    expect(crCos(0)).toBe(1);
    expect(crSin(Infinity)).toBeNaN();
    expect(crCos(Number.NaN)).toBeNaN();
  });

  it('stays within one ulp of V8 (faithful) and keeps the symmetries of sin and cos', () => {
    fc.assert(
      fc.property(fc.double({ min: -1e5, max: 1e5, noNaN: true }), (x) => {
        expect(ulpDistance(crSin(x), Math.sin(x))).toBeLessThanOrEqual(1);
        expect(ulpDistance(crCos(x), Math.cos(x))).toBeLessThanOrEqual(1);
        expect(crSin(-x)).toBe(-crSin(x));
        expect(crCos(-x)).toBe(crCos(x));
      }),
    );
    fc.assert(
      fc.property(fc.double({ min: Number.MIN_VALUE, max: Number.MAX_VALUE, noNaN: true }), (x) => {
        expect(ulpDistance(crLog(x), Math.log(x))).toBeLessThanOrEqual(1);
      }),
    );
  });
});
