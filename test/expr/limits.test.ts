import { describe, expect, it } from 'vitest';
import { compileExpression, ExprError } from '../../src/expr/index.ts';

/** The refusal of `source`, with the time it took. */
function refusal(source: string): { error: ExprError; ms: number } {
  const start = performance.now();
  try {
    compileExpression(source);
  } catch (err) {
    if (!(err instanceof ExprError)) throw err;
    return { error: err, ms: performance.now() - start };
  }
  throw new Error(`${source.slice(0, 40)}… compiled`);
}

describe('expressions past the limits are refused with a position, never a stack overflow', () => {
  it('3000 nested parentheses: refused at the 201st level, as Python refuses more than 200', () => {
    const { error, ms } = refusal(`${'('.repeat(3000)}epoch${')'.repeat(3000)}`);
    expect(error.message).toMatch(/^Expression nested too deeply \(more than 200 levels\) at column 202\n/);
    expect(error.column).toBe(202); // where the 201st level begins
    expect(ms).toBeLessThan(1000);
    expect(compileExpression(`${'('.repeat(200)}epoch${')'.repeat(200)}`)(3)).toBe(3); // 200 levels are fine
  });

  it('a flat sum of 10 000 terms: refused at the operator of the 1000th level', () => {
    const source = Array.from({ length: 10_000 }, () => 'epoch').join(' + ');
    const { error, ms } = refusal(source);
    expect(error.message.split('\n')[0]).toBe('Expression too long (more than 1000 operations deep) at column 7999');
    expect(ms).toBeLessThan(1000);
    const sum999 = Array.from({ length: 1000 }, () => 'epoch').join(' + ');
    expect(compileExpression(sum999)(2)).toBe(2000);
  });

  it('5000 chained unary minus signs: refused quickly, not compiled in quadratic time', () => {
    const { error, ms } = refusal(`${'-'.repeat(5000)}epoch`);
    expect(error.column).toBe(202); // where the 201st level begins
    expect(ms).toBeLessThan(500);
    expect(compileExpression(`${'-'.repeat(200)}epoch`)(3)).toBe(3);
  });

  it('a number literal that overflows to infinity (1e999) is refused where it stands', () => {
    const { error } = refusal('0.5 * 1e999');
    expect(error.message.split('\n')[0]).toBe("Number '1e999' is too large (it overflows to infinity) at column 7");
    expect(compileExpression('1e308')(0)).toBe(1e308);
  });
});
