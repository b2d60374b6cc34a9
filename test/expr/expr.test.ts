import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  compileExpression,
  compileLambda,
  ExprError,
  lambdaSource,
  pythonFloorDiv,
  pythonMod,
} from '../../src/expr/index.ts';

// Values printed by CPython 3 for the same source text (`float(eval(text))` with `from math import *`).
const PYTHON_VALUES: [string, number][] = [
  ['-2**2', -4.0],
  ['2**-1', 0.5],
  ['2**3**2', 512.0],
  ['-3**-2', -0.1111111111111111],
  ['(-2)**2', 4.0],
  ['1e-3*1000', 1.0],
  ['7//2', 3.0],
  ['-7//2', -4.0],
  ['7.5//-2', -4.0],
  ['-7%3', 2.0],
  ['7%-3', -2.0],
  ['5.5%2', 1.5],
  ['-5.5%2', 0.5],
  ['1//0.1', 9.0],
  ['1%0.1', 0.09999999999999995],
  ['10 - 4 - 3', 3.0],
  ['2*3%4', 2.0],
  ['2**0.5*2', 2.8284271247461903],
  ['min(3, 1, 2)', 1.0],
  ['max(1, 5, 2)', 5.0],
  ['floor(-2.5)', -3.0],
  ['ceil(2.1)', 3.0],
  ['sqrt(2)', 1.4142135623730951],
  ['exp(1)', 2.718281828459045],
  ['log(10)', 2.302585092994046],
  ['log(8, 2)', 3.0],
  ['cos(1)', 0.5403023058681398],
  ['sin(1)', 0.8414709848078965],
  ['abs(-3.5)', 3.5],
  ['pi', 3.141592653589793],
  ['e', 2.718281828459045],
  ['+-+3', -3.0],
  ['3 - -2', 5.0],
  ['2 ** 2 ** -1', 1.4142135623730951],
  ['-(1 + 2) * 3', -9.0],
  ['.5 + 1.', 1.5],
  ['math.sqrt(2) * math.pi', 1.4142135623730951 * 3.141592653589793],
];

// The fixture generator's lambdas at epoch 37, as CPython computes them.
const LAMBDAS_AT_37: [string, number][] = [
  ['0.95 ** epoch', 0.14989025404881545],
  ['min(1, (epoch + 1) / 10)', 1.0],
  ['min((epoch + 1) / 8, sqrt(8 / (epoch + 1)))', 0.45883146774112354],
  ['0.5 ** floor(epoch / 5)', 0.0078125],
  ['0.5 ** (epoch // 5)', 0.0078125],
];

describe('compileExpression: Python arithmetic', () => {
  it.each(PYTHON_VALUES)('%s = %d', (source, expected) => {
    expect(compileExpression(source)(0)).toBe(expected);
  });

  it.each(LAMBDAS_AT_37)('lambda epoch: %s at 37', (source, expected) => {
    expect(compileLambda(source)(37)).toBe(expected);
  });

  it('binds the variable, by default `epoch`, or the name it is given', () => {
    const f = compileExpression('2 * epoch + 1');
    expect([0, 1, 2.5].map(f)).toEqual([1, 3, 6]);
    expect(compileExpression('x ** 2', { variable: 'x' })(3)).toBe(9);
    expect(() => compileExpression('epoch', { variable: 'x' })).toThrow(/Unknown name 'epoch'/);
  });

  it('keeps the source text on a compiled lambda', () => {
    const lambda = compileLambda('0.9 ** epoch');
    expect(lambda.source).toBe('0.9 ** epoch');
    expect(lambdaSource(lambda)).toBe('0.9 ** epoch');
    expect(lambdaSource((epoch: number) => epoch)).toBeUndefined();
  });
});

describe('compileExpression: errors point at the column', () => {
  const cases: [string, RegExp, number][] = [
    ['min(1, )', /Unexpected '\)'/, 8],
    ['(1 + 2', /Expected '\)'/, 7],
    ['2 3', /Unexpected number '3'/, 3],
    ['epoch +', /Unexpected end of expression/, 8],
    ['foo(1)', /Unknown function 'foo'/, 1],
    ['1 + epok', /Unknown name 'epok'/, 5],
    ['2 $ 3', /Unexpected character '\$'/, 3],
    ['max(1)', /max\(\) takes at least 2 arguments, got 1/, 1],
    ['sqrt(1, 2)', /sqrt\(\) takes 1 argument, got 2/, 1],
    ['sqrt + 1', /Function 'sqrt' must be called/, 1],
    ['3abc', /Invalid number/, 1],
    ['', /Empty expression/, 1],
    ['1 / 0', /Division by zero/, 3],
    ['epoch // (epoch - epoch)', /Division by zero/, 7],
    ['sqrt(-1)', /Math domain error in sqrt\(\)/, 1],
    ['log(0)', /Math domain error in log\(\)/, 1],
    ['0 ** -1', /0 cannot be raised to a negative power/, 3],
    ['(-8) ** (1/3)', /Negative number raised to a fractional power/, 6],
    ['constructor(1)', /Unknown function 'constructor'/, 1],
  ];

  it.each(cases)('%j', (source, reason, column) => {
    let error: unknown;
    try {
      compileExpression(source)(1);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ExprError);
    const exprError = error as ExprError;
    expect(exprError.message).toMatch(reason);
    expect(exprError.column).toBe(column);
    // The message ends with the source and a caret under the column.
    const lines = exprError.message.split('\n');
    expect(lines[1]).toBe(`  ${source}`);
    expect(lines[2]).toBe(`  ${' '.repeat(column - 1)}^`);
    expect(lines[0]).toContain(`at column ${column}`);
  });

  it('reports overflow at run time where the variable makes it', () => {
    const f = compileExpression('exp(epoch)');
    expect(f(700)).toBe(Math.exp(700));
    expect(() => f(1000)).toThrow(/Result too large in exp\(\) at column 1/);
  });
});

describe("CPython's float // and %", () => {
  // CPython: (a // b, a % b)
  const table: [number, number, number, number][] = [
    [7, 2, 3, 1],
    [-7, 2, -4, 1],
    [7, -2, -4, -1],
    [-7, -2, 3, -1],
    [1, 0.1, 9, 0.09999999999999995],
    [7.5, -2, -4, -0.5],
    [0, 3, 0, 0],
  ];
  it.each(table)('%d // %d = %d, %% = %d', (a, b, div, mod) => {
    expect(pythonFloorDiv(a, b)).toBe(div);
    expect(pythonMod(a, b)).toBe(mod);
  });

  it('a == (a // b) * b + a % b, and a % b has the sign of b', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -10_000, max: 10_000 }),
        fc.integer({ min: -50, max: 50 }).filter((b) => b !== 0),
        (a, b) => {
          const div = pythonFloorDiv(a, b);
          const mod = pythonMod(a, b);
          expect(div * b + mod).toBe(a);
          expect(mod === 0 || Math.sign(mod) === Math.sign(b)).toBe(true);
          expect(div).toBe(Math.floor(a / b));
        },
      ),
    );
  });
});

// ---- random expression trees: the compiled closure against a direct evaluation of the tree ----------

type Tree =
  | { kind: 'num'; value: number }
  | { kind: 'var' }
  | { kind: 'neg'; operand: Tree }
  | { kind: 'bin'; op: '+' | '-' | '*' | '/'; left: Tree; right: Tree }
  | { kind: 'call'; name: 'min' | 'max' | 'cos' | 'abs' | 'sqrt'; args: Tree[] };

const treeArbitrary: fc.Arbitrary<Tree> = fc.letrec<{ tree: Tree }>((tie) => ({
  tree: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.record({ kind: fc.constant('num' as const), value: fc.double({ min: 0, max: 100, noNaN: true }) }),
    fc.constant({ kind: 'var' as const }),
    fc.record({ kind: fc.constant('neg' as const), operand: tie('tree') }),
    fc.record({
      kind: fc.constant('bin' as const),
      op: fc.constantFrom('+' as const, '-' as const, '*' as const, '/' as const),
      left: tie('tree'),
      right: tie('tree'),
    }),
    fc.record({
      kind: fc.constant('call' as const),
      name: fc.constantFrom('min' as const, 'max' as const),
      args: fc.array(tie('tree'), { minLength: 2, maxLength: 3 }),
    }),
    fc.record({
      kind: fc.constant('call' as const),
      name: fc.constantFrom('cos' as const, 'abs' as const, 'sqrt' as const),
      args: fc.tuple(tie('tree')),
    }),
  ),
})).tree;

function render(tree: Tree): string {
  switch (tree.kind) {
    case 'num':
      return tree.value.toExponential(); // full precision, e.g. 1.2345e+1
    case 'var':
      return 'epoch';
    case 'neg':
      return `(-${render(tree.operand)})`;
    case 'bin':
      return `(${render(tree.left)} ${tree.op} ${render(tree.right)})`;
    case 'call':
      return `${tree.name}(${tree.args.map(render).join(', ')})`;
  }
}

/** Direct evaluation; undefined where Python would raise (division by zero, sqrt of a negative). */
function evaluate(tree: Tree, epoch: number): number | undefined {
  switch (tree.kind) {
    case 'num':
      return tree.value;
    case 'var':
      return epoch;
    case 'neg': {
      const v = evaluate(tree.operand, epoch);
      return v === undefined ? undefined : -v;
    }
    case 'bin': {
      const l = evaluate(tree.left, epoch);
      const r = evaluate(tree.right, epoch);
      if (l === undefined || r === undefined || (tree.op === '/' && r === 0)) return undefined;
      const v = tree.op === '+' ? l + r : tree.op === '-' ? l - r : tree.op === '*' ? l * r : l / r;
      return Number.isFinite(v) ? v : undefined;
    }
    case 'call': {
      const args = tree.args.map((a) => evaluate(a, epoch));
      if (args.some((a) => a === undefined)) return undefined;
      const xs = args as number[];
      // biome-ignore lint/complexity/useMathMinMax: the reference is Python's min/max, not Math.min's NaN and -0 rules
      if (tree.name === 'min') return xs.reduce((a, b) => (b < a ? b : a));
      // biome-ignore lint/complexity/useMathMinMax: as above
      if (tree.name === 'max') return xs.reduce((a, b) => (b > a ? b : a));
      if (tree.name === 'cos') return Math.cos(xs[0]);
      if (tree.name === 'abs') return Math.abs(xs[0]);
      return xs[0] < 0 ? undefined : Math.sqrt(xs[0]);
    }
  }
}

describe('compileExpression on random expressions', () => {
  it('computes exactly what the tree says, and throws ExprError exactly where Python would raise', () => {
    fc.assert(
      fc.property(treeArbitrary, fc.integer({ min: 0, max: 1000 }), (tree, epoch) => {
        const expected = evaluate(tree, epoch);
        const source = render(tree);
        let actual: number | undefined;
        try {
          actual = compileExpression(source)(epoch);
        } catch (error) {
          expect(error).toBeInstanceOf(ExprError);
          actual = undefined;
        }
        expect(actual).toBe(expected);
      }),
      { numRuns: 500 },
    );
  });
});
