import { activationForward } from './activations';
import { optimizerStep } from './index';
import {
  KIND_LINEAR, M_NOPS, M_STRIDE, OP_ARG, OP_B, OP_IN_ACT, OP_IN_DIM, OP_KIND, OP_OUT_ACT, OP_OUT_DIM, OP_W,
} from './layout';
import { linearForward } from './linear';
import { networkBackward, networkForward, networkLoss, networkZeroGrad } from './network';
import { opBase, ptr, roundUp4, word } from './mem';

// What `npm run bench -- --profile` times: the fused step (index.ts trainStep) cut after each of its phases,
// each phase alone, and a forward pass over only the Linear ops or only the activations. A prefix calls the same
// internal functions as trainStep, so it computes the same bits as the step's first phases; nothing here is on a
// training path, and the release build's code of every other function is unchanged by it (checked on its .wat).

/** Phases of trainStep, in order: a prefix of `p` phases runs phases 1..p. */
export const PHASE_ZERO_GRAD = 1;
export const PHASE_FORWARD = 2;
export const PHASE_LOSS = 3;
export const PHASE_BACKWARD = 4;
export const PHASE_UPDATE = 5;

/** The first `phases` phases of one fused step; returns the loss (0 before PHASE_LOSS). */
export function stepPrefix(model: usize, opt: usize, n: i32, phases: i32): f64 {
  if (phases < PHASE_ZERO_GRAD) return 0;
  networkZeroGrad(model);
  if (phases < PHASE_FORWARD) return 0;
  networkForward(model, n);
  if (phases < PHASE_LOSS) return 0;
  const loss = networkLoss(model, n);
  if (phases < PHASE_BACKWARD || !isFinite(loss)) return loss;
  networkBackward(model, n);
  if (phases < PHASE_UPDATE) return loss;
  optimizerStep(opt);
  return loss;
}

/**
 * Phase `phase` of the fused step alone, `reps` times over, on what the phases before it left (run stepPrefix
 * to `phase - 1` first); returns the loss of the loss phase, else 0. Repeating one phase times it without
 * subtracting two timings.
 */
export function phaseRepeated(model: usize, opt: usize, n: i32, phase: i32, reps: i32): f64 {
  let loss: f64 = 0;
  for (let i = 0; i < reps; i++) {
    if (phase == PHASE_ZERO_GRAD) networkZeroGrad(model);
    else if (phase == PHASE_FORWARD) networkForward(model, n);
    else if (phase == PHASE_LOSS) loss = networkLoss(model, n);
    else if (phase == PHASE_BACKWARD) networkBackward(model, n);
    else if (phase == PHASE_UPDATE) optimizerStep(opt);
  }
  return loss;
}

/**
 * One forward pass over only the Linear ops (`linear` true) or only the activations, each on the buffers it has:
 * the share of each in a forward pass, not a meaningful result. (Backward has no such split: a second caller of
 * linearBackward or activationBackward would stop their inlining into trainStep's backward, changing its code.)
 */
export function forwardOps(model: usize, n: i32, linear: bool): void {
  const stride = word(model, M_STRIDE);
  const nPad = roundUp4(n);
  const nOps = word(model, M_NOPS);
  for (let k = 0; k < nOps; k++) {
    const op = opBase(model, k);
    const kind = word(op, OP_KIND);
    if ((kind == KIND_LINEAR) != linear) continue;
    const inAct = ptr(op, OP_IN_ACT);
    const outAct = ptr(op, OP_OUT_ACT);
    const outDim = word(op, OP_OUT_DIM);
    if (linear) linearForward(inAct, outAct, ptr(op, OP_W), ptr(op, OP_B), word(op, OP_IN_DIM), outDim, stride, nPad);
    else activationForward(kind, inAct, outAct, outDim, stride, nPad, load<f32>(op + (<usize>OP_ARG << 2)));
  }
}
