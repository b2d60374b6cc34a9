import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import training from '../fixtures/training.json' with { type: 'json' };
import { runCli } from './run_cli.ts';

type Case = (typeof training.cases)[number];
const byName = (name: string) => training.cases.find((c) => c.name === name)!;
const tmp = mkdtempSync(join(tmpdir(), 'anneal-cli-'));

function expectTrajectory(run: { loss: number[]; final: { weight: number[][]; bias: number[] }[] }, c: Case): void {
  expect(run.loss.length).toBe(c.loss.length);
  run.loss.forEach((l, i) =>
    expect(Math.abs(l - c.loss[i]) / Math.abs(c.loss[i]), `step ${i}`).toBeLessThanOrEqual(1e-4),
  );
  run.final.forEach((layer, l) => {
    layer.weight.flat().forEach((w, k) => expect(Math.abs(w - c.final[l].weight.flat()[k])).toBeLessThanOrEqual(5e-4));
    layer.bias.forEach((b, k) => expect(Math.abs(b - c.final[l].bias[k])).toBeLessThanOrEqual(5e-4));
  });
}

describe('anneal train', () => {
  it(
    "with no flags runs the lesson, which is PyTorch's seed_steplr run: " + 'same data, same init, same losses',
    async () => {
      const { code, stdout } = await runCli('train', '--json');
      expect(code).toBe(0);
      const run = JSON.parse(stdout);
      const c = byName('seed_steplr');
      expect(run.sizes).toEqual([2, 3, 2]);
      run.X = undefined;
      expect(run.init).toEqual(c.init);
      expect(run.lr.map((g: number[]) => g[0])).toEqual(c.lr.map((g) => g[0]));
      expectTrajectory(run, c);
      expect(Math.abs(run.final_loss - c.final_loss) / c.final_loss).toBeLessThan(1e-4);
      expect(run.final_accuracy).toBe(c.final_accuracy);
    },
  );

  it('--manual-decay 50:0.99 is the hand-written decay of seed_manual_decay', async () => {
    const { code, stdout } = await runCli('train', '--manual-decay', '50:0.99', '--json');
    expect(code).toBe(0);
    const run = JSON.parse(stdout);
    const c = byName('seed_manual_decay');
    expect(run.scheduler).toBeNull();
    expect(run.lr).toEqual(c.lr);
    expectTrajectory(run, c);
  });

  it('prints a short summary for people', async () => {
    const { code, stdout } = await runCli('train', '--steps', '200', '--quiet');
    expect(code).toBe(0);
    expect(stdout).toMatch(
      /^anneal train — MLP 2-3-2 \(tanh\), Adam lr=0.01, StepLR\(step_size=50, gamma=0.99\), 200 steps/,
    );
    expect(stdout).toMatch(/final loss\s+\d\.\d+/);
    expect(stdout).toMatch(/accuracy\s+\d+\.\d %/);
    expect(stdout).toMatch(/final lr\s+0\.00970299 /); // 0.01 · 0.99³ after steps 50, 100, 150
    expect(stdout).toMatch(/wall time\s+[\d.]+ ms/);
  });

  it('--batch-size full is the whole dataset every step, as in anneal compare', async () => {
    const lesson = JSON.parse((await runCli('train', '--steps', '60', '--json')).stdout);
    for (const full of ['full', 'FULL']) {
      const run = await runCli('train', '--batch-size', full, '--steps', '60', '--json');
      expect(run.code, run.stderr).toBe(0);
      const json = JSON.parse(run.stdout);
      expect(json.batch_size).toBeNull();
      expect(json.loss).toEqual(lesson.loss);
      expect(json.loss.slice(0, 3)).toEqual(
        byName('seed_steplr')
          .loss.slice(0, 3)
          .map((l) => expect.closeTo(l, 5)),
      );
    }
    const summary = await runCli('train', '--batch-size', 'full', '--steps', '10', '--quiet');
    expect(summary.stdout).toMatch(/, 10 steps, batch full, data: moons /);
    const bad = await runCli('train', '--batch-size', 'half');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain(
      `error: option '--batch-size <n>' argument 'half' is invalid. expected an integer in [1, ∞] or full, got "half"`,
    );
    const zero = await runCli('compare', '--batch-size', '0');
    expect(zero.stderr).toContain(
      `error: option '--batch-size <n>' argument '0' is invalid. expected an integer in [1, ∞] or full, got "0"`,
    );
  });

  it('--steps 0 evaluates the initial weights and prints no rate: never NaN steps/s', async () => {
    const { code, stdout } = await runCli('train', '--steps', '0', '--quiet');
    expect(code).toBe(0);
    const lines = stdout.split('\n');
    // With no step taken the whole-dataset loss is that of the initial weights: PyTorch's first loss of the lesson.
    expect(lines[1]).toBe(
      `  final loss      ${byName('seed_steplr').loss[0].toPrecision(6)}  (whole dataset; last step -)`,
    );
    expect(lines[3]).toBe('  final lr        -  (no steps)');
    expect(lines[4]).toMatch(/^ {2}wall time {7}\d+\.\d ms {2}\(no steps\)$/);
    expect(stdout).not.toMatch(/NaN|Infinity|∞/);
  });

  it('the --json output fed back with --config reruns bit-identically', async () => {
    const first = await runCli(
      'train',
      '--dataset',
      'blobs',
      '--samples',
      '60',
      '--hidden',
      '8',
      '--optimizer',
      'SGD',
      '--lr',
      '0.05',
      '--momentum',
      '0.9',
      '--batch-size',
      '16',
      '--steps',
      '120',
      '--seed',
      '3',
      '--json',
    );
    expect(first.code).toBe(0);
    const file = join(tmp, 'run.json');
    writeFileSync(file, first.stdout);
    const again = await runCli('train', '--config', file, '--json');
    expect(again.code).toBe(0);
    const [a, b] = [JSON.parse(first.stdout), JSON.parse(again.stdout)];
    expect(a.sizes).toEqual([2, 8, 3]);
    expect(a.batches.length).toBe(120);
    expect(b.loss).toEqual(a.loss);
    expect(b.final).toEqual(a.final);
  });

  it('bad flags and configs are clear errors', async () => {
    const lr = await runCli('train', '--lr', '-1');
    expect(lr.code).toBe(2);
    expect(lr.stderr).toMatch(/--lr <x>.*expected a number in \[0, ∞\], got "-1"/);
    const decay = await runCli('train', '--manual-decay', '50-0.99');
    expect(decay.stderr).toMatch(/expected EVERY:FACTOR/);
    const write = (name: string, value: unknown) => {
      const file = join(tmp, name);
      writeFileSync(file, typeof value === 'string' ? value : JSON.stringify(value));
      return file;
    };
    const base = {
      sizes: [2, 3, 2],
      activation: 'tanh',
      data: { type: 'moons', n_samples: 20 },
      optimizer: { type: 'Adam', groups: [{ lr: 0.01 }] },
      steps: 5,
    };
    const cases: [unknown, RegExp][] = [
      [{ ...base, learning_rate: 0.1 }, /\(top level\): unknown key "learning_rate"/],
      [
        { ...base, optimizer: { type: 'Adagrad' } },
        /optimizer.type: unknown optimizer "Adagrad"; expected one of Adam, AdamW, SGD/,
      ],
      [{ ...base, activation: 'mish' }, /activation: Invalid option: expected one of "tanh"\|"relu"\|"sigmoid"\|/],
      [
        { ...base, optimizer: { type: 'Adam', groups: [{ lr: 0.01 }], kwargs: { betas: [0.9, 1.2] } } },
        /Adam: betas\[1\] must be a number in \[0, 1\), got 1.2/,
      ],
      [{ ...base, steps: -3 }, /steps: Too small: expected number to be >=0/],
      [{ ...base, sizes: [3, 3, 2] }, /sizes\[0\]: the data has 2 features/],
      [{ ...base, scheduler: { type: 'StepLR', args: { step_size: 0, gamma: 0.5 } } }, /step_size/],
      [{ ...base, data: undefined }, /no data: give X and Y, or a dataset spec in data/],
      ['{"sizes": [2, 3', /is not valid JSON/],
    ];
    for (const [value, message] of cases) {
      const { code, stderr } = await runCli('train', '--config', write('bad.json', value));
      expect(code, stderr).toBe(2);
      expect(stderr).toMatch(message);
    }
    const both = await runCli('train', '--config', write('ok.json', base), '--lr', '0.1');
    expect(both.stderr).toMatch(/--config cannot be combined with --lr/);
  });

  it('trains on a CSV file and reports a malformed one by line', async () => {
    const good = join(tmp, 'points.csv');
    writeFileSync(good, 'x1,x2,label\n0,0,0\n0,1,1\n1,0,1\n1,1,0\n');
    const ok = await runCli('train', '--data', good, '--hidden', '4', '--steps', '50', '--json');
    expect(ok.code).toBe(0);
    const run = JSON.parse(ok.stdout);
    expect(run.sizes).toEqual([2, 4, 2]);
    expect(run.loss.length).toBe(50);
    const bad = join(tmp, 'bad.csv');
    writeFileSync(bad, 'x1,x2,label\n0,0,0\n0,oops,1\n');
    const err = await runCli('train', '--data', bad);
    expect(err.code).toBe(2);
    expect(err.stderr).toMatch(/bad\.csv: .*line 3/);
  });

  it('a diverging run stops at the step whose loss is not finite', async () => {
    const { code, stderr } = await runCli(
      'train',
      '--optimizer',
      'SGD',
      '--lr',
      '1e30',
      '--hidden',
      '16',
      '--activation',
      'relu',
      '--steps',
      '100',
    );
    expect(code).toBe(1);
    expect(stderr).toMatch(/training stopped: the loss at step \d+ is (NaN|Infinity)/);
  });

  it('--help explains every flag', async () => {
    const { stdout } = await runCli('train', '--help');
    for (const flag of [
      '--config',
      '--dataset',
      '--samples',
      '--noise',
      '--data-seed',
      '--data ',
      '--hidden',
      '--activation',
      '--optimizer',
      '--lr',
      '--betas',
      '--weight-decay',
      '--momentum',
      '--nesterov',
      '--steps',
      '--batch-size',
      '--seed',
      '--manual-decay',
      '--step-size',
      '--gamma',
      '--json',
      '--quiet',
    ]) {
      expect(stdout).toContain(flag);
    }
  });

  it("npm start runs the compiled CLI's anneal train", () => {
    const out = execFileSync(process.execPath, ['scripts/start.mjs', 'train', '--steps', '100'], { encoding: 'utf8' });
    expect(out).toMatch(/final loss\s+\d/);
  });
});
