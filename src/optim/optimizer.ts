import { GroupBlock, OptimizerDescriptor, StepRecord } from '../engine/descriptors.ts';
import type { Engine } from '../engine/index.ts';
import { disposedError, type HeldBlocks, holdBlocks, releaseBlocks } from '../nn/lifetime.ts';
import { Parameter } from '../nn/parameter.ts';
import { decodeTensor, encodeTensor, type SavedTensor } from '../nn/saved_tensor.ts';
import type { ParamDecls, Values } from '../params/declare.ts';
import { ValidationError } from '../params/error.ts';
import type { ParamSet } from '../params/param_set.ts';
import { BOOKKEEPING_KEYS, type ParamGroup } from './group.ts';
import type { SchedulableOptimizer } from './param_group.ts';
import { parseGroup, parseOptions } from './rules.ts';

/** A param group as given to a constructor: its parameters plus any hyper-parameter overriding the defaults. */
export type ParamGroupSpec<H> = { params: readonly Parameter[] } & Partial<H>;
/** What an optimizer takes, as in PyTorch: a list of parameters (one group), or a list of param groups. */
export type ParamsArgument<H> = readonly Parameter[] | readonly ParamGroupSpec<H>[];

/**
 * Per-parameter optimizer state in PyTorch layout (nested arrays shaped like the parameter). As in a model's
 * state dict, NaN, ±Infinity and -0 are the strings `"NaN"`, `"Infinity"`, `"-Infinity"`, `"-0"`, so the state
 * survives `JSON.stringify` and loads back bit-identically.
 */
export type ParamState = Record<string, number | SavedTensor | null>;

/** The optimizer's state in PyTorch's `optimizer.state_dict()` layout: per-parameter state and the param groups. */
export interface OptimizerStateDict {
  /**
   * Per-parameter state (step count and buffers, e.g. Adam's `expAvg`), by parameter index; absent before the first
   * step.
   */
  state: Record<number, ParamState>;
  /** Each group's hyper-parameters and scheduler bookkeeping, with `params`: the indices of its parameters. */
  paramGroups: (Record<string, number | boolean | number[]> & { params: number[] })[];
}

/** State tensors an optimizer keeps per parameter, by the descriptor slot that holds them. */
export interface StateSlot {
  /** The state's name in `stateDict()` (`expAvg`, `momentumBuffer`, ...). */
  key: string;
  /**
   * Which of the parameter's state tensors the core keeps it in: 0, 1 or 2 (Adam's exp_avg, exp_avg_sq,
   * max_exp_avg_sq; SGD's momentum buffer is 0).
   */
  slot: 0 | 1 | 2;
}

interface ParamEntry {
  param: Parameter;
  group: number;
  state: number[]; // pointers by slot, 0 when unused
  meta: StepRecord; // step count, momentum-buffer flag
}

/**
 * Base of Adam, AdamW and SGD: lays out the optimizer descriptor, its param groups' hyper-parameter blocks
 * and its per-parameter state in linear memory once; `step()` is a single call into the core.
 */
export abstract class Optimizer<H extends object, G extends ParamGroup> implements SchedulableOptimizer {
  /** The class name, for messages and `stateDict()`. */
  readonly name: string;
  /** The engine holding the optimizer (that of its parameters). */
  readonly engine: Engine;
  /** Byte offset of the optimizer descriptor the core reads. */
  readonly descriptor: number;
  /**
   * The param groups, as `optimizer.param_groups`; their hyper-parameters read and write the core's memory
   * directly.
   */
  readonly paramGroups: G[];
  /** The hyper-parameters a group takes unless it overrides them (`optimizer.defaults`). */
  readonly defaults: Readonly<H>;
  private readonly entries: ParamEntry[] = [];
  private readonly groupsBlock: number;
  private readonly declared: ParamSet<ParamDecls>;
  private readonly crossCheck: (values: Values<ParamDecls>, where: string) => void;
  private readonly held: HeldBlocks;
  private disposedFlag = false;

  /**
   * Lays out the optimizer in linear memory, after checking the options and every param group dict against
   * the declarations (each value once).
   * @param declared The declared hyper-parameters (`Adam.params`, ...); its owner is the class name, for
   * messages and `stateDict()`.
   * @param kind The optimizer's code in the core (src/engine/layout.ts).
   * @param params The parameters, or param groups.
   * @param options The constructor's options: the hyper-parameters of a group that does not override them.
   * @param stateSlots The state tensors kept per parameter.
   * @param makeGroup Builds the ParamGroup over a hyper-parameter block.
   * @param crossCheck Checks the values of one group (or the defaults) together, where one depends on another.
   */
  protected constructor(
    declared: ParamSet<ParamDecls>,
    kind: number,
    params: ParamsArgument<H>,
    options: unknown,
    stateSlots: readonly StateSlot[],
    makeGroup: (engine: Engine, block: number, params: readonly Parameter[]) => G,
    crossCheck: (values: Values<ParamDecls>, where: string) => void = () => {},
  ) {
    const name = declared.owner;
    this.name = name;
    this.declared = declared;
    this.crossCheck = crossCheck;
    const defaults = parseOptions(declared, options);
    const specs = normaliseGroups(name, params);
    crossCheck(defaults, name);
    const merged = specs.map((spec, i) => {
      const { params: _params, ...overrides } = spec;
      const values = parseGroup(declared, overrides, defaults, i);
      crossCheck(values, `${name} (param group ${i})`);
      return values;
    });

    this.engine = specs[0].params[0].engine;
    for (const spec of specs) {
      for (const p of spec.params) {
        if (p.engine !== this.engine) throw new RangeError(`${name}: all parameters must live in the same engine`);
      }
    }
    this.defaults = Object.freeze({ ...defaults }) as unknown as Readonly<H>;
    const nParams = specs.reduce((a, s) => a + s.params.length, 0);
    this.descriptor = this.engine.alloc(OptimizerDescriptor.bytes(nParams));
    this.groupsBlock = this.engine.alloc(specs.length * GroupBlock.BYTES);
    this.paramGroups = specs.map((spec, i) => {
      const group = makeGroup(this.engine, this.groupsBlock + i * GroupBlock.BYTES, spec.params);
      group.assign(merged[i]);
      return Object.preventExtensions(group);
    });
    specs.forEach((spec, g) => {
      for (const param of spec.params) {
        const state = [0, 0, 0];
        for (const { slot } of stateSlots) state[slot] = this.engine.alloc(param.numel * 4);
        const meta = new StepRecord(this.engine, this.engine.alloc(StepRecord.BYTES));
        this.entries.push({ param, group: g, state, meta });
      }
    });
    const descriptor = new OptimizerDescriptor(this.engine, this.descriptor);
    descriptor.setHeader(kind, nParams, this.groupsBlock);
    this.entries.forEach((e, i) => {
      const { param, group, state, meta } = e;
      descriptor.setParam(i, { data: param.ptr, grad: param.gradPtr, size: param.numel, group, state, meta: meta.ptr });
    });
    this.stateSlots = stateSlots;
    const blocks = [this.descriptor, this.groupsBlock];
    for (const e of this.entries) blocks.push(...stateSlots.map(({ slot }) => e.state[slot]), e.meta.ptr);
    this.held = holdBlocks(this, this.engine, blocks);
  }

  /** Whether `dispose()` has been called. */
  get disposed(): boolean {
    return this.disposedFlag;
  }

  /**
   * Refuses use of a disposed optimizer (`Adam was disposed: build a new optimizer`), or of one whose parameters
   * were disposed (with their model): either would touch memory a new object may have reused.
   */
  private assertLive(method: string, whereGiven?: string): void {
    let live = !this.disposedFlag;
    for (const e of this.entries) if (e.param.disposed) live = false;
    if (live) return; // the per-step path: no allocation
    const where = whereGiven ?? `${this.name}.${method}`;
    if (this.disposedFlag) throw disposedError(where, this.name, 'optimizer');
    for (const e of this.entries) {
      if (e.param.disposed) {
        throw new ValidationError(
          where,
          'params',
          'parameters that were not disposed',
          'a disposed parameter',
          `${where}: a parameter of this ${this.name} was disposed (with its model): build a new optimizer`,
        );
      }
    }
  }

  /** See FusedOptimizer.checkFused: live, and every parameter held is one of the model's. */
  checkFused(model: string, params: ReadonlySet<Parameter>): void {
    // The per-step path: the model's parameter set was verified before and nothing was disposed since (a
    // disposed model refuses before it gets here), so one comparison instead of a lookup per parameter.
    if (params === this.verifiedFor && !this.disposedFlag) return;
    let foreign = this.disposedFlag;
    for (const e of this.entries) if (e.param.disposed || !params.has(e.param)) foreign = true;
    if (!foreign) {
      this.verifiedFor = params;
      return;
    }
    const where = `${model}.trainStep`;
    this.assertLive('step', where);
    throw new ValidationError(
      where,
      'optimizer',
      "an optimizer over the model's parameters",
      `a ${this.name} over other parameters`,
      `${where}: the ${this.name} holds parameters that are not this model's; build it from model.parameters()`,
    );
  }

  /** The model parameter set checkFused last accepted. */
  private verifiedFor: ReadonlySet<Parameter> | null = null;

  private readonly stateSlots: readonly StateSlot[];

  /** Updates every parameter from its gradient: one call into the core for all param groups. */
  step(): void {
    this.assertLive('step');
    this.engine.core.optimizerStep(this.descriptor);
  }

  /** Sets the gradients of this optimizer's parameters to zero. */
  zeroGrad(): void {
    this.assertLive('zeroGrad');
    this.engine.core.optimizerZeroGrad(this.descriptor);
  }

  /** Number of steps taken by parameter i (PyTorch's `state[p]['step']`). */
  stepCount(paramIndex = 0): number {
    this.assertLive('stepCount');
    return this.entries[paramIndex].meta.step;
  }

  /** The state as `optimizer.state_dict()`: per-parameter state in PyTorch layout and the groups' hyper-parameters. */
  stateDict(): OptimizerStateDict {
    this.assertLive('stateDict');
    const state: Record<number, ParamState> = {};
    this.entries.forEach((e, i) => {
      const step = e.meta.step;
      if (step === 0) return;
      const s: ParamState = { step };
      for (const { key, slot } of this.stateSlots) s[key] = this.readState(e, slot);
      this.describeState(s, e.meta.hasBuffer, this.paramGroups[e.group]);
      state[i] = s;
    });
    let first = 0;
    const paramGroups = this.paramGroups.map((g) => {
      const params = g.params.map((_, j) => first + j);
      first += g.params.length;
      return { ...g.hyperParameters(), params };
    });
    return { state, paramGroups };
  }

  /** Optimizer-specific touches to a param's saved state (e.g. SGD's absent momentum buffer is null). */
  protected describeState(_state: ParamState, _hasBuffer: boolean, _group: G): void {}

  private readState(e: ParamEntry, slot: number): SavedTensor {
    return encodeTensor(this.engine.readF32(e.state[slot], e.param.numel), e.param.shape);
  }

  /**
   * Restores a state dict from an optimizer over parameters of the same shapes, as PyTorch's
   * `load_state_dict`, strictly: the keys (`state`, `paramGroups`; each group's hyper-parameters, none missing,
   * none unknown; each parameter state's step and buffers), types, shapes and ranges are all checked before
   * anything is written, so a refused dict changes nothing. Buffer values are numbers that round to a finite
   * f32, or the strings `stateDict()` writes for NaN, ±Infinity and -0. Scheduler bookkeeping (`initialLr`, ...)
   * is replaced by the saved group's, as PyTorch replaces the group dict.
   */
  loadStateDict(sd: OptimizerStateDict): void {
    this.assertLive('loadStateDict');
    const what = `${this.name}.loadStateDict`;
    const fail = (param: string, allowed: string, got: unknown, message: string): never => {
      throw new ValidationError(what, param, allowed, got, `${what}: ${message}`);
    };
    if (!isRecord(sd)) {
      fail('state', 'an object {state, paramGroups}', sd, `expected {state, paramGroups}, got ${kindOf(sd)}`);
    }
    for (const key of Object.keys(sd)) {
      if (key !== 'state' && key !== 'paramGroups') {
        fail(key, 'state, paramGroups', sd[key as keyof OptimizerStateDict], `unknown key ${JSON.stringify(key)}`);
      }
    }
    if (!Array.isArray(sd.paramGroups)) {
      fail('paramGroups', 'a list of param groups', sd.paramGroups, `expected paramGroups to be a list`);
    }
    if (!isRecord(sd.state)) fail('state', 'an object of parameter index to state', sd.state, 'expected state');
    if (sd.paramGroups.length !== this.paramGroups.length) {
      fail(
        'paramGroups',
        `${this.paramGroups.length} param groups`,
        sd.paramGroups.length,
        `the saved state has ${sd.paramGroups.length} param groups; this optimizer has ${this.paramGroups.length}`,
      );
    }
    let first = 0;
    sd.paramGroups.forEach((g, i) => {
      const n = this.paramGroups[i].params.length;
      const expected = Array.from({ length: n }, (_, j) => first + j);
      first += n;
      if (!isRecord(g)) fail(`paramGroups[${i}]`, 'a param group object', g, `param group ${i} is ${kindOf(g)}`);
      const params: unknown = g.params;
      if (!Array.isArray(params) || params.length !== n || params.some((v, j) => v !== expected[j])) {
        fail(
          `paramGroups[${i}].params`,
          JSON.stringify(expected),
          params,
          `param group ${i} holds ${Array.isArray(params) ? params.length : kindOf(params)} parameters; ` +
            `this optimizer's holds ${n}, numbered ${JSON.stringify(expected)}`,
        );
      }
    });
    for (const key of Object.keys(sd.state)) {
      const i = Number(key);
      if (String(i) !== key || !Number.isInteger(i) || i < 0 || i >= this.entries.length) {
        fail(
          `state[${key}]`,
          `a parameter index in [0, ${this.entries.length - 1}]`,
          key,
          `state[${JSON.stringify(key)}] names no parameter; this optimizer holds ${this.entries.length}`,
        );
      }
    }
    const restored = this.entries.map((e, i) => {
      if (!Object.hasOwn(sd.state, i)) return null;
      const saved: unknown = sd.state[i];
      if (!isRecord(saved))
        return fail(`state[${i}]`, 'a parameter state object', saved, `state[${i}] is ${kindOf(saved)}`);
      const known = ['step', ...this.stateSlots.map((s) => s.key)];
      for (const key of Object.keys(saved)) {
        if (!known.includes(key)) {
          fail(
            `state[${i}].${key}`,
            known.join(', '),
            saved[key],
            `unknown key state[${i}].${key}; expected ${known.join(', ')}`,
          );
        }
      }
      const step = saved.step;
      if (typeof step !== 'number' || !Number.isSafeInteger(step) || step < 1)
        fail(
          `state[${i}].step`,
          'an integer >= 1',
          step,
          `state[${i}].step must be an integer >= 1, got ${String(step)}`,
        );
      const tensors = this.stateSlots.map(({ key }) => {
        const value = saved[key];
        if (value === null && this.stateMayBeNull(key)) return null;
        if (!Object.hasOwn(saved, key)) {
          fail(
            `state[${i}].${key}`,
            `an array of shape [${e.param.shape.join(', ')}]`,
            undefined,
            `state[${i}].${key} is missing`,
          );
        }
        return decodeTensor(value, e.param.shape, what, `state[${i}].${key}`);
      });
      return { step: step as number, tensors, hasBuffer: this.restoreHasBuffer(saved as ParamState) };
    });
    // Check every group's values before writing any of them.
    const groupValues = sd.paramGroups.map((g, i) => this.checkSavedGroup(g, i));
    groupValues.forEach(({ values, bookkeeping }, i) => {
      const group = this.paramGroups[i];
      group.assign(values);
      for (const key of BOOKKEEPING_KEYS) group[key] = bookkeeping[key];
    });
    restored.forEach((r, i) => {
      const e = this.entries[i];
      e.meta.write(r?.step ?? 0, r?.hasBuffer ?? false);
      this.stateSlots.forEach(({ slot }, k) => {
        const t = r?.tensors[k];
        if (t) this.engine.writeF32(e.state[slot], t);
        else this.engine.fillF32(e.state[slot], e.param.numel, 0);
      });
    });
  }

  /** Whether a saved buffer may be null (SGD's momentum buffer before the first momentum step). */
  protected stateMayBeNull(_key: string): boolean {
    return false;
  }

  /** Whether a saved parameter state holds a momentum buffer (SGD overrides this). */
  protected restoreHasBuffer(_saved: ParamState): boolean {
    return false;
  }

  /** A saved group's values checked by the declarations (over the group's current ones) and its bookkeeping. */
  private checkSavedGroup(
    saved: Record<string, unknown>,
    i: number,
  ): { values: Values<ParamDecls>; bookkeeping: Record<string, number> } {
    const where = `${this.name}.loadStateDict (param group ${i})`;
    const current = this.paramGroups[i].hyperParameters();
    const values: Record<string, unknown> = {};
    for (const name of this.declared.names) values[name] = current[name];
    const bookkeeping: Record<string, number> = {};
    for (const [key, value] of Object.entries(saved)) {
      if (key === 'params') continue;
      if (Object.hasOwn(this.declared.decls, key)) {
        values[key] = this.declared.decls[key].check(where, key, value, 1);
      } else if ((BOOKKEEPING_KEYS as readonly string[]).includes(key)) {
        if (typeof value !== 'number' || !Number.isFinite(value)) {
          throw new ValidationError(where, key, 'a finite number', value);
        }
        bookkeeping[key] = value;
      } else {
        throw new ValidationError(
          where,
          key,
          [...this.declared.names, ...BOOKKEEPING_KEYS].join(', '),
          value,
          `${this.name}.loadStateDict: unknown param-group key ${key}`,
        );
      }
    }
    for (const name of this.declared.names) {
      if (!Object.hasOwn(saved, name)) {
        throw new ValidationError(
          where,
          name,
          'present (a saved param group holds every hyper-parameter)',
          undefined,
          `${where}: ${name} is missing; a saved param group holds ${this.declared.names.join(', ')}`,
        );
      }
    }
    this.crossCheck(values as Values<ParamDecls>, where);
    return { values: values as Values<ParamDecls>, bookkeeping };
  }

  /** Bytes of linear memory held: descriptor, hyper-parameter blocks and per-parameter state. */
  get memoryBytes(): number {
    const perParam = this.entries.reduce(
      (a, e) => a + e.param.numel * 4 * this.stateSlots.length + StepRecord.BYTES,
      0,
    );
    const groups = this.paramGroups.length * GroupBlock.BYTES;
    return OptimizerDescriptor.bytes(this.entries.length) + groups + perParam;
  }

  /**
   * Returns the optimizer's memory to the engine now; any later use (step, zeroGrad, stateDict, loadStateDict, a
   * param group's hyper-parameters, a scheduler setting lr) throws `Adam was disposed: build a new optimizer`. A
   * second call does nothing. An optimizer never disposed is freed once garbage-collected (FinalizationRegistry).
   */
  dispose(): void {
    if (this.disposedFlag) return;
    this.disposedFlag = true;
    for (const g of this.paramGroups) g.markDisposed();
    releaseBlocks(this, this.held);
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function kindOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  return typeof v === 'object' ? 'an object' : `${typeof v} ${String(v).slice(0, 20)}`;
}

function normaliseGroups<H>(name: string, params: ParamsArgument<H>): readonly ParamGroupSpec<H>[] {
  if (!Array.isArray(params) || params.length === 0)
    throw new RangeError(`${name}: got an empty parameter list; pass model.parameters() or param groups`);
  const specs: readonly ParamGroupSpec<H>[] = params.every((p) => p instanceof Parameter)
    ? [{ params: params as readonly Parameter[] } as ParamGroupSpec<H>]
    : (params as readonly ParamGroupSpec<H>[]);
  const seen = new Set<Parameter>();
  specs.forEach((spec, i) => {
    if (!spec || typeof spec !== 'object' || !Array.isArray(spec.params)) {
      throw new RangeError(`${name}: param group ${i} must be {params: Parameter[], ...options}`);
    }
    if (spec.params.length === 0) throw new RangeError(`${name}: param group ${i} has no parameters`);
    for (const p of spec.params) {
      if (!(p instanceof Parameter))
        throw new RangeError(`${name}: param group ${i} holds something that is not a Parameter`);
      if (seen.has(p)) throw new RangeError(`${name}: some parameters appear in more than one parameter group`);
      seen.add(p);
    }
  });
  return specs;
}
