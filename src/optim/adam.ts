import type { Engine } from '../engine/index.ts';
import { OPT_ADAM, OPT_ADAMW } from '../engine/layout.ts';
import type { Parameter } from '../nn/parameter.ts';
import { AdamParamGroup } from './group.ts';
import { Optimizer, type ParamsArgument, type StateSlot } from './optimizer.ts';
import { check, checkBoolean } from './rules.ts';

/** Hyper-parameters of `Adam` and `AdamW`, torch.optim.Adam's keyword arguments in camelCase. */
export interface AdamOptions {
  /** Learning rate; default 1e-3. */
  lr: number;
  /** Decay rates (β1, β2) of the moment estimates; default [0.9, 0.999]. */
  betas: readonly [number, number];
  /** Added to the denominator for numerical stability; default 1e-8. */
  eps: number;
  /** Weight decay: L2 for Adam (default 0), decoupled for AdamW (default 0.01). */
  weightDecay: number;
  /** Use the maximum of all second-moment estimates (AMSGrad); default false. */
  amsgrad: boolean;
  /** Maximise the objective (step along the gradient); default false. */
  maximize: boolean;
}

const ADAM_STATE: readonly StateSlot[] = [
  { key: 'expAvg', slot: 0 },
  { key: 'expAvgSq', slot: 1 },
  { key: 'maxExpAvgSq', slot: 2 },
];

function validateAdam(h: AdamOptions, what: string): void {
  check(what, 'lr', h.lr, 'nonNegative');
  check(what, 'eps', h.eps, 'nonNegative');
  if (!Array.isArray(h.betas) || h.betas.length !== 2)
    throw new RangeError(`${what}: betas must be a pair [beta1, beta2], got ${JSON.stringify(h.betas)}`);
  check(what, 'betas[0]', h.betas[0], 'unitInterval');
  check(what, 'betas[1]', h.betas[1], 'unitInterval');
  check(what, 'weightDecay', h.weightDecay, 'nonNegative');
  checkBoolean(what, 'amsgrad', h.amsgrad);
  checkBoolean(what, 'maximize', h.maximize);
}

function writeAdam(g: AdamParamGroup, h: AdamOptions): void {
  g.lr = h.lr;
  g.betas = h.betas;
  g.eps = h.eps;
  g.weightDecay = h.weightDecay;
  g.amsgrad = h.amsgrad;
  g.maximize = h.maximize;
}

const makeGroup = (name: string) => (engine: Engine, block: number, params: readonly Parameter[]) =>
  new AdamParamGroup(engine, block, params, name);

/**
 * Adam as torch.optim.Adam (1.13): L2 weight decay added to the gradient, eps added after the bias
 * correction, optional amsgrad and maximize. The AMSGrad buffer is always laid out so it can be switched on.
 *
 * Per step t, with g the gradient (+ weightDecay · p): `m = β1·m + (1−β1)·g`, `v = β2·v + (1−β2)·g²`,
 * `p −= lr / (1−β1^t) · m / (√v / √(1−β2^t) + eps)` (with amsgrad, v is the running maximum of v).
 * Computed by `adamStep` in assembly/optim.ts.
 */
export class Adam extends Optimizer<AdamOptions, AdamParamGroup> {
  /** torch.optim.Adam's defaults. */
  static readonly defaultOptions: AdamOptions = {
    lr: 1e-3,
    betas: [0.9, 0.999],
    eps: 1e-8,
    weightDecay: 0,
    amsgrad: false,
    maximize: false,
  };

  constructor(params: ParamsArgument<AdamOptions>, options: Partial<AdamOptions> = {}) {
    super(
      'Adam',
      OPT_ADAM,
      params,
      withDefaults('Adam', Adam.defaultOptions, options),
      ADAM_STATE,
      validateAdam,
      makeGroup('Adam'),
      writeAdam,
    );
  }
}

/**
 * AdamW as torch.optim.AdamW (1.13): decoupled weight decay `param *= 1 - lr * weightDecay`, default 0.01,
 * then Adam's update without the L2 term. Computed by `adamStep` in assembly/optim.ts.
 */
export class AdamW extends Optimizer<AdamOptions, AdamParamGroup> {
  /** torch.optim.AdamW's defaults: Adam's, with weightDecay 0.01. */
  static readonly defaultOptions: AdamOptions = { ...Adam.defaultOptions, weightDecay: 1e-2 };

  constructor(params: ParamsArgument<AdamOptions>, options: Partial<AdamOptions> = {}) {
    super(
      'AdamW',
      OPT_ADAMW,
      params,
      withDefaults('AdamW', AdamW.defaultOptions, options),
      ADAM_STATE,
      validateAdam,
      makeGroup('AdamW'),
      writeAdam,
    );
  }
}

export function withDefaults<H extends object>(name: string, defaults: H, options: Partial<H>): H {
  if (options === null || typeof options !== 'object') throw new RangeError(`${name}: options must be an object`);
  const unknown = Object.keys(options).filter((k) => !(k in defaults));
  if (unknown.length)
    throw new RangeError(`${name}: unknown option ${unknown.join(', ')}; allowed: ${Object.keys(defaults).join(', ')}`);
  const out = { ...defaults };
  for (const [k, v] of Object.entries(options)) if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  return out;
}
