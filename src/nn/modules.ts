import { ValidationError } from '../params/error.ts';
import { getEngine, type Engine } from '../engine/index.ts';
import { KIND_RELU, KIND_SIGMOID, KIND_TANH } from '../engine/layout.ts';
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
  /** The activation's name: 'tanh', 'relu' or 'sigmoid'. */
  abstract readonly name: ActivationName;
  /** The activation's kind code in the core's model descriptor (src/engine/layout.ts). */
  abstract readonly kind: number;
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

/** A layer of a Sequential: a Linear layer or an activation. */
export type Layer = Linear | Activation;

/** The activations' names, as configs and the CLI spell them. */
export const ACTIVATIONS = ['tanh', 'relu', 'sigmoid'] as const;
/** One of `ACTIVATIONS`. */
export type ActivationName = (typeof ACTIVATIONS)[number];

/**
 * The activation layer named `name` in any casing ('tanh', 'relu', 'sigmoid'); `what` prefixes the error for an
 * unknown name.
 */
export function activationFromName(name: string, what = 'activation'): Activation {
  switch (canonicalName(name, ACTIVATIONS, { what: 'activation', where: what })) {
    case 'tanh':
      return new Tanh();
    case 'relu':
      return new ReLU();
    case 'sigmoid':
      return new Sigmoid();
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
