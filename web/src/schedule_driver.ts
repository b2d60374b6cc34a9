// The lr schedule of a playground run, stepped after every training step the way Trainer steps a run
// config's manual_decay and scheduler (the decay first, then the scheduler; ReduceLROnPlateau is given the
// step's loss). On top of that it lets the schedule change between two steps, as a PyTorch loop can: a new
// lr is written into every param group (`group['lr'] = x`; chainable schedulers carry on from it) and a new
// scheduler is built on the optimizer, which then runs from the next step.

import {
  ReduceLROnPlateau,
  schedulerFromSpec,
  type AnyScheduler,
  type SchedulableOptimizer,
  type SchedulableParamGroup,
} from '../../src/index.ts';
import { sameChoice, toSchedulerSpec, type SchedulerChoice } from './schedulers.ts';
import type { ScheduleState } from './state.ts';

interface Decay {
  every: number;
  factor: number;
}

export class ScheduleDriver {
  private scheduler: AnyScheduler | null;
  private decay: Decay | null;
  private settings: ScheduleState;
  /** Steps taken (calls of step()). */
  private taken = 0;

  /** `optimizer` was built with `settings.lr`; builds the scheduler on it (its constructor step included). */
  constructor(
    readonly optimizer: SchedulableOptimizer,
    settings: ScheduleState,
  ) {
    this.settings = structuredClone(settings);
    this.decay = manualDecay(settings.scheduler);
    this.scheduler = buildScheduler(optimizer, settings.scheduler);
  }

  /** Does the schedule now in force watch the loss? */
  get watchesLoss(): boolean {
    return this.scheduler instanceof ReduceLROnPlateau;
  }

  /** The schedule from the next step on. Throws (changing nothing) when the new scheduler's arguments are wrong. */
  change(next: ScheduleState): void {
    const groups = this.optimizer.paramGroups;
    const lrs = groups.map((g) => g.lr);
    const newScheduler = !sameChoice(next.scheduler, this.settings.scheduler);
    const decay = newScheduler ? manualDecay(next.scheduler) : this.decay;
    try {
      if (next.lr !== this.settings.lr) for (const g of groups) g.lr = next.lr;
      if (newScheduler) this.scheduler = buildScheduler(this.optimizer, next.scheduler);
    } catch (err) {
      groups.forEach((g, i) => (g.lr = lrs[i]));
      throw err;
    }
    this.decay = decay;
    this.settings = structuredClone(next);
  }

  /** After training step `taken`: the hand-written decay, then the scheduler, as Trainer.run does. */
  step(loss?: number): void {
    const i = this.taken++;
    if (this.decay && i % this.decay.every === 0)
      for (const g of this.optimizer.paramGroups) g.lr = g.lr * this.decay.factor;
    const s = this.scheduler;
    if (s instanceof ReduceLROnPlateau) {
      if (loss === undefined) throw new Error('ReduceLROnPlateau: the schedule depends on the loss');
      s.step(loss);
    } else s?.step();
  }
}

function manualDecay(choice: SchedulerChoice): Decay | null {
  if (choice.type !== 'manual') return null;
  const { every, factor } = choice.args as { every: unknown; factor: unknown };
  if (typeof every !== 'number' || !Number.isInteger(every) || every < 1)
    throw new RangeError(`manual decay: every must be an integer >= 1, got ${String(every)}`);
  if (typeof factor !== 'number' || !Number.isFinite(factor) || factor <= 0)
    throw new RangeError(`manual decay: factor must be a finite number > 0, got ${String(factor)}`);
  return { every, factor };
}

function buildScheduler(optimizer: SchedulableOptimizer, choice: SchedulerChoice): AnyScheduler | null {
  const spec = toSchedulerSpec(choice);
  return spec ? schedulerFromSpec(optimizer, spec) : null;
}

export interface SchedulePreview {
  /** The lr each step will use, for the steps that can be known in advance. */
  lr: Float64Array;
  /** SGD's momentum or Adam's beta1 each step will use, when a scheduler cycles it. */
  momentum: Float64Array | null;
  /** Why the preview ends before the run does (a schedule that watches the loss, a scheduler error). */
  note: string | null;
}

/**
 * The lr schedule of a whole run, edits included, replayed on plain param groups: the same scheduler code
 * and the same arithmetic as the run itself, without training.
 */
export function previewSchedule(
  optimizer: { type: string; betas: readonly [number, number]; momentum: number },
  base: ScheduleState,
  edits: readonly { at: number; schedule: ScheduleState }[],
  steps: number,
  trackMomentum: boolean,
): SchedulePreview {
  // A plain param group, as the optimizer's own has them: SGD's momentum, or Adam's betas.
  const group: SchedulableParamGroup =
    optimizer.type === 'SGD' ? { lr: base.lr, momentum: optimizer.momentum } : { lr: base.lr, betas: optimizer.betas };
  const groups: SchedulableOptimizer = { paramGroups: [group] };
  const lr = new Float64Array(steps);
  const momentum = trackMomentum ? new Float64Array(steps) : null;
  const readMomentum = () => group.momentum ?? group.betas![0];
  let known = 0;
  let note: string | null = null;
  try {
    const driver = new ScheduleDriver(groups, base);
    let e = 0;
    for (let i = 0; i < steps; i++) {
      while (e < edits.length && edits[e].at <= i) driver.change(edits[e++].schedule);
      lr[i] = group.lr;
      if (momentum) momentum[i] = readMomentum();
      known = i + 1;
      if (driver.watchesLoss) {
        if (known < steps) note = 'ReduceLROnPlateau: the lr from here on depends on the loss';
        break;
      }
      driver.step();
    }
  } catch (err) {
    note = (err as Error).message;
  }
  return { lr: lr.slice(0, known), momentum: momentum ? momentum.slice(0, known) : null, note };
}
