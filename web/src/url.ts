// The state in the URL's query, readable and complete:
//   ?data=moons&n=20&noise=0.2&dseed=0&hidden=3&act=tanh&seed=0&opt=Adam&lr=0.01&betas=0.9,0.999&eps=1e-8
//    &wd=0&amsgrad=false&sched=StepLR&s.step_size=50&s.gamma=0.99&batch=full&steps=1000&speed=300&log=true
// Scheduler arguments are `s.NAME` (PyTorch's keyword names); SequentialLR / ChainedScheduler list their
// schedulers in `s.schedulers` and give their arguments as `s.0.NAME`, `s.1.NAME`, … A change made during a
// run is `@STEP.lr`, `@STEP.sched`, `@STEP.s.NAME` (only what changed). A missing parameter takes the
// lesson's value; a bad one is reported by name and replaced by that value. Values are only ever parsed as
// numbers, booleans, names from a list or text: nothing in a URL is evaluated.

import {
  CHILD_TYPES,
  SCHEDULERS,
  initialChoice,
  sameChoice,
  schedulerDef,
  type ArgDef,
  type ArgValue,
  type SchedulerChoice,
} from './schedulers.ts';
import {
  ACTIVATIONS,
  DATASETS,
  DATA_DEFAULTS,
  MAX_STEPS,
  OPTIMIZERS,
  OPTIMIZER_DEFAULTS,
  lessonState,
  type PlaygroundState,
  type ScheduleState,
} from './state.ts';
import { findCanonicalName } from '../../src/canonical_name.ts';

export const MAX_SAMPLES = 10_000;
export const MAX_LAYERS = 8;
export const MAX_WIDTH = 256;

export function encodeState(state: PlaygroundState): string {
  const p: [string, string][] = [];
  const put = (key: string, value: string | number | boolean) => p.push([key, String(value)]);
  const { data: d, network: n, optimizer: o } = state;
  put('data', d.type);
  put('n', d.samples);
  put('noise', d.noise);
  put('dseed', d.seed);
  if (d.type === 'circles') put('factor', d.factor);
  if (d.type === 'blobs') put('centers', d.centers);
  if (d.type === 'spirals') {
    put('arms', d.arms);
    put('turns', d.turns);
  }
  put('hidden', n.hidden.join(','));
  put('act', n.activation);
  put('seed', n.seed);
  put('opt', o.type);
  put('lr', state.schedule.lr);
  if (o.type === 'SGD') {
    put('momentum', o.momentum);
    put('dampening', o.dampening);
    put('nesterov', o.nesterov);
  } else {
    put('betas', o.betas.join(','));
    put('eps', o.eps);
    put('amsgrad', o.amsgrad);
  }
  put('wd', o.weightDecay);
  put('sched', state.schedule.scheduler.type);
  encodeArgs(state.schedule.scheduler, 's.', put);
  put('batch', state.batchSize ?? 'full');
  put('steps', state.steps);
  put('speed', state.speed === 0 ? 'max' : state.speed);
  put('log', state.logLoss);
  let before = state.schedule;
  for (const edit of state.edits) {
    if (edit.schedule.lr !== before.lr) put(`@${edit.at}.lr`, edit.schedule.lr);
    if (!sameChoice(edit.schedule.scheduler, before.scheduler)) {
      put(`@${edit.at}.sched`, edit.schedule.scheduler.type);
      encodeArgs(edit.schedule.scheduler, `@${edit.at}.s.`, put);
    }
    before = edit.schedule;
  }
  // Commas, colons and @ read better as they are.
  return p.map(([k, v]) => `${enc(k)}=${enc(v)}`).join('&');
}

const enc = (s: string) => encodeURIComponent(s).replace(/%2C/g, ',').replace(/%3A/g, ':').replace(/%40/g, '@');

function encodeArgs(
  choice: SchedulerChoice,
  prefix: string,
  put: (k: string, v: string | number | boolean) => void,
): void {
  for (const [name, value] of Object.entries(choice.args)) {
    if (name === 'schedulers') {
      const children = value as SchedulerChoice[];
      put(`${prefix}schedulers`, children.map((c) => c.type).join(','));
      children.forEach((c, i) => encodeArgs(c, `${prefix}${i}.`, put));
    } else {
      put(`${prefix}${name}`, Array.isArray(value) ? value.join(',') : (value as string | number | boolean));
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
  const d = state.data;
  d.type = r.choice('data', d.type, DATASETS);
  const dataDefaults = DATA_DEFAULTS[d.type];
  d.samples = r.int('n', dataDefaults.samples, 1, MAX_SAMPLES);
  d.noise = r.number('noise', dataDefaults.noise, { min: 0, max: 100 });
  d.seed = r.int('dseed', d.seed, 0, 2 ** 32 - 1);
  if (d.type === 'circles') d.factor = r.number('factor', d.factor, { min: 0, max: 1, open: true });
  if (d.type === 'blobs') d.centers = r.int('centers', d.centers, 1, 20);
  if (d.type === 'spirals') {
    d.arms = r.int('arms', d.arms, 2, 20);
    d.turns = r.number('turns', d.turns, { min: 0, max: 10, open: true });
  }
  const net = state.network;
  net.hidden = r.list('hidden', net.hidden, { min: 1, max: MAX_WIDTH, maxLength: MAX_LAYERS, minLength: 0 });
  net.activation = r.choice('act', net.activation, ACTIVATIONS);
  net.seed = r.int('seed', net.seed, 0, 2 ** 32 - 1);
  const o = state.optimizer;
  o.type = r.choice('opt', o.type, OPTIMIZERS);
  o.weightDecay = r.number('wd', OPTIMIZER_DEFAULTS[o.type].weightDecay, { min: 0 });
  if (o.type === 'SGD') {
    o.momentum = r.number('momentum', o.momentum, { min: 0 });
    o.dampening = r.number('dampening', o.dampening, {});
    o.nesterov = r.bool('nesterov', o.nesterov);
  } else {
    const betas = r.numbers('betas', o.betas, 2);
    o.betas = [betas[0], betas[1]];
    o.eps = r.number('eps', o.eps, { min: 0 });
    o.amsgrad = r.bool('amsgrad', o.amsgrad);
  }
  const batch = r.raw('batch');
  if (batch !== undefined && batch !== 'full') state.batchSize = r.int('batch', 0, 1, MAX_SAMPLES) || null;
  state.steps = r.int('steps', state.steps, 0, MAX_STEPS);
  const speed = r.raw('speed');
  if (speed !== undefined) state.speed = speed === 'max' ? 0 : r.int('speed', state.speed, 1, 1_000_000, 'or max');
  state.logLoss = r.bool('log', state.logLoss);
  state.schedule = readSchedule(r, '', state.schedule, state.steps);

  // Edits: every @STEP. prefix, in step order, each on top of the schedule in force before it.
  const steps = new Set<number>();
  for (const key of r.keys()) {
    const m = /^@([^.]*)\./.exec(key);
    if (!m) continue;
    const at = /^\d+$/.test(m[1]) ? Number(m[1]) : NaN;
    if (!Number.isSafeInteger(at) || at < 1) {
      r.problem(key, `a change during the run is @STEP.NAME with STEP a whole number >= 1, got "@${m[1]}"`);
      r.used.add(key);
    } else steps.add(at);
  }
  let before = state.schedule;
  for (const at of [...steps].sort((a, b) => a - b)) {
    const schedule = readSchedule(r, `@${at}.`, before, state.steps);
    state.edits.push({ at, schedule });
    before = schedule;
  }
  r.reportUnused();
  return { state, problems: r.problems };
}

function readSchedule(r: Reader, prefix: string, before: ScheduleState, steps: number): ScheduleState {
  const lr = r.number(`${prefix}lr`, before.lr, { min: 0 });
  const type = r.choice(
    `${prefix}sched`,
    before.scheduler.type,
    SCHEDULERS.map((s) => s.type),
  );
  const start = type === before.scheduler.type ? before.scheduler : initialChoice(type, steps);
  return { lr, scheduler: readChoice(r, `${prefix}s.`, start, steps) };
}

function readChoice(r: Reader, prefix: string, start: SchedulerChoice, steps: number): SchedulerChoice {
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
      args.schedulers = children.map((c, i) => readChoice(r, `${prefix}${i}.`, c, steps));
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
  switch (arg.kind) {
    case 'number':
      return r.number(key, current as number, {});
    case 'int':
      return r.int(key, current as number, -(2 ** 31), 2 ** 31);
    case 'bool':
      return r.bool(key, current as boolean);
    case 'choice':
      return r.choice(key, current as string, arg.choices!);
    case 'ints':
      return r.list(key, current as number[], { min: 0, max: 2 ** 31, minLength: 0, maxLength: 1000 });
    case 'expr':
      if (raw.length > 500) {
        r.problem(key, 'an expression of at most 500 characters');
        return current;
      }
      return raw; // parsed (never evaluated as JavaScript) by the library's expression parser
    case 'schedulers':
      return current;
  }
}

interface Range {
  min?: number;
  max?: number;
  /** Exclude the bounds themselves. */
  open?: boolean;
}

const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

/** Reads parameters, remembering which it read and what was wrong with them. */
class Reader {
  readonly problems: string[] = [];
  readonly used = new Set<string>();

  constructor(private readonly params: URLSearchParams) {}

  keys(): string[] {
    return [...new Set(this.params.keys())];
  }

  problem(key: string, message: string): void {
    this.problems.push(`${key}: ${message}`);
  }

  raw(key: string): string | undefined {
    const all = this.params.getAll(key);
    if (all.length > 1 && !this.used.has(key)) this.problem(key, `given ${all.length} times; give it once`);
    this.used.add(key);
    return all[0];
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

  list(
    key: string,
    fallback: number[],
    o: { min: number; max: number; minLength: number; maxLength: number },
  ): number[] {
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
      const known = KNOWN.has(key) || /^(@\d+\.)?s\./.test(key);
      this.problem(key, known ? 'does not apply with the other settings of this link' : 'unknown parameter');
    }
  }
}

const KNOWN = new Set([
  'data',
  'n',
  'noise',
  'dseed',
  'factor',
  'centers',
  'arms',
  'turns',
  'hidden',
  'act',
  'seed',
  'opt',
  'lr',
  'betas',
  'eps',
  'amsgrad',
  'momentum',
  'dampening',
  'nesterov',
  'wd',
  'sched',
  'batch',
  'steps',
  'speed',
  'log',
]);

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
