import type { Parameter } from '../nn/parameter.ts';
import { Adam, AdamW, type AdamOptions } from '../optim/adam.ts';
import { SGD, type SGDOptions } from '../optim/sgd.ts';
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

export const OPTIMIZER_TYPES = ['Adam', 'AdamW', 'SGD'] as const;
export type OptimizerType = (typeof OPTIMIZER_TYPES)[number];
/** Any optimizer `optimizerFromSpec` builds. */
export type AnyOptimizer = Adam | AdamW | SGD;

const KEYWORDS: Record<OptimizerType, Record<string, string>> = {
  Adam: { lr: 'lr', betas: 'betas', eps: 'eps', weight_decay: 'weightDecay', amsgrad: 'amsgrad', maximize: 'maximize' },
  AdamW: {
    lr: 'lr',
    betas: 'betas',
    eps: 'eps',
    weight_decay: 'weightDecay',
    amsgrad: 'amsgrad',
    maximize: 'maximize',
  },
  SGD: {
    lr: 'lr',
    momentum: 'momentum',
    dampening: 'dampening',
    weight_decay: 'weightDecay',
    nesterov: 'nesterov',
    maximize: 'maximize',
  },
};

export function isOptimizerType(name: string): name is OptimizerType {
  return (OPTIMIZER_TYPES as readonly string[]).includes(name);
}

/** PyTorch keyword arguments (snake_case) to the options of our optimizer classes (camelCase). */
function translate(type: OptimizerType, kwargs: Record<string, unknown>, what: string): Record<string, unknown> {
  const names = KEYWORDS[type];
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(kwargs)) {
    const name = names[key];
    if (!name)
      throw new RangeError(
        `${what}: ${type} has no keyword ${JSON.stringify(key)}; allowed: ${Object.keys(names).join(', ')}`,
      );
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
  if (type === 'SGD') {
    const lr = (kwargs.lr ?? specs[0].lr) as number | undefined;
    if (lr === undefined) throw new RangeError(`${what}: SGD needs lr (in kwargs or every group)`);
    return new SGD(specs as never, { ...(kwargs as Partial<SGDOptions>), lr });
  }
  const Ctor = type === 'Adam' ? Adam : AdamW;
  return new Ctor(specs as never, kwargs as Partial<AdamOptions>);
}
