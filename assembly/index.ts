// The exported kernels. Every pointer is a byte offset into this module's linear memory, laid out by the
// TypeScript side once per model (src/engine/); nothing here allocates.
import {
  networkBackward, networkEvaluate, networkForward, networkLoadBatch, networkLoss, networkZeroGrad,
} from './network';
import { optimizerStep, optimizerZeroGrad } from './optim';

export { networkForward as forward, networkBackward as backward, networkZeroGrad as zeroGrad };
export { networkLoadBatch as loadBatch, networkEvaluate as evaluate, networkLoss as loss };
export { optimizerStep, optimizerZeroGrad };

/** First byte the TypeScript allocator may hand out. */
export function heapBase(): usize {
  return __heap_base;
}

/**
 * One whole training step on the staged batch: zero the model's gradients, forward, loss, backward, and the
 * update of every param group. Returns the loss. A non-finite loss returns before anything is updated.
 */
export function trainStep(model: usize, opt: usize, n: i32): f64 {
  networkZeroGrad(model);
  networkForward(model, n);
  const loss = networkLoss(model, n);
  if (!isFinite(loss)) return loss;
  networkBackward(model, n);
  optimizerStep(opt);
  return loss;
}

/** `steps` fused steps on the same staged batch; returns the loss of each in losses (f64[steps]). */
export function trainSteps(model: usize, opt: usize, n: i32, steps: i32, losses: usize): i32 {
  for (let i = 0; i < steps; i++) {
    const loss = trainStep(model, opt, n);
    store<f64>(losses + (<usize>i << 3), loss);
    if (!isFinite(loss)) return i;
  }
  return steps;
}
