import { describe, expect, it } from 'vitest';
import { linspace } from '../../src/data/linspace.ts';
import { loadJson } from './helpers.ts';

const reference = loadJson('./fixtures/sklearn_reference.json');

describe('linspace (numpy arithmetic)', () => {
  for (const c of reference.linspace) {
    it(`equals numpy.linspace(${c.start}, ${c.stop}, ${c.num}, endpoint=${c.endpoint})`, () => {
      expect(Array.from(linspace(c.start, c.stop, c.num, c.endpoint))).toEqual(c.values);
    });
  }

  it('is not start + i * delta / div (numpy multiplies by the rounded step)', () => {
    // i * (pi / 9) and i * pi / 9 differ for some i: the reference settles which one numpy uses.
    const c = reference.linspace.find((l: { num: number; stop: number }) => l.num === 101 && l.stop === Math.PI);
    const naive = Array.from({ length: 101 }, (_, i) => (i === 100 ? Math.PI : (i * Math.PI) / 100));
    expect(naive).not.toEqual(c.values);
    expect(Array.from(linspace(0, Math.PI, 101))).toEqual(c.values);
  });

  it('rejects a negative or fractional num', () => {
    expect(() => linspace(0, 1, -1)).toThrow('linspace: num must be an integer >= 0, got -1');
    expect(() => linspace(0, 1, 2.5)).toThrow(/num must be an integer/);
  });
});
