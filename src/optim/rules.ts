import { boolean, custom, describeRange, number, type Param, type ParamDecls, type Values } from '../params/declare.ts';
import { ValidationError } from '../params/error.ts';
import { formatValue } from '../params/names.ts';
import type { ParamSet } from '../params/param_set.ts';

// The pieces of the optimizers' declarations (adam.ts, sgd.ts) that more than one declares, and the checks of
// an options object and of a param group dict derived from a declaration set. PyTorch 1.13's ranges: lr, eps,
// weight_decay and momentum >= 0, each beta in [0, 1); dampening any finite number.

/** The doc line of every optimizer's `lr` (a finite number >= 0; Adam's defaults to 1e-3, SGD's must be given). */
export const LR_DOC = 'Learning rate: the step size along the gradient.';

/** `maximize`, which every optimizer takes. */
export const MAXIMIZE = boolean({ doc: 'Maximise the objective (step along the gradient).', default: false });

/** The range of each beta: [0, 1). */
const BETA_RANGE = { min: 0, max: 1, below: true } as const;

/** Adam's `betas`: a pair (beta1, beta2), each a number in [0, 1); the checked value is a frozen pair. */
export function betas(options: { doc: string; default: readonly [number, number] }) {
  const each = `a number${describeRange(BETA_RANGE)}`;
  return custom(
    { ...options, kind: 'numbers', allowed: `a pair [beta1, beta2], each ${each}` },
    (where, name, value): readonly [number, number] => {
      if (!Array.isArray(value) || value.length !== 2) {
        throw new ValidationError(where, name, 'a pair [beta1, beta2]', value);
      }
      value.forEach((beta: unknown, i) => {
        if (typeof beta !== 'number' || !Number.isFinite(beta) || beta < BETA_RANGE.min || beta >= BETA_RANGE.max) {
          throw new ValidationError(where, `${name}[${i}]`, each, beta);
        }
      });
      return Object.freeze([value[0], value[1]] as const);
    },
  );
}

const warned = new Set<string>();

/** Prints `message` as a warning (`console.warn`) the first time `key` is warned about, and never again. */
export function warnOnce(key: string, message: string): void {
  if (warned.has(key)) return;
  warned.add(key);
  console.warn(message);
}

/**
 * SGD's momentum: a finite number >= 0, as PyTorch checks it. Above 1 PyTorch accepts it and so does anneal,
 * with a one-time warning, since the momentum buffer then grows without bound.
 */
export function momentum(options: { doc: string; default: number }): Param<number, false> {
  const param = number({ ...options, min: 0 });
  return {
    ...param,
    check(where, name, value, groups) {
      const checked = param.check(where, name, value, groups);
      if (checked > 1) {
        warnOnce(
          'momentum > 1',
          `${where}: momentum ${formatValue(checked)} is above 1, so the momentum buffer grows without bound ` +
            '(accepted, as PyTorch does)',
        );
      }
      return checked;
    },
  };
}

/** The declared defaults of a set: what a group holds unless it overrides them (no entry for a required one). */
export function defaultsOf<D extends ParamDecls>(params: ParamSet<D>): Partial<Values<D>> {
  const out: Record<string, unknown> = {};
  for (const name of params.names) {
    const param = params.decls[name];
    if (!param.required) out[name] = param.defaultValue;
  }
  return Object.freeze(out) as Partial<Values<D>>;
}

/**
 * Checks an optimizer's options object against its declarations: only declared keys (message:
 * `Adam: unknown option learningRate; allowed: lr, betas, …`), each value allowed; returns every value,
 * defaults filled in.
 */
export function parseOptions<D extends ParamDecls>(params: ParamSet<D>, options: unknown): Values<D> {
  if (options !== null && typeof options === 'object' && !Array.isArray(options)) {
    const unknown = Object.keys(options).filter((key) => !Object.hasOwn(params.decls, key));
    if (unknown.length) {
      throw new ValidationError(
        params.owner,
        unknown[0],
        params.names.join(', '),
        (options as Record<string, unknown>)[unknown[0]],
        `${params.owner}: unknown option ${unknown.join(', ')}; allowed: ${params.names.join(', ')}`,
      );
    }
  }
  return params.parse(options, 1);
}

/**
 * Checks a param group dict (`{params, lr: 0.1, …}` less `params`) against the declarations and returns the
 * group's values: `defaults` with the group's own (checked) values over them. `i` is the group's index.
 */
export function parseGroup<D extends ParamDecls>(
  params: ParamSet<D>,
  overrides: Record<string, unknown>,
  defaults: Values<D>,
  i: number,
): Values<D> {
  const where = `${params.owner} (param group ${i})`;
  const unknown = Object.keys(overrides).filter((key) => !Object.hasOwn(params.decls, key));
  if (unknown.length) {
    throw new ValidationError(
      where,
      unknown[0],
      `params, ${params.names.join(', ')}`,
      overrides[unknown[0]],
      `${params.owner}: param group ${i} has unknown option ${unknown.join(', ')}; ` +
        `allowed: params, ${params.names.join(', ')}`,
    );
  }
  const values: Record<string, unknown> = { ...defaults };
  for (const [name, value] of Object.entries(overrides)) {
    if (value !== undefined) values[name] = params.decls[name].check(where, name, value, 1);
  }
  return values as Values<D>;
}
