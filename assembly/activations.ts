import {
  KIND_ELU, KIND_GELU, KIND_GELU_TANH, KIND_LEAKY_RELU, KIND_SIGMOID, KIND_SILU, KIND_TANH,
} from './layout';
import { erfV, expV, sigmoidV, tanhV } from './vmath';

// Elementwise activations over [dim][stride] blocks, four samples per f32x4, computed in wasm. Each is
// PyTorch 1.13's CPU kernel (aten/src/ATen/native/cpu/Activation.cpp, GeluKernel.cpp) operation for operation
// in f32; `arg` is LeakyReLU's negative_slope or ELU's alpha.

const SQRT1_2: f32 = 0.7071067811865476; // M_SQRT1_2
const GELU_PDF: f32 = 0.3989422804014327; // M_2_SQRTPI · M_SQRT1_2 · 0.5
const GELU_BETA: f32 = 0.7978845608028654; // M_SQRT2 · M_2_SQRTPI · 0.5
const GELU_KAPPA: f32 = 0.044715;

/** One vector of an activation's output. */
@inline function forwardV(kind: i32, x: v128, arg: v128): v128 {
  const zero = f32x4.splat(0);
  const one = f32x4.splat(1);
  const half = f32x4.splat(0.5);
  if (kind == KIND_LEAKY_RELU) return v128.bitselect(x, f32x4.mul(x, arg), f32x4.gt(x, zero));
  if (kind == KIND_GELU) {
    return f32x4.mul(f32x4.mul(x, half), f32x4.add(one, erfV(f32x4.mul(x, f32x4.splat(SQRT1_2)))));
  }
  if (kind == KIND_GELU_TANH) {
    const cube = f32x4.mul(f32x4.mul(x, x), x);
    const inner = f32x4.mul(f32x4.splat(GELU_BETA), f32x4.add(x, f32x4.mul(f32x4.splat(GELU_KAPPA), cube)));
    return f32x4.mul(f32x4.mul(half, x), f32x4.add(one, tanhV(inner)));
  }
  if (kind == KIND_ELU) {
    // x > 0 ? x : (exp(x) − 1)·alpha (an exp past 88 is clamped and not selected)
    return v128.bitselect(x, f32x4.mul(f32x4.sub(expV(x), one), arg), f32x4.gt(x, zero));
  }
  // SiLU: x / (1 + exp(−x))
  return f32x4.div(x, f32x4.add(one, expV(f32x4.neg(x))));
}

/** One vector of gx = gy · f'(x), from the input x (as PyTorch's backward kernels of these take it). */
@inline function backwardV(kind: i32, x: v128, g: v128, arg: v128): v128 {
  const zero = f32x4.splat(0);
  const one = f32x4.splat(1);
  const half = f32x4.splat(0.5);
  if (kind == KIND_LEAKY_RELU) return v128.bitselect(g, f32x4.mul(g, arg), f32x4.gt(x, zero));
  if (kind == KIND_GELU) {
    const cdf = f32x4.mul(half, f32x4.add(one, erfV(f32x4.mul(x, f32x4.splat(SQRT1_2)))));
    const pdf = f32x4.mul(f32x4.splat(GELU_PDF), expV(f32x4.mul(f32x4.mul(x, x), f32x4.splat(-0.5))));
    return f32x4.mul(g, f32x4.add(cdf, f32x4.mul(x, pdf)));
  }
  if (kind == KIND_GELU_TANH) {
    const beta = f32x4.splat(GELU_BETA);
    const kappa = f32x4.splat(GELU_KAPPA);
    const sq = f32x4.mul(x, x);
    const cube = f32x4.mul(sq, x);
    const t = tanhV(f32x4.mul(beta, f32x4.add(x, f32x4.mul(kappa, cube))));
    const left = f32x4.mul(half, x);
    const right = f32x4.add(one, t);
    const leftDerivative = f32x4.mul(half, right);
    const tanhDerivative = f32x4.sub(one, f32x4.mul(t, t));
    const innerDerivative = f32x4.mul(beta, f32x4.add(one, f32x4.mul(f32x4.mul(f32x4.splat(3), kappa), sq)));
    const rightDerivative = f32x4.mul(f32x4.mul(left, tanhDerivative), innerDerivative);
    return f32x4.mul(g, f32x4.add(leftDerivative, rightDerivative));
  }
  if (kind == KIND_ELU) {
    // x <= 0 ? g·alpha·exp(x) : g
    return v128.bitselect(g, f32x4.mul(f32x4.mul(g, arg), expV(x)), f32x4.gt(x, zero));
  }
  // SiLU: g·s·(1 + x·(1 − s)), s = 1 / (1 + exp(−x))
  const s = f32x4.div(one, f32x4.add(one, expV(f32x4.neg(x))));
  return f32x4.mul(f32x4.mul(g, s), f32x4.add(one, f32x4.mul(x, f32x4.sub(one, s))));
}

export function activationForward(
  kind: i32, x: usize, y: usize, dim: i32, stride: i32, nPad: i32, arg: f32,
): void {
  const argV = f32x4.splat(arg);
  for (let d = 0; d < dim; d++) {
    const xr = x + (<usize>(d * stride) << 2);
    const yr = y + (<usize>(d * stride) << 2);
    const end = <usize>nPad << 2;
    // Two vectors per iteration: their long dependency chains overlap.
    if (kind == KIND_TANH) {
      let o: usize = 0;
      for (; o + 32 <= end; o += 32) {
        const a = tanhV(v128.load(xr + o));
        const b = tanhV(v128.load(xr + o, 16));
        v128.store(yr + o, a);
        v128.store(yr + o, b, 16);
      }
      if (o < end) v128.store(yr + o, tanhV(v128.load(xr + o)));
    } else if (kind == KIND_SIGMOID) {
      let o: usize = 0;
      for (; o + 32 <= end; o += 32) {
        const a = sigmoidV(v128.load(xr + o));
        const b = sigmoidV(v128.load(xr + o, 16));
        v128.store(yr + o, a);
        v128.store(yr + o, b, 16);
      }
      if (o < end) v128.store(yr + o, sigmoidV(v128.load(xr + o)));
    } else if (kind == KIND_LEAKY_RELU) {
      for (let o: usize = 0; o < end; o += 16) v128.store(yr + o, forwardV(KIND_LEAKY_RELU, v128.load(xr + o), argV));
    } else if (kind == KIND_GELU) {
      for (let o: usize = 0; o < end; o += 16) v128.store(yr + o, forwardV(KIND_GELU, v128.load(xr + o), argV));
    } else if (kind == KIND_GELU_TANH) {
      for (let o: usize = 0; o < end; o += 16) v128.store(yr + o, forwardV(KIND_GELU_TANH, v128.load(xr + o), argV));
    } else if (kind == KIND_ELU) {
      for (let o: usize = 0; o < end; o += 16) v128.store(yr + o, forwardV(KIND_ELU, v128.load(xr + o), argV));
    } else if (kind == KIND_SILU) {
      for (let o: usize = 0; o < end; o += 16) v128.store(yr + o, forwardV(KIND_SILU, v128.load(xr + o), argV));
    } else {
      const zero = f32x4.splat(0); // relu; max (not pmax) keeps a NaN a NaN
      for (let o: usize = 0; o < end; o += 16) v128.store(yr + o, f32x4.max(zero, v128.load(xr + o)));
    }
  }
}

/**
 * gx = gy · f'(x), written through the activation's output y where that is how PyTorch computes it (tanh,
 * sigmoid, relu), else from its input x.
 */
export function activationBackward(
  kind: i32, x: usize, y: usize, gy: usize, gx: usize, dim: i32, stride: i32, nPad: i32, arg: f32,
): void {
  if (kind >= KIND_LEAKY_RELU) {
    activationBackwardFromInput(kind, x, gy, gx, dim, stride, nPad, arg);
    return;
  }
  const one = f32x4.splat(1);
  const zero = f32x4.splat(0);
  for (let d = 0; d < dim; d++) {
    const off = <usize>(d * stride) << 2;
    for (let s = 0; s < nPad; s += 4) {
      const o = off + (<usize>s << 2);
      const yv = v128.load(y + o);
      const g = v128.load(gy + o);
      let r: v128;
      if (kind == KIND_TANH) {
        r = f32x4.mul(g, f32x4.sub(one, f32x4.mul(yv, yv))); // tanh_backward: g * (1 - y²)
      } else if (kind == KIND_SIGMOID) {
        r = f32x4.mul(f32x4.mul(g, f32x4.sub(one, yv)), yv); // sigmoid_backward: g * (1 - y) * y
      } else {
        r = v128.and(g, f32x4.gt(yv, zero)); // threshold_backward: g where y > 0
      }
      v128.store(gx + o, r);
    }
  }
}

function activationBackwardFromInput(
  kind: i32, x: usize, gy: usize, gx: usize, dim: i32, stride: i32, nPad: i32, arg: f32,
): void {
  const a = f32x4.splat(arg);
  const end = <usize>(dim * stride) << 2; // rows are contiguous: [dim][stride], padded lanes included
  if (nPad == stride) {
    for (let o: usize = 0; o < end; o += 16) backwardAt(kind, x, gy, gx, o, a);
    return;
  }
  for (let d = 0; d < dim; d++) {
    const off = <usize>(d * stride) << 2;
    for (let s = 0; s < nPad; s += 4) backwardAt(kind, x, gy, gx, off + (<usize>s << 2), a);
  }
}

@inline function backwardAt(kind: i32, x: usize, gy: usize, gx: usize, o: usize, a: v128): void {
  const xv = v128.load(x + o);
  const g = v128.load(gy + o);
  let r: v128;
  if (kind == KIND_LEAKY_RELU) r = backwardV(KIND_LEAKY_RELU, xv, g, a);
  else if (kind == KIND_GELU) r = backwardV(KIND_GELU, xv, g, a);
  else if (kind == KIND_GELU_TANH) r = backwardV(KIND_GELU_TANH, xv, g, a);
  else if (kind == KIND_ELU) r = backwardV(KIND_ELU, xv, g, a);
  else r = backwardV(KIND_SILU, xv, g, a);
  v128.store(gx + o, r);
}
