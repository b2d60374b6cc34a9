/**
 * A sweep's spec and its trials: `parseSweepSpec` reads the JSON (`anneal sweep SPEC.json`), `expandTrials` turns
 * it into run configs. The space follows Ray Tune: `grid` dimensions are crossed, each grid point is taken
 * `samples` times, and every other dimension is drawn afresh for each trial from numpy's `RandomState(seed)`, so
 * a spec gives the same trials on every machine and JavaScript engine.
 */
import { z } from 'zod';
import { ConfigError, configError, parseRunConfig, runConfigSchema } from '../config/run_config.ts';
import { crPow } from '../data/correctly_rounded_math.ts';
import { RandomState } from '../data/numpy_random.ts';
import { formatValue } from '../params/names.ts';
import { defaultEvalEvery, MONITORS, monitorMode } from '../train/callbacks.ts';
import type { Domain, PrunerSpec, SweepSpec, Trial } from './types.ts';

/** The most trials a spec may expand to (grid points × samples). */
export const MAX_TRIALS = 100_000;

const DOMAIN_FORMS =
  '{"grid": [values]}, {"choice": [values]}, {"uniform": [low, high]}, {"loguniform": [low, high]} ' +
  'or {"randint": [low, high]}';

/** The run-config keys whose value is an object, so a dotted key may reach inside (`optimizer.kwargs.lr`). */
export const NESTED_KEYS = [
  'optimizer',
  'scheduler',
  'batch_schedule',
  'criterion',
  'validation',
  'early_stopping',
  'manual_decay',
  'data',
  'scaler',
  'activation_args',
] as const;

// A training.json case's result keys are accepted by the run config as z.unknown() and ignored: not settings.
const isResultKey = (schema: z.ZodType) => {
  const def = schema.def as { type: string; innerType?: z.ZodType };
  return def.type === 'optional' && def.innerType?.def.type === 'unknown';
};
const shape = runConfigSchema.shape as Record<string, z.ZodType>;
/** The run-config keys a space may search, in the run config's order. */
export const SEARCHABLE_KEYS: readonly string[] = Object.keys(shape).filter((key) => !isResultKey(shape[key]));
const RESULT_KEYS = Object.keys(shape).filter((key) => isResultKey(shape[key]));
const FORBIDDEN_PARTS = ['__proto__', 'constructor', 'prototype'];

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Why a dotted key is not a run-config key, or null when it is one. */
function keyProblem(key: string): string | null {
  const parts = key.split('.');
  const searchable = `the searchable keys are ${SEARCHABLE_KEYS.join(', ')}`;
  if (parts.some((part) => part === '')) return `${JSON.stringify(key)} is not a dotted key (an empty part)`;
  const forbidden = parts.find((part) => FORBIDDEN_PARTS.includes(part));
  if (forbidden) return `${JSON.stringify(key)}: ${JSON.stringify(forbidden)} is not a run-config key`;
  const [top] = parts;
  if (RESULT_KEYS.includes(top))
    return `${JSON.stringify(top)} is a result key of a run config, not a setting; ${searchable}`;
  if (!SEARCHABLE_KEYS.includes(top)) return `${JSON.stringify(top)} is not a run-config key; ${searchable}`;
  if (parts.length > 1 && !(NESTED_KEYS as readonly string[]).includes(top)) {
    return (
      `${JSON.stringify(key)}: ${JSON.stringify(top)} takes no dotted path (only ${NESTED_KEYS.join(', ')} do); ` +
      `search ${JSON.stringify(top)} whole`
    );
  }
  return null;
}

/** A domain as given, checked: the domain, or why it is refused. */
function readDomain(value: unknown): Domain | string {
  const entries = isObject(value) ? Object.entries(value) : [];
  if (entries.length !== 1) return `must be one domain, ${DOMAIN_FORMS}; got ${formatValue(value)}`;
  const [[kind, arg]] = entries;
  const bounds =
    Array.isArray(arg) && arg.length === 2 && arg.every((v) => typeof v === 'number' && Number.isFinite(v));
  const [low, high] = bounds ? (arg as [number, number]) : [NaN, NaN];
  switch (kind) {
    case 'grid':
    case 'choice':
      if (!Array.isArray(arg) || arg.length === 0)
        return `"${kind}" must be a non-empty list of values, got ${formatValue(arg)}`;
      return { [kind]: arg } as Domain;
    case 'uniform':
      if (!bounds || !(low < high) || !Number.isFinite(high - low))
        return `"uniform" must be [low, high], finite numbers with low < high, got ${formatValue(arg)}`;
      return { uniform: [low, high] };
    case 'loguniform':
      if (!bounds || !(low > 0 && low < high))
        return `"loguniform" must be [low, high], finite numbers with 0 < low < high, got ${formatValue(arg)}`;
      return { loguniform: [low, high] };
    case 'randint':
      if (!bounds || !Number.isSafeInteger(low) || !Number.isSafeInteger(high) || !(low < high) || high - low > 2 ** 32)
        return (
          `"randint" must be [low, high], integers with low < high <= low + 2^32 (high excluded, as numpy's ` +
          `randint), got ${formatValue(arg)}`
        );
      return { randint: [low, high] };
    default:
      return `unknown domain ${JSON.stringify(kind)}; a domain is ${DOMAIN_FORMS}`;
  }
}

const spaceSchema = z.unknown().transform((value, ctx): Record<string, Domain> => {
  if (!isObject(value)) {
    ctx.addIssue({
      code: 'custom',
      message: `must be an object of dotted keys and domains, got ${formatValue(value)}`,
    });
    return z.NEVER;
  }
  const keys = Object.keys(value);
  if (keys.length === 0) {
    ctx.addIssue({
      code: 'custom',
      message: 'empty; give at least one key, e.g. {"optimizer.kwargs.lr": {"loguniform": [0.001, 0.1]}}',
    });
    return z.NEVER;
  }
  const space: Record<string, Domain> = {};
  keys.forEach((key, i) => {
    const problem = keyProblem(key);
    const domain = readDomain(value[key]);
    const overwritten = keys.slice(0, i).find((earlier) => earlier.startsWith(`${key}.`));
    const message =
      problem ??
      (typeof domain === 'string' ? domain : null) ??
      (overwritten
        ? `comes after ${JSON.stringify(overwritten)} and would overwrite it; put ${JSON.stringify(key)} first`
        : null);
    if (message) ctx.addIssue({ code: 'custom', path: [key], message });
    else space[key] = domain as Domain;
  });
  return space;
});

const int = (min: number) => z.number().int().min(min);
const positive = z.number().gt(0).refine(Number.isFinite, 'must be a finite number');

const medianSchema = z.strictObject({
  type: z.literal('median'),
  n_startup_trials: int(0).max(1_000_000).default(5),
  n_warmup_steps: int(0).default(0),
  interval_steps: int(1).default(1),
});
const ashaSchema = z
  .strictObject({
    type: z.literal('asha'),
    reduction_factor: z.number().gt(1).refine(Number.isFinite, 'must be a finite number').default(4),
    grace_period: positive.default(1),
    max_t: positive.nullable().default(null),
  })
  .refine((p) => p.max_t === null || p.max_t >= p.grace_period, {
    path: ['max_t'],
    message: 'must be >= grace_period (or null: the number of evaluations of a trial)',
  });

const prunerSchema = z.unknown().transform((value, ctx): PrunerSpec | null => {
  if (value === null) return null;
  const type = isObject(value) ? value.type : undefined;
  const schema = type === 'median' ? medianSchema : type === 'asha' ? ashaSchema : null;
  if (!schema) {
    const given = isObject(value) ? `type ${formatValue(type)}` : formatValue(value);
    ctx.addIssue({
      code: 'custom',
      message: `must be null, {"type": "median", ...} or {"type": "asha", ...}, got ${given}`,
    });
    return z.NEVER;
  }
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  for (const issue of result.error.issues) {
    const keys = issue.code === 'unrecognized_keys' ? issue.keys : null;
    const message = keys
      ? `unknown key${keys.length > 1 ? 's' : ''} ${keys.map((k) => JSON.stringify(k)).join(', ')}`
      : issue.message;
    ctx.addIssue({ code: 'custom', message, path: issue.path as PropertyKey[] });
  }
  return z.NEVER;
});

const sweepSpecSchema = z.strictObject({
  name: z.string().min(1).optional(),
  base: z.unknown().refine(isObject, 'must be a run config (an object)'),
  space: spaceSchema,
  samples: int(1).max(MAX_TRIALS).default(1),
  seed: int(0).max(0xffffffff).default(0),
  metric: z.enum(MONITORS).default('val_loss'),
  mode: z.enum(['min', 'max']).optional(),
  eval_every: int(1).max(100_000_000).optional(),
  pruner: prunerSchema.default(null),
});

/** How many trials a space makes: the grid's points times `samples`. */
export function trialCount(space: Record<string, Domain>, samples: number): number {
  return Object.values(space).reduce((n, domain) => n * ('grid' in domain ? domain.grid.length : 1), samples);
}

/**
 * Validates a sweep spec and fills in its defaults: `samples` 1, `seed` 0, `metric` "val_loss", `mode` min for a
 * loss and max for an accuracy, `eval_every` the base config's (or the default for its `steps`), `pruner` null;
 * a median pruner's `n_startup_trials` 5, `n_warmup_steps` 0, `interval_steps` 1 (Optuna's `MedianPruner`), an
 * asha pruner's `reduction_factor` 4, `grace_period` 1, `max_t` null (a trial's number of evaluations). The space
 * maps dotted run-config keys to domains. Refusals are ConfigErrors naming each key and what it allows.
 * @param value the parsed JSON
 * @param source what the messages name (the spec file's path)
 * @param defaultName the name when the spec gives none (the file's name without `.json`; else "sweep")
 */
export function parseSweepSpec(value: unknown, source: string, defaultName?: string): SweepSpec {
  const result = sweepSpecSchema.safeParse(value);
  if (!result.success) throw configError(result.error, source);
  const spec = result.data;
  const base = spec.base as Record<string, unknown>;
  const name = spec.name ?? defaultName ?? 'sweep';
  if (/[/\\\0]/.test(name) || name === '.' || name === '..') {
    throw new ConfigError(
      `${source}: name: must not contain "/", "\\" or NUL, nor be "." or "..", got ${JSON.stringify(name)} ` +
        '(it names the results file)',
      'name',
      'a file name',
    );
  }
  const trials = trialCount(spec.space, spec.samples);
  if (trials > MAX_TRIALS) {
    throw new ConfigError(
      `${source}: space: ${trials} trials (the grid's points times samples ${spec.samples}); at most ${MAX_TRIALS}`,
      'space',
      `at most ${MAX_TRIALS} trials`,
    );
  }
  return {
    name,
    base,
    space: spec.space,
    samples: spec.samples,
    seed: spec.seed,
    metric: spec.metric,
    mode: spec.mode ?? monitorMode(spec.metric),
    eval_every: spec.eval_every ?? defaultEvalEveryOf(base, source),
    pruner: spec.pruner,
  };
}

/** The base config's evaluation interval: its own `eval_every`, else the default for its `steps`. */
function defaultEvalEveryOf(base: Record<string, unknown>, source: string): number {
  const { eval_every: given, steps } = base;
  if (typeof given === 'number' && Number.isInteger(given) && given >= 1) return given;
  if (typeof steps === 'number' && Number.isInteger(steps) && steps >= 0) return defaultEvalEvery(steps);
  throw new ConfigError(
    `${source}: eval_every: no default, as base has no steps (an integer >= 0); give eval_every (an integer >= 1)`,
    'eval_every',
    'an integer >= 1',
  );
}

/** One draw of a random dimension; the generator's draws are numpy's, value for value. */
function draw(domain: Exclude<Domain, { grid: unknown[] }>, rng: RandomState): unknown {
  if ('choice' in domain) return domain.choice[rng.randint(0, domain.choice.length)];
  if ('uniform' in domain) return rng.uniform(domain.uniform[0], domain.uniform[1]);
  if ('randint' in domain) return rng.randint(domain.randint[0], domain.randint[1]);
  const [low, high] = domain.loguniform;
  // crPow, not Math.pow (`**`): the same bits on every engine.
  return low * crPow(high / low, rng.randomSample());
}

/** The grid's points: the cross product of the grid dimensions, the first key outermost. */
function gridPoints(space: Record<string, Domain>): Record<string, unknown>[] {
  let points: Record<string, unknown>[] = [{}];
  for (const [key, domain] of Object.entries(space)) {
    if (!('grid' in domain)) continue;
    points = points.flatMap((point) => domain.grid.map((value) => ({ ...point, [key]: value })));
  }
  return points;
}

/**
 * Puts `value` at the dotted `key` of `config`, creating objects where a part is absent. A part that is null
 * (a `scheduler` the space set to null) switches the key off: nothing is set, and false is returned.
 */
function setDotted(config: Record<string, unknown>, key: string, value: unknown, where: string): boolean {
  const parts = key.split('.');
  let node: Record<string, unknown> | unknown[] = config;
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i];
    const index = Array.isArray(node) ? Number(part) : -1;
    if (Array.isArray(node) && !(/^\d+$/.test(part) && index < node.length)) {
      const at = parts.slice(0, i).join('.');
      throw new ConfigError(
        `${where}: space key ${JSON.stringify(key)}: ${at} is a list of ${node.length}; ` +
          `${JSON.stringify(part)} is not one of its indices (0 … ${node.length - 1})`,
        key,
        'an index of the list',
      );
    }
    const holder = node as Record<string, unknown>;
    if (i === parts.length - 1) {
      holder[part] = value;
      return true;
    }
    const next = Object.hasOwn(holder, part) ? holder[part] : undefined;
    if (next === null) return false;
    if (next === undefined) holder[part] = {};
    else if (typeof next !== 'object') {
      const at = parts.slice(0, i + 1).join('.');
      throw new ConfigError(
        `${where}: space key ${JSON.stringify(key)}: ${at} is ${formatValue(next)}, not an object to set a key in`,
        key,
        'a key inside an object',
      );
    }
    node = holder[part] as Record<string, unknown> | unknown[];
  }
  return true;
}

/**
 * The sweep's trials, in order: grid points outer (the first grid key outermost), `samples` inner, each random
 * dimension drawn for each trial in the space's key order from numpy's `RandomState(spec.seed)` (`choice` and
 * `randint` by `randint(low, high)`, high excluded; `uniform` as numpy's; `loguniform` as
 * `low · (high/low)^u`, u = `random_sample()`). A trial's config is a copy of the base with each key set in key
 * order, absent parts created (a key under a part that is null, such as a `scheduler` drawn as null, is left out;
 * one left out of every trial is refused), validated as a run config; an invalid one is refused before anything
 * trains, naming the trial, its params and the problem, as is a `val_*` metric for a config without `validation`.
 */
export function expandTrials(spec: SweepSpec): Trial[] {
  const where = `sweep ${JSON.stringify(spec.name)}`;
  const keys = Object.keys(spec.space);
  const rng = new RandomState(spec.seed);
  const applied = new Set<string>();
  const trials: Trial[] = [];
  for (const point of gridPoints(spec.space)) {
    for (let s = 0; s < spec.samples; s++) {
      const params: Record<string, unknown> = {};
      for (const key of keys) {
        const domain = spec.space[key];
        params[key] = 'grid' in domain ? point[key] : draw(domain, rng);
      }
      const index = trials.length;
      const what = `${where}: trial ${index} ${JSON.stringify(params)}`;
      const config = structuredClone(spec.base);
      for (const key of keys) if (setDotted(config, key, structuredClone(params[key]), what)) applied.add(key);
      const parsed = parseRunConfig(config, `${what} is not a valid run config`);
      if (spec.metric.startsWith('val_') && !parsed.validation) {
        throw new ConfigError(
          `${what}: metric ${JSON.stringify(spec.metric)} needs a held-out set, and the trial's config has no ` +
            `validation; give "validation" in base (e.g. {"val_split": 0.2}) or use metric "loss"`,
          'metric',
          'a metric the run evaluates',
        );
      }
      trials.push({ index, params, config: parsed });
    }
  }
  const idle = keys.find((key) => !applied.has(key));
  if (idle) {
    throw new ConfigError(
      `${where}: space key ${JSON.stringify(idle)} changes no trial: a part of it is null in every trial's config`,
      idle,
      'a key some trial sets',
    );
  }
  return trials;
}
