import { GroupBlock, OptimizerDescriptor, StepRecord } from '../engine/descriptors.ts';
import type { Engine } from '../engine/index.ts';
import { fromNested, Parameter } from '../nn/parameter.ts';
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

/** Per-parameter optimizer state in PyTorch layout (nested arrays shaped like the parameter). */
export type ParamState = Record<string, number | number[] | number[][] | null>;

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
  }

  private readonly stateSlots: readonly StateSlot[];

  /** Updates every parameter from its gradient: one call into the core for all param groups. */
  step(): void {
    this.engine.core.optimizerStep(this.descriptor);
  }

  /** Sets the gradients of this optimizer's parameters to zero. */
  zeroGrad(): void {
    this.engine.core.optimizerZeroGrad(this.descriptor);
  }

  /** Number of steps taken by parameter i (PyTorch's `state[p]['step']`). */
  stepCount(paramIndex = 0): number {
    return this.entries[paramIndex].meta.step;
  }

  /** The state as `optimizer.state_dict()`: per-parameter state in PyTorch layout and the groups' hyper-parameters. */
  stateDict(): OptimizerStateDict {
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

  private readState(e: ParamEntry, slot: number): number[] | number[][] {
    return e.param.toNested(this.engine.readF32(e.state[slot], e.param.numel));
  }

  /** Restores a state dict from an optimizer over parameters of the same shapes; checks everything first. */
  loadStateDict(sd: OptimizerStateDict): void {
    const what = `${this.name}.loadStateDict`;
    if (!sd || typeof sd !== 'object' || !Array.isArray(sd.paramGroups) || typeof sd.state !== 'object') {
      throw new RangeError(`${what}: expected {state, paramGroups}`);
    }
    if (sd.paramGroups.length !== this.paramGroups.length) {
      throw new RangeError(
        `${what}: the saved state has ${sd.paramGroups.length} param groups; ` +
          `this optimizer has ${this.paramGroups.length}`,
      );
    }
    sd.paramGroups.forEach((g, i) => {
      if (!Array.isArray(g.params) || g.params.length !== this.paramGroups[i].params.length) {
        throw new RangeError(
          `${what}: param group ${i} holds ${g.params?.length} parameters; ` +
            `this optimizer's holds ${this.paramGroups[i].params.length}`,
        );
      }
    });
    const restored = this.entries.map((e, i) => {
      const saved = sd.state[i];
      if (saved === undefined) return null;
      const step = saved.step;
      if (typeof step !== 'number' || !Number.isInteger(step) || step < 0)
        throw new RangeError(`${what}: state[${i}].step must be an integer >= 0, got ${String(step)}`);
      const tensors = this.stateSlots.map(({ key }) =>
        saved[key] === null || saved[key] === undefined
          ? null
          : fromNested(saved[key], e.param.shape, `${what}: state[${i}].${key}`),
      );
      return { step, tensors, hasBuffer: this.restoreHasBuffer(saved) };
    });
    // Check every group's values before writing any of them.
    const groupValues = sd.paramGroups.map((g, i) => this.checkSavedGroup(g, i));
    groupValues.forEach(({ values, bookkeeping }, i) => {
      const group = this.paramGroups[i];
      group.assign(values);
      Object.assign(group, bookkeeping);
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

  /** Returns the optimizer's memory to the engine; the optimizer is unusable afterwards. */
  dispose(): void {
    for (const e of this.entries) {
      for (const { slot } of this.stateSlots) this.engine.free(e.state[slot]);
      this.engine.free(e.meta.ptr);
    }
    this.engine.free(this.groupsBlock);
    this.engine.free(this.descriptor);
  }
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
