/**
 * The written conclusion of `anneal compare`, computed from the numbers: which strategy is fastest to the target,
 * which ends lowest, which ends most accurate, and whether each lead exceeds the spread over the seeds; which
 * strategies diverged, failed or never reached the target.
 *
 * The rule for "beyond the seed spread": the leader's range over its seeds (min–max) and the runner-up's do not
 * overlap — every seed of the one did better than every seed of the other. With five seeds each, two strategies
 * that are really alike come out that way by chance about once in 126 tries (each way).
 */
import type { ComparisonResult } from './compare.ts';

/** One strategy's numbers, as the conclusion reads them. */
export interface ConclusionEntry {
  /** What the text calls it. */
  label: string;
  /** Steps to the target of each run (every seed), null where it was not reached (diverged and failed runs too). */
  steps: (number | null)[];
  /** Epochs to the target of each run, null where unknown or not reached; same order as `steps`. */
  epochs?: (number | null)[];
  /** The final loss the report compares (held-out when there is a held-out set) of each run that finished. */
  finalLoss: number[];
  /** The final accuracy (held-out when there is one) of each run that finished. */
  accuracy: number[];
  /** Runs whose loss became NaN or infinite. */
  diverged: number;
  /** Runs that failed otherwise (a schedule refused, say). */
  failed: number;
}

/** What the conclusion is computed from. */
export interface ConclusionInput {
  /** What the target and the final loss are measured on. */
  metric: 'val_loss' | 'loss';
  /** The target loss. */
  target: number;
  /** The strategies, in the report's order. */
  strategies: ConclusionEntry[];
}

/** A leader, its runner-up and whether the lead exceeds the spread over the seeds. */
export interface Lead {
  /** The leading strategy. */
  strategy: string;
  /** Its mean. */
  mean: number;
  /** Its min and max over the seeds. */
  range: [number, number];
  /** The runner-up; null when no other strategy qualifies. */
  runnerUp: string | null;
  /** The runner-up's mean (NaN without one). */
  runnerUpMean: number;
  /** The runner-up's min and max over the seeds. */
  runnerUpRange: [number, number] | null;
  /**
   * True when the two ranges do not overlap (the lead exceeds the seed spread), false when they do; null when it
   * cannot be told (a single seed, or no runner-up).
   */
  beyondSpread: boolean | null;
  /** Every other strategy the leader beats beyond the seed spread (ranges apart); empty with a single seed. */
  beats: string[];
}

/** The conclusion, as data and as text. */
export interface Conclusion {
  /** The rule that decides "beyond the seed spread", in words. */
  rule: string;
  /** Fastest to the target by mean steps, among the strategies all of whose runs reached it. */
  fastest: (Lead & { epochs: number | null }) | null;
  /** Lowest mean final loss (held-out when there is a held-out set), among the strategies with no failed run. */
  lowestLoss: Lead | null;
  /** Highest mean final accuracy, among the same strategies. */
  bestAccuracy: Lead | null;
  /** Strategies none of whose runs reached the target. */
  neverReached: string[];
  /** Strategies only some of whose runs reached it. */
  partlyReached: { strategy: string; reached: number; runs: number }[];
  /** Strategies with diverged runs. */
  diverged: { strategy: string; runs: number; of: number }[];
  /** Strategies with failed runs. */
  failed: { strategy: string; runs: number; of: number }[];
  /** The conclusion in sentences. */
  text: string[];
}

export const SPREAD_RULE =
  'a lead counts as beyond the seed spread when the two strategies’ ranges over the seeds (min–max) do not ' +
  'overlap: every seed of the one did better than every seed of the other';

const mean = (v: readonly number[]) => v.reduce((a, b) => a + b, 0) / v.length;

/** The leader by mean (lowest, or highest with `higher`), its runner-up and the min–max test. */
export function lead(candidates: readonly { label: string; values: readonly number[] }[], higher = false): Lead | null {
  const ranked = candidates
    .filter((c) => c.values.length > 0)
    .map((c) => ({
      label: c.label,
      mean: mean(c.values),
      min: Math.min(...c.values),
      max: Math.max(...c.values),
      n: c.values.length,
    }))
    .sort((a, b) => (higher ? b.mean - a.mean : a.mean - b.mean));
  if (ranked.length === 0) return null;
  const [first, second] = ranked;
  const single = ranked.some((r) => r.n < 2);
  const apart = (o: (typeof ranked)[number]) => (higher ? first.min > o.max : first.max < o.min);
  return {
    strategy: first.label,
    mean: first.mean,
    range: [first.min, first.max],
    runnerUp: second?.label ?? null,
    runnerUpMean: second?.mean ?? NaN,
    runnerUpRange: second ? [second.min, second.max] : null,
    beyondSpread: !second || single ? null : apart(second),
    beats: single
      ? []
      : ranked
          .slice(1)
          .filter(apart)
          .map((r) => r.label),
  };
}

function num(v: number, digits = 3): string {
  if (!Number.isFinite(v)) return '–';
  if (Math.abs(v) >= 100) return String(Math.round(v * 10) / 10);
  return String(Number(v.toPrecision(digits)));
}

const listed = (names: string[]) =>
  names.length < 2 ? names.join('') : `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;

const pct = (v: number) => `${(100 * v).toFixed(1)} %`;

function verdict(l: Lead, f: (v: number) => string, unit = ''): string {
  const ranges = l.runnerUpRange
    ? `${f(l.range[0])}–${f(l.range[1])}${unit} against ${f(l.runnerUpRange[0])}–${f(l.runnerUpRange[1])}${unit}`
    : '';
  if (l.beyondSpread === null)
    return l.runnerUp ? 'with a single seed, whether this exceeds the seed spread cannot be told' : '';
  if (l.mean === l.runnerUpMean) return `a tie (seed ranges ${ranges})`;
  return l.beyondSpread
    ? `a lead beyond the seed spread (seed ranges ${ranges} do not overlap)`
    : `within the noise (seed ranges ${ranges} overlap)`;
}

/** The conclusion of a comparison's numbers. */
export function conclude(input: ConclusionInput): Conclusion {
  const { strategies, target } = input;
  const held = input.metric === 'val_loss';
  const lossName = held ? 'val loss' : 'training loss';
  const complete = strategies.filter((s) => s.steps.length > 0 && s.steps.every((v) => v !== null));
  const fastestLead = lead(complete.map((s) => ({ label: s.label, values: s.steps as number[] })));
  let fastest: Conclusion['fastest'] = null;
  if (fastestLead) {
    const s = complete.find((c) => c.label === fastestLead.strategy)!;
    const epochs = (s.epochs ?? []).filter((e): e is number => e !== null);
    fastest = { ...fastestLead, epochs: epochs.length === s.steps.length ? mean(epochs) : null };
  }
  const finished = strategies.filter((s) => s.diverged === 0 && s.failed === 0);
  const lowestLoss = lead(finished.map((s) => ({ label: s.label, values: s.finalLoss })));
  const bestAccuracy = lead(
    finished.map((s) => ({ label: s.label, values: s.accuracy })),
    true,
  );
  const reached = (s: ConclusionEntry) => s.steps.filter((v) => v !== null).length;
  const neverReached = strategies.filter((s) => reached(s) === 0).map((s) => s.label);
  const partlyReached = strategies
    .filter((s) => reached(s) > 0 && reached(s) < s.steps.length)
    .map((s) => ({ strategy: s.label, reached: reached(s), runs: s.steps.length }));
  const diverged = strategies
    .filter((s) => s.diverged > 0)
    .map((s) => ({ strategy: s.label, runs: s.diverged, of: s.steps.length }));
  const failed = strategies
    .filter((s) => s.failed > 0)
    .map((s) => ({ strategy: s.label, runs: s.failed, of: s.steps.length }));

  const text: string[] = [];
  const steps = (v: number) => num(v, 3);
  if (fastest) {
    const ep = fastest.epochs !== null ? ` (${num(fastest.epochs)} epochs)` : '';
    const against = fastest.runnerUp
      ? `, against ${steps(fastest.runnerUpMean)} for ${fastest.runnerUp}, the runner-up: ${verdict(fastest, steps)}`
      : '';
    text.push(
      `Fastest to ${lossName} ≤ ${target}: ${fastest.strategy}, ` +
        `${steps(fastest.mean)} steps on average${ep}${against}.`,
    );
  } else {
    text.push(`No strategy reached ${lossName} ≤ ${target} in every run.`);
  }
  if (lowestLoss) {
    const against = lowestLoss.runnerUp
      ? `, against ${num(lowestLoss.runnerUpMean)} for ${lowestLoss.runnerUp}: ${verdict(lowestLoss, (v) => num(v))}`
      : '';
    text.push(`Lowest final ${lossName}: ${lowestLoss.strategy}, ${num(lowestLoss.mean)} on average${against}.`);
    if (lowestLoss.beats.length) text.push(`Beyond the seed spread, it ends lower than ${listed(lowestLoss.beats)}.`);
  }
  if (bestAccuracy) {
    const what = held ? 'val accuracy' : 'accuracy';
    const against = bestAccuracy.runnerUp
      ? `, against ${pct(bestAccuracy.runnerUpMean)} for ${bestAccuracy.runnerUp}: ${verdict(bestAccuracy, pct)}`
      : '';
    text.push(`Best final ${what}: ${bestAccuracy.strategy}, ${pct(bestAccuracy.mean)} on average${against}.`);
  }
  const notes: string[] = [];
  if (neverReached.length) notes.push(`${neverReached.join(', ')} never reached ${lossName} ≤ ${target}`);
  for (const p of partlyReached)
    notes.push(`${p.strategy} reached the target in ${p.reached} of ${p.runs} runs only (left out of the ranking)`);
  for (const d of diverged) notes.push(`${d.strategy} diverged in ${d.runs} of ${d.of} runs`);
  for (const f of failed) notes.push(`${f.strategy} failed in ${f.runs} of ${f.of} runs`);
  if (notes.length) text.push(`${notes.join('; ')}.`);
  else text.push('Every strategy reached the target in every run; none diverged.');
  text.push(`(${SPREAD_RULE[0].toUpperCase()}${SPREAD_RULE.slice(1)}.)`);
  return { rule: SPREAD_RULE, fastest, lowestLoss, bestAccuracy, neverReached, partlyReached, diverged, failed, text };
}

/** The conclusion of a comparison: its target metric, and each strategy's runs. */
export function comparisonConclusion(result: ComparisonResult): Conclusion {
  const held = result.targetMetric === 'val_loss';
  return conclude({
    metric: result.targetMetric,
    target: result.settings.targetLoss,
    strategies: result.strategies.map((s) => {
      const ok = s.runs.filter((r) => !r.diverged && !r.failed);
      return {
        label: s.strategy.label,
        steps: s.runs.map((r) => r.stepsToTarget),
        epochs: s.runs.map((r) => r.epochsToTarget),
        finalLoss: ok.map((r) => (held ? (r.finalValLoss as number) : r.finalLoss)),
        accuracy: ok.map((r) => (held ? (r.finalValAccuracy as number) : r.finalAccuracy)),
        diverged: s.runs.filter((r) => r.diverged).length,
        failed: s.runs.filter((r) => r.failed).length,
      };
    }),
  });
}
