// The schedules the page offers: every scheduler of the library (PyTorch's class and keyword names), the
// lesson's hand-written decay, and none. Each argument has a kind (how the control and the URL read it) and
// the value the page starts from. This module knows nothing of the DOM or of the core.

export type ArgValue = number | boolean | string | number[] | SchedulerChoice[];

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

const num = (name: string, value: number, hint?: string): ArgDef => ({
  name,
  kind: 'number',
  initial: () => value,
  hint,
});
const int = (name: string, value: number | ((steps: number) => number), hint?: string): ArgDef => ({
  name,
  kind: 'int',
  initial: typeof value === 'number' ? () => value : value,
  hint,
});
const bool = (name: string, value: boolean): ArgDef => ({ name, kind: 'bool', initial: () => value });
const choice = (name: string, choices: readonly string[]): ArgDef => ({
  name,
  kind: 'choice',
  choices,
  initial: () => choices[0],
});
const optional = (def: ArgDef, hint: string): ArgDef => ({ ...def, initial: () => undefined, hint });

/** The schedulers SequentialLR and ChainedScheduler can hold (PyTorch's own limits: no plateau, no nesting). */
export const CHILD_TYPES = [
  'LambdaLR',
  'MultiplicativeLR',
  'StepLR',
  'MultiStepLR',
  'ConstantLR',
  'LinearLR',
  'ExponentialLR',
  'PolynomialLR',
  'CosineAnnealingLR',
  'CosineAnnealingWarmRestarts',
  'CyclicLR',
  'OneCycleLR',
  'SWALR',
] as const;

const child = (type: string, args: Record<string, ArgValue>): SchedulerChoice => ({ type, args });

export const SCHEDULERS: readonly SchedulerDef[] = [
  { type: 'none', summary: 'constant lr', args: [] },
  {
    type: 'manual',
    summary: "the lesson's loop: after steps 0, every, 2·every, … multiply lr by factor",
    args: [int('every', 50), num('factor', 0.99)],
  },
  { type: 'StepLR', summary: 'lr · gamma^⌊t / step_size⌋', args: [int('step_size', 50), num('gamma', 0.99)] },
  {
    type: 'MultiStepLR',
    summary: 'lr · gamma at each milestone',
    args: [
      { name: 'milestones', kind: 'ints', initial: (s) => [Math.round(s * 0.5), Math.round(s * 0.75)] },
      num('gamma', 0.1),
    ],
  },
  { type: 'ExponentialLR', summary: 'lr · gamma^t', args: [num('gamma', 0.995)] },
  {
    type: 'LambdaLR',
    summary: 'initial lr · λ(epoch)',
    args: [{ name: 'lr_lambda', kind: 'expr', initial: () => '0.99 ** (epoch // 50)', hint: 'expression in epoch' }],
  },
  {
    type: 'MultiplicativeLR',
    summary: 'lr · λ(epoch) at every step',
    args: [{ name: 'lr_lambda', kind: 'expr', initial: () => '0.998', hint: 'expression in epoch' }],
  },
  {
    type: 'ConstantLR',
    summary: 'lr · factor until total_iters',
    args: [num('factor', 1 / 3), int('total_iters', 100)],
  },
  {
    type: 'LinearLR',
    summary: 'linear from start_factor to end_factor',
    args: [num('start_factor', 0.1), num('end_factor', 1), int('total_iters', 100)],
  },
  {
    type: 'PolynomialLR',
    summary: 'lr · (1 − t/total_iters)^power',
    args: [int('total_iters', (s) => s), num('power', 1)],
  },
  {
    type: 'CosineAnnealingLR',
    summary: 'half a cosine down to eta_min',
    args: [int('T_max', (s) => s), num('eta_min', 0)],
  },
  {
    type: 'CosineAnnealingWarmRestarts',
    summary: 'cosine, restarting every T_0 · T_mult^i steps',
    args: [int('T_0', (s) => Math.max(1, Math.round(s / 5))), int('T_mult', 1), num('eta_min', 0)],
  },
  {
    type: 'CyclicLR',
    summary: 'triangles between base_lr and max_lr; momentum the other way',
    args: [
      num('base_lr', 0.001),
      num('max_lr', 0.05),
      int('step_size_up', (s) => Math.max(1, Math.round(s / 10))),
      optional(int('step_size_down', 1), 'empty: = step_size_up'),
      choice('mode', ['triangular', 'triangular2', 'exp_range']),
      num('gamma', 1),
      optional({ name: 'scale_fn', kind: 'expr', initial: () => undefined }, 'optional: expression in x'),
      choice('scale_mode', ['cycle', 'iterations']),
      bool('cycle_momentum', true),
      num('base_momentum', 0.8),
      num('max_momentum', 0.9),
    ],
  },
  {
    type: 'OneCycleLR',
    summary: 'warm up to max_lr, then anneal far below; momentum the other way',
    args: [
      num('max_lr', 0.05),
      int('total_steps', (s) => s),
      num('pct_start', 0.3),
      choice('anneal_strategy', ['cos', 'linear']),
      bool('cycle_momentum', true),
      num('base_momentum', 0.85),
      num('max_momentum', 0.95),
      num('div_factor', 25),
      num('final_div_factor', 1e4),
      bool('three_phase', false),
    ],
  },
  {
    type: 'ReduceLROnPlateau',
    summary: 'lr · factor when the training loss stops improving',
    args: [
      choice('mode', ['min', 'max']),
      num('factor', 0.5),
      int('patience', 50),
      num('threshold', 1e-4),
      choice('threshold_mode', ['rel', 'abs']),
      int('cooldown', 0),
      num('min_lr', 0),
      num('eps', 1e-8),
    ],
  },
  {
    type: 'SWALR',
    summary: 'anneal to swa_lr over anneal_epochs, then hold',
    args: [num('swa_lr', 0.001), int('anneal_epochs', 100), choice('anneal_strategy', ['cos', 'linear'])],
  },
  {
    type: 'SequentialLR',
    summary: 'one scheduler after another, switching at the milestones',
    args: [
      {
        name: 'schedulers',
        kind: 'schedulers',
        initial: (s) => [
          child('LinearLR', { start_factor: 0.1, end_factor: 1, total_iters: Math.max(1, Math.round(s / 10)) }),
          child('CosineAnnealingLR', { T_max: Math.max(1, s - Math.round(s / 10)), eta_min: 0 }),
        ],
      },
      {
        name: 'milestones',
        kind: 'ints',
        initial: (s) => [Math.max(1, Math.round(s / 10))],
        hint: 'one fewer than the schedulers',
      },
    ],
  },
  {
    type: 'ChainedScheduler',
    summary: 'several schedulers, all stepped every step',
    args: [
      {
        name: 'schedulers',
        kind: 'schedulers',
        initial: (s) => [
          child('LinearLR', { start_factor: 0.1, end_factor: 1, total_iters: Math.max(1, Math.round(s / 10)) }),
          child('ExponentialLR', { gamma: 0.998 }),
        ],
      },
    ],
  },
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
