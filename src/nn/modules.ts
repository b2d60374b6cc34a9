import { ValidationError } from '../params/error.ts';
import { getEngine, type Engine } from '../engine/index.ts';
import {
  KIND_ELU,
  KIND_GELU,
  KIND_GELU_TANH,
  KIND_LEAKY_RELU,
  KIND_RELU,
  KIND_SIGMOID,
  KIND_SILU,
  KIND_TANH,
} from '../engine/layout.ts';
import { choice, number, type OptionsOf, type Param, type ParamDecls } from '../params/declare.ts';
import { ParamSet } from '../params/param_set.ts';
import { defaultGenerator, type WeightGenerator } from './init.ts';
import { Parameter } from './parameter.ts';
import { canonicalName } from '../canonical_name.ts';

/** Options of `Linear`. */
export interface LinearOptions {
  /** The engine that holds the parameters; default the shared one (`getEngine()`). */
  engine?: Engine;
  /** Draws the initial weights; defaults to the global generator that `manualSeed` seeds, as in PyTorch. */
  generator?: WeightGenerator;
}

/** y = x Wᵀ + b, initialised like torch.nn.Linear: weight and bias uniform in ±1/√inFeatures. */
export class Linear {
  /** The weight, shape [outFeatures, inFeatures], initialised uniform in ±1/√inFeatures. */
  readonly weight: Parameter;
  /** The bias, shape [outFeatures], initialised uniform in ±1/√inFeatures. */
  readonly bias: Parameter;

  /**
   * torch.nn.Linear(inFeatures, outFeatures). The forward pass is `linearForward`, the backward pass
   * `linearBackward` (assembly/linear.ts).
   * @param inFeatures Features per input sample.
   * @param outFeatures Features per output sample.
   * @param options The engine holding the parameters and the generator of the initial weights.
   */
  constructor(
    readonly inFeatures: number,
    readonly outFeatures: number,
    options: LinearOptions = {},
  ) {
    checkDim(inFeatures, 'inFeatures');
    checkDim(outFeatures, 'outFeatures');
    const engine = options.engine ?? getEngine();
    this.weight = new Parameter(engine, [outFeatures, inFeatures]);
    try {
      this.bias = new Parameter(engine, [outFeatures]);
    } catch (err) {
      this.weight.dispose(); // nothing of a layer that could not be built stays allocated
      throw err;
    }
    const init = (options.generator ?? defaultGenerator()).initLinear(inFeatures, outFeatures);
    this.weight.data.set(init.weight);
    this.bias.data.set(init.bias);
  }

  /** `[weight, bias]`, as `module.parameters()`. */
  parameters(): Parameter[] {
    return [this.weight, this.bias];
  }

  /** PyTorch's repr: `Linear(in_features=2, out_features=3, bias=True)`. */
  toString(): string {
    return `Linear(in_features=${this.inFeatures}, out_features=${this.outFeatures}, bias=True)`;
  }
}

/**
 * An elementwise activation layer, applied in the core by `activationForward` and differentiated by
 * `activationBackward` (assembly/activations.ts).
 */
export abstract class Activation {
  /** The activation's name as configs spell it: one of `ACTIVATIONS`. */
  abstract readonly name: ActivationName;
  /** The activation's kind code in the core's model descriptor (src/engine/layout.ts). */
  abstract readonly kind: number;
  /** The f32 argument the core reads (LeakyReLU's negative slope, ELU's alpha); 0 for the others. */
  get arg(): number {
    return 0;
  }
  /** Its arguments under PyTorch's keywords (`{negative_slope: 0.2}`), as run configs' `activation_args`. */
  args(): Record<string, number> {
    return {};
  }
  /** None: an activation has no parameters. */
  parameters(): Parameter[] {
    return [];
  }
}

/**
 * torch.nn.Tanh: `y = tanh(x)`, gradient `gy · (1 − y²)`. Computed by `activationForward` (with `tanhV`,
 * assembly/vmath.ts) and `activationBackward` in assembly/activations.ts.
 */
export class Tanh extends Activation {
  readonly name = 'tanh';
  readonly kind = KIND_TANH;
  override toString(): string {
    return 'Tanh()';
  }
}

/**
 * torch.nn.ReLU: `y = max(0, x)`, gradient `gy` where `y > 0`, else 0. Computed by `activationForward` and
 * `activationBackward` in assembly/activations.ts.
 */
export class ReLU extends Activation {
  readonly name = 'relu';
  readonly kind = KIND_RELU;
  override toString(): string {
    return 'ReLU()';
  }
}

/**
 * torch.nn.Sigmoid: `y = 1 / (1 + exp(−x))`, gradient `gy · (1 − y) · y`. Computed by `activationForward` (with
 * `sigmoidV`, assembly/vmath.ts) and `activationBackward` in assembly/activations.ts.
 */
export class Sigmoid extends Activation {
  readonly name = 'sigmoid';
  readonly kind = KIND_SIGMOID;
  override toString(): string {
    return 'Sigmoid()';
  }
}

/** PyTorch's repr of a number argument: `0.01`, `1.0`. */
function reprNumber(v: number): string {
  return Number.isInteger(v) ? v.toFixed(1) : String(v);
}

const LEAKY_RELU = new ParamSet('LeakyReLU', {
  negativeSlope: number({ doc: 'Slope for x < 0.', default: 0.01 }),
});
/** Options of `LeakyReLU`: `negativeSlope` (PyTorch's `negative_slope`, default 0.01). */
export type LeakyReLUOptions = OptionsOf<typeof LEAKY_RELU.decls>;

/** torch.nn.LeakyReLU: `y = x` for x > 0, else `negativeSlope · x`; the gradient from the input, as PyTorch's. */
export class LeakyReLU extends Activation {
  /** The declared options (names, defaults, ranges): run configs' `activation_args`. */
  static readonly params = LEAKY_RELU;
  readonly name = 'leaky_relu';
  readonly kind = KIND_LEAKY_RELU;
  /** Slope for x < 0 (PyTorch's `negative_slope`). */
  readonly negativeSlope: number;
  /** @param options see `LeakyReLUOptions` */
  constructor(options: LeakyReLUOptions = {}) {
    super();
    this.negativeSlope = LEAKY_RELU.parse(options, 1).negativeSlope;
  }
  override get arg(): number {
    return this.negativeSlope;
  }
  override args(): Record<string, number> {
    return { negative_slope: this.negativeSlope };
  }
  override toString(): string {
    return `LeakyReLU(negative_slope=${reprNumber(this.negativeSlope)})`;
  }
}

const GELU_PARAMS = new ParamSet('GELU', {
  approximate: choice({
    doc: "'none': x·Φ(x) with erf; 'tanh': the tanh approximation.",
    choices: ['none', 'tanh'] as const,
    default: 'none',
  }) as Param<'none' | 'tanh', false>,
});
/** Options of `GELU`: `approximate`, `'none'` (default, exact with erf) or `'tanh'`. */
export type GELUOptions = OptionsOf<typeof GELU_PARAMS.decls>;

/**
 * torch.nn.GELU: `x · Φ(x) = 0.5·x·(1 + erf(x/√2))` (erf in the core, `erfV` of assembly/vmath.ts), or with
 * `approximate: 'tanh'` `0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))`; named `gelu` and `gelu_tanh` in configs.
 */
export class GELU extends Activation {
  /** The declared options: `approximate`. */
  static readonly params = GELU_PARAMS;
  readonly name: 'gelu' | 'gelu_tanh';
  readonly kind: number;
  /** `'none'` (exact) or `'tanh'`. */
  readonly approximate: 'none' | 'tanh';
  /** @param options see `GELUOptions` */
  constructor(options: GELUOptions = {}) {
    super();
    this.approximate = GELU_PARAMS.parse(options, 1).approximate;
    this.name = this.approximate === 'tanh' ? 'gelu_tanh' : 'gelu';
    this.kind = this.approximate === 'tanh' ? KIND_GELU_TANH : KIND_GELU;
  }
  override toString(): string {
    return `GELU(approximate='${this.approximate}')`;
  }
}

const ELU_PARAMS = new ParamSet('ELU', {
  alpha: number({ doc: 'Scale of the negative part: alpha·(exp(x) − 1) for x <= 0.', default: 1 }),
});
/** Options of `ELU`: `alpha` (default 1). */
export type ELUOptions = OptionsOf<typeof ELU_PARAMS.decls>;

/** torch.nn.ELU: `y = x` for x > 0, else `alpha · (exp(x) − 1)`. */
export class ELU extends Activation {
  /** The declared options: `alpha`. */
  static readonly params = ELU_PARAMS;
  readonly name = 'elu';
  readonly kind = KIND_ELU;
  /** Scale of the negative part. */
  readonly alpha: number;
  /** @param options see `ELUOptions` */
  constructor(options: ELUOptions = {}) {
    super();
    this.alpha = ELU_PARAMS.parse(options, 1).alpha;
  }
  override get arg(): number {
    return this.alpha;
  }
  override args(): Record<string, number> {
    return { alpha: this.alpha };
  }
  override toString(): string {
    return `ELU(alpha=${reprNumber(this.alpha)})`;
  }
}

/** torch.nn.SiLU (swish): `y = x · σ(x) = x / (1 + exp(−x))`. */
export class SiLU extends Activation {
  readonly name = 'silu';
  readonly kind = KIND_SILU;
  override toString(): string {
    return 'SiLU()';
  }
}

/** A layer of a Sequential: a Linear layer or an activation. */
export type Layer = Linear | Activation;

/** The activations' names, as configs and the CLI spell them (`gelu_tanh` is GELU with approximate='tanh'). */
export const ACTIVATIONS = ['tanh', 'relu', 'sigmoid', 'leaky_relu', 'gelu', 'gelu_tanh', 'elu', 'silu'] as const;
/** One of `ACTIVATIONS`. */
export type ActivationName = (typeof ACTIVATIONS)[number];

/** The declared arguments each named activation takes (run configs' `activation_args`, PyTorch's keywords). */
const ACTIVATION_PARAMS: Partial<Record<ActivationName, ParamSet<ParamDecls>>> = {
  leaky_relu: LEAKY_RELU,
  elu: ELU_PARAMS,
};

/** PyTorch's keywords the activation `name` takes as `activation_args` (`negative_slope`, `alpha`; or none). */
export function activationArgNames(name: ActivationName): string[] {
  return ACTIVATION_PARAMS[name]?.torchNames ?? [];
}

/**
 * The activation layer named `name` in any casing (one of `ACTIVATIONS`), with `args` under PyTorch's keywords
 * or the options' camelCase names (`{negative_slope: 0.2}` or `{negativeSlope: 0.2}` for leaky_relu, `{alpha}` for
 * elu); `what` prefixes the error for an unknown name or argument.
 */
export function activationFromName(
  name: string,
  what = 'activation',
  args: Readonly<Record<string, unknown>> | null = null,
): Activation {
  const canonical = canonicalName(name, ACTIVATIONS, { what: 'activation', where: what });
  const params = ACTIVATION_PARAMS[canonical];
  const options: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(args ?? {})) {
    const camel = params?.nameOf(key) ?? (params && Object.hasOwn(params.decls, key) ? key : undefined);
    if (camel === undefined) {
      const accepted = params ? params.torchNames.join(', ') : 'none';
      throw new ValidationError(
        what,
        key,
        `an argument of ${canonical} (${accepted})`,
        value,
        `${what}: ${canonical} takes no argument ${JSON.stringify(key)} (its arguments: ${accepted})`,
      );
    }
    options[camel] = value;
  }
  switch (canonical) {
    case 'tanh':
      return new Tanh();
    case 'relu':
      return new ReLU();
    case 'sigmoid':
      return new Sigmoid();
    case 'leaky_relu':
      return new LeakyReLU(options);
    case 'gelu':
      return new GELU();
    case 'gelu_tanh':
      return new GELU({ approximate: 'tanh' });
    case 'elu':
      return new ELU(options);
    case 'silu':
      return new SiLU();
  }
}

function checkDim(n: number, what: string): void {
  if (!Number.isInteger(n) || n < 1 || n > 1 << 20) {
    throw new ValidationError(
      'Linear',
      what,
      'an integer in [1, 1048576]',
      n,
      `Linear: ${what} must be an integer in [1, 1048576], got ${n}`,
    );
  }
}

/** PyTorch's class of each named activation (`gelu_tanh` is GELU with approximate='tanh'). */
const ACTIVATION_CLASSES: Readonly<Record<ActivationName, string>> = {
  tanh: 'Tanh',
  relu: 'ReLU',
  sigmoid: 'Sigmoid',
  leaky_relu: 'LeakyReLU',
  gelu: 'GELU',
  gelu_tanh: 'GELU',
  elu: 'ELU',
  silu: 'SiLU',
};

/** An activation module as a weights file records it: PyTorch's class and its arguments (`{type: 'ELU', alpha: 1}`). */
export interface ActivationRecord {
  /** PyTorch's class name: Tanh, ReLU, Sigmoid, LeakyReLU, GELU, ELU, SiLU. */
  type: string;
  /** LeakyReLU's negative slope. */
  negative_slope?: number;
  /** ELU's alpha. */
  alpha?: number;
  /** GELU's approximation, 'none' or 'tanh'. */
  approximate?: string;
}

/** The record of `a` (`{type: 'LeakyReLU', negative_slope: 0.2}`, `{type: 'GELU', approximate: 'tanh'}`). */
export function activationRecord(a: Activation): ActivationRecord {
  const extra = a instanceof GELU ? { approximate: a.approximate } : a.args();
  return { type: ACTIVATION_CLASSES[a.name], ...extra };
}

/** The activation a record describes; refuses (a ValidationError, where `where`) an unknown class or argument. */
export function activationFromRecord(record: ActivationRecord, where = 'activation'): Activation {
  const { type, ...args } = record;
  const names = (Object.keys(ACTIVATION_CLASSES) as ActivationName[]).filter((n) => ACTIVATION_CLASSES[n] === type);
  if (names.length === 0) {
    const known = [...new Set(Object.values(ACTIVATION_CLASSES))].join(', ');
    throw new ValidationError(
      where,
      'type',
      `one of ${known}`,
      type,
      `${where}: unknown activation ${JSON.stringify(type)} (${known})`,
    );
  }
  if (type === 'GELU') {
    const { approximate = 'none', ...rest } = args;
    if (Object.keys(rest).length) return activationFromName('gelu', where, rest);
    return new GELU({ approximate: approximate as 'none' | 'tanh' });
  }
  return activationFromName(names[0], where, args as Record<string, unknown>);
}
