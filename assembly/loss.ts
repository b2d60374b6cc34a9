import { expV, logV } from './vmath';

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
