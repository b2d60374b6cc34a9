import { describe, expect, it } from 'vitest';
import { getEngine } from '../../src/engine/index.ts';

// The core's own exp, log and tanh (assembly/vmath.ts) against correctly rounded f64 references, in ulps of f32.
const engine = getEngine();
const N = 1 << 15;
const xPtr = engine.alloc(N * 4);
const yPtr = engine.alloc(N * 4);

function run(kernel: 'vexp' | 'vtanh' | 'vlog', xs: Float32Array): Float32Array {
  engine.f32.set(xs, xPtr >> 2);
  (engine.core as unknown as Record<string, (x: number, y: number, n: number) => void>)[kernel](xPtr, yPtr, xs.length);
  return engine.f32.slice(yPtr >> 2, (yPtr >> 2) + xs.length);
}

function ulps(got: number, want: number): number {
  const w = Math.fround(want);
  if (got === w) return 0;
  const next = new Float32Array([w]);
  const bits = new Int32Array(next.buffer);
  bits[0] += 1;
  return Math.abs(got - want) / Math.abs(next[0] - w);
}

function range(lo: number, hi: number): Float32Array {
  return Float32Array.from({ length: N }, (_, i) => lo + ((hi - lo) * i) / (N - 1));
}

function maxUlps(kernel: 'vexp' | 'vtanh' | 'vlog', xs: Float32Array, ref: (x: number) => number): number {
  const ys = run(kernel, xs);
  return xs.reduce((m, x, i) => Math.max(m, ulps(ys[i], ref(x))), 0);
}

describe('vectorised math in the core', () => {
  it('exp is within 1 ulp on [-87, 88]', () => {
    expect(maxUlps('vexp', range(-87, 88), Math.exp)).toBeLessThanOrEqual(1);
    expect(maxUlps('vexp', range(-1, 1), Math.exp)).toBeLessThanOrEqual(1);
  });

  it('log is within 1 ulp on [1, 1e6] (the loss takes logs of sums >= 1)', () => {
    expect(maxUlps('vlog', range(1, 4), Math.log)).toBeLessThanOrEqual(1);
    expect(maxUlps('vlog', range(1, 1e6), Math.log)).toBeLessThanOrEqual(1);
  });

  it('tanh is within 6 ulp everywhere (the worst near ±8, where tanh rounds towards 1), 4 ulp near 0', () => {
    expect(maxUlps('vtanh', range(-10, 10), Math.tanh)).toBeLessThanOrEqual(6);
    expect(maxUlps('vtanh', range(-1e-3, 1e-3), Math.tanh)).toBeLessThanOrEqual(4);
    expect(Array.from(run('vtanh', new Float32Array([-100, -9, 9, 100])))).toEqual([-1, -1, 1, 1]);
  });

  it('NaN stays NaN (so a diverging run is caught), and extremes saturate', () => {
    const e = run('vexp', new Float32Array([NaN, -1000, 1000, 0]));
    expect(e[0]).toBeNaN();
    expect(e[1]).toBeLessThan(1.2e-38);
    expect(e[2]).toBeGreaterThan(1e38);
    expect(e[3]).toBe(1);
    expect(run('vtanh', new Float32Array([NaN, 0, 0, 0]))[0]).toBeNaN();
  });
});
