import { ValidationError } from '../params/error.ts';
/**
 * Argument checks shared by the data modules. Every message names the function, the parameter
 * (camelCase), the allowed values and what was given, e.g.
 * "makeMoons: nSamples must be an integer >= 1, got 0"; every refusal is a `ValidationError`.
 *
 * Note (issue 10, one validation path): these duplicate checks that exist elsewhere under other names —
 * `checkInteger` is `ArgChecker.integer` (src/lr_scheduler/validate.ts) and `integer()` in
 * src/params/declare.ts, `checkFinite` / `checkNonNegative` are `ArgChecker.number` with an empty range /
 * `{ min: 0 }` (declare.ts's `number()`), `checkBoolean` is `ArgChecker.boolean` (declare.ts's `boolean()`).
 * Only the message style differs (no snake_case name here); left as they are until the data options are
 * declared with src/params.
 */
export function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(describe).join(', ')}]`;
  return String(value);
}

/**
 * The ValidationError `fn: name must be allowed, got value`, the value shown as `describe` shows it (the
 * parameter's plain camelCase name, not `displayName`'s snake_case pair: these are anneal's own keywords).
 */
export function invalid(fn: string, name: string, allowed: string, got: unknown): ValidationError {
  return new ValidationError(fn, name, allowed, got, `${fn}: ${name} must be ${allowed}, got ${describe(got)}`);
}

export function checkInteger(fn: string, name: string, value: unknown, min: number, max?: number): number {
  const ok =
    typeof value === 'number' && Number.isSafeInteger(value) && value >= min && (max === undefined || value <= max);
  if (!ok) {
    const range = max === undefined ? `>= ${min}` : `in [${min}, ${max}]`;
    throw invalid(fn, name, `an integer ${range}`, value);
  }
  return value as number;
}

export function checkFinite(fn: string, name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw invalid(fn, name, 'a finite number', value);
  }
  return value;
}

export function checkNonNegative(fn: string, name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw invalid(fn, name, 'a finite number >= 0', value);
  }
  return value;
}

/** numpy's legacy seeding accepts integers in [0, 2^32 - 1] only. */
export function checkSeed(fn: string, value: unknown): number {
  return checkInteger(fn, 'seed', value, 0, 0xffffffff);
}

export function checkBoolean(fn: string, name: string, value: unknown): boolean {
  if (typeof value !== 'boolean') {
    throw invalid(fn, name, 'true or false', value);
  }
  return value;
}
