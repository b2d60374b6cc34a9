// One playground run: the run config of the state, prepared by the library as `anneal train --config` prepares
// it, trained by the library's Trainer in slices, with the schedule driven by ScheduleDriver so it can change
// between two steps. Nothing here touches the DOM: the worker runs it, and the Node tests run it beside
// runTraining() to check the numbers are the same.

import { parseRunConfig, prepareRun, Trainer, type LayerWeights, type RunConfig } from '../../src/index.ts';
import { ScheduleDriver, previewSchedule, type SchedulePreview } from './schedule_driver.ts';
import {
  cloneState,
  runCyclesMomentum,
  scheduleAt,
  toRunConfig,
  withEdit,
  type PlaygroundState,
  type ScheduleState,
} from './state.ts';

export interface Bounds {
  x0: number;
  x1: number;
  y0: number;
  y1: number;
}

/** What a slice of training produced: one entry per step. */
export interface StepRecord {
  loss: number[];
  lr: number[];
  momentum: number[];
}

export class PlaygroundRun {
  state: PlaygroundState;
  /** The run config of the state's settings at step 0: what "export config" writes. */
  readonly config: RunConfig;
  readonly points: { x: Float32Array; y: Int32Array; classes: number };
  readonly bounds: Bounds;
  private readonly prepared: ReturnType<typeof prepareRun>;
  private readonly trainer: Trainer;
  private readonly driver: ScheduleDriver;
  private readonly init: LayerWeights[];
  /** Index of the first edit of state.edits not applied yet. */
  private nextEdit = 0;
  private record: StepRecord = { loss: [], lr: [], momentum: [] };
  private gridInput: { rows: number; cols: number; data: Float32Array } | null = null;

  /** Builds the run; throws an Error naming the setting when the state does not make a valid run. */
  constructor(state: PlaygroundState) {
    this.state = cloneState(state);
    this.config = parseRunConfig(toRunConfig(state), 'settings');
    // The library prepares data, model, optimizer and batches; the schedule is the driver's, given to a Trainer.
    const prepared = prepareRun({ ...this.config, scheduler: null, manual_decay: null });
    prepared.trainer.dispose();
    this.prepared = prepared;
    try {
      this.driver = new ScheduleDriver(prepared.optimizer, state.schedule);
      this.trainer = new Trainer({
        model: prepared.model,
        optimizer: prepared.optimizer,
        scheduler: this.driver,
        schedulerMetric: 'loss',
        batches: prepared.recorded,
        x: prepared.data,
        y: prepared.data.y,
      });
    } catch (err) {
      this.disposeModel();
      throw err;
    }
    this.init = prepared.model.layerWeights();
    const { data } = prepared;
    this.points = {
      x: Float32Array.from(data.x),
      y: Int32Array.from(data.y),
      classes: this.config.sizes[this.config.sizes.length - 1],
    };
    this.bounds = boundsOf(data.x);
  }

  get step(): number {
    return this.trainer.step;
  }

  get done(): boolean {
    return this.step >= this.state.steps;
  }

  /** The lr (and momentum or beta1) the next step will use. */
  get hyperParameters(): { lr: number; momentum: number } {
    const g = this.prepared.optimizer.paramGroups[0];
    return { lr: g.lr, momentum: g.momentumOrBeta1 };
  }

  /**
   * Trains up to `n` steps, stopping at the end of the run and before a recorded edit (applied first
   * thing in the next call). Returns the steps taken. NonFiniteLossError and scheduler errors propagate
   * after the steps before them are recorded.
   */
  advance(n: number): number {
    this.applyDueEdits();
    const edits = this.state.edits;
    const until = this.nextEdit < edits.length ? Math.min(edits[this.nextEdit].at, this.state.steps) : this.state.steps;
    const limit = Math.min(n, until - this.step);
    if (limit <= 0) return 0;
    const first = this.step;
    try {
      this.trainer.run(limit);
    } finally {
      // Whatever ran is recorded, the steps before a NaN loss included; the failing step is not.
      const slice = this.trainer.historyRange(first);
      this.record.loss.push(...slice.loss);
      this.record.lr.push(...slice.lr.map((groups) => groups[0]));
      this.record.momentum.push(...slice.momentum.map((groups) => groups[0]));
      this.forgetBatches();
    }
    return limit;
  }

  /** The steps recorded since the last call. */
  takeRecord(): StepRecord {
    const r = this.record;
    this.record = { loss: [], lr: [], momentum: [] };
    return r;
  }

  /**
   * Changes the lr and schedule from the next step on, as a PyTorch loop would between two steps. At step 0
   * nothing has run yet, so the caller rebuilds the run with the new settings instead. Returns the new state.
   */
  changeSchedule(schedule: ScheduleState): PlaygroundState {
    if (this.step === 0) throw new Error('changeSchedule: at step 0, rebuild the run with the new settings');
    this.applyDueEdits();
    this.driver.change(schedule);
    this.state = withEdit(this.state, this.step, schedule);
    this.nextEdit = this.state.edits.filter((e) => e.at <= this.step).length;
    return this.state;
  }

  /** A longer or shorter run (not shorter than what has been trained). */
  setSteps(steps: number): void {
    if (steps < this.step) throw new Error(`setSteps: ${steps} is fewer than the ${this.step} steps taken`);
    this.state = { ...this.state, steps };
  }

  preview(): SchedulePreview {
    const s = this.state;
    return previewSchedule(s.optimizer, s.schedule, s.edits, s.steps, runCyclesMomentum(s));
  }

  /** The schedule in force now. */
  currentSchedule(): ScheduleState {
    return scheduleAt(this.state, this.step);
  }

  evaluate(): { loss: number; accuracy: number } {
    const { loss, accuracy } = this.trainer.evaluate();
    return { loss, accuracy };
  }

  /** Class probabilities on a size × size grid over the bounds, row-major from the top (y1) row, classes last. */
  grid(size: number): Float32Array {
    const { x0, x1, y0, y1 } = this.bounds;
    if (!this.gridInput || this.gridInput.rows !== size * size) {
      const data = new Float32Array(size * size * 2);
      for (let r = 0; r < size; r++) {
        for (let c = 0; c < size; c++) {
          data[(r * size + c) * 2] = x0 + ((c + 0.5) / size) * (x1 - x0);
          data[(r * size + c) * 2 + 1] = y1 - ((r + 0.5) / size) * (y1 - y0);
        }
      }
      this.gridInput = { rows: size * size, cols: 2, data };
    }
    return this.prepared.model.predictProba(this.gridInput).data;
  }

  /** The run config of the settings at step 0 (`anneal train --config` reads it). */
  exportConfig(): Record<string, unknown> {
    return {
      ...this.config,
      steps: this.state.steps,
      ...(this.state.edits.length ? { name: editNote(this.state) } : {}),
    };
  }

  /** The trained weights: PyTorch's state-dict layout (`layers.0.weight` is [out][in]). */
  exportWeights(): Record<string, unknown> {
    const { loss, accuracy } = this.evaluate();
    return {
      step: this.step,
      sizes: this.config.sizes,
      activation: this.config.activation,
      loss,
      accuracy,
      state_dict: this.prepared.model.stateDict(),
    };
  }

  /** The run in the layout of a training.json case: the config, the initial and final weights, every step's numbers. */
  exportRun(): Record<string, unknown> {
    const history = this.trainer.history;
    const { loss, accuracy } = this.evaluate();
    return {
      ...this.exportConfig(),
      init: this.init,
      steps: this.step,
      loss: history.loss,
      lr: history.lr,
      momentum: history.momentum,
      final: this.prepared.model.layerWeights(),
      final_loss: loss,
      final_accuracy: accuracy,
    };
  }

  dispose(): void {
    this.trainer.dispose();
    this.disposeModel();
  }

  private disposeModel(): void {
    this.prepared.optimizer.dispose();
    this.prepared.model.dispose();
  }

  private applyDueEdits(): void {
    const edits = this.state.edits;
    while (this.nextEdit < edits.length && edits[this.nextEdit].at <= this.step)
      this.driver.change(edits[this.nextEdit++].schedule);
  }

  /** The page's batches come back from the seed; the record of them would only grow. */
  private forgetBatches(): void {
    const source = this.prepared.recorded as { record?: unknown } | null;
    if (source && Array.isArray(source.record)) source.record.length = 0;
  }
}

function editNote(state: PlaygroundState): string {
  const at = state.edits.map((e) => e.at).join(', ');
  return (
    `anneal playground run whose lr or schedule was changed during the run (before step ${at}); ` +
    "this config has the settings of step 0, the page's link has the changes"
  );
}

/** A square view around the points, with a margin. */
function boundsOf(x: Float32Array): Bounds {
  let x0 = Infinity,
    x1 = -Infinity,
    y0 = Infinity,
    y1 = -Infinity;
  for (let i = 0; i + 1 < x.length; i += 2) {
    x0 = Math.min(x0, x[i]);
    x1 = Math.max(x1, x[i]);
    y0 = Math.min(y0, x[i + 1]);
    y1 = Math.max(y1, x[i + 1]);
  }
  const half = (Math.max(x1 - x0, y1 - y0, 1e-3) / 2) * 1.2;
  const cx = (x0 + x1) / 2;
  const cy = (y0 + y1) / 2;
  return { x0: cx - half, x1: cx + half, y0: cy - half, y1: cy + half };
}
