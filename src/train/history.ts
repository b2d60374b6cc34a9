import type { ParamGroup } from '../optim/group.ts';

/** Per-step record, in the layout of a `training.json` case: the values each step used. */
export interface History {
  /** The loss of each step, computed before that step's update. */
  loss: number[];
  /** `lr[step][group]`: the lr each group used at each step. */
  lr: number[][];
  /** `momentum[step][group]`: SGD's momentum or Adam's beta1 each group used at each step. */
  momentum: number[][];
}

/**
 * Records each step's loss and every group's lr and momentum (SGD momentum or Adam beta1) into growing
 * Float64Arrays, so recording allocates nothing per step; `toHistory()` builds the nested arrays on demand.
 */
export class HistoryRecorder {
  private loss = new Float64Array(1024);
  private lr: Float64Array;
  private momentum: Float64Array;
  private steps = 0;
  private cached: History | null = null;

  constructor(private readonly groups: readonly ParamGroup[]) {
    this.lr = new Float64Array(1024 * groups.length);
    this.momentum = new Float64Array(1024 * groups.length);
  }

  get length(): number {
    return this.steps;
  }

  /** Reads the hyper-parameters the coming step will use. */
  /** Records the hyper-parameters a step uses: read from the groups, or given (already read) per group. */
  recordHyperParameters(lr?: ArrayLike<number>, momentum?: ArrayLike<number>): void {
    if (this.steps === this.loss.length) this.grow();
    const g = this.groups;
    const base = this.steps * g.length;
    for (let j = 0; j < g.length; j++) {
      this.lr[base + j] = lr ? lr[j] : g[j].lr;
      this.momentum[base + j] = momentum ? momentum[j] : g[j].momentumOrBeta1;
    }
  }

  recordLoss(loss: number): void {
    this.loss[this.steps++] = loss;
    this.cached = null;
  }

  /** Steps `from` (inclusive) to `to` (exclusive) only, e.g. what a slice of a longer run added. */
  range(from: number, to = this.steps): History {
    const k = this.groups.length;
    const end = Math.min(to, this.steps);
    return {
      loss: Array.from(this.loss.subarray(from, Math.max(end, from))),
      lr: rowsOf(this.lr, k, from, end),
      momentum: rowsOf(this.momentum, k, from, end),
    };
  }

  /** The record so far; each of its arrays is built the first time it is read. */
  toHistory(): History {
    if (this.cached) return this.cached;
    const k = this.groups.length;
    const steps = this.steps;
    const loss = this.loss;
    const lr = this.lr;
    const momentum = this.momentum;
    const rows = (buf: Float64Array) => rowsOf(buf, k, 0, steps);
    const built: Partial<History> = {};
    this.cached = {
      get loss() {
        return (built.loss ??= Array.from(loss.subarray(0, steps)));
      },
      get lr() {
        return (built.lr ??= rows(lr));
      },
      get momentum() {
        return (built.momentum ??= rows(momentum));
      },
    } as History;
    return this.cached;
  }

  private grow(): void {
    this.loss = widen(this.loss);
    this.lr = widen(this.lr);
    this.momentum = widen(this.momentum);
  }
}

/** A buffer twice as long holding the same values first: how the recorders grow. */
export function widen(buf: Float64Array): Float64Array<ArrayBuffer> {
  const next = new Float64Array(buf.length * 2);
  next.set(buf);
  return next;
}

/**
 * Rows `from` (inclusive) to `to` (exclusive) of a buffer of `k` values a row, as nested arrays: what
 * `Array.from(buf.subarray(i * k, i * k + k))` gives for each row, without a typed-array view per row.
 */
export function rowsOf(buf: Float64Array, k: number, from: number, to: number): number[][] {
  const out: number[][] = [];
  for (let i = from; i < to; i++) {
    const row: number[] = [];
    for (let j = i * k; j < i * k + k; j++) row.push(buf[j]);
    out.push(row);
  }
  return out;
}
