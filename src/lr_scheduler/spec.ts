import type { SchedulableOptimizer } from '../optim/param_group.ts';
import { ChainedScheduler, SequentialLR } from './composite.ts';
import { CosineAnnealingLR, CosineAnnealingWarmRestarts } from './cosine_lr.ts';
import { CyclicLR } from './cyclic_lr.ts';
import { ExponentialLR } from './exponential_lr.ts';
import { ConstantLR, LinearLR } from './factor_lr.ts';
import { LambdaLR, MultiplicativeLR } from './lambda_lr.ts';
import type { LRScheduler } from './lr_scheduler.ts';
import { snakeToCamel } from './names.ts';
import { canonicalName } from '../canonical_name.ts';
import { OneCycleLR } from './one_cycle_lr.ts';
import { PolynomialLR } from './polynomial_lr.ts';
import { ReduceLROnPlateau } from './reduce_lr_on_plateau.ts';
import { MultiStepLR, StepLR } from './step_lr.ts';
import { SWALR } from './swa_lr.ts';
import { ValidationError } from '../params/error.ts';
import { formatValue } from '../params/names.ts';
import type { ParamDecls } from '../params/declare.ts';
import type { ParamSet } from '../params/param_set.ts';

/**
 * A scheduler as JSON, with PyTorch's class name and keyword arguments:
 * `{type: 'StepLR', args: {step_size: 50, gamma: 0.99}}`. LambdaLR / MultiplicativeLR take `lr_lambda` as
 * an expression in `epoch` (or a list, one per group), CyclicLR's `scale_fn` is an expression in `x`,
 * and SequentialLR / ChainedScheduler take nested specs in `schedulers`. A null argument is PyTorch's None
 * (the default).
 */
export interface SchedulerSpec {
  /** PyTorch's class name, e.g. 'StepLR'. */
  type: string;
  /** PyTorch's keyword arguments, snake_case (`step_size`, `T_max`, ...); omitted ones take their defaults. */
  args?: { [name: string]: unknown };
}

/** Any of the schedulers `schedulerFromSpec` builds: an LRScheduler or ReduceLROnPlateau. */
export type AnyScheduler = LRScheduler | ReduceLROnPlateau;

type Options = { [name: string]: unknown };

/** A scheduler class: its declared hyper-parameters and its constructor. */
interface SchedulerClass {
  readonly params: ParamSet<ParamDecls>;
  new (optimizer: SchedulableOptimizer, options: never): AnyScheduler;
}

interface SpecEntry {
  /** PyTorch's keyword names, snake_case, from the class's declarations. */
  readonly args: readonly string[];
  readonly build: (optimizer: SchedulableOptimizer, options: Options) => AnyScheduler;
}

/** An entry that builds `Class` from checked-by-the-constructor options (`never`: whatever came in). */
function entry(Class: SchedulerClass, nested?: string): SpecEntry {
  return {
    args: Class.params.torchNames,
    build: nested
      ? (opt, o) => new Class(opt, { ...o, schedulers: buildNested(opt, o.schedulers, nested) } as never)
      : (opt, o) => new Class(opt, o as never),
  };
}

/** The declared hyper-parameters of the scheduler class `type` (any casing). */
export function schedulerParams(type: string): ParamSet<ParamDecls> {
  return CLASSES[schedulerSpecType(type)].params;
}

// Every scheduler, in PyTorch's documentation order; the arguments come from each class's `params`.
const CLASSES: Readonly<Record<string, SchedulerClass>> = {
  LambdaLR,
  MultiplicativeLR,
  StepLR,
  MultiStepLR,
  ConstantLR,
  LinearLR,
  ExponentialLR,
  PolynomialLR,
  CosineAnnealingLR,
  CosineAnnealingWarmRestarts,
  CyclicLR,
  OneCycleLR,
  ReduceLROnPlateau,
  SequentialLR,
  ChainedScheduler,
  SWALR,
};

/** The schedulers that hold other schedulers, given as nested specs. */
const NESTING = new Set(['SequentialLR', 'ChainedScheduler']);

const REGISTRY: Readonly<Record<string, SpecEntry>> = Object.fromEntries(
  Object.entries(CLASSES).map(([type, Class]) => [type, entry(Class, NESTING.has(type) ? type : undefined)]),
);

/** PyTorch's class names that schedulerFromSpec() knows. */
export const SCHEDULER_TYPES: readonly string[] = Object.keys(REGISTRY);

/** The snake_case arguments a spec of `type` accepts. */
export function schedulerSpecArgs(type: string): readonly string[] {
  return entryFor(type).args;
}

/** Builds the scheduler a spec describes over `optimizer` (running its constructor's step, as PyTorch does). */
export function schedulerFromSpec(optimizer: SchedulableOptimizer, spec: SchedulerSpec): AnyScheduler {
  if (typeof spec !== 'object' || spec === null || typeof spec.type !== 'string') {
    const message = `schedulerFromSpec: a spec must be an object {type, args}, got ${formatValue(spec)}`;
    throw new ValidationError('schedulerFromSpec', 'spec', 'an object {type, args}', spec, message);
  }
  const type = schedulerSpecType(spec.type);
  const entry = REGISTRY[type];
  const args = spec.args ?? {};
  if (typeof args !== 'object' || args === null || Array.isArray(args)) {
    const message = `schedulerFromSpec: ${type}'s args must be an object, got ${formatValue(args)}`;
    throw new ValidationError('schedulerFromSpec', 'args', 'an object', args, message);
  }
  const options: Options = {};
  for (const [name, value] of Object.entries(args)) {
    if (!entry.args.includes(name)) {
      const message = `schedulerFromSpec: ${type} has no argument '${name}' (accepted: ${entry.args.join(', ')})`;
      throw new ValidationError('schedulerFromSpec', name, entry.args.join(', '), value, message);
    }
    if (value !== null && value !== undefined) options[snakeToCamel(name)] = value;
  }
  return entry.build(optimizer, options);
}

/**
 * PyTorch's class name of a scheduler type given in any casing (`steplr` → `StepLR`); throws listing the known
 * ones.
 */
export function schedulerSpecType(type: string): string {
  return canonicalName(type, SCHEDULER_TYPES, { what: 'scheduler type', where: 'schedulerFromSpec' });
}

function entryFor(type: string): SpecEntry {
  return REGISTRY[schedulerSpecType(type)];
}

/** How deep SequentialLR / ChainedScheduler specs may nest (each level is a few stack frames). */
const MAX_NESTED_SPECS = 32;
let nestedDepth = 0;

function buildNested(optimizer: SchedulableOptimizer, specs: unknown, parent: string): AnyScheduler[] {
  if (!Array.isArray(specs)) {
    const message = `schedulerFromSpec: ${parent}'s schedulers must be a list of specs, got ${formatValue(specs)}`;
    throw new ValidationError('schedulerFromSpec', 'schedulers', 'a list of specs', specs, message);
  }
  if (nestedDepth >= MAX_NESTED_SPECS) {
    const message =
      `schedulerFromSpec: schedulers nested more than ${MAX_NESTED_SPECS} levels deep ` +
      `(SequentialLR and ChainedScheduler inside one another); flatten the schedule`;
    throw new ValidationError('schedulerFromSpec', 'schedulers', `at most ${MAX_NESTED_SPECS} levels`, specs, message);
  }
  nestedDepth++;
  try {
    return specs.map((spec: SchedulerSpec) => schedulerFromSpec(optimizer, spec));
  } finally {
    nestedDepth--;
  }
}
