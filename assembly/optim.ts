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
  cachedStep = -1;
  for (let i = 0; i < n; i++) {
    const e = paramEntry(opt, i);
    const g = groups + (<usize>(word(e, P_GROUP) * G_WORDS) << 3);
    if (kind == OPT_SGD) sgdParam(e, g);
    else adamParam(e, g, kind == OPT_ADAMW);
  }
}

// Adam's bias corrections depend only on (beta1, beta2, step), which the parameters of a group share: they
// are computed once per group and step (with pow, as PyTorch does) instead of once per parameter.
let cachedStep: f64 = -1;
let cachedBeta1: f64 = 0;
let cachedBeta2: f64 = 0;
let cachedCorrection1: f64 = 0;
let cachedCorrection2: f64 = 0;

@inline function biasCorrections(beta1: f64, beta2: f64, step: f64): void {
  if (step != cachedStep || beta1 != cachedBeta1 || beta2 != cachedBeta2) {
    cachedStep = step;
    cachedBeta1 = beta1;
    cachedBeta2 = beta2;
    cachedCorrection1 = 1 - Math.pow(beta1, step);
    cachedCorrection2 = 1 - Math.pow(beta2, step);
  }
}

function adamParam(e: usize, g: usize, decoupled: bool): void {
  const p = ptr(e, P_DATA);
  const grad = ptr(e, P_GRAD);
  const size = word(e, P_SIZE);
  const expAvg = ptr(e, P_STATE1);
  const expAvgSq = ptr(e, P_STATE2);
  const maxExpAvgSq = ptr(e, P_STATE3);
  const meta = ptr(e, P_META);
  const lr = f64At(g, G_LR);
  const beta1 = f64At(g, G_BETA1);
  const beta2 = f64At(g, G_BETA2);
  const eps = f64At(g, G_EPS);
  const weightDecay = f64At(g, G_WEIGHT_DECAY);
  const amsgrad = f64At(g, G_AMSGRAD) != 0;
  const maximize = f64At(g, G_MAXIMIZE) != 0;

  const step = load<f64>(meta) + 1;
  store<f64>(meta, step);
  biasCorrections(beta1, beta2, step);
  const biasCorrection1 = cachedCorrection1;
  const biasCorrection2 = cachedCorrection2;
  const stepSize = lr / biasCorrection1;
  const biasCorrection2Sqrt = Math.sqrt(biasCorrection2);

  const decay = f32x4.splat(<f32>(1 - lr * weightDecay)); // AdamW: param.mul_(1 - lr * weight_decay)
  const wd = f32x4.splat(<f32>weightDecay); // Adam: grad.add(param, alpha=weight_decay)
  const useDecoupled = decoupled && weightDecay != 0;
  const useL2 = !decoupled && weightDecay != 0;
  const b1 = f32x4.splat(<f32>beta1);
  const oneMinusB1 = f32x4.splat(<f32>(1 - beta1));
  const b2 = f32x4.splat(<f32>beta2);
  const oneMinusB2 = f32x4.splat(<f32>(1 - beta2));
  const bc2Sqrt = f32x4.splat(<f32>biasCorrection2Sqrt);
  const epsV = f32x4.splat(<f32>eps);
  const negStepSize = f32x4.splat(<f32>-stepSize);
  const signFlip = f32x4.splat(maximize ? <f32>-0.0 : <f32>0.0);

  // Every buffer is allocated in whole 16-byte blocks and its padding stays zero (a zero gradient leaves a
  // zero parameter and zero moments unchanged), so whole f32x4 blocks are processed, tail included.
  const end = <usize>roundUp4(size) << 2;
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
