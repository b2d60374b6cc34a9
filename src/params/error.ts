import { displayName, formatValue } from './names.ts';

/**
 * Every refusal of a value anneal was given — a library call's argument, a run config key, a CLI flag, a URL
 * parameter, a state dict entry — is a `ValidationError`: where it was refused (`StepLR`, `Adam`,
 * `StepLR.loadStateDict`), the parameter (camelCase; the message also shows PyTorch's snake_case), what is
 * allowed, and the value given. The CLI, the config loader and the playground each format it in one place.
 */
export class ValidationError extends Error {
  /** The error's name, `ValidationError`. */
  override readonly name: string = 'ValidationError';

  /**
   * @param where what refused the value: a class (`StepLR`), a method (`StepLR.loadStateDict`), a config path
   * @param param the parameter, camelCase (`stepSize`), or a key as the user wrote it
   * @param allowed what would have been accepted (`an integer >= 1`)
   * @param got the value given
   * @param message the whole message, where the standard `where: param must be allowed, got value` does not fit
   */
  constructor(
    /** What refused the value: a class (`StepLR`), a method (`StepLR.loadStateDict`), a config path. */
    readonly where: string,
    /** The parameter, camelCase (`stepSize`), or a key as the user wrote it. */
    readonly param: string,
    /** What would have been accepted, in words (`an integer >= 1`). */
    readonly allowed: string,
    /** The value given. */
    readonly got: unknown,
    message?: string,
  ) {
    super(message ?? `${where}: ${displayName(param)} must be ${allowed}, got ${formatValue(got)}`);
  }
}

/**
 * The fields of a refusal known only as a message (a parser's syntax error, a zod issue): `param` and
 * `allowed` say what was being read, `got` the text or value refused.
 */
export function refusal(where: string, message: string, param = '', allowed = '', got?: unknown): ValidationError {
  return new ValidationError(where, param, allowed, got, message);
}

/** Throws the standard ValidationError: `where: param must be allowed, got value`. */
export function refuse(where: string, param: string, allowed: string, got: unknown): never {
  throw new ValidationError(where, param, allowed, got);
}
