import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import schedulers from '../fixtures/schedulers.json' with { type: 'json' };
import { lambdaExpression, type FixtureLambda } from '../lr_scheduler/support.ts';
import { runCli } from './run_cli.ts';

const tmp = mkdtempSync(join(tmpdir(), 'anneal-schedule-'));

function mapLambdas(spec: { type: string; args?: Record<string, unknown> }): unknown {
  const args = { ...(spec.args ?? {}) };
  if ('lr_lambda' in args) {
    const lam = args.lr_lambda as FixtureLambda | FixtureLambda[];
    args.lr_lambda = Array.isArray(lam) ? lam.map(lambdaExpression) : lambdaExpression(lam);
  }
  if (Array.isArray(args.schedulers)) args.schedulers = args.schedulers.map((s) => mapLambdas(s as never));
  return { ...spec, args };
}

function expectRelClose(actual: number[][], expected: (number | null)[][], what: string): void {
  expect(actual.length, what).toBe(expected.length);
  actual.forEach((row, i) =>
    row.forEach((v, g) => {
      const e = expected[i][g] as number;
      expect(Math.abs(v - e) <= 1e-12 * Math.abs(e), `${what} step ${i} group ${g}: ${v} vs ${e}`).toBe(true);
    }),
  );
}

describe('anneal schedule --config: every schedulers.json case fed back as it is', () => {
  for (const c of schedulers.cases) {
    it(c.name, async () => {
      const file = join(tmp, `${c.name}.json`);
      writeFileSync(file, JSON.stringify({ ...c, scheduler: mapLambdas(c.scheduler as never) }));
      const { code, stdout, stderr } = await runCli('schedule', '--config', file, '--json');
      expect(code, stderr).toBe(0);
      const trace = JSON.parse(stdout);
      const tracked = (c as { track?: string[] }).track ?? [];
      expect(Object.keys(trace).sort()).toEqual(['lr', ...tracked].sort());
      expectRelClose(trace.lr, c.lr, 'lr');
      for (const key of tracked) expectRelClose(trace[key], (c as unknown as Record<string, number[][]>)[key], key);
    });
  }
});

describe('anneal schedule with flags', () => {
  it('--scheduler cosine --t-max 50 --steps 100 follows the closed form of CosineAnnealingLR', async () => {
    const { code, stdout } = await runCli(
      'schedule',
      '--scheduler',
      'cosine',
      '--t-max',
      '50',
      '--steps',
      '100',
      '--json',
    );
    expect(code).toBe(0);
    const { lr } = JSON.parse(stdout);
    expect(lr.length).toBe(101);
    lr.forEach(([v]: number[], t: number) => expect(v).toBeCloseTo(0.005 * (1 + Math.cos((Math.PI * t) / 50)), 12));
  });

  it('two param groups, SGD momentum cycled by CyclicLR, and a readable table', async () => {
    const { code, stdout } = await runCli(
      'schedule',
      '--scheduler',
      'cyclic',
      '--optimizer',
      'SGD',
      '--momentum',
      '0.9',
      '--lr',
      '0.01,0.001',
      '--base-lr',
      '0.001',
      '--max-lr',
      '0.01',
      '--step-size-up',
      '4',
      '--steps',
      '8',
    );
    expect(code).toBe(0);
    const lines = stdout.trim().split('\n');
    expect(lines[0]).toBe('CyclicLR(base_lr=0.001, max_lr=0.01, step_size_up=4) over SGD, 8 steps');
    expect(lines[1].trim().split(/\s+/)).toEqual(['step', 'lr[0]', 'lr[1]', 'momentum[0]', 'momentum[1]']);
    expect(lines[2].trim().split(/\s+/)).toEqual(['init', '0.001', '0.001', '0.9', '0.9']);
    // the peak: lr at max_lr, momentum at base_momentum
    expect(lines[6].trim().split(/\s+/)).toEqual(['4', '0.01', '0.01', '0.8', '0.8']);
  });

  it('ReduceLROnPlateau reads --metrics', async () => {
    const { stdout } = await runCli(
      'schedule',
      '--scheduler',
      'plateau',
      '--patience',
      '1',
      '--factor',
      '0.5',
      '--metrics',
      '1,1,1,1,1',
      '--steps',
      '5',
      '--json',
    );
    expect(JSON.parse(stdout).lr.map((g: number[]) => g[0])).toEqual([0.01, 0.01, 0.01, 0.005, 0.005, 0.0025]);
  });

  it('lambdas from text, one per group', async () => {
    const { stdout } = await runCli(
      'schedule',
      '--scheduler',
      'lambda',
      '--lr',
      '0.1,0.2',
      '--lr-lambda',
      '0.5 ** epoch',
      '--lr-lambda',
      'min(1, (epoch + 1) / 4)',
      '--steps',
      '3',
      '--json',
    );
    expect(JSON.parse(stdout).lr).toEqual([
      [0.1, 0.05],
      [0.05, 0.1],
      [0.025, 0.15000000000000002],
      [0.0125, 0.2],
    ]);
  });

  it(
    '--plot draws by the extension: SVG for .svg, a real PNG for .png; ' + 'any other is refused before any work',
    async () => {
      const args = ['schedule', '--scheduler', 'step', '--step-size', '10', '--steps', '30'];
      const svgFile = join(tmp, 'lr.svg');
      const pngFile = join(tmp, 'lr.png');
      const upperFile = join(tmp, 'LR.PNG');
      expect((await runCli(...args, '--plot', svgFile)).code).toBe(0);
      expect((await runCli(...args, '--plot', pngFile)).code).toBe(0);
      expect((await runCli(...args, '--plot', upperFile)).code).toBe(0);
      expect(readFileSync(svgFile, 'utf8')).toMatch(/^<svg width="800" height="420" /);
      for (const file of [pngFile, upperFile]) {
        const png = readFileSync(file);
        expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]); // the PNG signature
        expect(png.toString('latin1', 12, 16)).toBe('IHDR');
        // the 800 × 420 chart at twice the size
        expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([1600, 840]);
        expect(png.includes(Buffer.from('<svg'))).toBe(false);
      }
      const jpg = join(tmp, 'lr.jpg');
      const bad = await runCli(...args, '--plot', jpg);
      expect(bad.code).toBe(2);
      expect(bad.stderr).toContain(
        `error: option '--plot <file>' argument '${jpg}' is invalid. ` +
          `expected a file name ending in .svg or .png, got ${JSON.stringify(jpg)}`,
      );
      expect(bad.stdout).toBe('');
      expect(existsSync(jpg)).toBe(false);
    },
  );

  it('errors name the flag or argument', async () => {
    const cases: [string[], RegExp][] = [
      [['--scheduler', 'warmup'], /unknown scheduler "warmup"/],
      [
        ['--scheduler', 'step', '--t-max', '3'],
        /--t-max does not apply to StepLR; its arguments are --step-size, --gamma/,
      ],
      [['--scheduler', 'step', '--step-size', '0'], /step_size/],
      [['--scheduler', 'step', '--step-size', '5', '--gamma', '-1'], /gamma/],
      [['--scheduler', 'multistep', '--milestones', '30,10'], /milestones/],
      [['--scheduler', 'cosine', '--t-max', '0'], /T_max/],
      [['--scheduler', 'plateau', '--factor', '1', '--metrics', '1'], /factor/],
      [['--scheduler', 'plateau', '--steps', '3'], /metrics: ReduceLROnPlateau needs one metric per step \(3\), got 0/],
      [['--scheduler', 'onecycle', '--max-lr', '0.1', '--total-steps', '5', '--steps', '7'], /OneCycleLR/],
      [['--scheduler', 'cyclic', '--base-lr', '0.001', '--max-lr', '0.01', '--mode', 'sawtooth'], /mode/],
      [['--scheduler', 'lambda', '--lr-lambda', '0.9 ** (epoch'], /position|column/],
      [
        ['--scheduler', 'lambda', '--lr', '0.1,0.2', '--lr-lambda', '1', '--lr-lambda', '1', '--lr-lambda', '1'],
        /3.*2|2.*3/,
      ],
      [['--scheduler', 'step', '--gamma', 'abc'], /--gamma: expected a number/],
      [[], /give --scheduler NAME/],
    ];
    for (const [args, message] of cases) {
      const { code, stderr } = await runCli('schedule', ...args);
      expect(code, `${args.join(' ')}: ${stderr}`).toBe(2);
      expect(stderr, args.join(' ')).toMatch(message);
    }
  });
});

describe('anneal schedule at the edges', () => {
  it('a table of 150 000 steps prints (no spread of every row into Math.max)', async () => {
    const { code, stdout } = await runCli('schedule', '--scheduler', 'step', '--step-size', '10', '--steps', '150000');
    expect(code).toBe(0);
    const lines = stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(150_003); // title, header, init and 150 000 steps
    expect(lines.at(-1)?.trim().split(/\s+/)).toEqual(['150000', '0']); // 0.01 · 0.1^15000 underflows to 0
  });

  it('--plot under a folder that refuses new entries is an error at once, not a hang', async () => {
    const start = performance.now();
    const { code, stderr } = await runCli(
      'schedule',
      '--scheduler',
      'step',
      '--step-size',
      '10',
      '--plot',
      '/proc/nope/x.svg',
    );
    expect(code).toBe(2);
    expect(stderr).toContain('cannot write /proc/nope/x.svg');
    expect(performance.now() - start).toBeLessThan(5000);
  });
});
