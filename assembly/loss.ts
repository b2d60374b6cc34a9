import { LOSS_L1, LOSS_MSE, LOSS_SMOOTH_L1, REDUCTION_SUM } from './layout';
import { expV, log1pV, logV, sigmoidV } from './vmath';

// Softmax cross-entropy averaged over the batch, as nn.CrossEntropyLoss (log_softmax + nll_loss, mean).
// Logits are [classes][stride], labels i32[stride]; four samples per f32x4.

/**
 * Returns the mean loss; when grad is not 0 also writes dLoss/dlogits = (softmax − onehot) / n there, zero
 * in the padded lanes. Per sample: loss = log Σ exp(z − max) − (z_y − max).
 */
export function crossEntropy(
  logits: usize, labels: usize, grad: usize, classes: i32, stride: i32, n: i32, nPad: i32,
): f64 {
  const rowBytes = <usize>stride << 2;
  const invN = f32x4.splat(<f32>1 / <f32>n);
  // Each lane's losses are summed in f64 (two f64x2 running sums), padded lanes masked to zero.
  let totalLow = f64x2.splat(0);
  let totalHigh = f64x2.splat(0);
  const laneIndex = v128(0, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0);
  for (let s = 0; s < nPad; s += 4) {
    const off = <usize>s << 2;
    const col = logits + off;
    let max = v128.load(col);
    for (let c = 1; c < classes; c++) max = f32x4.max(max, v128.load(col + <usize>c * rowBytes));
    const y = v128.load(labels + off);
    let sum = f32x4.splat(0);
    let zy = f32x4.splat(0);
    for (let c = 0; c < classes; c++) {
      const z = f32x4.sub(v128.load(col + <usize>c * rowBytes), max);
      const e = expV(z);
      if (grad != 0) v128.store(grad + off + <usize>c * rowBytes, e);
      sum = f32x4.add(sum, e);
      zy = v128.bitselect(z, zy, i32x4.eq(y, i32x4.splat(c)));
    }
    // Padded lanes (s + lane >= n) add nothing to the loss and get a zero gradient.
    const live = i32x4.lt_s(i32x4.add(i32x4.splat(s), laneIndex), i32x4.splat(n));
    const perSample = v128.and(f32x4.sub(logV(sum), zy), live);
    totalLow = f64x2.add(totalLow, f64x2.promote_low_f32x4(perSample));
    totalHigh = f64x2.add(totalHigh, f64x2.promote_low_f32x4(v128.shuffle<f32>(perSample, perSample, 2, 3, 0, 1)));
    if (grad != 0) {
      const inv = f32x4.div(f32x4.splat(1), sum);
      for (let c = 0; c < classes; c++) {
        const gp = grad + off + <usize>c * rowBytes;
        const p = f32x4.mul(v128.load(gp), inv);
        const onehot = v128.and(f32x4.splat(1), i32x4.eq(y, i32x4.splat(c)));
        v128.store(gp, v128.and(f32x4.mul(f32x4.sub(p, onehot), invN), live));
      }
    }
  }
  const total = f64x2.add(totalLow, totalHigh);
  return (f64x2.extract_lane(total, 0) + f64x2.extract_lane(total, 1)) / <f64>n;
}

/** Arg-max class of every sample (first maximum on ties, like torch.argmax); returns how many equal the label. */
export function argmaxAndCount(logits: usize, labels: usize, pred: usize, classes: i32, stride: i32, n: i32): i32 {
  const rowBytes = <usize>stride << 2;
  let correct = 0;
  for (let s = 0; s < n; s++) {
    const col = logits + (<usize>s << 2);
    let best = 0;
    let bestVal = load<f32>(col);
    for (let c = 1; c < classes; c++) {
      const v = load<f32>(col + <usize>c * rowBytes);
      if (v > bestVal) { bestVal = v; best = c; }
    }
    if (pred != 0) store<i32>(pred + (<usize>s << 2), best);
    if (labels != 0 && load<i32>(labels + (<usize>s << 2)) == best) correct++;
  }
  return correct;
}

// The other losses, as PyTorch 1.13 computes them on the CPU (aten/src/ATen/native/Loss.cpp and its kernels),
// with reduction 'mean' (over every element: samples × outputs) or 'sum'. Each returns the loss as the f32
// PyTorch's reduction gives (an f64 sum of the f32 terms, rounded once) and, when grad is not 0, writes
// dLoss/doutput there, zero in the padded lanes. Outputs and targets are [dim][stride].

/** Lanes s..s+3 that hold samples (s + lane < n): all ones, else zero. */
@inline function liveLanes(s: i32, n: i32): v128 {
  const laneIndex = v128(0, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0);
  return i32x4.lt_s(i32x4.add(i32x4.splat(s), laneIndex), i32x4.splat(n));
}

/** The f64 sum of four f32 lanes. */
@inline function laneSum(v: v128): f64 {
  const s = f64x2.add(f64x2.promote_low_f32x4(v), f64x2.promote_low_f32x4(v128.shuffle<f32>(v, v, 2, 3, 0, 1)));
  return f64x2.extract_lane(s, 0) + f64x2.extract_lane(s, 1);
}

/**
 * MSELoss, L1Loss, SmoothL1Loss (beta = arg) and HuberLoss (delta = arg). Gradients as ATen's backward kernels:
 * MSE norm·(x − y) with norm = 2/numel; L1 sgn(x − y)·(1/numel) (autograd through abs and mean); SmoothL1
 * ±norm beyond ±beta, else norm·d/beta; Huber ±norm·delta beyond ±delta, else norm·d.
 */
export function regressionLoss(
  kind: i32, out: usize, target: usize, grad: usize, dim: i32, stride: i32, n: i32, nPad: i32, arg: f64,
  reduction: i32,
): f64 {
  const numel = <f64>n * <f64>dim;
  const scale = reduction == REDUCTION_SUM ? 1.0 : 1.0 / numel;
  const norm = f32x4.splat(<f32>(kind == LOSS_MSE ? 2.0 * scale : scale));
  const beta = f32x4.splat(<f32>arg);
  const negBeta = f32x4.neg(beta);
  const half = f32x4.splat(0.5);
  const zero = f32x4.splat(0);
  let total: f64 = 0;
  for (let d = 0; d < dim; d++) {
    const row = <usize>(d * stride) << 2;
    for (let s = 0; s < nPad; s += 4) {
      const o = row + (<usize>s << 2);
      const live = liveLanes(s, n);
      const diff = f32x4.sub(v128.load(out + o), v128.load(target + o));
      const z = f32x4.abs(diff);
      let term: v128;
      let g: v128;
      if (kind == LOSS_MSE) {
        term = f32x4.mul(diff, diff);
        g = f32x4.mul(norm, diff);
      } else if (kind == LOSS_L1) {
        term = z;
        const sign = v128.or(
          v128.and(f32x4.splat(1), f32x4.gt(diff, zero)), v128.and(f32x4.splat(-1), f32x4.lt(diff, zero)),
        );
        g = f32x4.mul(sign, norm);
      } else if (kind == LOSS_SMOOTH_L1) {
        term = v128.bitselect(f32x4.sub(z, f32x4.mul(half, beta)), f32x4.div(f32x4.mul(f32x4.mul(half, z), z), beta),
          f32x4.ge(z, beta));
        const inside = f32x4.div(f32x4.mul(norm, diff), beta);
        const upper = v128.bitselect(norm, inside, f32x4.ge(diff, beta));
        g = v128.bitselect(f32x4.neg(norm), upper, f32x4.le(diff, negBeta));
      } else {
        term = v128.bitselect(f32x4.mul(beta, f32x4.sub(z, f32x4.mul(half, beta))), f32x4.mul(f32x4.mul(half, z), z),
          f32x4.ge(z, beta));
        const edge = f32x4.mul(norm, beta);
        g = v128.bitselect(f32x4.neg(edge), v128.bitselect(edge, f32x4.mul(norm, diff), f32x4.ge(diff, beta)),
          f32x4.le(diff, negBeta));
      }
      total += laneSum(v128.and(term, live));
      if (grad != 0) v128.store(grad + o, v128.and(g, live));
    }
  }
  return <f64><f32>(total * scale);
}

/**
 * BCEWithLogitsLoss: per element (1 − y)·x + lw·(log1p(exp(−|x|)) + max(−x, 0)), lw = (pos_weight − 1)·y + 1
 * (1 without pos_weight); gradient ((t + 1 − y)·σ(x) − t) / numel with t = pos_weight·y (σ(x) − y without).
 * `posWeight` is f32[dim] or 0.
 */
export function bceWithLogits(
  out: usize, target: usize, grad: usize, dim: i32, stride: i32, n: i32, nPad: i32, posWeight: usize,
  reduction: i32,
): f64 {
  const numel = <f64>n * <f64>dim;
  const divisor = f32x4.splat(reduction == REDUCTION_SUM ? 1 : <f32>numel);
  const one = f32x4.splat(1);
  const zero = f32x4.splat(0);
  let total: f64 = 0;
  for (let d = 0; d < dim; d++) {
    const row = <usize>(d * stride) << 2;
    const pw = f32x4.splat(posWeight != 0 ? load<f32>(posWeight + (<usize>d << 2)) : 1);
    for (let s = 0; s < nPad; s += 4) {
      const o = row + (<usize>s << 2);
      const live = liveLanes(s, n);
      const x = v128.load(out + o);
      const y = v128.load(target + o);
      const softplus = f32x4.add(log1pV(expV(f32x4.neg(f32x4.abs(x)))), f32x4.max(f32x4.neg(x), zero));
      let term: v128;
      let g: v128;
      const sig = sigmoidV(x);
      if (posWeight != 0) {
        const lw = f32x4.add(f32x4.mul(f32x4.sub(pw, one), y), one);
        term = f32x4.add(f32x4.mul(f32x4.sub(one, y), x), f32x4.mul(lw, softplus));
        const t = f32x4.mul(pw, y);
        g = f32x4.sub(f32x4.mul(f32x4.sub(f32x4.add(t, one), y), sig), t);
      } else {
        term = f32x4.add(f32x4.mul(f32x4.sub(one, y), x), softplus);
        g = f32x4.sub(sig, y);
      }
      total += laneSum(v128.and(term, live));
      if (grad != 0) v128.store(grad + o, v128.and(f32x4.div(g, divisor), live));
    }
  }
  return <f64><f32>(reduction == REDUCTION_SUM ? total : total / numel);
}

/**
 * CrossEntropyLoss with label_smoothing ε and class weights w (f32[classes], or 0 for none), as ATen's
 * cross_entropy_loss_label_smoothing: (1 − ε)·nll + (ε/C)·smooth, where nll = Σ −w_y·logp_y / W, smooth =
 * Σ_s Σ_c −w_c·logp_c / W and W = Σ_s w_y ('mean'; n without weights, 1 for 'sum'). The gradient is autograd's
 * through log_softmax: g_c = p_c·(A + Σ_c B_c) − A·[c = y] − B_c with A = (1 − ε)·w_y/W, B_c = (ε/C)·w_c/W.
 */
export function crossEntropySmoothed(
  logits: usize, labels: usize, grad: usize, classes: i32, stride: i32, n: i32, nPad: i32, smoothing: f64,
  weight: usize, reduction: i32,
): f64 {
  const rowBytes = <usize>stride << 2;
  let weightTotal: f64 = reduction == REDUCTION_SUM ? 1 : <f64>n;
  let classWeightSum: f32 = <f32>classes;
  if (weight != 0) {
    classWeightSum = 0;
    for (let c = 0; c < classes; c++) classWeightSum += load<f32>(weight + (<usize>c << 2));
    if (reduction != REDUCTION_SUM) {
      let w: f32 = 0;
      for (let s = 0; s < n; s++) w += load<f32>(weight + (<usize>load<i32>(labels + (<usize>s << 2)) << 2));
      weightTotal = <f64>w;
    }
  }
  const keep = <f32>(1.0 - smoothing);
  const spread = <f32>(smoothing / <f64>classes);
  const invW = <f32>(1.0 / weightTotal);
  const keepW = f32x4.splat(keep * invW);
  const spreadW = spread * invW;
  let nllTotal: f64 = 0;
  let smoothTotal: f64 = 0;
  for (let s = 0; s < nPad; s += 4) {
    const off = <usize>s << 2;
    const col = logits + off;
    const live = liveLanes(s, n);
    let max = v128.load(col);
    for (let c = 1; c < classes; c++) max = f32x4.max(max, v128.load(col + <usize>c * rowBytes));
    const y = v128.load(labels + off);
    let wy = f32x4.splat(1);
    if (weight != 0) {
      wy = f32x4.replace_lane(wy, 0, load<f32>(weight + (<usize>i32x4.extract_lane(y, 0) << 2)));
      wy = f32x4.replace_lane(wy, 1, load<f32>(weight + (<usize>i32x4.extract_lane(y, 1) << 2)));
      wy = f32x4.replace_lane(wy, 2, load<f32>(weight + (<usize>i32x4.extract_lane(y, 2) << 2)));
      wy = f32x4.replace_lane(wy, 3, load<f32>(weight + (<usize>i32x4.extract_lane(y, 3) << 2)));
    }
    let sum = f32x4.splat(0);
    for (let c = 0; c < classes; c++) {
      const e = expV(f32x4.sub(v128.load(col + <usize>c * rowBytes), max));
      if (grad != 0) v128.store(grad + off + <usize>c * rowBytes, e);
      sum = f32x4.add(sum, e);
    }
    const logSum = logV(sum);
    let nll = f32x4.splat(0);
    let smooth = f32x4.splat(0);
    for (let c = 0; c < classes; c++) {
      const logp = f32x4.sub(f32x4.sub(v128.load(col + <usize>c * rowBytes), max), logSum);
      const wc = f32x4.splat(weight != 0 ? load<f32>(weight + (<usize>c << 2)) : 1);
      smooth = f32x4.sub(smooth, f32x4.mul(logp, wc));
      nll = v128.bitselect(f32x4.neg(f32x4.mul(logp, wy)), nll, i32x4.eq(y, i32x4.splat(c)));
    }
    nllTotal += laneSum(v128.and(nll, live));
    smoothTotal += laneSum(v128.and(smooth, live));
    if (grad != 0) {
      const a = f32x4.mul(keepW, wy);
      const scale = f32x4.div(f32x4.add(a, f32x4.splat(spreadW * classWeightSum)), sum); // (A + Σ B_c) / Σ exp
      for (let c = 0; c < classes; c++) {
        const gp = grad + off + <usize>c * rowBytes;
        const bc = f32x4.splat(spreadW * (weight != 0 ? load<f32>(weight + (<usize>c << 2)) : 1));
        const target = f32x4.add(v128.and(a, i32x4.eq(y, i32x4.splat(c))), bc);
        v128.store(gp, v128.and(f32x4.sub(f32x4.mul(v128.load(gp), scale), target), live));
      }
    }
  }
  const nllMean = <f32>(nllTotal / weightTotal);
  if (smoothing == 0) return <f64>nllMean;
  const smoothMean = <f32>(smoothTotal / weightTotal);
  return <f64>(keep * nllMean + smoothMean * spread);
}
