import { type ParamDecls, type Values, torchName } from './declare.ts';
import { checkNumber, invalid } from './check.ts';
import { ValidationError } from './error.ts';
import { formatValue } from './names.ts';
import { missingEntry } from './state_reader.ts';

/** A JSON value: what a state dict holds. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/**
 * The declared hyper-parameters of one class (a scheduler, an optimizer): checks an options object, writes
 * and reads their state-dict entries, and names them as PyTorch does for run configs and flags.
 */
export class ParamSet<D extends ParamDecls> {
  /**
   * @param owner the class name, as messages name it (`StepLR`)
   * @param decls the declarations, by camelCase name, in PyTorch's keyword order
   */
  constructor(
    /** The class name, as messages name it (`StepLR`). */
    readonly owner: string,
    /** The declarations, by camelCase name, in PyTorch's keyword order. */
    readonly decls: D,
  ) {}

  /** The camelCase names, in order. */
  get names(): string[] {
    return Object.keys(this.decls);
  }

  /** PyTorch's keyword names (snake_case), in order: what a run config's `args` may hold. */
  get torchNames(): string[] {
    return this.names.map((name) => torchName(name, this.decls[name]));
  }

  /** The camelCase name of PyTorch's keyword `torch`, if declared. */
  nameOf(torch: string): string | undefined {
    return this.names.find((name) => torchName(name, this.decls[name]) === torch);
  }

  /**
   * Checks an options object — an object, only declared keys, each value allowed — and returns every value,
   * defaults filled in. Nothing is changed when it throws.
   */
  parse(options: unknown, groups: number): Values<D> {
    if (options !== undefined && (typeof options !== 'object' || options === null || Array.isArray(options))) {
      throw new ValidationError(
        this.owner,
        'options',
        'an object',
        options,
        `${this.owner}: options must be an object, got ${formatValue(options)}`,
      );
    }
    const given = (options ?? {}) as Record<string, unknown>;
    for (const key of Object.keys(given)) {
      if (!Object.hasOwn(this.decls, key)) {
        throw new ValidationError(
          this.owner,
          key,
          this.names.join(', '),
          given[key],
          `${this.owner}: unknown option '${key}' (accepted: ${this.names.join(', ')})`,
        );
      }
    }
    const values: Record<string, unknown> = {};
    for (const name of this.names) values[name] = this.decls[name].check(this.owner, name, given[name], groups);
    return values as Values<D>;
  }

  /** The state-dict entries of the values, under PyTorch's keys (parameters a state dict holds only). */
  state(values: Values<D>): Record<string, JsonValue> {
    const state: Record<string, JsonValue> = {};
    for (const name of this.names) {
      const param = this.decls[name];
      if (!param.inState) continue;
      const value = (values as Record<string, unknown>)[name];
      state[torchName(name, param)] = (Array.isArray(value) ? [...value] : (value ?? null)) as JsonValue;
    }
    return state;
  }

  /**
   * Reads and checks the entries `state` wrote: the values of the parameters a state dict holds. Changes
   * nothing, so a caller can check everything before applying anything.
   */
  load(stateDict: Record<string, unknown>, groups: number): Partial<Values<D>> {
    const where = `${this.owner}.loadStateDict`;
    const values: Record<string, unknown> = {};
    for (const name of this.names) {
      const param = this.decls[name];
      if (!param.inState) continue;
      const key = torchName(name, param);
      if (!Object.hasOwn(stateDict, key)) {
        throw missingEntry(where, key, param.allowed);
      }
      const raw = stateDict[key];
      const numeric = param.kind === 'number' || param.kind === 'integer';
      if (numeric && !param.perGroup) checkNumber(where, key, raw, {}, 'state');
      try {
        values[name] = param.check(where, key, raw === null ? undefined : raw, groups);
      } catch (err) {
        if (!(err instanceof ValidationError)) throw err;
        throw invalid(where, key, err.allowed, err.got, 'state');
      }
    }
    return values as Partial<Values<D>>;
  }
}
