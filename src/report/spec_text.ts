import { ValidationError } from '../params/error.ts';
/**
 * Specs written on a command line, Python-call style: `StepLR(step_size=50, gamma=0.99)`, `cosine`,
 * `grow-batch(gamma=0.5)`, `LambdaBS(batch_lambda="2 ** (epoch // 10)", interval=step)`; several of them
 * separated by commas at the top level. Values are numbers, true/false (True/False), null (None), quoted
 * strings, bare words (`step`, `min`, `cos`) and [lists]. A small parser of its own: nothing is evaluated.
 */

export type SpecValue = number | boolean | null | string | SpecValue[];

export interface SpecCall {
  /** The name before the parentheses, as written. */
  name: string;
  /** The keyword arguments in order; empty without parentheses. */
  args: Record<string, SpecValue>;
  /** The text of this item, trimmed. */
  text: string;
}

/** A strategy or batch-schedule text that does not parse, with the 0-based column of the problem. */
export class SpecSyntaxError extends ValidationError {
  /** The error's name, `SpecSyntaxError`. */
  override readonly name: string = 'SpecSyntaxError';
  /**
   * @param what the text's role (`--strategies`)
   * @param message what is wrong
   * @param column 0-based column of the problem
   */
  constructor(
    what: string,
    message: string,
    /** 0-based column of the problem. */
    readonly column: number,
  ) {
    super(what, what, message, undefined, `${what}: ${message} (at column ${column + 1})`);
  }
}

const NAME = /[A-Za-z0-9_.+-]/;
const KEY = /[A-Za-z0-9_]/;

class Reader {
  pos = 0;
  constructor(
    readonly text: string,
    readonly what: string,
  ) {}

  fail(message: string, at = this.pos): never {
    throw new SpecSyntaxError(this.what, message, at);
  }

  skip(): void {
    while (this.pos < this.text.length && /\s/.test(this.text[this.pos])) this.pos++;
  }

  peek(): string {
    this.skip();
    return this.text[this.pos] ?? '';
  }

  expect(ch: string): void {
    if (this.peek() !== ch)
      this.fail(
        `expected '${ch}'${this.pos < this.text.length ? `, found '${this.text[this.pos]}'` : ' but the text ended'}`,
      );
    this.pos++;
  }

  word(re: RegExp, what: string): string {
    this.skip();
    const start = this.pos;
    while (this.pos < this.text.length && re.test(this.text[this.pos])) this.pos++;
    if (this.pos === start)
      this.fail(
        `expected ${what}${this.pos < this.text.length ? `, found '${this.text[this.pos]}'` : ' but the text ended'}`,
      );
    return this.text.slice(start, this.pos);
  }

  value(): SpecValue {
    const c = this.peek();
    if (c === '[') {
      this.pos++;
      const items: SpecValue[] = [];
      if (this.peek() === ']') {
        this.pos++;
        return items;
      }
      for (;;) {
        items.push(this.value());
        const next = this.peek();
        if (next === ',') this.pos++;
        else if (next === ']') {
          this.pos++;
          return items;
        } else this.fail(`expected ',' or ']' in a list${next ? `, found '${next}'` : ' but the text ended'}`);
      }
    }
    if (c === '"' || c === "'") {
      const start = this.pos;
      const end = this.text.indexOf(c, start + 1);
      if (end < 0) this.fail(`unterminated string: no closing ${c}`, start);
      this.pos = end + 1;
      return this.text.slice(start + 1, end);
    }
    const start = this.pos;
    const raw = this.word(/[^\s,()[\]=]/, 'a value');
    if (/^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i.test(raw)) return Number(raw);
    if (raw === 'true' || raw === 'True') return true;
    if (raw === 'false' || raw === 'False') return false;
    if (raw === 'null' || raw === 'None') return null;
    if (/^[-+]?(inf|infinity|nan)$/i.test(raw)) this.fail(`${raw} is not allowed: values must be finite`, start);
    return raw;
  }

  call(): SpecCall {
    this.skip();
    const start = this.pos;
    const name = this.word(NAME, 'a name');
    const args: Record<string, SpecValue> = {};
    if (this.peek() === '(') {
      this.pos++;
      if (this.peek() !== ')') {
        for (;;) {
          this.skip();
          const keyAt = this.pos;
          const key = this.word(KEY, 'an argument name');
          if (Object.hasOwn(args, key)) this.fail(`argument '${key}' is given twice`, keyAt);
          this.expect('=');
          args[key] = this.value();
          const next = this.peek();
          if (next === ',') this.pos++;
          else if (next === ')') break;
          else
            this.fail(
              `expected ',' or ')' after the value of '${key}'${next ? `, found '${next}'` : ' but the text ended'}`,
            );
        }
      }
      this.expect(')');
    }
    return { name, args, text: this.text.slice(start, this.pos).trim() };
  }
}

/** One spec, the whole text: `Name` or `Name(key=value, ...)`. */
export function parseSpecCall(text: string, what = 'spec'): SpecCall {
  const r = new Reader(text, what);
  const call = r.call();
  if (r.peek() !== '') r.fail(`unexpected '${r.text[r.pos]}' after ${call.name}(...)`);
  return call;
}

/** Several specs separated by commas: `constant-0.1, StepLR(step_size=50, gamma=0.99), cosine`. */
export function parseSpecList(text: string, what = 'specs'): SpecCall[] {
  const r = new Reader(text, what);
  const calls: SpecCall[] = [];
  if (r.peek() === '') r.fail('the list is empty');
  for (;;) {
    calls.push(r.call());
    const next = r.peek();
    if (next === '') return calls;
    if (next !== ',') r.fail(`expected ',' between specs, found '${next}'`);
    r.pos++;
  }
}
