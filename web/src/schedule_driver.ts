// The lr schedule of a playground run as the library's Trainer steps it (src/train/trainer.ts, stepSchedule:
// the manual decay first, then the scheduler; ReduceLROnPlateau is given the step's loss). On top of that it
// lets the schedule change between two steps, as a PyTorch loop can: a new lr is written into every param
// group (`group['lr'] = x`; chainable schedulers carry on from it) and a new scheduler is built on the
// optimizer, which then runs from the next step. The driver only builds: the Trainer (or the preview, on
// plain param groups) steps what it built.

import {
  ReduceLROnPlateau,
  schedulerFromSpec,
  type SchedulableOptimizer,
  type SchedulableParamGroup,
} from '../../src/index.ts';
import { checkManualDecay, stepSchedule, type ManualDecay, type StepSchedule } from '../../src/train/trainer.ts';
import { errorText } from './error_text.ts';
import { sameChoice, toSchedulerSpec, type SchedulerChoice } from './schedulers.ts';
import { groupLrs, sameLrs, type ScheduleState } from './state.ts';

export class ScheduleDriver {
  private settings: ScheduleState;
  /** The decay and the scheduler in force, for Trainer.setSchedule (or stepSchedule). */
  schedule: StepSchedule;

  /**
   * `optimizer` was built with `settings.lr`. `built` is the schedule of `settings` already built on it (the
   * one prepareRun gave the Trainer); without it the scheduler is built here (its constructor step included).
   */
  constructor(
    readonly optimizer: SchedulableOptimizer,
    settings: ScheduleState,
    built?: StepSchedule,
  ) {
    this.settings = structuredClone(settings);
    this.schedule = built ?? buildSchedule(optimizer, settings.scheduler);
  }

  /** Does the schedule now in force watch the loss? */
  get watchesLoss(): boolean {
    return this.schedule.schedulerMetric === 'loss';
  }

  /**
   * The schedule from the next step on (then in `schedule`). Throws (changing nothing) when the new
   * scheduler's arguments are wrong.
   */
  change(next: ScheduleState): void {
    const groups = this.optimizer.paramGroups;
    const lrs = groups.map((g) => g.lr);
    const newScheduler = !sameChoice(next.scheduler, this.settings.scheduler);
    let schedule = this.schedule;
    try {
      if (newScheduler) manualDecay(next.scheduler);
      if (!sameLrs(next, this.settings)) {
        const given = groupLrs(next);
        if (given.length !== groups.length)
          throw new Error(`${given.length} lrs for the optimizer's ${groups.length} param groups`);
        groups.forEach((g, i) => (g.lr = given[i]));
      }
      if (newScheduler) schedule = buildSchedule(this.optimizer, next.scheduler);
    } catch (err) {
      groups.forEach((g, i) => (g.lr = lrs[i]));
      throw err;
    }
    this.schedule = schedule;
    this.settings = structuredClone(next);
  }
}

function manualDecay(choice: SchedulerChoice): ManualDecay | null {
  if (choice.type !== 'manual') return null;
  const { every, factor } = choice.args as { every: number; factor: number };
  const decay = { every, factor };
  checkManualDecay(decay, 'manual decay');
  return decay;
}

/** The choice built on the optimizer: its scheduler (constructor step included) or the manual decay. */
function buildSchedule(optimizer: SchedulableOptimizer, choice: SchedulerChoice): StepSchedule {
  const decay = manualDecay(choice);
  const spec = toSchedulerSpec(choice);
  const scheduler = spec ? schedulerFromSpec(optimizer, spec) : null;
  return {
    scheduler,
    schedulerMetric: scheduler instanceof ReduceLROnPlateau ? 'loss' : null,
    manualDecay: decay,
  };
}

export interface SchedulePreview {
  /** The lr each step will use, for the steps that can be known in advance (the first param group's). */
  lr: Float64Array;
  /** The same for every param group (`lrs[0]` is `lr`). */
  lrs: Float64Array[];
  /** SGD's momentum or Adam's beta1 each step will use (the first group's), when a scheduler cycles it. */
  momentum: Float64Array | null;
  /** Why the preview ends before the run does (a schedule that watches the loss, a scheduler error). */
  note: string | null;
}

/**
 * The lr schedule of a whole run, edits included, replayed on plain param groups (one per group of the run):
 * the same scheduler code and the same arithmetic as the run itself, without training.
 */
export function previewSchedule(
  optimizer: { type: string; betas: readonly [number, number]; momentum: number },
  base: ScheduleState,
  edits: readonly { at: number; schedule: ScheduleState }[],
  steps: number,
  trackMomentum: boolean,
): SchedulePreview {
  // Plain param groups, as the optimizer's own have them: SGD's momentum, or Adam's betas.
  const paramGroups: SchedulableParamGroup[] = groupLrs(base).map((lr) =>
    optimizer.type === 'SGD' ? { lr, momentum: optimizer.momentum } : { lr, betas: optimizer.betas },
  );
  const groups: SchedulableOptimizer = { paramGroups };
  const lr = paramGroups.map(() => new Float64Array(steps));
  const momentum = trackMomentum ? new Float64Array(steps) : null;
  const readMomentum = () => paramGroups[0].momentum ?? paramGroups[0].betas![0];
  let known = 0;
  let note: string | null = null;
  try {
    const driver = new ScheduleDriver(groups, base);
    let e = 0;
    for (let i = 0; i < steps; i++) {
      while (e < edits.length && edits[e].at <= i) driver.change(edits[e++].schedule);
      paramGroups.forEach((g, j) => (lr[j][i] = g.lr));
      if (momentum) momentum[i] = readMomentum();
      known = i + 1;
      if (driver.watchesLoss) {
        if (known < steps) note = 'ReduceLROnPlateau: the lr from here on depends on the loss';
        break;
      }
      stepSchedule(groups.paramGroups, i, NaN, driver.schedule);
    }
  } catch (err) {
    note = errorText(err);
  }
  const lrs = lr.map((l) => l.slice(0, known));
  return { lr: lrs[0], lrs, momentum: momentum ? momentum.slice(0, known) : null, note };
}
