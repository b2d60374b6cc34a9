// The state in the URL's query, readable and complete:
//   ?data=moons&n=20&noise=0.2&dseed=0&hidden=3&act=tanh&seed=0&opt=Adam&lr=0.01&betas=0.9,0.999&eps=1e-8
//    &wd=0&amsgrad=false&sched=StepLR&s.step_size=50&s.gamma=0.99&batch=full&steps=1000&speed=300&log=true
// Scheduler arguments are `s.NAME` (PyTorch's keyword names); SequentialLR / ChainedScheduler list their
// schedulers in `s.schedulers` and give their arguments as `s.0.NAME`, `s.1.NAME`, … With one param group per
// layer (`groups=layer`), `lr` lists one lr per layer (`lr=0.001,0.02`; one number is every layer's) and
// LambdaLR's or MultiplicativeLR's lambdas may be one per group, `s.lr_lambda.0`, `s.lr_lambda.1`, … (an
// expression may hold commas); those are compiled when the link is read. A change made during a
// run is `@STEP.lr`, `@STEP.sched`, `@STEP.s.NAME` (only what changed; at most MAX_EDITS steps, none after the
// run's end; a new scheduler is built and replayed over its steps when the link is read, so that one that would
// fail mid-run is reported here). A missing parameter takes the
// lesson's value; a bad one is reported by name and replaced by that value. Values are only ever parsed as
// numbers, booleans, names from a list or text: nothing in a URL is evaluated.

import {
  CHILD_TYPES,
  SCHEDULERS,
  initialChoice,
  sameChoice,
  schedulerDef,
  toSchedulerSpec,
  type ArgDef,
  type ArgKind,
  type ArgValue,
  type SchedulerChoice,
} from './schedulers.ts';
import {
  ACTIVATIONS,
  DATASETS,
  DATA_DEFAULTS,
  GROUPINGS,
  MAX_STEPS,
  MAX_TEST_PERCENT,
  OPTIMIZERS,
  PER_GROUP_LAMBDAS,
  fitGroups,
  groupLrs,
  isDefaultLoss,
  isReal,
  isRegression,
  layerCount,
  lessonState,
  sameLrs,
  type DatasetType,
  type PlaygroundState,
  type ScheduleState,
} from './state.ts';
import {
  activationArgs,
  argRefusal,
  declaredDefault,
  defaultLoss,
  lossArgs,
  lossesFor,
  type DeclaredArg,
  type DeclaredValue,
} from './losses.ts';
import { findCanonicalName } from '../../src/canonical_name.ts';
import { ExprError, compileLambda } from '../../src/expr/index.ts';
import { ReduceLROnPlateau, schedulerFromSpec } from '../../src/lr_scheduler/index.ts';
import { errorText } from './error_text.ts';
import { optimizerDefault, optimizerDefs, refusal, shows, type OptimizerField } from './optimizers.ts';

export const MAX_SAMPLES = 10_000;
export const MAX_LAYERS = 8;
export const MAX_WIDTH = 256;
/** Changes of the lr or schedule a link may hold (`@STEP.` prefixes). */
export const MAX_EDITS = 1000;

/** How one parameter is read from the URL (`fallback` when absent or bad, the problem noted) and written. */
interface Kind<T> {
  read(r: Reader, key: string, fallback: T): T;
  write(value: T): string;
}

const number = (range: Range = {}): Kind<number> => ({ read: (r, k, f) => r.number(k, f, range), write: String });
const int = (min: number, max: number, extra = ''): Kind<number> => ({
  read: (r, k, f) => r.int(k, f, min, max, extra),
  write: String,
});
const bool: Kind<boolean> = { read: (r, k, f) => r.bool(k, f), write: String };
const choice = <T extends string>(options: readonly T[]): Kind<T> => ({
  read: (r, k, f) => r.choice(k, f, options),
  write: String,
});
const ints = (o: ListRange): Kind<number[]> => ({ read: (r, k, f) => r.list(k, f, o), write: (v) => v.join(',') });
const pair: Kind<[number, number]> = {
  read: (r, k, f) => {
    const [a, b] = r.numbers(k, f, 2);
    return [a, b];
  },
  write: (v) => v.join(','),
};
/** A word standing for a value beside the numbers of `kind`: `batch=full`, `speed=max`. */
function or<T>(word: string, value: T, kind: Kind<number>): Kind<number | T> {
  return {
    read: (r, k, f) => (r.raw(k) === word ? value : kind.read(r, k, f as number)),
    write: (v) => (v === value ? word : kind.write(v as number)),
  };
}

type Leaf = string | number | boolean | null | readonly unknown[];
/** `data.samples`, `network.hidden`, …: the path of a value of the state. */
type Path<T> = { [K in keyof T & string]: T[K] extends Leaf ? K : `${K}.${Path<T[K]>}` }[keyof T & string];
type At<T, P extends string> = P extends `${infer K}.${infer R}`
  ? K extends keyof T
    ? At<T[K], R>
    : never
  : P extends keyof T
    ? T[P]
    : never;
type StatePath = Exclude<
  Path<PlaygroundState>,
  `schedule.${string}` | 'edits' | `loss.${string}` | `network.activationArgs.${string}`
>;

/** One parameter of the URL: its key, the value of the state it holds, how it is read and written. */
interface Field {
  key: string;
  path: StatePath;
  kind: Kind<unknown>;
  /** Does the key apply to this state (read and written)? Default: always. */
  when?: (s: PlaygroundState) => boolean;
  /** What a link without it means, when not the lesson's value (from the keys before it). */
  initial?: (s: PlaygroundState) => unknown;
  /** Checks a value read (with the keys before it): null when accepted, else what is allowed. */
  check?: (s: PlaygroundState, value: unknown) => string | null;
  /** A value the link leaves out (what a link without the key means), so older links stay as they were. */
  omit?: unknown;
}

function field<P extends StatePath>(
  key: string,
  path: P,
  kind: Kind<At<PlaygroundState, P>>,
  more: {
    when?: (s: PlaygroundState) => boolean;
    initial?: (s: PlaygroundState) => At<PlaygroundState, P>;
    omit?: At<PlaygroundState, P>;
  } = {},
): Field {
  return { key, path, kind: kind as Kind<unknown>, ...more };
}

function get(state: PlaygroundState, path: StatePath): unknown {
  return path.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown>)[k], state);
}

function set(state: PlaygroundState, path: StatePath, value: unknown): void {
  const keys = path.split('.');
  const last = keys.pop()!;
  const parent = keys.reduce<unknown>((o, k) => (o as Record<string, unknown>)[k], state);
  (parent as Record<string, unknown>)[last] = value;
}

/** A schedule's keys (the run's, or a change during it after `@STEP.`); its scheduler's arguments follow `sched`. */
const LR = { key: 'lr', kind: number({ min: 0 }) };
const SCHED = {
  key: 'sched',
  kind: choice(SCHEDULERS.map((s) => s.type)),
};

/**
 * The activation's arguments (`a.NAME`, after `act`) and the loss with its arguments (`loss`, `l.NAME`): the
 * library's declarations (losses.ts), read once the data and the activation are known. A link leaves out what
 * is the default (the data's default loss, a declared default value).
 */
const ACT_ARGS = { key: 'a.' };
const LOSS = { key: 'loss' };

const dataIs = (type: DatasetType) => (s: PlaygroundState) => s.data.type === type;

/** How the text of a declared hyper-parameter of each kind is read, before the library checks the value. */
const SYNTAX: Partial<Record<string, Kind<unknown>>> = {
  number: number() as Kind<unknown>,
  boolean: bool as Kind<unknown>,
  numbers: pair as Kind<unknown>,
};

/**
 * The key of a hyper-parameter of the optimizer, from the library's declaration (optimizers.ts): read by its
 * kind, it applies to the optimizers that show it, a link without it means the optimizer's declared default,
 * and the value is checked as the library checks it (`param.check`), its refusal worded as the others here.
 */
function optimizerField(name: OptimizerField): Field {
  const def = OPTIMIZERS.flatMap(optimizerDefs).find((d) => d.name === name)!;
  return {
    key: def.key,
    path: `optimizer.${name}`,
    kind: SYNTAX[def.param.kind]!,
    when: (s) => shows(s.optimizer.type, name),
    initial: (s) => optimizerDefault(s.optimizer.type, name),
    check: (s, value) => (refusal(s.optimizer.type, name, value) ? declaration(s, name).allowed : null),
  };
}

const declaration = (s: PlaygroundState, name: OptimizerField) =>
  optimizerDefs(s.optimizer.type).find((d) => d.name === name)!.param;

/** The optimizer's keys in the URL's order (the links' own: SGD's, Adam's, then the weight decay they share). */
const URL_ORDER: readonly OptimizerField[] = [
  'momentum',
  'dampening',
  'nesterov',
  'betas',
  'eps',
  'amsgrad',
  'weightDecay',
];

/**
 * Every parameter, in the URL's order. `lr` and `sched` (with its arguments) are the schedule's, written at
 * their place and read after the rest (a scheduler's starting arguments depend on the steps).
 */
const PARAMS: readonly (Field | typeof LR | typeof SCHED | typeof ACT_ARGS | typeof LOSS)[] = [
  field('data', 'data.type', choice(DATASETS)),
  field('n', 'data.samples', int(1, MAX_SAMPLES), {
    initial: (s) => DATA_DEFAULTS[s.data.type].samples,
    when: (s) => !isReal(s.data),
  }),
  field('noise', 'data.noise', number({ min: 0, max: 100 }), {
    initial: (s) => DATA_DEFAULTS[s.data.type].noise,
    when: (s) => !isReal(s.data),
  }),
  field('dseed', 'data.seed', int(0, 2 ** 32 - 1)),
  field('test', 'data.test', int(0, MAX_TEST_PERCENT), { omit: 0 }),
  field('factor', 'data.factor', number({ min: 0, max: 1, open: true }), { when: dataIs('circles') }),
  field('centers', 'data.centers', int(1, 20), { when: dataIs('blobs') }),
  field('arms', 'data.arms', int(2, 20), { when: dataIs('spirals') }),
  field('turns', 'data.turns', number({ min: 0, max: 10, open: true }), { when: dataIs('spirals') }),
  field('hidden', 'network.hidden', ints({ min: 1, max: MAX_WIDTH, minLength: 0, maxLength: MAX_LAYERS })),
  field('act', 'network.activation', choice(ACTIVATIONS)),
  ACT_ARGS,
  field('seed', 'network.seed', int(0, 2 ** 32 - 1)),
  LOSS,
  field('opt', 'optimizer.type', choice(OPTIMIZERS)),
  field('groups', 'groups', choice(GROUPINGS), { omit: 'one' }),
  LR,
  ...URL_ORDER.map(optimizerField),
  SCHED,
  field('batch', 'batchSize', or('full', null, int(1, MAX_SAMPLES))),
  field('steps', 'steps', int(0, MAX_STEPS)),
  field('speed', 'speed', or('max', 0, int(1, 1_000_000, 'or max'))),
  field('log', 'logLoss', bool),
];

const isField = (p: (typeof PARAMS)[number]): p is Field => 'path' in p;

/** The keys of the table (scheduler arguments, `s.NAME`, come from SCHEDULERS). */
const KNOWN = new Set(PARAMS.map((p) => p.key));

type Put = (key: string, value: string) => void;

export function encodeState(state: PlaygroundState): string {
  const p: [string, string][] = [];
  const put: Put = (key, value) => p.push([key, value]);
  for (const param of PARAMS) {
    if (param === LR) put(LR.key, writeLrs(state.schedule));
    else if (param === SCHED) encodeScheduler(state.schedule.scheduler, '', put);
    else if (param === ACT_ARGS)
      encodeDeclared(activationArgs(state.network.activation), state.network.activationArgs, 'a.', put);
    else if (param === LOSS) {
      if (!isDefaultLoss(state)) put(LOSS.key, state.loss.type);
      encodeDeclared(lossArgs(state.loss.type), state.loss.args, 'l.', put);
    } else if (isField(param) && (!param.when || param.when(state))) {
      const value = get(state, param.path);
      if (!('omit' in param) || value !== param.omit) put(param.key, param.kind.write(value));
    }
  }
  let before = state.schedule;
  for (const edit of state.edits) {
    const prefix = `@${edit.at}.`;
    if (!sameLrs(edit.schedule, before)) put(`${prefix}${LR.key}`, writeLrs(edit.schedule));
    if (!sameChoice(edit.schedule.scheduler, before.scheduler)) encodeScheduler(edit.schedule.scheduler, prefix, put);
    before = edit.schedule;
  }
  // Commas, colons and @ read better as they are.
  return p.map(([k, v]) => `${enc(k)}=${enc(v)}`).join('&');
}

const enc = (s: string) => encodeURIComponent(s).replace(/%2C/g, ',').replace(/%3A/g, ':').replace(/%40/g, '@');

function encodeDeclared(args: readonly DeclaredArg[], values: Record<string, DeclaredValue>, prefix: string, put: Put) {
  for (const arg of args) if (values[arg.name] !== undefined) put(`${prefix}${arg.name}`, String(values[arg.name]));
}

/** `lr=0.01`, or with one param group per layer each group's: `lr=0.001,0.02`. */
function writeLrs(schedule: ScheduleState): string {
  return groupLrs(schedule).map(LR.kind.write).join(',');
}

function encodeScheduler(choice: SchedulerChoice, prefix: string, put: Put): void {
  put(`${prefix}${SCHED.key}`, SCHED.kind.write(choice.type));
  encodeArgs(choice, `${prefix}s.`, put);
}

function encodeArgs(choice: SchedulerChoice, prefix: string, put: Put): void {
  for (const [name, value] of Object.entries(choice.args)) {
    if (name === 'schedulers') {
      const children = value as SchedulerChoice[];
      put(`${prefix}schedulers`, children.map((c) => c.type).join(','));
      children.forEach((c, i) => encodeArgs(c, `${prefix}${i}.`, put));
    } else if (Array.isArray(value) && typeof value[0] === 'string') {
      // One lambda per param group: `s.lr_lambda.0`, `s.lr_lambda.1`, … (an expression may hold commas).
      (value as string[]).forEach((text, i) => put(`${prefix}${name}.${i}`, text));
    } else {
      put(`${prefix}${name}`, Array.isArray(value) ? value.join(',') : String(value));
    }
  }
}

export interface Decoded {
  state: PlaygroundState;
  /** One line per bad parameter, naming it; empty when the URL was fine. */
  problems: string[];
}

/** Reads a query string (with or without its leading `?`). Never throws: bad parameters become problems. */
export function decodeState(search: string): Decoded {
  const r = new Reader(new URLSearchParams(search));
  const state = lessonState();
  for (const param of PARAMS) {
    if (!isField(param) || (param.when && !param.when(state))) continue;
    const fallback = param.initial ? param.initial(state) : get(state, param.path);
    let value = param.kind.read(r, param.key, fallback);
    const allowed = value === fallback ? null : param.check?.(state, value);
    if (allowed) value = r.refuse(param.key, allowed, fallback);
    set(state, param.path, value);
  }
  // A real dataset's rows are its own: its samples and noise are what the page shows for it.
  if (isReal(state.data)) Object.assign(state.data, DATA_DEFAULTS[state.data.type]);
  state.network.activationArgs = readDeclared(r, 'a.', activationArgs(state.network.activation)) as Record<
    string,
    number
  >;
  const losses = lossesFor(isRegression(state.data));
  const type = r.choice(LOSS.key, defaultLoss(isRegression(state.data)).type, losses);
  state.loss = { type, args: readDeclared(r, 'l.', lossArgs(type)) };
  // One param group, or one per layer: how many lrs (and lambdas) each schedule gives.
  const groups = state.groups === 'layer' ? layerCount(state) : 1;
  state.schedule = readSchedule(r, '', state.schedule, state.steps, groups);

  // Edits: every @STEP. prefix, in step order, each on top of the schedule in force before it. A change
  // after the run's last step is refused, and so is one whose scheduler would fail once the run reached it.
  const keysAt = new Map<number, string[]>();
  for (const key of r.keys()) {
    const m = /^@([^.]*)\./.exec(key);
    if (!m) continue;
    const at = /^\d+$/.test(m[1]) ? Number(m[1]) : NaN;
    if (!Number.isSafeInteger(at) || at < 1) {
      r.problem(key, `a change during the run is @STEP.NAME with STEP a whole number >= 1, got "@${m[1]}"`);
      r.used.add(key);
    } else if (at > state.steps) {
      r.problem(key, `a change at step ${m[1]} is beyond the end of the run (steps=${state.steps})`);
      r.used.add(key);
    } else {
      const keys = keysAt.get(at);
      if (keys) keys.push(key);
      else keysAt.set(at, [key]);
    }
  }
  const order = [...keysAt.keys()].sort((a, b) => a - b);
  if (order.length > MAX_EDITS) {
    const dropped = order.splice(MAX_EDITS);
    r.problem(
      `@${dropped[0]}.`,
      `a link holds at most ${MAX_EDITS} changes during the run, got ${MAX_EDITS + dropped.length}; ` +
        `those from step ${dropped[0]} on are left out`,
    );
    for (const at of dropped) for (const key of keysAt.get(at)!) r.used.add(key);
  }
  let before = state.schedule;
  const budget = { steps: REPLAY_STEPS };
  order.forEach((at, i) => {
    const prefix = `@${at}.`;
    const schedule = readSchedule(r, prefix, before, state.steps, groups);
    if (schedule.scheduler !== before.scheduler && !sameChoice(schedule.scheduler, before.scheduler)) {
      // Runs until the next change of scheduler (or the end of the run).
      let end = state.steps;
      for (let j = i + 1; j < order.length; j++) {
        if (r.has(`@${order[j]}.${SCHED.key}`) || r.hasPrefix(`@${order[j]}.s.`)) {
          end = order[j];
          break;
        }
      }
      const problem = scheduleProblem(schedule, end - at, budget);
      if (problem !== null) {
        r.problem(`${prefix}${SCHED.key}`, `${schedule.scheduler.type} would fail when the run reaches it: ${problem}`);
        return;
      }
    }
    state.edits.push({ at, schedule });
    before = schedule;
  });
  r.reportUnused();
  return { state: fitGroups(state), problems: r.problems };
}

/** Declared arguments given as `PREFIX.NAME`: read by kind, checked by the library; only non-defaults kept. */
function readDeclared(r: Reader, prefix: string, args: readonly DeclaredArg[]): Record<string, DeclaredValue> {
  const out: Record<string, DeclaredValue> = {};
  for (const arg of args) {
    const key = `${prefix}${arg.name}`;
    const fallback = declaredDefault(arg);
    let value: DeclaredValue =
      arg.kind === 'choice'
        ? r.choice(key, fallback as string, arg.param.choices ?? [])
        : r.number(key, fallback as number, {});
    if (value !== fallback && argRefusal(arg, value) !== null) value = r.refuse(key, arg.param.allowed, fallback);
    if (value !== fallback) out[arg.name] = value;
  }
  return out;
}

function readSchedule(r: Reader, prefix: string, before: ScheduleState, steps: number, groups: number): ScheduleState {
  const lrs = readLrs(r, `${prefix}${LR.key}`, before, groups);
  const lr = { lr: lrs[0], ...(groups > 1 ? { lrs } : {}) };
  // A change of the lr alone keeps the scheduler in force (the same object: states are never changed in place).
  if (prefix && !r.has(`${prefix}${SCHED.key}`) && !r.hasPrefix(`${prefix}s.`))
    return { ...lr, scheduler: before.scheduler };
  const type = SCHED.kind.read(r, `${prefix}${SCHED.key}`, before.scheduler.type);
  const start = type === before.scheduler.type ? before.scheduler : initialChoice(type, steps);
  return { ...lr, scheduler: readChoice(r, `${prefix}s.`, start, steps, groups) };
}

/**
 * The lr of each of `groups` param groups: `lr=0.01` (every group), or with one group per layer one per layer,
 * `lr=0.001,0.02`. A wrong count or a bad number is named, and the lrs before stand.
 */
function readLrs(r: Reader, key: string, before: ScheduleState, groups: number): number[] {
  const fallback = groupLrs(before);
  const fill = (lrs: number[]) => Array.from({ length: groups }, (_, i) => lrs[Math.min(i, lrs.length - 1)]);
  if (groups === 1) return [LR.kind.read(r, key, fallback[0])];
  const raw = r.raw(key);
  if (raw === undefined) return fill(fallback);
  const parts = raw.split(',').map((p) => p.trim());
  const values = parts.map((p) => (DECIMAL.test(p) ? Number(p) : NaN));
  if ((parts.length === 1 || parts.length === groups) && values.every((v) => Number.isFinite(v) && v >= 0))
    return fill(values);
  const what = `${groups} comma-separated numbers >= 0, one per layer (groups=layer, ${groups} layers), or one for all`;
  return fill(r.refuse(key, what, fallback));
}

/** An expression (`lr_lambda`, `scale_fn`): text, parsed (never evaluated as JavaScript) by the library. */
const expr: Kind<ArgValue> = {
  read: (r, k, f) => {
    const raw = r.raw(k)!;
    if (raw.length <= 500) return raw;
    r.problem(k, 'an expression of at most 500 characters');
    return f;
  },
  write: String,
};

/** How a scheduler argument of each kind is read (`schedulers`, the nested ones, is read by readChoice). */
const ARG_KINDS: Record<Exclude<ArgKind, 'schedulers'>, (arg: ArgDef) => Kind<ArgValue>> = {
  number: () => number() as Kind<ArgValue>,
  int: () => int(-(2 ** 31), 2 ** 31) as Kind<ArgValue>,
  bool: () => bool as Kind<ArgValue>,
  choice: (arg) => choice(arg.choices!) as Kind<ArgValue>,
  ints: () => ints({ min: 0, max: 2 ** 31, minLength: 0, maxLength: 1000 }) as Kind<ArgValue>,
  expr: () => expr,
};

function readChoice(r: Reader, prefix: string, start: SchedulerChoice, steps: number, groups: number): SchedulerChoice {
  const def = schedulerDef(start.type)!;
  const args: Record<string, ArgValue> = structuredClone(start.args);
  for (const arg of def.args) {
    const key = `${prefix}${arg.name}`;
    if (arg.kind === 'schedulers') {
      const given = r.raw(key);
      let children = (args.schedulers as SchedulerChoice[]) ?? [];
      if (given !== undefined) {
        const types = given.split(',').map((t) => findCanonicalName(t, CHILD_TYPES) ?? t);
        const bad = types.find((t) => !(CHILD_TYPES as readonly string[]).includes(t));
        if (bad !== undefined)
          r.problem(key, `expected a comma-separated list of ${CHILD_TYPES.join(', ')}; "${bad}" is not one`);
        else children = types.map((t, i) => (children[i]?.type === t ? children[i] : initialChoice(t, steps)));
      }
      args.schedulers = children.map((c, i) => readChoice(r, `${prefix}${i}.`, c, steps, groups));
      continue;
    }
    if (arg.kind === 'expr' && arg.name === 'lr_lambda' && PER_GROUP_LAMBDAS.includes(start.type)) {
      args.lr_lambda = readLambdas(r, key, args.lr_lambda as string | string[], groups);
      continue;
    }
    const value = readArg(r, key, arg, args[arg.name]);
    if (value === undefined) delete args[arg.name];
    else args[arg.name] = value;
  }
  return { type: start.type, args };
}

function readArg(r: Reader, key: string, arg: ArgDef, current: ArgValue | undefined): ArgValue | undefined {
  const raw = r.raw(key);
  if (raw === undefined) return current;
  if (raw === '' && arg.initial(0) === undefined) return undefined; // an optional argument left empty: None
  if (arg.kind === 'schedulers') return current;
  return ARG_KINDS[arg.kind](arg).read(r, key, current as ArgValue);
}

/** The most param groups a link can have: one per layer of the largest network. */
const MAX_GROUPS = MAX_LAYERS + 1;

/**
 * `lr_lambda` of LambdaLR or MultiplicativeLR: `s.lr_lambda` (one for every param group), or with one group
 * per layer one per group, `s.lr_lambda.0`, `s.lr_lambda.1`, … Each of those is compiled by the library's
 * expression parser (never evaluated as JavaScript); a bad one is named with the parser's reason, and a group
 * the link does not give keeps the lambda it had.
 */
function readLambdas(r: Reader, key: string, start: string | string[], groups: number): string | string[] {
  const before = Array.isArray(start) ? start : [start];
  const fill = (list: string[]) => Array.from({ length: groups }, (_, i) => list[Math.min(i, list.length - 1)]);
  const all = r.has(key) ? expr.read(r, key, before[0]) : undefined;
  const lambdas = all !== undefined ? fill([all as string]) : fill(before);
  const given = Array.from({ length: MAX_GROUPS + 1 }, (_, i) => i).filter((i) => r.has(`${key}.${i}`));
  if (given.length === 0) return groups > 1 ? lambdas : lambdas[0];
  const last = given[given.length - 1];
  if (groups === 1) {
    for (const i of given) r.raw(`${key}.${i}`);
    r.problem(
      `${key}.${given[0]}`,
      `one lambda per param group needs groups=layer; with one param group give ${key}, got ${given.length} lambdas`,
    );
    return lambdas[0];
  }
  if (last >= groups) {
    for (const i of given.filter((i) => i >= groups)) r.raw(`${key}.${i}`);
    r.problem(
      `${key}.${last}`,
      `expected one expression per param group, ${key}.0 to ${key}.${groups - 1} ` +
        `(groups=layer: ${groups} layers), got ${key}.${given.join(`, ${key}.`)}`,
    );
  }
  for (const i of given.filter((i) => i < groups)) {
    const k = `${key}.${i}`;
    const text = expr.read(r, k, lambdas[i]) as string;
    try {
      compileLambda(text);
      lambdas[i] = text;
    } catch (err) {
      if (!(err instanceof ExprError)) throw err;
      const reason = err.message.split('\n')[0];
      r.problem(k, `expected an expression in epoch, got ${JSON.stringify(text)}: ${reason}`);
    }
  }
  return lambdas;
}

/** Scheduler steps a link's changes are replayed for when it is read, in all (a bound on the time it takes). */
const REPLAY_STEPS = 50_000;

/**
 * Why a scheduler built at a change of the run would fail (null when it would not). It is built on a plain
 * param group as the run builds it (arguments checked, expressions compiled); each `lr_lambda` is evaluated
 * at every epoch it will see over the `span` steps the scheduler runs for (LambdaLR's closed form,
 * MultiplicativeLR's factors); and the scheduler is stepped as the run steps it, its lr checked as the
 * optimizer checks it, over that span (within what is left of `budget.steps`; ReduceLROnPlateau, which
 * depends on the loss, and the lambda schedulers, checked by their values, are not stepped).
 */
function scheduleProblem(schedule: ScheduleState, span: number, budget: { steps: number }): string | null {
  const spec = toSchedulerSpec(schedule.scheduler);
  if (!spec) return null;
  const paramGroups = groupLrs(schedule).map((lr) => ({ lr, betas: [0.9, 0.999] as [number, number], momentum: 0.9 }));
  try {
    const scheduler = schedulerFromSpec({ paramGroups }, spec);
    checkLambdas(schedule.scheduler, span);
    // LambdaLR and MultiplicativeLR are their lambdas' values, checked above over the whole span.
    if (scheduler instanceof ReduceLROnPlateau || LAMBDA_TYPES.includes(spec.type)) return null;
    const steps = Math.min(span, budget.steps);
    budget.steps -= steps;
    for (let step = 0; ; step++) {
      const bad = paramGroups.find((g) => !(g.lr >= 0) || !Number.isFinite(g.lr));
      if (bad) return `the lr would be ${bad.lr} after ${step} steps; an lr is a finite number >= 0`;
      if (step === steps) return null;
      scheduler.step();
    }
  } catch (err) {
    return errorText(err);
  }
}

const LAMBDA_TYPES = ['LambdaLR', 'MultiplicativeLR'];

function checkLambdas(choice: SchedulerChoice, span: number): void {
  const given = choice.args.lr_lambda;
  const texts = typeof given === 'string' ? [given] : Array.isArray(given) ? (given as string[]) : [];
  for (const text of LAMBDA_TYPES.includes(choice.type) ? texts : []) {
    const lambda = compileLambda(text);
    // An lr is never negative, so neither is a factor of LambdaLR's closed form or of MultiplicativeLR's product.
    for (let epoch = choice.type === 'LambdaLR' ? 0 : 1; epoch <= span; epoch++) {
      const value = lambda(epoch);
      if (!(value >= 0) || !Number.isFinite(value))
        throw new Error(`lr_lambda is ${value} at epoch ${epoch}; the lr would not be a finite number >= 0`);
    }
  }
  const children = choice.args.schedulers;
  if (Array.isArray(children)) for (const c of children as SchedulerChoice[]) checkLambdas(c, span);
}

interface Range {
  min?: number;
  max?: number;
  /** Exclude the bounds themselves. */
  open?: boolean;
}

interface ListRange {
  min: number;
  max: number;
  minLength: number;
  maxLength: number;
}

const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

/** Reads parameters, remembering which it read and what was wrong with them. */
class Reader {
  readonly problems: string[] = [];
  readonly used = new Set<string>();
  /** Every key's values, gathered once, so that reading a key does not scan the whole query. */
  private readonly values = new Map<string, string[]>();
  /** The `@STEP.` prefixes of the keys that have more after `s.` (scheduler arguments). */
  private readonly prefixes = new Set<string>();

  constructor(params: URLSearchParams) {
    for (const [key, value] of params) {
      const all = this.values.get(key);
      if (all) all.push(value);
      else this.values.set(key, [value]);
      const m = /^(@[^.]*\.s\.)/.exec(key);
      if (m) this.prefixes.add(m[1]);
    }
  }

  keys(): string[] {
    return [...this.values.keys()];
  }

  has(key: string): boolean {
    return this.values.has(key);
  }

  /** Is there a key starting with `prefix` (an `@STEP.s.` prefix)? */
  hasPrefix(prefix: string): boolean {
    return this.prefixes.has(prefix);
  }

  problem(key: string, message: string): void {
    this.problems.push(`${key}: ${message}`);
  }

  raw(key: string): string | undefined {
    const all = this.values.get(key) ?? [];
    if (all.length > 1 && !this.used.has(key)) this.problem(key, `given ${all.length} times; give it once`);
    this.used.add(key);
    return all[0];
  }

  /** Notes that the value given for `key` is not `expected` (a value read, then refused): `fallback` instead. */
  refuse<T>(key: string, expected: string, fallback: T): T {
    return this.bad(key, expected, this.raw(key) ?? '', fallback);
  }

  private bad<T>(key: string, expected: string, raw: string, fallback: T): T {
    this.problem(key, `expected ${expected}, got ${JSON.stringify(raw.length > 40 ? `${raw.slice(0, 40)}…` : raw)}`);
    return fallback;
  }

  number(key: string, fallback: number, range: Range): number {
    const raw = this.raw(key);
    if (raw === undefined) return fallback;
    const value = DECIMAL.test(raw.trim()) ? Number(raw) : NaN;
    const ok = Number.isFinite(value) && inRange(value, range);
    return ok ? value : this.bad(key, `a number${describe(range)}`, raw, fallback);
  }

  int(key: string, fallback: number, min: number, max: number, extra = ''): number {
    const raw = this.raw(key);
    if (raw === undefined) return fallback;
    const value = /^[+-]?\d+$/.test(raw.trim()) ? Number(raw) : NaN;
    const ok = Number.isSafeInteger(value) && value >= min && value <= max;
    return ok ? value : this.bad(key, `a whole number from ${min} to ${max}${extra ? ` ${extra}` : ''}`, raw, fallback);
  }

  bool(key: string, fallback: boolean): boolean {
    const raw = this.raw(key);
    if (raw === undefined) return fallback;
    if (raw === 'true' || raw === '1') return true;
    if (raw === 'false' || raw === '0') return false;
    return this.bad(key, 'true or false', raw, fallback);
  }

  /** One of `options` in any casing, in its canonical spelling (`act=Tanh` → `tanh`, `sched=steplr` → `StepLR`). */
  choice<T extends string>(key: string, fallback: T, options: readonly T[] | readonly string[]): T {
    const raw = this.raw(key);
    if (raw === undefined) return fallback;
    return (
      (findCanonicalName(raw, options) as T | undefined) ?? this.bad(key, `one of ${options.join(', ')}`, raw, fallback)
    );
  }

  numbers(key: string, fallback: number[], length: number): number[] {
    const raw = this.raw(key);
    if (raw === undefined) return fallback;
    const parts = raw.split(',').map((s) => s.trim());
    const values = parts.map((s) => (DECIMAL.test(s) ? Number(s) : NaN));
    const ok = parts.length === length && values.every(Number.isFinite);
    return ok ? values : this.bad(key, `${length} comma-separated numbers`, raw, fallback);
  }

  list(key: string, fallback: number[], o: ListRange): number[] {
    const raw = this.raw(key);
    if (raw === undefined) return fallback;
    if (raw.trim() === '')
      return o.minLength === 0 ? [] : this.bad(key, 'a comma-separated list of whole numbers', raw, fallback);
    const parts = raw.split(',').map((s) => s.trim());
    const values = parts.map((s) => (/^\d+$/.test(s) ? Number(s) : NaN));
    const ok =
      values.length >= o.minLength &&
      values.length <= o.maxLength &&
      values.every((v) => Number.isSafeInteger(v) && v >= o.min && v <= o.max);
    return ok
      ? values
      : this.bad(key, `up to ${o.maxLength} comma-separated whole numbers from ${o.min} to ${o.max}`, raw, fallback);
  }

  reportUnused(): void {
    for (const key of this.keys()) {
      if (this.used.has(key)) continue;
      const known = KNOWN.has(key) || /^(@\d+\.)?s\./.test(key) || /^[al]\./.test(key);
      this.problem(key, known ? 'does not apply with the other settings of this link' : 'unknown parameter');
    }
  }
}

function inRange(v: number, r: Range): boolean {
  if (r.min !== undefined && (r.open ? v <= r.min : v < r.min)) return false;
  if (r.max !== undefined && (r.open ? v >= r.max : v > r.max)) return false;
  return true;
}

function describe(r: Range): string {
  const lo = r.min !== undefined ? `${r.open ? '>' : '>='} ${r.min}` : '';
  const hi = r.max !== undefined ? `${r.open ? '<' : '<='} ${r.max}` : '';
  return lo && hi ? ` ${lo} and ${hi}` : lo || hi ? ` ${lo || hi}` : '';
}
