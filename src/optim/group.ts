import type { Engine } from '../engine/index.ts';
import {
  G_AMSGRAD, G_BETA1, G_BETA2, G_DAMPENING, G_EPS, G_LR, G_MAXIMIZE, G_NESTEROV, G_WEIGHT_DECAY,
} from '../engine/layout.ts';
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

  constructor(
    protected readonly engine: Engine,
    /** Byte offset of this group's hyper-parameter block. */
    readonly block: number,
    readonly params: readonly Parameter[],
    protected readonly owner: string,
  ) {}

  protected read(word: number): number {
    return this.engine.f64[(this.block >> 3) + word];
  }

  protected write(word: number, value: number): void {
    this.engine.f64[(this.block >> 3) + word] = value;
  }

  protected set(word: number, name: string, value: number, rule: Rule): void {
    check(this.owner, name, value, rule);
    this.write(word, value);
  }

  get lr(): number {
    return this.read(G_LR);
  }
  set lr(value: number) {
    this.set(G_LR, 'lr', value, 'nonNegative');
  }

  get weightDecay(): number {
    return this.read(G_WEIGHT_DECAY);
  }
  set weightDecay(value: number) {
    this.set(G_WEIGHT_DECAY, 'weightDecay', value, 'nonNegative');
  }

  /** SGD's momentum or Adam's beta1 (both live in the same word), without building a betas pair. */
  get momentumOrBeta1(): number {
    return this.read(G_BETA1);
  }

  get maximize(): boolean {
    return this.read(G_MAXIMIZE) !== 0;
  }
  set maximize(value: boolean) {
    this.write(G_MAXIMIZE, value ? 1 : 0);
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

export class AdamParamGroup extends ParamGroup {
  get betas(): readonly [number, number] {
    return Object.freeze([this.read(G_BETA1), this.read(G_BETA2)] as [number, number]);
  }
  set betas(value: readonly [number, number]) {
    if (!Array.isArray(value) || value.length !== 2) throw new RangeError(`${this.owner}: betas must be a pair [beta1, beta2], got ${JSON.stringify(value)}`);
    check(this.owner, 'betas[0]', value[0], 'unitInterval');
    check(this.owner, 'betas[1]', value[1], 'unitInterval');
    this.write(G_BETA1, value[0]);
    this.write(G_BETA2, value[1]);
  }

  get eps(): number {
    return this.read(G_EPS);
  }
  set eps(value: number) {
    this.set(G_EPS, 'eps', value, 'nonNegative');
  }

  get amsgrad(): boolean {
    return this.read(G_AMSGRAD) !== 0;
  }
  set amsgrad(value: boolean) {
    this.write(G_AMSGRAD, value ? 1 : 0);
  }

  hyperParameters(): Record<string, number | boolean | number[]> {
    return {
      lr: this.lr, betas: [...this.betas], eps: this.eps, weightDecay: this.weightDecay, amsgrad: this.amsgrad,
      maximize: this.maximize, ...this.bookkeeping(),
    };
  }
}

export class SGDParamGroup extends ParamGroup {
  get momentum(): number {
    return this.read(G_BETA1);
  }
  set momentum(value: number) {
    this.set(G_BETA1, 'momentum', value, 'nonNegative');
  }

  get dampening(): number {
    return this.read(G_DAMPENING);
  }
  set dampening(value: number) {
    this.set(G_DAMPENING, 'dampening', value, 'finite');
  }

  get nesterov(): boolean {
    return this.read(G_NESTEROV) !== 0;
  }
  set nesterov(value: boolean) {
    this.write(G_NESTEROV, value ? 1 : 0);
  }

  hyperParameters(): Record<string, number | boolean | number[]> {
    return {
      lr: this.lr, momentum: this.momentum, dampening: this.dampening, weightDecay: this.weightDecay,
      nesterov: this.nesterov, maximize: this.maximize, ...this.bookkeeping(),
    };
  }
}
