import type { Engine } from '../engine/index.ts';
import { OPT_SGD } from '../engine/layout.ts';
import type { Parameter } from '../nn/parameter.ts';
import { withDefaults } from './adam.ts';
import { SGDParamGroup } from './group.ts';
import { Optimizer, type ParamState, type ParamsArgument, type StateSlot } from './optimizer.ts';
import { check, checkBoolean } from './rules.ts';

/** Hyper-parameters of `SGD`, torch.optim.SGD's keyword arguments in camelCase. */
export interface SGDOptions {
  /** Learning rate; required. */
  lr: number;
  /** Momentum factor; default 0 (none). */
  momentum: number;
  /** Dampening of the momentum; default 0. */
  dampening: number;
  /** L2 weight decay, added to the gradient as `weightDecay * param`; default 0. */
  weightDecay: number;
  /** Nesterov momentum (needs momentum > 0 and dampening 0); default false. */
  nesterov: boolean;
  /** Maximise the objective (step along the gradient); default false. */
  maximize: boolean;
}

const SGD_STATE: readonly StateSlot[] = [{ key: 'momentumBuffer', slot: 0 }];

function validateSGD(h: SGDOptions, what: string): void {
  check(what, 'lr', h.lr, 'nonNegative');
  check(what, 'momentum', h.momentum, 'nonNegative');
  check(what, 'dampening', h.dampening, 'finite');
  check(what, 'weightDecay', h.weightDecay, 'nonNegative');
  checkBoolean(what, 'nesterov', h.nesterov);
  checkBoolean(what, 'maximize', h.maximize);
  if (h.nesterov && (h.momentum <= 0 || h.dampening !== 0)) {
    throw new RangeError(
      `${what}: nesterov needs momentum > 0 and dampening = 0, got momentum ${h.momentum}, dampening ${h.dampening}`,
    );
  }
}

function writeSGD(g: SGDParamGroup, h: SGDOptions): void {
  g.lr = h.lr;
  g.momentum = h.momentum;
  g.dampening = h.dampening;
  g.weightDecay = h.weightDecay;
  g.nesterov = h.nesterov;
  g.maximize = h.maximize;
}

/**
 * SGD as torch.optim.SGD (1.13): momentum (buffer cloned from the first gradient), dampening, nesterov, L2 decay.
 *
 * Per step, with g the gradient (+ weightDecay · p): `b = momentum·b + (1−dampening)·g`,
 * `d = nesterov ? g + momentum·b : b` (d = g without momentum), `p −= lr·d`. Computed by `sgdParam` in
 * assembly/optim.ts.
 */
export class SGD extends Optimizer<SGDOptions, SGDParamGroup> {
  /** torch.optim.SGD's defaults (lr has none). */
  static readonly defaultOptions: Omit<SGDOptions, 'lr'> = {
    momentum: 0,
    dampening: 0,
    weightDecay: 0,
    nesterov: false,
    maximize: false,
  };

  constructor(params: ParamsArgument<SGDOptions>, options: Partial<SGDOptions> & { lr: number }) {
    if (options === null || typeof options !== 'object' || options.lr === undefined) {
      throw new RangeError('SGD: lr is required (a finite number >= 0)');
    }
    const hyper = withDefaults('SGD', { lr: options.lr, ...SGD.defaultOptions }, options);
    super(
      'SGD',
      OPT_SGD,
      params,
      hyper,
      SGD_STATE,
      validateSGD,
      (engine: Engine, block: number, ps: readonly Parameter[]) => new SGDParamGroup(engine, block, ps, 'SGD'),
      writeSGD,
    );
  }

  protected override describeState(state: ParamState, hasBuffer: boolean): void {
    if (!hasBuffer) state.momentumBuffer = null;
  }

  /**
   * Whether a saved state holds a momentum buffer (PyTorch saves `momentum_buffer: None` before the first momentum
   * step).
   */
  protected override restoreHasBuffer(saved: ParamState): boolean {
    return saved.momentumBuffer !== null && saved.momentumBuffer !== undefined;
  }
}
