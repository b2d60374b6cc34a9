import type { LossSettings } from '../engine/descriptors.ts';
import { choice, custom, number, optional, type OptionsOf, type Param, type ParamDecls } from '../params/declare.ts';
import { ValidationError } from '../params/error.ts';
import { formatValue } from '../params/names.ts';
import { ParamSet } from '../params/param_set.ts';
import { canonicalName } from '../canonical_name.ts';

// The loss functions (criteria), with PyTorch's class names, keywords and reductions. A model holds one
// (`model.setCriterion`, or the `criterion` option of MLP); the core computes it fused into the training step
// (assembly/loss.ts): nothing of it runs in JavaScript per step.

/** How per-element losses are reduced: `'mean'` (PyTorch's default) or `'sum'`. */
export type Reduction = 'mean' | 'sum';

const REDUCTION = choice({
  doc: "How the per-element losses are reduced: 'mean' (PyTorch's default) or 'sum' ('none' is not supported).",
  choices: ['mean', 'sum'] as const,
  default: 'mean',
}) as Param<Reduction, false>;

/** A list of finite numbers (or, with `scalar`, one number standing for all). */
function numbers(doc: string, allowed: string, scalar: boolean) {
  return optional(
    custom({ doc, kind: 'numbers', allowed }, (where, name, value): readonly number[] => {
      const list = scalar && typeof value === 'number' ? [value] : value;
      if (!Array.isArray(list) || list.length === 0) throw new ValidationError(where, name, allowed, value);
      list.forEach((v: unknown, i) => {
        if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
          throw new ValidationError(where, `${name}[${i}]`, 'a finite number >= 0', v);
        }
      });
      return Object.freeze([...list] as number[]);
    }),
  );
}

/** What a criterion's targets are: class indices (`'labels'`) or float rows, one value per output (`'floats'`). */
export type TargetKind = 'labels' | 'floats';

/**
 * A loss function (PyTorch's `nn.*Loss`): the core's loss kind and its settings. Its targets are class labels
 * (CrossEntropyLoss) or float rows of the model's output width (the others).
 */
export abstract class Criterion {
  /** PyTorch's class name: `MSELoss`, `CrossEntropyLoss`, ... (one of `CRITERIA`). */
  abstract readonly type: CriterionType;
  /** The reduction, `'mean'` (PyTorch's default) or `'sum'`. */
  abstract readonly reduction: Reduction;
  /** Class labels or float targets. */
  abstract readonly targets: TargetKind;

  /**
   * The keyword arguments under PyTorch's names, defaults included: a run config's `criterion.args`. Read from
   * the declared options (`static params`), which each criterion keeps as fields of the same names.
   */
  args(): Record<string, unknown> {
    return CRITERION_PARAMS[this.type].state(this as never);
  }

  /** The core's loss block for this criterion with argument `arg` and per-output `weight`. */
  protected block(arg: number, weight: Float32Array | null = null): LossSettings {
    return { type: this.type, reduction: this.reduction, arg, weight };
  }

  /**
   * The settings the core's loss block holds, for a model of `outputs` outputs; null for nn.CrossEntropyLoss()
   * with its defaults, which needs no block. Refuses per-output weights of another length.
   */
  abstract settings(outputs: number, where: string): LossSettings | null;

  /** `{type, args}`, as a run config's `criterion`. */
  toSpec(): CriterionSpec {
    return { type: this.type, args: this.args() };
  }

  /** PyTorch's repr: `MSELoss()`, `HuberLoss(delta=1.5)` (non-default arguments only). */
  toString(): string {
    const params = CRITERION_PARAMS[this.type];
    const shown = Object.entries(this.args()).filter(([key, value]) => {
      const decl = params.decls[params.nameOf(key) ?? key];
      return decl === undefined || JSON.stringify(value) !== JSON.stringify(decl.defaultValue ?? null);
    });
    return `${this.type}(${shown.map(([k, v]) => `${k}=${formatValue(v)}`).join(', ')})`;
  }
}

/** Per-output weights checked against the output width: one per output, or a single one for all. */
function perOutput(values: readonly number[], outputs: number, where: string, name: string, one: boolean) {
  if (values.length === outputs) return Float32Array.from(values);
  if (one && values.length === 1) return new Float32Array(outputs).fill(values[0]);
  throw new ValidationError(
    where,
    name,
    `${one ? 'one number, or ' : ''}a list of ${outputs} (the model's outputs)`,
    values,
    `${where}: ${name} has ${values.length} values but the model has ${outputs} outputs`,
  );
}

// ---- regression ------------------------------------------------------------------------------------------

const MSE = new ParamSet('MSELoss', { reduction: REDUCTION });
/** Options of `MSELoss`: `reduction`. */
export type MSELossOptions = OptionsOf<typeof MSE.decls>;

/** torch.nn.MSELoss: mean of `(x − y)²` over every output of every sample. */
export class MSELoss extends Criterion {
  /** The declared options. */
  static readonly params = MSE;
  readonly type = 'MSELoss';
  readonly targets = 'floats';
  readonly reduction: Reduction;
  /** @param options see `MSELossOptions` */
  constructor(options: MSELossOptions = {}) {
    super();
    this.reduction = MSE.parse(options, 1).reduction;
  }
  settings(): LossSettings {
    return this.block(0);
  }
}

const L1 = new ParamSet('L1Loss', { reduction: REDUCTION });
/** Options of `L1Loss`: `reduction`. */
export type L1LossOptions = OptionsOf<typeof L1.decls>;

/** torch.nn.L1Loss: mean of `|x − y|`. */
export class L1Loss extends Criterion {
  /** The declared options. */
  static readonly params = L1;
  readonly type = 'L1Loss';
  readonly targets = 'floats';
  readonly reduction: Reduction;
  /** @param options see `L1LossOptions` */
  constructor(options: L1LossOptions = {}) {
    super();
    this.reduction = L1.parse(options, 1).reduction;
  }
  settings(): LossSettings {
    return this.block(0);
  }
}

const SMOOTH_L1 = new ParamSet('SmoothL1Loss', {
  reduction: REDUCTION,
  beta: number({ doc: 'Where the loss turns from quadratic to linear.', default: 1, min: 0 }),
});
/** Options of `SmoothL1Loss`: `beta` (default 1, >= 0) and `reduction`. */
export type SmoothL1LossOptions = OptionsOf<typeof SMOOTH_L1.decls>;

/** torch.nn.SmoothL1Loss: `0.5·d²/beta` where `|d| < beta`, else `|d| − 0.5·beta` (d = x − y). */
export class SmoothL1Loss extends Criterion {
  /** The declared options. */
  static readonly params = SMOOTH_L1;
  readonly type = 'SmoothL1Loss';
  readonly targets = 'floats';
  readonly reduction: Reduction;
  /** Where the loss turns from quadratic to linear. */
  readonly beta: number;
  /** @param options see `SmoothL1LossOptions` */
  constructor(options: SmoothL1LossOptions = {}) {
    super();
    const o = SMOOTH_L1.parse(options, 1);
    this.reduction = o.reduction;
    this.beta = o.beta;
  }
  settings(): LossSettings {
    return this.block(this.beta);
  }
}

const HUBER = new ParamSet('HuberLoss', {
  reduction: REDUCTION,
  delta: number({ doc: 'Where the loss turns from quadratic to linear.', default: 1, min: 0, above: true }),
});
/** Options of `HuberLoss`: `delta` (default 1, > 0) and `reduction`. */
export type HuberLossOptions = OptionsOf<typeof HUBER.decls>;

/** torch.nn.HuberLoss: `0.5·d²` where `|d| < delta`, else `delta·(|d| − 0.5·delta)`. */
export class HuberLoss extends Criterion {
  /** The declared options. */
  static readonly params = HUBER;
  readonly type = 'HuberLoss';
  readonly targets = 'floats';
  readonly reduction: Reduction;
  /** Where the loss turns from quadratic to linear. */
  readonly delta: number;
  /** @param options see `HuberLossOptions` */
  constructor(options: HuberLossOptions = {}) {
    super();
    const o = HUBER.parse(options, 1);
    this.reduction = o.reduction;
    this.delta = o.delta;
  }
  settings(): LossSettings {
    return this.block(this.delta);
  }
}

// ---- classification -----------------------------------------------------------------------------------

const BCE = new ParamSet('BCEWithLogitsLoss', {
  reduction: REDUCTION,
  posWeight: numbers(
    'Weight of the positive examples of each output (one number for all).',
    'a finite number >= 0, or a list of one per output',
    true,
  ),
});
/** Options of `BCEWithLogitsLoss`: `posWeight` (PyTorch's `pos_weight`: a number or one per output) and `reduction`. */
export type BCEWithLogitsLossOptions = OptionsOf<typeof BCE.decls>;

/**
 * torch.nn.BCEWithLogitsLoss: sigmoid and binary cross-entropy in one, for targets in [0, 1] (one per output:
 * binary or multi-label): `(1 − y)·x + lw·(log1p(exp(−|x|)) + max(−x, 0))` with `lw = (pos_weight − 1)·y + 1`.
 */
export class BCEWithLogitsLoss extends Criterion {
  /** The declared options. */
  static readonly params = BCE;
  readonly type = 'BCEWithLogitsLoss';
  readonly targets = 'floats';
  readonly reduction: Reduction;
  /** Weight of the positive examples, one per output (or one for all); undefined for none. */
  readonly posWeight: readonly number[] | undefined;
  /** @param options see `BCEWithLogitsLossOptions` */
  constructor(options: BCEWithLogitsLossOptions = {}) {
    super();
    const o = BCE.parse(options, 1);
    this.reduction = o.reduction;
    this.posWeight = o.posWeight;
  }
  settings(outputs: number, where: string): LossSettings {
    const weight = this.posWeight ? perOutput(this.posWeight, outputs, where, 'posWeight (pos_weight)', true) : null;
    return this.block(0, weight);
  }
}

const CROSS_ENTROPY = new ParamSet('CrossEntropyLoss', {
  weight: numbers('Weight of each class.', 'a list of finite numbers >= 0, one per class', false),
  reduction: REDUCTION,
  labelSmoothing: number({
    doc: 'Share of the target spread evenly over every class.',
    default: 0,
    min: 0,
    max: 1,
  }),
});
/** Options of `CrossEntropyLoss`: `weight` (one per class), `labelSmoothing` (in [0, 1]) and `reduction`. */
export type CrossEntropyLossOptions = OptionsOf<typeof CROSS_ENTROPY.decls>;

/**
 * torch.nn.CrossEntropyLoss: log-softmax and negative log-likelihood of the class labels. With `labelSmoothing`
 * ε: `(1 − ε)·nll + ε/C · Σ_c −w_c·log p_c`; with `weight`, the mean divides by the sum of the labels' weights.
 * The default criterion of every model.
 */
export class CrossEntropyLoss extends Criterion {
  /** The declared options. */
  static readonly params = CROSS_ENTROPY;
  readonly type = 'CrossEntropyLoss';
  readonly targets = 'labels';
  readonly reduction: Reduction;
  /** Weight of each class, or undefined for none. */
  readonly weight: readonly number[] | undefined;
  /** Label smoothing ε, in [0, 1]. */
  readonly labelSmoothing: number;
  /** @param options see `CrossEntropyLossOptions` */
  constructor(options: CrossEntropyLossOptions = {}) {
    super();
    const o = CROSS_ENTROPY.parse(options, 1);
    this.reduction = o.reduction;
    this.weight = o.weight;
    this.labelSmoothing = o.labelSmoothing;
  }
  settings(outputs: number, where: string): LossSettings | null {
    if (!this.weight && this.labelSmoothing === 0 && this.reduction === 'mean') return null;
    const weight = this.weight ? perOutput(this.weight, outputs, where, 'weight', false) : null;
    return this.block(this.labelSmoothing, weight);
  }
}

// ---- by name ---------------------------------------------------------------------------------------------

/** The criteria, by PyTorch's class name. */
export const CRITERIA = [
  'CrossEntropyLoss',
  'MSELoss',
  'L1Loss',
  'SmoothL1Loss',
  'HuberLoss',
  'BCEWithLogitsLoss',
] as const;
/** One of `CRITERIA`. */
export type CriterionType = (typeof CRITERIA)[number];

const CRITERION_PARAMS: Record<CriterionType, ParamSet<ParamDecls>> = {
  CrossEntropyLoss: CROSS_ENTROPY,
  MSELoss: MSE,
  L1Loss: L1,
  SmoothL1Loss: SMOOTH_L1,
  HuberLoss: HUBER,
  BCEWithLogitsLoss: BCE,
};

/** Short names the CLI's `--loss` accepts besides the class names (lower case). */
export const CRITERION_ALIASES: Readonly<Record<string, CriterionType>> = {
  ce: 'CrossEntropyLoss',
  cross_entropy: 'CrossEntropyLoss',
  'cross-entropy': 'CrossEntropyLoss',
  mse: 'MSELoss',
  l1: 'L1Loss',
  mae: 'L1Loss',
  smooth_l1: 'SmoothL1Loss',
  'smooth-l1': 'SmoothL1Loss',
  huber: 'HuberLoss',
  bce: 'BCEWithLogitsLoss',
  bce_with_logits: 'BCEWithLogitsLoss',
};

/** A criterion as run configs give it: PyTorch's class name and keyword arguments. */
export interface CriterionSpec {
  /** PyTorch's class name (any casing, or a short name such as `mse`). */
  type: string;
  /** Keyword arguments under PyTorch's names (`label_smoothing`, `pos_weight`, `beta`, `delta`, `reduction`). */
  args?: Record<string, unknown> | null;
}

/** The declared keyword arguments of the criterion `type`. */
export function criterionParams(type: CriterionType): ParamSet<ParamDecls> {
  return CRITERION_PARAMS[type];
}

/** `mse`, `MSELoss` or `mseloss` as PyTorch's class name; refuses an unknown name listing the known ones. */
export function criterionType(name: string, where = 'criterion'): CriterionType {
  return canonicalName(name, CRITERIA, { what: 'loss', where, aliases: CRITERION_ALIASES });
}

/**
 * The criterion `{type, args}` describes, its arguments under PyTorch's keywords (`{type: 'HuberLoss', args:
 * {delta: 1.5}}`); a null argument is PyTorch's None (the default).
 */
export function criterionFromSpec(spec: CriterionSpec, where = 'criterion'): Criterion {
  const type = criterionType(spec.type, `${where}.type`);
  const params = CRITERION_PARAMS[type];
  const options: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(spec.args ?? {})) {
    const name = params.nameOf(key);
    if (name === undefined) {
      throw new ValidationError(
        `${where}.args`,
        key,
        params.torchNames.join(', '),
        value,
        `${where}.args: ${type} takes no argument ${JSON.stringify(key)} ` +
          `(its arguments: ${params.torchNames.join(', ')})`,
      );
    }
    if (value !== null) options[name] = value;
  }
  switch (type) {
    case 'CrossEntropyLoss':
      return new CrossEntropyLoss(options);
    case 'MSELoss':
      return new MSELoss(options);
    case 'L1Loss':
      return new L1Loss(options);
    case 'SmoothL1Loss':
      return new SmoothL1Loss(options);
    case 'HuberLoss':
      return new HuberLoss(options);
    case 'BCEWithLogitsLoss':
      return new BCEWithLogitsLoss(options);
  }
}
