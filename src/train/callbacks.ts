/**
 * The Trainer's callbacks (Keras's `Callback`, Lightning's hooks): objects with any of `onTrainBegin`,
 * `onStepEnd`, `onEvalEnd` and `onTrainEnd`, called in the order they were given. A callback stops the run by
 * setting `trainer.stopTraining = true` (Keras's `model.stop_training`): after the step it was set in, or
 * before the next step when set at an evaluation. The progress bar, history.csv, early stopping, checkpoints,
 * ReduceLROnPlateau on a validation metric and the lr monitor are callbacks.
 */
import { checkChoice, checkInteger } from '../params/check.ts';
import { ValidationError } from '../params/error.ts';
import type { StepRecord, SteppableScheduler, Trainer } from './trainer.ts';

/**
 * One evaluation: the loss and accuracy on the whole training set with the weights of step `step` (before that
 * step's update; `steps` for the final weights), and on the held-out set when there is one.
 */
export interface EvalPoint {
  /** The step whose weights were evaluated (`steps` for the final weights). */
  step: number;
  /** The loss on the whole training set. */
  loss: number;
  /** The accuracy on the whole training set, in [0, 1]. */
  accuracy: number;
  /** The loss on the held-out (validation) set; absent without one. */
  val_loss?: number;
  /** The accuracy on the held-out set, in [0, 1]; absent without one. */
  val_accuracy?: number;
}

/** The default evaluation interval for a run of `steps` steps: about 100 evaluations. */
export function defaultEvalEvery(steps: number): number {
  return Math.max(1, Math.ceil(steps / 100));
}

/** The values of an evaluation a callback can watch (`EarlyStopping`'s `monitor`, `plateau_metric`). */
export const MONITORS = ['val_loss', 'val_accuracy', 'loss', 'accuracy'] as const;
/** One of `MONITORS`: a key of `EvalPoint`. */
export type Monitor = (typeof MONITORS)[number];

/**
 * The direction a monitored value improves in: down for a loss, up for an accuracy (Keras's `mode='auto'`).
 */
export function monitorMode(monitor: Monitor): 'min' | 'max' {
  return monitor === 'loss' || monitor === 'val_loss' ? 'min' : 'max';
}

/** Checks a `monitor` option: one of `MONITORS`. */
export function checkMonitor(where: string, value: unknown): Monitor {
  return checkChoice(where, 'monitor', value, MONITORS, 'plain');
}

/**
 * The value `monitor` names in `point`; refuses (naming what the point holds) a validation value when the run
 * has no held-out set.
 */
export function monitorValue(point: EvalPoint, monitor: Monitor, where: string): number {
  const value = point[monitor];
  if (typeof value !== 'number') {
    const available = MONITORS.filter((m) => typeof point[m] === 'number');
    throw new ValidationError(
      where,
      'monitor',
      `one of ${available.map((m) => `'${m}'`).join(', ')} (what the evaluations hold)`,
      monitor,
      `${where}: monitor '${monitor}' is not in the evaluations (they hold ${available.join(', ')}); ` +
        `${monitor.startsWith('val_') ? 'give a validation set, or ' : ''}watch one of those`,
    );
  }
  return value;
}

/**
 * Where an evaluation stands in the run, for callbacks that count evaluations as Keras counts epochs. `epoch`
 * is null for a baseline: the evaluation at step 0 (no training before it), and the first evaluation of a run
 * resumed between two evaluations (the uninterrupted run has none there), so a resumed run counts the same
 * epochs as the uninterrupted one. Otherwise the evaluation at step s closes epoch ceil(s / evalEvery) - 1.
 */
export interface EvalContext {
  /** The epoch the evaluation closes (0 for the evaluation at step `evalEvery`), or null for a baseline. */
  epoch: number | null;
}

/**
 * Something the Trainer calls as it trains (`Trainer.fit`, and `onStepEnd` in `Trainer.run` too). Every hook
 * is optional; a callback without `onStepEnd` costs the per-step loop nothing.
 */
export interface Callback {
  /** Before the first step of `Trainer.fit` (before its first evaluation). */
  onTrainBegin?(trainer: Trainer): void;
  /**
   * After every step, its update and its schedule applied: the step's record (its arrays are reused from step
   * to step: copy what you keep). Set `trainer.stopTraining` to stop after this step.
   */
  onStepEnd?(record: StepRecord, trainer: Trainer): void;
  /** After every evaluation (`Trainer.fit`): set `trainer.stopTraining` to stop before the next step. */
  onEvalEnd?(point: EvalPoint, trainer: Trainer, context: EvalContext): void;
  /** After the last evaluation of `Trainer.fit`, when it ran to its end or was stopped (not when it threw). */
  onTrainEnd?(trainer: Trainer): void;
}

const HOOKS = ['onTrainBegin', 'onStepEnd', 'onEvalEnd', 'onTrainEnd'] as const;

/** Refuses what is not a callback: not an object, or a hook that is not a function. */
export function checkCallback(where: string, callback: unknown, index: number): Callback {
  const param = `callbacks[${index}]`;
  if (typeof callback !== 'object' || callback === null || Array.isArray(callback)) {
    throw new ValidationError(
      where,
      param,
      `an object with any of ${HOOKS.join(', ')}`,
      callback,
      `${where}: ${param} must be an object with any of ${HOOKS.join(', ')} (functions), got ${
        callback === null ? 'null' : Array.isArray(callback) ? 'an array' : typeof callback
      }`,
    );
  }
  for (const hook of HOOKS) {
    const f = (callback as Record<string, unknown>)[hook];
    if (f !== undefined && typeof f !== 'function') {
      throw new ValidationError(
        where,
        `${param}.${hook}`,
        'a function',
        f,
        `${where}: ${param}.${hook} must be a function, got ${f === null ? 'null' : typeof f}`,
      );
    }
  }
  return callback as Callback;
}

/**
 * Steps a scheduler on an evaluated value (PyTorch's `scheduler.step(val_loss)` after each epoch's validation,
 * Keras's and Lightning's ReduceLROnPlateau watching `val_loss`): once per counted evaluation (see
 * `EvalContext`; the baseline at step 0 is not fed), with the value `monitor` names.
 */
export class SchedulerOnEval implements Callback {
  /**
   * @param scheduler the scheduler (ReduceLROnPlateau), stepped with the value
   * @param monitor what it watches: `val_loss` (default), `val_accuracy`, `loss` or `accuracy` of the evaluation
   */
  constructor(
    readonly scheduler: SteppableScheduler,
    readonly monitor: Monitor = 'val_loss',
  ) {
    checkMonitor('SchedulerOnEval', monitor);
  }

  /** Steps the scheduler with the evaluation's value (not at a baseline evaluation). */
  onEvalEnd(point: EvalPoint, _trainer: Trainer, context: EvalContext): void {
    if (context.epoch === null) return;
    this.scheduler.step(monitorValue(point, this.monitor, 'SchedulerOnEval'));
  }
}

/** Options of `LrMonitor`. */
export interface LrMonitorOptions {
  /** Keep the lrs of every `every`-th step (steps 0, every, 2·every, ...); default 1, every step. */
  every?: number;
}

/**
 * Keeps the lr each param group used at every `every`-th step (Lightning's `LearningRateMonitor`), with the
 * momentum (SGD) or beta1 (Adam): `steps`, `lr[i][group]`, `momentum[i][group]`.
 */
export class LrMonitor implements Callback {
  /** The steps kept. */
  readonly steps: number[] = [];
  /** `lr[i][group]`: the lr each group used at `steps[i]`. */
  readonly lr: number[][] = [];
  /** `momentum[i][group]`: SGD's momentum or Adam's beta1 each group used at `steps[i]`. */
  readonly momentum: number[][] = [];
  /** Keeps every `every`-th step. */
  readonly every: number;

  /** @param options see `LrMonitorOptions` */
  constructor(options: LrMonitorOptions = {}) {
    this.every = checkInteger('LrMonitor', 'every', options.every ?? 1, { min: 1, safe: true }, 'plain');
  }

  /** Keeps the step's lrs and momenta when its index is a multiple of `every`. */
  onStepEnd(record: StepRecord): void {
    if (record.step % this.every !== 0) return;
    this.steps.push(record.step);
    this.lr.push(Array.from(record.lr));
    this.momentum.push(Array.from(record.momentum));
  }
}
