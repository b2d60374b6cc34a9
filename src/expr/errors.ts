import { ValidationError } from '../params/error.ts';
/**
 * An error in an expression, located at a column of its source text. The message ends with the source
 * and a caret under the offending character, e.g.
 *
 *     Unexpected ')' at column 8
 *       min(1, )
 *              ^
 */
export class ExprError extends ValidationError {
  /** The error's name, `ExprError`. */
  override readonly name: string = 'ExprError';
  /** 1-based column of the offending character. */
  readonly column: number;
  /** The expression's text. */
  readonly source: string;

  /**
   * @param reason what is wrong (`Unexpected ')'`)
   * @param source the expression's text
   * @param offset 0-based offset of the offending character
   */
  constructor(reason: string, source: string, offset: number) {
    const column = Math.min(Math.max(offset, 0), source.length) + 1;
    super(
      'expression',
      'expression',
      'an expression of the documented grammar',
      source,
      `${reason} at column ${column}\n  ${source}\n  ${' '.repeat(column - 1)}^`,
    );
    this.column = column;
    this.source = source;
  }
}
