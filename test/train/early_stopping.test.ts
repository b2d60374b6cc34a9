import { afterAll, describe, expect, it } from 'vitest';
import { parseRunConfig, type RunConfigInput } from '../../src/config/run_config.ts';
import { makeMoons } from '../../src/data/datasets.ts';
import { MLP } from '../../src/nn/models.ts';
import { Adam } from '../../src/optim/adam.ts';
import { ValidationError } from '../../src/params/error.ts';
import type { Monitor } from '../../src/train/callbacks.ts';
import { EarlyStopping, type EarlyStoppingOptions } from '../../src/train/early_stopping.ts';
import { runTraining } from '../../src/train/run.ts';
import { Trainer } from '../../src/train/trainer.ts';

// EarlyStopping fed known sequences, its decisions computed by hand from Keras 3's rules
// (keras/src/callbacks/early_stopping.py): the epoch it stops at, and the weights it restores.

const data = makeMoons({ nSamples: 12, noise: 0.2, seed: 0 });
const model = new MLP({ sizes: [2, 2, 2], activation: 'tanh', seed: 0 });
const optimizer = new Adam(model.parameters(), { lr: 0.01 });
const trainer = new Trainer({ model, optimizer, x: data, y: data.y });
afterAll(() => {
  trainer.dispose();
  optimizer.dispose();
  model.dispose();
});

/** The epoch whose weights the model holds (every weight is set to the epoch at that epoch). */
const weightsEpoch = () => model.parameters()[0].data[0];

/**
 * Feeds `values` (one per epoch; epoch e is the evaluation at step 10(e + 1)) as Keras's fit loop would, the
 * weights set to e at epoch e, until it stops (or `stopAt`, another callback's stop). Returns the epochs
 * trained and the epoch of the weights the run ends with.
 */
function feed(options: EarlyStoppingOptions, values: number[], stopAt = -1) {
  const es = new EarlyStopping(options);
  const monitor: Monitor = es.monitor;
  trainer.stopTraining = false;
  for (const p of model.parameters()) p.data.fill(-1);
  es.onTrainBegin();
  // The baseline evaluation at step 0 is not an epoch: whatever it holds changes nothing.
  es.onEvalEnd({ step: 0, loss: -100, accuracy: 100, [monitor]: monitor.includes('loss') ? -100 : 100 }, trainer, {
    epoch: null,
  });
  let trained = 0;
  for (const [epoch, value] of values.entries()) {
    trained++;
    for (const p of model.parameters()) p.data.fill(epoch);
    es.onEvalEnd({ step: 10 * (epoch + 1), loss: Number.NaN, accuracy: Number.NaN, [monitor]: value }, trainer, {
      epoch,
    });
    if (epoch === stopAt) trainer.stopTraining = true;
    if (trainer.stopTraining) break;
  }
  es.onTrainEnd(trainer);
  return { es, trained, weights: weightsEpoch() };
}

describe('EarlyStopping (Keras semantics)', () => {
  it("stops after `patience` epochs without improvement: Keras's own patience cases", () => {
    const losses = [10.0, 9.0, 8.0, 9.0, 8.9, 8.8, 8.7, 8.6, 8.5];
    for (const patience of [0, 1, 2, 3]) {
      const { es, trained } = feed({ monitor: 'loss', patience }, losses);
      // 8.0 at epoch 2 is the best; patience 0 and 1 stop at the first worse epoch (the wait reaches 1).
      expect(es.stoppedEpoch, `patience ${patience}`).toBe(Math.max(patience, 1) + 2);
      expect(es.stoppedStep).toBe(10 * (es.stoppedEpoch! + 1));
      expect(trained).toBe(es.stoppedEpoch! + 1);
      expect(es.best).toBe(8.0);
      expect(es.bestEpoch).toBe(2);
      expect(es.bestStep).toBe(30);
    }
  });

  it('patience 0 stops at the first epoch that does not improve (epoch 0 always improves on Infinity)', () => {
    const { es, trained } = feed({ patience: 0, minDelta: 100 }, [1, 2, 3]);
    // Epoch 0 improves on +Infinity; epoch 1 does not (2 + 100 < 1 is false): wait 1 >= 0 and epoch > 0.
    expect(trained).toBe(2);
    expect(es.stoppedEpoch).toBe(1);
  });

  it('restores the best epoch weights when it stops (patience 2: stops at epoch 4, restores epoch 2)', () => {
    const { es, trained, weights } = feed({ patience: 2, restoreBestWeights: true }, [0.2, 0.15, 0.1, 0.11, 0.12]);
    expect(trained).toBe(5);
    expect(es.stoppedEpoch).toBe(4);
    expect(weights).toBe(2);
    expect(es.restoredStep).toBe(30);
    expect(es.keptPoint).toEqual({ step: 30, loss: Number.NaN, accuracy: Number.NaN, val_loss: 0.1 });
  });

  it('with a baseline nothing beats, runs `patience` epochs and restores the best of them', () => {
    const losses = [0.9, 0.8, 0.7, 0.71, 0.72, 0.73];
    const { es, trained, weights } = feed({ patience: 5, baseline: 0.5, restoreBestWeights: true }, losses);
    // Improvements keep the best (0.7 at epoch 2) but never reset the wait: 5 epochs, stop at epoch 4.
    expect(trained).toBe(5);
    expect(es.stoppedEpoch).toBe(4);
    expect(weights).toBe(2);
  });

  it('restores also when another callback stops the run, and when the run reaches its end (Keras 3)', () => {
    const losses = [0.9, 0.8, 0.7, 0.71, 0.72, 0.73];
    const stopped = feed({ patience: 5, baseline: 0.5, restoreBestWeights: true }, losses, 3);
    expect(stopped.trained).toBe(4);
    expect(stopped.es.stoppedEpoch).toBeNull();
    expect(stopped.weights).toBe(2);
    const ran = feed({ patience: 10, restoreBestWeights: true }, [0.3, 0.1, 0.2, 0.25]);
    expect(ran.trained).toBe(4);
    expect(ran.es.stoppedEpoch).toBeNull();
    expect(ran.weights).toBe(1);
    // Without restoreBestWeights the weights are those of the last epoch.
    expect(feed({ patience: 10 }, [0.3, 0.1, 0.2, 0.25]).weights).toBe(3);
  });

  it('keeps the first watched weights when nothing ever improves (a NaN is never an improvement)', () => {
    const { es, trained, weights } = feed({ patience: 1, restoreBestWeights: true }, [NaN, NaN, NaN]);
    expect(trained).toBe(2);
    expect(es.best).toBe(Infinity);
    expect(es.bestEpoch).toBe(0);
    expect(weights).toBe(0);
    expect(es.summary()).toEqual({
      monitor: 'val_loss',
      best: null,
      best_step: 10,
      stopped_step: 20,
      restored_step: 10,
    });
  });

  it('minDelta: a change smaller than it is no improvement (its absolute value, in either mode)', () => {
    // 1.0 is the best; 0.95 + 0.05 < 1.0 is false: no improvement, wait 1 >= 1 at epoch 1.
    expect(feed({ patience: 1, minDelta: 0.05 }, [1.0, 0.95, 0.9]).es.stoppedEpoch).toBe(1);
    expect(feed({ patience: 1, minDelta: -0.05 }, [1.0, 0.95, 0.9]).es.stoppedEpoch).toBe(1);
    expect(feed({ patience: 1, minDelta: 0.04 }, [1.0, 0.95, 0.94]).es.stoppedEpoch).toBe(2);
    // Max mode: 0.62 - 0.05 > 0.6 is false.
    const acc = feed({ monitor: 'val_accuracy', patience: 1, minDelta: 0.05 }, [0.6, 0.62, 0.7]);
    expect(acc.es.mode).toBe('max');
    expect(acc.es.stoppedEpoch).toBe(1);
  });

  it("mode 'auto' is min for a loss and max for an accuracy; an explicit mode wins", () => {
    expect(new EarlyStopping().mode).toBe('min');
    expect(new EarlyStopping({ monitor: 'accuracy' }).mode).toBe('max');
    expect(new EarlyStopping({ monitor: 'val_accuracy', mode: 'min' }).mode).toBe('min');
    // Accuracy rising: 0.5, 0.6, then 0.6 again is no improvement (patience 1 stops at epoch 2).
    expect(feed({ monitor: 'accuracy', patience: 1 }, [0.5, 0.6, 0.6, 0.9]).es.stoppedEpoch).toBe(2);
  });

  it('startFromEpoch: the first epochs are not watched', () => {
    const { es, trained } = feed({ patience: 0, startFromEpoch: 2 }, [5, 6, 3, 3, 3]);
    // Epochs 0 and 1 are skipped (6 > 5 would have stopped it); 3 at epoch 2 is the best; epoch 3 stops.
    expect(trained).toBe(4);
    expect(es.stoppedEpoch).toBe(3);
    expect(es.bestEpoch).toBe(2);
  });

  it('starts afresh at every fit (an instance can be reused)', () => {
    const es = new EarlyStopping({ patience: 0 });
    es.onTrainBegin();
    es.onEvalEnd({ step: 10, loss: 0, accuracy: 0, val_loss: 0.1 }, trainer, { epoch: 0 });
    expect(es.best).toBe(0.1);
    es.onTrainBegin();
    expect(es.best).toBe(Infinity);
    expect(es.wait).toBe(0);
  });

  it('refuses to watch what the evaluations do not hold, and bad options', () => {
    const es = new EarlyStopping();
    es.onTrainBegin();
    expect(() => es.onEvalEnd({ step: 10, loss: 1, accuracy: 0.5 }, trainer, { epoch: 0 })).toThrow(
      "EarlyStopping: monitor 'val_loss' is not in the evaluations (they hold loss, accuracy); give a validation " +
        'set, or watch one of those',
    );
    expect(() => new EarlyStopping({ monitor: 'val_f1' as never })).toThrow(
      "EarlyStopping: monitor must be one of 'val_loss', 'val_accuracy', 'loss', 'accuracy', got \"val_f1\"",
    );
    expect(() => new EarlyStopping({ patience: -1 })).toThrow(
      'EarlyStopping: patience must be an integer >= 0, got -1',
    );
    expect(() => new EarlyStopping({ mode: 'up' as never })).toThrow(ValidationError);
    expect(() => new EarlyStopping({ minDelta: Number.NaN })).toThrow('minDelta must be a finite number');
    expect(() => new EarlyStopping({ restore_best_weights: true } as never)).toThrow(
      'EarlyStopping: unknown option "restore_best_weights" (allowed: monitor, minDelta, patience, mode, baseline, ' +
        'restoreBestWeights, startFromEpoch)',
    );
  });

  it('its state goes through JSON and back (for checkpoints), kept weights included', () => {
    const { es } = feed({ patience: 5, restoreBestWeights: true }, [0.3, 0.1, 0.2]);
    const state = JSON.parse(JSON.stringify(es.stateDict(trainer)));
    const again = new EarlyStopping({ patience: 5, restoreBestWeights: true });
    again.loadStateDict(state, trainer);
    again.onTrainBegin(); // the loaded state is taken up here
    expect(again.best).toBe(0.1);
    expect(again.wait).toBe(1);
    expect(again.bestStep).toBe(20);
    for (const p of model.parameters()) p.data.fill(7);
    again.onTrainEnd(trainer);
    expect(weightsEpoch()).toBe(1);
    expect(() => again.loadStateDict({ ...state, best_weights: [[1]] }, trainer)).toThrow(
      /best_weights must be null or a list of 4 tensors/,
    );
  });
});

describe('early_stopping in run configs', () => {
  const base: RunConfigInput = {
    seed: 2,
    sizes: [2, 16, 2],
    data: { type: 'moons', n_samples: 80, noise: 0.3, seed: 0 },
    optimizer: { type: 'Adam', groups: [{ lr: 0.05 }] },
    steps: 200,
    validation: { val_split: 0.25 },
    eval_every: 10,
  };
  const config = (extra: Partial<RunConfigInput>) => parseRunConfig({ ...base, ...extra });

  it('stops where the rule says on the recorded evaluations, and ends with the best step weights, bit for bit', () => {
    // min_delta 10: only the first watched evaluation (step 10) improves; patience 3 stops at epoch 3 (step 40).
    const es = { patience: 3, min_delta: 10, restore_best_weights: true };
    const result = runTraining(config({ early_stopping: es }));
    expect(result.steps).toBe(40);
    expect(result.loss).toHaveLength(40);
    expect(result.evals.map((e) => e.step)).toEqual([0, 10, 20, 30, 40]);
    expect(result.early_stop).toEqual({
      monitor: 'val_loss',
      best: result.evals[1].val_loss,
      best_step: 10,
      stopped_step: 40,
      restored_step: 10,
    });
    // The restored weights are those of step 10: a run of 10 steps ends with them.
    const short = runTraining(config({ steps: 10 }));
    expect(result.final).toEqual(short.final);
    expect(result.final_loss).toBe(short.final_loss);
    expect(result.final_val_loss).toBe(short.final_val_loss);
    expect(result.final_val_loss).toBe(result.evals[1].val_loss);
    // The steps taken are those of the run without early stopping.
    const full = runTraining(config({}));
    expect(result.loss).toEqual(full.loss.slice(0, 40));
    expect(full.early_stop).toBeUndefined();
  });

  it('without restore_best_weights the run ends with the weights it stopped at', () => {
    const result = runTraining(config({ early_stopping: { patience: 1, min_delta: 10 } }));
    expect(result.steps).toBe(20);
    expect(result.early_stop?.restored_step).toBeNull();
    expect(result.final).toEqual(runTraining(config({ steps: 20 })).final);
  });

  it('a val_ monitor needs a held-out set; eval_every is part of the run', () => {
    expect(() => runTraining(config({ validation: null, early_stopping: { patience: 2 } }))).toThrow(
      'early_stopping.monitor: val_loss needs a held-out set: give validation ({val_split: 0.2}, inline {X, Y} or ' +
        'a dataset spec), or monitor loss or accuracy',
    );
    const onLoss = runTraining(config({ validation: null, early_stopping: { patience: 0, monitor: 'loss' } }));
    expect(onLoss.early_stop?.monitor).toBe('loss');
    expect(() => runTraining(config({ early_stopping: { patience: 2 } }), { evalEvery: 5 })).toThrow(
      "eval_every: the run's early stopping counts evaluations every 10 steps (eval_every); evaluating every 5 " +
        'steps would change the run',
    );
    // Without eval_every the interval used is written into the result's config, so that it reruns the same.
    const { eval_every: _, ...rest } = base;
    const filled = runTraining(parseRunConfig({ ...rest, early_stopping: { patience: 2 } }), { evalEvery: 20 });
    expect(filled.config.eval_every).toBe(20);
  });
});
