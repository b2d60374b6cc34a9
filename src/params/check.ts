import { ValidationError } from './error.ts';
import { formatValue } from './names.ts';

/**
 * The checks every value anneal is given goes through: a declared hyper-parameter (declare.ts), a state-dict
 * entry (StateReader), a data function's argument. Each returns the value, typed, or throws a
 * `ValidationError` worded as its caller words refusals (see {@link Wording}).
 */

/**
 * How a refusal is worded, by the caller's convention:
 * - `'torch'` (the default): `StepLR: stepSize (step_size) must be an integer >= 1, got 0` — the camelCase name
 *   and PyTorch's snake_case keyword, the value as `formatValue` shows it;
 * - `'plain'`: `makeMoons: nSamples must be an integer >= 1, got 0` — anneal's own keywords, no snake_case,
 *   the value as `formatPlain` shows it;
 * - `'state'`: `StepLR.loadStateDict: 'step_size' must be an integer >= 1, got 0` — a state dict's key, quoted.
 */
export type Wording = 'torch' | 'plain' | 'state';

/** Bounds of a number; `above` / `below` exclude `min` / `max` themselves. */
export interface NumberRange {
  /** Least value allowed. */
  readonly min?: number;
  /** Greatest value allowed. */
  readonly max?: number;
  /** Exclude `min` itself. */
  readonly above?: boolean;
  /** Exclude `max` itself. */
  readonly below?: boolean;
}

/** Bounds of an integer, both included. */
export interface IntegerRange {
  /** Least value allowed; none: any integer up to `max`. */
  readonly min?: number;
  /** Greatest value allowed. */
  readonly max?: number;
  /** Refuse integers beyond ±2^53 - 1, which a double cannot count exactly. */
  readonly safe?: boolean;
}

/** A value as the data modules' messages show it: strings quoted, lists inline, anything else by `String`. */
export function formatPlain(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(formatPlain).join(', ')}]`;
  return String(value);
}

/** The ValidationError `where: name must be allowed, got value`, worded as `wording` says. */
export function invalid(
  where: string,
  name: string,
  allowed: string,
  got: unknown,
  wording: Wording = 'torch',
): ValidationError {
  if (wording === 'torch') return new ValidationError(where, name, allowed, got);
  const message =
    wording === 'plain'
      ? `${where}: ${name} must be ${allowed}, got ${formatPlain(got)}`
      : `${where}: '${name}' must be ${allowed}, got ${formatValue(got)}`;
  return new ValidationError(where, name, allowed, got, message);
}

/** `in [0, 1)`, `> 0`, `<= 1`, or nothing. */
export function describeRange(range: NumberRange): string {
  const { min, max } = range;
  if (min !== undefined && max !== undefined) {
    return ` in ${range.above ? '(' : '['}${min}, ${max}${range.below ? ')' : ']'}`;
  }
  if (min !== undefined) return ` ${range.above ? '>' : '>='} ${min}`;
  if (max !== undefined) return ` ${range.below ? '<' : '<='} ${max}`;
  return '';
}

/** What `checkNumber` allows, in words: `a finite number > 0`. */
export function describeNumber(range: NumberRange = {}): string {
  return `a finite number${describeRange(range)}`;
}

/** What `checkInteger` allows, in words: `an integer >= 1`, `an integer in [0, 4294967295]`. */
export function describeInteger(range: IntegerRange = {}): string {
  return `an integer${describeRange(range)}`;
}

/** What `checkChoice` allows, in words: `one of 'min', 'max'`. */
export function describeChoices(choices: readonly string[]): string {
  return `one of ${choices.map((c) => `'${c}'`).join(', ')}`;
}

/** Whether `value` lies within `range`. */
export function inRange(value: number, range: NumberRange): boolean {
  if (range.min !== undefined && (range.above ? value <= range.min : value < range.min)) return false;
  if (range.max !== undefined && (range.below ? value >= range.max : value > range.max)) return false;
  return true;
}

/** A finite number within `range`. */
export function checkNumber(
  where: string,
  name: string,
  value: unknown,
  range: NumberRange = {},
  wording: Wording = 'torch',
): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || !inRange(value, range)) {
    throw invalid(where, name, describeNumber(range), value, wording);
  }
  return value;
}

/** An integer within `range`. */
export function checkInteger(
  where: string,
  name: string,
  value: unknown,
  range: IntegerRange = {},
  wording: Wording = 'torch',
): number {
  const integer = range.safe ? Number.isSafeInteger(value) : Number.isInteger(value);
  if (!integer || !inRange(value as number, range)) {
    throw invalid(where, name, describeInteger(range), value, wording);
  }
  return value as number;
}

/** true or false. */
export function checkBoolean(where: string, name: string, value: unknown, wording: Wording = 'torch'): boolean {
  if (typeof value !== 'boolean') throw invalid(where, name, 'true or false', value, wording);
  return value;
}

/** One of `choices`. */
export function checkChoice<C extends string>(
  where: string,
  name: string,
  value: unknown,
  choices: readonly C[],
  wording: Wording = 'torch',
): C {
  if (typeof value !== 'string' || !(choices as readonly string[]).includes(value)) {
    throw invalid(where, name, describeChoices(choices), value, wording);
  }
  return value as C;
}

/** numpy's legacy seeding accepts integers in [0, 2^32 - 1] only. */
export function checkSeed(where: string, value: unknown, wording: Wording = 'plain'): number {
  return checkInteger(where, 'seed', value, { min: 0, max: 0xffffffff, safe: true }, wording);
}
