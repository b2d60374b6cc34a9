// The exported kernels. Every pointer is a byte offset into this module's linear memory, laid out by the
// TypeScript side once per model (src/engine/); nothing here allocates.
import { checkModel, checkOptimizer } from './checks';
import { gemm } from './gemm';
import { erfV, expV, logV, tanhV } from './vmath';
import {
  networkBackward, networkEvaluate, networkForward, networkLoadBatch, networkLoss, networkZeroGrad,
} from './network';
import { forwardOps, phaseRepeated, stepPrefix } from './profile';
export { poolReady, setPool, stopPool, workerRun } from './threads';
import { optimizerStep as stepOptimizer, optimizerZeroGrad as zeroOptimizerGrad } from './optim';

export function forward(model: usize, n: i32): void {
  checkModel(model, n);
  networkForward(model, n);
}

export function backward(model: usize, n: i32): void {
  checkModel(model, n);
  networkBackward(model, n);
}

export function zeroGrad(model: usize): void {
  checkModel(model, 1);
  networkZeroGrad(model);
}

/** The model's loss (its loss block, M_LOSS) of the last forward pass, and dLoss/doutput for backward. */
export function loss(model: usize, n: i32): f64 {
  checkModel(model, n);
  return networkLoss(model, n);
}

export function evaluate(model: usize, n: i32, withLabels: bool): f64 {
  checkModel(model, n);
  return networkEvaluate(model, n, withLabels);
}

export function loadBatch(model: usize, x: usize, y: usize, features: i32, indices: usize, n: i32): void {
  checkModel(model, n);
  networkLoadBatch(model, x, y, features, indices, n);
}

export function optimizerStep(opt: usize): void {
  checkOptimizer(opt);
  stepOptimizer(opt);
}

export function optimizerZeroGrad(opt: usize): void {
  checkOptimizer(opt);
  zeroOptimizerGrad(opt);
}

/** C[m×n] = A[m×k]·B[k×n] on row-major f32 matrices (n a multiple of 4); the benchmark's W3 entry point. */
export function matmul(a: usize, b: usize, c: usize, m: i32, n: i32, k: i32): void {
  gemm(a, k, 1, b, n, c, n, m, n, k, 0, false);
}

/** First byte the TypeScript allocator may hand out. */
export function heapBase(): usize {
  return __heap_base;
}

/**
 * One whole training step on the staged batch: zero the model's gradients, forward, loss, backward, and the
 * update of every param group. Returns the loss. A non-finite loss returns before anything is updated.
 */
export function trainStep(model: usize, opt: usize, n: i32): f64 {
  checkModel(model, n);
  checkOptimizer(opt);
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
    const value = trainStep(model, opt, n);
    store<f64>(losses + (<usize>i << 3), value);
    if (!isFinite(value)) return i;
  }
  return steps;
}

/**
 * For `npm run bench -- --profile`: `reps` times the first `phases` phases of trainStep (1 zero grads,
 * 2 forward, 3 loss, 4 backward, 5 update: the whole step) on the staged batch; returns the last loss.
 */
export function profileStep(model: usize, opt: usize, n: i32, phases: i32, reps: i32): f64 {
  checkModel(model, n);
  checkOptimizer(opt);
  let loss: f64 = 0;
  for (let i = 0; i < reps; i++) loss = stepPrefix(model, opt, n, phases);
  return loss;
}

/**
 * For `--profile`: phase `phase` (1-5, as profileStep's) alone, `reps` times, on what profileStep to `phase - 1`
 * left; returns the loss of the loss phase, else 0.
 */
export function profilePhase(model: usize, opt: usize, n: i32, phase: i32, reps: i32): f64 {
  checkModel(model, n);
  checkOptimizer(opt);
  return phaseRepeated(model, opt, n, phase, reps);
}

/** For `--profile`: `reps` forward passes over only the Linear ops (`linear`), or only the activations. */
export function profileForwardOps(model: usize, n: i32, linear: bool, reps: i32): void {
  checkModel(model, n);
  for (let i = 0; i < reps; i++) forwardOps(model, n, linear);
}

// Elementwise math over f32 arrays (n a multiple of 4), exported for the accuracy tests of vmath.ts.
export function vexp(x: usize, y: usize, n: i32): void {
  for (let i = 0; i < n; i += 4) v128.store(y + (<usize>i << 2), expV(v128.load(x + (<usize>i << 2))));
}
export function vtanh(x: usize, y: usize, n: i32): void {
  for (let i = 0; i < n; i += 4) v128.store(y + (<usize>i << 2), tanhV(v128.load(x + (<usize>i << 2))));
}
export function vlog(x: usize, y: usize, n: i32): void {
  for (let i = 0; i < n; i += 4) v128.store(y + (<usize>i << 2), logV(v128.load(x + (<usize>i << 2))));
}
export function verf(x: usize, y: usize, n: i32): void {
  for (let i = 0; i < n; i += 4) v128.store(y + (<usize>i << 2), erfV(v128.load(x + (<usize>i << 2))));
}
