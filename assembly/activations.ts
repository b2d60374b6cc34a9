import { KIND_SIGMOID, KIND_TANH } from './layout';
import { sigmoidV, tanhV } from './vmath';

// Elementwise activations over [dim][stride] blocks, four samples per f32x4, computed in wasm.

export function activationForward(kind: i32, x: usize, y: usize, dim: i32, stride: i32, nPad: i32): void {
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
    } else {
      const zero = f32x4.splat(0); // relu; max (not pmax) keeps a NaN a NaN
      for (let o: usize = 0; o < end; o += 16) v128.store(yr + o, f32x4.max(zero, v128.load(xr + o)));
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
