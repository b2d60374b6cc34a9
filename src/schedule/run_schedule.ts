import { optimizerFromSpec } from '../config/optimizer_spec.ts';
import { ConfigError } from '../config/run_config.ts';
import { getEngine } from '../engine/index.ts';
import { ReduceLROnPlateau, schedulerFromSpec, type SchedulerSpec } from '../lr_scheduler/index.ts';
import { Parameter } from '../nn/parameter.ts';
import type { ScheduleSpec } from './schedule_spec.ts';

/** Each group's lr right after construction and after every step (and momentum or beta1 where cycled). */
export interface ScheduleTrace {
  lr: number[][];
  momentum?: number[][];
  beta1?: number[][];
}

/** Does this scheduler (or one it contains) cycle momentum — SGD's momentum or Adam's beta1? */
export function cyclesMomentum(spec: SchedulerSpec): boolean {
  const args = spec.args ?? {};
  if (spec.type === 'CyclicLR' || spec.type === 'OneCycleLR') return args.cycle_momentum !== false;
  if (spec.type === 'SequentialLR' || spec.type === 'ChainedScheduler') {
    return Array.isArray(args.schedulers) && (args.schedulers as SchedulerSpec[]).some(cyclesMomentum);
  }
  return false;
}

/**
 * Builds the optimizer (one single-value parameter per group, as only the groups matter) and the scheduler,
 * then steps `optimizer.step(); scheduler.step()` `steps` times, as schedulers.json records it.
 */
export function runSchedule(spec: ScheduleSpec): ScheduleTrace {
  const nGroups = spec.optimizer.groups?.length ?? 1;
  const engine = getEngine();
  const params = Array.from({ length: nGroups }, () => [new Parameter(engine, [1])]);
  const optimizer = optimizerFromSpec(spec.optimizer, params);
  try {
    const scheduler = schedulerFromSpec(optimizer, spec.scheduler);
    const needsMetrics = scheduler instanceof ReduceLROnPlateau;
    if (needsMetrics && (!spec.metrics || spec.metrics.length < spec.steps)) {
      throw new ConfigError(
        `metrics: ReduceLROnPlateau needs one metric per step (${spec.steps}), got ${spec.metrics?.length ?? 0}`,
      );
    }
    const track = cyclesMomentum(spec.scheduler) ? (spec.optimizer.type === 'SGD' ? 'momentum' : 'beta1') : null;
    const groups = optimizer.paramGroups as unknown as {
      lr: number;
      momentum?: number;
      betas?: readonly [number, number];
    }[];
    const read = () => groups.map((g) => g.lr);
    const readMomentum = () => groups.map((g) => (track === 'beta1' ? g.betas![0] : g.momentum!));
    const trace: ScheduleTrace = { lr: [read()] };
    if (track) trace[track] = [readMomentum()];
    for (let i = 0; i < spec.steps; i++) {
      optimizer.step();
      if (needsMetrics) (scheduler as ReduceLROnPlateau).step(spec.metrics![i]);
      else scheduler.step();
      trace.lr.push(read());
      if (track) trace[track]!.push(readMomentum());
    }
    return trace;
  } finally {
    optimizer.dispose();
    for (const [p] of params) p.dispose();
  }
}
