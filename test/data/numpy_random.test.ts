import { describe, expect, it } from 'vitest';
import { RandomState } from '../../src/data/numpy_random.ts';
import { loadJson, ulpDistance } from './helpers.ts';

// numpy 1.24.2's RandomState on an x86-64 Linux machine (test/data/fixtures/gen_sklearn_reference.py).
const reference = loadJson('./fixtures/sklearn_reference.json');

describe('RandomState (numpy legacy)', () => {
  for (const c of reference.random_state) {
    it(`reproduces random_sample, uniform, permutation, randint and shuffle for seed ${c.seed}`, () => {
      const rs = new RandomState(c.seed);
      expect(c.random_sample.map(() => rs.randomSample())).toEqual(c.random_sample);
      expect(c.uniform_m3_5.map(() => rs.uniform(-3, 5))).toEqual(c.uniform_m3_5);
      expect(Array.from(rs.permutation(10))).toEqual(c.permutation_10);
      expect(Array.from(rs.permutation(1000))).toEqual(c.permutation_1000);
      expect(c.randint_7.map(() => rs.randint(7))).toEqual(c.randint_7);
      expect(c.randint_m3_1e6.map(() => rs.randint(-3, 1000000))).toEqual(c.randint_m3_1e6);
      const list = Array.from({ length: 17 }, (_, i) => i);
      rs.shuffle(list);
      expect(list).toEqual(c.shuffle_list_17);
      // the stream position after all of the above
      expect(rs.randomSample()).toBe(c.random_sample_after);
    });

    it(`reproduces standard_normal (legacy_gauss with its cached value) for seed ${c.seed}`, () => {
      const rs = new RandomState(c.seed);
      const ours = c.standard_normal.map(() => rs.standardNormal());
      // Where glibc's log(r2) was correctly rounded (checked with mpmath by the generator) the values
      // are identical; glibc misrounds log for ~0.1% of inputs, and there the pair may differ in the
      // last bits (our log is correctly rounded).
      c.standard_normal.forEach((expected: number, i: number) => {
        if (c.standard_normal_log_cr[i]) expect(ours[i], `draw ${i}`).toBe(expected);
        else expect(ulpDistance(ours[i], expected), `draw ${i}`).toBeLessThanOrEqual(4);
      });
    });
  }

  it('keeps the cached second Gaussian across other draws, like numpy', () => {
    const rs = new RandomState(7);
    const got = [rs.normal(1.5, 2.0), rs.randomSample(), rs.normal(-1.0, 0.5), rs.normal(), rs.uniform(0, 10)];
    expect(got).toEqual(reference.normal_interleaved_seed7);
  });

  it('uses exactly one draw per randint over the full 32-bit range', () => {
    const rs = new RandomState(0);
    expect(rs.randint(0, 2 ** 32)).toBe(reference.random_state[0].raw_uint32[0]);
  });

  it('randomSample builds a 53-bit double from two 32-bit draws', () => {
    const a = new RandomState(123);
    const b = new RandomState(123);
    const hi = b.nextUint32() >>> 5;
    const lo = b.nextUint32() >>> 6;
    expect(a.randomSample()).toBe((hi * 2 ** 26 + lo) / 2 ** 53);
  });

  it('permutation(0) and permutation(1) draw nothing', () => {
    const rs = new RandomState(3);
    expect(Array.from(rs.permutation(0))).toEqual([]);
    expect(Array.from(rs.permutation(1))).toEqual([0]);
    expect(rs.nextUint32()).toBe(new RandomState(3).nextUint32());
  });

  it("rejects seeds outside numpy's [0, 2^32 - 1] and bad arguments", () => {
    expect(() => new RandomState(-1)).toThrow('RandomState: seed must be an integer in [0, 4294967295], got -1');
    expect(() => new RandomState(2 ** 32)).toThrow(/seed must be an integer in \[0, 4294967295\]/);
    expect(() => new RandomState(0.5)).toThrow(/seed must be an integer/);
    const rs = new RandomState(0);
    expect(() => rs.normal(0, -1)).toThrow('RandomState.normal: scale must be >= 0, got -1');
    expect(() => rs.uniform(-Infinity, 0)).toThrow(/high - low must be finite/);
    expect(() => rs.randint(5, 5)).toThrow(/high must be > low/);
    expect(() => rs.randint(0, 2 ** 33)).toThrow(/high - low must be <= 4294967296/);
    expect(() => rs.permutation(-1)).toThrow(/n must be an integer/);
  });
});
