/**
 * What a learning-rate scheduler sees of an optimizer: its param groups, as in PyTorch's
 * `optimizer.param_groups`. The engine's optimizers implement this with getters and setters that read
 * and write the group's hyper-parameter block in WebAssembly memory, so a write to `lr` takes effect at
 * the very next step. Plain objects implement it too (tests, previews).
 */
export interface SchedulableParamGroup {
  /** The group's learning rate; a scheduler writes it before each step. */
  lr: number;
  /** SGD's momentum. Absent (undefined) for Adam-style optimizers. */
  momentum?: number;
  /** Adam's (beta1, beta2). Absent (undefined) for SGD. Assign a new pair; the tuple itself is read-only. */
  betas?: readonly [number, number];
  /** Bookkeeping that PyTorch's schedulers store in the group (`initial_lr`, `max_lr`, ...). */
  initialLr?: number;
  /** OneCycleLR's peak lr (`max_lr`). */
  maxLr?: number;
  /** OneCycleLR's final lr (`min_lr`). */
  minLr?: number;
  /** Upper momentum bound of CyclicLR and OneCycleLR (`max_momentum`). */
  maxMomentum?: number;
  /** Lower momentum bound of CyclicLR and OneCycleLR (`base_momentum`). */
  baseMomentum?: number;
  /** SWALR's `swa_lr`. */
  swaLr?: number;
}

/** What a scheduler needs of an optimizer: its param groups (any optimizer here, or a plain object). */
export interface SchedulableOptimizer {
  /** The param groups whose lr (and momentum) the scheduler sets, as `optimizer.param_groups`. */
  readonly paramGroups: SchedulableParamGroup[];
}
