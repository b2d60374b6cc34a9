import { activationBackward, activationForward } from './activations';
import {
  KIND_LINEAR, M_CORRECT, M_LABELS, M_NOPS, M_PRED, M_STRIDE, OP_B, OP_GB, OP_GW, OP_IN_ACT, OP_IN_DIM,
  OP_IN_GRAD, OP_KIND, OP_OUT_ACT, OP_OUT_DIM, OP_OUT_GRAD, OP_W,
} from './layout';
import { linearBackward, linearForward } from './linear';
import { argmaxAndCount, crossEntropy } from './loss';
import { opBase, ptr, roundUp4, word } from './mem';

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
      activationForward(kind, ptr(op, OP_IN_ACT), ptr(op, OP_OUT_ACT), word(op, OP_OUT_DIM), stride, nPad);
    }
  }
}

/** Back-propagates from the gradient of the last op's output (written by crossEntropy), accumulating into gW, gb. */
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
      activationBackward(kind, ptr(op, OP_OUT_ACT), ptr(op, OP_OUT_GRAD), inGrad, word(op, OP_OUT_DIM), stride, nPad);
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

/** Mean cross-entropy of the current forward pass; also writes dLoss/dlogits for networkBackward. */
export function networkLoss(model: usize, n: i32): f64 {
  const last = lastOp(model);
  return crossEntropy(ptr(last, OP_OUT_ACT), ptr(model, M_LABELS), ptr(last, OP_OUT_GRAD),
    word(last, OP_OUT_DIM), word(model, M_STRIDE), n, roundUp4(n));
}

/** Forward, loss, accuracy and predictions; gradients are not touched. */
export function networkEvaluate(model: usize, n: i32, withLabels: bool): f64 {
  networkForward(model, n);
  const last = lastOp(model);
  const logits = ptr(last, OP_OUT_ACT);
  const classes = word(last, OP_OUT_DIM);
  const stride = word(model, M_STRIDE);
  const labels = withLabels ? ptr(model, M_LABELS) : 0;
  store<i32>(model + (<usize>M_CORRECT << 2), argmaxAndCount(logits, labels, ptr(model, M_PRED), classes, stride, n));
  return withLabels ? crossEntropy(logits, labels, 0, classes, stride, n, roundUp4(n)) : 0;
}

/**
 * Copies samples into the input activations (feature-major, padded lanes zeroed) and their labels.
 * `x` is row-major [rows][features] f32, `y` i32; `indices` (i32[n]) picks rows, or 0 for rows 0..n-1.
 */
export function networkLoadBatch(model: usize, x: usize, y: usize, features: i32, indices: usize, n: i32): void {
  const stride = word(model, M_STRIDE);
  const input = ptr(opBase(model, 0), OP_IN_ACT);
  const labels = ptr(model, M_LABELS);
  const nPad = roundUp4(n);
  for (let s = 0; s < n; s++) {
    const row = indices != 0 ? load<i32>(indices + (<usize>s << 2)) : s;
    const src = x + (<usize>(row * features) << 2);
    for (let f = 0; f < features; f++) {
      store<f32>(input + (<usize>(f * stride + s) << 2), load<f32>(src + (<usize>f << 2)));
    }
    if (y != 0) store<i32>(labels + (<usize>s << 2), load<i32>(y + (<usize>row << 2)));
  }
  for (let f = 0; f < features; f++) {
    for (let s = n; s < nPad; s++) store<f32>(input + (<usize>(f * stride + s) << 2), 0);
  }
  for (let s = n; s < nPad; s++) store<i32>(labels + (<usize>s << 2), 0);
}
