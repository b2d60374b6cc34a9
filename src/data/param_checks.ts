import { ValidationError } from '../params/error.ts';
/**
 * Argument checks shared by the data modules. Every message names the function, the parameter
 * (camelCase), the allowed values and what was given, e.g.
 * "makeMoons: nSamples must be an integer >= 1, got 0".
 */

export function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(describe).join(', ')}]`;
  return String(value);
}

export function checkInteger(fn: string, name: string, value: unknown, min: number, max?: number): number {
  const ok =
    typeof value === 'number' && Number.isSafeInteger(value) && value >= min && (max === undefined || value <= max);
  if (!ok) {
    const range = max === undefined ? `>= ${min}` : `in [${min}, ${max}]`;
    throw new ValidationError(
      fn,
      name,
      `an integer ${range}`,
      value,
      `${fn}: ${name} must be an integer ${range}, got ${describe(value)}`,
    );
  }
  return value as number;
}

export function checkFinite(fn: string, name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new ValidationError(
      fn,
      name,
      'a finite number',
      value,
      `${fn}: ${name} must be a finite number, got ${describe(value)}`,
    );
  }
  return value;
}

export function checkNonNegative(fn: string, name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new ValidationError(
      fn,
      name,
      'a finite number >= 0',
      value,
      `${fn}: ${name} must be a finite number >= 0, got ${describe(value)}`,
    );
  }
  return value;
}

/** numpy's legacy seeding accepts integers in [0, 2^32 - 1] only. */
export function checkSeed(fn: string, value: unknown): number {
  return checkInteger(fn, 'seed', value, 0, 0xffffffff);
}

export function checkBoolean(fn: string, name: string, value: unknown): boolean {
  if (typeof value !== 'boolean') {
    throw new ValidationError(
      fn,
      name,
      'true or false',
      value,
      `${fn}: ${name} must be true or false, got ${describe(value)}`,
    );
  }
  return value;
}
