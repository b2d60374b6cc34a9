import { compileExpression, lambdaSource, type CompiledExpression } from '../expr/compile.ts';
import { ExprError } from '../expr/errors.ts';
import type { SchedulableOptimizer } from '../optim/param_group.ts';
import {
  boolean,
  choice,
  custom,
  number,
  numberPerGroup,
  type OptionsOf,
  optional,
  type Param,
  notInState,
  perGroup,
} from '../params/declare.ts';
import { ValidationError } from '../params/error.ts';
import { ParamSet } from '../params/param_set.ts';
import { LAST_EPOCH, LRScheduler, parseSchedulerOptions, type ClosedForm } from './lr_scheduler.ts';
import {
  momentumTarget,
  readMomentumTarget,
  writeMomentum,
  type MomentumTarget,
  startMomentumCycle,
} from './momentum.ts';
import { StateReader, type StateDict } from '../params/state_reader.ts';
import { crPow } from '../data/correctly_rounded_math.ts';

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

const CYCLIC_LR = new ParamSet('CyclicLR', {
  baseLr: notInState(
    perGroup(
      numberPerGroup({
        doc: "Lower lr bound, one for all groups or one per group. Sets the groups' lrs when starting.",
        min: 0,
      }),
    ),
  ),
  maxLr: notInState(perGroup(numberPerGroup({ doc: 'Upper lr bound, one for all groups or one per group.', min: 0 }))),
  stepSizeUp: notInState(number({ doc: 'Steps from baseLr up to maxLr.', default: 2000, min: 0, above: true })),
  stepSizeDown: notInState(optional(number({ doc: 'Steps back down; default stepSizeUp.', min: 0 }))),
  mode: choice({
    doc: 'The amplitude policy; must be one of the three even when scaleFn, which overrides it, is given.',
    choices: CYCLIC_MODES,
    default: 'triangular',
  }) as Param<CyclicMode, false>,
  gamma: number({ doc: "exp_range's factor per iteration.", default: 1.0, min: 0, above: true }),
  scaleFn: optional(
    custom(
      {
        doc: 'Custom amplitude scaling in [0, 1]: a function, or an expression in `x` (e.g. "0.5 ** x").',
        kind: 'expression',
        allowed: 'a function or an expression string in x',
        inState: false, // the state holds an expression's source as `_scale_fn_custom`
      },
      (where, _name, value): ScaleFn | string => resolveScaleFn(where, value),
    ),
  ),
  scaleMode: choice({
    doc: 'What scaleFn is given: the cycle number or the iteration.',
    choices: SCALE_MODES,
    default: 'cycle',
  }) as Param<ScaleMode, false>,
  cycleMomentum: boolean({ doc: "Cycle SGD's momentum or Adam's beta1 inversely to the lr.", default: true }),
  baseMomentum: notInState(
    perGroup(numberPerGroup({ doc: "Lower momentum bound, reached at the lr's peak.", default: 0.8, min: 0 })),
  ),
  maxMomentum: notInState(
    perGroup(numberPerGroup({ doc: 'Upper momentum bound, at the start of each cycle.', default: 0.9, min: 0 })),
  ),
  lastEpoch: LAST_EPOCH,
});

/** Options of `CyclicLR`, PyTorch's keyword arguments in camelCase, as declared in `CyclicLR.params`. */
export type CyclicLROptions = OptionsOf<typeof CYCLIC_LR.decls, never>;

/**
 * Cyclical learning rates (PyTorch's CyclicLR): the lr goes linearly from baseLr to maxLr and back, the
 * amplitude scaled per cycle (triangular2) or per iteration (exp_range). Not chainable. Momentum (or,
 * as in PyTorch 2.x, Adam's beta1 — 1.13 refused Adam) cycles the other way between maxMomentum and
 * baseMomentum.
 */
export class CyclicLR extends LRScheduler implements ClosedForm {
  /** The declared hyper-parameters (names, defaults, ranges): options, state dict, run configs, flags. */
  static readonly params = CYCLIC_LR;
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

  /**
   * @param optimizer the optimizer whose groups' lrs (and momentum) it sets
   * @param options see `CyclicLROptions`
   */
  constructor(optimizer: SchedulableOptimizer, options: CyclicLROptions) {
    const o = parseSchedulerOptions(CYCLIC_LR, optimizer, options);
    const stepSizeDown = o.stepSizeDown ?? o.stepSizeUp;
    const customScaleFn = o.scaleFn as ScaleFn | undefined; // the declaration's check compiles an expression
    const target = o.cycleMomentum ? momentumTarget('CyclicLR', optimizer) : undefined;
    if (o.lastEpoch === -1) {
      optimizer.paramGroups.forEach((group, i) => {
        group.lr = o.baseLr[i];
        startMomentumCycle(group, target, o.baseMomentum[i], o.maxMomentum[i]);
      });
    }
    super(CYCLIC_LR, optimizer, o.lastEpoch);
    this.baseLrs = o.baseLr;
    this.maxLrs = o.maxLr;
    this.totalSize = o.stepSizeUp + stepSizeDown;
    this.stepRatio = o.stepSizeUp / this.totalSize;
    this.mode = o.mode;
    this.gamma = o.gamma;
    this.customScaleFn = customScaleFn;
    this.scaleMode = customScaleFn === undefined ? builtInScaleMode(o.mode) : o.scaleMode;
    this.cycleMomentum = o.cycleMomentum;
    this.momentumTarget = target;
    this.baseMomentums = o.baseMomentum;
    this.maxMomentums = o.maxMomentum;
    this.initialStep();
  }

  /** The amplitude scaling: the custom scaleFn, or the mode's. */
  scaleFn(x: number): number {
    if (this.customScaleFn !== undefined) return this.customScaleFn(x);
    if (this.mode === 'triangular2') return 1 / crPow(2.0, x - 1);
    if (this.mode === 'exp_range') return crPow(this.gamma, x);
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

  /**
   * The base state (declared hyper-parameters included) and what the constructor computed from the rest, under
   * PyTorch's keys.
   */
  override stateDict(): StateDict {
    return {
      ...super.stateDict(),
      max_lrs: [...this.maxLrs],
      total_size: this.totalSize,
      step_ratio: this.stepRatio,
      _scale_fn_custom: this.customScaleFn === undefined ? null : (lambdaSource(this.customScaleFn) ?? null),
      base_momentums: [...this.baseMomentums],
      max_momentums: [...this.maxMomentums],
      use_beta1: this.momentumTarget === 'beta1',
    };
  }

  /**
   * Restores what stateDict() saved; a refused state changes nothing. A custom scaleFn saved as an expression is
   * rebuilt from its source; a function is not saved (null), so the scheduler keeps its own, as in PyTorch.
   */
  override loadStateDict(state: StateDict): void {
    const reader = new StateReader(this.schedulerName, state);
    const groups = this.optimizer.paramGroups.length;
    const perGroupList = (key: string): number[] => {
      const list = reader.numbers(key);
      if (list.length !== groups) reader.fail(key, `a list of ${groups} (one per param group)`, list);
      return [...list];
    };
    const maxLrs = perGroupList('max_lrs');
    const totalSize = reader.number('total_size');
    if (totalSize <= 0) reader.fail('total_size', 'a finite number > 0', totalSize);
    const stepRatio = reader.number('step_ratio');
    if (stepRatio <= 0 || stepRatio > 1) reader.fail('step_ratio', 'a finite number in (0, 1]', stepRatio);
    const scaleSource = reader.has('_scale_fn_custom') ? reader.raw('_scale_fn_custom') : null;
    if (scaleSource !== null && typeof scaleSource !== 'string') {
      reader.fail('_scale_fn_custom', 'an expression string in x, or null', scaleSource);
    }
    const customScaleFn =
      scaleSource === null ? this.customScaleFn : resolveScaleFn(`${this.schedulerName}.loadStateDict`, scaleSource);
    const baseMomentums = perGroupList('base_momentums');
    const maxMomentums = perGroupList('max_momentums');
    const target = readMomentumTarget(reader);
    super.loadStateDict(state); // checks the rest before it changes anything
    this.maxLrs = maxLrs;
    this.totalSize = totalSize;
    this.stepRatio = stepRatio;
    this.customScaleFn = customScaleFn;
    this.baseMomentums = baseMomentums;
    this.maxMomentums = maxMomentums;
    this.momentumTarget = target;
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

/** A function as given, or an expression in `x` compiled (keeping its source, which stateDict() saves). */
function resolveScaleFn(where: string, input: unknown): ScaleFn {
  if (typeof input === 'function') return input as ScaleFn;
  if (typeof input !== 'string') {
    throw new ValidationError(where, 'scaleFn', 'a function or an expression string in x', input);
  }
  let compiled: CompiledExpression;
  try {
    compiled = compileExpression(input, { variable: 'x' });
  } catch (error) {
    if (!(error instanceof ExprError)) throw error;
    const message = `${where}: scaleFn (scale_fn) is not a valid expression: ${error.message}`;
    const refusal = new ValidationError(where, 'scaleFn', 'a valid expression in x', input, message);
    throw Object.assign(refusal, { cause: error });
  }
  const scaleFn = (x: number): number => compiled(x);
  return Object.defineProperty(scaleFn, 'source', { value: input, enumerable: true });
}
