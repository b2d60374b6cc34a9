import type { SchedulableOptimizer, SchedulableParamGroup } from '../optim/param_group.ts';
import {
  boolean,
  choice,
  integer,
  number,
  numberPerGroup,
  type OptionsOf,
  optional,
  type Param,
  notInState,
  perGroup,
} from '../params/declare.ts';
import { ValidationError } from '../params/error.ts';
import { displayName } from '../params/names.ts';
import { ParamSet } from '../params/param_set.ts';
import { LAST_EPOCH, LRScheduler, parseSchedulerOptions, type ClosedForm } from './lr_scheduler.ts';
import { camelToSnake, snakeToCamel } from './names.ts';
import {
  momentumTarget,
  readMomentumTarget,
  writeMomentum,
  type MomentumTarget,
  startMomentumCycle,
} from './momentum.ts';
import type { JsonValue } from './state.ts';
import { StateReader, type StateDict } from '../params/state_reader.ts';

/** OneCycleLR's annealing shapes (PyTorch's `anneal_strategy`). */
export const ANNEAL_STRATEGIES = ['cos', 'linear'] as const;
/** One of `ANNEAL_STRATEGIES`: 'cos' (cosine annealing) or 'linear'. */
export type AnnealStrategy = (typeof ANNEAL_STRATEGIES)[number];

const ONE_CYCLE_LR = new ParamSet('OneCycleLR', {
  maxLr: notInState(
    perGroup(numberPerGroup({ doc: 'Peak lr, one for all groups or one per group.', min: 0, above: true })),
  ),
  totalSteps: notInState(optional(integer({ doc: 'Steps in the cycle; or give epochs and stepsPerEpoch.', min: 1 }))),
  epochs: notInState(
    optional(
      integer({ doc: 'Epochs of training; with stepsPerEpoch, gives totalSteps = epochs * stepsPerEpoch.', min: 1 }),
    ),
  ),
  stepsPerEpoch: notInState(optional(integer({ doc: 'Steps per epoch; see epochs.', min: 1 }))),
  pctStart: notInState(number({ doc: 'Fraction of the cycle spent warming up.', default: 0.3, min: 0, max: 1 })),
  annealStrategy: notInState(
    choice({ doc: "How each phase anneals: 'cos' or 'linear'.", choices: ANNEAL_STRATEGIES, default: 'cos' }) as Param<
      AnnealStrategy,
      false
    >,
  ),
  cycleMomentum: boolean({ doc: "Cycle SGD's momentum or Adam's beta1 inversely to the lr.", default: true }),
  baseMomentum: notInState(
    perGroup(numberPerGroup({ doc: "Lower momentum bound, reached at the lr's peak.", default: 0.85, min: 0 })),
  ),
  maxMomentum: notInState(
    perGroup(numberPerGroup({ doc: 'Upper momentum bound, at the start and the end.', default: 0.95, min: 0 })),
  ),
  divFactor: notInState(number({ doc: 'The initial lr is maxLr / divFactor.', default: 25.0, min: 0, above: true })),
  finalDivFactor: notInState(
    number({ doc: 'The final lr is the initial lr / finalDivFactor.', default: 1e4, min: 0, above: true }),
  ),
  threePhase: notInState(
    boolean({
      doc: 'Warm up, come back down to the initial lr symmetrically, then anneal to the final lr.',
      default: false,
    }),
  ),
  lastEpoch: LAST_EPOCH,
});

/** Options of `OneCycleLR`, PyTorch's keyword arguments in camelCase, as declared in `OneCycleLR.params`. */
export type OneCycleLROptions = OptionsOf<typeof ONE_CYCLE_LR.decls, never>;

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
  /** The declared hyper-parameters (names, defaults, ranges): options, state dict, run configs, flags. */
  static readonly params = ONE_CYCLE_LR;
  /** Steps in the cycle; stepping beyond it throws. */
  totalSteps: number;
  /** How each phase anneals: 'cos' (`end + (start - end) * (1 + cos(pi * pct)) / 2`) or 'linear'. */
  annealStrategy: AnnealStrategy;
  /** Whether momentum (or Adam's beta1) cycles inversely to the lr. */
  cycleMomentum: boolean;
  /** What momentum cycling writes; undefined when cycleMomentum is false. */
  momentumTarget: MomentumTarget | undefined;
  private schedulePhases: SchedulePhase[];

  /**
   * @param optimizer the optimizer whose groups' lrs (and momentum) it sets
   * @param options see `OneCycleLROptions`
   */
  constructor(optimizer: SchedulableOptimizer, options: OneCycleLROptions) {
    const o = parseSchedulerOptions(ONE_CYCLE_LR, optimizer, options);
    const totalSteps = resolveTotalSteps(o.totalSteps, o.epochs, o.stepsPerEpoch);
    const phases = schedulePhases(totalSteps, o.pctStart, o.threePhase);
    const target = o.cycleMomentum ? momentumTarget('OneCycleLR', optimizer) : undefined;
    const lastEpoch = o.lastEpoch;
    checkBookkeeping(optimizer, lastEpoch, o.cycleMomentum);
    if (lastEpoch + 1 > totalSteps) {
      throw new ValidationError('OneCycleLR', 'lastEpoch', `at most totalSteps - 1 = ${totalSteps - 1}`, lastEpoch);
    }

    if (lastEpoch === -1) {
      optimizer.paramGroups.forEach((group, i) => {
        group.initialLr = o.maxLr[i] / o.divFactor;
        group.maxLr = o.maxLr[i];
        group.minLr = group.initialLr / o.finalDivFactor;
        startMomentumCycle(group, target, o.baseMomentum[i], o.maxMomentum[i]);
      });
    }
    super(ONE_CYCLE_LR, optimizer, lastEpoch);
    this.totalSteps = totalSteps;
    this.schedulePhases = phases;
    this.annealStrategy = o.annealStrategy;
    this.cycleMomentum = o.cycleMomentum;
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

  /**
   * The base state (declared hyper-parameters included) and what the constructor computed from the rest, under
   * PyTorch's keys; the per-group lrs and momenta of the phases live in the param groups.
   */
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
      use_beta1: this.momentumTarget === 'beta1',
    };
  }

  /** Restores what stateDict() saved; a refused state changes nothing. */
  override loadStateDict(state: StateDict): void {
    const reader = new StateReader(this.schedulerName, state);
    const totalSteps = reader.integer('total_steps');
    if (totalSteps < 1) reader.fail('total_steps', 'an integer >= 1', totalSteps);
    const phaseList = reader.list('_schedule_phases');
    if (phaseList.length !== 2 && phaseList.length !== 3) {
      reader.fail('_schedule_phases', 'a list of 2 or 3 phases', phaseList);
    }
    const phases = phaseList.map((value, i) => readPhase(reader, value, i));
    const annealStrategy = reader.string('_anneal_func_type', ANNEAL_STRATEGIES);
    const target = readMomentumTarget(reader);
    super.loadStateDict(state); // checks the rest before it changes anything
    this.totalSteps = totalSteps;
    this.schedulePhases = phases;
    this.annealStrategy = annealStrategy;
    this.momentumTarget = target;
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

/** PyTorch's rule: totalSteps if given, else epochs * stepsPerEpoch (each already checked when given). */
function resolveTotalSteps(
  totalSteps: number | undefined,
  epochs: number | undefined,
  stepsPerEpoch: number | undefined,
): number {
  if (totalSteps !== undefined) return totalSteps;
  if (epochs !== undefined && stepsPerEpoch !== undefined) return epochs * stepsPerEpoch;
  throw new ValidationError(
    'OneCycleLR',
    'totalSteps',
    'given, or both epochs and stepsPerEpoch',
    undefined,
    'OneCycleLR: give totalSteps (total_steps), or both epochs and stepsPerEpoch (steps_per_epoch)',
  );
}

/**
 * Resuming (`lastEpoch >= 0`) needs the bookkeeping that a OneCycleLR started with `lastEpoch = -1` wrote into
 * every group, as PyTorch needs `initial_lr`, `max_lr`, `min_lr` (and the momenta).
 */
function checkBookkeeping(optimizer: SchedulableOptimizer, lastEpoch: number, cycleMomentum: boolean): void {
  if (lastEpoch < 0) return;
  const keys = ['initialLr', 'maxLr', 'minLr', ...(cycleMomentum ? ['maxMomentum', 'baseMomentum'] : [])];
  optimizer.paramGroups.forEach((group, i) => {
    for (const key of keys) {
      if ((group as unknown as Record<string, unknown>)[key] !== undefined) continue;
      throw new ValidationError(
        'OneCycleLR',
        'lastEpoch',
        '-1, or an optimizer whose groups hold the bookkeeping of a started OneCycleLR',
        lastEpoch,
        `OneCycleLR: param group ${i} has no ${displayName(key)}; ` +
          `resuming with lastEpoch (last_epoch) = ${lastEpoch} ` +
          'needs the bookkeeping that a scheduler started with lastEpoch = -1 writes into the groups',
      );
    }
  });
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
    throw new ValidationError(
      'OneCycleLR',
      'pctStart',
      `a fraction that gives no phase of length 0 with totalSteps (total_steps) = ${totalSteps}`,
      pctStart,
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
