// One playground run: the run config of the state, prepared by the library as `anneal train --config` prepares
// it, trained in slices by the Trainer prepareRun built, whose schedule ScheduleDriver replaces when it changes
// between two steps. Its exports are written by the library's writers, as `anneal train` writes them. Nothing
// here touches the DOM: the worker runs it, and the Node tests run it beside runTraining() to check the
// numbers are the same.

import {
  parseRunConfig,
  toOnnx,
  type EvalPoint,
  type LayerWeights,
  type RunConfig,
  type Trainer,
} from '../../src/index.ts';
import { DeviceData } from '../../src/nn/device_data.ts';
import { lrFind, type LrFindResult } from '../../src/tuner/lr_find.ts';
import { prepareRun, resultToJson, runConfigToJson } from '../../src/train/run.ts';
import { targetsFor } from '../../src/train/run_targets.ts';
import { runEvalEvery } from '../../src/train/validation.ts';
import { ScheduleDriver, previewSchedule, type SchedulePreview } from './schedule_driver.ts';
import {
  cloneState,
  fitGroups,
  fitSchedule,
  layerCount,
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

/** What a slice of training produced: one entry per step, and the evaluations of the test data. */
export interface StepRecord {
  loss: number[];
  /** The lr of the first param group (the only one, unless one per layer). */
  lr: number[];
  /** Every param group's lr: `lrs[g][i]` is group g's at step i of the slice (`lrs[0]` equals `lr`). */
  lrs: number[][];
  momentum: number[];
  /** With test data: the evaluations `anneal train` makes (step 0, every eval_every steps, the end). */
  evals: EvalPoint[];
}

/** Points of the plane and their classes (the training data, or the test data held out of it). */
export interface Points {
  x: Float32Array;
  y: Int32Array;
  /** Regression data: each point's target (y is then empty). */
  targets?: Float32Array;
}

/** The data drawn on the plane: classes (labels), or one float target per point (regression). */
export interface PlaneData extends Points {
  classes: number;
  regression: boolean;
  /** Two features: the data is drawn in the plane (else x is empty and there is no grid). */
  planar: boolean;
  test: Points | null;
}

function pointsOf(d: { x: Float32Array; y: Int32Array; targets?: Float32Array }): Points {
  const p: Points = { x: Float32Array.from(d.x), y: Int32Array.from(d.y) };
  if (d.targets) p.targets = Float32Array.from(d.targets);
  return p;
}

export class PlaygroundRun {
  state: PlaygroundState;
  /** The run config of the state's settings at step 0: what "export config" writes. */
  readonly config: RunConfig;
  readonly points: PlaneData;
  readonly bounds: Bounds;
  private readonly prepared: ReturnType<typeof prepareRun>;
  private readonly trainer: Trainer;
  private readonly driver: ScheduleDriver;
  private readonly init: LayerWeights[];
  /** Index of the first edit of state.edits not applied yet. */
  private nextEdit = 0;
  private record: StepRecord;
  /** The test data in the core's memory, and how often it is evaluated (as `anneal train` does); or null. */
  private readonly test: { data: DeviceData; every: number } | null = null;
  /** Milliseconds spent in training steps. */
  private wallMs = 0;
  private gridInput: { rows: number; cols: number; data: Float32Array } | null = null;

  /** Builds the run; throws an Error naming the setting when the state does not make a valid run. */
  constructor(state: PlaygroundState) {
    // Every schedule with one lr (and lambda) per param group, however the layers changed.
    this.state = fitGroups(cloneState(state));
    this.record = this.emptyRecord();
    this.config = parseRunConfig(toRunConfig(this.state), 'settings');
    // The library prepares data, model, optimizer, scheduler, batches and the Trainer; the driver takes over
    // the schedule the Trainer was given, to replace it when the page changes it during the run.
    const prepared = prepareRun(this.config);
    this.prepared = prepared;
    this.trainer = prepared.trainer;
    this.driver = new ScheduleDriver(prepared.optimizer, this.state.schedule, prepared.trainer.schedule);
    this.init = prepared.model.layerWeights();
    const { data } = prepared;
    const planar = data.nFeatures === 2;
    const empty = { x: new Float32Array(0), y: new Int32Array(0) };
    this.points = {
      ...(planar ? pointsOf(data) : empty),
      planar,
      classes: this.config.sizes[this.config.sizes.length - 1],
      regression: prepared.model.criterion.targets === 'floats' && data.targets !== undefined,
      test: prepared.heldOut && planar ? pointsOf(prepared.heldOut) : null,
    };
    this.bounds = planar ? boundsOf(data.x, prepared.heldOut?.x) : { x0: -1, x1: 1, y0: -1, y1: 1 };
    const held = prepared.heldOut;
    if (held) {
      const { model } = prepared;
      const targets = targetsFor(model.criterion, held, model.outputDim, 'validation');
      const x = { rows: held.nSamples, cols: held.nFeatures, data: held.x };
      const y = targets instanceof Int32Array ? targets : { rows: held.nSamples, cols: model.outputDim, data: targets };
      this.test = { data: new DeviceData(model.engine, x, y), every: runEvalEvery(this.config, undefined) };
      this.record.evals.push(this.evalPoint());
    }
  }

  get step(): number {
    return this.trainer.step;
  }

  get done(): boolean {
    return this.step >= this.state.steps;
  }

  /** The lr (and momentum or beta1) the next step will use; `lrs`: every param group's lr. */
  get hyperParameters(): { lr: number; lrs: number[]; momentum: number } {
    const groups = this.prepared.optimizer.paramGroups;
    return { lr: groups[0].lr, lrs: groups.map((g) => g.lr), momentum: groups[0].momentumOrBeta1 };
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
    const start = performance.now();
    try {
      if (!this.test) this.trainer.run(limit);
      else {
        // In slices ending at the steps `anneal train` evaluates at (the steps are the same, however sliced).
        const { every } = this.test;
        while (this.step < first + limit) {
          const next = Math.min(first + limit, (Math.floor(this.step / every) + 1) * every);
          this.trainer.run(next - this.step);
          if (this.step % every === 0 || this.step === this.state.steps) this.record.evals.push(this.evalPoint());
        }
      }
    } finally {
      this.wallMs += performance.now() - start;
      // Whatever ran is recorded, the steps before a NaN loss included; the failing step is not.
      const slice = this.trainer.historyRange(first);
      this.record.loss.push(...slice.loss);
      this.record.lr.push(...slice.lr.map((groups) => groups[0]));
      this.record.lrs.forEach((lrs, g) => lrs.push(...slice.lr.map((groups) => groups[g])));
      this.record.momentum.push(...slice.momentum.map((groups) => groups[0]));
      this.forgetBatches();
    }
    return limit;
  }

  /**
   * The learning-rate range test (`lrFind`, fastai's `lr_find` with its defaults: 1e-7 to 10 over 100 steps) on
   * the model, optimizer and training data of the run as they are now (before or between training steps), in
   * batches of the run's batch size shuffled by its seed. The library puts the model and optimizer back
   * afterwards, so the run goes on as if it had not been called.
   */
  findLr(): LrFindResult {
    const { model, optimizer, data } = this.prepared;
    const y = targetsFor(model.criterion, data, model.outputDim);
    return lrFind({ model, optimizer, x: data, y, batchSize: this.config.batch_size ?? null, seed: this.config.seed });
  }

  /** The steps recorded since the last call. */
  takeRecord(): StepRecord {
    const r = this.record;
    this.record = this.emptyRecord();
    return r;
  }

  /** The optimizer's param groups: 1, or one per Linear layer. */
  get groupCount(): number {
    return this.prepared.optimizer.paramGroups.length;
  }

  private emptyRecord(): StepRecord {
    const groups = this.state.groups === 'layer' ? layerCount(this.state) : 1;
    return { loss: [], lr: [], lrs: Array.from({ length: groups }, () => []), momentum: [], evals: [] };
  }

  /** Loss and accuracy on the test data with the current weights; null without test data. */
  evaluateTest(): { loss: number; accuracy: number } | null {
    if (!this.test) return null;
    const { model } = this.prepared;
    const { loss, accuracy } = model.evaluateStaged(model.loadBatch(this.test.data, null));
    return { loss, accuracy };
  }

  /** An evaluation as `Trainer.fit` makes it: the training data, then the test data. */
  private evalPoint(): EvalPoint {
    const { loss, accuracy } = this.evaluate();
    const test = this.evaluateTest();
    return { step: this.step, loss, accuracy, ...(test ? { val_loss: test.loss, val_accuracy: test.accuracy } : {}) };
  }

  /**
   * Changes the lr and schedule from the next step on, as a PyTorch loop would between two steps. At step 0
   * nothing has run yet, so the caller rebuilds the run with the new settings instead. Returns the new state.
   */
  changeSchedule(schedule: ScheduleState): PlaygroundState {
    if (this.step === 0) throw new Error('changeSchedule: at step 0, rebuild the run with the new settings');
    this.applyDueEdits();
    schedule = fitSchedule(schedule, this.groupCount);
    this.changeTo(schedule);
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

  /**
   * Class probabilities on a size × size grid over the bounds, row-major from the top (y1) row, classes last;
   * for regression data, the predicted value of each cell.
   */
  grid(size: number): Float32Array {
    if (!this.points.planar) throw new Error(`grid: the data has ${this.config.sizes[0]} features, not a plane`);
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
    const { model } = this.prepared;
    return this.points.regression ? model.forward(this.gridInput).data : model.predictProba(this.gridInput).data;
  }

  /** The run config of the settings at step 0, as `anneal train --out` writes it (`anneal train --config` reads it). */
  exportConfig(): Record<string, unknown> {
    return runConfigToJson(this.configOf(this.state.steps));
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

  /**
   * The trained weights as a safetensors file (`model.save()`): PyTorch's state-dict keys (`layers.0.weight` is
   * [out][in]), F32, `__metadata__` with `format: pt` and the architecture, so `loadModel` rebuilds the model.
   */
  exportSafetensors(): Uint8Array {
    return this.prepared.model.save();
  }

  /** The trained model as an ONNX model (`toOnnx`): `input` [batch, features] to `logits` (or `probabilities`). */
  exportOnnx(options: { softmax?: boolean } = {}): Promise<Uint8Array> {
    return toOnnx(this.prepared.model, options);
  }

  /**
   * The run so far as `anneal train --json` writes it (a training.json case): the config with the steps taken,
   * the initial and final weights, every step's numbers. The batches are left to the config's seed and
   * batch_size (the page does not keep them); the one evaluation is the final one.
   */
  exportRun(): Record<string, unknown> {
    const steps = this.step;
    const history = this.trainer.history;
    const { loss, accuracy } = this.evaluate();
    const test = this.evaluateTest();
    const batchSize = Math.min(this.config.batch_size ?? Infinity, this.prepared.data.nSamples);
    return resultToJson({
      config: this.configOf(steps),
      init: this.init,
      batches: null,
      loss: history.loss,
      lr: history.lr,
      momentum: history.momentum,
      final: this.prepared.model.layerWeights(),
      final_loss: loss,
      final_accuracy: accuracy,
      ...(test ? { final_val_loss: test.loss, final_val_accuracy: test.accuracy } : {}),
      batch_sizes: new Array<number>(steps).fill(batchSize),
      evals: [{ step: steps, loss, accuracy, ...(test ? { val_loss: test.loss, val_accuracy: test.accuracy } : {}) }],
      wallMs: this.wallMs,
    });
  }

  dispose(): void {
    this.test?.data.dispose();
    this.trainer.dispose();
    this.prepared.optimizer.dispose();
    this.prepared.model.dispose();
  }

  /** The run config of the settings at step 0 for a run of `steps` steps, with a note of the edits. */
  private configOf(steps: number): RunConfig {
    return { ...this.config, steps, ...(this.state.edits.length ? { name: editNote(this.state) } : {}) };
  }

  private applyDueEdits(): void {
    const edits = this.state.edits;
    while (this.nextEdit < edits.length && edits[this.nextEdit].at <= this.step)
      this.changeTo(edits[this.nextEdit++].schedule);
  }

  /** The lr and schedule from the next step on: built by the driver, stepped by the Trainer. */
  private changeTo(schedule: ScheduleState): void {
    this.driver.change(schedule);
    this.trainer.setSchedule(this.driver.schedule);
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

/** A square view around the points (the training and the test data), with a margin. */
function boundsOf(x: Float32Array, test: Float32Array = new Float32Array(0)): Bounds {
  let x0 = Infinity,
    x1 = -Infinity,
    y0 = Infinity,
    y1 = -Infinity;
  for (const xs of [x, test]) {
    for (let i = 0; i + 1 < xs.length; i += 2) {
      x0 = Math.min(x0, xs[i]);
      x1 = Math.max(x1, xs[i]);
      y0 = Math.min(y0, xs[i + 1]);
      y1 = Math.max(y1, xs[i + 1]);
    }
  }
  const half = (Math.max(x1 - x0, y1 - y0, 1e-3) / 2) * 1.2;
  const cx = (x0 + x1) / 2;
  const cy = (y0 + y1) / 2;
  return { x0: cx - half, x1: cx + half, y0: cy - half, y1: cy + half };
}
