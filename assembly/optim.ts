import {
  G_AMSGRAD, G_BETA1, G_BETA2, G_DAMPENING, G_EPS, G_LR, G_MAXIMIZE, G_NESTEROV, G_WEIGHT_DECAY, G_WORDS,
  O_GROUPS, O_KIND, O_NPARAMS, O_PARAMS, OPT_ADAMW, OPT_SGD, P_DATA, P_GRAD, P_GROUP, P_META, P_SIZE,
  P_STATE1, P_STATE2, P_STATE3, P_WORDS,
} from './layout';
import { f64At, ptr, roundUp4, word } from './mem';

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
  let decay = f32x4.splat(0), wd = f32x4.splat(0), b1 = f32x4.splat(0), oneMinusB1 = f32x4.splat(0);
  let b2 = f32x4.splat(0), oneMinusB2 = f32x4.splat(0), bc2Sqrt = f32x4.splat(0), epsV = f32x4.splat(0);
  let negStepSize = f32x4.splat(0), signFlip = f32x4.splat(0);
  let useDecoupled = false, useL2 = false, amsgrad = false;
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
      amsgrad = f64At(g, G_AMSGRAD) != 0;
      useDecoupled = decoupled && weightDecay != 0;
      useL2 = !decoupled && weightDecay != 0;
      decay = f32x4.splat(<f32>(1 - lr * weightDecay)); // AdamW: param.mul_(1 - lr * weight_decay)
      wd = f32x4.splat(<f32>weightDecay); // Adam: grad.add(param, alpha=weight_decay)
      b1 = f32x4.splat(<f32>beta1);
      oneMinusB1 = f32x4.splat(<f32>(1 - beta1));
      b2 = f32x4.splat(<f32>beta2);
      oneMinusB2 = f32x4.splat(<f32>(1 - beta2));
      bc2Sqrt = f32x4.splat(<f32>biasCorrection2Sqrt);
      epsV = f32x4.splat(<f32>f64At(g, G_EPS));
      negStepSize = f32x4.splat(<f32>-stepSize);
      signFlip = f32x4.splat(f64At(g, G_MAXIMIZE) != 0 ? <f32>-0.0 : <f32>0.0);
    }
    const p = ptr(e, P_DATA);
    const grad = ptr(e, P_GRAD);
    const expAvg = ptr(e, P_STATE1);
    const expAvgSq = ptr(e, P_STATE2);
    const maxExpAvgSq = ptr(e, P_STATE3);
    // Every buffer is allocated in whole 16-byte blocks and its padding stays zero (a zero gradient leaves a
    // zero parameter and zero moments unchanged), so whole f32x4 blocks are processed, tail included.
    const end = <usize>roundUp4(word(e, P_SIZE)) << 2;
    for (let off: usize = 0; off < end; off += 16) {
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
