import {
  G_AMSGRAD, G_BETA1, G_BETA2, G_DAMPENING, G_EPS, G_LR, G_MAXIMIZE, G_NESTEROV, G_WEIGHT_DECAY, G_WORDS,
  O_GROUPS, O_KIND, O_NPARAMS, O_PARAMS, OPT_ADAMW, OPT_SGD, P_DATA, P_GRAD, P_GROUP, P_META, P_SIZE,
  P_STATE1, P_STATE2, P_STATE3, P_WORDS,
} from './layout';
import { f64At, ptr, word } from './mem';

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
  for (let i = 0; i < n; i++) {
    const e = paramEntry(opt, i);
    const g = groups + (<usize>(word(e, P_GROUP) * G_WORDS) << 3);
    if (kind == OPT_SGD) sgdParam(e, g);
    else adamParam(e, g, kind == OPT_ADAMW);
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
  const biasCorrection1 = 1 - Math.pow(beta1, step);
  const biasCorrection2 = 1 - Math.pow(beta2, step);
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

  // Four elements per iteration; the tail runs the same lane-wise code on a zero-padded copy.
  const full = size & ~3;
  for (let j = 0; j < size; j += 4) {
    const tail = j >= full;
    const off = <usize>j << 2;
    let pv: v128, gv: v128, m: v128, v: v128, vmax: v128;
    if (!tail) {
      pv = v128.load(p + off); gv = v128.load(grad + off);
      m = v128.load(expAvg + off); v = v128.load(expAvgSq + off);
      vmax = amsgrad ? v128.load(maxExpAvgSq + off) : f32x4.splat(0);
    } else {
      pv = loadTail(p + off, size - j); gv = loadTail(grad + off, size - j);
      m = loadTail(expAvg + off, size - j); v = loadTail(expAvgSq + off, size - j);
      vmax = amsgrad ? loadTail(maxExpAvgSq + off, size - j) : f32x4.splat(0);
    }
    gv = v128.xor(gv, signFlip);
    if (useDecoupled) pv = f32x4.mul(pv, decay);
    if (useL2) gv = f32x4.add(gv, f32x4.mul(wd, pv));
    m = f32x4.add(f32x4.mul(m, b1), f32x4.mul(oneMinusB1, gv));
    v = f32x4.add(f32x4.mul(v, b2), f32x4.mul(f32x4.mul(oneMinusB2, gv), gv));
    let denom: v128;
    if (amsgrad) {
      vmax = f32x4.max(vmax, v);
      denom = f32x4.add(f32x4.div(f32x4.sqrt(vmax), bc2Sqrt), epsV);
    } else {
      denom = f32x4.add(f32x4.div(f32x4.sqrt(v), bc2Sqrt), epsV);
    }
    pv = f32x4.add(pv, f32x4.div(f32x4.mul(negStepSize, m), denom));
    if (!tail) {
      v128.store(p + off, pv); v128.store(expAvg + off, m); v128.store(expAvgSq + off, v);
      if (amsgrad) v128.store(maxExpAvgSq + off, vmax);
    } else {
      storeTail(p + off, pv, size - j); storeTail(expAvg + off, m, size - j); storeTail(expAvgSq + off, v, size - j);
      if (amsgrad) storeTail(maxExpAvgSq + off, vmax, size - j);
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
  const full = size & ~3;
  for (let j = 0; j < size; j += 4) {
    const tail = j >= full;
    const off = <usize>j << 2;
    const rem = size - j;
    let pv = tail ? loadTail(p + off, rem) : v128.load(p + off);
    let dp = v128.xor(tail ? loadTail(grad + off, rem) : v128.load(grad + off), signFlip);
    if (weightDecay != 0) dp = f32x4.add(dp, f32x4.mul(wd, pv));
    if (useMomentum) {
      let b: v128;
      if (firstBuffer) {
        b = dp;
      } else {
        b = tail ? loadTail(buf + off, rem) : v128.load(buf + off);
        b = f32x4.add(f32x4.mul(b, mom), f32x4.mul(oneMinusDampening, dp));
      }
      if (tail) storeTail(buf + off, b, rem); else v128.store(buf + off, b);
      dp = nesterov ? f32x4.add(dp, f32x4.mul(mom, b)) : b;
    }
    pv = f32x4.add(pv, f32x4.mul(negLr, dp));
    if (tail) storeTail(p + off, pv, rem); else v128.store(p + off, pv);
  }
}

@inline function loadTail(p: usize, count: i32): v128 {
  let v = f32x4.splat(0);
  v = f32x4.replace_lane(v, 0, load<f32>(p));
  if (count > 1) v = f32x4.replace_lane(v, 1, load<f32>(p, 4));
  if (count > 2) v = f32x4.replace_lane(v, 2, load<f32>(p, 8));
  return v;
}

@inline function storeTail(p: usize, v: v128, count: i32): void {
  store<f32>(p, f32x4.extract_lane(v, 0));
  if (count > 1) store<f32>(p, f32x4.extract_lane(v, 1), 4);
  if (count > 2) store<f32>(p, f32x4.extract_lane(v, 2), 8);
}
