import { rowSums } from './gemm';
import { parGemm, parGemmNT } from './threads';

// Linear layer y = x Wᵀ + b on feature-major activations: x is [inDim][stride], y is [outDim][stride], so the
// batch is the vectorised dimension (four samples per f32x4) and each pass is a register-tiled GEMM.

/** y = W·x + b for the first nPad samples. */
export function linearForward(
  x: usize, y: usize, w: usize, b: usize, inDim: i32, outDim: i32, stride: i32, nPad: i32,
): void {
  parGemm(w, inDim, 1, x, stride, y, stride, outDim, nPad, inDim, b, false);
}

/**
 * Accumulates gW += gy·xᵀ and gb += Σ_s gy (padded lanes of gy are zero); when gx is not 0, writes gx = Wᵀ·gy.
 */
export function linearBackward(
  x: usize, gy: usize, gx: usize, w: usize, gw: usize, gb: usize,
  inDim: i32, outDim: i32, stride: i32, nPad: i32,
): void {
  rowSums(gy, stride, gb, outDim, nPad);
  parGemmNT(gy, stride, x, stride, gw, inDim, outDim, inDim, nPad);
  if (gx != 0) parGemm(w, 1, inDim, gy, stride, gx, stride, inDim, nPad, outDim, 0, false);
}
