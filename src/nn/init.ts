import { ValidationError } from '../params/error.ts';
import { initTorchLinear, TorchCpuGenerator } from '../data/torch_init.ts';

/** Draws the initial weights of a Linear layer (row-major weight [out][in], then bias). */
export interface WeightGenerator {
  /** The initial weight ([outFeatures][inFeatures], row-major) and bias ([outFeatures]) of one Linear layer. */
  initLinear(inFeatures: number, outFeatures: number): { weight: Float32Array; bias: Float32Array };
}

/** PyTorch's default CPU generator seed when `torch.manual_seed` was never called. */
export const TORCH_DEFAULT_SEED = 67280421310721;

/** `torch.manual_seed(seed)` and nn.Linear's initialisation: the very weights PyTorch 1.13 draws. */
export class TorchGenerator implements WeightGenerator {
  private readonly generator: TorchCpuGenerator;

  constructor(seed: number) {
    this.generator = new TorchCpuGenerator(seed);
  }

  /** nn.Linear's `reset_parameters()`: kaiming_uniform_ weight, then bias, both uniform in ±1/√inFeatures. */
  initLinear(inFeatures: number, outFeatures: number): { weight: Float32Array; bias: Float32Array } {
    return initTorchLinear(this.generator, inFeatures, outFeatures);
  }
}

let globalGenerator: WeightGenerator = new TorchGenerator(TORCH_DEFAULT_SEED);

/** Seeds the global generator that layers built without an explicit seed draw from, like `torch.manual_seed`. */
export function manualSeed(seed: number): void {
  if (!Number.isSafeInteger(seed)) {
    throw new ValidationError(
      'manualSeed',
      'seed',
      'an integer',
      seed,
      `manualSeed: seed must be an integer, got ${seed}`,
    );
  }
  globalGenerator = new TorchGenerator(seed);
}

export function defaultGenerator(): WeightGenerator {
  return globalGenerator;
}
