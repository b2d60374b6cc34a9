import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeMoons } from '../../src/data/datasets.ts';
import { runCli } from './run_cli.ts';

const tmp = mkdtempSync(join(tmpdir(), 'anneal-val-'));

/** A CSV of `n` moons points (x0, x1, label). */
function moonsCsv(name: string, n: number, seed: number): string {
  const d = makeMoons({ nSamples: n, noise: 0.25, seed });
  const rows = Array.from({ length: n }, (_, i) => `${d.xF64![2 * i]},${d.xF64![2 * i + 1]},${d.y[i]}`);
  const path = join(tmp, name);
  writeFileSync(path, `x0,x1,label\n${rows.join('\n')}\n`);
  return path;
}

describe('anneal train: held-out data and early stopping', () => {
  it('--val-split holds out a stratified part: --json evals and the result carry val_loss, val_accuracy', async () => {
    const { code, stdout, stderr } = await runCli(
      'train',
      '--samples',
      '40',
      '--steps',
      '30',
      '--eval-every',
      '10',
      '--val-split',
      '0.25',
      '--json',
    );
    expect(code, stderr).toBe(0);
    const run = JSON.parse(stdout);
    expect(run.validation).toEqual({ val_split: 0.25 });
    expect(run.evals.map((e: { step: number }) => e.step)).toEqual([0, 10, 20, 30]);
    for (const e of run.evals) expect(Object.keys(e)).toEqual(['step', 'loss', 'accuracy', 'val_loss', 'val_accuracy']);
    expect(run.final_val_loss).toBe(run.evals[3].val_loss);
    expect(run.batch_sizes[0]).toBe(30); // 40 rows less 10 held out
    // The result fed back reruns the same run.
    const again = await runCli('train', '--config', write('again.json', run), '--json');
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout).loss).toEqual(run.loss);
  });

  it('--early-stopping PATIENCE stops on val_loss, restores the best weights and says so', async () => {
    const args = ['--samples', '80', '--hidden', '32', '--lr', '0.05', '--steps', '2000', '--eval-every', '20'];
    const { code, stdout } = await runCli('train', ...args, '--val-split', '0.25', '--early-stopping', '5', '--json');
    expect(code).toBe(0);
    const run = JSON.parse(stdout);
    expect(run.early_stopping).toEqual({
      patience: 5,
      min_delta: 0,
      monitor: 'val_loss',
      mode: 'auto',
      restore_best_weights: true,
      start_from_epoch: 0,
    });
    expect(run.eval_every).toBe(20);
    const stop = run.early_stop;
    expect(stop.stopped_step).toBeLessThan(2000);
    expect(run.loss).toHaveLength(stop.stopped_step);
    // Keras's rule on the recorded val_loss: the best, then 5 evaluations without improvement.
    const vals: { step: number; val_loss: number }[] = run.evals.filter((e: { step: number }) => e.step > 0);
    const best = vals.reduce((a, e) => (e.val_loss < a.val_loss ? e : a));
    expect(stop.best_step).toBe(best.step);
    expect(stop.stopped_step).toBe(best.step + 5 * 20);
    expect(stop.restored_step).toBe(best.step);
    expect(run.final_val_loss).toBe(best.val_loss);
    const text = await runCli('train', ...args, '--val-split', '0.25', '--early-stopping', '5');
    expect(text.stdout).toContain(
      `early stopping  stopped at step ${stop.stopped_step} of 2000; best val_loss ${best.val_loss.toPrecision(6)} ` +
        `at step ${best.step}; weights of step ${best.step} restored`,
    );
    expect(text.stdout).toMatch(/val loss {8}\d\.\d+ {2}\(held-out set; accuracy \d+\.\d %\)/);
  });

  it('--val-data FILE evaluates a held-out CSV beside --data; history.csv gets val columns', async () => {
    const train = moonsCsv('train.csv', 30, 1);
    const held = moonsCsv('held.csv', 25, 2);
    const out = join(tmp, 'out');
    const { code, stderr } = await runCli(
      'train',
      '--data',
      train,
      '--val-data',
      held,
      '--steps',
      '20',
      '--eval-every',
      '5',
      '--out',
      out,
    );
    expect(code, stderr).toBe(0);
    const lines = readFileSync(join(out, 'history.csv'), 'utf8').trim().split('\n');
    expect(lines[0]).toBe('step,lr,beta1,batch_size,loss,dataset_loss,accuracy,val_loss,val_accuracy');
    const cells = (line: string) => line.split(',');
    expect(cells(lines[1])).toHaveLength(9);
    expect(cells(lines[1])[7]).not.toBe(''); // step 0 is evaluated
    expect(cells(lines[2]).slice(5)).toEqual(['', '', '', '']);
    expect(cells(lines[21])[0]).toBe('20');
    expect(cells(lines[21])[7]).not.toBe('');
    const runJson = JSON.parse(readFileSync(join(out, 'run.json'), 'utf8'));
    expect(runJson.validation).toEqual({ type: 'csv', path: held });
    // The training numbers are those of the run without the held-out set.
    const a = await runCli('train', '--data', train, '--steps', '20', '--json');
    const b = await runCli('train', '--data', train, '--val-data', held, '--steps', '20', '--json');
    expect(JSON.parse(b.stdout).loss).toEqual(JSON.parse(a.stdout).loss);
    expect(JSON.parse(b.stdout).final).toEqual(JSON.parse(a.stdout).final);
  });

  it('--scheduler plateau watches val_loss with a held-out set (or --plateau-metric)', async () => {
    const base = ['--samples', '40', '--steps', '40', '--eval-every', '10', '--scheduler', 'plateau', '--json'];
    const run = JSON.parse((await runCli('train', ...base, '--val-split', '0.25')).stdout);
    expect(run.plateau_metric).toBe('val_loss');
    expect(run.eval_every).toBe(10);
    const onLoss = JSON.parse(
      (await runCli('train', ...base, '--val-split', '0.25', '--plateau-metric', 'loss')).stdout,
    );
    expect(onLoss.plateau_metric).toBe('loss');
    expect(onLoss.eval_every).toBeUndefined();
    const none = JSON.parse((await runCli('train', ...base)).stdout);
    expect(none.plateau_metric).toBeNull();
  });

  it('refuses what cannot work, naming the flags', async () => {
    const cases: [string[], string][] = [
      [
        ['--early-stopping', '3'],
        '--early-stopping 3 watches val_loss: give a held-out set with --val-split FRACTION (0.2, say) or ' +
          '--val-data FILE',
      ],
      [['--val-split', '1'], "option '--val-split <fraction>' argument '1' is invalid. expected a fraction in (0, 1)"],
      [['--val-split', '0.2', '--val-data', 'x.csv'], '--val-split and --val-data are two ways to give a held-out set'],
      [['--plateau-metric', 'val_loss'], '--plateau-metric only applies with --scheduler plateau'],
      [
        ['--scheduler', 'plateau', '--plateau-metric', 'val_loss'],
        '--plateau-metric val_loss watches the held-out set',
      ],
      [['--val-data', join(tmp, 'missing.csv')], 'missing.csv'],
    ];
    for (const [args, message] of cases) {
      const { code, stderr } = await runCli('train', '--steps', '5', ...args);
      expect(code, args.join(' ')).toBe(2);
      expect(stderr).toContain(message);
    }
    const config = write('es.json', {
      sizes: [2, 3, 2],
      data: { type: 'moons' },
      optimizer: { type: 'Adam', groups: [{ lr: 0.01 }] },
      steps: 20,
      validation: { val_split: 0.25 },
      early_stopping: { patience: 1 },
      eval_every: 5,
    });
    const clash = await runCli('train', '--config', config, '--eval-every', '4');
    expect(clash.code).toBe(2);
    expect(clash.stderr).toContain("eval_every: the run's early stopping counts evaluations every 5 steps");
    const flagged = await runCli('train', '--config', config, '--val-split', '0.3');
    expect(flagged.stderr).toContain('--config cannot be combined with --val-split');
  });
});

function write(name: string, value: unknown): string {
  const path = join(tmp, name);
  writeFileSync(path, JSON.stringify(value));
  return path;
}
