/**
 * The value of a loss and the way back through the forward pass that produced it, like a 0-dim torch tensor.
 * The loss is the model's criterion (`model.criterion`; by default nn.CrossEntropyLoss's softmax cross-entropy,
 * averaged over the batch: `mean over samples of (log Σ_c exp(z_c) − z_y)`), computed in the core
 * (assembly/loss.ts), which also writes the gradient with respect to the outputs that backward() propagates.
 */
export class Loss {
  private used = false;

  constructor(
    /** The mean loss. */
    readonly value: number,
    private readonly runBackward: () => void,
  ) {}

  /** The loss as a number, as `loss.item()`. */
  item(): number {
    return this.value;
  }

  /** Accumulates d(loss)/d(parameter) into every parameter's `grad`, as `loss.backward()` does. */
  backward(): void {
    if (this.used) throw new Error('Loss.backward: called twice on the same loss; compute the loss again first');
    this.runBackward();
    this.used = true;
  }

  /** The loss as a number, so that a Loss works in arithmetic. */
  valueOf(): number {
    return this.value;
  }
}
