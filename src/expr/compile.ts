import { ValidationError } from '../params/error.ts';
import type { BinaryOp, ExprNode } from './ast.ts';
import { ExprError } from './errors.ts';
import { FUNCTIONS } from './functions.ts';
import { parse } from './parser.ts';
import { crPow } from '../data/correctly_rounded_math.ts';

export type CompiledExpression = (x: number) => number;

/** A lambda of `epoch` compiled from text; `source` is that text, kept so that it can be saved and rebuilt. */
export type CompiledLambda = ((epoch: number) => number) & { readonly source: string };

/**
 * Compiles `source` once into a tree of closures over one variable (`epoch` unless told otherwise).
 * Never uses eval or Function. Operators follow Python on floats: `//` and `%` floor (the remainder takes
 * the divisor's sign), `**` is right-associative and binds tighter than a unary minus on its left.
 * Where Python raises (division by zero, a math domain error, overflow) the compiled function throws an
 * ExprError that points at the operator or function; so does any other non-finite result, which as a
 * learning-rate factor would only poison training. Sub-expressions without the variable are folded at
 * compile time, so such errors surface here already.
 */
export function compileExpression(source: string, options: { variable?: string } = {}): CompiledExpression {
  if (typeof source !== 'string') {
    throw new ValidationError(
      'compileExpression',
      'source',
      'a string',
      source,
      `An expression must be a string, got ${typeof source}`,
    );
  }
  const variable = options.variable ?? 'epoch';
  return compileNode(parse(source, variable), source);
}

export function compileLambda(source: string): CompiledLambda {
  const fn = compileExpression(source, { variable: 'epoch' });
  const lambda = (epoch: number): number => fn(epoch);
  return Object.defineProperty(lambda, 'source', { value: source, enumerable: true }) as CompiledLambda;
}

/** The source text of a lambda made by compileLambda (or anything with a string `source`), else undefined. */
export function lambdaSource(fn: unknown): string | undefined {
  if (typeof fn !== 'function') return undefined;
  const source: unknown = (fn as { source?: unknown }).source;
  return typeof source === 'string' ? source : undefined;
}

function compileNode(node: ExprNode, source: string): CompiledExpression {
  const compiled = compileUnfolded(node, source);
  if (!dependsOnVariable(node)) {
    const value = compiled(0);
    return () => value;
  }
  return compiled;
}

function compileUnfolded(node: ExprNode, source: string): CompiledExpression {
  switch (node.kind) {
    case 'number':
    case 'constant': {
      const value = node.value;
      return () => value;
    }
    case 'variable':
      return (x) => x;
    case 'unary': {
      const operand = compileNode(node.operand, source);
      return node.op === '-' ? (x) => -operand(x) : operand;
    }
    case 'binary':
      return compileBinary(
        node.op,
        compileNode(node.left, source),
        compileNode(node.right, source),
        source,
        node.offset,
      );
    case 'call': {
      const fn = FUNCTIONS[node.name];
      const args = node.args.map((arg) => compileNode(arg, source));
      const name = node.name;
      const fail = (value: number): never => {
        throw new ExprError(
          Number.isNaN(value) ? `Math domain error in ${name}()` : `Result too large in ${name}()`,
          source,
          node.offset,
        );
      };
      if (args.length === 1) {
        const [arg] = args;
        return (x) => {
          const value = fn.apply([arg(x)]);
          return Number.isFinite(value) ? value : fail(value);
        };
      }
      return (x) => {
        const value = fn.apply(args.map((arg) => arg(x)));
        return Number.isFinite(value) ? value : fail(value);
      };
    }
  }
}

function compileBinary(
  op: BinaryOp,
  left: CompiledExpression,
  right: CompiledExpression,
  source: string,
  offset: number,
): CompiledExpression {
  const fail = (reason: string): never => {
    throw new ExprError(reason, source, offset);
  };
  const finite = (value: number): number => (Number.isFinite(value) ? value : fail('Result too large'));
  switch (op) {
    case '+':
      return (x) => finite(left(x) + right(x));
    case '-':
      return (x) => finite(left(x) - right(x));
    case '*':
      return (x) => finite(left(x) * right(x));
    case '/':
      return (x) => {
        const divisor = right(x);
        return divisor === 0 ? fail('Division by zero') : finite(left(x) / divisor);
      };
    case '//':
      return (x) => {
        const divisor = right(x);
        return divisor === 0 ? fail('Division by zero') : finite(pythonFloorDiv(left(x), divisor));
      };
    case '%':
      return (x) => {
        const divisor = right(x);
        return divisor === 0 ? fail('Division by zero') : pythonMod(left(x), divisor);
      };
    case '**':
      return (x) => {
        const base = left(x);
        const exponent = right(x);
        if (base === 0 && exponent < 0) return fail('0 cannot be raised to a negative power');
        const value = crPow(base, exponent); // correctly rounded: the same bits in every engine
        if (Number.isNaN(value)) return fail('Negative number raised to a fractional power');
        return finite(value);
      };
  }
}

function dependsOnVariable(node: ExprNode): boolean {
  switch (node.kind) {
    case 'variable':
      return true;
    case 'number':
    case 'constant':
      return false;
    case 'unary':
      return dependsOnVariable(node.operand);
    case 'binary':
      return dependsOnVariable(node.left) || dependsOnVariable(node.right);
    case 'call':
      return node.args.some(dependsOnVariable);
  }
}

/** CPython's float floor division (`_float_div_mod`), which is not always Math.floor(a / b). */
export function pythonFloorDiv(a: number, b: number): number {
  const mod = a % b;
  let div = (a - mod) / b;
  if (mod !== 0 && b < 0 !== mod < 0) div -= 1;
  if (div === 0) return copySign(0, a / b);
  let floorDiv = Math.floor(div);
  if (div - floorDiv > 0.5) floorDiv += 1;
  return floorDiv;
}

/** CPython's float `%`: the remainder takes the sign of the divisor. */
export function pythonMod(a: number, b: number): number {
  const mod = a % b;
  if (mod === 0) return copySign(0, b);
  return b < 0 !== mod < 0 ? mod + b : mod;
}

function copySign(magnitude: number, sign: number): number {
  return sign < 0 || Object.is(sign, -0) ? -magnitude : magnitude;
}
