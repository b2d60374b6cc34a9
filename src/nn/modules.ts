import { getEngine, type Engine } from '../engine/index.ts';
import { KIND_RELU, KIND_SIGMOID, KIND_TANH } from '../engine/layout.ts';
import { defaultGenerator, type WeightGenerator } from './init.ts';
import { Parameter } from './parameter.ts';

export interface LinearOptions {
  engine?: Engine;
  /** Draws the initial weights; defaults to the global generator that `manualSeed` seeds, as in PyTorch. */
  generator?: WeightGenerator;
}

/** y = x Wᵀ + b, initialised like torch.nn.Linear: weight and bias uniform in ±1/√inFeatures. */
export class Linear {
  readonly weight: Parameter;
  readonly bias: Parameter;

  constructor(readonly inFeatures: number, readonly outFeatures: number, options: LinearOptions = {}) {
    checkDim(inFeatures, 'inFeatures');
    checkDim(outFeatures, 'outFeatures');
    const engine = options.engine ?? getEngine();
    this.weight = new Parameter(engine, [outFeatures, inFeatures]);
    this.bias = new Parameter(engine, [outFeatures]);
    const init = (options.generator ?? defaultGenerator()).initLinear(inFeatures, outFeatures);
    this.weight.data.set(init.weight);
    this.bias.data.set(init.bias);
  }

  parameters(): Parameter[] {
    return [this.weight, this.bias];
  }

  toString(): string {
    return `Linear(in_features=${this.inFeatures}, out_features=${this.outFeatures}, bias=True)`;
  }
}

export abstract class Activation {
  abstract readonly name: ActivationName;
  abstract readonly kind: number;
  parameters(): Parameter[] {
    return [];
  }
}

export class Tanh extends Activation {
  readonly name = 'tanh';
  readonly kind = KIND_TANH;
  override toString(): string {
    return 'Tanh()';
  }
}

export class ReLU extends Activation {
  readonly name = 'relu';
  readonly kind = KIND_RELU;
  override toString(): string {
    return 'ReLU()';
  }
}

export class Sigmoid extends Activation {
  readonly name = 'sigmoid';
  readonly kind = KIND_SIGMOID;
  override toString(): string {
    return 'Sigmoid()';
  }
}

export type Layer = Linear | Activation;

export const ACTIVATIONS = ['tanh', 'relu', 'sigmoid'] as const;
export type ActivationName = (typeof ACTIVATIONS)[number];

export function activationFromName(name: string, what = 'activation'): Activation {
  switch (name) {
    case 'tanh':
      return new Tanh();
    case 'relu':
      return new ReLU();
    case 'sigmoid':
      return new Sigmoid();
    default:
      throw new RangeError(`${what}: unknown activation ${JSON.stringify(name)}; expected one of ${ACTIVATIONS.join(', ')}`);
  }
}

function checkDim(n: number, what: string): void {
  if (!Number.isInteger(n) || n < 1 || n > 1 << 20) throw new RangeError(`Linear: ${what} must be an integer in [1, 1048576], got ${n}`);
}
