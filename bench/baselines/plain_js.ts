// The plain-JavaScript baseline: the same MLP (Linear layers with tanh between them, softmax cross-entropy
// averaged over the batch) and Adam as PyTorch 1.13 computes them, on Float32Arrays, batch-major
// (x[s * features + f]), weights in PyTorch layout (weight[out][in]). Written straightforwardly but sensibly:
// typed arrays, buffers allocated once, no allocation per step.

export interface PlainLayerInit {
  /** out × in, row-major. */
  weight: ArrayLike<number>;
  bias: ArrayLike<number>;
}

function checkedCopy(values: ArrayLike<number>, length: number, what: string): Float32Array {
  if (values.length !== length)
    throw new RangeError(`PlainMlp: ${what} has ${values.length} values, expected ${length}`);
  return Float32Array.from(values);
}

export class PlainMlp {
  readonly sizes: readonly number[];
  /** Per layer: weight (out×in), bias (out), and their gradients. */
  readonly weights: Float32Array[];
  readonly biases: Float32Array[];
  readonly gradWeights: Float32Array[];
  readonly gradBiases: Float32Array[];
  /** Outputs of each layer after its activation (the last one holds the logits), n × out. */
  private readonly outs: Float32Array[];
  /** d(loss)/d(pre-activation) of each layer, n × out. */
  private readonly deltas: Float32Array[];
  private readonly capacity: number;

  constructor(sizes: readonly number[], capacity: number, init: readonly PlainLayerInit[]) {
    this.sizes = [...sizes];
    this.capacity = capacity;
    if (init.length !== sizes.length - 1)
      throw new RangeError(`PlainMlp: ${init.length} layers of weights for sizes ${sizes.join('-')}`);
    this.weights = init.map((layer, l) => checkedCopy(layer.weight, sizes[l + 1] * sizes[l], `layer ${l} weight`));
    this.biases = init.map((layer, l) => checkedCopy(layer.bias, sizes[l + 1], `layer ${l} bias`));
    this.gradWeights = this.weights.map((w) => new Float32Array(w.length));
    this.gradBiases = this.biases.map((b) => new Float32Array(b.length));
    this.outs = sizes.slice(1).map((d) => new Float32Array(capacity * d));
    this.deltas = sizes.slice(1).map((d) => new Float32Array(capacity * d));
  }

  /** Parameters in PyTorch order (weight, bias per layer) with their gradients, for the optimizer. */
  parameters(): { data: Float32Array; grad: Float32Array }[] {
    return this.weights.flatMap((w, l) => [
      { data: w, grad: this.gradWeights[l] },
      { data: this.biases[l], grad: this.gradBiases[l] },
    ]);
  }

  private forward(x: Float32Array, n: number): void {
    const L = this.weights.length;
    let input = x;
    for (let l = 0; l < L; l++) {
      const fanIn = this.sizes[l];
      const fanOut = this.sizes[l + 1];
      const w = this.weights[l];
      const b = this.biases[l];
      const out = this.outs[l];
      const hidden = l + 1 < L;
      for (let s = 0; s < n; s++) {
        const xRow = s * fanIn;
        for (let o = 0; o < fanOut; o++) {
          const wRow = o * fanIn;
          let sum = b[o];
          for (let i = 0; i < fanIn; i++) sum += input[xRow + i] * w[wRow + i];
          out[s * fanOut + o] = hidden ? Math.tanh(sum) : sum;
        }
      }
      input = out;
    }
  }

  /**
   * Mean softmax cross-entropy of the logits; with `withGrad` also writes d(loss)/d(logits) =
   * (softmax - onehot) / n into the last delta buffer.
   */
  private crossEntropy(y: Int32Array, n: number, withGrad: boolean): number {
    const classes = this.sizes[this.sizes.length - 1];
    const logits = this.outs[this.outs.length - 1];
    const delta = this.deltas[this.deltas.length - 1];
    let total = 0;
    for (let s = 0; s < n; s++) {
      const row = s * classes;
      let max = logits[row];
      for (let c = 1; c < classes; c++) if (logits[row + c] > max) max = logits[row + c];
      let sum = 0;
      for (let c = 0; c < classes; c++) sum += Math.exp(logits[row + c] - max);
      const logSum = Math.log(sum);
      total += logSum - (logits[row + y[s]] - max);
      if (withGrad) {
        for (let c = 0; c < classes; c++) {
          const p = Math.exp(logits[row + c] - max - logSum);
          delta[row + c] = (c === y[s] ? p - 1 : p) / n;
        }
      }
    }
    return total / n;
  }

  /** Gradients of the mean loss with respect to every parameter (overwritten, as after zero_grad + backward). */
  private backward(x: Float32Array, n: number): void {
    for (let l = this.weights.length - 1; l >= 0; l--) {
      const fanIn = this.sizes[l];
      const fanOut = this.sizes[l + 1];
      const input = l === 0 ? x : this.outs[l - 1];
      const delta = this.deltas[l];
      const w = this.weights[l];
      const gw = this.gradWeights[l];
      const gb = this.gradBiases[l];
      gw.fill(0);
      gb.fill(0);
      for (let s = 0; s < n; s++) {
        const xRow = s * fanIn;
        for (let o = 0; o < fanOut; o++) {
          const d = delta[s * fanOut + o];
          gb[o] += d;
          const wRow = o * fanIn;
          for (let i = 0; i < fanIn; i++) gw[wRow + i] += d * input[xRow + i];
        }
      }
      if (l === 0) break; // no gradient for the input
      // delta of the layer below: (delta · W) ⊙ tanh'(z) = (delta · W) ⊙ (1 - h²)
      const below = this.deltas[l - 1];
      below.fill(0, 0, n * fanIn);
      for (let s = 0; s < n; s++) {
        const row = s * fanIn;
        for (let o = 0; o < fanOut; o++) {
          const d = delta[s * fanOut + o];
          const wRow = o * fanIn;
          for (let i = 0; i < fanIn; i++) below[row + i] += d * w[wRow + i];
        }
        for (let i = 0; i < fanIn; i++) {
          const h = input[row + i];
          below[row + i] *= 1 - h * h;
        }
      }
    }
  }

  /** The loss of (x, y) without touching the gradients. */
  loss(x: Float32Array, y: Int32Array, n: number): number {
    this.check(n);
    this.forward(x, n);
    return this.crossEntropy(y, n, false);
  }

  /** Forward, loss and backward; returns the loss. The gradients hold d(loss)/d(param) afterwards. */
  lossAndGrad(x: Float32Array, y: Int32Array, n: number): number {
    this.check(n);
    this.forward(x, n);
    const loss = this.crossEntropy(y, n, true);
    this.backward(x, n);
    return loss;
  }

  private check(n: number): void {
    if (n < 1 || n > this.capacity) throw new RangeError(`PlainMlp: batch of ${n}; capacity is ${this.capacity}`);
  }
}

/** torch.optim.Adam (1.13, single-tensor path, no weight decay, no amsgrad) on Float32Arrays. */
export class PlainAdam {
  lr: number;
  private readonly params: { data: Float32Array; grad: Float32Array; m: Float32Array; v: Float32Array }[];
  private stepCount = 0;

  private readonly beta1: number;
  private readonly beta2: number;
  private readonly eps: number;

  constructor(
    params: readonly { data: Float32Array; grad: Float32Array }[],
    options: { lr: number; betas?: readonly [number, number]; eps?: number },
  ) {
    this.lr = options.lr;
    this.beta1 = options.betas?.[0] ?? 0.9;
    this.beta2 = options.betas?.[1] ?? 0.999;
    this.eps = options.eps ?? 1e-8;
    this.params = params.map((p) => ({ ...p, m: new Float32Array(p.data.length), v: new Float32Array(p.data.length) }));
  }

  step(): void {
    this.stepCount++;
    const { beta1, beta2, eps } = this;
    const biasCorrection1 = 1 - beta1 ** this.stepCount;
    const biasCorrection2 = 1 - beta2 ** this.stepCount;
    const stepSize = this.lr / biasCorrection1;
    const bc2Sqrt = Math.sqrt(biasCorrection2);
    for (const { data, grad, m, v } of this.params) {
      for (let j = 0; j < data.length; j++) {
        const g = grad[j];
        m[j] = m[j] * beta1 + (1 - beta1) * g; // exp_avg.mul_(beta1).add_(grad, alpha=1 - beta1)
        v[j] = v[j] * beta2 + (1 - beta2) * g * g; // exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
        const denom = Math.sqrt(v[j]) / bc2Sqrt + eps; // (exp_avg_sq.sqrt() / sqrt(bias_correction2)).add_(eps)
        data[j] -= (stepSize * m[j]) / denom; // param.addcdiv_(exp_avg, denom, value=-step_size)
      }
    }
  }
}

/** torch.optim.lr_scheduler.StepLR's chainable form: every `stepSize` steps, lr *= gamma. */
export class PlainStepLR {
  private epoch = 0;

  constructor(
    private readonly optimizer: { lr: number },
    private readonly stepSize: number,
    private readonly gamma: number,
  ) {}

  step(): void {
    this.epoch++;
    if (this.epoch % this.stepSize === 0) this.optimizer.lr *= this.gamma;
  }
}

/** One training step as the lesson writes it: zero_grad, forward, loss, backward, Adam. Returns the loss. */
export function plainTrainStep(
  model: PlainMlp,
  optimizer: PlainAdam,
  x: Float32Array,
  y: Int32Array,
  n: number,
): number {
  const loss = model.lossAndGrad(x, y, n);
  optimizer.step();
  return loss;
}

/** C[m×n] = A[m×k]·B[k×n], row-major Float32Arrays, i-p-j loop order (contiguous inner loop). */
export function plainMatmul(a: Float32Array, b: Float32Array, c: Float32Array, m: number, n: number, k: number): void {
  c.fill(0, 0, m * n);
  for (let i = 0; i < m; i++) {
    const cRow = i * n;
    for (let p = 0; p < k; p++) {
      const av = a[i * k + p];
      const bRow = p * n;
      for (let j = 0; j < n; j++) c[cRow + j] += av * b[bRow + j];
    }
  }
}
