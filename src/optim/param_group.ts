/**
 * What a learning-rate scheduler sees of an optimizer: its param groups, as in PyTorch's
 * `optimizer.param_groups`. The engine's optimizers implement this with getters and setters that read
 * and write the group's hyper-parameter block in WebAssembly memory, so a write to `lr` takes effect at
 * the very next step. Plain objects implement it too (tests, previews).
 */
export interface SchedulableParamGroup {
  lr: number;
  /** SGD's momentum. Absent (undefined) for Adam-style optimizers. */
  momentum?: number;
  /** Adam's (beta1, beta2). Absent (undefined) for SGD. Assign a new pair; the tuple itself is read-only. */
  betas?: readonly [number, number];
  /** Bookkeeping that PyTorch's schedulers store in the group (`initial_lr`, `max_lr`, ...). */
  initialLr?: number;
  maxLr?: number;
  minLr?: number;
  maxMomentum?: number;
  baseMomentum?: number;
  /** SWALR's `swa_lr`. */
  swaLr?: number;
}

export interface SchedulableOptimizer {
  readonly paramGroups: SchedulableParamGroup[];
}
