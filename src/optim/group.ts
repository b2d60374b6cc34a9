import { GroupBlock, type GroupField } from '../engine/descriptors.ts';
import type { Engine } from '../engine/index.ts';
import type { Parameter } from '../nn/parameter.ts';
import type { SchedulableParamGroup } from './param_group.ts';
import { check, type Rule } from './rules.ts';

/**
 * One param group. Its hyper-parameters live in a block of f64 words in linear memory that the core reads
 * at every step, so `group.lr = x` (from a scheduler or by hand) takes effect at the very next step.
 */
export abstract class ParamGroup implements SchedulableParamGroup {
  initialLr?: number = undefined;
  maxLr?: number = undefined;
  minLr?: number = undefined;
  maxMomentum?: number = undefined;
  baseMomentum?: number = undefined;
  swaLr?: number = undefined;
  private readonly hyper: GroupBlock;

  /**
   * Wraps the hyper-parameter block at `block`; the optimizer writes the initial values.
   * @param engine The engine whose memory holds the block.
   * @param params The group's parameters.
   * @param owner The optimizer's class name, for error messages.
   */
  constructor(
    protected readonly engine: Engine,
    /** Byte offset of this group's hyper-parameter block. */
    readonly block: number,
    readonly params: readonly Parameter[],
    protected readonly owner: string,
  ) {
    this.hyper = new GroupBlock(engine, block);
  }

  /** Reads hyper-parameter `field` of the block. */
  protected read(field: GroupField): number {
    return this.hyper.get(field);
  }

  /** Writes hyper-parameter `field` of the block, unchecked. */
  protected write(field: GroupField, value: number): void {
    this.hyper.set(field, value);
  }

  /**
   * Writes hyper-parameter `field` after checking `value` against `rule`; `name` is the option's name in
   * errors.
   */
  protected set(field: GroupField, name: string, value: number, rule: Rule): void {
    check(this.owner, name, value, rule);
    this.write(field, value);
  }

  get lr(): number {
    return this.read('lr');
  }
  set lr(value: number) {
    this.set('lr', 'lr', value, 'nonNegative');
  }

  /** Weight decay: L2 for Adam and SGD, decoupled for AdamW. */
  get weightDecay(): number {
    return this.read('weightDecay');
  }
  /** Sets the weight decay: a finite number >= 0, else a RangeError. */
  set weightDecay(value: number) {
    this.set('weightDecay', 'weightDecay', value, 'nonNegative');
  }

  /** SGD's momentum or Adam's beta1 (both live in the same word), without building a betas pair. */
  get momentumOrBeta1(): number {
    return this.read('beta1');
  }

  /** Whether the optimizer maximises the objective. */
  get maximize(): boolean {
    return this.read('maximize') !== 0;
  }
  /** Sets whether the optimizer maximises the objective. */
  set maximize(value: boolean) {
    this.write('maximize', value ? 1 : 0);
  }

  /** Scheduler bookkeeping as PyTorch keeps it in the group dict. */
  protected bookkeeping(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const key of ['initialLr', 'maxLr', 'minLr', 'maxMomentum', 'baseMomentum', 'swaLr'] as const) {
      const v = this[key];
      if (v !== undefined) out[key] = v;
    }
    return out;
  }

  /** The group's hyper-parameters as plain data (what `stateDict().paramGroups[i]` holds, less `params`). */
  abstract hyperParameters(): Record<string, number | boolean | number[]>;
}

/** A param group of Adam or AdamW: `betas`, `eps`, `amsgrad` besides lr, weightDecay and maximize. */
export class AdamParamGroup extends ParamGroup {
  /** Adam's (beta1, beta2), a frozen pair: assign a new pair to change them. */
  get betas(): readonly [number, number] {
    return Object.freeze([this.read('beta1'), this.read('beta2')] as [number, number]);
  }
  /** Sets (beta1, beta2): each a number in [0, 1), else a RangeError. */
  set betas(value: readonly [number, number]) {
    if (!Array.isArray(value) || value.length !== 2)
      throw new RangeError(`${this.owner}: betas must be a pair [beta1, beta2], got ${JSON.stringify(value)}`);
    check(this.owner, 'betas[0]', value[0], 'unitInterval');
    check(this.owner, 'betas[1]', value[1], 'unitInterval');
    this.write('beta1', value[0]);
    this.write('beta2', value[1]);
  }

  /** Added to the denominator for numerical stability. */
  get eps(): number {
    return this.read('eps');
  }
  /** Sets eps: a finite number >= 0, else a RangeError. */
  set eps(value: number) {
    this.set('eps', 'eps', value, 'nonNegative');
  }

  /** Whether the AMSGrad variant is used. */
  get amsgrad(): boolean {
    return this.read('amsgrad') !== 0;
  }
  /** Switches AMSGrad on or off (its buffer is always laid out). */
  set amsgrad(value: boolean) {
    this.write('amsgrad', value ? 1 : 0);
  }

  hyperParameters(): Record<string, number | boolean | number[]> {
    return {
      lr: this.lr,
      betas: [...this.betas],
      eps: this.eps,
      weightDecay: this.weightDecay,
      amsgrad: this.amsgrad,
      maximize: this.maximize,
      ...this.bookkeeping(),
    };
  }
}

/** A param group of SGD: `momentum`, `dampening`, `nesterov` besides lr, weightDecay and maximize. */
export class SGDParamGroup extends ParamGroup {
  /** SGD's momentum factor. */
  get momentum(): number {
    return this.read('momentum');
  }
  /** Sets the momentum factor: a finite number >= 0, else a RangeError. */
  set momentum(value: number) {
    this.set('momentum', 'momentum', value, 'nonNegative');
  }

  /** Dampening of the momentum. */
  get dampening(): number {
    return this.read('dampening');
  }
  /** Sets the dampening: a finite number, else a RangeError. */
  set dampening(value: number) {
    this.set('dampening', 'dampening', value, 'finite');
  }

  /** Whether Nesterov momentum is used. */
  get nesterov(): boolean {
    return this.read('nesterov') !== 0;
  }
  /** Switches Nesterov momentum on or off. */
  set nesterov(value: boolean) {
    this.write('nesterov', value ? 1 : 0);
  }

  hyperParameters(): Record<string, number | boolean | number[]> {
    return {
      lr: this.lr,
      momentum: this.momentum,
      dampening: this.dampening,
      weightDecay: this.weightDecay,
      nesterov: this.nesterov,
      maximize: this.maximize,
      ...this.bookkeeping(),
    };
  }
}
