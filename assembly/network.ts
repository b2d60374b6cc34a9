import { activationBackward, activationForward } from './activations';
import {
  KIND_LINEAR, L_ARG, L_KIND, L_REDUCTION, L_WEIGHT, LOSS_BCE_WITH_LOGITS, LOSS_CROSS_ENTROPY, M_CORRECT, M_LABELS,
  M_LOSS, M_NOPS, M_PRED, M_STRIDE, M_TARGETS, OP_ARG, OP_B, OP_GB, OP_GW, OP_IN_ACT, OP_IN_DIM, OP_IN_GRAD, OP_KIND,
  OP_OUT_ACT, OP_OUT_DIM, OP_OUT_GRAD, OP_W,
} from './layout';
import { linearBackward, linearForward } from './linear';
import { argmaxAndCount, bceWithLogits, crossEntropy, crossEntropySmoothed, regressionLoss } from './loss';
import { f64At, opBase, ptr, roundUp4, word } from './mem';

// A network is a chain of ops (Linear or an activation) over activation buffers laid out once per model.

export function networkForward(model: usize, n: i32): void {
  const stride = word(model, M_STRIDE);
  const nPad = roundUp4(n);
  const nOps = word(model, M_NOPS);
  for (let k = 0; k < nOps; k++) {
    const op = opBase(model, k);
    const kind = word(op, OP_KIND);
    if (kind == KIND_LINEAR) {
      linearForward(ptr(op, OP_IN_ACT), ptr(op, OP_OUT_ACT), ptr(op, OP_W), ptr(op, OP_B),
        word(op, OP_IN_DIM), word(op, OP_OUT_DIM), stride, nPad);
    } else {
      activationForward(kind, ptr(op, OP_IN_ACT), ptr(op, OP_OUT_ACT), word(op, OP_OUT_DIM), stride, nPad,
        load<f32>(op + (<usize>OP_ARG << 2)));
    }
  }
}

/** Back-propagates from the gradient of the last op's output (written by the loss), accumulating into gW, gb. */
export function networkBackward(model: usize, n: i32): void {
  const stride = word(model, M_STRIDE);
  const nPad = roundUp4(n);
  for (let k = word(model, M_NOPS) - 1; k >= 0; k--) {
    const op = opBase(model, k);
    const kind = word(op, OP_KIND);
    const inGrad = ptr(op, OP_IN_GRAD);
    if (kind == KIND_LINEAR) {
      linearBackward(ptr(op, OP_IN_ACT), ptr(op, OP_OUT_GRAD), inGrad, ptr(op, OP_W), ptr(op, OP_GW), ptr(op, OP_GB),
        word(op, OP_IN_DIM), word(op, OP_OUT_DIM), stride, nPad);
    } else if (inGrad != 0) {
      activationBackward(kind, ptr(op, OP_IN_ACT), ptr(op, OP_OUT_ACT), ptr(op, OP_OUT_GRAD), inGrad,
        word(op, OP_OUT_DIM), stride, nPad, load<f32>(op + (<usize>OP_ARG << 2)));
    }
  }
}

export function networkZeroGrad(model: usize): void {
  const nOps = word(model, M_NOPS);
  for (let k = 0; k < nOps; k++) {
    const op = opBase(model, k);
    if (word(op, OP_KIND) != KIND_LINEAR) continue;
    const inDim = word(op, OP_IN_DIM);
    const outDim = word(op, OP_OUT_DIM);
    memory.fill(ptr(op, OP_GW), 0, <usize>(inDim * outDim) << 2);
    memory.fill(ptr(op, OP_GB), 0, <usize>outDim << 2);
  }
}

@inline function lastOp(model: usize): usize {
  return opBase(model, word(model, M_NOPS) - 1);
}

/** Whether the model's loss takes float targets (M_TARGETS) rather than class labels. */
@inline function floatTargets(model: usize): bool {
  const block = ptr(model, M_LOSS);
  return block != 0 && word(block, L_KIND) != LOSS_CROSS_ENTROPY;
}

/**
 * The model's loss (M_LOSS) of the current forward pass; also writes dLoss/doutput for networkBackward when
 * grad is not 0. No loss block: nn.CrossEntropyLoss() with its defaults.
 */
function lossOf(model: usize, n: i32, grad: usize): f64 {
  const last = lastOp(model);
  const out = ptr(last, OP_OUT_ACT);
  const dim = word(last, OP_OUT_DIM);
  const stride = word(model, M_STRIDE);
  const nPad = roundUp4(n);
  const block = ptr(model, M_LOSS);
  if (block == 0) return crossEntropy(out, ptr(model, M_LABELS), grad, dim, stride, n, nPad);
  const kind = word(block, L_KIND);
  const reduction = word(block, L_REDUCTION);
  const arg = f64At(block, L_ARG >> 1);
  if (kind == LOSS_CROSS_ENTROPY) {
    return crossEntropySmoothed(out, ptr(model, M_LABELS), grad, dim, stride, n, nPad, arg, ptr(block, L_WEIGHT),
      reduction);
  }
  const targets = ptr(model, M_TARGETS);
  if (kind == LOSS_BCE_WITH_LOGITS) {
    return bceWithLogits(out, targets, grad, dim, stride, n, nPad, ptr(block, L_WEIGHT), reduction);
  }
  return regressionLoss(kind, out, targets, grad, dim, stride, n, nPad, arg, reduction);
}

/** The loss of the current forward pass; also writes dLoss/doutput for networkBackward. */
export function networkLoss(model: usize, n: i32): f64 {
  return lossOf(model, n, ptr(lastOp(model), OP_OUT_GRAD));
}

/**
 * Forward and loss; for class labels also the arg-max predictions and how many are right (M_PRED, M_CORRECT).
 * Gradients are not touched.
 */
export function networkEvaluate(model: usize, n: i32, withLabels: bool): f64 {
  networkForward(model, n);
  if (floatTargets(model)) {
    store<i32>(model + (<usize>M_CORRECT << 2), 0);
    return withLabels ? lossOf(model, n, 0) : 0;
  }
  const last = lastOp(model);
  const logits = ptr(last, OP_OUT_ACT);
  const classes = word(last, OP_OUT_DIM);
  const stride = word(model, M_STRIDE);
  const labels = withLabels ? ptr(model, M_LABELS) : 0;
  store<i32>(model + (<usize>M_CORRECT << 2), argmaxAndCount(logits, labels, ptr(model, M_PRED), classes, stride, n));
  return withLabels ? lossOf(model, n, 0) : 0;
}

/**
 * Copies samples into the input activations (feature-major, padded lanes zeroed) and their targets. `x` is
 * row-major [rows][features] f32; `y` is i32[rows] class labels, or row-major f32 [rows][outDim] when the loss
 * takes float targets (copied to M_TARGETS, [outDim][stride]); `indices` (i32[n]) picks rows, or 0 for rows
 * 0..n-1; `y` 0 stages zero targets.
 */
export function networkLoadBatch(model: usize, x: usize, y: usize, features: i32, indices: usize, n: i32): void {
  const stride = word(model, M_STRIDE);
  const input = ptr(opBase(model, 0), OP_IN_ACT);
  const labels = ptr(model, M_LABELS);
  const nPad = roundUp4(n);
  const floats = floatTargets(model);
  const targets = ptr(model, M_TARGETS);
  const outDim = word(lastOp(model), OP_OUT_DIM);
  for (let s = 0; s < n; s++) {
    const row = indices != 0 ? load<i32>(indices + (<usize>s << 2)) : s;
    const src = x + (<usize>(row * features) << 2);
    for (let f = 0; f < features; f++) {
      store<f32>(input + (<usize>(f * stride + s) << 2), load<f32>(src + (<usize>f << 2)));
    }
    if (floats) {
      const t = y + (<usize>(row * outDim) << 2);
      for (let o = 0; o < outDim; o++) {
        store<f32>(targets + (<usize>(o * stride + s) << 2), y != 0 ? load<f32>(t + (<usize>o << 2)) : 0);
      }
    } else if (y != 0) store<i32>(labels + (<usize>s << 2), load<i32>(y + (<usize>row << 2)));
  }
  for (let f = 0; f < features; f++) {
    for (let s = n; s < nPad; s++) store<f32>(input + (<usize>(f * stride + s) << 2), 0);
  }
  if (floats) {
    for (let o = 0; o < outDim; o++) {
      for (let s = n; s < nPad; s++) store<f32>(targets + (<usize>(o * stride + s) << 2), 0);
    }
  } else {
    for (let s = n; s < nPad; s++) store<i32>(labels + (<usize>s << 2), 0);
  }
}
