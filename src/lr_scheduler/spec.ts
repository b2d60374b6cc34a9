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
import { formatValue } from './validate.ts';

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

interface SpecEntry {
  /** PyTorch's keyword names, snake_case. */
  readonly args: readonly string[];
  readonly build: (optimizer: SchedulableOptimizer, options: Options) => AnyScheduler;
}

// The option objects are checked at run time by each constructor; `never` stands for "whatever came in".
const REGISTRY: Readonly<Record<string, SpecEntry>> = {
  LambdaLR: { args: ['lr_lambda', 'last_epoch'], build: (opt, o) => new LambdaLR(opt, o as never) },
  MultiplicativeLR: { args: ['lr_lambda', 'last_epoch'], build: (opt, o) => new MultiplicativeLR(opt, o as never) },
  StepLR: { args: ['step_size', 'gamma', 'last_epoch'], build: (opt, o) => new StepLR(opt, o as never) },
  MultiStepLR: { args: ['milestones', 'gamma', 'last_epoch'], build: (opt, o) => new MultiStepLR(opt, o as never) },
  ConstantLR: { args: ['factor', 'total_iters', 'last_epoch'], build: (opt, o) => new ConstantLR(opt, o as never) },
  LinearLR: {
    args: ['start_factor', 'end_factor', 'total_iters', 'last_epoch'],
    build: (opt, o) => new LinearLR(opt, o as never),
  },
  ExponentialLR: { args: ['gamma', 'last_epoch'], build: (opt, o) => new ExponentialLR(opt, o as never) },
  PolynomialLR: { args: ['total_iters', 'power', 'last_epoch'], build: (opt, o) => new PolynomialLR(opt, o as never) },
  CosineAnnealingLR: {
    args: ['T_max', 'eta_min', 'last_epoch'],
    build: (opt, o) => new CosineAnnealingLR(opt, o as never),
  },
  CosineAnnealingWarmRestarts: {
    args: ['T_0', 'T_mult', 'eta_min', 'last_epoch'],
    build: (opt, o) => new CosineAnnealingWarmRestarts(opt, o as never),
  },
  CyclicLR: {
    args: [
      'base_lr',
      'max_lr',
      'step_size_up',
      'step_size_down',
      'mode',
      'gamma',
      'scale_fn',
      'scale_mode',
      'cycle_momentum',
      'base_momentum',
      'max_momentum',
      'last_epoch',
    ],
    build: (opt, o) => new CyclicLR(opt, o as never),
  },
  OneCycleLR: {
    args: [
      'max_lr',
      'total_steps',
      'epochs',
      'steps_per_epoch',
      'pct_start',
      'anneal_strategy',
      'cycle_momentum',
      'base_momentum',
      'max_momentum',
      'div_factor',
      'final_div_factor',
      'three_phase',
      'last_epoch',
    ],
    build: (opt, o) => new OneCycleLR(opt, o as never),
  },
  ReduceLROnPlateau: {
    args: ['mode', 'factor', 'patience', 'threshold', 'threshold_mode', 'cooldown', 'min_lr', 'eps'],
    build: (opt, o) => new ReduceLROnPlateau(opt, o as never),
  },
  SequentialLR: {
    args: ['schedulers', 'milestones', 'last_epoch'],
    build: (opt, o) =>
      new SequentialLR(opt, { ...o, schedulers: buildNested(opt, o.schedulers, 'SequentialLR') } as never),
  },
  ChainedScheduler: {
    args: ['schedulers'],
    build: (opt, o) =>
      new ChainedScheduler(opt, { ...o, schedulers: buildNested(opt, o.schedulers, 'ChainedScheduler') } as never),
  },
  SWALR: {
    args: ['swa_lr', 'anneal_epochs', 'anneal_strategy', 'last_epoch'],
    build: (opt, o) => new SWALR(opt, o as never),
  },
};

/** PyTorch's class names that schedulerFromSpec() knows. */
export const SCHEDULER_TYPES: readonly string[] = Object.keys(REGISTRY);

/** The snake_case arguments a spec of `type` accepts. */
export function schedulerSpecArgs(type: string): readonly string[] {
  return entryFor(type).args;
}

/** Builds the scheduler a spec describes over `optimizer` (running its constructor's step, as PyTorch does). */
export function schedulerFromSpec(optimizer: SchedulableOptimizer, spec: SchedulerSpec): AnyScheduler {
  if (typeof spec !== 'object' || spec === null || typeof spec.type !== 'string') {
    throw new Error(`schedulerFromSpec: a spec must be an object {type, args}, got ${formatValue(spec)}`);
  }
  const type = schedulerSpecType(spec.type);
  const entry = REGISTRY[type];
  const args = spec.args ?? {};
  if (typeof args !== 'object' || args === null || Array.isArray(args)) {
    throw new Error(`schedulerFromSpec: ${type}'s args must be an object, got ${formatValue(args)}`);
  }
  const options: Options = {};
  for (const [name, value] of Object.entries(args)) {
    if (!entry.args.includes(name)) {
      throw new Error(`schedulerFromSpec: ${type} has no argument '${name}' (accepted: ${entry.args.join(', ')})`);
    }
    if (value !== null && value !== undefined) options[snakeToCamel(name)] = value;
  }
  return entry.build(optimizer, options);
}

/** PyTorch's class name of a scheduler type given in any casing (`steplr` → `StepLR`); throws listing the known ones. */
export function schedulerSpecType(type: string): string {
  return canonicalName(type, SCHEDULER_TYPES, { what: 'scheduler type', where: 'schedulerFromSpec', error: Error });
}

function entryFor(type: string): SpecEntry {
  return REGISTRY[schedulerSpecType(type)];
}

function buildNested(optimizer: SchedulableOptimizer, specs: unknown, parent: string): AnyScheduler[] {
  if (!Array.isArray(specs)) {
    throw new Error(`schedulerFromSpec: ${parent}'s schedulers must be a list of specs, got ${formatValue(specs)}`);
  }
  return specs.map((spec: SchedulerSpec) => schedulerFromSpec(optimizer, spec));
}
