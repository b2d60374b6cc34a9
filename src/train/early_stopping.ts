import { checkBoolean, checkChoice, checkInteger, checkNumber } from '../params/check.ts';
import { ValidationError } from '../params/error.ts';
import { StateReader, type StateDict } from '../params/state_reader.ts';
import { encodeFloat } from '../lr_scheduler/state.ts';
import { decodeTensor, encodeTensor } from '../nn/saved_tensor.ts';
import {
  type Callback,
  checkMonitor,
  type EvalContext,
  type EvalPoint,
  type Monitor,
  monitorMode,
  monitorValue,
} from './callbacks.ts';
import type { Trainer } from './trainer.ts';

/** EarlyStopping's modes: `auto` (down for a loss, up for an accuracy), `min` or `max`. */
export const EARLY_STOPPING_MODES = ['auto', 'min', 'max'] as const;

/** Options of `EarlyStopping`: Keras's keyword arguments in camelCase, with Keras's defaults. */
export interface EarlyStoppingOptions {
  /** The evaluated value watched: `val_loss` (default), `val_accuracy`, `loss` or `accuracy` (training set). */
  monitor?: Monitor;
  /** The least change that counts as an improvement (its absolute value is used, as in Keras); default 0. */
  minDelta?: number;
  /** Evaluations without improvement after which training stops; default 0. */
  patience?: number;
  /** `auto` (default: `min` for a loss, `max` for an accuracy), `min` or `max`. */
  mode?: (typeof EARLY_STOPPING_MODES)[number];
  /** Stop unless the watched value improves on this (patience still applies); default null, none. */
  baseline?: number | null;
  /** At the end of training, put back the weights of the best evaluation; default false. */
  restoreBestWeights?: boolean;
  /** Evaluations (epochs) to wait before watching: a warm-up; default 0. */
  startFromEpoch?: number;
}

/** EarlyStopping's progress read from a state dict. */
interface SavedProgress {
  wait: number;
  best: number;
  bestEpoch: number | null;
  bestStep: number | null;
  stoppedEpoch: number | null;
  stoppedStep: number | null;
  keptPoint: EvalPoint | null;
  bestWeights: Float32Array[] | null;
}

/** What `EarlyStopping` did in a run (`RunResult.early_stop`). */
export interface EarlyStoppingSummary {
  /** The value watched. */
  monitor: Monitor;
  /** The best value seen, or null when none was watched. */
  best: number | null;
  /** The step of the best evaluation (or of the weights first kept), or null. */
  best_step: number | null;
  /** The step at which it stopped the run, or null when the run went to its last step. */
  stopped_step: number | null;
  /** The step whose weights the run ended with (`restore_best_weights`), or null when none were restored. */
  restored_step: number | null;
}

const POINT_KEYS = ['step', 'loss', 'accuracy', 'val_loss', 'val_accuracy'] as const;

/** An evaluation as JSON (a NaN loss as the string "NaN"). */
function encodePoint(point: EvalPoint): StateDict {
  const out: StateDict = {};
  for (const key of POINT_KEYS) if (point[key] !== undefined) out[key] = encodeFloat(point[key]);
  return out;
}

/** An evaluation read back from `encodePoint`'s JSON. */
function decodePoint(value: unknown, where: string): EvalPoint {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ValidationError(where, 'kept_point', 'null or an evaluation {step, loss, accuracy, ...}', value);
  }
  const reader = new StateReader('EarlyStopping', value as StateDict);
  const point: EvalPoint = {
    step: reader.integer('step'),
    loss: reader.float('loss'),
    accuracy: reader.float('accuracy'),
  };
  if (reader.has('val_loss')) point.val_loss = reader.float('val_loss');
  if (reader.has('val_accuracy')) point.val_accuracy = reader.float('val_accuracy');
  return point;
}

/**
 * Stops training once the watched value has stopped improving (Keras 3's `keras.callbacks.EarlyStopping`, the
 * same decisions): an "epoch" is an evaluation — every `evalEvery` steps of `Trainer.fit` — and the baseline
 * evaluation at step 0 is not one. At each epoch e >= `startFromEpoch`: `wait += 1`; an improvement
 * (`value - minDelta < best` in min mode, `value + minDelta > best` in max mode) makes it the best (and, with
 * `restoreBestWeights`, keeps a copy of the weights), and resets `wait` to 0 when it also beats `baseline`;
 * otherwise, when `wait >= patience` and e > 0, it sets `trainer.stopTraining`. With `restoreBestWeights`,
 * the first watched epoch's weights are kept even without improvement, and the kept weights are put back at
 * the end of training — whether it stopped early or ran to its last step (Keras 3; Keras 2 restored only
 * when it stopped early). Only the model's weights come back, not the optimizer's state.
 */
export class EarlyStopping implements Callback {
  /** The evaluated value watched. */
  readonly monitor: Monitor;
  /** The least change that counts as an improvement (>= 0). */
  readonly minDelta: number;
  /** Epochs without improvement after which training stops. */
  readonly patience: number;
  /** Whether the watched value should fall (`min`) or rise (`max`), `auto` resolved. */
  readonly mode: 'min' | 'max';
  /** The value to beat for `wait` to reset, or null. */
  readonly baseline: number | null;
  /** Whether the best weights are put back at the end. */
  readonly restoreBestWeights: boolean;
  /** Epochs not watched at the start. */
  readonly startFromEpoch: number;
  /** Epochs since the last improvement (Keras's `wait`). */
  wait = 0;
  /** The best watched value so far (±Infinity before the first). */
  best: number;
  /** The epoch of the best value (or of the first weights kept), or null before any. */
  bestEpoch: number | null = null;
  /** The step of the evaluation of `bestEpoch` (whose weights are kept), or null. */
  bestStep: number | null = null;
  /** The epoch at which it stopped training, or null. */
  stoppedEpoch: number | null = null;
  /** The step at which it stopped training (the step of that evaluation), or null. */
  stoppedStep: number | null = null;
  /** The step whose weights were put back at the end of training, or null when none were. */
  restoredStep: number | null = null;
  /** The evaluation of the weights kept (`restoreBestWeights`), or null: what the restored weights score. */
  keptPoint: EvalPoint | null = null;
  private bestWeights: Float32Array[] | null = null;
  private pending: SavedProgress | null = null;

  /** @param options see `EarlyStoppingOptions` */
  constructor(options: EarlyStoppingOptions = {}) {
    const where = 'EarlyStopping';
    if (typeof options !== 'object' || options === null || Array.isArray(options)) {
      throw new ValidationError(where, 'options', 'an object of options', options);
    }
    const known = ['monitor', 'minDelta', 'patience', 'mode', 'baseline', 'restoreBestWeights', 'startFromEpoch'];
    for (const key of Object.keys(options)) {
      if (!known.includes(key)) {
        throw new ValidationError(
          where,
          key,
          known.join(', '),
          key,
          `${where}: unknown option ${JSON.stringify(key)} (allowed: ${known.join(', ')})`,
        );
      }
    }
    this.monitor = checkMonitor(where, options.monitor ?? 'val_loss');
    this.minDelta = Math.abs(checkNumber(where, 'minDelta', options.minDelta ?? 0, {}, 'plain'));
    this.patience = checkInteger(where, 'patience', options.patience ?? 0, { min: 0, safe: true }, 'plain');
    const mode = checkChoice(where, 'mode', options.mode ?? 'auto', EARLY_STOPPING_MODES, 'plain');
    this.mode = mode === 'auto' ? monitorMode(this.monitor) : mode;
    const baseline = options.baseline ?? null;
    this.baseline = baseline === null ? null : checkNumber(where, 'baseline', baseline, {}, 'plain');
    this.restoreBestWeights = checkBoolean(where, 'restoreBestWeights', options.restoreBestWeights ?? false, 'plain');
    this.startFromEpoch = checkInteger(
      where,
      'startFromEpoch',
      options.startFromEpoch ?? 0,
      { min: 0, safe: true },
      'plain',
    );
    this.best = this.worst;
  }

  /** Where `best` starts: +Infinity in min mode, -Infinity in max mode. */
  get worst(): number {
    return this.mode === 'min' ? Infinity : -Infinity;
  }

  /** Whether `value` improves on `reference` by more than `minDelta`, in the mode's direction. */
  isImprovement(value: number, reference: number): boolean {
    return this.mode === 'min' ? value + this.minDelta < reference : value - this.minDelta > reference;
  }

  /** Starts afresh (an instance can be reused), or from the state `loadStateDict` gave. */
  onTrainBegin(): void {
    this.wait = 0;
    this.best = this.worst;
    this.bestEpoch = null;
    this.bestStep = null;
    this.stoppedEpoch = null;
    this.stoppedStep = null;
    this.restoredStep = null;
    this.bestWeights = null;
    this.keptPoint = null;
    const pending = this.pending;
    this.pending = null;
    if (pending) this.applyState(pending);
  }

  /** Watches one evaluation (see the class's doc); sets `trainer.stopTraining` when patience runs out. */
  onEvalEnd(point: EvalPoint, trainer: Trainer, context: EvalContext): void {
    const { epoch } = context;
    if (epoch === null) return; // the baseline evaluation, before any training
    const current = monitorValue(point, this.monitor, 'EarlyStopping');
    if (epoch < this.startFromEpoch) return;
    if (this.restoreBestWeights && this.bestWeights === null) {
      // If no evaluation improves, the first one watched is the best.
      this.keepWeights(trainer, point);
      this.bestEpoch = epoch;
      this.bestStep = point.step;
    }
    this.wait += 1;
    if (this.isImprovement(current, this.best)) {
      this.best = current;
      this.bestEpoch = epoch;
      this.bestStep = point.step;
      if (this.restoreBestWeights) this.keepWeights(trainer, point);
      // Only restart the wait when the value beats both the baseline and the best so far.
      if (this.baseline === null || this.isImprovement(current, this.baseline)) this.wait = 0;
      return;
    }
    if (this.wait >= this.patience && epoch > 0) {
      this.stoppedEpoch = epoch;
      this.stoppedStep = point.step;
      trainer.stopTraining = true;
    }
  }

  /** With `restoreBestWeights`, puts back the kept weights (whether or not training stopped early). */
  onTrainEnd(trainer: Trainer): void {
    if (!this.restoreBestWeights || this.bestWeights === null) return;
    const params = trainer.model.parameters();
    params.forEach((p, i) => p.data.set(this.bestWeights![i]));
    this.restoredStep = this.bestStep;
  }

  /** What it did, for a run's result: the watched value, the best, where it stopped and what it restored. */
  summary(): EarlyStoppingSummary {
    return {
      monitor: this.monitor,
      best: Number.isFinite(this.best) ? this.best : null,
      best_step: this.bestStep,
      stopped_step: this.stoppedStep,
      restored_step: this.restoredStep,
    };
  }

  /**
   * Its progress, as JSON (for a checkpoint): `wait`, `best`, `best_epoch`, `best_step`, `stopped_epoch`, and the
   * kept weights (`best_weights`, nested arrays as `model.stateDict()` writes them, or null).
   */
  stateDict(trainer?: Trainer): StateDict {
    const params = trainer?.model.parameters() ?? null;
    const weights = this.bestWeights;
    return {
      wait: this.wait,
      best: encodeFloat(this.best),
      best_epoch: this.bestEpoch,
      best_step: this.bestStep,
      stopped_epoch: this.stoppedEpoch,
      stopped_step: this.stoppedStep,
      kept_point: this.keptPoint ? encodePoint(this.keptPoint) : null,
      best_weights:
        weights && params ? weights.map((w, i) => encodeTensor(w, params[i].shape) as StateDict[string]) : null,
    };
  }

  /**
   * Continues from `stateDict`'s state: it is taken up when the next fit begins (`onTrainBegin`), after being
   * checked now against the trainer's model (the kept weights' shapes). A refused state changes nothing.
   */
  loadStateDict(state: StateDict, trainer?: Trainer): void {
    this.pending = this.readState(state, trainer); // checked now, taken up at the next onTrainBegin
  }

  private applyState(read: SavedProgress): void {
    this.wait = read.wait;
    this.best = read.best;
    this.bestEpoch = read.bestEpoch;
    this.bestStep = read.bestStep;
    this.stoppedEpoch = read.stoppedEpoch;
    this.stoppedStep = read.stoppedStep;
    this.keptPoint = read.keptPoint;
    this.bestWeights = read.bestWeights;
  }

  private readState(state: StateDict, trainer?: Trainer): SavedProgress {
    const reader = new StateReader('EarlyStopping', state);
    const where = reader.where;
    const maybeInt = (key: string): number | null => (reader.raw(key) === null ? null : reader.integer(key));
    const wait = reader.integer('wait');
    const best = reader.float('best');
    const bestEpoch = maybeInt('best_epoch');
    const bestStep = maybeInt('best_step');
    const stoppedEpoch = maybeInt('stopped_epoch');
    const stoppedStep = maybeInt('stopped_step');
    const keptPoint = reader.raw('kept_point') === null ? null : decodePoint(reader.raw('kept_point'), where);
    const saved = reader.raw('best_weights');
    let bestWeights: Float32Array[] | null = null;
    if (saved !== null) {
      const params = trainer?.model.parameters();
      if (!params) {
        throw new ValidationError(
          where,
          'best_weights',
          'null without a trainer',
          'weights',
          `${where}: give the trainer`,
        );
      }
      if (!Array.isArray(saved) || saved.length !== params.length) {
        throw new ValidationError(
          where,
          'best_weights',
          `null or a list of ${params.length} tensors (one per parameter)`,
          Array.isArray(saved) ? `${saved.length} entries` : saved,
        );
      }
      bestWeights = params.map((p, i) => decodeTensor(saved[i], p.shape, where, `best_weights[${i}]`));
    }
    return { wait, best, bestEpoch, bestStep, stoppedEpoch, stoppedStep, keptPoint, bestWeights };
  }

  private keepWeights(trainer: Trainer, point: EvalPoint): void {
    this.keptPoint = { ...point };
    const params = trainer.model.parameters();
    const kept = this.bestWeights;
    if (kept && kept.length === params.length && kept.every((w, i) => w.length === params[i].numel)) {
      params.forEach((p, i) => kept[i].set(p.data));
    } else {
      this.bestWeights = params.map((p) => p.data.slice());
    }
  }
}
