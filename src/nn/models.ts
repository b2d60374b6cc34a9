import { ValidationError } from '../params/error.ts';
import { getEngine, type Engine } from '../engine/index.ts';
import type { WeightGenerator } from './init.ts';
import { TorchGenerator } from './init.ts';
import { activationFromName, Linear, type Layer } from './modules.ts';
import type { Criterion } from './losses.ts';
import { Sequential } from './sequential.ts';
import type { ModelArchitecture } from '../io/weights.ts';

/** Options of `MLP`. */
export interface MLPOptions {
  /** Layer widths from input to output, e.g. [2, 3, 2]. */
  sizes: readonly number[];
  /**
   * Between hidden layers, one of `ACTIVATIONS`: 'tanh' (default), 'relu', 'sigmoid', 'leaky_relu', 'gelu',
   * 'gelu_tanh', 'elu' or 'silu'.
   */
  activation?: string;
  /**
   * The activation's arguments, under PyTorch's keywords or camelCase: `{negative_slope: 0.2}` for leaky_relu,
   * `{alpha: 0.5}` for elu. Default PyTorch's.
   */
  activationArgs?: Readonly<Record<string, number>> | null;
  /** The loss function (`model.setCriterion`); default `new CrossEntropyLoss()`. */
  criterion?: Criterion;
  /** Seeds the initial weights as `torch.manual_seed(seed)` would; without it the global generator is used. */
  seed?: number;
  /** The engine holding the model; default the shared one (`getEngine()`). */
  engine?: Engine;
}

function buildLayers(
  sizes: readonly number[],
  activation: string,
  seed: number | undefined,
  engine: Engine | undefined,
  what: string,
  activationArgs: Readonly<Record<string, number>> | null = null,
): Layer[] {
  if (!Array.isArray(sizes) || sizes.length < 2) {
    throw new ValidationError(
      what,
      'sizes',
      'a list of at least 2 widths (input and output)',
      sizes,
      `${what}: sizes must list at least 2 widths (input and output), got ${JSON.stringify(sizes)}`,
    );
  }
  sizes.forEach((s, i) => {
    if (!Number.isInteger(s) || s < 1) {
      throw new ValidationError(
        what,
        `sizes[${i}]`,
        'an integer >= 1',
        s,
        `${what}: sizes[${i}] must be an integer >= 1, got ${s}`,
      );
    }
  });
  activationFromName(activation, `${what}: activation`, activationArgs);
  // Weights and gradients, f32 each: a model that cannot fit is refused before any layer is allocated.
  let parameters = 0;
  for (let i = 0; i + 1 < sizes.length; i++) parameters += sizes[i] * sizes[i + 1] + sizes[i + 1];
  (engine ?? getEngine()).checkFits(parameters * 8, `${what} ${JSON.stringify(sizes)} (${parameters} parameters)`);
  const generator: WeightGenerator | undefined = seed === undefined ? undefined : new TorchGenerator(seed);
  const layers: Layer[] = [];
  try {
    for (let i = 0; i + 1 < sizes.length; i++) {
      layers.push(new Linear(sizes[i], sizes[i + 1], { engine, generator }));
      if (i + 2 < sizes.length) layers.push(activationFromName(activation, `${what}: activation`, activationArgs));
    }
  } catch (err) {
    disposeLayers(layers);
    throw err;
  }
  return layers;
}

/** Frees the parameters of layers a model built for itself, when the model could not be built. */
function disposeLayers(layers: readonly Layer[]): void {
  for (const layer of layers) if (layer instanceof Linear) for (const p of layer.parameters()) p.dispose();
}

/** Linear layers of the given widths with one activation between them; state-dict keys `layers.{i}.weight`. */
export class MLP extends Sequential {
  /** Layer widths from input to output. */
  readonly sizes: readonly number[];
  /** The activation between layers, as given in the options. */
  readonly activation: string;
  /** The activation's arguments under PyTorch's keywords (`{negative_slope: 0.2}`; `{}` for none). */
  readonly activationArgs: Readonly<Record<string, number>>;

  constructor(options: MLPOptions) {
    const activation = options.activation ?? 'tanh';
    const args = options.activationArgs ?? null;
    const layers = buildLayers(options.sizes, activation, options.seed, options.engine, 'MLP', args);
    try {
      super(...layers);
    } catch (err) {
      disposeLayers(layers);
      throw err;
    }
    if (options.criterion !== undefined) {
      try {
        this.setCriterion(options.criterion);
      } catch (err) {
        this.dispose();
        throw err;
      }
    }
    this.sizes = [...options.sizes];
    this.activation = activation;
    this.activationArgs = activationFromName(activation, 'MLP: activation', args).args();
  }

  protected override layerKeys(): string[] {
    return this.layers.map((_, i) => `layers.${i}`);
  }

  override architecture(): ModelArchitecture {
    const args = this.activationArgs;
    return {
      class: 'MLP',
      sizes: [...this.sizes],
      activation: this.activation,
      ...(Object.keys(args).length ? { activation_args: { ...args } } : {}),
    };
  }
}

/** Options of `LogicNet`: the lesson's `LogicNet(inputs_dim, hidden_dim, outputs_dim)`. */
export interface LogicNetOptions {
  /** Input features. */
  inputDim: number;
  /** Width of the hidden layer. */
  hiddenDim: number;
  /** Classes (outputs). */
  outputDim: number;
  /** Seeds the initial weights as `torch.manual_seed(seed)` would; without it the global generator is used. */
  seed?: number;
  /** The engine holding the model; default the shared one (`getEngine()`). */
  engine?: Engine;
}

/**
 * The lesson's model: Linear(inputDim→hiddenDim) → tanh → Linear(hiddenDim→outputDim), cross-entropy loss,
 * `predict` = softmax then arg-max. State-dict keys `Linear1.*` and `Linear2.*`, as the lesson's PyTorch class.
 */
export class LogicNet extends Sequential {
  constructor(options: LogicNetOptions) {
    const { inputDim, hiddenDim, outputDim } = options;
    const layers = buildLayers([inputDim, hiddenDim, outputDim], 'tanh', options.seed, options.engine, 'LogicNet');
    try {
      super(...layers);
    } catch (err) {
      disposeLayers(layers);
      throw err;
    }
  }

  protected override layerKeys(): string[] {
    return ['Linear1', 'Linear2'];
  }

  override architecture(): ModelArchitecture {
    return { class: 'LogicNet', sizes: [this.inputDim, this.layers[0].outFeatures, this.outputDim] };
  }
}
