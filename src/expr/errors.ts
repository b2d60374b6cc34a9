/**
 * An error in an expression, located at a column of its source text. The message ends with the source
 * and a caret under the offending character, e.g.
 *
 *     Unexpected ')' at column 8
 *       min(1, )
 *              ^
 */
export class ExprError extends Error {
  /** 1-based column of the offending character. */
  readonly column: number;
  readonly source: string;

  constructor(reason: string, source: string, offset: number) {
    const column = Math.min(Math.max(offset, 0), source.length) + 1;
    super(`${reason} at column ${column}\n  ${source}\n  ${' '.repeat(column - 1)}^`);
    this.name = 'ExprError';
    this.column = column;
    this.source = source;
  }
}
