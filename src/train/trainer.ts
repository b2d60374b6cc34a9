import { checkInteger } from '../params/check.ts';
import { ValidationError } from '../params/error.ts';
import { DeviceData } from '../nn/device_data.ts';
import { toLabels, toMatrix, toTargets, type Features, type Matrix, type Targets } from '../nn/matrix.ts';
import type { Sequential } from '../nn/sequential.ts';
import type { Optimizer } from '../optim/optimizer.ts';
import type { ParamGroup } from '../optim/group.ts';
import { HistoryRecorder, type History } from './history.ts';
import { formatValue } from '../params/names.ts';
import { checkCallback, type Callback, defaultEvalEvery, type EvalContext, type EvalPoint } from './callbacks.ts';

export type { History } from './history.ts';

/** What the trainer needs of a learning-rate scheduler: `step()`, or `step(metric)` for ReduceLROnPlateau. */
export interface SteppableScheduler {
  /** Advances the schedule by one step; `metric` is the watched value (the loss) for ReduceLROnPlateau. */
  step(metric?: number): void;
}

/** Picks the rows of each step's batch; returns null for the whole dataset. */
export interface BatchSource {
  /** The sample indices of step `step`'s batch, or null for the whole dataset. */
  next(step: number): ArrayLike<number> | null;
}

/** A held-out (validation) set: features and targets, as the trainer's own `x` and `y`. */
export interface HeldOutSet {
  /** The features, one row per sample, as many columns as the model takes. */
  x: Features;
  /** The labels (CrossEntropyLoss), or the float targets (the other criteria), one per row. */
  y: Targets;
}

/** Options of `Trainer.fit`. */
export interface FitOptions {
  /** Evaluate every `evalEvery` steps (an integer >= 1; default: steps / 100, rounded up). */
  evalEvery?: number;
  /** A held-out set evaluated beside the training set (`val_loss`, `val_accuracy`); it is never trained on. */
  validation?: HeldOutSet | null;
  /** Callbacks of this fit only, called after the trainer's own. */
  callbacks?: readonly Callback[];
  /** After every step: its index and its loss. */
  onStep?: (step: number, loss: number) => void;
}

/** What `Trainer.fit` did. */
export interface FitResult {
  /** Every evaluation, in order: before the first step, every `evalEvery` steps, and the final weights. */
  evals: EvalPoint[];
  /** Milliseconds spent in the training steps (evaluations and callbacks at evaluations excluded). */
  wallMs: number;
  /** Whether a callback stopped the run before its last step. */
  stopped: boolean;
  /** The steps taken. */
  steps: number;
}

/** The lesson's hand-written lr decay: `for group of paramGroups: group.lr *= factor` after every `every`-th step. */
export interface ManualDecay {
  /** Multiply every group's lr by `factor` after each step i with i % every == 0 (step 0 included). */
  every: number;
  /** The factor the lrs are multiplied by, > 0. */
  factor: number;
}

/** What changes the lr after every training step: the hand-written decay, then the scheduler. */
export interface StepSchedule {
  /** Stepped after every training step (and after the manual decay). */
  scheduler?: SteppableScheduler | null;
  /** Pass the step's training loss to `scheduler.step(loss)` (ReduceLROnPlateau). */
  schedulerMetric?: 'loss' | null;
  /** The hand-written decay, applied after every step's update. */
  manualDecay?: ManualDecay | null;
}

/** Options of `Trainer` (besides the data, `x` and `y`). */
export interface TrainerOptions extends StepSchedule {
  /** The model to train. */
  model: Sequential;
  /** The optimizer over the model's parameters (in the model's engine). */
  optimizer: Optimizer<object, ParamGroup>;
  /** Picks each step's batch; default the whole dataset at every step. */
  batches?: BatchSource | null;
  /**
   * What to keep of each step: `'all'` (default) keeps every step's loss, lr and momentum (8 × (1 + 2 ×
   * groups) bytes a step, read back by `history`); `'none'` keeps only the last step (`lastStep`), so a run's
   * memory does not grow with its length; a function sees every step's record as it is taken (its arrays are
   * reused: copy what you keep) and nothing is kept.
   */
  record?: HistoryMode;
  /** Called as the trainer trains (see `Callback`), in this order, before those `addCallback` adds. */
  callbacks?: readonly Callback[];
}

/** One step's record: its index, its loss, and the lr and momentum (or beta1) each param group used. */
export interface StepRecord {
  /** The step's index. */
  step: number;
  /** The step's loss, computed before its update. */
  loss: number;
  /** The number of samples in the step's batch. */
  batchSize: number;
  /** The lr each group used (reused from step to step: copy it to keep it). */
  lr: Float64Array;
  /** SGD's momentum or Adam's beta1 each group used (reused from step to step). */
  momentum: Float64Array;
}

/**
 * What a checkpoint keeps of a Trainer: the steps taken (the next step's index, which the hand-written decay
 * and an explicit batch list count from) and the hand-written decay it was running (checked on load).
 */
export interface TrainerState {
  /** Steps taken so far: the index of the next step. */
  step: number;
  /** The hand-written decay, or null for none. */
  manual_decay: ManualDecay | null;
}

/** What `Trainer` keeps of each step: everything, only the last step, or each step handed to a callback. */
export type HistoryMode = 'all' | 'none' | ((record: StepRecord) => void);

/**
 * After training step `step` (whose loss was `loss`): the hand-written decay (`group.lr *= factor` on every
 * group when step % every == 0), then the scheduler (given the loss when its metric is the loss). This is the
 * order of `Trainer.run`, which calls it; a schedule replayed without training (a preview) calls it too.
 */
export function stepSchedule(
  groups: readonly { lr: number }[],
  step: number,
  loss: number,
  { scheduler, schedulerMetric, manualDecay }: StepSchedule,
): void {
  if (manualDecay && step % manualDecay.every === 0) for (const g of groups) g.lr = g.lr * manualDecay.factor;
  if (scheduler) {
    if (schedulerMetric === 'loss') scheduler.step(loss);
    else scheduler.step();
  }
}

/** Thrown by `Trainer.run` when a step's loss is NaN or infinite; that step's update was not applied. */
export class NonFiniteLossError extends Error {
  /**
   * @param step The index of the failing step.
   * @param loss The non-finite loss.
   * @param history The record of the steps before it.
   */
  constructor(
    readonly step: number,
    readonly loss: number,
    readonly history: History,
  ) {
    super(
      `training stopped: the loss at step ${step} is ${loss} ` +
        '(the update of that step was not applied; try a smaller lr)',
    );
    this.name = 'NonFiniteLossError';
  }
}

/**
 * Thrown by `Trainer.run` when the scheduler (or the hand-written decay) fails after a step: the step's update
 * was applied, the param groups' lrs and momenta are those the step used (nothing the failing schedule wrote
 * is kept), and `history` holds the steps so far. A run that stopped, like a NaN loss (the CLI exits with 1).
 */
export class SchedulerStepError extends NonFiniteLossError {
  /**
   * @param step The index of the step after which the schedule failed.
   * @param loss The step's (finite) loss.
   * @param history The record of the steps so far, this one included.
   * @param scheduler The name of what failed: the scheduler's class, or `manual_decay`.
   * @param reason The scheduler's error.
   * @param lastStep The record of step `step` (its lr and momentum per group, its batch size).
   */
  constructor(
    step: number,
    loss: number,
    history: History,
    readonly scheduler: string,
    readonly reason: unknown,
    readonly lastStep: StepRecord | null = null,
  ) {
    super(step, loss, history);
    this.message =
      `training stopped: ${scheduler} failed after step ${step}: ${(reason as Error)?.message ?? String(reason)} ` +
      `(the optimizer's lrs are those step ${step} used; the steps so far are kept)`;
    this.name = 'SchedulerStepError';
  }
}

/**
 * Runs training steps on a dataset held in linear memory: each step gathers its batch and runs the fused
 * forward/loss/backward/update call, then applies the hand-written decay and the scheduler, as the
 * lesson's loop does.
 */
export class Trainer {
  /** The model being trained. */
  readonly model: Sequential;
  /** The optimizer stepping it. */
  readonly optimizer: Optimizer<object, ParamGroup>;
  private recorder: HistoryRecorder | null;
  private readonly onRecord: ((record: StepRecord) => void) | null;
  private readonly last: StepRecord;
  private hasLast = false;
  private readonly data: DeviceData;
  private readonly options: TrainerOptions;
  private current: StepSchedule;
  private stepIndex = 0;
  private startIndex = 0;

  /**
   * @param options the model (its criterion set: class labels `y` for CrossEntropyLoss, float targets — a row of
   * outputs per sample — for the others), the optimizer, the data `x` and `y`, and the schedule
   */
  constructor(options: TrainerOptions & { x: Features; y: Targets }) {
    const { model, optimizer } = options;
    checkSameEngine(model, optimizer, 'Trainer');
    const { x, y } = readRows(model, options.x, options.y, 'Trainer');
    if (options.manualDecay) checkManualDecay(options.manualDecay);
    this.model = model;
    this.optimizer = optimizer;
    this.options = options;
    const { scheduler, schedulerMetric, manualDecay } = options;
    this.current = { scheduler, schedulerMetric, manualDecay };
    this.data = new DeviceData(model.engine, x, y);
    const record = options.record ?? 'all';
    if (record !== 'all' && record !== 'none' && typeof record !== 'function') {
      throw new ValidationError('Trainer', 'record', "'all', 'none' or a function", record);
    }
    this.recorder = record === 'all' ? new HistoryRecorder(optimizer.paramGroups) : null;
    this.onRecord = typeof record === 'function' ? record : null;
    const k = optimizer.paramGroups.length;
    this.last = { step: -1, loss: Number.NaN, batchSize: 0, lr: new Float64Array(k), momentum: new Float64Array(k) };
    this.x = x;
    this.y = y;
  }

  /** The training features, as given (checked against the model's input width). */
  readonly x: Matrix;
  /** The training labels (CrossEntropyLoss), or float targets, one row of outputs per sample (the others). */
  readonly y: Int32Array | Matrix;

  /** Steps taken so far (those before a resume included): the index of the next step. */
  get step(): number {
    return this.stepIndex;
  }

  /** The step the trainer started at: 0, or the step `loadStateDict` resumed it at. `history` starts there. */
  get firstStep(): number {
    return this.startIndex;
  }

  /** The batch source, or null when every step takes the whole dataset. */
  get batches(): BatchSource | null {
    return this.options.batches ?? null;
  }

  /** The step count and the hand-written decay, for a checkpoint (see `loadStateDict`). */
  stateDict(): TrainerState {
    const decay = this.current.manualDecay;
    return { step: this.stepIndex, manual_decay: decay ? { every: decay.every, factor: decay.factor } : null };
  }

  /**
   * Resumes at step `state.step`: the next step has that index (the hand-written decay and explicit batch
   * lists count from it, as in the uninterrupted run), the history starts again empty from there (`firstStep`)
   * and `lastStep` is null until a step runs. The saved hand-written decay must be the trainer's own.
   * Restore the model, optimizer, scheduler and batch source alongside (`loadCheckpoint` does all of them).
   * A refused state changes nothing.
   */
  loadStateDict(state: TrainerState, where = 'Trainer.loadStateDict'): void {
    if (typeof state !== 'object' || state === null || Array.isArray(state)) {
      throw new ValidationError(where, 'state', 'an object {step, manual_decay}', typeof state);
    }
    for (const key of Object.keys(state)) {
      if (key !== 'step' && key !== 'manual_decay') {
        throw new ValidationError(
          where,
          key,
          'step, manual_decay',
          key,
          `${where}: unknown key ${JSON.stringify(key)}`,
        );
      }
    }
    const step = checkInteger(where, 'step', state.step, { min: 0, safe: true }, 'plain');
    const saved: unknown = state.manual_decay;
    const mine = this.current.manualDecay ?? null;
    const describeDecay = (d: unknown) => {
      const m = d as Partial<ManualDecay> | null;
      return m && typeof m === 'object' ? `every ${formatValue(m.every)} × ${formatValue(m.factor)}` : 'none';
    };
    const same =
      saved === null
        ? mine === null
        : typeof saved === 'object' &&
          !Array.isArray(saved) &&
          mine !== null &&
          Object.keys(saved).every((k) => k === 'every' || k === 'factor') &&
          (saved as ManualDecay).every === mine.every &&
          (saved as ManualDecay).factor === mine.factor;
    if (!same) {
      throw new ValidationError(
        where,
        'manual_decay',
        `this trainer's (${describeDecay(mine)})`,
        describeDecay(saved),
        `${where}: the saved hand-written decay (${describeDecay(saved)}) is not this trainer's ` +
          `(${describeDecay(mine)})`,
      );
    }
    this.stepIndex = step;
    this.startIndex = step;
    this.hasLast = false;
    if (this.recorder) this.recorder = new HistoryRecorder(this.optimizer.paramGroups);
  }

  /** Loss, lr and momentum of every step so far (empty unless the trainer records `'all'`). */
  get history(): History {
    return this.recorder ? this.recorder.toHistory() : { loss: [], lr: [], momentum: [] };
  }

  /**
   * The record of steps `from` to `to` (exclusive; default: all taken), without building the rest. Steps are
   * counted as `step` counts them (from `firstStep` on for a resumed trainer).
   */
  historyRange(from: number, to?: number): History {
    const first = this.startIndex;
    if (!this.recorder) return { loss: [], lr: [], momentum: [] };
    return this.recorder.range(Math.max(from - first, 0), to === undefined ? undefined : Math.max(to - first, 0));
  }

  /** The last step's record (a copy), whatever the trainer keeps; null before the first step. */
  get lastStep(): StepRecord | null {
    if (!this.hasLast) return null;
    const { step, loss, batchSize, lr, momentum } = this.last;
    return { step, loss, batchSize, lr: lr.slice(), momentum: momentum.slice() };
  }

  /**
   * Replaces the scheduler, its metric and the hand-written decay from the next step on, as a PyTorch loop
   * may between two steps (a scheduler built on the optimizer meanwhile runs from there). The decay still
   * counts steps from the start of the run.
   */
  setSchedule(schedule: StepSchedule): void {
    if (schedule.manualDecay) checkManualDecay(schedule.manualDecay);
    const { scheduler, schedulerMetric, manualDecay } = schedule;
    this.current = { scheduler, schedulerMetric, manualDecay };
  }

  /** The scheduler, its metric and the hand-written decay stepped after every step (a copy). */
  get schedule(): StepSchedule {
    return { ...this.current };
  }

  /**
   * Runs `steps` more steps; `onStep` sees each step's index and loss, then every callback's `onStepEnd` its
   * record. A callback that sets `stopTraining` stops the run after that step (the flag is cleared when `run`
   * begins). Throws NonFiniteLossError on NaN/Inf.
   */
  run(steps: number, onStep?: (step: number, loss: number) => void): History {
    checkInteger('Trainer.run', 'steps', steps, { min: 0 }, 'plain');
    const { model, optimizer } = this;
    const { batches } = this.options;
    const groups = optimizer.paramGroups;
    const { recorder, onRecord, last } = this;
    const { lr, momentum } = last;
    // Hoisted: with no callback defining onStepEnd, a step costs one null check more.
    const stepEnd = this.stepEndCallbacks();
    this.stopTraining = false;
    for (let k = 0; k < steps; k++) {
      const i = this.stepIndex;
      const n = model.loadBatch(this.data, batches ? batches.next(i) : null);
      const loss = model.trainStepStaged(n, optimizer);
      if (!Number.isFinite(loss)) throw new NonFiniteLossError(i, loss, this.history);
      for (let j = 0; j < groups.length; j++) {
        // The update reads the hyper-parameters and does not change them: these are the ones the step used.
        lr[j] = groups[j].lr;
        momentum[j] = groups[j].momentumOrBeta1;
      }
      recorder?.recordHyperParameters(lr, momentum);
      recorder?.recordLoss(loss);
      last.step = i;
      last.loss = loss;
      last.batchSize = n;
      this.hasLast = true;
      onRecord?.(last);
      this.stepIndex++; // the update is applied: the step counts even if the scheduler below throws
      try {
        stepSchedule(groups, i, loss, this.current);
      } catch (err) {
        this.restoreGroups();
        throw new SchedulerStepError(i, loss, this.history, this.scheduleName(i), err, this.lastStep);
      }
      onStep?.(i, loss);
      if (stepEnd !== null) for (let c = 0; c < stepEnd.length; c++) stepEnd[c].onStepEnd!(last, this);
      if (this.stopTraining) break;
    }
    return this.history;
  }

  /**
   * Set by a callback (or anyone) to stop training, as Keras's `model.stop_training`: `run` stops after the
   * step it was set in; `fit` also checks it after every evaluation. Cleared when `run` or `fit` begins.
   */
  stopTraining = false;
  private readonly added: Callback[] = [];
  /** The callbacks of the `fit` under way (the trainer's and the fit's own), or null between fits. */
  private fitting: readonly Callback[] | null = null;

  /** Adds a callback, called after those given so far (see `Callback`); returns the trainer. */
  addCallback(callback: Callback): this {
    const all = this.callbacks;
    this.added.push(checkCallback('Trainer.addCallback', callback, all.length));
    return this;
  }

  /** The trainer's callbacks: those of its options, then those `addCallback` added. */
  get callbacks(): readonly Callback[] {
    const given = this.options.callbacks ?? [];
    if (!Array.isArray(given)) {
      throw new ValidationError('Trainer', 'callbacks', 'an array of callbacks', given);
    }
    given.forEach((c, i) => checkCallback('Trainer', c, i));
    return [...given, ...this.added];
  }

  /** The callbacks that define `onStepEnd` (those of the fit under way, else the trainer's), or null for none. */
  private stepEndCallbacks(): Callback[] | null {
    const found = (this.fitting ?? this.callbacks).filter((c) => typeof c.onStepEnd === 'function');
    return found.length ? found : null;
  }

  /**
   * Trains `steps` more steps as `runTraining` does, evaluating as it goes: on the whole training set (and on
   * the held-out `validation` set, when given) before the first step, at every step that is a multiple of
   * `evalEvery`, and with the final weights. Evaluating changes nothing of the training: the steps are those of
   * `run(steps)`, bit for bit, with or without a held-out set, whatever `evalEvery` is. Callbacks are called as
   * `Callback` says; one that sets `stopTraining` ends the run early (its weights are then evaluated, unless an
   * evaluation just did). Throws what `run` throws (no `onTrainEnd` then).
   */
  fit(steps: number, options: FitOptions = {}): FitResult {
    const where = 'Trainer.fit';
    checkInteger(where, 'steps', steps, { min: 0, safe: true }, 'plain');
    const evalEvery = checkInteger(
      where,
      'evalEvery',
      options.evalEvery ?? defaultEvalEvery(steps),
      { min: 1, safe: true },
      'plain',
    );
    const own = options.callbacks ?? [];
    if (!Array.isArray(own)) throw new ValidationError(where, 'callbacks', 'an array of callbacks', own);
    const base = this.callbacks;
    const callbacks = [...base, ...own.map((c, i) => checkCallback(where, c, base.length + i))];
    const held = options.validation ? this.heldOutData(options.validation, where) : null;
    const start = this.stepIndex;
    const end = start + steps;
    const evals: EvalPoint[] = [];
    const evalEnd = callbacks.filter((c) => typeof c.onEvalEnd === 'function');
    const evaluate = (step: number) => {
      const { loss, accuracy } = this.evaluate();
      const point: EvalPoint = { step, loss, accuracy };
      if (held) {
        const v = this.evaluateHeldOut(held);
        point.val_loss = v.loss;
        point.val_accuracy = v.accuracy;
      }
      evals.push(point);
      // The first evaluation is a baseline unless the uninterrupted run counts it too (see EvalContext).
      const baseline = step === 0 || (step === start && (step % evalEvery !== 0 || step === end));
      const context: EvalContext = { epoch: baseline ? null : Math.ceil(step / evalEvery) - 1 };
      for (const c of evalEnd) c.onEvalEnd!(point, this, context);
    };
    let wallMs = 0;
    let stopped = false;
    this.fitting = callbacks;
    this.stopTraining = false;
    try {
      for (const c of callbacks) c.onTrainBegin?.(this);
      // Every fit starts with an evaluation, so the whole training set has been staged once before the first
      // step whatever evalEvery is: the numbers of a run do not depend on how often it is evaluated.
      let done = start;
      let evaluatedAt = -1;
      while (done < end) {
        if (done % evalEvery === 0 || done === start) {
          evaluate(done);
          evaluatedAt = done;
        }
        if (this.stopTraining) break;
        const chunk = Math.min(evalEvery - (done % evalEvery), end - done);
        const began = performance.now();
        try {
          this.run(chunk, options.onStep);
        } finally {
          wallMs += performance.now() - began;
        }
        done = this.stepIndex;
        if (this.stopTraining) break;
      }
      stopped = done < end;
      if (evaluatedAt !== done) evaluate(done);
      for (const c of callbacks) c.onTrainEnd?.(this);
    } finally {
      this.fitting = null;
      held?.dispose();
    }
    return { evals, wallMs, stopped, steps: this.stepIndex - start };
  }

  /** The held-out set copied into the model's engine, checked as the training data is. */
  private heldOutData(validation: HeldOutSet, where: string): DeviceData {
    const { model } = this;
    if (typeof validation !== 'object' || validation === null || Array.isArray(validation)) {
      throw new ValidationError(where, 'validation', 'an object {x, y}', validation);
    }
    const { x, y } = readRows(model, validation.x, validation.y, where, 'validation.');
    return new DeviceData(model.engine, x, y);
  }

  /** Loss and accuracy over a held-out set in the model's engine, as `evaluate` over the training set. */
  private evaluateHeldOut(data: DeviceData) {
    const n = this.model.loadBatch(data, null);
    return this.model.evaluateStaged(n);
  }

  /** Puts back the lrs and momenta the last step used (a failed schedule may have written some of them). */
  private restoreGroups(): void {
    const groups = this.optimizer.paramGroups;
    for (let j = 0; j < groups.length; j++) {
      const g = groups[j];
      const hp = g.hyperParameters();
      const m = this.last.momentum[j];
      const momentum = Array.isArray(hp.betas) ? { betas: [m, hp.betas[1]] } : { momentum: m };
      g.assign({ ...hp, lr: this.last.lr[j], ...momentum });
    }
  }

  /** What failed after step `step`: the hand-written decay when it overflowed, else the scheduler's class. */
  private scheduleName(step: number): string {
    const { manualDecay, scheduler } = this.current;
    if (manualDecay && step % manualDecay.every === 0) {
      const overflows = this.last.lr.some((v) => !Number.isFinite(v * manualDecay.factor));
      if (overflows || !scheduler) return 'manual_decay';
    }
    return scheduler ? scheduler.constructor.name : 'the schedule';
  }

  /** The loss and the criterion's metrics over the whole dataset (see `Evaluation`). */
  evaluate() {
    const n = this.model.loadBatch(this.data, null);
    return this.model.evaluateStaged(n);
  }

  /** Returns the dataset's copy in linear memory to the engine (the model and optimizer are left alone). */
  dispose(): void {
    this.data.dispose();
  }
}

/** Refuses an optimizer that lives in another engine than the model (its parameters are not the model's). */
export function checkSameEngine(model: Sequential, optimizer: Optimizer<object, ParamGroup>, where: string): void {
  if (optimizer.engine === model.engine) return;
  throw new ValidationError(
    where,
    'optimizer',
    "an optimizer in the model's engine",
    'an optimizer in another engine',
    `${where}: the optimizer and the model live in different engines`,
  );
}

/**
 * The rows `x` (checked against the model's input width) and their targets as the model's criterion takes them:
 * class labels (CrossEntropyLoss), or a row of float targets per sample (the others). `prefix` names them in
 * errors (`validation.` for `validation.x`).
 */
export function readRows(
  model: Sequential,
  x: Features,
  y: Targets,
  where: string,
  prefix = '',
): { x: Matrix; y: Int32Array | Matrix } {
  const rows = toMatrix(x, model.inputDim, `${prefix}x`, where);
  const outputs = model.outputDim;
  if (model.criterion.targets === 'floats')
    return {
      x: rows,
      y: { rows: rows.rows, cols: outputs, data: toTargets(y, rows.rows, outputs, `${prefix}y`, where) },
    };
  return { x: rows, y: toLabels(y as ArrayLike<number>, rows.rows, outputs, `${prefix}y`, where) };
}

export function checkManualDecay(d: ManualDecay, what = 'manualDecay'): void {
  if (!Number.isInteger(d.every) || d.every < 1) {
    throw new ValidationError(
      what,
      'every',
      'an integer >= 1',
      d.every,
      `${what}: every must be an integer >= 1, got ${d.every}`,
    );
  }
  if (!Number.isFinite(d.factor) || d.factor <= 0) {
    throw new ValidationError(
      what,
      'factor',
      'a finite number > 0',
      d.factor,
      `${what}: factor must be a finite number > 0, got ${d.factor}`,
    );
  }
}
