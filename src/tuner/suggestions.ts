import { invalid } from '../params/check.ts';
import { ValidationError } from '../params/error.ts';

/**
 * fastai's four learning-rate suggestions (`fastai/callback/schedule.py`: `valley`, `slide`, `minimum`,
 * `steep`) and the slicing `Learner.lr_find` applies before them, statement for statement, in f64 (fastai's
 * `tensor(...)` makes f32 tensors of the recorded lrs and losses; the indices picked are the same but in
 * near-ties, and the lrs returned are the recorded f64 ones, not their f32 roundings).
 */

/** A point of the lr finder's curve: an lr and the (smoothed) loss there. */
export interface LrPoint {
  /** The learning rate. */
  lr: number;
  /** The loss at `lr` (smoothed, as fastai plots it). */
  loss: number;
}

/**
 * One suggestion, as fastai returns it: `(suggestion, (x, y))` — the suggested `lr`, and the `point` of the
 * curve it marks (for `minimum`, the point is the minimum itself while `lr` is a tenth of its lr).
 */
export interface LrSuggestion {
  /** The suggested learning rate. */
  lr: number;
  /** The point of the curve the suggestion marks. */
  point: LrPoint;
}

/** The names of the four suggestion methods, in fastai's order. */
export const SUGGESTION_METHODS = ['valley', 'slide', 'minimum', 'steep'] as const;

/** One of `valley`, `slide`, `minimum`, `steep`. */
export type SuggestionMethod = (typeof SUGGESTION_METHODS)[number];

/** Every method's suggestion, or null when the curve has too few points for it (see `MIN_POINTS`). */
export type LrSuggestions = Record<SuggestionMethod, LrSuggestion | null>;

/** Options of `slide`, fastai's defaults. */
export interface SlideOptions {
  /** The distance, in points, between the two gradients compared; default 15. */
  lrDiff?: number;
  /** The gradient difference under which the slide stops; default 0.005. */
  thresh?: number;
  /** The factor the lr found is multiplied by; default 1. */
  adjustValue?: number;
}

/**
 * The fewest points each method needs after the slicing (fastai raises an IndexError below these): `valley`
 * and `minimum` 1, `steep` 2 (one slope), `slide` `lrDiff + 1` = 16 (it reads `lrs[-1 - lrDiff]` first).
 */
export const MIN_POINTS: Readonly<Record<SuggestionMethod, number>> = Object.freeze({
  valley: 1,
  slide: 16,
  minimum: 1,
  steep: 2,
});

function checkCurve(where: string, lrs: ArrayLike<number>, losses: ArrayLike<number>, min: number): void {
  if (lrs.length !== losses.length) {
    throw new ValidationError(
      where,
      'lrs',
      `as many lrs as losses (${losses.length})`,
      lrs.length,
      `${where}: got ${lrs.length} lrs and ${losses.length} losses; they must pair up`,
    );
  }
  if (losses.length < min) {
    throw new ValidationError(
      where,
      'losses',
      `at least ${min} point${min === 1 ? '' : 's'}`,
      losses.length,
      `${where}: the curve has ${losses.length} point${losses.length === 1 ? '' : 's'}; ` +
        `this suggestion needs at least ${min} (run more iterations, or let it diverge later)`,
    );
  }
}

/** Python's `a[i]`, negative indices counting from the end. */
function at(a: ArrayLike<number>, i: number): number {
  return a[i < 0 ? a.length + i : i];
}

/** torch.argmin / numpy.argmin of a 1-D array: the first NaN if any, else the first minimum. */
export function argmin(a: ArrayLike<number>): number {
  let best = 0;
  for (let i = 0; i < a.length; i++) {
    if (Number.isNaN(a[i])) return i;
    if (a[i] < a[best]) best = i;
  }
  return best;
}

/** fastai's `min(range(len(lrs)), key=lambda i: abs(lrs[i]-lr))`: the first index nearest `lr`. */
function nearest(lrs: ArrayLike<number>, lr: number): number {
  let best = 0;
  for (let i = 1; i < lrs.length; i++) if (Math.abs(lrs[i] - lr) < Math.abs(lrs[best] - lr)) best = i;
  return best;
}

/**
 * fastai's `valley`: the longest valley of the losses (the longest strictly decreasing subsequence, by fastai's
 * O(n²) dynamic programme), and the point `max_start + int(sections) + int(sections / 2)` along it, with
 * `sections = (max_end - max_start) / 3` (about half way; a Python index, so -1 is the last point). Needs 1 point.
 */
export function valley(lrs: ArrayLike<number>, losses: ArrayLike<number>): LrSuggestion {
  checkCurve('valley', lrs, losses, MIN_POINTS.valley);
  const n = losses.length;
  let maxStart = 0;
  let maxEnd = 0;
  const lds = new Array<number>(n).fill(1);
  for (let i = 1; i < n; i++) {
    for (let j = 0; j < i; j++) {
      if (losses[i] < losses[j] && lds[i] < lds[j] + 1) lds[i] = lds[j] + 1;
      if (lds[maxEnd] < lds[i]) {
        maxEnd = i;
        maxStart = maxEnd - lds[maxEnd];
      }
    }
  }
  const sections = (maxEnd - maxStart) / 3;
  const idx = maxStart + Math.trunc(sections) + Math.trunc(sections / 2);
  const lr = at(lrs, idx);
  return { lr, point: { lr, loss: at(losses, idx) } };
}

/** numpy.gradient of a 1-D array with unit spacing: central differences inside, one-sided at both ends. */
export function gradient(f: ArrayLike<number>): Float64Array {
  const n = f.length;
  if (n < 2) {
    throw new ValidationError('gradient', 'f', 'at least 2 values', n, `gradient: needs at least 2 values, got ${n}`);
  }
  const out = new Float64Array(n);
  for (let i = 1; i < n - 1; i++) out[i] = (f[i + 1] - f[i - 1]) / 2;
  out[0] = f[1] - f[0];
  out[n - 1] = f[n - 1] - f[n - 2];
  return out;
}

/**
 * numpy.interp(x, xp, fp) for increasing `xp`: `fp[0]` left of `xp[0]`, `fp[-1]` right of `xp[-1]`, `fp[j]` where
 * `x == xp[j]`, else the straight line through the two points around `x` (numpy's own formula and NaN fallbacks).
 */
export function interp(x: number, xp: ArrayLike<number>, fp: ArrayLike<number>): number {
  const n = xp.length;
  if (Number.isNaN(x)) return x;
  if (x > xp[n - 1]) return fp[n - 1];
  if (x < xp[0]) return fp[0];
  // The j with xp[j] <= x < xp[j + 1] (numpy's binary search: the last of equal xp).
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (xp[mid] <= x) lo = mid + 1;
    else hi = mid;
  }
  const j = lo - 1;
  if (j === n - 1 || x === xp[j]) return fp[j];
  const slope = (fp[j + 1] - fp[j]) / (xp[j + 1] - xp[j]);
  let y = slope * (x - xp[j]) + fp[j];
  if (Number.isNaN(y)) {
    y = slope * (x - xp[j + 1]) + fp[j + 1];
    if (Number.isNaN(y) && fp[j] === fp[j + 1]) y = fp[j];
  }
  return y;
}

/**
 * fastai's `slide` (interval slide rule): walking left from the end, the lr `lrDiff` points left of the first
 * pair of `numpy.gradient` values closer than `thresh`, times `adjustValue`; its point is the loss
 * `numpy.interp`olated at it on log10 lr. Needs `lrDiff + 1` points (16).
 */
export function slide(lrs: ArrayLike<number>, losses: ArrayLike<number>, options: SlideOptions = {}): LrSuggestion {
  const lrDiff = options.lrDiff ?? 15;
  const thresh = options.thresh ?? 0.005;
  const adjustValue = options.adjustValue ?? 1;
  if (!Number.isInteger(lrDiff) || lrDiff < 1) {
    throw invalid('slide', 'lrDiff', 'an integer >= 1', lrDiff, 'plain');
  }
  for (const [name, v] of [
    ['thresh', thresh],
    ['adjustValue', adjustValue],
  ] as const) {
    if (!Number.isFinite(v) || v <= 0) throw invalid('slide', name, 'a finite number > 0', v, 'plain');
  }
  checkCurve('slide', lrs, losses, Math.max(lrDiff + 1, 2));
  const lossGrad = gradient(losses);
  let rIdx = -1;
  let lIdx = rIdx - lrDiff;
  let localMinLr = at(lrs, lIdx);
  while (lIdx >= -losses.length && Math.abs(at(lossGrad, rIdx) - at(lossGrad, lIdx)) > thresh) {
    localMinLr = at(lrs, lIdx);
    rIdx -= 1;
    lIdx -= 1;
  }
  const suggestion = localMinLr * adjustValue;
  const logLrs = Array.from(lrs, (v) => Math.log10(v));
  const loss = interp(Math.log10(suggestion), logLrs, losses);
  return { lr: suggestion, point: { lr: suggestion, loss } };
}

/**
 * fastai's `minimum`: a tenth of the lr at the lowest loss (the point marked is the minimum itself). Needs 1
 * point.
 */
export function minimum(lrs: ArrayLike<number>, losses: ArrayLike<number>): LrSuggestion {
  checkCurve('minimum', lrs, losses, MIN_POINTS.minimum);
  const lrMin = lrs[argmin(losses)];
  const loss = losses[nearest(lrs, lrMin)];
  return { lr: lrMin / 10, point: { lr: lrMin, loss } };
}

/**
 * fastai's `steep`: the lr where the loss falls fastest, `argmin` of Δloss / Δln(lr) between consecutive points
 * (the lr at the left end of the steepest segment). Needs 2 points.
 */
export function steep(lrs: ArrayLike<number>, losses: ArrayLike<number>): LrSuggestion {
  checkCurve('steep', lrs, losses, MIN_POINTS.steep);
  const grads = new Float64Array(losses.length - 1);
  for (let i = 0; i < grads.length; i++) {
    grads[i] = (losses[i + 1] - losses[i]) / (Math.log(lrs[i + 1]) - Math.log(lrs[i]));
  }
  const lrSteep = lrs[argmin(grads)];
  const loss = losses[nearest(lrs, lrSteep)];
  return { lr: lrSteep, point: { lr: lrSteep, loss } };
}

/**
 * The part of the curve fastai's `Learner.lr_find` hands the suggestion methods: `lrs[numIter // 10 : -5]`
 * and `losses[numIter // 10 : -5]` (Python slices: empty when fewer points were recorded), then cut before the
 * first NaN loss.
 */
export function suggestionWindow(
  lrs: ArrayLike<number>,
  losses: ArrayLike<number>,
  numIter: number,
): { lrs: number[]; losses: number[]; start: number } {
  const n = Math.min(lrs.length, losses.length);
  const start = Math.min(Math.floor(numIter / 10), n);
  const stop = Math.max(n - 5, 0);
  let l = Array.from(losses).slice(start, Math.max(stop, start));
  let r = Array.from(lrs).slice(start, Math.max(stop, start));
  const nan = l.findIndex((v) => Number.isNaN(v));
  if (nan >= 0) {
    l = l.slice(0, nan);
    r = r.slice(0, nan);
  }
  return { lrs: r, losses: l, start };
}

/**
 * The four suggestions of a recorded curve as `Learner.lr_find` computes them: on `suggestionWindow` of the
 * (smoothed) losses. A method the window is too short for (`MIN_POINTS`; fastai raises there) gives null.
 */
export function suggestLrs(lrs: ArrayLike<number>, losses: ArrayLike<number>, numIter: number): LrSuggestions {
  const w = suggestionWindow(lrs, losses, numIter);
  const n = w.losses.length;
  return {
    valley: n >= MIN_POINTS.valley ? valley(w.lrs, w.losses) : null,
    slide: n >= MIN_POINTS.slide ? slide(w.lrs, w.losses) : null,
    minimum: n >= MIN_POINTS.minimum ? minimum(w.lrs, w.losses) : null,
    steep: n >= MIN_POINTS.steep ? steep(w.lrs, w.losses) : null,
  };
}
