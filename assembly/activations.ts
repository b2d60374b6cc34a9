import { KIND_RELU, KIND_SIGMOID, KIND_TANH } from './layout';

// Elementwise activations over [dim][stride] blocks, computed in wasm (never imported from JS).

@inline function sigmoid(x: f32): f32 {
  return <f32>1 / (<f32>1 + Mathf.exp(-x));
}

export function activationForward(kind: i32, x: usize, y: usize, dim: i32, stride: i32, nPad: i32): void {
  for (let d = 0; d < dim; d++) {
    const xr = x + (<usize>(d * stride) << 2);
    const yr = y + (<usize>(d * stride) << 2);
    if (kind == KIND_TANH) {
      for (let s = 0; s < nPad; s++) store<f32>(yr + (<usize>s << 2), Mathf.tanh(load<f32>(xr + (<usize>s << 2))));
    } else if (kind == KIND_SIGMOID) {
      for (let s = 0; s < nPad; s++) store<f32>(yr + (<usize>s << 2), sigmoid(load<f32>(xr + (<usize>s << 2))));
    } else if (kind == KIND_RELU) {
      const zero = f32x4.splat(0);
      for (let s = 0; s < nPad; s += 4) v128.store(yr + (<usize>s << 2), f32x4.pmax(zero, v128.load(xr + (<usize>s << 2))));
    }
  }
}

/** gx = gy · f'(x), written through the activation's output y where that is how PyTorch computes it. */
export function activationBackward(kind: i32, y: usize, gy: usize, gx: usize, dim: i32, stride: i32, nPad: i32): void {
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
