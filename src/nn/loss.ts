/** The value of a loss and the way back through the forward pass that produced it, like a 0-dim torch tensor. */
export class Loss {
  private used = false;

  constructor(
    readonly value: number,
    private readonly runBackward: () => void,
  ) {}

  item(): number {
    return this.value;
  }

  /** Accumulates d(loss)/d(parameter) into every parameter's `grad`, as `loss.backward()` does. */
  backward(): void {
    if (this.used) throw new Error('Loss.backward: called twice on the same loss; compute the loss again first');
    this.runBackward();
    this.used = true;
  }

  valueOf(): number {
    return this.value;
  }
}
