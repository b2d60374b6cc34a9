import type { Engine } from '../engine/index.ts';
import { OPT_SGD } from '../engine/layout.ts';
import type { Parameter } from '../nn/parameter.ts';
import { boolean, number, type OptionsOf, type Values } from '../params/declare.ts';
import { ValidationError } from '../params/error.ts';
import { ParamSet } from '../params/param_set.ts';
import { SGDParamGroup } from './group.ts';
import { Optimizer, type ParamState, type ParamsArgument, type StateSlot } from './optimizer.ts';
import { defaultsOf, LR_DOC, MAXIMIZE, momentum } from './rules.ts';

const SGD_PARAMS = new ParamSet('SGD', {
  lr: number({ doc: LR_DOC, min: 0 }),
  momentum: momentum({ doc: 'Momentum factor (0: none).', default: 0 }),
  dampening: number({ doc: 'Dampening of the momentum.', default: 0 }),
  weightDecay: number({ doc: 'L2 weight decay, added to the gradient as weightDecay · param.', default: 0, min: 0 }),
  nesterov: boolean({ doc: 'Use Nesterov momentum (needs momentum > 0 and dampening 0).', default: false }),
  maximize: MAXIMIZE,
});

/**
 * Options of `SGD`, torch.optim.SGD's keyword arguments in camelCase (`lr`, required; `momentum`, `dampening`,
 * `weightDecay`, `nesterov`, `maximize`), as declared in `SGD.params`.
 */
export type SGDOptions = OptionsOf<typeof SGD_PARAMS.decls>;

/** The hyper-parameters of an SGD param group, every one given (`optimizer.defaults`). */
type SGDValues = Values<typeof SGD_PARAMS.decls>;

const SGD_STATE: readonly StateSlot[] = [{ key: 'momentumBuffer', slot: 0 }];

/** PyTorch's check of values that depend on each other: nesterov needs momentum > 0 and dampening 0. */
function checkNesterov(values: Record<string, unknown>, where: string): void {
  const { nesterov, momentum, dampening } = values as SGDValues;
  if (nesterov && (momentum <= 0 || dampening !== 0)) {
    throw new ValidationError(
      where,
      'nesterov',
      'false unless momentum > 0 and dampening = 0',
      nesterov,
      `${where}: nesterov needs momentum > 0 and dampening = 0, got momentum ${momentum}, dampening ${dampening}`,
    );
  }
}

/**
 * SGD as torch.optim.SGD (1.13): momentum (buffer cloned from the first gradient), dampening, nesterov, L2 decay.
 *
 * Per step, with g the gradient (+ weightDecay · p): `b = momentum·b + (1−dampening)·g`,
 * `d = nesterov ? g + momentum·b : b` (d = g without momentum), `p −= lr·d`. Computed by `sgdParam` in
 * assembly/optim.ts.
 */
export class SGD extends Optimizer<SGDValues, SGDParamGroup> {
  /** The declared hyper-parameters (names, defaults, ranges): options, group checks, run configs, flags. */
  static readonly params = SGD_PARAMS;
  /** torch.optim.SGD's defaults (lr has none). */
  static readonly defaultOptions = defaultsOf(SGD_PARAMS) as Readonly<Omit<SGDValues, 'lr'>>;

  /**
   * @param params the parameters, or param groups (each may override any option)
   * @param options see `SGDOptions`; `lr` must be given
   */
  constructor(params: ParamsArgument<SGDValues>, options: SGDOptions) {
    super(
      SGD_PARAMS,
      OPT_SGD,
      params,
      options,
      SGD_STATE,
      (engine: Engine, block: number, ps: readonly Parameter[]) => new SGDParamGroup(engine, block, ps, SGD_PARAMS),
      checkNesterov,
    );
  }

  protected override describeState(state: ParamState, hasBuffer: boolean): void {
    if (!hasBuffer) state.momentumBuffer = null;
  }

  /**
   * Whether a saved state holds a momentum buffer (PyTorch saves `momentum_buffer: None` before the first momentum
   * step).
   */
  protected override stateMayBeNull(key: string): boolean {
    return key === 'momentumBuffer';
  }

  protected override restoreHasBuffer(saved: ParamState): boolean {
    return saved.momentumBuffer !== null && saved.momentumBuffer !== undefined;
  }
}
