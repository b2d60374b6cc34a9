// Softmax cross-entropy averaged over the batch, as nn.CrossEntropyLoss (log_softmax + nll_loss, mean).
// Logits are [classes][stride]; labels are i32[stride].

/** Returns the mean loss; when grad is not 0 also writes dLoss/dlogits = (softmax - onehot) / n there. */
export function crossEntropy(logits: usize, labels: usize, grad: usize, classes: i32, stride: i32, n: i32, nPad: i32): f64 {
  const rowBytes = <usize>stride << 2;
  const invN: f32 = <f32>1 / <f32>n;
  let total: f64 = 0;
  for (let s = 0; s < n; s++) {
    const col = logits + (<usize>s << 2);
    let max = load<f32>(col);
    for (let c = 1; c < classes; c++) max = Mathf.max(max, load<f32>(col + <usize>c * rowBytes));
    let sum: f32 = 0;
    for (let c = 0; c < classes; c++) sum += Mathf.exp(load<f32>(col + <usize>c * rowBytes) - max);
    const logSum = Mathf.log(sum);
    const y = load<i32>(labels + (<usize>s << 2));
    // log_softmax[y] = (z_y - max) - log Σ exp(z - max)
    total += -<f64>((load<f32>(col + <usize>y * rowBytes) - max) - logSum);
    if (grad != 0) {
      const gcol = grad + (<usize>s << 2);
      for (let c = 0; c < classes; c++) {
        const p = Mathf.exp((load<f32>(col + <usize>c * rowBytes) - max) - logSum);
        store<f32>(gcol + <usize>c * rowBytes, (c == y ? p - <f32>1 : p) * invN);
      }
    }
  }
  if (grad != 0) {
    for (let c = 0; c < classes; c++) {
      for (let s = n; s < nPad; s++) store<f32>(grad + <usize>c * rowBytes + (<usize>s << 2), 0);
    }
  }
  return total / <f64>n;
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
