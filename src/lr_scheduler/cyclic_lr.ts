import { compileExpression, lambdaSource, type CompiledExpression } from '../expr/compile.ts';
import { ExprError } from '../expr/errors.ts';
import type { SchedulableOptimizer } from '../optim/param_group.ts';
import { LRScheduler, type ClosedForm } from './lr_scheduler.ts';
import { momentumTarget, writeMomentum, type MomentumTarget, startMomentumCycle } from './momentum.ts';
import type { StateDict, StateReader } from './state.ts';
import { ArgChecker, checkOptimizerAndOptions } from './validate.ts';

/** The built-in amplitude policies of CyclicLR (PyTorch's `mode`). */
export const CYCLIC_MODES = ['triangular', 'triangular2', 'exp_range'] as const;
/**
 * One of `CYCLIC_MODES`: 'triangular' (constant amplitude), 'triangular2' (halved each cycle), 'exp_range' (`gamma
 * ** iteration`).
 */
export type CyclicMode = (typeof CYCLIC_MODES)[number];
/** What CyclicLR's scale function is evaluated at (PyTorch's `scale_mode`). */
export const SCALE_MODES = ['cycle', 'iterations'] as const;
/** One of `SCALE_MODES`: 'cycle' (the cycle number, from 1) or 'iterations' (the step). */
export type ScaleMode = (typeof SCALE_MODES)[number];
/** A custom amplitude scaling of CyclicLR, in [0, 1], of the cycle number or the iteration (PyTorch's `scale_fn`). */
export type ScaleFn = (x: number) => number;

/** Options of `CyclicLR`, PyTorch's keyword arguments in camelCase. */
export interface CyclicLROptions {
  /** Lower lr bound, one for all groups or one per group. Sets the groups' lrs when starting. */
  baseLr: number | readonly number[];
  /** Upper lr bound, one for all groups or one per group. */
  maxLr: number | readonly number[];
  /** Steps from baseLr up to maxLr; default 2000. */
  stepSizeUp?: number;
  /** Steps back down; default stepSizeUp. */
  stepSizeDown?: number;
  /** Default 'triangular'; must be one of the three even when scaleFn, which overrides it, is given. */
  mode?: CyclicMode;
  /** exp_range's factor per iteration; default 1. */
  gamma?: number;
  /** Custom amplitude scaling in [0, 1]: a function, or an expression in `x` (e.g. "0.5 ** x"). */
  scaleFn?: ScaleFn | string;
  /** What scaleFn is given: the cycle number or the iteration; default 'cycle'. */
  scaleMode?: ScaleMode;
  /** Cycle SGD's momentum or Adam's beta1 inversely to the lr; default true. */
  cycleMomentum?: boolean;
  /** Default 0.8. */
  baseMomentum?: number | readonly number[];
  /** Default 0.9. */
  maxMomentum?: number | readonly number[];
  /** Index of the last batch when resuming (PyTorch's `last_epoch`); default -1, a fresh start. */
  lastEpoch?: number;
}

/**
 * Cyclical learning rates (PyTorch's CyclicLR): the lr goes linearly from baseLr to maxLr and back, the
 * amplitude scaled per cycle (triangular2) or per iteration (exp_range). Not chainable. Momentum (or,
 * as in PyTorch 2.x, Adam's beta1 — 1.13 refused Adam) cycles the other way between maxMomentum and
 * baseMomentum.
 */
export class CyclicLR extends LRScheduler implements ClosedForm {
  /** Upper lr bound per group. */
  maxLrs: number[];
  /** Length of a cycle in steps: `stepSizeUp + stepSizeDown`. */
  totalSize: number;
  /** Fraction of the cycle spent going up: `stepSizeUp / totalSize`. */
  stepRatio: number;
  /** The amplitude policy (ignored when a custom scaleFn was given). */
  mode: CyclicMode;
  /** exp_range's factor per iteration. */
  gamma: number;
  /** What scaleFn() is given: the cycle number or the iteration. */
  scaleMode: ScaleMode;
  /** Whether momentum (or Adam's beta1) cycles inversely to the lr. */
  cycleMomentum: boolean;
  /** Lower momentum bound per group, reached at the lr's peak. */
  baseMomentums: number[];
  /** Upper momentum bound per group, at the start of each cycle. */
  maxMomentums: number[];
  /** What momentum cycling writes; undefined when cycleMomentum is false. */
  momentumTarget: MomentumTarget | undefined;
  private customScaleFn: ScaleFn | undefined;

  constructor(optimizer: SchedulableOptimizer, options: CyclicLROptions) {
    const check = new ArgChecker('CyclicLR');
    const o = checkOptimizerAndOptions(check, optimizer, options, [
      'baseLr',
      'maxLr',
      'stepSizeUp',
      'stepSizeDown',
      'mode',
      'gamma',
      'scaleFn',
      'scaleMode',
      'cycleMomentum',
      'baseMomentum',
      'maxMomentum',
      'lastEpoch',
    ]);
    const baseLrs = check.perGroup('baseLr', o.baseLr, optimizer, { min: 0 });
    const maxLrs = check.perGroup('maxLr', o.maxLr, optimizer, { min: 0 });
    const stepSizeUp = check.number('stepSizeUp', o.stepSizeUp ?? 2000, { min: 0, above: true });
    const stepSizeDown = check.number('stepSizeDown', o.stepSizeDown ?? stepSizeUp, { min: 0 });
    const customScaleFn = o.scaleFn === undefined ? undefined : resolveScaleFn(check, o.scaleFn);
    const mode = check.oneOf('mode', o.mode ?? 'triangular', CYCLIC_MODES);
    const gamma = check.number('gamma', o.gamma ?? 1.0, { min: 0, above: true });
    const scaleMode = check.oneOf('scaleMode', o.scaleMode ?? 'cycle', SCALE_MODES);
    const cycleMomentum = check.boolean('cycleMomentum', o.cycleMomentum ?? true);
    const target = cycleMomentum ? momentumTarget(check, optimizer) : undefined;
    const baseMomentums = check.perGroup('baseMomentum', o.baseMomentum ?? 0.8, optimizer, { min: 0, max: 1 });
    const maxMomentums = check.perGroup('maxMomentum', o.maxMomentum ?? 0.9, optimizer, { min: 0, max: 1 });
    const lastEpoch = check.lastEpoch(o.lastEpoch ?? -1, optimizer);

    if (lastEpoch === -1) {
      optimizer.paramGroups.forEach((group, i) => {
        group.lr = baseLrs[i];
        startMomentumCycle(group, target, baseMomentums[i], maxMomentums[i]);
      });
    }
    super('CyclicLR', optimizer, lastEpoch);
    this.baseLrs = baseLrs;
    this.maxLrs = maxLrs;
    this.totalSize = stepSizeUp + stepSizeDown;
    this.stepRatio = stepSizeUp / this.totalSize;
    this.mode = mode;
    this.gamma = gamma;
    this.customScaleFn = customScaleFn;
    this.scaleMode = customScaleFn === undefined ? builtInScaleMode(mode) : scaleMode;
    this.cycleMomentum = cycleMomentum;
    this.momentumTarget = target;
    this.baseMomentums = baseMomentums;
    this.maxMomentums = maxMomentums;
    this.initialStep();
  }

  /** The amplitude scaling: the custom scaleFn, or the mode's. */
  scaleFn(x: number): number {
    if (this.customScaleFn !== undefined) return this.customScaleFn(x);
    if (this.mode === 'triangular2') return 1 / Math.pow(2.0, x - 1);
    if (this.mode === 'exp_range') return Math.pow(this.gamma, x);
    return 1.0;
  }

  getLr(): number[] {
    return this.lrAtEpoch(this.lastEpoch);
  }

  lrAt(step: number): number[] {
    this.checkStep(step);
    return this.lrAtEpoch(step);
  }

  /** Momentum (or beta1) per group for `lastEpoch === step`; undefined when momentum is not cycled. */
  momentumAt(step: number): number[] | undefined {
    this.checkStep(step);
    return this.momentumAtEpoch(step);
  }

  override stateDict(): StateDict {
    return {
      ...super.stateDict(),
      max_lrs: [...this.maxLrs],
      total_size: this.totalSize,
      step_ratio: this.stepRatio,
      mode: this.mode,
      gamma: this.gamma,
      scale_mode: this.scaleMode,
      _scale_fn_custom: this.customScaleFn === undefined ? null : (lambdaSource(this.customScaleFn) ?? null),
      cycle_momentum: this.cycleMomentum,
      base_momentums: [...this.baseMomentums],
      max_momentums: [...this.maxMomentums],
      use_beta1: this.momentumTarget === 'beta1',
    };
  }

  protected loadHyperParameters(reader: StateReader): void {
    this.maxLrs = reader.numbers('max_lrs');
    this.totalSize = reader.number('total_size');
    this.stepRatio = reader.number('step_ratio');
    this.mode = reader.string('mode', CYCLIC_MODES);
    this.gamma = reader.number('gamma');
    this.scaleMode = reader.string('scale_mode', SCALE_MODES);
    const scaleSource = reader.has('_scale_fn_custom') ? reader.raw('_scale_fn_custom') : null;
    if (typeof scaleSource === 'string')
      this.customScaleFn = resolveScaleFn(new ArgChecker('CyclicLR.loadStateDict'), scaleSource);
    this.cycleMomentum = reader.boolean('cycle_momentum');
    this.baseMomentums = reader.numbers('base_momentums');
    this.maxMomentums = reader.numbers('max_momentums');
    this.momentumTarget = this.cycleMomentum ? (reader.boolean('use_beta1') ? 'beta1' : 'momentum') : undefined;
  }

  protected override updateMomentum(): void {
    const momentums = this.momentumAtEpoch(this.lastEpoch);
    if (momentums === undefined || this.momentumTarget === undefined) return;
    const target = this.momentumTarget;
    this.optimizer.paramGroups.forEach((group, i) => writeMomentum(group, target, momentums[i]));
  }

  private position(epoch: number): { cycle: number; scaleFactor: number } {
    const cycle = Math.floor(1 + epoch / this.totalSize);
    const x = 1 + epoch / this.totalSize - cycle;
    const scaleFactor = x <= this.stepRatio ? x / this.stepRatio : (x - 1) / (this.stepRatio - 1);
    return { cycle, scaleFactor };
  }

  private lrAtEpoch(epoch: number): number[] {
    const { cycle, scaleFactor } = this.position(epoch);
    const scale = this.scaleFn(this.scaleMode === 'cycle' ? cycle : epoch);
    return this.baseLrs.map((baseLr, i) => baseLr + (this.maxLrs[i] - baseLr) * scaleFactor * scale);
  }

  private momentumAtEpoch(epoch: number): number[] | undefined {
    if (!this.cycleMomentum) return undefined;
    const { cycle, scaleFactor } = this.position(epoch);
    const scale = this.scaleFn(this.scaleMode === 'cycle' ? cycle : epoch);
    return this.maxMomentums.map(
      (maxMomentum, i) => maxMomentum - (maxMomentum - this.baseMomentums[i]) * scaleFactor * scale,
    );
  }
}

function builtInScaleMode(mode: CyclicMode): ScaleMode {
  return mode === 'exp_range' ? 'iterations' : 'cycle';
}

function resolveScaleFn(check: ArgChecker, input: unknown): ScaleFn {
  if (typeof input === 'function') return input as ScaleFn;
  if (typeof input !== 'string') check.fail('scaleFn', 'a function or an expression string in x', input);
  let compiled: CompiledExpression;
  try {
    compiled = compileExpression(input, { variable: 'x' });
  } catch (error) {
    if (!(error instanceof ExprError)) throw error;
    throw new Error(`${check.scheduler}: scaleFn (scale_fn) is not a valid expression: ${error.message}`, {
      cause: error,
    });
  }
  const scaleFn = (x: number): number => compiled(x);
  return Object.defineProperty(scaleFn, 'source', { value: input, enumerable: true });
}
