import { readFileSync } from 'node:fs';
import { ValidationError } from '../params/error.ts';

/** A mistake in how the command was called: exit code 2, like commander's own usage errors. */
export class UsageError extends ValidationError {
  /** The error's name, `UsageError`. */
  override readonly name: string = 'UsageError';
  /** @param message what was wrong with the command, naming the flag and what it allows */
  constructor(message: string) {
    super('anneal', '', '', undefined, message);
  }
}

export function readJsonFile(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new UsageError(`${path} is not valid JSON: ${(err as Error).message}`);
  }
}
