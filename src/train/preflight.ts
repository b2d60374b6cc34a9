import type { RunConfig } from '../config/run_config.ts';
import {
  CyclicLR,
  hasClosedForm,
  LambdaLR,
  MultiplicativeLR,
  OneCycleLR,
  schedulerFromSpec,
} from '../lr_scheduler/index.ts';
import type { SchedulableParamGroup } from '../optim/param_group.ts';
import { ValidationError } from '../params/error.ts';
import { type SteppableScheduler, stepSchedule } from './trainer.ts';

/** Runs longer than this are checked as they go (a simulation costs about a microsecond a step). */
const MAX_SIMULATED_STEPS = 2_000_000;

/**
 * A schedule refused before training because the run would fail at a known step (`step`): a ValidationError
 * whose fields name the scheduler, its parameter and the value. `anneal compare` reports such a strategy as
 * failed and runs the others.
 */
export class ScheduleRefusedError extends ValidationError {
  constructor(
    readonly step: number,
    where: string,
    param: string,
    allowed: string,
    got: unknown,
    message: string,
  ) {
    super(where, param, allowed, got, message);
  }
}

const LR_ALLOWED = 'an lr that is a finite number >= 0 at every step of the run';

/** The scheduler parameter that makes its lrs: the lambda of LambdaLR, the scale_fn of a custom CyclicLR. */
function culprit(scheduler: object): string {
  if (scheduler instanceof LambdaLR || scheduler instanceof MultiplicativeLR) return 'lr_lambda';
  if (scheduler instanceof CyclicLR && (scheduler as unknown as { customScaleFn?: unknown }).customScaleFn)
    return 'scale_fn';
  return 'lr';
}

/**
 * Checks before training whatever of the run's schedule is known in advance, so that a run is not refused
 * after hours of training: OneCycleLR's total_steps against the run's steps; a closed-form scheduler's lr
 * (and cycled momentum) at every step of the run, 0 to `steps` (the lr a step uses, and the one set after the
 * last); the hand-written decay's lr at every step when it runs alone. Schedulers without a closed form
 * (ReduceLROnPlateau, ChainedScheduler, ...) depend on the run and are checked as it goes (`SchedulerStepError`).
 */
export function checkScheduleUpFront(
  config: RunConfig,
  groups: readonly { lr: number }[],
  scheduler: SteppableScheduler | null,
): void {
  const { steps } = config;
  const type = config.scheduler?.type ?? scheduler?.constructor.name ?? 'scheduler';
  if (scheduler instanceof OneCycleLR && steps > scheduler.totalSteps) {
    throw new ScheduleRefusedError(
      scheduler.totalSteps + 1,
      'OneCycleLR',
      'totalSteps',
      `total_steps >= the run's ${steps} steps`,
      scheduler.totalSteps,
      `OneCycleLR: total_steps is ${scheduler.totalSteps}, shorter than the run's ${steps} steps ` +
        `(PyTorch raises at step ${scheduler.totalSteps + 1}); give total_steps >= ${steps} or run fewer steps`,
    );
  }
  const decay = config.manual_decay;
  if (decay && !scheduler) {
    const lrs = groups.map((g) => g.lr);
    for (let i = 0; i < steps; i++) {
      if (i % decay.every !== 0) continue;
      for (let j = 0; j < lrs.length; j++) {
        lrs[j] = lrs[j] * decay.factor;
        if (!Number.isFinite(lrs[j])) {
          throw new ScheduleRefusedError(
            i + 1,
            'manual_decay',
            'factor',
            'a factor that keeps the lr finite for every step of the run',
            decay.factor,
            `manual_decay: factor ${decay.factor} makes the lr ${lrs[j]} at step ${i + 1} ` +
              `(group ${j}); refused before training`,
          );
        }
      }
    }
    return;
  }
  if (scheduler && (decay || !hasClosedForm(scheduler))) {
    simulateUpFront(config, groups, type);
    return;
  }
  if (!scheduler) return;
  const momentumAt = (scheduler as { momentumAt?: (step: number) => number[] | undefined }).momentumAt;
  const param = culprit(scheduler);
  // Schedules that hold the lr over stretches are checked once a stretch (where a failure would first show).
  const next = (s: number) => (scheduler.nextChange && momentumAt === undefined ? scheduler.nextChange(s) : s + 1);
  for (let s = 0; s <= steps; s = next(s)) {
    let lrs: number[];
    let momenta: number[] | undefined;
    try {
      lrs = scheduler.lrAt(s);
      momenta = momentumAt?.call(scheduler, s);
    } catch (err) {
      const message = (err as Error).message;
      if (/has no closed form/.test(message)) return; // a SequentialLR of a plateau, say
      throw new ScheduleRefusedError(
        s,
        type,
        param,
        LR_ALLOWED,
        s,
        `${type}: ${param === 'lr' ? 'the schedule' : param} fails at step ${s}: ${message} ` +
          '(every step of the run is checked before training)',
      );
    }
    for (let j = 0; j < lrs.length; j++) {
      const v = lrs[j];
      if (!(Number.isFinite(v) && v >= 0)) {
        throw new ScheduleRefusedError(
          s,
          type,
          param,
          LR_ALLOWED,
          v,
          `${type}: ${param} gives the lr ${v} at step ${s}${lrs.length > 1 ? ` (group ${j})` : ''}; ` +
            'the lr must be a finite number >= 0 (every step of the run is checked before training)',
        );
      }
    }
    if (momenta?.some((m) => !Number.isFinite(m))) {
      const m = momenta.find((v) => !Number.isFinite(v)) as number;
      throw new ScheduleRefusedError(
        s,
        type,
        param === 'lr' ? 'momentum' : param,
        'a finite momentum at every step of the run',
        m,
        `${type}: ${param === 'lr' ? 'the schedule' : param} gives the momentum ${m} at step ${s}; ` +
          'it must be a finite number (every step of the run is checked before training)',
      );
    }
  }
}

/**
 * A schedule without a closed form for the lrs it will set — a hand-written decay beside a scheduler, a
 * ChainedScheduler — is played through on stand-in param groups (the same scheduler from the same spec, the
 * decay-then-scheduler order of `stepSchedule`), so a step that would make an lr negative or not finite is
 * refused before training. ReduceLROnPlateau depends on the losses, which are not known in advance.
 */
function simulateUpFront(config: RunConfig, groups: readonly { lr: number }[], type: string): void {
  const { steps } = config;
  if (!config.scheduler || steps > MAX_SIMULATED_STEPS) return;
  if (JSON.stringify(config.scheduler).includes('"ReduceLROnPlateau"')) return;
  const standIns = groups.map((g) => {
    const real = g as SchedulableParamGroup;
    const group: SchedulableParamGroup = { lr: real.initialLr ?? real.lr };
    if (real.initialLr !== undefined) group.initialLr = real.initialLr;
    if (real.momentum !== undefined) group.momentum = real.momentum;
    if (real.betas !== undefined) group.betas = [...real.betas] as [number, number];
    return group;
  });
  const decay = config.manual_decay ?? undefined;
  const who = decay ? `${type} with manual_decay` : type;
  let scheduler: SteppableScheduler;
  try {
    scheduler = schedulerFromSpec({ paramGroups: standIns }, config.scheduler) as SteppableScheduler;
  } catch {
    return; // the real construction succeeded; a stand-in that cannot be built proves nothing
  }
  for (let i = 0; i < steps; i++) {
    try {
      stepSchedule(standIns, i, 0, { scheduler, schedulerMetric: null, manualDecay: decay });
    } catch (err) {
      throw new ScheduleRefusedError(
        i + 1,
        who,
        'scheduler',
        LR_ALLOWED,
        i + 1,
        `${who}: the schedule fails at step ${i + 1}: ${(err as Error).message} ` +
          '(the schedule is played through before training)',
      );
    }
    standIns.forEach((g, j) => {
      if (Number.isFinite(g.lr) && g.lr >= 0) return;
      throw new ScheduleRefusedError(
        i + 1,
        who,
        decay ? 'manual_decay' : 'scheduler',
        LR_ALLOWED,
        g.lr,
        `${who}: the lr would be ${g.lr} at step ${i + 1}${standIns.length > 1 ? ` (group ${j})` : ''}; ` +
          'the lr must be a finite number >= 0 (the schedule is played through before training)',
      );
    });
  }
}
