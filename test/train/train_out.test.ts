import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadModelFile } from '../../src/io/model_file_node.ts';
import { runCli } from '../cli/run_cli.ts';

const tmp = mkdtempSync(join(tmpdir(), 'anneal-out-'));

function csvRows(text: string): Record<string, string>[] {
  const [head, ...lines] = text.trimEnd().split('\n');
  const cols = head.split(',');
  return lines.map((l) => Object.fromEntries(l.split(',').map((v, i) => [cols[i], v])));
}

function pngSize(bytes: Buffer): { width: number; height: number } {
  expect(bytes.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
  return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
}

function snapshot(dir: string): Record<string, string> {
  return Object.fromEntries(
    readdirSync(dir)
      .sort()
      .map((f) => [f, readFileSync(join(dir, f)).toString('base64')]),
  );
}

describe('anneal train --out', () => {
  it(
    'writes the lr and loss curves, the decision boundary, ' + 'history.csv and run.json; history.csv holds the run',
    async () => {
      const out = join(tmp, 'lesson');
      const { code, stdout } = await runCli('train', '--steps', '200', '--eval-every', '7', '--out', out, '--json');
      expect(code).toBe(0);
      const run = JSON.parse(stdout); // --json: the output is only JSON
      expect(readdirSync(out).sort()).toEqual([
        'boundary.svg',
        'history.csv',
        'loss.svg',
        'lr.svg',
        'model.safetensors',
        'run.json',
      ]);
      // The trained model, as loadModelFile rebuilds it: the run's final weights, bit for bit.
      const model = loadModelFile(join(out, 'model.safetensors'));
      expect(model.layerWeights()).toEqual(run.final);
      const rows = csvRows(readFileSync(join(out, 'history.csv'), 'utf8'));
      expect(Object.keys(rows[0])).toEqual(['step', 'lr', 'beta1', 'batch_size', 'loss', 'dataset_loss', 'accuracy']);
      expect(rows.length).toBe(201);
      for (let i = 0; i < 200; i++) {
        expect(Number(rows[i].step)).toBe(i);
        expect(Number(rows[i].lr)).toBe(run.lr[i][0]);
        expect(Number(rows[i].beta1)).toBe(run.momentum[i][0]);
        expect(Number(rows[i].batch_size)).toBe(20);
        expect(Number(rows[i].loss)).toBe(run.loss[i]);
        if (i % 7 === 0) {
          // Full batch: the whole dataset's loss with step i's weights is step i's training loss.
          expect(Number(rows[i].dataset_loss)).toBe(run.loss[i]);
          expect(Number(rows[i].accuracy)).toBe(run.evals[i / 7].accuracy);
        } else {
          expect(rows[i].dataset_loss).toBe('');
        }
      }
      expect(rows[200]).toEqual({
        step: '200',
        lr: '',
        beta1: '',
        batch_size: '',
        loss: '',
        dataset_loss: String(run.final_loss),
        accuracy: String(run.final_accuracy),
      });
      expect(run.lr[199][0]).toBeCloseTo(0.01 * 0.99 ** 3, 15);
      const svg = readFileSync(join(out, 'lr.svg'), 'utf8');
      expect(svg).toMatch(/^<svg[^>]*width="800" height="420"/);
      expect(svg).toContain('Learning rate per step — Adam, StepLR(step_size=50, gamma=0.99)');
      expect(readFileSync(join(out, 'boundary.svg'), 'utf8')).toContain('Decision boundary after 200 steps');
    },
  );

  it('run.json is the run config, seed included: anneal train --config reruns the run', async () => {
    const out = join(tmp, 'rerun');
    const first = await runCli(
      'train',
      '--dataset',
      'circles',
      '--samples',
      '80',
      '--hidden',
      '6',
      '--optimizer',
      'SGD',
      '--lr',
      '0.2',
      '--momentum',
      '0.9',
      '--scheduler',
      'onecycle',
      '--max-lr',
      '0.3',
      '--total-steps',
      '150',
      '--steps',
      '150',
      '--batch-size',
      '16',
      '--seed',
      '5',
      '--out',
      out,
      '--json',
    );
    expect(first.code).toBe(0);
    const config = JSON.parse(readFileSync(join(out, 'run.json'), 'utf8'));
    expect(config.seed).toBe(5);
    expect(config).not.toHaveProperty('loss');
    const again = await runCli('train', '--config', join(out, 'run.json'), '--json');
    expect(again.code).toBe(0);
    const [a, b] = [JSON.parse(first.stdout), JSON.parse(again.stdout)];
    expect(b.loss).toEqual(a.loss);
    expect(b.final_loss).toBe(a.final_loss);
    // OneCycleLR cycles SGD's momentum: the lr chart then has a momentum line on a second axis.
    expect(readFileSync(join(out, 'lr.svg'), 'utf8')).toContain('>momentum<');
    const rows = csvRows(readFileSync(join(out, 'history.csv'), 'utf8'));
    expect(rows.slice(0, 150).map((r) => Number(r.momentum))).toEqual(a.momentum.map((m: number[]) => m[0]));
  });

  it('--png also writes every chart as PNG, at twice the SVG size', async () => {
    const out = join(tmp, 'png');
    const { code } = await runCli('train', '--steps', '50', '--out', out, '--png', '--quiet');
    expect(code).toBe(0);
    expect(
      readdirSync(out)
        .filter((f) => f.endsWith('.png'))
        .sort(),
    ).toEqual(['boundary.png', 'loss.png', 'lr.png']);
    expect(pngSize(readFileSync(join(out, 'lr.png')))).toEqual({ width: 1600, height: 840 });
  });

  it('--batch-schedule: the batch size per step is in the JSON, history.csv and a chart', async () => {
    const out = join(tmp, 'bs');
    const { code, stdout, stderr } = await runCli(
      'train',
      '--samples',
      '40',
      '--batch-size',
      '4',
      '--batch-schedule',
      'StepBS(step_size=2, gamma=2)',
      '--steps',
      '30',
      '--out',
      out,
      '--json',
    );
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const run = JSON.parse(stdout);
    expect(run.batch_schedule).toEqual({ type: 'StepBS', args: { step_size: 2, gamma: 2 }, interval: 'epoch' });
    // Epochs: 4 (10 steps), 4 (10), 8 (5), 8 (5).
    expect(run.batch_sizes).toEqual([...Array(20).fill(4), ...Array(10).fill(8)]);
    const rows = csvRows(readFileSync(join(out, 'history.csv'), 'utf8'));
    expect(rows.slice(0, 30).map((r) => Number(r.batch_size))).toEqual(run.batch_sizes);
    expect(existsSync(join(out, 'batch_size.svg'))).toBe(true);
    const bad = await runCli(
      'train',
      '--samples',
      '40',
      '--batch-size',
      '4',
      '--batch-schedule',
      'StepBS(step_size=1, gamma=2)',
      '--steps',
      '30',
    );
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain(
      'batch_schedule: StepBS: the batch size at epoch 4 (which starts at training step 18) would be 64 (4 × 16), ' +
        'more than the dataset size 40',
    );
    const syntax = await runCli('train', '--batch-size', '4', '--batch-schedule', 'StepBS(step_size=1 gamma=2)');
    expect(syntax.code).toBe(2);
    expect(syntax.stderr).toContain(
      "--batch-schedule: expected ',' or ')' after the value of 'step_size', found 'g' (at column 20)",
    );
  });

  it('an unwritable --out fails before training, and says which folder', async () => {
    const file = join(tmp, 'a-file');
    writeFileSync(file, 'x');
    const { code, stdout, stderr } = await runCli('train', '--out', join(file, 'sub'));
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toMatch(/--out .*a-file\/sub: cannot create the folder \(ENOTDIR\); give a folder you can write to/);
  });

  it('a NaN stop writes nothing and leaves the earlier outputs as they were', async () => {
    const out = join(tmp, 'nan');
    expect((await runCli('train', '--steps', '30', '--out', out, '--quiet')).code).toBe(0);
    const before = snapshot(out);
    const { code, stderr } = await runCli('train', '--optimizer', 'SGD', '--lr', '1e39', '--steps', '30', '--out', out);
    expect(code).toBe(1);
    expect(stderr).toContain('the loss at step 1 is NaN');
    expect(stderr).toContain(`nothing was written to ${out} (files from earlier runs there are unchanged)`);
    expect(snapshot(out)).toEqual(before);
  });

  it('a decision boundary for data that is not 2-D is a clear error, before anything is written', async () => {
    const csv = join(tmp, 'three.csv');
    writeFileSync(
      csv,
      'a,b,c,label\n' +
        `${Array.from({ length: 30 }, (_, i) => `${i / 10},${(i % 7) / 3},${(i % 5) / 2},${i % 2}`).join('\n')}\n`,
    );
    const out = join(tmp, 'three');
    const forced = await runCli('train', '--data', csv, '--steps', '20', '--out', out, '--boundary');
    expect(forced.code).toBe(2);
    expect(forced.stderr).toContain(
      'decision boundary: the data has 3 features per sample; ' +
        'a decision boundary can only be drawn for 2-D inputs (exactly 2 features)',
    );
    expect(existsSync(out)).toBe(false);
    const auto = await runCli('train', '--data', csv, '--steps', '20', '--out', out, '--quiet');
    expect(auto.code).toBe(0);
    expect(readdirSync(out).sort()).toEqual(['history.csv', 'loss.svg', 'lr.svg', 'model.safetensors', 'run.json']);
    expect(auto.stdout).toContain('(no decision boundary: the data has 3 features, a boundary needs 2)');
    const noOut = await runCli('train', '--png');
    expect(noOut.code).toBe(2);
    expect(noOut.stderr).toContain('--png only apply with --out DIR');
  });

  it('--out leaves no temporary files, and replaces earlier outputs whole', async () => {
    const out = join(tmp, 'twice');
    mkdirSync(out, { recursive: true });
    expect((await runCli('train', '--steps', '20', '--out', out, '--quiet')).code).toBe(0);
    const first = readFileSync(join(out, 'history.csv'), 'utf8');
    expect((await runCli('train', '--steps', '40', '--out', out, '--quiet')).code).toBe(0);
    expect(readdirSync(out).filter((f) => f.includes('.tmp') || f.startsWith('.'))).toEqual([]);
    const second = readFileSync(join(out, 'history.csv'), 'utf8');
    expect(first.trimEnd().split('\n').length).toBe(22);
    expect(second.trimEnd().split('\n').length).toBe(42);
  });
});
