import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/params/error.ts';
import { checkLrFindSettings, rangeTest } from '../../src/tuner/lr_find.ts';
import {
  argmin,
  gradient,
  interp,
  type LrSuggestion,
  minimum,
  SUGGESTION_METHODS,
  slide,
  steep,
  suggestionWindow,
  suggestLrs,
  valley,
} from '../../src/tuner/suggestions.ts';

// test/fixtures/lr_find/suggestions.json: fastai's lr_find post-processing (and its LRFinder/Recorder/AvgSmoothLoss
// loop over given raw losses), run literally in numpy by gen_lr_find_suggestions.py (see the README there).
interface Expected {
  lr: number;
  point: { lr: number; loss: number };
}
interface Case {
  name: string;
  kind: 'pipeline' | 'direct';
  num_it: number;
  mode?: 'exponential' | 'linear';
  start_lr?: number;
  end_lr?: number;
  beta?: number;
  raw_losses?: (number | string)[];
  lrs: number[];
  smoothed: (number | string)[];
  stop_reason?: 'numIter' | 'diverged';
  recorded?: number;
  window: { start: number; lrs: number[]; losses: number[] };
  suggestions: Record<string, Expected | null>;
}
const fixture = JSON.parse(readFileSync(new URL('../fixtures/lr_find/suggestions.json', import.meta.url), 'utf8')) as {
  cases: Case[];
};
const num = (v: number | string): number => (v === 'NaN' ? Number.NaN : (v as number));

/** Relative closeness, for values computed by a different but equivalent expression. */
function close(a: number, b: number, rel: number): void {
  if (a === b) return;
  expect(Math.abs(a - b)).toBeLessThanOrEqual(rel * Math.max(Math.abs(a), Math.abs(b)));
}

describe("the suggestions, on fastai's own numbers (suggestions.json)", () => {
  it('has the cases the fixture README lists', () => {
    expect(fixture.cases.length).toBe(10);
    expect(fixture.cases.filter((c) => c.kind === 'pipeline').length).toBe(7);
  });

  for (const c of fixture.cases) {
    it(`${c.name}: the window and every suggestion, exactly`, () => {
      const smoothed = c.smoothed.map(num);
      const w = suggestionWindow(c.lrs, smoothed, c.num_it);
      expect(w.start).toBe(c.window.start);
      expect(w.lrs).toEqual(c.window.lrs);
      expect(w.losses).toEqual(c.window.losses);
      const got = suggestLrs(c.lrs, smoothed, c.num_it);
      for (const m of SUGGESTION_METHODS) {
        const want = c.suggestions[m];
        const s = got[m] as LrSuggestion | null;
        if (want === null) {
          expect(s, m).toBeNull();
          continue;
        }
        expect(s, m).not.toBeNull();
        // The lrs are picked from the curve (slide's times adjust_value 1): the same double.
        expect(s?.lr, m).toBe(want.lr);
        expect(s?.point.lr, m).toBe(want.point.lr);
        if (m === 'slide') close(s?.point.loss as number, want.point.loss, 1e-14);
        else expect(s?.point.loss, m).toBe(want.point.loss);
      }
    });
  }

  for (const c of fixture.cases.filter((k) => k.kind === 'pipeline')) {
    it(`${c.name}: the ramp, smoothing and stop of fastai's loop over the same raw losses`, () => {
      const raw = (c.raw_losses ?? []).map(num);
      const settings = checkLrFindSettings(
        { startLr: c.start_lr, endLr: c.end_lr, numIter: c.num_it, mode: c.mode, beta: c.beta },
        1,
        1,
      );
      const group = { lr: 0 };
      let i = 0;
      const rec = rangeTest(settings, [group], () => raw[i++]);
      expect(rec.stopReason).toBe(c.stop_reason);
      expect(rec.lrs.length).toBe(c.recorded);
      rec.lrs.forEach((lr, k) => close(lr, c.lrs[k], 4e-16));
      rec.smoothedLosses.forEach((v, k) => close(v, num(c.smoothed[k]), 1e-13));
      expect(rec.losses).toEqual(raw.slice(0, c.recorded));
      // The suggestions of our own record: the same points (our pow and lerp may differ from Python's by an ulp).
      const got = suggestLrs(rec.lrs, rec.smoothedLosses, c.num_it);
      for (const m of SUGGESTION_METHODS) {
        const want = c.suggestions[m];
        if (want === null) expect(got[m]).toBeNull();
        else close(got[m]?.lr as number, want.lr, 4e-16);
      }
    });
  }
});

describe("numpy's and torch's pieces", () => {
  it('gradient: central differences inside, one-sided at the ends (numpy.gradient, unit spacing)', () => {
    expect(Array.from(gradient([1, 4, 9, 16, 25]))).toEqual([3, 4, 6, 8, 9]);
    expect(Array.from(gradient([2, 5]))).toEqual([3, 3]);
    expect(() => gradient([1])).toThrow(ValidationError);
  });

  it('interp: the ends clamp, exact points return fp, the rest is the line between neighbours', () => {
    const xp = [0, 1, 3];
    const fp = [10, 20, 0];
    expect(interp(-1, xp, fp)).toBe(10);
    expect(interp(4, xp, fp)).toBe(0);
    expect(interp(1, xp, fp)).toBe(20);
    expect(interp(0.25, xp, fp)).toBe(12.5);
    expect(interp(2, xp, fp)).toBe(10);
    expect(interp(3, xp, fp)).toBe(0);
    expect(Number.isNaN(interp(Number.NaN, xp, fp))).toBe(true);
  });

  it('argmin: the first minimum, or the first NaN (torch.argmin and numpy.argmin)', () => {
    expect(argmin([3, 1, 2, 1])).toBe(1);
    expect(argmin([3, Number.NaN, 0, Number.NaN])).toBe(1);
  });
});

describe('the suggestion methods by hand', () => {
  const lrs = [1e-4, 1e-3, 1e-2, 1e-1, 1];

  it('valley: the longest strictly decreasing run, and its index -1 wraps to the last point', () => {
    // lds = [1, 2, 3, 4, 1]: max_end 3, max_start -1, sections 4/3: idx = -1 + 1 + 0 = 0.
    expect(valley(lrs, [5, 4, 3, 2, 9])).toEqual({ lr: 1e-4, point: { lr: 1e-4, loss: 5 } });
    // Two points, decreasing: max_start -1, sections 2/3: idx -1, the last point.
    expect(valley([1e-3, 2e-3], [2, 1]).lr).toBe(2e-3);
    // Non-decreasing: no valley, idx 0.
    expect(valley(lrs, [1, 1, 2, 3, 4]).lr).toBe(1e-4);
  });

  it('minimum: a tenth of the lr at the lowest loss; the point is the minimum', () => {
    expect(minimum(lrs, [5, 3, 1, 1, 4])).toEqual({ lr: 1e-2 / 10, point: { lr: 1e-2, loss: 1 } });
  });

  it('steep: the left end of the steepest fall per decade', () => {
    // Falls per ln(10): -1, -3, -0.5, +4: the steepest starts at 1e-3.
    expect(steep(lrs, [5, 4, 1, 0.5, 4.5])).toEqual({ lr: 1e-3, point: { lr: 1e-3, loss: 4 } });
  });

  it('slide: from the right, the first pair of gradients closer than thresh, lr_diff apart', () => {
    // 20 points on a straight line: every gradient is the same, so the loop stops at once: lrs[-16].
    const xs = Array.from({ length: 20 }, (_, i) => 10 ** (-5 + i / 4));
    const line = xs.map((_, i) => 3 - 0.1 * i);
    const s = slide(xs, line);
    expect(s.lr).toBe(xs[4]);
    expect(s.point.loss).toBe(line[4]);
    // Flat, then steep from point 22 on: the slide walks left until both gradients are on the flat part.
    const ys = Array.from({ length: 30 }, (_, i) => 10 ** (-5 + i / 6));
    const bent = ys.map((_, i) => (i < 22 ? 2 - 0.001 * i : 2 + 0.2 * (i - 21)));
    const g = gradient(bent);
    let r = 29;
    let l = 14;
    let want = ys[14];
    while (l >= 0 && Math.abs(g[r] - g[l]) > 0.005) {
      want = ys[l];
      r--;
      l--;
    }
    expect(slide(ys, bent).lr).toBe(want);
    expect(want).toBe(ys[6]); // r = 21 is still in the bend (its central difference reaches point 22)
  });

  it('refuses curves too short for a method (fastai raises an IndexError there), naming what was given', () => {
    expect(() => valley([], [])).toThrow(/valley: the curve has 0 points; this suggestion needs at least 1/);
    expect(() => steep([1e-3], [1])).toThrow(/steep: the curve has 1 point; this suggestion needs at least 2/);
    expect(() => slide(lrs, [1, 2, 3, 4, 5])).toThrow(
      /slide: the curve has 5 points; this suggestion needs at least 16/,
    );
    expect(() => minimum([1, 2], [1])).toThrow(/got 2 lrs and 1 losses/);
    try {
      steep([], []);
    } catch (e) {
      expect(e).toBeInstanceOf(ValidationError);
      expect((e as ValidationError).param).toBe('losses');
      expect((e as ValidationError).got).toBe(0);
    }
  });

  it('suggestLrs gives null where the window is too short, instead of raising', () => {
    const s = suggestLrs([1e-3, 2e-3, 3e-3, 4e-3, 5e-3, 6e-3, 7e-3], [3, 2, 1, 1, 1, 1, 1], 6);
    expect(s.slide).toBeNull();
    expect(s.steep).toEqual({ lr: 1e-3, point: { lr: 1e-3, loss: 3 } });
    expect(s.valley?.lr).toBe(2e-3);
    expect(suggestLrs([1e-3], [1], 100)).toEqual({ valley: null, slide: null, minimum: null, steep: null });
  });
});
