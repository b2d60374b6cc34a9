import { checkInteger, invalid } from '../params/check.ts';
import { ValidationError } from '../params/error.ts';
import { type LrFindOptions, type LrFindResult, lrFind } from './lr_find.ts';
import { SUGGESTION_METHODS, type SuggestionMethod } from './suggestions.ts';

/** How one suggestion method's lr varies over several range tests. */
export interface SuggestionSpread {
  /** Each test's suggested lr, in the order of the results; null where the test had too few points. */
  lrs: (number | null)[];
  /** How many tests gave a suggestion. */
  count: number;
  /**
   * The median of the suggested lrs (over those given); with an even count, the geometric mean of the middle
   * two (the median on the log scale the lrs live on). Null when none was given.
   */
  median: number | null;
  /** The smallest suggested lr, or null. */
  min: number | null;
  /** The largest suggested lr, or null. */
  max: number | null;
  /** `log10(max / min)`: how many decades the suggestions span (0 for one), or null. */
  decades: number | null;
}

/** The spread of each of fastai's suggestions over several range tests. */
export type LrFindSpread = Record<SuggestionMethod, SuggestionSpread>;

function spreadOf(lrs: (number | null)[]): SuggestionSpread {
  const given = lrs.filter((v): v is number => v !== null).sort((a, b) => a - b);
  const count = given.length;
  if (count === 0) return { lrs, count, median: null, min: null, max: null, decades: null };
  const mid = count >> 1;
  const median = count % 2 === 1 ? given[mid] : Math.sqrt(given[mid - 1] * given[mid]);
  const min = given[0];
  const max = given[count - 1];
  return { lrs, count, median, min, max, decades: Math.log10(max / min) };
}

/**
 * The spread of each suggestion (valley, slide, minimum, steep) over the results of several range tests — of
 * other batch orders (`lrFindSeeds`), or of other initial weights (a model rebuilt per seed): each test's lr,
 * their median, min, max and the decades between min and max. Suggestions that are fragile show as a wide spread.
 */
export function suggestionSpread(results: readonly LrFindResult[]): LrFindSpread {
  const where = 'suggestionSpread';
  if (!Array.isArray(results) || results.length === 0) {
    throw invalid(where, 'results', 'a non-empty list of lrFind results', results, 'plain');
  }
  results.forEach((r, i) => {
    const s = (r as Partial<LrFindResult> | null)?.suggestions;
    if (typeof s !== 'object' || s === null) {
      throw invalid(where, `results[${i}]`, 'an lrFind result (with suggestions)', r, 'plain');
    }
    for (const m of SUGGESTION_METHODS) {
      const v = s[m];
      if (v !== null && !(typeof v === 'object' && typeof v.lr === 'number' && v.lr > 0)) {
        throw invalid(where, `results[${i}].suggestions.${m}`, 'null or {lr > 0, point}', v, 'plain');
      }
    }
  });
  const out = {} as LrFindSpread;
  for (const m of SUGGESTION_METHODS) out[m] = spreadOf(results.map((r) => r.suggestions[m]?.lr ?? null));
  return out;
}

/** Options of `lrFindSeeds`: those of `lrFind` (less `seed`), and the seeds of the batch orders. */
export interface LrFindSeedsOptions extends Omit<LrFindOptions, 'seed'> {
  /** One range test per seed (the DataLoader's shuffling seed), each from the same initial weights. */
  seeds: readonly number[];
}

/**
 * The range test repeated once per seed of the batch order, from the same weights and optimizer state (each
 * `lrFind` restores them): its spread (`suggestionSpread`) shows how much the suggestions depend on the order
 * of the batches. Needs mini-batches (`batchSize`): with the whole dataset at every step the seeds would all
 * run the same test. Refused settings change nothing.
 */
export function lrFindSeeds(options: LrFindSeedsOptions): LrFindResult[] {
  const where = 'lrFindSeeds';
  const { seeds, ...rest } = options;
  if (!Array.isArray(seeds) || seeds.length === 0) {
    throw invalid(where, 'seeds', 'a non-empty list of seeds', seeds, 'plain');
  }
  seeds.forEach((s, i) => checkInteger(where, `seeds[${i}]`, s, { min: 0, max: 0xffffffff, safe: true }, 'plain'));
  if (rest.batchSize === undefined || rest.batchSize === null) {
    throw new ValidationError(
      where,
      'batchSize',
      'an integer >= 1 (mini-batches)',
      rest.batchSize ?? null,
      `${where}: the seeds vary the batch order, so batchSize must be set: with the whole dataset at every step ` +
        'every seed runs the same test (vary the initial weights instead: rebuild the model per seed)',
    );
  }
  return seeds.map((seed) => lrFind({ ...rest, seed }));
}
