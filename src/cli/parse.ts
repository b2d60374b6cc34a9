import { InvalidArgumentError } from 'commander';
import { findCanonicalName } from '../canonical_name.ts';

// Option parsers for commander: each names the flag and the allowed range in its error.

export function intArg(min: number, max = Number.MAX_SAFE_INTEGER) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^-?\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < min || n > max) {
      throw new InvalidArgumentError(
        `expected an integer in [${min}, ${max === Number.MAX_SAFE_INTEGER ? '∞' : max}], got ${JSON.stringify(value)}`,
      );
    }
    return n;
  };
}

export function numberArg(min = -Infinity, max = Infinity, { minExclusive = false } = {}) {
  return (value: string): number => {
    const n = Number(value);
    const low = minExclusive ? n > min : n >= min;
    if (value.trim() === '' || !Number.isFinite(n) || !low || n > max) {
      const range = `${minExclusive ? '(' : '['}${min}, ${max === Infinity ? '∞' : max}]`;
      throw new InvalidArgumentError(`expected a number in ${range}, got ${JSON.stringify(value)}`);
    }
    return n;
  };
}

export function listArg<T>(item: (v: string) => T, { min = 1 } = {}) {
  return (value: string): T[] => {
    const parts = value
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '');
    if (parts.length < min)
      throw new InvalidArgumentError(`expected at least ${min} comma-separated value(s), got ${JSON.stringify(value)}`);
    return parts.map(item);
  };
}

/** `EVERY:FACTOR`, e.g. `50:0.99`. */
export function manualDecayArg(value: string): { every: number; factor: number } {
  const m = /^\s*(\d+)\s*:\s*([^:]+)$/.exec(value);
  if (!m) throw new InvalidArgumentError(`expected EVERY:FACTOR such as 50:0.99, got ${JSON.stringify(value)}`);
  const every = intArg(1)(m[1]);
  const factor = numberArg(0, Infinity, { minExclusive: true })(m[2]);
  return { every, factor };
}

/** One of `choices` in any casing (or an alias), given back in its canonical spelling. */
export function choiceArg<T extends string>(choices: readonly T[], aliases: Record<string, T> = {}) {
  return (value: string): T => {
    const found = findCanonicalName(value, choices, aliases);
    if (found === undefined)
      throw new InvalidArgumentError(`expected one of ${choices.join(', ')}, got ${JSON.stringify(value)}`);
    return found;
  };
}

/** `--batch-size`: a whole number >= 1, or `full` (the whole dataset every step). */
export function batchSizeArg(value: string): number | 'full' {
  if (findCanonicalName(value, ['full'] as const)) return 'full';
  const n = Number(value);
  if (!/^\s*\d+\s*$/.test(value) || !Number.isSafeInteger(n) || n < 1) {
    throw new InvalidArgumentError(`expected an integer in [1, ∞] or full, got ${JSON.stringify(value)}`);
  }
  return n;
}

/** A file whose name ends in one of `extensions` (any casing); returns the file name as given. */
export function fileExtensionArg(extensions: readonly string[]) {
  return (value: string): string => {
    const lower = value.toLowerCase();
    if (!extensions.some((ext) => lower.endsWith(ext) && lower.length > ext.length)) {
      throw new InvalidArgumentError(
        `expected a file name ending in ${extensions.join(' or ')}, got ${JSON.stringify(value)}`,
      );
    }
    return value;
  };
}
