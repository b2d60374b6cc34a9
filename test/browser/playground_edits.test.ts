import { describe, expect, it } from 'vitest';
import { PlaygroundRun } from '../../web/src/run.ts';
import { lessonState, type PlaygroundState } from '../../web/src/state.ts';
import { MAX_EDITS, decodeState, encodeState } from '../../web/src/url.ts';

// Changes during a run (`@STEP.` keys) are checked when the link is read: one beyond the run's end, one whose
// scheduler would fail when the run reaches it, and far too many of them are reported, changing nothing.

const lambdaAt = (at: number, text: string) => `@${at}.sched=LambdaLR&@${at}.s.lr_lambda=${encodeURIComponent(text)}`;

describe('URL changes during the run', () => {
  it('refuses a change beyond the end of the run, naming it and the run length', () => {
    const { state, problems } = decodeState('?steps=1000&@99999999999999.lr=0.5&@1001.lr=0.2&@1000.lr=0.3');
    expect(problems).toEqual([
      '@99999999999999.lr: a change at step 99999999999999 is beyond the end of the run (steps=1000)',
      '@1001.lr: a change at step 1001 is beyond the end of the run (steps=1000)',
    ]);
    expect(state.edits.map((e) => [e.at, e.schedule.lr])).toEqual([[1000, 0.3]]);
  });

  it('compiles a lambda of a change when the link is read, and reports a bad one', () => {
    const bad = decodeState(`?${lambdaAt(50, '1/(')}`);
    expect(bad.problems).toHaveLength(1);
    expect(bad.problems[0]).toMatch(/^@50\.sched: LambdaLR would fail when the run reaches it: .*lr_lambda/);
    expect(bad.state.edits).toEqual([]);
    expect(decodeState(`?${lambdaAt(50, 'alert(1)')}`).problems[0]).toMatch(/^@50\.sched: .*alert/);
  });

  it('evaluates the lambda over the steps the scheduler runs for', () => {
    const failing = decodeState(`?steps=1000&${lambdaAt(50, '1/(3-epoch)')}`);
    expect(failing.problems).toEqual([
      expect.stringMatching(/^@50\.sched: LambdaLR would fail when the run reaches it: Division by zero/),
    ]);
    expect(failing.state).toEqual(lessonState());
    // epoch 950 is reached (the scheduler runs from step 50 to the end), epoch 951 is not.
    expect(decodeState(`?steps=1000&${lambdaAt(50, '1/(950-epoch)')}`).problems).toHaveLength(1);
    const fine = decodeState(`?steps=1000&${lambdaAt(50, '1/(951-epoch)')}`);
    expect(fine.problems).toEqual([]);
    expect(fine.state.edits).toHaveLength(1);
    // Replaced by another scheduler at step 52: epochs 0..2 only.
    const replaced = decodeState(`?steps=1000&${lambdaAt(50, '1/(3-epoch)')}&@52.sched=StepLR`);
    expect(replaced.problems).toEqual([]);
    expect(replaced.state.edits.map((e) => [e.at, e.schedule.scheduler.type])).toEqual([
      [50, 'LambdaLR'],
      [52, 'StepLR'],
    ]);
    // A negative factor would make the lr negative.
    expect(decodeState(`?${lambdaAt(50, 'epoch-3')}`).problems).toEqual([
      '@50.sched: LambdaLR would fail when the run reaches it: ' +
        'lr_lambda is -3 at epoch 0; the lr would not be a finite number >= 0',
    ]);
    const multiplicative = `@50.sched=MultiplicativeLR&@50.s.lr_lambda=${encodeURIComponent('1/(10-epoch)')}`;
    expect(decodeState(`?${multiplicative}`).problems[0]).toMatch(/^@50\.sched: MultiplicativeLR would fail/);
    expect(decodeState(`?${multiplicative}`.replace('@50', '@995').replace('@50', '@995')).problems).toEqual([]);
  });

  it('replays a new scheduler over the steps it runs for: OneCycleLR must last them', () => {
    expect(decodeState('?steps=1000&@50.sched=OneCycleLR&@50.s.total_steps=100').problems).toEqual([
      '@50.sched: OneCycleLR would fail when the run reaches it: ' +
        'OneCycleLR: tried to step 101 times; totalSteps (total_steps) is 100',
    ]);
    expect(decodeState('?steps=1000&@50.sched=OneCycleLR&@50.s.total_steps=951').problems).toEqual([]);
    expect(decodeState('?steps=1000&@50.sched=OneCycleLR&@50.s.total_steps=100&@150.sched=none').problems).toEqual([]);
  });

  it('decodes 50 000 changes in time linear in the link, keeping the first MAX_EDITS', () => {
    const link = (n: number) =>
      `?steps=100000&${Array.from({ length: n }, (_, i) => `@${i + 1}.lr=${i % 2 ? 0.1 : 0.2}`).join('&')}`;
    // The least of three timings of a link ten times longer: about 10× for linear work, 100× if quadratic. A
    // ratio, not a time, so that a loaded machine does not fail it.
    const least = (query: string) =>
      Math.min(
        ...[0, 1, 2].map(() => {
          const t0 = performance.now();
          decodeState(query);
          return performance.now() - t0;
        }),
      );
    const [short, long] = [link(5_000), link(50_000)];
    expect(least(long) / least(short)).toBeLessThan(30);
    const { state, problems } = decodeState(long);
    expect(MAX_EDITS).toBe(1000);
    expect(problems).toEqual([
      '@1001.: a link holds at most 1000 changes during the run, got 50000; those from step 1001 on are left out',
    ]);
    expect(state.edits).toHaveLength(1000);
    expect(decodeState(`?${encodeState(state)}`)).toEqual({ state, problems: [] });
  });

  it('stops a run whose schedule fails mid-run with the message; the run stays usable', () => {
    const s: PlaygroundState = lessonState();
    const lambda = { type: 'LambdaLR', args: { lr_lambda: '1/(3-epoch)' } };
    s.edits = [{ at: 5, schedule: { lr: 0.01, scheduler: lambda } }];
    expect(decodeState(`?${encodeState(s)}`).problems).toEqual([
      expect.stringMatching(/^@5\.sched: LambdaLR would fail when the run reaches it: Division by zero/),
    ]);
    const run = new PlaygroundRun(s);
    expect(run.advance(5)).toBe(5);
    expect(() => {
      for (let i = 0; i < 10; i++) run.advance(1);
    }).toThrow(/Division by zero/);
    const reached = run.step;
    expect(reached).toBeGreaterThanOrEqual(5);
    expect(reached).toBeLessThan(10);
    // The previewed schedule says where it ends and why; the run's state is still there to show and change.
    expect(run.preview().note).toMatch(/Division by zero/);
    expect(run.state.edits).toHaveLength(1);
  });
});
