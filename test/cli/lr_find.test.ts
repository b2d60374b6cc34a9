import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeMoons } from '../../src/data/datasets.ts';
import { MLP } from '../../src/nn/models.ts';
import { Adam } from '../../src/optim/adam.ts';
import { SGD } from '../../src/optim/sgd.ts';
import { type LrFindOptions, type LrFindResult, lrFind } from '../../src/tuner/lr_find.ts';
import { suggestionSpread } from '../../src/tuner/spread.ts';
import { SUGGESTION_METHODS } from '../../src/tuner/suggestions.ts';
import { runCli } from './run_cli.ts';

// `anneal lr-find` (issue 14 part 1): the CLI over the library's range test.

const tmp = mkdtempSync(join(tmpdir(), 'anneal-lr-find-'));

interface Suggestion {
  lr: number;
  point: { lr: number; loss: number };
}
interface RunJson {
  lrs: number[];
  losses: number[];
  smoothed_losses: number[];
  suggestions: Record<string, Suggestion | null>;
  suggestion: number | null;
  suggest: string;
  diverged: boolean;
  stop_reason: string;
  stop_step: number;
  settings: { start_lr: number; end_lr: number; num_iter: number; mode: string; batch_size: number | null };
  config: { seed: number; sizes: number[] };
}
interface SeedsJson {
  seeds: number[];
  runs: RunJson[];
  spread: Record<string, { lrs: (number | null)[]; median: number | null; decades: number | null }>;
  suggestion: number | null;
}

async function lrFindJson<T = RunJson>(...args: string[]): Promise<T> {
  const r = await runCli('lr-find', ...args, '--json');
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout) as T;
}

/** The library's lrFind on the model, data and seed the flags describe, built by hand. */
function reference(
  o: { sizes: number[]; samples: number; seed: number; optimizer?: 'Adam' | 'SGD' },
  settings: Omit<LrFindOptions, 'model' | 'optimizer' | 'x' | 'y'>,
): LrFindResult {
  const data = makeMoons({ nSamples: o.samples, noise: 0.2, seed: o.seed });
  const model = new MLP({ sizes: o.sizes, activation: 'tanh', seed: o.seed });
  const optimizer =
    o.optimizer === 'SGD' ? new SGD(model.parameters(), { lr: 0.01 }) : new Adam(model.parameters(), { lr: 0.01 });
  try {
    return lrFind({ model, optimizer, x: data, y: data.y, seed: o.seed, ...settings });
  } finally {
    optimizer.dispose();
    model.dispose();
  }
}

/** The JSON's curve and suggestions equal the library's result, number for number. */
function expectSameTest(json: RunJson, ref: LrFindResult): void {
  expect(json.lrs).toEqual(ref.lrs);
  expect(json.losses).toEqual(ref.losses);
  expect(json.smoothed_losses).toEqual(ref.smoothedLosses);
  expect(json.suggestions).toEqual(ref.suggestions);
  expect(json.diverged).toBe(ref.diverged);
  expect(json.stop_step).toBe(ref.stopStep);
}

const lrText = (lr: number) => String(Number(lr.toPrecision(3)));

describe('anneal lr-find --json', () => {
  it("equals the library's lrFind on the same model, data, batches and seed", async () => {
    const args = ['--hidden', '8', '--samples', '64', '--batch-size', '16', '--seed', '3', '--num-iter', '60'];
    const json = await lrFindJson(...args);
    const ref = reference({ sizes: [2, 8, 2], samples: 64, seed: 3 }, { numIter: 60, batchSize: 16 });
    expectSameTest(json, ref);
    expect(json.lrs.length).toBe(60);
    expect(json.suggest).toBe('valley');
    expect(json.suggestion).toBe(ref.suggestions.valley!.lr);
    expect(json.settings).toMatchObject({ start_lr: 1e-7, end_lr: 10, num_iter: 60, batch_size: 16 });
    expect(json.config).toMatchObject({ seed: 3, sizes: [2, 8, 2] });
  });

  it('a test that diverges stops where the library stops (SGD, full batch, up to lr 1000)', async () => {
    const json = await lrFindJson('--optimizer', 'SGD', '--hidden', '16', '--samples', '200', '--end-lr', '1000');
    const ref = reference({ sizes: [2, 16, 2], samples: 200, seed: 0, optimizer: 'SGD' }, { endLr: 1000 });
    expectSameTest(json, ref);
    expect(json.diverged).toBe(true);
    expect(json.stop_reason).toBe('diverged');
    expect(json.lrs.length).toBeLessThan(100);
    // --no-stop-div runs every step: the same steps first, then on.
    const all = await lrFindJson(
      '--optimizer',
      'SGD',
      '--hidden',
      '16',
      '--samples',
      '200',
      '--end-lr',
      '1000',
      '--no-stop-div',
    );
    expect(all.lrs.length).toBe(100);
    expect(all.stop_reason).toBe('num_iter');
    expect(all.losses.slice(0, json.losses.length)).toEqual(json.losses);
  });

  it('the lrs follow the ramp: start·(end/start)^(i/N), or start + (i/N)·(end − start) if linear', async () => {
    const exp = await lrFindJson('--no-stop-div', '--start-lr', '1e-6', '--end-lr', '1', '--num-iter', '40');
    expect(exp.lrs.length).toBe(40);
    for (const i of [0, 1, 10, 20, 39]) {
      const closed = 1e-6 * 1e6 ** (i / 40);
      expect(Math.abs(exp.lrs[i] - closed) / closed, `step ${i}`).toBeLessThanOrEqual(1e-14);
    }
    expect(exp.lrs[0]).toBe(1e-6);
    expect(exp.lrs[20]).toBeCloseTo(1e-3, 15); // half way up six decades
    const lin = await lrFindJson('--mode', 'linear', '--start-lr', '0', '--end-lr', '2', '--num-iter', '8');
    expect(lin.settings.mode).toBe('linear');
    expect(lin.lrs).toEqual([0, 0.25, 0.5, 0.75, 1, 1.25, 1.5, 1.75].slice(0, lin.lrs.length));
  });

  it('--seeds 3: one test per seed (own weights and batches, the same data) and the spread of them', async () => {
    const base = ['--hidden', '8', '--samples', '48', '--batch-size', '8', '--num-iter', '50'];
    const json = await lrFindJson<SeedsJson>(...base, '--seed', '5', '--seeds', '3');
    expect(json.seeds).toEqual([5, 6, 7]);
    expect(json.runs.length).toBe(3);
    for (const [k, run] of json.runs.entries()) {
      // Seed 5 + k's weights and batch order, on seed 5's data.
      const data = makeMoons({ nSamples: 48, noise: 0.2, seed: 5 });
      const model = new MLP({ sizes: [2, 8, 2], activation: 'tanh', seed: 5 + k });
      const optimizer = new Adam(model.parameters(), { lr: 0.01 });
      try {
        const ref = lrFind({ model, optimizer, x: data, y: data.y, seed: 5 + k, numIter: 50, batchSize: 8 });
        expectSameTest(run, ref);
      } finally {
        optimizer.dispose();
        model.dispose();
      }
    }
    // The spread is that of the three tests' suggestions: median (odd count: the middle one), decades.
    for (const m of SUGGESTION_METHODS) {
      const lrs = json.runs.map((r) => r.suggestions[m]?.lr ?? null);
      expect(json.spread[m].lrs).toEqual(lrs);
      const given = lrs.filter((v): v is number => v !== null).sort((a, b) => a - b);
      expect(given.length).toBe(3);
      expect(json.spread[m].median).toBe(given[1]);
      expect(json.spread[m].decades).toBeCloseTo(Math.log10(given[2] / given[0]), 12);
    }
    expect(json.suggestion).toBe(json.spread.valley.median);
    expect(json.spread).toEqual(
      JSON.parse(JSON.stringify(suggestionSpread(json.runs.map((r) => ({ suggestions: r.suggestions }) as never)))),
    );
  });
});

describe('anneal lr-find prints', () => {
  it('the four suggestions, the default marked, and the train command, which runs with that lr', async () => {
    const args = ['--hidden', '8', '--samples', '64', '--batch-size', '16', '--num-iter', '60', '--weight-decay', '0'];
    const json = await lrFindJson(...args);
    const r = await runCli('lr-find', ...args);
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toBe('anneal lr-find — MLP 2-8-2 (tanh), Adam(weight_decay=0), batch 16, moons');
    for (const m of SUGGESTION_METHODS) {
      const s = json.suggestions[m]!;
      const row = lines.find((l) => l.startsWith(`  ${m} `))!;
      expect(row.split(/\s+/).slice(1, 4)).toEqual([m, lrText(s.lr), s.point.loss.toPrecision(4)]);
    }
    expect(lines.find((l) => l.startsWith('  valley '))).toMatch(/← --suggest valley \(the default\)$/);
    // The shared flags in the order anneal train lists them.
    const shared = '--samples 64 --hidden 8 --weight-decay 0 --batch-size 16';
    const train = `anneal train ${shared} --lr ${lrText(json.suggestion!)}`;
    expect(r.stdout).toContain(`  train with valley:\n    ${train}\n`);
    const trained = await runCli(...train.split(' ').slice(1), '--steps', '3', '--json');
    expect(trained.code).toBe(0);
    expect(JSON.parse(trained.stdout).optimizer.groups).toEqual([{ lr: Number(lrText(json.suggestion!)) }]);
  });

  it('--suggest steep with --seeds: per-seed values, median and spread, and the median to train with', async () => {
    const args = ['--samples', '48', '--batch-size', '8', '--num-iter', '50', '--seeds', '2'];
    const json = await lrFindJson<SeedsJson>(...args, '--suggest', 'steep');
    const r = await runCli('lr-find', ...args, '--suggest', 'steep');
    expect(r.code).toBe(0);
    const row = r.stdout.split('\n').find((l) => l.startsWith('  steep '))!;
    const { lrs, median, decades } = json.spread.steep;
    const cells = [lrText(lrs[0]!), lrText(lrs[1]!), lrText(median!), `${decades!.toFixed(2)} decades`];
    expect(row.trim().split(/\s{2,}/)).toEqual(['steep', ...cells, '← --suggest steep']);
    expect(json.suggestion).toBe(median);
    expect(r.stdout).toContain(`--lr ${lrText(median!)}\n`);
  });
});

describe('anneal lr-find --out', () => {
  it('an SVG file: the curve on a log lr axis with every suggestion labelled', async () => {
    const file = join(tmp, 'curve.svg');
    const args = ['--hidden', '8', '--samples', '64', '--num-iter', '60'];
    const json = await lrFindJson(...args);
    const r = await runCli('lr-find', ...args, '--out', file);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`wrote           ${file}`);
    const svg = readFileSync(file, 'utf8');
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('width="900" height="480"');
    expect(svg).toContain('learning rate (log scale)');
    for (const m of SUGGESTION_METHODS) expect(svg).toContain(`${m} ${json.suggestions[m]!.lr.toExponential(1)}`);
  });

  it('a PNG file (signature, size), and a folder (lr_find.svg, and lr_find.json: the --json output)', async () => {
    const png = join(tmp, 'curve.png');
    expect((await runCli('lr-find', '--num-iter', '30', '--out', png)).code).toBe(0);
    const bytes = readFileSync(png);
    expect([...bytes.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    expect(bytes.readUInt32BE(16)).toBe(1800); // IHDR: 900 × 480 at scale 2
    expect(bytes.readUInt32BE(20)).toBe(960);
    const dir = join(tmp, 'found');
    const args = ['--num-iter', '30', '--seeds', '2', '--batch-size', '10'];
    expect((await runCli('lr-find', ...args, '--out', dir)).code).toBe(0);
    const json = await lrFindJson<SeedsJson>(...args);
    expect(JSON.parse(readFileSync(join(dir, 'lr_find.json'), 'utf8'))).toEqual(json);
    // Several seeds: each suggestion's median marked.
    const svg = readFileSync(join(dir, 'lr_find.svg'), 'utf8');
    for (const m of SUGGESTION_METHODS) expect(svg).toContain(`${m} ${json.spread[m].median!.toExponential(1)}`);
  });
});

describe('anneal lr-find refuses, before running, naming what was given', () => {
  const refused = async (args: string[], message: string) => {
    const r = await runCli('lr-find', ...args);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(message);
  };

  it('bad numbers and names', async () => {
    await refused(['--end-lr', 'abc'], 'expected a number in (0, ∞], got "abc"');
    await refused(['--start-lr', '-1'], 'expected a number in [0, ∞], got "-1"');
    await refused(['--num-iter', '3'], 'expected an integer in [6, 1000000], got "3"');
    await refused(['--seeds', '0'], 'expected an integer in [1, 1000], got "0"');
    await refused(['--suggest', 'fastest'], 'expected one of valley, slide, minimum, steep, got "fastest"');
    await refused(['--mode', 'cosine'], 'expected one of exponential, linear, got "cosine"');
  });

  it('a start at or above the end, and an exponential ramp from 0', async () => {
    await refused(['--start-lr', '1', '--end-lr', '0.1'], 'error: --start-lr 1 must be below --end-lr 0.1');
    await refused(['--start-lr', '0.5', '--end-lr', '0.5'], 'error: --start-lr 0.5 must be below --end-lr 0.5');
    await refused(
      ['--start-lr', '0'],
      'error: --start-lr 0: an exponential ramp needs a start above 0 (give --mode linear to start at 0)',
    );
  });

  it("anneal train's flags that do not apply to a range test", async () => {
    await refused(['--steps', '10'], 'error: --steps: a flag of anneal train, not of lr-find: the range test runs');
    await refused(['--lr', '0.1'], 'error: --lr: a flag of anneal train, not of lr-find: the range test sweeps');
    await refused(['--scheduler', 'cosine'], 'error: --scheduler: a flag of anneal train, not of lr-find');
    await refused(['--t-max', '5'], 'error: --t-max: scheduler flag of anneal train, not of lr-find');
    await refused(['--group-by-layer'], 'error: --group-by-layer: a flag of anneal train, not of lr-find');
    await refused(['--checkpoint-every', '5'], 'error: --checkpoint-every: a flag of anneal train, not of lr-find');
    await refused(['--val-split', '0.2'], 'error: --val-split: a flag of anneal train, not of lr-find');
  });

  it('an --out file in a folder that does not exist', async () => {
    const file = join(tmp, 'missing', 'curve.svg');
    await refused(['--out', file], `error: --out ${file}: the folder ${join(tmp, 'missing')} does not exist`);
  });
});

describe("the README's lr-find examples", () => {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const examples = [...readme.matchAll(/^\$ npx anneal (lr-find .*)\n([\s\S]*?)\n```/gm)];

  it('print what the README shows, line for line', async () => {
    expect(examples.length).toBe(2);
    for (const [, command, shown] of examples) {
      const r = await runCli(...command.split(' '));
      expect(r.code).toBe(0);
      expect(r.stdout.trimEnd()).toBe(shown);
    }
  });
});
