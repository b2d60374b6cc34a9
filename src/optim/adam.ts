import type { Engine } from '../engine/index.ts';
import { OPT_ADAM, OPT_ADAMW } from '../engine/layout.ts';
import type { Parameter } from '../nn/parameter.ts';
import { boolean, number, type OptionsOf, type Values } from '../params/declare.ts';
import { ParamSet } from '../params/param_set.ts';
import { AdamParamGroup } from './group.ts';
import { Optimizer, type ParamsArgument, type StateSlot } from './optimizer.ts';
import { betas, defaultsOf, LR_DOC, MAXIMIZE } from './rules.ts';

/** The declarations of torch.optim.Adam's (or AdamW's) keyword arguments; they differ in weight decay only. */
function adamParams(owner: string, weightDecay: { doc: string; default: number }) {
  return new ParamSet(owner, {
    lr: number({ doc: LR_DOC, default: 1e-3, min: 0 }),
    betas: betas({ doc: 'Decay rates (beta1, beta2) of the moment estimates.', default: [0.9, 0.999] }),
    eps: number({ doc: 'Added to the denominator for numerical stability.', default: 1e-8, min: 0 }),
    weightDecay: number({ ...weightDecay, min: 0 }),
    amsgrad: boolean({ doc: 'Use the maximum of all second-moment estimates (AMSGrad).', default: false }),
    maximize: MAXIMIZE,
  });
}

const ADAM = adamParams('Adam', { doc: 'L2 weight decay, added to the gradient as weightDecay · param.', default: 0 });
const ADAMW = adamParams('AdamW', { doc: 'Decoupled weight decay: param *= 1 − lr · weightDecay.', default: 1e-2 });

/**
 * Options of `Adam` and `AdamW`, torch.optim.Adam's keyword arguments in camelCase (`lr`, `betas`, `eps`,
 * `weightDecay`, `amsgrad`, `maximize`), as declared in `Adam.params` and `AdamW.params`: every one optional.
 */
export type AdamOptions = OptionsOf<typeof ADAM.decls>;

/** The hyper-parameters of an Adam or AdamW param group, every one given (`optimizer.defaults`). */
type AdamValues = Values<typeof ADAM.decls>;

const ADAM_STATE: readonly StateSlot[] = [
  { key: 'expAvg', slot: 0 },
  { key: 'expAvgSq', slot: 1 },
  { key: 'maxExpAvgSq', slot: 2 },
];

const makeGroup = (params: ParamSet<typeof ADAM.decls>) => (engine: Engine, block: number, ps: readonly Parameter[]) =>
  new AdamParamGroup(engine, block, ps, params);

/**
 * Adam as torch.optim.Adam (1.13): L2 weight decay added to the gradient, eps added after the bias
 * correction, optional amsgrad and maximize. The AMSGrad buffer is always laid out so it can be switched on.
 *
 * Per step t, with g the gradient (+ weightDecay · p): `m = β1·m + (1−β1)·g`, `v = β2·v + (1−β2)·g²`,
 * `p −= lr / (1−β1^t) · m / (√v / √(1−β2^t) + eps)` (with amsgrad, v is the running maximum of v).
 * Computed by `adamStep` in assembly/optim.ts.
 */
export class Adam extends Optimizer<AdamValues, AdamParamGroup> {
  /** The declared hyper-parameters (names, defaults, ranges): options, group checks, run configs, flags. */
  static readonly params = ADAM;
  /** torch.optim.Adam's defaults. */
  static readonly defaultOptions = defaultsOf(ADAM) as Readonly<AdamValues>;

  /**
   * @param params the parameters, or param groups (each may override any option)
   * @param options see `AdamOptions`
   */
  constructor(params: ParamsArgument<AdamValues>, options: AdamOptions = {}) {
    super(ADAM, OPT_ADAM, params, options, ADAM_STATE, makeGroup(ADAM));
  }
}

/**
 * AdamW as torch.optim.AdamW (1.13): decoupled weight decay `param *= 1 - lr * weightDecay`, default 0.01,
 * then Adam's update without the L2 term. Computed by `adamStep` in assembly/optim.ts.
 */
export class AdamW extends Optimizer<AdamValues, AdamParamGroup> {
  /** The declared hyper-parameters: Adam's, with weightDecay decoupled and 0.01 by default. */
  static readonly params = ADAMW;
  /** torch.optim.AdamW's defaults: Adam's, with weightDecay 0.01. */
  static readonly defaultOptions = defaultsOf(ADAMW) as Readonly<AdamValues>;

  /**
   * @param params the parameters, or param groups (each may override any option)
   * @param options see `AdamOptions`
   */
  constructor(params: ParamsArgument<AdamValues>, options: AdamOptions = {}) {
    super(ADAMW, OPT_ADAMW, params, options, ADAM_STATE, makeGroup(ADAMW));
  }
}
