import { expect } from 'vitest';
import { ValidationError } from '../../src/params/error.ts';

/** Per input: a loader that takes longer has met something quadratic or worse. */
export const TIME_LIMIT_MS = 1000;

/**
 * Runs `load`; passes if it returns or throws a ValidationError (of `type`, whose message starts with
 * `prefix`, when given), within the time bound. Returns whether it refused.
 */
export function loadsOrRefuses(
  load: () => unknown,
  { type = ValidationError, prefix = '' }: { type?: typeof ValidationError; prefix?: string } = {},
): boolean {
  const start = performance.now();
  let refused = false;
  try {
    load();
  } catch (err) {
    if (!(err instanceof type)) {
      throw new Error(`expected a ${type.name}, got ${(err as Error)?.constructor?.name}: ${(err as Error)?.message}`);
    }
    expect(err.message.length).toBeGreaterThan(0);
    if (prefix) expect(err.message.startsWith(prefix), err.message).toBe(true);
    refused = true;
  }
  expect(performance.now() - start).toBeLessThan(TIME_LIMIT_MS);
  return refused;
}
