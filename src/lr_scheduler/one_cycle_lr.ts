import type { SchedulableOptimizer, SchedulableParamGroup } from '../optim/param_group.ts';
import { LRScheduler, type ClosedForm } from './lr_scheduler.ts';
import { camelToSnake, snakeToCamel } from './names.ts';
import { momentumTarget, writeMomentum, type MomentumTarget, startMomentumCycle } from './momentum.ts';
import type { JsonValue, StateDict, StateReader } from './state.ts';
import { ArgChecker, checkOptimizerAndOptions } from './validate.ts';

/** OneCycleLR's annealing shapes (PyTorch's `anneal_strategy`). */
export const ANNEAL_STRATEGIES = ['cos', 'linear'] as const;
/** One of `ANNEAL_STRATEGIES`: 'cos' (cosine annealing) or 'linear'. */
export type AnnealStrategy = (typeof ANNEAL_STRATEGIES)[number];

/** Options of `OneCycleLR`, PyTorch's keyword arguments in camelCase. */
export interface OneCycleLROptions {
  /** Peak lr, one for all groups or one per group. */
  maxLr: number | readonly number[];
  /** Steps in the cycle; or give epochs and stepsPerEpoch. */
  totalSteps?: number;
  /** Epochs of training; with stepsPerEpoch, gives `totalSteps = epochs * stepsPerEpoch`. */
  epochs?: number;
  /** Steps per epoch; see `epochs`. */
  stepsPerEpoch?: number;
  /** Fraction of the cycle spent warming up; default 0.3. */
  pctStart?: number;
  /** Default 'cos'. */
  annealStrategy?: AnnealStrategy;
  /** Cycle SGD's momentum or Adam's beta1 inversely to the lr; default true. */
  cycleMomentum?: boolean;
  /** Default 0.85. */
  baseMomentum?: number | readonly number[];
  /** Default 0.95. */
  maxMomentum?: number | readonly number[];
  /** The initial lr is maxLr / divFactor; default 25. */
  divFactor?: number;
  /** The final lr is initial lr / finalDivFactor; default 1e4. */
  finalDivFactor?: number;
  /** Warm up, come back down to the initial lr symmetrically, then anneal to the final lr; default false. */
  threePhase?: boolean;
  /** Index of the last batch when resuming (PyTorch's `last_epoch`); default -1, a fresh start. */
  lastEpoch?: number;
}

type LrKey = 'initialLr' | 'maxLr' | 'minLr';
type MomentumKey = 'maxMomentum' | 'baseMomentum';

interface SchedulePhase {
  endStep: number;
  startLr: LrKey;
  endLr: LrKey;
  startMomentum: MomentumKey;
  endMomentum: MomentumKey;
}

/**
 * The 1cycle policy (PyTorch's OneCycleLR): the lr anneals from maxLr / divFactor up to maxLr, then down
 * to a far smaller final lr, while momentum (or Adam's beta1) cycles the other way. Not chainable; the
 * per-group bookkeeping (`initialLr`, `maxLr`, `minLr`, `maxMomentum`, `baseMomentum`) lives in the param
 * groups, as in PyTorch. Stepping past totalSteps throws, leaving everything as it was.
 *
 * At step totalSteps itself the last phase runs past its end (pct > 1): with linear annealing PyTorch then
 * sets an lr below the final one, negative unless the phase is very long. Here the lr is clamped at 0,
 * which changes nothing wherever PyTorch's lr is >= 0.
 */
export class OneCycleLR extends LRScheduler implements ClosedForm {
  /** Steps in the cycle; stepping beyond it throws. */
  totalSteps: number;
  /** How each phase anneals: 'cos' (`end + (start - end) * (1 + cos(pi * pct)) / 2`) or 'linear'. */
  annealStrategy: AnnealStrategy;
  /** Whether momentum (or Adam's beta1) cycles inversely to the lr. */
  cycleMomentum: boolean;
  /** What momentum cycling writes; undefined when cycleMomentum is false. */
  momentumTarget: MomentumTarget | undefined;
  private schedulePhases: SchedulePhase[];

  constructor(optimizer: SchedulableOptimizer, options: OneCycleLROptions) {
    const check = new ArgChecker('OneCycleLR');
    const o = checkOptimizerAndOptions(check, optimizer, options, [
      'maxLr',
      'totalSteps',
      'epochs',
      'stepsPerEpoch',
      'pctStart',
      'annealStrategy',
      'cycleMomentum',
      'baseMomentum',
      'maxMomentum',
      'divFactor',
      'finalDivFactor',
      'threePhase',
      'lastEpoch',
    ]);
    const totalSteps = resolveTotalSteps(check, o);
    const pctStart = check.number('pctStart', o.pctStart ?? 0.3, { min: 0, max: 1 });
    const threePhase = check.boolean('threePhase', o.threePhase ?? false);
    const phases = schedulePhases(totalSteps, pctStart, threePhase);
    const annealStrategy = check.oneOf('annealStrategy', o.annealStrategy ?? 'cos', ANNEAL_STRATEGIES);
    const maxLrs = check.perGroup('maxLr', o.maxLr, optimizer, { min: 0, above: true });
    const divFactor = check.number('divFactor', o.divFactor ?? 25.0, { min: 0, above: true });
    const finalDivFactor = check.number('finalDivFactor', o.finalDivFactor ?? 1e4, { min: 0, above: true });
    const cycleMomentum = check.boolean('cycleMomentum', o.cycleMomentum ?? true);
    const target = cycleMomentum ? momentumTarget(check, optimizer) : undefined;
    const maxMomentums = check.perGroup('maxMomentum', o.maxMomentum ?? 0.95, optimizer, { min: 0, max: 1 });
    const baseMomentums = check.perGroup('baseMomentum', o.baseMomentum ?? 0.85, optimizer, { min: 0, max: 1 });
    const bookkeeping = ['initialLr', 'maxLr', 'minLr', ...(cycleMomentum ? ['maxMomentum', 'baseMomentum'] : [])];
    const lastEpoch = check.lastEpoch(o.lastEpoch ?? -1, optimizer, bookkeeping);
    if (lastEpoch + 1 > totalSteps) check.fail('lastEpoch', `at most totalSteps - 1 = ${totalSteps - 1}`, lastEpoch);

    if (lastEpoch === -1) {
      optimizer.paramGroups.forEach((group, i) => {
        group.initialLr = maxLrs[i] / divFactor;
        group.maxLr = maxLrs[i];
        group.minLr = group.initialLr / finalDivFactor;
        startMomentumCycle(group, target, baseMomentums[i], maxMomentums[i]);
      });
    }
    super('OneCycleLR', optimizer, lastEpoch);
    this.totalSteps = totalSteps;
    this.schedulePhases = phases;
    this.annealStrategy = annealStrategy;
    this.cycleMomentum = cycleMomentum;
    this.momentumTarget = target;
    this.initialStep();
  }

  /** Advances one step (see LRScheduler.step); throws, changing nothing, past `totalSteps` steps. */
  override step(): void {
    if (this.lastEpoch + 1 > this.totalSteps) {
      throw new Error(
        `OneCycleLR: tried to step ${this.lastEpoch + 1} times; totalSteps (total_steps) is ${this.totalSteps}`,
      );
    }
    super.step();
  }

  getLr(): number[] {
    return this.valuesAt(this.lastEpoch, 'lr');
  }

  lrAt(step: number): number[] {
    this.checkStep(step);
    this.checkWithinCycle(step);
    return this.valuesAt(step, 'lr');
  }

  /** Momentum (or beta1) per group for `lastEpoch === step`; undefined when momentum is not cycled. */
  momentumAt(step: number): number[] | undefined {
    this.checkStep(step);
    this.checkWithinCycle(step);
    return this.cycleMomentum ? this.valuesAt(step, 'momentum') : undefined;
  }

  override stateDict(): StateDict {
    return {
      ...super.stateDict(),
      total_steps: this.totalSteps,
      _schedule_phases: this.schedulePhases.map((phase) => ({
        end_step: phase.endStep,
        start_lr: camelToSnake(phase.startLr),
        end_lr: camelToSnake(phase.endLr),
        start_momentum: camelToSnake(phase.startMomentum),
        end_momentum: camelToSnake(phase.endMomentum),
      })),
      _anneal_func_type: this.annealStrategy,
      cycle_momentum: this.cycleMomentum,
      use_beta1: this.momentumTarget === 'beta1',
    };
  }

  protected loadHyperParameters(reader: StateReader): void {
    this.totalSteps = reader.integer('total_steps');
    this.schedulePhases = reader.list('_schedule_phases').map((value, i) => readPhase(reader, value, i));
    this.annealStrategy = reader.string('_anneal_func_type', ANNEAL_STRATEGIES);
    this.cycleMomentum = reader.boolean('cycle_momentum');
    this.momentumTarget = this.cycleMomentum ? (reader.boolean('use_beta1') ? 'beta1' : 'momentum') : undefined;
  }

  protected override updateMomentum(): void {
    const target = this.momentumTarget;
    if (!this.cycleMomentum || target === undefined) return;
    const momentums = this.valuesAt(this.lastEpoch, 'momentum');
    this.optimizer.paramGroups.forEach((group, i) => writeMomentum(group, target, momentums[i]));
  }

  private checkWithinCycle(step: number): void {
    if (step > this.totalSteps) {
      throw new Error(`OneCycleLR: step ${step} is past totalSteps (total_steps) = ${this.totalSteps}`);
    }
  }

  private valuesAt(step: number, what: 'lr' | 'momentum'): number[] {
    const anneal = this.annealStrategy === 'cos' ? annealCos : annealLinear;
    let startStep = 0;
    const last = this.schedulePhases.length - 1;
    for (let i = 0; i <= last; i++) {
      const phase = this.schedulePhases[i];
      if (step <= phase.endStep || i === last) {
        const pct = (step - startStep) / (phase.endStep - startStep);
        return this.optimizer.paramGroups.map((group) =>
          what === 'lr'
            ? Math.max(0, anneal(bookkept(group, phase.startLr), bookkept(group, phase.endLr), pct))
            : anneal(bookkept(group, phase.startMomentum), bookkept(group, phase.endMomentum), pct),
        );
      }
      startStep = phase.endStep;
    }
    throw new Error('OneCycleLR: no schedule phases');
  }
}

/** Cosine anneal from `start` to `end` as pct goes from 0 to 1 (PyTorch's `_annealing_cos`). */
function annealCos(start: number, end: number, pct: number): number {
  const cosOut = Math.cos(Math.PI * pct) + 1;
  return end + ((start - end) / 2.0) * cosOut;
}

function annealLinear(start: number, end: number, pct: number): number {
  return (end - start) * pct + start;
}

function bookkept(group: SchedulableParamGroup, key: LrKey | MomentumKey): number {
  const value = group[key];
  if (value === undefined) throw new Error(`OneCycleLR: a param group lost its ${key}`);
  return value;
}

function resolveTotalSteps(check: ArgChecker, o: Partial<OneCycleLROptions>): number {
  if (o.totalSteps !== undefined) return check.integer('totalSteps', o.totalSteps, 1);
  if (o.epochs !== undefined && o.stepsPerEpoch !== undefined) {
    return check.integer('epochs', o.epochs, 1) * check.integer('stepsPerEpoch', o.stepsPerEpoch, 1);
  }
  throw new Error('OneCycleLR: give totalSteps (total_steps), or both epochs and stepsPerEpoch (steps_per_epoch)');
}

function schedulePhases(totalSteps: number, pctStart: number, threePhase: boolean): SchedulePhase[] {
  const warmUpEnd = pctStart * totalSteps - 1;
  const phases: SchedulePhase[] = threePhase
    ? [
        {
          endStep: warmUpEnd,
          startLr: 'initialLr',
          endLr: 'maxLr',
          startMomentum: 'maxMomentum',
          endMomentum: 'baseMomentum',
        },
        {
          endStep: 2 * pctStart * totalSteps - 2,
          startLr: 'maxLr',
          endLr: 'initialLr',
          startMomentum: 'baseMomentum',
          endMomentum: 'maxMomentum',
        },
        {
          endStep: totalSteps - 1,
          startLr: 'initialLr',
          endLr: 'minLr',
          startMomentum: 'maxMomentum',
          endMomentum: 'maxMomentum',
        },
      ]
    : [
        {
          endStep: warmUpEnd,
          startLr: 'initialLr',
          endLr: 'maxLr',
          startMomentum: 'maxMomentum',
          endMomentum: 'baseMomentum',
        },
        {
          endStep: totalSteps - 1,
          startLr: 'maxLr',
          endLr: 'minLr',
          startMomentum: 'baseMomentum',
          endMomentum: 'maxMomentum',
        },
      ];
  // PyTorch divides by a phase's length: a phase of length 0 that some step reaches is a ZeroDivisionError.
  const lastStart = phases[phases.length - 2].endStep;
  if (warmUpEnd === 0 || totalSteps - 1 - lastStart === 0) {
    throw new Error(
      `OneCycleLR: pctStart (pct_start) = ${pctStart} with totalSteps (total_steps) = ${totalSteps} gives a phase of ` +
        'length 0 (a division by zero in the schedule); pick another pctStart',
    );
  }
  return phases;
}

function readPhase(reader: StateReader, value: JsonValue, i: number): SchedulePhase {
  const key = `_schedule_phases[${i}]`;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return reader.fail(key, 'an object', value);
  const lrKeys: readonly string[] = ['initial_lr', 'max_lr', 'min_lr'];
  const momentumKeys: readonly string[] = ['max_momentum', 'base_momentum'];
  const { end_step, start_lr, end_lr, start_momentum, end_momentum } = value;
  if (
    typeof end_step !== 'number' ||
    !lrKeys.includes(start_lr as string) ||
    !lrKeys.includes(end_lr as string) ||
    !momentumKeys.includes(start_momentum as string) ||
    !momentumKeys.includes(end_momentum as string)
  ) {
    return reader.fail(
      key,
      'a phase {end_step, start_lr, end_lr, start_momentum, end_momentum} with group key names',
      value,
    );
  }
  return {
    endStep: end_step,
    startLr: snakeToCamel(start_lr as string) as LrKey,
    endLr: snakeToCamel(end_lr as string) as LrKey,
    startMomentum: snakeToCamel(start_momentum as string) as MomentumKey,
    endMomentum: snakeToCamel(end_momentum as string) as MomentumKey,
  };
}
