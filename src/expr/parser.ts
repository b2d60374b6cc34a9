import type { ExprNode } from './ast.ts';
import { ExprError } from './errors.ts';
import { CONSTANTS, FUNCTIONS } from './functions.ts';
import { tokenize, type Token } from './tokenizer.ts';

/**
 * Recursive-descent parser for Python's arithmetic grammar:
 *
 *     sum     := product (('+' | '-') product)*
 *     product := unary (('*' | '/' | '//' | '%') unary)*
 *     unary   := ('+' | '-') unary | power
 *     power   := atom ('**' unary)?          -- right-associative; binds tighter than a unary minus on its left
 *     atom    := number | name | name '(' sum (',' sum)* ')' | '(' sum ')'
 *
 * A name is the variable, a constant (`pi`, `e`) or a function; `math.` in front of a constant or a
 * function is accepted so that Python source can be pasted as is.
 */
/** Deepest nesting of parentheses, calls, unary signs and powers, as Python's parser allows (200). */
const MAX_NESTING = 200;
/** Tallest tree (a chain of 1000 additions, say): compiling and evaluating recurse once per level. */
const MAX_HEIGHT = 1000;

export function parse(source: string, variable: string): ExprNode {
  return new Parser(source, variable).parseExpression();
}

class Parser {
  private readonly tokens: Token[];
  private position = 0;
  private nesting = -1; // the whole expression is level 0
  private readonly heights = new WeakMap<ExprNode, number>();

  constructor(
    private readonly source: string,
    private readonly variable: string,
  ) {
    this.tokens = tokenize(source);
  }

  parseExpression(): ExprNode {
    if (this.peek().kind === 'end') throw this.error('Empty expression', this.peek());
    const node = this.parseSum();
    const next = this.peek();
    if (next.kind !== 'end') throw this.error(`Unexpected ${describe(next)}`, next);
    return node;
  }

  private parseSum(): ExprNode {
    return this.nested(() => {
      let node = this.parseProduct();
      for (let op = this.peekOperator('+', '-'); op !== undefined; op = this.peekOperator('+', '-')) {
        const token = this.advance();
        node = this.made({ kind: 'binary', op, left: node, right: this.parseProduct(), offset: token.offset });
      }
      return node;
    });
  }

  /** Runs one level of recursion, refusing nesting deeper than MAX_NESTING with the position reached. */
  private nested<T>(parse: () => T): T {
    if (++this.nesting > MAX_NESTING) {
      throw this.error(`Expression nested too deeply (more than ${MAX_NESTING} levels)`, this.peek());
    }
    try {
      return parse();
    } finally {
      this.nesting--;
    }
  }

  /** Records a node's height, refusing a tree taller than MAX_HEIGHT at the node's operator. */
  private made(node: ExprNode): ExprNode {
    const children =
      node.kind === 'binary'
        ? [node.left, node.right]
        : node.kind === 'unary'
          ? [node.operand]
          : node.kind === 'call'
            ? node.args
            : [];
    const height = 1 + Math.max(0, ...children.map((child) => this.heights.get(child) ?? 1));
    if (height > MAX_HEIGHT) {
      throw new ExprError(`Expression too long (more than ${MAX_HEIGHT} operations deep)`, this.source, node.offset);
    }
    this.heights.set(node, height);
    return node;
  }

  private parseProduct(): ExprNode {
    let node = this.parseUnary();
    for (
      let op = this.peekOperator('*', '/', '//', '%');
      op !== undefined;
      op = this.peekOperator('*', '/', '//', '%')
    ) {
      const token = this.advance();
      node = this.made({ kind: 'binary', op, left: node, right: this.parseUnary(), offset: token.offset });
    }
    return node;
  }

  private parseUnary(): ExprNode {
    const op = this.peekOperator('+', '-');
    if (op === undefined) return this.parsePower();
    const token = this.advance();
    return this.nested(() => this.made({ kind: 'unary', op, operand: this.parseUnary(), offset: token.offset }));
  }

  private parsePower(): ExprNode {
    const base = this.parseAtom();
    if (this.peekOperator('**') === undefined) return base;
    const token = this.advance();
    return this.nested(() =>
      this.made({ kind: 'binary', op: '**', left: base, right: this.parseUnary(), offset: token.offset }),
    );
  }

  private parseAtom(): ExprNode {
    const token = this.peek();
    if (token.kind === 'number') {
      this.advance();
      const value = Number(token.text);
      if (!Number.isFinite(value))
        throw this.error(`Number '${token.text}' is too large (it overflows to infinity)`, token);
      return { kind: 'number', value, offset: token.offset };
    }
    if (token.kind === 'name') {
      this.advance();
      return this.isOperator(this.peek(), '(') ? this.parseCall(token) : this.resolveName(token);
    }
    if (this.isOperator(token, '(')) {
      this.advance();
      const inner = this.parseSum();
      this.expect(')', token);
      return inner;
    }
    throw this.error(token.kind === 'end' ? 'Unexpected end of expression' : `Unexpected ${describe(token)}`, token);
  }

  private parseCall(nameToken: Token): ExprNode {
    const name = stripMathPrefix(nameToken.text);
    if (!Object.hasOwn(FUNCTIONS, name)) {
      throw this.error(
        `Unknown function '${nameToken.text}' (allowed: ${Object.keys(FUNCTIONS).join(', ')})`,
        nameToken,
      );
    }
    const fn = FUNCTIONS[name];
    const open = this.advance();
    const args: ExprNode[] = [];
    if (!this.isOperator(this.peek(), ')')) {
      args.push(this.parseSum());
      while (this.isOperator(this.peek(), ',')) {
        this.advance();
        args.push(this.parseSum());
      }
    }
    this.expect(')', open);
    if (args.length < fn.minArgs || args.length > fn.maxArgs) {
      const expected =
        fn.maxArgs === Infinity
          ? `at least ${fn.minArgs}`
          : fn.minArgs === fn.maxArgs
            ? `${fn.minArgs}`
            : `${fn.minArgs} or ${fn.maxArgs}`;
      throw this.error(
        `${name}() takes ${expected} argument${expected === '1' ? '' : 's'}, got ${args.length}`,
        nameToken,
      );
    }
    return this.made({ kind: 'call', name, args, offset: nameToken.offset });
  }

  private resolveName(token: Token): ExprNode {
    if (token.text === this.variable) return { kind: 'variable', offset: token.offset };
    const name = stripMathPrefix(token.text);
    if (Object.hasOwn(CONSTANTS, name)) return { kind: 'constant', name, value: CONSTANTS[name], offset: token.offset };
    if (Object.hasOwn(FUNCTIONS, name)) throw this.error(`Function '${name}' must be called, e.g. ${name}(...)`, token);
    const allowed = [this.variable, ...Object.keys(CONSTANTS)].join(', ');
    throw this.error(
      `Unknown name '${token.text}' (allowed: ${allowed} and the functions ${Object.keys(FUNCTIONS).join(', ')})`,
      token,
    );
  }

  private expect(operator: string, opening: Token): void {
    const token = this.peek();
    if (!this.isOperator(token, operator)) {
      const found = token.kind === 'end' ? 'end of expression' : describe(token);
      throw this.error(
        `Expected '${operator}' (to close the '${opening.text}' of column ${opening.offset + 1}) but found ${found}`,
        token,
      );
    }
    this.advance();
  }

  private peek(): Token {
    return this.tokens[this.position];
  }

  private advance(): Token {
    return this.tokens[this.position++];
  }

  private peekOperator<T extends string>(...ops: T[]): T | undefined {
    const token = this.peek();
    return token.kind === 'operator' ? ops.find((op) => op === token.text) : undefined;
  }

  private isOperator(token: Token, op: string): boolean {
    return token.kind === 'operator' && token.text === op;
  }

  private error(reason: string, token: Token): ExprError {
    return new ExprError(reason, this.source, token.offset);
  }
}

function stripMathPrefix(name: string): string {
  return name.startsWith('math.') ? name.slice('math.'.length) : name;
}

function describe(token: Token): string {
  return token.kind === 'number'
    ? `number '${token.text}'`
    : token.kind === 'name'
      ? `name '${token.text}'`
      : `'${token.text}'`;
}
