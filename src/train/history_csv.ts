import { rowsOf, widen } from './history.ts';
import { closeSync, openSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { RunConfig } from '../config/run_config.ts';
import type { OutputFile } from '../report/output_dir.ts';
import type { EvalPoint, RunResult } from './run.ts';
import type { StepRecord } from './trainer.ts';
import type { Callback } from './callbacks.ts';

/** The name of the momentum column: SGD's momentum or Adam's beta1. */
export function momentumName(config: RunConfig): 'momentum' | 'beta1' {
  return config.optimizer.type === 'SGD' ? 'momentum' : 'beta1';
}

function num(v: number): string {
  return String(v);
}

/** The header of history.csv for `groups` param groups; `val_loss` and `val_accuracy` with a held-out set. */
function historyCsvHead(config: RunConfig, groups: number): string {
  const mom = momentumName(config);
  const col = (name: string) => (groups > 1 ? Array.from({ length: groups }, (_, g) => `${name}_${g}`) : [name]);
  const val = config.validation ? ['val_loss', 'val_accuracy'] : [];
  return ['step', ...col('lr'), ...col(mom), 'batch_size', 'loss', 'dataset_loss', 'accuracy', ...val].join(',');
}

/** The held-out columns of a row: none without a held-out set, else its evaluation or two empty cells. */
function valCells(config: RunConfig, e: EvalPoint | undefined): string[] {
  if (!config.validation) return [];
  return [e?.val_loss !== undefined ? num(e.val_loss) : '', e?.val_accuracy !== undefined ? num(e.val_accuracy) : ''];
}

/** One step's row of history.csv, with the whole dataset's evaluation at that step when there was one. */
function historyCsvRow(
  step: number,
  lr: ArrayLike<number>,
  momentum: ArrayLike<number>,
  batchSize: number,
  loss: number,
  e: EvalPoint | undefined,
  config: RunConfig,
): string {
  return [
    String(step),
    ...Array.from(lr, num),
    ...Array.from(momentum, num),
    String(batchSize),
    num(loss),
    e ? num(e.loss) : '',
    e ? num(e.accuracy) : '',
    ...valCells(config, e),
  ].join(',');
}

/** The last row of history.csv: step = steps, the final evaluation only. */
function historyCsvLast(steps: number, groups: number, last: EvalPoint, config: RunConfig): string {
  const empty = new Array<string>(2 * groups + 2).fill('');
  return [String(steps), ...empty, num(last.loss), num(last.accuracy), ...valCells(config, last)].join(',');
}

/**
 * The run's history as CSV: one row per step with the lr and momentum (or beta1) of every param group, the
 * batch size and the batch's loss; on rows 0, k, 2k, … the whole dataset's loss and accuracy with the
 * weights of that step (before its update); and a last row, step = steps, with the final evaluation only.
 */
export function historyCsv(result: RunResult): string {
  const groups = result.lr[0]?.length ?? result.config.optimizer.groups?.length ?? 1;
  const evals = new Map(result.evals.map((e) => [e.step, e]));
  const lines = [historyCsvHead(result.config, groups)];
  const first = result.start_step ?? 0; // a resumed run's rows start at the step it resumed at
  const steps = result.loss.length;
  for (let i = 0; i < steps; i++) {
    const e = evals.get(first + i);
    const { lr, momentum, batch_sizes, loss, config } = result;
    lines.push(historyCsvRow(first + i, lr[i], momentum[i], batch_sizes[i], loss[i], e, config));
  }
  const last = evals.get(first + steps);
  if (last) lines.push(historyCsvLast(first + steps, groups, last, result.config));
  return `${lines.join('\n')}\n`;
}

/**
 * history.csv written as the run goes (`anneal train --out`): each step's row is appended to a temporary file
 * in the output folder (`.history.csv.tmp-<pid>`, swept by `recoverOutputDir` if the process dies), which
 * `writeFilesAtomic` then renames into place with the other files (`file()`). Give it to `runTraining`'s
 * `callbacks` (a Trainer callback: `onEvalEnd`, `onStepEnd`), or `onEval` and `onRecord` to its hooks (an
 * evaluation at step i precedes step i). With a held-out set it adds `val_loss` and `val_accuracy`. It keeps the
 * loss, lr, momentum and batch size of every step in typed arrays for the charts (8 × (2 + 2 × groups) bytes a
 * step), not the CSV text.
 */
export class StreamedHistoryCsv implements Callback {
  /** The temporary file the rows go to. */
  readonly tmp: string;
  private fd: number | null;
  private buffer: string[] = [];
  private buffered = 0;
  private groups = 0;
  private steps = 0;
  private nextStep = 0;
  private pending: EvalPoint | null = null;
  private final: EvalPoint | null = null;
  private loss = new Float64Array(1024);
  private sizes = new Float64Array(1024);
  private lr = new Float64Array(0);
  private momentum = new Float64Array(0);
  // The last value of each lr and momentum column, and its text (`row`); -0 and 0 share the text "0".
  private readonly lrSeen: number[] = [];
  private readonly lrText: string[] = [];
  private readonly momentumSeen: number[] = [];
  private readonly momentumText: string[] = [];
  private sizeSeen = -1;
  private sizeText = '';

  constructor(
    dir: string,
    private readonly config: RunConfig,
  ) {
    this.tmp = join(dir, `.history.csv.tmp-${process.pid}`);
    this.fd = openSync(this.tmp, 'w');
  }

  /** Sees every evaluation: one at step i goes on step i's row, the one at step `steps` on the last row. */
  readonly onEval = (point: EvalPoint): void => {
    this.pending = point;
    this.final = point;
  };

  /** Appends step `record.step`'s row. */
  readonly onRecord = (r: StepRecord): void => {
    if (this.steps === 0) {
      this.groups = r.lr.length;
      this.write(historyCsvHead(this.config, this.groups));
      this.lr = new Float64Array(1024 * this.groups);
      this.momentum = new Float64Array(1024 * this.groups);
    }
    const e = this.pending?.step === r.step ? this.pending : undefined;
    this.write(this.row(r, e));
    if (this.steps === this.loss.length) this.grow();
    const k = this.groups;
    this.loss[this.steps] = r.loss;
    this.sizes[this.steps] = r.batchSize;
    this.lr.set(r.lr, this.steps * k);
    this.momentum.set(r.momentum, this.steps * k);
    this.steps++;
    this.nextStep = r.step + 1;
  };

  /**
   * `historyCsvRow`'s text for a step, built without per-step arrays: the lr, momentum and batch size cells
   * are formatted again only when their value changed (a schedule holds them for many steps), so a step
   * formats its loss and little else.
   */
  private row(r: StepRecord, e: EvalPoint | undefined): string {
    let line = String(r.step);
    line = this.cells(line, r.lr, this.lrSeen, this.lrText);
    line = this.cells(line, r.momentum, this.momentumSeen, this.momentumText);
    if (r.batchSize !== this.sizeSeen) {
      this.sizeSeen = r.batchSize;
      this.sizeText = String(r.batchSize);
    }
    line += `,${this.sizeText},${num(r.loss)},`;
    if (e) line += `${num(e.loss)},${num(e.accuracy)}`;
    else line += ',';
    if (this.config.validation) line += `,${valCells(this.config, e).join(',')}`;
    return line;
  }

  /** Appends `,v` for each value, from the text of the value seen last in that column when it is the same. */
  private cells(line: string, values: Float64Array, seen: number[], text: string[]): string {
    for (let j = 0; j < values.length; j++) {
      const v = values[j];
      if (v !== seen[j]) {
        seen[j] = v; // NaN never equals itself: formatted every time, as String(NaN) is the same anyway
        text[j] = num(v);
      }
      line += `,${text[j]}`;
    }
    return line;
  }

  /** As a Trainer callback: `onEval`. */
  readonly onEvalEnd = (point: EvalPoint): void => this.onEval(point);

  /** As a Trainer callback: `onRecord` (a step's record, after its schedule). */
  readonly onStepEnd = (r: StepRecord): void => this.onRecord(r);

  /** The run's per-step arrays for the charts (`RunResult`'s loss, lr, momentum and batch_sizes). */
  chartData(): Pick<RunResult, 'loss' | 'lr' | 'momentum' | 'batch_sizes'> {
    const k = this.groups;
    const rows = (buf: Float64Array) => rowsOf(buf, k, 0, this.steps);
    return {
      loss: Array.from(this.loss.subarray(0, this.steps)),
      lr: rows(this.lr),
      momentum: rows(this.momentum),
      batch_sizes: Array.from(this.sizes.subarray(0, this.steps)),
    };
  }

  /** Writes the last row and closes the file; returns it as an already-written output file. */
  file(): OutputFile {
    if (this.steps === 0) this.write(historyCsvHead(this.config, this.config.optimizer.groups?.length ?? 1));
    const groups = this.steps ? this.groups : (this.config.optimizer.groups?.length ?? 1);
    // The last row is the final evaluation's, at the step after the last row (a resumed run's rows start late).
    const end = this.steps ? this.nextStep : (this.final?.step ?? 0);
    if (this.final?.step === end) this.write(historyCsvLast(end, groups, this.final, this.config));
    this.close();
    return { name: 'history.csv', written: this.tmp };
  }

  /** Closes and removes the temporary file (a run that failed writes nothing). */
  discard(): void {
    try {
      this.close();
    } finally {
      rmSync(this.tmp, { force: true });
    }
  }

  private write(line: string): void {
    this.buffer.push(line);
    this.buffered += line.length + 1;
    if (this.buffered >= 1 << 16) this.flush();
  }

  private flush(): void {
    if (this.fd !== null && this.buffer.length) writeSync(this.fd, `${this.buffer.join('\n')}\n`);
    this.buffer = [];
    this.buffered = 0;
  }

  private close(): void {
    if (this.fd === null) return;
    try {
      this.flush();
    } finally {
      closeSync(this.fd);
      this.fd = null;
    }
  }

  private grow(): void {
    this.loss = widen(this.loss);
    this.sizes = widen(this.sizes);
    this.lr = widen(this.lr);
    this.momentum = widen(this.momentum);
  }
}
