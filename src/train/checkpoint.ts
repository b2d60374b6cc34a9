/**
 * Checkpoints: one safetensors file that holds everything a run needs to continue exactly where it was.
 *
 * Tensors: the model's parameters under PyTorch's state-dict keys (`layers.0.weight`, ...), F32, so that
 * `safetensors.torch.load_file` gives a state dict (drop the `optimizer.` keys for `load_state_dict`), and the
 * optimizer's per-parameter buffers as `optimizer.state.<i>.<name>` (PyTorch's names: `exp_avg`, `exp_avg_sq`,
 * `max_exp_avg_sq`, `momentum_buffer`; `i` the parameter's index in the optimizer, as in PyTorch's
 * `optimizer.state_dict()`).
 *
 * `__metadata__`: `format` "pt", `anneal.version`, `anneal.checkpoint` (the format version, "1"), `anneal.step`,
 * `anneal.model` (the architecture, when the model describes it), and JSON: `anneal.optimizer` (type,
 * `param_groups` with PyTorch's snake_case keys, per-parameter scalar `state`: `step`, and `null` for a buffer
 * not yet created), `anneal.scheduler` (type and state dict, or null), `anneal.trainer` (step and hand-written
 * decay, or null), `anneal.batches` (the batch source's place in the data order — the RandomState's state,
 * the current epoch's permutation and position — or null), `anneal.config` (the run config, or null) and
 * optionally `anneal.extra` (anything the caller adds).
 */
import { parseStrictJson, StrictJsonError } from '../io/strict_json.ts';
import { readSafetensors, writeSafetensors } from '../io/safetensors.ts';
import { FileFormatError, type NamedTensor, type TensorToWrite } from '../io/tensors.ts';
import { ARCHITECTURE_KEY, expectedTensors, matchWeights } from '../io/weights.ts';
import { encodeTensor } from '../nn/saved_tensor.ts';
import type { Parameter } from '../nn/parameter.ts';
import type { Sequential } from '../nn/sequential.ts';
import type { ParamGroup } from '../optim/group.ts';
import type { Optimizer, OptimizerStateDict, ParamState } from '../optim/optimizer.ts';
import { ValidationError } from '../params/error.ts';
import { camelToSnake, formatValue, snakeToCamel } from '../params/names.ts';
import type { StateDict } from '../params/state_reader.ts';
import { VERSION } from '../version.ts';
import { type BatchSourceState, type CheckpointableBatches, isCheckpointable } from './batches.ts';
import type { Trainer, TrainerState } from './trainer.ts';

/** The checkpoint format this anneal writes and reads (`anneal.checkpoint` in `__metadata__`). */
export const CHECKPOINT_FORMAT_VERSION = 1;

/** The `__metadata__` keys of a checkpoint. */
export const CHECKPOINT_KEYS = {
  /** The checkpoint format version (an integer, as text). */
  version: 'anneal.checkpoint',
  /** The steps taken (an integer, as text). */
  step: 'anneal.step',
  /** JSON: the optimizer's type, param groups and scalar per-parameter state. */
  optimizer: 'anneal.optimizer',
  /** JSON: the scheduler's type and state dict, or null. */
  scheduler: 'anneal.scheduler',
  /** JSON: the trainer's step and hand-written decay, or null. */
  trainer: 'anneal.trainer',
  /** JSON: the batch source's place in the data order, or null. */
  batches: 'anneal.batches',
  /** JSON: the run config, or null. */
  config: 'anneal.config',
  /** JSON: what the caller added (optional). */
  extra: 'anneal.extra',
} as const;

/** The tensor-name prefix of the optimizer's per-parameter buffers: `optimizer.state.<i>.<name>`. */
export const OPTIMIZER_TENSOR_PREFIX = 'optimizer.state.';

const OPTIMIZER_TENSOR = /^optimizer\.state\.(0|[1-9]\d{0,8})\.([a-z]+(?:_[a-z]+)*)$/;

/** Whether `key` is a snake_case name that comes back the same from camelCase (so no two keys meet). */
function isSnakeKey(key: string): boolean {
  return /^[A-Za-z][A-Za-z0-9]*(?:_[A-Za-z0-9]+)*$/.test(key) && camelToSnake(snakeToCamel(key)) === key;
}

/** A scheduler whose state a checkpoint holds: any lr scheduler, ReduceLROnPlateau, a BatchSizeScheduler. */
export interface CheckpointableScheduler {
  /** The scheduler's state dict (PyTorch's `state_dict()`). */
  stateDict(): StateDict;
  /** Restores a state dict; a refused one changes nothing. */
  loadStateDict(state: StateDict): void;
}

/** What `saveCheckpoint` saves. With `trainer`, the model, optimizer, scheduler and batches default to its own. */
export interface CheckpointContents {
  /** The model (default: the trainer's). */
  model?: Sequential;
  /** The optimizer over the model's parameters (default: the trainer's). */
  optimizer?: Optimizer<object, ParamGroup>;
  /** The lr scheduler (default: the trainer's, if any); null for none. */
  scheduler?: CheckpointableScheduler | null;
  /** The trainer: its step and hand-written decay are saved, and it gives the defaults above. */
  trainer?: Trainer | null;
  /** The steps taken, without a trainer (with one, its `step`). */
  step?: number;
  /** The batch source whose place in the data order is saved (default: the trainer's); null for none. */
  batches?: CheckpointableBatches | null;
  /** The run config (JSON; `runConfigToJson(config)` for a RunConfig), or null. */
  config?: object | null;
  /** Anything else to keep, as JSON (`anneal.extra`). */
  extra?: Record<string, unknown> | null;
}

/** The optimizer's part of a checkpoint, read but not loaded. */
export interface CheckpointOptimizer {
  /** The optimizer's class (`Adam`, `AdamW`, `SGD`). */
  type: string;
  /** Each param group's hyper-parameters and scheduler bookkeeping, PyTorch's snake_case keys, and `params`. */
  paramGroups: Record<string, unknown>[];
  /** Per-parameter scalar state by index: `step`, and null for a buffer not created yet. */
  state: Record<string, Record<string, unknown>>;
  /** The per-parameter buffers, `optimizer.state.<i>.<name>`. */
  tensors: NamedTensor[];
}

/** A checkpoint read and checked by `readCheckpoint`, not yet loaded into anything. */
export interface Checkpoint {
  /** The file's name, as errors show it. */
  file: string;
  /** The checkpoint format version. */
  formatVersion: number;
  /** The anneal version that wrote it (or null when it does not say). */
  annealVersion: string | null;
  /** The steps taken when it was written. */
  step: number;
  /** The model's parameters, by their state-dict keys. */
  model: NamedTensor[];
  /** The model's architecture (`anneal.model`), or null. */
  architecture: unknown;
  /** The optimizer's state. */
  optimizer: CheckpointOptimizer;
  /** The scheduler's type and state dict, or null. */
  scheduler: { type: string; state: StateDict } | null;
  /** The trainer's state, or null. */
  trainer: TrainerState | null;
  /** The batch source's state, or null. */
  batches: BatchSourceState | null;
  /** The run config as saved (JSON, not yet validated: `parseRunConfig` it), or null. */
  config: Record<string, unknown> | null;
  /** What the writer added (`anneal.extra`), or null. */
  extra: Record<string, unknown> | null;
  /** The whole `__metadata__`. */
  metadata: Readonly<Record<string, string>>;
}

/** What `loadCheckpoint` loads into; with `trainer`, the scheduler and batches default to its own. */
export interface CheckpointTargets {
  /** The model (default: the trainer's). */
  model?: Sequential;
  /** The optimizer (default: the trainer's); null leaves it out. */
  optimizer?: Optimizer<object, ParamGroup> | null;
  /** The lr scheduler (default: the trainer's); null leaves it out. */
  scheduler?: CheckpointableScheduler | null;
  /** The trainer, resumed at the checkpoint's step; null leaves it out. */
  trainer?: Trainer | null;
  /** The batch source (default: the trainer's); null leaves it out. */
  batches?: CheckpointableBatches | null;
}

/** Options of `loadCheckpoint`. */
export interface LoadCheckpointOptions {
  /** The name errors show (a path); default the Checkpoint's, or `bytes`. */
  file?: string;
  /** Load NaN and infinite weights and optimizer buffers instead of refusing the file (default false). */
  allowNonFinite?: boolean;
  /**
   * Every state the file holds (optimizer, scheduler, trainer, batches) must have something to load into, and
   * everything given must have a state in the file (default true, as PyTorch's `load_state_dict(strict=True)`);
   * false loads what both have and leaves the rest.
   */
  strict?: boolean;
}

function kindOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'an object';
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);
  return `${typeof v} ${String(v)}`;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function schedulerType(scheduler: CheckpointableScheduler): string {
  const named = (scheduler as { name?: unknown }).name;
  return typeof named === 'string' && named ? named : scheduler.constructor.name;
}

/** The optimizer's parameters in its own order: the indices of its state dict. */
function optimizerParams(optimizer: Optimizer<object, ParamGroup>): Parameter[] {
  return optimizer.paramGroups.flatMap((g) => [...g.params]);
}

const SPECIAL: Record<string, number> = { NaN: Number.NaN, Infinity: Infinity, '-Infinity': -Infinity, '-0': -0 };

/** A saved tensor (nested arrays of numbers and SavedFloat strings) flattened to f32. */
function flatten(value: unknown, count: number): Float32Array {
  const out = new Float32Array(count);
  let at = 0;
  const put = (v: unknown) => {
    if (Array.isArray(v)) for (const x of v) put(x);
    else out[at++] = typeof v === 'number' ? v : SPECIAL[v as string];
  };
  put(value);
  return out;
}

function checkJson(where: string, key: string, value: unknown): string {
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch (err) {
    throw new ValidationError(
      where,
      key,
      'JSON',
      kindOf(value),
      `${where}: ${key} is not JSON: ${(err as Error).message}`,
    );
  }
  if (text === undefined) throw new ValidationError(where, key, 'JSON', kindOf(value), `${where}: ${key} is not JSON`);
  return text;
}

/** What `saveCheckpoint` and `loadCheckpoint` act on, after the trainer's defaults. */
interface Resolved {
  model: Sequential;
  optimizer: Optimizer<object, ParamGroup> | null;
  scheduler: CheckpointableScheduler | null;
  trainer: Trainer | null;
  batches: CheckpointableBatches | null;
}

function resolve(where: string, given: CheckpointTargets, optimizerRequired: boolean): Resolved {
  if (typeof given !== 'object' || given === null) {
    throw new ValidationError(where, 'contents', 'an object', kindOf(given));
  }
  const trainer = given.trainer ?? null;
  const refuse = (param: string, allowed: string, got: unknown, message: string): never => {
    throw new ValidationError(where, param, allowed, got, `${where}: ${message}`);
  };
  const model = given.model ?? trainer?.model;
  if (!model) return refuse('model', 'a model (or a trainer)', undefined, 'give the model (or a trainer)');
  if (trainer && model !== trainer.model)
    refuse('model', "the trainer's model", 'another model', "model is not the trainer's");
  const optimizer = given.optimizer === undefined ? (trainer?.optimizer ?? null) : given.optimizer;
  if (!optimizer && optimizerRequired)
    refuse('optimizer', 'an optimizer (or a trainer)', optimizer, 'give the optimizer');
  if (trainer && optimizer && optimizer !== trainer.optimizer) {
    refuse('optimizer', "the trainer's optimizer", 'another optimizer', "optimizer is not the trainer's");
  }
  let scheduler = given.scheduler;
  if (scheduler === undefined) {
    const own = trainer?.schedule.scheduler ?? null;
    if (own && typeof (own as Partial<CheckpointableScheduler>).stateDict !== 'function') {
      refuse('scheduler', 'a scheduler with stateDict()', kindOf(own), "the trainer's scheduler has no stateDict()");
    }
    scheduler = own as CheckpointableScheduler | null;
  }
  if (scheduler && (typeof scheduler.stateDict !== 'function' || typeof scheduler.loadStateDict !== 'function')) {
    refuse(
      'scheduler',
      'a scheduler with stateDict() and loadStateDict()',
      kindOf(scheduler),
      'scheduler has no state',
    );
  }
  let batches = given.batches;
  if (batches === undefined) {
    const own = trainer?.batches ?? null;
    if (own && !isCheckpointable(own)) {
      refuse(
        'batches',
        'a batch source with stateDict() (DataLoader, ScheduledBatches, ExplicitBatches), or batches: null',
        kindOf(own),
        "the trainer's batch source cannot save its place in the data order; pass batches: null to leave it out",
      );
    }
    batches = own as CheckpointableBatches | null;
  }
  if (batches && !isCheckpointable(batches)) {
    refuse('batches', 'a batch source with stateDict() and loadStateDict()', kindOf(batches), 'batches has no state');
  }
  return { model, optimizer, scheduler: scheduler ?? null, trainer, batches: batches ?? null };
}

/**
 * A checkpoint of a run as safetensors bytes (see the module's doc for the layout): the model's weights and
 * the optimizer's buffers as tensors, and in `__metadata__` the step, the optimizer's param groups, the
 * scheduler's state dict, the trainer's step and hand-written decay, the batch source's place in the data
 * order, the run config and `extra`. `loadCheckpoint` restores it bit for bit. Call it between steps.
 */
export function saveCheckpoint(contents: CheckpointContents): Uint8Array {
  const where = 'saveCheckpoint';
  const { model, optimizer, scheduler, trainer, batches } = resolve(where, contents, true);
  const opt = optimizer as Optimizer<object, ParamGroup>;
  let step: number;
  if (trainer) {
    step = trainer.step;
    if (contents.step !== undefined && contents.step !== step) {
      throw new ValidationError(
        where,
        'step',
        `the trainer's step (${step})`,
        contents.step,
        `${where}: step ${formatValue(contents.step)} is not the trainer's step ${step}`,
      );
    }
  } else {
    if (contents.step === undefined) {
      throw new ValidationError(where, 'step', 'an integer >= 0', undefined, `${where}: give step (or a trainer)`);
    }
    step = contents.step;
    if (!Number.isSafeInteger(step) || step < 0) throw new ValidationError(where, 'step', 'an integer >= 0', step);
  }
  const sd = opt.stateDict();
  const tensors = new Map<string, TensorToWrite>();
  for (const [key, p] of model.namedParameters()) tensors.set(key, { shape: p.shape, data: p.data.slice() });
  const params = optimizerParams(opt);
  const scalarState: Record<string, Record<string, unknown>> = {};
  for (const [index, entry] of Object.entries(sd.state)) {
    const scalars: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(entry)) {
      if (key === 'step' || value === null || typeof value === 'number') {
        scalars[key === 'step' ? key : camelToSnake(key)] = value;
        continue;
      }
      const p = params[Number(index)];
      tensors.set(`${OPTIMIZER_TENSOR_PREFIX}${index}.${camelToSnake(key)}`, {
        shape: p.shape,
        data: flatten(value, p.numel),
      });
    }
    scalarState[index] = scalars;
  }
  const paramGroups = sd.paramGroups.map((g) =>
    Object.fromEntries(Object.entries(g).map(([k, v]) => [k === 'params' ? k : camelToSnake(k), v])),
  );
  const architecture = (model as { architecture?: () => unknown }).architecture?.();
  const metadata: Record<string, string> = {
    format: 'pt',
    'anneal.version': VERSION,
    [CHECKPOINT_KEYS.version]: String(CHECKPOINT_FORMAT_VERSION),
    [CHECKPOINT_KEYS.step]: String(step),
    ...(architecture === undefined ? {} : { [ARCHITECTURE_KEY]: checkJson(where, 'model', architecture) }),
    [CHECKPOINT_KEYS.optimizer]: JSON.stringify({ type: opt.name, param_groups: paramGroups, state: scalarState }),
    [CHECKPOINT_KEYS.scheduler]: scheduler
      ? checkJson(where, 'scheduler', { type: schedulerType(scheduler), state: scheduler.stateDict() })
      : 'null',
    [CHECKPOINT_KEYS.trainer]: trainer ? JSON.stringify(trainer.stateDict()) : 'null',
    [CHECKPOINT_KEYS.batches]: batches ? checkJson(where, 'batches', batches.stateDict()) : 'null',
    [CHECKPOINT_KEYS.config]: contents.config ? checkJson(where, 'config', contents.config) : 'null',
  };
  if (contents.extra) {
    if (!isRecord(contents.extra)) throw new ValidationError(where, 'extra', 'an object', kindOf(contents.extra));
    metadata[CHECKPOINT_KEYS.extra] = checkJson(where, 'extra', contents.extra);
  }
  return writeSafetensors(tensors, metadata);
}

/**
 * Reads and checks a checkpoint without loading it into anything: the safetensors structure, the format
 * version, the step, every metadata entry's JSON and shape, and which tensors are the model's and which the
 * optimizer's. A refusal is a FileFormatError naming `file` and what is wrong. The run config comes back as
 * saved: `parseRunConfig` it to rebuild the run.
 */
export function readCheckpoint(bytes: Uint8Array, file = 'bytes'): Checkpoint {
  const fail = (part: string, allowed: string, got: unknown, detail: string): never => {
    throw new FileFormatError(file, part, allowed, got, detail);
  };
  const { metadata, tensors } = readSafetensors(bytes, file);
  const meta = metadata ?? {};
  const versionText = meta[CHECKPOINT_KEYS.version];
  if (versionText === undefined) {
    fail(
      '__metadata__',
      `an ${CHECKPOINT_KEYS.version} entry`,
      Object.keys(meta).slice(0, 8),
      `not an anneal checkpoint: its __metadata__ has no ${CHECKPOINT_KEYS.version} ` +
        '(a weights file holds only a model: load it with model.loadWeights)',
    );
  }
  const formatVersion = /^[1-9]\d{0,8}$/.test(versionText) ? Number(versionText) : Number.NaN;
  if (formatVersion !== CHECKPOINT_FORMAT_VERSION) {
    fail(
      CHECKPOINT_KEYS.version,
      String(CHECKPOINT_FORMAT_VERSION),
      versionText,
      formatVersion > CHECKPOINT_FORMAT_VERSION
        ? `checkpoint format ${formatVersion} was written by a newer anneal; this one (${VERSION}) reads format ` +
            `${CHECKPOINT_FORMAT_VERSION}`
        : `${CHECKPOINT_KEYS.version} is ${kindOf(versionText)}; expected "${CHECKPOINT_FORMAT_VERSION}"`,
    );
  }
  const stepText = meta[CHECKPOINT_KEYS.step];
  const step = typeof stepText === 'string' && /^(0|[1-9]\d{0,15})$/.test(stepText) ? Number(stepText) : -1;
  if (!Number.isSafeInteger(step) || step < 0) {
    fail(
      CHECKPOINT_KEYS.step,
      'an integer >= 0',
      stepText,
      `${CHECKPOINT_KEYS.step} is ${kindOf(stepText)}, not a step`,
    );
  }
  const json = (key: string, optional = false): unknown => {
    const text = meta[key];
    if (text === undefined) {
      if (optional) return null;
      return fail(key, 'present', undefined, `${key} is missing from __metadata__`);
    }
    try {
      return parseStrictJson(text);
    } catch (err) {
      const why = err instanceof StrictJsonError ? err.message : String(err);
      return fail(key, 'JSON', text.slice(0, 40), `${key} is not valid JSON: ${why}`);
    }
  };
  const object = (key: string, value: unknown, allowNull: boolean, what: string): Record<string, unknown> | null => {
    if (value === null && allowNull) return null;
    if (!isRecord(value)) return fail(key, what, kindOf(value), `${key} must be ${what}, got ${kindOf(value)}`);
    return value;
  };
  const onlyKeys = (key: string, value: Record<string, unknown>, keys: readonly string[]) => {
    for (const k of Object.keys(value)) {
      if (!keys.includes(k))
        fail(`${key}.${k}`, keys.join(', '), k, `${key} has an unknown entry ${JSON.stringify(k)}`);
    }
    for (const k of keys) {
      if (!Object.hasOwn(value, k)) fail(`${key}.${k}`, 'present', undefined, `${key} has no ${JSON.stringify(k)}`);
    }
  };

  // The optimizer: {type, param_groups, state}.
  const optKey = CHECKPOINT_KEYS.optimizer;
  const opt = object(optKey, json(optKey), false, 'an object {type, param_groups, state}') as Record<string, unknown>;
  onlyKeys(optKey, opt, ['type', 'param_groups', 'state']);
  if (typeof opt.type !== 'string')
    fail(`${optKey}.type`, 'a string', kindOf(opt.type), `${optKey}.type is not a name`);
  const groups = opt.param_groups;
  if (!Array.isArray(groups) || groups.length === 0 || !groups.every(isRecord)) {
    fail(
      `${optKey}.param_groups`,
      'a list of objects',
      kindOf(groups),
      `${optKey}.param_groups is not a list of groups`,
    );
  }
  (groups as Record<string, unknown>[]).forEach((g, i) => {
    const bad = Object.keys(g).find((k) => !isSnakeKey(k));
    if (bad !== undefined) {
      const where = `${optKey}.param_groups[${i}]`;
      fail(where, 'snake_case keys', bad, `${where} has a key ${kindOf(bad)}, not a snake_case name`);
    }
  });
  const state = object(`${optKey}.state`, opt.state, false, 'an object of parameter index to state');
  for (const [index, entry] of Object.entries(state as Record<string, unknown>)) {
    if (!/^(0|[1-9]\d{0,8})$/.test(index)) {
      fail(
        `${optKey}.state`,
        'parameter indices',
        index,
        `${optKey}.state has an entry ${kindOf(index)}, not an index`,
      );
    }
    const scalars = object(`${optKey}.state.${index}`, entry, false, 'an object') as Record<string, unknown>;
    for (const [k, v] of Object.entries(scalars)) {
      if (!isSnakeKey(k)) {
        const where = `${optKey}.state.${index}`;
        fail(where, 'snake_case keys', k, `${where} has a key ${kindOf(k)}, not a snake_case name`);
      }
      if (k !== 'step' && v !== null) {
        fail(
          `${optKey}.state.${index}.${k}`,
          'null (buffers are tensors)',
          kindOf(v),
          `${optKey}.state.${index}.${k} must be null (a buffer is the tensor ${OPTIMIZER_TENSOR_PREFIX}${index}.${k})`,
        );
      }
    }
  }
  const modelTensors: NamedTensor[] = [];
  const optimizerTensors: NamedTensor[] = [];
  for (const t of tensors) {
    if (!t.name.startsWith('optimizer.')) {
      modelTensors.push(t);
      continue;
    }
    const m = OPTIMIZER_TENSOR.exec(t.name);
    const entry = m ? (state as Record<string, Record<string, unknown>>)[m[1]] : undefined;
    if (!m || entry === undefined) {
      fail(
        t.name,
        `${OPTIMIZER_TENSOR_PREFIX}<i>.<name> for an index in ${optKey}.state`,
        t.name,
        `tensor ${t.name} is not an optimizer buffer of ${optKey}.state`,
      );
    }
    const [, index, name] = m as RegExpExecArray;
    if (name === 'step' || !isSnakeKey(name)) {
      fail(t.name, 'a buffer name (exp_avg, momentum_buffer, ...)', name, `tensor ${t.name} names no optimizer buffer`);
    }
    if (Object.hasOwn(entry as object, name)) {
      fail(t.name, 'one value per buffer', t.name, `${optKey}.state.${index}.${name} is both a tensor and in JSON`);
    }
    optimizerTensors.push(t);
  }

  // The scheduler: {type, state} or null.
  const schedKey = CHECKPOINT_KEYS.scheduler;
  const sched = object(schedKey, json(schedKey), true, 'null or an object {type, state}');
  if (sched) {
    onlyKeys(schedKey, sched, ['type', 'state']);
    if (typeof sched.type !== 'string')
      fail(`${schedKey}.type`, 'a string', kindOf(sched.type), `${schedKey}.type is not a name`);
    object(`${schedKey}.state`, sched.state, false, 'a state dict (an object)');
  }
  const trainerKey = CHECKPOINT_KEYS.trainer;
  const trainer = object(trainerKey, json(trainerKey), true, 'null or an object {step, manual_decay}');
  if (trainer && trainer.step !== step) {
    fail(
      `${trainerKey}.step`,
      `the checkpoint's step (${step})`,
      kindOf(trainer.step),
      `${trainerKey}.step (${kindOf(trainer.step)}) is not the checkpoint's step ${step}`,
    );
  }
  const batchesKey = CHECKPOINT_KEYS.batches;
  const batches = object(batchesKey, json(batchesKey), true, 'null or an object {type, ...}');
  if (batches && typeof batches.type !== 'string') {
    fail(`${batchesKey}.type`, 'a string', kindOf(batches.type), `${batchesKey}.type is not a name`);
  }
  const configKey = CHECKPOINT_KEYS.config;
  const config = object(configKey, json(configKey), true, 'null or a run config (an object)');
  const extraKey = CHECKPOINT_KEYS.extra;
  const extra = object(extraKey, json(extraKey, true), true, 'an object');
  let architecture: unknown = null;
  if (meta[ARCHITECTURE_KEY] !== undefined) architecture = json(ARCHITECTURE_KEY);
  return {
    file,
    formatVersion,
    annealVersion: meta['anneal.version'] ?? null,
    step,
    model: modelTensors,
    architecture,
    optimizer: {
      type: opt.type as string,
      paramGroups: groups as Record<string, unknown>[],
      state: state as Record<string, Record<string, unknown>>,
      tensors: optimizerTensors,
    },
    scheduler: sched as { type: string; state: StateDict } | null,
    trainer: trainer as TrainerState | null,
    batches: batches as BatchSourceState | null,
    config,
    extra,
    metadata: meta,
  };
}

/**
 * The name of the first tensor of a checkpoint (or weights file) holding NaN or ±Infinity, or null when every
 * value is finite: such a checkpoint loads only with `allowNonFinite`.
 */
export function nonFiniteTensor(bytes: Uint8Array): string | null {
  for (const t of readSafetensors(bytes).tensors) if (firstNonFinite(t.data) >= 0) return t.name;
  return null;
}

/** Where the first non-finite value of `data` is, or -1. */
function firstNonFinite(data: Float32Array): number {
  for (let i = 0; i < data.length; i++) if (!Number.isFinite(data[i])) return i;
  return -1;
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/**
 * Loads a checkpoint (bytes, or what `readCheckpoint` returned) into the model, optimizer, scheduler, trainer
 * and batch source: afterwards the next step is the one the checkpointed run would have taken, bit for bit.
 * Everything that can be checked is checked before anything changes — the model's keys and shapes (as
 * `load_state_dict(strict=True)`), finite weights and buffers (unless `allowNonFinite`), the optimizer's and
 * scheduler's types, the batch source's kind, and with `strict` (the default) that every state has a target
 * and every target a state — and the states are then loaded one by one; if one is refused, those loaded
 * before it are put back: a refused checkpoint changes nothing. Every refusal is a FileFormatError naming the
 * file and what is wrong. Returns the checkpoint (its `step`, `config`, `extra`, ...).
 * @param options the file name for errors (a string), or LoadCheckpointOptions
 */
export function loadCheckpoint(
  source: Uint8Array | Checkpoint,
  targets: CheckpointTargets,
  options: string | LoadCheckpointOptions = {},
): Checkpoint {
  const opts: LoadCheckpointOptions = typeof options === 'string' ? { file: options } : (options ?? {});
  const ck = source instanceof Uint8Array ? readCheckpoint(source, opts.file ?? 'bytes') : source;
  if (!isRecord(ck) || !Array.isArray(ck.model) || !isRecord(ck.optimizer)) {
    throw new ValidationError('loadCheckpoint', 'source', 'the bytes of a checkpoint, or readCheckpoint()', kindOf(ck));
  }
  const file = opts.file ?? ck.file ?? 'bytes';
  const strict = opts.strict ?? true;
  const t = resolve('loadCheckpoint', targets, false);
  const fail = (part: string, allowed: string, got: unknown, detail: string): never => {
    throw new FileFormatError(file, part, allowed, got, detail);
  };
  const modelName = t.model.constructor.name;

  // The model: exactly its keys, its shapes, finite values.
  const weights = matchWeights(expectedTensors(t.model), { metadata: null, tensors: ck.model }, modelName, {
    file,
    allowNonFinite: opts.allowNonFinite,
  });

  // Which states load, and their kinds.
  const optimizer = t.optimizer;
  const scheduler = t.scheduler;
  const trainer = t.trainer;
  const batches = t.batches;
  const need = (part: string, has: boolean, given: boolean, what: string, option: string) => {
    if (!strict) return;
    if (given && !has) fail(part, `a ${what} state`, null, `the checkpoint holds no ${what} state (${part} is null)`);
    if (has && !given) {
      fail(
        part,
        `a ${what} to load into`,
        'none',
        `the checkpoint holds a ${what} state, but no ${option} was given (strict: false leaves it out)`,
      );
    }
  };
  need(CHECKPOINT_KEYS.scheduler, ck.scheduler !== null, scheduler !== null, 'scheduler', 'scheduler');
  need(CHECKPOINT_KEYS.trainer, ck.trainer !== null, trainer !== null, 'trainer', 'trainer');
  need(CHECKPOINT_KEYS.batches, ck.batches !== null, batches !== null, 'batch source', 'batches');
  if (strict && !optimizer) {
    fail(
      CHECKPOINT_KEYS.optimizer,
      'an optimizer to load into',
      'none',
      'the checkpoint holds an optimizer state, but no optimizer was given (strict: false leaves it out)',
    );
  }
  let optimizerState: OptimizerStateDict | null = null;
  if (optimizer) {
    if (ck.optimizer.type !== optimizer.name) {
      fail(
        `${CHECKPOINT_KEYS.optimizer}.type`,
        optimizer.name,
        ck.optimizer.type,
        `the checkpoint's optimizer is ${kindOf(ck.optimizer.type)}; this one is ${optimizer.name}`,
      );
    }
    optimizerState = buildOptimizerState(ck, optimizer, opts.allowNonFinite ?? false, fail);
  }
  const loadScheduler = scheduler && ck.scheduler ? scheduler : null;
  if (loadScheduler && ck.scheduler && ck.scheduler.type !== schedulerType(loadScheduler)) {
    fail(
      `${CHECKPOINT_KEYS.scheduler}.type`,
      schedulerType(loadScheduler),
      ck.scheduler.type,
      `the checkpoint's scheduler is ${kindOf(ck.scheduler.type)}; this one is ${schedulerType(loadScheduler)}`,
    );
  }
  const loadTrainer = trainer && ck.trainer ? trainer : null;
  const loadBatches = batches && ck.batches ? batches : null;

  const batchesBefore = loadBatches ? loadBatches.stateDict() : null;
  if (batchesBefore && ck.batches && batchesBefore.type !== ck.batches.type) {
    fail(
      `${CHECKPOINT_KEYS.batches}.type`,
      batchesBefore.type,
      ck.batches.type,
      `the checkpoint's batches come from a ${kindOf(ck.batches.type)}; these come from a ${batchesBefore.type}`,
    );
  }
  const params = t.model.parameters();
  for (const p of params) p.assertLive('loadCheckpoint');

  // Every state in turn, from the likeliest to be refused; a refusal puts back those loaded before it.
  const undo: (() => void)[] = [];
  const apply = (part: string, load: () => void, restore: () => void) => {
    try {
      load();
    } catch (err) {
      // Each loader checks before it writes; putting back the refusing one too costs nothing and guards that.
      for (const u of [restore, ...undo.reverse()]) u();
      const message = (err as Error)?.message ?? String(err);
      const got = err instanceof ValidationError ? err.got : undefined;
      throw new FileFormatError(file, part, 'a state that loads', got, `${part}: ${message}`);
    }
    undo.push(restore);
  };
  if (loadBatches && ck.batches && batchesBefore) {
    const saved = ck.batches;
    const before = batchesBefore;
    apply(
      CHECKPOINT_KEYS.batches,
      () => loadBatches.loadStateDict(saved),
      () => loadBatches.loadStateDict(before),
    );
  }
  if (loadScheduler && ck.scheduler) {
    const saved = ck.scheduler.state;
    const before = loadScheduler.stateDict();
    apply(
      CHECKPOINT_KEYS.scheduler,
      () => loadScheduler.loadStateDict(saved),
      () => loadScheduler.loadStateDict(before),
    );
  }
  if (optimizer && optimizerState) {
    const saved = optimizerState;
    const before = optimizer.stateDict();
    apply(
      CHECKPOINT_KEYS.optimizer,
      () => optimizer.loadStateDict(saved),
      () => optimizer.loadStateDict(before),
    );
  }
  // The trainer goes last (its history restarts when it loads): nothing after it can be refused.
  if (loadTrainer && ck.trainer) {
    const saved = ck.trainer;
    apply(
      CHECKPOINT_KEYS.trainer,
      () => loadTrainer.loadStateDict(saved),
      () => {},
    );
  }
  params.forEach((p, i) => p.data.set(weights[i]));
  return ck;
}

/** The optimizer's state dict from a checkpoint: its JSON part, and its buffers checked against the params. */
function buildOptimizerState(
  ck: Checkpoint,
  optimizer: Optimizer<object, ParamGroup>,
  allowNonFinite: boolean,
  fail: (part: string, allowed: string, got: unknown, detail: string) => never,
): OptimizerStateDict {
  const params = optimizerParams(optimizer);
  const state: Record<number, ParamState> = {};
  for (const [index, scalars] of Object.entries(ck.optimizer.state)) {
    const i = Number(index);
    if (i >= params.length) {
      fail(
        `${CHECKPOINT_KEYS.optimizer}.state.${index}`,
        `a parameter index in [0, ${params.length - 1}]`,
        i,
        `${CHECKPOINT_KEYS.optimizer}.state has parameter ${i}; this ${optimizer.name} holds ${params.length}`,
      );
    }
    const entry: ParamState = {};
    for (const [k, v] of Object.entries(scalars)) entry[k === 'step' ? k : snakeToCamel(k)] = v as number | null;
    state[i] = entry;
  }
  for (const t of ck.optimizer.tensors) {
    const m = OPTIMIZER_TENSOR.exec(t.name) as RegExpExecArray;
    const i = Number(m[1]);
    const p = params[i];
    if (!sameShape(t.shape, p.shape)) {
      fail(
        t.name,
        `shape [${p.shape.join(', ')}]`,
        t.shape,
        `tensor ${t.name} has shape [${t.shape.join(', ')}] but parameter ${i} of the ${optimizer.name} is ` +
          `[${p.shape.join(', ')}]`,
      );
    }
    const bad = allowNonFinite ? -1 : firstNonFinite(t.data);
    if (bad >= 0) {
      fail(
        t.name,
        'finite values (or allowNonFinite)',
        t.data[bad],
        `tensor ${t.name} holds ${t.data[bad]} at index ${bad}: optimizer state must be finite ` +
          '(allowNonFinite loads it anyway)',
      );
    }
    state[i][snakeToCamel(m[2])] = encodeTensor(t.data, p.shape);
  }
  const paramGroups = ck.optimizer.paramGroups.map((g) =>
    Object.fromEntries(Object.entries(g).map(([k, v]) => [k === 'params' ? k : snakeToCamel(k), v])),
  ) as OptimizerStateDict['paramGroups'];
  return { state, paramGroups };
}
