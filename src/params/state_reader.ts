import { checkBoolean, checkChoice, checkInteger, checkNumber, invalid } from './check.ts';
import { ValidationError } from './error.ts';
import { formatValue } from './names.ts';
import type { JsonValue } from './param_set.ts';

/** A scheduler's state: a plain JSON-serialisable object, keyed like PyTorch's `state_dict()`. */
export type StateDict = { [key: string]: JsonValue };

/**
 * The refusal of a state dict that lacks `key`: `X.loadStateDict: the state has no 'key'`. `allowed` says what
 * the entry would have had to be.
 */
export function missingEntry(where: string, key: string, allowed: string): ValidationError {
  return new ValidationError(where, key, allowed, undefined, `${where}: the state has no '${key}'`);
}

/**
 * Typed reads from a state dict, each checked with check.ts's functions and refused in their `'state'`
 * wording (`StepLR.loadStateDict: 'last_epoch' must be an integer, got 1.5`). Keys not asked for are ignored.
 */
export class StateReader {
  /** Where refusals say they come from: `StepLR.loadStateDict`. */
  readonly where: string;

  /**
   * @param owner the class whose state it is, as messages name it (`StepLR`)
   * @param state the state dict given to `loadStateDict`
   */
  constructor(
    owner: string,
    private readonly state: StateDict,
  ) {
    this.where = `${owner}.loadStateDict`;
    if (typeof state !== 'object' || state === null || Array.isArray(state)) {
      throw new ValidationError(
        this.where,
        'state',
        'a state object',
        state,
        `${this.where}: expected a state object, got ${formatValue(state)}`,
      );
    }
  }

  /** Whether the state holds `key` (with a value other than `undefined`). */
  has(key: string): boolean {
    return Object.hasOwn(this.state, key) && this.state[key] !== undefined;
  }

  /** The entry `key`, unchecked; refused when the state lacks it. */
  raw(key: string): JsonValue {
    if (!this.has(key)) throw missingEntry(this.where, key, 'present');
    return this.state[key];
  }

  /** A finite number. */
  number(key: string): number {
    return checkNumber(this.where, key, this.raw(key), {}, 'state');
  }

  /** An integer (a finite number first). */
  integer(key: string): number {
    return checkInteger(this.where, key, this.number(key), {}, 'state');
  }

  /** A float written by encodeFloat: a number, or "Infinity" / "-Infinity" / "NaN". */
  float(key: string): number {
    const value = this.raw(key);
    if (typeof value === 'number') return value;
    if (value === 'Infinity' || value === '-Infinity' || value === 'NaN') return Number(value);
    return this.fail(key, 'a number or "Infinity", "-Infinity", "NaN"', value);
  }

  /** A list of finite numbers. */
  numbers(key: string): number[] {
    const value = this.raw(key);
    if (!Array.isArray(value) || !value.every((v) => typeof v === 'number' && Number.isFinite(v))) {
      this.fail(key, 'a list of finite numbers', value);
    }
    return value as number[];
  }

  /** One of `allowed`. */
  string<T extends string>(key: string, allowed: readonly T[]): T {
    return checkChoice(this.where, key, this.raw(key), allowed, 'state');
  }

  /** true or false. */
  boolean(key: string): boolean {
    return checkBoolean(this.where, key, this.raw(key), 'state');
  }

  /** A nested state object. */
  object(key: string): StateDict {
    const value = this.raw(key);
    if (typeof value !== 'object' || value === null || Array.isArray(value)) this.fail(key, 'an object', value);
    return value;
  }

  /** A list, of `length` entries when given. */
  list(key: string, length?: number): JsonValue[] {
    const value = this.raw(key);
    if (!Array.isArray(value)) this.fail(key, 'a list', value);
    if (length !== undefined && value.length !== length) this.fail(key, `a list of ${length}`, value);
    return value;
  }

  /** Refuses the entry `key`: `X.loadStateDict: 'key' must be requirement, got value`. */
  fail(key: string, requirement: string, value: unknown): never {
    throw invalid(this.where, key, requirement, value, 'state');
  }
}
