import { ExprError } from './errors.ts';

export type TokenKind = 'number' | 'name' | 'operator' | 'end';

export interface Token {
  readonly kind: TokenKind;
  /** The token's text; for 'end', the empty string. */
  readonly text: string;
  /** 0-based offset of the token's first character in the source. */
  readonly offset: number;
}

// Longest first, so that '**' and '//' win over '*' and '/'.
const OPERATORS = ['**', '//', '+', '-', '*', '/', '%', '(', ')', ','] as const;

const NUMBER = /(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/y;
// A dotted name such as `math.sqrt` is one token; the parser decides whether it is allowed.
const NAME = /[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*/y;
const SPACE = /\s+/y;

export function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let offset = 0;
  while (offset < source.length) {
    const space = matchAt(SPACE, source, offset);
    if (space !== undefined) {
      offset += space.length;
      continue;
    }
    const number = matchAt(NUMBER, source, offset);
    if (number !== undefined) {
      const next = source[offset + number.length];
      if (next !== undefined && /[A-Za-z_]/.test(next)) {
        throw new ExprError(`Invalid number '${number}${next}'`, source, offset);
      }
      tokens.push({ kind: 'number', text: number, offset });
      offset += number.length;
      continue;
    }
    const name = matchAt(NAME, source, offset);
    if (name !== undefined) {
      tokens.push({ kind: 'name', text: name, offset });
      offset += name.length;
      continue;
    }
    const operator = OPERATORS.find((op) => source.startsWith(op, offset));
    if (operator === undefined) {
      throw new ExprError(`Unexpected character '${source[offset]}'`, source, offset);
    }
    tokens.push({ kind: 'operator', text: operator, offset });
    offset += operator.length;
  }
  tokens.push({ kind: 'end', text: '', offset: source.length });
  return tokens;
}

function matchAt(pattern: RegExp, source: string, offset: number): string | undefined {
  pattern.lastIndex = offset;
  const match = pattern.exec(source);
  return match === null ? undefined : match[0];
}
