// Linear layer y = x Wᵀ + b on feature-major activations: x is [inDim][stride], y is [outDim][stride],
// so four samples share one f32x4 register and the batch is the vectorised dimension.

/** y[o][s] = b[o] + Σ_i W[o][i] · x[i][s] for s < nPad. */
export function linearForward(
  x: usize, y: usize, w: usize, b: usize, inDim: i32, outDim: i32, stride: i32, nPad: i32,
): void {
  const rowBytes = <usize>stride << 2;
  for (let o = 0; o < outDim; o++) {
    const wRow = w + (<usize>(o * inDim) << 2);
    const bias = f32x4.splat(load<f32>(b + (<usize>o << 2)));
    const yRow = y + <usize>o * rowBytes;
    let s = 0;
    // Two column blocks at once: independent accumulators hide the add latency.
    for (; s + 8 <= nPad; s += 8) {
      let acc0 = bias;
      let acc1 = bias;
      let xp = x + (<usize>s << 2);
      for (let i = 0; i < inDim; i++) {
        const wi = f32x4.splat(load<f32>(wRow + (<usize>i << 2)));
        acc0 = f32x4.add(acc0, f32x4.mul(wi, v128.load(xp)));
        acc1 = f32x4.add(acc1, f32x4.mul(wi, v128.load(xp, 16)));
        xp += rowBytes;
      }
      v128.store(yRow + (<usize>s << 2), acc0);
      v128.store(yRow + (<usize>s << 2), acc1, 16);
    }
    for (; s < nPad; s += 4) {
      let acc = bias;
      let xp = x + (<usize>s << 2);
      for (let i = 0; i < inDim; i++) {
        acc = f32x4.add(acc, f32x4.mul(f32x4.splat(load<f32>(wRow + (<usize>i << 2))), v128.load(xp)));
        xp += rowBytes;
      }
      v128.store(yRow + (<usize>s << 2), acc);
    }
  }
}

@inline function hsum(v: v128): f32 {
  return (f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1)) + (f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3));
}

/**
 * Accumulates gW[o][i] += Σ_s gy[o][s]·x[i][s] and gb[o] += Σ_s gy[o][s]; padded lanes of gy are zero.
 * When gx is not 0, writes gx[i][s] = Σ_o W[o][i]·gy[o][s].
 */
export function linearBackward(
  x: usize, gy: usize, gx: usize, w: usize, gw: usize, gb: usize,
  inDim: i32, outDim: i32, stride: i32, nPad: i32,
): void {
  const rowBytes = <usize>stride << 2;
  for (let o = 0; o < outDim; o++) {
    const gyRow = gy + <usize>o * rowBytes;
    let accB = f32x4.splat(0);
    for (let s = 0; s < nPad; s += 4) accB = f32x4.add(accB, v128.load(gyRow + (<usize>s << 2)));
    const gbp = gb + (<usize>o << 2);
    store<f32>(gbp, load<f32>(gbp) + hsum(accB));
    const gwRow = gw + (<usize>(o * inDim) << 2);
    for (let i = 0; i < inDim; i++) {
      const xRow = x + <usize>i * rowBytes;
      let acc = f32x4.splat(0);
      for (let s = 0; s < nPad; s += 4) {
        acc = f32x4.add(acc, f32x4.mul(v128.load(gyRow + (<usize>s << 2)), v128.load(xRow + (<usize>s << 2))));
      }
      const gwp = gwRow + (<usize>i << 2);
      store<f32>(gwp, load<f32>(gwp) + hsum(acc));
    }
  }
  if (gx == 0) return;
  for (let i = 0; i < inDim; i++) {
    const gxRow = gx + <usize>i * rowBytes;
    for (let s = 0; s < nPad; s += 4) {
      let acc = f32x4.splat(0);
      let gp = gy + (<usize>s << 2);
      for (let o = 0; o < outDim; o++) {
        acc = f32x4.add(acc, f32x4.mul(f32x4.splat(load<f32>(w + (<usize>(o * inDim + i) << 2))), v128.load(gp)));
        gp += rowBytes;
      }
      v128.store(gxRow + (<usize>s << 2), acc);
    }
  }
}
