import { describe, expect, it } from 'vitest';
import { parseRunConfig, type RunConfigInput } from '../../src/config/run_config.ts';
import type { Dataset } from '../../src/data/dataset.ts';
import { RandomState } from '../../src/data/numpy_random.ts';
import { defaultEvalEvery, prepareRun, runConfigToJson, runTraining } from '../../src/train/run.ts';

const base: RunConfigInput = {
  seed: 1,
  sizes: [2, 8, 2],
  activation: 'tanh',
  data: { type: 'moons', n_samples: 60, noise: 0.2, seed: 0 },
  optimizer: { type: 'Adam', groups: [{ lr: 0.02 }] },
  steps: 60,
};
const config = (extra: Partial<RunConfigInput>) => parseRunConfig({ ...base, ...extra });

describe('run configs: batch_schedule', () => {
  it('drives the batches: sizes per step in the result, each batch a slice of the epoch permutation', () => {
    const result = runTraining(
      config({ steps: 10, batch_size: 10, batch_schedule: { type: 'StepBS', args: { step_size: 1, gamma: 2 } } }),
    );
    // Epochs of 10 (6 steps), 20 (3 steps), 40 (1 step); an 11th step would need 80 of 60 samples.
    expect(result.batch_sizes).toEqual([10, 10, 10, 10, 10, 10, 20, 20, 20, 40]);
    expect(result.batches!.map((b) => b.length)).toEqual(result.batch_sizes);
    const rng = new RandomState(1);
    const perms = [0, 1, 2].map(() => Array.from(rng.permutation(60)));
    expect(result.batches![6]).toEqual(perms[1].slice(0, 20));
    expect(result.batches![9]).toEqual(perms[2].slice(0, 40));
    expect(result.config.batch_schedule).toEqual({
      type: 'StepBS',
      args: { step_size: 1, gamma: 2 },
      interval: 'epoch',
    });
  });

  it('a schedule that outgrows the data is refused before training, naming the key', () => {
    expect(() =>
      prepareRun(
        config({ batch_size: 10, batch_schedule: { type: 'StepBS', args: { step_size: 1, gamma: 2 } }, steps: 11 }),
      ),
    ).toThrow(
      'batch_schedule: StepBS: the batch size at epoch 3 (which starts at training step 10) would be 80 (10 × 8), ' +
        'more than the dataset size 60',
    );
    expect(() => config({ batch_schedule: { type: 'StepBS', args: { step_size: 1 } } })).toThrow(
      'batch_schedule: needs batch_size, the batch size of the first epoch (an integer >= 1)',
    );
    expect(() => config({ batch_size: 10, batch_schedule: { type: 'StepBS', interval: 'batch' } as never })).toThrow(
      /batch_schedule.interval/,
    );
    expect(() =>
      prepareRun(config({ batch_size: 10, batch_schedule: { type: 'StepBS', args: { stepsize: 1 } } })),
    ).toThrow("batch_schedule: StepBS has no argument 'stepsize'");
  });

  it('a constant schedule trains exactly as batch_size alone (same permutations, same numbers)', () => {
    const plain = runTraining(config({ batch_size: 16 }));
    const scheduled = runTraining(
      config({ batch_size: 16, batch_schedule: { type: 'StepBS', args: { step_size: 5, gamma: 1 } } }),
    );
    expect(scheduled.batches).toEqual(plain.batches);
    expect(scheduled.loss).toEqual(plain.loss);
    expect(scheduled.final_loss).toBe(plain.final_loss);
    expect(plain.batch_sizes).toEqual(new Array(60).fill(16));
  });

  it('the batches are those of RandomState(seed) permutations (interval step)', () => {
    const result = runTraining(
      config({
        steps: 12,
        batch_size: 20,
        batch_schedule: { type: 'MultiStepBS', args: { milestones: [4] }, interval: 'step' },
      }),
    );
    const rng = new RandomState(1);
    const p0 = Array.from(rng.permutation(60));
    const p1 = Array.from(rng.permutation(60));
    const p2 = Array.from(rng.permutation(60));
    const p3 = Array.from(rng.permutation(60));
    // Steps 0-2: epoch 0 (20 each); epoch 1 starts at step 3 (< 4: 20); epoch 2 at step 6 (40, one step);
    // epoch 3 at step 7, ...
    expect(result.batches!.slice(0, 8)).toEqual([
      p0.slice(0, 20),
      p0.slice(20, 40),
      p0.slice(40, 60),
      p1.slice(0, 20),
      p1.slice(20, 40),
      p1.slice(40, 60),
      p2.slice(0, 40),
      p3.slice(0, 40),
    ]);
    expect(result.batch_sizes).toEqual([20, 20, 20, 20, 20, 20, 40, 40, 40, 40, 40, 40]);
  });
});

describe('runTraining: evaluations', () => {
  it("every k steps and at the end; full-batch evaluation equals that step's training loss", () => {
    const result = runTraining(config({}), { evalEvery: 7 });
    expect(result.evals.map((e) => e.step)).toEqual([0, 7, 14, 21, 28, 35, 42, 49, 56, 60]);
    for (const e of result.evals.slice(0, -1)) expect(e.loss).toBe(result.loss[e.step]);
    expect(result.evals.at(-1)).toEqual({ step: 60, loss: result.final_loss, accuracy: result.final_accuracy });
    expect(defaultEvalEvery(1000)).toBe(10);
    expect(defaultEvalEvery(50)).toBe(1);
  });

  it('how often a run is evaluated does not change it', () => {
    const c = config({ batch_size: 16, scheduler: { type: 'CosineAnnealingLR', args: { T_max: 60 } } });
    const a = runTraining(c, { evalEvery: 1 });
    const b = runTraining(c, { evalEvery: 1000 });
    expect(b.loss).toEqual(a.loss);
    expect(b.final).toEqual(a.final);
    expect(a.evals.length).toBe(61);
    expect(b.evals.map((e) => e.step)).toEqual([0, 60]);
  });

  it('runConfigToJson is the config alone, seed explicit, and reruns the same run', () => {
    const first = runTraining(parseRunConfig({ ...base, seed: undefined }));
    const json = runConfigToJson(first.config);
    expect(json.seed).toBe(0);
    expect(json).not.toHaveProperty('loss');
    const again = runTraining(parseRunConfig(JSON.parse(JSON.stringify(json))));
    expect(again.loss).toEqual(first.loss);
  });
});

describe('RunHooks.onPrepared', () => {
  it('sees the built run before the first step: its held-out rows, scaled as they are evaluated', () => {
    const seen: { step: number; held: Dataset }[] = [];
    let accuracy = NaN;
    const withHeldOut = config({ validation: { val_split: 0.25, seed: 0 }, scaler: { type: 'StandardScaler' } });
    const result = runTraining(withHeldOut, {
      onPrepared: (run) => seen.push({ step: run.trainer.step, held: run.heldOut! }),
      // The rows onPrepared saw, evaluated with the final weights: the run's own final held-out evaluation.
      onModel: (run) => {
        accuracy = run.model.evaluate(seen[0].held, seen[0].held.y).accuracy;
      },
    });
    // 60 moons, a quarter held out: 15 rows; the hook ran once, before step 0.
    expect(seen.map((s) => [s.step, s.held.nSamples])).toEqual([[0, 15]]);
    expect(accuracy).toBe(result.final_val_accuracy);
  });
});
