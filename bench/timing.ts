// Timing helpers: warm-up calls first (V8 tiers code up between calls), then several timed runs, summarised
// by their median. Everything is measured with performance.now() in milliseconds.

export interface Stats {
  /** Median of the runs, in the unit of the measurement. */
  median: number;
  min: number;
  max: number;
  /** Number of timed runs. */
  runs: number;
  /** Warm-up runs made before timing. */
  warmup: number;
  /** Calls averaged inside each timed run (1 when a run is one call). */
  callsPerRun: number;
  /** Every timed run, in the order taken. */
  samples: number[];
}

export interface Plan {
  warmup: number;
  runs: number;
}

export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

export function summarise(samples: readonly number[], warmup: number, callsPerRun: number): Stats {
  return {
    median: median(samples),
    min: Math.min(...samples),
    max: Math.max(...samples),
    runs: samples.length,
    warmup,
    callsPerRun,
    samples: [...samples],
  };
}

/**
 * Times `body` after `plan.warmup` untimed rounds. Each round builds a fresh context with `setup` (not timed),
 * times `body(ctx)` and releases the context with `teardown` (not timed). Returns milliseconds per round
 * divided by `callsPerRun` (so a round of k steps gives milliseconds per step).
 */
export function timeRounds<T>(
  plan: Plan,
  setup: () => T,
  body: (ctx: T) => void,
  teardown: (ctx: T) => void = () => {},
  callsPerRun = 1,
): Stats {
  const samples: number[] = [];
  for (let r = 0; r < plan.warmup + plan.runs; r++) {
    const ctx = setup();
    const t0 = performance.now();
    body(ctx);
    const t1 = performance.now();
    teardown(ctx);
    if (r >= plan.warmup) samples.push((t1 - t0) / callsPerRun);
  }
  return summarise(samples, plan.warmup, callsPerRun);
}

/** Times `calls` calls of `step` per run on one long-lived context: milliseconds per call. */
export function timeCalls(plan: Plan, calls: number, step: () => void): Stats {
  return timeRounds(
    plan,
    () => null,
    () => {
      for (let i = 0; i < calls; i++) step();
    },
    undefined,
    calls,
  );
}

/** How many calls fit in about `targetMs`, from one probe call (at least 1, at most `cap`). */
export function callsFor(targetMs: number, step: () => void, cap = 10_000): number {
  step();
  const t0 = performance.now();
  step();
  const dt = Math.max(performance.now() - t0, 1e-3);
  return Math.max(1, Math.min(cap, Math.round(targetMs / dt)));
}

/** A small seeded generator (mulberry32) for the benchmark's random data; uniform in [0, 1). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
