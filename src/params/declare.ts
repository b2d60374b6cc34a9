import {
  checkBoolean,
  checkChoice,
  checkInteger,
  checkNumber,
  describeChoices,
  describeInteger,
  describeNumber,
  type NumberRange,
} from './check.ts';
import { ValidationError } from './error.ts';
import { camelToSnake, formatValue } from './names.ts';

// A hyper-parameter is declared once — kind, PyTorch's keyword, default, allowed range, per group or not, a
// line of doc — and everything else is derived from that declaration: the options type, the checks a
// constructor runs, the state dict's keys and their checks on load, the keyword names of run configs and
// `anneal schedule` specs, the CLI flags and the playground's controls and URL keys. The checks themselves
// are check.ts's, which the rest of anneal's refusals use too.

export { describeRange, type NumberRange } from './check.ts';

/** How a value is read and shown: decides the CLI flag's parser and the playground's control. */
export type ParamKind =
  | 'number'
  | 'integer'
  | 'boolean'
  | 'choice'
  | 'milestones'
  | 'expression'
  | 'schedulers'
  | 'numbers';

/** One declared hyper-parameter whose checked value has type `T`; `R` says whether it must be given. */
export interface Param<T, R extends boolean = boolean> {
  /** How the value is read and shown. */
  readonly kind: ParamKind;
  /** A line saying what it is, for docs, `--help` and the playground. */
  readonly doc: string;
  /** PyTorch's keyword, when not the camelCase name in snake_case. */
  readonly torch?: string;
  /** Whether it must be given (no default, not optional). */
  readonly required: R;
  /** The default, when it has one that does not depend on other values. */
  readonly defaultValue?: T;
  /** One value per param group (a single value stands for all of them). */
  readonly perGroup: boolean;
  /** What is allowed, in words: `an integer >= 1`. */
  readonly allowed: string;
  /** For numbers: the allowed range. */
  readonly range?: NumberRange;
  /** For choices: the allowed values. */
  readonly choices?: readonly string[];
  /** Whether a state dict holds it (functions do not). */
  readonly inState: boolean;
  /**
   * Checks a given value (`undefined`: not given, so the default) and returns it as the class holds it.
   * `groups` is the number of param groups, for per-group values.
   */
  check(where: string, name: string, value: unknown, groups: number): T;
}

/** The value type of a declared parameter. */
export type ValueOf<P> = P extends Param<infer T, boolean> ? T : never;

/** A class's declared parameters, by camelCase name. */
export type ParamDecls = Record<string, Param<unknown>>;

/** The checked values of every declared parameter. */
export type Values<D extends ParamDecls> = { -readonly [K in keyof D]: ValueOf<D[K]> };

type RequiredKeys<D extends ParamDecls> = { [K in keyof D]: D[K] extends Param<unknown, true> ? K : never }[keyof D];

/** The options object a constructor takes: required parameters required, the rest optional. */
export type OptionsOf<D extends ParamDecls, Input = unknown> = {
  [K in RequiredKeys<D>]: InputOf<D[K], Input>;
} & { [K in Exclude<keyof D, RequiredKeys<D>>]?: InputOf<D[K], Input> };

type InputOf<P, Input> =
  P extends Param<infer T, boolean>
    ? P extends { perGroup: true }
      ? (T extends readonly (infer E)[] ? E | readonly E[] : T) | Input
      : T extends readonly number[]
        ? readonly number[]
        : T
    : never;

interface Common<T> {
  /** A line saying what it is. */
  doc: string;
  /** PyTorch's keyword, when not the camelCase name in snake_case (`T_0` for `t0` is derived). */
  torch?: string;
  /** The default; leave it out for a parameter that must be given. */
  default?: T;
}

type Built<T, O> = O extends { default: unknown } ? Param<T, false> : Param<T, true>;

function declare<T, O extends Common<T>>(
  options: O,
  kind: ParamKind,
  allowed: string,
  checkGiven: (where: string, name: string, value: unknown, groups: number) => T,
  extra: Partial<Param<T>> = {},
): Built<T, O> {
  const required = !('default' in options);
  return {
    kind,
    doc: options.doc,
    torch: options.torch,
    required,
    defaultValue: options.default,
    perGroup: false,
    allowed,
    inState: true,
    ...extra,
    check(where, name, value, groups) {
      if (value === undefined) {
        if (required) throw new ValidationError(where, name, allowed, value);
        return options.default as T;
      }
      return checkGiven(where, name, value, groups);
    },
  } as Built<T, O>;
}

/** A finite number, optionally within a range. */
export function number<O extends Common<number> & NumberRange>(options: O): Built<number, O> {
  const check = (where: string, name: string, v: unknown) => checkNumber(where, name, v, options);
  return declare(options, 'number', describeNumber(options), check, { range: options });
}

/** An integer >= `min` (and <= `max`). */
export function integer<O extends Common<number> & { min: number; max?: number }>(options: O): Built<number, O> {
  const range = { min: options.min, max: options.max };
  const check = (where: string, name: string, v: unknown) => checkInteger(where, name, v, range);
  return declare(options, 'integer', describeInteger(range), check, { range });
}

/** true or false. */
export function boolean<O extends Common<boolean>>(options: O): Built<boolean, O> {
  const check = (where: string, name: string, v: unknown) => checkBoolean(where, name, v);
  return declare(options, 'boolean', 'true or false', check);
}

/** One of a few strings. */
export function choice<C extends string, O extends Common<C> & { choices: readonly C[] }>(options: O): Built<C, O> {
  const check = (where: string, name: string, v: unknown) => checkChoice(where, name, v, options.choices);
  return declare(options, 'choice', describeChoices(options.choices), check, { choices: options.choices });
}

/** A non-decreasing list of integers >= `min` (repeats allowed, as PyTorch's MultiStepLR counts them). */
export function milestones<O extends Common<number[]> & { min: number }>(options: O): Built<number[], O> {
  const check = (where: string, name: string, v: unknown) => {
    if (!Array.isArray(v)) throw new ValidationError(where, name, 'a list of integers', v);
    const list = v.map((x: unknown, i) => checkInteger(where, `${name}[${i}]`, x, { min: options.min }));
    for (let i = 1; i < list.length; i++) {
      if (list[i] < list[i - 1]) {
        throw new ValidationError(
          where,
          name,
          'sorted in increasing order (repeats allowed)',
          list,
          `${where}: ${displayed(name)} must be sorted in increasing order (repeats allowed), ` +
            `got ${formatValue(list)}: ${list[i]} comes after ${list[i - 1]}`,
        );
      }
    }
    return list;
  };
  return declare(options, 'milestones', `a sorted list of integers >= ${options.min}`, check);
}

/** A finite number for every param group: one number for all, or a list with one per group (`_format_param`). */
export function numberPerGroup<O extends Common<number> & NumberRange>(options: O): Built<number[], O> {
  const one = describeNumber(options);
  const check = (where: string, name: string, v: unknown, groups: number) => {
    if (!Array.isArray(v)) return new Array<number>(groups).fill(checkNumber(where, name, v, options));
    if (v.length !== groups) {
      throw new ValidationError(
        where,
        name,
        `one value per param group (${groups}) or a single number`,
        v,
        `${where}: ${displayed(name)} has ${v.length} value${v.length === 1 ? '' : 's'} ` +
          `but the optimizer has ${groups} param group${groups === 1 ? '' : 's'}; ` +
          'give one value per group or a single number',
      );
    }
    return v.map((x: unknown, i) => checkNumber(where, `${name}[${i}]`, x, options));
  };
  const { default: _default, ...withoutDefault } = options;
  const param = declare<number[], Common<number[]>>(
    withoutDefault,
    'number',
    `${one}, or a list of one per param group`,
    check,
    {
      perGroup: true,
      range: options,
    },
  );
  if (!('default' in options)) return param as Built<number[], O>;
  return {
    ...param,
    required: false,
    defaultValue: [options.default as number],
    check: (where: string, name: string, value: unknown, groups: number) =>
      check(where, name, value === undefined ? options.default : value, groups),
  } as Built<number[], O>;
}

/** A parameter that may be left out (PyTorch's None): its value is then `undefined`. */
export function optional<T>(param: Param<T>): Param<T | undefined, false> {
  return {
    ...param,
    required: false,
    check: (where, name, value, groups) => (value === undefined ? undefined : param.check(where, name, value, groups)),
  };
}

/** A parameter checked by a function of its own (lambdas, nested schedulers). */
export function custom<T, O extends Common<T> & { kind: ParamKind; allowed: string; inState?: boolean }>(
  options: O,
  check: (where: string, name: string, value: unknown, groups: number) => T,
): Built<T, O> {
  return declare(options, options.kind, options.allowed, check, { inState: options.inState ?? true });
}

function displayed(name: string): string {
  const base = name.replace(/\[\d+\]$/, '');
  const snake = camelToSnake(base);
  return snake === base ? name : `${name} (${snake}${name.slice(base.length)})`;
}

/**
 * A `numberPerGroup` declaration typed as per group, so that the options type derived from it takes one number
 * for all groups or a list with one per group (use with `OptionsOf<decls, never>`).
 */
export function perGroup<P extends Param<number[]>>(param: P): P & { readonly perGroup: true } {
  return param as P & { readonly perGroup: true };
}

/**
 * A declaration that a state dict does not hold (LRScheduler.stateDict() leaves it out): the class saves what it
 * computed from it instead, under PyTorch's keys (CyclicLR's `max_lrs` for `maxLr`, say).
 */
export function notInState<P extends Param<unknown>>(param: P): P {
  return { ...param, inState: false };
}

/** PyTorch's keyword of a declared parameter. */
export function torchName(name: string, param: Param<unknown>): string {
  return param.torch ?? camelToSnake(name);
}
