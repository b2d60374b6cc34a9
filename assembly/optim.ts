import {
  G_AMSGRAD, G_BETA1, G_BETA2, G_DAMPENING, G_EPS, G_LR, G_MAXIMIZE, G_NESTEROV, G_WEIGHT_DECAY, G_WORDS,
  O_GROUPS, O_KIND, O_NPARAMS, O_PARAMS, OPT_ADAMW, OPT_SGD, P_DATA, P_GRAD, P_GROUP, P_META, P_SIZE,
  P_STATE1, P_STATE2, P_STATE3, P_WORDS,
} from './layout';
import { f64At, ptr, roundUp4, word } from './mem';
import { parAdam } from './threads';

// The optimizers as PyTorch 1.13 computes them (torch/optim/adam.py, adamw.py, sgd.py, single-tensor path):
// scalars (lr, bias corrections) in f64, cast to f32 where PyTorch hands a Python float to a float32 kernel.
// Every element is computed the same whether it falls in a SIMD block or the scalar tail.

@inline function paramEntry(opt: usize, i: i32): usize {
  return opt + (<usize>(O_PARAMS + i * P_WORDS) << 2);
}

export function optimizerZeroGrad(opt: usize): void {
  const n = word(opt, O_NPARAMS);
  for (let i = 0; i < n; i++) {
    const e = paramEntry(opt, i);
    memory.fill(ptr(e, P_GRAD), 0, <usize>word(e, P_SIZE) << 2);
  }
}

export function optimizerStep(opt: usize): void {
  const kind = word(opt, O_KIND);
  const groups = ptr(opt, O_GROUPS);
  const n = word(opt, O_NPARAMS);
  if (kind == OPT_SGD) {
    for (let i = 0; i < n; i++) {
      const e = paramEntry(opt, i);
      sgdParam(e, groups + (<usize>(word(e, P_GROUP) * G_WORDS) << 3));
    }
  } else {
    adamStep(opt, groups, n, kind == OPT_ADAMW);
  }
}

/**
 * Adam / AdamW over every parameter. The scalars of a step (bias corrections with pow, as PyTorch computes
 * them, and the f32 splats) depend only on the group and the step count, so consecutive parameters of one
 * group at the same step share them instead of recomputing them.
 */
function adamStep(opt: usize, groups: usize, n: i32, decoupled: bool): void {
  let lastGroup = -1;
  let lastStep: f64 = -1;
  const k = ADAM_SCALARS;
  for (let i = 0; i < n; i++) {
    const e = paramEntry(opt, i);
    const group = word(e, P_GROUP);
    const meta = ptr(e, P_META);
    const step = load<f64>(meta) + 1;
    store<f64>(meta, step);
    if (group != lastGroup || step != lastStep) {
      lastGroup = group;
      lastStep = step;
      const g = groups + (<usize>(group * G_WORDS) << 3);
      const lr = f64At(g, G_LR);
      const beta1 = f64At(g, G_BETA1);
      const beta2 = f64At(g, G_BETA2);
      const weightDecay = f64At(g, G_WEIGHT_DECAY);
      const stepSize = lr / (1 - Math.pow(beta1, step));
      const biasCorrection2Sqrt = Math.sqrt(1 - Math.pow(beta2, step));
      store<i32>(k, f64At(g, G_AMSGRAD) != 0 ? 1 : 0, A_AMSGRAD);
      store<i32>(k, decoupled && weightDecay != 0 ? 1 : 0, A_DECOUPLED);
      store<i32>(k, !decoupled && weightDecay != 0 ? 1 : 0, A_L2);
      v128.store(k, f32x4.splat(<f32>(1 - lr * weightDecay)), A_DECAY); // AdamW: param.mul_(1 - lr * weight_decay)
      v128.store(k, f32x4.splat(<f32>weightDecay), A_WD); // Adam: grad.add(param, alpha=weight_decay)
      v128.store(k, f32x4.splat(<f32>beta1), A_B1);
      v128.store(k, f32x4.splat(<f32>(1 - beta1)), A_ONE_MINUS_B1);
      v128.store(k, f32x4.splat(<f32>beta2), A_B2);
      v128.store(k, f32x4.splat(<f32>(1 - beta2)), A_ONE_MINUS_B2);
      v128.store(k, f32x4.splat(<f32>biasCorrection2Sqrt), A_BC2_SQRT);
      v128.store(k, f32x4.splat(<f32>f64At(g, G_EPS)), A_EPS);
      v128.store(k, f32x4.splat(<f32>-stepSize), A_NEG_STEP_SIZE);
      v128.store(k, f32x4.splat(f64At(g, G_MAXIMIZE) != 0 ? <f32>-0.0 : <f32>0.0), A_SIGN_FLIP);
    }
    // Every buffer is allocated in whole 16-byte blocks and its padding stays zero (a zero gradient leaves a
    // zero parameter and zero moments unchanged), so whole f32x4 blocks are processed, tail included.
    parAdam(e, k, roundUp4(word(e, P_SIZE)) >> 2);
  }
}

// The scalars of an Adam step as adamBlocks reads them: byte offsets in ADAM_SCALARS (splats, then flags).
const A_DECAY = 0;
const A_WD = 16;
const A_B1 = 32;
const A_ONE_MINUS_B1 = 48;
const A_B2 = 64;
const A_ONE_MINUS_B2 = 80;
const A_BC2_SQRT = 96;
const A_EPS = 112;
const A_NEG_STEP_SIZE = 128;
const A_SIGN_FLIP = 144;
const A_AMSGRAD = 160;
const A_DECOUPLED = 164;
const A_L2 = 168;
/** Static block of the current param's step scalars (written by the thread that runs optimizerStep). */
const ADAM_SCALARS: usize = memory.data(176, 16);

/** Adam / AdamW on f32x4 blocks [from, to) of the parameter at entry `e`, with the step's scalars at `k`. */
export function adamBlocks(e: usize, k: usize, from: i32, to: i32): void {
  const decay = v128.load(k, A_DECAY), wd = v128.load(k, A_WD), b1 = v128.load(k, A_B1);
  const oneMinusB1 = v128.load(k, A_ONE_MINUS_B1), b2 = v128.load(k, A_B2);
  const oneMinusB2 = v128.load(k, A_ONE_MINUS_B2), bc2Sqrt = v128.load(k, A_BC2_SQRT), epsV = v128.load(k, A_EPS);
  const negStepSize = v128.load(k, A_NEG_STEP_SIZE), signFlip = v128.load(k, A_SIGN_FLIP);
  const amsgrad = load<i32>(k, A_AMSGRAD) != 0;
  const useDecoupled = load<i32>(k, A_DECOUPLED) != 0;
  const useL2 = load<i32>(k, A_L2) != 0;
  const p = ptr(e, P_DATA);
  const grad = ptr(e, P_GRAD);
  const expAvg = ptr(e, P_STATE1);
  const expAvgSq = ptr(e, P_STATE2);
  const maxExpAvgSq = ptr(e, P_STATE3);
  const end = <usize>to << 4;
  for (let off: usize = <usize>from << 4; off < end; off += 16) {
    let pv = v128.load(p + off);
    let gv = v128.xor(v128.load(grad + off), signFlip);
    if (useDecoupled) pv = f32x4.mul(pv, decay);
    if (useL2) gv = f32x4.add(gv, f32x4.mul(wd, pv));
    const m = f32x4.add(f32x4.mul(v128.load(expAvg + off), b1), f32x4.mul(oneMinusB1, gv));
    const v = f32x4.add(f32x4.mul(v128.load(expAvgSq + off), b2), f32x4.mul(f32x4.mul(oneMinusB2, gv), gv));
    let denom: v128;
    if (amsgrad) {
      const vmax = f32x4.max(v128.load(maxExpAvgSq + off), v);
      v128.store(maxExpAvgSq + off, vmax);
      denom = f32x4.add(f32x4.div(f32x4.sqrt(vmax), bc2Sqrt), epsV);
    } else {
      denom = f32x4.add(f32x4.div(f32x4.sqrt(v), bc2Sqrt), epsV);
    }
    v128.store(p + off, f32x4.add(pv, f32x4.div(f32x4.mul(negStepSize, m), denom)));
    v128.store(expAvg + off, m);
    v128.store(expAvgSq + off, v);
  }
}

function sgdParam(e: usize, g: usize): void {
  const p = ptr(e, P_DATA);
  const grad = ptr(e, P_GRAD);
  const size = word(e, P_SIZE);
  const buf = ptr(e, P_STATE1);
  const meta = ptr(e, P_META);
  const lr = f64At(g, G_LR);
  const momentum = f64At(g, G_BETA1);
  const dampening = f64At(g, G_DAMPENING);
  const weightDecay = f64At(g, G_WEIGHT_DECAY);
  const nesterov = f64At(g, G_NESTEROV) != 0;
  const maximize = f64At(g, G_MAXIMIZE) != 0;
  store<f64>(meta, load<f64>(meta) + 1);
  const useMomentum = momentum != 0;
  // The first step with momentum clones the gradient into the buffer (momentum_buffer is None before).
  const firstBuffer = useMomentum && load<f64>(meta, 8) == 0;
  if (useMomentum) store<f64>(meta, 1, 8);

  const wd = f32x4.splat(<f32>weightDecay);
  const mom = f32x4.splat(<f32>momentum);
  const oneMinusDampening = f32x4.splat(<f32>(1 - dampening));
  const negLr = f32x4.splat(<f32>-lr);
  const signFlip = f32x4.splat(maximize ? <f32>-0.0 : <f32>0.0);
  const end = <usize>roundUp4(size) << 2; // whole blocks, as in adamParam
  for (let off: usize = 0; off < end; off += 16) {
    const pv = v128.load(p + off);
    let dp = v128.xor(v128.load(grad + off), signFlip);
    if (weightDecay != 0) dp = f32x4.add(dp, f32x4.mul(wd, pv));
    if (useMomentum) {
      const b = firstBuffer ? dp : f32x4.add(f32x4.mul(v128.load(buf + off), mom), f32x4.mul(oneMinusDampening, dp));
      v128.store(buf + off, b);
      dp = nesterov ? f32x4.add(dp, f32x4.mul(mom, b)) : b;
    }
    v128.store(p + off, f32x4.add(pv, f32x4.mul(negLr, dp)));
  }
}
