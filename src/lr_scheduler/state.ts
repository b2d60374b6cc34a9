import { formatValue } from '../params/names.ts';
import { ValidationError } from '../params/error.ts';

import type { JsonValue } from '../params/param_set.ts';

export type { JsonValue };

/** A scheduler's state: a plain JSON-serialisable object, keyed like PyTorch's `state_dict()`. */
export type StateDict = { [key: string]: JsonValue };

/** JSON has no Infinity or NaN: such floats (ReduceLROnPlateau's `best`) are stored as "Infinity" etc. */
export function encodeFloat(value: number): number | string {
  return Number.isFinite(value) ? value : String(value);
}

/** Typed reads from a state dict, each failing with the key's name. Keys not asked for are ignored. */
export class StateReader {
  constructor(
    private readonly scheduler: string,
    private readonly state: StateDict,
  ) {
    if (typeof state !== 'object' || state === null || Array.isArray(state)) {
      const where = `${scheduler}.loadStateDict`;
      throw new ValidationError(
        where,
        'state',
        'a state object',
        state,
        `${where}: expected a state object, got ${formatValue(state)}`,
      );
    }
  }

  has(key: string): boolean {
    return Object.hasOwn(this.state, key) && this.state[key] !== undefined;
  }

  raw(key: string): JsonValue {
    if (!this.has(key)) {
      const where = `${this.scheduler}.loadStateDict`;
      throw new ValidationError(where, key, 'present', undefined, `${where}: the state has no '${key}'`);
    }
    return this.state[key];
  }

  number(key: string): number {
    const value = this.raw(key);
    if (typeof value !== 'number' || !Number.isFinite(value)) this.fail(key, 'a finite number', value);
    return value;
  }

  integer(key: string): number {
    const value = this.number(key);
    if (!Number.isInteger(value)) this.fail(key, 'an integer', value);
    return value;
  }

  /** A float written by encodeFloat: a number, or "Infinity" / "-Infinity" / "NaN". */
  float(key: string): number {
    const value = this.raw(key);
    if (typeof value === 'number') return value;
    if (value === 'Infinity' || value === '-Infinity' || value === 'NaN') return Number(value);
    return this.fail(key, 'a number or "Infinity", "-Infinity", "NaN"', value);
  }

  numbers(key: string): number[] {
    const value = this.raw(key);
    if (!Array.isArray(value) || !value.every((v) => typeof v === 'number' && Number.isFinite(v))) {
      this.fail(key, 'a list of finite numbers', value);
    }
    return value as number[];
  }

  string<T extends string>(key: string, allowed: readonly T[]): T {
    const value = this.raw(key);
    if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
      this.fail(key, `one of ${allowed.map((a) => `'${a}'`).join(', ')}`, value);
    }
    return value as T;
  }

  boolean(key: string): boolean {
    const value = this.raw(key);
    if (typeof value !== 'boolean') this.fail(key, 'true or false', value);
    return value;
  }

  object(key: string): StateDict {
    const value = this.raw(key);
    if (typeof value !== 'object' || value === null || Array.isArray(value)) this.fail(key, 'an object', value);
    return value;
  }

  list(key: string, length?: number): JsonValue[] {
    const value = this.raw(key);
    if (!Array.isArray(value)) this.fail(key, 'a list', value);
    if (length !== undefined && value.length !== length) this.fail(key, `a list of ${length}`, value);
    return value;
  }

  fail(key: string, requirement: string, value: unknown): never {
    const where = `${this.scheduler}.loadStateDict`;
    throw new ValidationError(
      where,
      key,
      requirement,
      value,
      `${where}: '${key}' must be ${requirement}, got ${formatValue(value)}`,
    );
  }
}
