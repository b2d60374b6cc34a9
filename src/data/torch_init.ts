/**
 * PyTorch 1.13's CPU default generator as far as weight initialisation needs it, so that an MLP built
 * here starts from the very weights `torch.manual_seed(seed); nn.Linear(...)` gives.
 *
 * - `torch.manual_seed(seed)`: `at::mt19937(seed)`, i.e. init_genrand(seed & 0xffffffff)
 *   (aten/src/ATen/core/MT19937RNGEngine.h).
 * - `Tensor.uniform_(from, to)` on a float32 tensor: `uniform_kernel` casts from/to to float, then for
 *   each element in order draws one 32-bit `random()` and evaluates
 *   `transformation::uniform_real`: `x = (v & (2^24 - 1)) * 2^-24; return x * (to - from) + from`,
 *   all in float because `dist_acctype<float>` is float (aten/src/ATen/native/cpu/DistributionTemplates.h,
 *   aten/src/ATen/core/DistributionsHelper.h, aten/src/ATen/core/TransformationHelper.h).
 *   PyTorch's AVX2 / AVX512 kernel builds (what any current x86-64 CPU runs) are compiled with FMA
 *   contraction, so `x * (to - from) + from` is one fused multiply-add rounded once to float. Rounding
 *   the product and the sum separately differs from PyTorch in the last bit for about a third of the
 *   weights of test/fixtures/training.json; the fused form matches all of them.
 * - `nn.Linear.reset_parameters`: `kaiming_uniform_(weight, a=sqrt(5))` then
 *   `uniform_(bias, -1/sqrt(fan_in), 1/sqrt(fan_in))` (torch/nn/modules/linear.py, torch/nn/init.py).
 */
import { checkInteger } from '../params/check.ts';
import { ValidationError } from '../params/error.ts';
import { MT19937, seedToUint32 } from './mt19937.ts';

const FLOAT_MANTISSA_MASK = 0xffffff; // (1 << 24) - 1: float has 24 significant digits
const TWO_POW_MINUS_24 = 1 / 16777216;

const floatBits = new Float32Array(1);
const floatBitsAsInt = new Int32Array(floatBits.buffer);

/** The float next to `f` (a finite float32 value) in the direction of `toward`. */
function nextFloat32(f: number, toward: number): number {
  if (f === 0) return toward > 0 ? 1.401298464324817e-45 : -1.401298464324817e-45;
  floatBits[0] = f;
  floatBitsAsInt[0] += toward > f === f > 0 ? 1 : -1;
  return floatBits[0];
}

/**
 * `fmaf(a, b, c)` for float32 operands: `a * b + c` rounded once to float32. The product of two floats
 * is exact in double; `twoSum` keeps the sum exact as `s + e`, and only a sum that lands exactly on a
 * midpoint between two floats needs `e` to pick the side.
 */
export function fusedMultiplyAddFloat32(a: number, b: number, c: number): number {
  const product = a * b;
  const s = product + c;
  const bb = s - product;
  const e = product - (s - bb) + (c - bb);
  const rounded = Math.fround(s);
  if (e === 0 || rounded === s || !Number.isFinite(s)) return rounded;
  const other = nextFloat32(rounded, s);
  const isMidpoint = Math.abs(s - rounded) === Math.abs(other - s);
  if (!isMidpoint) return rounded;
  return e > 0 === other > rounded ? other : rounded;
}

/**
 * PyTorch's CPU default generator (MT19937 seeded by `torch.manual_seed`), as far as `uniform_` on float32 tensors
 * needs it.
 */
export class TorchCpuGenerator {
  private readonly engine: MT19937;

  /** `torch.manual_seed(seed)`: any safe integer, reduced modulo 2^32 as PyTorch does. */
  constructor(seed: number) {
    this.engine = new MT19937(seedToUint32(seed));
  }

  /** `generator->random()`: one 32-bit draw. */
  random(): number {
    return this.engine.nextUint32();
  }

  /** One float32 element of `uniform_(from, to)`; every step rounded to float as in the C++ kernel. */
  uniformFloat32(from: number, to: number): number {
    const fromF = Math.fround(from);
    const toF = Math.fround(to);
    const x = (this.engine.nextUint32() & FLOAT_MANTISSA_MASK) * TWO_POW_MINUS_24; // exact in float
    return fusedMultiplyAddFloat32(x, Math.fround(toF - fromF), fromF);
  }

  /** `tensor.uniform_(from, to)` on a float32 tensor of `length` elements, filled in memory order. */
  uniformFloat32Array(length: number, from: number, to: number): Float32Array {
    checkInteger('TorchCpuGenerator.uniformFloat32Array', 'length', length, { min: 0 }, 'plain');
    if (!(Number.isFinite(from) && Number.isFinite(to) && from <= to)) {
      throw new ValidationError(
        'TorchCpuGenerator.uniformFloat32Array',
        Number.isFinite(from) ? 'to' : 'from',
        'finite, with from <= to',
        Number.isFinite(from) ? to : from,
        `TorchCpuGenerator.uniformFloat32Array: need finite from <= to, got from=${from}, to=${to}`,
      );
    }
    const out = new Float32Array(length);
    for (let i = 0; i < length; i++) out[i] = this.uniformFloat32(from, to);
    return out;
  }
}

/** The initial weights of one Linear layer, as PyTorch draws them. */
export interface LinearLayerInit {
  /** PyTorch layout: row-major `[out][in]`. */
  weight: Float32Array;
  /** Bias, `[out]`. */
  bias: Float32Array;
  /** The layer's input width. */
  inFeatures: number;
  /** The layer's output width. */
  outFeatures: number;
}

/** `nn.init.calculate_gain('leaky_relu', a)`: `sqrt(2 / (1 + a^2))` in Python doubles. */
function leakyReluGain(negativeSlope: number): number {
  return Math.sqrt(2.0 / (1 + negativeSlope * negativeSlope));
}

/** `nn.Linear(inFeatures, outFeatures).reset_parameters()`, drawing from `generator`. */
export function initTorchLinear(
  generator: TorchCpuGenerator,
  inFeatures: number,
  outFeatures: number,
): LinearLayerInit {
  for (const [name, v] of [
    ['inFeatures', inFeatures],
    ['outFeatures', outFeatures],
  ] as const) {
    if (!Number.isSafeInteger(v) || v < 1) {
      throw new ValidationError(
        'initTorchLinear',
        name,
        'an integer >= 1',
        v,
        `initTorchLinear: ${name} must be an integer >= 1, got ${v}`,
      );
    }
  }
  const fanIn = inFeatures;
  // kaiming_uniform_(weight, a=math.sqrt(5)), mode='fan_in', nonlinearity='leaky_relu'
  const gain = leakyReluGain(Math.sqrt(5));
  const std = gain / Math.sqrt(fanIn);
  const weightBound = Math.sqrt(3.0) * std;
  const weight = generator.uniformFloat32Array(outFeatures * inFeatures, -weightBound, weightBound);
  const biasBound = 1 / Math.sqrt(fanIn);
  const bias = generator.uniformFloat32Array(outFeatures, -biasBound, biasBound);
  return { weight, bias, inFeatures, outFeatures };
}

/**
 * The initial weights of `torch.manual_seed(seed); [nn.Linear(a, b) for a, b in zip(sizes[:-1], sizes[1:])]`.
 */
export function torchLinearInit(sizes: readonly number[], seed: number): LinearLayerInit[] {
  if (!Array.isArray(sizes) || sizes.length < 2) {
    throw new ValidationError(
      'torchLinearInit',
      'sizes',
      'a list of at least 2 layer widths',
      sizes,
      `torchLinearInit: sizes must list at least 2 layer widths, got ${JSON.stringify(sizes)}`,
    );
  }
  sizes.forEach((s, i) => {
    if (!Number.isSafeInteger(s) || s < 1) {
      throw new ValidationError(
        'torchLinearInit',
        `sizes[${i}]`,
        'an integer >= 1',
        s,
        `torchLinearInit: sizes[${i}] must be an integer >= 1, got ${s}`,
      );
    }
  });
  if (!Number.isSafeInteger(seed)) {
    throw new ValidationError(
      'torchLinearInit',
      'seed',
      'a safe integer',
      seed,
      `torchLinearInit: seed must be a safe integer, got ${seed}`,
    );
  }
  const generator = new TorchCpuGenerator(seed);
  const layers: LinearLayerInit[] = [];
  for (let i = 0; i + 1 < sizes.length; i++) layers.push(initTorchLinear(generator, sizes[i], sizes[i + 1]));
  return layers;
}
