import { ValidationError } from './params/error.ts';

/**
 * Names the user chooses — scheduler, optimizer, activation, dataset, batch schedule — are read in any casing
 * and given back in their canonical spelling (`steplr` → `StepLR`, `ADAM` → `Adam`, `Tanh` → `tanh`), on the
 * command line, in run configs and in the playground's URL alike. Messages and outputs then use that spelling.
 */

/**
 * The canonical name `given` spells in any casing (surrounding spaces ignored), or the name an alias of it
 * stands for; undefined when it is neither. Alias keys are lower case (`cosine` → `CosineAnnealingLR`).
 */
export function findCanonicalName<T extends string>(
  given: string,
  names: readonly T[],
  aliases: Readonly<Record<string, T>> = {},
): T | undefined {
  if (typeof given !== 'string') return undefined; // a number or null from JSON: not a name
  const key = given.trim().toLowerCase();
  return names.find((name) => name.toLowerCase() === key) ?? (Object.hasOwn(aliases, key) ? aliases[key] : undefined);
}

export interface CanonicalNameOptions<T extends string> {
  /** What is being named, for the message: `scheduler`, `optimizer`, `activation`. */
  what: string;
  /** Where, put before the message with a colon: `optimizer.type`, `schedulerFromSpec`. */
  where?: string;
  aliases?: Readonly<Record<string, T>>;
  /** The kind of error the caller throws (default ValidationError). */
  error?: new (
    message: string,
  ) => Error;
}

/**
 * `findCanonicalName`, or an error naming what was given and listing the canonical names (and the aliases):
 * `unknown optimizer "Adagrad"; expected one of Adam, AdamW, SGD`.
 */
export function canonicalName<T extends string>(
  given: string,
  names: readonly T[],
  options: CanonicalNameOptions<T>,
): T {
  const found = findCanonicalName(given, names, options.aliases);
  if (found !== undefined) return found;
  const aliases = Object.keys(options.aliases ?? {});
  const message =
    `unknown ${options.what} ${JSON.stringify(given)}; expected one of ${names.join(', ')}` +
    (aliases.length ? ` (or ${aliases.join(', ')})` : '');
  const text = options.where ? `${options.where}: ${message}` : message;
  if (options.error) throw new options.error(text);
  throw new ValidationError(options.where ?? options.what, options.what, `one of ${names.join(', ')}`, given, text);
}
