import { MT19937 } from '../data/mt19937.ts';

/** Draws initial weights. */
export interface WeightGenerator {
  /** Fills `target` in order with values uniform in [from, to), as `tensor.uniform_(from, to)`. */
  uniform(target: Float32Array, from: number, to: number): void;
}

/** PyTorch's default CPU generator seed when `torch.manual_seed` was never called. */
export const TORCH_DEFAULT_SEED = 67280421310721;

/**
 * PyTorch 1.13's CPU generator as `uniform_` uses it on float32 tensors: one 32-bit mt19937 draw per
 * element, its low 24 bits scaled to [0, 1), then `x * (to - from) + from` with `to - from` in float32.
 * So `new TorchGenerator(s)` gives the same initial weights as `torch.manual_seed(s)`.
 */
export class TorchGenerator implements WeightGenerator {
  private readonly engine: MT19937;

  constructor(seed: number) {
    this.engine = new MT19937(seed);
  }

  uniform(target: Float32Array, from: number, to: number): void {
    const lo = Math.fround(from);
    const range = Math.fround(Math.fround(to) - lo);
    for (let i = 0; i < target.length; i++) {
      const x = (this.engine.nextUint32() & 0xffffff) * 5.9604644775390625e-8; // 2^-24
      target[i] = x * range + lo;
    }
  }
}

let globalGenerator: WeightGenerator = new TorchGenerator(TORCH_DEFAULT_SEED);

/** Seeds the global generator that layers built without an explicit seed draw from, like `torch.manual_seed`. */
export function manualSeed(seed: number): void {
  if (!Number.isSafeInteger(seed)) throw new RangeError(`manualSeed: seed must be an integer, got ${seed}`);
  globalGenerator = new TorchGenerator(seed);
}

export function defaultGenerator(): WeightGenerator {
  return globalGenerator;
}

/** nn.Linear.reset_parameters: kaiming_uniform_(weight, a=√5), then bias uniform in ±1/√fan_in. */
export function initLinear(weight: Float32Array, bias: Float32Array, fanIn: number, generator: WeightGenerator): void {
  const a = Math.sqrt(5);
  const gain = Math.sqrt(2.0 / (1 + a ** 2));
  const bound = Math.sqrt(3.0) * (gain / Math.sqrt(fanIn));
  generator.uniform(weight, -bound, bound);
  const biasBound = 1 / Math.sqrt(fanIn);
  generator.uniform(bias, -biasBound, biasBound);
}
