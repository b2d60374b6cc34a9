import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, parseRunConfig, type RunConfigInput } from '../../src/config/run_config.ts';
import { parseCsv } from '../../src/data/csv.ts';
import { makeBlobs, makeMoons } from '../../src/data/datasets.ts';
import { DataLoader } from '../../src/data/loader.ts';
import { toDataset } from '../../src/data/validate.ts';
import { compileExpression } from '../../src/expr/compile.ts';
import { StepLR } from '../../src/lr_scheduler/index.ts';
import { MLP } from '../../src/nn/models.ts';
import { ValidationError } from '../../src/params/error.ts';
import { batchScheduleType } from '../../src/train/batch_schedule.ts';
import { prepareRun } from '../../src/train/run.ts';
import { runCli } from '../cli/run_cli.ts';

/** The ValidationError `run` throws (failing the test when it throws anything else, or nothing). */
function refusal(run: () => unknown): ValidationError {
  try {
    run();
  } catch (err) {
    expect(err).toBeInstanceOf(ValidationError);
    expect(err).toBeInstanceOf(Error);
    return err as ValidationError;
  }
  throw new Error('expected a ValidationError, nothing was thrown');
}

const runConfig: RunConfigInput = {
  seed: 0,
  sizes: [2, 4, 2],
  activation: 'tanh',
  data: { type: 'moons', n_samples: 20, noise: 0.1, seed: 0 },
  optimizer: { type: 'SGD', groups: [{ lr: 0.1 }] },
  steps: 2,
};

describe('ValidationError: every refusal of user input, across the library', () => {
  it('a dataset argument', () => {
    const e = refusal(() => makeMoons({ nSamples: 0 }));
    expect(e).toMatchObject({ where: 'makeMoons', param: 'nSamples', got: 0 });
    expect(e.message).toBe('makeMoons: nSamples must be an integer >= 1, got 0');

    const pair = refusal(() => makeMoons({ nSamples: [0, 0] }));
    expect(pair).toMatchObject({ param: 'nSamples', got: [0, 0] });
    expect(pair.message).toBe('makeMoons: nSamples must add up to at least 1, got [0, 0]');

    const box = refusal(() => makeBlobs({ centerBox: [1, 0] }));
    expect(box).toMatchObject({ where: 'makeBlobs', param: 'centerBox', got: [1, 0] });

    expect(refusal(() => new DataLoader({ nSamples: 10 }, { batchSize: 0 }))).toMatchObject({
      where: 'DataLoader',
      param: 'batchSize',
      got: 0,
    });
    expect(refusal(() => toDataset([[1, 2]], [-1]))).toMatchObject({ where: 'toDataset', param: 'y[0]', got: -1 });
  });

  it('a CSV', () => {
    const e = refusal(() => parseCsv('x1,x2,label\n0.5,abc,1\n'));
    expect(e.name).toBe('CsvParseError');
    expect(e).toMatchObject({ where: 'parseCsv', param: 'x2', got: 'abc' });
    expect(e.message).toBe('parseCsv: line 2, column 2 ("x2"): "abc" is not a number');

    expect(refusal(() => parseCsv('a;b\n1;0\n', { delimiter: ';;' }))).toMatchObject({
      param: 'delimiter',
      got: ';;',
    });
    expect(refusal(() => parseCsv(''))).toMatchObject({ param: 'text' });
  });

  it('a model input of the wrong width', () => {
    const model = new MLP({ sizes: [2, 3, 2], seed: 0 });
    try {
      const row = refusal(() => model.forward([[1, 2, 3]]));
      expect(row).toMatchObject({ where: 'MLP.forward', param: 'x[0]', got: [1, 2, 3] });
      expect(row.message).toBe('x: row 0 has 3 features; the model takes 2');

      const matrix = refusal(() => model.predict({ rows: 1, cols: 3, data: new Float32Array(3) }));
      expect(matrix).toMatchObject({ where: 'MLP.predict', param: 'x', got: 3 });

      const label = refusal(() => model.getLoss([[1, 2]], [5]));
      expect(label).toMatchObject({ where: 'MLP.getLoss', param: 'y[0]', got: 5 });

      expect(refusal(() => new MLP({ sizes: [2] }))).toMatchObject({ where: 'MLP', param: 'sizes', got: [2] });
    } finally {
      model.dispose();
    }
  });

  it('a run config', () => {
    const schema = refusal(() => parseRunConfig({ ...runConfig, steps: -1 }));
    expect(schema).toBeInstanceOf(ConfigError);
    expect(schema.param).toBe('steps');

    // The config is well formed, but its model does not fit its data.
    const e = refusal(() => prepareRun(parseRunConfig({ ...runConfig, sizes: [3, 4, 2] })));
    expect(e).toBeInstanceOf(ConfigError);
    expect(e.param).toBe('sizes[0]');
    expect(e.message).toMatch(/^sizes\[0\]: the data has 2 features/);

    const schedule = refusal(() => batchScheduleType('hexagonal'));
    expect(schedule).toMatchObject({ where: 'batchScheduleType', param: 'type', got: 'hexagonal' });
  });

  it('a scheduler option and a scheduler state dict', () => {
    const optimizer = { paramGroups: [{ lr: 0.1 }] };
    const option = refusal(() => new StepLR(optimizer, { stepSize: 0 }));
    expect(option).toMatchObject({ where: 'StepLR', param: 'stepSize', got: 0 });

    const scheduler = new StepLR(optimizer, { stepSize: 3 });
    const state = scheduler.stateDict();
    const loaded = refusal(() => scheduler.loadStateDict({ ...state, step_size: 'three' }));
    expect(loaded.where).toBe('StepLR.loadStateDict');
    expect(loaded.param).toMatch(/^step_?size$/i);
    expect(loaded.got).toBe('three');
  });

  it('an expression', () => {
    const e = refusal(() => compileExpression(42 as unknown as string));
    expect(e).toMatchObject({ where: 'compileExpression', param: 'source', got: 42 });
    expect(refusal(() => compileExpression('1 +'))).toMatchObject({ param: 'expression', got: '1 +' });
  });

  it('the CLI prints a refusal as one line, without a stack trace, and exits 2', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'anneal-validation-'));
    try {
      const file = join(dir, 'schedule.json');
      const spec = {
        optimizer: { type: 'SGD', groups: [{ lr: 0.1 }] },
        scheduler: { type: 'StepLR', args: { step_size: 0 } },
        steps: 3,
      };
      writeFileSync(file, JSON.stringify(spec));
      const { code, stdout, stderr } = await runCli('schedule', '--config', file, '--json');
      expect(code).toBe(2);
      expect(stdout).toBe('');
      expect(stderr).toMatch(/^anneal schedule: error: .*step_size.*0/);
      expect(stderr.trimEnd().split('\n')).toHaveLength(1);
      expect(stderr).not.toMatch(/\n\s+at /);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
