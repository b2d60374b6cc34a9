import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as layout from '../../src/engine/layout.ts';

describe('descriptor layout', () => {
  it('assembly/layout.ts and src/engine/layout.ts define the same words', () => {
    const source = readFileSync(new URL('../../assembly/layout.ts', import.meta.url), 'utf8');
    const core = Object.fromEntries(
      [...source.matchAll(/export const (\w+): i32 = (-?\d+);/g)].map((m) => [m[1], Number(m[2])]),
    );
    expect(Object.keys(core).length).toBeGreaterThan(40);
    expect(core).toEqual({ ...layout });
  });
});
