import { GroupBlock, type GroupField } from '../engine/descriptors.ts';
import type { Engine } from '../engine/index.ts';
import { disposedError } from '../nn/lifetime.ts';
import type { Parameter } from '../nn/parameter.ts';
import type { ParamDecls } from '../params/declare.ts';
import type { ParamSet } from '../params/param_set.ts';
import type { SchedulableParamGroup } from './param_group.ts';

/** Scheduler bookkeeping that PyTorch's schedulers keep in a group dict, besides the hyper-parameters. */
export const BOOKKEEPING_KEYS = ['initialLr', 'maxLr', 'minLr', 'maxMomentum', 'baseMomentum', 'swaLr'] as const;

/**
 * One param group. Its hyper-parameters live in a block of f64 words in linear memory that the core reads
 * at every step, so `group.lr = x` (from a scheduler or by hand) takes effect at the very next step. A value
 * set is checked by its declaration (the optimizer's `params`): `group.lr = -1` is refused with the
 * ValidationError the constructor gives.
 */
export abstract class ParamGroup implements SchedulableParamGroup {
  initialLr?: number = undefined;
  maxLr?: number = undefined;
  minLr?: number = undefined;
  maxMomentum?: number = undefined;
  baseMomentum?: number = undefined;
  swaLr?: number = undefined;
  /** The optimizer's class name, for error messages. */
  protected readonly owner: string;
  private readonly hyper: GroupBlock;

  /**
   * Wraps the hyper-parameter block at `block`; the optimizer writes the initial values.
   * @param engine The engine whose memory holds the block.
   * @param params The group's parameters.
   * @param declared The optimizer's declared hyper-parameters: their checks, names and order.
   */
  constructor(
    protected readonly engine: Engine,
    /** Byte offset of this group's hyper-parameter block. */
    readonly block: number,
    readonly params: readonly Parameter[],
    /** The optimizer's declared hyper-parameters (`Adam.params`, ...): their checks, names and order. */
    protected readonly declared: ParamSet<ParamDecls>,
  ) {
    this.owner = declared.owner;
    this.hyper = new GroupBlock(engine, block);
  }

  private disposed = false;

  /**
   * Called by the optimizer's `dispose()`: the block is freed, so any later read or write of a hyper-parameter
   * (a scheduler's `group.lr = x` included) throws instead of touching memory a new object may reuse.
   * @internal
   */
  markDisposed(): void {
    this.disposed = true;
  }

  private assertLive(field: string): void {
    if (this.disposed) throw disposedError(`${this.owner} param group (${field})`, this.owner, 'optimizer');
  }

  /** Reads hyper-parameter `field` of the block. */
  protected read(field: GroupField): number {
    this.assertLive(field);
    return this.hyper.get(field);
  }

  /** Writes hyper-parameter `field` of the block, unchecked. */
  protected write(field: GroupField, value: number): void {
    this.assertLive(field);
    this.hyper.set(field, value);
  }

  /** `value` checked by the declaration of hyper-parameter `name` (a ValidationError if refused). */
  protected checked<T>(name: string, value: unknown): T {
    return this.declared.decls[name].check(this.owner, name, value, 1) as T;
  }

  /** Writes the checked value of hyper-parameter `name` into the block (flags as 0 or 1, betas as two words). */
  protected store(name: string, value: unknown): void {
    if (name === 'betas') {
      const [beta1, beta2] = value as readonly [number, number];
      this.write('beta1', beta1);
      this.write('beta2', beta2);
    } else {
      this.write(name as GroupField, typeof value === 'boolean' ? Number(value) : (value as number));
    }
  }

  /** Checks `value` by the declaration of `name`, then writes it into the block. */
  protected set(name: string, value: unknown): void {
    this.store(name, this.checked(name, value));
  }

  /**
   * Writes values already checked by the declarations (the constructor's, once) into the block.
   * @internal
   */
  assign(values: Readonly<Record<string, unknown>>): void {
    for (const name of this.declared.names) this.store(name, values[name]);
  }

  get lr(): number {
    this.assertLive('lr');
    return this.hyper.lr;
  }
  set lr(value: number) {
    this.set('lr', value);
  }

  /** Weight decay: L2 for Adam and SGD, decoupled for AdamW. */
  get weightDecay(): number {
    return this.read('weightDecay');
  }
  /** Sets the weight decay: a finite number >= 0, else a ValidationError. */
  set weightDecay(value: number) {
    this.set('weightDecay', value);
  }

  /** SGD's momentum or Adam's beta1 (both live in the same word), without building a betas pair. */
  get momentumOrBeta1(): number {
    this.assertLive('beta1');
    return this.hyper.beta1;
  }

  /** Whether the optimizer maximises the objective. */
  get maximize(): boolean {
    return this.read('maximize') !== 0;
  }
  /** Sets whether the optimizer maximises the objective. */
  set maximize(value: boolean) {
    this.set('maximize', value);
  }

  /** Scheduler bookkeeping as PyTorch keeps it in the group dict. */
  protected bookkeeping(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const key of BOOKKEEPING_KEYS) {
      const v = this[key];
      if (v !== undefined) out[key] = v;
    }
    return out;
  }

  /**
   * The group's hyper-parameters as plain data, in the declarations' order, then the scheduler bookkeeping
   * (what `stateDict().paramGroups[i]` holds, less `params`).
   */
  hyperParameters(): Record<string, number | boolean | number[]> {
    const out: Record<string, number | boolean | number[]> = {};
    for (const name of this.declared.names) {
      const value = (this as unknown as Record<string, number | boolean | readonly number[]>)[name];
      out[name] = Array.isArray(value) ? [...value] : (value as number | boolean);
    }
    return { ...out, ...this.bookkeeping() };
  }
}

/** A param group of Adam or AdamW: `betas`, `eps`, `amsgrad` besides lr, weightDecay and maximize. */
export class AdamParamGroup extends ParamGroup {
  /** Adam's (beta1, beta2), a frozen pair: assign a new pair to change them. */
  get betas(): readonly [number, number] {
    return Object.freeze([this.read('beta1'), this.read('beta2')] as [number, number]);
  }
  /** Sets (beta1, beta2): each a number in [0, 1), else a ValidationError. */
  set betas(value: readonly [number, number]) {
    this.set('betas', value);
  }

  /** Added to the denominator for numerical stability. */
  get eps(): number {
    return this.read('eps');
  }
  /** Sets eps: a finite number >= 0, else a ValidationError. */
  set eps(value: number) {
    this.set('eps', value);
  }

  /** Whether the AMSGrad variant is used. */
  get amsgrad(): boolean {
    return this.read('amsgrad') !== 0;
  }
  /** Switches AMSGrad on or off (its buffer is always laid out). */
  set amsgrad(value: boolean) {
    this.set('amsgrad', value);
  }
}

/** A param group of SGD: `momentum`, `dampening`, `nesterov` besides lr, weightDecay and maximize. */
export class SGDParamGroup extends ParamGroup {
  /** SGD's momentum factor. */
  get momentum(): number {
    return this.read('momentum');
  }
  /** Sets the momentum factor: a finite number >= 0 (above 1 with a one-time warning), else a ValidationError. */
  set momentum(value: number) {
    this.set('momentum', value);
  }

  /** Dampening of the momentum. */
  get dampening(): number {
    return this.read('dampening');
  }
  /** Sets the dampening: a finite number, else a ValidationError. */
  set dampening(value: number) {
    this.set('dampening', value);
  }

  /** Whether Nesterov momentum is used. */
  get nesterov(): boolean {
    return this.read('nesterov') !== 0;
  }
  /** Switches Nesterov momentum on or off. */
  set nesterov(value: boolean) {
    this.set('nesterov', value);
  }
}
