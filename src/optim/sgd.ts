import type { Engine } from '../engine/index.ts';
import { OPT_SGD, P_STATE1 } from '../engine/layout.ts';
import type { Parameter } from '../nn/parameter.ts';
import { withDefaults } from './adam.ts';
import { SGDParamGroup } from './group.ts';
import { Optimizer, type ParamState, type ParamsArgument, type StateSlot } from './optimizer.ts';
import { check, checkBoolean } from './rules.ts';

export interface SGDOptions {
  lr: number;
  momentum: number;
  dampening: number;
  weightDecay: number;
  nesterov: boolean;
  maximize: boolean;
}

const SGD_STATE: readonly StateSlot[] = [{ key: 'momentumBuffer', slot: P_STATE1 }];

function validateSGD(h: SGDOptions, what: string): void {
  check(what, 'lr', h.lr, 'nonNegative');
  check(what, 'momentum', h.momentum, 'nonNegative');
  check(what, 'dampening', h.dampening, 'finite');
  check(what, 'weightDecay', h.weightDecay, 'nonNegative');
  checkBoolean(what, 'nesterov', h.nesterov);
  checkBoolean(what, 'maximize', h.maximize);
  if (h.nesterov && (h.momentum <= 0 || h.dampening !== 0)) {
    throw new RangeError(`${what}: nesterov needs momentum > 0 and dampening = 0, got momentum ${h.momentum}, dampening ${h.dampening}`);
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

/** SGD as torch.optim.SGD (1.13): momentum (buffer cloned from the first gradient), dampening, nesterov, L2 decay. */
export class SGD extends Optimizer<SGDOptions, SGDParamGroup> {
  static readonly defaultOptions: Omit<SGDOptions, 'lr'> = { momentum: 0, dampening: 0, weightDecay: 0, nesterov: false, maximize: false };

  constructor(params: ParamsArgument<SGDOptions>, options: Partial<SGDOptions> & { lr: number }) {
    if (options === null || typeof options !== 'object' || options.lr === undefined) {
      throw new RangeError('SGD: lr is required (a finite number >= 0)');
    }
    const hyper = withDefaults('SGD', { lr: options.lr, ...SGD.defaultOptions }, options);
    super('SGD', OPT_SGD, params, hyper, SGD_STATE, validateSGD,
      (engine: Engine, block: number, ps: readonly Parameter[]) => new SGDParamGroup(engine, block, ps, 'SGD'), writeSGD);
  }

  protected override describeState(state: ParamState, hasBuffer: boolean): void {
    if (!hasBuffer) state.momentumBuffer = null;
  }

  protected override restoreHasBuffer(saved: ParamState): boolean {
    return saved.momentumBuffer !== null && saved.momentumBuffer !== undefined;
  }
}
