import type { Parameter } from '../nn/parameter.ts';
import { Adam, AdamW } from '../optim/adam.ts';
import { SGD } from '../optim/sgd.ts';
import type { ParamDecls } from '../params/declare.ts';
import { ValidationError } from '../params/error.ts';
import type { ParamSet } from '../params/param_set.ts';
import { canonicalName } from '../canonical_name.ts';

/** An optimizer in a run config, with PyTorch's class and keyword names: `{type, groups, kwargs}`. */
export interface OptimizerSpec {
  /** PyTorch's class name: 'Adam', 'AdamW' or 'SGD' (any casing). */
  type: string;
  /** One entry per param group, e.g. `[{"lr": 0.01}]`, with any per-group keyword. */
  groups?: Record<string, unknown>[];
  /** PyTorch's keyword arguments, snake_case (`weight_decay`, `betas`, ...): the defaults a group can override. */
  kwargs?: Record<string, unknown>;
}

/** The optimizers a run config can name, by PyTorch's class name. */
export const OPTIMIZER_TYPES = ['Adam', 'AdamW', 'SGD'] as const;
/** One of `OPTIMIZER_TYPES`. */
export type OptimizerType = (typeof OPTIMIZER_TYPES)[number];
/** Any optimizer `optimizerFromSpec` builds. */
export type AnyOptimizer = Adam | AdamW | SGD;

const CLASSES = { Adam, AdamW, SGD } as const;

/** The declared hyper-parameters of an optimizer class: its keywords (`kwargs`, `groups`), defaults and ranges. */
export function optimizerParams(type: OptimizerType): ParamSet<ParamDecls> {
  return CLASSES[type].params;
}

/** Whether `name` is one of `OPTIMIZER_TYPES`, as spelled there. */
export function isOptimizerType(name: string): name is OptimizerType {
  return (OPTIMIZER_TYPES as readonly string[]).includes(name);
}

/** PyTorch keyword arguments (snake_case) to the options of our optimizer classes (camelCase). */
function translate(type: OptimizerType, kwargs: Record<string, unknown>, what: string): Record<string, unknown> {
  const params = optimizerParams(type);
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(kwargs)) {
    const name = params.nameOf(key);
    if (name === undefined) {
      const allowed = params.torchNames.join(', ');
      throw new ValidationError(
        what,
        key,
        allowed,
        value,
        `${what}: ${type} has no keyword ${JSON.stringify(key)}; allowed: ${allowed}`,
      );
    }
    out[name] = value;
  }
  return out;
}

/** Builds the optimizer over `paramsPerGroup` (one parameter list per entry of `spec.groups`). */
export function optimizerFromSpec(
  spec: OptimizerSpec,
  paramsPerGroup: readonly (readonly Parameter[])[],
  what = 'optimizer',
): AnyOptimizer {
  if (!spec || typeof spec !== 'object') throw new RangeError(`${what}: expected {type, groups, kwargs}`);
  const type = canonicalName(spec.type, OPTIMIZER_TYPES, { what: 'optimizer', where: `${what}.type` });
  const groups = spec.groups ?? [{}];
  if (!Array.isArray(groups) || groups.length !== paramsPerGroup.length) {
    throw new RangeError(
      `${what}.groups: expected ${paramsPerGroup.length} param group(s), ` +
        `got ${Array.isArray(groups) ? groups.length : typeof groups}`,
    );
  }
  const kwargs = translate(type, spec.kwargs ?? {}, `${what}.kwargs`);
  const specs: ({ params: readonly Parameter[] } & Record<string, unknown>)[] = groups.map((g, i) => ({
    params: paramsPerGroup[i],
    ...translate(type, g, `${what}.groups[${i}]`),
  }));
  // As in PyTorch, a keyword without a default (SGD's lr) may be left out of kwargs when every group gives it.
  const params = optimizerParams(type);
  for (const name of params.names) {
    if (!params.decls[name].required || kwargs[name] !== undefined) continue;
    if (specs.some((s) => s[name] === undefined)) {
      const keyword = params.torchNames[params.names.indexOf(name)];
      throw new ValidationError(
        what,
        keyword,
        'a value in kwargs or in every group',
        undefined,
        `${what}: ${type} needs ${keyword} (in kwargs or every group)`,
      );
    }
    kwargs[name] = specs[0][name];
  }
  return new CLASSES[type](specs as never, kwargs as never);
}
