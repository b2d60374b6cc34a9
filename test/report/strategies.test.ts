import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ensureWritableDir, writeFilesAtomic } from '../../src/report/output_dir.ts';
import { parseSpecCall, parseSpecList } from '../../src/report/spec_text.ts';
import { batchScheduleSpecFromText, DEFAULT_STRATEGIES, parseStrategies } from '../../src/report/strategies.ts';

const ctx = { lr: 0.05, steps: 2000 };

describe('spec text', () => {
  it('reads names, keyword arguments, numbers, booleans, None, strings, bare words and lists', () => {
    expect(parseSpecCall('StepLR(step_size=50, gamma=0.99)')).toEqual({
      name: 'StepLR',
      args: { step_size: 50, gamma: 0.99 },
      text: 'StepLR(step_size=50, gamma=0.99)',
    });
    expect(parseSpecCall(' x(a=-1e-3, b=True, c=None, d="2 ** (epoch // 3)", e=cos, f=[1, 2,3], g=[]) ').args).toEqual({
      a: -0.001,
      b: true,
      c: null,
      d: '2 ** (epoch // 3)',
      e: 'cos',
      f: [1, 2, 3],
      g: [],
    });
    expect(parseSpecList('constant-0.1, StepLR(step_size=50, gamma=0.99),cosine').map((c) => c.name)).toEqual([
      'constant-0.1',
      'StepLR',
      'cosine',
    ]);
  });

  it('mistakes are reported with their column', () => {
    expect(() => parseSpecCall('StepLR(step_size 50)', '--x')).toThrow("--x: expected '=', found '5' (at column 18)");
    expect(() => parseSpecCall('StepLR(step_size=50', '--x')).toThrow(
      "--x: expected ',' or ')' after the value of 'step_size' but the text ended (at column 20)",
    );
    expect(() => parseSpecCall('f(a=1, a=2)', '--x')).toThrow("--x: argument 'a' is given twice (at column 8)");
    expect(() => parseSpecCall('f(a="x)', '--x')).toThrow('--x: unterminated string: no closing " (at column 5)');
    expect(() => parseSpecCall('f(a=inf)', '--x')).toThrow(
      '--x: inf is not allowed: values must be finite (at column 5)',
    );
    expect(() => parseSpecList('a b', '--x')).toThrow("--x: expected ',' between specs, found 'b' (at column 3)");
    expect(() => parseSpecList(' ', '--x')).toThrow('--x: the list is empty');
  });
});

describe('strategies', () => {
  it("the defaults: constant high and low lr, the lesson's decays, a real decay, cosine, a grown batch", () => {
    const s = parseStrategies(DEFAULT_STRATEGIES.join(','), { ...ctx, trainSize: 800 });
    expect(s.map((x) => x.id)).toEqual([
      'constant-0.1',
      'constant-0.001',
      'manual-decay',
      'step',
      'halving',
      'cosine',
      'doubling-batch',
    ]);
    expect(s.map((x) => x.lr)).toEqual([0.1, 0.001, 0.05, 0.05, 0.05, 0.05, 0.05]);
    expect(s[0].scheduler).toBeNull();
    expect(s[2].manualDecay).toEqual({ every: 50, factor: 0.99 });
    expect(s[3].scheduler).toEqual({ type: 'StepLR', args: { step_size: 50, gamma: 0.99 } });
    // A decay that decays within the run: halved at steps 400, 800, 1200, 1600 of 2000, 0.05 / 16 at the end.
    expect(s[4].scheduler).toEqual({ type: 'StepLR', args: { step_size: 400, gamma: 0.5 } });
    expect(s[4].label).toBe('StepLR(400, 0.5)');
    expect(s[5].scheduler).toEqual({ type: 'CosineAnnealingLR', args: { T_max: 2000, eta_min: 0 } });
    // The batch ×2 at the same steps (the first epoch start at or after each), capped at the training set.
    expect(s[6].batchSchedule).toEqual({
      type: 'StepBS',
      args: { step_size: 400, gamma: 2, max_batch_size: 800 },
      interval: 'step',
    });
    expect(s[6].scheduler).toBeNull();
    expect(s[6].label).toBe('grow batch ×2 every 400');
    // Both follow --steps: a fifth of the run; doubling-batch takes its own cap, and none without a known size.
    const [h, d] = parseStrategies('halving, doubling-batch(max_batch_size=100)', { lr: 0.05, steps: 60 });
    expect(h.scheduler).toEqual({ type: 'StepLR', args: { step_size: 12, gamma: 0.5 } });
    expect(d.batchSchedule?.args).toEqual({ step_size: 12, gamma: 2, max_batch_size: 100 });
    expect(parseStrategies('doubling-batch', { lr: 0.05, steps: 7 })[0].batchSchedule?.args).toEqual({
      step_size: 1,
      gamma: 2,
    });
  });

  it('presets take arguments; scheduler and batch-schedule specs pass through; lr= sets the initial lr', () => {
    const [a, b, c, d, e, f] = parseStrategies(
      'step(gamma=0.5, step_size=200), StepLR(step_size=10, lr=0.2), cosine(eta_min=0.001), ' +
        'grow-batch(gamma=0.5, max_batch_size=128), constant-0.03, StepBS(step_size=3, gamma=2, interval=step)',
      ctx,
    );
    expect(a.scheduler).toEqual({ type: 'StepLR', args: { step_size: 200, gamma: 0.5 } });
    expect([b.scheduler, b.lr, b.label]).toEqual([
      { type: 'StepLR', args: { step_size: 10 } },
      0.2,
      'StepLR(step_size=10), lr 0.2',
    ]);
    expect(c.scheduler).toEqual({ type: 'CosineAnnealingLR', args: { T_max: 2000, eta_min: 0.001 } });
    expect(d.batchSchedule).toEqual({
      type: 'StepBS',
      args: { step_size: 50, gamma: 2, max_batch_size: 128 },
      interval: 'step',
    });
    expect([e.lr, e.scheduler, e.label]).toEqual([0.03, null, 'constant lr 0.03']);
    expect(f.batchSchedule).toEqual({ type: 'StepBS', args: { step_size: 3, gamma: 2 }, interval: 'step' });
    const twice = parseStrategies('step, step', ctx);
    expect(twice.map((x) => x.id)).toEqual(['step', 'step-2']);
  });

  it('an unknown strategy or argument is a clear error naming what is known', () => {
    expect(() => parseStrategies('step, warmup', ctx)).toThrow(
      new RegExp(
        /--strategies: unknown strategy "warmup"; expected one of: /.source +
          /presets constant-0.1, constant-0.001, constant, manual-decay, /.source +
          /step, halving, cosine, plateau, onecycle, grow-batch, doubling-batch \(or constant-<lr>\); /.source +
          /schedulers LambdaLR, .*StepLR.*; /.source +
          /batch schedules StepBS, MultiStepBS, ExponentialBS, LambdaBS, /.source +
          /e.g. StepLR\(step_size=50, gamma=0.99\)/.source,
      ),
    );
    expect(() => parseStrategies('cosine(T=5)', ctx)).toThrow(
      "--strategies: cosine(T=5): cosine has no argument 'T' (accepted: lr, T_max, eta_min)",
    );
    expect(() => parseStrategies('StepLR(stepsize=5)', ctx)).toThrow(
      "--strategies: StepLR(stepsize=5): StepLR has no argument 'stepsize' " +
        '(accepted: lr, step_size, gamma, last_epoch)',
    );
    expect(() => parseStrategies('grow-batch(gamma=2)', ctx)).toThrow(
      'grow-batch: gamma is the lr factor it mirrors and must be in (0, 1], got 2',
    );
    expect(() => parseStrategies('constant(lr=-1)', ctx)).toThrow('constant: lr must be a finite number >= 0, got -1');
    expect(() => batchScheduleSpecFromText('StepBS(step_size=2, interval=batch)')).toThrow(
      "--batch-schedule: interval must be 'epoch' or 'step', got \"batch\"",
    );
    expect(
      batchScheduleSpecFromText('{"type": "MultiStepBS", "args": {"milestones": [2, 4]}, "interval": "step"}'),
    ).toEqual({ type: 'MultiStepBS', args: { milestones: [2, 4] }, interval: 'step' });
  });
});

describe('output folders', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'anneal-outdir-'));

  it('ensureWritableDir creates the folder, and refuses one that cannot be made or written', () => {
    ensureWritableDir(join(tmp, 'a', 'b'));
    expect(readdirSync(join(tmp, 'a', 'b'))).toEqual([]);
    writeFileSync(join(tmp, 'file'), '');
    expect(() => ensureWritableDir(join(tmp, 'file'))).toThrow(
      /--out .*file: is a file, not a folder; give a folder you can write to/,
    );
    expect(() => ensureWritableDir(join(tmp, 'file', 'x'), '--dir')).toThrow(
      /--dir .*file\/x: cannot create the folder \(ENOTDIR\)/,
    );
  });

  it('writeFilesAtomic writes all files or none, and leaves no temporaries', () => {
    const dir = join(tmp, 'set');
    writeFilesAtomic(dir, [
      { name: 'a.txt', contents: 'old a' },
      { name: 'runs/b.json', contents: 'old b' },
    ]);
    mkdirSync(join(dir, 'blocked'));
    writeFileSync(join(dir, 'blocked-file'), '');
    // The third file cannot be written (its folder is a file): nothing changes.
    expect(() =>
      writeFilesAtomic(dir, [
        { name: 'a.txt', contents: 'new a' },
        { name: 'runs/b.json', contents: 'new b' },
        { name: 'blocked-file/c.txt', contents: 'c' },
      ]),
    ).toThrow(/cannot write to .*: (ENOTDIR|EEXIST) \(nothing was written; its previous files are unchanged\)/);
    expect(readFileSync(join(dir, 'a.txt'), 'utf8')).toBe('old a');
    expect(readFileSync(join(dir, 'runs', 'b.json'), 'utf8')).toBe('old b');
    expect(readdirSync(dir).sort()).toEqual(['a.txt', 'blocked', 'blocked-file', 'runs']);
    expect(readdirSync(join(dir, 'runs'))).toEqual(['b.json']);
    writeFilesAtomic(dir, [{ name: 'a.txt', contents: 'new a' }]);
    expect(readFileSync(join(dir, 'a.txt'), 'utf8')).toBe('new a');
  });
});
