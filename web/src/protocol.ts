// Messages between the page and the training worker.

import type { EvalPoint } from '../../src/index.ts';
import type { LrFindResult } from '../../src/tuner/lr_find.ts';
import type { Bounds, PlaneData } from './run.ts';
import type { PlaygroundState, ScheduleState } from './state.ts';

/** What the page exports as JSON text: the run config, the trained weights, the whole run. */
export type ExportKind = 'config' | 'weights' | 'run';
/** The trained model as a file: its weights as safetensors (`model.save()`), or an ONNX model (`toOnnx`). */
export type ModelFileKind = 'safetensors' | 'onnx';

export type ToWorker =
  /** Build a run (a new one, or the same settings from step 0); the old one stays if this one is refused. */
  | { kind: 'load'; id: number; state: PlaygroundState; play: boolean }
  | { kind: 'play' }
  | { kind: 'pause' }
  | { kind: 'step' }
  /** The lr or schedule from the next step on (at step 0: the run's own settings). */
  | { kind: 'schedule'; schedule: ScheduleState }
  | { kind: 'steps'; steps: number }
  /** Steps per second, 0 for as fast as possible. */
  | { kind: 'speed'; speed: number }
  | { kind: 'export'; what: ExportKind }
  /** Run the lr range test (lrFind) on the run as it is now; the run pauses, and goes on unchanged after. */
  | { kind: 'lr-find' }
  | { kind: 'export-file'; what: ModelFileKind };

export interface Status {
  step: number;
  steps: number;
  /** The last step's loss (its batch), NaN before the first step. */
  lastLoss: number;
  /** Loss and accuracy on the whole dataset with the current weights. */
  loss: number;
  accuracy: number;
  /** Loss and accuracy on the test data (held out of training) with the current weights; null without. */
  testLoss: number | null;
  testAccuracy: number | null;
  /** The lr of the last step (of the coming one before the first); of the first param group. */
  lr: number;
  /** The same, of every param group (one per layer with `groups: 'layer'`). */
  lrs: number[];
  stepsPerSecond: number;
  playing: boolean;
  done: boolean;
}

export interface Progress {
  kind: 'progress';
  id: number;
  /** The steps taken since the last progress message. */
  loss: Float64Array;
  /** Each param group's lr (one array per group). */
  lr: Float64Array[];
  momentum: Float64Array;
  /** With test data: the evaluations made since the last message, at the steps `anneal train` makes them. */
  evals: EvalPoint[];
  status: Status;
  /** Class probabilities on a gridSize² grid (classes last), or predicted values, when the weights changed. */
  grid: Float32Array | null;
  gridSize: number;
}

export interface Preview {
  /** The coming lr of each param group. */
  lrs: Float64Array[];
  momentum: Float64Array | null;
  note: string | null;
}

export type FromWorker =
  /** The worker has loaded the library and its core, and listens (messages sent before are lost). */
  | { kind: 'ready' }
  | {
      kind: 'loaded';
      id: number;
      state: PlaygroundState;
      points: PlaneData;
      bounds: Bounds;
      preview: Preview;
    }
  /** The state after a change during the run (an edit recorded, the number of steps). */
  | { kind: 'state'; id: number; state: PlaygroundState; preview: Preview }
  | Progress
  | { kind: 'export'; id: number; what: ExportKind; json: string }
  /** The range test's result, on the run as it was at `step`. */
  | { kind: 'lr-find'; id: number; step: number; result: LrFindResult }
  /** The file's bytes (the buffer is transferred, not copied). */
  | { kind: 'export-file'; id: number; what: ModelFileKind; bytes: ArrayBuffer }
  /** `load`: the settings were refused and nothing changed (the id is the refused load's). */
  | {
      kind: 'error';
      id: number;
      during: 'load' | 'schedule' | 'steps' | 'train' | 'export' | 'lr-find';
      message: string;
    };
