import { describe, expect, it } from 'vitest';
import { parseRunConfig, type RunConfigInput } from '../../src/config/run_config.ts';
import { loadDigits, loadIris } from '../../src/data/real_datasets.ts';
import { StandardScaler } from '../../src/data/scalers.ts';
import { trainValSplit } from '../../src/data/split.ts';
import { readCheckpoint } from '../../src/train/checkpoint.ts';
import { prepareRun, type PreparedRun, runTraining, saveRunCheckpoint } from '../../src/train/run.ts';

// A run config's `scaler`: fitted on the training rows only (after the val_split), applied to both sets before
// training; its state goes into checkpoints, and a resumed run must fit the same one.

const config = (extra: Partial<RunConfigInput> = {}) =>
  parseRunConfig({
    sizes: [4, 5, 3],
    data: { type: 'iris' },
    scaler: { type: 'StandardScaler' },
    validation: { val_split: 0.2, seed: 4 },
    optimizer: { type: 'Adam', groups: [{ lr: 0.01 }] },
    batch_size: 16,
    steps: 20,
    seed: 1,
    ...extra,
  });

const dispose = (run: PreparedRun) => {
  run.trainer.dispose();
  run.optimizer.dispose();
  run.model.dispose();
};

describe('a run config with a scaler', () => {
  it('fits the training rows only and scales the held-out rows with their statistics', () => {
    const run = prepareRun(config());
    try {
      const split = trainValSplit(loadIris(), { valSplit: 0.2, seed: 4 });
      const reference = new StandardScaler().fitDataset(split.train);
      expect(run.scaler!.stateDict()).toEqual(reference.stateDict());
      expect(run.data.x).toEqual(reference.transformDataset(split.train).x);
      expect(run.heldOut!.x).toEqual(reference.transformDataset(split.val).x);
      expect(run.data.y).toEqual(split.train.y);
    } finally {
      dispose(run);
    }
  });

  it('without a scaler, the data are as they are', () => {
    const run = prepareRun(config({ scaler: null }));
    try {
      expect(run.scaler).toBeNull();
      expect(run.data.x).toEqual(trainValSplit(loadIris(), { valSplit: 0.2, seed: 4 }).train.x);
    } finally {
      dispose(run);
    }
  });

  it('keeps its state in checkpoints; a resumed run with another scaler state is refused', () => {
    const run = prepareRun(config());
    let bytes: Uint8Array;
    try {
      bytes = saveRunCheckpoint(run);
    } finally {
      dispose(run);
    }
    const checkpoint = readCheckpoint(bytes);
    expect(checkpoint.extra?.scaler).toEqual(runTraining(config({ steps: 0 })).scaler);
    const other = { ...checkpoint, extra: { scaler: { ...(checkpoint.extra!.scaler as object), n_samples_seen: 1 } } };
    expect(() => runTraining(config(), { resume: other })).toThrow(/scaler: the checkpoint's scaler/);
    expect(runTraining(config(), { resume: checkpoint }).final).toEqual(runTraining(config()).final);
  });

  it('scales digits, which have constant pixels (scale 1, as scikit-learn)', () => {
    const result = runTraining(
      config({ sizes: [64, 8, 10], data: { type: 'digits' }, validation: null, steps: 3, batch_size: null }),
    );
    const reference = new StandardScaler().fitDataset(loadDigits()).stateDict();
    expect(result.scaler).toEqual(reference);
    expect(result.scaler!.scale![0]).toBe(1); // the top-left pixel is always 0
  });
});
