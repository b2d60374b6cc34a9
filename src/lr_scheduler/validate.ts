import type { SchedulableOptimizer } from '../optim/param_group.ts';
import { displayName, formatValue } from '../params/names.ts';
import { ValidationError } from '../params/error.ts';

export interface NumberRange {
  readonly min?: number;
  readonly max?: number;
  /** Exclude `min` itself. */
  readonly above?: boolean;
  /** Exclude `max` itself. */
  readonly below?: boolean;
}

/**
 * Argument checks for one scheduler class. Every failure is an Error whose message names the scheduler,
 * the parameter (camelCase, then PyTorch's snake_case) and what is allowed, e.g.
 * "StepLR: stepSize (step_size) must be an integer >= 1, got 0". Schedulers run all checks before they
 * touch any param group.
 */
export class ArgChecker {
  constructor(readonly scheduler: string) {}

  fail(param: string, requirement: string, value: unknown): never {
    throw new ValidationError(this.scheduler, param, requirement, value);
  }

  number(param: string, value: unknown, range: NumberRange = {}): number {
    if (typeof value !== 'number' || !Number.isFinite(value) || !inRange(value, range)) {
      this.fail(param, `a finite number${describeRange(range)}`, value);
    }
    return value;
  }

  integer(param: string, value: unknown, min: number): number {
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
      this.fail(param, `an integer >= ${min}`, value);
    }
    return value;
  }

  boolean(param: string, value: unknown): boolean {
    if (typeof value !== 'boolean') this.fail(param, 'true or false', value);
    return value;
  }

  oneOf<T extends string>(param: string, value: unknown, allowed: readonly T[]): T {
    if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
      this.fail(param, `one of ${allowed.map((a) => `'${a}'`).join(', ')}`, value);
    }
    return value as T;
  }

  /** A scalar for every group, or a list with one value per group (PyTorch's `_format_param`). */
  perGroup(param: string, value: unknown, optimizer: SchedulableOptimizer, range: NumberRange = {}): number[] {
    const groups = optimizer.paramGroups.length;
    if (!Array.isArray(value)) return new Array<number>(groups).fill(this.number(param, value, range));
    if (value.length !== groups) {
      throw new Error(
        `${this.scheduler}: ${displayName(param)} has ${value.length} value${value.length === 1 ? '' : 's'} ` +
          `but the optimizer has ${groups} param group${groups === 1 ? '' : 's'}; ` +
          'give one value per group or a single number',
      );
    }
    return value.map((v: unknown, i) => this.number(`${param}[${i}]`, v, range));
  }

  /** A non-decreasing list of integers >= min (repeats allowed, as in PyTorch's MultiStepLR). */
  milestones(param: string, value: unknown, min: number): number[] {
    if (!Array.isArray(value)) this.fail(param, 'a list of integers', value);
    const list = value.map((v: unknown, i) => this.integer(`${param}[${i}]`, v, min));
    for (let i = 1; i < list.length; i++) {
      if (list[i] < list[i - 1]) {
        throw new Error(
          `${this.scheduler}: ${displayName(param)} must be sorted in increasing order (repeats allowed), ` +
            `got ${formatValue(list)}: ${list[i]} comes after ${list[i - 1]}`,
        );
      }
    }
    return list;
  }

  /**
   * PyTorch's `last_epoch`: -1 starts the schedule; k >= 0 resumes it (the constructor's step then takes
   * it to k + 1), which needs `initialLr` in every group, as PyTorch needs `initial_lr`.
   */
  lastEpoch(
    value: unknown,
    optimizer: SchedulableOptimizer,
    requiredGroupKeys: readonly string[] = ['initialLr'],
  ): number {
    const lastEpoch = this.integer('lastEpoch', value, -1);
    if (lastEpoch >= 0) {
      optimizer.paramGroups.forEach((group, i) => {
        for (const key of requiredGroupKeys) {
          if ((group as unknown as Record<string, unknown>)[key] === undefined) {
            throw new Error(
              `${this.scheduler}: param group ${i} has no ${displayName(key)}; ` +
                `resuming with lastEpoch (last_epoch) = ${lastEpoch} ` +
                'needs the bookkeeping that a scheduler started with lastEpoch = -1 writes into the groups',
            );
          }
        }
      });
    }
    return lastEpoch;
  }
}

function inRange(value: number, range: NumberRange): boolean {
  if (range.min !== undefined && (range.above ? value <= range.min : value < range.min)) return false;
  if (range.max !== undefined && (range.below ? value >= range.max : value > range.max)) return false;
  return true;
}

function describeRange(range: NumberRange): string {
  const { min, max } = range;
  if (min !== undefined && max !== undefined)
    return ` in ${range.above ? '(' : '['}${min}, ${max}${range.below ? ')' : ']'}`;
  if (min !== undefined) return ` ${range.above ? '>' : '>='} ${min}`;
  if (max !== undefined) return ` ${range.below ? '<' : '<='} ${max}`;
  return '';
}

export { formatValue } from '../params/names.ts';

/** Checks that the optimizer looks like one and that `options` is an object with only known keys. */
export function checkOptimizerAndOptions<T extends object>(
  check: ArgChecker,
  optimizer: unknown,
  options: T | undefined,
  allowed: readonly (keyof T & string)[],
): Partial<T> {
  const groups = (optimizer as { paramGroups?: unknown } | null | undefined)?.paramGroups;
  if (!Array.isArray(groups) || groups.length === 0) {
    throw new Error(`${check.scheduler}: the optimizer must have a non-empty paramGroups list`);
  }
  if (options === undefined) return {};
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new Error(`${check.scheduler}: options must be an object, got ${formatValue(options)}`);
  }
  for (const key of Object.keys(options)) {
    if (!(allowed as readonly string[]).includes(key)) {
      throw new Error(`${check.scheduler}: unknown option '${key}' (accepted: ${allowed.join(', ')})`);
    }
  }
  return options;
}
