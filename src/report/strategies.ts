import { ValidationError } from '../params/error.ts';
/**
 * The strategies `anneal compare` sets against each other: how the lr (or the batch size) changes over a
 * run. Each is a named preset, a scheduler spec (`StepLR(step_size=50, gamma=0.99)`), a batch-size
 * schedule spec (`StepBS(step_size=5, gamma=2)`), `constant(lr=…)` or `manual-decay(every=…, factor=…)`.
 * Any of them takes `lr=…`, the initial lr (default: the comparison's --lr).
 */
import type { RunConfigInput } from '../config/run_config.ts';
import { SCHEDULER_TYPES, schedulerSpecArgs, type SchedulerSpec } from '../lr_scheduler/index.ts';
import {
  BATCH_INTERVALS,
  BATCH_SCHEDULE_ALIASES,
  batchScheduleSpecArgs,
  batchScheduleType,
  type BatchInterval,
  type BatchScheduleSpec,
} from '../train/batch_schedule.ts';
import { parseSpecCall, parseSpecList, type SpecCall, type SpecValue } from './spec_text.ts';
import { findCanonicalName } from '../canonical_name.ts';

/** One training strategy of a comparison: an initial lr and how it (or the batch size) changes. */
export interface Strategy {
  /** A file-name-safe id, unique in a comparison: `constant-0.1`, `step`, `steplr-step-size-100-gamma-0.5`. */
  id: string;
  /** What the legend and the table call it. */
  label: string;
  /** The initial lr. */
  lr: number;
  /** The lr scheduler, or null for none. */
  scheduler: SchedulerSpec | null;
  /** The hand-written decay (lr × factor every `every` steps), or null for none. */
  manualDecay: { every: number; factor: number } | null;
  /** The batch-size schedule, or null for a constant batch size. */
  batchSchedule: (BatchScheduleSpec & { interval: BatchInterval }) | null;
  /** The spec as written (or the preset's name). */
  spec: string;
}

/** What presets are computed from. */
export interface StrategyContext {
  /** The comparison's base lr (--lr): the start of every decaying preset. */
  lr: number;
  steps: number;
  /** The training-set size, when known: `doubling-batch` caps its batch there unless told otherwise. */
  trainSize?: number;
}

/** A strategy of `anneal compare` that cannot run as given. */
export class StrategyError extends ValidationError {
  /** The error's name, `StrategyError`. */
  override readonly name: string = 'StrategyError';
  /**
   * @param message what is wrong, naming the strategy
   * @param param the refused argument (`gamma`, `lr`), or `strategies` for the strategy as a whole
   * @param allowed what that argument allows
   * @param got the value given
   * @param where the flag the strategy came from (`--strategies`, `--batch-schedule`)
   */
  constructor(message: string, param = 'strategies', allowed = '', got: unknown = undefined, where = '--strategies') {
    super(where, param, allowed, got, message);
  }
}

/** The lesson's decay: ×0.99 every 50 steps. */
export const LESSON_DECAY = { every: 50, factor: 0.99 };

interface Preset {
  describe: string;
  build: (ctx: StrategyContext, args: Record<string, SpecValue>, lr: number) => Omit<Strategy, 'id' | 'spec' | 'lr'>;
  args: readonly string[];
}

const SCHEDULER_ALIASES: Record<string, string> = {
  lambda: 'LambdaLR',
  multiplicative: 'MultiplicativeLR',
  multistep: 'MultiStepLR',
  constantlr: 'ConstantLR',
  linear: 'LinearLR',
  exponential: 'ExponentialLR',
  exp: 'ExponentialLR',
  polynomial: 'PolynomialLR',
  poly: 'PolynomialLR',
  'cosine-restarts': 'CosineAnnealingWarmRestarts',
  'warm-restarts': 'CosineAnnealingWarmRestarts',
  cyclic: 'CyclicLR',
  'one-cycle': 'OneCycleLR',
  swa: 'SWALR',
};

const fmt = (v: number) => String(Number(v.toPrecision(6)));

function num(args: Record<string, SpecValue>, key: string, fallback: number): number {
  const v = args[key];
  if (v === undefined) return fallback;
  if (typeof v !== 'number')
    throw new StrategyError(`${key} must be a number, got ${JSON.stringify(v)}`, key, 'a number', v);
  return v;
}

const PRESETS: Record<string, Preset> = {
  'constant-0.1': {
    describe: 'constant lr 0.1 (fast but imprecise)',
    args: [],
    build: () => ({ label: 'constant lr 0.1', scheduler: null, manualDecay: null, batchSchedule: null }),
  },
  'constant-0.001': {
    describe: 'constant lr 0.001 (precise but slow)',
    args: [],
    build: () => ({ label: 'constant lr 0.001', scheduler: null, manualDecay: null, batchSchedule: null }),
  },
  constant: {
    describe: 'constant lr (constant(lr=0.05))',
    args: [],
    build: (_c, _a, lr) => ({
      label: `constant lr ${fmt(lr)}`,
      scheduler: null,
      manualDecay: null,
      batchSchedule: null,
    }),
  },
  'manual-decay': {
    describe: "the lesson's hand-written decay: lr ×0.99 after steps 0, 50, 100, … (every, factor)",
    args: ['every', 'factor'],
    build: (_c, a) => {
      const every = num(a, 'every', LESSON_DECAY.every);
      const factor = num(a, 'factor', LESSON_DECAY.factor);
      return {
        label: `manual decay ×${fmt(factor)} every ${every}`,
        scheduler: null,
        manualDecay: { every, factor },
        batchSchedule: null,
      };
    },
  },
  step: {
    describe: "StepLR(step_size=50, gamma=0.99), the lesson's scheduler",
    args: ['step_size', 'gamma'],
    build: (_c, a) => {
      const s = num(a, 'step_size', 50);
      const g = num(a, 'gamma', 0.99);
      return {
        label: `StepLR(${s}, ${fmt(g)})`,
        scheduler: { type: 'StepLR', args: { step_size: s, gamma: g } },
        manualDecay: null,
        batchSchedule: null,
      };
    },
  },
  halving: {
    describe:
      'StepLR(step_size=steps/5, gamma=0.5): a decay that really decays, the lr halved 4 times, ÷16 by the end ' +
      '(step_size, gamma)',
    args: ['step_size', 'gamma'],
    build: (c, a) => {
      const s = num(a, 'step_size', halvingStepSize(c.steps));
      const g = num(a, 'gamma', 0.5);
      return {
        label: `StepLR(${s}, ${fmt(g)})`,
        scheduler: { type: 'StepLR', args: { step_size: s, gamma: g } },
        manualDecay: null,
        batchSchedule: null,
      };
    },
  },
  cosine: {
    describe: 'CosineAnnealingLR(T_max=steps): half a cosine down to eta_min (0)',
    args: ['T_max', 'eta_min'],
    build: (c, a) => {
      const tMax = num(a, 'T_max', c.steps);
      const etaMin = num(a, 'eta_min', 0);
      return {
        label: `CosineAnnealingLR(T_max=${tMax}${etaMin ? `, eta_min=${fmt(etaMin)}` : ''})`,
        scheduler: { type: 'CosineAnnealingLR', args: { T_max: tMax, eta_min: etaMin } },
        manualDecay: null,
        batchSchedule: null,
      };
    },
  },
  plateau: {
    describe: 'ReduceLROnPlateau(factor=0.5, patience=50) on the training loss',
    args: ['factor', 'patience', 'threshold', 'cooldown', 'min_lr'],
    build: (_c, a) => {
      const args: Record<string, SpecValue> = { factor: num(a, 'factor', 0.5), patience: num(a, 'patience', 50) };
      for (const k of ['threshold', 'cooldown', 'min_lr']) if (a[k] !== undefined) args[k] = a[k];
      return {
        label: `ReduceLROnPlateau(${Object.entries(args)
          .map(([k, v]) => `${k}=${v}`)
          .join(', ')})`,
        scheduler: { type: 'ReduceLROnPlateau', args },
        manualDecay: null,
        batchSchedule: null,
      };
    },
  },
  onecycle: {
    describe: 'OneCycleLR(max_lr=lr, total_steps=steps): warm up to lr, then anneal far below it',
    args: ['max_lr', 'pct_start', 'div_factor', 'final_div_factor', 'anneal_strategy'],
    build: (c, a, lr) => {
      const args: Record<string, SpecValue> = { max_lr: num(a, 'max_lr', lr), total_steps: c.steps };
      for (const k of ['pct_start', 'div_factor', 'final_div_factor', 'anneal_strategy'])
        if (a[k] !== undefined) args[k] = a[k];
      return {
        label: `OneCycleLR(max_lr=${fmt(args.max_lr as number)})`,
        scheduler: { type: 'OneCycleLR', args },
        manualDecay: null,
        batchSchedule: null,
      };
    },
  },
  'grow-batch': {
    describe:
      'grow the batch instead: constant lr, batch ×1/γ wherever StepLR(step_size=50, gamma=γ=0.99) ' +
      'would multiply the lr by γ (step_size, gamma, max_batch_size)',
    args: ['step_size', 'gamma', 'max_batch_size'],
    build: (_c, a) => {
      const s = num(a, 'step_size', 50);
      const g = num(a, 'gamma', 0.99);
      if (!(g > 0 && g <= 1))
        throw new StrategyError(
          `grow-batch: gamma is the lr factor it mirrors and must be in (0, 1], got ${g}`,
          'gamma',
          'a number in (0, 1]',
          g,
        );
      const args: Record<string, unknown> = { step_size: s, gamma: 1 / g };
      if (a.max_batch_size !== undefined) args.max_batch_size = a.max_batch_size;
      return {
        label: `grow batch ×1/${fmt(g)} every ${s}`,
        scheduler: null,
        manualDecay: null,
        // StepBS is StepLR run on the batch size: the very class that decays the lr, with 1/γ, counted in steps.
        batchSchedule: { type: 'StepBS', args, interval: 'step' },
      };
    },
  },
  'doubling-batch': {
    describe:
      'grow the batch where halving halves the lr: constant lr, the batch ×2 every steps/5 steps, ×16 by the end ' +
      'if the training set holds it (capped there; step_size, max_batch_size)',
    args: ['step_size', 'max_batch_size'],
    build: (c, a) => {
      const s = num(a, 'step_size', halvingStepSize(c.steps));
      const args: Record<string, unknown> = { step_size: s, gamma: 2 };
      const cap = a.max_batch_size ?? c.trainSize;
      if (cap !== undefined) args.max_batch_size = cap;
      return {
        label: `grow batch ×2 every ${s}`,
        scheduler: null,
        manualDecay: null,
        batchSchedule: { type: 'StepBS', args, interval: 'step' },
      };
    },
  },
};

/** The step size of `halving` and `doubling-batch`: a fifth of the run, so that the run sees 4 halvings. */
export function halvingStepSize(steps: number): number {
  return Math.max(1, Math.round(steps / 5));
}

/**
 * The default comparison, in order: the constant high and low lr, the lesson's two decays (×0.99 every 50 steps,
 * hand-written and as StepLR), a decay that really decays (halving, ÷16), cosine, and the batch grown ×2 where
 * halving halves the lr.
 */
export const DEFAULT_STRATEGIES = [
  'constant-0.1',
  'constant-0.001',
  'manual-decay',
  'step',
  'halving',
  'cosine',
  'doubling-batch',
] as const;

/** Preset names and what they are, for --help. */
export function presetHelp(): string {
  return Object.entries(PRESETS)
    .map(([name, p]) => `${name}: ${p.describe}`)
    .join('; ');
}

function knownNames(): string {
  return (
    `presets ${Object.keys(PRESETS).join(', ')} (or constant-<lr>); ` +
    `schedulers ${SCHEDULER_TYPES.join(', ')} (or ${Object.keys(SCHEDULER_ALIASES).join(', ')}); ` +
    `batch schedules ${BATCH_SCHEDULE_ALIASES.join(', ')}`
  );
}

function lrOf(args: Record<string, SpecValue>, fallback: number, what: string): number {
  const v = args.lr;
  if (v === undefined) return fallback;
  if (typeof v !== 'number' || !(v >= 0) || !Number.isFinite(v))
    throw new StrategyError(
      `${what}: lr must be a finite number >= 0, got ${JSON.stringify(v)}`,
      'lr',
      'a finite number >= 0',
      v,
    );
  return v;
}

/** One strategy from its parsed spec. */
export function strategyFromCall(call: SpecCall, ctx: StrategyContext, what = '--strategies'): Omit<Strategy, 'id'> {
  const name = call.name;
  const { lr: _lr, ...rest } = call.args;
  const where = `${what}: ${call.text}`;
  try {
    const key = name.toLowerCase();
    const constant = /^constant-([0-9.eE+-]+)$/.exec(key);
    if (constant && !PRESETS[key]) {
      const value = Number(constant[1]);
      if (!Number.isFinite(value) || value < 0)
        throw new StrategyError(
          `constant-<lr> needs a finite lr >= 0, got ${JSON.stringify(constant[1])}`,
          'lr',
          'a finite number >= 0',
          constant[1],
        );
      const [given] = Object.keys(call.args);
      if (given !== undefined) {
        throw new StrategyError(`${name} takes no arguments`, given, 'no arguments', call.args[given]);
      }
      return {
        label: `constant lr ${fmt(value)}`,
        lr: value,
        scheduler: null,
        manualDecay: null,
        batchSchedule: null,
        spec: call.text,
      };
    }
    if (Object.hasOwn(PRESETS, key)) {
      const preset = PRESETS[key];
      for (const k of Object.keys(rest)) {
        if (!preset.args.includes(k))
          throw new StrategyError(
            `${name} has no argument '${k}' (accepted: ${['lr', ...preset.args].join(', ')})`,
            k,
            `an argument of ${name} (${['lr', ...preset.args].join(', ')})`,
            rest[k],
          );
      }
      const fixed = key === 'constant-0.1' ? 0.1 : key === 'constant-0.001' ? 0.001 : ctx.lr;
      const lr = lrOf(call.args, fixed, name);
      if (key === 'constant' && call.args.lr === undefined)
        throw new StrategyError('constant needs lr, e.g. constant(lr=0.05)', 'lr', 'a finite number >= 0', undefined);
      return { ...preset.build(ctx, rest, lr), lr, spec: call.text };
    }
    const lr = lrOf(call.args, ctx.lr, name);
    const schedulerType = findCanonicalName(name, SCHEDULER_TYPES, SCHEDULER_ALIASES);
    if (schedulerType) {
      const accepted = schedulerSpecArgs(schedulerType);
      for (const k of Object.keys(rest)) {
        if (!accepted.includes(k))
          throw new StrategyError(
            `${schedulerType} has no argument '${k}' (accepted: lr, ${accepted.join(', ')})`,
            k,
            `an argument of ${schedulerType} (lr, ${accepted.join(', ')})`,
            rest[k],
          );
      }
      const label = `${schedulerType}(${Object.entries(rest)
        .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
        .join(', ')})`;
      return {
        label: call.args.lr !== undefined ? `${label}, lr ${fmt(lr)}` : label,
        lr,
        scheduler: { type: schedulerType, args: rest },
        manualDecay: null,
        batchSchedule: null,
        spec: call.text,
      };
    }
    if (findCanonicalName(name, BATCH_SCHEDULE_ALIASES) !== undefined) {
      const spec = batchScheduleSpecFromCall(call, what);
      const { lr: _l, ...args } = spec.args ?? {};
      const label = `${spec.type}(${Object.entries(args)
        .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
        .join(', ')}) per ${spec.interval}`;
      return { label, lr, scheduler: null, manualDecay: null, batchSchedule: { ...spec, args }, spec: call.text };
    }
  } catch (err) {
    if (err instanceof StrategyError) {
      throw new StrategyError(`${where}: ${err.message}`, err.param, err.allowed, err.got, err.where);
    }
    throw err;
  }
  throw new StrategyError(
    `${what}: unknown strategy ${JSON.stringify(name)}; ` +
      `expected one of: ${knownNames()}, e.g. StepLR(step_size=50, gamma=0.99)`,
    'strategies',
    `one of: ${knownNames()}`,
    name,
    what,
  );
}

/** The strategies a --strategies text names, with unique ids. */
export function parseStrategies(text: string, ctx: StrategyContext, what = '--strategies'): Strategy[] {
  const calls = parseSpecList(text, what);
  const used = new Map<string, number>();
  return calls.map((call) => {
    const strategy = strategyFromCall(call, ctx, what);
    const base = slug(call.text);
    const n = (used.get(base) ?? 0) + 1;
    used.set(base, n);
    return { ...strategy, id: n === 1 ? base : `${base}-${n}` };
  });
}

function slug(text: string): string {
  return (
    text
      .toLowerCase()
      .replace(/[^a-z0-9.]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 60) || 'strategy'
  );
}

/** A batch schedule spec from a parsed call: `StepBS(step_size=5, gamma=2, interval=epoch)`. */
export function batchScheduleSpecFromCall(
  call: SpecCall,
  what = '--batch-schedule',
): BatchScheduleSpec & { interval: BatchInterval } {
  let type: string;
  try {
    type = batchScheduleType(call.name);
  } catch (err) {
    if (!(err instanceof ValidationError)) throw err;
    throw new StrategyError(`${what}: ${err.message}`, 'type', err.allowed, err.got, what);
  }
  const { interval = 'epoch', ...args } = call.args;
  if (!BATCH_INTERVALS.includes(interval as BatchInterval)) {
    throw new StrategyError(
      `${what}: interval must be 'epoch' or 'step', got ${JSON.stringify(interval)}`,
      'interval',
      "'epoch' or 'step'",
      interval,
      what,
    );
  }
  const accepted = batchScheduleSpecArgs(type);
  for (const k of Object.keys(args)) {
    if (k !== 'lr' && !accepted.includes(k))
      throw new StrategyError(
        `${what}: ${type} has no argument '${k}' (accepted: ${[...accepted, 'interval'].join(', ')})`,
        k,
        `an argument of ${type} (${[...accepted, 'interval'].join(', ')})`,
        args[k],
        what,
      );
  }
  return { type, args, interval: interval as BatchInterval };
}

/** --batch-schedule's text: `StepBS(step_size=5, gamma=2)` or a JSON spec `{"type": "StepBS", "args": {...}}`. */
export function batchScheduleSpecFromText(
  text: string,
  what = '--batch-schedule',
): BatchScheduleSpec & { interval: BatchInterval } {
  if (text.trim().startsWith('{')) {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (err) {
      throw new StrategyError(`${what}: not valid JSON: ${(err as Error).message}`, 'spec', 'valid JSON', text, what);
    }
    const v = value as { type?: unknown; args?: Record<string, SpecValue>; interval?: unknown };
    if (typeof v.type !== 'string')
      throw new StrategyError(
        `${what}: a JSON spec needs "type" (${BATCH_SCHEDULE_ALIASES.join(', ')} or an lr scheduler's)`,
        'type',
        `${BATCH_SCHEDULE_ALIASES.join(', ')} or an lr scheduler's name`,
        v.type,
        what,
      );
    return batchScheduleSpecFromCall(
      {
        name: v.type,
        args: { ...(v.args ?? {}), ...(v.interval !== undefined ? { interval: v.interval as SpecValue } : {}) },
        text,
      },
      what,
    );
  }
  const call = parseSpecCall(text, what);
  const spec = batchScheduleSpecFromCall(call, what);
  if (spec.args && 'lr' in spec.args)
    throw new StrategyError(
      `${what}: ${spec.type} has no argument 'lr' (the lr is --lr)`,
      'lr',
      'no lr here (the lr is --lr)',
      spec.args.lr,
      what,
    );
  return spec;
}

/** The run-config part a strategy sets (over a base config). */
export function strategyConfig(
  strategy: Strategy,
): Pick<RunConfigInput, 'scheduler' | 'manual_decay' | 'batch_schedule'> & { lr: number } {
  return {
    lr: strategy.lr,
    scheduler: strategy.scheduler,
    manual_decay: strategy.manualDecay,
    batch_schedule: strategy.batchSchedule,
  };
}
