// What every workload gets: the timing plans of this run, the baselines that could be loaded or built (or why
// not), and helpers that turn a baseline's outcome into a measurement or a skip.
import type { NativeBuild } from './baselines/native.ts';
import type { TfBackendName, TfSession } from './baselines/tfjs.ts';
import type { TorchOutcome } from './baselines/torch.ts';
import { measured, skippedMeasurement, type Measurement } from './report.ts';
import type { Plan, Stats } from './timing.ts';
import { errorMessage } from './workloads/common.ts';

/** A plan whose runs each last about `targetMs` (the calls per run are found with a probe). */
export type CallPlan = Plan & { targetMs: number };

export interface Plans {
  /**
   * W1 for anneal and plain JS: each run is 1000 steps. V8 needs some 20 such runs before the per-step time
   * settles (measured: 25-40 ms for the first runs, about 2.5 ms from the 20th on), hence the long warm-up.
   */
  w1: Plan;
  /** W1 for TF.js and PyTorch (slower per step): runs of `steps` steps, reported per 1000 steps. */
  w1Slow: Plan & { steps: number };
  w2: CallPlan;
  /** W2 for the slow baselines (plain JS, TF.js cpu): a step takes 10-100 ms. */
  w2Slow: CallPlan;
  w3: CallPlan;
  sweep: CallPlan;
  sweepBatches: number[];
  sweepWidths: number[];
  /** CLI start-up: rounds, each spawning every command once (the warm-up rounds are not timed). */
  cli: Plan;
}

export function plansFor(quick: boolean): Plans {
  return quick
    ? {
        w1: { warmup: 20, runs: 15 },
        w1Slow: { warmup: 1, runs: 3, steps: 200 },
        w2: { warmup: 1, runs: 5, targetMs: 80 },
        w2Slow: { warmup: 1, runs: 3, targetMs: 60 },
        w3: { warmup: 1, runs: 5, targetMs: 50 },
        sweep: { warmup: 1, runs: 5, targetMs: 15 },
        sweepBatches: [1, 16, 256, 4096],
        sweepWidths: [3, 32, 1024],
        cli: { warmup: 1, runs: 7 },
      }
    : {
        w1: { warmup: 30, runs: 41 },
        w1Slow: { warmup: 1, runs: 5, steps: 1000 },
        w2: { warmup: 2, runs: 11, targetMs: 250 },
        w2Slow: { warmup: 1, runs: 5, targetMs: 250 },
        w3: { warmup: 2, runs: 11, targetMs: 150 },
        sweep: { warmup: 1, runs: 7, targetMs: 60 },
        sweepBatches: [1, 4, 16, 64, 256, 1024, 4096],
        sweepWidths: [3, 8, 32, 128, 512, 1024],
        cli: { warmup: 1, runs: 15 },
      };
}

export interface TfSlot {
  backend: TfBackendName;
  session: TfSession | null;
  /** Why the backend is not available. */
  reason?: string;
}

export interface BenchContext {
  quick: boolean;
  plans: Plans;
  tf: TfSlot[];
  torch: TorchOutcome;
  /** The native C baselines compiled for this run (or why not). */
  native: NativeBuild;
  log(line: string): void;
}

export function tfId(backend: TfBackendName): string {
  return `tfjs-${backend}`;
}

export function tfLabel(slot: TfSlot): string {
  if (!slot.session) return `TF.js ${slot.backend}`;
  return slot.session.threads === null
    ? slot.session.label
    : `${slot.session.label} (${slot.session.threads} thread${slot.session.threads === 1 ? '' : 's'})`;
}

/**
 * One row per TF.js backend: a skip when the backend did not load or `measure` throws, else what `measure`
 * returns for the activated session (its other results, such as checks, it records itself).
 */
export async function tfMeasurements(
  ctx: BenchContext,
  base: { group: string; unit: string; higherIsBetter: boolean },
  measure: (
    session: TfSession,
    slot: TfSlot,
    row: Omit<Measurement, 'value' | 'skipped'>,
  ) => Measurement | Promise<Measurement>,
): Promise<Measurement[]> {
  const out: Measurement[] = [];
  for (const slot of ctx.tf) {
    const row = { ...base, id: tfId(slot.backend), impl: tfLabel(slot), kind: 'baseline' as const };
    if (!slot.session) {
      out.push(skippedMeasurement(row, slot.reason ?? 'not loaded'));
      continue;
    }
    try {
      await slot.session.activate();
      out.push(await measure(slot.session, slot, row));
    } catch (err) {
      out.push(skippedMeasurement(row, `failed: ${errorMessage(err)}`));
    }
  }
  return out;
}

/** The PyTorch rows of a group: single-thread, and default threads when that differs. */
export function torchMeasurements(
  ctx: BenchContext,
  base: { group: string; unit: string; higherIsBetter: boolean; sweep?: Measurement['sweep'] },
  key: (threads: 'threads=1' | 'threads=default') => string,
  convert: (stats: Stats) => Partial<Pick<Measurement, 'value' | 'range'>> = () => ({}),
  onlySingleThread = false,
): Measurement[] {
  const t = ctx.torch;
  if (!t.ok) return [skippedMeasurement({ ...base, id: 'torch-1', impl: 'PyTorch eager', kind: 'baseline' }, t.reason)];
  const version = `PyTorch ${t.report.torch} eager`;
  const def = t.report.default_threads;
  const rows: Measurement[] = [];
  const one = t.stats(key('threads=1'));
  const oneLabel = def === 1 ? `${version} (1 thread, the default here)` : `${version} (1 thread)`;
  if (one)
    rows.push(measured({ ...base, id: 'torch-1', impl: oneLabel, kind: 'baseline', stats: one, ...convert(one) }));
  if (def !== 1 && !onlySingleThread) {
    const many = t.stats(key('threads=default'));
    if (many)
      rows.push(
        measured({
          ...base,
          id: 'torch-default',
          impl: `${version} (${def} threads, default)`,
          kind: 'baseline',
          stats: many,
          ...convert(many),
        }),
      );
  }
  return rows;
}

/** Id of the native C row of every W1, W2 and W3 table. */
export const NATIVE_ID = 'native-c';

/** The identity of a group's native C row (a measurement or a skip is made from it). */
export function nativeRow(
  base: { group: string; unit: string; higherIsBetter: boolean },
  impl: string,
): Omit<Measurement, 'value' | 'skipped'> {
  return { ...base, id: NATIVE_ID, impl, kind: 'baseline' };
}
