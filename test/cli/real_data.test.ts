// Issue 13 part 6 on the command line: --dataset iris|digits|diabetes (and their run-config specs), CSV
// regression (--target-columns, --task), the run's feature scaler (--scale, `scaler`) fitted on the training rows
// only and saved with the run, resumed bit for bit; and the README's digits example, run as printed, printing
// the README's numbers (so the docs cannot drift).

import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadDiabetes, loadIris } from '../../src/data/real_datasets.ts';
import { MinMaxScaler, StandardScaler } from '../../src/data/scalers.ts';
import { trainValSplit } from '../../src/data/split.ts';
import { readSafetensors } from '../../src/io/safetensors.ts';
import { runCli } from './run_cli.ts';

const tmp = mkdtempSync(join(tmpdir(), 'anneal-real-data-'));
let serial = 0;
const fresh = (name: string) => join(tmp, `${name}-${serial++}`);

const json = async (...args: string[]) => {
  const { code, stdout, stderr } = await runCli('train', ...args, '--json');
  expect(stderr).toBe('');
  expect(code).toBe(0);
  return JSON.parse(stdout);
};

const refused = async (...args: string[]) => {
  const { code, stderr } = await runCli(...args);
  expect(code).not.toBe(0);
  return stderr;
};

const configFile = (config: object) => {
  const file = `${fresh('config')}.json`;
  writeFileSync(file, JSON.stringify(config));
  return file;
};

/** A CSV file of `rows` under `header`. */
const csvFile = (header: string, rows: number[][]) => {
  const file = `${fresh('data')}.csv`;
  writeFileSync(file, `${header}\n${rows.map((r) => r.join(',')).join('\n')}\n`);
  return file;
};

// 12 rows: features a, b (b constant), a float target y1 = 2a + 1, y2 = -a, and a class label.
const rows = Array.from({ length: 12 }, (_, i) => [i / 4, 3, 2 * (i / 4) + 1, -i / 4, i % 2]);

describe('--dataset iris, digits, diabetes', () => {
  it('iris: 4 features in, 3 classes out', async () => {
    const run = await json('--dataset', 'iris', '--hidden', '8', '--steps', '5');
    expect(run.sizes).toEqual([4, 8, 3]);
    expect(run.data).toEqual({ type: 'iris' });
    expect(run.criterion).toBeUndefined();
    expect(run.final_accuracy).toBeGreaterThan(0);
  });

  it('digits: 64 features in, 10 classes out; n_class in a run config', async () => {
    const run = await json('--dataset', 'digits', '--hidden', '4', '--steps', '2');
    expect(run.sizes).toEqual([64, 4, 10]);
    expect(run.data).toEqual({ type: 'digits', n_class: 10 });
    const three = await json(
      '--config',
      configFile({
        sizes: [64, 4, 3],
        data: { type: 'DIGITS', n_class: 3 },
        optimizer: { type: 'Adam', groups: [{ lr: 0.01 }] },
        steps: 2,
      }),
    );
    expect(three.data).toEqual({ type: 'digits', n_class: 3 });
    const wide = configFile({
      sizes: [64, 4, 2],
      data: { type: 'digits', n_class: 3 },
      optimizer: { type: 'Adam' },
      steps: 1,
    });
    expect(await refused('train', '--config', wide)).toMatch(/labels up to 2/);
    const bad = configFile({
      sizes: [64, 3],
      data: { type: 'digits', n_class: 11 },
      optimizer: { type: 'Adam' },
      steps: 1,
    });
    expect(await refused('train', '--config', bad)).toMatch(/data\.n_class/);
  });

  it('diabetes: a regression, MSELoss by default, one output; scaled: false in a run config', async () => {
    const run = await json('--dataset', 'diabetes', '--hidden', '4', '--steps', '3', '--val-split', '0.2');
    expect(run.sizes).toEqual([10, 4, 1]);
    expect(run.criterion).toEqual({ type: 'MSELoss', args: {} });
    expect(run.final_accuracy).toBeNull();
    expect(run.final_mse).toBeGreaterThan(0);
    expect(run.final_val_loss).toBeGreaterThan(0);
    const raw = await json(
      '--config',
      configFile({
        sizes: [10, 4, 1],
        data: { type: 'diabetes', scaled: false },
        optimizer: { type: 'Adam' },
        steps: 2,
      }),
    );
    // No criterion in the config: MSELoss on regression data, written into the run's config.
    expect(raw.criterion).toEqual({ type: 'MSELoss' });
    expect(raw.data).toEqual({ type: 'diabetes', scaled: false });
    const huber = await json('--dataset', 'diabetes', '--loss', 'huber', '--steps', '1');
    expect(huber.criterion.type).toBe('HuberLoss');
  });

  it('refuses a classification loss on regression data, unknown names, and flags that do not apply', async () => {
    expect(await refused('train', '--dataset', 'diabetes', '--loss', 'cross-entropy')).toMatch(
      /--loss CrossEntropyLoss: --dataset diabetes is a regression dataset .*leave --loss out for MSELoss/,
    );
    expect(await refused('train', '--dataset', 'mnist')).toMatch(/--dataset.*mnist/);
    const unknown = configFile({ sizes: [2, 2], data: { type: 'mnist' }, optimizer: { type: 'Adam' }, steps: 1 });
    expect(await refused('train', '--config', unknown)).toMatch(/data\.type/);
    expect(await refused('train', '--dataset', 'iris', '--samples', '10')).toMatch(
      /--samples do not apply to --dataset iris/,
    );
    expect(await refused('train', '--target-columns', 'a')).toMatch(/--target-columns only apply with --data/);
    expect(await refused('compare', '--dataset', 'diabetes', '--out', fresh('cmp'))).toMatch(
      /diabetes is a regression dataset .*anneal compare trains classifiers/,
    );
  });

  it('anneal compare takes iris and digits', async () => {
    const { code, stdout, stderr } = await runCli(
      'compare',
      ...['--dataset', 'iris', '--steps', '5', '--seeds', '1', '--out', fresh('cmp'), '--json'],
    );
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const { settings, rows } = JSON.parse(stdout);
    expect(JSON.stringify(settings)).toContain('"iris"');
    expect(rows.length).toBeGreaterThan(1);
  });

  it('--help says a regression defaults to MSELoss', async () => {
    const { stdout } = await runCli('train', '--help');
    expect(stdout.replace(/\s+/g, ' ')).toMatch(
      /diabetes \(10 features, a regression target: the loss defaults to MSELoss\)/,
    );
    expect(stdout).toMatch(/--scale <scaler>/);
  });
});

describe('CSV regression: --target-columns, --task, target_columns and task', () => {
  const header = 'a,b,y1,y2,label';
  it('several target columns: a regression with one output per target', async () => {
    const file = csvFile(header, rows);
    const run = await json('--data', file, '--target-columns', 'y1,y2', '--hidden', '3', '--steps', '2');
    expect(run.sizes).toEqual([3, 3, 2]); // a, b and label are the features
    expect(run.data).toEqual({ type: 'csv', path: file, target_columns: ['y1', 'y2'] });
    expect(run.criterion.type).toBe('MSELoss');
    const byIndex = await json('--data', file, '--target-columns', '2', '--task', 'regression', '--steps', '2');
    expect(byIndex.sizes).toEqual([4, 3, 1]);
    expect(byIndex.data).toEqual({ type: 'csv', path: file, target_columns: 2, task: 'regression' });
    const label = await json('--data', file, '--target-columns', 'label', '--task', 'classification', '--steps', '1');
    expect(label.sizes).toEqual([4, 3, 2]);
    const viaConfig = await json(
      '--config',
      configFile({
        sizes: [4, 2, 1],
        data: { type: 'csv', path: file, target_columns: 'y1', task: 'regression' },
        optimizer: { type: 'Adam' },
        steps: 2,
      }),
    );
    expect(viaConfig.criterion).toEqual({ type: 'MSELoss' });
  });

  it('refuses a target column that does not exist, and a bad --task', async () => {
    const file = csvFile(header, rows);
    expect(await refused('train', '--data', file, '--target-columns', 'y9', '--task', 'regression')).toMatch(/y9/);
    expect(await refused('train', '--data', file, '--target-columns', '7', '--task', 'regression')).toMatch(/7/);
    expect(await refused('train', '--data', file, '--task', 'clustering')).toMatch(/--task.*clustering/);
  });
});

describe('--scale and scaler: fitted on the training rows only, saved with the run', () => {
  it('--scale standard after --val-split is StandardScaler().fit(the training rows)', async () => {
    const run = await json('--dataset', 'iris', '--scale', 'standard', '--val-split', '0.2', '--steps', '3');
    expect(run.scaler).toEqual({ type: 'StandardScaler' });
    const train = trainValSplit(loadIris(), { valSplit: 0.2, seed: 0 }).train;
    const expected = new StandardScaler().fitDataset(train).stateDict();
    expect(run.scaler_state).toEqual(expected);
    expect(run.scaler_state.n_samples_seen).toBe(120);
    const whole = new StandardScaler().fitDataset(loadIris()).stateDict();
    expect(run.scaler_state.mean).not.toEqual(whole.mean);
    // Feeding --json's output back reruns the run (scaler_state is a result key, ignored).
    const again = await json('--config', configFile(run));
    expect(again.final).toEqual(run.final);
  });

  it('scaler in a run config: MinMaxScaler with sklearn arguments, on diabetes', async () => {
    const run = await json(
      '--config',
      configFile({
        sizes: [10, 3, 1],
        data: { type: 'diabetes', scaled: false },
        scaler: { type: 'minmaxscaler', args: { feature_range: [-1, 1] } },
        validation: { val_split: 0.25, seed: 3 },
        optimizer: { type: 'Adam' },
        steps: 2,
      }),
    );
    expect(run.scaler).toEqual({ type: 'MinMaxScaler', args: { feature_range: [-1, 1] } });
    const train = trainValSplit(loadDiabetes({ scaled: false }), { valSplit: 0.25, seed: 3 }).train;
    expect(run.scaler_state).toEqual(new MinMaxScaler({ featureRange: [-1, 1] }).fitDataset(train).stateDict());
    const bad = configFile({
      sizes: [4, 3],
      data: { type: 'iris' },
      scaler: { type: 'RobustScaler' },
      optimizer: {},
      steps: 1,
    });
    expect(await refused('train', '--config', bad)).toMatch(/scaler\.type/);
  });

  it('a constant column scales as scikit-learn: scale 1', async () => {
    const file = csvFile(
      'a,b,label',
      rows.map((r) => [r[0], r[1], r[4]]),
    );
    const standard = await json('--data', file, '--scale', 'standard', '--steps', '2');
    expect(standard.scaler_state.scale[1]).toBe(1);
    expect(standard.scaler_state.var[1]).toBe(0);
    expect(standard.scaler_state.mean[1]).toBe(3);
    const minmax = await json('--data', file, '--scale', 'minmax', '--steps', '2');
    expect(minmax.scaler_state.scale[1]).toBe(1);
    expect(minmax.scaler_state.data_range[1]).toBe(0);
    expect(Number.isFinite(minmax.final_loss)).toBe(true);
  });

  it('refuses a bad --scale, and --scale with --config', async () => {
    expect(await refused('train', '--scale', 'robust')).toMatch(/--scale.*robust/);
    const file = configFile({ sizes: [4, 3], data: { type: 'iris' }, optimizer: { type: 'Adam' }, steps: 1 });
    expect(await refused('train', '--config', file, '--scale', 'standard')).toMatch(/--config cannot be combined/);
  });

  it('--out writes scaler.json and anneal.scaler in model.safetensors', async () => {
    const out = fresh('out');
    const { code, stderr } = await runCli(
      'train',
      '--dataset',
      'iris',
      '--scale',
      'minmax',
      '--steps',
      '3',
      '--out',
      out,
    );
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const state = JSON.parse(readFileSync(join(out, 'scaler.json'), 'utf8'));
    expect(state).toEqual(new MinMaxScaler().fitDataset(loadIris()).stateDict());
    const weights = readSafetensors(readFileSync(join(out, 'model.safetensors')));
    expect(JSON.parse(weights.metadata!['anneal.scaler'])).toEqual(state);
    expect(MinMaxScaler.fromStateDict(state).stateDict()).toEqual(state);
    // Without a scaler: no scaler.json, no anneal.scaler.
    const plain = fresh('out');
    expect((await runCli('train', '--steps', '3', '--out', plain)).code).toBe(0);
    expect(readdirSync(plain)).not.toContain('scaler.json');
    expect(readSafetensors(readFileSync(join(plain, 'model.safetensors'))).metadata!['anneal.scaler']).toBeUndefined();
  });

  it('resumes with the same scaler, bit for bit', async () => {
    const args = ['--dataset', 'iris', '--scale', 'standard', '--val-split', '0.2', '--batch-size', '16'];
    const straight = await json(...args, '--steps', '60');
    const dir = fresh('ckpt');
    const first = await json(...args, '--steps', '30', '--checkpoint-every', '30', '--checkpoint-dir', dir);
    expect(first.loss).toEqual(straight.loss.slice(0, 30));
    const rest = await json('--resume', dir, '--steps', '60');
    expect(rest.start_step).toBe(30);
    expect(rest.loss).toEqual(straight.loss.slice(30));
    expect(rest.final).toEqual(straight.final);
    expect(rest.final_val_loss).toBe(straight.final_val_loss);
    expect(rest.scaler_state).toEqual(straight.scaler_state);
    const checkpoint = readSafetensors(readFileSync(join(dir, readdirSync(dir)[0])));
    expect(JSON.parse(checkpoint.metadata!['anneal.extra']).scaler).toEqual(straight.scaler_state);
  });
});

describe("README's digits example", () => {
  const whole = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const start = whole.indexOf('### Real data: digits');
  const readme = whole.slice(start, whole.indexOf('\n#', start + 10));
  const commands = [...readme.matchAll(/^npx anneal (train --dataset digits.*)$/gm)].map((m) => m[1].split(' '));
  const table = [...readme.matchAll(/^\| (CosineAnnealingLR\(T_max=2000\)|constant lr 0\.01) \| (.*) \|$/gm)].map((m) =>
    m[2].split(' | '),
  );

  it('is found: two commands and their rows', () => {
    expect(commands).toHaveLength(2);
    expect(table).toHaveLength(2);
  });

  it('prints the README numbers', async () => {
    for (const [i, command] of commands.entries()) {
      const { code, stdout } = await runCli(...command, '--quiet');
      expect(code).toBe(0);
      const [trainAccuracy, valLoss, valAccuracy] = table[i];
      expect(stdout).toContain(`  accuracy        ${trainAccuracy}\n`);
      expect(stdout).toContain(`  val loss        ${valLoss}  (held-out set; accuracy ${valAccuracy})\n`);
      expect(stdout).toContain('MLP 64-32-10');
    }
  });
});
