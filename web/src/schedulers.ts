// The schedules the page offers: every scheduler of the library (PyTorch's class and keyword names), the
// lesson's hand-written decay, and none. Each argument has a kind (how the control and the URL read it) and
// the value the page starts from. This module knows nothing of the DOM or of the core.

import { SCHEDULER_TYPES, schedulerParams } from '../../src/lr_scheduler/index.ts';
import type { Param, ParamKind } from '../../src/params/declare.ts';

/** An argument's value; `string[]` is one `lr_lambda` per param group. */
export type ArgValue = number | boolean | string | number[] | string[] | SchedulerChoice[];

export interface SchedulerChoice {
  /** A class name of the library's schedulers, 'manual' (the lesson's decay by hand) or 'none'. */
  type: string;
  /** PyTorch's keyword arguments, snake_case; an absent optional argument is PyTorch's None. */
  args: Record<string, ArgValue>;
}

export type ArgKind = 'number' | 'int' | 'bool' | 'choice' | 'expr' | 'ints' | 'schedulers';

export interface ArgDef {
  name: string;
  kind: ArgKind;
  /** The page's starting value, possibly from the run's length; undefined for an optional argument left out. */
  initial: (steps: number) => ArgValue | undefined;
  choices?: readonly string[];
  /** Shown next to the control. */
  hint?: string;
}

export interface SchedulerDef {
  type: string;
  /** What it does, in a few words. */
  summary: string;
  args: readonly ArgDef[];
}

/** The scheduler kinds of the library's declarations, as the page's controls and URL read them. */
const KINDS: Record<ParamKind, ArgKind> = {
  number: 'number',
  integer: 'int',
  boolean: 'bool',
  choice: 'choice',
  milestones: 'ints',
  numbers: 'ints',
  expression: 'expr',
  schedulers: 'schedulers',
};

type Start = ArgValue | ((steps: number) => ArgValue) | undefined;

/**
 * Where the page starts a scheduler — the lesson's values, or values sized to the run — and what it says of
 * it. The arguments themselves (names, kinds, choices, optional or not) are the library's declarations
 * (`schedulerParams`); an argument not started here starts at its declared default, or empty when optional.
 */
interface PageStart {
  summary: string;
  start?: Record<string, Start>;
  hints?: Record<string, string>;
  /** Arguments the page does not offer (an alternative spelling of one it does). */
  hide?: readonly string[];
}

/** The schedulers SequentialLR and ChainedScheduler can hold (PyTorch's own limits: no plateau, no nesting). */
export const CHILD_TYPES: readonly string[] = SCHEDULER_TYPES.filter(
  (type) => !['ReduceLROnPlateau', 'SequentialLR', 'ChainedScheduler'].includes(type),
);

const frac = (f: number) => (s: number) => Math.max(1, Math.round(s * f));
const child = (type: string, args: Record<string, ArgValue>): SchedulerChoice => ({ type, args });

const PAGE: Record<string, PageStart> = {
  StepLR: { summary: 'lr · gamma^⌊t / step_size⌋', start: { step_size: 50, gamma: 0.99 } },
  MultiStepLR: {
    summary: 'lr · gamma at each milestone',
    start: { milestones: (s) => [Math.round(s * 0.5), Math.round(s * 0.75)] },
  },
  ExponentialLR: { summary: 'lr · gamma^t', start: { gamma: 0.995 } },
  LambdaLR: {
    summary: 'initial lr · λ(epoch)',
    start: { lr_lambda: '0.99 ** (epoch // 50)' },
    hints: { lr_lambda: 'expression in epoch' },
  },
  MultiplicativeLR: {
    summary: 'lr · λ(epoch) at every step',
    start: { lr_lambda: '0.998' },
    hints: { lr_lambda: 'expression in epoch' },
  },
  ConstantLR: { summary: 'lr · factor until total_iters', start: { total_iters: 100 } },
  LinearLR: {
    summary: 'linear from start_factor to end_factor',
    start: { start_factor: 0.1, total_iters: 100 },
  },
  PolynomialLR: { summary: 'lr · (1 − t/total_iters)^power', start: { total_iters: (s) => s } },
  CosineAnnealingLR: { summary: 'half a cosine down to eta_min', start: { T_max: (s) => s } },
  CosineAnnealingWarmRestarts: {
    summary: 'cosine, restarting every T_0 · T_mult^i steps',
    start: { T_0: frac(1 / 5) },
  },
  CyclicLR: {
    summary: 'triangles between base_lr and max_lr; momentum the other way',
    start: { base_lr: 0.001, max_lr: 0.05, step_size_up: frac(1 / 10) },
    hints: { step_size_down: 'empty: = step_size_up', scale_fn: 'optional: expression in x' },
  },
  OneCycleLR: {
    summary: 'warm up to max_lr, then anneal far below; momentum the other way',
    start: { max_lr: 0.05, total_steps: (s) => s },
    hide: ['epochs', 'steps_per_epoch'],
  },
  ReduceLROnPlateau: {
    summary: 'lr · factor when the training loss stops improving',
    start: { factor: 0.5, patience: 50 },
  },
  SWALR: { summary: 'anneal to swa_lr over anneal_epochs, then hold', start: { swa_lr: 0.001, anneal_epochs: 100 } },
  SequentialLR: {
    summary: 'one scheduler after another, switching at the milestones',
    start: {
      schedulers: (s) => [
        child('LinearLR', { start_factor: 0.1, end_factor: 1, total_iters: frac(1 / 10)(s) }),
        child('CosineAnnealingLR', { T_max: Math.max(1, s - Math.round(s / 10)), eta_min: 0 }),
      ],
      milestones: (s) => [frac(1 / 10)(s)],
    },
    hints: { milestones: 'one fewer than the schedulers' },
  },
  ChainedScheduler: {
    summary: 'several schedulers, all stepped every step',
    start: {
      schedulers: (s) => [
        child('LinearLR', { start_factor: 0.1, end_factor: 1, total_iters: frac(1 / 10)(s) }),
        child('ExponentialLR', { gamma: 0.998 }),
      ],
    },
  },
};

/** The page's control of one declared argument. */
function argDef(name: string, param: Param<unknown>, page: PageStart): ArgDef {
  const start = page.start?.[name];
  const fallback = Array.isArray(param.defaultValue) ? param.defaultValue[0] : param.defaultValue;
  const initial = (steps: number): ArgValue | undefined =>
    typeof start === 'function' ? start(steps) : ((start ?? fallback) as ArgValue | undefined);
  return { name, kind: KINDS[param.kind], initial, choices: param.choices, hint: page.hints?.[name] };
}

/** The page's form of a library scheduler: every declared argument but `last_epoch` and the hidden ones. */
function libraryScheduler(type: string): SchedulerDef {
  const page = PAGE[type];
  const params = schedulerParams(type);
  const args = params.names
    .map((name) => ({ torch: params.torchNames[params.names.indexOf(name)], param: params.decls[name] }))
    .filter(({ torch }) => torch !== 'last_epoch' && !page.hide?.includes(torch))
    .map(({ torch, param }) => argDef(torch, param, page));
  return { type, summary: page.summary, args };
}

export const SCHEDULERS: readonly SchedulerDef[] = [
  { type: 'none', summary: 'constant lr', args: [] },
  {
    type: 'manual',
    summary: "the lesson's loop: after steps 0, every, 2·every, … multiply lr by factor",
    args: [
      { name: 'every', kind: 'int', initial: () => 50 },
      { name: 'factor', kind: 'number', initial: () => 0.99 },
    ],
  },
  ...Object.keys(PAGE).map(libraryScheduler),
];

export function schedulerDef(type: string): SchedulerDef | undefined {
  return SCHEDULERS.find((d) => d.type === type);
}

/** A scheduler of `type` with the page's starting arguments for a run of `steps` steps. */
export function initialChoice(type: string, steps: number): SchedulerChoice {
  const def = schedulerDef(type);
  if (!def) throw new Error(`unknown scheduler ${JSON.stringify(type)}`);
  const args: Record<string, ArgValue> = {};
  for (const arg of def.args) {
    const value = arg.initial(steps);
    if (value !== undefined) args[arg.name] = value;
  }
  return { type, args };
}

/** Does this schedule cycle momentum (SGD's momentum or Adam's beta1)? */
export function cyclesMomentum(choice: SchedulerChoice): boolean {
  if (choice.type === 'CyclicLR' || choice.type === 'OneCycleLR') return choice.args.cycle_momentum !== false;
  const children = choice.args.schedulers;
  return Array.isArray(children) && (children as SchedulerChoice[]).some(cyclesMomentum);
}

/** The scheduler spec of a run config (`{type, args}`), or null for none and the manual decay. */
export function toSchedulerSpec(choice: SchedulerChoice): { type: string; args: Record<string, unknown> } | null {
  if (choice.type === 'none' || choice.type === 'manual') return null;
  const args: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(choice.args)) {
    args[name] = name === 'schedulers' ? (value as SchedulerChoice[]).map(toSchedulerSpec) : value;
  }
  return { type: choice.type, args };
}

export function sameChoice(a: SchedulerChoice, b: SchedulerChoice): boolean {
  return canonical(a) === canonical(b);
}

/** JSON with object keys sorted, so equal choices give equal text. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value).sort(([x], [y]) => (x < y ? -1 : 1));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
