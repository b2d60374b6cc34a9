import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from './run_cli.ts';

const tmp = mkdtempSync(join(tmpdir(), 'anneal-issue11-'));

describe('anneal train: what is known before training is refused before training', () => {
  it('a lambda that turns the lr negative at step 101 is refused at step 0, names lr_lambda, step, lr', async () => {
    const r = await runCli('train', '--scheduler', 'lambda', '--lr-lambda', '1 - epoch/100', '--steps', '200');
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('LambdaLR: lr_lambda gives the lr -0.00010000000000000009 at step 101');
  });

  it("OneCycleLR's total_steps shorter than the run is refused up front, naming both numbers", async () => {
    const r = await runCli(
      'train',
      '--scheduler',
      'onecycle',
      '--max-lr',
      '0.1',
      '--total-steps',
      '50',
      '--steps',
      '100',
    );
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain("OneCycleLR: total_steps is 50, shorter than the run's 100 steps");
  });

  it('a manual decay that overflows the lr is refused up front, naming the step', async () => {
    const r = await runCli('train', '--manual-decay', '1:1e300', '--steps', '10');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('manual_decay: factor 1e+300 makes the lr Infinity at step 2');
  });

  it('a CyclicLR scale_fn that fails is refused up front naming scale_fn and the step, not the momentum', async () => {
    const r = await runCli(
      ...['train', '--optimizer', 'sgd', '--momentum', '0.9', '--scheduler', 'cyclic', '--base-lr', '0.001'],
      ...[
        '--max-lr',
        '0.1',
        '--step-size-up',
        '2',
        '--scale-fn',
        'sqrt(2-x)',
        '--scale-mode',
        'cycle',
        '--steps',
        '20',
      ],
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('CyclicLR: scale_fn fails at step 8');
    expect(r.stderr).not.toContain('SGD: momentum');
  });

  it('a model that does not fit in memory names --hidden and the size', async () => {
    const r = await runCli('train', '--hidden', '30000,30000', '--steps', '1');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--hidden 30000,30000: the model does not fit in memory: .*\d GiB/);
  });
});

describe('anneal train: a scheduler without a closed form that would fail mid-run', () => {
  it('is played through before training: refused at step 0, naming the scheduler and the step', async () => {
    const config = join(tmp, 'chained.json');
    writeFileSync(
      config,
      JSON.stringify({
        sizes: [2, 3, 2],
        data: { type: 'moons', n_samples: 20 },
        optimizer: { type: 'SGD', groups: [{ lr: 0.1 }] },
        steps: 30,
        scheduler: {
          type: 'ChainedScheduler',
          args: { schedulers: [{ type: 'LambdaLR', args: { lr_lambda: '1 - epoch/10' } }] },
        },
      }),
    );
    const out = join(tmp, 'chained-out');
    const r = await runCli('train', '--config', config, '--out', out);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    // lr 0.1 × (1 - 11/10) at the step after the 11th.
    expect(r.stderr).toMatch(/ChainedScheduler: the lr would be -0\.0100\d* at step 11/);
    expect(readdirSync(out)).toEqual([]);
  });
});

describe('anneal train: per-step history only when asked', () => {
  it("--out streams history.csv: the same bytes as the kept history's, no temporary left behind", async () => {
    const args = ['train', '--steps', '150', '--batch-size', '8', '--eval-every', '7', '--hidden', '4'];
    const kept = join(tmp, 'kept');
    const streamed = join(tmp, 'streamed');
    expect((await runCli(...args, '--out', kept, '--json')).code).toBe(0);
    const r = await runCli(...args, '--out', streamed);
    expect(r.code).toBe(0);
    // (ECharts numbers its style classes per rendering: compare the drawings without those.)
    const text = (dir: string, file: string) =>
      readFileSync(join(dir, file), 'utf8').replace(/zr\d+-(cls-)?c?\d+/g, 'zr');
    for (const file of ['history.csv', 'lr.svg', 'loss.svg', 'run.json']) {
      expect(text(streamed, file)).toBe(text(kept, file));
    }
    expect(readdirSync(streamed).filter((f) => f.startsWith('.'))).toEqual([]);
  });

  it('the summary without --json is that of the kept run; --help says --json keeps every step', async () => {
    const json = JSON.parse((await runCli('train', '--steps', '300', '--json')).stdout);
    const r = await runCli('train', '--steps', '300', '--quiet');
    expect(r.stdout).toContain(`last step ${json.loss[299].toPrecision(6)}`);
    expect(r.stdout).toContain(`final lr        ${json.lr[299][0].toPrecision(6)}  (used by the last step)`);
    const help = await runCli('train', '--help');
    expect(help.stdout.replace(/\s+/g, ' ')).toContain('keeps every step in memory');
  });
});

describe('anneal compare: one failing strategy', () => {
  it('is reported as failed, with the reason, in the table, the JSON and the report; the others complete', async () => {
    const args = [
      'compare',
      '--strategies',
      'step, LambdaLR(lr_lambda="1 - epoch/100")',
      '--steps',
      '200',
      '--seeds',
      '1',
    ];
    const json = await runCli(...args, '--samples', '80', '--json', '--out', join(tmp, 'compare-json'));
    expect(json.code).toBe(0);
    const { rows } = JSON.parse(json.stdout);
    expect(rows[0].failed).toEqual([]);
    expect(rows[0].final_loss.n).toBe(1);
    expect(rows[1].final_loss).toBeNull();
    expect(rows[1].failed[0].step).toBe(101);
    expect(rows[1].failed[0].reason).toContain('lr_lambda gives the lr');
    const out = join(tmp, 'compare');
    const table = await runCli(...args, '--samples', '80', '--out', out, '--quiet');
    expect(table.code).toBe(0);
    expect(table.stdout).toContain('(failed: seed 0 at step 101: refused before training: LambdaLR: lr_lambda');
    expect(readFileSync(join(out, 'report.md'), 'utf8')).toContain('failed: seed 0 at step 101');
    expect(readFileSync(join(out, 'report.html'), 'utf8')).toContain('failed: seed 0 at step 101');
    expect(JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')).rows[1].failed[0].step).toBe(101);
  });
});

describe('schedules without a closed form are played through before training', () => {
  it('a hand-written decay beside a scheduler that overflows the lr is refused at step 0', async () => {
    const args = ['--manual-decay', '1:1e10', '--scheduler', 'step', '--step-size', '5', '--steps', '100'];
    const { code, stdout, stderr } = await runCli('train', ...args);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    // lr 0.01 × 1e10 per step passes the largest double (1.8e308) at the 32nd decay.
    expect(stderr).toContain('StepLR with manual_decay: the lr would be Infinity at step 32');
  });

  it('a ChainedScheduler whose lambda turns the lr negative is refused before training', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'anneal-chained-'));
    const config = join(dir, 'run.json');
    const scheduler = {
      type: 'ChainedScheduler',
      args: {
        schedulers: [
          { type: 'StepLR', args: { step_size: 10 } },
          { type: 'MultiplicativeLR', args: { lr_lambda: '1 - 2 * floor(epoch / 40)' } },
        ],
      },
    };
    const run = {
      sizes: [2, 3, 2],
      data: { type: 'moons', n_samples: 20 },
      optimizer: { type: 'Adam', groups: [{ lr: 0.01 }] },
      steps: 60,
      scheduler,
    };
    writeFileSync(config, JSON.stringify(run));
    const { code, stderr } = await runCli('train', '--config', config);
    expect(code).toBe(2);
    expect(stderr).toMatch(/ChainedScheduler: the lr would be -[\d.e-]+ at step 40/);
  });
});
